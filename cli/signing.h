/* Shared by the signing subcommands (pes sign, document sign): choosing
 * the signer from the options, showing the certificate, reading the PIN. */
#ifndef LIASSE_CLI_SIGNING_H
#define LIASSE_CLI_SIGNING_H
#include <stdbool.h>

#include "cli/cli.h"
#include "core/sign_profil.h"
#include "core/signer.h"
#include "core/xades.h"

struct p11_module;

struct sign_opts {
	const char *module;   /* --pkcs11-module */
	const char *token;    /* --token */
	const char *key;      /* --key (software) */
	const char *cert;     /* --cert (software) */
	const char *pin_file; /* --pin-file */
	const char *crl;      /* --crl (else the configuration's "crl") */
	const char *ca;       /* --ca (else the configuration's "ca") */
	bool accept_revoked;  /* --accepter-revoque */
};

/* getopt_long entries for the options above; their values 1000..1007. */
#define SIGN_LONG_OPTIONS                                   \
	{ "pkcs11-module", required_argument, NULL, 1000 }, \
	{ "token", required_argument, NULL, 1001 },         \
	{ "key", required_argument, NULL, 1002 },           \
	{ "cert", required_argument, NULL, 1003 },          \
	{ "pin-file", required_argument, NULL, 1004 },      \
	{ "crl", required_argument, NULL, 1005 },           \
	{ "accepter-revoque", no_argument, NULL, 1006 },    \
	{ "ca", required_argument, NULL, 1007 }
/* Handles one of those options; false when C is not one of them. */
bool sign_opts_handle(struct sign_opts *o, int c, const char *arg);

/* The XAdES options of `pes sign` and `dossier signer`; values 1010..1013. */
#define XADES_LONG_OPTIONS                                   \
	{ "city", required_argument, NULL, 1010 },           \
	{ "postal-code", required_argument, NULL, 1011 },    \
	{ "role", required_argument, NULL, 1012 },           \
	{ "libersign", no_argument, NULL, 1013 }
bool xades_opts_handle(struct xades_sign_opts *o, int c, const char *arg);
/* Fills the place and role XO leaves unset from the configuration file
 * (CONF keeps the strings). */
void xades_opts_from_conf(struct xades_sign_opts *xo, struct sign_conf *conf);
/* Parses the signer and XAdES options of WHAT ("pes sign"); returns the
 * index of the first positional argument, -1 after a usage message. */
int sign_parse_options(int argc, char **argv, const char *what, struct sign_opts *so,
		       struct xades_sign_opts *xo);
/* Says on stderr what a PES will get (and warns about InfoDematerialisee). */
void sign_print_pes_plan(const struct xades_plan *plan);
/* Says on stderr the place and role a PES signature gets. */
void sign_print_place(const struct xades_sign_opts *xo);
/* Progress of a signature on stderr ("Signature 3/12") when it is a terminal. */
void sign_progress(void *data, size_t done, size_t total);

struct sign_session {
	struct p11_module *module;
	struct signer *signer;
};

/* Chooses the signer, prints its certificate on stderr, refuses a
 * certificate unfit for an RGS** signature or, when a CA is configured
 * (--ca or "ca"), one that does not chain to it (before any PIN), warns about
 * a certificate the CRL lists (« Certificat révoqué … ») and goes on only
 * with --accepter-revoque or a « o » typed at the terminal, reads the
 * PIN (terminal without echo, or the PIN file) and opens the signing
 * operation. Returns false after printing the error. */
bool sign_session_open(struct cli *cli, const struct sign_opts *o, struct sign_session *ss);
void sign_session_close(struct sign_session *ss);

/* `liasse dossier signer ID [options]`: ARGV[0] is the id (cli/dossier.c
 * hands over what follows "signer"). */
int cli_dossier_signer(struct cli *cli, int argc, char **argv);

/* Reads a PIN without echo from the terminal, or the first line of
 * PIN_FILE; the result is secret_strdup'ed (free with secret_free). */
char *pin_read(const char *prompt, const char *pin_file, struct err *err);

#endif
