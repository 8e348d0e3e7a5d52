/* The forms/ parser (core/tokenize.c, core/form*.c). */
#include <json-c/json.h>

#include "core/form.h"
#include "core/tokenize.h"
#include "tests/unit/unit.h"

static const char minimal[] =
	"type t1 \"Type un\" family=Documents\n"
	"tab main \"Principal\"\n"
	"field objet text \"Objet\" required title max=10 latin1 forbid=\"œ€\"\n"
	"field n select \"Nature\"\n"
	"option 1 \"Délibérations\"\n"
	"option 2 \"Autres\"\n"
	"field pour number \"Pour\" min=0\n"
	"field contre number \"Contre\" min=0\n"
	"field votants number \"Votants\" min=0\n"
	"tab vote \"Vote\" if=n:1\n"
	"field quorum text \"Quorum\" required\n"
	"check le pour+contre votants \"Trop de voix\"\n"
	"state creation \"Créé\"\n"
	"state fini \"Fini\"\n"
	"action creation \"Créer\" initial\n"
	"action fini \"Finir\" from=creation valid\n"
	"	if=n:2 not-has=fini\n";

static struct form_def *
parse(const char *text, struct strbuf *errs)
{
	return form_parse("forms/t.form", text, strlen(text), errs);
}

TEST(tokenize_line_kinds)
{
	struct tok_line l = { 0 };
	char msg[256];
	const char *s = "field objet text \"L'objet \\\"x\\\"\" max=256 forbid=\"œ€\" #c";
	CHECK(tok_split(s, strlen(s), &l, msg, sizeof(msg)) == TOK_OK);
	CHECK(l.n == 6);
	CHECK(l.tok[0].kind == TOK_WORD);
	CHECK(l.tok[3].kind == TOK_STRING);
	CHECK_STR(l.tok[3].value, "L'objet \"x\"");
	CHECK(l.tok[4].kind == TOK_OPTION);
	CHECK_STR(l.tok[4].key, "max");
	CHECK_STR(l.tok[4].value, "256");
	CHECK_STR(l.tok[5].value, "œ€");
	CHECK(l.tok[5].quoted);
	s = "a \"unterminated";
	CHECK(tok_split(s, strlen(s), &l, msg, sizeof(msg)) == TOK_ERROR);
	CHECK(strstr(msg, "guillemet") != NULL);
	s = "a \"^[0-9]\\.x\\\\\""; /* other backslashes are kept: \. in a regex */
	CHECK(tok_split(s, strlen(s), &l, msg, sizeof(msg)) == TOK_OK);
	CHECK(l.n == 2 && strcmp(l.tok[1].value, "^[0-9]\\.x\\") == 0);
	s = "a =x";
	CHECK(tok_split(s, strlen(s), &l, msg, sizeof(msg)) == TOK_ERROR);
	s = "a b#c d"; /* '#' inside a word is not a comment */
	CHECK(tok_split(s, strlen(s), &l, msg, sizeof(msg)) == TOK_OK && l.n == 3);
	tok_line_free(&l);
}

TEST(tokenize_continuation_lines)
{
	const char *text = "# comment\n\none two\n\tthree=3\n  # inner comment\n\n  \"four\"\nfive\r\n";
	struct tok_reader r;
	struct tok_line l = { 0 };
	char msg[256];
	int el = 0;
	tok_reader_init(&r, text, strlen(text));
	CHECK(tok_next(&r, &l, msg, sizeof(msg), &el) == TOK_OK);
	CHECK(l.line == 3 && l.n == 4);
	CHECK(l.n == 4 && l.tok[2].line == 4 && l.tok[3].line == 7);
	CHECK(tok_next(&r, &l, msg, sizeof(msg), &el) == TOK_OK);
	CHECK(l.line == 8 && l.n == 1 && strcmp(l.tok[0].value, "five") == 0);
	CHECK(tok_next(&r, &l, msg, sizeof(msg), &el) == TOK_END);
	/* An error on a continuation line is reported there; reading goes on. */
	text = "a\n b=\"x\n c\nd \x01\ne\n";
	tok_reader_init(&r, text, strlen(text));
	CHECK(tok_next(&r, &l, msg, sizeof(msg), &el) == TOK_ERROR && el == 2);
	CHECK(tok_next(&r, &l, msg, sizeof(msg), &el) == TOK_ERROR && el == 4);
	CHECK(strstr(msg, "contrôle") != NULL);
	CHECK(tok_next(&r, &l, msg, sizeof(msg), &el) == TOK_OK && l.line == 5);
	tok_line_free(&l);
}

