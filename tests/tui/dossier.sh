# Editing and acting on a dossier from the keyboard: create an acte, get
# the validation messages next to the fields, save, run an action, and
# see a change made by another session appear within a second.
. tests/tui/lib.sh
tui_db tuidossier || { fail "base de test"; exit 1; }

run_liasse
wait_for "Types de dossiers" 5
keys / A c t e s Enter
keys c
wait_for "Modification" 5
assert_has "c crée un acte et ouvre son formulaire" "Modification · Actes (générique)"
like "$(screen | grep "Numéro de l'acte")" "Numéro de l'acte +\\*" "champs obligatoires marqués"
assert_has "onglet conditionnel signalé" "Vote (onglet masqué)"

# Cursor starts on "Nature de l'acte": a select list.
keys Enter
assert_has "liste de choix de la nature" "Délibérations"
keys Enter
# Numéro de l'acte: wrong format.
keys Down Enter
keys -l "n°12 faux"
keys Enter
numline=$(screen | grep -n "^  Numéro de l'acte" | head -n 1 | cut -d: -f1)
msg=$(screen | sed -n "$((numline + 1))p")
like "$msg" "Numéro" "numéro invalide : message sous le champ"
# Date in the future.
keys Down Enter C-u
keys -l "2099-01-01"
keys Enter
dline=$(screen | grep -n "^  Date de la décision" | head -n 1 | cut -d: -f1)
like "$(screen | sed -n "$((dline + 1))p")" "futur|postérieure|avenir|aujourd" "date future : message sous le champ"
# Objet with a forbidden character (œ is not Latin-1).
keys Down Enter
keys -l "Vœu du conseil"
keys Enter
oline=$(screen | grep -n "^  Objet" | head -n 1 | cut -d: -f1)
like "$(screen | sed -n "$((oline + 1))p")" "œ|caractère|ISO|Latin" "caractère interdit : message sous le champ"
keys F2
assert_has "enregistrement refusé tant que des champs sont faux" "Corrigez les champs signalés"
assert_has "rien de perdu : la valeur tapée reste" "Vœu du conseil"

# Fix them, save.
keys Home Down Enter C-u
keys -l "2026_001"
keys Enter
keys Down Enter C-u
keys -l "2026-11-02"
keys Enter
keys Down Enter C-u
keys -l "Budget primitif"
keys Enter
keys F2
assert_has "enregistré" "Dossier enregistré."
id=$(sql -c "SELECT id FROM liasse.dossier WHERE titre = 'Budget primitif'")
like "$id" '^[0-9]+$' "le dossier est en base avec son titre"
is "$(sql -c "SELECT valeur FROM liasse.dossier_valeur WHERE dossier_id = ${id:-0} AND champ = 'numero_de_lacte'")" "2026_001" "numéro enregistré"
keys Escape
wait_for "Position 1 à 1 sur 1" 5
assert_has "retour à la liste : le nouveau dossier" "Budget primitif"
keys Enter
wait_for "États du dossier" 5
assert_has "vue du dossier" "Actions possibles"

# Live update: another session changes the title.
ver=$(sql -c "SELECT version FROM liasse.dossier WHERE id = $id")
sql_as "$TUI_USER" -c "SELECT liasse.dossier_set($id, $ver, '{\"objet\": \"Budget modifié ailleurs\"}')" >/dev/null
if wait_for "Budget modifié ailleurs" 2; then ok "mise à jour en direct en moins de 2 s"; else
	fail "mise à jour en direct en moins de 2 s"; screen | sed 's/^/#   |/'; fi

# An action from the picker.
keys a
assert_has "a : liste des actions possibles" "Actions possibles"
assert_has "a : l'action Supprimer est proposée" "Supprimer"
n=$(screen | grep -n "Actions possibles" | head -n 1 | cut -d: -f1)
k=$(screen | grep -n "Supprimer" | head -n 1 | cut -d: -f1)
for _ in $(seq 1 $((k - n - 1))); do keys Down; done
keys Enter
screen | grep -q "(o/n)" && keys o
assert_has "action effectuée : nouvel état annoncé" "le dossier est maintenant"
is "$(sql -c "SELECT count(*) FROM liasse.journal WHERE dossier_id = $id AND action = 'supression'")" \
	"1" "l'action est au journal"
assert_has "dossier supprimé : retour à la liste, à jour" "Position 0 à 0 sur 0"
keys q
wait_for "fin=0" 5

