# The S2LOW client key on a PKCS#11 token (SoftHSM2 in a private folder,
# OpenSSL's pkcs11 engine through p11-kit): the double requires the client
# certificate; Tester la connexion and an acte's transmission succeed with
# the key on the token (certificate from the token, or as a PEM beside it);
# a wrong PIN gives a French error, is not presented again by the same
# process (a card blocks after a few) and never appears in what is shown
# or stored; a PIN put in the URI is refused.
. tests/lib/tap.sh
. tests/lib/dossier.sh
. tests/s2low/lib.sh

command -v python3 >/dev/null || { skip "s2low pkcs11" "python3 absent"; exit 0; }
command -v softhsm2-util >/dev/null || { skip "s2low pkcs11" "softhsm2 absent"; exit 0; }
command -v pkcs11-tool >/dev/null || { skip "s2low pkcs11" "opensc (pkcs11-tool) absent"; exit 0; }
eng=$(openssl version -e | sed -n 's/^ENGINESDIR: "\(.*\)"/\1/p')/pkcs11.so
[ -f "$eng" ] || { skip "s2low pkcs11" "libengine-pkcs11-openssl absent"; exit 0; }
PKI=$TEST_TMP/pki
s2low_certs "$PKI" || { fail "PKI de test"; exit 1; }

# A token holding the client key and certificate (SoftHSM2 reached through
# p11-kit's proxy, which loads the registered softhsm2 module).
H=$TEST_TMP/softhsm
mkdir -p "$H/tokens"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$H" >"$H/softhsm2.conf"
export SOFTHSM2_CONF=$H/softhsm2.conf
PIN=481516 TOKEN=LIASSE-TLS
MOD=$(find /usr/lib -name libsofthsm2.so 2>/dev/null | head -n 1)
softhsm2-util --init-token --free --label "$TOKEN" --pin "$PIN" --so-pin 87654321 >/dev/null &&
openssl pkcs8 -topk8 -nocrypt -in "$PKI/client.key" -out "$H/client8.key" &&
softhsm2-util --import "$H/client8.key" --token "$TOKEN" --label tls --id 01 --pin "$PIN" >/dev/null &&
openssl x509 -in "$PKI/client.pem" -outform der -out "$H/client.der" &&
pkcs11-tool --module "$MOD" --token-label "$TOKEN" --login --pin "$PIN" --write-object "$H/client.der" \
	--type cert --id 01 --label tls >/dev/null 2>&1 || { fail "jeton SoftHSM2"; exit 1; }
rm -f "$H/client8.key"

s2low_start "$PKI" --auto --auto-fast || { fail "démarrage du double S2LOW"; exit 1; }
trap s2low_stop EXIT
dossier_setup s2tok || { fail "préparation"; exit 1; }
C() { "$LIASSE" --db "dbname=$DB" connecteur "$@"; }
D() { "$LIASSE" --db "dbname=$DB" daemon --once 2>&1; }
val() { sql -c "SELECT valeur FROM liasse.dossier_valeur WHERE dossier_id = $1 AND champ = '$2'"; }
unlike() { if printf '%s' "$1" | grep -Fq -- "$2"; then fail "$3"; else ok "$3"; fi; }

c=$(C create --entite "$ENT_A" --type s2low "S2LOW sur jeton") || fail "création du connecteur"
C set "$c" url "$S2LOW_URL" && C set "$c" ca --fichier "$PKI/ca.pem" &&
C set "$c" cle_pkcs11 "pkcs11:token=$TOKEN;object=tls;type=private" && C set "$c" code_pin "$PIN" ||
	fail "configuration du connecteur"
is "$(sql -c "SELECT config ? 'code_pin' FROM liasse.connecteur WHERE id = $c")" f "le code PIN est un secret"
like "$(C show "$c")" "code_pin	\(secret enregistré\)" "show : le code PIN n'est jamais affiché"

# Without the client certificate the double refuses the handshake.
c0=$(C create --entite "$ENT_A" --type s2low "S2LOW sans certificat")
C set "$c0" url "$S2LOW_URL"; C set "$c0" ca --fichier "$PKI/ca.pem"
C set "$c0" certificat --fichier "$PKI/client.pem"
C set "$c0" cle --fichier "$PKI/inconnu.key"
out=$(C test "$c0" 2>&1); rc=$?
is "$rc" 1 "certificat sans sa clé : échec"

