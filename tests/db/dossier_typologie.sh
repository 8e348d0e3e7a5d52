# Actes typology codes: checked against the national list of generic
# codes (each with its nature) when the collectivité has no classification loaded, against the
# codes of the nature in its classification (the RetourClassification
# file S2LOW serves, loaded per entity, inherited by sub-entities) when it
# has one; French messages naming the code; nothing written when refused.
. tests/lib/tap.sh
. tests/lib/dossier.sh
dossier_setup dtyp || { fail "préparation"; exit 1; }

id=$(L "$UA" dossier create --entite "$ENT_A" --type actes-generique --titre "Typologie")
val() { sql -c "SELECT coalesce(string_agg(valeur, ','), '') FROM liasse.dossier_valeur WHERE dossier_id = $id AND champ = '$1'"; }

# Without a classification: the national list.
is "$(L "$UA" dossier set "$id" acte_nature=1 type_acte=99_DE 2>&1 | sed -n 's/^version: .*/ok/p')" ok "99_DE (délibération) : accepté"
out=$(L "$UA" dossier set "$id" type_acte=99_XX 2>&1); rc=$?
is "$rc" 1 "99_XX : refusé"
like "$out" "Typologie de l'acte : le code de typologie « 99_XX » n'existe pas dans la nomenclature nationale" "99_XX : message nommant le code et le champ"
is "$(val type_acte)" 99_DE "99_XX : la valeur précédente est gardée"
out=$(L "$UA" dossier set "$id" type_acte=AB_CD 2>&1)
like "$out" "« AB_CD » n'existe pas" "AB_CD (forme valide, code inconnu) : refusé"
out=$(L "$UA" dossier set "$id" type_acte=99_D 2>&1)
like "$out" "5 caractères" "99_D : la forme reste vérifiée d'abord"
L "$UA" dossier set "$id" type_acte=21_RP >/dev/null && ok "21_RP (code d'une matière) : accepté sans classification" || fail "21_RP refusé"
out=$(L "$UA" dossier set "$id" type_pj=99_SE,99_ZZ 2>&1)
like "$out" "Typologie des annexes : le code de typologie « 99_ZZ » n'existe pas" "annexes : le code fautif est nommé"
is "$(val type_pj)" "" "annexes : rien d'écrit"
L "$UA" dossier set "$id" type_pj=99_SE,22_PN >/dev/null && ok "annexes 99_SE,22_PN : acceptées" || fail "annexes refusées"