TEST(form_parse_minimal)
{
	struct strbuf errs = STRBUF_INIT;
	struct form_def *f = parse(minimal, &errs);
	CHECK_STR(sb_str(&errs), "");
	CHECK(f != NULL);
	if (!f)
		return;
	CHECK_STR(form_id(f), "t1");
	CHECK(strlen(form_sha256(f)) == 64);
	CHECK(f->nfields == 6 && f->ntabs == 2);
	CHECK_STR(f->fields[5].tab, "vote"); /* fields belong to the last tab */
	const struct form_action *a = form_action_find(f, "fini");
	CHECK(a && a->rule.valid && a->rule.nfields == 1 && a->rule.not_has.n == 1);
	struct err e = { 0 };
	CHECK(form_validate_field(f, "objet", "Café", &e));
	CHECK(!form_validate_field(f, "objet", "Cœur", &e));
	CHECK(!form_validate_field(f, "objet", "12345678901", &e));
	CHECK(!form_validate_field(f, "n", "3", &e));
	CHECK(strstr(e.msg, "Nature") != NULL);
	CHECK(!form_validate_field(f, "inconnu", "x", &e));
	form_free(&f);
	CHECK(f == NULL);
	sb_free(&errs);
}

struct kv {
	const char *k[16], *v[16];
};
static const char *
kv_get(void *ctx, const char *id)
{
	struct kv *kv = ctx;
	for (int i = 0; i < 16 && kv->k[i]; i++)
		if (strcmp(kv->k[i], id) == 0)
			return kv->v[i];
	return NULL;
}

TEST(form_validate_all_rules)
{
	struct strbuf errs = STRBUF_INIT;
	struct form_def *f = parse(minimal, &errs);
	CHECK(f != NULL);
	if (!f)
		return;
	struct err e = { 0 };
	struct kv kv = { { "objet", "n" }, { "Budget", "2" } };
	CHECK(form_validate_all(f, kv_get, &kv, &e)); /* quorum's tab hidden: not required */
	kv.v[1] = "1";
	CHECK(!form_validate_all(f, kv_get, &kv, &e));
	CHECK(strstr(e.msg, "Quorum") && strstr(e.msg, "obligatoire"));
	struct kv kv2 = { { "objet", "n", "pour", "contre", "votants" }, { "B", "2", "3", "2", "4" } };
	CHECK(!form_validate_all(f, kv_get, &kv2, &e));
	CHECK_STR(e.msg, "Trop de voix");
	kv2.v[4] = "5";
	CHECK(form_validate_all(f, kv_get, &kv2, &e));
	struct kv kv3 = { { "n" }, { "2" } };
	CHECK(!form_validate_all(f, kv_get, &kv3, &e));
	CHECK(strstr(e.msg, "Objet") != NULL);
	form_free(&f);
	sb_free(&errs);
}

static int
count_lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

TEST(form_parse_reports_all_errors)
{
	const char *bad = "type t1 \"T\" family=Documents\n"
			  "tab main \"Principal\"\n"
			  "field a text \"A\" max=abc\n"            /* 3 */
			  "field b texte \"B\"\n"                   /* 4 */
			  "field c text \"C\" regex=\"([a-z\"\n"    /* 5 */
			  "frobnicate x\n"                          /* 6 */
			  "state creation \"Créé\"\n"
			  "action creation \"Créer\" initial\n"
			  "action go \"Aller\" from=nulle_part\n"   /* 9 */
			  "field d text \"D \n"                     /* 10 */
			  "field a text \"A bis\"\n";               /* 11 */
	struct strbuf errs = STRBUF_INIT;
	struct form_def *f = parse(bad, &errs);
	CHECK(f == NULL);
	const char *s = sb_str(&errs);
	CHECK(strstr(s, "forms/t.form:3: max= : longueur") != NULL);
	CHECK(strstr(s, "forms/t.form:4: type de champ inconnu « texte »") != NULL);
	CHECK(strstr(s, "forms/t.form:5: expression rationnelle invalide") != NULL);
	CHECK(strstr(s, "forms/t.form:6: déclaration inconnue « frobnicate »") != NULL);
	CHECK(strstr(s, "forms/t.form:9: from= : état inconnu « nulle_part »") != NULL);
	CHECK(strstr(s, "forms/t.form:9: l'action « go » mène à un état non déclaré « go »") != NULL);
	CHECK(strstr(s, "forms/t.form:10: guillemet fermant manquant") != NULL);
	CHECK(strstr(s, "forms/t.form:11: champ « a » déjà déclaré ligne 3") != NULL);
	CHECK(count_lines(s) == 8);
	if (count_lines(s) != 8)
		printf("# %s", s);
	sb_free(&errs);
}

