# Journal des événements: append-only for every application role, hash
# chain checked by `liasse journal verify`, tampering by the table owner
# detected at the right row, concurrent appends keep one chain.
. tests/lib/tap.sh

newdb jrn || { fail "création de la base"; exit 1; }
L() { "$LIASSE" --db "dbname=${DB}" "$@"; }

ent=$(L entite create --parent 1 --type collectivite "Commune J")
other=$(L entite create --parent 1 --type collectivite "Commune K")
sql -c "SELECT liasse.journal_append(1, $ent, g, 'modification', 'Dossier ' || g || E' : « titre », tab\t, ligne\nsuivante, \\\\ fin') FROM generate_series(1, 25) g" >/dev/null
sql -c "SELECT liasse.journal_append(13, NULL, NULL, 'test', '')" >/dev/null
n=$(sql -c "SELECT count(*) FROM liasse.journal")
is "$n" 28 "28 événements (2 créations d'entités, 26 ajouts)"
is "$(sql -c "SELECT count(*) FROM (SELECT id, row_number() OVER (ORDER BY id) rn FROM liasse.journal) t WHERE id <> rn")" 0 \
	"identifiants consécutifs à partir de 1"
out=$(L journal verify); rc=$?
is "$rc" 0 "journal intact : code 0"
like "$out" '^Journal intact : 28 ligne\(s\) vérifiée\(s\), de 1 à 28' "verify compte les lignes"
head=$(sql -c "SELECT encode(hash, 'hex') FROM liasse.journal WHERE id = 28")
like "$out" "$head" "verify affiche l'empreinte de la dernière ligne"
out=$(L journal verify --from 20)
like "$out" '9 ligne\(s\) vérifiée\(s\), de 20 à 28' "verify --from"

# SQL and C serialise the same way (the unit test pins the C side).
c=$(sql -c "SELECT liasse.journal_canonical(ROW(5, '2026-01-02 04:04:05.000006+01', 1, NULL, 'marie', 42, 'cree', E'a,b\"c\\\\dé', '\\x00'::bytea, NULL)::liasse.journal)")
is "$c" 'J11:5,27:2026-01-02T03:04:05.000006Z,1:1,-,5:marie,2:42,4:cree,9:a,b"c\dé,' "sérialisation canonique en SQL"

# Application roles cannot change it.
sql -c "SELECT liasse.create_user('jrn_agent', NULL, 'Agent', 'J', NULL, $ent)" >/dev/null
sql -c "SELECT liasse.grant_role(liasse.utilisateur_id('jrn_agent'), 'agent-collectivite', $ent)" >/dev/null
for stmt in "UPDATE liasse.journal SET message = 'x' WHERE id = 3" \
	    "DELETE FROM liasse.journal WHERE id = 3" \
	    "TRUNCATE liasse.journal" \
	    "INSERT INTO liasse.journal SELECT * FROM liasse.journal WHERE id = 3" \
	    "UPDATE liasse.journal_head SET last_id = 1"; do
	out=$(sql_as jrn_agent -c "$stmt" 2>&1)
	like "$out" 'permission denied' "agent : « $stmt » refusé"
