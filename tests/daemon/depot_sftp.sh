# The dépôt (GED) connector over SFTP, against a real sshd on 127.0.0.1
# (generated host key, a client key in the test folder): Tester la
# connexion, a directory, a zip and files at the root, metadata, done
# marker, no temporary name left behind, name-exists policies checked on
# the server, unknown or different host key refused, wrong key refused,
# server down: retried, then the error state; password authentication
# for an account created for the test.
. tests/lib/tap.sh
. tests/lib/dossier.sh
. tests/lib/depot.sh

SSHD_BIN=/usr/sbin/sshd
if [ ! -x "$SSHD_BIN" ]; then
	skip "dépôt SFTP" "sshd absent (paquet openssh-server : make deps)"; exit 0
fi
if [ "$(id -u)" != 0 ]; then
	skip "dépôt SFTP" "le serveur sshd de test demande root"; exit 0
fi

T=$TEST_TMP/sftp
SRV=$T/srv
mkdir -p "$SRV" /run/sshd
ssh-keygen -q -t ed25519 -N '' -C hote -f "$T/hote" || { fail "clé d'hôte"; exit 1; }
ssh-keygen -q -t ed25519 -N '' -C client -f "$T/cle" || { fail "clé client"; exit 1; }
ssh-keygen -q -t ed25519 -N '' -C autre -f "$T/autre" || { fail "seconde clé"; exit 1; }
ssh-keygen -q -t ed25519 -N '' -C imposteur -f "$T/imposteur" || { fail "clé d'hôte imposteur"; exit 1; }
cp "$T/cle.pub" "$T/authorized_keys"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# sftp-server logs each operation (open, rename...) to a file of ours.
SFTP_SERVER=internal-sftp
if [ -x /usr/lib/openssh/sftp-server ]; then
	SFTP_SERVER="/usr/lib/openssh/sftp-server -e -l INFO 2>>$T/sftp.log"
	touch "$T/sftp.log" && chmod 666 "$T/sftp.log" # (the password account below writes there too)
