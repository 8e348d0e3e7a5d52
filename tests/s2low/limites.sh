# S2LOW's size limits as the double reproduces them (protocol §3.4 and
# §2: 150 MiB for the files of an acte, 128 MiB for a PES, PHP's
# post_max_size above which the form arrives empty), scaled down so that
# the test sends kilobytes: a refusal for size reaches the dossier as an
# error with S2LOW's own words, and nothing is counted as transmitted.
. tests/lib/tap.sh
. tests/lib/dossier.sh
. tests/s2low/lib.sh

command -v python3 >/dev/null || { skip "s2low limites" "python3 absent"; exit 0; }
PKI=$TEST_TMP/pki
s2low_certs "$PKI" && s2low_start "$PKI" --actes-max 20000 --helios-max 3500 --post-max 60000 ||
	{ fail "double S2LOW"; exit 1; }
trap s2low_stop EXIT
dossier_setup s2lim || { fail "préparation"; exit 1; }
s2low_helpers "$PKI"
L() { PGUSER=$1 "$LIASSE" --db "dbname=$DB" "${@:2}"; }
msg() { sql -c "SELECT string_agg(message, ' | ') FROM liasse.dossier_etat WHERE dossier_id = $1"; }
stats() { ctl "/_test/stats" | python3 -c "import json,sys; s=json.load(sys.stdin); print(len(s['actes']), len(s['helios']))"; }
c=$(s2low_connecteur "$ENT_A" "$PKI") || fail "connecteur"
C associate --entite "$ENT_A" --type-dossier actes-generique --famille TdT "$c" || fail "association actes"
C associate --entite "$ENT_A" --type-dossier helios-generique --famille TdT "$c" || fail "association helios"

# An acte of 30 kB where the double admits 20 kB.
{ printf '%%PDF-1.4\n'; head -c 30000 /dev/zero | tr '\0' 'x'; printf '\n%%%%EOF\n'; } >"$TEST_TMP/gros.pdf"
a1=$(s2low_acte "$UA" "$ENT_A" DEL2024_L1 "Acte trop lourd" "$TEST_TMP/gros.pdf") || fail "dossier acte"
D
is "$(etat "$a1")" "send-tdt-erreur" "acte au-delà de la limite de S2LOW : Erreur de transmission"
like "$(msg "$a1")" "taille totale des fichiers est trop importante" "le refus de S2LOW est dans l'historique"

# A PES over the double's PES limit (the sample is 4,238 bytes, 3,500 admitted).
PES=$SHARED/samples/pes/aller/depense_accents_latin1.xml
h1=$(L "$UA" dossier create --entite "$ENT_A" --type helios-generique --titre "PES trop lourd") &&
L "$UA" dossier attach "$h1" fichier_pes "$PES" >/dev/null &&
L "$UA" dossier set "$h1" envoi_tdt=on >/dev/null &&
L "$UA" dossier action "$h1" orientation >/dev/null || fail "dossier PES"
D
is "$(etat "$h1")" "tdt-error" "PES au-delà de la limite de S2LOW : Erreur sur le TdT"
like "$(msg "$h1")" "taille maximale" "le refus de S2LOW est dans l'historique"

# A form larger than post_max_size arrives empty (PHP), S2LOW answers as
# to a form without its fields.
{ printf '%%PDF-1.4\n'; head -c 70000 /dev/zero | tr '\0' 'y'; printf '\n%%%%EOF\n'; } >"$TEST_TMP/enorme.pdf"
a2=$(s2low_acte "$UA" "$ENT_A" DEL2024_L2 "Acte au-delà de post_max_size" "$TEST_TMP/enorme.pdf") || fail "dossier acte 2"
D
is "$(etat "$a2")" "send-tdt-erreur" "formulaire au-delà de post_max_size : Erreur de transmission"
is "$(stats)" "0 0" "aucune transaction créée sur S2LOW"
