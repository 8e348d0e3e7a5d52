#!/usr/bin/env bash
# Signing a PES dossier from the keyboard with the card lab's SoftHSM token:
# the action "Signer avec la carte" opens the signature screen (certificate,
# bordereaux, masked PIN); a wrong PIN is refused on that screen and changes
# nothing; the right one signs, stores and shows the new state. Then an
# expired certificate is refused before any PIN, and the status line
# follows the virtual card when it is removed and inserted.
. tests/tui/lib.sh
# the lab looks for pcscd on its usual socket; the TUI runs without it
no_pcscd=$PCSCLITE_CSOCK_NAME
unset PCSCLITE_CSOCK_NAME
. tests/sign/lib.inc
export PCSCLITE_CSOCK_NAME=$no_pcscd
tui_db tuisign || { fail "base de test"; exit 1; }
SRC=$PES/aller/recette_6_bordereaux_prefixe_p.xml
LA() { PGUSER=$TUI_USER "$LIASSE" --db "dbname=$DB" "$@"; }
sys() { sql -c "SET search_path = liasse, pg_catalog" -c "SET liasse.automatique = on" -c "$*"; }
# new_dossier TITLE: a PES dossier of Commune A ready to sign; prints its id.
new_dossier() {
	local i
	i=$(LA dossier create --entite "$ENT_A" --type helios-generique --titre "$1")
	LA dossier set "$i" envoi_signature=on envoi_tdt=off >/dev/null
	LA dossier attach "$i" fichier_pes "$PES/aller/depense_bordereau_id_small.xml" >/dev/null
	LA dossier action "$i" orientation >/dev/null
	sys "SELECT job_run_local($i)" >/dev/null
	echo "$i"
}

id=$(LA dossier create --entite "$ENT_A" --type helios-generique --titre "PES recettes 2026")
LA dossier set "$id" envoi_signature=on envoi_tdt=off >/dev/null
LA dossier attach "$id" fichier_pes "$SRC" >/dev/null
LA dossier action "$id" orientation >/dev/null
sys "SELECT job_run_local($id)" >/dev/null
is "$(sql -c "SELECT etat FROM liasse.dossier WHERE id = $id")" send-signature-local "dossier prêt à signer"
version() { sql -c "SELECT version FROM liasse.dossier WHERE id = $id"; }
v0=$(version)

cat >"$XDG_CONFIG_HOME/liasse/config" <<EOF
pkcs11-module $CARDLAB_SOFTHSM_MODULE
token CARDLAB-SIGN
city Dijon
postal-code 21000
EOF

# pick_sign: in the dossier, the action picker down to "Signer avec la carte".
pick_sign() {
	keys a
	wait_for "Signer avec la carte" 5
	local n first k
	n=$(screen | grep -n "Signer avec la carte" | head -1 | cut -d: -f1)
	first=$(screen | grep -n "Actions possibles" | tail -1 | cut -d: -f1)
	for ((k = first + 1; k < n; k++)); do keys Down; done
	keys Enter
}
# open_dossier TITLE [TYPE-WORD]: from the menu to the dossier.
open_dossier() {
	keys / ${2:-Helios} Enter
	keys Enter
	wait_for "$1" 5
	local n k
	n=$(screen | grep -n "$1" | head -1 | cut -d: -f1)
	for ((k = 3; k < n; k++)); do keys Down; done
	keys Enter
	wait_for "États du dossier" 5
}

run_liasse
wait_for "Types de dossiers" 5
open_dossier "PES recettes 2026"
pick_sign
wait_for "Code PIN" 5
assert_has "écran de signature ouvert par l'action" "Signature · PES recettes 2026"
assert_has "titulaire du certificat" "Jeanne Martin"
assert_has "émetteur" "Cardlab AC Test RGS"
assert_has "validité" "Validité"
assert_has "usages" "non-répudiation"
assert_has "bordereaux à signer" "6 bordereau(x), une signature XAdES chacun"
assert_has "carte utilisée" "CARDLAB-SIGN"

