/* Signature place and role (see sign_profil.h). */
#include "core/sign_profil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "core/strbuf.h"

bool
sign_place_load(struct db *db, long long entite, struct sign_place *out, struct err *err)
{
	memset(out, 0, sizeof *out);
	char e[32];
	snprintf(e, sizeof e, "%lld", entite);
	const char *p[] = { e };
	PGresult *r = db_query(db, "SELECT ville, code_postal, source FROM "
				   "liasse.entite_lieu_signature($1::bigint)",
			       1, p, err);
	if (!r)
		return false;
	if (PQntuples(r) == 1) {
		str_copy(out->city, sizeof out->city, PQgetvalue(r, 0, 0));
		str_copy(out->postal_code, sizeof out->postal_code, PQgetvalue(r, 0, 1));
		out->source = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
		out->own = out->source == entite;
	}
	PQclear(r);
	return true;
}

bool
sign_place_set(struct db *db, long long entite, const char *city, const char *postal_code,
	       struct err *err)
{
	char e[32];
	snprintf(e, sizeof e, "%lld", entite);
	const char *p[] = { e, city ? city : "", postal_code ? postal_code : "" };
	return db_exec(db, "SELECT liasse.set_entite_lieu_signature($1::bigint, $2, $3)", 3, p, err);
}

bool
sign_role_load(struct db *db, const char *login, char *out, size_t n, struct err *err)
{
	const char *p[] = { login };
	PGresult *r = db_query(db, "SELECT coalesce(signature_qualite, '') FROM liasse.utilisateur "
				   "WHERE login = $1",
			       1, p, err);
	if (!r)
		return false;
	bool found = PQntuples(r) == 1;
	if (found)
		str_copy(out, n, PQgetvalue(r, 0, 0));
	PQclear(r);
	if (!found)
		return err_set(err, ERR_NOT_FOUND, _("Utilisateur « %s » introuvable."), login);
	return true;
}

bool
sign_role_set(struct db *db, const char *login, const char *role, struct err *err)
{
	char cur[160];
	if (!sign_role_load(db, login, cur, sizeof cur, err))
		return false;
	const char *p[] = { login, role ? role : "" };
	return db_exec(db, "SELECT liasse.set_utilisateur_qualite_signature("
			   "liasse.utilisateur_id($1), $2)",
		       2, p, err);
}

bool
sign_conf_get(const char *key, char *out, size_t n)
{
	struct strbuf path = STRBUF_INIT;
	const char *x = getenv("XDG_CONFIG_HOME"), *h = getenv("HOME");
	if (x && *x)
		sb_printf(&path, "%s/liasse/config", x);
	else if (h && *h)
		sb_printf(&path, "%s/.config/liasse/config", h);
	FILE *f = path.len ? fopen(sb_str(&path), "r") : NULL;
	sb_free(&path);
	if (!f)
		return false;
	char line[1024];
	size_t kl = strlen(key);
	bool found = false;
	while (fgets(line, sizeof line, f)) {
		char *s = line + strspn(line, " \t");
		if (strncmp(s, key, kl) != 0 || (s[kl] != ' ' && s[kl] != '\t'))
			continue;
		s += kl + strspn(s + kl, " \t");
		s[strcspn(s, "\r\n")] = '\0';
		str_copy(out, n, s);
		found = true;
	}
	fclose(f);
	return found;
}

void
sign_conf_load(struct sign_conf *c)
{
	memset(c, 0, sizeof *c);
	sign_conf_get("city", c->city, sizeof c->city);
	sign_conf_get("postal-code", c->postal_code, sizeof c->postal_code);
	sign_conf_get("role", c->role, sizeof c->role);
	sign_conf_get("crl", c->crl, sizeof c->crl);
	sign_conf_get("ca", c->ca, sizeof c->ca);
}
