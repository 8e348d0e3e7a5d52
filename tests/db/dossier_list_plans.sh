# List pages and totals filtered on the state, on a state passed through
# ("passé par", with or without dates) and on words, which run as static
# queries since 140: page after page (keyset cursors) the same dossiers in
# the same order as the plain query over what the agent reads, the same
# totals, for a commune's agent, a syndicat's agent (its communes) and an
# agent of another commune (nothing); the helper finding the ids is not
# for agents.
. tests/lib/tap.sh
. tests/lib/dossier.sh
dossier_setup dlpl || { fail "préparation"; exit 1; }

# 1,200 dossiers over A and B, several types, states and dates, each with
# its history (created, modified, current state), some passed through
# send-tdt in 2025, some titled with a word searched below.
sql -o /dev/null <<SQL || fail "génération des dossiers"
SET search_path = liasse, pg_catalog;
INSERT INTO dossier (entite_id, type, type_version, titre, etat, etat_at, created_at, created_by, modified_by)
SELECT CASE WHEN g % 3 = 0 THEN $ENT_B ELSE $ENT_A END,
       (ARRAY['actes-generique', 'helios-generique', 'pdf-generique'])[1 + g % 3 / 2 + g % 2],
       1,
       (ARRAY['Mandats', 'Arrêté', 'Convention', 'Budget'])[1 + g % 4] || ' ' || g
	 || CASE WHEN g % 7 = 2 THEN ' délibération du conseil' ELSE '' END,
       (ARRAY['creation', 'modification', 'termine', 'send-tdt', 'acquiter-tdt'])[1 + g % 5],
       timestamptz '2026-01-15' - (g % 400) * interval '1 day' - g * interval '1 second',
       timestamptz '2024-06-01' + g * interval '1 hour', 'test', 'test'
FROM generate_series(1, 1200) g;
INSERT INTO dossier_etat (dossier_id, entite_id, type, etat, action, at, utilisateur)
SELECT id, entite_id, type, s.e, s.e, s.at, 'test'
FROM dossier, LATERAL (VALUES ('creation', created_at), ('modification', created_at + interval '1 minute'),
			      (etat, etat_at)) s(e, at)
WHERE titre ~ '^(Mandats|Arrêté|Convention|Budget) ' AND (s.e <> 'creation' OR etat <> 'creation');
-- Some went through send-tdt before their present state.
INSERT INTO dossier_etat (dossier_id, entite_id, type, etat, action, at, utilisateur)
SELECT id, entite_id, type, 'send-tdt', 'send-tdt', etat_at - interval '3 days', 'test'
FROM dossier WHERE titre ~ '^(Mandats|Arrêté|Convention|Budget) [0-9]+' AND id % 4 = 1 AND etat = 'termine';
ANALYZE dossier; ANALYZE dossier_etat;
SQL

# UT reads only the helios dossiers of the syndicat and its communes (a
# role with that one right): the pairs the queries keep, not the entities.
UT=dlpl_ut
sql -o /dev/null <<SQL || fail "rôle restreint"
INSERT INTO liasse.role VALUES ('dlpl-helios', 'Lecture Hélios');
INSERT INTO liasse.role_droit VALUES ('dlpl-helios', 'helios-generique:lecture');
SELECT liasse.grant_role(liasse.create_user('$UT', NULL, 'Agent', '$UT', '$UT@example.org', $ENT_S), 'dlpl-helios', $ENT_S);
SQL
# UV reads the helios dossiers of the syndicat and every dossier of B: not
# each of the types she reads in each of her entities.
UV=dlpl_uv
sql -o /dev/null <<SQL || fail "rôles mêlés"
SELECT liasse.grant_role(liasse.create_user('$UV', NULL, 'Agent', '$UV', '$UV@example.org', $ENT_S), 'dlpl-helios', $ENT_S);
SELECT liasse.grant_role(liasse.utilisateur_id('$UV'), 'agent-collectivite', $ENT_B);
SQL

