# liasse pes info: the real samples, and hostile input (each case: French
# message naming the problem, exit 2, nothing on stdout).
. tests/lib/tap.sh
S=$SHARED/samples/pes
T=$TEST_TMP

# info FILE KEY: the value printed for KEY.
val() { "$LIASSE" pes info "$1" | sed -n "s/^$2: //p"; }

# --- samples/pes/aller ---------------------------------------------------
f=$S/aller/depense_accents_latin1.xml
out=$("$LIASSE" pes info "$f"); rc=$?
is "$rc" 0 "pes info sur un PES Aller : code 0"
is "$(printf '%s\n' "$out" | sed -n 's/^libelle_col_bud: //p')" "Test é(-è_çà)=" \
	"LibelleColBud ISO-8859-1 converti en UTF-8"
is "$(printf '%s\n' "$out" | sed -n 's/^id_coll: //p')" "12345678912345" "IdColl lu"
is "$(printf '%s\n' "$out" | sed -n 's/^cod_bud: //p')" "12" "CodBud lu"
is "$(printf '%s\n' "$out" | sed -n 's/^cod_col: //p')" "123" "CodCol lu"
is "$(printf '%s\n' "$out" | sed -n 's/^dte_str: //p')" "2017-06-09" "DteStr lu"
is "$(printf '%s\n' "$out" | sed -n 's/^id_post: //p')" "034000" "IdPost lu"
is "$(printf '%s\n' "$out" | sed -n 's/^nom_fic: //p')" "HELIOS_SIMU_ALR2_1496987735_826268894.xml" "NomFic lu"
is "$(printf '%s\n' "$out" | sed -n 's/^exercice: //p')" "2009" "Exer lu"
is "$(printf '%s\n' "$out" | sed -n 's/^type_pes: //p')" "depense" "PES_DepenseAller : dépense"
is "$(printf '%s\n' "$out" | sed -n 's/^info_dematerialisee: //p')" "0" "InfoDematerialisee lu"
is "$(printf '%s\n' "$out" | sed -n 's/^pes_signe: //p')" "0" "PES non signé"
is "$(printf '%s\n' "$out" | grep '^bordereau: ')" \
	"bordereau: Id=BORD767613 IdBord=1234567 Exer=2009 DteBordEm=2009-07-16 TypBord=01 NbrPce=1 Montant=75724.75 ChampMontant=MtBordHT Domaine=depense Signe=0" \
	"ligne du bordereau"
like "$(printf '%s\n' "$out" | head -n 1)" '^type: aller$' "première ligne : type: aller"

f=$S/aller/recette_6_bordereaux_prefixe_p.xml
out=$("$LIASSE" pes info "$f")
is "$(printf '%s\n' "$out" | grep -c '^bordereau: ')" 6 "recette_6_bordereaux : 6 lignes bordereau"
is "$(printf '%s\n' "$out" | sed -n 's/^nb_bordereaux: //p')" 6 "recette_6_bordereaux : nb_bordereaux 6"
is "$(printf '%s\n' "$out" | sed -n 's/^type_pes: //p')" recette "préfixe p: et PES_RecetteAller : recette"
like "$out" 'bordereau: Id=ID20081092008-05-0501 IdBord=90109 Exer=2008 .* NbrPce=2 Montant=469.4 ChampMontant=MtBordHt ' \
	"recette : MtBordHt tel quel"

is "$(val "$S/aller/depense_sans_id.xml" id_pes_aller)" "" "depense_sans_id : pas d'Id racine"
like "$("$LIASSE" pes info "$S/aller/depense_sans_id.xml")" 'bordereau: Id= IdBord=72 ' \
	"depense_sans_id : Bordereau sans Id"
is "$(val "$S/aller/depense_creation_document.xml" nb_bordereaux_sans_id)" 1 \
	"depense_creation_document : bordereau sans Id compté"
is "$(val "$S/aller/depense_bordereau_id_small.xml" id_pes_aller)" ID153504434 "Id de PES_Aller lu"

