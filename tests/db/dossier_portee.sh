# The caller's scope kept in a table (180) and each dossier's entities
# (181) follow what they are made of, at once: a role granted or revoked,
# a right taken from a role, an entity created or moved, a user
# deactivated. After each change the table holds what the roles give, and
# the lists, totals and searches of the agents say the same as the plain
# query under Row Level Security.
. tests/lib/tap.sh
. tests/lib/dossier.sh
dossier_setup dpor || { fail "préparation"; exit 1; }

mk() { dsql "$UA" "SELECT dossier_create($1, '$2', \$t\$$3\$t\$)"; }
mk "$ENT_A" actes-generique "Délibération sur l'eau" >/dev/null
mk "$ENT_A" pdf-generique "Délibération sur les routes" >/dev/null
dsql "$UB" "SELECT dossier_create($ENT_B, 'actes-generique', 'Délibération de B')" >/dev/null

# The pairs of every user, computed as 002's dossier_scope() did.
coherent() {
	is "$(sql -c "SET search_path = liasse, pg_catalog" -c "
		WITH attendu AS (SELECT DISTINCT ur.utilisateur_id, ea.entite_id, left(rd.droit, -8) AS type
				 FROM utilisateur_role ur
				 JOIN role_droit rd ON rd.role = ur.role AND rd.droit LIKE '%:lecture'
				 JOIN entite_ancetre ea ON ea.ancetre_id = ur.entite_id),
		     tenu AS (SELECT p.utilisateur_id, p.entite_id, p.type FROM dossier_portee p)
		SELECT (SELECT count(*) FROM (SELECT * FROM attendu EXCEPT SELECT * FROM tenu) x)
		     + (SELECT count(*) FROM (SELECT * FROM tenu EXCEPT SELECT * FROM attendu) y)")" 0 "portée tenue à jour : $1"
	is "$(sql -c "SET search_path = liasse, pg_catalog" -c "SELECT count(*) FROM dossier d
		WHERE d.entites IS DISTINCT FROM (SELECT array_agg(a.ancetre_id ORDER BY a.niveau) FROM entite_ancetre a
						  WHERE a.entite_id = d.entite_id)")" 0 "entités des dossiers tenues à jour : $1"
}
# sees ROLE: the dossiers ROLE reads through Row Level Security, and
# through a list, a total and a search of everything under the syndicat.
sees() {
	local rls list tot rech
	rls=$(dsql "$1" "SELECT count(*) FROM dossier")
	list=$(dsql "$1" "SELECT count(*) FROM dossier_list('{\"entite\":$ENT_S,\"sous_entites\":true,\"type\":\"actes-generique\"}', NULL, 50)")
	tot=$(dsql "$1" "SELECT total FROM dossier_list_total('{\"entite\":$ENT_S,\"sous_entites\":true,\"type\":\"actes-generique\"}')")
	rech=$(dsql "$1" "SELECT count(*) FROM dossier_list('{\"recherche\":\"délibération\"}', NULL, 50)")
	printf '%s %s %s %s' "$rls" "$list" "$tot" "$rech"
}
coherent "départ"
is "$(sees "$US")" "3 2 2 3" "le syndicat lit les dossiers de A et B"
is "$(sees "$UA")" "2 1 1 2" "A lit les siens"

# A role revoked takes effect at once, in every way of reading.
sql -c "SELECT liasse.revoke_role(liasse.utilisateur_id('$US'), 'agent-collectivite', $ENT_S)" >/dev/null
is "$(sees "$US")" "0 0 0 0" "rôle retiré : le syndicat ne lit plus rien, aussitôt"
coherent "rôle retiré"
sql -c "SELECT liasse.grant_role(liasse.utilisateur_id('$US'), 'consultation', $ENT_B)" >/dev/null
is "$(sees "$US")" "1 1 1 1" "rôle de consultation sur B : les dossiers de B seulement"
coherent "rôle attribué"
sql -c "SELECT liasse.grant_role(liasse.utilisateur_id('$US'), 'agent-collectivite', $ENT_S)" >/dev/null
is "$(sees "$US")" "3 2 2 3" "rôle rendu sur le syndicat"
sql -c "SELECT liasse.revoke_role(liasse.utilisateur_id('$US'), 'consultation', $ENT_B)" >/dev/null
is "$(sees "$US")" "3 2 2 3" "rôle de consultation retiré : B toujours lue par le syndicat"
coherent "second rôle retiré"

# A right taken from a role: every holder loses the type at once.
sql -c "DELETE FROM liasse.role_droit WHERE role = 'agent-collectivite' AND droit = 'actes-generique:lecture'" >/dev/null
is "$(sees "$UA")" "1 0 0 1" "droit retiré au rôle : plus d'actes pour A"
coherent "droit retiré au rôle"
sql -c "INSERT INTO liasse.role_droit VALUES ('agent-collectivite', 'actes-generique:lecture')" >/dev/null
is "$(sees "$UA")" "2 1 1 2" "droit rendu au rôle"

# A new commune under the syndicat: its agent reads it without a new role.
ENT_C=$(sql -c "SELECT liasse.create_entite($ENT_S, 'collectivite', 'Commune C', NULL, NULL)")
mk "$ENT_C" actes-generique "Délibération de C" 2>/dev/null >/dev/null ||
	sys "SELECT dossier_create($ENT_C, 'actes-generique', 'Délibération de C')" >/dev/null
coherent "entité créée"
is "$(sees "$US")" "4 3 3 4" "nouvelle commune : le syndicat lit ses dossiers"

# A commune moved out of the syndicat, then back.
ENT_T=$(sql -c "SELECT liasse.create_entite(liasse.entite_racine(), 'collectivite', 'Autre syndicat', NULL, NULL)")
sql -c "SELECT liasse.move_entite($ENT_B, $ENT_T)" >/dev/null
coherent "entité déplacée"
is "$(sees "$US")" "3 2 2 3" "B déplacée hors du syndicat : le syndicat ne la lit plus"
is "$(dsql "$US" "SELECT count(*) FROM dossier_list('{\"entite\":$ENT_S,\"sous_entites\":true,\"recherche\":\"délibération\"}', NULL, 50)")" 3 \
	"recherche sous le syndicat : plus les dossiers de B"
is "$(sees "$UB")" "1 0 0 1" "B lit toujours ses dossiers"
sql -c "SELECT liasse.move_entite($ENT_B, $ENT_S)" >/dev/null
coherent "entité replacée"
is "$(sees "$US")" "4 3 3 4" "B replacée sous le syndicat"

# A deactivated user reads nothing (the table is not asked who is active).
sql -c "SELECT liasse.set_utilisateur_active(liasse.utilisateur_id('$UA'), false)" >/dev/null
sql -c "ALTER ROLE $UA LOGIN" >/dev/null
is "$(sees "$UA")" "0 0 0 0" "utilisateur désactivé : rien"
sql -c "SELECT liasse.set_utilisateur_active(liasse.utilisateur_id('$UA'), true)" >/dev/null
is "$(sees "$UA")" "2 1 1 2" "réactivé"

# Not for agents.
is "$(dsql "$UA" "SELECT count(DISTINCT utilisateur_id) || ' ' || bool_and(utilisateur_id = utilisateur_id('$UA')) FROM dossier_portee")" "1 true" \
	"un agent ne lit que sa propre portée"
like "$(dsql "$UA" "SELECT dossier_portee_calculer(ARRAY[1]::bigint[])" 2>&1)" "permission denied" "ni son calcul"
