/* liasse utilisateur list|show|create|modifier|droits|retirer|activer|desactiver
 * liasse role list [--droits] */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/i18n.h"
#include "core/sign_profil.h"
#include "core/strbuf.h"
#include "core/utilisateur.h"

#define USAGE_UTILISATEUR                                                                    \
	N_("usage : liasse utilisateur list [--entite ID]\n"                                 \
	   "        liasse utilisateur show IDENTIFIANT\n"                                   \
	   "        liasse utilisateur create --entite ID [--nom N] [--prenom P] [--email E]\n" \
	   "                 [--password-file FICHIER | --sans-mot-de-passe] IDENTIFIANT\n"    \
	   "        liasse utilisateur modifier IDENTIFIANT --qualite QUALITÉ\n"           \
	   "        liasse utilisateur droits IDENTIFIANT RÔLE ENTITÉ\n"                     \
	   "        liasse utilisateur retirer IDENTIFIANT RÔLE ENTITÉ\n"                    \
	   "        liasse utilisateur activer|desactiver IDENTIFIANT")

#define PASSWORD_MAX 256

static void
chomp(char *s)
{
	s[strcspn(s, "\r\n")] = '\0';
}

/* Reads one line from the terminal with echo off; false + err. */
static bool
prompt_hidden(FILE *tty, const char *prompt, char *buf, size_t n, struct err *err)
{
	struct termios old, quiet;
	int fd = fileno(tty);
	if (tcgetattr(fd, &old) != 0)
		return err_set(err, ERR_IO, _("Impossible de masquer la saisie du mot de passe."));
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	fputs(prompt, stderr);
	fflush(stderr);
	tcsetattr(fd, TCSAFLUSH, &quiet);
	bool ok = fgets(buf, (int)n, tty) != NULL;
	tcsetattr(fd, TCSAFLUSH, &old);
	if (!ok)
		return err_set(err, ERR_INPUT, _("Saisie du mot de passe interrompue."));
	chomp(buf);
	return true;
}

/* The new user's password: from FILE's first line ("-" = standard input),
 * else typed twice on the terminal. */
static bool
read_password(const char *file, char *buf, size_t n, struct err *err)
{
	if (file) {
		FILE *fp = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
		if (!fp) {
			err_set(err, ERR_IO, _("Impossible de lire le fichier « %s »."), file);
			return err_detail(err, "%s", strerror(errno));
		}
		bool ok = fgets(buf, (int)n, fp) != NULL;
		if (fp != stdin)
			fclose(fp);
		if (ok)
			chomp(buf);
		if (!ok || !*buf)
			return err_set(err, ERR_INPUT, _("Le fichier « %s » ne contient pas de mot de "
							 "passe."),
				       file);
		return true;
	}
	FILE *tty = fopen("/dev/tty", "r+");
	if (!tty)
		return err_set(err, ERR_USAGE,
			       _("Pas de terminal pour saisir le mot de passe : utilisez "
				 "--password-file ou --sans-mot-de-passe."));
	char again[PASSWORD_MAX];
	bool ok = prompt_hidden(tty, _("Mot de passe : "), buf, n, err) &&
		  prompt_hidden(tty, _("Mot de passe (confirmation) : "), again, sizeof(again), err);
	fclose(tty);
	if (ok && strcmp(buf, again) != 0)
		ok = err_set(err, ERR_INPUT, _("Les deux saisies du mot de passe diffèrent."));
	else if (ok && !*buf)
		ok = err_set(err, ERR_INPUT, _("Mot de passe vide."));
	explicit_bzero(again, sizeof(again));
	return ok;
}

