/* liasse daemon [--once] [--bail S] [--lot N] [--max N] [--veille S]
 * liasse daemon status
 * liasse daemon jobs
 * liasse daemon job relancer|suspendre|supprimer ID */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/daemon.h"
#include "core/log.h"

CLI_COMMAND(daemon, 70, N_("démon : exécute les travaux (connecteurs, actions automatiques)"))

static volatile sig_atomic_t stop_flag;

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void
stats_add(struct daemon_stats *t, const struct daemon_stats *s)
{
	t->runs += s->runs;
	t->done += s->done;
	t->waits += s->waits;
	t->retries += s->retries;
	t->failures += s->failures;
	t->suspended += s->suspended;
	t->lost += s->lost;
}

/* The database went away (restarted, network down): tries again after 1,
 * 2, 4... seconds, at most 30 apart, until it answers or the daemon is
 * asked to stop (NULL then). ERR holds why the connection was lost. */
static struct db *
reconnect(struct cli *cli, struct err *err)
{
	unsigned delay = 1;
	log_warn("démon %s : connexion à la base perdue (%s) ; nouvel essai dans %u s", daemon_id(), err->msg,
		 delay);
	while (!stop_flag) {
		sleep(delay); /* a signal ends it early */
		if (stop_flag)
			break;
		err_clear(err);
		struct db *db = db_open(cli->conninfo, err);
		if (db) {
			log_info("démon %s : connexion à la base rétablie", daemon_id());
			return db;
		}
		delay = delay < 16 ? delay * 2 : 30;
		log_warn("démon %s : base toujours injoignable (%s) ; nouvel essai dans %u s", daemon_id(), err->msg,
			 delay);
	}
	return NULL;
}

static bool
parse_int(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static int
daemon_jobs(struct cli *cli)
{
	struct db *db = cli_db_open(cli);
	if (!db)
		return EXIT_FAIL;
	struct err err = { 0 };
	PGresult *r = db_query(db,
		"SELECT j.id, coalesce(j.dossier_id::text, '-'), j.action, coalesce(j.famille, '-'),"
		" CASE WHEN j.locked_until > now() THEN 'en cours' ELSE j.etat END,"
		" to_char(j.run_at, 'YYYY-MM-DD HH24:MI:SS'), j.nb_try, coalesce(j.verrou, ''),"
		" coalesce(j.last_message, '')"
		" FROM liasse.job j ORDER BY j.run_at, j.id", 0, NULL, &err);
	if (!r) {
		db_close(&db);
		return cli_fail(cli, &err);
	}
	if (PQntuples(r))
		printf("%s\n", _("id\tdossier\taction\tfamille\tétat\tprochain essai\tessais\tverrou\tdernier message"));
	for (int i = 0; i < PQntuples(r); i++) {
		for (int c = 0; c < 9; c++)
			printf("%s%s", c ? "\t" : "", PQgetvalue(r, i, c));
		printf("\n");
	}
	PQclear(r);
	db_close(&db);
	return EXIT_OK;
}

static int
daemon_job(struct cli *cli, int argc, char **argv)
{
	if (argc != 4)
		return cli_usage(_("« daemon job » attend : relancer|suspendre|supprimer ID"));
	long id;
	if (strcmp(argv[2], "relancer") && strcmp(argv[2], "suspendre") && strcmp(argv[2], "supprimer"))
		return cli_usage(_("opération inconnue : « %s » (relancer, suspendre, supprimer)"), argv[2]);
	if (!parse_int(argv[3], 1, 0x7fffffffL, &id))
		return cli_usage(_("identifiant de travail invalide : « %s »"), argv[3]);
	struct db *db = cli_db_open(cli);
	if (!db)
		return EXIT_FAIL;
	struct err err = { 0 };
	const char *p[] = { argv[3], argv[2] };
	bool ok = db_exec(db, "SELECT liasse.job_admin($1, $2)", 2, p, &err);
	db_close(&db);
	return ok ? EXIT_OK : cli_fail(cli, &err);
}

/* For monitoring: exit 0 when a daemon is connected, 1 when none. */
static int
daemon_status(struct cli *cli)
{
	struct db *db = cli_db_open(cli);
	if (!db)
		return EXIT_FAIL;
	struct err err = { 0 };
	long n;
	bool ok = daemon_count(db, &n, &err);
	db_close(&db);
	if (!ok)
		return cli_fail(cli, &err);
	if (n == 0)
		printf("%s\n", _("Aucun démon connecté à la base : les travaux attendent."));
	else
		printf(n == 1 ? _("%ld démon connecté à la base.\n") : _("%ld démons connectés à la base.\n"), n);
	return n ? EXIT_OK : EXIT_FAIL;
}

int
cli_daemon(struct cli *cli, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "status") == 0)
		return argc == 2 ? daemon_status(cli) : cli_usage(_("argument en trop : « %s »"), argv[2]);
	if (argc >= 2 && strcmp(argv[1], "jobs") == 0)
		return argc == 2 ? daemon_jobs(cli) : cli_usage(_("argument en trop : « %s »"), argv[2]);
	if (argc >= 2 && strcmp(argv[1], "job") == 0)
		return daemon_job(cli, argc, argv);
	static const struct option lo[] = {
		{ "once", no_argument, NULL, 'o' },
		{ "bail", required_argument, NULL, 'b' },
		{ "lot", required_argument, NULL, 'l' },
		{ "max", required_argument, NULL, 'm' },
		{ "veille", required_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon_opts o;
	daemon_opts_init(&o);
	long v;
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'o':
			o.once = true;
			break;
		case 'b':
			if (!parse_int(optarg, 1, 86400, &v))
				return cli_usage(_("--bail attend un nombre de secondes (1 à 86400)"));
			o.lease = (int)v;
			break;
		case 'l':
			if (!parse_int(optarg, 1, 1000, &v))
				return cli_usage(_("--lot attend un nombre de travaux (1 à 1000)"));
			o.batch = (int)v;
			break;
		case 'm':
			if (!parse_int(optarg, 1, 1000000000L, &v))
				return cli_usage(_("--max attend un nombre de travaux"));
			o.max_jobs = v;
			break;
		case 'v':
			if (!parse_int(optarg, 1, 3600, &v))
				return cli_usage(_("--veille attend un nombre de secondes (1 à 3600)"));
			o.idle = (int)v;
			break;
		default:
			return cli_usage(_("option inconnue : « %s »"), argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage(_("argument en trop : « %s »"), argv[optind]);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART: the wait is interrupted */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	o.stop = &stop_flag;
	struct db *db = cli_db_open(cli);
	if (!db)
		return EXIT_FAIL;
	struct err err = { 0 };
	struct daemon_stats st, total = { 0 };
	bool ok;
	for (;;) {
		ok = daemon_run(db, &o, &st, &err);
		stats_add(&total, &st);
		db_close(&db);
		if (ok || err.code != ERR_DB_CONNECT || o.once || stop_flag)
			break;
		db = reconnect(cli, &err);
		if (!db) { /* stopped while waiting */
			ok = true;
			break;
		}
	}
	if (!ok)
		return cli_fail(cli, &err);
	if (o.once || cli->verbose)
		printf(_("%ld travaux : %ld actions, %ld attentes, %ld reprises, %ld erreurs, %ld suspendus\n"),
		       total.runs, total.done, total.waits, total.retries, total.failures, total.suspended);
	return EXIT_OK;
}
