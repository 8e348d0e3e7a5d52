# Files (streamed, SHA-256 round trip of ~20 MB, content type from the
# content, per-type rules), two sessions acting at once, and the other
# shipped types: actes-generique, document-a-signer, pdf-generique,
# mailsec-bidir; batch actions; explicit migration of a type version.
. tests/lib/tap.sh
. tests/lib/dossier.sh
dossier_setup dfil || { fail "préparation"; exit 1; }

# ~20 MB PDF, streamed in and out.
big=$TEST_TMP/gros.pdf
{ printf '%%PDF-1.7\n'; head -c 20000000 /dev/urandom; } >"$big"
id=$(L "$UA" dossier create --entite "$ENT_A" --type pdf-generique --titre "Gros document")
out=$(/usr/bin/time -f 'rss=%M' "$LIASSE" --db "dbname=$DB" dossier attach "$id" document "$big" 2>&1 >"$TEST_TMP/attach.out" | tail -1)
PGUSER=$UA true
res=$(cat "$TEST_TMP/attach.out")
like "$res" "mime: application/pdf" "20 Mo joints, type PDF reconnu au contenu"
like "$res" "taille: 20000009" "taille exacte enregistrée"
rss=${out#rss=}
if [ "${rss:-999999}" -lt 40000 ]; then ok "envoi en flux : mémoire bornée (${rss} Ko)"; else fail "envoi en flux : mémoire ${rss} Ko"; fi
is "$(sql -c "SELECT count(*) FROM liasse.fichier_bloc b JOIN liasse.fichier f ON f.id = b.fichier_id WHERE f.dossier_id = $id")" 20 "stocké en blocs de 1 Mio"
L "$UA" dossier get "$id" document "$TEST_TMP/retour.pdf" >"$TEST_TMP/get.out"
is "$(sha256sum <"$TEST_TMP/retour.pdf" | cut -d' ' -f1)" "$(sha256sum <"$big" | cut -d' ' -f1)" "aller-retour : SHA-256 identiques"
like "$(cat "$TEST_TMP/get.out")" "sha256: $(sha256sum <"$big" | cut -d' ' -f1)" "SHA-256 annoncé = celui du fichier"
is "$(sql -c "SELECT sha256 FROM liasse.fichier WHERE dossier_id = $id")" "$(sha256sum <"$big" | cut -d' ' -f1)" "SHA-256 stocké"

# Content type from the content, not the name.
printf '\x89PNG\r\n\x1a\nxxxxxxxx' >"$TEST_TMP/image.pdf"
out=$(L "$UA" dossier attach "$id" document "$TEST_TMP/image.pdf" 2>&1); rc=$?
is "$rc" 1 "une image PNG nommée .pdf : refusée"
like "$out" "est de type image/png ; le champ « .* » accepte : application/pdf" "message : type réel et types admis"
is "$(sql -c "SELECT nom FROM liasse.fichier WHERE dossier_id = $id AND complet")" "gros.pdf" "le fichier précédent est intact"
: >"$TEST_TMP/vide.pdf"
out=$(L "$UA" dossier attach "$id" document "$TEST_TMP/vide.pdf" 2>&1)
like "$out" "est vide" "fichier vide refusé"
out=$(L "$UA" dossier attach "$id" document "$TEST_TMP/absent.pdf" 2>&1)
like "$out" "Impossible d'ouvrir" "fichier absent : message clair"
printf '%%PDF-1.4 annexe\n' >"$TEST_TMP/a1.pdf"
L "$UA" dossier attach "$id" annexe "$TEST_TMP/a1.pdf" >/dev/null
L "$UA" dossier attach "$id" annexe "$TEST_TMP/a1.pdf" --nom deuxieme.pdf >/dev/null
is "$(sql -c "SELECT string_agg(n || ':' || nom, ' ' ORDER BY n) FROM liasse.fichier WHERE dossier_id = $id AND champ = 'annexe'")" "0:a1.pdf 1:deuxieme.pdf" "champ multiple : fichiers numérotés"
L "$UA" dossier detach "$id" annexe 0 >/dev/null
is "$(sql -c "SELECT string_agg(nom, ' ') FROM liasse.fichier WHERE dossier_id = $id AND champ = 'annexe'")" "deuxieme.pdf" "retrait d'un fichier"
out=$(L "$UB" dossier get "$id" document "$TEST_TMP/vol.pdf" 2>&1); rc=$?
is "$rc" 1 "B ne peut pas télécharger le fichier de A"
[ -e "$TEST_TMP/vol.pdf" ] && fail "aucun fichier écrit pour B" || ok "aucun fichier écrit pour B"

# Actes: numéro unique per collectivité, date not in the future, XML acte rule.
a1=$(L "$UA" dossier create --entite "$ENT_A" --type actes-generique --titre "Délibération 1")
a2=$(L "$UA" dossier create --entite "$ENT_A" --type actes-generique --titre "Délibération 2")
b1=$(L "$UB" dossier create --entite "$ENT_B" --type actes-generique --titre "Délibération B")
L "$UA" dossier set "$a1" numero_de_lacte=DEL2026_001 >/dev/null
out=$(L "$UA" dossier set "$a2" numero_de_lacte=DEL2026_001 2>&1)
like "$out" "numéro d'acte « DEL2026_001 » est déjà utilisé par le dossier $a1" "numéro d'acte unique dans la collectivité"
out=$(L "$UB" dossier set "$b1" numero_de_lacte=DEL2026_001 2>&1)
like "$out" "version" "le même numéro dans une autre collectivité est accepté"
out=$(L "$UA" dossier set "$a2" numero_de_lacte=del-1 2>&1)
like "$out" "majuscules sans accent" "numéro hors règle S2LOW refusé"
out=$(L "$UA" dossier set "$a2" date_de_lacte=2999-01-01 2>&1)
like "$out" "futur" "date de l'acte dans le futur refusée"
out=$(L "$UA" dossier set "$a2" date_de_lacte=2026-02-30 2>&1)
like "$out" "n'existe pas" "date impossible refusée"
# "Today" is the date in Paris whatever the session's time zone: UTC-11
# is a day behind Paris until noon, UTC+14 a day ahead from about 10:00,
# so between them every hour of the day checks both sides.
paris="(now() AT TIME ZONE 'Europe/Paris')::date"
champ="(SELECT f FROM liasse.dossier_type_version v, jsonb_array_elements(v.definition->'fields') f
	WHERE v.type = 'actes-generique' AND f->>'id' = 'date_de_lacte' ORDER BY v.version DESC LIMIT 1)"