# A classification for the syndicat: the communes inherit it.
cat >"$TEST_TMP/classification.xml" <<'XML'
<?xml version="1.0" encoding="ISO-8859-1"?>
<actes:RetourClassification xmlns:actes="http://www.interieur.gouv.fr/ACTES#v1.1-20040216">
<actes:DateClassification>2024-01-15</actes:DateClassification>
<actes:NaturesActes>
<actes:NatureActe actes:CodeNatureActe="1" actes:Libelle="Délibérations" actes:TypeAbrege="DE">
<actes:TypePJNatureActe actes:CodeTypePJ="99_DE" actes:Libelle="Délibération"/>
<actes:TypePJNatureActe actes:CodeTypePJ="21_RP" actes:Libelle="Rapport de présentation"/>
<actes:TypePJNatureActe actes:CodeTypePJ="99_SE" actes:Libelle="Fichier de signature électronique"/>
</actes:NatureActe>
<actes:NatureActe actes:CodeNatureActe="2" actes:Libelle="Actes réglementaires" actes:TypeAbrege="AR">
<actes:TypePJNatureActe actes:CodeTypePJ="99_AR" actes:Libelle="Acte réglementaire"/>
<actes:TypePJNatureActe actes:CodeTypePJ="22_PN" actes:Libelle="Plans"/>
</actes:NatureActe>
</actes:NaturesActes>
<actes:Matieres><actes:Matiere1 actes:CodeMatiere="1" actes:Libelle="Commande publique"/></actes:Matieres>
</actes:RetourClassification>
XML
iconv -f UTF-8 -t ISO-8859-1 "$TEST_TMP/classification.xml" >"$TEST_TMP/classification.latin1"
xml=$(iconv -f ISO-8859-1 -t UTF-8 "$TEST_TMP/classification.latin1")
out=$(sql_as "$UA" -c "SELECT liasse.actes_classification_charger($ENT_S, \$x\$$xml\$x\$)" 2>&1)
like "$out" "droit|Droit|autoris" "un agent sans connecteur:edition ne charge pas de classification"
is "$(sql -c "SELECT liasse.actes_classification_charger($ENT_S, \$x\$$xml\$x\$)")" 5 "classification du syndicat chargée : 5 codes"
is "$(sql -c "SELECT libelle FROM liasse.actes_typologie WHERE entite_id = $ENT_S AND code = '21_RP'")" "Rapport de présentation" "libellés lus (accents intacts)"
is "$(dsql "$UA" "SELECT string_agg(code, ',') FROM actes_typologies($ENT_A, 1)")" "99_DE,99_SE,21_RP" "codes de la nature 1 pour la commune (génériques d'abord)"
out=$(L "$UA" dossier set "$id" type_acte=22_PN 2>&1); rc=$?
is "$rc" 1 "22_PN pour une délibération : refusé"
like "$out" "le code de typologie « 22_PN » n'est pas admis pour la nature 1 \\(Délibérations\\) ; codes admis : 99_DE, 99_SE, 21_RP" "message : code, nature, codes admis"
out=$(L "$UA" dossier set "$id" type_acte=41_NC 2>&1)
like "$out" "« 41_NC » n'existe pas dans la classification de la collectivité" "41_NC absent de la classification : refusé"
L "$UA" dossier set "$id" acte_nature=2 type_acte=22_PN type_pj=22_PN >/dev/null && ok "nature 2 et 22_PN ensemble : acceptés" || fail "nature 2 + 22_PN refusés"
# The nature changed after the codes: the dossier is not valid any more.
printf '%%PDF-1.4 acte\n' >"$TEST_TMP/acte.pdf"
L "$UA" dossier attach "$id" arrete "$TEST_TMP/acte.pdf" >/dev/null
L "$UA" dossier set "$id" numero_de_lacte=TYP_1 "objet=Plan de voirie" classification=1.1 "date_de_lacte=$(date +%F)" >/dev/null
is "$(dsql "$UA" "SELECT coalesce(dossier_invalid_reason(d, type_def(d.type, d.type_version)), 'valide') FROM dossier d WHERE id = $id")" valide \
	"nature 2, 22_PN et champs remplis : dossier valide"
L "$UA" dossier set "$id" acte_nature=1 >/dev/null
is "$(dsql "$UA" "SELECT dossier_invalid_reason(d, type_def(d.type, d.type_version)) FROM dossier d WHERE id = $id" | grep -c "« 22_PN » n'est pas admis pour la nature 1")" 1 \
	"nature changée ensuite : le dossier n'est plus valide (code nommé)"
out=$(sql -c "SELECT liasse.actes_classification_charger($ENT_A, '<a>pas une classification</a>')" 2>&1)
like "$out" "n'est pas une classification ACTES" "XML quelconque : refusé avec un message clair"
out=$(sql -c "SELECT liasse.actes_classification_charger($ENT_A, '<actes:Retour')" 2>&1)
like "$out" "n'est pas un XML valide" "XML tronqué : refusé"
is "$(sql -c "SELECT count(*) FROM liasse.actes_typologie WHERE entite_id = $ENT_S")" 5 "classification du syndicat intacte après les refus"
# Without a classification, each generic code goes with its nature (99_SE
# with all): another nature's is refused, naming the code, the nature and
# the codes allowed; a code of a matière is accepted for any nature (the
# national list does not say which nature it goes with).
id2=$(L "$UB" dossier create --entite "$ENT_B" --type actes-generique --titre "Sans classification")
sql -c "DELETE FROM liasse.actes_typologie WHERE entite_id = $ENT_S" >/dev/null
generiques="99_DE 99_AR 99_AI 99_DC 99_BU 99_AU"
libelles=("Délibérations" "Actes réglementaires" "Actes individuels" "Contrats, conventions et avenants" \
	  "Documents budgétaires et financiers" "Autres")
for nat in 1 2 3 4 5 6; do
	propre=$(echo $generiques | cut -d' ' -f$nat)
	autre=$(echo $generiques | cut -d' ' -f$(( nat % 6 + 1 )))
	L "$UB" dossier set "$id2" acte_nature=$nat type_acte="$propre" type_pj=99_SE,21_RP >/dev/null &&
		ok "sans classification, nature $nat : $propre, 99_SE et 21_RP acceptés" || fail "nature $nat : $propre refusé"
	out=$(L "$UB" dossier set "$id2" type_acte="$autre" 2>&1); rc=$?
	is "$rc" 1 "sans classification, nature $nat : $autre refusé"
	like "$out" "Typologie de l'acte : le code de typologie « $autre » n'est pas admis pour la nature $nat \\(${libelles[nat - 1]}\\) ; codes admis : $propre, 99_SE\\." \
		"nature $nat : message nommant $autre, la nature et les codes admis"
	is "$(sql -c "SELECT valeur FROM liasse.dossier_valeur WHERE dossier_id = $id2 AND champ = 'type_acte'")" "$propre" \
		"nature $nat : $propre gardé"
