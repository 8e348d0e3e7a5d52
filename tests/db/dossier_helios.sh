# helios-generique through SQL and the CLI as real agents: main path with
# the daemon's steps, error branches, history, consultation journal, RLS.
. tests/lib/tap.sh
. tests/lib/dossier.sh
dossier_setup dhel || { fail "préparation"; exit 1; }
PES=$SHARED/samples/pes/aller/depense_accents_latin1.xml

id=$(L "$UA" dossier create --entite "$ENT_A" --type helios-generique --titre "PES janvier")
like "$id" '^[0-9]+$' "création par l'agent de A"
is "$(dsql "$UA" "SELECT etat || '|' || titre || '|' || version FROM dossier WHERE id = $id")" "creation|PES janvier|1" "état Créé, titre, version 1"
is "$(dsql "$UA" "SELECT etat_label || '|' || utilisateur FROM dossier_historique($id)")" "Créé|$UA" "historique : Créé par l'agent"

# Rights and visibility.
is "$(dsql "$UB" "SELECT count(*) FROM dossier WHERE id = $id")" 0 "l'agent de B ne voit pas le dossier de A"
out=$(dsql "$UB" "SELECT dossier_detail($id)" 2>&1)
like "$out" "Dossier $id introuvable" "détail refusé à B : introuvable"
out=$(dsql "$UB" "SELECT dossier_set($id, NULL, '{\"objet\":\"pirate\"}')" 2>&1)
like "$out" "introuvable" "modification refusée à B"
out=$(dsql "$UC" "SELECT dossier_set($id, NULL, '{\"objet\":\"x\"}')" 2>&1)
like "$out" "Droit « helios-generique:edition » manquant" "consultation seule : droit d'édition manquant"
out=$(L "$UB" dossier create --entite "$ENT_A" --type helios-generique 2>&1); rc=$?
is "$rc" 1 "création sur A par B : code 1"
is "$(dsql "$US" "SELECT count(*) FROM dossier WHERE id = $id")" 1 "l'agent du syndicat voit le dossier de la commune"
out=$(L "$UA" dossier create --entite "$ENT_S" --type nexiste-pas 2>&1)
like "$out" "Type de dossier inconnu" "type inconnu refusé"

# First consultation journaled once.
dsql "$UA" "SELECT dossier_detail($id)" >/dev/null
dsql "$UA" "SELECT dossier_detail($id)" >/dev/null
is "$(sql -c "SELECT count(*) FROM liasse.journal WHERE dossier_id = $id AND type = 7 AND utilisateur = '$UA'")" 1 "une seule ligne de consultation (type 7) pour deux lectures"
dsql "$US" "SELECT dossier_detail($id)" >/dev/null
is "$(sql -c "SELECT count(*) FROM liasse.journal WHERE dossier_id = $id AND type = 7")" 2 "la première consultation d'un autre agent est journalisée"

# Field validation.
out=$(L "$UA" dossier set "$id" "objet=Coût de l'œuvre" 2>&1); rc=$?
is "$rc" 1 "objet avec œ : code 1"
like "$out" "caractère interdit : « œ »" "objet avec œ : message clair"
out=$(L "$UA" dossier set "$id" "objet=Prix 10 €" 2>&1)
like "$out" "caractère interdit : « € »" "objet avec € refusé"
out=$(L "$UA" dossier set "$id" "objet=Ligne ő" 2>&1)
like "$out" "ISO-8859-1" "caractère hors ISO-8859-1 refusé"
long=$(printf 'é%.0s' $(seq 257))
out=$(L "$UA" dossier set "$id" "objet=$long" 2>&1)
like "$out" "limité à 256 caractères \(257 saisis\)" "257 caractères refusés (comptés en caractères)"
ok256=$(printf 'é%.0s' $(seq 256))
out=$(L "$UA" dossier set "$id" "objet=$ok256" 2>&1)
like "$out" "version: 2" "256 caractères acceptés"
out=$(L "$UA" dossier set "$id" "nb_bordereaux=3" 2>&1)
like "$out" "lecture seule" "champ extrait du PES en lecture seule"
out=$(L "$UA" dossier set "$id" "inconnu=1" 2>&1)
like "$out" "Champ inconnu" "champ inconnu refusé"
is "$(dsql "$UA" "SELECT etat || '|' || version FROM dossier WHERE id = $id")" "modification|2" "rien d'enregistré par les refus, état En cours de rédaction"

