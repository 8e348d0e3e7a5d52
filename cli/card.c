/* liasse card [--pkcs11-module PATH] | liasse card watch [--count N] [--timeout S] */
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "core/cert.h"
#include "core/i18n.h"
#include <p11-kit/pkcs11.h>

#include "pkcs11/p11.h"
#include "pkcs11/pcsc.h"

CLI_COMMAND(card, 60, N_("lecteurs, cartes et certificats de signature ; « card watch » suit les insertions"))

static void
hex_id(const unsigned char *id, size_t n, char *out, size_t outn)
{
	out[0] = 0;
	for (size_t i = 0; i < n && 2 * i + 3 <= outn; i++)
		snprintf(out + 2 * i, 3, "%02x", id[i]);
}

static int
card_list(struct cli *cli, const char *module)
{
	struct err err = { 0 };
	struct pcsc_reader *readers;
	size_t nr;
	int rc = EXIT_OK;
	printf(_("Lecteurs (PC/SC%s%s) :\n"), getenv("PCSCLITE_CSOCK_NAME") ? _(", socket ") : "",
	       getenv("PCSCLITE_CSOCK_NAME") ? getenv("PCSCLITE_CSOCK_NAME") : "");
	if (!pcsc_list(&readers, &nr, &err)) {
		printf("  %s\n", err.msg);
		err_clear(&err);
	} else {
		if (nr == 0)
			printf(_("  aucun lecteur\n"));
		for (size_t i = 0; i < nr; i++)
			printf(_("  %s : %s%s%s\n"), readers[i].name,
			       readers[i].card_present ? _("carte présente, ATR ") : _("pas de carte"),
			       readers[i].atr, readers[i].mute ? _(" (muette)") : "");
		free(readers);
	}

	struct p11_module *m = p11_module_open(module ? module : getenv("LIASSE_PKCS11_MODULE"), &err);
	if (!m)
		return cli_fail(cli, &err);
	printf(_("Module PKCS#11 : %s\n"), p11_module_path(m));
	struct p11_slot *slots;
	size_t ns;
	if (!p11_list_slots(m, &slots, &ns, &err)) {
		p11_module_close(&m);
		return cli_fail(cli, &err);
	}
	size_t tokens = 0;
	for (size_t i = 0; i < ns; i++) {
		if (!slots[i].token_present)
			continue;
		tokens++;
		if (!(slots[i].flags & CKF_TOKEN_INITIALIZED)) {
			printf(_("Carte non initialisée dans le lecteur %s\n"), slots[i].description);
			continue;
		}
		const char *flags = p11_pin_flags_text(slots[i].flags);
		printf(_("Carte « %s » (lecteur %s ; %s %s, n° %s)%s%s\n"), slots[i].label,
		       slots[i].description, slots[i].token_manufacturer, slots[i].model,
		       slots[i].serial, flags[0] ? " : " : "", flags);
		struct p11_cert *certs;
		size_t nc;
		if (!p11_list_certs(m, slots[i].id, &certs, &nc, &err)) {
			printf("  %s\n", err.msg);
			err_clear(&err);
			continue;
		}
		if (nc == 0)
			printf(_("  aucun certificat\n"));
		for (size_t k = 0; k < nc; k++) {
			struct cert_info ci;
			cert_describe(certs[k].cert, &ci);
			char id[130];
			hex_id(certs[k].id, certs[k].id_len, id, sizeof id);
			struct err e2 = { 0 };
			bool fit = cert_check_signing(certs[k].cert, time(NULL), &e2);
			printf(_("  certificat %s (id %s) : %s\n"), certs[k].label, id, ci.holder);
			printf(_("    émetteur   : %s\n"), ci.issuer_cn);
			printf(_("    n° série   : %s\n"), ci.serial);
			printf(_("    validité   : du %s au %s\n"), ci.not_before, ci.not_after);
			printf(_("    usages     : %s\n"), ci.key_usage[0] ? ci.key_usage : _("(non précisés)"));
			if (ci.policies[0])
				printf(_("    politiques : %s\n"), ci.policies);
			printf(_("    signature RGS : %s\n"), fit ? _("possible") : e2.msg);
		}
		p11_certs_free(&certs, nc);
	}
	if (tokens == 0)
		printf(_("Aucune carte présente.\n"));
	free(slots);
	p11_module_close(&m);
	return rc;
}

static int
card_watch(struct cli *cli, int count, int timeout)
{
	struct err err = { 0 };
	struct pcsc_watch *w = pcsc_watch_start(&err);
	if (!w)
		return cli_fail(cli, &err);
	int seen = 0, rc = EXIT_OK;
	time_t end = timeout > 0 ? time(NULL) + timeout : 0;
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (count <= 0 || seen < count) {
		int wait_ms = -1;
		if (end) {
			time_t left = end - time(NULL);
			if (left <= 0)
				break;
			wait_ms = (int)left * 1000;
		}
		struct pollfd pfd = { .fd = pcsc_watch_fd(w), .events = POLLIN };
		int r = poll(&pfd, 1, wait_ms);
		if (r <= 0)
			continue;
		struct pcsc_event ev;
		int got;
		while ((count <= 0 || seen < count) && (got = pcsc_watch_next(w, &ev)) == 1) {
			printf("%s%s%s%s%s\n", pcsc_event_text(ev.kind), ev.reader[0] ? " : " : "",
			       ev.reader, ev.atr[0] ? _(", ATR ") : "", ev.atr);
			seen++;
			if (ev.kind == PCSC_SERVICE_LOST)
				rc = EXIT_FAIL;
		}
		if (rc != EXIT_OK)
			break;
	}
	pcsc_watch_stop(&w);
	return rc;
}

int
cli_card(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pkcs11-module", required_argument, NULL, 'm' },
		{ "count", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char *module = NULL;
	int count = 0, timeout = 0, c;
	optind = 0; /* full re-initialisation of GNU getopt */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': module = optarg; break;
		case 'n': count = atoi(optarg); break;
		case 't': timeout = atoi(optarg); break;
		default:
			return cli_usage(_("option inconnue ou incomplète pour « card » : %s"),
					 argv[optind - 1]);
		}
	}
	if (optind < argc && !strcmp(argv[optind], "watch") && optind + 1 == argc)
		return card_watch(cli, count, timeout);
	if (optind < argc)
		return cli_usage(_("« liasse card » n'attend que « watch » : « %s » ?"), argv[optind]);
	return card_list(cli, module);
}
