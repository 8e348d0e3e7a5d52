# The bordereaux of a PES attached to a helios-generique dossier (IdBord,
# Exer, TypBord, DteBordEm, NbrPce, montant) stored with the file and shown
# by `liasse dossier show`, as `liasse pes info` reads them.
. tests/lib/tap.sh
. tests/lib/dossier.sh
dossier_setup dbord || { fail "préparation"; exit 1; }
S=$SHARED/samples/pes/aller
T=$TEST_TMP

# info FILE: pes info's bordereau lines, without the fields show leaves out.
info() {
	"$LIASSE" pes info "$1" | sed -n 's/^bordereau: Id=[^ ]* IdBord=/bordereau: IdBord=/p' |
		sed 's/ Exer=\([^ ]*\) DteBordEm=\([^ ]*\) TypBord=\([^ ]*\)/ Exer=\1 TypBord=\3 DteBordEm=\2/; s/ Domaine=.*//'
}
bords() { L "$UA" dossier show "$1" | grep '^bordereau: '; }

h=$(L "$UA" dossier create --entite "$ENT_A" --type helios-generique --titre "Recettes")
is "$(bords "$h")" "" "sans PES : aucun bordereau"
L "$UA" dossier attach "$h" fichier_pes "$S/recette_6_bordereaux_prefixe_p.xml" >/dev/null
is "$(bords "$h" | wc -l)" 6 "6 bordereaux affichés"
is "$(bords "$h")" "$(info "$S/recette_6_bordereaux_prefixe_p.xml")" "les mêmes valeurs que pes info, dans l'ordre du fichier"
is "$(bords "$h" | head -n 1)" "bordereau: IdBord=90104 Exer=2008 TypBord=01 DteBordEm=2011-12-12 NbrPce=1 Montant=31591.40 ChampMontant=MtBordHt" \
	"IdBord, NbrPce et montant du premier bordereau"
like "$(bords "$h")" 'bordereau: IdBord=90109 Exer=2008 .*NbrPce=2 Montant=469.4 ChampMontant=MtBordHt' \
	"un autre bordereau : NbrPce 2, montant tel qu'au fichier"
is "$(sql -c "SELECT count(*) FROM liasse.pes_bordereau WHERE dossier_id = $h")" 6 "6 lignes stockées"
if command -v python3 >/dev/null; then
	got=$(L "$UA" dossier show "$h" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); b=d["bordereaux"]; print(d["id"], len(b), b[0]["id_bord"], b[0]["nbr_pce"], b[0]["montant"], b[5]["n"])')
	is "$got" "$h 6 90104 1 31591.40 5" "--json : tableau bordereaux"
else
	skip "--json" "python3 absent"
fi

# Replacing the PES replaces its bordereaux.
L "$UA" dossier attach "$h" fichier_pes "$S/depense_accents_latin1.xml" >/dev/null
is "$(bords "$h")" "bordereau: IdBord=1234567 Exer=2009 TypBord=01 DteBordEm=2009-07-16 NbrPce=1 Montant=75724.75 ChampMontant=MtBordHT" \
	"PES remplacé : son seul bordereau"
is "$(sql -c "SELECT count(*) FROM liasse.pes_bordereau WHERE dossier_id = $h")" 1 "les anciens bordereaux sont partis avec l'ancien fichier"

# A refused file leaves them as they were.
printf '<?xml version="1.0"?>\n<facture/>\n' >"$T/autre.xml"
L "$UA" dossier attach "$h" fichier_pes "$T/autre.xml" >/dev/null 2>&1
is "$(sql -c "SELECT count(*) FROM liasse.pes_bordereau WHERE dossier_id = $h")" 1 "fichier refusé : bordereaux inchangés"

# Rights: read through the dossier's rights only, written only with a file
# joined in the same transaction.
out=$(dsql "$UB" "SELECT count(*) FROM dossier_bordereaux($h)" 2>&1)
like "$out" "introuvable" "l'agent de B ne lit pas les bordereaux du dossier de A"
out=$(dsql "$UA" "SELECT count(*) FROM pes_bordereau" 2>&1)
like "$out" "permission denied|droit" "la table n'est pas lisible directement"
f=$(sql -c "SELECT id FROM liasse.fichier WHERE dossier_id = $h")
out=$(dsql "$UA" "SELECT pes_bordereaux_set($f, '[{\"id_bord\":\"faux\"}]')" 2>&1)
like "$out" "pas été joint dans cette transaction" "écriture hors de l'envoi du fichier refusée"
is "$(bords "$h" | cut -d' ' -f2)" "IdBord=1234567" "bordereau inchangé"

# Deleting the dossier deletes them.
L "$UA" dossier action "$h" supression >/dev/null
is "$(sql -c "SELECT count(*) FROM liasse.pes_bordereau WHERE dossier_id = $h")" 0 "supprimés avec le dossier"
