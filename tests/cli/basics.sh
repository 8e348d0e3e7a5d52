# The binary's command line: help, unknown subcommands, exit codes.
. tests/lib/tap.sh

out=$("$LIASSE" help); rc=$?
is "$rc" 0 "liasse help sort avec 0"
like "$out" 'db +initialise' "liasse help liste la commande db"

out=$("$LIASSE" frobnique 2>&1); rc=$?
is "$rc" 2 "une sous-commande inconnue sort avec le code 2"
like "$out" 'commande inconnue : « frobnique »' "message d'erreur en français"

out=$("$LIASSE" db frob 2>&1); rc=$?
is "$rc" 2 "db avec une sous-commande inconnue : code 2"

out=$("$LIASSE" --db "host=$TEST_TMP/nowhere" db status 2>&1); rc=$?
is "$rc" 1 "base injoignable : code 1"
like "$out" 'Impossible de se connecter à la base de données' "base injoignable : message en français"

# The connector types and their settings, without a database.
out=$("$LIASSE" connecteur types 2>&1); rc=$?
is "$rc" 0 "connecteur types sort avec 0"
like "$out" $'^s2low\tTdT\t' "connecteur types liste s2low et sa famille"
like "$out" $'\tresultat\tchoix\t.*\\(défaut : ok\\)$' "un réglage par défaut est dit entre parenthèses fermées"

# The test scripts' databases (dossier_setup NAME, newdb NAME) share one
# cluster: each name belongs to one script.
dups=$(grep -rhoE '^[[:space:]]*(dossier_setup|newdb) [a-z0-9_]+' tests/*/*.sh | awk '{print $2}' | sort | uniq -d | paste -sd' ')
is "$dups" "" "chaque script de test a sa propre base"
