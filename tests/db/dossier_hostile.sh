# Hostile PES through the database (issue 3 §8): each case attached with
# `liasse dossier attach ID fichier_pes FILE` on a helios-generique dossier
# must exit 1 with a French message naming the problem, store nothing (no
# fichier row, no block, no extracted value) and leave the dossier's version
# as it was; the 200 MB file with a bounded peak memory.
. tests/lib/tap.sh
. tests/lib/dossier.sh
dossier_setup dhostile || { fail "préparation"; exit 1; }
S=$SHARED/samples/pes
T=$TEST_TMP

id=$(L "$UA" dossier create --entite "$ENT_A" --type helios-generique --titre "PES hostile")
like "$id" '^[0-9]+$' "dossier helios-generique créé"
v0=$(dsql "$UA" "SELECT version FROM dossier WHERE id = $id")

# stored: fichier rows, blocks, values and index rows of the dossier, version.
stored() {
	sql -c "SELECT (SELECT count(*) FROM liasse.fichier WHERE dossier_id = $id) || '|' ||
		(SELECT count(*) FROM liasse.fichier_bloc b JOIN liasse.fichier f ON f.id = b.fichier_id
		  WHERE f.dossier_id = $id) || '|' ||
		(SELECT count(*) FROM liasse.dossier_valeur WHERE dossier_id = $id) || '|' ||
		(SELECT count(*) FROM liasse.dossier_index WHERE dossier_id = $id AND champ <> 'titre') || '|' ||
		(SELECT version FROM liasse.dossier WHERE id = $id)"
}
pesvals() {
	sql -c "SELECT count(*) FROM liasse.dossier_valeur WHERE dossier_id = $id
		AND champ IN ('nom_fic','id_coll','cod_col','cod_bud','dte_str','exercice','type_pes','nb_bordereaux')"
}
before=$(stored)
like "$before" "^0\|0\|[0-9]+\|[0-9]+\|$v0\$" "état initial : ni fichier ni bloc, version $v0"

# measured FILE: attaches FILE with /usr/bin/time; sets rc and rss (Ko).
measured() {
	PGUSER=$UA /usr/bin/time -f %M -o "$T/rss" "$LIASSE" --db "dbname=$DB" \
		dossier attach "$id" fichier_pes "$1" >"$T/out" 2>"$T/err"; rc=$?
	rss=$(tail -n 1 "$T/rss")
	echo "# pic mémoire : $rss Ko"
}
# bounded NAME: ok when rss < limit.
bounded() {
	if [ "$rss" -lt "$limit" ]; then ok "$1 : mémoire bornée ($rss Ko < $limit Ko)"
	else fail "$1 : mémoire bornée ($rss Ko >= $limit Ko)"; fi
}

# refused NAME FILE REGEX: code 1, stderr matches REGEX, nothing stored.
refused() {
	local name=$1 file=$2 re=$3 rc err
	L "$UA" dossier attach "$id" fichier_pes "$file" >"$T/out" 2>"$T/err"; rc=$?
	err=$(cat "$T/err")
	is "$rc" 1 "$name : code 1"
	like "$err" "$re" "$name : message"
	is "$(stored)" "$before" "$name : rien n'est stocké, version inchangée"
	is "$(pesvals)" "$pes_before" "$name : aucune information PES enregistrée"
}
pes_before=0
DTD='contient une DTD \(déclaration DOCTYPE\), refusée pour raison de sécurité'

cp tests/lib/bomb.xml "$T/bomb.xml"
refused "bombe XML (billion laughs)" "$T/bomb.xml" "$DTD"

cat >"$T/xxe.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE PES_Aller [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<PES_Aller><Enveloppe><Parametres><NomFic V="&xxe;"/></Parametres></Enveloppe></PES_Aller>
EOF
refused "entité externe file:///etc/passwd" "$T/xxe.xml" "$DTD"
case $(cat "$T/out" "$T/err") in
*root:*) fail "entité externe : le contenu de /etc/passwd n'apparaît pas";;
*) ok "entité externe : le contenu de /etc/passwd n'apparaît pas";;
esac

