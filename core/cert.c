/* Certificate description and checks for signing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "core/cert.h"
#include "core/i18n.h"
#include "core/strbuf.h"

static void
asn1_time_str(const ASN1_TIME *t, char *out, size_t n, time_t *tt)
{
	struct tm tm;
	out[0] = 0;
	*tt = 0;
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return;
	strftime(out, n, "%Y-%m-%d %H:%M:%S UTC", &tm);
	*tt = timegm(&tm);
}

static void
name_oneline(const X509_NAME *name, char *out, size_t n)
{
	BIO *b = BIO_new(BIO_s_mem());
	X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	char *p;
	long len = BIO_get_mem_data(b, &p);
	if (len < 0)
		len = 0;
	size_t m = (size_t)len < n - 1 ? (size_t)len : n - 1;
	memcpy(out, p, m);
	out[m] = 0;
	BIO_free(b);
}

static bool
name_entry(const X509_NAME *name, int nid, char *out, size_t n)
{
	int i = X509_NAME_get_index_by_NID(name, nid, -1);
	out[0] = 0;
	if (i < 0)
		return false;
	ASN1_STRING *v = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
	unsigned char *u = NULL;
	int len = ASN1_STRING_to_UTF8(&u, v);
	if (len < 0)
		return false;
	size_t m = (size_t)len < n - 1 ? (size_t)len : n - 1;
	memcpy(out, u, m);
	out[m] = 0;
	OPENSSL_free(u);
	return true;
}

char *
cert_serial_decimal(X509 *cert)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
	char *dec = bn ? BN_bn2dec(bn) : NULL;
	char *res = xstrdup(dec ? dec : "");
	OPENSSL_free(dec);
	BN_free(bn);
	return res;
}

bool
cert_der(X509 *cert, unsigned char **der, size_t *len)
{
	unsigned char *p = NULL;
	int n = i2d_X509(cert, &p);
	if (n <= 0)
		return false;
	*der = xmalloc((size_t)n);
	memcpy(*der, p, (size_t)n);
	OPENSSL_free(p);
	*len = (size_t)n;
	return true;
}

void
cert_describe(X509 *cert, struct cert_info *info)
{
	memset(info, 0, sizeof *info);
	const X509_NAME *subj = X509_get_subject_name(cert);
	const X509_NAME *iss = X509_get_issuer_name(cert);
	if (!name_entry(subj, NID_commonName, info->holder, sizeof info->holder)) {
		char gn[128], sn[128];
		if (name_entry(subj, NID_givenName, gn, sizeof gn) &&
		    name_entry(subj, NID_surname, sn, sizeof sn))
			snprintf(info->holder, sizeof info->holder, "%s %s", gn, sn);
		else
			name_oneline(subj, info->holder, sizeof info->holder);
	}
	name_entry(subj, NID_organizationName, info->organization, sizeof info->organization);
	name_oneline(subj, info->subject, sizeof info->subject);
	name_oneline(iss, info->issuer, sizeof info->issuer);
	if (!name_entry(iss, NID_commonName, info->issuer_cn, sizeof info->issuer_cn))
		str_copy(info->issuer_cn, sizeof info->issuer_cn, info->issuer);
	char *serial = cert_serial_decimal(cert);
	str_copy(info->serial, sizeof info->serial, serial);
	free(serial);
	asn1_time_str(X509_get0_notBefore(cert), info->not_before, sizeof info->not_before,
		      &info->not_before_t);
	asn1_time_str(X509_get0_notAfter(cert), info->not_after, sizeof info->not_after,
		      &info->not_after_t);

	EVP_PKEY *pub = X509_get0_pubkey(cert);
	if (pub && EVP_PKEY_base_id(pub) == EVP_PKEY_RSA)
		snprintf(info->key_type, sizeof info->key_type, "RSA %d bits", EVP_PKEY_get_bits(pub));
	else if (pub && EVP_PKEY_base_id(pub) == EVP_PKEY_EC)
		snprintf(info->key_type, sizeof info->key_type, "ECDSA %d bits",
			 EVP_PKEY_get_bits(pub));
	else
		str_copy(info->key_type, sizeof info->key_type, _("inconnue"));

	uint32_t ku = X509_get_key_usage(cert);
	info->has_key_usage = (X509_get_extension_flags(cert) & EXFLAG_KUSAGE) != 0;
	if (info->has_key_usage) {
		static const struct { uint32_t bit; const char *name; } kus[] = {
			{ KU_DIGITAL_SIGNATURE, N_("signature numérique") },
			{ KU_NON_REPUDIATION, N_("non-répudiation") },
			{ KU_KEY_ENCIPHERMENT, N_("chiffrement de clé") },
			{ KU_DATA_ENCIPHERMENT, N_("chiffrement de données") },
			{ KU_KEY_AGREEMENT, N_("accord de clé") },
			{ KU_KEY_CERT_SIGN, N_("signature de certificats") },
			{ KU_CRL_SIGN, N_("signature de LCR") },
		};
		struct strbuf sb = STRBUF_INIT;
		for (size_t i = 0; i < sizeof kus / sizeof kus[0]; i++)
			if (ku & kus[i].bit) {
				if (sb.len)
					sb_add(&sb, ", ");
				sb_add(&sb, _(kus[i].name));
			}
		str_copy(info->key_usage, sizeof info->key_usage, sb_str(&sb));
		sb_free(&sb);
		info->non_repudiation = (ku & KU_NON_REPUDIATION) != 0;
		info->digital_signature = (ku & KU_DIGITAL_SIGNATURE) != 0;
	}

	CERTIFICATEPOLICIES *pols = X509_get_ext_d2i(cert, NID_certificate_policies, NULL, NULL);
	if (pols) {
		struct strbuf sb = STRBUF_INIT;
		for (int i = 0; i < sk_POLICYINFO_num(pols); i++) {
			char oid[128];
			OBJ_obj2txt(oid, sizeof oid, sk_POLICYINFO_value(pols, i)->policyid, 1);
			if (sb.len)
				sb_add(&sb, ", ");
			sb_add(&sb, oid);
		}
		str_copy(info->policies, sizeof info->policies, sb_str(&sb));
		sb_free(&sb);
		CERTIFICATEPOLICIES_free(pols);
	}

	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	X509_digest(cert, EVP_sha256(), md, &mdlen);
	char *p = info->sha256;
	for (unsigned i = 0; i < mdlen && (size_t)(p - info->sha256) + 4 < sizeof info->sha256; i++)
		p += snprintf(p, 4, i ? ":%02X" : "%02X", md[i]);
}

bool
cert_check_signing(X509 *cert, time_t now, struct err *err)
{
	struct cert_info ci;
	cert_describe(cert, &ci);
	if (ci.not_after_t && now > ci.not_after_t)
		return err_set(err, ERR_INPUT,
			       _("Le certificat de %s a expiré le %s : il ne peut plus signer."),
			       ci.holder, ci.not_after);
	if (ci.not_before_t && now < ci.not_before_t)
		return err_set(err, ERR_INPUT,
			       _("Le certificat de %s n'est valide qu'à partir du %s."),
			       ci.holder, ci.not_before);
	if (!ci.has_key_usage || !ci.non_repudiation)
		return err_set(err, ERR_INPUT,
			       _("Le certificat de %s n'est pas un certificat de signature "
				 "(usage « non-répudiation » absent%s%s) : il ne peut pas servir "
				 "pour une signature RGS**."),
			       ci.holder, ci.key_usage[0] ? _(" ; usages : ") : "", ci.key_usage);
	return true;
}

static const char *
crl_reason(int r)
{
	switch (r) {
	case CRL_REASON_KEY_COMPROMISE: return _("compromission de la clé");
	case CRL_REASON_CA_COMPROMISE: return _("compromission de l'AC");
	case CRL_REASON_AFFILIATION_CHANGED: return _("changement d'affiliation");
	case CRL_REASON_SUPERSEDED: return _("remplacé");
	case CRL_REASON_CESSATION_OF_OPERATION: return _("cessation d'activité");
	case CRL_REASON_CERTIFICATE_HOLD: return _("suspendu");
	case CRL_REASON_PRIVILEGE_WITHDRAWN: return _("privilège retiré");
	default: return _("motif non précisé");
	}
}

/* The CRLs of PATH: every PEM block, else one DER CRL. */
static STACK_OF(X509_CRL) *
crl_load(const char *path)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	STACK_OF(X509_CRL) *sk = sk_X509_CRL_new_null();
	X509_CRL *c;
	while ((c = PEM_read_X509_CRL(fp, NULL, NULL, NULL)))
		sk_X509_CRL_push(sk, c);
	if (sk_X509_CRL_num(sk) == 0) {
		rewind(fp);
		if ((c = d2i_X509_CRL_fp(fp, NULL)))
			sk_X509_CRL_push(sk, c);
	}
	fclose(fp);
	ERR_clear_error();
	if (sk_X509_CRL_num(sk) == 0) {
		sk_X509_CRL_free(sk);
		return NULL;
	}
	return sk;
}

