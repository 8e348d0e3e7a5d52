/* liasse demo: a private PostgreSQL cluster with demo data.
 *
 * The cluster lives under $XDG_DATA_HOME/liasse/demo (default
 * ~/.local/share/liasse/demo), is created on first run and reused after.
 * PostgreSQL refuses to run as root: as root the server runs as the
 * `postgres` system user, and since root's home is closed to it, the
 * cluster's data then lives in that user's home
 * (~postgres/liasse-demo); the demo folder records where. */
#include <errno.h>
#include <getopt.h>
#include <glob.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/demo.h"
#include "core/embedded.h"
#include "core/i18n.h"
#include "core/log.h"
#include "core/migrate.h"
#include "core/strbuf.h"

CLI_COMMAND(demo, 90, N_("lance la démonstration sur une base privée"))

struct demo {
	char dir[1024];     /* the demo folder (XDG) */
	char pgdir[1100];   /* cluster folder: data/, socket, log */
	char bindir[512];   /* PostgreSQL programs */
	struct passwd *run_as; /* NULL, or postgres when we are root */
	char tdtdir[1100];  /* the S2LOW double: PKI, script, log */
	pid_t s2low_pid;    /* the S2LOW double (0: not running) */
	pid_t daemon_pid;   /* liasse daemon (0: not running) */
};

static bool
mkdirs(const char *path, mode_t mode)
{
	char buf[1024];
	str_copy(buf, sizeof(buf), path);
	for (char *p = buf + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (mkdir(buf, mode) != 0 && errno != EEXIST)
				return false;
			if (!c)
				return true;
			*p = c;
		}
	}
}

static bool
find_bindir(char *out, size_t n)
{
	const char *env = getenv("LIASSE_PG_BINDIR");
	if (env && *env) {
		str_copy(out, n, env);
		return true;
	}
	glob_t g;
	if (glob("/usr/lib/postgresql/*/bin/initdb", 0, NULL, &g) != 0)
		return false;
	/* Highest major version: compare numerically. */
	const char *best = NULL;
	int bestv = -1;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		int v = atoi(g.gl_pathv[i] + strlen("/usr/lib/postgresql/"));
		if (v > bestv) {
			bestv = v;
			best = g.gl_pathv[i];
		}
	}
	if (best) {
		str_copy(out, n, best);
		char *slash = strrchr(out, '/');
		if (slash)
			*slash = '\0';
	}
	globfree(&g);
	return best != NULL;
}

/* Runs ARGV (as the postgres user when root), output to LOG; exit status. */
static int
run(struct demo *d, const char *const argv[], const char *log)
{
	fflush(NULL); /* the child must not flush our buffers a second time */
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (d->run_as) {
			if (initgroups(d->run_as->pw_name, d->run_as->pw_gid) != 0 ||
			    setgid(d->run_as->pw_gid) != 0 || setuid(d->run_as->pw_uid) != 0)
				_exit(126);
		}
		if (log && !freopen(log, "a", stdout))
			_exit(126);
		if (log && !freopen(log, "a", stderr))
			_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static bool
prepare_dirs(struct demo *d, const char *dir_opt, struct err *err)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	if (dir_opt)
		str_copy(d->dir, sizeof(d->dir), dir_opt);
	else if (xdg && *xdg)
		snprintf(d->dir, sizeof(d->dir), "%s/liasse/demo", xdg);
	else if (home && *home)
		snprintf(d->dir, sizeof(d->dir), "%s/.local/share/liasse/demo", home);
	else
		return err_set(err, ERR_USAGE, _("Ni XDG_DATA_HOME ni HOME ne sont définis."));
	if (!mkdirs(d->dir, 0700))
		return err_set(err, ERR_IO, _("Impossible de créer le dossier %s."), d->dir);
	if (!find_bindir(d->bindir, sizeof(d->bindir)))
		return err_set(err, ERR_IO,
			       _("PostgreSQL est introuvable (initdb) : lancez « make deps » ou "
				 "installez le paquet postgresql."));
	if (geteuid() != 0) {
		snprintf(d->pgdir, sizeof(d->pgdir), "%s/pg", d->dir);
		return mkdirs(d->pgdir, 0700) ||
		       err_set(err, ERR_IO, _("Impossible de créer le dossier %s."), d->pgdir);
	}
	d->run_as = getpwnam("postgres");
	if (!d->run_as)
		return err_set(err, ERR_IO,
			       _("En root, la démonstration a besoin de l'utilisateur système "
				 "« postgres » (paquet postgresql)."));
	/* A private folder per demo folder, in postgres's home. */
	unsigned long h = 5381;
	for (const char *p = d->dir; *p; p++)
		h = h * 33 + (unsigned char)*p;
	snprintf(d->pgdir, sizeof(d->pgdir), "%s/liasse-demo-%08lx", d->run_as->pw_dir,
		 h & 0xffffffffUL);
	if (!mkdirs(d->pgdir, 0700) || chown(d->pgdir, d->run_as->pw_uid, d->run_as->pw_gid) != 0)
		return err_set(err, ERR_IO, _("Impossible de créer le dossier %s."), d->pgdir);
	char note[1100];
	snprintf(note, sizeof(note), "%s/cluster", d->dir);
	FILE *f = fopen(note, "w");
	if (f) {
		fprintf(f, "%s\n", d->pgdir);
		fclose(f);
	}
	return true;
}