# Optimistic locking: stale version names the other user.
L "$US" dossier set "$id" "objet=PES janvier bis" --version 2 >/dev/null
out=$(L "$UA" dossier set "$id" "objet=Ma version" --version 2 2>&1); rc=$?
is "$rc" 1 "version périmée : code 1"
like "$out" "Ce dossier a été modifié par $US le [0-9/]+ à [0-9:]+" "version périmée : « modifié par » l'autre agent"
is "$(dsql "$UA" "SELECT titre FROM dossier WHERE id = $id")" "PES janvier bis" "la modification concurrente n'est pas écrasée"

# Wrong state / missing file / system actions.
L "$UA" dossier set "$id" envoi_tdt=on >/dev/null
out=$(L "$UA" dossier action "$id" orientation 2>&1)
like "$out" "Fichier PES" "cheminement refusé sans fichier PES obligatoire"
out=$(L "$UA" dossier action "$id" send-tdt 2>&1)
like "$out" "réservée au traitement automatique" "action système refusée à l'agent"
out=$(L "$UA" dossier action "$id" acquiter-inexistante 2>&1)
like "$out" "inconnue" "action inconnue"

# Non-PES file refused, nothing stored.
printf '%%PDF-1.4\n%%fin\n' >"$TEST_TMP/x.pdf"
out=$(L "$UA" dossier attach "$id" fichier_pes "$TEST_TMP/x.pdf" 2>&1); rc=$?
is "$rc" 1 "un PDF comme fichier PES : code 1"
like "$out" "XML|PES" "un PDF comme fichier PES : message"
is "$(dsql "$UA" "SELECT count(*) FROM fichier WHERE dossier_id = $id")" 0 "rien n'est stocké"

# The PES: attached and its information extracted.
out=$(L "$UA" dossier attach "$id" fichier_pes "$PES" 2>&1)
like "$out" "mime: application/xml" "PES joint, type XML reconnu au contenu"
is "$(dsql "$UA" "SELECT string_agg(champ || '=' || valeur, ' ' ORDER BY champ) FROM dossier_valeur WHERE dossier_id = $id AND champ IN ('id_coll','cod_bud','nb_bordereaux','type_pes')")" \
   "cod_bud=12 id_coll=12345678912345 nb_bordereaux=1 type_pes=depense" "informations PES extraites dans les champs"
is "$(dsql "$UA" "SELECT valeur FROM dossier_index WHERE dossier_id = $id AND champ = 'libelle_col_bud'")" "Test é(-è_çà)=" "LibelleColBud accentué indexé"