# expected ENTITIES WHERE: the ids the plain query gives, newest first.
expected() {
	sql -c "SELECT coalesce(string_agg(id::text, ',' ORDER BY etat_at DESC, id DESC), '') FROM liasse.dossier d
		WHERE entite_id IN ($1) AND $2"
}
# walk USER FILTER: every page of 7 through dossier_list's cursors.
walk() {
	local u=$1 f=$2 after="" got="" page ids arg
	for i in $(seq 1 300); do
		arg=NULL
		[ -n "$after" ] && arg="\$c\$$after\$c\$"
		page=$(dsql "$u" "SELECT string_agg(id::text, ',' ORDER BY n), (array_agg(curseur ORDER BY n DESC))[1] FROM dossier_list('$f', $arg, 7) WITH ORDINALITY AS l(id, entite_id, entite, type, titre, etat, etat_label, etat_at, version, valeurs, curseur, n)")
		ids=${page%%|*} after=${page#*|}
		[ -z "$ids" ] && break
		got=$got${got:+,}$ids
	done
	printf '%s' "$got"
}
total() { dsql "$1" "SELECT total || ' ' || estime FROM dossier_list_total('$2')"; }
count() { printf '%s' "$1" | awk -F, '{ n = NF } END { print n + 0 }'; }

pp="EXISTS (SELECT FROM liasse.dossier_etat h WHERE h.dossier_id = d.id AND h.etat = 'send-tdt'"
fts="search @@ plainto_tsquery('liasse.fr', 'délibération')"
sub() { local x=${1//@A/$ENT_A}; x=${x//@B/$ENT_B}; printf '%s' "${x//@S/$ENT_S}"; }
while IFS='|' read -r who ents filtre where; do
	[ -z "$who" ] && continue
	u=$(eval echo "\$$who")
	ents=$(sub "$ents") filtre=$(sub "$filtre") where=$(sub "$where")
	exp=$(expected "$ents" "$where")
	got=$(walk "$u" "$filtre")
	[ "$(count "$exp")" -gt 0 ] || fail "$who $filtre : aucun dossier attendu (jeu d'essai)"
	is "$got" "$exp" "$who $filtre : mêmes dossiers, même ordre, page après page ($(count "$exp"))"
	is "$(total "$u" "$filtre")" "$(count "$exp") false" "$who $filtre : total"
done <<EOF
UA|@A|{"entite":@A,"etat":"termine"}|etat = 'termine'
UA|@A|{"entite":@A,"type":"helios-generique","etat":"send-tdt"}|type = 'helios-generique' AND etat = 'send-tdt'
US|@A,@B|{"entite":@S,"sous_entites":true,"etat":"creation"}|etat = 'creation'
UA|@A|{"entite":@A,"passe_par":"send-tdt"}|$pp)
US|@A,@B|{"entite":@S,"sous_entites":true,"passe_par":"send-tdt","depuis":"2025-01-01","jusqu_a":"2025-12-31"}|$pp AND h.at >= '2025-01-01' AND h.at < '2026-01-01')
US|@A,@B|{"entite":@S,"sous_entites":true,"type":"actes-generique","passe_par":"send-tdt","jusqu_a":"2025-06-30"}|type = 'actes-generique' AND $pp AND h.at < '2025-07-01')
UA|@A|{"recherche":"délibération"}|$fts
US|@A,@B|{"entite":@S,"sous_entites":true,"recherche":"délibération"}|$fts
US|@B|{"entite":@B,"type":"helios-generique","recherche":"conseil"}|type = 'helios-generique' AND search @@ plainto_tsquery('liasse.fr', 'conseil')
US|@A,@B|{"recherche":"délibération"}|$fts
US|@B|{"entite":@B,"passe_par":"send-tdt"}|$pp)
US|@A,@B|{"passe_par":"send-tdt","depuis":"2025-01-01"}|$pp AND h.at >= '2025-01-01')
UT|@A,@B|{"entite":@S,"sous_entites":true,"recherche":"délibération"}|type = 'helios-generique' AND $fts
UT|@A,@B|{"recherche":"délibération"}|type = 'helios-generique' AND $fts
UT|@A,@B|{"entite":@S,"sous_entites":true,"passe_par":"send-tdt","depuis":"2025-01-01","jusqu_a":"2025-12-31"}|type = 'helios-generique' AND $pp AND h.at >= '2025-01-01' AND h.at < '2026-01-01')
UT|@A|{"entite":@A,"passe_par":"send-tdt"}|type = 'helios-generique' AND $pp)
UV|@A,@B|{"entite":@S,"sous_entites":true,"passe_par":"send-tdt"}|(type = 'helios-generique' OR entite_id = @B) AND $pp)
UV|@A,@B|{"passe_par":"send-tdt","depuis":"2025-01-01","jusqu_a":"2025-12-31"}|(type = 'helios-generique' OR entite_id = @B) AND $pp AND h.at >= '2025-01-01' AND h.at < '2026-01-01')
UV|@A,@B|{"recherche":"délibération"}|(type = 'helios-generique' OR entite_id = @B) AND $fts
EOF

# Nothing of A for B's agent, whatever the filter names.
for f in "{\"entite\":$ENT_A,\"etat\":\"termine\"}" "{\"entite\":$ENT_A,\"passe_par\":\"send-tdt\"}" \
	 "{\"entite\":$ENT_A,\"recherche\":\"délibération\"}" "{\"entite\":$ENT_S,\"sous_entites\":true,\"passe_par\":\"send-tdt\"}"; do
	exp=$([ "${f#*$ENT_S}" != "$f" ] && expected "$ENT_B" "$pp)" || echo "")
	is "$(walk "$UB" "$f")" "$exp" "B, $f : rien de A"
done
is "$(total "$UB" "{\"entite\":$ENT_A,\"recherche\":\"délibération\"}")" "0 false" "B : total d'une recherche sur A nul"
# A bad date or cursor is still refused with a clear message.
like "$(dsql "$UA" "SELECT count(*) FROM dossier_list('{\"entite\":$ENT_A,\"passe_par\":\"send-tdt\",\"depuis\":\"2025-13-45\"}')" 2>&1)" \
	"Filtre invalide" "date invalide : refusée"
like "$(dsql "$UA" "SELECT count(*) FROM dossier_list('{\"entite\":$ENT_A,\"etat\":\"termine\"}', 'x:y')" 2>&1)" \
	"Curseur de pagination invalide" "curseur invalide : refusé"
like "$(dsql "$UA" "SELECT dossier_page_ids('{\"entite\":$ENT_A,\"etat\":\"termine\"}', 'etat', NULL, 20)" 2>&1)" \
	"permission denied" "dossier_page_ids : pas pour les agents"