static bool
start_cluster(struct demo *d, bool *created, struct err *err)
{
	char data[1200], log[1200], pgver[1300], initdb[600], pg_ctl[600], opts[1400];
	snprintf(data, sizeof(data), "%s/data", d->pgdir);
	snprintf(log, sizeof(log), "%s/postgresql.log", d->pgdir);
	snprintf(pgver, sizeof(pgver), "%s/PG_VERSION", data);
	snprintf(initdb, sizeof(initdb), "%s/initdb", d->bindir);
	snprintf(pg_ctl, sizeof(pg_ctl), "%s/pg_ctl", d->bindir);
	*created = access(pgver, F_OK) != 0;
	if (*created) {
		const char *argv[] = { initdb, "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
				 "--locale=C.UTF-8", NULL };
		if (run(d, argv, log) != 0)
			return err_set(err, ERR_IO,
				       _("La création du serveur PostgreSQL de démonstration a "
					 "échoué (voir %s)."),
				       log);
	}
	const char *status[] = { pg_ctl, "-D", data, "status", NULL };
	if (run(d, status, "/dev/null") == 0)
		return true; /* already running: reuse it */
	snprintf(opts, sizeof(opts), "-c listen_addresses='' -c unix_socket_directories='%s'",
		 d->pgdir);
	const char *argv[] = { pg_ctl, "-D", data, "-l", log, "-w", "-t", "60", "-o", opts, "start", NULL };
	if (run(d, argv, "/dev/null") != 0)
		return err_set(err, ERR_IO,
			       _("Le serveur PostgreSQL de démonstration ne démarre pas (voir %s)."),
			       log);
	return true;
}

static void
stop_cluster(struct demo *d)
{
	char data[1200], pg_ctl[600];
	snprintf(data, sizeof(data), "%s/data", d->pgdir);
	snprintf(pg_ctl, sizeof(pg_ctl), "%s/pg_ctl", d->bindir);
	const char *argv[] = { pg_ctl, "-D", data, "-m", "fast", "-w", "stop", NULL };
	run(d, argv, "/dev/null");
}

