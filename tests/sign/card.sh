#!/usr/bin/env bash
# The virtual PIV card (pcscd + opensc-pkcs11): always-authenticate key,
# PIN handling, removal, watcher, relayed pcscd socket.
. tests/sign/lib.inc
if [ "${CARDLAB_VCARD:-0}" != 1 ]; then
	reason="pas de carte virtuelle dans le laboratoire ($(grep -m1 -iE 'apt-get|root|skip|card' "$W/cardlab.log" | head -c 150))"
	for t in "liasse card" "signature par la carte" "mauvais PIN" "carte bloquée" "retrait en cours de session" "surveillance PC/SC" "socket pcscd relayée"; do
		skip "$t" "$reason"
	done
	exit 0
fi
CARD=$SHARED/cardlab/card
OPENSC=(--pkcs11-module "$CARDLAB_OPENSC_MODULE" --token "Jeanne Martin")
tries() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pin_tries"])' "$CARDLAB_DIR/vcard/card0.json"; }
verifies() { grep -c 'VERIFY' "$CARDLAB_DIR/log/vpiv0.log"; }

# --- liasse card
out=$("$LIASSE" card --pkcs11-module "$CARDLAB_OPENSC_MODULE" 2>&1)
is "$?" 0 "liasse card"
like "$out" "Virtual PCD 00 00 : carte présente, ATR 3B" "liasse card : lecteur et ATR"
like "$out" "Virtual PCD 00 01 : pas de carte" "liasse card : lecteur vide"
like "$out" "Carte « Jeanne Martin »" "liasse card : la carte"
like "$out" "\(id 02\) : Jeanne Martin" "liasse card : certificat de signature"
like "$out" "non-répudiation\" absent|usage « non-répudiation » absent" "liasse card : certificat d'authentification non utilisable"
like "$out" "signature RGS : possible" "liasse card : signature possible"

# --- sign 6 bordereaux: one PIN entry, a context login per signature
before=$(verifies)
out=$("$LIASSE" pes sign "${OPENSC[@]}" --pin-file "$W/pin" "$PES/aller/recette_6_bordereaux_prefixe_p.xml" "$W/card.xml" 2>&1)
is "$?" 0 "signature par la carte de 6 bordereaux"
like "$out" "Signataire : carte « Jeanne Martin »" "la carte virtuelle est utilisée"
is "$(( $(verifies) - before ))" 7 "un login puis un login contextuel par signature (7 VERIFY)"
is "$(xmlsec_all "$W/card.xml" 6)" 6 "xmlsec1 vérifie les 6 signatures de la carte"
check "pes verify avec la chaîne" "$LIASSE" pes verify --ca "$CARDLAB_CA_CERT" "$W/card.xml"
# the default module (p11-kit proxy) reaches the card too
out=$("$LIASSE" pes sign --token "Jeanne Martin" --pin-file "$W/pin" "$PES/aller/depense_bordereau_id_small.xml" "$W/proxy.xml" 2>&1)
is "$?" 0 "module par défaut (p11-kit-proxy) : signature"
is "$(xmlsec_all "$W/proxy.xml" 1)" 1 "module par défaut : xmlsec1 vérifie la signature"

# --- wrong PIN once: message, one try used, never retried, nothing written
is "$(tries)" 3 "3 essais avant"
before=$(verifies)
out=$("$LIASSE" pes sign "${OPENSC[@]}" --pin-file "$W/wrongpin" "$PES/aller/depense_bordereau_id_small.xml" "$W/wp.xml" 2>&1)
is "$?" 1 "mauvais PIN : échec"
like "$out" "Code PIN incorrect" "mauvais PIN : message"
is "$(tries)" 2 "mauvais PIN : un seul essai consommé (jamais réessayé)"
[ -e "$W/wp.xml" ] && fail "mauvais PIN : rien écrit" || ok "mauvais PIN : rien écrit"
out=$("$LIASSE" pes sign "${OPENSC[@]}" --pin-file "$W/wrongpin" "$PES/aller/depense_bordereau_id_small.xml" "$W/wp.xml" 2>&1)
like "$out" "qu'un essai" "deuxième mauvais PIN : dernier essai annoncé"
is "$(tries)" 1 "un essai restant"
check "bon PIN ensuite : signature" "$LIASSE" pes sign "${OPENSC[@]}" --pin-file "$W/pin" "$PES/aller/depense_bordereau_id_small.xml" "$W/ok.xml"
is "$(xmlsec_all "$W/ok.xml" 1)" 1 "bon PIN ensuite : xmlsec1 vérifie la signature"
is "$(tries)" 3 "compteur remis à 3"

