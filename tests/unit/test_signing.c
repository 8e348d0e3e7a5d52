/* Certificates (description, RGS checks, the issuer name as Java writes
 * it), the DigestInfo fallback for CKM_RSA_PKCS, ECDSA conversions. */
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include "core/cert.h"
#include "core/signer.h"
#include "core/strbuf.h"
#include "tests/unit/unit.h"

static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	struct strbuf sb = STRBUF_INIT;
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
		sb_addn(&sb, buf, n);
	fclose(fp);
	return sb_take(&sb);
}

/* Text between <TAG> and </TAG> in S (first occurrence), malloc'ed. */
static char *
between(const char *s, const char *open, const char *close)
{
	const char *a = s ? strstr(s, open) : NULL;
	const char *b = a ? strstr(a + strlen(open), close) : NULL;
	return b ? xstrndup(a + strlen(open), (size_t)(b - a - strlen(open))) : NULL;
}

TEST(signing_issuer_name_java_form)
{
	/* Libersign (Java) wrote this X509IssuerName for a certificate issued
	 * by AC_ADULLACT_Utilisateurs_G3: our form must be byte-identical. */
	struct err err = { 0 };
	X509 *ca = cert_load_file(unit_shared("samples/pes/certs/AC_ADULLACT_Utilisateurs_G3.pem"), &err);
	CHECK(ca != NULL);
	char *xml = slurp(unit_shared("samples/pes/signed/libersign_sha256_bordereau.xml"));
	char *expected = between(xml, "<ds:X509IssuerName>", "</ds:X509IssuerName>");
	CHECK(expected != NULL);
	if (ca && expected) {
		char *mine = cert_name_rfc2253_java(X509_get_subject_name(ca));
		CHECK_STR(mine, expected);
		CHECK(strncmp(mine, "1.2.840.113549.1.9.1=#16", 24) == 0);
		free(mine);
	}
	/* and the serial number in decimal, from the certificate in KeyInfo */
	char *b64 = between(xml, "<ds:X509Certificate>", "</ds:X509Certificate>");
	char *serial = between(xml, "<ds:X509SerialNumber>", "</ds:X509SerialNumber>");
	CHECK(b64 && serial);
	if (b64 && serial) {
		struct strbuf pem = STRBUF_INIT;
		sb_add(&pem, "-----BEGIN CERTIFICATE-----\n");
		sb_add(&pem, b64);
		sb_add(&pem, "\n-----END CERTIFICATE-----\n");
		BIO *b = BIO_new_mem_buf(pem.data, (int)pem.len);
		X509 *c = PEM_read_bio_X509(b, NULL, NULL, NULL);
		CHECK(c != NULL);
		if (c) {
			char *dec = cert_serial_decimal(c);
			CHECK_STR(dec, serial);
			free(dec);
			struct cert_info ci;
			cert_describe(c, &ci);
			CHECK_STR(ci.holder, "DEMONSTRATION_SUPER");
			CHECK_STR(ci.issuer_cn, "AC_ADULLACT_Utilisateurs_G3");
			CHECK_STR(ci.not_after, "2018-10-25 14:46:02 UTC");
			/* expired today: refused for signing, with the date */
			CHECK(!cert_check_signing(c, time(NULL), &err));
			CHECK(strstr(err.msg, "a expiré le 2018-10-25") != NULL);
			X509_free(c);
		}
		BIO_free(b);
		sb_free(&pem);
	}
	free(b64);
	free(serial);
	free(expected);
	free(xml);
	X509_free(ca);
}

TEST(signing_cert_usage_and_policies)
{
	struct err err = { 0 };
	X509 *c = cert_load_file(unit_shared("samples/pes/certs/DGFiP_Signature_Helios_Finances_Publiques.pem"), &err);
	CHECK(c != NULL);
	if (!c)
		return;
	struct cert_info ci;
	cert_describe(c, &ci);
	CHECK(ci.has_key_usage);
	CHECK(!ci.non_repudiation);
	CHECK(strstr(ci.key_usage, "signature de certificats") != NULL);
	CHECK(strncmp(ci.key_type, "RSA", 3) == 0);
	CHECK(strlen(ci.sha256) == 95);
	/* a CA certificate, valid or not, never signs a PES */
	CHECK(!cert_check_signing(c, ci.not_before_t + 1, &err));
	CHECK(strstr(err.msg, "non-répudiation") != NULL);
	/* before its validity */
	err_clear(&err);
	CHECK(!cert_check_signing(c, ci.not_before_t - 86400, &err));
	CHECK(strstr(err.msg, "n'est valide qu'à partir du") != NULL);
	X509_free(c);
	err_clear(&err);
	CHECK(cert_load_file("/nonexistent.pem", &err) == NULL);
	CHECK(err.code == ERR_IO);
}

