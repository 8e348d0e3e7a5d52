/* The local target of the dépôt connector (see depot.h): a folder, or a
 * share mounted there. A file is written as "NAME.part" beside its final
 * name and renamed (renameat2 RENAME_NOREPLACE when the name must not be
 * replaced, a check then rename(2) on a file system without it). Also the
 * private local folder of a run and Tester la connexion for the folder. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/depot.h"
#include "core/i18n.h"

struct local_target {
	struct depot_target base;
	char root[1024];
};

static char *
local_path(struct depot_target *base, const char *rel, const char *suffix)
{
	struct strbuf s = STRBUF_INIT;
	sb_printf(&s, "%s/%s%s", ((struct local_target *)base)->root, rel, suffix);
	return sb_take(&s);
}

static bool
local_exists(struct depot_target *base, const char *rel, bool *exists, struct err *err)
{
	(void)err;
	struct stat st;
	char *p = local_path(base, rel, "");
	*exists = lstat(p, &st) == 0;
	free(p);
	return true;
}

static bool
local_mkdir(struct depot_target *base, const char *rel, struct err *err)
{
	char *p = local_path(base, rel, "");
	bool ok = mkdir(p, 0750) == 0 || errno == EEXIST;
	if (!ok)
		err_set(err, ERR_IO, _("Création du répertoire « %s » impossible dans le dépôt."), rel),
			err_detail(err, "mkdir %s: %s", p, strerror(errno));
	free(p);
	return ok;
}

static char *
local_staging(struct depot_target *base, const char *rel)
{
	return local_path(base, rel, ".part");
}

/* rename(2) that refuses to replace TO unless REPLACE. */
static bool
local_move(const char *from, const char *to, const char *rel, bool replace, struct err *err)
{
	int rc = replace ? rename(from, to) : renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
	if (rc != 0 && !replace && (errno == EINVAL || errno == ENOSYS)) { /* a share without it */
		struct stat st;
		rc = lstat(to, &st) == 0 ? (errno = EEXIST, -1) : rename(from, to);
	}
	if (rc == 0)
		return true;
	if (errno == EEXIST || errno == ENOTEMPTY)
		err_set(err, ERR_DB_CONFLICT, _("« %s » existe déjà dans le dépôt."), rel);
	else
		err_set(err, ERR_IO, _("Écriture de « %s » impossible dans le dépôt."), rel);
	return err_detail(err, "rename %s -> %s: %s", from, to, strerror(errno));
}

static bool
local_commit(struct depot_target *base, const char *staging, const char *rel, bool replace, struct err *err)
{
	char *p = local_path(base, rel, "");
	bool ok = local_move(staging, p, rel, replace, err);
	if (!ok)
		unlink(staging);
	free(p);
	return ok;
}

static bool
local_rename(struct depot_target *base, const char *from, const char *to, struct err *err)
{
	char *a = local_path(base, from, ""), *b = local_path(base, to, "");
	bool ok = local_move(a, b, to, false, err);
	free(a);
	free(b);
	return ok;
}

static void
local_close(struct depot_target *base)
{
	free(base);
}

static const struct depot_target_ops local_ops = {
	.exists = local_exists,
	.mkdir = local_mkdir,
	.staging = local_staging,
	.commit = local_commit,
	.rename = local_rename,
	.close = local_close,
};

struct depot_target *
depot_local_open(const struct connector_config *cfg, const char *tmpdir, struct err *err)
{
	const char *root = connector_config_get(cfg, "depot_local_directory");
	struct stat st;
	if (!root || root[0] != '/' || stat(root, &st) != 0 || !S_ISDIR(st.st_mode))
		return err_set(err, ERR_IO, _("Le dossier de dépôt « %s » n'existe pas ou n'est pas un répertoire."),
			       root ? root : ""), NULL;
	struct local_target *t = xcalloc(1, sizeof *t);
	t->base.ops = &local_ops;
	t->base.tmpdir = tmpdir;
	str_copy(t->root, sizeof t->root, root);
	str_copy(t->base.where, sizeof t->base.where, root);
	return &t->base;
}

/* ---- private local folder of a run ---- */

char *
depot_tmpdir(struct err *err)
{
	const char *tmp = getenv("TMPDIR");
	struct strbuf s = STRBUF_INIT;
	sb_printf(&s, "%s/liasse-depot-XXXXXX", tmp && tmp[0] == '/' ? tmp : "/tmp");
	char *d = sb_take(&s);
	if (!mkdtemp(d)) {
		err_set(err, ERR_IO, _("Dossier provisoire impossible à créer (%s)."), strerror(errno));
		free(d);
		return NULL;
	}
	return d;
}

void
depot_tmpdir_remove(char **dir)
{
	if (!*dir)
		return;
	DIR *d = opendir(*dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			char p[4400];
			snprintf(p, sizeof p, "%s/%s", *dir, e->d_name);
			unlink(p);
		}
	}
	if (d)
		closedir(d);
	rmdir(*dir);
	free(*dir);
	*dir = NULL;
}

bool
depot_local_test(const struct connector_config *cfg, struct strbuf *message, struct err *err)
{
	const char *root = connector_config_get(cfg, "depot_local_directory");
	struct stat st;
	if (!root || stat(root, &st) != 0 || !S_ISDIR(st.st_mode))
		return err_set(err, ERR_IO, _("Le dossier de dépôt « %s » n'existe pas."), root ? root : "");
	if (access(root, W_OK | X_OK) != 0)
		return err_set(err, ERR_IO, _("Le dossier de dépôt « %s » n'est pas accessible en écriture."), root);
	sb_printf(message, _("Le dossier de dépôt « %s » est accessible en écriture."), root);
	return true;
}
