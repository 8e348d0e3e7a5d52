# Transport errors at the job level, and the optional login/password of
# the S2LOW connector. A server certificate of an unknown CA (TLS failure)
# and a server too slow for the configured delay: the send is retried
# with the reason in French on the job, reaches the error state after the
# tries of the rule (the reason in the history), and the agent resends
# once the cause is gone. A certificate shared by several S2LOW accounts:
# the login and password choose one.
. tests/lib/tap.sh
. tests/lib/dossier.sh
. tests/s2low/lib.sh

command -v python3 >/dev/null || { skip "s2low erreurs" "python3 absent"; exit 0; }
PKI=$TEST_TMP/pki
s2low_certs "$PKI" && s2low_start "$PKI" --slow 3 || { fail "double S2LOW"; exit 1; }
trap s2low_stop EXIT
dossier_setup s2e || { fail "préparation"; exit 1; }
s2low_helpers "$PKI"
job() { sql -c "SELECT nb_try || ' ' || last_message FROM liasse.job WHERE dossier_id = $1"; }
crees() { s2low_ctl "$PKI" /_test/stats | python3 -c "import json,sys; print(json.load(sys.stdin)['actes_crees'])"; }
# until_error ID: the job run again until the dossier reaches the error
# state (at most 5 runs).
until_error() {
	local i
	for i in 1 2 3 4 5; do
		[ "$(etat "$1")" = send-tdt-erreur ] && return 0
		due "$1"; D
	done
}
c=$(s2low_connecteur "$ENT_A" "$PKI") || fail "connecteur"
C associate --entite "$ENT_A" --type-dossier actes-generique --famille TdT "$c" || fail "association"
sql -c "INSERT INTO liasse.frequence (connecteur_id, expression) VALUES ($c, '1 X 2')" >/dev/null
printf '%%PDF-1.4\n%% acte\n%%%%EOF\n' >"$TEST_TMP/acte.pdf"

# TLS: the server's certificate signed by a CA the connector does not trust.
C set "$c" ca --fichier "$PKI/autre-ca.pem" || fail "CA erronée"
a1=$(s2low_acte "$UA" "$ENT_A" DEL2024_T1 "Acte TLS" "$TEST_TMP/acte.pdf") || fail "dossier acte"
D
like "$(job "$a1")" "^1 .*certificat du serveur .* n'est pas reconnu" "TLS refusé : nouvel essai prévu, raison en français"
is "$(etat "$a1")" "orientation" "le dossier attend le nouvel essai"
until_error "$a1"
is "$(etat "$a1")" "send-tdt-erreur" "essais épuisés : Erreur de transmission"
like "$(sql -c "SELECT message FROM liasse.dossier_etat WHERE dossier_id = $a1 AND etat = 'send-tdt-erreur'")" \
	"certificat du serveur" "raison TLS dans l'historique"
is "$(crees)" 0 "rien n'a atteint S2LOW"
C set "$c" ca --fichier "$PKI/ca.pem"
L "$UA" dossier action "$a1" orientation >/dev/null || fail "renvoi"
D
is "$(etat "$a1")" "send-tdt" "CA corrigée : le renvoi passe"

# Timeout: the double answers after 3 s, the connector waits 1 s.
C set "$c" delai 1 || fail "délai"
s2low_ctl "$PKI" "/_test/panne?mode=slow&n=10" >/dev/null
a2=$(s2low_acte "$UA" "$ENT_A" DEL2024_T2 "Acte lent" "$TEST_TMP/acte.pdf") || fail "dossier acte 2"
D
like "$(job "$a2")" "^1 Le serveur localhost(:[0-9]+)? n'a pas répondu dans le délai \(1 s\)" \
	"délai dépassé : nouvel essai prévu, raison en français"
until_error "$a2"
is "$(etat "$a2")" "send-tdt-erreur" "essais épuisés : Erreur de transmission"
like "$(sql -c "SELECT message FROM liasse.dossier_etat WHERE dossier_id = $a2 AND etat = 'send-tdt-erreur'")" \
	"n'a pas répondu dans le délai" "raison du délai dans l'historique"
is "$(crees)" 1 "aucune transaction créée par les envois trop lents"

# One certificate, two S2LOW accounts (a new double): HTTP Basic chooses.
s2low_stop
s2low_start "$PKI" --account liasse-client:alice:pw-alice --account liasse-client:bob:pw-bob ||
	fail "double S2LOW à deux comptes"
C set "$c" url "$S2LOW_URL" && C set "$c" delai 60 || fail "nouvelle adresse"
out=$(C test "$c" 2>&1); rc=$?
is "$rc" 1 "deux comptes, sans identifiant : échec"
like "$out" "La connexion n'a pas pu être établie" "deux comptes, sans identifiant : message de S2LOW"
C set "$c" login bob && C set "$c" mot_de_passe mauvais || fail "identifiant"
like "$(C test "$c" 2>&1)" "aucun compte trouvé" "mauvais mot de passe : refusé"
C set "$c" mot_de_passe pw-bob
like "$(C test "$c" 2>&1)" "Connexion à S²LOW réussie : compte « bob »" "identifiant et mot de passe : le compte choisi"
like "$(C show "$c")" "mot_de_passe	\(secret enregistré\)" "le mot de passe est un secret, jamais affiché"
unlike() { if printf '%s' "$1" | grep -q -- "$2"; then fail "$3"; else ok "$3"; fi; }
unlike "$(C show "$c")" "pw-bob" "show : mot de passe absent"
L "$UA" dossier action "$a2" orientation >/dev/null || fail "renvoi"
D
is "$(etat "$a2")" "send-tdt" "le démon transmet avec le compte choisi"
is "$(crees)" 1 "une transaction sur le nouveau double"