TEST(form_parse_structure_errors)
{
	struct strbuf errs = STRBUF_INIT;
	CHECK(parse("", &errs) == NULL);
	CHECK(strstr(sb_str(&errs), "forms/t.form:1: déclaration « type » manquante") != NULL);
	sb_reset(&errs);
	CHECK(parse("tab x \"X\"\ntype a \"A\" family=Documents\n", &errs) == NULL);
	CHECK(strstr(sb_str(&errs), ":1: la première déclaration doit être « type »") != NULL);
	CHECK(strstr(sb_str(&errs), ":2: aucune action « initial »") != NULL);
	sb_reset(&errs);
	const char *t = "type a \"A\" family=Documents\ntab x \"X\" if=absent:on\n"
			"field s select \"S\"\nfield o text \"O\" default=\"trop long\" max=3\n"
			"state creation \"Créé\"\nstate orphelin \"Jamais atteint\"\n"
			"action creation \"Créer\" initial auto=inconnue connector=Fax\n"
			"option 1 \"Un\"\n";
	CHECK(parse(t, &errs) == NULL);
	const char *s = sb_str(&errs);
	CHECK(strstr(s, ":2: condition sur un champ inconnu « absent »") != NULL);
	CHECK(strstr(s, ":3: le champ select « s » n'a aucune « option »") != NULL);
	CHECK(strstr(s, ":4: valeur par défaut refusée") != NULL);
	CHECK(strstr(s, ":6: aucune action ne mène à l'état « orphelin »") != NULL);
	CHECK(strstr(s, ":7: auto= : action inconnue « inconnue »") != NULL);
	CHECK(strstr(s, ":7: connector= : famille inconnue « Fax »") != NULL);
	CHECK(strstr(s, ":8: « option » doit suivre un champ de type select") != NULL);
	sb_free(&errs);
}

static json_object *
jget(json_object *o, const char *k)
{
	json_object *v = NULL;
	if (!o || !json_object_object_get_ex(o, k, &v))
		return NULL;
	return v;
}

static bool
has_keys(json_object *o, const char *const *keys)
{
	for (; *keys; keys++)
		if (!json_object_object_get_ex(o, *keys, NULL)) {
			printf("#   missing key %s\n", *keys);
			return false;
		}
	return true;
}

TEST(form_json_shape)
{
	struct strbuf errs = STRBUF_INIT;
	struct form_def *f = parse(minimal, &errs);
	CHECK(f != NULL);
	if (!f)
		return;
	char *js = form_to_json(f);
	json_object *o = json_tokener_parse(js);
	CHECK(o != NULL);
	static const char *const top[] = { "id", "name", "family", "description", "sha256", "tabs",
					   "fields", "threshold", "states", "actions", NULL };
	static const char *const field[] = { "id", "label", "type", "tab", "multiple", "required", "max",
					     "regex", "regex_error", "forbid", "latin1", "default",
					     "visibility", "title", "index", "list", "search", "options",
					     "content_types", "max_size", NULL };
	static const char *const action[] = { "id", "label", "state", "state_label", "from", "has",
					      "not_has", "fields", "valid", "right", "system", "auto",
					      "connector", "batch", "editable", "keep_state", "warning",
					      NULL };
	CHECK(has_keys(o, top));
	CHECK_STR(json_object_get_string(jget(o, "id")), "t1");
	CHECK_STR(json_object_get_string(jget(o, "sha256")), form_sha256(f));
	json_object *fields = jget(o, "fields");
	CHECK(json_object_array_length(fields) == 6);
	json_object *f0 = json_object_array_get_idx(fields, 0);
	CHECK(has_keys(f0, field));
	CHECK(json_object_get_int(jget(f0, "max")) == 10);
	CHECK_STR(json_object_get_string(jget(f0, "forbid")), "œ€");
	CHECK(json_object_get_boolean(jget(f0, "title")));
	json_object *opts = jget(json_object_array_get_idx(fields, 1), "options");
	CHECK_STR(json_object_get_string(jget(json_object_array_get_idx(opts, 0), "label")),
		  "Délibérations");
	json_object *tab1 = json_object_array_get_idx(jget(o, "tabs"), 1);
	CHECK_STR(json_object_get_string(jget(jget(tab1, "condition"), "value")), "1");
	CHECK(jget(json_object_array_get_idx(jget(o, "tabs"), 0), "condition") == NULL);
	json_object *acts = jget(o, "actions");
	json_object *a0 = json_object_array_get_idx(acts, 0), *a1 = json_object_array_get_idx(acts, 1);
	CHECK(has_keys(a1, action));
	CHECK(json_object_array_length(jget(a0, "from")) == 0); /* initial */
	CHECK_STR(json_object_get_string(jget(a1, "state_label")), "Fini");
	CHECK_STR(json_object_get_string(jget(jget(a1, "fields"), "n")), "2");
	CHECK_STR(json_object_get_string(jget(a1, "right")), "edition");
	CHECK(json_object_get_boolean(jget(a1, "valid")));
	CHECK(json_object_get_boolean(jget(a1, "batch")));
	json_object_put(o);
	free(js);
	form_free(&f);
	sb_free(&errs);
}

