/* Signer selection and PIN entry for the signing subcommands. */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli/signing.h"
#include "core/cert.h"
#include "core/i18n.h"
#include "core/sign_dossier.h"
#include "core/strbuf.h"
#include "pkcs11/p11.h"

bool
sign_opts_handle(struct sign_opts *o, int c, const char *arg)
{
	switch (c) {
	case 1000: o->module = arg; return true;
	case 1001: o->token = arg; return true;
	case 1002: o->key = arg; return true;
	case 1003: o->cert = arg; return true;
	case 1004: o->pin_file = arg; return true;
	case 1005: o->crl = arg; return true;
	case 1006: o->accept_revoked = true; return true;
	case 1007: o->ca = arg; return true;
	default: return false;
	}
}

bool
xades_opts_handle(struct xades_sign_opts *o, int c, const char *arg)
{
	switch (c) {
	case 1010: o->city = arg; return true;
	case 1011: o->postal_code = arg; return true;
	case 1012: o->role = arg; return true;
	case 1013: o->certdigest_sha1 = true; return true;
	default: return false;
	}
}

void
xades_opts_from_conf(struct xades_sign_opts *xo, struct sign_conf *conf)
{
	sign_conf_load(conf);
	if (!xo->city && !xo->postal_code && conf->city[0] && conf->postal_code[0]) {
		xo->city = conf->city;
		xo->postal_code = conf->postal_code;
	}
	if (!xo->role && conf->role[0])
		xo->role = conf->role;
}

int
sign_parse_options(int argc, char **argv, const char *what, struct sign_opts *so,
		   struct xades_sign_opts *xo)
{
	static const struct option longopts[] = {
		SIGN_LONG_OPTIONS,
		XADES_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	int c;
	optind = 0; /* full re-initialisation of GNU getopt */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (!sign_opts_handle(so, c, optarg) && !xades_opts_handle(xo, c, optarg)) {
			cli_usage(_("option inconnue ou incomplète pour « %s » : %s"), what,
				  argv[optind - 1]);
			return -1;
		}
	}
	return optind;
}

void
sign_print_pes_plan(const struct xades_plan *plan)
{
	if (!plan->dematerialised)
		fprintf(stderr, _("Attention : InfoDematerialisee est absent ou à 0 dans ce PES ; "
				  "la DGFiP rejette un flux signé dans ce cas.\n"));
	if (plan->global)
		fprintf(stderr, _("Signature globale du fichier (PES_Aller %s).\n"), plan->root_id);
	else
		fprintf(stderr, _("Signature de %zu bordereau(x).\n"), plan->n_targets);
}

void
sign_print_place(const struct xades_sign_opts *xo)
{
	if (xo->city || xo->postal_code)
		fprintf(stderr, _("Lieu de signature : %s %s, France ; qualité : %s\n"),
			xo->postal_code ? xo->postal_code : "", xo->city ? xo->city : "",
			xo->role ? xo->role : SIGN_ROLE_DEFAULT);
	else
		fprintf(stderr, _("Lieu de signature : France (ville et code postal non réglés) ; qualité : %s\n"),
			xo->role ? xo->role : SIGN_ROLE_DEFAULT);
}

void
sign_progress(void *data, size_t done, size_t total)
{
	(void)data;
	if (total > 1 && isatty(STDERR_FILENO))
		fprintf(stderr, _("\rSignature %zu/%zu"), done, total);
	if (total > 1 && done == total && isatty(STDERR_FILENO))
		fputc('\n', stderr);
}