static int
cmd_create(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "entite", required_argument, NULL, 'e' },
		{ "nom", required_argument, NULL, 'n' },
		{ "prenom", required_argument, NULL, 'p' },
		{ "email", required_argument, NULL, 'm' },
		{ "password-file", required_argument, NULL, 'f' },
		{ "sans-mot-de-passe", no_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 },
	};
	long long entite = 0;
	const char *nom = "", *prenom = "", *email = NULL, *file = NULL;
	bool no_password = false;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (!cli_parse_id(optarg, &entite))
				return cli_usage(_("identifiant d'entité invalide : « %s »"), optarg);
			break;
		case 'n':
			nom = optarg;
			break;
		case 'p':
			prenom = optarg;
			break;
		case 'm':
			email = optarg;
			break;
		case 'f':
			file = optarg;
			break;
		case 'N':
			no_password = true;
			break;
		default:
			return cli_usage("%s", _(USAGE_UTILISATEUR));
		}
	}
	if (!entite || optind != argc - 1 || (file && no_password))
		return cli_usage("%s", _(USAGE_UTILISATEUR));
	const char *login = argv[optind];
	struct err err = { 0 };
	char password[PASSWORD_MAX] = "";
	if (!no_password && !read_password(file, password, sizeof(password), &err))
		return cli_fail(cli, &err);
	struct db *db = cli_db_open(cli);
	int rc = EXIT_FAIL;
	long long id;
	if (db) {
		if (utilisateur_create(db, login, no_password ? NULL : password, nom, prenom, email,
				       entite, &id, &err)) {
			printf("%lld\n", id);
			rc = EXIT_OK;
		} else {
			rc = cli_fail(cli, &err);
		}
		db_close(&db);
	}
	explicit_bzero(password, sizeof(password));
	return rc;
}

static int
cmd_list(struct cli *cli, struct db *db, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "entite", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	long long entite = 0;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'e' || !cli_parse_id(optarg, &entite))
			return cli_usage("%s", _(USAGE_UTILISATEUR));
	}
	if (optind < argc)
		return cli_usage(_("argument en trop : « %s »"), argv[optind]);
	struct err err = { 0 };
	struct utilisateur_list list;
	if (!utilisateur_list_load(db, entite, &list, &err))
		return cli_fail(cli, &err);
	for (size_t i = 0; i < list.n; i++) {
		const struct utilisateur *u = &list.v[i];
		printf("%lld\t%s\t%lld\t%s\t", u->id, u->login, u->entite_id,
		       u->actif ? _("oui") : _("non"));
		cli_put_clean(u->nom);
		putchar('\t');
		cli_put_clean(u->prenom);
		putchar('\t');
		cli_put_clean(u->email);
		putchar('\n');
	}
	utilisateur_list_free(&list);
	return EXIT_OK;
}

static int
cmd_show(struct cli *cli, struct db *db, const char *login)
{
	struct err err = { 0 };
	struct utilisateur u;
	struct role_pairs roles;
	if (!utilisateur_load(db, login, &u, &err))
		return cli_fail(cli, &err);
	printf(_("id : %lld\nidentifiant : %s\n"), u.id, u.login);
	fputs(_("nom : "), stdout);
	cli_put_clean(u.nom);
	fputs(_("\nprénom : "), stdout);
	cli_put_clean(u.prenom);
	fputs(_("\nemail : "), stdout);
	cli_put_clean(u.email);
	printf(_("\nentité : %lld\nactif : %s\n"), u.entite_id, u.actif ? _("oui") : _("non"));
	utilisateur_clear(&u);
	char q[160];
	if (!sign_role_load(db, login, q, sizeof q, &err))
		return cli_fail(cli, &err);
	fputs(_("qualité de signataire : "), stdout);
	if (q[0])
		cli_put_clean(q);
	else
		printf(_("%s (par défaut)"), SIGN_ROLE_DEFAULT);
	putchar('\n');
	if (!utilisateur_roles_load(db, login, &roles, &err))
		return cli_fail(cli, &err);
	printf(_("rôles :\n"));
	for (size_t i = 0; i < roles.n; i++) {
		printf("  %s\t%lld\t", roles.v[i].a, roles.v[i].entite_id);
		cli_put_clean(roles.v[i].b);
		putchar('\n');
	}
	role_pairs_free(&roles);
	return EXIT_OK;
}

