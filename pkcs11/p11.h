/* PKCS#11: modules loaded with dlopen, slots, tokens, certificates, and
 * the PKCS#11 signer (core/signer.h). No curses, no SQL, never prints. */
#ifndef LIASSE_P11_H
#define LIASSE_P11_H
#include <stdbool.h>
#include <stddef.h>
#include <openssl/x509.h>

#include "core/err.h"
#include "core/signer.h"

struct p11_module;

/* The default module: p11-kit's proxy, so that every module registered
 * on the system (opensc, a vendor's...) is reachable. */
#define P11_DEFAULT_MODULE "p11-kit-proxy.so"

/* dlopen + C_GetFunctionList + C_Initialize. PATH NULL = the default. */
struct p11_module *p11_module_open(const char *path, struct err *err);
void p11_module_close(struct p11_module **m);
const char *p11_module_path(const struct p11_module *m);

struct p11_slot {
	unsigned long id;
	char description[65];
	char manufacturer[33];
	bool token_present;
	bool removable;
	char label[33];         /* token label, trimmed */
	char token_manufacturer[33];
	char model[17];
	char serial[17];
	unsigned long flags;    /* CK_TOKEN_INFO flags */
};
bool p11_list_slots(struct p11_module *m, struct p11_slot **slots, size_t *n, struct err *err);

struct p11_cert {
	unsigned char id[64];
	size_t id_len;
	char label[128];
	X509 *cert;
};
/* The certificates of the token in SLOT (no login needed). */
bool p11_list_certs(struct p11_module *m, unsigned long slot, struct p11_cert **certs, size_t *n,
		    struct err *err);
void p11_certs_free(struct p11_cert **certs, size_t n);

/* Token flags in French ("PIN : dernier essai", "PIN bloqué"...), "" if none. */
const char *p11_pin_flags_text(unsigned long token_flags);
/* CKR_* name of RV. */
const char *p11_rv_name(unsigned long rv);

/* A signer on the token labelled TOKEN_LABEL (NULL = the first token
 * holding a certificate with nonRepudiation). It uses the certificate
 * with nonRepudiation if the token has one, else its first certificate
 * (which the RGS check will then refuse with its own message). M must
 * outlive the signer. The session stays open between operations and is
 * reopened cleanly when the card was removed. */
struct signer *p11_signer_new(struct p11_module *m, const char *token_label, struct err *err);

#endif