# Wrong PIN: masked, refused on this screen, nothing changes.
keys -l "$CARDLAB_WRONG_PIN"
assert_has "PIN masqué" "******"
assert_lacks "le PIN n'est jamais affiché" "$CARDLAB_WRONG_PIN"
keys Enter
wait_for "Code PIN incorrect" 10
assert_has "mauvais PIN : message en français sur l'écran" "Code PIN incorrect"
assert_has "mauvais PIN : on reste sur l'écran de signature" "Signature · PES recettes 2026"
assert_has "mauvais PIN : l'état signalé par la carte est rappelé" "la carte signale des essais de code PIN échoués"
is "$(version)" "$v0" "mauvais PIN : dossier inchangé"
is "$(sql -c "SELECT count(*) FROM liasse.fichier WHERE dossier_id = $id AND champ = 'fichier_pes_signe'")" 0 "mauvais PIN : aucun fichier signé"

# Right PIN: signed, verified, stored, back to the dossier in its new state.
keys -l "$CARDLAB_PIN"
keys Enter
wait_for "Signé par Jeanne Martin" 20
assert_has "message de fin : signataire et vérification" "Signé par Jeanne Martin : 6 signature(s) vérifiée(s)"
assert_has "retour au dossier, nouvel état" "État : Signature récupérée"
keys h
wait_for "Utilisateur" 5
assert_has "historique : signature par l'agent" "Signature récupérée    $TUI_USER      Signé par Jeanne Ma"
is "$(sql -c "SELECT etat FROM liasse.dossier WHERE id = $id")" recu-iparapheur "état en base : Signature récupérée"
keys S
assert_has "touche S sur un dossier déjà signé : message" "Ce dossier ne se signe pas avec la carte dans son état actuel."
LA dossier get "$id" fichier_pes_signe "$W/tui-signe.xml" >/dev/null
check "le PES stocké se vérifie (liasse pes verify)" "$LIASSE" pes verify --ca "$CARDLAB_CA_CERT" "$W/tui-signe.xml"
is "$(xmlsec_all "$W/tui-signe.xml" 6)" 6 "xmlsec1 vérifie les 6 signatures"
like "$(cat "$W/tui-signe.xml")" "<xad:City>Dijon</xad:City>" "lieu de signature pris dans la configuration"
grep -rqs -- "$CARDLAB_PIN\|$CARDLAB_WRONG_PIN" "$XDG_STATE_HOME" && fail "aucun PIN dans le journal de liasse" || ok "aucun PIN dans le journal de liasse"
keys q

# An expired certificate (screen opened with the S key): refused before
# any PIN, with its reason.
id2=$(new_dossier "PES expiré")
sed -i 's/^token .*/token CARDLAB-EXPIRED/' "$XDG_CONFIG_HOME/liasse/config"
run_liasse
wait_for "Types de dossiers" 5
open_dossier "PES expiré"
keys S
wait_for "Refusé" 5
assert_has "certificat expiré : refusé avec la raison" "a expiré le 2023-01-01"
assert_lacks "certificat expiré : pas de champ PIN" "Code PIN"
keys Enter
assert_has "Entrée ne signe pas avec un certificat refusé" "Signature · PES expiré"
keys Escape
wait_for "États du dossier" 5
assert_has "Échap : retour au dossier inchangé" "Document à faire signer"
keys q

# A CA set in the configuration file that the certificate does not chain
# to: refused before any PIN, the issuer named.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/foreign.key" -out "$W/foreign.crt" \
	-days 30 -subj "/C=FR/O=Autre AC/CN=AC étrangère de test" >/dev/null 2>&1
id3=$(new_dossier "PES AC étrangère")
sed -i 's/^token .*/token CARDLAB-SIGN/' "$XDG_CONFIG_HOME/liasse/config"
printf 'ca %s\n' "$W/foreign.crt" >>"$XDG_CONFIG_HOME/liasse/config"
COLUMNS=200 run_liasse
wait_for "Types de dossiers" 5
open_dossier "PES AC étrangère"
keys S
wait_for "Refusé" 5
assert_has "AC étrangère : refusé, l'émetteur nommé" "émis par « Cardlab AC Test RGS"
assert_has "AC étrangère : la raison" "n'est pas reconnu par les autorités de certification"
assert_lacks "AC étrangère : pas de champ PIN" "Code PIN"
keys Escape
wait_for "États du dossier" 5
assert_has "AC étrangère : dossier inchangé" "Document à faire signer"
keys q
sed -i '/^ca /d' "$XDG_CONFIG_HOME/liasse/config"