# Main path: orientation → send-tdt (daemon) → verif-tdt → info-tdt → ... → termine.
v=$(dsql "$UA" "SELECT version FROM dossier WHERE id = $id")
out=$(L "$UA" dossier action "$id" orientation --version "$v" --message "Envoi")
like "$out" "etat: orientation" "cheminement lancé"
is "$(dsql "$UA" "SELECT string_agg(action, ',') FROM job WHERE dossier_id = $id")" "send-tdt" "tâche send-tdt programmée pour le démon"
out=$(dsql "$UA" "SELECT * FROM dossier_action($id, 'send-tdt')" 2>&1)
like "$out" "réservée" "l'agent ne peut pas lancer send-tdt lui-même"
sys "SELECT etat FROM dossier_action($id, 'send-tdt')" >/dev/null
is "$(dsql "$UA" "SELECT etat || '|' || (SELECT string_agg(action, ',') FROM job WHERE dossier_id = $id) FROM dossier WHERE id = $id")" "send-tdt|verif-tdt" "Transmis au TdT, vérification programmée"
sys "SELECT etat FROM dossier_action($id, 'verif-tdt')" >/dev/null
sys "SELECT etat FROM dossier_action($id, 'info-tdt')" >/dev/null
is "$(dsql "$UA" "SELECT string_agg(action, ',') FROM job WHERE dossier_id = $id")" "orientation" "après la réponse PES, orientation automatique"
n=$(sys "SELECT job_run_local($id)")
is "$(dsql "$UA" "SELECT etat FROM dossier WHERE id = $id")" "termine" "orientation puis Traitement terminé ($n étapes locales)"
hist=$(dsql "$UA" "SELECT string_agg(etat, ',') FROM dossier_historique($id)")
is "$hist" "creation,modification,orientation,send-tdt,verif-tdt,info-tdt,orientation,termine" "historique complet des états"
is "$(dsql "$UA" "SELECT utilisateur FROM dossier_historique($id) WHERE etat = 'send-tdt'")" "Action automatique" "les étapes du démon : « Action automatique »"
is "$(dsql "$UA" "SELECT etat_label FROM dossier_historique($id) WHERE etat = 'info-tdt'")" "Un fichier de réponse PES est disponible" "libellé PASTELL de info-tdt"
is "$(dsql "$UA" "SELECT message FROM dossier_historique($id) WHERE etat = 'orientation' LIMIT 1")" "Envoi" "message de l'agent dans l'historique"
jr=$(sql -c "SELECT count(*) FROM liasse.journal WHERE dossier_id = $id AND type = 1 AND action IN ('send-tdt','verif-tdt','info-tdt','termine')")
is "$jr" 4 "chaque action est journalisée"
out=$(L "$UA" dossier set "$id" "objet=Trop tard" 2>&1)
like "$out" "ne peut pas être modifié dans l'état « Traitement terminé »" "plus de modification une fois terminé"

# Suppression keeps the journal.
id2=$(L "$UA" dossier create --entite "$ENT_A" --type helios-generique --titre "À supprimer")
out=$(L "$UA" dossier action "$id2" supression 2>&1)
like "$out" "etat: supression" "suppression d'un dossier Créé"
is "$(sql -c "SELECT count(*) FROM liasse.dossier WHERE id = $id2")" 0 "dossier supprimé"
is "$(sql -c "SELECT count(*) FROM liasse.journal WHERE dossier_id = $id2 AND action = 'supression'")" 1 "le journal garde la suppression"

# fatal-error cancels pending jobs.
id3=$(L "$UA" dossier create --entite "$ENT_A" --type helios-generique --titre "Erreur")
sql -c "INSERT INTO liasse.job (entite_id, type, dossier_id, action, created_by) VALUES ($ENT_A, 'helios-generique', $id3, 'orientation', 't')"
L "$UA" dossier action "$id3" fatal-error >/dev/null
is "$(sql -c "SELECT count(*) FROM liasse.job WHERE dossier_id = $id3")" 0 "Erreur fatale : tâches en attente annulées"

# NOTIFY on state change.
( psql -X -q -At -U "$UA" -d "$DB" -c "LISTEN liasse_dossier" -c "SELECT pg_sleep(2)" -c "SELECT 1" >"$TEST_TMP/notify.out" 2>&1 ) &
sleep 0.7
L "$UA" dossier set "$id3" "objet=Notifié" >/dev/null 2>&1 || dsql "$UA" "SELECT 1" >/dev/null
id4=$(L "$UA" dossier create --entite "$ENT_A" --type helios-generique --titre "Notif")
wait
like "$(cat "$TEST_TMP/notify.out")" "liasse_dossier.*$ENT_A:$id4:creation" "NOTIFY liasse_dossier « entité:dossier:état »"
