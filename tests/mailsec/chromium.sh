# The recipient's pages in a real browser: headless Chromium loads the
# message page and the reply form (phone-sized window), takes screenshots
# and dumps the DOM it rendered.
. tests/lib/tap.sh
. tests/lib/dossier.sh

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then skip "pages destinataires dans Chromium" "chromium n'est pas installé (paquet Debian chromium)"; exit 0; fi
command -v curl >/dev/null || { skip "pages destinataires dans Chromium" "curl absent"; exit 0; }
dossier_setup mscr || { fail "préparation"; exit 1; }
T=$TEST_TMP/mscr; mkdir -p "$T/mails"
python3 tests/mailsec/smtpsink.py "$T/mails" "$T/smtp.port" & SINK=$!
SERVE=
trap 'kill $SINK $SERVE 2>/dev/null' EXIT
for _ in $(seq 50); do [ -s "$T/smtp.port" ] && break; sleep 0.1; done
WEB_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$LIASSE" --db "dbname=$DB" serve --listen "127.0.0.1:$WEB_PORT" 2>"$T/serve.log" & SERVE=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$WEB_PORT/sante" >/dev/null && break; sleep 0.1; done
c=$(sql -c "SELECT liasse.connecteur_create($ENT_A, 'smtp', 'mailsec', 'SMTP')")
for kv in "serveur=smtp://127.0.0.1:$(cat "$T/smtp.port")" "starttls=off" "expediteur=convocations@syndicat.example" \
	"lien_base=http://127.0.0.1:$WEB_PORT"; do
	sql -c "SELECT liasse.connecteur_set($c, '${kv%%=*}', '${kv#*=}')" >/dev/null
done
sql -c "SELECT liasse.connecteur_associate($ENT_A, 'mailsec-bidir', 'mailsec', $c)" >/dev/null
id=$(L "$UA" dossier create --entite "$ENT_A" --type mailsec-bidir --titre "Convocation au conseil municipal")
L "$UA" dossier set "$id" 'to=elu@a.example' 'message=Bonjour, vous êtes convoqué le 12 mars à 18 h.' >/dev/null
L "$UA" dossier attach "$id" document_attache core/demo/document.pdf >/dev/null
L "$UA" mailsec send "$id" >/dev/null
"$LIASSE" --db "dbname=$DB" daemon --once >/dev/null 2>&1
link=$(python3 tests/mailsec/mailread.py "$(ls "$T"/mails/*.eml | head -n 1)" link)
like "$link" "/mail/[0-9a-f]{64}$" "lien lu dans le courriel capturé"

shot() { # shot OUT.png URL: a phone-sized screenshot and the DOM
	"$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$(mktemp -d "$T/profile.XXXX")" --window-size=412,915 \
		--screenshot="$1" "$2" >/dev/null 2>&1
	"$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$(mktemp -d "$T/profile.XXXX")" --dump-dom "$2" 2>/dev/null
}
png_ok() { python3 -c 'import sys,struct; d=open(sys.argv[1],"rb").read(); assert d[:8]==b"\x89PNG\r\n\x1a\n"; w,h=struct.unpack(">II",d[16:24]); assert w>=300 and h>=300 and len(d)>5000; print("ok")' "$1" 2>/dev/null; }

dom=$(shot "$T/message.png" "$link")
is "$(png_ok "$T/message.png")" ok "capture de la page du message (PNG)"
like "$dom" 'Convocation au conseil municipal' "Chromium affiche l'objet"
like "$dom" 'document\.pdf' "Chromium affiche le document"
like "$dom" 'name="reponse"' "Chromium affiche le formulaire de réponse"
is "$(sql -c "SELECT etat FROM liasse.dossier WHERE id = $id")" "reception" "la lecture dans le navigateur est enregistrée"
curl -s -o /dev/null -F 'reponse=Présent' "$link/reponse"
dom=$(shot "$T/reponse.png" "$link")
is "$(png_ok "$T/reponse.png")" ok "capture du formulaire de validation (PNG)"
like "$dom" 'Valider la réponse' "Chromium affiche le bouton de validation"
cp "$T/message.png" "$T/reponse.png" "$TEST_TMP/" 2>/dev/null
