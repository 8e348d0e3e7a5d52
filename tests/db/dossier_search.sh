# Lists and search: accent-insensitive full text, filters, keyset
# pagination, totals, counts; EXPLAIN of every list query on 50,000
# dossiers shows no sequential scan of the dossier tables (as an agent,
# Row Level Security included).
. tests/lib/tap.sh
. tests/lib/dossier.sh
dossier_setup dsea || { fail "préparation"; exit 1; }

mk() { dsql "$UA" "SELECT dossier_create($ENT_A, '$1', \$t\$$2\$t\$)"; }
d1=$(mk actes-generique "Délibération du budget primitif")
d2=$(mk actes-generique "Arrêté de voirie")
d3=$(mk helios-generique "Mandats de février")
out=$(L "$UA" dossier list --entite "$ENT_A" --recherche deliberation)
like "$out" "^$d1	" "« deliberation » trouve « Délibération »"
is "$(printf '%s\n' "$out" | grep -c '^[0-9]')" 1 "et rien d'autre"
out=$(L "$UA" dossier list --entite "$ENT_A" --recherche "FEVRIER")
like "$out" "^$d3	" "recherche insensible à la casse et aux accents"
out=$(L "$UA" dossier list --entite "$ENT_A" --recherche "budgets primitifs")
like "$out" "^$d1	" "recherche sur la racine des mots (pluriels)"
out=$(L "$UB" dossier list --recherche deliberation)
like "$out" "aucun dossier" "B ne trouve pas les dossiers de A"
out=$(L "$US" dossier list --entite "$ENT_S" --sous-entites --type actes-generique)
is "$(printf '%s\n' "$out" | grep -c '^[0-9]')" 2 "le syndicat liste les actes de ses communes"
out=$(L "$UA" dossier counts --entite "$ENT_A")
like "$out" "actes-generique	Actes \(générique\)	Actes	2" "compteurs par type pour le menu"

# States: passed through / never / current.
dsql "$UA" "SELECT dossier_set($d2, NULL, '{\"objet\":\"Arrêté de voirie n°2\"}')" >/dev/null
out=$(L "$UA" dossier list --entite "$ENT_A" --etat modification)
is "$(printf '%s\n' "$out" | grep -c '^[0-9]')" 1 "filtre sur l'état courant"
today=$(TZ=Europe/Paris date +%F)
out=$(L "$UA" dossier list --entite "$ENT_A" --passe-par modification --depuis "$today" --jusqu-a "$today")
like "$out" "^$d2	" "passé par « modification » aujourd'hui"
out=$(L "$UA" dossier list --entite "$ENT_A" --passe-par modification --depuis 2000-01-01 --jusqu-a 2000-12-31)
like "$out" "aucun dossier" "pas passé par « modification » en 2000"
out=$(L "$UA" dossier list --entite "$ENT_A" --jamais modification)
is "$(printf '%s\n' "$out" | grep -c '^[0-9]')" 2 "jamais passés par « modification »"
out=$(L "$UA" dossier list --entite "$ENT_A" --depuis demain --passe-par creation 2>&1)
like "$out" "Filtre invalide" "date invalide : message clair"

# The counters per (entity, type) follow creations and state changes.
is "$(sql -c "SELECT count(*) FROM (SELECT entite_id, type, count(*) AS n FROM liasse.dossier GROUP BY 1, 2) d
	FULL JOIN liasse.dossier_compte_type c USING (entite_id, type) WHERE coalesce(c.n, 0) <> coalesce(d.n, 0)")" 0 \
	"compteurs par type tenus par le déclencheur"
is "$(sql -c "SELECT sum(n) FROM liasse.dossier_compte_type WHERE entite_id = $ENT_A")" 3 "compteurs par type : les 3 dossiers de A"