out=$(C test "$c" 2>&1); rc=$?
is "$rc" 0 "Tester la connexion avec la clé sur le jeton"
like "$out" "Connexion à S²LOW réussie : compte « agent »" "clé et certificat lus sur le jeton"
C set "$c" certificat --fichier "$PKI/client.pem"
like "$(C test "$c" 2>&1)" "réussie" "certificat en PEM, clé sur le jeton"
C set "$c" certificat --vide

# An acte transmitted by the daemon with the key on the token.
C associate --entite "$ENT_A" --type-dossier actes-generique --famille TdT "$c" || fail "association"
sql -c "INSERT INTO liasse.frequence (connecteur_id, expression) VALUES ($c, '1s')" >/dev/null
printf '%%PDF-1.4\n%% acte\n%%%%EOF\n' >"$TEST_TMP/acte.pdf"
a=$(s2low_acte "$UA" "$ENT_A" JETON_01 "Acte par jeton" "$TEST_TMP/acte.pdf") || fail "dossier acte"
log=$(D)
is "$(sql -c "SELECT etat FROM liasse.dossier WHERE id = $a")" "send-tdt" "acte transmis à S2LOW avec la clé du jeton"
like "$(val "$a" tedetis_transaction_id)" '^[0-9]+$' "transaction S2LOW enregistrée"
unlike "$log" "$PIN" "le code PIN n'apparaît pas dans le journal du démon"

# A wrong PIN: a French message, the PIN nowhere.
C set "$c" code_pin 000000
out=$(C test "$c" 2>&1); rc=$?
is "$rc" 1 "mauvais code PIN : échec"
like "$out" "Clé du jeton PKCS#11 inaccessible : code PIN incorrect" "mauvais code PIN : message en français"
unlike "$out" "000000" "le code PIN n'est pas affiché"
# What the engine prints on stderr (the screen, under the TUI) goes to
# the log instead: here, with the log on stderr, each line prefixed.
like "$out" "moteur PKCS#11 : .*Login failed" "mauvais code PIN : la plainte du moteur passe par le journal"
is "$(printf '%s\n' "$out" | grep 'Login failed' | grep -vc 'moteur PKCS#11 : ')" 0 \
	"mauvais code PIN : rien du moteur n'est écrit directement sur la sortie d'erreur"
a2=$(s2low_acte "$UA" "$ENT_A" JETON_02 "Acte PIN faux" "$TEST_TMP/acte.pdf") || fail "dossier acte 2"
a3=$(s2low_acte "$UA" "$ENT_A" JETON_03 "Autre acte PIN faux" "$TEST_TMP/acte.pdf") || fail "dossier acte 3"
log=$(D)
msgs=$(sql -c "SELECT string_agg(last_message, ' | ' ORDER BY last_message) FROM liasse.job WHERE dossier_id IN ($a2, $a3)")
like "$msgs" "Clé du jeton PKCS#11 inaccessible : ce code PIN a déjà été refusé .* n'est plus présenté, pour ne pas bloquer le jeton" \
	"transmission avec un mauvais code PIN : message sur les travaux"
# The engine (libp11) reports each refused login on stderr.
is "$(printf '%s\n' "$log" | grep -c 'Login failed')" 1 \
	"le démon ne présente qu'une fois un code PIN refusé (deux actes, plusieurs essais)"
is "$(val "$a2" tedetis_transaction_id)$(val "$a3" tedetis_transaction_id)" "" "rien de transmis"
unlike "$log$(sql -c "SELECT string_agg(coalesce(last_message, ''), ' ') FROM liasse.job")" "000000" \
	"le code PIN n'est ni journalisé ni enregistré"

# The PIN belongs in its secret, not in the URI; a URI that is not pkcs11:.
C set "$c" code_pin "$PIN"
C set "$c" cle_pkcs11 "pkcs11:token=$TOKEN;object=tls;pin-value=$PIN"
like "$(C test "$c" 2>&1)" "Le code PIN ne va pas dans l'URI" "code PIN dans l'URI : refusé"
C set "$c" cle_pkcs11 "/tmp/cle.pem"
like "$(C test "$c" 2>&1)" "doit être une URI « pkcs11:" "URI invalide : refusée"
