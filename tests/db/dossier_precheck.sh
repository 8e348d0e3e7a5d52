# Files are checked before they are sent: type from the first bytes and
# the size limits (the field's, and the 150 Mio of all the files of an
# acte), with the messages the database gives after an upload; nothing is
# begun in the database when the file is refused. The checks of the
# database stay in place for a client that skips them. Big files are
# sparse: refused before they are read.
. tests/lib/tap.sh
. tests/lib/dossier.sh
dossier_setup dpre || { fail "préparation"; exit 1; }

# Each upload begins with a row in liasse.fichier: a refusal before the
# upload leaves the identity sequence where it was.
seqv() { sql -c "SELECT last_value || ':' || is_called FROM $(sql -c "SELECT pg_get_serial_sequence('liasse.fichier', 'id')")"; }
T=$TEST_TMP
id=$(L "$UA" dossier create --entite "$ENT_A" --type actes-generique --titre "Acte volumineux")

printf '%%PDF-1.7\n' >"$T/gros.pdf"
truncate -s 151M "$T/gros.pdf"
s0=$(seqv)
t0=$(date +%s)
out=$(L "$UA" dossier attach "$id" arrete "$T/gros.pdf" 2>&1); rc=$?
t1=$(date +%s)
is "$rc" 1 "acte de 151 Mio : refusé"
like "$out" "La taille totale des fichiers \(151,0 Mo\) dépasserait le maximum de 150,0 Mo pour ce type de dossier" \
	"acte de 151 Mio : message (taille totale, maximum du type)"
is "$(seqv)" "$s0" "acte de 151 Mio : refusé avant l'envoi (aucun fichier commencé)"
is "$(sql -c "SELECT count(*) FROM liasse.fichier WHERE dossier_id = $id")" 0 "acte de 151 Mio : rien d'enregistré"
if [ $((t1 - t0)) -le 10 ]; then ok "acte de 151 Mio : refusé sans être lu ($((t1 - t0)) s)"; else fail "refus en $((t1 - t0)) s"; fi

# The total counts the files already there.
printf '%%PDF-1.4 acte\n' >"$T/acte.pdf"
like "$(L "$UA" dossier attach "$id" arrete "$T/acte.pdf")" "mime: application/pdf" "petit acte PDF : accepté"
s1=$(seqv)
[ "$s1" != "$s0" ] && ok "un envoi accepté commence bien un fichier" || fail "séquence inchangée après un envoi"
printf '%%PDF-1.4 annexe\n' >"$T/annexe.pdf"
truncate -s 150M "$T/annexe.pdf"
out=$(L "$UA" dossier attach "$id" autre_document_attache "$T/annexe.pdf" 2>&1); rc=$?
is "$rc" 1 "annexe de 150 Mio après l'acte : refusée"
like "$out" "La taille totale des fichiers \(150,0 Mo\) dépasserait le maximum de 150,0 Mo" "annexe : le total compte l'acte déjà joint"
is "$(seqv)" "$s1" "annexe : refusée avant l'envoi"
# Replacing the acte: the old one does not count.
truncate -s 149M "$T/gros.pdf"
s2=$(seqv)
out=$(L "$UA" dossier attach "$id" autre_document_attache "$T/acte.pdf" 2>&1)
like "$out" "mime: application/pdf" "annexe de quelques octets : acceptée"

# Type from the first bytes, before sending.
printf '\x89PNG\r\n\x1a\nxxxxxxxx' >"$T/image.pdf"
s2=$(seqv)
out=$(L "$UA" dossier attach "$id" arrete "$T/image.pdf" 2>&1); rc=$?
is "$rc" 1 "PNG nommé .pdf : refusé"
like "$out" "Le fichier « image.pdf » est de type image/png ; le champ « Acte » accepte : application/pdf, application/xml" \
	"PNG nommé .pdf : même message que la base"