done
out=$(L "$UB" dossier set "$id2" acte_nature=1 type_acte=99_DE type_pj=99_SE,99_AU 2>&1)
like "$out" "Typologie des annexes : le code de typologie « 99_AU » n'est pas admis pour la nature 1" "annexe d'une autre nature : refusée"
is "$(L "$UB" dossier typologies --entite "$ENT_B" 4 | cut -f1 | paste -sd,)" "99_DC,99_SE" "liasse dossier typologies sans classification : nature 4"
# The nature changed after the codes: the dossier says why it is not valid.
L "$UB" dossier set "$id2" acte_nature=2 type_acte=99_AR type_pj= numero_de_lacte=TYP_2 "objet=Arrêté" classification=1.1 \
	"date_de_lacte=$(date +%F)" >/dev/null
L "$UB" dossier attach "$id2" arrete "$TEST_TMP/acte.pdf" >/dev/null
is "$(dsql "$UB" "SELECT coalesce(dossier_invalid_reason(d, type_def(d.type, d.type_version)), 'valide') FROM dossier d WHERE id = $id2")" valide \
	"sans classification, nature 2 et 99_AR : dossier valide"
L "$UB" dossier set "$id2" acte_nature=3 >/dev/null
is "$(dsql "$UB" "SELECT dossier_invalid_reason(d, type_def(d.type, d.type_version)) FROM dossier d WHERE id = $id2" | grep -c "« 99_AR » n'est pas admis pour la nature 3 (Actes individuels)")" 1 \
	"sans classification, nature changée ensuite : dossier invalide (code nommé)"
L "$UB" dossier set "$id2" acte_nature=1 type_acte=99_DE >/dev/null

# From the command line: the file as S2LOW serves it (ISO-8859-1).
out=$("$LIASSE" --db "dbname=$DB" dossier classification --entite "$ENT_B" "$TEST_TMP/classification.latin1")
is "$out" "codes: 5" "liasse dossier classification : fichier ISO-8859-1 chargé (5 codes)"
out=$(L "$UB" dossier typologies --entite "$ENT_B" 1)
is "$(printf '%s\n' "$out" | cut -f1 | paste -sd,)" "99_DE,99_SE,21_RP" "liasse dossier typologies : codes de la nature 1"
like "$out" "21_RP	Rapport de présentation" "libellé converti de l'ISO-8859-1"
out=$(L "$UB" dossier set "$id2" type_acte=22_PN 2>&1)
like "$out" "« 22_PN » n'est pas admis pour la nature 1" "la classification chargée s'applique aussitôt"
out=$(L "$UB" dossier typologies --entite "$ENT_B" 7 2>&1); rc=$?
is "$rc" 2 "nature 7 : code 2"
like "$out" "la nature de l'acte \(1 à 6\)" "nature 7 : message clair"
out=$(L "$UB" dossier typologies 1 2>&1)
like "$out" "attend --entite ID" "sans --entite : message clair"
out=$("$LIASSE" --db "dbname=$DB" dossier classification --entite "$ENT_B" "$TEST_TMP/absent.xml" 2>&1)
like "$out" "Impossible d'ouvrir" "fichier absent : message clair"
head -c 100 /dev/urandom >"$TEST_TMP/bin.xml"; printf '\0' >>"$TEST_TMP/bin.xml"
out=$("$LIASSE" --db "dbname=$DB" dossier classification --entite "$ENT_B" "$TEST_TMP/bin.xml" 2>&1)
like "$out" "n'est pas un fichier XML de classification" "fichier binaire : refusé"
is "$(sql -c "SELECT count(*) FROM liasse.actes_typologie WHERE entite_id = $ENT_B")" 5 "classification de B intacte après les refus"
out=$(L "$UB" dossier classification --entite "$ENT_B" "$TEST_TMP/classification.latin1" 2>&1); rc=$?
is "$rc" 1 "un agent sans connecteur:edition : refusé"
