/* Detached CAdES-BES signatures (CMS, SHA-256, signing time,
 * signing-certificate-v2) of any file, PDF first; signed through the
 * signer interface, so with a card as well as with a PEM key. */
#ifndef LIASSE_CADES_H
#define LIASSE_CADES_H
#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "core/signer.h"

/* Signs the file DOC; writes the PEM .p7s to OUT (only once the
 * signature verifies). The signer must have been opened (signer_begin). */
bool cades_sign_file(const char *doc, const char *out, struct signer *signer, struct err *err);

struct cades_result {
	char signer[256];
	char issuer[256];
	char signing_time[40]; /* "2026-11-23 10:00:00 UTC", "" when absent */
	bool has_signing_cert_v2;
	bool valid;
	char problem[512];
};

/* Verifies P7S (PEM or DER) against the file DOC; CA_PATH (file or folder,
 * NULL = no chain check). False only when the input cannot be read. */
bool cades_verify_file(const char *doc, const char *p7s, const char *ca_path,
		       struct cades_result *res, struct err *err);

#endif