TEST(form_shipped_types_load)
{
	static const char *const ids[] = { "actes-generique", "helios-generique", "document-a-signer",
					   "pdf-generique", "mailsec-bidir", "helios-pes-retour",
					   "actes-reponse-prefecture" };
	struct strbuf errs = STRBUF_INIT;
	struct form_set *s = NULL;
	struct err e = { 0 };
	CHECK(form_set_load_errs(NULL, &s, &errs, &e));
	CHECK_STR(sb_str(&errs), "");
	CHECK(s && s->n == 7);
	CHECK(form_set_find(s, ids[5]) != NULL);
	CHECK(form_set_find(s, ids[6]) != NULL);
	/* PES Retour, réponses de la préfecture: no agent edition, so no
	 * "modification" state */
	for (size_t i = 0; s && i < 5; i++) {
		const struct form_def *f = form_set_find(s, ids[i]);
		CHECK(f != NULL);
		if (!f)
			continue;
		char *js = form_to_json(f);
		json_object *o = json_tokener_parse(js);
		CHECK(o != NULL);
		json_object_put(o);
		free(js);
		/* PASTELL's common states with their labels */
		CHECK_STR(form_state_find(f, "creation")->label, "Créé");
		CHECK_STR(form_state_find(f, "modification")->label, "En cours de rédaction");
		CHECK_STR(form_state_find(f, "fatal-error")->label, "Erreur fatale");
	}
	CHECK(form_set_find(s, "inconnu") == NULL);
	form_set_free(&s);
	/* The same files read from the source folder. */
	CHECK(form_set_load("forms", &s, &e));
	CHECK(s && s->n == 7);
	form_set_free(&s);
	sb_free(&errs);
}

TEST(form_helios_rules)
{
	struct form_set *s = NULL;
	struct err e = { 0 };
	CHECK(form_set_load(NULL, &s, &e));
	const struct form_def *f = form_set_find(s, "helios-generique");
	CHECK(f != NULL);
	if (!f) {
		form_set_free(&s);
		return;
	}
	CHECK(form_validate_field(f, "objet", "PES dépenses janvier", &e));
	CHECK(!form_validate_field(f, "objet", "Œuvres sociales œ", &e));
	CHECK(strstr(e.msg, "« œ »") != NULL);
	CHECK(!form_validate_field(f, "objet", "Coût 5 €", &e));
	CHECK(strstr(e.msg, "« € »") != NULL);
	CHECK(!form_validate_field(f, "objet", "l’apostrophe courbe", &e)); /* not latin1 */
	char long_objet[300];
	memset(long_objet, 'x', 257);
	long_objet[257] = '\0';
	CHECK(!form_validate_field(f, "objet", long_objet, &e));
	long_objet[256] = '\0';
	CHECK(form_validate_field(f, "objet", long_objet, &e));
	CHECK(form_validate_file(f, "fichier_pes", "application/xml", 1000, NULL, NULL, &e));
	CHECK(!form_validate_file(f, "fichier_pes", "application/pdf", 1000, NULL, NULL, &e));
	CHECK(!form_validate_file(f, "fichier_pes", "application/xml", 128000001, NULL, NULL, &e));
	CHECK(form_validate_field(f, "etat_ack", "2", &e));
	CHECK(!form_validate_field(f, "etat_ack", "3", &e));
	/* list columns as PASTELL: id_coll, dte_str, cod_bud, etat_ack */
	const char *cols[4];
	int n = 0;
	for (size_t i = 0; i < f->nfields; i++)
		if (f->fields[i].list && n < 4)
			cols[n++] = f->fields[i].id;
	CHECK(n == 4);
	if (n == 4) {
		CHECK_STR(cols[0], "id_coll");
		CHECK_STR(cols[1], "dte_str");
		CHECK_STR(cols[2], "cod_bud");
		CHECK_STR(cols[3], "etat_ack");
	}
	const struct form_action *a = form_action_find(f, "send-tdt");
	CHECK(a && a->system && strcmp(a->connector, "TdT") == 0 && strcmp(a->auto_action, "verif-tdt") == 0);
	CHECK_STR(form_state_find(f, "info-tdt")->label, "Un fichier de réponse PES est disponible");
	CHECK(f->nsteps == 5 && strcmp(f->steps[1].action, "send-tdt") == 0);
	form_set_free(&s);
}

