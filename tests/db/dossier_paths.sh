# Per shipped type: the main path and error branches driven through SQL
# as the agents and the daemon would, each checked by the ordered list of
# states in dossier_etat (dossier_historique) and the jobs left pending.
. tests/lib/tap.sh
. tests/lib/dossier.sh
dossier_setup dpath || { fail "préparation"; exit 1; }
T=$TEST_TMP
printf '%%PDF-1.4 document\n' >"$T/doc.pdf"

# hist ID: the states of the dossier, oldest first.
hist() {
	dsql "$UA" "SELECT string_agg(etat, ',' ORDER BY n) FROM dossier_historique($1)
		WITH ORDINALITY AS h(at, etat, etat_label, action, utilisateur, message, n)"
}
# jobs ID: the actions scheduled for the daemon, in order.
jobs() { sql -c "SELECT coalesce(string_agg(action, ',' ORDER BY id), '') FROM liasse.job WHERE dossier_id = $1"; }
# daemon ID ACTION...: each ACTION run as the daemon, then its local steps.
daemon() {
	local id=$1 a; shift
	for a in "$@"; do
		sys "SELECT etat FROM dossier_action($id, '$a')" >/dev/null || { echo "# $a refusée sur $id"; return 1; }
		sys "SELECT job_run_local($id)" >/dev/null
	done
}
# agent ID ACTION: the agent runs ACTION through the CLI.
agent() { L "$UA" dossier action "$1" "$2" >/dev/null; }
etat() { dsql "$UA" "SELECT etat FROM dossier WHERE id = $1"; }

# --- pdf-generique: signature then SAE ---------------------------------
p=$(L "$UA" dossier create --entite "$ENT_A" --type pdf-generique --titre "Convention")
L "$UA" dossier set "$p" envoi_signature=on envoi_sae=on iparapheur_sous_type=Convention >/dev/null
L "$UA" dossier attach "$p" document "$T/doc.pdf" >/dev/null
agent "$p" orientation
is "$(jobs "$p")" "send-iparapheur" "pdf : signature programmée"
daemon "$p" send-iparapheur verif-iparapheur recu-iparapheur
is "$(jobs "$p")" "send-archive" "pdf : après la signature, versement au SAE programmé"
daemon "$p" send-archive verif-sae ar-recu-sae accepter-sae
is "$(etat "$p")" "termine" "pdf : Traitement terminé"
is "$(hist "$p")" \
   "creation,modification,orientation,send-iparapheur,verif-iparapheur,recu-iparapheur,orientation,send-archive,verif-sae,ar-recu-sae,accepter-sae,orientation,termine" \
   "pdf : historique complet signature → SAE"
is "$(jobs "$p")" "" "pdf : plus rien en attente"

# pdf-generique error branches: parapheur refusal, then resend; SAE error.
p=$(L "$UA" dossier create --entite "$ENT_A" --type pdf-generique --titre "Refusée")
L "$UA" dossier set "$p" envoi_signature=on iparapheur_sous_type=Convention >/dev/null
L "$UA" dossier attach "$p" document "$T/doc.pdf" >/dev/null
agent "$p" orientation
daemon "$p" send-signature-error
is "$(jobs "$p")" "" "pdf : erreur d'envoi au parapheur, rien programmé"
agent "$p" orientation
daemon "$p" send-iparapheur verif-iparapheur rejet-iparapheur
out=$(L "$UA" dossier action "$p" orientation 2>&1)
like "$out" "ne peut pas|impossible|pas possible|n'est pas" "pdf : signature refusée, le cheminement ne reprend pas tel quel"
L "$UA" dossier set "$p" iparapheur_sous_type=Contrat >/dev/null
agent "$p" orientation
daemon "$p" send-iparapheur verif-iparapheur recu-iparapheur
is "$(hist "$p")" \
   "creation,modification,orientation,send-signature-error,orientation,send-iparapheur,verif-iparapheur,rejet-iparapheur,modification,orientation,send-iparapheur,verif-iparapheur,recu-iparapheur,orientation,termine" \
   "pdf : erreur d'envoi, refus, modification puis nouvel envoi"

p=$(L "$UA" dossier create --entite "$ENT_A" --type pdf-generique --titre "SAE en erreur")
L "$UA" dossier set "$p" envoi_sae=on >/dev/null
L "$UA" dossier attach "$p" document "$T/doc.pdf" >/dev/null
agent "$p" orientation
daemon "$p" erreur-envoie-sae
agent "$p" orientation
daemon "$p" send-archive verif-sae verif-sae-erreur verif-sae ar-recu-sae rejet-sae
is "$(hist "$p")" \
   "creation,modification,orientation,erreur-envoie-sae,orientation,send-archive,verif-sae,verif-sae-erreur,verif-sae,ar-recu-sae,rejet-sae" \
   "pdf : erreur d'envoi au SAE, erreur de vérification, archive rejetée"

