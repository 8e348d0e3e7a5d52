# Address book: CSV import (Excel CP1252 with accents, UTF-8 with BOM,
# every refusal reason, dry-run with and without a database, one
# transaction), contacts and groups from the CLI, rights.
. tests/lib/tap.sh

T=$TEST_TMP/annuaire; mkdir -p "$T"
# An Excel "CSV (séparateur : point-virgule)" file: Windows-1252, CRLF.
printf 'h.lefevre@mairie.example;H\xe9l\xe8ne Lef\xe8vre;Conseil municipal;Commission travaux\r\n' >"$T/excel.csv"
printf 'francois.garcon@mairie.example;Fran\xe7ois Gar\xe7on;Conseil municipal\r\n' >>"$T/excel.csv"
printf 'pas-une-adresse;Quelqu\x92un;Conseil municipal\r\n' >>"$T/excel.csv"
printf 'seule.colonne@mairie.example\r\n' >>"$T/excel.csv"
printf ';;\r\n' >>"$T/excel.csv"
printf 'H.Lefevre@mairie.example;Doublon;Conseil municipal\r\n' >>"$T/excel.csv"
printf 'j.noel@mairie.example;J\xe9r\xf4me No\xebl\r\n' >>"$T/excel.csv"
printf 'g@mairie.example;Groupe;Nom "entre guillemets"\r\n' >>"$T/excel.csv"

# Offline dry-run: no database at all (an unreachable one is never opened).
out=$(PGHOST=/nonexistent "$LIASSE" annuaire import --dry-run "$T/excel.csv" 2>&1); rc=$?
is "$rc" 1 "dry-run sans base : code 1 quand des lignes sont refusées"
like "$out" 'Windows-1252, séparateur « ; »' "dry-run sans base : encodage Windows-1252 détecté"
like "$out" 'ligne 1 : refusé : groupe\(s\) inconnu\(s\) : « Conseil municipal », « Commission travaux »' "dry-run sans base : groupes inconnus refusés"
like "$out" 'ligne 3 : refusé : adresse électronique « pas-une-adresse » invalide' "adresse invalide refusée"
like "$out" 'ligne 4 : refusé : trop peu de colonnes' "trop peu de colonnes"
like "$out" 'ligne 6 : refusé : adresse « H.Lefevre@mairie.example » déjà présente ligne 1' "doublon dans le fichier"
like "$out" 'ligne 7 : à importer : j.noel@mairie.example \(Jérôme Noël\)' "accents CP1252 convertis en UTF-8"
like "$out" 'ligne 8 : refusé : nom de groupe « Nom "entre guillemets" » invalide' "nom de groupe invalide"
if printf '%s' "$out" | grep -q 'ligne 5'; then fail "ligne vide ignorée"; else ok "ligne vide ignorée"; fi
out=$(PGHOST=/nonexistent "$LIASSE" annuaire import --dry-run --creer-groupes "$T/excel.csv" 2>&1)
like "$out" 'ligne 1 : à importer : h.lefevre@mairie.example \(Hélène Lefèvre\) ; groupes : Conseil municipal, Commission travaux ; groupes à créer' "dry-run --creer-groupes : groupes à créer"
like "$out" '3 ligne\(s\) à importer, 4 refusée\(s\), 2 groupe\(s\) à créer' "dry-run sans base : bilan"

newdb mailsec_annuaire || { fail "base"; exit 1; }
L() { "$LIASSE" --db "dbname=$DB" "$@"; }
A=$(L entite create --parent 1 --type collectivite "Commune de Saint-Éloi")
B=$(L entite create --parent 1 --type collectivite "Commune voisine")
L annuaire groupe-create --entite "$A" "Conseil municipal" >/dev/null
check "groupe créé" test "$(sql -c "SELECT count(*) FROM liasse.annuaire_groupe WHERE entite_id = $A")" = 1

# Dry-run with the database: exact report, nothing kept.
out=$(L annuaire import --entite "$A" --dry-run "$T/excel.csv" 2>&1)
like "$out" 'ligne 2 : à créer : francois.garcon@mairie.example \(François Garçon\)' "dry-run avec base : contact à créer"
like "$out" 'ligne 1 : refusé : groupe\(s\) inconnu\(s\) : « Commission travaux »' "dry-run avec base : seul le groupe manquant est refusé"
is "$(sql -c "SELECT count(*) FROM liasse.annuaire_contact")" 0 "dry-run avec base : rien n'est enregistré"