done
out=$(sql -c "UPDATE liasse.journal SET message = 'x' WHERE id = 3" 2>&1)
like "$out" "n'accepte que des ajouts" "même le propriétaire ne modifie pas le journal par mégarde"
out=$(sql -c "DELETE FROM liasse.journal WHERE id = 3" 2>&1)
like "$out" "n'accepte que des ajouts" "ni ne supprime une ligne"
out=$(sql -c "TRUNCATE liasse.journal" 2>&1)
like "$out" "n'accepte que des ajouts" "ni ne vide le journal"
id=$(sql_as jrn_agent -c "SELECT liasse.journal_append(7, $ent, 12, 'consultation', 'vu')")
r=$(sql -c "SELECT utilisateur FROM liasse.journal WHERE id = $id")
is "$r" "jrn_agent" "un agent journalise à son propre nom"
out=$(sql_as jrn_agent -c "SELECT liasse.journal_append(7, $other, 12, 'consultation', 'vu')" 2>&1)
like "$out" 'Aucun droit' "un agent ne journalise pas sur une entité étrangère"
id=$(sql_as jrn_agent -c "SET liasse.automatique = 'on'" -c "SELECT liasse.journal_append(7, $ent, 12, 'x', 'y')")
out=$(sql -c "SELECT utilisateur FROM liasse.journal WHERE id = $id")
is "$out" "jrn_agent" "un agent ne se fait pas passer pour une action automatique"
id=$(sql -c "SET liasse.automatique = 'on'" -c "SELECT liasse.journal_append(1, $ent, 12, 'x', 'y')")
out=$(sql -c "SELECT utilisateur FROM liasse.journal WHERE id = $id")
is "$out" "Action automatique" "le démon journalise en « Action automatique »"
out=$(sql -c "SELECT liasse.journal_append(15, NULL, NULL, 'x', 'y')" 2>&1)
like "$out" "Type d'événement du journal invalide" "type hors 1..14 refusé"
out=$("$LIASSE" --db "dbname=jrn user=jrn_agent" journal verify 2>&1); rc=$?
is "$rc" 1 "vérification refusée sans journal:lecture sur la racine"
like "$out" 'journal:lecture' "le refus nomme le droit manquant"
sql -c "SELECT liasse.create_user('jrn_auditeur', NULL, 'Audit', 'Eur', NULL, 1)" >/dev/null
sql -c "SELECT liasse.grant_role(liasse.utilisateur_id('jrn_auditeur'), 'consultation', 1)" >/dev/null
out=$("$LIASSE" --db "dbname=jrn user=jrn_auditeur" journal verify 2>&1)
like "$out" "^Journal intact : $(sql -c "SELECT count(*) FROM liasse.journal") ligne" "un auditeur non superutilisateur vérifie toute la chaîne"
lst=$("$LIASSE" --db "dbname=jrn user=jrn_agent" journal list --limit 500)
is "$(printf '%s\n' "$lst" | cut -f4 | sort -u | tr '\n' ' ')" "$ent " "journal list : l'agent ne voit que son entité"
is "$(printf '%s\n' "$lst" | wc -l)" "$(sql_as jrn_agent -c "SELECT count(*) FROM liasse.journal")" "journal list : une ligne par événement visible, sans saut de ligne"

# Tampering as the table owner: each on a copy of the database.
tamper() { # NAME SQL: a copy of jrn, tampered with by liasse_owner
	createdb -T jrn "$1" || return 1
	DB=$1 sql -c "SET ROLE liasse_owner; ALTER TABLE liasse.journal DISABLE TRIGGER journal_ajout_seul; $2; ALTER TABLE liasse.journal ENABLE TRIGGER journal_ajout_seul" >/dev/null
}
tamper jrn_upd "UPDATE liasse.journal SET message = 'Dossier 5 : rien à signaler' WHERE id = 7"
out=$(DB=jrn_upd L journal verify); rc=$?
is "$rc" 1 "message modifié : code 1"
like "$out" '^Journal altéré : ligne 7 : empreinte incorrecte' "message modifié : détecté à la ligne 7"
like "$out" '6 ligne\(s\) vérifiée\(s\) avant la rupture' "les lignes saines avant la rupture sont comptées"
out=$(DB=jrn_upd L journal verify --from 8); rc=$?
is "$rc" 0 "verify --from après la ligne modifiée : intact"
out=$(DB=jrn_upd L journal verify --from 3)
like "$out" 'ligne 7 :' "verify --from avant la ligne modifiée la trouve"

