/* Field validators (core/validate.c). */
#include "core/validate.h"

#include <stdlib.h>
#include <string.h>
#include "tests/unit/unit.h"

static bool
numero_matches(const char *pattern, const char *value)
{
	regex_t re;
	struct err e = { 0 };
	if (!validate_regex_compile(&re, pattern, &e))
		return false;
	bool ok = validate_regex("Numéro", &re, value, NULL, &e);
	regfree(&re);
	return ok;
}

TEST(validate_latin1_chars)
{
	struct err e = { 0 };
	CHECK(validate_latin1("Objet", "Délibération n°3 : café à 5 ¤", &e));
	CHECK(!validate_latin1("Objet", "Cœur de ville", &e));
	CHECK(strstr(e.msg, "« œ »") && strstr(e.msg, "Objet"));
	CHECK(!validate_latin1("Objet", "Prix : 5 €", &e));
	CHECK(strstr(e.msg, "« € »"));
	CHECK(!validate_latin1("Objet", "l’apostrophe", &e));
	CHECK(!validate_latin1("Objet", "\xc3", &e)); /* truncated UTF-8 */
}

TEST(validate_forbidden_chars)
{
	struct err e = { 0 };
	CHECK(validate_forbidden("Objet", "Budget primitif é", "œ€", &e));
	CHECK(!validate_forbidden("Objet", "Œuvre et œuvre", "œ€", &e));
	CHECK(strstr(e.msg, "« œ »") != NULL);
	CHECK(!validate_forbidden("Objet", "5€", "œ€", &e));
	CHECK(strstr(e.msg, "« € »") != NULL);
	CHECK(validate_forbidden("Objet", "Œ majuscule", "œ€", &e)); /* only what is listed */
}

TEST(validate_max_length_utf8)
{
	struct err e = { 0 };
	char s[600];
	memset(s, 'a', 256);
	s[256] = '\0';
	CHECK(validate_max_length("Objet", s, 256, &e));
	s[256] = 'b';
	s[257] = '\0';
	CHECK(!validate_max_length("Objet", s, 256, &e));
	CHECK(strstr(e.msg, "257") && strstr(e.msg, "256"));
	/* 256 "é" = 512 bytes but 256 characters */
	char u[1024] = "";
	for (int i = 0; i < 256; i++)
		strcat(u, "é");
	CHECK(validate_max_length("Objet", u, 256, &e));
	strcat(u, "é");
	CHECK(!validate_max_length("Objet", u, 256, &e));
	CHECK(utf8_length("aé€😀") == 4);
}

TEST(validate_s2low_numero)
{
	const char *re = "^([A-Z0-9][A-Z0-9_]{0,13})?[A-Z0-9]$";
	CHECK(numero_matches(re, "A"));
	CHECK(numero_matches(re, "7"));
	CHECK(numero_matches(re, "2026_DEL_001"));
	CHECK(numero_matches(re, "AB"));
	CHECK(numero_matches(re, "123456789012345")); /* 15 */
	CHECK(!numero_matches(re, "1234567890123456")); /* 16 */
	CHECK(!numero_matches(re, "_A"));
	CHECK(!numero_matches(re, "A_"));
	CHECK(!numero_matches(re, "a1"));
	CHECK(!numero_matches(re, "A-1"));
	CHECK(!numero_matches(re, ""));
	CHECK(!numero_matches(re, "A 1"));
}

TEST(validate_regex_refuses_costly)
{
	regex_t re;
	struct err e = { 0 };
	CHECK(!validate_regex_compile(&re, "(a{999}){999}", &e));
	CHECK(strstr(e.msg, "coûteuse") != NULL);
	CHECK(!validate_regex_compile(&re, "([a-z", &e));
	CHECK(strstr(e.msg, "invalide") != NULL);
	CHECK(validate_regex_compile(&re, "^[1-9](\\.[0-9]+)+$", &e));
	CHECK(regexec(&re, "7.1", 0, NULL, 0) == 0);
	CHECK(regexec(&re, "7", 0, NULL, 0) != 0);
	regfree(&re);
}

TEST(validate_dates)
{
	struct err e = { 0 };
	CHECK(validate_date("Date", "2026-02-28", false, NULL, &e));
	CHECK(!validate_date("Date", "2026-02-29", false, NULL, &e));
	CHECK(validate_date("Date", "2024-02-29", false, NULL, &e));
	CHECK(!validate_date("Date", "2100-02-29", false, NULL, &e));
	CHECK(validate_date("Date", "2000-02-29", false, NULL, &e));
	CHECK(!validate_date("Date", "2026-02-30", false, NULL, &e));
	CHECK(strstr(e.msg, "n'existe pas") != NULL);
	CHECK(!validate_date("Date", "2026-13-01", false, NULL, &e));
	CHECK(!validate_date("Date", "2026-04-31", false, NULL, &e));
	CHECK(!validate_date("Date", "26-01-01", false, NULL, &e));
	CHECK(strstr(e.msg, "AAAA-MM-JJ") != NULL);
	CHECK(!validate_date("Date", "2026/01/01", false, NULL, &e));
	CHECK(!validate_date("Date", "2026-01-01x", false, NULL, &e));
	CHECK(validate_date("Date", "2026-05-10", true, "2026-05-10", &e));
	CHECK(!validate_date("Date", "2026-05-11", true, "2026-05-10", &e));
	CHECK(strstr(e.msg, "futur") != NULL);
	CHECK(!validate_date("Date", "2999-01-01", true, NULL, &e));
}

