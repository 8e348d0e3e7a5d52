# make install / uninstall, as a packager runs them (PREFIX, DESTDIR): the
# binary, which carries everything it needs, and the man pages, found by
# man; uninstall takes away what install put.
. tests/lib/tap.sh

command -v make >/dev/null || { skip "make install" "make absent"; exit 0; }
b=$(dirname "$LIASSE")
root=$TEST_TMP/root
# -o: the binary under test as it is, never rebuilt here.
out=$(make -s B="$b" -o "$b/liasse" install DESTDIR="$root" PREFIX=/usr 2>&1); rc=$?
is "$rc" 0 "make install DESTDIR=… PREFIX=/usr réussit"
[ "$rc" = 0 ] || printf '%s\n' "$out" | sed 's/^/#   /'
check "binaire installé et exécutable (usr/bin/liasse)" test -x "$root/usr/bin/liasse"
is "$("$root/usr/bin/liasse" help 2>&1)" "$("$LIASSE" help 2>&1)" "le binaire installé est celui construit"
for page in man/*.[0-9]; do
	sec=${page##*.} name=$(basename "$page" ".$sec")
	check "page $name($sec) installée" cmp -s "$page" "$root/usr/share/man/man$sec/$name.$sec"
	like "$(MANWIDTH=80 man -M "$root/usr/share/man" "$sec" "$name" 2>/dev/null | head -n 5)" \
		"$(echo "$name" | tr a-z A-Z)" "man -M … $sec $name trouve et affiche la page"
done
# The migrations and forms come with the binary: run from elsewhere, it
# initialises a database with every migration and dossier type.
createdb inst1 || fail "base inst1"
out=$(cd / && "$root/usr/bin/liasse" --db "dbname=inst1" db init 2>&1); rc=$?
is "$rc" 0 "le binaire installé initialise une base, hors de l'arborescence des sources"
is "$(DB=inst1 sql -c "SELECT count(*) FROM liasse.schema_version")" "$(ls core/sql/[0-9][0-9][0-9]_*.sql | wc -l)" \
	"toutes les migrations viennent du binaire installé"
is "$(DB=inst1 sql -c "SELECT count(DISTINCT type) FROM liasse.dossier_type")" "$(ls forms/*.form | wc -l)" \
	"tous les types de dossiers viennent du binaire installé"
like "$(cd / && "$root/usr/bin/liasse" pes info "$SHARED/samples/pes/aller/depense_accents_latin1.xml" 2>&1)" \
	"^nom_fic: HELIOS_SIMU_ALR2_" "pes info avec le binaire installé"
make -s B="$b" -o "$b/liasse" uninstall DESTDIR="$root" PREFIX=/usr >/dev/null 2>&1
is "$(find "$root" -type f | wc -l)" 0 "make uninstall retire tout ce qui a été installé"
