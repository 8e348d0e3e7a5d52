/* XAdES-EPES enveloped signatures of PES Aller files for Hélios (DGFiP
 * policy 1.2.250.1.131.1.5.18.21.1.7), as ../shared/protocols/pes-signature.md
 * §2.2 and §5 describe: xmlsec builds the template, the digests and the
 * canonical SignedInfo come from libxml2's exclusive c14n (or the same
 * written from the parser's events, for files read as a stream); the
 * signer (core/signer.h) signs those bytes; xmlsec verifies.
 * The signed file is the original file with the ds:Signature elements
 * inserted: every other byte is unchanged (same encoding). */
#ifndef LIASSE_XADES_H
#define LIASSE_XADES_H
#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "core/signer.h"

#define XADES_NS_122 "http://uri.etsi.org/01903/v1.2.2#"
#define XADES_NS_111 "http://uri.etsi.org/01903/v1.1.1#"
#define XADES_NS_132 "http://uri.etsi.org/01903/v1.3.2#"
#define XADES_POLICY_OID "urn:oid:1.2.250.1.131.1.5.18.21.1.7"
#define XADES_POLICY_DESC "Politique de signature Helios de la DGFiP"
#define XADES_POLICY_HASH "roF9+cfRHNPtVJolhdqfIqGMVuUXX8aR4rpiquf0u5E="
#define XADES_POLICY_SPURI \
	"https://www.collectivites-locales.gouv.fr/files/files/finances_locales/dematerialisation/ps_helios_dgfip.pdf"
/* Biggest PES accepted (bytes). */
#define XADES_MAX_BYTES ((size_t)160 << 20)

/* Called after each signature: DONE of TOTAL elements signed. */
typedef void (*xades_progress_fn)(void *data, size_t done, size_t total);

struct xades_sign_opts {
	const char *city;        /* SignatureProductionPlace; NULL = omitted */
	const char *postal_code;
	const char *role;        /* ClaimedRole; NULL = "Ordonnateur" */
	bool certdigest_sha1;    /* "compatibilité Libersign": SHA-1 CertDigest */
	bool allow_not_dematerialised; /* sign even if InfoDematerialisee is 0/absent */
	time_t signing_time;     /* 0 = now */
	xades_progress_fn progress;
	void *progress_data;
};

/* What a file would get, without signing (for the confirmation screen). */
struct xades_plan {
	bool global;            /* one signature on PES_Aller, else per Bordereau */
	size_t n_targets;
	bool dematerialised;    /* every InfoDematerialisee is 1 */
	char root_id[128];
};

/* Examines IN (a PES Aller) and says what xades_sign_file would sign;
 * false with a French message when it cannot be signed (no Id, already
 * signed, duplicate Ids, not a PES Aller, not XML...). */
bool xades_plan_file(const char *in, struct xades_plan *plan, struct err *err);

/* Signs IN into OUT (OUT is written only when every signature verifies;
 * it may be the same path as IN). The signer must have been opened with
 * signer_begin. N_SIGNED (may be NULL) receives the number of signatures. */
bool xades_sign_file(const char *in, const char *out, struct signer *signer,
		     const struct xades_sign_opts *opts, size_t *n_signed, struct err *err);

/* Same on memory: *OUT malloc'ed. */
bool xades_sign_mem(const char *data, size_t len, struct signer *signer,
		    const struct xades_sign_opts *opts, char **out, size_t *out_len,
		    size_t *n_signed, struct err *err);

/* --- verification --- */

struct xades_sig_result {
	char target[192];       /* "bordereau BORD822933" / "fichier entier (PES_Aller …)" */
	char signer[256];       /* certificate holder */
	char issuer[256];
	char signing_time[40];  /* as written in the file */
	char policy[160];       /* policy identifier, "" when absent */
	char role[160];
	char algorithm[32];     /* "rsa-sha256", "rsa-sha1"... */
	bool valid;             /* cryptography + XAdES checks (+ chain if asked) */
	bool compliant;         /* follows the DGFiP policy (sha256, exc-c14n...) */
	char problem[512];      /* French: why it is not valid, "" when valid */
	char remarks[512];      /* French: non-blocking remarks */
};

struct xades_report {
	struct xades_sig_result *sigs;
	size_t n_sigs;
	size_t n_bordereaux;
	size_t n_unsigned;      /* bordereaux with no signature (and no global one) */
	char unsigned_ids[256]; /* the first ones, comma separated */
	bool all_valid;         /* n_sigs > 0 and every signature valid */
};

struct xades_verify_opts {
	const char *ca_path;    /* PEM file or folder; NULL = no chain check */
	const char *crl_path;   /* optional, with ca_path */
};

/* Verifies every ds:Signature of the PES file PATH. Returns false (with a
 * French message) only when the file cannot be examined; the validity is
 * in REP (free with xades_report_free). */
bool xades_verify_file(const char *path, const struct xades_verify_opts *opts,
		       struct xades_report *rep, struct err *err);
bool xades_verify_mem(const char *data, size_t len, const struct xades_verify_opts *opts,
		      struct xades_report *rep, struct err *err);
void xades_report_free(struct xades_report *rep);

/* Initialises libxml2/xmlsec once (called by the functions above). */
bool xades_init(struct err *err);

#endif
