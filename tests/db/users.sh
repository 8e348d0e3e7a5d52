# Users: PostgreSQL login roles created by a non-superuser administrator,
# roles granted on entities, the delegation rule, deactivation.
. tests/lib/tap.sh

newdb usr || { fail "création de la base"; exit 1; }
L() { "$LIASSE" --db "dbname=usr" "$@"; }
Lu() { local u=$1; shift; "$LIASSE" --db "dbname=usr user=$u" "$@"; }

syn=$(L entite create --parent 1 --type cdg "Syndicat")
a=$(L entite create --parent "$syn" --type collectivite "Commune A")
b=$(L entite create --parent "$syn" --type collectivite "Commune B")
a1=$(L entite create --parent "$a" --type service "Service A1")
other=$(L entite create --parent 1 --type cdg "Autre CDG")

# The first administrator is created by the database administrator.
printf 'mot de passe du chef\n' >"$TEST_TMP/pw"
id=$(L utilisateur create --entite "$syn" --nom Martin --prenom Jeanne --email j.martin@syndicat.fr \
	--password-file "$TEST_TMP/pw" usr_adm 2>&1)
like "$id" '^[0-9]+$' "création d'un administrateur (affiche son id)"
check "rôle administrateur-collectivite sur le syndicat" L utilisateur droits usr_adm administrateur-collectivite "$syn"
r=$(sql -c "SELECT rolcanlogin, rolsuper, rolcreaterole, pg_has_role('usr_adm', 'liasse_agent', 'MEMBER'), pg_has_role('usr_adm', 'liasse_owner', 'MEMBER') FROM pg_roles WHERE rolname = 'usr_adm'")
is "$r" "t|f|f|t|f" "rôle de connexion, membre de liasse_agent, sans superutilisateur ni CREATEROLE"
r=$(sql -c "SELECT rolpassword LIKE 'SCRAM-SHA-256\$%' AND rolpassword NOT LIKE '%chef%' FROM pg_authid WHERE rolname = 'usr_adm'")
is "$r" "t" "mot de passe stocké en SCRAM, jamais en clair"
like "$(grep -c 'chef' "$PG_DIR/server.log" 2>/dev/null || echo 0)" '^0$' "le mot de passe n'apparaît pas dans le journal du serveur"

# A non-superuser administrator creates users.
id=$(Lu usr_adm utilisateur create --entite "$a" --nom Dupont --prenom Marie --sans-mot-de-passe usr_marie 2>&1)
like "$id" '^[0-9]+$' "un administrateur non superutilisateur crée un utilisateur"
is "$(sql -c "SELECT rolcanlogin FROM pg_roles WHERE rolname = 'usr_marie'")" "t" "le rôle de connexion existe"
is "$(sql_as usr_marie -c "SELECT liasse.current_utilisateur_id()")" "$id" "current_utilisateur_id() de l'agent"
is "$(sql -c "SELECT coalesce(liasse.current_utilisateur_id()::text, 'NULL')")" "NULL" "current_utilisateur_id() du superutilisateur : NULL"
check "création sur une commune du syndicat (B)" Lu usr_adm utilisateur create --entite "$b" --sans-mot-de-passe usr_bob
out=$(Lu usr_adm utilisateur create --entite "$other" --sans-mot-de-passe usr_intrus 2>&1); rc=$?
is "$rc" 1 "pas de création hors de son périmètre"
like "$out" 'Droit « utilisateur:edition » manquant' "refus hors périmètre expliqué"
out=$(Lu usr_adm utilisateur create --entite "$a" --sans-mot-de-passe "Marie Dupont" 2>&1)
like "$out" 'Identifiant « Marie Dupont » invalide' "identifiant invalide refusé en français"
out=$(Lu usr_adm utilisateur create --entite "$a" --sans-mot-de-passe pg_monitor2 2>&1)
like "$out" 'invalide' "identifiant réservé (pg_) refusé"
out=$(Lu usr_adm utilisateur create --entite "$a" --sans-mot-de-passe usr_marie 2>&1)
like "$out" 'existe déjà' "identifiant déjà pris : conflit"
out=$(Lu usr_adm utilisateur create --entite "$a" --email pas-une-adresse --sans-mot-de-passe usr_x 2>&1)
like "$out" 'Adresse électronique « pas-une-adresse » invalide' "adresse électronique invalide"
is "$(sql -c "SELECT count(*) FROM pg_roles WHERE rolname = 'usr_x'")" "0" "une création refusée ne laisse pas de rôle"
out=$(setsid -w "$LIASSE" --db "dbname=usr" utilisateur create --entite "$a" usr_y </dev/null 2>&1); rc=$?
is "$rc" 2 "sans terminal ni --password-file : erreur d'usage"
like "$out" 'password-file' "le message indique --password-file"

