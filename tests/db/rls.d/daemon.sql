-- Rows of the daemon's tables (core/sql/010_daemon.sql) for entities
-- :ent_a and :ent_b, run as superuser by tests/db/rls.sh.
SELECT liasse.connecteur_create(:ent_a, 'null', 'TdT', 'TdT de A') AS rls_ca \gset
SELECT liasse.connecteur_create(:ent_b, 'null', 'TdT', 'TdT de B') AS rls_cb \gset
SELECT liasse.connecteur_set(:rls_cb, 'mot_de_passe', 'secret-de-B', true);
SELECT liasse.connecteur_associate(:ent_a, 'helios-generique', 'TdT', :rls_ca);
SELECT liasse.connecteur_associate(:ent_b, 'helios-generique', 'TdT', :rls_cb);
SELECT liasse.connecteur_heriter(:ent_a1, 'helios-generique', true);
SELECT liasse.connecteur_heriter(:ent_b1, 'helios-generique', true);
-- connecteur_heritage needs rows of A and B themselves too.
SELECT liasse.connecteur_heriter(:ent_a, '*', true);
SELECT liasse.connecteur_heriter(:ent_b, '*', true);
SELECT liasse.dossier_create(:ent_a, 'actes-generique', 'Acte RLS A') AS rls_xa \gset
SELECT liasse.dossier_create(:ent_b, 'actes-generique', 'Acte RLS B') AS rls_xb \gset
INSERT INTO liasse.connecteur_donnee (dossier_id, entite_id, type, cle, valeur)
	SELECT id, entite_id, type, 'transaction_id', '42' FROM liasse.dossier
	WHERE id IN (:rls_xa, :rls_xb);
