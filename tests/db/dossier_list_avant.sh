# dossier_list_avant (End and Up in the TUI's lists): the last page and
# the pages before a cursor are exactly the rows dossier_list gives in the
# same places, for the date and title sorts, under Row Level Security.
. tests/lib/tap.sh
. tests/lib/dossier.sh
dossier_setup dlav || { fail "préparation"; exit 1; }

dsql "$UA" "SELECT dossier_create($ENT_A, 'pdf-generique', 'Note ' || g) FROM generate_series(1, 57) g" >/dev/null
dsql "$UB" "SELECT dossier_create($ENT_B, 'pdf-generique', 'Autre ' || g) FROM generate_series(1, 5) g" >/dev/null
# Some dossiers change state later: the date sort is not the creation order.
for t in "Note 3" "Note 40" "Note 41"; do
	id=$(dsql "$UA" "SELECT id FROM dossier WHERE titre = '$t'")
	dsql "$UA" "SELECT dossier_set($id, NULL, '{\"libelle\": \"$t modifiée\"}')" >/dev/null
done

# date and titre: the pairs' indexes walked backwards; "recherche": the
# filter of dossier_list_where.
for tri in date titre recherche; do
	f="{\"entite\": $ENT_S, \"sous_entites\": true, \"type\": \"pdf-generique\", \"tri\": \"$tri\"}"
	[ "$tri" = recherche ] && f="{\"entite\": $ENT_S, \"sous_entites\": true, \"type\": \"pdf-generique\", \"recherche\": \"note\"}"
	all=$(dsql "$UA" "SELECT string_agg(id::text, ' ' ORDER BY n) FROM (SELECT id, row_number() OVER () n FROM dossier_list('$f', NULL, 1000)) s")
	is "$(wc -w <<<"$all")" "57" "tri $tri : A voit ses 57 dossiers (pas ceux de B)"
	last=$(dsql "$UA" "SELECT string_agg(id::text, ' ' ORDER BY n) FROM (SELECT id, row_number() OVER () n FROM dossier_list_avant('$f', NULL, 20)) s")
	is "$last" "$(tr ' ' '\n' <<<"$all" | tail -n 20 | paste -sd ' ')" "tri $tri : dernière page = fin de dossier_list"
	# Before the cursor of the 30th row: rows 10 to 29.
	cur=$(dsql "$UA" "SELECT curseur FROM (SELECT curseur, row_number() OVER () n FROM dossier_list('$f', NULL, 30)) s WHERE n = 30")
	page=$(dsql "$UA" "SELECT string_agg(id::text, ' ' ORDER BY n) FROM (SELECT id, row_number() OVER () n FROM dossier_list_avant('$f', '$cur', 20)) s")
	is "$page" "$(tr ' ' '\n' <<<"$all" | sed -n 10,29p | paste -sd ' ')" "tri $tri : page avant un curseur"
	# Its first cursor leads back, forwards, to the row after it.
	c1=$(dsql "$UA" "SELECT curseur FROM dossier_list_avant('$f', '$cur', 20) LIMIT 1")
	next=$(dsql "$UA" "SELECT id FROM dossier_list('$f', '$c1', 1)")
	is "$next" "$(tr ' ' '\n' <<<"$all" | sed -n 11p)" "tri $tri : curseurs compatibles avec dossier_list"
	first=$(dsql "$UA" "SELECT curseur FROM dossier_list('$f', NULL, 1)")
	is "$(dsql "$UA" "SELECT count(*) FROM dossier_list_avant('$f', '$first', 20)")" "0" \
		"tri $tri : rien avant le premier"
done
out=$(dsql "$UA" "SELECT count(*) FROM dossier_list_avant('{\"type\": \"pdf-generique\"}', 'pas un curseur', 20)" 2>&1)
like "$out" "Curseur de pagination invalide" "curseur invalide : message en français"
