/* The one small interface through which liasse signs (DESIGN.md decision 7):
 * a signer gives its certificate and signs bytes with a named mechanism.
 * Two implementations: the software signer below (a PEM key, for servers
 * and tests) and the PKCS#11 signer in pkcs11/p11.h (cards, SoftHSM).
 * core/ never includes pkcs11/: it only sees struct signer. */
#ifndef LIASSE_SIGNER_H
#define LIASSE_SIGNER_H
#include <stdbool.h>
#include <stddef.h>
#include <openssl/x509.h>

#include "core/err.h"

enum signer_mech {
	SIGNER_RSA_PKCS1_SHA256, /* RSASSA-PKCS1-v1_5 with SHA-256 (rsa-sha256) */
	SIGNER_ECDSA_SHA256,     /* ECDSA P-256 with SHA-256; raw r||s output */
};

/* What a signing operation may need to know about the PIN. */
enum signer_pin_state {
	SIGNER_PIN_OK = 0,
	SIGNER_PIN_COUNT_LOW,  /* the token reports failed tries */
	SIGNER_PIN_FINAL_TRY,  /* one try left before the card locks */
	SIGNER_PIN_LOCKED,     /* locked: no further try possible */
};

struct signer;
struct signer_ops {
	/* Signs DATA (not a digest: the mechanism hashes it); *SIG is
	 * malloc'ed, the caller frees it. */
	bool (*sign)(struct signer *s, enum signer_mech mech, const unsigned char *data,
		     size_t len, unsigned char **sig, size_t *sig_len, struct err *err);
	/* Opens the signing operation with the PIN (NULL: none needed or a
	 * pinpad); the implementation keeps it only until end(). */
	bool (*begin)(struct signer *s, const char *pin, struct err *err);
	void (*end)(struct signer *s);
	void (*destroy)(struct signer *s);
};

struct signer {
	const struct signer_ops *ops;
	void *impl;
	X509 *cert;          /* owned by the signer */
	bool needs_pin;      /* false for a software key or a pinpad */
	bool pinpad;         /* the PIN is typed on the reader */
	enum signer_pin_state pin_state; /* as last reported by the token */
	char description[160]; /* "SoftHSM token CARDLAB-SIGN" / "clé logicielle k.pem" */
};

/* The certificate (owned by the signer, never NULL). */
X509 *signer_cert(const struct signer *s);
/* The mechanism that fits the certificate's key (RSA or EC P-256);
 * false with a French message for another key type. */
bool signer_default_mech(const struct signer *s, enum signer_mech *mech, struct err *err);
bool signer_begin(struct signer *s, const char *pin, struct err *err);
void signer_end(struct signer *s);
bool signer_sign(struct signer *s, enum signer_mech mech, const unsigned char *data,
		 size_t len, unsigned char **sig, size_t *sig_len, struct err *err);
void signer_free(struct signer **s);

/* Software signer: KEY_PEM (private key, unencrypted PEM) and CERT_PEM.
 * Fails when the key does not match the certificate. */
struct signer *signer_soft_new(const char *key_pem, const char *cert_pem, struct err *err);

/* DER DigestInfo for SHA-256 (RFC 8017 §9.2) of DATA, for tokens that only
 * do raw CKM_RSA_PKCS: writes 51 bytes into OUT. */
#define SIGNER_DIGESTINFO_SHA256_LEN 51
void signer_digestinfo_sha256(const unsigned char *data, size_t len,
			      unsigned char out[SIGNER_DIGESTINFO_SHA256_LEN]);
/* Converts an ECDSA DER signature to raw r||s of 2*FIELD bytes; *RAW
 * malloc'ed. And back (for CMS). */
bool signer_ecdsa_der_to_raw(const unsigned char *der, size_t der_len, size_t field,
			     unsigned char **raw, size_t *raw_len);
bool signer_ecdsa_raw_to_der(const unsigned char *raw, size_t raw_len, unsigned char **der,
			     size_t *der_len);

/* Locked memory for secrets (PIN): mlock'ed when possible, wiped with
 * OPENSSL_cleanse and freed by secret_free. */
char *secret_strdup(const char *s);
void secret_free(char **s);

#endif
