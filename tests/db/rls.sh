# Row Level Security, proved for EVERY table: an agent of commune A,
# logged in with plain psql, neither sees nor changes commune B's rows.
#
# Tables are discovered from pg_catalog: every table or view of schema
# liasse with an `entite_id` column (plus `entite` itself, keyed by id).
# A table added later is covered automatically, provided it has rows of
# both communes: seed them in tests/db/rls.d/*.sql. Those files run in
# name order, as superuser, with the psql variables
#   :ent_a :ent_b    the two communes' ids (:ent_a1 a service of A,
#                    :ent_b1 a service of B, :syndicat their parent)
#   :user_a :user_b  the logins of an agent of A (role admin on A: every
#                    right there) and of an agent of B
# A table with entite_id and no row of A or of B makes this test fail.
. tests/lib/tap.sh

newdb rls || { fail "création de la base"; exit 1; }
L() { "$LIASSE" --db "dbname=rls" "$@"; }

syn=$(L entite create --parent 1 --type cdg "Syndicat intercommunal")
a=$(L entite create --parent "$syn" --type collectivite --siren 443061841 "Commune A")
b=$(L entite create --parent "$syn" --type collectivite --siren 200054781 "Commune B")
a1=$(L entite create --parent "$a" --type service "Service A1")
b1=$(L entite create --parent "$b" --type service "Service B1")
user_a=rls_agent_a user_b=rls_agent_b
L utilisateur create --entite "$a" --nom Agent --prenom A --sans-mot-de-passe "$user_a" >/dev/null &&
L utilisateur create --entite "$b" --nom Agent --prenom B --sans-mot-de-passe "$user_b" >/dev/null &&
L utilisateur droits "$user_a" admin "$a" &&
L utilisateur droits "$user_b" admin "$b" || { fail "préparation des agents"; exit 1; }
# Some activity of each agent.
sql_as "$user_a" -c "SELECT liasse.journal_append(7, $a, NULL, 'consultation', 'A')" >/dev/null
sql_as "$user_b" -c "SELECT liasse.journal_append(7, $b, NULL, 'consultation', 'B')" >/dev/null
sql_as "$user_b" -c "SELECT liasse.update_entite($b1, 'Service B1 renommé', NULL, NULL)" >/dev/null