# --- locked card: message, no attempt
"$CARD" lock 0 >/dev/null 2>&1
is "$(tries)" 0 "carte bloquée par le laboratoire"
out=$("$LIASSE" pes sign "${OPENSC[@]}" --pin-file "$W/pin" "$PES/aller/depense_bordereau_id_small.xml" "$W/locked.xml" 2>&1)
is "$?" 1 "carte bloquée : échec"
like "$out" "Carte bloquée" "carte bloquée : message"
is "$(tries)" 0 "carte bloquée : état inchangé"
"$CARD" unblock 0 >/dev/null 2>&1
is "$(tries)" 3 "carte débloquée (PUK)"

# --- removal in the middle of a session, then re-insertion
BIN=$W/removal
SANFLAGS=${SAN:+-fsanitize=$SAN -fno-omit-frame-pointer}
if cc $SANFLAGS -std=c11 -D_GNU_SOURCE -O1 -I. $(pkg-config --cflags p11-kit-1 libcrypto) -o "$BIN" tests/sign/removal.c \
	"${B:-build}/libp11.a" "${B:-build}/libcore.a" \
	$(pkg-config --libs libxml-2.0 xmlsec1-openssl libcrypto libpcsclite) -ldl 2>"$W/cc.log"; then
	"$BIN" "$CARDLAB_OPENSC_MODULE" "Jeanne Martin" "$W/pin" "$CARD"
else
	fail "retrait en cours de session : compilation"; sed 's/^/#   /' "$W/cc.log" | head
fi

# --- the watcher
"$LIASSE" card watch --count 3 --timeout 20 >"$W/watch.out" 2>&1 &
wpid=$!
sleep 1
"$CARD" insert 1 >/dev/null 2>&1
"$CARD" remove 1 >/dev/null 2>&1
wait "$wpid"
out=$(cat "$W/watch.out")
like "$out" "carte insérée : Virtual PCD 00 00, ATR 3B" "surveillance : état initial"
like "$out" "carte insérée : Virtual PCD 00 01" "surveillance : insertion"
like "$out" "carte retirée : Virtual PCD 00 01" "surveillance : retrait"

# --- signing through a relayed pcscd socket (what ssh -R gives)
eval "$("$CARD" relay "$W/relay.comm")"
relay=$PCSCLITE_CSOCK_NAME
unset PCSCLITE_CSOCK_NAME
if unshare -m true 2>/dev/null; then
	# a namespace where /run/pcscd is empty: only the relay reaches pcscd
	ns() { unshare -m sh -c 'mount -t tmpfs none /run/pcscd && exec "$@"' sh "$@"; }
	out=$(ns "$LIASSE" card --pkcs11-module "$CARDLAB_OPENSC_MODULE" 2>&1)
	like "$out" "pcscd\) ne répond pas" "sans relais, pas de lecteur"
	out=$(PCSCLITE_CSOCK_NAME=$relay ns "$LIASSE" card --pkcs11-module "$CARDLAB_OPENSC_MODULE" 2>&1)
	like "$out" "socket $relay" "relais : socket affichée"
	like "$out" "Virtual PCD 00 00 : carte présente" "relais : lecteur vu"
	out=$(PCSCLITE_CSOCK_NAME=$relay ns "$LIASSE" pes sign "${OPENSC[@]}" --pin-file "$W/pin" "$PES/aller/recette_6_bordereaux_prefixe_p.xml" "$W/relay.xml" 2>&1)
	is "$?" 0 "relais : signature de 6 bordereaux"
	is "$(xmlsec_all "$W/relay.xml" 6)" 6 "relais : xmlsec1 vérifie"
	out=$(PCSCLITE_CSOCK_NAME=$W/nothing.comm ns "$LIASSE" card 2>&1)
	like "$out" "injoignable par la socket" "socket absente : message"
else
	skip "socket pcscd relayée" "unshare -m impossible ici"
fi
