# liasse dossier history ID --json: the state history and the journal of
# a dossier as one JSON object, the same rows as the text output and the
# database; not found and not visible give the French message.
. tests/lib/tap.sh
. tests/lib/dossier.sh
dossier_setup dhis || { fail "préparation"; exit 1; }

id=$(L "$UA" dossier create --entite "$ENT_A" --type pdf-generique --titre "Convention « tri » n°1")
L "$UA" dossier set "$id" "libelle=Convention « tri » n°2" >/dev/null
L "$UA" dossier show "$id" >/dev/null
L "$UC" dossier show "$id" >/dev/null
js=$(L "$UA" dossier history "$id" --json); rc=$?
is "$rc" 0 "history --json : code 0"
is "$(printf '%s' "$js" | jq -r .dossier)" "$id" "identifiant du dossier"
is "$(printf '%s' "$js" | jq -r '.dossier | type')" number "identifiant numérique"
text=$(L "$UA" dossier history "$id")
is "$(printf '%s' "$js" | jq '.etats | length')" "$(printf '%s\n' "$text" | grep -c .)" "autant d'états que la sortie texte"
is "$(printf '%s' "$js" | jq -r '.etats | map(.etat) | join(" ")')" \
   "$(printf '%s\n' "$text" | cut -f2 | paste -sd' ')" "mêmes états, dans le même ordre"
is "$(printf '%s' "$js" | jq -r '.etats[0] | [.etat, .etat_libelle, .utilisateur] | join("|")')" \
   "creation|Créé|$UA" "premier état : création, libellé, agent"
is "$(printf '%s' "$js" | jq -r '.etats[-1].etat')" "$(sql -c "SELECT etat FROM liasse.dossier WHERE id = $id")" \
   "dernier état = état courant"
like "$(printf '%s' "$js" | jq -r '.etats[0].date')" '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$' "date AAAA-MM-JJ HH:MM:SS"
is "$(printf '%s' "$js" | jq '.journal | length')" \
   "$(sql -c "SELECT count(*) FROM liasse.journal WHERE dossier_id = $id")" "autant d'événements que le journal"
is "$(printf '%s' "$js" | jq -r '.journal | map(.id) | join(",")')" \
   "$(sql -c "SELECT string_agg(id::text, ',' ORDER BY id) FROM liasse.journal WHERE dossier_id = $id")" "mêmes événements, dans l'ordre"
is "$(printf '%s' "$js" | jq -r '[.journal[0].id, .journal[0].type] | map(type) | join(",")')" "number,number" \
   "id et type du journal : nombres"
is "$(printf '%s' "$js" | jq -r "[.journal[] | select(.type == 7)] | map(.utilisateur) | sort | join(\",\")")" \
   "$(printf '%s\n' "$UA" "$UC" | sort | paste -sd,)" "premières consultations de A et de C (type 7)"
is "$(printf '%s' "$js" | jq -r '.journal | map(.message) | join("|")')" \
   "$(sql -c "SELECT string_agg(message, '|' ORDER BY id) FROM liasse.journal WHERE dossier_id = $id")" "messages du journal, texte intact"

out=$(L "$UB" dossier history "$id" --json 2>&1); rc=$?
is "$rc" 1 "B : dossier de A non visible, code 1"
like "$out" "Dossier $id introuvable" "B : message en français"
is "$(printf '%s\n' "$out" | grep -c '^{')" 0 "B : aucun JSON écrit"
out=$(L "$UA" dossier history 999999 --json 2>&1)
like "$out" "Dossier 999999 introuvable" "dossier inexistant : message clair"
out=$(L "$UA" dossier history abc --json 2>&1); rc=$?
is "$rc" 2 "identifiant invalide : code 2"
like "$out" "identifiant de dossier invalide" "identifiant invalide : message clair"
