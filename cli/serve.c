/* liasse serve [--listen ADRESSE:PORT]: the recipients' pages of the mail
 * sécurisé, in plain HTTP behind the syndicat's HTTPS reverse proxy. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/httpd.h"
#include "core/i18n.h"
#include "core/mailsec.h"

/* Replies carry files: 20 Mo each, 50 Mo in all, plus the form. */
#define SERVE_MAX_BODY (52u * 1024 * 1024)

CLI_COMMAND(serve, 65, N_("sert les pages des destinataires du mail sécurisé (--listen ADRESSE:PORT)"))

int
cli_serve(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	const char *listen = "127.0.0.1:8080";
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'l')
			return cli_usage(_("usage : liasse serve [--listen ADRESSE:PORT]"));
		listen = optarg;
	}
	if (optind < argc)
		return cli_usage(_("argument en trop : « %s »"), argv[optind]);
	struct err err = { 0 };
	struct serve_mailsec *s = serve_mailsec_new(cli->conninfo, &err);
	if (!s)
		return cli_fail(cli, &err);
	/* Block the signals before the server's thread starts: it inherits the
	 * mask, and the main thread waits for them. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	struct httpd *h = httpd_start(listen, SERVE_MAX_BODY, serve_mailsec_handle, s, &err);
	if (!h) {
		serve_mailsec_free(&s);
		return cli_fail(cli, &err);
	}
	fprintf(stderr, _("liasse serve : pages des destinataires sur http://%s/mail/… (arrêt : Ctrl-C)\n"),
		listen);
	int sig = 0;
	sigwait(&set, &sig);
	fprintf(stderr, _("liasse serve : arrêt (signal %d).\n"), sig);
	httpd_stop(&h);
	serve_mailsec_free(&s);
	return EXIT_OK;
}