# --- actes-generique: TdT main path, then tdt-error and its resend ------
mkacte() {
	local a
	a=$(L "$UA" dossier create --entite "$ENT_A" --type actes-generique --titre "$1")
	L "$UA" dossier set "$a" acte_nature=3 "numero_de_lacte=$2" date_de_lacte=2026-01-15 classification=1.1 \
		type_acte=99_AI envoi_tdt=on "objet=$1" >/dev/null
	L "$UA" dossier attach "$a" arrete "$T/doc.pdf" >/dev/null
	echo "$a"
}
a=$(mkacte "Arrêté 1" ARR001)
agent "$a" orientation
is "$(jobs "$a")" "send-tdt" "actes : transmission programmée"
daemon "$a" send-tdt verif-tdt acquiter-tdt
is "$(etat "$a")" "termine" "actes : Traitement terminé après l'acquittement"
is "$(hist "$a")" "creation,modification,orientation,send-tdt,verif-tdt,acquiter-tdt,orientation,termine" \
   "actes : historique complet jusqu'à Traitement terminé"
is "$(dsql "$UA" "SELECT string_agg(etat_label, '|' ORDER BY n) FROM dossier_historique($a) WITH ORDINALITY AS h(at, etat, etat_label, action, utilisateur, message, n) WHERE etat IN ('send-tdt','acquiter-tdt')")" \
   "Transmis au TdT|Acquittement reçu" "actes : libellés PASTELL"

a=$(mkacte "Arrêté 2" ARR002)
agent "$a" orientation
daemon "$a" send-tdt-erreur
is "$(jobs "$a")" "" "actes : erreur de transmission, rien programmé"
L "$UA" dossier set "$a" "objet=Arrêté 2 corrigé" >/dev/null
agent "$a" orientation
daemon "$a" send-tdt verif-tdt erreur-verif-tdt verif-tdt tdt-error
is "$(hist "$a")" \
   "creation,modification,orientation,send-tdt-erreur,modification,orientation,send-tdt,verif-tdt,erreur-verif-tdt,verif-tdt,tdt-error" \
   "actes : erreur de transmission, renvoi, erreur de vérification, erreur TdT"
out=$(L "$UA" dossier action "$a" orientation 2>&1); rc=$?
is "$rc" 1 "actes : après tdt-error, pas de second envoi au TdT"
agent "$a" supression
is "$(sql -c "SELECT count(*) FROM liasse.dossier WHERE id = $a")" 0 "actes : un acte en erreur TdT peut être supprimé"

# --- helios-generique: tdt-error, then a new dossier ; SAE ---------------
PES=$SHARED/samples/pes/aller/depense_accents_latin1.xml
mkpes() {
	local h t=$1; shift
	h=$(L "$UA" dossier create --entite "$ENT_A" --type helios-generique --titre "$t")
	L "$UA" dossier set "$h" "$@" >/dev/null
	L "$UA" dossier attach "$h" fichier_pes "$PES" >/dev/null
	echo "$h"
}
h=$(mkpes "PES erreur" envoi_tdt=on)
agent "$h" orientation
daemon "$h" tdt-error
is "$(jobs "$h")" "" "helios : erreur de transmission, rien programmé"
L "$UA" dossier set "$h" "objet=PES corrigé" >/dev/null
agent "$h" orientation
daemon "$h" send-tdt verif-tdt erreur-verif-tdt verif-tdt info-tdt
is "$(etat "$h")" "termine" "helios : après la reprise, Traitement terminé"
is "$(hist "$h")" \
   "creation,modification,orientation,tdt-error,modification,orientation,send-tdt,verif-tdt,erreur-verif-tdt,verif-tdt,info-tdt,orientation,termine" \
   "helios : erreur de transmission, reprise, erreur de vérification puis réponse PES"

h=$(mkpes "PES SAE" envoi_tdt= envoi_sae=on)
agent "$h" orientation
is "$(jobs "$h")" "send-archive" "helios : versement au SAE programmé"
daemon "$h" send-archive verif-sae ar-recu-sae erreur-envoie-sae
agent "$h" orientation
daemon "$h" send-archive verif-sae ar-recu-sae accepter-sae
is "$(hist "$h")" \
   "creation,modification,orientation,send-archive,verif-sae,ar-recu-sae,erreur-envoie-sae,orientation,send-archive,verif-sae,ar-recu-sae,accepter-sae,orientation,termine" \
   "helios : erreur SAE après l'accusé de réception, nouveau versement accepté"

