# Entities: the tree, SIREN/SIRET checks, rights inherited by descendants,
# moves and deactivations that keep history, cycles refused.
. tests/lib/tap.sh

newdb ent || { fail "création de la base"; exit 1; }
L() { "$LIASSE" --db "dbname=ent" "$@"; }
Lu() { local u=$1; shift; "$LIASSE" --db "dbname=ent user=$u" "$@"; }

is "$(sql -c "SELECT count(*), min(id), min(denomination) FROM liasse.entite WHERE type = 'racine'")" \
	"1|1|Entité racine" "une seule entité racine, créée par la migration"
check_fails "une seconde racine est refusée" \
	sql -c "INSERT INTO liasse.entite (type, denomination) VALUES ('racine', 'Autre')"

# SIREN / SIRET.
syn=$(L entite create --parent 1 --type centre_de_gestion --siren 200054781 "Syndicat des Monts" 2>&1)
like "$syn" '^[0-9]+$' "création d'un centre de gestion avec SIREN valide"
out=$(L entite create --parent 1 --type collectivite --siren 200054782 "Commune X" 2>&1); rc=$?
is "$rc" 1 "SIREN à la clé fausse : code 1"
like "$out" 'SIREN « 200054782 » invalide.*Luhn' "SIREN invalide : message en français"
out=$(sql -c "SELECT liasse.create_entite(1, 'collectivite', 'X', '12345678', NULL)" 2>&1)
like "$out" 'SIREN « 12345678 » invalide' "la base refuse elle-même un SIREN de 8 chiffres"
out=$(sql -c "SELECT liasse.create_entite(1, 'collectivite', 'X', '4430618410', NULL)" 2>&1)
like "$out" 'SIREN « 4430618410 » invalide' "SIREN de 10 chiffres : message en français (pas l'erreur de type)"
out=$(sql -c "SELECT liasse.create_entite(1, 'collectivite', 'X', NULL, '44306184100048')" 2>&1)
like "$out" 'SIRET « 44306184100048 » invalide' "la base refuse un SIRET à la clé fausse"
out=$(sql -c "SELECT liasse.create_entite(1, 'collectivite', 'X', '200054781', '44306184100047')" 2>&1)
like "$out" 'ne commence pas par le SIREN' "SIRET d'un autre SIREN refusé"
out=$(sql -c "SELECT liasse.create_entite(1, 'collectivite', 'Bureau de poste', NULL, '35600000049837')" 2>&1)
like "$out" '^[0-9]+$' "SIRET de La Poste (exception à Luhn) accepté"
out=$(sql -c "SELECT liasse.create_entite(1, 'collectivite', '  ', NULL, NULL)" 2>&1)
like "$out" 'dénomination.*obligatoire' "dénomination vide refusée"
out=$(sql -c "SELECT liasse.create_entite(1, 'racine', 'R2', NULL, NULL)" 2>&1)
like "$out" 'Type d.entité « racine » invalide' "type racine refusé à la création"
out=$(sql -c "SELECT liasse.create_entite(999, 'collectivite', 'X', NULL, NULL)" 2>&1)
like "$out" 'Entité 999 introuvable' "entité mère inconnue : introuvable"
out=$(sql -c "SELECT liasse.siren_valide(s) FROM unnest(ARRAY['443061841','732829320','443061842','44306184a']) s" | tr '\n' ' ')
is "$out" "t t f f " "siren_valide() en SQL"

# The tree.
a=$(L entite create --parent "$syn" --type collectivite --siren 443061841 "Commune A")
b=$(L entite create --parent "$syn" --type collectivite "Commune B")
a1=$(L entite create --parent "$a" --type service "Service des eaux A")
b1=$(L entite create --parent "$b" --type service "Service B1")
cdg=$(L entite create --parent 1 --type cdg "CDG voisin")
anc=$(sql -c "SELECT string_agg(ancetre_id || ':' || niveau, ' ' ORDER BY niveau) FROM liasse.entite_ancetre WHERE entite_id = $a1")
is "$anc" "$a1:0 $a:1 $syn:2 1:3" "table de fermeture : le service, sa commune, le syndicat, la racine"
tree=$(L entite list --arbre)
like "$tree" "^      Service des eaux A \[$a1, service\]" "liste en arbre indentée"
lst=$(L entite list --sous "$syn" | cut -f1 | tr '\n' ' ')
is "$lst" "$syn $a $a1 $b $b1 " "liste d'un sous-arbre, dans l'ordre de l'arbre"
row=$(L entite list | grep "^$a	")
is "$row" "$a	$syn	collectivite	oui	443061841		Commune A" "ligne de liste (colonnes séparées par des tabulations)"

# Rights are inherited by descendants.
sql -c "SELECT liasse.create_user('ent_agent', NULL, 'Agent', 'Syndicat', NULL, $syn)" >/dev/null
sql -c "SELECT liasse.grant_role(liasse.utilisateur_id('ent_agent'), 'agent-collectivite', $syn)" >/dev/null
r=$(sql_as ent_agent -c "SELECT liasse.has_right($a1, 'actes-generique:edition'), liasse.has_right($b, 'helios-generique:lecture'), liasse.has_right($cdg, 'actes-generique:lecture'), liasse.has_right($a1, 'entite:edition')")
is "$r" "t|t|f|f" "un rôle sur le syndicat vaut sur ses communes et services, pas ailleurs"
n=$(sql_as ent_agent -c "SELECT count(*) FROM liasse.my_rights() WHERE droit = 'actes-generique:lecture'")
is "$n" 5 "my_rights() : le syndicat et ses 4 sous-entités"
ids=$(sql_as ent_agent -c "SELECT liasse.entites_with_right('pdf-generique:edition')")
is "$ids" "{$syn,$a,$b,$a1,$b1}" "entites_with_right()"
out=$(Lu ent_agent entite create --parent "$a" --type service "Service pirate" 2>&1); rc=$?
is "$rc" 1 "sans entite:edition, création refusée"
like "$out" 'Droit « entite:edition » manquant' "refus expliqué en français"