# Roles, inheritance, delegation.
check "l'administrateur attribue agent-collectivite sur A" Lu usr_adm utilisateur droits usr_marie agent-collectivite "$a"
r=$(sql_as usr_marie -c "SELECT liasse.has_right($a1, 'actes-generique:edition'), liasse.has_right($b, 'actes-generique:lecture'), liasse.has_right($a, 'utilisateur:edition')")
is "$r" "t|f|f" "droits de Marie : A et ses services, pas B"
out=$(Lu usr_adm utilisateur droits usr_marie admin "$a" 2>&1); rc=$?
is "$rc" 1 "délégation d'un rôle plus large que les siens : code 1"
like "$out" 'Délégation refusée.*system:edition' "délégation refusée, droits manquants nommés"
out=$(sql_as usr_adm -c "SELECT liasse.grant_role($id, 'admin', $a)" 2>&1)
like "$out" 'LI403|Délégation refusée' "la base elle-même refuse (SQLSTATE LI403)"
st=$(sql_as usr_adm -v VERBOSITY=verbose -c "SELECT liasse.grant_role($id, 'admin', $a)" 2>&1 | grep -o 'LI403' | head -1)
is "$st" "LI403" "SQLSTATE LI403"
out=$(Lu usr_marie utilisateur droits usr_marie administrateur-collectivite "$a" 2>&1)
like "$out" 'utilisateur:edition' "un agent sans utilisateur:edition ne s'attribue rien"
out=$(sql_as usr_marie -c "INSERT INTO liasse.utilisateur_role VALUES ($id, 'admin', 1)" 2>&1)
like "$out" 'permission denied' "écriture directe dans utilisateur_role refusée"
out=$(sql_as usr_marie -c "UPDATE liasse.role_droit SET droit = 'system:edition'" 2>&1)
like "$out" 'permission denied' "écriture directe dans role_droit refusée"
out=$(Lu usr_adm utilisateur droits usr_marie inexistant "$a" 2>&1)
like "$out" 'Rôle « inexistant » introuvable' "rôle inconnu"
out=$(Lu usr_adm utilisateur droits personne agent-collectivite "$a" 2>&1)
like "$out" 'Utilisateur « personne » introuvable' "utilisateur inconnu"
show=$(Lu usr_adm utilisateur show usr_marie)
like "$show" "agent-collectivite	$a	Commune A" "utilisateur show liste les rôles"
lst=$(Lu usr_adm utilisateur list --entite "$a" | cut -f2 | tr '\n' ' ')
is "$lst" "usr_marie " "utilisateur list --entite"

# New rights (a dossier type loaded later) go to admin only.
sql -c "INSERT INTO liasse.droit VALUES ('nouveau-type:lecture', 'Nouveau : lecture')" >/dev/null
r=$(sql -c "SELECT string_agg(role, ',') FROM liasse.role_droit WHERE droit = 'nouveau-type:lecture'")
is "$r" "admin" "un droit ajouté plus tard revient au rôle admin"
n=$(sql -c "SELECT (SELECT count(*) FROM liasse.droit) - (SELECT count(*) FROM liasse.role_droit WHERE role = 'admin')")
is "$n" "0" "admin détient tous les droits"
like "$(L role list)" 'agent-collectivite	Agent de collectivité' "role list"
like "$(L role list --droits | grep '^agent-collectivite' | cut -f2 | tr '\n' ' ')" 'journal:lecture' "role list --droits"

# Revoke and deactivate.
check "retrait du rôle" Lu usr_adm utilisateur retirer usr_marie agent-collectivite "$a"
is "$(sql_as usr_marie -c "SELECT liasse.has_right($a, 'actes-generique:lecture')")" "f" "après retrait, plus de droit"
out=$(Lu usr_adm utilisateur retirer usr_marie agent-collectivite "$a" 2>&1)
like "$out" "n'a pas le rôle" "retirer un rôle absent : introuvable"
check "réattribution" Lu usr_adm utilisateur droits usr_marie agent-collectivite "$a"
check "désactivation de Marie" Lu usr_adm utilisateur desactiver usr_marie
r=$(sql -c "SELECT rolcanlogin FROM pg_roles WHERE rolname = 'usr_marie'")
is "$r" "f" "désactivée : plus de connexion (NOLOGIN)"
is "$(sql -c "SET SESSION AUTHORIZATION usr_marie; SELECT liasse.has_right($a, 'actes-generique:lecture')")" "f" "désactivée : plus aucun droit"
is "$(sql -c "SELECT count(*) FROM liasse.utilisateur_role WHERE utilisateur_id = $id")" "1" "ses rôles sont conservés"
out=$(Lu usr_adm utilisateur desactiver usr_adm 2>&1)
like "$out" 'propre compte' "on ne se désactive pas soi-même"
check "réactivation" Lu usr_adm utilisateur activer usr_marie
is "$(sql_as usr_marie -c "SELECT liasse.has_right($a, 'actes-generique:lecture')")" "t" "réactivée : droits retrouvés"

n=$(sql -c "SELECT count(*) FROM liasse.journal WHERE type = 4 AND utilisateur = 'usr_adm'")
is "$n" "7" "les actions de l'administrateur sont journalisées à son nom"
