# Documents of the préfecture (courrier simple, demande de pièces
# complémentaires...): the unread documents of the S2LOW double become
# actes-reponse-prefecture dossiers (the envelope's bytes kept) and are
# attached to the acte's own dossier when liasse sent it; marked read once
# stored, never twice; a KO of S2LOW is shown in French on the job and
# nothing is marked read; a document stored but not marked read (daemon
# stopped in between) gives no duplicate at the next run.
. tests/lib/tap.sh
. tests/lib/dossier.sh
. tests/s2low/lib.sh

command -v python3 >/dev/null || { skip "s2low réponses de la préfecture" "python3 absent"; exit 0; }
PKI=$TEST_TMP/pki
s2low_certs "$PKI" && s2low_start "$PKI" || { fail "double S2LOW"; exit 1; }
trap s2low_stop EXIT
dossier_setup s2p || { fail "préparation"; exit 1; }
C() { "$LIASSE" --db "dbname=$DB" connecteur "$@"; }
run() { "$LIASSE" --db "dbname=$DB" daemon --once >/dev/null 2>&1; }
ctl() { s2low_ctl "$PKI" "$1"; }
val() { sql -c "SELECT valeur FROM liasse.dossier_valeur WHERE dossier_id = $1 AND champ = '$2'"; }
ndos() { sql -c "SELECT count(*) FROM liasse.dossier WHERE type = 'actes-reponse-prefecture'"; }
lus() { ctl /_test/stats | python3 -c "import json,sys; print(sum(1 for v in json.load(sys.stdin)['documents'].values() if v['lu']))"; }
again() { sql -c "UPDATE liasse.job SET run_at = now(), locked_until = NULL WHERE action = 'recup-reponse-prefecture'" >/dev/null; run; }
job_msg() { sql -c "SELECT last_message FROM liasse.job WHERE action = 'recup-reponse-prefecture'"; }

c=$(s2low_connecteur "$ENT_A" "$PKI") &&
C associate --entite "$ENT_A" --type-dossier actes-generique --famille TdT "$c" || fail "connecteur"
sql -c "INSERT INTO liasse.frequence (connecteur_id, expression) VALUES ($c, '1s')" >/dev/null

# An acte sent by liasse.
printf '%%PDF-1.4\n%% acte\n%%%%EOF\n' >"$TEST_TMP/acte.pdf"
a1=$(s2low_acte "$UA" "$ENT_A" DEL2024_10 "Marché de voirie" "$TEST_TMP/acte.pdf") || fail "dossier acte"
run
t1=$(val "$a1" tedetis_transaction_id)
like "$t1" '^[0-9]+$' "acte transmis (transaction $t1)"
etat1=$(sql -c "SELECT etat FROM liasse.dossier WHERE id = $a1")
# An acte sent to the same S2LOW by another client.
printf '%%PDF-1.4\n%%%%EOF\n' >"$TEST_TMP/autre.pdf"
t2=$(curl -sS --cacert "$PKI/ca.pem" --cert "$PKI/client.pem" --key "$PKI/client.key" -F api=1 -F nature_code=3 \
	-F classif1=1 -F classif2=1 -F number=ARR2024_7 -F subject=autre -F decision_date=2024-01-02 \
	-F type_acte=99_AI -F "acte_pdf_file=@$TEST_TMP/autre.pdf" \
	"$S2LOW_URL/modules/actes/actes_transac_create.php" | sed -n 2p)

# The préfecture writes: a demande de pièces about ours, a courrier simple
# about the other one.
printf '%%PDF-1.4\n%% Demande de pieces complementaires\n%%%%EOF\n' >"$TEST_TMP/lettre.pdf"
d1=$(ctl "/_test/document?related=$t1&type=3&fichier=$TEST_TMP/lettre.pdf")
d2=$(ctl "/_test/document?related=$t2&type=2&fichier=$TEST_TMP/lettre.pdf")
like "$(curl -sS --cacert "$PKI/ca.pem" --cert "$PKI/client.pem" --key "$PKI/client.key" \
	"$S2LOW_URL/modules/actes/api/list_document_prefecture.php")" "\"id\": \"$d1\", \"type\": \"3\"" \
	"le double liste les documents non lus"

