-- 020_mailsec: the address book (annuaire) and the mail sécurisé with
-- reply (convocations): recipients, links, passwords, replies, counters.
-- Runs as liasse_owner inside one transaction (see core/migrate.c).
--
-- Who does what:
--   * agents read the address book and the recipients under RLS and
--     change them through the SECURITY DEFINER functions below
--     (annuaire:edition, mailsec-bidir:edition);
--   * the sender (the daemon's SMTP connector, core/conn_smtp.c) and the
--     recipient pages (liasse serve, core/serve_mailsec.c) connect with a
--     role member of liasse_owner; the mailsec_web_* functions are not
--     granted to agents. A link is a capability: the recipient is found
--     by the SHA-256 of the key the mail carried, never by an id.
--   * a dossier's password is never stored in clear: the client computes
--     PBKDF2-HMAC-SHA256 with the dossier's salt (mailsec_sel) and stores
--     "pbkdf2-sha256$<iterations>$<salt hex>$<hash hex>"; a trigger refuses
--     anything else in the password fields.

SET LOCAL search_path = liasse, pg_catalog;

------------------------------------------------------------------------
-- Address book
------------------------------------------------------------------------

CREATE FUNCTION email_valide(p text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = liasse, pg_catalog
RETURN p ~ '^[^@[:space:]<>",;]+@[^@[:space:]<>",;]+\.[^@[:space:]<>",;]+$' AND length(p) <= 254;

CREATE TABLE annuaire_contact (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	entite_id   bigint NOT NULL REFERENCES entite,
	email       text NOT NULL CHECK (email_valide(email)),
	description text NOT NULL DEFAULT '',
	created_at  timestamptz NOT NULL DEFAULT now(),
	updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX annuaire_contact_email ON annuaire_contact (entite_id, lower(email));

CREATE TABLE annuaire_groupe (
	id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	entite_id bigint NOT NULL REFERENCES entite,
	nom       text NOT NULL CHECK (btrim(nom) <> '' AND length(nom) <= 64 AND nom !~ '["\r\n]'),
	partage   boolean NOT NULL DEFAULT false,
	UNIQUE (entite_id, nom)
);

CREATE TABLE annuaire_groupe_contact (
	groupe_id  bigint NOT NULL REFERENCES annuaire_groupe ON DELETE CASCADE,
	contact_id bigint NOT NULL REFERENCES annuaire_contact ON DELETE CASCADE,
	entite_id  bigint NOT NULL,
	PRIMARY KEY (groupe_id, contact_id)
);
CREATE INDEX annuaire_groupe_contact_contact ON annuaire_groupe_contact (contact_id);

-- Role-based groups: every active user holding ROLE on CIBLE_ID or one of
-- its ancestors (the role then applies to CIBLE_ID) with an e-mail address.
CREATE TABLE annuaire_role (
	id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	entite_id bigint NOT NULL REFERENCES entite,
	nom       text NOT NULL CHECK (btrim(nom) <> '' AND length(nom) <= 64 AND nom !~ '["\r\n]'),
	role      text NOT NULL REFERENCES role ON UPDATE CASCADE,
	cible_id  bigint NOT NULL REFERENCES entite,
	partage   boolean NOT NULL DEFAULT false,
	UNIQUE (entite_id, nom)
);

CREATE FUNCTION annuaire_require_edition(p_entite bigint) RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
BEGIN
	PERFORM entite_require(p_entite);
	PERFORM require_right(p_entite, 'annuaire:edition');
END
$$;

CREATE FUNCTION annuaire_groupe_create(p_entite bigint, p_nom text, p_partage boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_nom text := btrim(coalesce(p_nom, ''));
	v_id bigint;
BEGIN
	PERFORM annuaire_require_edition(p_entite);
	IF v_nom = '' OR length(v_nom) > 64 OR v_nom ~ '["\r\n]' THEN
		RAISE EXCEPTION 'Nom de groupe « % » invalide : 1 à 64 caractères, sans guillemet.', v_nom
			USING ERRCODE = 'LI400';
	END IF;
	IF EXISTS (SELECT FROM annuaire_groupe WHERE entite_id = p_entite AND nom = v_nom)
	   OR EXISTS (SELECT FROM annuaire_role WHERE entite_id = p_entite AND nom = v_nom) THEN
		RAISE EXCEPTION 'Le groupe « % » existe déjà dans l''annuaire de %.', v_nom,
			entite_label(p_entite) USING ERRCODE = 'LI409';
	END IF;
	INSERT INTO annuaire_groupe (entite_id, nom, partage)
	VALUES (p_entite, v_nom, coalesce(p_partage, false)) RETURNING id INTO v_id;
	PERFORM journal_append(3, p_entite, NULL, 'annuaire',
		format('Création du groupe « %s »%s', v_nom, CASE WHEN p_partage THEN ' (partagé)' ELSE '' END));
	RETURN v_id;
END
$$;

CREATE FUNCTION annuaire_groupe_require(p_id bigint) RETURNS annuaire_groupe
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	g annuaire_groupe;
BEGIN
	SELECT * INTO g FROM annuaire_groupe WHERE id = p_id;
	IF g.id IS NULL OR NOT has_right(g.entite_id, 'annuaire:lecture') THEN
		RAISE EXCEPTION 'Groupe % introuvable.', coalesce(p_id::text, '(vide)') USING ERRCODE = 'LI404';
	END IF;
	RETURN g;
END
$$;

-- NULL arguments keep the current value.
CREATE FUNCTION annuaire_groupe_update(p_id bigint, p_nom text, p_partage boolean) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	g annuaire_groupe := annuaire_groupe_require(p_id);
	v_nom text := btrim(coalesce(p_nom, g.nom));
BEGIN
	PERFORM annuaire_require_edition(g.entite_id);
	IF v_nom = '' OR length(v_nom) > 64 OR v_nom ~ '["\r\n]' THEN
		RAISE EXCEPTION 'Nom de groupe « % » invalide : 1 à 64 caractères, sans guillemet.', v_nom
			USING ERRCODE = 'LI400';
	END IF;
	IF v_nom <> g.nom AND EXISTS (SELECT FROM annuaire_groupe WHERE entite_id = g.entite_id AND nom = v_nom) THEN
		RAISE EXCEPTION 'Le groupe « % » existe déjà.', v_nom USING ERRCODE = 'LI409';
	END IF;
	UPDATE annuaire_groupe SET nom = v_nom, partage = coalesce(p_partage, partage) WHERE id = p_id;
	PERFORM journal_append(3, g.entite_id, NULL, 'annuaire',
		format('Modification du groupe « %s »', g.nom));
END
$$;

CREATE FUNCTION annuaire_groupe_delete(p_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	g annuaire_groupe := annuaire_groupe_require(p_id);
BEGIN
	PERFORM annuaire_require_edition(g.entite_id);
	DELETE FROM annuaire_groupe WHERE id = p_id;
	PERFORM journal_append(3, g.entite_id, NULL, 'annuaire',
		format('Suppression du groupe « %s »', g.nom));
END
$$;

CREATE FUNCTION annuaire_role_create(p_entite bigint, p_nom text, p_role text, p_cible bigint,
				     p_partage boolean DEFAULT false) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_nom text := btrim(coalesce(p_nom, ''));
	v_id bigint;
BEGIN
	PERFORM annuaire_require_edition(p_entite);
	PERFORM entite_require(coalesce(p_cible, p_entite));
	IF NOT EXISTS (SELECT FROM role WHERE role = p_role) THEN
		RAISE EXCEPTION 'Rôle « % » introuvable.', coalesce(p_role, '') USING ERRCODE = 'LI404';
	END IF;
	IF v_nom = '' OR length(v_nom) > 64 OR v_nom ~ '["\r\n]' THEN
		RAISE EXCEPTION 'Nom de groupe « % » invalide : 1 à 64 caractères, sans guillemet.', v_nom
			USING ERRCODE = 'LI400';
	END IF;
	IF EXISTS (SELECT FROM annuaire_role WHERE entite_id = p_entite AND nom = v_nom)
	   OR EXISTS (SELECT FROM annuaire_groupe WHERE entite_id = p_entite AND nom = v_nom) THEN
		RAISE EXCEPTION 'Le groupe « % » existe déjà dans l''annuaire de %.', v_nom,
			entite_label(p_entite) USING ERRCODE = 'LI409';
	END IF;
	INSERT INTO annuaire_role (entite_id, nom, role, cible_id, partage)
	VALUES (p_entite, v_nom, p_role, coalesce(p_cible, p_entite), coalesce(p_partage, false))
	RETURNING id INTO v_id;
	PERFORM journal_append(3, p_entite, NULL, 'annuaire',
		format('Création du groupe « %s » (rôle %s sur %s)', v_nom, p_role,
		       entite_label(coalesce(p_cible, p_entite))));
	RETURN v_id;
END
$$;

CREATE FUNCTION annuaire_role_delete(p_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	r annuaire_role;
BEGIN
	SELECT * INTO r FROM annuaire_role WHERE id = p_id;
	IF r.id IS NULL OR NOT has_right(r.entite_id, 'annuaire:lecture') THEN
		RAISE EXCEPTION 'Groupe % introuvable.', coalesce(p_id::text, '(vide)') USING ERRCODE = 'LI404';
	END IF;
	PERFORM annuaire_require_edition(r.entite_id);
	DELETE FROM annuaire_role WHERE id = p_id;
	PERFORM journal_append(3, r.entite_id, NULL, 'annuaire',
		format('Suppression du groupe « %s » (rôle %s)', r.nom, r.role));
END
$$;

-- Creates or updates the contact EMAIL of P_ENTITE. P_GROUPES NULL keeps
-- its groups; an array replaces them (PASTELL's import resets them). An
-- unknown group is created when P_CREER_GROUPES, else refused (LI404).
-- Returns the contact's id and whether it was created.
CREATE FUNCTION annuaire_contact_save(p_entite bigint, p_email text, p_description text,
				      p_groupes text[] DEFAULT NULL,
				      p_creer_groupes boolean DEFAULT false)
RETURNS TABLE (id bigint, cree boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	v_email text := btrim(coalesce(p_email, ''));
	v_id bigint;
	v_cree boolean := false;
	v_nom text;
	v_g bigint;
BEGIN
	PERFORM annuaire_require_edition(p_entite);
	IF NOT email_valide(v_email) THEN
		RAISE EXCEPTION 'Adresse électronique « % » invalide.', v_email USING ERRCODE = 'LI400';
	END IF;
	SELECT c.id INTO v_id FROM annuaire_contact c
	WHERE c.entite_id = p_entite AND lower(c.email) = lower(v_email);
	IF v_id IS NULL THEN
		INSERT INTO annuaire_contact (entite_id, email, description)
		VALUES (p_entite, v_email, btrim(coalesce(p_description, '')))
		RETURNING annuaire_contact.id INTO v_id;
		v_cree := true;
	ELSE
		UPDATE annuaire_contact SET email = v_email,
			description = coalesce(btrim(p_description), description), updated_at = now()
		WHERE annuaire_contact.id = v_id;
	END IF;
	IF p_groupes IS NOT NULL THEN
		DELETE FROM annuaire_groupe_contact WHERE contact_id = v_id;
		FOREACH v_nom IN ARRAY p_groupes LOOP
			v_nom := btrim(v_nom);
			CONTINUE WHEN v_nom = '';
			SELECT g.id INTO v_g FROM annuaire_groupe g WHERE g.entite_id = p_entite AND g.nom = v_nom;
			IF v_g IS NULL THEN
				IF NOT p_creer_groupes THEN
					RAISE EXCEPTION 'Groupe « % » inconnu dans l''annuaire de %.', v_nom,
						entite_label(p_entite) USING ERRCODE = 'LI404';
				END IF;
				v_g := annuaire_groupe_create(p_entite, v_nom, false);
			END IF;
			INSERT INTO annuaire_groupe_contact (groupe_id, contact_id, entite_id)
			VALUES (v_g, v_id, p_entite) ON CONFLICT DO NOTHING;
		END LOOP;
	END IF;
	RETURN QUERY SELECT v_id, v_cree;
END
$$;

CREATE FUNCTION annuaire_contact_require(p_id bigint) RETURNS annuaire_contact
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	c annuaire_contact;
BEGIN
	SELECT * INTO c FROM annuaire_contact WHERE id = p_id;
	IF c.id IS NULL OR NOT has_right(c.entite_id, 'annuaire:lecture') THEN
		RAISE EXCEPTION 'Contact % introuvable.', coalesce(p_id::text, '(vide)') USING ERRCODE = 'LI404';
	END IF;
	RETURN c;
END
$$;

-- NULL keeps the value.
CREATE FUNCTION annuaire_contact_update(p_id bigint, p_email text, p_description text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	c annuaire_contact := annuaire_contact_require(p_id);
	v_email text := btrim(coalesce(p_email, c.email));
BEGIN
	PERFORM annuaire_require_edition(c.entite_id);
	IF NOT email_valide(v_email) THEN
		RAISE EXCEPTION 'Adresse électronique « % » invalide.', v_email USING ERRCODE = 'LI400';
	END IF;
	IF lower(v_email) <> lower(c.email) AND EXISTS (SELECT FROM annuaire_contact
			WHERE entite_id = c.entite_id AND lower(email) = lower(v_email)) THEN
		RAISE EXCEPTION 'L''adresse « % » est déjà dans l''annuaire.', v_email USING ERRCODE = 'LI409';
	END IF;
	UPDATE annuaire_contact SET email = v_email,
		description = coalesce(btrim(p_description), description), updated_at = now()
	WHERE id = p_id;
END
$$;

CREATE FUNCTION annuaire_contact_delete(p_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	c annuaire_contact := annuaire_contact_require(p_id);
BEGIN
	PERFORM annuaire_require_edition(c.entite_id);
	DELETE FROM annuaire_contact WHERE id = p_id;
	PERFORM journal_append(3, c.entite_id, NULL, 'annuaire',
		format('Suppression du contact %s', c.email));
END
$$;

CREATE FUNCTION annuaire_membre(p_groupe bigint, p_contact bigint, p_membre boolean) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	g annuaire_groupe := annuaire_groupe_require(p_groupe);
	c annuaire_contact := annuaire_contact_require(p_contact);
BEGIN
	PERFORM annuaire_require_edition(g.entite_id);
	IF c.entite_id <> g.entite_id THEN
		RAISE EXCEPTION 'Le contact %s et le groupe « % » ne sont pas dans le même annuaire.',
			c.email, g.nom USING ERRCODE = 'LI400';
	END IF;
	IF p_membre THEN
		INSERT INTO annuaire_groupe_contact (groupe_id, contact_id, entite_id)
		VALUES (g.id, c.id, g.entite_id) ON CONFLICT DO NOTHING;
	ELSE
		DELETE FROM annuaire_groupe_contact WHERE groupe_id = g.id AND contact_id = c.id;
	END IF;
END
$$;

-- Contacts of P_ENTITE matching P_Q (description or e-mail, accents and
-- case ignored; NULL = all), in group P_GROUPE (NULL = any).
CREATE FUNCTION annuaire_contacts(p_entite bigint, p_q text DEFAULT NULL, p_groupe text DEFAULT NULL)
RETURNS TABLE (id bigint, email text, description text, groupes text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
BEGIN
	PERFORM entite_require(p_entite);
	PERFORM require_right(p_entite, 'annuaire:lecture');
	RETURN QUERY
	SELECT c.id, c.email, c.description,
	       coalesce((SELECT string_agg(g.nom, ', ' ORDER BY g.nom) FROM annuaire_groupe_contact gc
			 JOIN annuaire_groupe g ON g.id = gc.groupe_id WHERE gc.contact_id = c.id), '')
	FROM annuaire_contact c
	WHERE c.entite_id = p_entite
	  AND (coalesce(p_q, '') = ''
	       OR liasse_ext.unaccent(lower(c.description || ' ' || c.email))
		  LIKE '%' || liasse_ext.unaccent(lower(p_q)) || '%')
	  AND (p_groupe IS NULL OR EXISTS (SELECT FROM annuaire_groupe_contact gc
		JOIN annuaire_groupe g ON g.id = gc.groupe_id
		WHERE gc.contact_id = c.id AND g.nom = p_groupe))
	ORDER BY lower(c.description), lower(c.email);
END
$$;

-- The groups usable from P_ENTITE: its own, the shared ones of its
-- ancestors, and the role-based groups; LIBELLE is what the recipient
-- fields accept (groupe: "X", groupe hérité de E: "X", groupe global: "X",
-- role: "X").
CREATE FUNCTION annuaire_groupes(p_entite bigint)
RETURNS TABLE (id bigint, kind text, entite_id bigint, nom text, partage boolean, libelle text,
	       membres bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
BEGIN
	PERFORM entite_require(p_entite);
	PERFORM require_right(p_entite, 'annuaire:lecture');
	RETURN QUERY
	SELECT g.id, 'groupe'::text, g.entite_id, g.nom, g.partage,
	       CASE WHEN g.entite_id = p_entite THEN format('groupe: "%s"', g.nom)
		    WHEN g.entite_id = entite_racine() THEN format('groupe global: "%s"', g.nom)
		    ELSE format('groupe hérité de %s: "%s"', e.denomination, g.nom) END,
	       (SELECT count(*) FROM annuaire_groupe_contact gc WHERE gc.groupe_id = g.id)
	FROM annuaire_groupe g
	JOIN entite_ancetre a ON a.ancetre_id = g.entite_id AND a.entite_id = p_entite
	JOIN entite e ON e.id = g.entite_id
	WHERE g.entite_id = p_entite OR g.partage
	UNION ALL
	SELECT r.id, 'role'::text, r.entite_id, r.nom, r.partage, format('role: "%s"', r.nom),
	       (SELECT count(*) FROM annuaire_role_membres(r.id))
	FROM annuaire_role r
	JOIN entite_ancetre a ON a.ancetre_id = r.entite_id AND a.entite_id = p_entite
	WHERE r.entite_id = p_entite OR r.partage
	ORDER BY 2, 4;
END
$$;

CREATE FUNCTION annuaire_role_membres(p_role_groupe bigint)
RETURNS TABLE (email text, description text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
	SELECT DISTINCT ON (lower(u.email)) u.email, btrim(u.prenom || ' ' || u.nom)
	FROM annuaire_role r
	JOIN entite_ancetre a ON a.entite_id = r.cible_id
	JOIN utilisateur_role ur ON ur.entite_id = a.ancetre_id AND ur.role = r.role
	JOIN utilisateur u ON u.id = ur.utilisateur_id
	WHERE r.id = p_role_groupe AND u.actif AND u.email IS NOT NULL
	ORDER BY lower(u.email);
$$;

-- Expands one recipients field (an email-list value of the dossier) seen
-- from P_ENTITE: addresses, "Description" <address>, groups and role
-- groups. An unknown or empty group is refused.
CREATE FUNCTION annuaire_expand(p_entite bigint, p_liste text)
RETURNS TABLE (email text, description text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	m text[];
	v_kind text;
	v_g record;
	v_n bigint;
BEGIN
	FOR m IN SELECT regexp_matches(coalesce(p_liste, ''),
		'((?:groupe|role)(?: global| hérité de [^:,]+)?): *"([^"]+)"|"([^"]*)" *<([^<>[:space:]]+)>|([^,<>"[:space:]]+@[^,<>"[:space:]]+)', 'g')
	LOOP
		IF m[1] IS NOT NULL THEN
			v_kind := CASE WHEN m[1] LIKE 'role%' THEN 'role' ELSE 'groupe' END;
			SELECT * INTO v_g FROM annuaire_groupes(p_entite) g
			WHERE g.kind = v_kind AND g.libelle = format('%s: "%s"', m[1], m[2]);
			IF v_g.id IS NULL THEN
				RAISE EXCEPTION 'Groupe inconnu : %: "%".', m[1], m[2] USING ERRCODE = 'LI404';
			END IF;
			IF v_kind = 'groupe' THEN
				RETURN QUERY SELECT c.email, c.description FROM annuaire_groupe_contact gc
				JOIN annuaire_contact c ON c.id = gc.contact_id WHERE gc.groupe_id = v_g.id;
			ELSE
				RETURN QUERY SELECT * FROM annuaire_role_membres(v_g.id);
			END IF;
			GET DIAGNOSTICS v_n = ROW_COUNT;
			IF v_n = 0 THEN
				RAISE EXCEPTION 'Le groupe « % » est vide : ajoutez-y des contacts ou retirez-le des destinataires.',
					m[2] USING ERRCODE = 'LI400';
			END IF;
		ELSIF m[4] IS NOT NULL THEN
			RETURN QUERY SELECT m[4], m[3];
		ELSE
			RETURN QUERY SELECT m[5], coalesce((SELECT c.description FROM annuaire_contact c
				WHERE c.entite_id = p_entite AND lower(c.email) = lower(m[5])), '');
		END IF;
	END LOOP;
END
$$;

------------------------------------------------------------------------
-- Mail sécurisé: recipients, links, sessions, replies
------------------------------------------------------------------------

-- Per dossier: the password salt (random, not secret).
CREATE TABLE mailsec_dossier (
	dossier_id bigint PRIMARY KEY REFERENCES dossier ON DELETE CASCADE,
	entite_id  bigint NOT NULL,
	sel        text NOT NULL CHECK (sel ~ '^[0-9a-f]{32}$')
);

CREATE TABLE mailsec_destinataire (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	dossier_id  bigint NOT NULL REFERENCES dossier ON DELETE CASCADE,
	entite_id   bigint NOT NULL,
	type        text NOT NULL CHECK (type IN ('to', 'cc', 'bcc')),
	email       text NOT NULL,
	description text NOT NULL DEFAULT '',
	envoye_at   timestamptz,
	renvoye_at  timestamptz,
	nb_envois   integer NOT NULL DEFAULT 0,
	lu_at       timestamptz,
	reponse     text,
	reponse_at  timestamptz,
	repondu_at  timestamptz,
	erreur      text,
	echecs      integer NOT NULL DEFAULT 0,
	bloque_jusqu timestamptz,
	renvoi_demande boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX mailsec_destinataire_email ON mailsec_destinataire (dossier_id, lower(email));

CREATE TABLE mailsec_lien (
	hash            bytea PRIMARY KEY CHECK (length(hash) = 32),
	destinataire_id bigint NOT NULL REFERENCES mailsec_destinataire ON DELETE CASCADE,
	entite_id       bigint NOT NULL,
	created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mailsec_lien_destinataire ON mailsec_lien (destinataire_id);

CREATE TABLE mailsec_session (
	hash            bytea PRIMARY KEY CHECK (length(hash) = 32),
	destinataire_id bigint NOT NULL REFERENCES mailsec_destinataire ON DELETE CASCADE,
	entite_id       bigint NOT NULL,
	expire_at       timestamptz NOT NULL
);

CREATE TABLE mailsec_reponse_fichier (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	destinataire_id bigint NOT NULL REFERENCES mailsec_destinataire ON DELETE CASCADE,
	entite_id       bigint NOT NULL,
	nom             text NOT NULL,
	mime            text NOT NULL,
	taille          bigint NOT NULL,
	sha256          text NOT NULL,
	data            bytea NOT NULL,
	created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mailsec_reponse_fichier_dest ON mailsec_reponse_fichier (destinataire_id, id);

-- Password fields of mailsec-bidir hold PBKDF2 hashes only.
CREATE FUNCTION mailsec_password_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = liasse, pg_catalog AS $$
BEGIN
	IF NEW.valeur !~ '^pbkdf2-sha256\$[0-9]{4,7}\$[0-9a-f]{32}\$[0-9a-f]{64}$' THEN
		RAISE EXCEPTION 'Le mot de passe du mail sécurisé n''est jamais enregistré en clair : il doit être haché par liasse (liasse mailsec password).'
			USING ERRCODE = 'LI400';
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER mailsec_password_guard BEFORE INSERT OR UPDATE ON dossier_valeur
	FOR EACH ROW WHEN (NEW.type = 'mailsec-bidir' AND NEW.champ IN ('password', 'password2'))
	EXECUTE FUNCTION mailsec_password_guard();

-- The dossier's password salt (created on first use); needs edition.
CREATE FUNCTION mailsec_sel(p_dossier bigint) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	d dossier := dossier_fetch(p_dossier, 'edition', false);
	v text;
BEGIN
	IF d.type <> 'mailsec-bidir' THEN
		RAISE EXCEPTION 'Le dossier % n''est pas un mail sécurisé.', p_dossier USING ERRCODE = 'LI400';
	END IF;
	INSERT INTO mailsec_dossier (dossier_id, entite_id, sel)
	VALUES (d.id, d.entite_id, replace(gen_random_uuid()::text, '-', ''))
	ON CONFLICT (dossier_id) DO NOTHING;
	SELECT sel INTO v FROM mailsec_dossier WHERE dossier_id = d.id;
	RETURN v;
END
$$;

-- Writes the counters sent_mail_number / _read / _answered (read-only
-- indexed fields) from the recipients, and tells the lists.
CREATE FUNCTION mailsec_compteurs(p_dossier bigint) RETURNS void
LANGUAGE plpgsql SET search_path = liasse, pg_catalog AS $$
DECLARE
	d dossier;
	v_n bigint; v_lu bigint; v_rep bigint;
BEGIN
	SELECT * INTO d FROM dossier WHERE id = p_dossier;
	SELECT count(*), count(lu_at), count(repondu_at) INTO v_n, v_lu, v_rep
	FROM mailsec_destinataire WHERE dossier_id = p_dossier;
	DELETE FROM dossier_valeur WHERE dossier_id = p_dossier
		AND champ IN ('sent_mail_number', 'sent_mail_read', 'sent_mail_answered');
	INSERT INTO dossier_valeur (dossier_id, entite_id, type, champ, n, valeur)
	VALUES (d.id, d.entite_id, d.type, 'sent_mail_number', 0, v_n::text),
	       (d.id, d.entite_id, d.type, 'sent_mail_read', 0, v_lu::text),
	       (d.id, d.entite_id, d.type, 'sent_mail_answered', 0, v_rep::text);
	PERFORM dossier_refresh(d.id, type_def(d.type, d.type_version));
	PERFORM dossier_notify(d.entite_id, d.id, d.etat);
END
$$;

-- For the sender (system): the recipients to write to now. Action
-- envoi-mail: the fields are expanded (never-sent rows are replaced);
-- renvoi: the recipients asked with mailsec_renvoyer, else all whose link
-- still works. A recipient in several fields is written to once, as to,
-- then cc, then bcc.
CREATE FUNCTION mailsec_prepare(p_dossier bigint, p_action text)
RETURNS TABLE (destinataire_id bigint, type text, email text, description text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	d dossier;
	v_t text;
	v_n bigint;
BEGIN
	IF NOT dossier_system_caller() THEN
		RAISE EXCEPTION 'Réservé au traitement automatique.' USING ERRCODE = 'LI403';
	END IF;
	SELECT * INTO d FROM dossier WHERE id = p_dossier FOR UPDATE;
	IF d.id IS NULL OR d.type <> 'mailsec-bidir' THEN
		RAISE EXCEPTION 'Mail sécurisé % introuvable.', p_dossier USING ERRCODE = 'LI404';
	END IF;
	IF p_action = 'renvoi' THEN
		IF NOT EXISTS (SELECT FROM mailsec_destinataire x WHERE x.dossier_id = d.id AND x.renvoi_demande) THEN
			UPDATE mailsec_destinataire x SET renvoi_demande = true
			WHERE x.dossier_id = d.id AND (d.etat <> 'non-recu' OR x.lu_at IS NOT NULL);
		END IF;
		RETURN QUERY SELECT x.id, x.type, x.email, x.description FROM mailsec_destinataire x
		WHERE x.dossier_id = d.id AND x.renvoi_demande ORDER BY x.id;
		RETURN;
	END IF;
	DELETE FROM mailsec_destinataire x WHERE x.dossier_id = d.id AND x.nb_envois = 0;
	FOREACH v_t IN ARRAY ARRAY['to', 'cc', 'bcc'] LOOP
		INSERT INTO mailsec_destinataire (dossier_id, entite_id, type, email, description)
		SELECT DISTINCT ON (lower(e.email)) d.id, d.entite_id, v_t, e.email, e.description
		FROM dossier_valeur v, annuaire_expand(d.entite_id, v.valeur) e
		WHERE v.dossier_id = d.id AND v.champ = v_t
		ORDER BY lower(e.email), e.description DESC
		ON CONFLICT DO NOTHING;
	END LOOP;
	SELECT count(*) INTO v_n FROM mailsec_destinataire x WHERE x.dossier_id = d.id;
	IF v_n = 0 THEN
		RAISE EXCEPTION 'Aucun destinataire : indiquez au moins une adresse ou un groupe non vide.'
			USING ERRCODE = 'LI400';
	END IF;
	PERFORM mailsec_compteurs(d.id);
	RETURN QUERY SELECT x.id, x.type, x.email, x.description FROM mailsec_destinataire x
	WHERE x.dossier_id = d.id AND x.nb_envois = 0 ORDER BY x.id;
END
$$;

-- For the sender: a new link (the SHA-256 of a random key) for a recipient.
CREATE FUNCTION mailsec_lien_add(p_destinataire bigint, p_hash bytea) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
BEGIN
	IF NOT dossier_system_caller() THEN
		RAISE EXCEPTION 'Réservé au traitement automatique.' USING ERRCODE = 'LI403';
	END IF;
	INSERT INTO mailsec_lien (hash, destinataire_id, entite_id)
	SELECT p_hash, x.id, x.entite_id FROM mailsec_destinataire x WHERE x.id = p_destinataire;
END
$$;

-- For the sender: the outcome for one recipient (P_ERREUR NULL = accepted
-- by the SMTP server).
CREATE FUNCTION mailsec_envoye(p_destinataire bigint, p_erreur text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	x mailsec_destinataire;
BEGIN
	IF NOT dossier_system_caller() THEN
		RAISE EXCEPTION 'Réservé au traitement automatique.' USING ERRCODE = 'LI403';
	END IF;
	SELECT * INTO x FROM mailsec_destinataire WHERE id = p_destinataire FOR UPDATE;
	IF p_erreur IS NULL THEN
		UPDATE mailsec_destinataire SET envoye_at = coalesce(envoye_at, now()), renvoye_at = now(),
			nb_envois = nb_envois + 1, erreur = NULL, renvoi_demande = false
		WHERE id = x.id;
	ELSE
		UPDATE mailsec_destinataire SET erreur = p_erreur, renvoi_demande = false WHERE id = x.id;
		PERFORM journal_append(9, x.entite_id, x.dossier_id, 'envoi-mail',
			format('Adresse %s refusée : %s', x.email, p_erreur));
	END IF;
END
$$;

-- For agents: resend to one recipient (P_DESTINATAIRE) or to all (NULL).
CREATE FUNCTION mailsec_renvoyer(p_dossier bigint, p_destinataire bigint DEFAULT NULL)
RETURNS TABLE (etat text, etat_label text, version integer, programme boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	d dossier := dossier_fetch(p_dossier, 'edition', true);
BEGIN
	IF p_destinataire IS NOT NULL THEN
		UPDATE mailsec_destinataire SET renvoi_demande = true
		WHERE id = p_destinataire AND dossier_id = d.id;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'Destinataire % introuvable dans le dossier %.', p_destinataire, d.id
				USING ERRCODE = 'LI404';
		END IF;
	END IF;
	RETURN QUERY SELECT * FROM dossier_action(d.id, 'renvoi', NULL,
		CASE WHEN p_destinataire IS NULL THEN NULL
		     ELSE (SELECT format('Envoi à nouveau à %s', email) FROM mailsec_destinataire
			   WHERE id = p_destinataire) END);
END
$$;

-- For agents: the recipient table of a mail sécurisé.
CREATE FUNCTION mailsec_destinataires(p_dossier bigint)
RETURNS TABLE (id bigint, type text, email text, description text, envoye_at timestamptz,
	       renvoye_at timestamptz, nb_envois integer, lu_at timestamptz, repondu_at timestamptz,
	       erreur text, lien_actif boolean, nb_fichiers bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	d dossier := dossier_fetch(p_dossier, 'lecture', false);
BEGIN
	RETURN QUERY SELECT x.id, x.type, x.email, x.description, x.envoye_at, x.renvoye_at,
		x.nb_envois, x.lu_at, x.repondu_at, x.erreur,
		x.nb_envois > 0 AND (d.etat <> 'non-recu' OR x.lu_at IS NOT NULL),
		(SELECT count(*) FROM mailsec_reponse_fichier f WHERE f.destinataire_id = x.id
		 AND x.repondu_at IS NOT NULL)
	FROM mailsec_destinataire x WHERE x.dossier_id = d.id
	ORDER BY CASE x.type WHEN 'to' THEN 0 WHEN 'cc' THEN 1 ELSE 2 END, x.id;
END
$$;

-- For agents: a validated answer (text; files listed by mailsec_reponse_fichiers).
CREATE FUNCTION mailsec_reponse(p_destinataire bigint)
RETURNS TABLE (email text, repondu_at timestamptz, reponse text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	x mailsec_destinataire;
BEGIN
	SELECT * INTO x FROM mailsec_destinataire WHERE id = p_destinataire;
	IF x.id IS NULL THEN
		RAISE EXCEPTION 'Destinataire % introuvable.', p_destinataire USING ERRCODE = 'LI404';
	END IF;
	PERFORM dossier_fetch(x.dossier_id, 'lecture', false);
	IF x.repondu_at IS NULL THEN
		RAISE EXCEPTION '% n''a pas encore répondu.', x.email USING ERRCODE = 'LI404';
	END IF;
	RETURN QUERY SELECT x.email, x.repondu_at, x.reponse;
END
$$;

CREATE FUNCTION mailsec_reponse_fichiers(p_destinataire bigint)
RETURNS TABLE (id bigint, nom text, mime text, taille bigint, sha256 text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
BEGIN
	PERFORM mailsec_reponse(p_destinataire);
	RETURN QUERY SELECT f.id, f.nom, f.mime, f.taille, f.sha256 FROM mailsec_reponse_fichier f
	WHERE f.destinataire_id = p_destinataire ORDER BY f.id;
END
$$;

CREATE FUNCTION mailsec_reponse_fichier_data(p_fichier bigint) RETURNS TABLE (nom text, data bytea)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	f mailsec_reponse_fichier;
BEGIN
	SELECT * INTO f FROM mailsec_reponse_fichier WHERE id = p_fichier;
	IF f.id IS NULL THEN
		RAISE EXCEPTION 'Fichier % introuvable.', p_fichier USING ERRCODE = 'LI404';
	END IF;
	PERFORM mailsec_reponse(f.destinataire_id);
	RETURN QUERY SELECT f.nom, f.data;
END
$$;

------------------------------------------------------------------------
-- Recipient pages (liasse serve): owner roles only
------------------------------------------------------------------------

CREATE FUNCTION mailsec_web_require() RETURNS void
LANGUAGE plpgsql STABLE SET search_path = liasse, pg_catalog AS $$
BEGIN
	IF NOT dossier_system_caller() THEN
		RAISE EXCEPTION 'Réservé au serveur des destinataires.' USING ERRCODE = 'LI403';
	END IF;
END
$$;

-- The recipient a link's key hash designates. STATUT: 'ok', 'inconnu'
-- (no such link, or the dossier was deleted), 'non-recu' (the mail was
-- declared not received before this recipient read it), 'bloque' (too
-- many wrong passwords: BLOQUE_JUSQU).
CREATE FUNCTION mailsec_web_lien(p_hash bytea)
RETURNS TABLE (statut text, destinataire_id bigint, dossier_id bigint, email text,
	       password_hash text, bloque_jusqu timestamptz, lu boolean, repondu boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	x mailsec_destinataire;
	d dossier;
BEGIN
	PERFORM mailsec_web_require();
	SELECT m.* INTO x FROM mailsec_lien l JOIN mailsec_destinataire m ON m.id = l.destinataire_id
	WHERE l.hash = p_hash;
	IF x.id IS NULL THEN
		RETURN QUERY SELECT 'inconnu'::text, NULL::bigint, NULL::bigint, NULL::text, NULL::text,
			NULL::timestamptz, false, false;
		RETURN;
	END IF;
	SELECT * INTO d FROM dossier WHERE id = x.dossier_id;
	RETURN QUERY SELECT
		CASE WHEN d.etat = 'non-recu' AND x.lu_at IS NULL THEN 'non-recu'
		     WHEN x.bloque_jusqu > now() THEN 'bloque' ELSE 'ok' END,
		x.id, x.dossier_id, x.email,
		(SELECT v.valeur FROM dossier_valeur v WHERE v.dossier_id = d.id AND v.champ = 'password'),
		x.bloque_jusqu, x.lu_at IS NOT NULL, x.repondu_at IS NOT NULL;
END
$$;

-- A wrong password: after 5 failures in a row the link is blocked for 1
-- minute, doubling with each further failure (at most one day).
CREATE FUNCTION mailsec_web_password(p_destinataire bigint, p_ok boolean) RETURNS timestamptz
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	x mailsec_destinataire;
BEGIN
	PERFORM mailsec_web_require();
	SELECT * INTO x FROM mailsec_destinataire WHERE id = p_destinataire FOR UPDATE;
	IF p_ok THEN
		UPDATE mailsec_destinataire SET echecs = 0, bloque_jusqu = NULL WHERE id = x.id;
		RETURN NULL;
	END IF;
	x.echecs := x.echecs + 1;
	IF x.echecs >= 5 THEN
		x.bloque_jusqu := now() + least(interval '1 minute' * power(2, least(x.echecs - 5, 11)),
						interval '1 day');
		PERFORM journal_append(9, x.entite_id, x.dossier_id, 'mot de passe',
			format('%s : %s mots de passe erronés, lien bloqué jusqu''à %s', x.email, x.echecs,
			       to_char(x.bloque_jusqu AT TIME ZONE 'Europe/Paris', 'DD/MM/YYYY HH24:MI:SS')));
	END IF;
	UPDATE mailsec_destinataire SET echecs = x.echecs, bloque_jusqu = x.bloque_jusqu WHERE id = x.id;
	RETURN x.bloque_jusqu;
END
$$;

CREATE FUNCTION mailsec_web_session_add(p_destinataire bigint, p_hash bytea) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
BEGIN
	PERFORM mailsec_web_require();
	DELETE FROM mailsec_session WHERE expire_at < now();
	INSERT INTO mailsec_session (hash, destinataire_id, entite_id, expire_at)
	SELECT p_hash, x.id, x.entite_id, now() + interval '12 hours'
	FROM mailsec_destinataire x WHERE x.id = p_destinataire;
END
$$;

CREATE FUNCTION mailsec_web_session_ok(p_destinataire bigint, p_hash bytea) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
BEGIN
	PERFORM mailsec_web_require();
	RETURN EXISTS (SELECT FROM mailsec_session WHERE hash = p_hash
		       AND destinataire_id = p_destinataire AND expire_at > now());
END
$$;

-- What the recipient sees; records the first reading (journal, state
-- reception-partielle or reception, counters).
CREATE FUNCTION mailsec_web_message(p_destinataire bigint)
RETURNS TABLE (entite text, objet text, message text, destinataires text, copie text,
	       reponse text, reponse_at timestamptz, repondu_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	x mailsec_destinataire;
	d dossier;
	v_unread bigint;
BEGIN
	PERFORM mailsec_web_require();
	SELECT * INTO x FROM mailsec_destinataire WHERE id = p_destinataire;
	SELECT * INTO d FROM dossier WHERE id = x.dossier_id FOR UPDATE;
	IF x.lu_at IS NULL THEN
		UPDATE mailsec_destinataire SET lu_at = now() WHERE id = x.id;
		PERFORM journal_append(1, d.entite_id, d.id, 'lecture',
			format('%s a consulté le message', x.email));
		SELECT count(*) INTO v_unread FROM mailsec_destinataire
		WHERE dossier_id = d.id AND lu_at IS NULL;
		IF d.etat IN ('envoi-mail', 'renvoi', 'reception-partielle') THEN
			PERFORM dossier_action(d.id, CASE WHEN v_unread = 0 THEN 'reception'
						      ELSE 'reception-partielle' END, NULL,
					       format('Lu par %s', x.email));
		END IF;
		PERFORM mailsec_compteurs(d.id);
	END IF;
	RETURN QUERY SELECT (SELECT e.denomination FROM entite e WHERE e.id = d.entite_id),
		dossier_values_text(d.id, 'objet'), dossier_values_text(d.id, 'message'),
		dossier_values_text(d.id, 'to'), dossier_values_text(d.id, 'cc'),
		x.reponse, x.reponse_at, x.repondu_at;
END
$$;

-- The dossier's attachments (field document_attache), for the page.
CREATE FUNCTION mailsec_web_documents(p_destinataire bigint)
RETURNS TABLE (fichier_id bigint, n integer, nom text, mime text, taille bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
BEGIN
	PERFORM mailsec_web_require();
	RETURN QUERY SELECT f.id, f.n, f.nom, coalesce(f.mime, 'application/octet-stream'), f.taille
	FROM mailsec_destinataire x JOIN fichier f ON f.dossier_id = x.dossier_id
	WHERE x.id = p_destinataire AND f.champ = 'document_attache' AND f.complet
	ORDER BY f.n;
END
$$;

CREATE FUNCTION mailsec_web_bloc(p_fichier bigint, p_n integer) RETURNS bytea
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
BEGIN
	PERFORM mailsec_web_require();
	RETURN (SELECT data FROM fichier_bloc WHERE fichier_id = p_fichier AND n = p_n);
END
$$;

-- The draft answer (editable until validated).
CREATE FUNCTION mailsec_web_reponse_save(p_destinataire bigint, p_reponse text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	x mailsec_destinataire;
BEGIN
	PERFORM mailsec_web_require();
	SELECT * INTO x FROM mailsec_destinataire WHERE id = p_destinataire FOR UPDATE;
	IF x.repondu_at IS NOT NULL THEN
		RAISE EXCEPTION 'Votre réponse a déjà été validée : elle ne peut plus être modifiée.'
			USING ERRCODE = 'LI409';
	END IF;
	IF btrim(coalesce(p_reponse, '')) = '' THEN
		RAISE EXCEPTION 'La réponse est obligatoire.' USING ERRCODE = 'LI400';
	END IF;
	IF length(p_reponse) > 20000 THEN
		RAISE EXCEPTION 'La réponse est trop longue (20 000 caractères au plus).' USING ERRCODE = 'LI400';
	END IF;
	UPDATE mailsec_destinataire SET reponse = p_reponse, reponse_at = now() WHERE id = x.id;
END
$$;

-- A file of the draft answer: 20 Mo each, 10 files, 50 Mo in all; the type
-- comes from the content (fichier_sniff), not from the browser.
CREATE FUNCTION mailsec_web_fichier_add(p_destinataire bigint, p_nom text, p_data bytea)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	x mailsec_destinataire;
	v_nom text := nullif(btrim(regexp_replace(coalesce(p_nom, ''), '^.*[/\\]', '')), '');
	v_id bigint;
	v_mime text;
BEGIN
	PERFORM mailsec_web_require();
	SELECT * INTO x FROM mailsec_destinataire WHERE id = p_destinataire FOR UPDATE;
	IF x.repondu_at IS NOT NULL THEN
		RAISE EXCEPTION 'Votre réponse a déjà été validée : elle ne peut plus être modifiée.'
			USING ERRCODE = 'LI409';
	END IF;
	IF v_nom IS NULL OR p_data IS NULL OR length(p_data) = 0 THEN
		RAISE EXCEPTION 'Fichier vide ou sans nom.' USING ERRCODE = 'LI400';
	END IF;
	IF length(p_data) > 20 * 1024 * 1024 THEN
		RAISE EXCEPTION 'Le fichier « % » dépasse 20 Mo.', v_nom USING ERRCODE = 'LI400';
	END IF;
	IF (SELECT count(*) FROM mailsec_reponse_fichier WHERE destinataire_id = x.id) >= 10 THEN
		RAISE EXCEPTION 'Dix fichiers au plus par réponse.' USING ERRCODE = 'LI400';
	END IF;
	IF (SELECT coalesce(sum(taille), 0) FROM mailsec_reponse_fichier WHERE destinataire_id = x.id)
	   + length(p_data) > 50 * 1024 * 1024 THEN
		RAISE EXCEPTION 'Les fichiers de la réponse dépassent 50 Mo au total.' USING ERRCODE = 'LI400';
	END IF;
	v_mime := coalesce(fichier_sniff(substr(p_data, 1, 4096)), 'application/octet-stream');
	INSERT INTO mailsec_reponse_fichier (destinataire_id, entite_id, nom, mime, taille, sha256, data)
	VALUES (x.id, x.entite_id, left(v_nom, 200), v_mime, length(p_data), encode(sha256(p_data), 'hex'),
		p_data)
	RETURNING id INTO v_id;
	RETURN v_id;
END
$$;

CREATE FUNCTION mailsec_web_fichier_delete(p_destinataire bigint, p_fichier bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
BEGIN
	PERFORM mailsec_web_require();
	IF EXISTS (SELECT FROM mailsec_destinataire WHERE id = p_destinataire AND repondu_at IS NOT NULL) THEN
		RAISE EXCEPTION 'Votre réponse a déjà été validée : elle ne peut plus être modifiée.'
			USING ERRCODE = 'LI409';
	END IF;
	DELETE FROM mailsec_reponse_fichier WHERE id = p_fichier AND destinataire_id = p_destinataire;
END
$$;

CREATE FUNCTION mailsec_web_fichiers(p_destinataire bigint)
RETURNS TABLE (id bigint, nom text, mime text, taille bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
BEGIN
	PERFORM mailsec_web_require();
	RETURN QUERY SELECT f.id, f.nom, f.mime, f.taille FROM mailsec_reponse_fichier f
	WHERE f.destinataire_id = p_destinataire ORDER BY f.id;
END
$$;

-- Validates the draft answer: journal, counters, notification to the lists.
CREATE FUNCTION mailsec_web_valider(p_destinataire bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = liasse, pg_catalog AS $$
DECLARE
	x mailsec_destinataire;
BEGIN
	PERFORM mailsec_web_require();
	SELECT * INTO x FROM mailsec_destinataire WHERE id = p_destinataire FOR UPDATE;
	IF x.repondu_at IS NOT NULL THEN
		RAISE EXCEPTION 'Votre réponse a déjà été validée.' USING ERRCODE = 'LI409';
	END IF;
	IF btrim(coalesce(x.reponse, '')) = '' THEN
		RAISE EXCEPTION 'Enregistrez d''abord votre réponse.' USING ERRCODE = 'LI400';
	END IF;
	PERFORM 1 FROM dossier WHERE id = x.dossier_id FOR UPDATE;
	UPDATE mailsec_destinataire SET repondu_at = now() WHERE id = x.id;
	PERFORM journal_append(1, x.entite_id, x.dossier_id, 'réponse',
		format('%s a répondu', x.email));
	PERFORM mailsec_compteurs(x.dossier_id);
	PERFORM pg_notify('liasse_mailsec_reponse', format('%s:%s:%s', x.entite_id, x.dossier_id, x.id));
END
$$;

------------------------------------------------------------------------
-- Privileges and Row Level Security
------------------------------------------------------------------------

GRANT SELECT ON annuaire_contact, annuaire_groupe, annuaire_groupe_contact, annuaire_role,
	mailsec_destinataire TO liasse_agent;
REVOKE EXECUTE ON FUNCTION mailsec_prepare(bigint, text), mailsec_lien_add(bigint, bytea),
	mailsec_envoye(bigint, text), mailsec_compteurs(bigint), mailsec_web_require(),
	mailsec_web_lien(bytea), mailsec_web_password(bigint, boolean),
	mailsec_web_session_add(bigint, bytea), mailsec_web_session_ok(bigint, bytea),
	mailsec_web_message(bigint), mailsec_web_documents(bigint), mailsec_web_bloc(bigint, integer),
	mailsec_web_reponse_save(bigint, text), mailsec_web_fichier_add(bigint, text, bytea),
	mailsec_web_fichier_delete(bigint, bigint), mailsec_web_fichiers(bigint),
	mailsec_web_valider(bigint)
	FROM liasse_agent;

ALTER TABLE annuaire_contact ENABLE ROW LEVEL SECURITY;
CREATE POLICY annuaire_contact_lecture ON annuaire_contact FOR SELECT
	USING (entite_id = ANY ((SELECT entites_with_right('annuaire:lecture'))::bigint[]));
ALTER TABLE annuaire_groupe ENABLE ROW LEVEL SECURITY;
CREATE POLICY annuaire_groupe_lecture ON annuaire_groupe FOR SELECT
	USING (entite_id = ANY ((SELECT entites_with_right('annuaire:lecture'))::bigint[]));
ALTER TABLE annuaire_groupe_contact ENABLE ROW LEVEL SECURITY;
CREATE POLICY annuaire_groupe_contact_lecture ON annuaire_groupe_contact FOR SELECT
	USING (entite_id = ANY ((SELECT entites_with_right('annuaire:lecture'))::bigint[]));
ALTER TABLE annuaire_role ENABLE ROW LEVEL SECURITY;
CREATE POLICY annuaire_role_lecture ON annuaire_role FOR SELECT
	USING (entite_id = ANY ((SELECT entites_with_right('annuaire:lecture'))::bigint[]));
ALTER TABLE mailsec_destinataire ENABLE ROW LEVEL SECURITY;
CREATE POLICY mailsec_destinataire_lecture ON mailsec_destinataire FOR SELECT
	USING (entite_id = ANY ((SELECT entites_with_right('mailsec-bidir:lecture'))::bigint[]));
-- Hashes of links and sessions, salts and reply files: readable under the
-- same rule (a hash opens nothing); written only through the functions.
GRANT SELECT ON mailsec_dossier, mailsec_lien, mailsec_session, mailsec_reponse_fichier
	TO liasse_agent;
ALTER TABLE mailsec_dossier ENABLE ROW LEVEL SECURITY;
CREATE POLICY mailsec_dossier_lecture ON mailsec_dossier FOR SELECT
	USING (entite_id = ANY ((SELECT entites_with_right('mailsec-bidir:lecture'))::bigint[]));
ALTER TABLE mailsec_lien ENABLE ROW LEVEL SECURITY;
CREATE POLICY mailsec_lien_lecture ON mailsec_lien FOR SELECT
	USING (entite_id = ANY ((SELECT entites_with_right('mailsec-bidir:lecture'))::bigint[]));
ALTER TABLE mailsec_session ENABLE ROW LEVEL SECURITY;
CREATE POLICY mailsec_session_lecture ON mailsec_session FOR SELECT
	USING (entite_id = ANY ((SELECT entites_with_right('mailsec-bidir:lecture'))::bigint[]));
ALTER TABLE mailsec_reponse_fichier ENABLE ROW LEVEL SECURITY;
CREATE POLICY mailsec_reponse_fichier_lecture ON mailsec_reponse_fichier FOR SELECT
	USING (entite_id = ANY ((SELECT entites_with_right('mailsec-bidir:lecture'))::bigint[]));
