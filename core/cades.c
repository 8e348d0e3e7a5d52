/* Detached CAdES-BES with OpenSSL CMS; the signature value comes from the
 * signer (see cades.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/pem.h> /* before cms.h: PEM_read_bio_CMS */
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "core/cades.h"
#include "core/cert.h"
#include "core/i18n.h"
#include "core/strbuf.h"

static bool
ossl_fail(struct err *err, const char *msg)
{
	err_set(err, ERR_INTERNAL, "%s", msg);
	unsigned long e = ERR_get_error();
	ERR_clear_error();
	return err_detail(err, "OpenSSL: %s", e ? ERR_error_string(e, NULL) : "?");
}

static bool
digest_file(const char *path, unsigned char md[32], struct err *err)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		err_set(err, ERR_IO, _("Impossible d'ouvrir « %s »."), path);
		return err_detail(err, "%m");
	}
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	unsigned char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
		EVP_DigestUpdate(c, buf, n);
	bool bad = ferror(fp);
	fclose(fp);
	unsigned int l = 0;
	EVP_DigestFinal_ex(c, md, &l);
	EVP_MD_CTX_free(c);
	if (bad)
		return err_set(err, ERR_IO, _("Erreur de lecture de « %s »."), path);
	return true;
}

bool
cades_sign_file(const char *doc, const char *out, struct signer *signer, struct err *err)
{
	unsigned char md[32];
	if (!digest_file(doc, md, err))
		return false;
	enum signer_mech mech;
	if (!signer_default_mech(signer, &mech, err))
		return false;
	X509 *cert = signer_cert(signer);
	/* The certificate's public key stands in for the private key: CMS
	 * builds the SignerInfo (CMS_PARTIAL: nothing is signed here); the
	 * signature value is then computed by the signer over the DER of the
	 * signed attributes. */
	EVP_PKEY *pub = X509_get0_pubkey(cert);
	int flags = CMS_DETACHED | CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP | CMS_CADES;
	CMS_ContentInfo *cms = CMS_sign(NULL, NULL, NULL, NULL, flags);
	CMS_SignerInfo *si = cms ? CMS_add1_signer(cms, cert, pub, EVP_sha256(), flags) : NULL;
	if (!si) {
		CMS_ContentInfo_free(cms);
		return ossl_fail(err, _("Construction de la signature CMS impossible."));
	}
	ASN1_TIME *now = ASN1_TIME_set(NULL, time(NULL));
	bool ok = CMS_signed_add1_attr_by_NID(si, NID_pkcs9_contentType, V_ASN1_OBJECT,
					      OBJ_nid2obj(NID_pkcs7_data), -1) > 0 &&
		  CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime, now->type, now, -1) > 0 &&
		  CMS_signed_add1_attr_by_NID(si, NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING, md,
					      sizeof md) > 0;
	ASN1_TIME_free(now);
	/* DER of the signed attributes as a SET (what is signed, RFC 5652 §5.4) */
	STACK_OF(X509_ATTRIBUTE) *attrs = sk_X509_ATTRIBUTE_new_null();
	for (int i = 0; ok && i < CMS_signed_get_attr_count(si); i++)
		sk_X509_ATTRIBUTE_push(attrs, CMS_signed_get_attr(si, i));
	unsigned char *tbs = NULL;
	int tbs_len = ok ? ASN1_item_i2d((ASN1_VALUE *)attrs, &tbs, ASN1_ITEM_rptr(PKCS7_ATTR_SIGN)) : -1;
	sk_X509_ATTRIBUTE_free(attrs);
	if (!ok || tbs_len <= 0) {
		OPENSSL_free(tbs);
		CMS_ContentInfo_free(cms);
		return ossl_fail(err, _("Construction de la signature CMS impossible."));
	}
	unsigned char *sig = NULL;
	size_t sig_len = 0;
	ok = signer_sign(signer, mech, tbs, (size_t)tbs_len, &sig, &sig_len, err);
	OPENSSL_free(tbs);
	if (!ok) {
		CMS_ContentInfo_free(cms);
		return false;
	}
	if (mech == SIGNER_ECDSA_SHA256) {
		unsigned char *der;
		size_t der_len;
		if (!signer_ecdsa_raw_to_der(sig, sig_len, &der, &der_len)) {
			free(sig);
			CMS_ContentInfo_free(cms);
			return err_set(err, ERR_INTERNAL, _("Signature ECDSA illisible."));
		}
		free(sig);
		sig = der;
		sig_len = der_len;
	}
	ASN1_OCTET_STRING_set(CMS_SignerInfo_get0_signature(si), sig, (int)sig_len);
	free(sig);

	/* write, then verify what was written */
	struct strbuf tmp = STRBUF_INIT;
	sb_printf(&tmp, "%s.tmp.%ld", out, (long)getpid());
	BIO *b = BIO_new_file(sb_str(&tmp), "wb");
	ok = b && PEM_write_bio_CMS(b, cms) == 1;
	BIO_free(b);
	CMS_ContentInfo_free(cms);
	if (!ok) {
		unlink(sb_str(&tmp));
		sb_free(&tmp);
		err_set(err, ERR_IO, _("Impossible d'écrire « %s »."), out);
		return false;
	}
	struct cades_result res;
	if (!cades_verify_file(doc, sb_str(&tmp), NULL, &res, err) || !res.valid) {
		unlink(sb_str(&tmp));
		sb_free(&tmp);
		if (!err->code) {
			err_set(err, ERR_INTERNAL, _("La signature produite ne se vérifie pas : rien n'est écrit."));
			err_detail(err, "%s", res.problem);
		}
		return false;
	}
	if (rename(sb_str(&tmp), out) != 0) {
		unlink(sb_str(&tmp));
		sb_free(&tmp);
		err_set(err, ERR_IO, _("Impossible d'écrire « %s »."), out);
		return err_detail(err, "%m");
	}
	sb_free(&tmp);
	return true;
}