TEST(signing_digestinfo_fallback)
{
	/* CKM_RSA_PKCS over our DigestInfo must equal CKM_SHA256_RSA_PKCS:
	 * recover the padded block of a real RSA-SHA256 signature. */
	static const unsigned char data[] = "<ds:SignedInfo>…</ds:SignedInfo>";
	unsigned char di[SIGNER_DIGESTINFO_SHA256_LEN];
	signer_digestinfo_sha256(data, sizeof data - 1, di);
	unsigned char h[32];
	SHA256(data, sizeof data - 1, h);
	CHECK(memcmp(di + 19, h, 32) == 0);
	CHECK(di[0] == 0x30 && di[1] == 0x31 && di[17] == 0x04 && di[18] == 0x20);

	EVP_PKEY *k = EVP_RSA_gen(1024);
	CHECK(k != NULL);
	if (!k)
		return;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char sig[256];
	size_t sig_len = sizeof sig;
	CHECK(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k) == 1);
	CHECK(EVP_DigestSign(md, sig, &sig_len, data, sizeof data - 1) == 1);
	EVP_MD_CTX_free(md);
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(k, NULL);
	unsigned char rec[256];
	size_t rec_len = sizeof rec;
	CHECK(EVP_PKEY_verify_recover_init(pc) == 1);
	CHECK(EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) == 1);
	CHECK(EVP_PKEY_verify_recover(pc, rec, &rec_len, sig, sig_len) == 1);
	CHECK(rec_len == sizeof di && memcmp(rec, di, sizeof di) == 0);
	/* and a raw PKCS#1 signature of the DigestInfo verifies as rsa-sha256 */
	unsigned char raw[256];
	size_t raw_len = sizeof raw;
	EVP_PKEY_CTX *sc = EVP_PKEY_CTX_new(k, NULL);
	CHECK(EVP_PKEY_sign_init(sc) == 1);
	CHECK(EVP_PKEY_CTX_set_rsa_padding(sc, RSA_PKCS1_PADDING) == 1);
	CHECK(EVP_PKEY_sign(sc, raw, &raw_len, di, sizeof di) == 1);
	CHECK(raw_len == sig_len && memcmp(raw, sig, sig_len) == 0);
	EVP_PKEY_CTX_free(sc);
	EVP_PKEY_CTX_free(pc);
	EVP_PKEY_free(k);
}

TEST(signing_ecdsa_raw_der)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	CHECK(k != NULL);
	if (!k)
		return;
	static const unsigned char data[] = "bordereau";
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char der[80];
	size_t der_len = sizeof der;
	CHECK(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k) == 1);
	CHECK(EVP_DigestSign(md, der, &der_len, data, sizeof data) == 1);
	EVP_MD_CTX_free(md);
	unsigned char *raw, *back;
	size_t raw_len, back_len;
	CHECK(signer_ecdsa_der_to_raw(der, der_len, 32, &raw, &raw_len));
	CHECK(raw_len == 64);
	CHECK(signer_ecdsa_raw_to_der(raw, raw_len, &back, &back_len));
	CHECK(back_len == der_len && memcmp(back, der, der_len) == 0);
	unsigned char *junk;
	size_t junk_len;
	CHECK(!signer_ecdsa_der_to_raw((const unsigned char *)"junk", 4, 32, &junk, &junk_len));
	free(raw);
	free(back);
	EVP_PKEY_free(k);
}

TEST(signing_secret_wiped)
{
	char *p = secret_strdup("123456");
	CHECK_STR(p, "123456");
	secret_free(&p);
	CHECK(p == NULL);
	secret_free(&p); /* twice is harmless */
}