/* modifier LOGIN --qualite Q: the signing role (ClaimedRole) of a PES. */
static int
cmd_update(struct cli *cli, struct db *db, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "qualite", required_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	const char *qualite = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'q')
			return cli_usage("%s", _(USAGE_UTILISATEUR));
		qualite = optarg;
	}
	if (optind != argc - 1 || !qualite)
		return cli_usage("%s", _(USAGE_UTILISATEUR));
	struct err err = { 0 };
	if (!sign_role_set(db, argv[optind], qualite, &err))
		return cli_fail(cli, &err);
	return EXIT_OK;
}

CLI_COMMAND(utilisateur, 21, N_("gère les utilisateurs et leurs rôles (list|show|create|modifier|"
				"droits|retirer|activer|desactiver)"))

int
cli_utilisateur(struct cli *cli, int argc, char **argv)
{
	static const char *const subs[] = { "list", "show", "create", "droits", "retirer",
					    "activer", "desactiver", "modifier", NULL };
	if (argc < 2)
		return cli_usage("%s", _(USAGE_UTILISATEUR));
	size_t k = 0;
	while (subs[k] && strcmp(subs[k], argv[1]) != 0)
		k++;
	if (!subs[k])
		return cli_usage(_("sous-commande inconnue : « utilisateur %s »\n%s"), argv[1],
				 _(USAGE_UTILISATEUR));
	if (k == 2)
		return cmd_create(cli, argc - 1, argv + 1);
	long long entite = 0;
	if ((k == 1 || k == 5 || k == 6) && argc != 3)
		return cli_usage("%s", _(USAGE_UTILISATEUR));
	if ((k == 3 || k == 4) && (argc != 5 || !cli_parse_id(argv[4], &entite)))
		return cli_usage("%s", _(USAGE_UTILISATEUR));
	struct db *db = cli_db_open(cli);
	if (!db)
		return EXIT_FAIL;
	struct err err = { 0 };
	int rc = EXIT_OK;
	bool ok = true;
	switch (k) {
	case 0:
		rc = cmd_list(cli, db, argc - 1, argv + 1);
		break;
	case 1:
		rc = cmd_show(cli, db, argv[2]);
		break;
	case 3:
		ok = utilisateur_grant(db, argv[2], argv[3], entite, &err);
		break;
	case 4:
		ok = utilisateur_revoke(db, argv[2], argv[3], entite, &err);
		break;
	case 7:
		rc = cmd_update(cli, db, argc - 1, argv + 1);
		break;
	default:
		ok = utilisateur_set_active(db, argv[2], k == 5, &err);
		break;
	}
	if (!ok)
		rc = cli_fail(cli, &err);
	db_close(&db);
	return rc;
}

CLI_COMMAND(role, 22, N_("liste les rôles et leurs droits (list [--droits])"))

int
cli_role(struct cli *cli, int argc, char **argv)
{
	bool rights = false;
	if (argc < 2 || strcmp(argv[1], "list") != 0)
		return cli_usage(_("usage : liasse role list [--droits]"));
	if (argc == 3 && strcmp(argv[2], "--droits") == 0)
		rights = true;
	else if (argc != 2)
		return cli_usage(_("usage : liasse role list [--droits]"));
	struct db *db = cli_db_open(cli);
	if (!db)
		return EXIT_FAIL;
	struct err err = { 0 };
	struct role_pairs roles;
	int rc = EXIT_OK;
	if (role_list_load(db, rights, &roles, &err)) {
		for (size_t i = 0; i < roles.n; i++)
			printf("%s\t%s\n", roles.v[i].a, roles.v[i].b);
		role_pairs_free(&roles);
	} else {
		rc = cli_fail(cli, &err);
	}
	db_close(&db);
	return rc;
}