static const char *
actes_get(void *ctx, const char *id)
{
	return kv_get(ctx, id);
}

TEST(form_actes_rules)
{
	struct form_set *s = NULL;
	struct err e = { 0 };
	CHECK(form_set_load(NULL, &s, &e));
	const struct form_def *f = form_set_find(s, "actes-generique");
	CHECK(f != NULL);
	if (!f) {
		form_set_free(&s);
		return;
	}
	CHECK(form_validate_field(f, "numero_de_lacte", "2026_DEL_042", &e));
	CHECK(!form_validate_field(f, "numero_de_lacte", "2026-042", &e));
	CHECK(strstr(e.msg, "Numéro de l'acte") && strstr(e.msg, "15 caractères"));
	CHECK(!form_validate_field(f, "objet", "Première ligne\nseconde", &e));
	CHECK(form_validate_field(f, "classification", "7.1", &e));
	CHECK(form_validate_field(f, "classification", "3.2.1", &e));
	CHECK(!form_validate_field(f, "classification", "7", &e));
	CHECK(form_validate_field(f, "type_acte", "99_DE", &e));
	CHECK(!form_validate_field(f, "type_acte", "99_D", &e));
	CHECK(form_validate_field(f, "type_pj", "41_NC,22_AT", &e));
	CHECK(!form_validate_field(f, "date_de_lacte", "2999-01-01", &e));
	CHECK(!form_validate_field(f, "date_de_lacte", "2026-02-30", &e));
	CHECK(f->threshold_size == 157286400 && f->threshold_fields.n == 2);
	/* XML acte: only nature 5 classified 7.1 */
	struct kv budget = { { "acte_nature", "classification" }, { "5", "7.1.2" } };
	struct kv delib = { { "acte_nature", "classification" }, { "1", "7.1" } };
	CHECK(form_validate_file(f, "arrete", "application/xml", 10, actes_get, &budget, &e));
	CHECK(!form_validate_file(f, "arrete", "application/xml", 10, actes_get, &delib, &e));
	CHECK(strstr(e.msg, "XML") != NULL);
	CHECK(form_validate_file(f, "arrete", "application/pdf", 10, actes_get, &delib, &e));
	CHECK(!form_validate_file(f, "autre_document_attache", "text/plain", 10, actes_get, &delib, &e));
	/* votes (SCDL): votants <= effectif, pour+contre+abstention <= votants */
	struct kv v = { { "acte_nature", "vote_effectif", "vote_reel", "vote_pour", "vote_contre",
			  "vote_abstention", "numero_de_lacte", "date_de_lacte", "objet",
			  "classification", "type_acte", "arrete" },
			{ "1", "19", "15", "10", "3", "2", "D_2026_001", "2026-01-15",
			  "Tarifs de la cantine", "7.1", "99_DE", "acte.pdf" } };
	struct err e2 = { 0 };
	CHECK(form_validate_all(f, kv_get, &v, &e2));
	v.v[5] = "3"; /* 10 + 3 + 3 > 15 votants */
	CHECK(!form_validate_all(f, kv_get, &v, &e2));
	CHECK(strstr(e2.msg, "dépassent le nombre de votants") != NULL);
	v.v[5] = "2";
	v.v[2] = "20"; /* 20 votants > 19 membres */
	CHECK(!form_validate_all(f, kv_get, &v, &e2));
	CHECK(strstr(e2.msg, "plus de votants") != NULL);
	v.v[2] = "15";
	v.v[0] = "2"; /* not a délibération: vote tab hidden, votes ignored */
	v.v[1] = "1";
	CHECK(form_validate_all(f, kv_get, &v, &e2));
	v.v[8] = "Objet avec œ";
	CHECK(!form_validate_all(f, kv_get, &v, &e2));
	CHECK(strstr(e2.msg, "Objet") != NULL);
	const struct form_action *sup = form_action_find(f, "supression");
	CHECK(sup && sup->nalt == 3);
	form_set_free(&s);
}
