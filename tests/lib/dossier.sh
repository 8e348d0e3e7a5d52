# Setup shared by the tests/db/dossier_*.sh scripts.
# dossier_setup PREFIX: a fresh database PREFIX with a syndicat S and its
# communes A and B, and the agents (login roles) PREFIX_a (agent on A),
# PREFIX_b (agent on B), PREFIX_c (consultation on A), PREFIX_s (agent on
# S, hence on A and B). Sets DB, ENT_S, ENT_A, ENT_B, UA, UB, UC, US.
dossier_setup() {
	local p=$1
	newdb "$p" || return 1
	ENT_S=$(sql -c "SELECT liasse.create_entite(liasse.entite_racine(), 'collectivite', 'Syndicat $p', NULL, NULL)")
	ENT_A=$(sql -c "SELECT liasse.create_entite($ENT_S, 'collectivite', 'Commune A', NULL, NULL)")
	ENT_B=$(sql -c "SELECT liasse.create_entite($ENT_S, 'collectivite', 'Commune B', NULL, NULL)")
	UA=${p}_a UB=${p}_b UC=${p}_c US=${p}_s
	local u e role
	for spec in "$UA:$ENT_A:agent-collectivite" "$UB:$ENT_B:agent-collectivite" \
		    "$UC:$ENT_A:consultation" "$US:$ENT_S:agent-collectivite"; do
		IFS=: read -r u e role <<<"$spec"
		sql -c "SELECT liasse.grant_role(liasse.create_user('$u', NULL, 'Agent', '$u', '$u@example.org', $e), '$role', $e)" >/dev/null || return 1
	done
	export DB ENT_S ENT_A ENT_B UA UB UC US
}
# dsql ROLE SQL: one statement as ROLE, schema liasse first in the path.
dsql() { local r=$1; shift; sql_as "$r" -c "SET search_path = liasse, pg_catalog" -c "$*"; }
# sys SQL: as the daemon would (owner, automatic).
sys() { sql -c "SET search_path = liasse, pg_catalog" -c "SET liasse.automatique = on" -c "$*"; }
# L ROLE ARGS: the CLI as ROLE.
L() { local r=$1; shift; PGUSER=$r "$LIASSE" --db "dbname=$DB" "$@"; }
