# Rule bugs of PASTELL not copied (pastell.md §10, « wrong state-machine
# rules »): a dossier in an error state can be deleted (#1894, #1888) in
# every shipped type; the fix reaches a database through `liasse db
# migrate` as a new version of the type, and a dossier created with an older
# version keeps it.
. tests/lib/tap.sh
. tests/lib/dossier.sh
dossier_setup drules || { fail "préparation"; exit 1; }
T=$TEST_TMP
PES=$SHARED/samples/pes/aller/depense_accents_latin1.xml

# Every error state of every shipped type is a state supression starts from.
missing=$(sql -c "SET search_path = liasse, pg_catalog" -c "
	SELECT coalesce(string_agg(v.type || ':' || s->>'id', ' ' ORDER BY v.type, s->>'id'), '')
	FROM dossier_type_version v, jsonb_array_elements(v.definition->'states') s
	WHERE v.version = type_latest(v.type) AND s->>'id' ~ '(error|erreur|rejet)'
	  AND NOT EXISTS (SELECT 1 FROM def_action_entries(v.definition, 'supression') e,
				  jsonb_array_elements_text(e->'from') f
			  WHERE f IN (s->>'id', '*'))")
is "$missing" "" "tout état d'erreur des types livrés permet la suppression"
is "$(sql -c "SELECT count(DISTINCT type) FROM liasse.dossier_type_version")" "$(ls forms/*.form | wc -l)" \
	"tous les types livrés sont vérifiés"

# helios-generique in verif-sae-erreur (forms/helios-generique.form).
sae_error() {
	local h
	h=$(L "$UA" dossier create --entite "$ENT_A" --type helios-generique --titre "$1")
	L "$UA" dossier set "$h" envoi_tdt= envoi_sae=on >/dev/null
	L "$UA" dossier attach "$h" fichier_pes "$PES" >/dev/null
	L "$UA" dossier action "$h" orientation >/dev/null
	for a in send-archive verif-sae verif-sae-erreur; do
		sys "SELECT etat FROM dossier_action($h, '$a')" >/dev/null
	done
	echo "$h"
}
h=$(sae_error "Vérification SAE en erreur")
is "$(dsql "$UA" "SELECT etat FROM dossier WHERE id = $h")" "verif-sae-erreur" "helios : Erreur lors de la vérification de l'archivage"
out=$(L "$UA" dossier action "$h" supression 2>&1)
like "$out" "etat: supression" "helios : un dossier en erreur de vérification SAE se supprime"
is "$(sql -c "SELECT count(*) FROM liasse.dossier WHERE id = $h")" 0 "helios : dossier supprimé"

# actes-generique in send-tdt-erreur (PASTELL #1691: editable; and deletable).
a=$(L "$UA" dossier create --entite "$ENT_A" --type actes-generique --titre "Arrêté")
L "$UA" dossier set "$a" acte_nature=3 numero_de_lacte=ARR9 date_de_lacte=2026-01-15 classification=1.1 \
	type_acte=99_AI envoi_tdt=on "objet=Arrêté" >/dev/null
printf '%%PDF-1.4 acte\n' >"$T/acte.pdf"
L "$UA" dossier attach "$a" arrete "$T/acte.pdf" >/dev/null
L "$UA" dossier action "$a" orientation >/dev/null
sys "SELECT etat FROM dossier_action($a, 'document-transmis-tdt')" >/dev/null
sys "SELECT etat FROM dossier_action($a, 'send-tdt-erreur')" >/dev/null
is "$(dsql "$UA" "SELECT etat FROM dossier WHERE id = $a")" "send-tdt-erreur" "actes : erreur de transmission"
out=$(L "$UA" dossier action "$a" supression 2>&1)
like "$out" "etat: supression" "actes : un acte en erreur de transmission se supprime"
is "$(sql -c "SELECT count(*) FROM liasse.dossier WHERE id = $a")" 0 "actes : dossier supprimé"

# Versions: a definition from before the fix, as a database would hold it.
sql -c "SET search_path = liasse, pg_catalog" -c "
	SELECT type_register('helios-generique', 'avant-correction',
		jsonb_set(definition, '{actions}', (
			SELECT jsonb_agg(CASE WHEN a->>'id' = 'supression'
				THEN jsonb_set(a, '{from}', (a->'from') - 'verif-sae-erreur') ELSE a END ORDER BY n)
			FROM jsonb_array_elements(definition->'actions') WITH ORDINALITY x(a, n))))
	FROM dossier_type_version WHERE type = 'helios-generique' AND version = 1" >/dev/null
old=$(sql -c "SELECT max(version) FROM liasse.dossier_type_version WHERE type = 'helios-generique'")
is "$old" 2 "définition d'avant la correction enregistrée en version 2"
h=$(sae_error "Ancienne définition")
is "$(dsql "$UA" "SELECT type_version FROM dossier WHERE id = $h")" 2 "le dossier est créé avec la version 2"
out=$(L "$UA" dossier action "$h" supression 2>&1); rc=$?
is "$rc" 1 "version 2 : suppression refusée en erreur de vérification SAE"
"$LIASSE" --db "dbname=$DB" db migrate >/dev/null
is "$(sql -c "SELECT max(version) FROM liasse.dossier_type_version WHERE type = 'helios-generique'")" 3 \
	"db migrate charge le formulaire corrigé en version 3"
is "$(dsql "$UA" "SELECT type_version FROM dossier WHERE id = $h")" 2 "le dossier existant garde sa version 2"
out=$(L "$UA" dossier action "$h" supression 2>&1); rc=$?
is "$rc" 1 "et ses règles : suppression toujours refusée"
L "$UA" dossier action "$h" fatal-error >/dev/null
out=$(L "$UA" dossier action "$h" supression 2>&1)
like "$out" "etat: supression" "il se supprime après une erreur fatale"
h=$(sae_error "Nouvelle définition")
is "$(dsql "$UA" "SELECT type_version FROM dossier WHERE id = $h")" 3 "un nouveau dossier prend la version 3"
out=$(L "$UA" dossier action "$h" supression 2>&1)
like "$out" "etat: supression" "version 3 : suppression admise en erreur de vérification SAE"
