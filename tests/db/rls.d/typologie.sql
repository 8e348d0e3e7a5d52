-- Typology codes loaded from a classification, for :ent_a and :ent_b
-- (run as superuser by tests/db/rls.sh).
INSERT INTO liasse.actes_typologie (entite_id, nature, code, libelle)
VALUES (:ent_a, 1, '99_DE', 'Délibération (A)'), (:ent_b, 1, '99_DE', 'Délibération (B)');
