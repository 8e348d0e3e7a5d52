/* Mail sécurisé helpers: link keys, password hashes, templates. */
#include <openssl/sha.h>
#include <stdlib.h>

#include "core/mailsec.h"
#include "tests/unit/unit.h"

TEST(mailsec_keys)
{
	char k1[MAILSEC_KEY_LEN + 1], k2[MAILSEC_KEY_LEN + 1];
	unsigned char h1[32], h2[32], want[32];
	struct err e = { 0 };
	CHECK(mailsec_key_new(k1, h1, &e));
	CHECK(mailsec_key_new(k2, h2, &e));
	CHECK(strlen(k1) == 64 && strspn(k1, "0123456789abcdef") == 64);
	CHECK(strcmp(k1, k2) != 0);
	SHA256((const unsigned char *)k1, 64, want);
	CHECK(memcmp(h1, want, 32) == 0);
	CHECK(mailsec_key_hash(k1, h2) && memcmp(h1, h2, 32) == 0);
	CHECK(!mailsec_key_hash("abc", h2));
	k1[10] = 'G';
	CHECK(!mailsec_key_hash(k1, h2));
}

TEST(mailsec_passwords)
{
	char h[MAILSEC_HASH_MAX], h2[MAILSEC_HASH_MAX];
	struct err e = { 0 };
	const char *salt = "00112233445566778899aabbccddeeff";
	CHECK(mailsec_password_hash("Secret-42!", salt, h, &e));
	CHECK(strncmp(h, "pbkdf2-sha256$100000$00112233445566778899aabbccddeeff$", 54) == 0);
	CHECK(strstr(h, "Secret") == NULL);
	CHECK(mailsec_password_verify("Secret-42!", h));
	CHECK(!mailsec_password_verify("secret-42!", h));
	CHECK(!mailsec_password_verify("", h));
	/* Same password and salt: same hash (password2 must equal password). */
	CHECK(mailsec_password_hash("Secret-42!", salt, h2, &e));
	CHECK_STR(h, h2);
	/* Another salt: another hash. */
	CHECK(mailsec_password_hash("Secret-42!", "ffeeddccbbaa99887766554433221100", h2, &e));
	CHECK(strcmp(h, h2) != 0);
	h[strlen(h) - 1] = h[strlen(h) - 1] == '0' ? '1' : '0';
	CHECK(!mailsec_password_verify("Secret-42!", h));
	CHECK(!mailsec_password_verify("x", "pbkdf2-sha256$10$zz$00"));
	CHECK(!mailsec_password_hash("x", "court", h, &e));
}

TEST(mailsec_templates)
{
	char *s = mailsec_template("[%ENTITE%] %TITRE% : %LINK% %AUTRE% 100%", "Commune A", "Conseil",
				   "https://x/mail/k");
	CHECK_STR(s, "[Commune A] Conseil : https://x/mail/k %AUTRE% 100%");
	free(s);
	s = mailsec_template("", "a", "b", "c");
	CHECK_STR(s, "");
	free(s);
}
