-- Rows of the address book and the mail sécurisé for :ent_a and :ent_b
-- (run as superuser by tests/db/rls.sh): one in every table with entite_id.
SELECT liasse.annuaire_groupe_create(:ent_a, 'Élus A') AS rls_ga \gset
SELECT liasse.annuaire_groupe_create(:ent_b, 'Élus B') AS rls_gb \gset
SELECT id AS rls_ca FROM liasse.annuaire_contact_save(:ent_a, 'elu@a.example', 'Élu A', ARRAY['Élus A']) \gset
SELECT id AS rls_cb FROM liasse.annuaire_contact_save(:ent_b, 'elu@b.example', 'Élu B', ARRAY['Élus B']) \gset
SELECT liasse.annuaire_role_create(:ent_a, 'Agents A', 'admin', :ent_a);
SELECT liasse.annuaire_role_create(:ent_b, 'Agents B', 'admin', :ent_b);
SELECT liasse.dossier_create(:ent_a, 'mailsec-bidir', 'Convocation A') AS rls_ma \gset
SELECT liasse.dossier_create(:ent_b, 'mailsec-bidir', 'Convocation B') AS rls_mb \gset
SELECT liasse.mailsec_sel(:rls_ma), liasse.mailsec_sel(:rls_mb);
INSERT INTO liasse.mailsec_destinataire (dossier_id, entite_id, type, email, nb_envois)
	SELECT id, entite_id, 'to', 'elu@' || id || '.example', 1 FROM liasse.dossier
	WHERE id IN (:rls_ma, :rls_mb);
INSERT INTO liasse.mailsec_lien (hash, destinataire_id, entite_id)
	SELECT sha256(('l' || id)::bytea), id, entite_id FROM liasse.mailsec_destinataire
	WHERE dossier_id IN (:rls_ma, :rls_mb);
INSERT INTO liasse.mailsec_session (hash, destinataire_id, entite_id, expire_at)
	SELECT sha256(('s' || id)::bytea), id, entite_id, now() + interval '1 hour'
	FROM liasse.mailsec_destinataire WHERE dossier_id IN (:rls_ma, :rls_mb);
INSERT INTO liasse.mailsec_reponse_fichier (destinataire_id, entite_id, nom, mime, taille, sha256, data)
	SELECT id, entite_id, 'r.txt', 'text/plain', 1, encode(sha256('r'), 'hex'), 'r'
	FROM liasse.mailsec_destinataire WHERE dossier_id IN (:rls_ma, :rls_mb);