# The real import.
out=$(L annuaire import --entite "$A" "$T/excel.csv" 2>&1); rc=$?
is "$rc" 1 "import : code 1 car des lignes sont refusées"
like "$out" 'Bilan : 2 contact\(s\) créé\(s\), 0 mis à jour, 5 ligne\(s\) refusée\(s\)' "import : bilan"
is "$(sql -c "SELECT description FROM liasse.annuaire_contact WHERE email = 'j.noel@mairie.example'")" "Jérôme Noël" "import : accents stockés en UTF-8"
is "$(sql -c "SELECT string_agg(c.email, ',' ORDER BY c.email) FROM liasse.annuaire_groupe_contact gc JOIN liasse.annuaire_contact c ON c.id = gc.contact_id JOIN liasse.annuaire_groupe g ON g.id = gc.groupe_id WHERE g.nom = 'Conseil municipal'")" "francois.garcon@mairie.example" "import : membres du groupe"
is "$(sql -c "SELECT count(*) FROM liasse.journal WHERE action = 'annuaire' AND message LIKE 'Import CSV%'")" 1 "import : journalisé"

# Again with --creer-groupes: an update, groups created, memberships reset.
out=$(L annuaire import --entite "$A" --creer-groupes "$T/excel.csv" 2>&1)
like "$out" 'Bilan : 1 contact\(s\) créé\(s\), 2 mis à jour, 4 ligne\(s\) refusée\(s\), 1 groupe\(s\) créé\(s\)' "réimport : mises à jour et groupe créé"
is "$(sql -c "SELECT string_agg(g.nom, ',' ORDER BY g.nom) FROM liasse.annuaire_groupe_contact gc JOIN liasse.annuaire_contact c ON c.id = gc.contact_id JOIN liasse.annuaire_groupe g ON g.id = gc.groupe_id WHERE c.email = 'h.lefevre@mairie.example'")" "Commission travaux,Conseil municipal" "réimport : groupes de la ligne"
is "$(sql -c "SELECT count(*) FROM liasse.annuaire_groupe_contact gc JOIN liasse.annuaire_contact c ON c.id = gc.contact_id WHERE c.email = 'j.noel@mairie.example'")" 0 "réimport : une ligne sans groupe retire les groupes (règle PASTELL)"

# UTF-8 with BOM, comma separator, a header line.
printf '\xef\xbb\xbfemail,description,groupe\nanne.ecole@mairie.example,"Anne, école",Conseil municipal\n' >"$T/bom.csv"
out=$(L annuaire import --entite "$A" "$T/bom.csv" 2>&1); rc=$?
is "$rc" 0 "UTF-8 avec BOM et virgules : code 0"
like "$out" 'UTF-8 avec BOM, séparateur « , »\), ligne d.en-tête ignorée' "UTF-8 avec BOM : détecté, en-tête ignorée"
is "$(sql -c "SELECT description FROM liasse.annuaire_contact WHERE email = 'anne.ecole@mairie.example'")" "Anne, école" "champ entre guillemets avec virgule"

# Unusable files: clear French messages.
printf '\xff\xfee\x00m\x00' >"$T/utf16.csv"
out=$(L annuaire import --entite "$A" "$T/utf16.csv" 2>&1)
like "$out" 'UTF-16' "fichier UTF-16 : message clair"
: >"$T/vide.csv"
out=$(L annuaire import --entite "$A" "$T/vide.csv" 2>&1)
like "$out" 'Le fichier est vide' "fichier vide : message clair"
printf 'a@b.example;\x81\x8d\n' >"$T/bad.csv"
out=$(L annuaire import --entite "$A" "$T/bad.csv" 2>&1)
like "$out" 'Encodage non reconnu' "octets ni UTF-8 ni Windows-1252 : message clair"

