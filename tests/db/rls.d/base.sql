-- Rows of both communes in the base tables (see tests/db/rls.sh for the
-- variables). The journal gets events on A, on B and on a service of B.
SELECT liasse.journal_append(1, :ent_a, 101, 'creation', 'Dossier de A');
SELECT liasse.journal_append(1, :ent_b, 201, 'creation', 'Dossier de B');
SELECT liasse.journal_append(9, :ent_b1, 202, 'erreur', 'Erreur sur un dossier du service B1');
SELECT liasse.grant_role(liasse.utilisateur_id(:'user_b'), 'agent-collectivite', :ent_b1);
