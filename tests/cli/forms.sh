# liasse forms check|list|show: the dossier type definitions.
. tests/lib/tap.sh
# The shipped definitions: one file per type in forms/.
nf=$(ls forms/*.form | wc -l)

out=$("$LIASSE" forms check 2>&1); rc=$?
is "$rc" 0 "forms check : les définitions livrées sont valides"
like "$out" "^$nf définition\\(s\\) valide\\(s\\)" "forms check compte les $nf types livrés"

out=$("$LIASSE" forms check forms 2>&1); rc=$?
is "$rc" 0 "forms check DOSSIER : le dossier forms/ est valide"

# A malformed file: every error reported as file:line: raison, exit 1.
bad=$TEST_TMP/mauvais.form
cat > "$bad" <<'EOT'
type essai "Essai" family=Documents
tab a "A"
field objet text "Objet" max=douze
field b booleen "B"
state creation "Créé"
action creation "Créer" initial
action envoyer "Envoyer" from=nulle-part
field c text "sans fin
EOT
out=$("$LIASSE" forms check "$bad" 2>&1); rc=$?
is "$rc" 1 "forms check FICHIER invalide sort avec 1"
like "$out" "^$bad:3: max= : longueur" "erreur ligne 3 (max)"
like "$out" "$bad:4: type de champ inconnu « booleen »" "erreur ligne 4 (type de champ)"
like "$out" "$bad:7: from= : état inconnu « nulle-part »" "erreur ligne 7 (état inconnu)"
like "$out" "$bad:8: guillemet fermant manquant" "erreur ligne 8 (guillemet)"
n=$(printf '%s\n' "$out" | grep -c "^$bad:")
is "$n" 5 "toutes les erreurs sont listées (5 lignes)"

# A good and a bad file together: the bad one still fails the run.
out=$("$LIASSE" forms check forms/helios-generique.form "$bad" 2>&1); rc=$?
is "$rc" 1 "un fichier valide et un invalide : code 1"
out=$("$LIASSE" forms check "$TEST_TMP/absent.form" 2>&1); rc=$?
is "$rc" 1 "fichier absent : code 1"
like "$out" "impossible d'ouvrir" "fichier absent : message en français"

out=$("$LIASSE" forms list); rc=$?
is "$rc" 0 "forms list sort avec 0"
like "$out" '^helios-generique +PES / Helios +Helios' "forms list : helios-generique et sa famille"
is "$(printf '%s\n' "$out" | wc -l)" "$nf" "forms list : un type par fichier de forms/"
for t in actes-generique helios-generique helios-pes-retour document-a-signer pdf-generique mailsec-bidir; do
	like "$out" "^$t " "forms list : $t est livré"
done

out=$("$LIASSE" forms show actes-generique); rc=$?
is "$rc" 0 "forms show sort avec 0"
like "$out" 'champ: numero_de_lacte text « Numéro de l.acte » obligatoire' "forms show liste les champs"
like "$out" 'état: acquiter-tdt « Acquittement reçu »' "forms show liste les états"

json=$("$LIASSE" forms show helios-generique --json); rc=$?
is "$rc" 0 "forms show --json sort avec 0"
keys=$(printf '%s' "$json" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["id"], d["family"], len(d["sha256"]), [f["id"] for f in d["fields"] if f["list"]], d["fields"][0]["forbid"], d["fields"][0]["max"])' 2>&1)
is "$keys" "helios-generique PES / Helios 64 ['id_coll', 'dte_str', 'cod_bud', 'etat_ack'] œ€ 256" "forms show --json : JSON lisible, clés attendues"

out=$("$LIASSE" forms show inconnu 2>&1); rc=$?
is "$rc" 1 "forms show d'un type inconnu : code 1"
like "$out" 'type de dossier inconnu : « inconnu »' "type inconnu : message en français"
out=$("$LIASSE" forms frob 2>&1); rc=$?
is "$rc" 2 "forms avec une sous-commande inconnue : code 2"
out=$("$LIASSE" forms show 2>&1); rc=$?
is "$rc" 2 "forms show sans type : code 2"

out=$("$LIASSE" forms list --dir forms); rc=$?
is "$rc" 0 "forms list --dir forms sort avec 0"
is "$(printf '%s\n' "$out" | wc -l)" "$nf" "forms list --dir : les $nf fichiers du dossier"
mkdir -p "$TEST_TMP/defs" && cp "$bad" "$TEST_TMP/defs/"
out=$("$LIASSE" forms list --dir "$TEST_TMP/defs" 2>&1); rc=$?
is "$rc" 1 "forms list --dir sur un dossier invalide : code 1"
like "$out" "mauvais.form:3:" "forms list --dir : l'erreur nomme fichier et ligne"