/* Creates the database, the schema and the demo data when missing. */
static bool
load(struct demo *d, struct err *err)
{
	char conninfo[1300];
	snprintf(conninfo, sizeof(conninfo), "host=%s dbname=postgres user=postgres", d->pgdir);
	struct db *db = db_open(conninfo, err);
	if (!db)
		return false;
	PGresult *r = db_query(db, "SELECT 1 FROM pg_database WHERE datname = 'liasse'", 0, NULL,
			       err);
	bool ok = r != NULL;
	if (ok && PQntuples(r) == 0)
		ok = db_exec(db, "CREATE DATABASE liasse", 0, NULL, err);
	PQclear(r);
	db_close(&db);
	if (!ok)
		return false;
	snprintf(conninfo, sizeof(conninfo), "host=%s dbname=liasse user=postgres", d->pgdir);
	db = db_open(conninfo, err);
	if (!db)
		return false;
	int applied;
	ok = db_init(db, &applied, err) && demo_data_load(db, err);
	db_close(&db);
	return ok;
}

static void
print_summary(const struct demo *d)
{
	printf(_("Démonstration prête.\n"
		 "  Dossier       : %s\n"
		 "  Serveur       : %s (socket Unix, pas de TCP)\n"
		 "  Base          : liasse\n\n"),
	       d->dir, d->pgdir);
	printf(_("Données : le Syndicat intercommunal de démonstration (centre de gestion),\n"
		 "les communes de Saint-Martin-les-Vignes, Beaulieu-sur-Loue et\n"
		 "Montagnac, et le service Eau et assainissement du syndicat.\n"
		 "Agents (rôles PostgreSQL, sans mot de passe sur ce serveur privé) :\n"
		 "  admin     Alice Admin, administratrice du syndicat (tous les droits)\n"
		 "  mdupont   Marie Dupont, secrétaire de Saint-Martin-les-Vignes et de\n"
		 "            Beaulieu-sur-Loue (actes, PES, documents, convocations)\n"
		 "  pmartin   Paul Martin, secrétaire de Montagnac (PES en lecture seule,\n"
		 "            actes et convocations)\n"));
	printf(_("\nPour s'y connecter, par exemple en tant que %s :\n"
		 "  export PGHOST=%s PGDATABASE=liasse PGUSER=%s\n"
		 "  liasse db status\n  psql\n"),
	       DEMO_DEFAULT_USER, d->pgdir, DEMO_DEFAULT_USER);
}

/* Writes embedded file NAME to DIR/NAME (folders created). */
static bool
write_embedded(const char *dir, const char *name, struct err *err)
{
	const struct embedded_file *f = embedded_find(name);
	char path[1400];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	bool ok = f && mkdirs(path, 0700);
	*slash = '/';
	FILE *fp = ok ? fopen(path, "wb") : NULL;
	ok = fp && fwrite(f->data, 1, f->len, fp) == f->len;
	if (fp && fclose(fp) != 0)
		ok = false;
	return ok || err_set(err, ERR_IO, _("Impossible d'écrire %s."), path);
}

/* The demo's TdT: the S2LOW test double (tests/s2low/lib.sh, carried by
 * the binary) on a loopback port, with a private PKI made once; then the
 * connectors pointed at it. */
