# liasse connecteur classification: the classification S2LOW serves is
# fetched, its fingerprint stored on the connector and its typology codes
# loaded for the connector's entity (inherited by its communes), so that
# it is the list the codes of an acte are checked against.
. tests/lib/tap.sh
. tests/lib/dossier.sh
. tests/s2low/lib.sh

command -v python3 >/dev/null || { skip "s2low" "python3 absent"; exit 0; }
PKI=$TEST_TMP/pki
s2low_certs "$PKI" || { fail "PKI de test"; exit 1; }
s2low_start "$PKI" || { fail "démarrage du double S2LOW"; exit 1; }
trap s2low_stop EXIT
dossier_setup s2cl || { fail "préparation"; exit 1; }
C() { "$LIASSE" --db "dbname=$DB" connecteur "$@"; }

c=$(C create --entite "$ENT_S" --type s2low "S2LOW du syndicat") || fail "création du connecteur"
C set "$c" url "$S2LOW_URL" && C set "$c" ca --fichier "$PKI/ca.pem" &&
C set "$c" certificat --fichier "$PKI/client.pem" && C set "$c" cle --fichier "$PKI/client.key" ||
	fail "configuration du connecteur"

id=$(L "$UA" dossier create --entite "$ENT_A" --type actes-generique --titre "Classification S2LOW")
# Before: the national list (a code of a matière accepted for any nature).
L "$UA" dossier set "$id" acte_nature=1 type_acte=21_RP >/dev/null && ok "sans classification : 21_RP accepté" ||
	fail "21_RP refusé sans classification"

# An agent may not load a classification for the syndicat.
out=$(PGUSER=$US "$LIASSE" --db "dbname=$DB" connecteur classification "$c" 2>&1); rc=$?
is "$rc" 1 "un agent : refusé"
is "$(sql -c "SELECT count(*) FROM liasse.actes_typologie WHERE entite_id = $ENT_S")" 0 "un agent : aucun code chargé"

out=$(C classification "$c" 2>&1); rc=$?
is "$rc" 0 "connecteur classification : réussi"
sha=$(s2low_ctl "$PKI" "/modules/actes/actes_classification_fetch.php?api=1" | sha256sum | cut -d' ' -f1)
like "$out" "SHA-256 $sha\) : 1 codes de typologie chargés" "message : empreinte et nombre de codes"
is "$(sql -c "SELECT config->>'classification_sha256' FROM liasse.connecteur WHERE id = $c")" "$sha" \
	"empreinte du fichier servi par S2LOW enregistrée"
is "$(sql -c "SELECT string_agg(nature || ':' || code || ':' || libelle || ':' || charge_le, ',') FROM liasse.actes_typologie WHERE entite_id = $ENT_S")" \
	"1:99_DE:Délibération:2024-01-15" "codes chargés pour l'entité du connecteur (ISO-8859-1 converti, date lue)"
out=$(L "$UA" dossier typologies --entite "$ENT_A" 1)
is "$(printf '%s\n' "$out" | cut -f1 | paste -sd,)" "99_DE" "la commune hérite de la classification du syndicat"

# After: the codes of the classification, and only those.
out=$(L "$UA" dossier set "$id" type_acte=21_RP 2>&1); rc=$?
is "$rc" 1 "21_RP absent de la classification S2LOW : refusé"
like "$out" "« 21_RP » n'existe pas dans la classification de la collectivité" "message : code nommé"
L "$UA" dossier set "$id" type_acte=99_DE >/dev/null && ok "99_DE de la classification : accepté" || fail "99_DE refusé"
out=$(L "$UA" dossier set "$id" acte_nature=2 2>&1)
is "$(dsql "$UA" "SELECT count(*) FROM actes_typologies($ENT_A, 2)")" 0 "nature 2 absente de la classification : aucun code"

# Fetched again: the codes are replaced, not added.
C classification "$c" >/dev/null || fail "deuxième récupération"
is "$(sql -c "SELECT count(*) FROM liasse.actes_typologie WHERE entite_id = $ENT_S")" 1 "récupérée deux fois : un seul jeu de codes"

# A connector that is not S2LOW's.
p=$(C create --entite "$ENT_S" --type purge "Purge")
out=$(C classification "$p" 2>&1); rc=$?
is "$rc" 2 "connecteur d'un autre type : code 2"
like "$out" "ne concerne que les connecteurs s2low" "connecteur d'un autre type : message"

# S2LOW unreachable: nothing changes.
C set "$c" url "https://127.0.0.1:1" >/dev/null
out=$(C classification "$c" 2>&1); rc=$?
is "$rc" 1 "S2LOW injoignable : échec"
is "$(sql -c "SELECT config->>'classification_sha256' FROM liasse.connecteur WHERE id = $c")" "$sha" "S2LOW injoignable : empreinte gardée"
is "$(sql -c "SELECT count(*) FROM liasse.actes_typologie WHERE entite_id = $ENT_S")" 1 "S2LOW injoignable : codes gardés"

# At sending: an acte is not transmitted while the stored classification
# is not the one S2LOW serves (it changed since it was fetched); once
# fetched again, the same acte goes.
C set "$c" url "$S2LOW_URL" >/dev/null
C associate --entite "$ENT_S" --type-dossier actes-generique --famille TdT "$c" || fail "association"
C heriter --entite "$ENT_A" --type-dossier actes-generique oui >/dev/null || fail "héritage"
sql -c "INSERT INTO liasse.frequence (connecteur_id, expression) VALUES ($c, '1s')" >/dev/null
sql -c "UPDATE liasse.connecteur SET config = jsonb_set(config, '{classification_sha256}', to_jsonb(repeat('0', 64))) WHERE id = $c" >/dev/null
crees() { s2low_ctl "$PKI" /_test/stats | python3 -c "import json,sys; print(json.load(sys.stdin)['actes_crees'])"; }
n0=$(crees)
printf '%%PDF-1.4\n%% acte\n%%%%EOF\n' >"$TEST_TMP/acte.pdf"
a=$(s2low_acte "$UA" "$ENT_A" DEL2024_CL1 "Acte classification" "$TEST_TMP/acte.pdf") || fail "dossier acte"
"$LIASSE" --db "dbname=$DB" daemon --once >/dev/null 2>&1
etat() { sql -c "SELECT etat FROM liasse.dossier WHERE id = $1"; }
is "$(etat "$a")" "send-tdt-erreur" "classification changée sur S2LOW : pas de transmission"
like "$(sql -c "SELECT message FROM liasse.dossier_etat WHERE dossier_id = $a AND etat = 'send-tdt-erreur'")" \
	"n'est plus celle en vigueur" "message : mettre à jour la classification"
is "$(crees)" "$n0" "rien n'a été créé sur S2LOW"
C classification "$c" >/dev/null || fail "classification relue"
L "$UA" dossier action "$a" orientation >/dev/null || fail "renvoi"
"$LIASSE" --db "dbname=$DB" daemon --once >/dev/null 2>&1
is "$(etat "$a")" "send-tdt" "classification à jour : l'acte est transmis"
is "$(crees)" "$((n0 + 1))" "une transaction sur S2LOW"