# A PES uploaded through the file picker goes through the same code as
# `liasse dossier attach`: refused files leave the form as it was, a PES
# fills the read-only fields and the list columns.
pes="$TEST_TMP/pes"
mkdir -p "$pes"
cp "$SHARED/samples/pes/aller/depense_creation_document.xml" "$pes/"
cp core/demo/document.pdf "$pes/"
cat >"$pes/xxe.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE PES_Aller [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<PES_Aller><EnTetePES><IdColl V="&x;"/></EnTetePES></PES_Aller>
XML
cd "$pes" && run_liasse && cd - >/dev/null
wait_for "Types de dossiers" 5
keys / H e l i o s Enter
keys Enter
keys c
wait_for "Modification · Helios" 5
keys Enter
keys -l "PES de janvier"
keys Enter
keys Down Enter
assert_has "sélecteur de fichiers ouvert dans le dossier courant" "Choisir un fichier : $pes"
# Picker lines: 1 ../  2 depense_creation_document.xml  3 document.pdf  4 xxe.xml
keys 3
like "$(screen | grep -A1 '^  Fichier PES')" "↳ .*(n'est pas du XML|de type application/pdf)" \
	"un PDF dans le champ PES est refusé en français, sous le champ"
assert_has "refus : l'objet tapé reste" "PES de janvier"
assert_has "refus : aucun fichier attaché" "(aucun fichier : Entrée pour choisir)"
keys Enter
keys 4
assert_has "un XML avec entité externe est refusé" "DTD (déclaration DOCTYPE)"
assert_has "refus : l'objet tapé reste encore" "PES de janvier"
is "$(sql -c "SELECT count(*) FROM liasse.fichier f JOIN liasse.dossier d ON d.id = f.dossier_id WHERE d.type = 'helios-generique'")" \
	"0" "rien n'est stocké pour les fichiers refusés"
keys Enter
keys 2
wait_for "Fichier ajouté" 5
assert_has "PES accepté : informations lues" "Fichier ajouté : 12 information(s) lue(s) dans le PES."
assert_has "PES accepté : SIRET lu dans le fichier" "12345678912345"
assert_has "PES accepté : l'objet tapé reste" "PES de janvier"
# Resize with the form, then with the file picker open.
tm resize-window -t t -x 200 -y 50; settle
is "$(screen | wc -l)" "50" "formulaire agrandi à 200x50"
like "$(screen | sed -n 49p)" "1 champ\\(s\\) modifié" "formulaire 200x50 : ligne d'état en bas"
like "$(screen | grep '^  Objet')" "PES de janvier" "formulaire 200x50 : la saisie reste"
keys Enter
assert_has "sélecteur ouvert en 200x50" "Choisir un fichier : $pes"
tm resize-window -t t -x 80 -y 24; settle
is "$(screen | wc -l)" "24" "sélecteur : revenu à 80x24"
assert_has "sélecteur redessiné en 80x24" "Entrée : choisir   Échap : annuler"
assert_has "sélecteur en 80x24 : les fichiers" "depense_creation_document.xml"
keys Escape
like "$(screen | sed -n 24p)" "F2 Enregistrer" "formulaire 80x24 : touches en bas"
keys F2
wait_for "Dossier enregistré." 5
pid=$(sql -c "SELECT id FROM liasse.dossier WHERE titre = 'PES de janvier'")
like "$pid" '^[0-9]+$' "dossier PES enregistré avec son objet"
is "$(sql -c "SELECT string_agg(champ || '=' || valeur, ' ' ORDER BY champ) FROM liasse.dossier_index WHERE dossier_id = ${pid:-0} AND champ IN ('id_coll', 'dte_str', 'cod_bud', 'nom_fic', 'cod_col')")" \
	"cod_bud=12 cod_col=123 dte_str=2014-10-23 id_coll=12345678912345 nom_fic=ce58141202114f15f435cd6596c5e88a" \
	"informations du PES indexées comme par la ligne de commande"
keys Escape
wait_for "Position 1 à 1 sur 1" 5
like "$(screen | grep 'PES de janvier')" '12345678912345' "liste 80x24 : colonne SIRET"
tm resize-window -t t -x 200 -y 50; settle
like "$(screen | grep 'PES de janvier')" 'PES de janvier .*12345678912345 +2014-10-23 +12 +Non acquitté' \
	"liste 200x50 : colonnes id_coll, dte_str, cod_bud et état de l'acquittement"
tm resize-window -t t -x 80 -y 24; settle
keys Enter
wait_for "États du dossier" 5
keys h
assert_has "historique des états du dossier PES" "$TUI_USER"
keys q
wait_for "fin=0" 5