bool
cert_check_revocation(X509 *cert, const char *crl_path, time_t now, bool *revoked,
		      char *warning, size_t n, struct err *err)
{
	*revoked = false;
	if (warning && n)
		warning[0] = '\0';
	STACK_OF(X509_CRL) *sk = crl_load(crl_path);
	if (!sk)
		return err_set(err, ERR_INPUT, _("Impossible de lire la LCR « %s »."), crl_path);
	for (int i = 0; i < sk_X509_CRL_num(sk) && !*revoked; i++) {
		X509_CRL *crl = sk_X509_CRL_value(sk, i);
		if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_issuer_name(cert)) != 0)
			continue;
		X509_REVOKED *rev = NULL;
		if (X509_CRL_get0_by_cert(crl, &rev, cert) != 1 || !rev)
			continue;
		*revoked = true;
		char when[32];
		time_t tt;
		asn1_time_str(X509_REVOKED_get0_revocationDate(rev), when, sizeof when, &tt);
		int crit = 0;
		ASN1_ENUMERATED *reason = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, &crit, NULL);
		long code = reason ? ASN1_ENUMERATED_get(reason) : -1;
		ASN1_ENUMERATED_free(reason);
		char issuer[256] = "", next[32] = "";
		X509_NAME_get_text_by_NID(X509_CRL_get_issuer(crl), NID_commonName, issuer, sizeof issuer);
		asn1_time_str(X509_CRL_get0_nextUpdate(crl), next, sizeof next, &tt);
		struct cert_info ci;
		cert_describe(cert, &ci);
		if (warning)
			snprintf(warning, n,
				 _("Certificat révoqué le %s (%s) : le certificat de %s figure sur la "
				   "liste de révocation de %s%s."),
				 when[0] ? when : _("(date inconnue)"), crl_reason((int)code), ci.holder,
				 issuer[0] ? issuer : _("son AC"),
				 tt && now > tt ? _(" (liste périmée)") : "");
	}
	sk_X509_CRL_pop_free(sk, X509_CRL_free);
	ERR_clear_error();
	return true;
}