# A document to sign: detached CAdES .p7s, same screen.
DOC=$W/convention.pdf
printf '%%PDF-1.4\n%% convention de test\n' >"$DOC"
idd=$(LA dossier create --entite "$ENT_A" --type document-a-signer --titre "Convention de partenariat")
LA dossier set "$idd" iparapheur_sous_type=Convention >/dev/null
LA dossier attach "$idd" document "$DOC" >/dev/null
sed -i 's/^token .*/token CARDLAB-SIGN/' "$XDG_CONFIG_HOME/liasse/config"
run_liasse
wait_for "Types de dossiers" 5
open_dossier "Convention de partenariat" faire
pick_sign
wait_for "Code PIN" 5
assert_has "document : signature CAdES annoncée" "le document (signature CAdES détachée, .p7s)"
keys -l "$CARDLAB_PIN"
keys Enter
wait_for "Signé par Jeanne Martin" 20
assert_has "document : signé, nouvel état" "État : Signature récupérée"
LA dossier get "$idd" signature "$W/conv.p7s" >/dev/null
check "document : openssl cms -verify accepte la .p7s stockée" \
	openssl cms -verify -binary -inform PEM -in "$W/conv.p7s" -content "$DOC" -CAfile "$CARDLAB_CA_CERT" -purpose any -out /dev/null
keys q

# The status line follows the card (virtual card through pcscd).
if [ "${CARDLAB_VCARD:-0}" = 1 ]; then
	unset PCSCLITE_CSOCK_NAME
	COLUMNS=120 run_liasse
	wait_for "Types de dossiers" 5
	wait_for "présente" 5
	assert_has "ligne d'état : carte et lecteur" "Carte : présente — $CARDLAB_READER"
	"$SHARED/cardlab/card" remove 0 >/dev/null 2>&1
	wait_for "retirée" 5
	assert_has "carte retirée : la ligne d'état suit sans touche" "Carte : retirée — $CARDLAB_READER"
	"$SHARED/cardlab/card" insert 0 >/dev/null 2>&1
	wait_for "présente" 5
	assert_has "carte réinsérée : la ligne d'état suit" "Carte : présente — $CARDLAB_READER"
	keys q
else
	skip "ligne d'état de la carte" "pas de carte virtuelle dans le laboratoire (pcscd absent)"
fi

# The place and role come from the base, set in the Administration (F9) by
# the administrator: the entity's place (m on the entity, after its
# identity), the user's signing role (m on the user). They win over the
# configuration file's.
bs() { local i; for i in $(seq 1 "$1"); do tm send-keys -t t BSpace; done; settle; }
TUI_USER_AGENT=$TUI_USER
TUI_USER=postgres
run_liasse
wait_for "Types de dossiers" 5
keys F9
wait_for "Dénomination" 5
keys Down m Enter Enter Enter
assert_has "modification d'entité : lieu de signature demandé" "Lieu de signature : ville (vide : celui de l'entité mère) :"
keys -l "Chenôve"; keys Enter
keys -l "213"; keys Enter
assert_has "code postal invalide : message au-dessus de la saisie" "Code postal « 213 » invalide : cinq chiffres attendus."
bs 3
keys -l "21300"; keys Enter
wait_for "Entité modifiée." 5
is "$(sql -c "SELECT signature_ville || '|' || signature_code_postal FROM liasse.entite WHERE id = $ENT_A")" "Chenôve|21300" "lieu de signature enregistré"
keys Tab
wait_for "$TUI_USER_AGENT" 5
assert_has "onglet Utilisateurs : m Modifier dans la barre des touches" "m Modifier"
n=$(screen | grep -n "^$TUI_USER_AGENT " | head -1 | cut -d: -f1)
for ((k = 4; k < n; k++)); do keys Down; done
keys m
assert_has "qualité demandée" "Qualité de signataire de $TUI_USER_AGENT (vide : Ordonnateur) :"
keys -l "Maire adjoint"; keys Enter
wait_for "Qualité de signataire de $TUI_USER_AGENT : Maire adjoint." 5
is "$(sql -c "SELECT signature_qualite FROM liasse.utilisateur WHERE login = '$TUI_USER_AGENT'")" "Maire adjoint" "qualité enregistrée"
keys q
TUI_USER=$TUI_USER_AGENT

