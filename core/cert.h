/* Certificate description and the checks before an RGS** signature. */
#ifndef LIASSE_CERT_H
#define LIASSE_CERT_H
#include <stdbool.h>
#include <time.h>
#include <openssl/x509.h>

#include "core/err.h"

struct cert_info {
	char holder[256];      /* "Jeanne Martin" (CN, else GN SN, else the subject) */
	char organization[256];/* O */
	char subject[1024];    /* one line, RFC 2253 (UTF-8) */
	char issuer[1024];     /* one line, RFC 2253 (UTF-8) */
	char issuer_cn[256];
	char serial[128];      /* decimal */
	char not_before[32];   /* "2025-01-31 12:00:00 UTC" */
	char not_after[32];
	time_t not_before_t, not_after_t;
	char key_type[32];     /* "RSA 2048 bits", "ECDSA P-256" */
	char key_usage[256];   /* French list, "" when the extension is absent */
	bool has_key_usage;
	bool non_repudiation;
	bool digital_signature;
	char policies[512];    /* OIDs separated by ", " */
	char sha256[100];       /* fingerprint, hex with colons */
};

/* Fills INFO from CERT. */
void cert_describe(X509 *cert, struct cert_info *info);
/* Checks that CERT may sign for RGS**: valid at NOW (not expired, not yet
 * valid) and keyUsage with nonRepudiation. French message otherwise. */
bool cert_check_signing(X509 *cert, time_t now, struct err *err);
/* Checks the chain of CERT against the CA certificates in CA_PATH (a PEM
 * file or a folder of PEM files) at time AT (0 = now); UNTRUSTED
 * (NULL allowed) are intermediate certificates. When CRL_PATH is
 * given and lists CERT, *REVOKED is set and the function fails. */
bool cert_verify_chain(X509 *cert, STACK_OF(X509) *untrusted, const char *ca_path,
		       const char *crl_path, time_t at, bool *revoked, struct err *err);
/* Before a signature: CERT must chain to the CA certificates of CA_PATH
 * (cert_verify_chain, now). The French refusal names the holder and the
 * issuer. */
bool cert_check_signing_chain(X509 *cert, const char *ca_path, struct err *err);

/* Looks CERT up in the CRLs of CRL_PATH (a PEM file holding one or more
 * CRLs, or one DER CRL) whose issuer is CERT's. When it is listed,
 * *REVOKED is set and WARNING (may be NULL) gets the French warning
 * « Certificat révoqué le DATE (motif) … ». The CRL's own signature is not
 * checked: a CRL only ever adds a warning, it never lets a certificate
 * through. False + err only when CRL_PATH cannot be read or holds no CRL. */
bool cert_check_revocation(X509 *cert, const char *crl_path, time_t now, bool *revoked,
			   char *warning, size_t n, struct err *err);

/* The issuer name as Java's X500Principal.getName() writes it (RFC 2253,
 * most specific first, no spaces, attribute types other than CN C L ST O OU
 * STREET DC UID as OID=#hexDER): what XAdES X509IssuerName carries.
 * Malloc'ed. */
char *cert_name_rfc2253_java(const X509_NAME *name);
/* The serial number in decimal; malloc'ed. */
char *cert_serial_decimal(X509 *cert);
/* DER encoding of CERT; *DER malloc'ed. */
bool cert_der(X509 *cert, unsigned char **der, size_t *len);
/* Loads the first certificate of a PEM or DER file. */
X509 *cert_load_file(const char *path, struct err *err);

#endif
