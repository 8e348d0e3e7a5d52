# s2low_certs DIR: a throwaway test PKI for the S2LOW double, in DIR:
#   ca.pem/ca.key          the test CA (trusted by the double and by liasse)
#   server.pem/server.key  the double's certificate (localhost, 127.0.0.1)
#   client.pem/client.key  an agent's certificate (CN liasse-client)
#   client.p12             the same as PKCS#12, password "p12secret"
#   inconnu.pem/.key       a certificate of the CA bound to no account
#   autre-ca.pem, intrus.pem/.key  another CA and a certificate it signed
# valid for S2LOW_CERT_DAYS days (2 by default; the demo's last a year).
s2low_certs() {
	local d=$1 days=${S2LOW_CERT_DAYS:-2}
	mkdir -p "$d" || return 1
	(
		cd "$d" || exit 1
		openssl req -x509 -newkey rsa:2048 -nodes -days "$days" -subj "/CN=Liasse Test CA" \
			-keyout ca.key -out ca.pem -addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null || exit 1
		mk() { # name cn [extfile]
			openssl req -newkey rsa:2048 -nodes -subj "/CN=$2" -keyout "$1.key" -out "$1.csr" 2>/dev/null &&
			openssl x509 -req -in "$1.csr" -CA "${4:-ca}.pem" -CAkey "${4:-ca}.key" -CAcreateserial \
				-days "$days" -out "$1.pem" -extfile "$3" 2>/dev/null
		}
		printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >server.ext
		printf 'extendedKeyUsage=clientAuth\n' >client.ext
		mk server localhost server.ext && mk client liasse-client client.ext &&
		mk inconnu inconnu client.ext || exit 1
		openssl req -x509 -newkey rsa:2048 -nodes -days "$days" -subj "/CN=Autre CA" \
			-keyout autre-ca.key -out autre-ca.pem 2>/dev/null &&
		mk intrus liasse-client client.ext autre-ca || exit 1
		openssl pkcs12 -export -in client.pem -inkey client.key -out client.p12 \
			-passout pass:p12secret 2>/dev/null || exit 1
	)
}

# s2low_start DIR [OPTIONS...]: starts the double on a free loopback port
# with the certificates of DIR; sets S2LOW_URL and S2LOW_PID.
s2low_start() {
	local d=$1; shift
	rm -f "$d/port"
	python3 tests/s2low/s2low_double.py --certs "$d" --port 0 --port-file "$d/port" "$@" \
		>"$d/double.log" 2>&1 &
	S2LOW_PID=$!
	local i
	for i in $(seq 1 100); do
		[ -s "$d/port" ] && break
		sleep 0.05
	done
	[ -s "$d/port" ] || { cat "$d/double.log" >&2; return 1; }
	S2LOW_URL="https://localhost:$(cat "$d/port")"
	export S2LOW_URL S2LOW_PID
}

s2low_stop() { [ -n "${S2LOW_PID:-}" ] && kill "$S2LOW_PID" 2>/dev/null; wait "$S2LOW_PID" 2>/dev/null; }

# s2low_ctl DIR PATH: the double's test channel (client certificate needed).
s2low_ctl() {
	curl -sS --cacert "$1/ca.pem" --cert "$1/client.pem" --key "$1/client.key" "$S2LOW_URL$2"
}

# s2low_connecteur ENTITE DIR: a S2LOW connector of ENTITE for the double
# (certificate and key of DIR), its id on stdout. Needs DB and S2LOW_URL.
s2low_connecteur() {
	local C="$LIASSE --db dbname=$DB connecteur" c
	c=$($C create --entite "$1" --type s2low "S2LOW") &&
	$C set "$c" url "$S2LOW_URL" && $C set "$c" ca --fichier "$2/ca.pem" &&
	$C set "$c" certificat --fichier "$2/client.pem" && $C set "$c" cle --fichier "$2/client.key" &&
	echo "$c"
}

# s2low_acte ROLE ENTITE NUMBER TITRE PDF: an actes-generique dossier of
# ENTITE ready to be transmitted (numbered NUMBER, PDF as acte), created by
# ROLE and oriented; its id on stdout.
s2low_acte() {
	local id L="$LIASSE --db dbname=$DB"
	id=$(PGUSER=$1 $L dossier create --entite "$2" --type actes-generique --titre "$4") &&
	PGUSER=$1 $L dossier set "$id" acte_nature=1 "numero_de_lacte=$3" classification=1.1 type_acte=99_DE \
		>/dev/null &&
	PGUSER=$1 $L dossier attach "$id" arrete "$5" >/dev/null &&
	PGUSER=$1 $L dossier action "$id" orientation >/dev/null &&
	echo "$id"
}

# s2low_helpers DIR: short helpers for job-level tests against the double of
# DIR (needs DB): C (connecteur), D (one daemon pass), due ID (its job due
# now), etat ID, val ID FIELD, ctl PATH (the double's test channel).
s2low_helpers() {
	S2LOW_PKI=$1
	C() { "$LIASSE" --db "dbname=$DB" connecteur "$@"; }
	D() { "$LIASSE" --db "dbname=$DB" daemon --once >/dev/null 2>&1; }
	due() { sql -c "UPDATE liasse.job SET run_at = now() WHERE dossier_id = $1" >/dev/null; }
	etat() { sql -c "SELECT etat FROM liasse.dossier WHERE id = $1"; }
	val() { sql -c "SELECT valeur FROM liasse.dossier_valeur WHERE dossier_id = $1 AND champ = '$2'"; }
	ctl() { s2low_ctl "$S2LOW_PKI" "$1"; }
}