fi
SSHD_PID=
sshd_start() { # HOST_KEY
	cat >"$T/sshd_config" <<EOF
ListenAddress 127.0.0.1:$PORT
HostKey $1
AuthorizedKeysFile $T/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication yes
PermitEmptyPasswords no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile $T/sshd.pid
Subsystem sftp $SFTP_SERVER
LogLevel VERBOSE
EOF
	"$SSHD_BIN" -D -f "$T/sshd_config" -E "$T/sshd.log" &
	SSHD_PID=$!
	local i
	for i in $(seq 200); do # until it listens (or died)
		(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return 0
		kill -0 "$SSHD_PID" 2>/dev/null || break
		sleep 0.05
	done
	return 1
}
sshd_stop() {
	[ -n "$SSHD_PID" ] && kill "$SSHD_PID" 2>/dev/null && wait "$SSHD_PID" 2>/dev/null
	SSHD_PID=
}
U=
trap 'sshd_stop; [ -n "$U" ] && userdel "$U" 2>/dev/null' EXIT
sshd_start "$T/hote" || { fail "démarrage de sshd"; sed 's/^/#   /' "$T/sshd.log"; exit 1; }
FP=$(ssh-keygen -l -E sha256 -f "$T/hote.pub" | awk '{print $2}')
FPRE=$(printf '%s' "$FP" | sed 's/[+.*?()]/\\&/g') # as a regular expression

dossier_setup dges || { fail "préparation"; exit 1; }
parts() { find "$SRV" -name '*.part' | wc -l; }

c=$(C create --entite "$ENT_A" --type depot-sftp "GED SFTP")
C set "$c" depot_sftp_host 127.0.0.1 && C set "$c" depot_sftp_port "$PORT" &&
C set "$c" depot_sftp_login root && C set "$c" depot_sftp_private_key --fichier "$T/cle" &&
C set "$c" depot_sftp_directory "$SRV" && C set "$c" depot_metadonnees 2 &&
C set "$c" depot_creation_fichier_termine on &&
C associate --entite "$ENT_A" --type-dossier helios-generique --famille GED "$c" || fail "configuration"
is "$(sql -c "SELECT count(*) FROM liasse.connecteur_secret WHERE connecteur_id = $c AND valeurs ? 'depot_sftp_private_key'")" \
	1 "la clé privée est rangée avec les secrets"

# No fingerprint yet: the host is unknown, never accepted silently.
out=$(C test "$c" 2>&1)
like "$out" "Clé du serveur SFTP 127.0.0.1:$PORT inconnue : connexion refusée" "hôte inconnu : refusé, en français"
like "$out" "$FPRE" "hôte inconnu : l'empreinte présentée est donnée"
d0=$(new_pes "Refusé faute d'empreinte")
D
like "$(sql -c "SELECT last_message FROM liasse.job WHERE dossier_id = $d0")" "inconnue" \
	"hôte inconnu : rien déposé, le travail garde la raison"
is "$(find "$SRV" -mindepth 1 | wc -l)" 0 "hôte inconnu : le serveur n'a rien reçu"

C set "$c" depot_sftp_fingerprint "$FP"
out=$(C test "$c" 2>&1)
like "$out" "Connexion SFTP établie avec 127.0.0.1:$PORT \(clé du serveur $FPRE vérifiée\) : le répertoire « $SRV » contient 0 élément" \
	"Tester la connexion : connexion et liste du répertoire"

C set "$c" depot_sftp_fingerprint "$(ssh-keygen -l -E md5 -f "$T/hote.pub" | awk '{print $2}')"
like "$(C test "$c" 2>&1)" "Connexion SFTP établie" "empreinte MD5 (MD5:aa:bb:…) acceptée"
C set "$c" depot_sftp_fingerprint "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
like "$(C test "$c" 2>&1)" "ne correspond pas" "une autre empreinte : refusée"
C set "$c" depot_sftp_fingerprint "$FP"

# A directory per dossier, named by title; XML metadata; the marker.
sql -c "UPDATE liasse.job SET run_at = now() WHERE dossier_id = $d0" >/dev/null
D
like "$(histo "$d0")" "orientation,send-ged" "empreinte enregistrée : dépôt fait"
d1=$(new_pes "PES de janvier/février")
D
dir="$SRV/PES de janvier-février"
like "$(histo "$d1")" "orientation,send-ged" "dépôt SFTP : état « Verser à la GED »"
check "répertoire nommé d'après le titre (/ remplacé par -)" test -d "$dir"
check "le PES est déposé à l'identique" cmp -s "$PES" "$dir/depense_accents_latin1.xml"
like "$(cat "$dir/metadata.xml")" '<data name="objet" value="PES de janvier/février"/>' "métadonnées XML : valeurs"
like "$(cat "$dir/metadata.xml")" '<files name="fichier_pes"><file content="depense_accents_latin1.xml"/></files>' \
	"métadonnées XML : fichiers"
is "$(cat "$dir/fichier_termine.txt")" "Le transfert est terminé" "fichier de fin de transfert"
is "$(parts)" 0 "aucun nom provisoire (.part) ne reste sur le serveur"
if [ -f "$T/sftp.log" ]; then # (it writes é as \303\251)
N="PES de janvier-f[^/]*vrier"
like "$(cat "$T/sftp.log")" "rename old \"$SRV/.$N.part/depense_accents_latin1.xml.part\" new \"$SRV/.$N.part/depense_accents_latin1.xml\"" \
	"fichier écrit sous un nom provisoire puis renommé (journal du serveur)"
like "$(cat "$T/sftp.log")" "rename old \"$SRV/.$N.part\" new \"$SRV/$N\"" \
	"répertoire construit sous un nom provisoire puis renommé"
else
	skip "nom provisoire puis renommage, vu du serveur" "pas de /usr/lib/openssh/sftp-server"
fi
like "$(sql -c "SELECT message FROM liasse.dossier_etat WHERE dossier_id = $d1 AND etat = 'send-ged'")" \
	"Déposé dans sftp://127.0.0.1:$PORT$SRV/PES de janvier-février" "message : où le dépôt est fait"

# Name already on the server: error, then rename, then overwrite.
d2=$(new_pes "PES de janvier/février")
D
is "$(etat "$d2")" "error-ged" "nom déjà pris sur le serveur : Erreur de dépôt GED"
like "$(sql -c "SELECT message FROM liasse.dossier_etat WHERE dossier_id = $d2 AND etat = 'error-ged'")" \
	"existe déjà" "message : le nom existe déjà"
C set "$c" depot_existe_deja 2
d3=$(new_pes "PES de janvier/février")
D
like "$(histo "$d3")" "orientation,send-ged" "politique « renommer » : déposé"
is "$(ls -d "$SRV"/PES\ de\ janvier-février_* | wc -l)" 1 "répertoire renommé avec _<date>_<aléa>"
echo ancien >"$dir/depense_accents_latin1.xml"
C set "$c" depot_existe_deja 3
d4=$(new_pes "PES de janvier/février")
D
like "$(histo "$d4")" "orientation,send-ged" "politique « écraser » : déposé"
check "politique « écraser » : le fichier est remplacé" cmp -s "$PES" "$dir/depense_accents_latin1.xml"
is "$(ls -d "$SRV"/PES\ de\ janvier-février* | wc -l)" 2 "écraser : pas de nouveau répertoire"
is "$(parts)" 0 "écraser : aucun nom provisoire ne reste"

# A zip per dossier (JSON metadata inside), named by expression.
C set "$c" depot_type_depot 2; C set "$c" depot_existe_deja 1; C set "$c" depot_metadonnees 3
C set "$c" depot_titre_repertoire 2; C set "$c" depot_titre_expression "%cod_bud%-%objet%-%id%"
d5=$(new_pes "Mars")
D
z="$SRV/12-Mars-$d5.zip"
check "archive zip nommée par l'expression" test -f "$z"
like "$(zls "$z")" \
	"^depense_accents_latin1.xml metadata.json$" "le zip contient le PES et les métadonnées"
is "$(zcat1 "$z" depense_accents_latin1.xml | sha256sum)" \
	"$(sha256sum <"$PES")" "le PES du zip est intact"
like "$(zcat1 "$z" metadata.json | tr -d ' \n')" \
	'"objet":"Mars".*"fichier_pes":\["depense_accents_latin1.xml"\]' "métadonnées JSON dans le zip"
is "$(cat "$SRV/12-Mars-${d5}_fichier_termine.txt")" "Le transfert est terminé" "fin de transfert à côté du zip"
is "$(parts)" 0 "zip : aucun nom provisoire ne reste"

# Files at the root: a file already there is refused, nothing deposited.
C set "$c" depot_type_depot 3; C set "$c" depot_sftp_directory "$SRV/racine"
mkdir -p "$SRV/racine"
d6=$(new_pes "Avril")
D
check "fichiers à la racine" cmp -s "$PES" "$SRV/racine/depense_accents_latin1.xml"
check "métadonnées à la racine, par dossier" test -f "$SRV/racine/metadata_$d6.json"
check "fin de transfert à la racine, par dossier" test -f "$SRV/racine/fichier_termine_$d6.txt"
d7=$(new_pes "Mai")
D
is "$(etat "$d7")" "error-ged" "fichier déjà présent sur le serveur : erreur"
check_fails "rien d'autre déposé pour ce dossier" test -e "$SRV/racine/metadata_$d7.json"

# Another host key on the same address: refused.
C set "$c" depot_type_depot 1; C set "$c" depot_sftp_directory "$SRV"; C set "$c" depot_titre_repertoire 3
sshd_stop
sshd_start "$T/imposteur" || fail "sshd relancé avec une autre clé"
out=$(C test "$c" 2>&1)
like "$out" "ne correspond pas à l'empreinte enregistrée" "clé d'hôte différente : refusée, en français"
d8=$(new_pes "Juin")
D
check_fails "clé d'hôte différente : rien déposé" test -e "$SRV/$d8"
sshd_stop
sshd_start "$T/hote" || fail "sshd relancé"

# A key the server does not know.
C set "$c" depot_sftp_private_key --fichier "$T/autre"
like "$(C test "$c" 2>&1)" "a refusé la connexion de « root »" "clé client inconnue du serveur : refusée"
# A key protected by a passphrase.
ssh-keygen -q -t ed25519 -N 'phrase secrète' -C phrase -f "$T/phrase" && cat "$T/phrase.pub" >>"$T/authorized_keys"
C set "$c" depot_sftp_private_key --fichier "$T/phrase"
C set "$c" depot_sftp_private_key_password 'mauvaise phrase'
like "$(C test "$c" 2>&1)" "a refusé la connexion de « root »" "mauvaise phrase de passe : refusée"
C set "$c" depot_sftp_private_key_password 'phrase secrète'
like "$(C test "$c" 2>&1)" "Connexion SFTP établie" "clé protégée par une phrase de passe"
C set "$c" depot_sftp_private_key --fichier "$T/cle"; C set "$c" depot_sftp_private_key_password --vide
like "$(C test "$c" 2>&1)" "Connexion SFTP établie" "la bonne clé à nouveau"

# Password authentication, for a dedicated account (created for the test).
if useradd -M -d "$SRV" -s /bin/sh "liassesftp$$" 2>/dev/null; then
	U=liassesftp$$
	PW=$(openssl rand -hex 12)
	printf '%s:%s\n' "$U" "$PW" | chpasswd
	mkdir -p "$SRV/mdp" && chown "$U" "$SRV/mdp"
	p=$(C create --entite "$ENT_A" --type depot-sftp "GED SFTP par mot de passe")
	C set "$p" depot_sftp_host 127.0.0.1 && C set "$p" depot_sftp_port "$PORT" && C set "$p" depot_sftp_login "$U" &&
	C set "$p" depot_sftp_fingerprint "$(cat "$T/hote.pub")" && C set "$p" depot_sftp_directory "$SRV/mdp" &&
	C set "$p" depot_sftp_password "faux$PW" || fail "connecteur par mot de passe"
	like "$(C test "$p" 2>&1)" "a refusé la connexion de « $U »" "mauvais mot de passe : refusé"
	C set "$p" depot_sftp_password "$PW"
	like "$(C test "$p" 2>&1)" "Connexion SFTP établie" "mot de passe : connexion (empreinte donnée par la clé publique du serveur)"
	C associate --entite "$ENT_A" --type-dossier helios-generique --famille GED "$p" >/dev/null
	dp=$(new_pes "Par mot de passe")
	D
	check "mot de passe : dossier déposé" cmp -s "$PES" "$SRV/mdp/Par mot de passe/depense_accents_latin1.xml"
	is "$(stat -c %U "$SRV/mdp/Par mot de passe/depense_accents_latin1.xml")" "$U" "déposé au nom du compte SFTP"
	userdel "$U" 2>/dev/null && U=
	C associate --entite "$ENT_A" --type-dossier helios-generique --famille GED "$c" >/dev/null
else
	skip "authentification par mot de passe" "useradd impossible"
fi

# Quotes, a backslash and accents in a name: quoted for the server's commands.
C set "$c" depot_titre_repertoire 1
dq=$(new_pes 'Budget "annexe" l'\''été \ 2026')
D
check "nom avec guillemets, apostrophe, accents et \\" \
	cmp -s "$PES" "$SRV/Budget \"annexe\" l'été - 2026/depense_accents_latin1.xml"
is "$(parts)" 0 "aucun nom provisoire ne reste"

# The server down: retried per the frequency, then the error state.
sql -c "INSERT INTO liasse.frequence (connecteur_id, expression) VALUES ($c, '1 X 2')" >/dev/null
sshd_stop
d9=$(new_pes "Juillet")
D
is "$(sql -c "SELECT nb_try FROM liasse.job WHERE dossier_id = $d9")" 1 "serveur arrêté : un essai compté"
like "$(sql -c "SELECT last_message FROM liasse.job WHERE dossier_id = $d9")" \
	"Connexion impossible au serveur SFTP 127.0.0.1:$PORT" "serveur arrêté : la raison est sur le travail"
is "$(etat "$d9")" "orientation" "serveur arrêté : le dossier attend"
sql -c "UPDATE liasse.job SET run_at = now() WHERE dossier_id = $d9" >/dev/null
D
is "$(sql -c "SELECT nb_try FROM liasse.job WHERE dossier_id = $d9")" 2 "essai 2"
sql -c "UPDATE liasse.job SET run_at = now() WHERE dossier_id = $d9" >/dev/null
D
is "$(etat "$d9")" "error-ged" "essais épuisés : Erreur de dépôt GED"
like "$(sql -c "SELECT message FROM liasse.dossier_etat WHERE dossier_id = $d9 AND etat = 'error-ged'")" \
	"Connexion impossible" "la dernière erreur est dans l'historique"
like "$(C test "$c" 2>&1)" "Connexion impossible au serveur SFTP.*curl 7" "Tester la connexion : serveur arrêté, avec le détail"
