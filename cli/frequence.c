/* liasse frequence next 'EXPR' [--from 'AAAA-MM-JJ HH:MM'] [-n N]: the next
 * run times of a frequency expression, to check a rule before saving it. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "core/frequence.h"

CLI_COMMAND(frequence, 72, N_("vérifie une expression de fréquence du démon (next)"))

static bool
parse_from(const char *s, time_t *out)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	const char *end = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
	if (!end || *end) {
		memset(&tm, 0, sizeof tm);
		end = strptime(s, "%Y-%m-%d %H:%M", &tm);
	}
	if (!end || *end) {
		memset(&tm, 0, sizeof tm);
		end = strptime(s, "%Y-%m-%d", &tm);
	}
	if (!end || *end)
		return false;
	tm.tm_isdst = -1;
	*out = mktime(&tm);
	return *out != (time_t)-1;
}

int
cli_frequence(struct cli *cli, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "n", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	time_t from = time(NULL);
	long n = 5;
	int c;
	(void)cli;
	if (argc < 2 || strcmp(argv[1], "next") != 0)
		return cli_usage(_("« liasse frequence » attend : next 'EXPRESSION' [--from 'AAAA-MM-JJ HH:MM'] [-n N]"));
	argc--;
	argv++;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "n:", lo, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (!parse_from(optarg, &from))
				return cli_usage(_("date invalide : « %s » (AAAA-MM-JJ HH:MM attendu)"), optarg);
			break;
		case 'n': {
			char *end;
			n = strtol(optarg, &end, 10);
			if (*end || n < 1 || n > 10000)
				return cli_usage(_("-n attend un nombre entre 1 et 10000, pas « %s »"), optarg);
			break;
		}
		default:
			return cli_usage(_("option inconnue : « %s »"), argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage(_("« frequence next » attend une seule expression (entre apostrophes)"));
	struct err err = { 0 };
	struct frequence *f = frequence_parse(argv[optind], &err);
	if (!f) {
		fprintf(stderr, _("liasse: expression invalide : %s\n"), err.msg);
		return EXIT_USAGE;
	}
	time_t t = from;
	for (long i = 1; i <= n; i++) {
		time_t next;
		if (!frequence_next(f, t, (int)i, &next)) {
			printf("%s\n", _("suspendu"));
			break;
		}
		struct tm tm;
		char buf[32];
		localtime_r(&next, &tm);
		strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
		printf("%s\n", buf);
		t = next;
	}
	frequence_free(&f);
	return EXIT_OK;
}