static CMS_ContentInfo *
read_cms(const char *path, struct err *err)
{
	BIO *b = BIO_new_file(path, "rb");
	if (!b) {
		ERR_clear_error();
		err_set(err, ERR_IO, _("Impossible d'ouvrir « %s »."), path);
		return NULL;
	}
	CMS_ContentInfo *cms = PEM_read_bio_CMS(b, NULL, NULL, NULL);
	if (!cms) {
		BIO_reset(b);
		cms = d2i_CMS_bio(b, NULL);
	}
	BIO_free(b);
	ERR_clear_error();
	if (!cms)
		err_set(err, ERR_INPUT, _("« %s » n'est pas une signature CMS (PEM ou DER)."), path);
	return cms;
}

bool
cades_verify_file(const char *doc, const char *p7s, const char *ca_path,
		  struct cades_result *res, struct err *err)
{
	memset(res, 0, sizeof *res);
	CMS_ContentInfo *cms = read_cms(p7s, err);
	if (!cms)
		return false;
	BIO *data = BIO_new_file(doc, "rb");
	if (!data) {
		ERR_clear_error();
		CMS_ContentInfo_free(cms);
		return err_set(err, ERR_IO, _("Impossible d'ouvrir « %s »."), doc);
	}
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
	STACK_OF(X509) *certs = CMS_get1_certs(cms);
	X509 *signer_cert = NULL;
	if (sk_CMS_SignerInfo_num(sis) != 1) {
		str_copy(res->problem, sizeof res->problem, _("la signature doit avoir exactement un signataire"));
	} else {
		CMS_SignerInfo *si = sk_CMS_SignerInfo_value(sis, 0);
		for (int i = 0; i < sk_X509_num(certs) && !signer_cert; i++)
			if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(certs, i)) == 0)
				signer_cert = sk_X509_value(certs, i);
		int idx = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
		if (idx >= 0) {
			ASN1_TYPE *t = X509_ATTRIBUTE_get0_type(CMS_signed_get_attr(si, idx), 0);
			struct tm tm;
			if (t && (t->type == V_ASN1_UTCTIME || t->type == V_ASN1_GENERALIZEDTIME) &&
			    ASN1_TIME_to_tm(t->value.asn1_string, &tm) == 1)
				strftime(res->signing_time, sizeof res->signing_time, "%Y-%m-%d %H:%M:%S UTC", &tm);
		}
		res->has_signing_cert_v2 =
			CMS_signed_get_attr_by_NID(si, NID_id_smime_aa_signingCertificateV2, -1) >= 0;
	}
	if (signer_cert) {
		struct cert_info ci;
		cert_describe(signer_cert, &ci);
		str_copy(res->signer, sizeof res->signer, ci.holder);
		str_copy(res->issuer, sizeof res->issuer, ci.issuer_cn);
	} else if (!res->problem[0]) {
		str_copy(res->problem, sizeof res->problem, _("certificat du signataire absent"));
	}
	if (!res->problem[0]) {
		int vflags = CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY;
		if (CMS_verify(cms, NULL, NULL, data, NULL, vflags) == 1) {
			res->valid = true;
		} else {
			str_copy(res->problem, sizeof res->problem,
				 _("signature invalide : le document ne correspond pas à la signature"));
		}
		ERR_clear_error();
	}
	if (res->valid && ca_path) {
		struct err e = { 0 };
		STACK_OF(X509) *others = sk_X509_new_null();
		for (int i = 0; i < sk_X509_num(certs); i++)
			if (sk_X509_value(certs, i) != signer_cert)
				sk_X509_push(others, sk_X509_value(certs, i));
		time_t at = 0;
		if (res->signing_time[0]) {
			struct tm tm = { 0 };
			if (strptime(res->signing_time, "%Y-%m-%d %H:%M:%S", &tm))
				at = timegm(&tm);
		}
		if (!cert_verify_chain(signer_cert, others, ca_path, NULL, at, NULL, &e)) {
			res->valid = false;
			snprintf(res->problem, sizeof res->problem, _("certificat : %.400s"), e.msg);
		}
		sk_X509_free(others);
	}
	sk_X509_pop_free(certs, X509_free);
	BIO_free(data);
	CMS_ContentInfo_free(cms);
	return true;
}
