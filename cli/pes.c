/* liasse pes info|sign|verify: the PES sub-commands. `info` is defined
 * here; the others register themselves from their own files through
 * PES_SUBCOMMAND (cli/pes.h), so this file never names them. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli/cli.h"
#include "cli/pes.h"
#include "core/i18n.h"
#include "core/pes.h"

struct pes_subcommand {
	char word[32];
	cli_fn run;
	const char *summary;
};
static struct pes_subcommand subcommands[16];
static size_t nsubcommands;

void
cli_pes_register(const char *word, cli_fn fn, const char *summary)
{
	if (nsubcommands == sizeof(subcommands) / sizeof(subcommands[0]))
		abort();
	struct pes_subcommand *s = &subcommands[nsubcommands++];
	snprintf(s->word, sizeof(s->word), "%s", word);
	for (char *p = s->word; *p; p++)
		if (*p == '_')
			*p = '-';
	s->run = fn;
	s->summary = summary;
}

static int
cmp_subcommand(const void *a, const void *b)
{
	const struct pes_subcommand *x = a, *y = b;
	return strcmp(x->word, y->word);
}

static void
print_subcommands(FILE *out)
{
	qsort(subcommands, nsubcommands, sizeof(subcommands[0]), cmp_subcommand);
	fprintf(out, _("Usage : liasse pes SOUS-COMMANDE [ARGUMENTS]\n\nSous-commandes :\n"));
	for (size_t i = 0; i < nsubcommands; i++)
		fprintf(out, "  %-8s %s\n", subcommands[i].word, _(subcommands[i].summary));
}

CLI_COMMAND(pes, 50, N_("lit un fichier PES (Hélios) : informations, signature"))

int
cli_pes(struct cli *cli, int argc, char **argv)
{
	if (argc < 2) {
		print_subcommands(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
		print_subcommands(stdout);
		return EXIT_OK;
	}
	for (size_t i = 0; i < nsubcommands; i++)
		if (strcmp(subcommands[i].word, argv[1]) == 0)
			return subcommands[i].run(cli, argc - 1, argv + 1);
	return cli_usage(_("sous-commande inconnue : « pes %s » (liasse pes help)"), argv[1]);
}

/* Writes V on one line: control characters (a value may hold &#10;)
 * become spaces so that each "clé: valeur" stays on its own line. */
static void
put_value(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		putchar(*p < 0x20 || *p == 0x7F ? ' ' : *p);
}

static void
print_kv(const char *key, const char *value, void *arg)
{
	(void)arg;
	printf("%s: ", key);
	put_value(value);
	putchar('\n');
}

static void
print_pair(const char *key, const char *value, bool last)
{
	printf("%s=", key);
	put_value(value);
	putchar(last ? '\n' : ' ');
}

static void
print_text(const struct pes_info *in)
{
	pes_info_foreach(in, print_kv, NULL);
	for (size_t i = 0; i < in->n_bordereaux_lus; i++) {
		const struct pes_bordereau *b = &in->bordereaux[i];
		fputs("bordereau: ", stdout);
		print_pair("Id", b->id_attr, false);
		print_pair("IdBord", b->id_bord, false);
		print_pair("Exer", b->exer, false);
		print_pair("DteBordEm", b->dte_bord_em, false);
		print_pair("TypBord", b->typ_bord, false);
		print_pair("NbrPce", b->nbr_pce, false);
		print_pair("Montant", b->montant, false);
		print_pair("ChampMontant", b->montant_champ, false);
		print_pair("Domaine", b->domaine, false);
		print_pair("Signe", b->signe ? "1" : "0", true);
	}
	for (size_t i = 0; i < in->n_erreurs_lues; i++) {
		const struct pes_erreur *e = &in->erreurs[i];
		fputs("erreur: ", stdout);
		print_pair("Domaine", e->domaine, false);
		print_pair("NumBord", e->num_bord, false);
		print_pair("Exercice", e->exercice, false);
		print_pair("IdUnique", e->id_unique, false);
		print_pair("NumPiece", e->num_piece, false);
		print_pair("NumLigne", e->num_ligne, false);
		print_pair("Code", e->code, false);
		print_pair("Libelle", e->libelle, true);
	}
}

static void
json_kv(const char *key, const char *value, void *arg)
{
	json_object_object_add(arg, key, json_object_new_string(value));
}

static void
add_str(json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, json_object_new_string(value));
}

static void
print_json(const struct pes_info *in)
{
	json_object *root = json_object_new_object();
	pes_info_foreach(in, json_kv, root);
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < in->n_bordereaux_lus; i++) {
		const struct pes_bordereau *b = &in->bordereaux[i];
		json_object *o = json_object_new_object();
		add_str(o, "id", b->id_attr);
		json_object_object_add(o, "has_id", json_object_new_boolean(b->has_id));
		add_str(o, "id_bord", b->id_bord);
		add_str(o, "exer", b->exer);
		add_str(o, "dte_bord_em", b->dte_bord_em);
		add_str(o, "typ_bord", b->typ_bord);
		add_str(o, "nbr_pce", b->nbr_pce);
		add_str(o, "montant", b->montant);
		add_str(o, "champ_montant", b->montant_champ);
		add_str(o, "mt_cumul_annuel", b->mt_cumul_annuel);
		add_str(o, "domaine", b->domaine);
		json_object_object_add(o, "signe", json_object_new_boolean(b->signe));
		json_object_array_add(arr, o);
	}
	json_object_object_add(root, "bordereaux", arr);
	arr = json_object_new_array();
	for (size_t i = 0; i < in->n_erreurs_lues; i++) {
		const struct pes_erreur *e = &in->erreurs[i];
		json_object *o = json_object_new_object();
		add_str(o, "domaine", e->domaine);
		add_str(o, "num_bord", e->num_bord);
		add_str(o, "exercice", e->exercice);
		add_str(o, "id_unique", e->id_unique);
		add_str(o, "num_piece", e->num_piece);
		add_str(o, "num_ligne", e->num_ligne);
		add_str(o, "code", e->code);
		add_str(o, "libelle", e->libelle);
		json_object_array_add(arr, o);
	}
	json_object_object_add(root, "erreurs", arr);
	puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
							  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
}

PES_SUBCOMMAND(info, N_("affiche les informations d'un fichier PES : info FICHIER [--json]"))

int
cli_pes_info(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false;
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'j')
			return cli_usage(_("option inconnue pour « pes info » : « %s »"),
					 argv[optind - 1]);
		json = true;
	}
	if (optind >= argc)
		return cli_usage(_("« liasse pes info » attend un fichier PES"));
	if (optind + 1 < argc)
		return cli_usage(_("argument en trop : « %s »"), argv[optind + 1]);
	const char *path = argv[optind];
	struct pes_info info;
	struct err err = { 0 };
	if (!pes_info_read(path, &info, &err)) {
		if (strstr(err.msg, path))
			fprintf(stderr, "liasse: %s\n", err.msg);
		else
			fprintf(stderr, "liasse: %s : %s\n", path, err.msg);
		if (err.detail[0] && cli && cli->verbose)
			fprintf(stderr, _("  détail : %s\n"), err.detail);
		return EXIT_USAGE;
	}
	if (json)
		print_json(&info);
	else
		print_text(&info);
	if (info.n_bordereaux > info.n_bordereaux_lus)
		fprintf(stderr, _("liasse: %zu bordereaux, seuls les %zu premiers sont détaillés\n"),
			info.n_bordereaux, info.n_bordereaux_lus);
	pes_info_free(&info);
	return EXIT_OK;
}
