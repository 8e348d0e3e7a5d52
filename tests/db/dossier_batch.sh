# Search by an indexed field value through `liasse dossier list --recherche`
# (an acte number, a PES IdColl and NomFic), and batches (§6): an action
# marked no-batch is neither offered nor run, and a connector action run on
# N dossiers schedules N jobs.
. tests/lib/tap.sh
. tests/lib/dossier.sh
dossier_setup dbatch || { fail "préparation"; exit 1; }
T=$TEST_TMP

# --- search by indexed values ------------------------------------------
a1=$(L "$UA" dossier create --entite "$ENT_A" --type actes-generique --titre "Arrêté de voirie")
a2=$(L "$UA" dossier create --entite "$ENT_A" --type actes-generique --titre "Arrêté de stationnement")
L "$UA" dossier set "$a1" numero_de_lacte=ARR2026VOI7 >/dev/null
L "$UA" dossier set "$a2" numero_de_lacte=ARR2026STA8 >/dev/null
out=$(L "$UA" dossier list --entite "$ENT_A" --recherche ARR2026VOI7)
is "$(printf '%s\n' "$out" | cut -f1 | grep -E '^[0-9]+$' | tr '\n' ' ')" "$a1 " "numéro d'acte : seul l'acte qui le porte"
out=$(L "$UA" dossier list --entite "$ENT_A" --recherche arr2026sta8)
is "$(printf '%s\n' "$out" | cut -f1 | grep -E '^[0-9]+$' | tr '\n' ' ')" "$a2 " "numéro d'acte en minuscules"
out=$(L "$UB" dossier list --recherche ARR2026VOI7)
is "$(printf '%s\n' "$out" | cut -f1 | grep -cE '^[0-9]+$')" 0 "l'agent de B ne trouve pas l'acte de A"

h=$(L "$UA" dossier create --entite "$ENT_A" --type helios-generique --titre "Mandats de mars")
L "$UA" dossier attach "$h" fichier_pes "$SHARED/samples/pes/aller/depense_accents_latin1.xml" >/dev/null
out=$(L "$UA" dossier list --entite "$ENT_A" --recherche 12345678912345)
is "$(printf '%s\n' "$out" | cut -f1 | grep -E '^[0-9]+$' | tr '\n' ' ')" "$h " "IdColl du PES extrait : le dossier trouvé"
out=$(L "$UA" dossier list --entite "$ENT_A" --recherche HELIOS_SIMU_ALR2_1496987735_826268894.xml)
is "$(printf '%s\n' "$out" | cut -f1 | grep -E '^[0-9]+$' | tr '\n' ' ')" "$h " "NomFic du PES extrait : le dossier trouvé"
out=$(L "$UA" dossier list --entite "$ENT_A" --recherche 98765432100000)
is "$(printf '%s\n' "$out" | cut -f1 | grep -cE '^[0-9]+$')" 0 "un autre IdColl : rien"

# --- batch: no-batch actions --------------------------------------------
printf '%%PDF-1.4 doc\n' >"$T/doc.pdf"
p1=$(L "$UA" dossier create --entite "$ENT_A" --type pdf-generique --titre "Lot 1")
p2=$(L "$UA" dossier create --entite "$ENT_A" --type pdf-generique --titre "Lot 2")
out=$(L "$UA" dossier batch --actions "$p1" "$p2")
acts=$(printf '%s\n' "$out" | cut -f1 | tr '\n' ' ')
case " $acts " in
*" supression "*|*" fatal-error "*|*" modification "*) fail "actions « no-batch » absentes du lot ($acts)";;
*) ok "actions « no-batch » absentes du lot";;
esac
out=$(dsql "$UA" "SELECT string_agg(action || ':' || batch, ' ' ORDER BY action) FROM dossier_actions_possibles($p1) WHERE action IN ('supression', 'fatal-error')")
is "$out" "fatal-error:false supression:false" "sur un seul dossier, ces actions sont possibles, marquées hors lot"
out=$(L "$UA" dossier batch supression "$p1" "$p2" 2>&1); rc=$?
[ "$rc" != 0 ] && ok "supprimer en lot : refusé (code $rc)" || fail "supprimer en lot : refusé"
like "$out" "lot|plusieurs" "supprimer en lot : message"
is "$(sql -c "SELECT count(*) FROM liasse.dossier WHERE id IN ($p1, $p2)")" 2 "aucun dossier supprimé"
out=$(L "$UA" dossier batch fatal-error "$p1" "$p2" 2>&1); rc=$?
[ "$rc" != 0 ] && ok "erreur fatale en lot : refusée" || fail "erreur fatale en lot : refusée"
is "$(sql -c "SELECT string_agg(etat, ',' ORDER BY id) FROM liasse.dossier WHERE id IN ($p1, $p2)")" "creation,creation" "états inchangés"

# --- batch: a connector action on N dossiers schedules N jobs ------------
H='pbkdf2-sha256$100000$0123456789abcdef0123456789abcdef$'$(printf 'a%.0s' $(seq 64))
ms=""
for i in 1 2 3; do
	m=$(L "$UA" dossier create --entite "$ENT_A" --type mailsec-bidir --titre "Convocation $i")
	L "$UA" dossier set "$m" "to=elu$i@example.org" "password=$H" "password2=$H" >/dev/null
	ms="$ms $m"
done
ms=${ms# }
out=$(L "$UA" dossier batch --actions $ms)
like "$out" "^envoi-mail	" "envoi du mail proposé pour le lot"
out=$(L "$UA" dossier batch envoi-mail $ms 2>&1); rc=$?
is "$rc" 0 "envoi en lot : code 0"
is "$(printf '%s\n' "$out" | grep -c "	ok	")" 3 "un résultat « ok » par dossier"
is "$(sql -c "SELECT count(*) || '|' || count(DISTINCT dossier_id) FROM liasse.job WHERE action = 'envoi-mail' AND dossier_id IN (${ms// /,})")" \
   "3|3" "3 dossiers : 3 tâches envoi-mail, une par dossier"
out=$(L "$UA" dossier batch envoi-mail $ms 2>&1); rc=$?
is "$rc" 1 "relancer le lot : code 1"
is "$(printf '%s\n' "$out" | grep -c "	échec	.*déjà programmée")" 3 "déjà programmée, pour chaque dossier"
is "$(sql -c "SELECT count(*) FROM liasse.job WHERE action = 'envoi-mail' AND dossier_id IN (${ms// /,})")" 3 "toujours 3 tâches"
