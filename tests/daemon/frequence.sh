# Which frequency rule serves a job: PASTELL's "most specific declaration
# wins" (pastell.md §3: the connector criteria (scope, family, connector
# type, instance) dropped from the right, then the action criteria
# (action kind, dossier type, action) dropped from the right; ties to the
# lowest id), on rules PASTELL can express, through job_frequence().
. tests/lib/tap.sh
. tests/lib/dossier.sh

dossier_setup dfq || { fail "préparation"; exit 1; }
q() { sql -c "SET search_path = liasse, pg_catalog" -c "$*"; }
c=$(q "SELECT connecteur_create($ENT_A, 'null', 'TdT', 'TdT A')")
c2=$(q "SELECT connecteur_create($ENT_A, 'null', 'TdT', 'TdT A bis')")
q "DELETE FROM frequence" >/dev/null
# The rule chosen for a job of instance C ($1), dossier type $2, action $3.
pick() {
	q "SELECT coalesce(f.expression, x.expression || ' (aucune règle)') FROM job_frequence(jsonb_populate_record(NULL::job,
		jsonb_build_object('entite_id', $ENT_A, 'type', '$2', 'dossier_id', 1, 'action', '$3',
				   'connecteur_id', $1, 'famille', 'TdT'))) x
		LEFT JOIN frequence f ON f.id = x.regle"
}
is "$(pick "$c" actes-generique send-tdt)" "1 (aucune règle)" "aucune règle : chaque minute"
# PASTELL's shapes: each row fills its criteria from the left.
q "INSERT INTO frequence (expression) VALUES ('base');
   INSERT INTO frequence (type_connecteur, expression) VALUES ('entite', 'portee');
   INSERT INTO frequence (type_connecteur, famille, expression) VALUES ('entite', 'TdT', 'famille');
   INSERT INTO frequence (type_connecteur, famille, connecteur_type, expression)
	VALUES ('entite', 'TdT', 'null', 'type');
   INSERT INTO frequence (type_connecteur, famille, connecteur_type, connecteur_id, expression)
	VALUES ('entite', 'TdT', 'null', $c, 'instance');
   INSERT INTO frequence (type_connecteur, famille, connecteur_type, action_type, expression)
	VALUES ('entite', 'TdT', 'null', 'document', 'type+document');
   INSERT INTO frequence (type_connecteur, famille, connecteur_type, action_type, type_dossier, expression)
	VALUES ('entite', 'TdT', 'null', 'document', 'helios-generique', 'type+helios');
   INSERT INTO frequence (type_connecteur, famille, connecteur_type, action_type, type_dossier, action, expression)
	VALUES ('entite', 'TdT', 'null', 'document', 'helios-generique', 'verif-tdt', 'type+helios+verif');
   INSERT INTO frequence (famille, expression) VALUES ('GED', 'ged')" >/dev/null
is "$(pick "$c" actes-generique send-tdt)" "instance" "l'instance l'emporte sur tout le reste (passe 1 d'abord)"
is "$(pick "$c2" actes-generique send-tdt)" "type+document" \
	"autre instance : type de connecteur, puis le type d'action"
is "$(pick "$c2" helios-generique send-tdt)" "type+helios" "puis le type de dossier"
is "$(pick "$c2" helios-generique verif-tdt)" "type+helios+verif" "puis l'action"
q "DELETE FROM frequence WHERE expression LIKE 'type%'" >/dev/null
is "$(pick "$c2" helios-generique verif-tdt)" "famille" "sans règle du type : la famille"
q "DELETE FROM frequence WHERE expression = 'famille'" >/dev/null
is "$(pick "$c2" helios-generique verif-tdt)" "portee" "puis la portée (entité)"
q "DELETE FROM frequence WHERE expression = 'portee'" >/dev/null
is "$(pick "$c2" helios-generique verif-tdt)" "base" "puis la règle de base ; une règle d'une autre famille ne sert pas"
# Ties: the lowest id.
q "INSERT INTO frequence (type_connecteur, expression) VALUES ('entite', 'premiere'), ('entite', 'seconde')" >/dev/null
is "$(pick "$c2" helios-generique verif-tdt)" "premiere" "à égalité, la règle la plus ancienne"
