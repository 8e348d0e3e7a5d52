#!/usr/bin/env bash
# Where and as whom a dossier's PES is signed: the place of the dossier's
# entity (inherited from the parent entity when unset), the role of the
# signing user (« Ordonnateur » by default), set by an administrator only;
# explicit options win over the base, the base over the configuration file.
. tests/sign/lib.inc
. tests/lib/dossier.sh
dossier_setup sprof || { fail "préparation"; exit 1; }
SRC=$PES/aller/recette_6_bordereaux_prefixe_p.xml
ADM=sprof_adm
sql -c "SELECT liasse.grant_role(liasse.create_user('$ADM', NULL, 'Admin', 'Syndicat', NULL, $ENT_S), 'administrateur-collectivite', $ENT_S)" >/dev/null
export XDG_CONFIG_HOME=$W/conf
mkdir -p "$XDG_CONFIG_HOME/liasse"
# place of the signature I of FILE: "postal code|city|country|role"
place() {
	local n="(//*[local-name()='SignedSignatureProperties'])[${2:-1}]"
	echo "$(xpath "$1" "string($n//*[local-name()='PostalCode'])")|$(xpath "$1" "string($n//*[local-name()='City'])")|$(xpath "$1" "string($n//*[local-name()='CountryName'])")|$(xpath "$1" "string($n//*[local-name()='ClaimedRole'])")"
}
sign() { L "$1" dossier signer "$2" "${SOFTHSM[@]}" --token CARDLAB-SIGN --pin-file "$W/pin" "${@:3}" 2>&1; }

# --- rights: the place is the entity administrator's, the role the user administrator's
out=$(L "$UA" entite modifier "$ENT_A" --ville Chenôve --code-postal 21300 2>&1)
is "$?" 1 "agent sans droit d'administration : lieu refusé"
like "$out" "Droit « entite:edition » manquant sur l'entité $ENT_A" "agent : refus en français"
out=$(L "$UA" utilisateur modifier "$UA" --qualite Maire 2>&1)
is "$?" 1 "agent : sa propre qualité refusée"
like "$out" "Droit « utilisateur:edition » manquant" "agent : refus de la qualité en français"
is "$(dsql "$ADM" "SELECT count(*) FROM entite WHERE signature_ville IS NOT NULL")" 0 "rien n'a changé"
check_fails "mise à jour directe de la table refusée à un agent" \
	dsql "$UA" "UPDATE entite SET signature_ville = 'X', signature_code_postal = '21000' WHERE id = $ENT_A"

check "administrateur : lieu du syndicat" L "$ADM" entite modifier "$ENT_S" --ville Dijon --code-postal 21000
check "administrateur : lieu de la commune B" L "$ADM" entite modifier "$ENT_B" --ville Beaune --code-postal 21200
check "administrateur : qualité de l'agent A" L "$ADM" utilisateur modifier "$UA" --qualite "Maire adjoint"
out=$(L "$ADM" entite modifier "$ENT_B" --ville Beaune --code-postal 212 2>&1)
is "$?" 1 "code postal invalide refusé"
like "$out" "Code postal « 212 » invalide" "code postal invalide : message"
out=$(L "$ADM" entite modifier "$ENT_B" --ville Beaune 2>&1)
is "$?" 2 "ville sans code postal : usage"
like "$(L "$ADM" entite show "$ENT_A")" "lieu de signature : 21000 Dijon \(hérité de l'entité $ENT_S\)" "show : lieu hérité du syndicat"
like "$(L "$ADM" entite show "$ENT_B")" "lieu de signature : 21200 Beaune$" "show : lieu propre"
like "$(L "$ADM" utilisateur show "$UA")" "qualité de signataire : Maire adjoint" "show : qualité"
like "$(L "$ADM" utilisateur show "$UB")" "qualité de signataire : Ordonnateur \(par défaut\)" "show : qualité par défaut"
like "$(L "$ADM" journal list 2>/dev/null)" "Lieu de signature de l'entité Commune B \($ENT_B\) : Beaune \(21200\)" "journal : lieu de signature"

# --- a sub-entity inherits its parent's place; the user's role
id=$(new_pes "PES A" "$SRC")
out=$(sign "$UA" "$id")
is "$?" 0 "signature du dossier de la commune A"
like "$out" "Lieu de signature : 21000 Dijon, France ; qualité : Maire adjoint" "lieu et qualité annoncés"
L "$UA" dossier get "$id" fichier_pes_signe "$W/a.xml" >/dev/null
is "$(place "$W/a.xml")" "21000|Dijon|France|Maire adjoint" "PES stocké : lieu hérité du syndicat, qualité de l'agent"
is "$(place "$W/a.xml" 6)" "21000|Dijon|France|Maire adjoint" "PES stocké : 6e bordereau aussi"
is "$(xmlsec_all "$W/a.xml" 6)" 6 "xmlsec1 vérifie les 6 signatures"

# --- the entity's own place; the configuration file only fills the role left unset
printf 'city Lyon\npostal-code 69001\nrole Comptable\n' >"$XDG_CONFIG_HOME/liasse/config"
id=$(new_pes "PES B" "$SRC" "$UB" "$ENT_B")
out=$(sign "$UB" "$id")
is "$?" 0 "signature du dossier de la commune B"
L "$UB" dossier get "$id" fichier_pes_signe "$W/b.xml" >/dev/null
is "$(xmlsec_all "$W/b.xml" 6)" 6 "xmlsec1 vérifie les 6 signatures (b)"
is "$(place "$W/b.xml")" "21200|Beaune|France|Comptable" "base avant configuration (lieu), configuration pour la qualité non réglée"

# --- explicit options win
id=$(new_pes "PES B2" "$SRC" "$UB" "$ENT_B")
out=$(sign "$UB" "$id" --city Auxonne --postal-code 21130 --role Président)
is "$?" 0 "signature avec options explicites"
L "$UB" dossier get "$id" fichier_pes_signe "$W/b2.xml" >/dev/null
is "$(xmlsec_all "$W/b2.xml" 6)" 6 "xmlsec1 vérifie les 6 signatures (b2)"
is "$(place "$W/b2.xml")" "21130|Auxonne|France|Président" "options explicites avant la base"

# --- place cleared: inherited again; nothing in the base nor the file: default role, no place
check "lieu de B effacé" L "$ADM" entite modifier "$ENT_B" --ville "" --code-postal ""
rm -f "$XDG_CONFIG_HOME/liasse/config"
id=$(new_pes "PES B3" "$SRC" "$UB" "$ENT_B")
out=$(sign "$UB" "$id")
is "$?" 0 "signature après effacement du lieu"
L "$UB" dossier get "$id" fichier_pes_signe "$W/b3.xml" >/dev/null
is "$(xmlsec_all "$W/b3.xml" 6)" 6 "xmlsec1 vérifie les 6 signatures (b3)"
is "$(place "$W/b3.xml")" "21000|Dijon|France|Ordonnateur" "lieu repris du syndicat, qualité par défaut"
check "syndicat sans lieu" L "$ADM" entite modifier "$ENT_S" --ville "" --code-postal ""
id=$(new_pes "PES B4" "$SRC" "$UB" "$ENT_B")
out=$(sign "$UB" "$id")
like "$out" "Lieu de signature : France \(ville et code postal non réglés\) ; qualité : Ordonnateur" "sans lieu : annoncé"
L "$UB" dossier get "$id" fichier_pes_signe "$W/b4.xml" >/dev/null
is "$(xmlsec_all "$W/b4.xml" 6)" 6 "xmlsec1 vérifie les 6 signatures (b4)"
is "$(place "$W/b4.xml")" "||France|Ordonnateur" "sans lieu : ni ville ni code postal, pays France"

# --- pes sign (no base): options, then the configuration file
printf 'city Lyon\npostal-code 69001\nrole Comptable\n' >"$XDG_CONFIG_HOME/liasse/config"
out=$("$LIASSE" pes sign "${SOFTHSM[@]}" --token CARDLAB-SIGN --pin-file "$W/pin" --role Maire \
	"$PES/aller/depense_bordereau_id_small.xml" "$W/p.xml" 2>&1)
is "$?" 0 "pes sign avec le fichier de configuration"
is "$(place "$W/p.xml")" "69001|Lyon|France|Maire" "pes sign : lieu de la configuration, qualité de l'option"
is "$(xmlsec_all "$W/p.xml" 1)" 1 "pes sign : xmlsec1 vérifie la signature"
