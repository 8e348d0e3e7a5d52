/* liasse db init|migrate|status */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/i18n.h"
#include "core/migrate.h"

static int
db_cmd_status(struct cli *cli, struct db *db)
{
	struct err err = { 0 };
	struct migration_status *st;
	size_t n;
	if (!db_status(db, &st, &n, &err))
		return cli_fail(cli, &err);
	int current = 0, pending = 0, changed = 0;
	for (size_t i = 0; i < n; i++) {
		if (st[i].applied && st[i].version > current)
			current = st[i].version;
		pending += !st[i].applied;
		changed += st[i].checksum_changed;
	}
	printf(_("Base : %s (utilisateur %s)\n"), PQdb(db->conn), db->user);
	printf(_("Version du schéma : %03d\n"), current);
	for (size_t i = 0; i < n; i++) {
		if (st[i].applied)
			printf(_("  appliquée   %s  (%s)%s\n"), st[i].name, st[i].applied_at,
			       st[i].checksum_changed ? _("  ATTENTION : fichier modifié depuis")
						      : "");
		else
			printf(_("  en attente  %s\n"), st[i].name);
	}
	if (pending)
		printf(_("%d migration(s) en attente : lancez « liasse db migrate ».\n"), pending);
	else
		printf(_("Schéma à jour.\n"));
	free(st);
	return changed ? EXIT_FAIL : EXIT_OK;
}

CLI_COMMAND(db, 10, N_("initialise, migre ou décrit le schéma de la base (init|migrate|status)"))

int
cli_db(struct cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage(_("« liasse db » attend init, migrate ou status"));
	const char *sub = argv[1];
	if (strcmp(sub, "init") && strcmp(sub, "migrate") && strcmp(sub, "status"))
		return cli_usage(_("sous-commande inconnue : « db %s » (init, migrate, status)"), sub);
	if (argc > 2)
		return cli_usage(_("argument en trop : « %s »"), argv[2]);
	struct db *db = cli_db_open(cli);
	if (!db)
		return EXIT_FAIL;
	struct err err = { 0 };
	int rc = EXIT_OK, applied = 0;
	if (strcmp(sub, "status") == 0) {
		rc = db_cmd_status(cli, db);
	} else if (strcmp(sub, "init") == 0) {
		if (db_init(db, &applied, &err))
			printf(_("Base initialisée : %d migration(s) appliquée(s).\n"), applied);
		else
			rc = cli_fail(cli, &err);
	} else {
		if (db_migrate(db, &applied, &err))
			printf(applied ? _("%d migration(s) appliquée(s).\n")
				       : _("Schéma déjà à jour (%d migration appliquée).\n"),
			       applied);
		else
			rc = cli_fail(cli, &err);
	}
	db_close(&db);
	return rc;
}