is "$(seqv)" "$s2" "PNG nommé .pdf : refusé avant l'envoi"
printf '\xef\xbb\xbf  <?xml version="1.0"?><acte/>' >"$T/acte.xml"
L "$UA" dossier set "$id" acte_nature=1 >/dev/null
out=$(L "$UA" dossier attach "$id" arrete "$T/acte.xml" 2>&1); rc=$?
is "$rc" 1 "acte XML d'une délibération : refusé"
like "$out" "Un acte au format XML n'est admis que pour un document budgétaire" "acte XML : règle du type, avant l'envoi"
is "$(seqv)" "$s2" "acte XML : refusé avant l'envoi"
printf 'PK\003\004zip' >"$T/a.zip"
like "$(L "$UA" dossier attach "$id" autre_document_attache "$T/a.zip" 2>&1)" "est de type application/zip" "ZIP en annexe : refusé"
: >"$T/vide.pdf"
like "$(L "$UA" dossier attach "$id" arrete "$T/vide.pdf" 2>&1)" "Le fichier « vide.pdf » est vide" "fichier vide : refusé avant l'envoi"
is "$(seqv)" "$s2" "aucun des refus n'a commencé d'envoi"
is "$(sql -c "SELECT nom FROM liasse.fichier WHERE dossier_id = $id AND champ = 'arrete' AND complet")" acte.pdf \
	"l'acte joint est intact"

# The field's own maximum (PES: 128 Mo), before the PES is read.
h=$(L "$UA" dossier create --entite "$ENT_A" --type helios-generique --titre "PES trop gros")
printf '<?xml version="1.0" encoding="ISO-8859-1"?>\n<PES_Aller>' >"$T/pes.xml"
truncate -s 130000000 "$T/pes.xml"
out=$(L "$UA" dossier attach "$h" fichier_pes "$T/pes.xml" 2>&1); rc=$?
is "$rc" 1 "PES de 130 Mo : refusé"
like "$out" "dépasse la taille maximale du champ « Fichier PES »" "PES de 130 Mo : taille maximale du champ"

# The database still refuses what a client sends without checking.
out=$(sql_as "$UA" -v ON_ERROR_STOP=1 <<SQL 2>&1
SET search_path = liasse, pg_catalog;
BEGIN;
SELECT fichier_bloc_add(fichier_begin($id, NULL, 'arrete', 'image.pdf'), 0, '\x89504e470d0a1a0a7878'::bytea);
SELECT * FROM fichier_finish((SELECT max(id) FROM fichier WHERE dossier_id = $id), NULL);
COMMIT;
SQL
)
like "$out" "est de type image/png ; le champ « Acte » accepte" "sans vérification du client : la base refuse encore"
is "$(sql -c "SELECT nom FROM liasse.fichier WHERE dossier_id = $id AND champ = 'arrete' AND complet")" acte.pdf \
	"l'acte joint est toujours intact"

# The database's fichier_sniff() gives the answers the client's
# validate_sniff() gives on the same heads (tests/unit/test_validate.c).
is "$(sql -c "SELECT string_agg(liasse.fichier_sniff(h), ' ' ORDER BY k) FROM (VALUES
	(1, '\x255044462d312e370a'::bytea), (2, '\x89504e470d0a1a0a7878'), (3, '\xffd8ffe0'),
	(4, '\x504b03047a7a'), (5, '\xefbbbf20203c3f786d6c2076657273696f6e3d22312e30223f3e'),
	(6, '\x0a093c5045535f416c6c65723e'), (7, '\x3c313e'), (8, '\x25504446'),
	(9, '\x61626300646566'), (10, '\x44c3a96c6962c3a9726174696f6e'), (11, '\x636166c3'),
	(12, '\x636166e9206372e86d65'), (13, '')) s(k, h)")" \
   "application/pdf image/png image/jpeg application/zip application/xml application/xml text/plain text/plain application/octet-stream text/plain text/plain application/octet-stream text/plain" \
   "fichier_sniff() : mêmes réponses que le client"
