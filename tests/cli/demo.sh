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
	"SELECT string_agg(DISTINCT type, ',' ORDER BY type) || '|' || count(DISTINCT etat) FILTER (WHERE titre <> 'PES dépenses février 2026') FROM liasse.dossier" | tail -n 1)
is "$states" "actes-generique,document-a-signer,helios-generique,mailsec-bidir,pdf-generique|3" \
	"dossiers de chaque type, dans plusieurs états"
cat >"$TEST_TMP/pes.sh" <<'SH'
for i in $(seq 1 60); do
	e=$(psql -XAtc "SELECT string_agg(h.etat, ',' ORDER BY h.id) FROM liasse.dossier_etat h
		JOIN liasse.dossier d ON d.id = h.dossier_id WHERE d.titre = 'PES dépenses février 2026'")
	case $e in *info-tdt*) break;; esac
	sleep 1
done
echo "pes:$e"
SH
pes2=$("$LIASSE" demo --dir "$dir" --user admin -- sh "$TEST_TMP/pes.sh" 2>&1 | sed -n 's/^pes://p')
like "$pes2" "orientation,send-tdt,verif-tdt,info-tdt" "le PES de février part au double de S²LOW par le démon et revient avec son acquit"

pgdir=$(if [ -f "$dir/cluster" ]; then cat "$dir/cluster"; else echo "$dir/pg"; fi)
if [ -f "$pgdir/data/postmaster.pid" ]; then fail "le serveur est arrêté à la sortie"; else ok "le serveur est arrêté à la sortie"; fi

out=$("$LIASSE" demo --dir "$dir" --frob 2>&1); rc=$?
is "$rc" 2 "option inconnue : code 2"

# The demo's TdT: a secretary creates and sends an acte through the CLI;
# the S2LOW double and the daemon started by the demo acknowledge it
# without anyone touching it (bounded wait), and both stop with the demo.
if command -v python3 >/dev/null && command -v openssl >/dev/null; then
	printf '%%PDF-1.4\n%% acte de démonstration\n%%%%EOF\n' >"$TEST_TMP/acte.pdf"
	cat >"$TEST_TMP/envoi.sh" <<'SH'
set -e
e=$(psql -XAtc "SELECT id FROM liasse.entite WHERE denomination = 'Saint-Martin-les-Vignes'")
id=$("$LIASSE" dossier create --entite "$e" --type actes-generique --titre "Arrêté de test du démon")
"$LIASSE" dossier set "$id" acte_nature=2 numero_de_lacte=DEMO_T1 classification=1.1 type_acte=99_AR >/dev/null
"$LIASSE" dossier attach "$id" arrete "$PDF" >/dev/null
"$LIASSE" dossier action "$id" orientation >/dev/null
for i in $(seq 1 60); do
	etat=$(psql -XAtc "SELECT etat FROM liasse.dossier_etat WHERE dossier_id = $id AND etat = 'acquiter-tdt'")
	[ -n "$etat" ] && break
	sleep 1
done
echo "etat:$etat"
echo "demon:$(pgrep -f "host=$PGHOST dbname=liasse user=postgres daemon" | tr '\n' ' ')"
SH
	out=$(LIASSE=$LIASSE PDF=$TEST_TMP/acte.pdf "$LIASSE" demo --dir "$dir" -- sh "$TEST_TMP/envoi.sh" 2>&1); rc=$?
	is "$rc" 0 "démonstration avec télétransmission : code 0"
	like "$out" "double de S²LOW sur" "le double de S²LOW et le démon sont lancés"
	like "$out" "etat:acquiter-tdt" "l'acte envoyé reçoit son acquittement tout seul"
	dpid=$(cat "$dir/s2low/double.pid" 2>/dev/null)
	if [ -n "$dpid" ] && ! kill -0 "$dpid" 2>/dev/null; then ok "le double de S²LOW est arrêté à la sortie"
	else fail "le double de S²LOW est arrêté à la sortie ($dpid)"; fi
	mpid=$(printf '%s\n' "$out" | sed -n 's/^demon://p')
	if [ -n "$mpid" ] && ! kill -0 $mpid 2>/dev/null; then ok "le démon est arrêté à la sortie"
	else fail "le démon est arrêté à la sortie ($mpid)"; fi
	# The demo folder is kept from one run to the next: a certificate of
	# its TdT that has expired (or ends within a day) is made again, and
	# the connectors take the new ones.
	pki=$dir/s2low
	cp "$pki/ca.pem" "$TEST_TMP/ca-avant.pem"
	openssl req -newkey rsa:2048 -nodes -subj "/CN=liasse-client" -keyout "$TEST_TMP/vieux.key" \
		-out "$TEST_TMP/vieux.csr" 2>/dev/null &&
	openssl x509 -req -in "$TEST_TMP/vieux.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial \
		-days -1 -out "$pki/client.pem" 2>/dev/null || fail "certificat périmé"
	check "certificat client de la démonstration périmé (préparation)" \
		sh -c "! openssl x509 -checkend 0 -noout -in '$pki/client.pem' >/dev/null"
	sed -i 's/DEMO_T1/DEMO_T2/' "$TEST_TMP/envoi.sh"
	out=$(LIASSE=$LIASSE PDF=$TEST_TMP/acte.pdf "$LIASSE" demo --dir "$dir" -- sh "$TEST_TMP/envoi.sh" 2>&1); rc=$?
	is "$rc" 0 "démonstration après l'expiration de ses certificats : code 0"
	check "certificat client refait, valable au moins un an moins un jour" \
		openssl x509 -checkend $((364 * 86400)) -noout -in "$pki/client.pem"
	check "autorité de la démonstration refaite aussi" sh -c "! cmp -s '$TEST_TMP/ca-avant.pem' '$pki/ca.pem'"
	like "$out" "etat:acquiter-tdt" "l'acte envoyé avec les nouveaux certificats reçoit son acquittement"
else
	skip "télétransmission de la démonstration" "python3 ou openssl absent"
fi