tamper jrn_del "DELETE FROM liasse.journal WHERE id = 5"
out=$(DB=jrn_del L journal verify); rc=$?
is "$rc" 1 "ligne supprimée : code 1"
like "$out" '^Journal altéré : ligne 6 : la ligne 5 qui la précède est absente' "ligne supprimée : détectée (5 absente, rupture en 6)"

# A row inserted in the middle: ids after 10 shifted, a naive forgery...
shift_sql="UPDATE liasse.journal SET id = id + 1000000 WHERE id > 10; UPDATE liasse.journal SET id = id - 999999 WHERE id > 1000000"
tamper jrn_ins "$shift_sql; INSERT INTO liasse.journal SELECT 11, now(), 1, $ent, 'pirate', NULL, 'ajout', 'ligne insérée', (SELECT hash FROM liasse.journal WHERE id = 10), sha256('x')"
out=$(DB=jrn_ins L journal verify)
like "$out" '^Journal altéré : ligne 11 : empreinte incorrecte' "ligne insérée au milieu : détectée à la ligne 11"
# ... and one whose own hash is right: the next row's link breaks.
tamper jrn_ins2 "$shift_sql; INSERT INTO liasse.journal (id, ts, type, entite_id, utilisateur, action, message, prev_hash, hash) SELECT 11, now(), 1, $ent, 'pirate', 'ajout', 'ligne insérée', h, h FROM (SELECT hash AS h FROM liasse.journal WHERE id = 10) t; UPDATE liasse.journal j SET hash = sha256(j.prev_hash || convert_to(liasse.journal_canonical(j), 'UTF8')) WHERE id = 11"
out=$(DB=jrn_ins2 L journal verify)
like "$out" '^Journal altéré : ligne 12 : le lien vers la ligne précédente est rompu' "ligne insérée avec une empreinte juste : le lien suivant est rompu"

tamper jrn_last "DELETE FROM liasse.journal WHERE id = (SELECT max(id) FROM liasse.journal)"
last=$(sql -c "SELECT max(id) FROM liasse.journal")
out=$(DB=jrn_last L journal verify); rc=$?
is "$rc" 1 "dernière ligne supprimée : code 1"
like "$out" "^Journal altéré : ligne $last : .*en-tête" "dernière ligne supprimée : détectée grâce à l'en-tête"

tamper jrn_tail "INSERT INTO liasse.journal SELECT id + 1, ts, type, entite_id, utilisateur, dossier_id, action, message, hash, hash FROM liasse.journal j WHERE id = $last; UPDATE liasse.journal j SET hash = sha256(j.prev_hash || convert_to(liasse.journal_canonical(j), 'UTF8')) WHERE id = $last + 1"
out=$(DB=jrn_tail L journal verify)
like "$out" "^Journal altéré : ligne $((last + 1)) : ligne ajoutée hors du journal" "ligne ajoutée en fin hors de journal_append : détectée"

# Concurrent appends: 4 sessions x 200 transactions.
before=$(sql -c "SELECT count(*) FROM liasse.journal")
for s in 1 2 3 4; do
	for i in $(seq 1 200); do
		echo "SELECT liasse.journal_append(1, $ent, $s, 'session $s', 'ajout $i');"
	done >"$TEST_TMP/append$s.sql"
	sql -f "$TEST_TMP/append$s.sql" >/dev/null &
done
wait
after=$(sql -c "SELECT count(*) FROM liasse.journal")
is "$after" "$((before + 800))" "800 ajouts concurrents enregistrés"
out=$(L journal verify); rc=$?
is "$rc" 0 "la chaîne reste intacte après les ajouts concurrents"
like "$out" "$after ligne\(s\) vérifiée\(s\)" "toutes les lignes vérifiées"
inter=$(sql -c "SELECT count(*) FROM (SELECT dossier_id, lag(dossier_id) OVER (ORDER BY id) p FROM liasse.journal WHERE action LIKE 'session %') t WHERE dossier_id <> p")
like "$inter" '^[1-9][0-9]*$' "les sessions se sont bien entrelacées ($inter alternances)"