char *
pin_read(const char *prompt, const char *pin_file, struct err *err)
{
	char buf[256];
	size_t n = 0;
	int fd;
	bool tty = false;
	if (pin_file) {
		fd = open(pin_file, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			err_set(err, ERR_IO, _("Impossible de lire le fichier de code PIN « %s »."), pin_file);
			return NULL;
		}
	} else {
		fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			err_set(err, ERR_USAGE,
				_("Pas de terminal pour saisir le code PIN : utilisez --pin-file."));
			return NULL;
		}
		tty = true;
	}
	struct termios old, noecho;
	if (tty) {
		if (write(fd, prompt, strlen(prompt)) < 0) {
			/* nothing more to do: the prompt is a courtesy */
		}
		tcgetattr(fd, &old);
		noecho = old;
		noecho.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		noecho.c_lflag |= ICANON;
		tcsetattr(fd, TCSAFLUSH, &noecho);
	}
	char c;
	ssize_t r;
	while ((r = read(fd, &c, 1)) == 1 && c != '\n' && c != '\r')
		if (n + 1 < sizeof buf)
			buf[n++] = c;
	buf[n] = 0;
	if (tty) {
		tcsetattr(fd, TCSAFLUSH, &old);
		if (write(fd, "\n", 1) < 0) {
			/* ignore */
		}
	}
	close(fd);
	char *pin = n ? secret_strdup(buf) : NULL;
	OPENSSL_cleanse(buf, sizeof buf);
	if (!pin)
		err_set(err, ERR_INPUT, _("Aucun code PIN saisi : signature abandonnée."));
	return pin;
}

static void
print_cert(X509 *cert)
{
	struct cert_info ci;
	cert_describe(cert, &ci);
	fprintf(stderr, _("Certificat : %s\n"), ci.holder);
	fprintf(stderr, _("  émis par  : %s\n"), ci.issuer_cn);
	fprintf(stderr, _("  validité  : du %s au %s\n"), ci.not_before, ci.not_after);
	fprintf(stderr, _("  usages    : %s\n"), ci.key_usage[0] ? ci.key_usage : _("(non précisés)"));
	if (ci.policies[0])
		fprintf(stderr, _("  politiques: %s\n"), ci.policies);
}

/* Yes typed at the terminal to QUESTION; false without a terminal. */
static bool
tty_confirm(const char *question)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO))
		return false;
	FILE *tty = fopen("/dev/tty", "r+");
	if (!tty)
		return false;
	fputs(question, tty);
	fflush(tty);
	char ans[16] = "";
	bool yes = fgets(ans, sizeof ans, tty) && (ans[0] == 'o' || ans[0] == 'O');
	fclose(tty);
	return yes;
}

/* The CRL check: warns about a revoked certificate, and refuses it unless
 * told otherwise. False after printing the error. */
static bool
check_revoked(struct cli *cli, const struct sign_opts *o, X509 *cert)
{
	char conf[1024] = "";
	const char *crl = o->crl;
	if (!crl && sign_conf_get("crl", conf, sizeof conf) && conf[0])
		crl = conf;
	if (!crl)
		return true;
	struct err err = { 0 };
	bool revoked;
	char warning[768];
	if (!cert_check_revocation(cert, crl, time(NULL), &revoked, warning, sizeof warning, &err)) {
		fprintf(stderr, _("Attention : %s Révocation non vérifiée.\n"), err.msg);
		return true;
	}
	if (!revoked)
		return true;
	fprintf(stderr, "%s\n", warning);
	if (o->accept_revoked) {
		fprintf(stderr, _("Signature malgré la révocation (--accepter-revoque).\n"));
		return true;
	}
	if (tty_confirm(_("Signer quand même avec ce certificat révoqué ? [o/N] ")))
		return true;
	err_set(&err, ERR_INPUT,
		_("Signature refusée : certificat révoqué (--accepter-revoque pour signer malgré "
		  "tout)."));
	cli_fail(cli, &err);
	return false;
}

