/* Pure code of the entity and journal modules: SIREN/SIRET checksums and
 * the journal's canonical serialisation and hash. */
#include "core/entite.h"
#include "core/journal.h"
#include "core/strbuf.h"
#include "tests/unit/unit.h"

TEST(luhn_siren_siret)
{
	CHECK(luhn_valid("0"));
	CHECK(luhn_valid("79927398713"));
	CHECK(!luhn_valid("79927398710"));
	CHECK(!luhn_valid(""));
	CHECK(!luhn_valid("12a4"));
	CHECK(siren_valid("443061841"));
	CHECK(siren_valid("200054781"));
	CHECK(!siren_valid("443061842"));  /* wrong check digit */
	CHECK(!siren_valid("44306184"));   /* 8 digits */
	CHECK(!siren_valid("4430618410")); /* 10 digits */
	CHECK(!siren_valid("44306184 "));
	CHECK(siret_valid("44306184100047"));
	CHECK(siret_valid("21690123100011"));
	CHECK(!siret_valid("44306184100048"));
	CHECK(!siret_valid("4430618410004"));
	/* La Poste: not Luhn, digit sum a multiple of 5. */
	CHECK(!luhn_valid("35600000049837"));
	CHECK(siret_valid("35600000049837"));
	CHECK(!siret_valid("35600000049838"));
	CHECK(!siret_valid("12300000049837"));
}

TEST(entite_check_ids_messages)
{
	struct err e = { 0 };
	CHECK(entite_check_ids(NULL, NULL, &e));
	CHECK(entite_check_ids("", "", &e));
	CHECK(entite_check_ids("443061841", "44306184100047", &e));
	CHECK(!entite_check_ids("443061842", NULL, &e));
	CHECK(e.code == ERR_INPUT);
	CHECK(strstr(e.msg, "SIREN « 443061842 » invalide") != NULL);
	CHECK(!entite_check_ids(NULL, "44306184100048", &e));
	CHECK(strstr(e.msg, "SIRET") != NULL);
	CHECK(!entite_check_ids("200054781", "44306184100047", &e));
	CHECK(strstr(e.msg, "ne commence pas par le SIREN") != NULL);
}

TEST(journal_canonical_and_hash)
{
	struct journal_fields f = {
		.id = "5",
		.ts = "2026-01-02T03:04:05.000006Z",
		.type = "1",
		.entite_id = NULL,
		.utilisateur = "marie",
		.dossier_id = "42",
		.action = "cree",
		.message = "a,b\"c\\d\xc3\xa9",
	};
	struct strbuf sb = STRBUF_INIT;
	journal_canonical(&sb, &f);
	CHECK_STR(sb_str(&sb), "J11:5,27:2026-01-02T03:04:05.000006Z,1:1,-,5:marie,2:42,4:cree,"
			       "9:a,b\"c\\d\xc3\xa9,");
	sb_free(&sb);
	/* Computed independently: sha256(32 zero bytes || canonical). */
	unsigned char zero[32] = { 0 }, h[32];
	journal_hash(zero, &f, h);
	char hex[65];
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	CHECK_STR(hex, "e9595b3489786b32184120f9f3d295cab1268e5cd45738648ed38b5c7528b474");
	/* A NULL and an empty string differ. */
	f.entite_id = "";
	journal_hash(zero, &f, h);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	CHECK(strcmp(hex, "e9595b3489786b32184120f9f3d295cab1268e5cd45738648ed38b5c7528b474") != 0);
	CHECK_STR(journal_type_label(1), "Action sur un dossier");
	CHECK_STR(journal_type_label(99), "?");
}
