/* The signer interface and the software signer (PEM key). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "core/i18n.h"
#include "core/signer.h"
#include "core/strbuf.h"

X509 *
signer_cert(const struct signer *s)
{
	return s->cert;
}

bool
signer_default_mech(const struct signer *s, enum signer_mech *mech, struct err *err)
{
	EVP_PKEY *pub = X509_get0_pubkey(s->cert);
	if (pub && EVP_PKEY_base_id(pub) == EVP_PKEY_RSA) {
		*mech = SIGNER_RSA_PKCS1_SHA256;
		return true;
	}
	if (pub && EVP_PKEY_base_id(pub) == EVP_PKEY_EC && EVP_PKEY_get_bits(pub) == 256) {
		*mech = SIGNER_ECDSA_SHA256;
		return true;
	}
	return err_set(err, ERR_INPUT,
		       _("La clé du certificat n'est ni RSA ni ECDSA P-256 : signature impossible."));
}

bool
signer_begin(struct signer *s, const char *pin, struct err *err)
{
	return s->ops->begin ? s->ops->begin(s, pin, err) : true;
}

void
signer_end(struct signer *s)
{
	if (s && s->ops->end)
		s->ops->end(s);
}

bool
signer_sign(struct signer *s, enum signer_mech mech, const unsigned char *data, size_t len,
	    unsigned char **sig, size_t *sig_len, struct err *err)
{
	*sig = NULL;
	*sig_len = 0;
	return s->ops->sign(s, mech, data, len, sig, sig_len, err);
}

void
signer_free(struct signer **sp)
{
	struct signer *s = *sp;
	if (!s)
		return;
	signer_end(s);
	if (s->ops->destroy)
		s->ops->destroy(s);
	X509_free(s->cert);
	free(s);
	*sp = NULL;
}

void
signer_digestinfo_sha256(const unsigned char *data, size_t len,
			 unsigned char out[SIGNER_DIGESTINFO_SHA256_LEN])
{
	static const unsigned char prefix[19] = {
		0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
		0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
	};
	memcpy(out, prefix, sizeof prefix);
	SHA256(data, len, out + sizeof prefix);
}

bool
signer_ecdsa_der_to_raw(const unsigned char *der, size_t der_len, size_t field,
			unsigned char **raw, size_t *raw_len)
{
	const unsigned char *p = der;
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	if (!es)
		return false;
	const BIGNUM *r, *s;
	ECDSA_SIG_get0(es, &r, &s);
	unsigned char *out = xmalloc(2 * field);
	bool ok = BN_bn2binpad(r, out, (int)field) == (int)field &&
		  BN_bn2binpad(s, out + field, (int)field) == (int)field;
	ECDSA_SIG_free(es);
	if (!ok) {
		free(out);
		return false;
	}
	*raw = out;
	*raw_len = 2 * field;
	return true;
}

bool
signer_ecdsa_raw_to_der(const unsigned char *raw, size_t raw_len, unsigned char **der,
			size_t *der_len)
{
	if (raw_len == 0 || raw_len % 2)
		return false;
	size_t f = raw_len / 2;
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(raw, (int)f, NULL), *s = BN_bin2bn(raw + f, (int)f, NULL);
	if (!es || !r || !s || !ECDSA_SIG_set0(es, r, s)) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(es);
		return false;
	}
	unsigned char *out = NULL;
	int n = i2d_ECDSA_SIG(es, &out);
	ECDSA_SIG_free(es);
	if (n <= 0)
		return false;
	*der = xmalloc((size_t)n);
	memcpy(*der, out, (size_t)n);
	OPENSSL_free(out);
	*der_len = (size_t)n;
	return true;
}

/* Secrets live in a page of their own, locked in RAM (never swapped) when
 * the system allows it. The length is kept before the string. */