static bool
tdt_start(struct demo *d, struct err *err)
{
	snprintf(d->tdtdir, sizeof(d->tdtdir), "%s/s2low", d->dir);
	char pidfile[1200], portfile[1200], log[1200];
	snprintf(pidfile, sizeof(pidfile), "%s/double.pid", d->tdtdir);
	snprintf(portfile, sizeof(portfile), "%s/port", d->tdtdir);
	snprintf(log, sizeof(log), "%s/demarrage.log", d->tdtdir);
	char marker[1200];
	snprintf(marker, sizeof(marker), "%s/pki-nouvelle", d->tdtdir);
	unlink(marker);
	if (!mkdirs(d->tdtdir, 0700))
		return err_set(err, ERR_IO, _("Impossible de créer le dossier %s."), d->tdtdir);
	if (!write_embedded(d->tdtdir, "tests/s2low/lib.sh", err) ||
	    !write_embedded(d->tdtdir, "tests/s2low/s2low_double.py", err) ||
	    !write_embedded(d->tdtdir, "core/demo/pes-acquit.xml", err))
		return false;
	unlink(pidfile);
	/* lib.sh's own functions: the certificates (made again when absent
	 * or ending within a day: a demo folder is kept from one run to the
	 * next), then the double (it answers each status poll with the next
	 * step: acquitted at once). */
	const char *argv[] = { "/bin/sh", "-c",
		"cd \"$1\" && . tests/s2low/lib.sh &&"
		" pki_ok() { [ -s ca.pem ] && for c in ca client server; do"
		"   openssl x509 -checkend 86400 -noout -in $c.pem >/dev/null 2>&1 || return 1; done; } &&"
		" { pki_ok || { rm -f ./*.pem ./*.key ./*.csr ./*.srl ./*.p12 ./*.ext &&"
		"   S2LOW_CERT_DAYS=365 s2low_certs . && : >pki-nouvelle; }; } &&"
		" s2low_start . --auto --auto-fast --acquit core/demo/pes-acquit.xml --state etat.pickle &&"
		" echo \"$S2LOW_PID\" > double.pid",
		"sh", d->tdtdir, NULL };
	struct demo self = *d;
	self.run_as = NULL; /* the double runs as the caller, not as postgres */
	if (run(&self, argv, log) != 0)
		return err_set(err, ERR_IO,
			       _("Le double de S²LOW de la démonstration ne démarre pas (python3 et openssl "
				 "sont-ils installés ? voir %s)."),
			       log);
	FILE *f = fopen(pidfile, "r");
	long pid = 0;
	if (f) {
		if (fscanf(f, "%ld", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	d->s2low_pid = (pid_t)pid;
	bool new_pki = access(marker, F_OK) == 0;
	unlink(marker);
	f = fopen(portfile, "r");
	long port = 0;
	if (f) {
		if (fscanf(f, "%ld", &port) != 1)
			port = 0;
		fclose(f);
	}
	if (pid <= 0 || port <= 0)
		return err_set(err, ERR_IO, _("Le double de S²LOW de la démonstration ne démarre pas (voir %s)."),
			       log);
	char url[64], conninfo[1300], pki[1200];
	snprintf(url, sizeof(url), "https://localhost:%ld", port);
	snprintf(pki, sizeof(pki), "%s", d->tdtdir);
	snprintf(conninfo, sizeof(conninfo), "host=%s dbname=liasse user=postgres", d->pgdir);
	struct db *db = db_open(conninfo, err);
	bool ok = db && demo_tdt_configure(db, url, pki, new_pki, err);
	db_close(&db);
	return ok;
}

/* liasse daemon in the background, on the demo database. */
static bool
daemon_start(struct demo *d, struct err *err)
{
	char self[4096], conninfo[1300], log[1200];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return err_set(err, ERR_IO, _("Impossible de retrouver le programme liasse."));
	self[n] = '\0';
	snprintf(conninfo, sizeof(conninfo), "host=%s dbname=liasse user=postgres", d->pgdir);
	snprintf(log, sizeof(log), "%s/demon.log", d->tdtdir);
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return err_set(err, ERR_IO, _("Impossible de lancer le démon : %s."), strerror(errno));
	if (pid == 0) {
		setpgid(0, 0); /* Ctrl-C in the shell of the demo is not for it */
		if (!freopen(log, "a", stdout) || !freopen(log, "a", stderr))
			_exit(126);
		execl(self, self, "--db", conninfo, "daemon", "--veille", "5", (char *)NULL);
		_exit(127);
	}
	d->daemon_pid = pid;
	return true;
}

/* Stops the daemon (SIGTERM: it finishes its job) and the double. */
static void
services_stop(struct demo *d)
{
	if (d->daemon_pid > 0) {
		kill(d->daemon_pid, SIGTERM);
		while (waitpid(d->daemon_pid, NULL, 0) < 0 && errno == EINTR)
			;
		d->daemon_pid = 0;
	}
	if (d->s2low_pid > 0) {
		kill(d->s2low_pid, SIGTERM);
		/* Not our child (started by a shell): wait until it is gone. */
		for (int i = 0; i < 50 && kill(d->s2low_pid, 0) == 0; i++)
			usleep(100000);
		d->s2low_pid = 0;
	}
}

static volatile sig_atomic_t demo_signal;

static void
demo_on_signal(int sig)
{
	demo_signal = sig;
}

/* Runs ARGV (or an interactive shell) with the demo's libpq environment. */
static int
run_inside(const struct demo *d, const char *user, bool shell, char **argv)
{
	setenv("PGHOST", d->pgdir, 1);
	setenv("PGDATABASE", "liasse", 1);
	setenv("PGUSER", user, 1);
	unsetenv("PGSERVICE");
	unsetenv("PGPORT");
	char *shell_argv[] = { NULL, NULL };
	char self[4096];
	if (!argv || !argv[0]) {
		const char *sh = getenv("SHELL");
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (!shell && n > 0) {
			/* The interface itself, as the demo agent. */
			self[n] = '\0';
			shell_argv[0] = self;
		} else {
			shell_argv[0] = (char *)(sh && *sh ? sh : "/bin/sh");
			printf(_("\nShell de démonstration (PGUSER=%s) : tapez « exit » pour arrêter "
				 "la démonstration.\n"),
			       user);
		}
		argv = shell_argv;
		fflush(stdout);
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return EXIT_FAIL;
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, _("liasse: impossible de lancer %s : %s\n"), argv[0],
			strerror(errno));
		_exit(127);
	}
	/* Ctrl-C belongs to the child; we only wait for it. SIGTERM or a
	 * closed terminal ends the child, then the demo stops cleanly (TdT,
	 * daemon, server). */
	signal(SIGINT, SIG_IGN);
	struct sigaction sa = { 0 }, old_term, old_hup;
	sa.sa_handler = demo_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);
	int st;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return EXIT_FAIL;
		if (demo_signal)
			kill(pid, SIGTERM);
	}
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	signal(SIGINT, SIG_DFL);
	return WIFEXITED(st) ? WEXITSTATUS(st) : EXIT_FAIL;
}

