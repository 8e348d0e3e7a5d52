# The purge / modification en masse connector: scheduled by its own job,
# state and age filters, entity scope, field rewrite, the journal kept
# and still verifiable.
. tests/lib/tap.sh
. tests/lib/dossier.sh

dossier_setup dpu || { fail "préparation"; exit 1; }
C() { "$LIASSE" --db "dbname=$DB" connecteur "$@"; }
D() { "$LIASSE" --db "dbname=$DB" daemon --once >/dev/null; }
mk() { L "$1" dossier create --entite "$2" --type helios-generique --titre "$3"; }
old() { sql -c "UPDATE liasse.dossier SET etat_at = now() - interval '$2 days' WHERE id = $1" >/dev/null; }

a1=$(mk "$UA" "$ENT_A" "Vieux 1"); a2=$(mk "$UA" "$ENT_A" "Vieux 2"); a3=$(mk "$UA" "$ENT_A" "Récent")
a4=$(mk "$UA" "$ENT_A" "Vieux modifié"); b1=$(mk "$UB" "$ENT_B" "Vieux de B")
L "$UA" dossier set "$a4" objet="Vieux modifié !" >/dev/null
old "$a1" 90; old "$a2" 61; old "$a3" 10; old "$a4" 90; old "$b1" 90

c=$(C create --entite "$ENT_A" --type purge "Purge des PES")
is "$(sql -c "SELECT action || '|' || famille || '|' || verrou FROM liasse.job WHERE connecteur_id = $c")" "purge|purge|PURGE" \
	"un travail de purge planifié, sous le verrou PURGE"
C set "$c" type_dossier helios-generique && C set "$c" etat creation && C set "$c" jours 60 || fail "configuration"
like "$(C test "$c")" "Purge des dossiers « helios-generique » de plus de 60 jours" "Tester : résumé de la règle"
D
is "$(sql -c "SELECT string_agg(titre, ',' ORDER BY id) FROM liasse.dossier")" "Récent,Vieux modifié !,Vieux de B" \
	"purgés : les vieux dossiers de A à l'état creation ; gardés : récent, autre état, autre entité"
like "$(sql -c "SELECT message FROM liasse.connecteur_action WHERE connecteur_id = $c AND action = 'purge'")" \
	"Purge : 2 dossier\(s\) traité\(s\)" "compte rendu de la purge"
is "$(sql -c "SELECT count(*) FROM liasse.journal WHERE dossier_id IN ($a1, $a2) AND action = 'supression'")" 2 \
	"le journal garde la suppression de chaque dossier"
is "$(sql -c "SELECT count(*) FROM liasse.journal WHERE dossier_id = $a1 AND action = 'creation'")" 1 \
	"le journal garde aussi leur histoire"
out=$("$LIASSE" --db "dbname=$DB" journal verify 2>&1); rc=$?
is "$rc" 0 "journal verify réussit après la purge ($out)"
is "$(sql -c "SELECT (run_at > now() + interval '23 hours')::int FROM liasse.job WHERE connecteur_id = $c")" 1 \
	"prochaine purge dans un jour (règle par défaut 1440)"

# Modification en masse: a field rewritten, no action.
c2=$(C create --entite "$ENT_A" --type purge "Marquage")
C set "$c2" type_dossier helios-generique; C set "$c2" etat modification; C set "$c2" jours 30
C set "$c2" champ objet; C set "$c2" valeur "Archivé"; C set "$c2" action aucune
D
is "$(sql -c "SELECT objet FROM (SELECT titre AS objet FROM liasse.dossier WHERE id = $a4) x")" "Archivé" \
	"modification en masse : champ réécrit"
is "$(sql -c "SELECT count(*) FROM liasse.dossier WHERE id = $a4")" 1 "sans action : le dossier reste"

# Global purge (root entity) reaches every entity; deleting the connector removes its job.
c3=$(sql -c "SELECT liasse.connecteur_create(liasse.entite_racine(), 'purge', 'purge', 'Purge globale')")
C set "$c3" type_dossier helios-generique; C set "$c3" etat creation; C set "$c3" jours 60
D
is "$(sql -c "SELECT count(*) FROM liasse.dossier WHERE id = $b1")" 0 "purge globale : le vieux dossier de B aussi"
C delete "$c3"
is "$(sql -c "SELECT count(*) FROM liasse.job WHERE connecteur_id = $c3")" 0 "connecteur supprimé : plus de travail"

# "Passé par" (a state anywhere in the history) and "état exclu" (the
# current state), on dossiers of B only (connectors of B).
q1=$(mk "$UB" "$ENT_B" "Modifié puis en erreur"); q2=$(mk "$UB" "$ENT_B" "En erreur sans modification")
q3=$(mk "$UB" "$ENT_B" "Modifié")
L "$UB" dossier set "$q1" objet="x" >/dev/null && L "$UB" dossier action "$q1" fatal-error >/dev/null &&
L "$UB" dossier action "$q2" fatal-error >/dev/null && L "$UB" dossier set "$q3" objet="y" >/dev/null ||
	fail "préparation des dossiers de B"
is "$(sql -c "SELECT string_agg(etat, ',' ORDER BY id) FROM liasse.dossier WHERE id IN ($q1, $q2, $q3)")" \
	"fatal-error,fatal-error,modification" "dossiers de B : deux en erreur, un modifié"
for d in $q1 $q2 $q3; do old "$d" 90; done
cp=$(C create --entite "$ENT_B" --type purge "Purge des modifiés")
C set "$cp" type_dossier helios-generique && C set "$cp" passe_par modification && C set "$cp" jours 60 ||
	fail "configuration passé par"
D
is "$(sql -c "SELECT string_agg(titre, ',' ORDER BY id) FROM liasse.dossier WHERE entite_id = $ENT_B")" \
	"En erreur sans modification" "passé par modification : purgés le dossier modifié (encore ou plus) ; gardé l'autre"
r1=$(mk "$UB" "$ENT_B" "Créé"); r2=$(mk "$UB" "$ENT_B" "En erreur"); r3=$(mk "$UB" "$ENT_B" "Modifié 2")
L "$UB" dossier action "$r2" fatal-error >/dev/null && L "$UB" dossier set "$r3" objet="z" >/dev/null ||
	fail "préparation des dossiers de B (2)"
for d in $r1 $r2 $r3; do old "$d" 90; done
cx=$(C create --entite "$ENT_B" --type purge "Purge sauf erreurs")
C set "$cx" type_dossier helios-generique && C set "$cx" etat_exclu fatal-error && C set "$cx" jours 60 ||
	fail "configuration état exclu"
D
is "$(sql -c "SELECT string_agg(titre, ',' ORDER BY id) FROM liasse.dossier WHERE entite_id = $ENT_B")" \
	"En erreur sans modification,En erreur" "état exclu fatal-error : purgés les autres états ; gardés les dossiers en erreur"
is "$(sql -c "SELECT count(*) FROM liasse.journal WHERE dossier_id IN ($q1, $q3, $r1, $r3) AND action = 'supression'")" 4 \
	"le journal garde la suppression des dossiers purgés par ces filtres"
out=$("$LIASSE" --db "dbname=$DB" journal verify 2>&1); rc=$?
is "$rc" 0 "journal verify réussit après ces purges ($out)"