C associate --entite "$ENT_A" --type-dossier actes-reponse-prefecture --famille TdT "$c" || fail "association"
is "$(sql -c "SELECT count(*) FROM liasse.job WHERE action = 'recup-reponse-prefecture' AND connecteur_id = $c")" 1 \
	"l'association programme la récupération des documents de la préfecture"
check_fails "un agent ne crée pas de réponse de la préfecture à la main" \
	sql_as "$UA" -v ON_ERROR_STOP=1 -c "SELECT liasse.dossier_create($ENT_A, 'actes-reponse-prefecture', 'à la main')"

again
is "$(ndos)" 2 "deux documents, deux dossiers"
is "$(lus)" 2 "les deux marqués lus sur S2LOW"
like "$(job_msg)" "2 document\(s\) de la préfecture reçu\(s\), 2 nouveau\(x\)" "bilan sur le travail"
r1=$(sql -c "SELECT dossier_id FROM liasse.dossier_valeur WHERE champ = 'transaction_id' AND valeur = '$d1'")
r2=$(sql -c "SELECT dossier_id FROM liasse.dossier_valeur WHERE champ = 'transaction_id' AND valeur = '$d2'")
is "$(val "$r1" type_reponse)" 3 "type : demande de pièces complémentaires"
is "$(val "$r1" objet)" "Demande de pièces complémentaires — acte DEL2024_10" "objet du dossier"
is "$(val "$r1" acte_dossier)" "$a1" "rattaché au dossier de l'acte"
like "$(val "$r1" acte_unique_id)" "^034-000000000-[0-9]{8}-DEL2024_10-DE$" "identifiant unique de l'acte"
is "$(val "$r1" related_transaction_id)" "$t1" "transaction de l'acte"
is "$(val "$r2" type_reponse)" 2 "type : courrier simple"
is "$(val "$r2" acte_dossier)" "" "acte inconnu de liasse : dossier propre seulement"
is "$(val "$r2" statut_tdt)" 21 "statut 21 (document reçu, pas d'AR) pour un courrier simple"

# The envelope, bytes as served by S2LOW, in both dossiers.
env=$(curl -sS -o /dev/null -w '%{redirect_url}' --cacert "$PKI/ca.pem" --cert "$PKI/client.pem" --key "$PKI/client.key" \
	"$S2LOW_URL/modules/actes/actes_transac_get_document.php?id=$d1")
curl -sS --cacert "$PKI/ca.pem" --cert "$PKI/client.pem" --key "$PKI/client.key" "$env" >"$TEST_TMP/env.tar.gz"
L "$UA" dossier get "$r1" reponse_prefecture_file "$TEST_TMP/r1.tar.gz" >/dev/null 2>&1
check "le dossier de la réponse garde l'enveloppe reçue" cmp "$TEST_TMP/env.tar.gz" "$TEST_TMP/r1.tar.gz"
like "$(tar -tzf "$TEST_TMP/r1.tar.gz" | tr '\n' ' ')" "DEL2024_10-DE-3-1_0.xml .*DEL2024_10-DE-3-1_1.pdf" \
	"l'enveloppe contient le message ACTES et la lettre"
L "$UA" dossier get "$r1" lettre "$TEST_TMP/lettre-r1.pdf" >/dev/null 2>&1
check "la lettre (PDF) est extraite de l'enveloppe" cmp "$TEST_TMP/lettre.pdf" "$TEST_TMP/lettre-r1.pdf"
like "$(sql -c "SELECT nom FROM liasse.fichier WHERE dossier_id = $r1 AND champ = 'lettre'")" \
	"DEL2024_10-DE-3-1_1.pdf$" "la lettre garde son nom ACTES"
L "$UA" dossier get "$a1" reponse_prefecture_file "$TEST_TMP/a1.tar.gz" >/dev/null 2>&1
check "le dossier de l'acte reçoit aussi le document" cmp "$TEST_TMP/env.tar.gz" "$TEST_TMP/a1.tar.gz"
is "$(val "$a1" has_reponse_prefecture)" on "onglet Réponses de la préfecture affiché sur l'acte"
is "$(sql -c "SELECT etat FROM liasse.dossier WHERE id = $a1")" "$etat1" "l'état de l'acte ne change pas"
is "$(sql_as "$UA" -c "SELECT count(*) FROM liasse.dossier WHERE type = 'actes-reponse-prefecture'")" 2 \
	"l'agent de la commune voit les réponses"