for f in tests/db/rls.d/*.sql; do
	[ -e "$f" ] || continue
	if out=$(sql -v ent_a="$a" -v ent_b="$b" -v ent_a1="$a1" -v ent_b1="$b1" -v syndicat="$syn" \
		-v user_a="$user_a" -v user_b="$user_b" -f "$f" 2>&1); then
		ok "données de test : $f"
	else
		fail "données de test : $f"; printf '%s\n' "$out" | sed 's/^/#   /' | head -n 10
	fi
done

# The agent's own view of the rights functions.
r=$(sql_as "$user_a" -c "SELECT liasse.has_right($a1, 'actes-generique:edition'), liasse.has_right($b, 'actes-generique:lecture'), liasse.has_right($b1, 'journal:lecture')")
is "$r" "t|f|f" "has_right : A et ses services oui, B non"
r=$(sql_as "$user_a" -c "SELECT count(*) FROM liasse.my_rights() WHERE entite_id IN ($b, $b1)")
is "$r" 0 "my_rights() ne contient rien de B"
r=$(sql_as "$user_a" -c "SELECT $b = ANY (liasse.entites_visibles()) OR $b1 = ANY (liasse.entites_visibles())")
is "$r" f "entites_visibles() exclut B"

# EVERY table with entite_id, and entite itself.
tables=$(sql -F ' ' -c "
	SELECT c.relname, CASE WHEN c.relname = 'entite' THEN 'id' ELSE 'entite_id' END, c.relkind
	FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname = 'liasse' AND c.relkind IN ('r', 'p', 'v', 'm')
	  AND (c.relname = 'entite' OR EXISTS (SELECT FROM pg_attribute a
		WHERE a.attrelid = c.oid AND a.attname = 'entite_id' AND NOT a.attisdropped))
	ORDER BY c.relname")
ntables=$(printf '%s\n' "$tables" | grep -c .)
like "$ntables" '^([6-9]|[1-9][0-9]+)$' "tables à vérifier découvertes dans pg_catalog ($ntables)"

B_SET="$b, $b1"
A_SET="$a, $a1"
# agent_sql SQL: runs SQL as the agent of A, errors shown with their SQLSTATE.
agent_sql() { psql -X -q -At -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -U "$user_a" -d rls "$@" 2>&1; }

while read -r t k kind; do
	[ -n "$t" ] || continue
	T="liasse.$t"
	if [ "$kind" = r ] || [ "$kind" = p ]; then
		is "$(sql -c "SELECT relrowsecurity FROM pg_class WHERE oid = '$T'::regclass")" t \
			"table $t : Row Level Security activée"
	fi
	nb=$(sql -c "SELECT count(*) FROM $T WHERE $k IN ($B_SET)")
	na=$(sql -c "SELECT count(*) FROM $T WHERE $k IN ($A_SET)")
	if [ "$nb" = 0 ]; then
		fail "table $t : aucune ligne de B pour le test (ajoutez-en dans tests/db/rls.d/)"; continue
	fi
	if [ "$na" = 0 ]; then
		fail "table $t : aucune ligne de A pour le test (ajoutez-en dans tests/db/rls.d/)"; continue
	fi

	out=$(agent_sql -c "SELECT count(*) FROM $T WHERE $k IN ($B_SET)")
	like "$out" '^0$|permission denied' "table $t : les $nb ligne(s) de B sont invisibles"
	out=$(agent_sql -c "SELECT count(*) FROM $T WHERE $k IN ($A_SET)")
	like "$out" '^[1-9][0-9]*$' "table $t : l'agent voit les lignes de A (le test n'est pas vide)"

	out=$(agent_sql -c "BEGIN" -c "WITH u AS (UPDATE $T SET $k = $k WHERE $k IN ($B_SET) RETURNING 1) SELECT count(*) FROM u" -c "ROLLBACK")
	like "$out" '^0$|ERROR' "table $t : UPDATE des lignes de B sans effet ou refusé"
	out=$(agent_sql -c "BEGIN" -c "WITH u AS (UPDATE $T SET $k = $b WHERE $k IN ($A_SET) RETURNING 1) SELECT count(*) FROM u" -c "ROLLBACK")
	like "$out" '^0$|ERROR' "table $t : déplacer des lignes de A vers B est refusé"
	out=$(agent_sql -c "BEGIN" -c "WITH d AS (DELETE FROM $T WHERE $k IN ($B_SET) RETURNING 1) SELECT count(*) FROM d" -c "ROLLBACK")
	like "$out" '^0$|ERROR' "table $t : DELETE des lignes de B sans effet ou refusé"

	# A copy of one of B's rows, built by the superuser, inserted by the agent.
	json=$(sql -c "SELECT row_to_json(x) FROM $T x WHERE $k IN ($B_SET) LIMIT 1")
	cols=$(sql -c "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute
		WHERE attrelid = '$T'::regclass AND attnum > 0 AND NOT attisdropped
		  AND attidentity <> 'a' AND attgenerated = ''")
	out=$(agent_sql -v json="$json" <<SQL
BEGIN;
INSERT INTO $T ($cols) SELECT $cols FROM json_populate_record(NULL::$T, :'json');
ROLLBACK;
SQL
)
	like "$out" 'ERROR:  (42501|LI[0-9]{3}):' "table $t : INSERT d'une copie d'une ligne de B refusé (droits)"
	is "$(sql -c "SELECT count(*) FROM $T WHERE $k IN ($B_SET)")" "$nb" "table $t : les lignes de B sont intactes"
done <<<"$tables"
