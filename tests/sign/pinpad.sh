#!/usr/bin/env bash
# A PIN pad reader (CKF_PROTECTED_AUTHENTICATION_PATH), simulated by a
# small PKCS#11 module in front of SoftHSM (tests/sign/pinpad_shim.c): the
# PIN is never asked in the terminal nor read from a file, C_Login gets a
# NULL PIN and the user is told to type it on the reader's keypad; a wrong
# keypad PIN gives the French message and writes nothing.
. tests/sign/lib.inc
build_pinpad_shim || { fail "module PKCS#11 à clavier : compilation"; exit 1; }
SMALL=$PES/aller/depense_bordereau_id_small.xml
# no controlling terminal, standard input closed: a PIN prompt could only fail
pad() { setsid -w "$LIASSE" "$@" <&-; }

out=$(pad card --pkcs11-module "$SHIM" 2>&1)
like "$out" "CARDLAB-SIGN" "le module à clavier montre les cartes de SoftHSM"

# --- the right PIN on the keypad
: >"$W/shim.log"
out=$(PINPAD_SHIM_PIN=$CARDLAB_PIN pad pes sign --pkcs11-module "$SHIM" --token CARDLAB-SIGN \
	"$PES/aller/recette_6_bordereaux_prefixe_p.xml" "$W/pad.xml" 2>&1)
is "$?" 0 "lecteur à clavier : signé sans code PIN au terminal ni fichier"
like "$out" "Saisissez le code PIN sur le clavier du lecteur" "lecteur à clavier : message en français"
[[ $out == *"Code PIN :"* || $out == *"Pas de terminal"* ]] && fail "aucune demande de code PIN au terminal" || ok "aucune demande de code PIN au terminal"
is "$(sort -u "$W/shim.log" | tr '\n' ' ')" "clavier " "C_Login appelé avec un PIN nul, jamais avec un PIN"
is "$(xmlsec_all "$W/pad.xml" 6)" 6 "lecteur à clavier : xmlsec1 vérifie les 6 signatures"
check "lecteur à clavier : pes verify" "$LIASSE" pes verify --ca "$CARDLAB_CA_CERT" "$W/pad.xml"

# --- a PIN file is not even read
out=$(PINPAD_SHIM_PIN=$CARDLAB_PIN pad pes sign --pkcs11-module "$SHIM" --token CARDLAB-SIGN \
	--pin-file /nonexistent/pin "$SMALL" "$W/pad2.xml" 2>&1)
is "$?" 0 "lecteur à clavier : --pin-file ignoré"

# --- a wrong PIN on the keypad: French message, nothing written
: >"$W/shim.log"
out=$(PINPAD_SHIM_PIN=$CARDLAB_WRONG_PIN pad pes sign --pkcs11-module "$SHIM" --token CARDLAB-SIGN \
	"$SMALL" "$W/padbad.xml" 2>&1)
is "$?" 1 "mauvais code au clavier : échec"
like "$out" "Code PIN incorrect" "mauvais code au clavier : message en français"
[ -e "$W/padbad.xml" ] && fail "mauvais code au clavier : rien n'est écrit" || ok "mauvais code au clavier : rien n'est écrit"
is "$(cat "$W/shim.log")" "clavier" "mauvais code au clavier : une seule tentative, jamais réessayée"

# --- nothing typed on the keypad (cancelled)
out=$(pad pes sign --pkcs11-module "$SHIM" --token CARDLAB-SIGN "$SMALL" "$W/padnone.xml" 2>&1)
is "$?" 1 "saisie annulée au clavier : échec"
[ -e "$W/padnone.xml" ] && fail "saisie annulée : rien n'est écrit" || ok "saisie annulée : rien n'est écrit"