char *
secret_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	size_t total = sizeof(size_t) + n;
	unsigned char *p = xmalloc(total);
	memcpy(p, &total, sizeof total);
	(void)mlock(p, total); /* best effort: RLIMIT_MEMLOCK may refuse */
	memcpy(p + sizeof total, s, n);
	return (char *)(p + sizeof total);
}

void
secret_free(char **sp)
{
	if (!*sp)
		return;
	unsigned char *p = (unsigned char *)*sp - sizeof(size_t);
	size_t total;
	memcpy(&total, p, sizeof total);
	OPENSSL_cleanse(p, total);
	munlock(p, total);
	free(p);
	*sp = NULL;
}

/* --- software signer --- */

static bool
soft_sign(struct signer *s, enum signer_mech mech, const unsigned char *data, size_t len,
	  unsigned char **sig, size_t *sig_len, struct err *err)
{
	EVP_PKEY *key = s->impl;
	bool is_ec = EVP_PKEY_base_id(key) == EVP_PKEY_EC;
	if ((mech == SIGNER_ECDSA_SHA256) != is_ec)
		return err_set(err, ERR_INPUT,
			       _("Le mécanisme de signature demandé ne convient pas à la clé."));
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	size_t n = 0;
	unsigned char *out = NULL;
	bool ok = md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
		  EVP_DigestSign(md, NULL, &n, data, len) == 1;
	if (ok) {
		out = xmalloc(n);
		ok = EVP_DigestSign(md, out, &n, data, len) == 1;
	}
	EVP_MD_CTX_free(md);
	if (!ok) {
		free(out);
		err_set(err, ERR_INTERNAL, _("La signature avec la clé logicielle a échoué."));
		return err_detail(err, "EVP_DigestSign: %s",
				  ERR_error_string(ERR_get_error(), NULL));
	}
	if (is_ec) {
		unsigned char *raw;
		size_t raw_len;
		ok = signer_ecdsa_der_to_raw(out, n, 32, &raw, &raw_len);
		free(out);
		if (!ok)
			return err_set(err, ERR_INTERNAL, _("Signature ECDSA illisible."));
		out = raw;
		n = raw_len;
	}
	*sig = out;
	*sig_len = n;
	return true;
}

static void
soft_destroy(struct signer *s)
{
	EVP_PKEY_free(s->impl);
}

static const struct signer_ops soft_ops = {
	.sign = soft_sign,
	.destroy = soft_destroy,
};

static bool
read_pem(const char *path, bool is_key, void **out, struct err *err)
{
	FILE *fp = fopen(path, "r");
	if (!fp) {
		err_set(err, ERR_IO, _("Impossible de lire « %s »."), path);
		return err_detail(err, "%m");
	}
	if (is_key)
		*out = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	else
		*out = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	if (!*out) {
		ERR_clear_error();
		return err_set(err, ERR_INPUT,
			       is_key ? _("« %s » n'est pas une clé privée PEM (non chiffrée).")
				      : _("« %s » n'est pas un certificat PEM."),
			       path);
	}
	return true;
}

struct signer *
signer_soft_new(const char *key_pem, const char *cert_pem, struct err *err)
{
	void *key = NULL, *cert = NULL;
	if (!read_pem(key_pem, true, &key, err))
		return NULL;
	if (!read_pem(cert_pem, false, &cert, err)) {
		EVP_PKEY_free(key);
		return NULL;
	}
	if (X509_check_private_key(cert, key) != 1) {
		ERR_clear_error();
		EVP_PKEY_free(key);
		X509_free(cert);
		err_set(err, ERR_INPUT, _("La clé « %s » ne correspond pas au certificat « %s »."),
			key_pem, cert_pem);
		return NULL;
	}
	struct signer *s = xcalloc(1, sizeof *s);
	s->ops = &soft_ops;
	s->impl = key;
	s->cert = cert;
	s->needs_pin = false;
	const char *base = strrchr(key_pem, '/');
	snprintf(s->description, sizeof s->description, _("clé logicielle %s"),
		 base ? base + 1 : key_pem);
	return s;
}
