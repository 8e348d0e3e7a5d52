/* File fields: a file picker on the machine the TUI runs on, and the
 * upload of the chosen file to the database in 1 MiB blocks (never the
 * whole file in memory), with its SHA-256. */
#include <dirent.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/i18n.h"
#include "tui/tui.h"
#include "tui/ui.h"

bool tui_upload_file(long long dossier, int version, const char *field, const char *path,
		     int *new_version, struct err *err);
char *tui_pick_file(void);

static char picker_dir[PATH_MAX];

static int
cmp_entry(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	bool dx = x[strlen(x) - 1] == '/', dy = y[strlen(y) - 1] == '/';
	if (dx != dy)
		return dx ? -1 : 1;
	return strcoll(x, y);
}

char *
tui_pick_file(void)
{
	if (!picker_dir[0] && !getcwd(picker_dir, sizeof(picker_dir)))
		str_copy(picker_dir, sizeof(picker_dir), "/");
	for (;;) {
		DIR *d = opendir(picker_dir);
		if (!d) {
			ui_message(true, _("Dossier illisible : %s"), picker_dir);
			return NULL;
		}
		char **names = NULL;
		size_t n = 0;
		names = xrealloc(names, sizeof(*names));
		names[n++] = xstrdup("../");
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			char full[PATH_MAX * 2];
			snprintf(full, sizeof(full), "%s/%s", picker_dir, e->d_name);
			struct stat st;
			if (stat(full, &st) != 0)
				continue;
			struct strbuf sb = STRBUF_INIT;
			sb_add(&sb, e->d_name);
			if (S_ISDIR(st.st_mode))
				sb_add(&sb, "/");
			else if (!S_ISREG(st.st_mode))
				continue;
			names = xrealloc(names, (n + 1) * sizeof(*names));
			names[n++] = sb_take(&sb);
		}
		closedir(d);
		qsort(names + 1, n - 1, sizeof(*names), cmp_entry);
		char title[PATH_MAX + 32];
		snprintf(title, sizeof(title), _("Choisir un fichier : %s"), picker_dir);
		int k = ui_pick(title, (const char *const *)names, n, n > 1 ? 1 : 0);
		char *chosen = k >= 0 ? xstrdup(names[k]) : NULL;
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
		if (!chosen)
			return NULL;
		size_t len = strlen(chosen);
		if (strcmp(chosen, "../") == 0) {
			char *slash = strrchr(picker_dir, '/');
			if (slash && slash != picker_dir)
				*slash = '\0';
			else
				str_copy(picker_dir, sizeof(picker_dir), "/");
		} else if (chosen[len - 1] == '/') {
			chosen[len - 1] = '\0';
			char next[PATH_MAX * 2];
			snprintf(next, sizeof(next), "%s%s%s", picker_dir,
				 strcmp(picker_dir, "/") == 0 ? "" : "/", chosen);
			str_copy(picker_dir, sizeof(picker_dir), next);
		} else {
			struct strbuf sb = STRBUF_INIT;
			sb_printf(&sb, "%s%s%s", picker_dir, strcmp(picker_dir, "/") == 0 ? "" : "/",
				  chosen);
			free(chosen);
			return sb_take(&sb);
		}
		free(chosen);
	}
}

static PGresult *
exec_bin(const char *sql, int n, const char *const *vals, const int *lens, const int *fmts,
	 struct err *err)
{
	if (ui.db_lost) {
		err_set(err, ERR_DB_CONNECT, _("Connexion à la base perdue."));
		return NULL;
	}
	PGresult *r = PQexecParams(ui.db->conn, sql, n, NULL, vals, lens, fmts, 0);
	ExecStatusType st = PQresultStatus(r);
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
		return r;
	db_err_from_result(ui.db, r, err);
	PQclear(r);
	if (PQstatus(ui.db->conn) != CONNECTION_OK)
		ui_db_lost();
	return NULL;
}

bool
tui_upload_file(long long dossier, int version, const char *field, const char *path,
		int *new_version, struct err *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return err_set(err, ERR_IO, _("Impossible de lire %s."), path);
	struct stat st;
	fstat(fileno(f), &st);
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char id[32], ver[16], size[32], fid[32], nb[16];
	snprintf(id, sizeof(id), "%lld", dossier);
	snprintf(ver, sizeof(ver), "%d", version);
	snprintf(size, sizeof(size), "%lld", (long long)st.st_size);
	bool ok = false;
	unsigned char *buf = NULL;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	if (!db_begin(ui.db, err))
		goto out;
	const char *p[] = { id, ver, field, base, size };
	PGresult *r = exec_bin("SELECT liasse.fichier_begin($1::bigint, $2::int, $3, $4, $5::bigint)",
			       5, p, NULL, NULL, err);
	if (!r)
		goto rollback;
	str_copy(fid, sizeof(fid), PQgetvalue(r, 0, 0));
	PQclear(r);
	buf = xmalloc(1 << 20);
	size_t got;
	for (int blk = 0; (got = fread(buf, 1, 1 << 20, f)) > 0; blk++) {
		EVP_DigestUpdate(md, buf, got);
		snprintf(nb, sizeof(nb), "%d", blk);
		const char *bp[] = { fid, nb, (const char *)buf };
		int lens[] = { 0, 0, (int)got }, fmts[] = { 0, 0, 1 };
		r = exec_bin("SELECT liasse.fichier_bloc_add($1::bigint, $2::int, $3::bytea)", 3, bp,
			     lens, fmts, err);
		if (!r)
			goto rollback;
		PQclear(r);
	}
	unsigned char dig[32];
	unsigned dl = 0;
	EVP_DigestFinal_ex(md, dig, &dl);
	char hex[65];
	for (unsigned i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", dig[i]);
	const char *fp[] = { fid, hex };
	r = exec_bin("SELECT version FROM liasse.fichier_finish($1::bigint, $2)", 2, fp, NULL, NULL,
		     err);
	if (!r)
		goto rollback;
	*new_version = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	ok = db_commit(ui.db, err);
	goto out;
rollback:
	db_rollback(ui.db);
out:
	EVP_MD_CTX_free(md);
	free(buf);
	fclose(f);
	return ok;
}

/* vim: set ts=8 sw=8 noexpandtab: */
