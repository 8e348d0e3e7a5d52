-- 181_liste_recherche: word searches and "passé par" of a syndicat's
-- agent within issue 3's p95 <= 5 ms goal.
--
-- Words: the search index gave every dossier of the platform holding the
-- word (2,000 for a frequent one on a million dossiers), each read from
-- the table to keep the few of the caller's entities. Each dossier now
-- carries its entity and that entity's ancestors (entites, kept by
-- triggers when a dossier is created or an entity moved), and the search
-- index holds them next to the words: "word and under the syndicat" is
-- one intersection inside the index, and only the dossiers found are
-- read. Filling the column rewrites the dossiers once (about two minutes
-- for a million).
--
-- "Passé par": the dossiers that passed through the state in the period
-- were all looked up for their sort key (3,000 lookups for a syndicat)
-- before keeping 20. The page now walks the caller's dossiers newest
-- first from the date after which the history shows enough passages (a
-- dossier's last change is never older than a state it passed through),
-- testing each one's history; when that window holds less than a page it
-- is widened, and beyond a few tries the former query runs. A total
-- counts the passages of the history's index without reading the dossiers.
-- Runs as liasse_owner inside one transaction (see core/migrate.c).

SET LOCAL search_path = liasse, pg_catalog;

-- The dossier's entity first, then its ancestors up to the root.
ALTER TABLE dossier ADD COLUMN entites bigint[];

CREATE FUNCTION dossier_entites_ancetres(p_entite bigint) RETURNS bigint[]
LANGUAGE sql STABLE SET search_path = liasse, pg_catalog
RETURN (SELECT array_agg(a.ancetre_id ORDER BY a.niveau) FROM entite_ancetre a WHERE a.entite_id = p_entite);

UPDATE dossier d SET entites = a.a
FROM (SELECT a.entite_id, array_agg(a.ancetre_id ORDER BY a.niveau) AS a FROM entite_ancetre a
      GROUP BY a.entite_id) a
WHERE a.entite_id = d.entite_id;
ALTER TABLE dossier ALTER COLUMN entites SET NOT NULL;

CREATE FUNCTION dossier_entites_poser() RETURNS trigger
LANGUAGE plpgsql SET search_path = liasse, pg_catalog AS $$
BEGIN
	NEW.entites := dossier_entites_ancetres(NEW.entite_id);
	RETURN NEW;
END
$$;
CREATE TRIGGER dossier_entites BEFORE INSERT OR UPDATE OF entite_id, entites ON dossier
	FOR EACH ROW EXECUTE FUNCTION dossier_entites_poser();

-- An entity moved (its rows of the closure table replaced): its
-- dossiers and those of its sub-entities get their new ancestors. A new
-- entity has no dossier yet.
CREATE FUNCTION dossier_entites_arbre() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
BEGIN
	UPDATE dossier d SET entites = NULL
	WHERE d.entite_id IN (SELECT DISTINCT n.entite_id FROM nouveaux n);
	RETURN NULL;
END
$$;
CREATE TRIGGER dossier_entites_arbre AFTER INSERT ON entite_ancetre
	REFERENCING NEW TABLE AS nouveaux FOR EACH STATEMENT EXECUTE FUNCTION dossier_entites_arbre();


-- Words and entities in one index (it answers a search on words alone
-- as the former one did).
CREATE INDEX dossier_search_entites ON dossier USING gin (search, entites);
DROP INDEX dossier_search;
