/* `liasse keys [--man]`: the effective key bindings (defaults and the
 * user's file), as a table or as the troff section of liasse(1). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/i18n.h"
#include "tui/keys.h"

CLI_COMMAND(keys, 70, N_("affiche les touches de l'interface plein écran"))

/* Escapes troff specials in S for a table cell. */
static void
troff_text(const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", stdout);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", stdout);
		else if (*s == '-')
			fputs("\\-", stdout);
		else
			putchar(*s);
	}
}

static void
print_man(const struct keys *k)
{
	puts(".SH TOUCHES");
	puts("Lancée sans commande,");
	puts(".B liasse");
	puts("ouvre l'interface plein écran.");
	puts("Les touches par défaut sont ci\\-dessous, vue par vue\\ ; la vue");
	puts(".B generic");
	puts("vaut pour tous les écrans.");
	puts("F1 ou ? affiche l'aide de l'écran courant\\ ; la dernière ligne de chaque");
	puts("écran rappelle les touches principales.");
	puts("Pour les changer, voir");
	puts(".BR liasse\\-keys (5).");
	for (int m = 0; m < KEYMAP_COUNT; m++) {
		bool any = false;
		for (size_t i = 0; i < k->n; i++) {
			const struct binding *b = &k->b[i];
			if ((int)b->map != m || b->act == ACT_NONE)
				continue;
			if (!any) {
				printf(".SS \"%s (%s)\"\n", keymap_label((enum keymap)m),
				       keymap_name((enum keymap)m));
				any = true;
			}
			char name[32];
			keys_label(b->key, name, sizeof(name));
			puts(".TP 16");
			fputs(".B ", stdout);
			troff_text(name);
			putchar('\n');
			troff_text(action_help(b->act));
			printf(" (%s)\n", action_name(b->act));
		}
	}
}

int
cli_keys(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	static const struct option opts[] = {
		{ "man", no_argument, NULL, 'm' },
		{ "defaults", no_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	bool man = false, defaults = false;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'm')
			man = true;
		else if (c == 'd')
			defaults = true;
		else
			return cli_usage(_("usage : liasse keys [--man] [--defaults]"));
	}
	struct keys k = { 0 };
	struct strbuf errs = STRBUF_INIT;
	int nerr;
	if (defaults || man) {
		nerr = keys_parse_defaults(&k, &errs);
	} else {
		nerr = keys_load_all(&k, &errs);
	}
	if (man) {
		print_man(&k);
	} else {
		for (size_t i = 0; i < k.n; i++) {
			char name[32];
			keys_name(k.b[i].key, name, sizeof(name));
			printf("%s\t%s\t%s\t%s\n", keymap_name(k.b[i].map), name,
			       action_name(k.b[i].act), action_help(k.b[i].act));
		}
	}
	fputs(sb_str(&errs), stderr);
	sb_free(&errs);
	keys_free(&k);
	return nerr ? EXIT_FAIL : EXIT_OK;
}

/* vim: set ts=8 sw=8 noexpandtab: */
