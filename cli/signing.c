/* Signer selection and PIN entry for the signing subcommands. */
#include <fcntl.h>
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
	default: return false;
	}
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