for tz in Pacific/Pago_Pago Pacific/Kiritimati; do
	is "$(sql -c "SET timezone = '$tz'" -c "SELECT coalesce(liasse.field_value_error($champ, $paris::text), 'acceptée')")" \
		"acceptée" "session en $tz : la date du jour à Paris est acceptée"
	like "$(sql -c "SET timezone = '$tz'" -c "SELECT liasse.field_value_error($champ, ($paris + 1)::text)")" \
		"futur" "session en $tz : le lendemain à Paris est dans le futur"
	dj=$(sys "SET timezone = '$tz'; SELECT dossier_create($ENT_A, 'actes-generique', 'Date du jour')")
	is "$(sys "SELECT valeur = $paris::text FROM dossier_valeur WHERE dossier_id = $dj AND champ = 'date_de_lacte'")" \
		"t" "session en $tz : une date « today » par défaut est celle de Paris"
done
out=$(L "$UA" dossier set "$a2" "objet=Ligne 1
Ligne 2" 2>&1)
like "$out" "retour à la ligne" "objet sur deux lignes refusé"
out=$(L "$UA" dossier set "$a2" acte_nature=9 2>&1)
like "$out" "non autorisée" "nature hors liste refusée"
printf '<?xml version="1.0"?>\n<budget/>\n' >"$TEST_TMP/acte.xml"
L "$UA" dossier set "$a2" acte_nature=1 >/dev/null
out=$(L "$UA" dossier attach "$a2" arrete "$TEST_TMP/acte.xml" 2>&1)
like "$out" "XML n'est admis que pour un document budgétaire" "acte XML refusé hors nature 5 / 7.1"
L "$UA" dossier set "$a2" acte_nature=5 classification=7.1 >/dev/null
out=$(L "$UA" dossier attach "$a2" arrete "$TEST_TMP/acte.xml" 2>&1)
like "$out" "mime: application/xml" "acte XML admis en nature 5 classée 7.1"
L "$UA" dossier set "$a1" acte_nature=1 date_de_lacte=2026-01-15 classification=1.1 type_acte=99_DE envoi_tdt=on "objet=Délibération 1" >/dev/null
printf '%%PDF-1.4 acte\n' >"$TEST_TMP/acte.pdf"
L "$UA" dossier attach "$a1" arrete "$TEST_TMP/acte.pdf" >/dev/null
L "$UA" dossier set "$a1" vote_effectif=10 vote_reel=12 >/dev/null
out=$(L "$UA" dossier action "$a1" orientation 2>&1)
like "$out" "plus de votants" "contrôle des votes (votants > membres) refusé"
L "$UA" dossier set "$a1" vote_reel=9 vote_pour=5 vote_contre=3 vote_abstention=1 >/dev/null
out=$(L "$UA" dossier action "$a1" orientation 2>&1)
like "$out" "etat: orientation" "acte valide : cheminement lancé"
is "$(sql -c "SELECT action FROM liasse.job WHERE dossier_id = $a1")" "send-tdt" "actes : transmission au TdT programmée"
sys "SELECT etat FROM dossier_action($a1, 'send-tdt')" >/dev/null
sys "SELECT etat FROM dossier_action($a1, 'verif-tdt')" >/dev/null
sys "SELECT etat FROM dossier_action($a1, 'acquiter-tdt')" >/dev/null
is "$(dsql "$UA" "SELECT string_agg(etat || ':' || etat_label, ',') FROM dossier_historique($a1) WHERE etat NOT IN ('creation','modification')")" \
   "orientation:Orientation,send-tdt:Transmis au TdT,verif-tdt:Vérification de la transmission,acquiter-tdt:Acquittement reçu" "actes : historique jusqu'à « Acquittement reçu »"
out=$(L "$UA" dossier set "$a1" acte_publication_date=2026-01-20 2>&1)
like "$out" "version" "date de publication modifiable après l'acquittement (PASTELL #1767)"
is "$(dsql "$UA" "SELECT etat FROM dossier WHERE id = $a1")" "acquiter-tdt" "et l'état est conservé"
out=$(L "$UA" dossier set "$a1" "objet=Autre" 2>&1)
like "$out" "seuls ces champs sont modifiables|ne peut pas être modifié" "les autres champs restent figés"

# Two sessions at once: one wins, the other gets the conflict.
v=$(dsql "$UA" "SELECT version FROM dossier WHERE id = $a2")
for u in "$UA" "$US"; do
	( sql_as "$u" -c "BEGIN" -c "SELECT liasse.dossier_set($a2, $v, '{\"iparapheur_sous_type\":\"par $u\"}')" \
		-c "SELECT pg_sleep(1)" -c "COMMIT" >"$TEST_TMP/conc.$u" 2>&1; echo $? >>"$TEST_TMP/conc.$u" ) &
done
wait
okc=0; conf=""
for u in "$UA" "$US"; do
	if tail -1 "$TEST_TMP/conc.$u" | grep -q '^0$'; then okc=$((okc + 1)); winner=$u; else conf=$(cat "$TEST_TMP/conc.$u"); fi
done
is "$okc" 1 "deux sessions en même temps : une seule réussit"
like "$conf" "Ce dossier a été modifié par $winner" "l'autre reçoit « modifié par » le gagnant"
is "$(dsql "$UA" "SELECT valeur FROM dossier_valeur WHERE dossier_id = $a2 AND champ = 'iparapheur_sous_type'")" "par $winner" "la valeur du gagnant est gardée"

# document-a-signer: path to the parapheur (connector) and its return.
ds=$(L "$UA" dossier create --entite "$ENT_A" --type document-a-signer --titre "Convention")
L "$UA" dossier set "$ds" iparapheur_sous_type=Convention >/dev/null
printf '%%PDF-1.4 doc\n' >"$TEST_TMP/doc.pdf"
L "$UA" dossier attach "$ds" document "$TEST_TMP/doc.pdf" >/dev/null
out=$(L "$UA" dossier action "$ds" orientation 2>&1)
like "$out" "etat: orientation" "document à signer : cheminement"
is "$(sql -c "SELECT action FROM liasse.job WHERE dossier_id = $ds")" "send-iparapheur" "envoi au parapheur programmé"
sys "SELECT etat FROM dossier_action($ds, 'send-iparapheur')" >/dev/null
sys "SELECT etat FROM dossier_action($ds, 'verif-iparapheur')" >/dev/null
sys "SELECT etat FROM dossier_action($ds, 'recu-iparapheur')" >/dev/null
is "$(sql -c "SELECT count(*) FROM liasse.job WHERE dossier_id = $ds")" 0 "sans envoi automatique, pas d'orientation programmée"
L "$UA" dossier action "$ds" orientation >/dev/null
sys "SELECT job_run_local($ds)" >/dev/null
is "$(dsql "$UA" "SELECT string_agg(etat, ',') FROM dossier_historique($ds)")" \
   "creation,modification,orientation,send-iparapheur,verif-iparapheur,recu-iparapheur,orientation,termine" "document à signer : historique jusqu'à Traitement terminé"

# mailsec-bidir: passwords must match, envoi-mail is a connector action.
ms=$(L "$UA" dossier create --entite "$ENT_A" --type mailsec-bidir --titre "Convocation du conseil")
h1='pbkdf2-sha256$100000$0123456789abcdef0123456789abcdef$'$(printf 'a%.0s' $(seq 64))
h2='pbkdf2-sha256$100000$0123456789abcdef0123456789abcdef$'$(printf 'b%.0s' $(seq 64))
out=$(L "$UA" dossier set "$ms" "to=maire@example.org, groupe: \"Élus\"" "password=$h1" "password2=$h2" 2>&1)
like "$out" "version" "destinataires et groupes acceptés"
out=$(L "$UA" dossier set "$ms" "to=pas une adresse" 2>&1)
like "$out" "ni une adresse" "destinataire invalide refusé"
out=$(L "$UA" dossier action "$ms" envoi-mail 2>&1)
like "$out" "mot de passe|Mot de passe|identiques|confirmation" "mots de passe différents : envoi refusé"
L "$UA" dossier set "$ms" "password2=$h1" >/dev/null
like "$(L "$UA" dossier show "$ms")" "valeur: password=\*\*\*\*\*\*\*\*" "le mot de passe n'est jamais relu"
out=$(L "$UA" dossier action "$ms" envoi-mail 2>&1)
like "$out" "programme: envoi-mail" "envoi du mail programmé pour le démon"
out=$(L "$UA" dossier action "$ms" envoi-mail 2>&1)
like "$out" "déjà programmée" "pas deux fois la même action programmée"
sys "SELECT etat FROM dossier_action($ms, 'envoi-mail')" >/dev/null
sys "SELECT etat FROM dossier_action($ms, 'reception-partielle')" >/dev/null
is "$(dsql "$UA" "SELECT string_agg(etat || ':' || etat_label, ',') FROM dossier_historique($ms)")" \
   "creation:Créé,modification:En cours de rédaction,envoi-mail:Mail envoyé,reception-partielle:Reçu partiellement" "mailsec : historique jusqu'à « Reçu partiellement »"

# Batch: intersection of the possible actions, then per-dossier results.
p1=$(L "$UA" dossier create --entite "$ENT_A" --type pdf-generique --titre "Lot 1")
p2=$(L "$UA" dossier create --entite "$ENT_A" --type pdf-generique --titre "Lot 2")
out=$(L "$UA" dossier batch orientation "$p1" "$p2" 2>&1); rc=$?
is "$rc" 1 "lot avec des échecs : code 1"
like "$out" "$p1	échec	.*obligatoire" "résultat par dossier, avec la raison"
L "$UA" dossier set "$p1" iparapheur_sous_type=X "to=a@example.org" >/dev/null
L "$UA" dossier attach "$p1" document "$TEST_TMP/doc.pdf" >/dev/null
out=$(L "$UA" dossier batch --actions "$p1")
like "$out" "^orientation	" "actions possibles sur un dossier valide"
out=$(L "$UA" dossier batch --actions "$p1" "$p2")
if printf '%s\n' "$out" | grep -qE '^(orientation|modification)'; then fail "intersection : rien que l'un des dossiers ne permet"; else ok "intersection : rien que l'un des dossiers ne permet"; fi
out=$(L "$UA" dossier batch orientation "$p1" "$p2" 2>&1)
like "$out" "$p1	ok	orientation" "le dossier valide avance"
is "$(sql -c "SELECT count(*) FROM liasse.journal WHERE type = 10 AND dossier_id = $p1")" 1 "lot journalisé (type 10)"
is "$(dsql "$UA" "SELECT etat FROM dossier WHERE id = $p2")" "creation" "l'échec d'un dossier n'annule pas les autres"

# A new version of a type: dossiers keep theirs until migrated.
sql -c "SELECT liasse.type_register('pdf-generique', 'test-v2', definition || '{\"name\":\"PDF v2\"}') FROM liasse.dossier_type WHERE type = 'pdf-generique'" >/dev/null
is "$(dsql "$UA" "SELECT type_version FROM dossier WHERE id = $p2")" 1 "le dossier garde sa version de définition"
p3=$(L "$UA" dossier create --entite "$ENT_A" --type pdf-generique --titre "Après")
is "$(dsql "$UA" "SELECT type_version FROM dossier WHERE id = $p3")" 2 "un nouveau dossier prend la dernière version"
out=$(L "$UA" dossier migrate "$p2")
like "$out" "version: " "migration explicite"
is "$(dsql "$UA" "SELECT type_version FROM dossier WHERE id = $p2")" 2 "le dossier migré utilise la version 2"
out=$(L "$UA" dossier migrate "$p2" 2>&1)
like "$out" "déjà la dernière version" "migrer deux fois : message clair"
n1=$(sql -c "SELECT count(*) FROM liasse.dossier_type_version")
others=$(sql -c "SELECT string_agg(type || ':' || version, ',' ORDER BY type, version) FROM liasse.dossier_type_version WHERE type <> 'pdf-generique'")
"$LIASSE" --db "dbname=$DB" db migrate >/dev/null
is "$(sql -c "SELECT string_agg(type || ':' || version, ',' ORDER BY type, version) FROM liasse.dossier_type_version WHERE type <> 'pdf-generique'")" "$others" "db migrate : rien de nouveau pour les types inchangés"
is "$(sql -c "SELECT count(*) FROM liasse.dossier_type_version")" "$((n1 + 1))" "db migrate recharge pdf-generique (empreinte différente) en version 3"

# CLI usage errors: exit 2.
L "$UA" dossier >/dev/null 2>&1; is "$?" 2 "sans sous-commande : code 2"
L "$UA" dossier show abc >/dev/null 2>&1; is "$?" 2 "identifiant invalide : code 2"
L "$UA" dossier create --type pdf-generique >/dev/null 2>&1; is "$?" 2 "create sans entité : code 2"
