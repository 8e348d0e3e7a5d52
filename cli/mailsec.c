/* liasse mailsec password|send|status|resend|non-recu|reponse: the mail
 * sécurisé avec réponse (type mailsec-bidir) from scripts. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/i18n.h"
#include "core/mailsec.h"
#include "core/strbuf.h"

#define USAGE_MAILSEC                                                                          \
	N_("usage : liasse mailsec password ID          (lit le mot de passe sur l'entrée standard ; vide = aucun)\n" \
	   "        liasse mailsec send ID              (programme l'envoi : action envoi-mail)\n"   \
	   "        liasse mailsec status ID            (compteurs et destinataires)\n"             \
	   "        liasse mailsec resend ID [DESTINATAIRE_ID]\n"                                  \
	   "        liasse mailsec non-recu ID\n"                                                  \
	   "        liasse mailsec reponse DESTINATAIRE_ID [--fichier N --sortie CHEMIN]")

static char *
read_password(void)
{
	struct termios old, raw;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	if (tty) {
		fputs(_("Mot de passe (vide : aucun) : "), stderr);
		raw = old;
		raw.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
	}
	char buf[512];
	char *r = fgets(buf, sizeof buf, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (!r)
		buf[0] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	char *pw = xstrdup(buf);
	memset(buf, 0, sizeof buf);
	return pw;
}

static int
print_action(struct cli *cli, struct db *db, const char *sql, int n, const char *const *p)
{
	struct err err = { 0 };
	PGresult *r = db_query(db, sql, n, p, &err);
	if (!r)
		return cli_fail(cli, &err);
	if (PQntuples(r) == 1 && PQnfields(r) >= 4) {
		if (PQgetvalue(r, 0, 3)[0] == 't')
			printf(_("Programmé : le démon enverra les messages (état actuel : %s).\n"),
			       PQgetvalue(r, 0, 1));
		else
			printf(_("État : %s\n"), PQgetvalue(r, 0, 1));
	}
	PQclear(r);
	return EXIT_OK;
}

static int
cmd_status(struct cli *cli, struct db *db, const char *id)
{
	struct err err = { 0 };
	const char *p[] = { id };
	PGresult *d = db_query(db,
			       "SELECT d.etat, liasse.dossier_etat_label(d.type, d.type_version, d.etat), d.titre, "
			       "coalesce(liasse.dossier_values_text(d.id, 'sent_mail_number'), '0'), "
			       "coalesce(liasse.dossier_values_text(d.id, 'sent_mail_read'), '0'), "
			       "coalesce(liasse.dossier_values_text(d.id, 'sent_mail_answered'), '0') "
			       "FROM liasse.dossier d WHERE d.id = $1 AND d.type = 'mailsec-bidir'",
			       1, p, &err);
	if (!d)
		return cli_fail(cli, &err);
	if (PQntuples(d) != 1) {
		PQclear(d);
		err_set(&err, ERR_NOT_FOUND, _("Mail sécurisé %s introuvable."), id);
		return cli_fail(cli, &err);
	}
	fputs(_("titre : "), stdout);
	cli_put_clean(PQgetvalue(d, 0, 2));
	printf(_("\nétat : %s (%s)\ndestinataires : %s\nlus : %s\nrépondus : %s\n"), PQgetvalue(d, 0, 0),
	       PQgetvalue(d, 0, 1), PQgetvalue(d, 0, 3), PQgetvalue(d, 0, 4), PQgetvalue(d, 0, 5));
	PQclear(d);
	PGresult *r = db_query(db,
			       "SELECT id, type, email, "
			       "coalesce(to_char(envoye_at, 'YYYY-MM-DD HH24:MI:SS'), '-'), "
			       "coalesce(to_char(renvoye_at, 'YYYY-MM-DD HH24:MI:SS'), '-'), nb_envois, "
			       "coalesce(to_char(lu_at, 'YYYY-MM-DD HH24:MI:SS'), '-'), "
			       "coalesce(to_char(repondu_at, 'YYYY-MM-DD HH24:MI:SS'), '-'), "
			       "CASE WHEN lien_actif THEN 'actif' ELSE 'inactif' END, coalesce(erreur, '') "
			       "FROM liasse.mailsec_destinataires($1)",
			       1, p, &err);
	if (!r)
		return cli_fail(cli, &err);
	printf(_("# id\ttype\tadresse\tenvoi\tdernier envoi\tenvois\tlecture\tréponse\tlien\terreur\n"));
	for (int i = 0; i < PQntuples(r); i++) {
		for (int j = 0; j < PQnfields(r); j++) {
			if (j)
				putchar('\t');
			cli_put_clean(PQgetvalue(r, i, j));
		}
		putchar('\n');
	}
	PQclear(r);
	return EXIT_OK;
}

static int
cmd_reponse(struct cli *cli, struct db *db, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "fichier", required_argument, NULL, 'f' },
		{ "sortie", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	long long dest = 0, fichier = 0;
	const char *out = NULL;
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'f' && cli_parse_id(optarg, &fichier))
			continue;
		if (c == 'o') {
			out = optarg;
			continue;
		}
		return cli_usage("%s", _(USAGE_MAILSEC));
	}
	if (optind != argc - 1 || !cli_parse_id(argv[optind], &dest) || (fichier && !out) || (out && !fichier))
		return cli_usage("%s", _(USAGE_MAILSEC));
	struct err err = { 0 };
	const char *p[] = { argv[optind] };
	if (fichier) {
		char fs[32];
		snprintf(fs, sizeof fs, "%lld", fichier);
		if (!mailsec_reponse_fichier_save(db, fs, out, &err))
			return cli_fail(cli, &err);
		return EXIT_OK;
	}
	PGresult *r = db_query(db, "SELECT email, to_char(repondu_at, 'YYYY-MM-DD HH24:MI:SS'), reponse "
				   "FROM liasse.mailsec_reponse($1)", 1, p, &err);
	if (!r)
		return cli_fail(cli, &err);
	printf(_("de : %s\nle : %s\n\n%s\n"), PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2));
	PQclear(r);
	r = db_query(db, "SELECT id, nom, mime, taille, sha256 FROM liasse.mailsec_reponse_fichiers($1)", 1, p,
		     &err);
	if (!r)
		return cli_fail(cli, &err);
	for (int i = 0; i < PQntuples(r); i++) {
		printf(_("fichier %s : "), PQgetvalue(r, i, 0));
		cli_put_clean(PQgetvalue(r, i, 1));
		printf(" (%s, %s octets, sha256 %s)\n", PQgetvalue(r, i, 2), PQgetvalue(r, i, 3),
		       PQgetvalue(r, i, 4));
	}
	PQclear(r);
	return EXIT_OK;
}

CLI_COMMAND(mailsec, 57, N_("mail sécurisé : mot de passe, envoi, suivi, renvoi, non reçu, réponses"))

int
cli_mailsec(struct cli *cli, int argc, char **argv)
{
	if (argc < 3)
		return cli_usage("%s", _(USAGE_MAILSEC));
	const char *sub = argv[1];
	long long id;
	if (strcmp(sub, "reponse") != 0 && (!cli_parse_id(argv[2], &id) ||
					    argc > (strcmp(sub, "resend") == 0 ? 4 : 3)))
		return cli_usage("%s", _(USAGE_MAILSEC));
	long long dest = 0;
	if (!strcmp(sub, "resend") && argc == 4 && !cli_parse_id(argv[3], &dest))
		return cli_usage(_("identifiant de destinataire invalide : « %s »"), argv[3]);
	if (strcmp(sub, "password") && strcmp(sub, "send") && strcmp(sub, "status") &&
	    strcmp(sub, "resend") && strcmp(sub, "non-recu") && strcmp(sub, "reponse"))
		return cli_usage(_("sous-commande inconnue : « mailsec %s »\n%s"), sub, _(USAGE_MAILSEC));
	struct db *db = cli_db_open(cli);
	if (!db)
		return EXIT_FAIL;
	struct err err = { 0 };
	int rc = EXIT_OK;
	const char *p[] = { argv[2], argc == 4 ? argv[3] : NULL };
	if (!strcmp(sub, "password")) {
		char *pw = read_password();
		if (!mailsec_password_set(db, id, -1, pw, NULL, &err))
			rc = cli_fail(cli, &err);
		else
			printf(*pw ? _("Mot de passe enregistré (empreinte PBKDF2 uniquement).\n")
				   : _("Mot de passe retiré.\n"));
		memset(pw, 0, strlen(pw));
		free(pw);
	} else if (!strcmp(sub, "send")) {
		rc = print_action(cli, db, "SELECT * FROM liasse.dossier_action($1, 'envoi-mail')", 1, p);
	} else if (!strcmp(sub, "status")) {
		rc = cmd_status(cli, db, argv[2]);
	} else if (!strcmp(sub, "resend")) {
		rc = print_action(cli, db, "SELECT * FROM liasse.mailsec_renvoyer($1, $2)", 2, p);
	} else if (!strcmp(sub, "non-recu")) {
		rc = print_action(cli, db, "SELECT * FROM liasse.dossier_action($1, 'non-recu')", 1, p);
	} else {
		rc = cmd_reponse(cli, db, argc - 1, argv + 1);
	}
	db_close(&db);
	return rc;
}
