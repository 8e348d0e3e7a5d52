/* liasse document sign DOC OUT.p7s | document verify DOC P7S | verify-cms DOC P7S */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/signing.h"
#include "core/cades.h"
#include "core/i18n.h"

CLI_COMMAND(document, 56, N_("signe un document (CAdES détachée, .p7s) ou vérifie sa signature (sign|verify)"))
CLI_COMMAND(verify_cms, 57, N_("vérifie une signature CMS/CAdES détachée : verify-cms DOCUMENT SIGNATURE"))

static int
do_verify(struct cli *cli, const char *doc, const char *p7s, const char *ca)
{
	struct err err = { 0 };
	struct cades_result r;
	if (!cades_verify_file(doc, p7s, ca, &r, &err)) {
		cli_fail(cli, &err);
		return EXIT_USAGE;
	}
	printf(_("Document   : %s\n"), doc);
	printf(_("Signataire : %s%s%s%s\n"), r.signer[0] ? r.signer : _("(inconnu)"),
	       r.issuer[0] ? _(" (AC : ") : "", r.issuer, r.issuer[0] ? ")" : "");
	printf(_("Date       : %s\n"), r.signing_time[0] ? r.signing_time : _("(absente)"));
	if (r.valid)
		printf(_("Résultat   : VALIDE%s\n"),
		       r.has_signing_cert_v2 ? _(" (CAdES-BES)") : _(" (CMS sans attribut signing-certificate-v2)"));
	else
		printf(_("Résultat   : INVALIDE : %s\n"), r.problem);
	return r.valid ? EXIT_OK : EXIT_FAIL;
}

static int
parse_ca(int argc, char **argv, const char **ca)
{
	static const struct option longopts[] = {
		{ "ca", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c != 'a')
			return -1;
		*ca = optarg;
	}
	return optind;
}

int
cli_verify_cms(struct cli *cli, int argc, char **argv)
{
	const char *ca = NULL;
	int i = parse_ca(argc, argv, &ca);
	if (i < 0 || argc - i != 2)
		return cli_usage(_("« liasse verify-cms » attend DOCUMENT et SIGNATURE [--ca FICHIER]"));
	return do_verify(cli, argv[i], argv[i + 1], ca);
}

int
cli_document(struct cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage(_("« liasse document » attend sign ou verify"));
	if (!strcmp(argv[1], "verify")) {
		const char *ca = NULL;
		int i = parse_ca(argc - 1, argv + 1, &ca);
		if (i < 0 || argc - 1 - i != 2)
			return cli_usage(_("« liasse document verify » attend DOCUMENT et SIGNATURE"));
		return do_verify(cli, argv[1 + i], argv[2 + i], ca);
	}
	if (strcmp(argv[1], "sign"))
		return cli_usage(_("sous-commande inconnue : « document %s » (sign, verify)"), argv[1]);
	static const struct option longopts[] = {
		SIGN_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct sign_opts so = { 0 };
	int c;
	optind = 0;
	opterr = 0;
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		if (!sign_opts_handle(&so, c, optarg))
			return cli_usage(_("option inconnue ou incomplète pour « document sign » : %s"),
					 argv[optind - 1]);
	if (argc - optind != 2)
		return cli_usage(_("« liasse document sign » attend DOCUMENT et SIGNATURE.p7s"));
	struct sign_session ss;
	if (!sign_session_open(cli, &so, &ss))
		return EXIT_FAIL;
	struct err err = { 0 };
	bool ok = cades_sign_file(argv[optind], argv[optind + 1], ss.signer, &err);
	sign_session_close(&ss);
	if (!ok)
		return cli_fail(cli, &err);
	printf(_("Document signé (CAdES détachée, vérifiée) : %s\n"), argv[optind + 1]);
	return EXIT_OK;
}