# --- samples/pes/signed --------------------------------------------------
for f in "$S"/signed/*.xml; do
	is "$(val "$f" pes_signe)" 1 "$(basename "$f") détecté comme signé"
done
is "$(val "$S/signed/genere_softhsm_global.xml" signature_globale)" 1 "signature globale reconnue"
like "$("$LIASSE" pes info "$S/signed/libersign_sha256_bordereau.xml")" \
	'bordereau: Id=BORD822933 .* Signe=1$' "signature par bordereau reconnue"

# --- samples/pes/retour --------------------------------------------------
is "$(val "$S/retour/acquit_ok.xml" etat_ack)" 1 "acquit_ok : etat_ack 1"
is "$(val "$S/retour/acquit_ok_glaneur.xml" etat_ack)" 1 "acquit_ok_glaneur : etat_ack 1"
for k in IDL MIX SDP SEN; do
	is "$(val "$S/retour/acquit_ko_$k.xml" etat_ack)" 2 "acquit_ko_$k : etat_ack 2"
done
out=$("$LIASSE" pes info "$S/retour/acquit_partiel_ko.xml")
is "$(printf '%s\n' "$out" | sed -n 's/^etat_ack: //p')" 2 "acquit_partiel_ko : etat_ack 2"
is "$(printf '%s\n' "$out" | grep '^erreur: ')" \
	"erreur: Domaine=5 NumBord=140 Exercice=2019 IdUnique= NumPiece=514 NumLigne=1 Code=ERREUR_AUTRE Libelle=1963 - Domiciliation erronée" \
	"acquit_partiel_ko : code et libellé de l'anomalie DGFiP"
like "$("$LIASSE" pes info "$S/retour/acquit_ko_SEN.xml")" \
	'erreur: Domaine=4 .*IdUnique=TI00064567 .*Code=ERREUR_DOUBLON_PJ Libelle=1984 - L.identifiant unique de la PJ a déjà été intégré dans HELIOS' \
	"acquit_ko_SEN : erreur au niveau de l'élément"
is "$(val "$S/retour/pes_retour_depense.xml" type)" retour "PES_Retour reconnu"
is "$(val "$S/retour/pes_retour_depense.xml" cod_col)" 221 "PES_Retour : CodColl lu"
is "$(val "$S/retour/dgfip_exemple_nonacquit.xml" type)" non_acquit "PES_NonAcquit reconnu"
is "$(val "$S/retour/acquit_de_pes_retour_2025.xml" type)" acquit_retour "PES_ACQUIT_RETOUR reconnu"

# --- --json --------------------------------------------------------------
out=$("$LIASSE" pes info --json "$S/aller/recette_6_bordereaux_prefixe_p.xml")
if command -v python3 >/dev/null; then
	got=$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["nb_bordereaux"], len(d["bordereaux"]), d["bordereaux"][0]["champ_montant"], d["bordereaux"][0]["has_id"])')
	is "$got" "6 6 MtBordHt True" "--json : objet JSON valide avec les bordereaux"
else
	skip "--json" "python3 absent"
fi
out=$("$LIASSE" pes info "$S/aller/depense_accents_latin1.xml" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["libelle_col_bud"])' 2>&1)
is "$out" "Test é(-è_çà)=" "--json après le fichier, accents en UTF-8"

# --- usage ---------------------------------------------------------------
"$LIASSE" pes info >/dev/null 2>&1; is "$?" 2 "pes info sans fichier : code 2"
"$LIASSE" pes frob >/dev/null 2>&1; is "$?" 2 "pes avec une sous-commande inconnue : code 2"
like "$("$LIASSE" pes help)" 'info +affiche les informations' "pes help liste info"

# --- hostile input -------------------------------------------------------
# refused NAME FILE REGEX: exit 2, message on stderr matching REGEX, stdout empty.
refused() {
	local name=$1 file=$2 re=$3 out err rc
	out=$("$LIASSE" pes info "$file" 2>"$T/stderr"); rc=$?
	err=$(cat "$T/stderr")
	if [ "$rc" = 2 ] && [ -z "$out" ] && printf '%s' "$err" | grep -qE -- "$re"; then
		ok "$name"
	else
		fail "$name"; printf '#   code %s, sortie [%s]\n#   erreur : %s\n#   motif : %s\n' \
			"$rc" "$(printf '%s' "$out" | head -c 200)" "$err" "$re"
	fi
}
DTD='contient une DTD \(déclaration DOCTYPE\), refusée pour raison de sécurité'

cp tests/lib/bomb.xml "$T/bomb.xml"
refused "bombe XML (billion laughs) refusée" "$T/bomb.xml" "$DTD"

cat >"$T/xxe_file.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<!-- un commentaire avant -->
<!DOCTYPE PES_Aller [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<PES_Aller><Enveloppe><Parametres><NomFic V="&xxe;"/></Parametres></Enveloppe></PES_Aller>
EOF
refused "entité externe file:///etc/passwd refusée" "$T/xxe_file.xml" "$DTD"
out=$("$LIASSE" pes info "$T/xxe_file.xml" 2>&1)
case $out in *root:*) fail "le contenu de /etc/passwd n'apparaît pas";; *) ok "le contenu de /etc/passwd n'apparaît pas";; esac

# An http:// DTD: a listener on a free port would see a connection.
port=$(( 20000 + $$ % 20000 ))
hits=$T/hits
if command -v socat >/dev/null; then
	timeout 5 socat -u TCP-LISTEN:$port,reuseaddr,fork OPEN:"$hits",creat,append >/dev/null 2>&1 &
	lpid=$!
	sleep 0.3
fi
printf '<?xml version="1.0"?>\n<!DOCTYPE PES_Aller SYSTEM "http://127.0.0.1:%s/pes.dtd">\n<PES_Aller><Enveloppe/></PES_Aller>\n' "$port" >"$T/xxe_http.xml"
refused "DTD externe http:// refusée" "$T/xxe_http.xml" "$DTD"
printf '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY e SYSTEM "http://127.0.0.1:%s/e">]>\n<PES_Aller V="&e;"/>\n' "$port" >"$T/xxe_http2.xml"
refused "entité externe http:// refusée" "$T/xxe_http2.xml" "$DTD"
if [ -n "${lpid:-}" ]; then
	kill "$lpid" 2>/dev/null; wait "$lpid" 2>/dev/null
	is "$(cat "$hits" 2>/dev/null | wc -c)" 0 "aucune connexion réseau ouverte"
fi

printf '<?xml version="1.0"?>\n<!DOCTYPE PES_Aller>\n<PES_Aller/>\n' >"$T/dtd.xml"
refused "simple DOCTYPE refusé" "$T/dtd.xml" "$DTD"

head -c 2000 "$S/aller/depense_sans_id.xml" >"$T/tronque.xml"
refused "fichier tronqué : message avec la ligne" "$T/tronque.xml" 'tronqué.*ligne [0-9]+'

printf '<?xml version="1.0"?>\n<PES_Aller>\n<Enveloppe>\n</Parametres>\n</PES_Aller>\n' >"$T/malforme.xml"
refused "XML mal formé : ligne donnée" "$T/malforme.xml" 'mal formé, ligne 4'

printf '<?xml version="1.0"?>\n<facture><PES_Aller/></facture>\n' >"$T/autre.xml"
refused "XML qui n'est pas un PES" "$T/autre.xml" "n'est pas un PES : élément racine <facture>"

printf '<?xml version="1.0" encoding="UTF-8"?>\n<PES_Aller><Enveloppe><Parametres><NomFic V="d\xe9pense"/></Parametres></Enveloppe></PES_Aller>\n' >"$T/mauvais_encodage.xml"
refused "encodage annoncé faux (Latin-1 déclaré UTF-8)" "$T/mauvais_encodage.xml" "pas dans l'encodage qu'il annonce \(UTF-8\)"
printf '<?xml version="1.0" encoding="KOI8-Z"?>\n<PES_Aller/>\n' >"$T/encodage_inconnu.xml"
refused "encodage inconnu" "$T/encodage_inconnu.xml" 'Encodage « KOI8-Z » inconnu'
printf '<?xml version="1.0" encoding="UTF-7"?>\n+ADw-!DOCTYPE x+AD4-<PES_Aller/>\n' >"$T/utf7.xml"
refused "UTF-7 refusé (il masquerait une DTD)" "$T/utf7.xml" 'Encodage « UTF-7 »'

head -c 4096 "$LIASSE" >"$T/binaire.xml"
refused "fichier binaire" "$T/binaire.xml" "n'est pas du XML"
: >"$T/vide.xml"
refused "fichier vide" "$T/vide.xml" 'Le fichier est vide'
refused "fichier absent" "$T/absent.xml" 'Fichier introuvable'
refused "un dossier au lieu d'un fichier" "$T" 'est un dossier'

# --- 200 MB --------------------------------------------------------------
# Decision: the extraction of a 200 MB PES succeeds, in less than 64 MB RSS
# (256 MB under AddressSanitizer), because the file is streamed.
limit=65536
if ldd "$LIASSE" 2>/dev/null | grep -q asan || nm "$LIASSE" 2>/dev/null | grep -q __asan_init; then
	limit=262144
fi
src=$S/aller/depense_sans_id.xml
big=$T/gros.xml
{
	sed -n '1,/<\/EnTeteDepense>/p' "$src"
	blk=$(sed -n '/<Bordereau>/,/<\/Bordereau>/p' "$src")
	awk -v b="$blk" 'BEGIN { for (i = 0; i < 150000; i++) print b }'
	sed -n '/<\/PES_DepenseAller>/,$p' "$src"
} >"$big"
size=$(stat -c %s "$big")
check "fichier de test de plus de 200 Mo ($size octets)" test "$size" -gt 200000000
if [ -x /usr/bin/time ]; then
	/usr/bin/time -f %M -o "$T/rss" "$LIASSE" pes info "$big" >"$T/gros.out" 2>"$T/gros.err"; rc=$?
	rss=$(tail -n 1 "$T/rss")
	is "$rc" 0 "PES de 200 Mo : lu avec succès"
	is "$(sed -n 's/^nb_bordereaux: //p' "$T/gros.out")" 150000 "PES de 200 Mo : 150000 bordereaux comptés"
	like "$(cat "$T/gros.err")" 'seuls les 10000 premiers' "PES de 200 Mo : bordereaux détaillés bornés"
	if [ "$rss" -lt "$limit" ]; then ok "PES de 200 Mo : mémoire bornée ($rss Ko < $limit Ko)"
	else fail "PES de 200 Mo : mémoire bornée ($rss Ko >= $limit Ko)"; fi
else
	skip "PES de 200 Mo" "/usr/bin/time absent"
fi
rm -f "$big"

# One 200 MB text node (an embedded PJ): streamed too.
{
	sed -n '1,/<EnTetePES_PJ>/p' "$src"
	echo '</EnTetePES_PJ><PJ><Contenu><Fichier MIMEType="application/pdf">'
	head -c 200000000 /dev/zero | tr '\0' 'A'
	echo '</Fichier></Contenu><NomPJ V="x.pdf"/></PJ></PES_PJ></n:PES_Aller>'
} >"$big"
if [ -x /usr/bin/time ]; then
	/usr/bin/time -f %M -o "$T/rss" "$LIASSE" pes info "$big" >"$T/gros.out" 2>&1; rc=$?
	rss=$(tail -n 1 "$T/rss")
	is "$rc" 0 "PJ de 200 Mo dans un seul nœud texte : lu avec succès"
	is "$(sed -n 's/^nb_pj: //p' "$T/gros.out")" 1 "PJ de 200 Mo : PJ comptée"
	if [ "$rss" -lt "$limit" ]; then ok "PJ de 200 Mo : mémoire bornée ($rss Ko < $limit Ko)"
	else fail "PJ de 200 Mo : mémoire bornée ($rss Ko >= $limit Ko)"; fi
fi
rm -f "$big"

# A 30 MB attribute value: refused cleanly (libxml2's 10 MB limit).
{ printf '<PES_Aller><Enveloppe><Parametres><NomFic V="'; head -c 30000000 /dev/zero | tr '\0' 'A'
  printf '"/></Parametres></Enveloppe></PES_Aller>\n'; } >"$big"
refused "valeur d'attribut de 30 Mo refusée" "$big" 'limite de sécurité'
rm -f "$big"