# One transaction: a failure on the last line leaves nothing behind.
n0=$(sql -c "SELECT count(*) FROM liasse.annuaire_contact")
sql -c "CREATE FUNCTION liasse.test_refus() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN
	IF NEW.email = 'panne@mairie.example' THEN RAISE EXCEPTION 'panne simulée'; END IF; RETURN NEW; END \$\$;
	CREATE TRIGGER test_refus BEFORE INSERT ON liasse.annuaire_contact FOR EACH ROW EXECUTE FUNCTION liasse.test_refus();"
printf 'premier@mairie.example;Premier\npanne@mairie.example;Panne\n' >"$T/panne.csv"
out=$(L annuaire import --entite "$A" "$T/panne.csv" 2>&1); rc=$?
is "$rc" 1 "erreur en cours d'import : échec"
like "$out" 'Ligne 2 : .*Rien n.a été importé' "erreur en cours d'import : ligne et message"
is "$(sql -c "SELECT count(*) FROM liasse.annuaire_contact")" "$n0" "erreur en cours d'import : rien n'est à moitié importé"
sql -c "DROP TRIGGER test_refus ON liasse.annuaire_contact; DROP FUNCTION liasse.test_refus();"

# CLI: list, search (accents ignored), add, edit, delete, groups.
out=$(L annuaire list --entite "$A" --recherche "lefevre")
like "$out" 'h\.lefevre@mairie\.example	Hélène Lefèvre	Commission travaux, Conseil municipal' "list --recherche sans accents"
id=$(L annuaire add --entite "$A" --groupe "Conseil municipal" "nouveau@mairie.example" "Nouvel élu")
like "$id" '^[0-9]+$' "add : identifiant"
check "edit" L annuaire edit "$id" --description "Élu renommé"
is "$(sql -c "SELECT description FROM liasse.annuaire_contact WHERE id = $id")" "Élu renommé" "edit : description changée"
check_fails "add : adresse invalide refusée" L annuaire add --entite "$A" "pas-une-adresse"
out=$(L annuaire add --entite "$A" --groupe Inconnu "x@mairie.example" 2>&1)
like "$out" 'Groupe « Inconnu » inconnu' "add : groupe inconnu refusé"
out=$(L annuaire groupes --entite "$A")
like "$out" 'groupe	groupe: "Conseil municipal"	4' "groupes : libellé et nombre de membres"
check "delete" L annuaire delete "$id"
is "$(sql -c "SELECT count(*) FROM liasse.annuaire_contact WHERE id = $id")" 0 "delete : contact supprimé"

# Shared groups of a parent are visible below, under their inherited name.
S=$(L entite create --parent "$A" --type service "Service scolaire")
g=$(sql -c "SELECT id FROM liasse.annuaire_groupe WHERE nom = 'Conseil municipal'")
sql -c "SELECT liasse.annuaire_groupe_update($g, NULL, true)" >/dev/null
out=$(L annuaire groupes --entite "$S")
like "$out" 'groupe hérité de Commune de Saint-Éloi: "Conseil municipal"' "groupe partagé hérité par le service"
out=$(sql -c "SELECT string_agg(email, ',' ORDER BY email) FROM liasse.annuaire_expand($S, 'groupe hérité de Commune de Saint-Éloi: \"Conseil municipal\", \"Invité\" <invite@ext.example>')")
is "$out" "anne.ecole@mairie.example,francois.garcon@mairie.example,h.lefevre@mairie.example,invite@ext.example" "annuaire_expand : groupe hérité et adresse"

# Rights: an agent of B cannot touch A's address book.
L utilisateur create --entite "$B" --nom Agent --prenom B --sans-mot-de-passe annuaire_agent_b >/dev/null
L utilisateur droits annuaire_agent_b admin "$B" >/dev/null
out=$("$LIASSE" --db "dbname=$DB user=annuaire_agent_b" annuaire import --entite "$A" "$T/bom.csv" 2>&1)
like "$out" 'Droit « annuaire:edition » manquant' "import refusé sans annuaire:edition"
out=$("$LIASSE" --db "dbname=$DB user=annuaire_agent_b" annuaire list --entite "$A" 2>&1)
like "$out" 'Droit « annuaire:lecture » manquant' "liste refusée sans annuaire:lecture"