# A DTD alone, in front of an otherwise valid PES Aller.
{ sed -n 1p "$S/aller/depense_sans_id.xml"; echo '<!DOCTYPE PES_Aller>'; sed 1d "$S/aller/depense_sans_id.xml"; } >"$T/dtd.xml"
grep -q '^<?xml' "$T/dtd.xml" || sed -i '1i <?xml version="1.0"?>' "$T/dtd.xml"
refused "DTD devant un PES valide" "$T/dtd.xml" "$DTD"

head -c 2000 "$S/aller/depense_sans_id.xml" >"$T/tronque.xml"
refused "fichier tronqué" "$T/tronque.xml" 'tronqué.*ligne [0-9]+'

printf '<?xml version="1.0" encoding="UTF-8"?>\n<facture><Montant V="12"/></facture>\n' >"$T/autre.xml"
refused "XML qui n'est pas un PES" "$T/autre.xml" "n'est pas un PES : élément racine <facture>"

# 200 MB: a PES head followed by 200 MB (sparse) — refused from its size,
# before it is read or sent, in bounded memory.
{ sed -n '1,/<\/EnTeteDepense>/p' "$S/aller/depense_sans_id.xml"; } >"$T/gros.xml"
truncate -s 200M "$T/gros.xml"
limit=102400
if ldd "$LIASSE" 2>/dev/null | grep -q asan || nm "$LIASSE" 2>/dev/null | grep -q __asan_init; then
	limit=262144
fi
if [ -x /usr/bin/time ]; then
	measured "$T/gros.xml"
	is "$rc" 1 "fichier de 200 Mo : code 1"
	like "$(cat "$T/err")" 'dépasse la taille maximale du champ « Fichier PES »' "fichier de 200 Mo : message sur la taille"
	is "$(stored)" "$before" "fichier de 200 Mo : rien n'est stocké, version inchangée"
	bounded "fichier de 200 Mo"
else
	skip "fichier de 200 Mo" "/usr/bin/time absent"
fi
rm -f "$T/gros.xml"

# A 120 MB PES, under the field's limit, generated (not sparse): read in
# full, streamed in, bounded memory. Then a hostile file cannot replace it.
src=$S/aller/depense_sans_id.xml
{
	sed -n '1,/<\/EnTeteDepense>/p' "$src"
	blk=$(sed -n '/<Bordereau>/,/<\/Bordereau>/p' "$src")
	awk -v b="$blk" 'BEGIN { for (i = 0; i < 85000; i++) print b }'
	sed -n '/<\/PES_DepenseAller>/,$p' "$src"
} >"$T/grand.xml"
size=$(stat -c %s "$T/grand.xml")
check "PES généré de plus de 100 Mo ($size octets)" test "$size" -gt 100000000 -a "$size" -lt 128000000
if [ -x /usr/bin/time ]; then
	measured "$T/grand.xml"
	is "$rc" 0 "PES de $((size / 1000000)) Mo joint"
	bounded "PES de $((size / 1000000)) Mo"
	is "$(sql -c "SELECT taille FROM liasse.fichier WHERE dossier_id = $id")" "$size" "taille enregistrée"
	is "$(sql -c "SELECT valeur FROM liasse.dossier_valeur WHERE dossier_id = $id AND champ = 'nb_bordereaux'")" 85000 \
		"nb_bordereaux extrait du gros PES"
	before=$(stored) pes_before=$(pesvals)
	refused "bombe XML à la place d'un PES joint" "$T/bomb.xml" "$DTD"
	is "$(sql -c "SELECT sha256 FROM liasse.fichier WHERE dossier_id = $id")" "$(sha256sum "$T/grand.xml" | cut -d' ' -f1)" \
		"le PES joint reste celui d'avant"
else
	skip "PES de plus de 100 Mo" "/usr/bin/time absent"
fi
rm -f "$T/grand.xml"