# 50,000 dossiers on 200 communes (and their history), as the owner.
sql -q <<SQL
SET search_path = liasse, pg_catalog;
ALTER TABLE dossier DISABLE TRIGGER dossier_compter;
CREATE TEMP TABLE c AS SELECT create_entite($ENT_S, 'collectivite', 'Commune ' || g, NULL, NULL) AS id FROM generate_series(1, 200) g;
INSERT INTO dossier (entite_id, type, type_version, titre, etat, etat_at, created_by, modified_by)
SELECT CASE WHEN g % 10 = 0 THEN $ENT_A ELSE (SELECT array_agg(id) FROM c)[1 + g % 200] END,
       (ARRAY['actes-generique','helios-generique','pdf-generique'])[1 + g % 3],
       1, 'Dossier ' || g || CASE WHEN g % 200 = 7 THEN ' délibération' ELSE (ARRAY[' mandat', ' arrêté', ' convocation', ' bordereau'])[1 + g % 4] END,
       (ARRAY['creation','modification','termine','send-tdt'])[1 + g % 4],
       now() - g * interval '1 minute', 'gen', 'gen'
FROM generate_series(1, 50000) g;
INSERT INTO dossier_etat (dossier_id, entite_id, type, etat, action, at, utilisateur)
SELECT id, entite_id, type, s, s, etat_at - interval '1 hour', 'gen' FROM dossier, unnest(ARRAY['creation', etat]) s WHERE created_by = 'gen';
INSERT INTO dossier_index (dossier_id, entite_id, type, champ, valeur)
SELECT id, entite_id, type, 'numero_de_lacte', 'N' || id FROM dossier WHERE type = 'actes-generique' AND created_by = 'gen';
SELECT dossier_compte_rebuild();
ALTER TABLE dossier ENABLE TRIGGER dossier_compter;
ANALYZE;
SQL
is "$(sql -c "SELECT count(*) FROM liasse.dossier")" 50003 "50 000 dossiers générés"

# Keyset pagination: every dossier of A once, in order, pages of 97.
after=""
: >"$TEST_TMP/ids"
for i in $(seq 1 100); do
	out=$(L "$UA" dossier list --entite "$ENT_A" --limite 97 ${after:+--apres "$after"})
	printf '%s\n' "$out" | grep '^[0-9]' | cut -f1 >>"$TEST_TMP/ids"
	after=$(printf '%s\n' "$out" | sed -n 's/^# suivant: //p')
	[ -z "$after" ] && break
done
total=$(dsql "$UA" "SELECT count(*) FROM dossier WHERE entite_id = $ENT_A")
is "$(wc -l <"$TEST_TMP/ids")" "$total" "pagination : autant de lignes que de dossiers ($total)"
is "$(sort -u "$TEST_TMP/ids" | wc -l)" "$total" "pagination : aucun doublon"
expected=$(dsql "$UA" "SELECT string_agg(id::text, ',' ORDER BY etat_at DESC, id DESC) FROM dossier WHERE entite_id = $ENT_A")
is "$(paste -sd, "$TEST_TMP/ids")" "$expected" "pagination : ordre du dernier changement d'état"
out=$(L "$UA" dossier list --entite "$ENT_A" --limite 20)
like "$out" "# 20 dossier\(s\) sur $total" "total exact (« Position 1 à 20 sur N »)"
out=$(L "$UA" dossier list --entite "$ENT_A" --type actes-generique --tri titre --limite 5)
first=$(printf '%s\n' "$out" | grep '^[0-9]' | head -1 | cut -f6)
is "$first" "$(dsql "$UA" "SELECT titre FROM dossier WHERE entite_id = $ENT_A AND type = 'actes-generique' ORDER BY titre, id LIMIT 1")" "tri par titre"
out=$(L "$UA" dossier list --entite "$ENT_A" --apres "n'importe quoi" 2>&1)
like "$out" "Curseur de pagination invalide" "curseur invalide : message clair"

