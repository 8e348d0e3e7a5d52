# liasse db init / migrate / status against the test cluster.
. tests/lib/tap.sh

createdb migr1
out=$("$LIASSE" --db "dbname=migr1" db status 2>&1); rc=$?
is "$rc" 1 "status sur une base vide : code 1"
like "$out" 'liasse db init' "status sur une base vide dit de lancer init"

out=$("$LIASSE" --db "dbname=migr1" db init 2>&1); rc=$?
is "$rc" 0 "db init réussit"
n=$(DB=migr1 sql -c "SELECT count(*) FROM liasse.schema_version")
nfiles=$(ls core/sql/[0-9][0-9][0-9]_*.sql | wc -l)
is "$n" "$nfiles" "toutes les migrations sont enregistrées"

out=$("$LIASSE" --db "dbname=migr1" db migrate 2>&1); rc=$?
is "$rc" 0 "db migrate une seconde fois réussit"
like "$out" 'déjà à jour' "db migrate est idempotent"
n2=$(DB=migr1 sql -c "SELECT count(*) FROM liasse.schema_version")
is "$n2" "$n" "aucune migration appliquée deux fois"

out=$(PGDATABASE=migr1 "$LIASSE" db status 2>&1); rc=$?
is "$rc" 0 "db status via l'environnement libpq"
like "$out" 'Schéma à jour' "db status dit que le schéma est à jour"

# A pending migration shows as such.
last=$(DB=migr1 sql -c "SELECT max(version) FROM liasse.schema_version")
DB=migr1 sql -c "DELETE FROM liasse.schema_version WHERE version = $last"
out=$("$LIASSE" --db "dbname=migr1" db status 2>&1)
like "$out" 'en attente' "une migration retirée apparaît en attente"
DB=migr1 sql -c "INSERT INTO liasse.schema_version(version,name,sha256) VALUES ($last,'x','0')"
out=$("$LIASSE" --db "dbname=migr1" db status 2>&1); rc=$?
is "$rc" 1 "un fichier de migration modifié depuis son application : code 1"
like "$out" 'ATTENTION' "status signale la migration modifiée"

# Service file.
cat >"$TEST_TMP/pg_service.conf" <<SVC
[liassetest]
host=$PGHOST
port=$PGPORT
dbname=migr1
user=postgres
SVC
out=$(PGSERVICEFILE="$TEST_TMP/pg_service.conf" PGSERVICE=liassetest PGDATABASE= "$LIASSE" db status 2>&1)
like "$out" 'Base : migr1' "la connexion suit le fichier de service libpq"