idp=$(new_dossier "PES lieu")
run_liasse
wait_for "Types de dossiers" 5
open_dossier "PES lieu"
keys S
wait_for "Code PIN" 5
assert_has "écran de signature : lieu de l'entité et qualité de l'agent" "21300 Chenôve, France · qualité : Maire adjoint"
keys -l "$CARDLAB_PIN"
keys Enter
wait_for "Signé par Jeanne Martin" 20
LA dossier get "$idp" fichier_pes_signe "$W/tui-lieu.xml" >/dev/null
is "$(xpath "$W/tui-lieu.xml" "concat(string(//*[local-name()='City']), '|', string(//*[local-name()='PostalCode']), '|', string(//*[local-name()='CountryName']))")" "Chenôve|21300|France" "PES stocké : lieu de la base, pas celui de la configuration"
like "$(cat "$W/tui-lieu.xml")" "<xad:ClaimedRole>Maire adjoint</xad:ClaimedRole>" "PES stocké : qualité de l'agent"
keys q

# A revoked certificate (CRL in the configuration): the warning on the
# screen, a confirmation before signing; « n » changes nothing.
idr=$(new_dossier "PES révoqué")
sed -i 's/^token .*/token CARDLAB-REVOKED/' "$XDG_CONFIG_HOME/liasse/config"
echo "crl $CARDLAB_CA_CRL" >>"$XDG_CONFIG_HOME/liasse/config"
vr=$(sql -c "SELECT version FROM liasse.dossier WHERE id = $idr")
COLUMNS=160 run_liasse
wait_for "Types de dossiers" 5
open_dossier "PES révoqué"
keys S
wait_for "Code PIN" 5
assert_has "certificat révoqué : avertissement sur l'écran" "Certificat révoqué le "
assert_has "certificat révoqué : motif et titulaire" "(compromission de la clé) : le certificat de Marc Petit"
keys -l "$CARDLAB_PIN"
keys Enter
assert_has "certificat révoqué : confirmation demandée" "Certificat révoqué : signer quand même ? (o/n)"
keys n
assert_has "refus : message" "Signature abandonnée : certificat révoqué."
is "$(sql -c "SELECT version FROM liasse.dossier WHERE id = $idr")" "$vr" "refus : dossier inchangé"
keys -l "$CARDLAB_PIN"
keys Enter o
wait_for "Signé par Marc Petit" 20
assert_has "confirmé : signé" "Signé par Marc Petit"
keys q
sed -i '/^crl /d' "$XDG_CONFIG_HOME/liasse/config"

# A PIN pad reader (tests/sign/pinpad_shim.c in front of SoftHSM): no PIN
# field, the keypad message, Enter signs.
if build_pinpad_shim; then
	export PINPAD_SHIM_PIN=$CARDLAB_PIN
	: >"$W/shim.log"
	idk=$(new_dossier "PES clavier")
	sed -i -e "s|^pkcs11-module .*|pkcs11-module $SHIM|" -e 's/^token .*/token CARDLAB-SIGN/' "$XDG_CONFIG_HOME/liasse/config"
	run_liasse
	wait_for "Types de dossiers" 5
	open_dossier "PES clavier"
	keys S
	wait_for "Code PIN" 5
	assert_has "lecteur à clavier : PIN à saisir sur le lecteur" "à saisir sur le clavier du lecteur"
	keys Enter
	wait_for "Signé par Jeanne Martin" 20
	assert_has "lecteur à clavier : signé" "Signé par Jeanne Martin"
	is "$(sort -u "$W/shim.log" | tr '\n' ' ')" "clavier " "lecteur à clavier : C_Login avec un PIN nul"
	keys q
	sed -i "s|^pkcs11-module .*|pkcs11-module $CARDLAB_SOFTHSM_MODULE|" "$XDG_CONFIG_HOME/liasse/config"
else
	fail "module PKCS#11 à clavier : compilation"
fi
