-- Demo data for `liasse demo` (run once, as a superuser, after db init).
-- A syndicat (centre de gestion) with three communes and a service, an
-- administrator and two secrétaires with different rights. The dossiers
-- are added by core/demo.c through the dossier engine, as these agents.
SET search_path = liasse, pg_catalog;

INSERT INTO role (role, libelle) VALUES
	('secretaire-lecture-pes', 'Secrétaire (PES en lecture seule)');
INSERT INTO role_droit (role, droit)
SELECT 'secretaire-lecture-pes', d FROM unnest(ARRAY[
	'helios-generique:lecture',
	'actes-generique:lecture', 'actes-generique:edition',
	'mailsec-bidir:lecture', 'mailsec-bidir:edition',
	'document-a-signer:lecture', 'document-a-signer:edition',
	'journal:lecture', 'annuaire:lecture']) AS d;

DO $$
DECLARE
	v_syn bigint;
	v_c1 bigint;
	v_c2 bigint;
	v_c3 bigint;
	v_svc bigint;
	v_u bigint;
BEGIN
	v_syn := create_entite(entite_racine(), 'centre_de_gestion',
		'Syndicat intercommunal de démonstration', '253514491', NULL);
	v_c1 := create_entite(v_syn, 'collectivite', 'Saint-Martin-les-Vignes', '213500010', NULL);
	v_c2 := create_entite(v_syn, 'collectivite', 'Beaulieu-sur-Loue', '213500028', NULL);
	v_c3 := create_entite(v_syn, 'collectivite', 'Montagnac', '213500036', NULL);
	v_svc := create_entite(v_syn, 'service', 'Service Eau et assainissement', NULL, NULL);

	v_u := create_user('admin', NULL, 'Admin', 'Alice', 'alice.admin@syndicat-demo.invalid', v_syn);
	PERFORM grant_role(v_u, 'admin', v_syn);

	v_u := create_user('mdupont', NULL, 'Dupont', 'Marie', 'mairie@saint-martin-demo.invalid', v_c1);
	PERFORM grant_role(v_u, 'agent-collectivite', v_c1);
	PERFORM grant_role(v_u, 'agent-collectivite', v_c2);

	v_u := create_user('pmartin', NULL, 'Martin', 'Paul', 'secretariat@montagnac-demo.invalid', v_c3);
	PERFORM grant_role(v_u, 'secretaire-lecture-pes', v_c3);
END
$$;