# A syndicat's pages (one page from each commune's index, merged): same
# rows in the same order as the plain query, for the date and title sorts.
for tri in date titre; do
	f="{\"entite\":$ENT_S,\"sous_entites\":true,\"type\":\"actes-generique\",\"tri\":\"$tri\"}"
	after="" got=""
	for i in $(seq 1 40); do
		arg=NULL
		[ -n "$after" ] && arg="\$c\$$after\$c\$"
		page=$(dsql "$US" "SELECT string_agg(id::text, ',' ORDER BY n), (array_agg(curseur ORDER BY n DESC))[1] FROM dossier_list('$f', $arg, 500) WITH ORDINALITY AS l(id, entite_id, entite, type, titre, etat, etat_label, etat_at, version, valeurs, curseur, n)")
		ids=${page%%|*} after=${page#*|}
		[ -n "$ids" ] && got=$got${got:+,}$ids
		[ -z "$ids" ] && break
	done
	order=$([ "$tri" = date ] && echo "etat_at DESC, id DESC" || echo "titre, id")
	expected=$(dsql "$US" "SELECT string_agg(id::text, ',' ORDER BY $order) FROM dossier WHERE type = 'actes-generique' AND entite_id IN (SELECT entite_id FROM entite_ancetre WHERE ancetre_id = $ENT_S)")
	is "$(printf '%s' "$got" | tr , '\n' | wc -l)" "$(printf '%s' "$expected" | tr , '\n' | wc -l)" "syndicat, tri $tri : autant de lignes que de dossiers"
	is "$got" "$expected" "syndicat, tri $tri : mêmes dossiers dans le même ordre, page après page"
done
is "$(dsql "$US" "SELECT total FROM dossier_list_total('{\"entite\":$ENT_S,\"sous_entites\":true,\"type\":\"actes-generique\"}')")" \
   "$(dsql "$US" "SELECT count(*) FROM dossier WHERE type = 'actes-generique'")" "total du syndicat (compteurs)"
is "$(dsql "$US" "SELECT total FROM dossier_list_total('{\"entite\":$ENT_S,\"sous_entites\":true,\"recherche\":\"délibération\"}')")" \
   "$(dsql "$US" "SELECT count(*) FROM dossier WHERE titre ILIKE '%délibération%'")" "total d'une recherche (comptée)"
is "$(dsql "$US" "SELECT sum(n) FROM dossier_compteurs($ENT_S, true) WHERE type = 'helios-generique'")" \
   "$(dsql "$US" "SELECT count(*) FROM dossier WHERE type = 'helios-generique'")" "compteurs du menu, syndicat et ses communes"
# The page functions run as the owner: the scope still applies to them.
is "$(dsql "$UB" "SELECT count(*) FROM dossier_page('{\"entite\":$ENT_A}', NULL, 50)")" 0 "dossier_page : B ne voit rien de A"
is "$(dsql "$UB" "SELECT count(*) FROM dossier_page('{\"recherche\":\"délibération\"}', NULL, 50)")" 0 "dossier_page : la recherche de B ne trouve rien de A"
is "$(dsql "$UB" "SELECT total FROM dossier_list_total('{\"entite\":$ENT_A,\"type\":\"actes-generique\"}')")" 0 "total : B ne compte rien de A"
is "$(dsql "$UB" "SELECT count(*) FROM dossier_compteurs($ENT_A, true)")" 0 "compteurs : aucun type de A pour B"

# EXPLAIN: no sequential scan on the dossier tables in what an agent's
# page, total and menu counts really run (the list functions' nested
# statements included: static queries run as the owner, 030's generated
# ones under Row Level Security), through auto_explain.
f_a="\"entite\":$ENT_A"
cur=$(dsql "$UA" "SELECT curseur FROM dossier_list('{$f_a}', NULL, 20) OFFSET 19")
# plans ROLE SQL: every plan SQL runs, as ROLE.
plans() {
	psql -X -q -At -d "$DB" 2>&1 >/dev/null <<EOSQL
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_level = notice;
SET client_min_messages = notice;
SET SESSION AUTHORIZATION "$1";
SET search_path = liasse, pg_catalog;
$2;
EOSQL
}
explained() {
	local name=$1 role=$2 q=$3 out
	out=$(plans "$role" "$q")
	if ! printf '%s\n' "$out" | grep -q 'Query Text'; then
		fail "EXPLAIN $name : aucun plan"; printf '%s\n' "$out" | sed 's/^/#   /' | head -10
	elif printf '%s\n' "$out" | grep -qE 'Seq Scan on (dossier|dossier_etat|dossier_index)( |$)'; then
		fail "EXPLAIN sans parcours séquentiel : $name"; printf '%s\n' "$out" | grep -B3 -A3 'Seq Scan' | sed 's/^/#   /' | head -30
	else
		ok "EXPLAIN sans parcours séquentiel : $name"
	fi
}
for filt in \
	"{$f_a}" \
	"{$f_a,\"type\":\"actes-generique\"}" \
	"{$f_a,\"type\":\"actes-generique\",\"etat\":\"termine\"}" \
	"{$f_a,\"etat\":\"termine\"}" \
	"{\"entite\":$ENT_S,\"sous_entites\":true,\"type\":\"actes-generique\"}" \
	"{\"entite\":$ENT_S,\"sous_entites\":true,\"etat\":\"termine\"}" \
	"{$f_a,\"type\":\"actes-generique\",\"tri\":\"titre\"}" \
	"{$f_a,\"type\":\"actes-generique\",\"tri\":\"numero_de_lacte\"}" \
	"{$f_a,\"passe_par\":\"send-tdt\",\"depuis\":\"2000-01-01\"}" \
	"{\"entite\":$ENT_S,\"sous_entites\":true,\"passe_par\":\"send-tdt\"}" \
	"{$f_a,\"type\":\"helios-generique\",\"jamais\":\"termine\"}" \
	"{\"recherche\":\"délibération\"}" \
	"{$f_a,\"recherche\":\"mandat\"}" \
	"{\"entite\":$ENT_S,\"sous_entites\":true,\"recherche\":\"mandat\"}"; do
	role=$UA; case $filt in *"$ENT_S"*) role=$US ;; esac
	explained "page $filt" "$role" "SELECT count(*) FROM dossier_list('$filt', NULL, 20)"
	explained "total $filt" "$role" "SELECT * FROM dossier_list_total('$filt')"