static bool
java_keyword(int nid, const char **kw)
{
	switch (nid) {
	case NID_commonName: *kw = "CN"; return true;
	case NID_countryName: *kw = "C"; return true;
	case NID_localityName: *kw = "L"; return true;
	case NID_stateOrProvinceName: *kw = "ST"; return true;
	case NID_organizationName: *kw = "O"; return true;
	case NID_organizationalUnitName: *kw = "OU"; return true;
	case NID_streetAddress: *kw = "STREET"; return true;
	case NID_domainComponent: *kw = "DC"; return true;
	case NID_userId: *kw = "UID"; return true;
	default: return false;
	}
}

static void
rfc2253_escape(struct strbuf *sb, const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = v[i];
		bool esc = strchr(",+\"\\<>;=", c) != NULL || (i == 0 && (c == '#' || c == ' ')) ||
			   (i == n - 1 && c == ' ');
		if (esc)
			sb_addc(sb, '\\');
		sb_addc(sb, c);
	}
}

char *
cert_name_rfc2253_java(const X509_NAME *name)
{
	struct strbuf sb = STRBUF_INIT;
	int n = X509_NAME_entry_count(name);
	int prev_set = -1;
	for (int i = n - 1; i >= 0; i--) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
		int set = X509_NAME_ENTRY_set(e);
		if (i != n - 1)
			sb_addc(&sb, set == prev_set ? '+' : ',');
		prev_set = set;
		const ASN1_OBJECT *obj = X509_NAME_ENTRY_get_object(e);
		const ASN1_STRING *val = X509_NAME_ENTRY_get_data(e);
		const char *kw;
		if (java_keyword(OBJ_obj2nid(obj), &kw)) {
			unsigned char *u = NULL;
			int len = ASN1_STRING_to_UTF8(&u, val);
			sb_add(&sb, kw);
			sb_addc(&sb, '=');
			if (len > 0)
				rfc2253_escape(&sb, (const char *)u, (size_t)len);
			OPENSSL_free(u);
		} else {
			char oid[128];
			OBJ_obj2txt(oid, sizeof oid, obj, 1);
			sb_add(&sb, oid);
			sb_add(&sb, "=#");
			unsigned char *der = NULL;
			/* the value's own DER: tag, length, content */
			ASN1_TYPE *t = ASN1_TYPE_new();
			ASN1_TYPE_set1(t, ASN1_STRING_type(val), val);
			int len = i2d_ASN1_TYPE(t, &der);
			for (int k = 0; k < len; k++)
				sb_printf(&sb, "%02x", der[k]);
			OPENSSL_free(der);
			ASN1_TYPE_free(t);
		}
	}
	return sb_take(&sb);
}