/* "Today" is the date in Paris, whatever TZ the process has: UTC-11 and
 * UTC+14 are always a day apart, so the old localtime() date differed. */
TEST(date_today_paris)
{
	char a[11], b[11], c[11];
	const char *was = getenv("TZ");
	char *saved = was ? strdup(was) : NULL;
	setenv("TZ", "Pacific/Pago_Pago", 1);
	date_today(a);
	CHECK(strcmp(getenv("TZ"), "Pacific/Pago_Pago") == 0);
	setenv("TZ", "Pacific/Kiritimati", 1);
	date_today(b);
	unsetenv("TZ");
	date_today(c);
	CHECK(getenv("TZ") == NULL);
	CHECK(strcmp(a, b) == 0);
	CHECK(strcmp(a, c) == 0);
	struct err e = { 0 };
	CHECK(validate_date("Date", a, true, NULL, &e));
	if (saved)
		setenv("TZ", saved, 1);
	free(saved);
}

TEST(validate_numbers)
{
	struct err e = { 0 };
	CHECK(validate_number("Pour", "12", true, 0, false, 0, &e));
	CHECK(validate_number("Pour", "0", true, 0, false, 0, &e));
	CHECK(!validate_number("Pour", "-1", true, 0, false, 0, &e));
	CHECK(strstr(e.msg, "au moins 0") != NULL);
	CHECK(!validate_number("Pour", "1.5", false, 0, false, 0, &e));
	CHECK(!validate_number("Pour", "douze", false, 0, false, 0, &e));
	CHECK(!validate_number("Pour", "-", false, 0, false, 0, &e));
	CHECK(!validate_number("Pour", "99999999999999999999", false, 0, false, 0, &e));
	CHECK(!validate_number("Pour", "11", false, 0, true, 10, &e));
}

TEST(validate_emails)
{
	struct err e = { 0 };
	CHECK(validate_email_list("À", "maire@commune.fr", &e));
	CHECK(validate_email_list("À", "a@b.fr, c.d@e.example.org", &e));
	CHECK(validate_email_list("À", "groupe: \"Conseil municipal\"", &e));
	CHECK(validate_email_list("À", "role: \"Élus\", maire@commune.fr", &e));
	CHECK(validate_email_list("À", "groupe hérité de Syndicat: \"Secrétaires\"", &e));
	CHECK(validate_email_list("À", "groupe global: \"Tous\"", &e));
	CHECK(validate_email_list("À", "\"Dupont, Marie\" <marie@commune.fr>", &e));
	CHECK(!validate_email_list("À", "maire@commune", &e));
	CHECK(strstr(e.msg, "maire@commune") != NULL);
	CHECK(!validate_email_list("À", "a@b.fr, pas une adresse", &e));
	CHECK(!validate_email_list("À", "groupe: Conseil", &e));
	CHECK(!validate_email_list("À", "groupes: \"X\"", &e));
	CHECK(!validate_email_list("À", "a@@b.fr", &e));
	CHECK(!validate_email_list("À", ".a@b.fr", &e));
}

TEST(validate_text_controls)
{
	struct err e = { 0 };
	CHECK(validate_text("Objet", "une ligne\tavec tab", false, &e));
	CHECK(!validate_text("Objet", "deux\nlignes", false, &e));
	CHECK(strstr(e.msg, "retour à la ligne") != NULL);
	CHECK(validate_text("Message", "deux\nlignes", true, &e));
	CHECK(!validate_text("Message", "esc \x1b[31m", true, &e));
	CHECK(!validate_text("Objet", "\xff", false, &e));
	CHECK(validate_checkbox("Case", "on", &e));
	CHECK(validate_checkbox("Case", "", &e));
	CHECK(!validate_checkbox("Case", "oui", &e));
}

/* The same answers as fichier_sniff() in the database (tests/db/dossier_precheck.sh
 * checks these heads there too). */
TEST(validate_sniff_heads)
{
	static const struct {
		const char *head;
		size_t n;
		const char *mime;
	} t[] = {
		{ "%PDF-1.7\n", 9, "application/pdf" },
		{ "\x89PNG\r\n\x1a\nxx", 10, "image/png" },
		{ "\xff\xd8\xff\xe0", 4, "image/jpeg" },
		{ "PK\x03\x04zz", 6, "application/zip" },
		{ "\xef\xbb\xbf  <?xml version=\"1.0\"?>", 26, "application/xml" },
		{ "\n\t<PES_Aller>", 13, "application/xml" },
		{ "<1>", 3, "text/plain" },
		{ "%PDF", 4, "text/plain" },
		{ "abc\0def", 7, "application/octet-stream" },
		{ "D\xc3\xa9lib\xc3\xa9ration", 14, "text/plain" },
		{ "caf\xc3", 4, "text/plain" },   /* cut inside a character */
		{ "caf\xe9 cr\xe8me", 10, "application/octet-stream" }, /* Latin-1 */
		{ "", 0, "text/plain" },
	};
	for (size_t k = 0; k < sizeof(t) / sizeof(t[0]); k++)
		CHECK_STR(validate_sniff((const unsigned char *)t[k].head, t[k].n), t[k].mime);
}