done
explained "page suivante (curseur)" "$UA" "SELECT count(*) FROM dossier_list('{$f_a}', '$cur', 20)"
# 181: a later page of "passé par" (the window of the newest dossiers
# before the cursor) and of words (entities in the search index).
for filt in "{\"entite\":$ENT_S,\"sous_entites\":true,\"passe_par\":\"send-tdt\",\"depuis\":\"2000-01-01\",\"jusqu_a\":\"2100-12-31\"}" \
	    "{\"entite\":$ENT_S,\"sous_entites\":true,\"recherche\":\"mandat\"}"; do
	c=$(dsql "$US" "SELECT curseur FROM dossier_list('$filt', NULL, 20) OFFSET 19")
	explained "page suivante $filt" "$US" "SELECT count(*) FROM dossier_list('$filt', '$c', 20)"
	explained "total $filt" "$US" "SELECT * FROM dossier_list_total('$filt')"
done
explained "compteurs du menu, commune" "$UA" "SELECT count(*) FROM dossier_compteurs($ENT_A, false)"
explained "compteurs du menu, syndicat" "$US" "SELECT count(*) FROM dossier_compteurs($ENT_S, true)"
# 030's generated query (plain filters) as it runs, under RLS.
q=$(dsql "$UA" "SELECT dossier_list_sql('{$f_a}', '$cur', 20)")
plan=$(sql_as "$UA" -c "SET search_path = liasse, pg_catalog" -c "EXPLAIN $q")
if printf '%s\n' "$plan" | grep -q 'Seq Scan on dossier'; then fail "EXPLAIN page suivante"; else ok "EXPLAIN page suivante (curseur) sans parcours séquentiel"; fi
q=$(dsql "$US" "SELECT dossier_list_sql('{\"entite\":$ENT_S,\"sous_entites\":true,\"type\":\"actes-generique\"}', NULL, 20)")
plan=$(sql_as "$US" -c "SET search_path = liasse, pg_catalog" -c "EXPLAIN $q")
like "$plan" "Index Only Scan using dossier_liste_date" "page du syndicat : une page de l'index de chaque commune, sans lire les dossiers"