X509 *
cert_load_file(const char *path, struct err *err)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		err_set(err, ERR_IO, _("Impossible de lire « %s »."), path);
		err_detail(err, "%m");
		return NULL;
	}
	X509 *c = PEM_read_X509(fp, NULL, NULL, NULL);
	if (!c) {
		rewind(fp);
		c = d2i_X509_fp(fp, NULL);
	}
	fclose(fp);
	ERR_clear_error();
	if (!c)
		err_set(err, ERR_INPUT, _("« %s » n'est pas un certificat (PEM ou DER)."), path);
	return c;
}

bool
cert_verify_chain(X509 *cert, STACK_OF(X509) *untrusted, const char *ca_path,
		  const char *crl_path, time_t at, bool *revoked, struct err *err)
{
	if (revoked)
		*revoked = false;
	X509_STORE *store = X509_STORE_new();
	struct stat st;
	bool ok;
	if (stat(ca_path, &st) == 0 && S_ISDIR(st.st_mode)) {
		/* a folder of PEM files (c_rehash'ed or not): load each one */
		ok = false;
		DIR *d = opendir(ca_path);
		struct dirent *de;
		while (d && (de = readdir(d))) {
			size_t l = strlen(de->d_name);
			if (l < 5 || (strcmp(de->d_name + l - 4, ".pem") && strcmp(de->d_name + l - 4, ".crt")))
				continue;
			struct strbuf p = STRBUF_INIT;
			sb_printf(&p, "%s/%s", ca_path, de->d_name);
			if (X509_STORE_load_file(store, sb_str(&p)) == 1)
				ok = true;
			sb_free(&p);
		}
		if (d)
			closedir(d);
	} else {
		ok = X509_STORE_load_file(store, ca_path) == 1;
	}
	if (!ok) {
		X509_STORE_free(store);
		ERR_clear_error();
		return err_set(err, ERR_INPUT, _("Impossible de charger les certificats d'AC de « %s »."),
			       ca_path);
	}
	unsigned long flags = 0;
	if (crl_path) {
		X509_LOOKUP *lk = X509_STORE_add_lookup(store, X509_LOOKUP_file());
		if (!lk || X509_load_crl_file(lk, crl_path, X509_FILETYPE_PEM) <= 0) {
			X509_STORE_free(store);
			ERR_clear_error();
			return err_set(err, ERR_INPUT, _("Impossible de lire la LCR « %s »."), crl_path);
		}
		flags |= X509_V_FLAG_CRL_CHECK;
	}
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	X509_STORE_CTX_init(ctx, store, cert, untrusted);
	if (flags)
		X509_STORE_CTX_set_flags(ctx, flags);
	if (at)
		X509_STORE_CTX_set_time(ctx, 0, at);
	int rc = X509_verify_cert(ctx);
	int e = X509_STORE_CTX_get_error(ctx);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	ERR_clear_error();
	if (rc == 1)
		return true;
	if (e == X509_V_ERR_CERT_REVOKED) {
		if (revoked)
			*revoked = true;
		return err_set(err, ERR_INPUT, _("Le certificat est révoqué (liste de révocation de l'AC)."));
	}
	if (e == X509_V_ERR_CERT_HAS_EXPIRED)
		return err_set(err, ERR_INPUT, _("Le certificat était expiré à la date de vérification."));
	if (e == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
	    e == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT || e == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
	    e == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT)
		return err_set(err, ERR_INPUT,
			       _("Le certificat n'est pas émis par une autorité de confiance configurée."));
	err_set(err, ERR_INPUT, _("La chaîne de certification est invalide."));
	return err_detail(err, "X509_verify_cert: %s", X509_verify_cert_error_string(e));
}

bool
cert_check_signing_chain(X509 *cert, const char *ca_path, struct err *err)
{
	struct err e = { 0 };
	if (cert_verify_chain(cert, NULL, ca_path, NULL, 0, NULL, &e))
		return true;
	struct cert_info ci;
	cert_describe(cert, &ci);
	err_set(err, ERR_INPUT,
		_("Signature refusée : le certificat de %s, émis par « %s », n'est pas reconnu par "
		  "les autorités de certification configurées (%s) : %s"),
		ci.holder, ci.issuer_cn, ca_path, e.msg);
	if (e.detail[0])
		err_detail(err, "%s", e.detail);
	return false;
}
