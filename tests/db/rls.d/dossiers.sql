-- Rows of the dossier engine for entities :ent_a and :ent_b (run as
-- superuser by tests/db/rls.sh): one in every table with entite_id.
SELECT liasse.dossier_create(:ent_a, 'helios-generique', 'Dossier RLS A') AS rls_da \gset
SELECT liasse.dossier_create(:ent_b, 'helios-generique', 'Dossier RLS B') AS rls_db \gset
INSERT INTO liasse.fichier (dossier_id, entite_id, type, champ, n, nom, mime, taille, sha256,
			    complet, created_by)
	SELECT id, entite_id, type, 'fichier_pes', 0, 'rls.xml', 'application/xml', 4,
	       encode(sha256('<a/>'), 'hex'), true, 'rls'
	FROM liasse.dossier WHERE id IN (:rls_da, :rls_db);
INSERT INTO liasse.fichier_bloc (fichier_id, n, entite_id, type, data)
	SELECT f.id, 0, f.entite_id, f.type, '<a/>'::bytea
	FROM liasse.fichier f WHERE f.dossier_id IN (:rls_da, :rls_db);
INSERT INTO liasse.dossier_consultation (dossier_id, utilisateur_id, entite_id, type)
	SELECT d.id, u.id, d.entite_id, d.type FROM liasse.dossier d, liasse.utilisateur u
	WHERE d.id IN (:rls_da, :rls_db) AND u.login = :'user_a';
INSERT INTO liasse.job (entite_id, type, dossier_id, action, created_by)
	SELECT entite_id, type, id, 'orientation', 'rls' FROM liasse.dossier
	WHERE id IN (:rls_da, :rls_db);