bool
sign_session_open(struct cli *cli, const struct sign_opts *o, struct sign_session *ss)
{
	struct err err = { 0 };
	memset(ss, 0, sizeof *ss);
	if ((o->key != NULL) != (o->cert != NULL)) {
		cli_usage(_("--key et --cert vont ensemble"));
		return false;
	}
	if (o->key) {
		ss->signer = signer_soft_new(o->key, o->cert, &err);
	} else {
		const char *mod = o->module ? o->module : getenv("LIASSE_PKCS11_MODULE");
		ss->module = p11_module_open(mod, &err);
		if (ss->module)
			ss->signer = p11_signer_new(ss->module, o->token, &err);
	}
	if (!ss->signer) {
		cli_fail(cli, &err);
		sign_session_close(ss);
		return false;
	}
	fprintf(stderr, _("Signataire : %s\n"), ss->signer->description);
	print_cert(signer_cert(ss->signer));
	if (!cert_check_signing(signer_cert(ss->signer), time(NULL), &err)) {
		cli_fail(cli, &err);
		sign_session_close(ss);
		return false;
	}
	char ca[1024] = "";
	const char *ca_path = o->ca;
	if (!ca_path && sign_conf_get("ca", ca, sizeof ca) && ca[0])
		ca_path = ca;
	if (ca_path && !cert_check_signing_chain(signer_cert(ss->signer), ca_path, &err)) {
		cli_fail(cli, &err);
		sign_session_close(ss);
		return false;
	}
	if (!check_revoked(cli, o, signer_cert(ss->signer))) {
		sign_session_close(ss);
		return false;
	}
	char *pin = NULL;
	if (ss->signer->needs_pin) {
		if (ss->signer->pin_state == SIGNER_PIN_LOCKED) {
			err_set(&err, ERR_INPUT,
				_("Carte bloquée : le code PIN a été refusé trop de fois. Débloquez-la "
				  "avec le code PUK."));
			cli_fail(cli, &err);
			sign_session_close(ss);
			return false;
		}
		if (ss->signer->pin_state == SIGNER_PIN_FINAL_TRY)
			fprintf(stderr, _("Attention : dernier essai de code PIN avant blocage de la carte.\n"));
		pin = pin_read(_("Code PIN : "), o->pin_file, &err);
		if (!pin) {
			cli_fail(cli, &err);
			sign_session_close(ss);
			return false;
		}
	} else if (ss->signer->pinpad) {
		fprintf(stderr, _("Saisissez le code PIN sur le clavier du lecteur.\n"));
	}
	bool ok = signer_begin(ss->signer, pin, &err);
	secret_free(&pin);
	if (!ok) {
		cli_fail(cli, &err);
		sign_session_close(ss);
		return false;
	}
	return true;
}

void
sign_session_close(struct sign_session *ss)
{
	signer_free(&ss->signer);
	p11_module_close(&ss->module);
}

int
cli_dossier_signer(struct cli *cli, int argc, char **argv)
{
	struct sign_opts so = { 0 };
	struct xades_sign_opts xo = { 0 };
	int first = sign_parse_options(argc, argv, "dossier signer", &so, &xo);
	if (first < 0)
		return EXIT_USAGE;
	if (argc - first != 1)
		return cli_usage(_("« liasse dossier signer » attend un identifiant de dossier"));
	char *end;
	long long id = strtoll(argv[first], &end, 10);
	if (*end || id <= 0)
		return cli_usage(_("identifiant de dossier invalide : « %s »"), argv[first]);
	struct db *db = cli_db_open(cli);
	if (!db)
		return EXIT_FAIL;
	/* Everything that can be checked is checked before the PIN. */
	struct err err = { 0 };
	struct sign_dossier_plan plan;
	if (!sign_dossier_prepare(db, id, &plan, &err)) {
		db_close(&db);
		return cli_fail(cli, &err);
	}
	fprintf(stderr, _("Dossier %lld « %s » (%s) : %s\n"), id, plan.titre, plan.etat_label,
		plan.nom);
	struct sign_conf conf;
	sign_conf_load(&conf);
	sign_dossier_fallback(&plan, conf.city, conf.postal_code, conf.role);
	struct xades_sign_opts eff;
	sign_dossier_opts(&plan, &xo, &eff);
	if (plan.pes) {
		sign_print_pes_plan(&plan.xplan);
		sign_print_place(&eff);
	} else {
		fprintf(stderr, _("Signature CAdES détachée du document.\n"));
	}
	struct sign_session ss;
	if (!sign_session_open(cli, &so, &ss)) {
		sign_dossier_plan_free(&plan);
		db_close(&db);
		return EXIT_FAIL;
	}
	xo.progress = sign_progress;
	struct sign_dossier_result res;
	bool ok = sign_dossier_run(db, &plan, ss.signer, &xo, &res, &err);
	sign_session_close(&ss);
	sign_dossier_plan_free(&plan);
	db_close(&db);
	if (!ok)
		return cli_fail(cli, &err);
	printf("etat: %s\netat_libelle: %s\nversion: %d\nsignatures: %zu\nfichier: %s\n"
	       "signataire: %s\ndate: %s\n",
	       res.etat, res.etat_label, res.version, res.n_signatures, res.stored_name, res.signer,
	       res.signing_time);
	return EXIT_OK;
}