int
cli_demo(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "user", required_argument, NULL, 'u' },
		{ "keep", no_argument, NULL, 'k' },
		{ "shell", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *user = DEMO_DEFAULT_USER;
	bool keep = false, shell = false;
	int c;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case 'k':
			keep = true;
			break;
		case 's':
			shell = true;
			break;
		default:
			return cli_usage(_("usage : liasse demo [--dir DOSSIER] [--user LOGIN] "
					   "[--keep] [--shell] [-- COMMANDE...]"));
		}
	}
	struct demo d = { 0 };
	struct err err = { 0 };
	bool created;
	if (!prepare_dirs(&d, dir, &err))
		return cli_fail(cli, &err);
	if (!start_cluster(&d, &created, &err))
		return cli_fail(cli, &err);
	if (created)
		printf(_("Serveur PostgreSQL de démonstration créé dans %s.\n"), d.pgdir);
	int rc = EXIT_OK;
	if (!load(&d, &err)) {
		rc = cli_fail(cli, &err);
	} else {
		print_summary(&d);
		fflush(stdout);
		bool interactive = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
		if (optind < argc || interactive) {
			if (!tdt_start(&d, &err) || !daemon_start(&d, &err)) {
				/* The demo still works, without its TdT. */
				fprintf(stderr, _("liasse: %s\n"), err.msg);
				fprintf(stderr, _("liasse: la démonstration continue sans télétransmission.\n"));
				err_clear(&err);
			} else {
				printf(_("Télétransmission : double de S²LOW sur %s, démon liasse lancé "
					 "(journal : %s/demon.log).\n"),
				       d.tdtdir, d.tdtdir);
				fflush(stdout);
			}
			rc = run_inside(&d, user, shell, optind < argc ? argv + optind : NULL);
			services_stop(&d);
		}
	}
	if (!keep)
		stop_cluster(&d);
	else
		printf(_("Le serveur reste démarré (--keep) ; arrêt : pg_ctl -D %s/data stop\n"),
		       d.pgdir);
	return rc;
}
