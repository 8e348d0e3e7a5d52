/* CSV import: encodings, separator, line checks. */
#include <stdlib.h>

#include "core/annuaire.h"
#include "core/csv_import.h"
#include "tests/unit/unit.h"

TEST(csv_encoding_cp1252)
{
	char *out;
	size_t n;
	char enc[32];
	struct err e = { 0 };
	CHECK(csv_to_utf8("R\xe9gis;\x80", 7, &out, &n, enc, &e));
	CHECK_STR(enc, "Windows-1252");
	CHECK_STR(out, "Régis;€");
	free(out);
	CHECK(csv_to_utf8("\xef\xbb\xbfR\xc3\xa9gis", 9, &out, &n, enc, &e));
	CHECK_STR(enc, "UTF-8 avec BOM");
	CHECK_STR(out, "Régis");
	free(out);
	CHECK(csv_to_utf8("R\xc3\xa9gis", 6, &out, &n, enc, &e));
	CHECK_STR(enc, "UTF-8");
	free(out);
	/* 0x81 is undefined in Windows-1252 and not UTF-8. */
	CHECK(!csv_to_utf8("a\x81", 2, &out, &n, enc, &e));
	CHECK(e.code == ERR_INPUT);
	/* An overlong UTF-8 form is not UTF-8: read as Windows-1252. */
	CHECK(csv_to_utf8("\xc0\xaf", 2, &out, &n, enc, &e));
	CHECK_STR(enc, "Windows-1252");
	free(out);
}

TEST(csv_separator_and_email)
{
	CHECK(csv_detect_separator("a;b,c\n", 6) == ';');
	CHECK(csv_detect_separator("a,b,c\nx;y", 9) == ',');
	CHECK(csv_detect_separator("\"a;b\",c\n", 8) == ',');
	CHECK(csv_detect_separator("seul\n", 5) == ';');
	CHECK(csv_email_valid("jean.dupont@mairie.fr"));
	CHECK(!csv_email_valid("jean.dupont@mairie"));
	CHECK(!csv_email_valid("@mairie.fr"));
	CHECK(!csv_email_valid("a@b@c.fr"));
	CHECK(!csv_email_valid("a b@c.fr"));
	CHECK(!csv_email_valid("a@.fr"));
	CHECK(csv_email_valid("a@b.c.fr"));
	CHECK(!csv_email_valid("a@b."));
}

TEST(csv_parse_lines)
{
	const char *f = "x@a.fr;X;G1;G1; G2 \r\n"
			"\r\n"
			"\"y@a.fr\";\"Y, avec\nsaut\";G2\r\n"
			"bad;Z\r\n"
			"x@A.fr;doublon\r\n"
			"seul@a.fr\r\n";
	struct err e = { 0 };
	struct csv_import *imp = csv_import_parse(f, strlen(f), &e);
	CHECK(imp != NULL);
	if (!imp)
		return;
	CHECK(imp->n == 5);
	CHECK(imp->lines[0].lineno == 1);
	CHECK(imp->lines[0].ngroupes == 2);
	CHECK_STR(imp->lines[0].groupes[1], "G2");
	CHECK(imp->lines[1].lineno == 3);
	CHECK_STR(imp->lines[1].description, "Y, avec\nsaut");
	CHECK(imp->lines[2].lineno == 5);
	CHECK(imp->lines[2].status == CSV_LINE_REFUSED);
	CHECK(imp->lines[3].status == CSV_LINE_REFUSED);
	CHECK(strstr(imp->lines[3].reason, "ligne 1") != NULL);
	CHECK(imp->lines[4].status == CSV_LINE_REFUSED);
	CHECK(strstr(imp->lines[4].reason, "colonnes") != NULL);
	struct annuaire_import_totals t;
	annuaire_import_offline(imp, false, &t);
	CHECK(t.valid == 0 && t.refused == 5);
	csv_import_free(&imp);
	CHECK(imp == NULL);
	CHECK(csv_import_parse("", 0, &e) == NULL);
	CHECK(csv_import_parse("\n\n", 2, &e) == NULL);
	CHECK(strstr(e.msg, "aucune ligne") != NULL);
}