# Move: the closure table and the inherited rights follow.
nent=$(sql -c "SELECT count(*) FROM liasse.entite")
check "déplacement de la commune A vers le CDG voisin" L entite move "$a" "$cdg"
anc=$(sql -c "SELECT string_agg(ancetre_id::text, ' ' ORDER BY niveau) FROM liasse.entite_ancetre WHERE entite_id = $a1")
is "$anc" "$a1 $a $cdg 1" "le service suit sa commune dans le déplacement"
r=$(sql_as ent_agent -c "SELECT liasse.has_right($a1, 'actes-generique:lecture')")
is "$r" "f" "après déplacement, le rôle sur l'ancien syndicat ne couvre plus la commune"
h=$(sql -c "SELECT ancien_parent_id || '>' || nouveau_parent_id || ' ' || utilisateur FROM liasse.entite_historique WHERE entite_id = $a AND operation = 'modification'")
is "$h" "$syn>$cdg postgres" "historique du déplacement (ancienne et nouvelle mère, auteur)"
show=$(L entite show "$a")
like "$show" "déplacée de l'entité $syn vers l'entité $cdg" "entite show affiche l'historique"

# Cycles.
out=$(L entite move "$cdg" "$a1" 2>&1); rc=$?
is "$rc" 1 "déplacer une entité sous sa propre sous-entité : code 1"
like "$out" 'cycle' "le cycle est refusé avec un message clair"
out=$(L entite move "$a" "$a" 2>&1)
like "$out" 'cycle' "une entité ne peut pas être sa propre mère"
out=$(sql -c "UPDATE liasse.entite SET parent_id = $a1 WHERE id = $cdg" 2>&1)
like "$out" 'propre ancêtre' "même une mise à jour directe ne peut créer de cycle"
out=$(L entite move 1 "$a" 2>&1)
like "$out" 'racine ne peut pas être déplacée' "la racine ne se déplace pas"
check "retour de la commune A dans le syndicat" L entite move "$a" "$syn"
n=$(sql -c "SELECT count(*) FROM liasse.entite_ancetre")
m=$(sql -c "WITH RECURSIVE t(id, anc, n) AS (SELECT id, id, 0 FROM liasse.entite UNION ALL SELECT t.id, e.parent_id, t.n + 1 FROM t JOIN liasse.entite e ON e.id = t.anc WHERE e.parent_id IS NOT NULL) SELECT count(*) FROM t")
is "$n" "$m" "la table de fermeture reste exacte après les déplacements"

# Deactivation keeps everything.
check "désactivation de la commune B" L entite desactiver "$b"
r=$(sql -c "SELECT liasse.entite_is_active($b), liasse.entite_is_active($b1), liasse.entite_is_active($a)")
is "$r" "f|f|t" "entite_is_active : B et ses services inactifs, A actif"
out=$(L entite create --parent "$b" --type service "Nouveau" 2>&1)
like "$out" 'désactivée' "pas de création sous une entité désactivée"
is "$(sql -c "SELECT count(*) FROM liasse.entite")" "$nent" "désactiver ne supprime rien"
h=$(sql -c "SELECT ancien_actif || '>' || nouveau_actif FROM liasse.entite_historique WHERE entite_id = $b AND operation = 'modification'")
is "$h" "true>false" "historique de la désactivation"
check "réactivation" L entite activer "$b"
is "$(sql -c "SELECT liasse.entite_is_active($b1)")" "t" "réactivée, B accepte de nouveau des dossiers"
out=$(L entite desactiver 1 2>&1)
like "$out" 'racine ne peut pas être désactivée' "la racine reste active"
out=$(sql -c "DELETE FROM liasse.entite WHERE id = $b1" 2>&1)
like "$out" 'jamais supprimée' "une entité n'est jamais supprimée, même par le propriétaire"
out=$(sql -c "TRUNCATE liasse.entite_historique" 2>&1)
like "$out" 'jamais supprimés' "l'historique ne se vide pas"

# Rename.
check "modification de la dénomination" L entite modifier "$b" --denomination "Commune de B-sur-Mer"
h=$(sql -c "SELECT ancienne_denomination || '>' || nouvelle_denomination FROM liasse.entite_historique WHERE entite_id = $b AND ancienne_denomination <> nouvelle_denomination")
is "$h" "Commune B>Commune de B-sur-Mer" "historique du changement de dénomination"
is "$(sql -c "SELECT siren FROM liasse.entite WHERE id = $a")" "443061841" "modifier sans --siren garde le SIREN"

# Journal.
n=$(sql -c "SELECT count(*) FROM liasse.journal WHERE type = 3")
is "$n" "12" "chaque création, déplacement, (dés)activation et modification est journalisée"

out=$(L entite frobnicate 2>&1); rc=$?
is "$rc" 2 "sous-commande inconnue : code 2"
sql -c "DROP OWNED BY ent_agent; DROP ROLE ent_agent" >/dev/null 2>&1
