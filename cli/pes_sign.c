/* liasse pes sign IN OUT / liasse pes verify FILE */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/pes.h"
#include "cli/signing.h"
#include "core/i18n.h"
#include "core/xades.h"

PES_SUBCOMMAND(sign, N_("signe un PES Aller (XAdES, par bordereau ou global) : sign ENTRÉE SORTIE"))
PES_SUBCOMMAND(verify, N_("vérifie toutes les signatures d'un PES : verify FICHIER"))

int
cli_pes_sign(struct cli *cli, int argc, char **argv)
{
	struct sign_opts so = { 0 };
	struct xades_sign_opts xo = { 0 };
	int first = sign_parse_options(argc, argv, "pes sign", &so, &xo);
	if (first < 0)
		return EXIT_USAGE;
	if (argc - first != 2)
		return cli_usage(_("« liasse pes sign » attend ENTRÉE et SORTIE"));
	const char *in = argv[first], *out = argv[first + 1];

	/* check the file before touching the card */
	struct err err = { 0 };
	struct xades_plan plan;
	if (!xades_plan_file(in, &plan, &err))
		return cli_fail(cli, &err);
	sign_print_pes_plan(&plan);
	struct sign_conf conf;
	xades_opts_from_conf(&xo, &conf);
	sign_print_place(&xo);
	xo.allow_not_dematerialised = true;

	struct sign_session ss;
	if (!sign_session_open(cli, &so, &ss))
		return EXIT_FAIL;
	xo.progress = sign_progress;
	size_t n = 0;
	bool ok = xades_sign_file(in, out, ss.signer, &xo, &n, &err);
	sign_session_close(&ss);
	if (!ok)
		return cli_fail(cli, &err);
	printf(_("PES signé et vérifié : %zu signature(s) %s, écrit dans %s\n"), n,
	       plan.global ? _("globale") : _("par bordereau"), out);
	return EXIT_OK;
}

int
cli_pes_verify(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ca", required_argument, NULL, 'a' },
		{ "crl", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	struct xades_verify_opts vo = { 0 };
	int c;
	optind = 0; /* full re-initialisation of GNU getopt */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': vo.ca_path = optarg; break;
		case 'l': vo.crl_path = optarg; break;
		default:
			return cli_usage(_("option inconnue ou incomplète pour « pes verify » : %s"),
					 argv[optind - 1]);
		}
	}
	if (vo.crl_path && !vo.ca_path)
		return cli_usage(_("--crl demande aussi --ca"));
	if (argc - optind != 1)
		return cli_usage(_("« liasse pes verify » attend un FICHIER"));
	struct err err = { 0 };
	struct xades_report rep;
	if (!xades_verify_file(argv[optind], &vo, &rep, &err)) {
		cli_fail(cli, &err);
		/* duplicate Ids: the signatures cannot be trusted (1), not an
		 * unreadable file (2) */
		return err.code == ERR_UNSAFE ? EXIT_FAIL : EXIT_USAGE;
	}
	if (rep.n_sigs == 0)
		printf(_("Aucune signature dans ce fichier.\n"));
	for (size_t i = 0; i < rep.n_sigs; i++) {
		const struct xades_sig_result *r = &rep.sigs[i];
		printf(_("Signature %zu : %s\n"), i + 1, r->target);
		printf(_("  signataire : %s%s%s%s\n"), r->signer[0] ? r->signer : _("(inconnu)"),
		       r->issuer[0] ? _(" (AC : ") : "", r->issuer, r->issuer[0] ? ")" : "");
		printf(_("  date       : %s\n"), r->signing_time[0] ? r->signing_time : _("(absente)"));
		printf(_("  politique  : %s\n"), r->policy[0] ? r->policy : _("(absente)"));
		if (r->role[0])
			printf(_("  qualité    : %s\n"), r->role);
		printf(_("  algorithme : %s%s\n"), r->algorithm,
		       r->compliant ? "" : _(" (non conforme à la politique DGFiP)"));
		if (r->remarks[0])
			printf(_("  remarques  : %s\n"), r->remarks);
		if (r->valid)
			printf(_("  résultat   : VALIDE\n"));
		else
			printf(_("  résultat   : INVALIDE : %s\n"), r->problem);
	}
	if (rep.n_unsigned)
		printf(_("Bordereaux non signés : %zu sur %zu (%s)\n"), rep.n_unsigned,
		       rep.n_bordereaux, rep.unsigned_ids);
	bool ok = rep.all_valid;
	printf(ok ? _("Résultat : toutes les signatures sont valides.\n")
		  : _("Résultat : ÉCHEC de la vérification.\n"));
	xades_report_free(&rep);
	return ok ? EXIT_OK : EXIT_FAIL;
}
