# liasse demo: private cluster created on first run, reused after, stopped at exit.
. tests/lib/tap.sh
dir=$TEST_TMP/demo
cleanup() { [ -f "$dir/cluster" ] && rm -rf "$(cat "$dir/cluster")"; }
trap cleanup EXIT

out=$("$LIASSE" demo --dir "$dir" -- psql -XAtc "SELECT count(*) FROM liasse.dossier" 2>&1); rc=$?
is "$rc" 0 "première démonstration : code 0"
like "$out" "Serveur PostgreSQL de démonstration créé" "le serveur est créé au premier lancement"
like "$out" "mdupont +Marie Dupont" "les agents de démonstration sont présentés"
is "$(printf '%s\n' "$out" | tail -n 1)" 9 "mdupont voit les 9 dossiers de ses deux communes"

out=$("$LIASSE" demo --dir "$dir" --user pmartin -- psql -XAtc \
	"SELECT string_agg(DISTINCT e.denomination, ',') || '|' || count(*) FROM liasse.dossier d JOIN liasse.entite e ON e.id = d.entite_id" 2>&1); rc=$?
is "$rc" 0 "seconde démonstration : code 0"
if printf '%s' "$out" | grep -q "créé"; then fail "le serveur est réutilisé"; else ok "le serveur est réutilisé"; fi
is "$(printf '%s\n' "$out" | tail -n 1)" "Montagnac|2" "pmartin ne voit que Montagnac"

states=$("$LIASSE" demo --dir "$dir" --user admin -- psql -XAtc \
	"SELECT string_agg(DISTINCT type, ',' ORDER BY type) || '|' || count(DISTINCT etat) FROM liasse.dossier" | tail -n 1)
is "$states" "actes-generique,document-a-signer,helios-generique,mailsec-bidir,pdf-generique|4" \
	"dossiers de chaque type, dans plusieurs états"

pgdir=$(if [ -f "$dir/cluster" ]; then cat "$dir/cluster"; else echo "$dir/pg"; fi)
if [ -f "$pgdir/data/postmaster.pid" ]; then fail "le serveur est arrêté à la sortie"; else ok "le serveur est arrêté à la sortie"; fi

out=$("$LIASSE" demo --dir "$dir" --frob 2>&1); rc=$?
is "$rc" 2 "option inconnue : code 2"