# --- mailsec-bidir: sent, read, then an error branch -------------------
H='pbkdf2-sha256$100000$0123456789abcdef0123456789abcdef$'$(printf 'a%.0s' $(seq 64))
mkmail() {
	local m
	m=$(L "$UA" dossier create --entite "$ENT_A" --type mailsec-bidir --titre "$1")
	L "$UA" dossier set "$m" "to=maire@example.org" "password=$H" "password2=$H" >/dev/null
	echo "$m"
}
m=$(mkmail "Convocation")
agent "$m" envoi-mail
is "$(jobs "$m")" "envoi-mail" "mailsec : envoi programmé pour le démon"
daemon "$m" envoi-mail reception-partielle renvoi reception
is "$(hist "$m")" "creation,modification,envoi-mail,reception-partielle,renvoi,reception" \
   "mailsec : historique complet envoi → lu partiellement → renvoi → lu par tous"
m=$(mkmail "Erreur d'envoi")
agent "$m" envoi-mail
daemon "$m" send-mailsec-error
L "$UA" dossier set "$m" "to=secretariat@example.org" >/dev/null
agent "$m" envoi-mail
daemon "$m" envoi-mail
agent "$m" non-recu
is "$(hist "$m")" "creation,modification,send-mailsec-error,envoi-mail,non-recu" \
   "mailsec : erreur d'envoi, destinataire corrigé, renvoi puis non reçu"

# --- document-a-signer: parapheur refusal, then signed -----------------
ds=$(L "$UA" dossier create --entite "$ENT_A" --type document-a-signer --titre "Contrat")
L "$UA" dossier set "$ds" iparapheur_sous_type=Contrat >/dev/null
L "$UA" dossier attach "$ds" document "$T/doc.pdf" >/dev/null
agent "$ds" orientation
daemon "$ds" send-iparapheur verif-iparapheur erreur-verif-iparapheur verif-iparapheur rejet-iparapheur
is "$(jobs "$ds")" "" "document à signer : refus, rien programmé"
L "$UA" dossier set "$ds" iparapheur_sous_type=Contrat2 >/dev/null
agent "$ds" orientation
daemon "$ds" send-iparapheur verif-iparapheur recu-iparapheur
agent "$ds" orientation
sys "SELECT job_run_local($ds)" >/dev/null
is "$(hist "$ds")" \
   "creation,modification,orientation,send-iparapheur,verif-iparapheur,erreur-verif-iparapheur,verif-iparapheur,rejet-iparapheur,modification,orientation,send-iparapheur,verif-iparapheur,recu-iparapheur,orientation,termine" \
   "document à signer : erreur de vérification, refus, modification, nouvel envoi signé"

# --- helios-pes-retour: created by the daemon, sent to the GED ----------
r=$(sys "SELECT dossier_create($ENT_A, 'helios-pes-retour', 'PES Retour 1')")
daemon "$r" send-ged
is "$(etat "$r")" "termine" "PES Retour : versé à la GED puis terminé"
is "$(hist "$r")" "creation,send-ged,termine" "PES Retour : historique complet"
# The GED's tries used up (the daemon applies error-ged, the outcome of
# send-ged, from Récupéré; was refused, from=send-ged only), then a new
# dépôt; and a dépôt done with the error outcome (from send-ged).
r=$(sys "SELECT dossier_create($ENT_A, 'helios-pes-retour', 'PES Retour 2')")
daemon "$r" error-ged error-ged send-ged
is "$(hist "$r")" "creation,error-ged,error-ged,send-ged,termine" "PES Retour : essais épuisés deux fois, puis versé"
r=$(sys "SELECT dossier_create($ENT_A, 'helios-pes-retour', 'PES Retour 2b')")
sys "SELECT etat FROM dossier_action($r, 'send-ged')" >/dev/null
sql -c "DELETE FROM liasse.job WHERE dossier_id = $r" >/dev/null
daemon "$r" error-ged
is "$(hist "$r")" "creation,send-ged,error-ged" "PES Retour : dépôt fait avec l'issue « erreur »"
r=$(sys "SELECT dossier_create($ENT_A, 'helios-pes-retour', 'PES Retour 3')")
daemon "$r" error-ged
agent "$r" supression
is "$(sql -c "SELECT count(*) FROM liasse.dossier WHERE id = $r")" 0 "PES Retour : en erreur GED, supprimé par l'agent"

# --- actes-reponse-prefecture: created by the daemon, ended by the agent -
r=$(sys "SELECT dossier_create($ENT_A, 'actes-reponse-prefecture', 'Courrier simple')")
out=$(L "$UA" dossier action "$r" creation 2>&1); rc=$?
is "$rc" 1 "réponse de la préfecture : l'agent ne la crée pas"
agent "$r" termine
is "$(hist "$r")" "creation,termine" "réponse de la préfecture : historique complet"