is "$(sql_as "$UB" -c "SELECT count(*) FROM liasse.dossier WHERE type = 'actes-reponse-prefecture'")" 0 \
	"l'agent d'une autre commune ne les voit pas"

again
is "$(ndos)" 2 "une deuxième passe : aucun doublon"
is "$(sql -c "SELECT count(*) FROM liasse.fichier WHERE dossier_id = $a1 AND champ = 'reponse_prefecture_file'")" 1 \
	"aucun doublon sur l'acte"

# KO from actes_transac_get_document.php: in French, nothing marked read.
d3=$(ctl "/_test/document?related=$t1&type=4&fichier=$TEST_TMP/lettre.pdf")
ctl "/_test/document_ko?id=$d3&message=Document%20indisponible" >/dev/null
again
is "$(job_msg)" "Récupération du document $d3 de la préfecture impossible : Document indisponible" \
	"erreur de S2LOW en français sur le travail"
is "$(lus)" 2 "le document en erreur n'est pas marqué lu"
is "$(ndos)" 2 "aucun dossier pour le document en erreur"

# KO on the list itself (the account refused...).
ctl "/_test/document_list_ko?message=Acc%C3%A8s%20refus%C3%A9" >/dev/null
again
is "$(job_msg)" "Liste des documents de la préfecture refusée par S²LOW : Accès refusé" "liste refusée : message en français"
ctl "/_test/document_list_ko?message=" >/dev/null

# Stored but not marked read (what a daemon stopped between the commit and
# the mark leaves): no second dossier, marked read at the next run.
ctl "/_test/document_ko?id=$d3&message=" >/dev/null
ctl "/_test/document_unread?id=$d1" >/dev/null
is "$(lus)" 1 "un document stocké mais pas marqué lu"
again
is "$(ndos)" 3 "le document réparé donne un dossier, le document déjà stocké aucun"
is "$(lus)" 3 "tous marqués lus"
is "$(val "$(sql -c "SELECT dossier_id FROM liasse.dossier_valeur WHERE champ = 'transaction_id' AND valeur = '$d3'")" type_reponse)" 4 \
	"lettre d'observations"
is "$(sql -c "SELECT count(*) FROM liasse.fichier WHERE dossier_id = $a1 AND champ = 'reponse_prefecture_file'")" 2 \
	"l'acte porte ses deux documents"
is "$(sql -c "SELECT count(*) FROM liasse.reponse_prefecture_recue WHERE connecteur_id = $c")" 3 "un identifiant par document"

# One transaction: a failure while attaching the document to the acte's
# dossier leaves nothing behind (no dossier of the response, nothing marked
# read), and the next run stores it once.
sql -c "CREATE FUNCTION public.s2p_refus() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
	IF NEW.dossier_id = $a1 AND NEW.champ = 'reponse_prefecture_file' THEN
		RAISE EXCEPTION 'refus de test' USING ERRCODE = 'LI400';
	END IF;
	RETURN NEW;
END \$\$;
CREATE TRIGGER s2p_refus BEFORE INSERT ON liasse.fichier FOR EACH ROW EXECUTE FUNCTION public.s2p_refus();" >/dev/null
d4=$(ctl "/_test/document?related=$t1&type=5&fichier=$TEST_TMP/lettre.pdf")
again
like "$(job_msg)" "Document $d4 de la préfecture non enregistré : .*refus de test" "échec sur l'acte : message sur le travail"
is "$(ndos)" 3 "échec sur l'acte : pas de dossier de réponse à moitié enregistré"
is "$(lus)" 3 "échec sur l'acte : rien de marqué lu"
sql -c "DROP TRIGGER s2p_refus ON liasse.fichier" >/dev/null
again
is "$(ndos)" 4 "à la reprise : le déféré est enregistré une fois"
is "$(lus)" 4 "et marqué lu"
is "$(sql -c "SELECT count(*) FROM liasse.fichier WHERE dossier_id = $a1 AND champ = 'reponse_prefecture_file'")" 3 \
	"l'acte porte ses trois documents"
