#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "core/i18n.h"
#include "core/log.h"

int
cli_fail(struct cli *cli, const struct err *err)
{
	fprintf(stderr, "liasse: %s\n", err->msg[0] ? err->msg : _("erreur inconnue"));
	if (err->detail[0]) {
		if (cli && cli->verbose)
			fprintf(stderr, _("  détail : %s\n"), err->detail);
		log_info("%s", err->detail);
	}
	return err->code == ERR_USAGE ? EXIT_USAGE : EXIT_FAIL;
}

int
cli_usage(const char *fmt, ...)
{
	va_list ap;
	fputs("liasse: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(_("\n(« liasse help » liste les commandes)\n"), stderr);
	return EXIT_USAGE;
}

struct db *
cli_db_open(struct cli *cli)
{
	struct err err = { 0 };
	struct db *db = db_open(cli->conninfo, &err);
	if (!db)
		cli_fail(cli, &err);
	return db;
}

bool
cli_parse_id(const char *s, long long *out)
{
	char *end;
	if (!s || !*s)
		return false;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*end || v <= 0 || errno)
		return false;
	*out = v;
	return true;
}

void
cli_put_clean(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		putchar(*p < 0x20 || *p == 0x7f ? ' ' : *p);
}
