/* XAdES-EPES signature and verification of PES Aller files (see xades.h). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libxml/c14n.h>
#include <libxml/hash.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/valid.h>
#include <libxml/xmlsave.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/openssl/x509.h>

#include "core/cert.h"
#include "core/i18n.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "core/xades.h"
#include "core/xml.h"

#define DSIG_NS "http://www.w3.org/2000/09/xmldsig#"
#define ALG_EXC_C14N "http://www.w3.org/2001/10/xml-exc-c14n#"
#define ALG_EXC_C14N_COM "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"
#define ALG_ENVELOPED "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
#define ALG_SHA1 "http://www.w3.org/2000/09/xmldsig#sha1"
#define ALG_SHA256 "http://www.w3.org/2001/04/xmlenc#sha256"
#define ALG_SHA512 "http://www.w3.org/2001/04/xmlenc#sha512"
#define ALG_RSA_SHA1 "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
#define ALG_RSA_SHA256 "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
#define ALG_ECDSA_SHA256 "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"

/* ---------- errors from xmlsec and libxml2 go to a buffer, never stderr */

static char last_lib_error[512];

static void
xmlsec_error_cb(const char *file, int line, const char *func, const char *errorObject,
		const char *errorSubject, int reason, const char *msg)
{
	(void)file;
	(void)line;
	if (last_lib_error[0])
		return; /* keep the first, the root cause */
	snprintf(last_lib_error, sizeof last_lib_error, "xmlsec %s: %s %s (%d) %s",
		 func ? func : "", errorObject ? errorObject : "", errorSubject ? errorSubject : "",
		 reason, msg ? msg : "");
}

bool
xades_init(struct err *err)
{
	static int state; /* 0 not done, 1 ok, -1 failed */
	if (state == 0) {
		xml_init();
		xmlSecErrorsSetCallback(xmlsec_error_cb);
		state = (xmlSecInit() >= 0 && xmlSecCheckVersion() == 1 &&
			 xmlSecCryptoAppInit(NULL) >= 0 && xmlSecCryptoInit() >= 0)
				? 1
				: -1;
	}
	if (state < 0)
		return err_set(err, ERR_INTERNAL, _("Initialisation de xmlsec impossible."));
	return true;
}

/* ---------- small helpers */

static bool
is_el(const xmlNode *n, const char *local, const char *ns)
{
	if (!n || n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, local))
		return false;
	if (!ns)
		return true;
	return n->ns && n->ns->href && strcmp((const char *)n->ns->href, ns) == 0;
}

static bool
is_xades_ns(const xmlNode *n)
{
	const char *h = n && n->ns ? (const char *)n->ns->href : "";
	return !strcmp(h, XADES_NS_122) || !strcmp(h, XADES_NS_111) || !strcmp(h, XADES_NS_132);
}

static xmlNode *
child_el(const xmlNode *parent, const char *local, const char *ns)
{
	for (xmlNode *c = parent ? parent->children : NULL; c; c = c->next)
		if (is_el(c, local, ns))
			return c;
	return NULL;
}

/* Child in any XAdES namespace. */
static xmlNode *
child_xa(const xmlNode *parent, const char *local)
{
	for (xmlNode *c = parent ? parent->children : NULL; c; c = c->next)
		if (is_el(c, local, NULL) && is_xades_ns(c))
			return c;
	return NULL;
}

/* Follows a path of XAdES children ("a/b/c"). */
static xmlNode *
xa_path(const xmlNode *n, const char *path)
{
	char buf[256];
	str_copy(buf, sizeof buf, path);
	char *save = NULL;
	for (char *p = strtok_r(buf, "/", &save); p && n; p = strtok_r(NULL, "/", &save))
		n = child_xa(n, p);
	return (xmlNode *)n;
}

static char *
text_of(const xmlNode *n)
{
	if (!n)
		return NULL;
	xmlChar *c = xmlNodeGetContent(n);
	char *s = xstrdup(c ? (const char *)c : "");
	xmlFree(c);
	/* trim */
	size_t a = 0, b = strlen(s);
	while (a < b && isspace((unsigned char)s[a]))
		a++;
	while (b > a && isspace((unsigned char)s[b - 1]))
		b--;
	memmove(s, s + a, b - a);
	s[b - a] = 0;
	return s;
}

static char *
attr_of(const xmlNode *n, const char *name)
{
	xmlChar *v = n ? xmlGetProp(n, (const xmlChar *)name) : NULL;
	char *s = v ? xstrdup((const char *)v) : NULL;
	xmlFree(v);
	return s;
}

static void
copy_text(char *dst, size_t n, const xmlNode *node)
{
	char *t = text_of(node);
	str_copy(dst, n, t ? t : "");
	free(t);
}

static char *
b64_encode(const unsigned char *data, size_t len, bool wrap)
{
	size_t enc_len = 4 * ((len + 2) / 3);
	unsigned char *enc = xmalloc(enc_len + 1);
	EVP_EncodeBlock(enc, data, (int)len);
	if (!wrap)
		return (char *)enc;
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < enc_len; i += 76) {
		if (i)
			sb_addc(&sb, '\n');
		sb_addn(&sb, (const char *)enc + i, enc_len - i < 76 ? enc_len - i : 76);
	}
	free(enc);
	return sb_take(&sb);
}

static bool
b64_decode(const char *text, unsigned char **out, size_t *out_len)
{
	struct strbuf sb = STRBUF_INIT;
	for (const char *p = text; *p; p++)
		if (!isspace((unsigned char)*p))
			sb_addc(&sb, *p);
	size_t n = sb.len;
	if (n == 0 || n % 4) {
		sb_free(&sb);
		return false;
	}
	unsigned char *buf = xmalloc(n);
	int r = EVP_DecodeBlock(buf, (const unsigned char *)sb.data, (int)n);
	if (r < 0) {
		free(buf);
		sb_free(&sb);
		return false;
	}
	size_t len = (size_t)r;
	if (sb.data[n - 1] == '=')
		len--;
	if (sb.data[n - 2] == '=')
		len--;
	sb_free(&sb);
	*out = buf;
	*out_len = len;
	return true;
}

static bool
read_whole_file(const char *path, size_t max, char **data, size_t *len, struct err *err)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		err_set(err, ERR_IO, _("Impossible d'ouvrir « %s »."), path);
		return err_detail(err, "%m");
	}
	struct stat st;
	if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(fp);
		return err_set(err, ERR_INPUT, _("« %s » est un dossier, pas un fichier."), path);
	}
	if (fstat(fileno(fp), &st) == 0 && (size_t)st.st_size > max) {
		fclose(fp);
		return err_set(err, ERR_INPUT,
			       _("Le fichier « %s » est trop gros (%lld Mo, au plus %zu Mo)."), path,
			       (long long)(st.st_size >> 20), max >> 20);
	}
	struct strbuf sb = STRBUF_INIT;
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0) {
		if (sb.len + n > max) {
			fclose(fp);
			sb_free(&sb);
			return err_set(err, ERR_INPUT, _("Le fichier « %s » est trop gros (au plus %zu Mo)."),
				       path, max >> 20);
		}
		sb_addn(&sb, buf, n);
	}
	bool bad = ferror(fp);
	fclose(fp);
	if (bad) {
		sb_free(&sb);
		return err_set(err, ERR_IO, _("Erreur de lecture de « %s »."), path);
	}
	*len = sb.len;
	*data = sb.data ? sb_take(&sb) : xstrdup("");
	return true;
}

/* ---------- exclusive canonicalisation, fast
 *
 * xmlsec canonicalises a same-document reference through a node set and a
 * visibility callback asked about every node and namespace of the whole
 * document, which is slow on a large PES. libxml2 canonicalises a whole
 * document without any callback: the subtree is handed to it as the only
 * content of a stand-in document, in place (its namespace bindings are
 * still looked up through its real ancestors, and exclusive c14n takes
 * nothing else from outside the subtree). */

struct c14n_sink {
	EVP_MD_CTX *md;     /* fed when not NULL */
	struct strbuf *out; /* appended to when not NULL */
};

static int
c14n_sink_write(void *ctx, const char *buf, int len)
{
	struct c14n_sink *k = ctx;
	if (k->md && !EVP_DigestUpdate(k->md, buf, (size_t)len))
		return -1;
	if (k->out)
		sb_addn(k->out, buf, (size_t)len);
	return len;
}

static int
c14n_sink_close(void *ctx)
{
	(void)ctx;
	return 0;
}

/* Exclusive c14n, without comments, of the whole of DOC into K. */
static bool
c14n_doc(xmlDocPtr doc, struct c14n_sink *k)
{
	xmlOutputBufferPtr ob = xmlOutputBufferCreateIO(c14n_sink_write, c14n_sink_close, k, NULL);
	if (!ob)
		return false;
	int rc = xmlC14NDocSaveTo(doc, NULL, XML_C14N_EXCLUSIVE_1_0, NULL, 0, ob);
	int rc2 = xmlOutputBufferClose(ob);
	return rc >= 0 && rc2 >= 0;
}

/* Exclusive c14n, without comments, of the subtree N with its child SKIP
 * (or NULL) left out: what a reference "#Id-of-N" with the enveloped
 * transform (SKIP being the signature) and exc-c14n gives. N's tree is
 * only borrowed: it is as before on return. */
static bool
c14n_subtree(xmlNode *n, xmlNode *skip, struct c14n_sink *k)
{
	if (!n || n->type != XML_ELEMENT_NODE || (skip && skip->parent != n))
		return false;
	xmlDocPtr stand_in = xmlNewDoc((const xmlChar *)"1.0");
	if (!stand_in)
		return false;
	xmlNode *skip_next = skip ? skip->next : NULL;
	if (skip)
		xmlUnlinkNode(skip);
	xmlNode *prev = n->prev, *next = n->next;
	n->prev = n->next = NULL;
	stand_in->children = stand_in->last = n;
	bool ok = c14n_doc(stand_in, k);
	stand_in->children = stand_in->last = NULL;
	n->prev = prev;
	n->next = next;
	xmlFreeDoc(stand_in);
	if (skip) {
		if (skip_next)
			xmlAddPrevSibling(skip_next, skip);
		else
			xmlAddChild(n, skip);
	}
	return ok;
}

/* SHA-256 of the exclusive c14n of N without SKIP (see c14n_subtree). */
static bool
digest_subtree(xmlNode *n, xmlNode *skip, unsigned char out[32])
{
	struct c14n_sink k = { EVP_MD_CTX_new(), NULL };
	unsigned int len = 0;
	bool ok = k.md && EVP_DigestInit_ex(k.md, EVP_sha256(), NULL) && c14n_subtree(n, skip, &k) &&
		  EVP_DigestFinal_ex(k.md, out, &len) && len == 32;
	EVP_MD_CTX_free(k.md);
	return ok;
}

/* Parses the bytes of a PES safely: no DTD (so no entity, no bomb), no
 * network. Keeps whitespace (it is part of what is signed). */
static xmlDocPtr
parse_safe(const char *data, size_t len, struct err *err)
{
	if (len == 0) {
		err_set(err, ERR_INPUT, _("Le fichier est vide."));
		return NULL;
	}
	if (len >= 2 && (((unsigned char)data[0] == 0xFE && (unsigned char)data[1] == 0xFF) ||
			 ((unsigned char)data[0] == 0xFF && (unsigned char)data[1] == 0xFE))) {
		err_set(err, ERR_INPUT, _("Encodage UTF-16 non pris en charge pour un PES."));
		return NULL;
	}
	xmlDocPtr doc = xml_parse_mem_safe(data, len, err);
	if (!doc)
		return NULL;
	return doc;
}

/* ---------- the PES structure */

struct pes_targets {
	xmlNode *root;
	xmlNode **bord;    /* every Bordereau */
	size_t n_bord;
	size_t n_bord_with_id;
	bool dematerialised;
};

static void
pes_targets_free(struct pes_targets *t)
{
	free(t->bord);
	memset(t, 0, sizeof *t);
}

static bool
pes_find(xmlDocPtr doc, struct pes_targets *t, struct err *err)
{
	memset(t, 0, sizeof *t);
	t->root = xmlDocGetRootElement(doc);
	if (!t->root || !is_el(t->root, "PES_Aller", NULL))
		return err_set(err, ERR_INPUT,
			       _("Ce fichier n'est pas un PES Aller (élément racine <%s>)."),
			       t->root ? (const char *)t->root->name : "?");
	size_t cap = 0;
	bool any_header = false;
	t->dematerialised = true;
	for (xmlNode *part = t->root->children; part; part = part->next) {
		if (!is_el(part, "PES_DepenseAller", NULL) && !is_el(part, "PES_RecetteAller", NULL))
			continue;
		xmlNode *hdr = child_el(part, is_el(part, "PES_DepenseAller", NULL) ? "EnTeteDepense"
										 : "EnTeteRecette",
					NULL);
		xmlNode *info = child_el(hdr, "InfoDematerialisee", NULL);
		char *v = attr_of(info, "V");
		any_header = true;
		if (!v || strcmp(v, "1"))
			t->dematerialised = false;
		free(v);
		for (xmlNode *b = part->children; b; b = b->next) {
			if (!is_el(b, "Bordereau", NULL))
				continue;
			if (t->n_bord == cap) {
				cap = cap ? 2 * cap : 16;
				t->bord = xrealloc(t->bord, cap * sizeof *t->bord);
			}
			t->bord[t->n_bord++] = b;
			if (xmlHasProp(b, (const xmlChar *)"Id"))
				t->n_bord_with_id++;
		}
	}
	if (!any_header)
		t->dematerialised = false;
	return true;
}

/* Registers every Id attribute as an XML ID (the PES has no DTD); a
 * duplicate Id is an error (it would allow signature wrapping). */
static bool
register_ids(xmlDocPtr doc, xmlNode *node, struct err *err)
{
	for (xmlNode *n = node; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		for (xmlAttr *a = n->properties; a; a = a->next) {
			if (strcmp((const char *)a->name, "Id") || a->ns)
				continue;
			xmlChar *v = xmlNodeListGetString(doc, a->children, 1);
			if (!v)
				continue;
			xmlAttrPtr prev = xmlGetID(doc, v);
			if (prev && prev != a) {
				err_set(err, ERR_UNSAFE,
					_("L'identifiant « %s » apparaît deux fois dans le fichier "
					  "(éléments <%s> et <%s>) : fichier refusé."),
					(const char *)v, (const char *)prev->parent->name,
					(const char *)n->name);
				xmlFree(v);
				return false;
			}
			if (!prev)
				xmlAddID(NULL, doc, v, a);
			xmlFree(v);
		}
		if (!register_ids(doc, n->children, err))
			return false;
	}
	return true;
}

static xmlNode *
signature_child(const xmlNode *n)
{
	return child_el(n, "Signature", DSIG_NS);
}

/* The elements to sign, per Libersign's rule; fills *GLOBAL. */
static bool
choose_targets(struct pes_targets *t, xmlNode ***targets, size_t *n, bool *global,
	       struct err *err)
{
	*targets = NULL;
	*n = 0;
	if (t->n_bord > 0 && t->n_bord_with_id == t->n_bord) {
		for (size_t i = 0; i < t->n_bord; i++)
			if (signature_child(t->bord[i])) {
				char *id = attr_of(t->bord[i], "Id");
				err_set(err, ERR_INPUT,
					_("Le bordereau %s est déjà signé : une seule signature par "
					  "élément (pas de co-signature)."),
					id);
				free(id);
				return false;
			}
		*targets = xmalloc(t->n_bord * sizeof **targets);
		memcpy(*targets, t->bord, t->n_bord * sizeof **targets);
		*n = t->n_bord;
		*global = false;
		return true;
	}
	if (!xmlHasProp(t->root, (const xmlChar *)"Id"))
		return err_set(err, ERR_INPUT,
			       _("Ce PES ne contient pas d'identifiant valide : ni tous les bordereaux "
				 "ni l'élément PES_Aller n'ont d'attribut Id. Signature impossible."));
	if (signature_child(t->root))
		return err_set(err, ERR_INPUT, _("Le fichier porte déjà une signature globale."));
	for (size_t i = 0; i < t->n_bord; i++)
		if (signature_child(t->bord[i]))
			return err_set(err, ERR_INPUT,
				       _("Des bordereaux sont déjà signés : pas de signature globale "
					 "par-dessus (pas de sur-signature)."));
	*targets = xmalloc(sizeof **targets);
	(*targets)[0] = t->root;
	*n = 1;
	*global = true;
	return true;
}

/* ---------- signing */

static xmlNode *
add_xa(xmlNode *parent, xmlNs *ns, const char *name, const char *text)
{
	return text ? xmlNewTextChild(parent, ns, (const xmlChar *)name, (const xmlChar *)text)
		    : xmlNewChild(parent, ns, (const xmlChar *)name, NULL);
}

static bool
build_qualifying(xmlNode *sig, const char *sig_id, X509 *cert, const struct xades_sign_opts *o,
		 time_t now, xmlNode **sp_out, struct err *err)
{
	xmlNode *obj = xmlSecTmplSignatureAddObject(sig, NULL, NULL, NULL);
	if (!obj)
		return err_set(err, ERR_INTERNAL, _("Construction de la signature impossible."));
	xmlNs *ds = xmlSearchNsByHref(sig->doc, sig, (const xmlChar *)DSIG_NS);
	xmlNode *qp = xmlNewChild(obj, NULL, (const xmlChar *)"QualifyingProperties", NULL);
	xmlNs *xa = xmlNewNs(qp, (const xmlChar *)XADES_NS_122, (const xmlChar *)"xad");
	xmlSetNs(qp, xa);
	char target[300];
	snprintf(target, sizeof target, "#%.256s", sig_id);
	xmlSetProp(qp, (const xmlChar *)"Target", (const xmlChar *)target);
	xmlNode *sp = add_xa(qp, xa, "SignedProperties", NULL);
	char sp_id[300];
	snprintf(sp_id, sizeof sp_id, "%.256s_SP", sig_id);
	xmlAttr *a = xmlSetProp(sp, (const xmlChar *)"Id", (const xmlChar *)sp_id);
	if (xmlGetID(sig->doc, (const xmlChar *)sp_id))
		return err_set(err, ERR_INPUT, _("L'identifiant « %s » existe déjà dans le fichier."),
			       sp_id);
	xmlAddID(NULL, sig->doc, (const xmlChar *)sp_id, a);
	xmlNode *ssp = add_xa(sp, xa, "SignedSignatureProperties", NULL);

	char ts[32];
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
	add_xa(ssp, xa, "SigningTime", ts);

	xmlNode *c = add_xa(add_xa(ssp, xa, "SigningCertificate", NULL), xa, "Cert", NULL);
	xmlNode *cd = add_xa(c, xa, "CertDigest", NULL);
	xmlNode *dm = add_xa(cd, xa, "DigestMethod", NULL);
	xmlSetProp(dm, (const xmlChar *)"Algorithm",
		   (const xmlChar *)(o->certdigest_sha1 ? ALG_SHA1 : ALG_SHA256));
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	X509_digest(cert, o->certdigest_sha1 ? EVP_sha1() : EVP_sha256(), md, &mdlen);
	char *b = b64_encode(md, mdlen, false);
	add_xa(cd, xa, "DigestValue", b);
	free(b);
	xmlNode *is = add_xa(c, xa, "IssuerSerial", NULL);
	char *iname = cert_name_rfc2253_java(X509_get_issuer_name(cert));
	char *serial = cert_serial_decimal(cert);
	add_xa(is, ds, "X509IssuerName", iname);
	add_xa(is, ds, "X509SerialNumber", serial);
	free(iname);
	free(serial);

	xmlNode *spi = add_xa(add_xa(ssp, xa, "SignaturePolicyIdentifier", NULL), xa,
			      "SignaturePolicyId", NULL);
	xmlNode *sid = add_xa(spi, xa, "SigPolicyId", NULL);
	add_xa(sid, xa, "Identifier", XADES_POLICY_OID);
	add_xa(sid, xa, "Description", XADES_POLICY_DESC);
	xmlNode *sph = add_xa(spi, xa, "SigPolicyHash", NULL);
	dm = add_xa(sph, xa, "DigestMethod", NULL);
	xmlSetProp(dm, (const xmlChar *)"Algorithm", (const xmlChar *)ALG_SHA256);
	add_xa(sph, xa, "DigestValue", XADES_POLICY_HASH);
	add_xa(add_xa(add_xa(spi, xa, "SigPolicyQualifiers", NULL), xa, "SigPolicyQualifier", NULL),
	       xa, "SPURI", XADES_POLICY_SPURI);

	xmlNode *place = add_xa(ssp, xa, "SignatureProductionPlace", NULL);
	if (o->city && *o->city)
		add_xa(place, xa, "City", o->city);
	if (o->postal_code && *o->postal_code)
		add_xa(place, xa, "PostalCode", o->postal_code);
	add_xa(place, xa, "CountryName", "France");
	add_xa(add_xa(add_xa(ssp, xa, "SignerRole", NULL), xa, "ClaimedRoles", NULL), xa,
	       "ClaimedRole", o->role && *o->role ? o->role : "Ordonnateur");
	*sp_out = sp;
	return true;
}

/* Writes the base64 of the 32-byte digest DG into REF's DigestValue. */
static void
set_digest_value(xmlNode *ref, const unsigned char dg[32])
{
	xmlNode *dv = xmlSecFindChild(ref, xmlSecNodeDigestValue, xmlSecDSigNs);
	char *b = b64_encode(dg, 32, false);
	xmlNodeSetContent(dv, (const xmlChar *)b);
	free(b);
}

/* Signs TARGET (an element with an Id): the ds:Signature becomes its last
 * child. The digests are computed here (c14n_subtree), TARGET's unless
 * TARGET_DIGEST gives it (TARGET being then an empty copy of the element
 * signed); the canonical SignedInfo is signed by SIGNER. */
static bool
sign_target(xmlNode *target, const unsigned char *target_digest, struct signer *signer,
	    enum signer_mech mech, const struct xades_sign_opts *o, time_t now, struct err *err)
{
	char *tid = attr_of(target, "Id");
	if (!tid || strlen(tid) > 200) {
		free(tid);
		return err_set(err, ERR_INPUT, _("Identifiant d'élément absent ou trop long."));
	}
	char sig_id[256], uri[256], sp_uri[300];
	snprintf(sig_id, sizeof sig_id, "%s_SIG_1", tid);
	snprintf(uri, sizeof uri, "#%s", tid);
	snprintf(sp_uri, sizeof sp_uri, "#%s_SP", sig_id);
	free(tid);
	if (xmlGetID(target->doc, (const xmlChar *)sig_id))
		return err_set(err, ERR_INPUT, _("L'identifiant « %s » existe déjà dans le fichier."),
			       sig_id);
	/* the element's digest, before the signature is put inside it (the
	 * enveloped transform takes it out again) */
	unsigned char dg[32];
	if (target_digest)
		memcpy(dg, target_digest, sizeof dg);
	else if (!digest_subtree(target, NULL, dg))
		return err_set(err, ERR_INTERNAL, _("Le calcul des empreintes de la signature a échoué."));

	xmlNode *sig = xmlSecTmplSignatureCreateNsPref(
		target->doc, xmlSecTransformExclC14NId,
		mech == SIGNER_ECDSA_SHA256 ? xmlSecTransformEcdsaSha256Id : xmlSecTransformRsaSha256Id,
		(const xmlChar *)sig_id, (const xmlChar *)"ds");
	if (!sig)
		return err_set(err, ERR_INTERNAL, _("Construction de la signature impossible."));
	xmlAddChild(target, sig);
	xmlNode *ref = xmlSecTmplSignatureAddReference(sig, xmlSecTransformSha256Id, NULL,
						       (const xmlChar *)uri, NULL);
	xmlNode *ref2 = xmlSecTmplSignatureAddReference(
		sig, xmlSecTransformSha256Id, NULL, (const xmlChar *)sp_uri,
		(const xmlChar *)XADES_NS_122 "SignedProperties");
	if (!ref || !ref2 || !xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId) ||
	    !xmlSecTmplReferenceAddTransform(ref, xmlSecTransformExclC14NId) ||
	    !xmlSecTmplReferenceAddTransform(ref2, xmlSecTransformExclC14NId))
		return err_set(err, ERR_INTERNAL, _("Construction de la signature impossible."));
	xmlNode *sv = xmlSecFindChild(sig, xmlSecNodeSignatureValue, xmlSecDSigNs);
	char sv_id[300];
	snprintf(sv_id, sizeof sv_id, "%s_SV", sig_id);
	xmlSetProp(sv, (const xmlChar *)"Id", (const xmlChar *)sv_id);
	xmlNode *ki = xmlSecTmplSignatureEnsureKeyInfo(sig, NULL);
	xmlNode *sp = NULL;
	if (!ki || !build_qualifying(sig, sig_id, signer_cert(signer), o, now, &sp, err))
		return err->code ? false : err_set(err, ERR_INTERNAL, _("Construction de la signature impossible."));

	set_digest_value(ref, dg);
	if (!digest_subtree(sp, NULL, dg))
		return err_set(err, ERR_INTERNAL, _("Le calcul des empreintes de la signature a échoué."));
	set_digest_value(ref2, dg);
	struct strbuf si_c14n = STRBUF_INIT;
	struct c14n_sink k = { NULL, &si_c14n };
	xmlNode *si = xmlSecFindChild(sig, xmlSecNodeSignedInfo, xmlSecDSigNs);
	if (!si || !c14n_subtree(si, NULL, &k) || si_c14n.len == 0) {
		sb_free(&si_c14n);
		return err_set(err, ERR_INTERNAL, _("SignedInfo canonique introuvable."));
	}
	unsigned char *sigval = NULL;
	size_t siglen = 0;
	bool ok = signer_sign(signer, mech, (const unsigned char *)si_c14n.data, si_c14n.len, &sigval,
			      &siglen, err);
	sb_free(&si_c14n);
	if (!ok)
		return false;
	char *b = b64_encode(sigval, siglen, true);
	free(sigval);
	xmlNodeSetContent(sv, (const xmlChar *)b);
	free(b);

	/* KeyInfo: the signer certificate only, no chain */
	unsigned char *der;
	size_t der_len;
	if (!cert_der(signer_cert(signer), &der, &der_len))
		return err_set(err, ERR_INTERNAL, _("Certificat illisible."));
	b = b64_encode(der, der_len, true);
	free(der);
	xmlNs *ds = xmlSearchNsByHref(sig->doc, sig, (const xmlChar *)DSIG_NS);
	xmlNode *x5 = xmlNewChild(ki, ds, (const xmlChar *)"X509Data", NULL);
	xmlNewTextChild(x5, ds, (const xmlChar *)"X509Certificate", (const xmlChar *)b);
	free(b);
	return true;
}

/* ---------- checking what was just signed
 *
 * The file written is read again and each of its signatures checked: the
 * two reference digests computed again from what was read, the
 * SignatureValue verified over the canonical SignedInfo with the
 * certificate of KeyInfo, which must be the signer's. The shape is the one
 * sign_target writes; anything else fails. (One signature per file also
 * goes through xmlsec and the XAdES checks of verify_one, an independent
 * implementation.) */

static bool
own_fail(struct err *err, const char *what)
{
	err_set(err, ERR_INTERNAL, _("La signature produite ne se vérifie pas : fichier non écrit."));
	return err_detail(err, "%s", what);
}

/* Whether REF's DigestValue is the base64 of DG. */
static bool
digest_value_is(xmlNode *ref, const unsigned char dg[32])
{
	char *v = text_of(child_el(ref, "DigestValue", DSIG_NS));
	unsigned char *got = NULL;
	size_t glen = 0;
	bool ok = v && b64_decode(v, &got, &glen) && glen == 32 && !memcmp(got, dg, 32);
	free(got);
	free(v);
	return ok;
}

/* Whether the transforms of REF are exactly ENVELOPED (when asked) and
 * exc-c14n, and its digest SHA-256. */
static bool
ref_shape_ok(xmlNode *ref, bool enveloped)
{
	static const char *const algs[] = { ALG_ENVELOPED, ALG_EXC_C14N };
	size_t want = enveloped ? 0 : 1, n = 0;
	xmlNode *tr = child_el(ref, "Transforms", DSIG_NS);
	for (xmlNode *t = tr ? tr->children : NULL; t; t = t->next) {
		if (t->type != XML_ELEMENT_NODE)
			continue;
		char *alg = attr_of(t, "Algorithm");
		bool good = is_el(t, "Transform", DSIG_NS) && want < 2 && alg && !strcmp(alg, algs[want]);
		free(alg);
		if (!good)
			return false;
		want++;
		n++;
	}
	char *dm = attr_of(child_el(ref, "DigestMethod", DSIG_NS), "Algorithm");
	bool ok = want == 2 && n == (enveloped ? 2u : 1u) && dm && !strcmp(dm, ALG_SHA256);
	free(dm);
	return ok;
}

/* Checks SIG, a signature sign_target wrote for the signer's certificate
 * EXPECT, as read back from the file; TARGET_DIGEST, when not NULL, is the
 * digest of the signed element computed as it was read. */
static bool
check_own_signature(xmlNode *sig, X509 *expect, const unsigned char *target_digest,
		    struct err *err)
{
	xmlNode *target = sig->parent;
	xmlNode *si = child_el(sig, "SignedInfo", DSIG_NS);
	if (!si || !target || target->type != XML_ELEMENT_NODE)
		return own_fail(err, "SignedInfo");
	char *c14n = attr_of(child_el(si, "CanonicalizationMethod", DSIG_NS), "Algorithm");
	char *sm = attr_of(child_el(si, "SignatureMethod", DSIG_NS), "Algorithm");
	bool ec = sm && !strcmp(sm, ALG_ECDSA_SHA256);
	bool shape = c14n && !strcmp(c14n, ALG_EXC_C14N) && sm && (ec || !strcmp(sm, ALG_RSA_SHA256));
	free(c14n);
	free(sm);
	if (!shape)
		return own_fail(err, "SignedInfo algorithms");

	char *tid = attr_of(target, "Id"), *sid = attr_of(sig, "Id");
	char want_t[300], want_sp[300];
	snprintf(want_t, sizeof want_t, "#%.256s", tid ? tid : "");
	snprintf(want_sp, sizeof want_sp, "#%.256s_SP", sid ? sid : "");
	free(tid);
	free(sid);
	xmlNode *sp = xa_path(child_el(sig, "Object", DSIG_NS), "QualifyingProperties/SignedProperties");
	char *sp_id = attr_of(sp, "Id");
	bool sp_ok = sp_id && !strcmp(sp_id, want_sp + 1);
	free(sp_id);
	int n_refs = 0, n_t = 0, n_sp = 0;
	unsigned char dg[32];
	for (xmlNode *ref = si->children; ref; ref = ref->next) {
		if (ref->type != XML_ELEMENT_NODE)
			continue;
		if (!is_el(ref, "Reference", DSIG_NS))
			continue; /* CanonicalizationMethod, SignatureMethod */
		n_refs++;
		char *uri = attr_of(ref, "URI");
		bool good = false;
		if (uri && !strcmp(uri, want_t)) {
			n_t++;
			if (target_digest)
				memcpy(dg, target_digest, sizeof dg);
			good = ref_shape_ok(ref, true) &&
			       (target_digest || digest_subtree(target, sig, dg)) &&
			       digest_value_is(ref, dg);
		} else if (uri && !strcmp(uri, want_sp) && sp_ok) {
			n_sp++;
			good = ref_shape_ok(ref, false) && digest_subtree(sp, NULL, dg) &&
			       digest_value_is(ref, dg);
		}
		free(uri);
		if (!good)
			return own_fail(err, "reference digest");
	}
	if (n_refs != 2 || n_t != 1 || n_sp != 1)
		return own_fail(err, "references");

	/* the certificate in KeyInfo is the signer's, byte for byte */
	char *cb64 = text_of(xmlSecFindNode(sig, xmlSecNodeX509Certificate, xmlSecDSigNs));
	unsigned char *der = NULL, *mine = NULL;
	size_t der_len = 0, mine_len = 0;
	bool same = cb64 && b64_decode(cb64, &der, &der_len) && cert_der(expect, &mine, &mine_len) &&
		    der_len == mine_len && !memcmp(der, mine, der_len);
	free(cb64);
	free(der);
	free(mine);
	if (!same)
		return own_fail(err, "KeyInfo certificate");

	/* the SignatureValue over the canonical SignedInfo */
	struct strbuf c = STRBUF_INIT;
	struct c14n_sink k = { NULL, &c };
	char *sv = text_of(child_el(sig, "SignatureValue", DSIG_NS));
	unsigned char *raw = NULL, *dsig = NULL;
	size_t raw_len = 0, dsig_len = 0;
	bool ok = c14n_subtree(si, NULL, &k) && sv && b64_decode(sv, &raw, &raw_len);
	if (ok && ec) {
		ok = signer_ecdsa_raw_to_der(raw, raw_len, &dsig, &dsig_len);
	} else if (ok) {
		dsig = raw;
		dsig_len = raw_len;
		raw = NULL;
	}
	EVP_MD_CTX *md = ok ? EVP_MD_CTX_new() : NULL;
	ok = md && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, X509_get0_pubkey(expect)) == 1 &&
	     EVP_DigestVerify(md, dsig, dsig_len, (const unsigned char *)c.data, c.len) == 1;
	EVP_MD_CTX_free(md);
	free(raw);
	free(dsig);
	free(sv);
	sb_free(&c);
	ERR_clear_error();
	return ok ? true : own_fail(err, "SignatureValue");
}

/* Preorder index of every element, for the byte scanner. */
static void
element_index(xmlNode *n, size_t *counter, xmlNode **targets, size_t nt, size_t *idx)
{
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		size_t me = (*counter)++;
		for (size_t i = 0; i < nt; i++)
			if (targets[i] == n)
				idx[i] = me;
		element_index(n->children, counter, targets, nt, idx);
	}
}

static const char *
find_str(const char *p, const char *end, const char *s)
{
	size_t n = strlen(s);
	const char *r = memmem(p, (size_t)(end - p), s, n);
	return r ? r + n : NULL;
}

/* Finds, in the original bytes, the offset of the end tag of the elements
 * whose preorder indexes are in IDX (N of them); false if the bytes do
 * not have the structure the parser saw. DROP: DATA is a read-only file
 * mapping whose pages may be given back once scanned. */
static bool
scan_end_tags(const char *data, size_t len, const size_t *idx, size_t n, size_t *off, bool drop)
{
	const size_t step = (size_t)1 << 20;
	size_t dropped = 0;
	const char *p = data, *end = data + len;
	size_t counter = 0, depth = 0, cap = 64, found = 0;
	size_t *stack = xmalloc(cap * sizeof *stack);
	for (size_t i = 0; i < n; i++)
		off[i] = (size_t)-1;
	while (p && p < end) {
		const char *lt = memchr(p, '<', (size_t)(end - p));
		if (!lt || lt + 1 >= end)
			break;
		if (drop && (size_t)(lt - data) >= dropped + 2 * step) {
			madvise((void *)(data + dropped), step, MADV_DONTNEED);
			dropped += step;
		}
		if (lt[1] == '?') {
			p = find_str(lt, end, "?>");
		} else if (lt[1] == '!') {
			if (end - lt >= 4 && !memcmp(lt, "<!--", 4))
				p = find_str(lt + 4, end, "-->");
			else if (end - lt >= 9 && !memcmp(lt, "<![CDATA[", 9))
				p = find_str(lt, end, "]]>");
			else
				p = find_str(lt, end, ">");
		} else if (lt[1] == '/') {
			if (depth == 0)
				break;
			size_t me = stack[--depth];
			for (size_t i = 0; i < n; i++)
				if (idx[i] == me) {
					off[i] = (size_t)(lt - data);
					found++;
				}
			p = find_str(lt, end, ">");
		} else {
			/* start tag: find its '>' outside quoted attribute values */
			const char *q = lt + 1;
			char quote = 0;
			while (q < end && (quote || *q != '>')) {
				if (quote && *q == quote)
					quote = 0;
				else if (!quote && (*q == '"' || *q == '\''))
					quote = *q;
				q++;
			}
			if (q >= end)
				break;
			size_t me = counter++;
			if (q[-1] != '/') {
				if (depth == cap) {
					cap *= 2;
					stack = xrealloc(stack, cap * sizeof *stack);
				}
				stack[depth++] = me;
			}
			p = q + 1;
		}
	}
	free(stack);
	return found == n;
}

static char *
serialize_node(xmlNode *n, const char *encoding, size_t *len)
{
	xmlBufferPtr buf = xmlBufferCreate();
	xmlSaveCtxtPtr sc = xmlSaveToBuffer(buf, encoding, XML_SAVE_NO_DECL | XML_SAVE_AS_XML);
	if (!sc) {
		xmlBufferFree(buf);
		return NULL;
	}
	xmlSaveTree(sc, n);
	xmlSaveClose(sc);
	*len = (size_t)xmlBufferLength(buf);
	char *s = xstrndup((const char *)xmlBufferContent(buf), *len);
	xmlBufferFree(buf);
	return s;
}

struct prepared {
	char *data;
	size_t len;
	xmlDocPtr doc;
	struct pes_targets t;
	xmlNode **targets;
	size_t n_targets;
	bool global;
};

static void
prepared_free(struct prepared *p)
{
	free(p->targets);
	pes_targets_free(&p->t);
	if (p->doc)
		xmlFreeDoc(p->doc);
	memset(p, 0, sizeof *p);
}

static bool
prepare(const char *data, size_t len, struct prepared *p, struct err *err)
{
	memset(p, 0, sizeof *p);
	if (!xades_init(err))
		return false;
	p->doc = parse_safe(data, len, err);
	if (!p->doc)
		return false;
	if (!pes_find(p->doc, &p->t, err) || !register_ids(p->doc, p->doc->children, err) ||
	    !choose_targets(&p->t, &p->targets, &p->n_targets, &p->global, err)) {
		prepared_free(p);
		return false;
	}
	return true;
}

static bool check_own_mem(const char *data, size_t len, X509 *cert, size_t n, struct err *err);
static bool sign_stream(const char *in, const char *out, struct signer *signer,
			const struct xades_sign_opts *o, size_t *n_signed, bool *done, struct err *err);
static bool plan_stream(const char *in, struct xades_plan *plan, bool *done,
			struct err *err);
static bool verify_stream(const char *path, const struct xades_verify_opts *opts,
			  struct xades_report *rep, bool *done, struct err *err);

/* Whether PATH goes to the streaming path: when signing, always (it is the
 * faster one; files it cannot sign per Bordereau go on to the DOM path);
 * when verifying, from 8 MB (MIN_DEFAULT). LIASSE_PES_STREAM_MIN (bytes)
 * sets the threshold of both, for tests. */
static bool
wants_stream(const char *path, size_t min_default)
{
	struct stat st;
	size_t min = min_default;
	const char *e = getenv("LIASSE_PES_STREAM_MIN");
	if (e && *e)
		min = (size_t)strtoull(e, NULL, 10);
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size >= min;
}

#define STREAM_SIGN_MIN 0
#define STREAM_VERIFY_MIN ((size_t)8 << 20)

bool
xades_plan_file(const char *in, struct xades_plan *plan, struct err *err)
{
	char *data;
	size_t len;
	memset(plan, 0, sizeof *plan);
	if (wants_stream(in, STREAM_SIGN_MIN)) {
		bool done;
		if (!plan_stream(in, plan, &done, err))
			return false;
		if (done)
			return true;
	}
	if (!read_whole_file(in, XADES_MAX_BYTES, &data, &len, err))
		return false;
	struct prepared p;
	bool ok = prepare(data, len, &p, err);
	if (ok) {
		plan->global = p.global;
		plan->n_targets = p.n_targets;
		plan->dematerialised = p.t.dematerialised;
		char *id = attr_of(p.t.root, "Id");
		str_copy(plan->root_id, sizeof plan->root_id, id ? id : "");
		free(id);
		prepared_free(&p);
	}
	free(data);
	return ok;
}

bool
xades_sign_mem(const char *data, size_t len, struct signer *signer,
	       const struct xades_sign_opts *opts, char **out, size_t *out_len, size_t *n_signed,
	       struct err *err)
{
	static const struct xades_sign_opts defaults = { 0 };
	const struct xades_sign_opts *o = opts ? opts : &defaults;
	struct prepared p;
	*out = NULL;
	*out_len = 0;
	if (n_signed)
		*n_signed = 0;
	if (!prepare(data, len, &p, err))
		return false;
	if (!p.t.dematerialised && !o->allow_not_dematerialised) {
		prepared_free(&p);
		return err_set(err, ERR_INPUT,
			       _("InfoDematerialisee est absent ou à 0 dans ce PES : la DGFiP rejette "
				 "un flux signé dans ce cas. Confirmez pour signer quand même."));
	}
	for (const char *s = o->city; s; s = NULL)
		if (!xmlCheckUTF8((const xmlChar *)s))
			goto bad_utf8;
	for (const char *s = o->role; s; s = NULL)
		if (!xmlCheckUTF8((const xmlChar *)s))
			goto bad_utf8;
	enum signer_mech mech;
	if (!signer_default_mech(signer, &mech, err)) {
		prepared_free(&p);
		return false;
	}

	size_t *idx = xcalloc(p.n_targets, sizeof *idx), *off = xcalloc(p.n_targets, sizeof *off);
	size_t counter = 0;
	element_index(p.doc->children, &counter, p.targets, p.n_targets, idx);
	bool ok = scan_end_tags(data, len, idx, p.n_targets, off, false);
	if (!ok)
		err_set(err, ERR_INPUT, _("Structure du fichier inattendue : signature impossible."));
	time_t now = o->signing_time ? o->signing_time : time(NULL);
	for (size_t i = 0; ok && i < p.n_targets; i++) {
		ok = sign_target(p.targets[i], NULL, signer, mech, o, now, err);
		if (ok && o->progress)
			o->progress(o->progress_data, i + 1, p.n_targets);
	}

	/* splice each signature before its element's end tag */
	struct strbuf sb = STRBUF_INIT;
	const char *enc = p.doc->encoding ? (const char *)p.doc->encoding : "UTF-8";
	size_t pos = 0;
	for (size_t i = 0; ok && i < p.n_targets; i++) {
		size_t k = 0; /* targets are in document order: offsets increase */
		if (i && off[i] < off[i - 1]) {
			ok = err_set(err, ERR_INTERNAL, _("Ordre des éléments inattendu."));
			break;
		}
		xmlNode *sig = signature_child(p.targets[i]);
		size_t slen;
		char *s = sig ? serialize_node(sig, enc, &slen) : NULL;
		if (!s) {
			ok = err_set(err, ERR_INTERNAL, _("Écriture de la signature impossible (encodage %s)."),
				     enc);
			break;
		}
		sb_addn(&sb, data + pos, off[i] - pos);
		sb_addn(&sb, s, slen);
		pos = off[i];
		free(s);
		(void)k;
	}
	free(idx);
	free(off);
	size_t n_targets = p.n_targets;
	prepared_free(&p);
	if (!ok) {
		sb_free(&sb);
		return false;
	}
	sb_addn(&sb, data + pos, len - pos);

	/* read back what will be written and check it */
	if (!check_own_mem(sb.data, sb.len, signer_cert(signer), n_targets, err)) {
		sb_free(&sb);
		return false;
	}
	*out_len = sb.len;
	*out = sb_take(&sb);
	if (n_signed)
		*n_signed = n_targets;
	return true;
bad_utf8:
	prepared_free(&p);
	return err_set(err, ERR_INPUT, _("Texte invalide (UTF-8 attendu) pour la ville ou le rôle."));
}

bool
xades_sign_file(const char *in, const char *out, struct signer *signer,
		const struct xades_sign_opts *opts, size_t *n_signed, struct err *err)
{
	char *data, *res;
	size_t len, res_len;
	if (wants_stream(in, STREAM_SIGN_MIN)) {
		static const struct xades_sign_opts defaults = { 0 };
		bool done;
		if (n_signed)
			*n_signed = 0;
		bool ok = sign_stream(in, out, signer, opts ? opts : &defaults, n_signed, &done, err);
		if (!ok || done)
			return ok;
	}
	if (!read_whole_file(in, XADES_MAX_BYTES, &data, &len, err))
		return false;
	bool ok = xades_sign_mem(data, len, signer, opts, &res, &res_len, n_signed, err);
	free(data);
	if (!ok)
		return false;
	struct strbuf tmp = STRBUF_INIT;
	sb_printf(&tmp, "%s.tmp.%ld", out, (long)getpid());
	FILE *fp = fopen(sb_str(&tmp), "wb");
	ok = fp && fwrite(res, 1, res_len, fp) == res_len;
	ok = fp && fclose(fp) == 0 && ok;
	free(res);
	if (ok && rename(sb_str(&tmp), out) != 0)
		ok = false;
	if (!ok) {
		err_set(err, ERR_IO, _("Impossible d'écrire « %s »."), out);
		err_detail(err, "%m");
		unlink(sb_str(&tmp));
	}
	sb_free(&tmp);
	return ok;
}

/* ---------- verification */

static void
add_msg(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void
add_msg(char *buf, size_t n, const char *fmt, ...)
{
	size_t l = strlen(buf);
	if (l + 3 >= n)
		return;
	if (l) {
		buf[l++] = ';';
		buf[l++] = ' ';
		buf[l] = 0;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + l, n - l, fmt, ap);
	va_end(ap);
}

static void
fail_sig(struct xades_sig_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void
fail_sig(struct xades_sig_result *r, const char *fmt, ...)
{
	char tmp[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	r->valid = false;
	add_msg(r->problem, sizeof r->problem, "%s", tmp);
}

static void
collect_signatures(xmlNode *n, xmlNode ***out, size_t *count, size_t *cap)
{
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (is_el(n, "Signature", DSIG_NS)) {
			if (*count == *cap) {
				*cap = *cap ? 2 * *cap : 8;
				*out = xrealloc(*out, *cap * sizeof **out);
			}
			(*out)[(*count)++] = n;
			continue; /* no nested signature */
		}
		collect_signatures(n->children, out, count, cap);
	}
}

static bool
is_ancestor(const xmlNode *anc, const xmlNode *n)
{
	for (; n; n = n->parent)
		if (n == anc)
			return true;
	return false;
}

static bool
time_parse_utc(const char *s, time_t *t)
{
	/* YYYY-MM-DDThh:mm:ss[.fff]Z */
	struct tm tm = { 0 };
	int consumed = 0;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
		   &tm.tm_min, &tm.tm_sec, &consumed) != 6 || consumed != 19)
		return false;
	const char *p = s + 19;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (strcmp(p, "Z"))
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*t = timegm(&tm);
	return true;
}

static char *
strip_spaces(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	for (; s && *s; s++)
		if (!isspace((unsigned char)*s))
			sb_addc(&sb, *s);
	return sb.data ? sb_take(&sb) : xstrdup("");
}

/* Checks SignedInfo: algorithms allowed, references pointing exactly at
 * the parent element and at this signature's SignedProperties. */
static void
check_signed_info(xmlNode *sig, xmlNode *parent, bool parent_is_root, xmlNode **sp_out,
		  struct xades_sig_result *r)
{
	*sp_out = NULL;
	xmlNode *si = child_el(sig, "SignedInfo", DSIG_NS);
	if (!si) {
		fail_sig(r, _("SignedInfo absent"));
		return;
	}
	char *c14n = attr_of(child_el(si, "CanonicalizationMethod", DSIG_NS), "Algorithm");
	if (!c14n || (strcmp(c14n, ALG_EXC_C14N) && strcmp(c14n, ALG_EXC_C14N_COM)))
		fail_sig(r, _("canonicalisation non exclusive (%s) refusée"), c14n ? c14n : "?");
	free(c14n);
	char *sm = attr_of(child_el(si, "SignatureMethod", DSIG_NS), "Algorithm");
	if (sm && !strcmp(sm, ALG_RSA_SHA256))
		str_copy(r->algorithm, sizeof r->algorithm, "rsa-sha256");
	else if (sm && !strcmp(sm, ALG_ECDSA_SHA256))
		str_copy(r->algorithm, sizeof r->algorithm, "ecdsa-sha256");
	else if (sm && !strcmp(sm, ALG_RSA_SHA1)) {
		str_copy(r->algorithm, sizeof r->algorithm, "rsa-sha1");
		r->compliant = false;
		add_msg(r->remarks, sizeof r->remarks,
			_("signature SHA-1 : non conforme à la politique DGFiP (refusée par Hélios "
			  "depuis le 1er septembre 2018)"));
	} else {
		fail_sig(r, _("algorithme de signature non accepté (%s)"), sm ? sm : "?");
	}
	free(sm);

	char *pid = attr_of(parent, "Id");
	bool found_target = false;
	int n_refs = 0;
	for (xmlNode *ref = si->children; ref; ref = ref->next) {
		if (!is_el(ref, "Reference", DSIG_NS))
			continue;
		n_refs++;
		char *uri = attr_of(ref, "URI");
		xmlNode *tr = child_el(ref, "Transforms", DSIG_NS);
		for (xmlNode *t = tr ? tr->children : NULL; t; t = t->next) {
			if (!is_el(t, "Transform", DSIG_NS))
				continue;
			char *alg = attr_of(t, "Algorithm");
			if (!alg || (strcmp(alg, ALG_ENVELOPED) && strcmp(alg, ALG_EXC_C14N) &&
				     strcmp(alg, ALG_EXC_C14N_COM)))
				fail_sig(r, _("transformation non acceptée (%s)"), alg ? alg : "?");
			free(alg);
		}
		char *dm = attr_of(child_el(ref, "DigestMethod", DSIG_NS), "Algorithm");
		if (dm && !strcmp(dm, ALG_SHA1) && r->compliant) {
			r->compliant = false;
			add_msg(r->remarks, sizeof r->remarks, _("empreintes SHA-1 : non conformes à la politique DGFiP"));
		} else if (!dm || (strcmp(dm, ALG_SHA1) && strcmp(dm, ALG_SHA256) && strcmp(dm, ALG_SHA512))) {
			fail_sig(r, _("algorithme d'empreinte non accepté (%s)"), dm ? dm : "?");
		}
		free(dm);
		if (!uri) {
			fail_sig(r, _("référence sans URI"));
		} else if ((pid && uri[0] == '#' && !strcmp(uri + 1, pid)) ||
			   (parent_is_root && uri[0] == 0)) {
			if (found_target)
				fail_sig(r, _("élément signé référencé deux fois"));
			found_target = true;
		} else if (uri[0] == '#') {
			xmlAttrPtr a = xmlGetID(sig->doc, (const xmlChar *)uri + 1);
			xmlNode *el = a ? a->parent : NULL;
			if (el && is_el(el, "SignedProperties", NULL) && is_xades_ns(el) &&
			    is_ancestor(sig, el))
				*sp_out = el;
			else
				fail_sig(r, _("la référence %s ne désigne ni l'élément qui contient la "
					      "signature ni ses propriétés signées"),
					 uri);
		} else {
			fail_sig(r, _("référence externe refusée (%s)"), uri);
		}
		free(uri);
	}
	free(pid);
	if (!found_target)
		fail_sig(r, _("la signature ne couvre pas l'élément qui la contient (signature "
			      "déplacée ?)"));
	if (!*sp_out)
		fail_sig(r, _("propriétés signées XAdES (SignedProperties) non référencées"));
}

static void
check_xades(xmlNode *sig, xmlNode *sp, X509 *cert, struct xades_sig_result *r, time_t *signing_t)
{
	*signing_t = 0;
	char *sig_id = attr_of(sig, "Id");
	xmlNode *qp = sp ? sp->parent : NULL;
	char *target = attr_of(qp, "Target");
	if (sig_id && target && strcmp(target, sig_id) && !(target[0] == '#' && !strcmp(target + 1, sig_id)))
		fail_sig(r, _("QualifyingProperties ne désigne pas cette signature"));
	free(sig_id);
	free(target);
	xmlNode *ssp = child_xa(sp, "SignedSignatureProperties");
	if (!ssp) {
		fail_sig(r, _("SignedSignatureProperties absent"));
		return;
	}
	copy_text(r->signing_time, sizeof r->signing_time, child_xa(ssp, "SigningTime"));
	if (!r->signing_time[0])
		fail_sig(r, _("date de signature (SigningTime) absente"));
	else if (!time_parse_utc(r->signing_time, signing_t))
		fail_sig(r, _("date de signature mal formée (UTC « Z » attendu) : %s"), r->signing_time);

	xmlNode *certn = xa_path(ssp, "SigningCertificate/Cert");
	if (!certn) {
		fail_sig(r, _("SigningCertificate absent"));
	} else if (cert) {
		xmlNode *cd = child_xa(certn, "CertDigest");
		char *alg = attr_of(child_xa(cd, "DigestMethod"), "Algorithm");
		char *val = text_of(child_xa(cd, "DigestValue"));
		const EVP_MD *md = !alg ? NULL : !strcmp(alg, ALG_SHA1) ? EVP_sha1()
					     : !strcmp(alg, ALG_SHA256) ? EVP_sha256()
					     : !strcmp(alg, ALG_SHA512) ? EVP_sha512() : NULL;
		unsigned char dg[EVP_MAX_MD_SIZE], *got = NULL;
		unsigned int dlen = 0;
		size_t glen = 0;
		if (!md)
			fail_sig(r, _("algorithme de CertDigest inconnu"));
		else if (!val || !b64_decode(val, &got, &glen) || !X509_digest(cert, md, dg, &dlen) ||
			 glen != dlen || memcmp(got, dg, dlen))
			fail_sig(r, _("l'empreinte du certificat (CertDigest) ne correspond pas au "
				      "certificat de la signature"));
		free(got);
		free(alg);
		free(val);
		xmlNode *is = child_xa(certn, "IssuerSerial");
		char *sn = text_of(child_el(is, "X509SerialNumber", DSIG_NS));
		char *in = text_of(child_el(is, "X509IssuerName", DSIG_NS));
		char *mine = cert_serial_decimal(cert);
		if (!sn || strcmp(sn, mine))
			fail_sig(r, _("le numéro de série (IssuerSerial) ne correspond pas au certificat"));
		char *java = cert_name_rfc2253_java(X509_get_issuer_name(cert));
		char ossl[1024];
		BIO *b = BIO_new(BIO_s_mem());
		X509_NAME_print_ex(b, X509_get_issuer_name(cert), 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
		int l = BIO_read(b, ossl, sizeof ossl - 1);
		ossl[l > 0 ? l : 0] = 0;
		BIO_free(b);
		char *a1 = strip_spaces(in), *a2 = strip_spaces(java), *a3 = strip_spaces(ossl);
		if (strcasecmp(a1, a2) && strcasecmp(a1, a3))
			add_msg(r->remarks, sizeof r->remarks,
				_("nom de l'émetteur (X509IssuerName) écrit autrement que dans le certificat"));
		free(a1);
		free(a2);
		free(a3);
		free(java);
		free(mine);
		free(sn);
		free(in);
	}

	xmlNode *spid = xa_path(ssp, "SignaturePolicyIdentifier/SignaturePolicyId");
	copy_text(r->policy, sizeof r->policy, xa_path(spid, "SigPolicyId/Identifier"));
	if (!r->policy[0]) {
		add_msg(r->remarks, sizeof r->remarks, _("aucune politique de signature (préconisée)"));
	} else {
		char *h = text_of(xa_path(spid, "SigPolicyHash/DigestValue"));
		if (strstr(r->policy, "1.2.250.1.131.1.5.18.21.1.7") && h &&
		    strncmp(h, XADES_POLICY_HASH, strlen(XADES_POLICY_HASH) - 1))
			add_msg(r->remarks, sizeof r->remarks,
				_("empreinte de la politique différente de celle du document publié"));
		if (strstr(r->policy, "1.2.250.1.131.1.5.18.21.1.4")) {
			r->compliant = false;
			add_msg(r->remarks, sizeof r->remarks, _("ancienne politique DGFiP (.1.4)"));
		}
		free(h);
	}
	copy_text(r->role, sizeof r->role, xa_path(ssp, "SignerRole/ClaimedRoles/ClaimedRole"));
	if (!r->role[0])
		fail_sig(r, _("qualité du signataire (ClaimedRole) absente"));
}

static void
verify_one(xmlNode *sig, struct pes_targets *t, xmlSecKeysMngrPtr mngr,
	   const struct xades_verify_opts *opts, struct xades_sig_result *r)
{
	r->valid = true;
	r->compliant = true;
	xmlNode *parent = sig->parent;
	bool is_root = parent == t->root;
	char *pid = attr_of(parent, "Id");
	if (is_root)
		snprintf(r->target, sizeof r->target, _("fichier entier (PES_Aller %s)"), pid ? pid : "");
	else if (is_el(parent, "Bordereau", NULL))
		snprintf(r->target, sizeof r->target, _("bordereau %s"), pid ? pid : _("(sans Id)"));
	else {
		snprintf(r->target, sizeof r->target, _("élément <%s>"), (const char *)parent->name);
		fail_sig(r, _("signature placée ailleurs que dans un bordereau ou à la racine"));
	}
	free(pid);

	xmlNode *sp;
	check_signed_info(sig, parent, is_root, &sp, r);
	if (!r->valid) {
		/* do not even hand a wrongly shaped signature to xmlsec */
		return;
	}

	xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(mngr);
	if (!ctx) {
		fail_sig(r, _("contexte xmlsec impossible"));
		return;
	}
	ctx->keyInfoReadCtx.flags |= XMLSEC_KEYINFO_FLAGS_X509DATA_DONT_VERIFY_CERTS;
	ctx->keyInfoReadCtx.maxRetrievalMethodLevel = 0;
	ctx->enabledReferenceUris = xmlSecTransformUriTypeEmpty | xmlSecTransformUriTypeSameDocument;
	xmlSecTransformId ref_tr[] = { xmlSecTransformEnvelopedId, xmlSecTransformExclC14NId,
				       xmlSecTransformExclC14NWithCommentsId, xmlSecTransformSha1Id,
				       xmlSecTransformSha256Id, xmlSecTransformSha512Id };
	xmlSecTransformId sig_tr[] = { xmlSecTransformExclC14NId, xmlSecTransformExclC14NWithCommentsId,
				       xmlSecTransformRsaSha1Id, xmlSecTransformRsaSha256Id,
				       xmlSecTransformEcdsaSha256Id };
	for (size_t i = 0; i < sizeof ref_tr / sizeof ref_tr[0]; i++)
		xmlSecDSigCtxEnableReferenceTransform(ctx, ref_tr[i]);
	for (size_t i = 0; i < sizeof sig_tr / sizeof sig_tr[0]; i++)
		xmlSecDSigCtxEnableSignatureTransform(ctx, sig_tr[i]);
	last_lib_error[0] = 0;
	int rc = xmlSecDSigCtxVerify(ctx, sig);
	X509 *cert = NULL;
	STACK_OF(X509) *chain = sk_X509_new_null();
	if (ctx->signKey) {
		xmlSecKeyDataPtr xd = xmlSecKeyGetData(ctx->signKey, xmlSecOpenSSLKeyDataX509Id);
		X509 *c = xd ? xmlSecOpenSSLKeyDataX509GetKeyCert(xd) : NULL;
		if (c)
			cert = X509_dup(c);
		for (xmlSecSize i = 0; xd && i < xmlSecOpenSSLKeyDataX509GetCertsSize(xd); i++) {
			X509 *o = xmlSecOpenSSLKeyDataX509GetCert(xd, i);
			if (o && o != c)
				sk_X509_push(chain, X509_dup(o));
		}
	}
	if (rc < 0 || ctx->status != xmlSecDSigStatusSucceeded) {
		size_t n = ctx->signedInfoReferences.use ? xmlSecPtrListGetSize(&ctx->signedInfoReferences) : 0;
		size_t good = 0;
		for (size_t i = 0; i < n; i++) {
			xmlSecDSigReferenceCtxPtr rc2 = xmlSecPtrListGetItem(&ctx->signedInfoReferences, i);
			if (rc2 && rc2->status == xmlSecDSigStatusSucceeded)
				good++;
		}
		if (!ctx->signKey)
			fail_sig(r, _("certificat du signataire introuvable dans la signature"));
		else
			fail_sig(r, _("signature cryptographiquement invalide : le contenu a été modifié "
				      "après la signature"));
		if (last_lib_error[0])
			log_debug("%s", last_lib_error);
	}
	xmlSecDSigCtxDestroy(ctx);

	if (cert) {
		struct cert_info ci;
		cert_describe(cert, &ci);
		str_copy(r->signer, sizeof r->signer, ci.holder);
		str_copy(r->issuer, sizeof r->issuer, ci.issuer_cn);
	}
	time_t st = 0;
	if (sp)
		check_xades(sig, sp, cert, r, &st);
	if (cert && opts && opts->ca_path) {
		struct err e = { 0 };
		bool revoked;
		if (!cert_verify_chain(cert, chain, opts->ca_path, opts->crl_path, st, &revoked, &e))
			fail_sig(r, _("certificat : %s"), e.msg);
	}
	if (cert) {
		struct cert_info ci;
		cert_describe(cert, &ci);
		if (ci.has_key_usage && !ci.non_repudiation)
			add_msg(r->remarks, sizeof r->remarks,
				_("certificat sans usage « non-répudiation »"));
	}
	sk_X509_pop_free(chain, X509_free);
	X509_free(cert);
}

/* Verifies the signatures of DOC (parsed, or one Bordereau in the shells
 * of a streamed file); REP as for xades_verify_mem. */
static bool
verify_doc(xmlDocPtr doc, const struct xades_verify_opts *opts, struct xades_report *rep,
	   struct err *err)
{
	memset(rep, 0, sizeof *rep);
	struct pes_targets t;
	if (!pes_find(doc, &t, err) || !register_ids(doc, doc->children, err)) {
		pes_targets_free(&t);
		return false;
	}
	xmlNode **sigs = NULL;
	size_t n = 0, cap = 0;
	collect_signatures(doc->children, &sigs, &n, &cap);
	xmlSecKeysMngrPtr mngr = xmlSecKeysMngrCreate();
	if (!mngr || xmlSecCryptoAppDefaultKeysMngrInit(mngr) < 0) {
		if (mngr)
			xmlSecKeysMngrDestroy(mngr);
		free(sigs);
		pes_targets_free(&t);
		return err_set(err, ERR_INTERNAL, _("Gestionnaire de clés xmlsec impossible."));
	}
	rep->sigs = xcalloc(n ? n : 1, sizeof *rep->sigs);
	rep->n_sigs = n;
	rep->all_valid = n > 0;
	bool global = false;
	for (size_t i = 0; i < n; i++) {
		verify_one(sigs[i], &t, mngr, opts, &rep->sigs[i]);
		if (!rep->sigs[i].valid)
			rep->all_valid = false;
		if (sigs[i]->parent == t.root)
			global = true;
	}
	rep->n_bordereaux = t.n_bord;
	for (size_t i = 0; !global && i < t.n_bord; i++) {
		if (signature_child(t.bord[i]))
			continue;
		rep->n_unsigned++;
		char *id = attr_of(t.bord[i], "Id");
		if (strlen(rep->unsigned_ids) + 40 < sizeof rep->unsigned_ids)
			add_msg(rep->unsigned_ids, sizeof rep->unsigned_ids, "%s", id ? id : "?");
		free(id);
	}
	xmlSecKeysMngrDestroy(mngr);
	free(sigs);
	pes_targets_free(&t);
	return true;
}

bool
xades_verify_mem(const char *data, size_t len, const struct xades_verify_opts *opts,
		 struct xades_report *rep, struct err *err)
{
	memset(rep, 0, sizeof *rep);
	if (!xades_init(err))
		return false;
	xmlDocPtr doc = parse_safe(data, len, err);
	if (!doc)
		return false;
	bool ok = verify_doc(doc, opts, rep, err);
	xmlFreeDoc(doc);
	return ok;
}

/* ---------- streaming (per-Bordereau signatures): the file is read with a
 * streaming reader, one Bordereau at a time, instead of a DOM; the signed
 * file is the original bytes with each signature spliced before its
 * Bordereau's end tag. */

struct stream_info {
	size_t n_bord, n_bord_with_id;
	bool global_sig;       /* a ds:Signature child of PES_Aller */
	bool any_header, dematerialised;
	size_t n_bord_signed;
	char first_signed[128]; /* Id of the first signed Bordereau */
	char root_id[128];
	char encoding[64];
};

struct walk {
	xmlDocPtr mini;        /* the shells of PES_Aller and of the current part */
	xmlNode *mroot, *mpart;
	struct stream_info *info;
	const unsigned char *digest; /* of the Bordereau handed over, or NULL */
	xmlHashTablePtr bord_ids;    /* the Ids inside it (element names) */
};

/* Called with each Bordereau: a copy placed in W->mini's part (IN_MINI),
 * else the reader's own subtree (to be left as it was found); IDX is its
 * preorder element index in the file, N_EL its number of elements. */
typedef bool (*stream_fn)(void *ctx, struct walk *w, xmlNode *bord, size_t idx, size_t n_el,
			  struct err *err);

static size_t
count_elements(const xmlNode *n)
{
	size_t c = 0;
	for (; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			c += 1 + count_elements(n->children);
	return c;
}

/* ---------- exclusive c14n from SAX events
 *
 * The streaming passes canonicalise each Bordereau as the parser reads it,
 * without building its tree: exclusive c14n (without comments) written
 * from the SAX2 events, as libxml2's xmlC14N would write it from the tree
 * (same escaping, attributes sorted by namespace then name, namespace
 * declarations rendered where visibly used and sorted by prefix). */

struct sc14n_ns {
	char *prefix; /* "" for the default namespace */
	char *uri;
	int depth;    /* of the element that rendered it */
};

struct sc14n {
	EVP_MD_CTX *md;
	struct strbuf buf;      /* flushed into MD from time to time */
	struct sc14n_ns *ns;    /* rendered, innermost last */
	size_t n_ns, cap_ns;
	int depth;
	bool failed;
};

static void
sc14n_flush(struct sc14n *c)
{
	if (c->buf.len && !EVP_DigestUpdate(c->md, c->buf.data, c->buf.len))
		c->failed = true;
	c->buf.len = 0;
}

static void
sc14n_begin(struct sc14n *c)
{
	c->buf.len = 0;
	c->depth = 0;
	c->failed = !EVP_DigestInit_ex(c->md, EVP_sha256(), NULL);
}

static bool
sc14n_end(struct sc14n *c, unsigned char out[32])
{
	unsigned int len = 0;
	sc14n_flush(c);
	for (size_t i = 0; i < c->n_ns; i++) {
		free(c->ns[i].prefix);
		free(c->ns[i].uri);
	}
	c->n_ns = 0;
	return !c->failed && EVP_DigestFinal_ex(c->md, out, &len) && len == 32;
}

/* Appends S[0..LEN) escaped as text (TEXT) or as an attribute value. */
static void
sc14n_escaped(struct sc14n *c, const xmlChar *s, size_t len, bool text)
{
	size_t from = 0;
	for (size_t i = 0; i < len; i++) {
		const char *rep = NULL;
		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = text ? "&gt;" : NULL; break;
		case '"': rep = text ? NULL : "&quot;"; break;
		case '\t': rep = text ? NULL : "&#x9;"; break;
		case '\n': rep = text ? NULL : "&#xA;"; break;
		case '\r': rep = "&#xD;"; break;
		}
		if (!rep)
			continue;
		sb_addn(&c->buf, (const char *)s + from, i - from);
		sb_add(&c->buf, rep);
		from = i + 1;
	}
	sb_addn(&c->buf, (const char *)s + from, len - from);
	if (c->buf.len >= 65536)
		sc14n_flush(c);
}

static void
sc14n_qname(struct sc14n *c, const xmlChar *prefix, const xmlChar *local)
{
	if (prefix && *prefix) {
		sb_add(&c->buf, (const char *)prefix);
		sb_addc(&c->buf, ':');
	}
	sb_add(&c->buf, (const char *)local);
}

/* The URI rendered for PREFIX by an output ancestor, NULL if none. */
static const char *
sc14n_rendered(const struct sc14n *c, const char *prefix)
{
	for (size_t i = c->n_ns; i-- > 0;)
		if (!strcmp(c->ns[i].prefix, prefix))
			return c->ns[i].uri;
	return NULL;
}

struct sc14n_attr {
	const xmlChar *local, *prefix, *uri, *value, *end;
};

static int
sc14n_attr_cmp(const void *a, const void *b)
{
	const struct sc14n_attr *x = a, *y = b;
	if (!x->uri != !y->uri)
		return x->uri ? 1 : -1;
	int r = x->uri ? strcmp((const char *)x->uri, (const char *)y->uri) : 0;
	return r ? r : strcmp((const char *)x->local, (const char *)y->local);
}

static int
sc14n_ns_cmp(const void *a, const void *b)
{
	const struct sc14n_ns *x = a, *y = b;
	return strcmp(x->prefix, y->prefix);
}

static void
sc14n_start(struct sc14n *c, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri,
	    int nb_attributes, const xmlChar **attributes)
{
	c->depth++;
	sb_addc(&c->buf, '<');
	sc14n_qname(c, prefix, local);

	/* the namespaces this element visibly uses: its own, its attributes' */
	struct sc14n_ns use[1 + 64];
	size_t n_use = 0;
	struct sc14n_attr attrs_small[32], *attrs = attrs_small;
	if (nb_attributes > 32)
		attrs = xmalloc((size_t)nb_attributes * sizeof *attrs);
	use[n_use++] = (struct sc14n_ns){ (char *)(prefix ? (const char *)prefix : ""),
					  (char *)(uri ? (const char *)uri : ""), 0 };
	for (int i = 0; i < nb_attributes; i++) {
		const xmlChar **a = attributes + 5 * i;
		attrs[i] = (struct sc14n_attr){ a[0], a[1], a[2], a[3], a[4] };
		if (!a[1] || !strcmp((const char *)a[1], "xml"))
			continue;
		bool seen = false;
		for (size_t k = 0; k < n_use; k++)
			seen = seen || !strcmp(use[k].prefix, (const char *)a[1]);
		if (!seen && n_use < sizeof use / sizeof use[0])
			use[n_use++] = (struct sc14n_ns){ (char *)a[1], (char *)(a[2] ? (const char *)a[2] : ""), 0 };
		else if (!seen)
			c->failed = true;
	}
	/* rendered unless an output ancestor already did with the same URI
	 * (no ancestor counts as the empty default namespace) */
	struct sc14n_ns out[1 + 64];
	size_t n_out = 0;
	for (size_t k = 0; k < n_use; k++) {
		if (!strcmp(use[k].prefix, "xml"))
			continue;
		const char *r = sc14n_rendered(c, use[k].prefix);
		if (!r && !*use[k].prefix)
			r = "";
		if (r && !strcmp(r, use[k].uri))
			continue;
		out[n_out++] = use[k];
	}
	if (n_out > 1)
		qsort(out, n_out, sizeof *out, sc14n_ns_cmp);
	for (size_t k = 0; k < n_out; k++) {
		sb_add(&c->buf, *out[k].prefix ? " xmlns:" : " xmlns");
		sb_add(&c->buf, out[k].prefix);
		sb_add(&c->buf, "=\"");
		sc14n_escaped(c, (const xmlChar *)out[k].uri, strlen(out[k].uri), false);
		sb_addc(&c->buf, '"');
		if (c->n_ns == c->cap_ns) {
			c->cap_ns = c->cap_ns ? 2 * c->cap_ns : 16;
			c->ns = xrealloc(c->ns, c->cap_ns * sizeof *c->ns);
		}
		c->ns[c->n_ns++] = (struct sc14n_ns){ xstrdup(out[k].prefix), xstrdup(out[k].uri),
						      c->depth };
	}
	if (nb_attributes > 1)
		qsort(attrs, (size_t)nb_attributes, sizeof *attrs, sc14n_attr_cmp);
	for (int i = 0; i < nb_attributes; i++) {
		sb_addc(&c->buf, ' ');
		sc14n_qname(c, attrs[i].prefix, attrs[i].local);
		sb_add(&c->buf, "=\"");
		/* SAX2 hands "&" over as "&#38;" when entities are not replaced */
		const xmlChar *v = attrs[i].value, *e = attrs[i].end, *amp;
		while ((amp = memmem(v, (size_t)(e - v), "&#38;", 5)) != NULL) {
			sc14n_escaped(c, v, (size_t)(amp - v), false);
			sb_add(&c->buf, "&amp;");
			v = amp + 5;
		}
		sc14n_escaped(c, v, (size_t)(e - v), false);
		sb_addc(&c->buf, '"');
	}
	if (attrs != attrs_small)
		free(attrs);
	sb_addc(&c->buf, '>');
}

static void
sc14n_end_el(struct sc14n *c, const xmlChar *local, const xmlChar *prefix)
{
	sb_add(&c->buf, "</");
	sc14n_qname(c, prefix, local);
	sb_addc(&c->buf, '>');
	while (c->n_ns && c->ns[c->n_ns - 1].depth == c->depth) {
		c->n_ns--;
		free(c->ns[c->n_ns].prefix);
		free(c->ns[c->n_ns].uri);
	}
	c->depth--;
}

static void
sc14n_pi(struct sc14n *c, const xmlChar *target, const xmlChar *data)
{
	sb_add(&c->buf, "<?");
	sb_add(&c->buf, (const char *)target);
	if (data && *data) {
		sb_addc(&c->buf, ' ');
		for (const xmlChar *p = data; *p; p++)
			if (*p == '\r')
				sb_add(&c->buf, "&#xD;");
			else
				sb_addc(&c->buf, (char)*p);
	}
	sb_add(&c->buf, "?>");
}

/* The state of stream_walk. libxml2's own SAX2 handlers build the tree, but
 * only of what is needed: the root and the parts as empty shells, the
 * parts' headers, each Bordereau as a shell holding only its signature
 * (or whole when FULL), nothing else; ours hand each Bordereau over once
 * complete, with the digest of its exclusive c14n (signature left out)
 * computed from the events when C14N, and free every finished child of
 * the root and of the parts, so that memory stays bounded. */
enum { B_NONE, B_SHELL, B_FULL };

struct sax_walk {
	bool in_mini, c14n;
	size_t cross;           /* this Bordereau (from 0) is built whole */
	stream_fn fn;
	void *ctx;
	struct walk w;
	struct err *err;
	bool failed;            /* ERR holds why (or a callback's stop) */
	int depth;              /* of the next element to start */
	char *mode;             /* B_* of each open element, by depth */
	int cap_mode;
	size_t counter;         /* preorder index of the next element */
	size_t bord_idx;        /* the current Bordereau's */
	size_t n_seen;          /* Bordereaux started */
	int skip_c14n;          /* depth of the signature left out, or 0 */
	bool in_bord;
	bool part_hdr;          /* the current part has its header */
	xmlHashTablePtr ids;    /* Bordereau Ids */
	xmlHashTablePtr bord_ids; /* Ids inside the current Bordereau */
	struct sc14n c;
	unsigned char digest[32];
};

static void
walk_fail(void *ctx, struct sax_walk *s)
{
	s->failed = true;
	xml_sax_stop(ctx, s->err->msg);
}

static bool
is_part(const xmlNode *n)
{
	return is_el(n, "PES_DepenseAller", NULL) || is_el(n, "PES_RecetteAller", NULL);
}

static bool
is_part_name(const xmlChar *local, const xmlChar *uri)
{
	return !uri && (!strcmp((const char *)local, "PES_DepenseAller") ||
			!strcmp((const char *)local, "PES_RecetteAller"));
}

/* The mode of the mode of the innermost open element. */
static int
walk_cur_mode(const struct sax_walk *s)
{
	return s->depth > 0 ? s->mode[s->depth - 1] : B_NONE;
}

static void
walk_start(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
	   int nb_namespaces, const xmlChar **namespaces, int nb_attributes, int nb_defaulted,
	   const xmlChar **attributes)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct sax_walk *s = xml_sax_user(ctx);
	struct stream_info *info = s->w.info;
	if (s->failed)
		return;
	int depth = s->depth;
	size_t me = s->counter++;
	int pm = depth ? s->mode[depth - 1] : B_SHELL;
	int m = B_NONE;
	bool bord = false;
	if (depth == 0) {
		m = B_SHELL;
	} else if (pm == B_FULL) {
		m = B_FULL;
	} else if (pm == B_SHELL) {
		if (depth == 1) {
			m = is_part_name(localname, uri) ? B_SHELL : B_NONE;
			if (!strcmp((const char *)localname, "Signature") && uri &&
			    !strcmp((const char *)uri, DSIG_NS))
				info->global_sig = true;
		} else if (depth == 2 && !uri &&
			   (!strcmp((const char *)localname, "EnTeteDepense") ||
			    !strcmp((const char *)localname, "EnTeteRecette"))) {
			m = B_FULL;
		} else if (depth == 2 && !uri && !strcmp((const char *)localname, "Bordereau")) {
			bord = true;
			m = s->in_mini || s->n_seen == s->cross ? B_FULL : B_SHELL;
		} else if (depth == 3 && uri && !strcmp((const char *)localname, "Signature") &&
			   !strcmp((const char *)uri, DSIG_NS)) {
			m = B_FULL;
		}
	}
	if (depth >= s->cap_mode) {
		s->cap_mode = s->cap_mode ? 2 * s->cap_mode : 64;
		s->mode = xrealloc(s->mode, (size_t)s->cap_mode);
	}
	s->mode[depth] = (char)m;
	s->depth++;

	/* inside a Bordereau: its Ids, its canonical form */
	if (s->in_bord && depth >= 3) {
		for (int i = 0; i < nb_attributes; i++) {
			const xmlChar **a = attributes + 5 * i;
			if (a[1] || strcmp((const char *)a[0], "Id"))
				continue;
			xmlChar *v = xmlStrndup(a[3], (int)(a[4] - a[3]));
			const xmlChar *prev = xmlHashLookup(s->bord_ids, v);
			if (prev) {
				err_set(s->err, ERR_UNSAFE,
					_("L'identifiant « %s » apparaît deux fois dans le fichier "
					  "(éléments <%s> et <%s>) : fichier refusé."),
					(const char *)v, (const char *)prev, (const char *)localname);
				xmlFree(v);
				walk_fail(ctx, s);
				return;
			}
			xmlHashAddEntry(s->bord_ids, v, (void *)localname);
			xmlFree(v);
		}
		if (depth == 3 && uri && !strcmp((const char *)localname, "Signature") &&
		    !strcmp((const char *)uri, DSIG_NS))
			s->skip_c14n = 3; /* the enveloped signature */
	}
	if (bord) {
		s->in_bord = true;
		s->bord_idx = me;
		s->n_seen++;
		info->n_bord++;
		s->skip_c14n = 0;
		xmlHashFree(s->bord_ids, NULL);
		s->bord_ids = xmlHashCreate(16);
		for (int i = 0; i < nb_attributes; i++) {
			const xmlChar **a = attributes + 5 * i;
			if (a[1] || strcmp((const char *)a[0], "Id"))
				continue;
			xmlChar *v = xmlStrndup(a[3], (int)(a[4] - a[3]));
			xmlHashAddEntry(s->bord_ids, v, (void *)localname);
			xmlFree(v);
		}
		if (s->c14n)
			sc14n_begin(&s->c);
	}
	if (s->c14n && s->in_bord && !s->skip_c14n)
		sc14n_start(&s->c, localname, prefix, uri, nb_attributes, attributes);

	if (m == B_NONE)
		return;
	xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes,
			      nb_defaulted, attributes);
	xmlNode *node = ctxt->node;
	if (!node || (depth > 0 && node->parent == NULL)) {
		err_set(s->err, ERR_INTERNAL, _("Lecture du fichier impossible."));
		walk_fail(ctx, s);
		return;
	}
	if (depth == 0) {
		if (!is_el(node, "PES_Aller", NULL)) {
			err_set(s->err, ERR_INPUT,
				_("Ce fichier n'est pas un PES Aller (élément racine <%s>)."),
				(const char *)node->name);
			walk_fail(ctx, s);
			return;
		}
		const xmlChar *enc = ctxt->encoding ? ctxt->encoding
				     : ctxt->input && ctxt->input->encoding ? ctxt->input->encoding
									    : NULL;
		str_copy(info->encoding, sizeof info->encoding, enc ? (const char *)enc : "UTF-8");
		char *rid = attr_of(node, "Id");
		str_copy(info->root_id, sizeof info->root_id, rid ? rid : "");
		free(rid);
		s->w.mini = xmlNewDoc((const xmlChar *)"1.0");
		s->w.mroot = xmlDocCopyNode(node, s->w.mini, 2);
		xmlDocSetRootElement(s->w.mini, s->w.mroot);
	} else if (depth == 1 && is_part(node)) {
		/* as pes_find: every part has its header, with V="1" */
		if (!s->part_hdr)
			info->dematerialised = false;
		s->part_hdr = false;
		info->any_header = true;
		if (s->w.mpart) {
			xmlUnlinkNode(s->w.mpart);
			xmlFreeNode(s->w.mpart);
		}
		s->w.mpart = xmlDocCopyNode(node, s->w.mini, 2);
		xmlAddChild(s->w.mroot, s->w.mpart);
	} else if (bord) {
		char *id = attr_of(node, "Id");
		if (id) {
			info->n_bord_with_id++;
			if (xmlHashAddEntry(s->ids, (const xmlChar *)id, s->ids) != 0) {
				err_set(s->err, ERR_UNSAFE,
					_("L'identifiant « %s » apparaît deux fois dans le fichier "
					  "(éléments <%s> et <%s>) : fichier refusé."),
					id, "Bordereau", "Bordereau");
				free(id);
				walk_fail(ctx, s);
				return;
			}
		}
		free(id);
	}
}

static void
walk_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct sax_walk *s = xml_sax_user(ctx);
	struct stream_info *info = s->w.info;
	if (s->failed)
		return;
	int depth = --s->depth;
	int m = s->mode[depth];
	if (s->c14n && s->in_bord && !s->skip_c14n)
		sc14n_end_el(&s->c, localname, prefix);
	if (s->skip_c14n == depth + 0 && depth == 3)
		s->skip_c14n = 0;
	bool bord_end = s->in_bord && depth == 2;
	if (bord_end) {
		s->in_bord = false;
		if (s->c14n && !sc14n_end(&s->c, s->digest)) {
			err_set(s->err, ERR_INTERNAL,
				_("Le calcul des empreintes de la signature a échoué."));
			walk_fail(ctx, s);
			return;
		}
	}
	if (m == B_NONE)
		return;
	xmlNode *node = ctxt->node;
	xmlSAX2EndElementNs(ctx, localname, prefix, uri);
	if (depth < 1 || depth > 2 || !node)
		return;
	if (depth == 2 && is_part(node->parent)) {
		if (is_el(node, "EnTeteDepense", NULL) || is_el(node, "EnTeteRecette", NULL)) {
			char *v = attr_of(child_el(node, "InfoDematerialisee", NULL), "V");
			if (!v || strcmp(v, "1"))
				info->dematerialised = false;
			s->part_hdr = true;
			free(v);
		} else if (bord_end) {
			char *id = attr_of(node, "Id");
			if (signature_child(node) && info->n_bord_signed++ == 0)
				str_copy(info->first_signed, sizeof info->first_signed, id ? id : "?");
			free(id);
			bool ok = true;
			size_t n_el = s->counter - s->bord_idx;
			s->w.digest = s->c14n ? s->digest : NULL;
			s->w.bord_ids = s->bord_ids;
			if (s->fn && s->in_mini) {
				xmlNode *copy = xmlDocCopyNode(node, s->w.mini, 1);
				xmlAddChild(s->w.mpart, copy);
				ok = s->fn(s->ctx, &s->w, copy, s->bord_idx, n_el, s->err);
				xmlUnlinkNode(copy);
				xmlFreeNode(copy);
				if (s->w.mini->ids) {
					xmlFreeIDTable(s->w.mini->ids);
					s->w.mini->ids = NULL;
				}
			} else if (s->fn) {
				ok = s->fn(s->ctx, &s->w, node, s->bord_idx, n_el, s->err);
			}
			if (!ok) {
				walk_fail(ctx, s);
				return;
			}
		}
	}
	/* done with it: a child of a child of the root, or one of the root;
	 * the text that follows must not be appended, through SAX2's fast
	 * path, to a text node it did not make */
	xmlUnlinkNode(node);
	xmlFreeNode(node);
	ctxt->nodemem = 0;
	ctxt->nodelen = 0;
}

/* Text (CDATA: as a CDATA section in the tree): canonicalised as text. */
static void
walk_chars(void *ctx, const xmlChar *ch, int len, bool cdata)
{
	struct sax_walk *s = xml_sax_user(ctx);
	if (s->failed)
		return;
	if (s->c14n && s->in_bord && !s->skip_c14n)
		sc14n_escaped(&s->c, ch, (size_t)len, true);
	if (walk_cur_mode(s) != B_FULL)
		return;
	if (cdata)
		xmlSAX2CDataBlock(ctx, ch, len);
	else
		xmlSAX2Characters(ctx, ch, len);
}

static void
walk_text(void *ctx, const xmlChar *ch, int len)
{
	walk_chars(ctx, ch, len, false);
}

static void
walk_cdata(void *ctx, const xmlChar *ch, int len)
{
	walk_chars(ctx, ch, len, true);
}

static void
walk_pi(void *ctx, const xmlChar *target, const xmlChar *data)
{
	struct sax_walk *s = xml_sax_user(ctx);
	if (s->failed)
		return;
	if (s->c14n && s->in_bord && !s->skip_c14n)
		sc14n_pi(&s->c, target, data);
	if (walk_cur_mode(s) == B_FULL)
		xmlSAX2ProcessingInstruction(ctx, target, data);
}

static void
walk_comment(void *ctx, const xmlChar *value)
{
	struct sax_walk *s = xml_sax_user(ctx);
	if (!s->failed && walk_cur_mode(s) == B_FULL)
		xmlSAX2Comment(ctx, value);
}

/* Reads PATH with the handlers above; FN (may be NULL) gets each Bordereau:
 * a whole copy in W->mini (IN_MINI), else the shell from the file with
 * W->digest when C14N; the Bordereau numbered CROSS (from 0) is whole. */
/* Whether PATH starts as UTF-16 (byte order mark, or "<" on two bytes). */
static bool
starts_utf16(const char *path)
{
	unsigned char b[2] = { 0, 0 };
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	bool two = read(fd, b, 2) == 2;
	close(fd);
	return two && ((b[0] == 0xFE && b[1] == 0xFF) || (b[0] == 0xFF && b[1] == 0xFE) ||
		       (b[0] == '<' && b[1] == 0) || (b[0] == 0 && b[1] == '<'));
}

static bool
stream_walk(const char *path, bool in_mini, bool c14n, size_t cross, stream_fn fn, void *ctx,
	    struct stream_info *info, struct err *err)
{
	memset(info, 0, sizeof *info);
	info->dematerialised = true;
	/* as parse_safe: the signatures could not be spliced into such bytes */
	if (starts_utf16(path))
		return err_set(err, ERR_INPUT, _("Encodage UTF-16 non pris en charge pour un PES."));
	struct sax_walk s = { .in_mini = in_mini, .c14n = c14n, .cross = cross, .fn = fn,
			      .ctx = ctx, .err = err, .part_hdr = true, .ids = xmlHashCreate(64) };
	s.w.info = info;
	s.c.md = c14n ? EVP_MD_CTX_new() : NULL;
	xmlSAXHandler sax;
	xmlSAXVersion(&sax, 2);
	sax.startElementNs = walk_start;
	sax.endElementNs = walk_end;
	sax.characters = walk_text;
	sax.ignorableWhitespace = walk_text;
	sax.cdataBlock = walk_cdata;
	sax.processingInstruction = walk_pi;
	sax.comment = walk_comment;
	struct err perr = { 0 };
	bool ok = (!c14n || s.c.md) && xml_sax_file_safe(path, &sax, &s, &perr);
	if (s.failed) {
		ok = false;
	} else if (!ok) {
		*err = perr;
	} else if (s.counter == 0) {
		ok = err_set(err, ERR_INPUT, _("Le fichier est vide."));
	}
	if (!s.part_hdr || !info->any_header)
		info->dematerialised = false;
	xmlHashFree(s.ids, NULL);
	xmlHashFree(s.bord_ids, NULL);
	if (s.w.mini)
		xmlFreeDoc(s.w.mini);
	free(s.mode);
	sb_free(&s.c.buf);
	for (size_t i = 0; i < s.c.n_ns; i++) {
		free(s.c.ns[i].prefix);
		free(s.c.ns[i].uri);
	}
	free(s.c.ns);
	EVP_MD_CTX_free(s.c.md);
	return ok;
}

/* Verifies a copy of BORD placed in the shells of W, with xmlsec and the
 * XAdES checks (verify_doc). */
static bool
walk_verify_in_mini(struct walk *w, xmlNode *bord, struct xades_report *rep, struct err *err)
{
	xmlNode *copy = xmlDocCopyNode(bord, w->mini, 1);
	if (!copy)
		return err_set(err, ERR_INTERNAL, _("Mémoire insuffisante."));
	xmlAddChild(w->mpart, copy);
	bool ok = verify_doc(w->mini, NULL, rep, err);
	xmlUnlinkNode(copy);
	xmlFreeNode(copy);
	if (w->mini->ids) {
		xmlFreeIDTable(w->mini->ids);
		w->mini->ids = NULL;
	}
	return ok;
}

struct stream_sign {
	struct signer *signer;
	enum signer_mech mech;
	const struct xades_sign_opts *o;
	time_t now;
	const char *enc;
	struct stream_info *info; /* as read so far */
	bool need_dom;            /* a Bordereau without Id: not for this path */
	size_t n, cap, total;
	size_t *idx, *n_el;
	char **blob;
	size_t *blob_len;
};

static bool
stream_sign_one(void *ctx, struct walk *w, xmlNode *bord, size_t idx, size_t n_el, struct err *err)
{
	struct stream_sign *s = ctx;
	char *id = attr_of(bord, "Id");
	if (!id) {
		s->need_dom = true;
		return false;
	}
	if (signature_child(bord)) {
		err_set(err, ERR_INPUT,
			_("Le bordereau %s est déjà signé : une seule signature par élément (pas de "
			  "co-signature)."),
			id);
		free(id);
		return false;
	}
	free(id);
	if (!s->info->dematerialised && !s->o->allow_not_dematerialised)
		return err_set(err, ERR_INPUT,
			       _("InfoDematerialisee est absent ou à 0 dans ce PES : la DGFiP rejette "
				 "un flux signé dans ce cas. Confirmez pour signer quand même."));
	/* the signature is built in an empty copy of the Bordereau (same
	 * attributes and namespaces), with the digest computed as it was read */
	char sig_id[300], sp_id[310];
	char *bid = attr_of(bord, "Id");
	snprintf(sig_id, sizeof sig_id, "%.200s_SIG_1", bid ? bid : "");
	snprintf(sp_id, sizeof sp_id, "%s_SP", sig_id);
	free(bid);
	if (xmlHashLookup(w->bord_ids, (const xmlChar *)sig_id) ||
	    xmlHashLookup(w->bord_ids, (const xmlChar *)sp_id))
		return err_set(err, ERR_INPUT, _("L'identifiant « %s » existe déjà dans le fichier."),
			       xmlHashLookup(w->bord_ids, (const xmlChar *)sig_id) ? sig_id : sp_id);
	if (!w->digest)
		return err_set(err, ERR_INTERNAL, _("Le calcul des empreintes de la signature a échoué."));
	xmlDocPtr bdoc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNode *shell = bdoc ? xmlDocCopyNode(bord, bdoc, 2) : NULL;
	if (!shell) {
		if (bdoc)
			xmlFreeDoc(bdoc);
		return err_set(err, ERR_INTERNAL, _("Mémoire insuffisante."));
	}
	xmlDocSetRootElement(bdoc, shell);
	size_t slen = 0;
	char *blob = NULL;
	if (register_ids(bdoc, shell, err) &&
	    sign_target(shell, w->digest, s->signer, s->mech, s->o, s->now, err))
		blob = serialize_node(signature_child(shell), s->enc, &slen);
	xmlFreeDoc(bdoc);
	if (err->code)
		return false;
	if (!blob)
		return err_set(err, ERR_INTERNAL, _("Écriture de la signature impossible (encodage %s)."),
			       s->enc);
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->idx = xrealloc(s->idx, s->cap * sizeof *s->idx);
		s->n_el = xrealloc(s->n_el, s->cap * sizeof *s->n_el);
		s->blob = xrealloc(s->blob, s->cap * sizeof *s->blob);
		s->blob_len = xrealloc(s->blob_len, s->cap * sizeof *s->blob_len);
	}
	s->idx[s->n] = idx;
	s->n_el[s->n] = n_el;
	s->blob[s->n] = blob;
	s->blob_len[s->n] = slen;
	s->n++;
	if (s->o->progress)
		s->o->progress(s->o->progress_data, s->n, s->total > s->n ? s->total : s->n);
	return true;
}

/* Reading back a file signed per Bordereau: check_own_signature on each,
 * and verify_doc on the one numbered CROSS. */
struct stream_check {
	X509 *cert;
	size_t n, cross;
};

static bool
stream_check_one(void *ctx, struct walk *w, xmlNode *bord, size_t idx, size_t n_el, struct err *err)
{
	struct stream_check *c = ctx;
	(void)idx;
	(void)n_el;
	xmlNode *sig = signature_child(bord);
	if (!sig)
		return own_fail(err, "unsigned Bordereau");
	if (!check_own_signature(sig, c->cert, w->digest, err))
		return false;
	if (c->n++ != c->cross)
		return true;
	struct xades_report rep;
	if (!walk_verify_in_mini(w, bord, &rep, err))
		return false;
	bool good = rep.n_sigs == 1 && rep.all_valid;
	if (!good)
		own_fail(err, rep.n_sigs ? rep.sigs[0].problem : "xmlsec");
	xades_report_free(&rep);
	return good;
}

struct stream_verify {
	const struct xades_verify_opts *opts;
	struct xades_report *rep;
};

static bool
stream_verify_one(void *ctx, struct walk *w, xmlNode *bord, size_t idx, size_t n_el, struct err *err)
{
	struct stream_verify *s = ctx;
	(void)bord;
	(void)idx;
	(void)n_el;
	struct xades_report one;
	if (!verify_doc(w->mini, s->opts, &one, err))
		return false;
	struct xades_report *rep = s->rep;
	rep->sigs = xrealloc(rep->sigs, (rep->n_sigs + one.n_sigs + 1) * sizeof *rep->sigs);
	for (size_t i = 0; i < one.n_sigs; i++) {
		rep->sigs[rep->n_sigs++] = one.sigs[i];
		if (!one.sigs[i].valid)
			rep->all_valid = false;
	}
	rep->n_bordereaux += one.n_bordereaux;
	if (one.n_unsigned) {
		rep->n_unsigned += one.n_unsigned;
		if (strlen(rep->unsigned_ids) + 40 < sizeof rep->unsigned_ids)
			add_msg(rep->unsigned_ids, sizeof rep->unsigned_ids, "%s", one.unsigned_ids);
	}
	xades_report_free(&one);
	return true;
}

/* Verifies PATH one Bordereau at a time; *DONE false (and nothing else)
 * when the file has a global signature, which needs the whole document. */
static bool
verify_stream(const char *path, const struct xades_verify_opts *opts, struct xades_report *rep,
	      bool *done, struct err *err)
{
	struct stream_verify s = { opts, rep };
	struct stream_info info;
	memset(rep, 0, sizeof *rep);
	rep->all_valid = true;
	*done = false;
	if (!xades_init(err))
		return false;
	bool ok = stream_walk(path, true, false, (size_t)-1, stream_verify_one, &s, &info, err);
	if (ok && info.global_sig) {
		xades_report_free(rep);
		return true;
	}
	if (!ok) {
		xades_report_free(rep);
		return false;
	}
	if (!rep->sigs)
		rep->sigs = xcalloc(1, sizeof *rep->sigs);
	rep->all_valid = rep->all_valid && rep->n_sigs > 0;
	*done = true;
	return true;
}

/* Writes DATA (a read-only file mapping, whose pages are given back as
 * they are written) with the signatures of S inserted at OFF. */
static bool
write_spliced(int fd, const char *data, size_t len, const struct stream_sign *s, const size_t *off)
{
	const size_t step = (size_t)1 << 20;
	size_t pos = 0, dropped = 0;
	for (size_t i = 0; i <= s->n; i++) {
		size_t upto = i < s->n ? off[i] : len;
		for (size_t w = pos; w < upto;) {
			size_t want = upto - w < step ? upto - w : step;
			ssize_t k = write(fd, data + w, want);
			if (k <= 0)
				return false;
			w += (size_t)k;
			if (w >= dropped + 2 * step) {
				madvise((void *)(data + dropped), step, MADV_DONTNEED);
				dropped += step;
			}
		}
		pos = upto;
		if (i < s->n)
			for (size_t w = 0; w < s->blob_len[i];) {
				ssize_t k = write(fd, s->blob[i] + w, s->blob_len[i] - w);
				if (k <= 0)
					return false;
				w += (size_t)k;
			}
	}
	return true;
}

/* A structure pass over a file: *DONE false when it is for the DOM path
 * (not every Bordereau has an Id: global signature, or the refusal the
 * DOM path words); false when it cannot be signed per Bordereau. */
static bool
stream_survey(const char *in, struct stream_info *info, bool *done, struct err *err)
{
	*done = false;
	if (!xades_init(err) || !stream_walk(in, false, false, (size_t)-1, NULL, NULL, info, err))
		return false;
	if (info->n_bord == 0 || info->n_bord_with_id != info->n_bord)
		return true;
	*done = true;
	if (info->global_sig)
		return err_set(err, ERR_INPUT, _("Le fichier porte déjà une signature globale."));
	if (info->n_bord_signed)
		return err_set(err, ERR_INPUT,
			       _("Le bordereau %s est déjà signé : une seule signature par "
				 "élément (pas de co-signature)."),
			       info->first_signed);
	return true;
}

/* The last plan made by the streaming path, kept so that signing the same
 * unchanged file right after (the usual sequence: plan, confirmation,
 * signature) does not read it once more just to know the number of
 * Bordereaux; the signing pass checks everything again as it reads. */
static struct {
	bool valid;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	bool stream;            /* signed per Bordereau by sign_stream, else by the DOM path */
	size_t n_targets;
} last_plan;

static bool
same_file(const struct stat *st)
{
	return last_plan.valid && st->st_dev == last_plan.dev && st->st_ino == last_plan.ino &&
	       st->st_size == last_plan.size && st->st_mtim.tv_sec == last_plan.mtime.tv_sec &&
	       st->st_mtim.tv_nsec == last_plan.mtime.tv_nsec;
}

/* What a file would get; *DONE as for stream_survey. */
static bool
plan_stream(const char *in, struct xades_plan *plan, bool *done, struct err *err)
{
	struct stream_info info;
	struct stat before, after;
	last_plan.valid = false;
	bool ok = stat(in, &before) == 0 && stream_survey(in, &info, done, err);
	if (!ok)
		return false;
	if (*done) {
		plan->global = false;
		plan->n_targets = info.n_bord;
		plan->dematerialised = info.dematerialised;
		str_copy(plan->root_id, sizeof plan->root_id, info.root_id);
	}
	if (stat(in, &after) == 0 && !memcmp(&before.st_mtim, &after.st_mtim, sizeof before.st_mtim)) {
		last_plan.stream = *done;
		last_plan.n_targets = info.n_bord;
		last_plan.dev = after.st_dev;
		last_plan.ino = after.st_ino;
		last_plan.size = after.st_size;
		last_plan.mtime = after.st_mtim;
		last_plan.valid = true;
	}
	return true;
}

/* Per-Bordereau signing; *DONE false when the file needs the DOM path
 * (global signature). One pass signs, checking the structure as it goes;
 * the result is written, then read back and checked (stream_check_one)
 * before it replaces OUT. */
static bool
sign_stream(const char *in, const char *out, struct signer *signer, const struct xades_sign_opts *o,
	    size_t *n_signed, bool *done, struct err *err)
{
	struct stream_info info;
	struct stat st;
	size_t total = 0;
	*done = false;
	if (!xades_init(err))
		return false;
	if (stat(in, &st) == 0 && same_file(&st)) {
		if (!last_plan.stream)
			return true;
		total = last_plan.n_targets;
		*done = true;
	} else {
		bool ok = stream_survey(in, &info, done, err);
		if (!ok || !*done)
			return ok;
		total = info.n_bord;
	}
	if ((o->city && !xmlCheckUTF8((const xmlChar *)o->city)) ||
	    (o->role && !xmlCheckUTF8((const xmlChar *)o->role)))
		return err_set(err, ERR_INPUT, _("Texte invalide (UTF-8 attendu) pour la ville ou le rôle."));
	struct stream_sign s = { .signer = signer, .o = o, .enc = info.encoding, .info = &info,
				 .total = total };
	if (!signer_default_mech(signer, &s.mech, err))
		return false;
	s.now = o->signing_time ? o->signing_time : time(NULL);
	bool ok = stream_walk(in, false, true, (size_t)-1, stream_sign_one, &s, &info, err);
	if (!ok && s.need_dom) {
		/* a Bordereau without Id: the file changed since the plan */
		ok = true;
		*done = false;
	} else if (ok && s.n == 0) {
		*done = false;
	} else if (ok && info.global_sig) {
		ok = err_set(err, ERR_INPUT, _("Le fichier porte déjà une signature globale."));
	} else if (ok && !info.dematerialised && !o->allow_not_dematerialised) {
		ok = err_set(err, ERR_INPUT,
			     _("InfoDematerialisee est absent ou à 0 dans ce PES : la DGFiP rejette "
			       "un flux signé dans ce cas. Confirmez pour signer quand même."));
	}
	bool write = ok && *done;

	size_t *off = xcalloc(s.n ? s.n : 1, sizeof *off);
	int fd = -1;
	char *data = MAP_FAILED;
	size_t len = 0;
	struct strbuf tmp = STRBUF_INIT;
	if (write) {
		fd = open(in, O_RDONLY);
		if (fd < 0 || fstat(fd, &st) != 0) {
			err_set(err, ERR_IO, _("Impossible d'ouvrir « %s »."), in);
			ok = write = err_detail(err, "%m");
		} else {
			len = (size_t)st.st_size;
			data = mmap(NULL, len ? len : 1, PROT_READ, MAP_PRIVATE, fd, 0);
			if (data == MAP_FAILED)
				ok = write = err_set(err, ERR_IO, _("Erreur de lecture de « %s »."), in);
		}
	}
	if (write && !scan_end_tags(data, len, s.idx, s.n, off, true))
		ok = write = err_set(err, ERR_INPUT,
				     _("Structure du fichier inattendue : signature impossible."));
	for (size_t i = 1; write && i < s.n; i++)
		if (off[i] < off[i - 1])
			ok = write = err_set(err, ERR_INTERNAL, _("Ordre des éléments inattendu."));
	if (write) {
		sb_printf(&tmp, "%s.tmp.%ld", out, (long)getpid());
		int ofd = open(sb_str(&tmp), O_WRONLY | O_CREAT | O_TRUNC, 0644);
		bool w = ofd >= 0 && write_spliced(ofd, data, len, &s, off);
		w = ofd >= 0 && close(ofd) == 0 && w;
		if (!w) {
			err_set(err, ERR_IO, _("Impossible d'écrire « %s »."), out);
			ok = write = err_detail(err, "%m");
		}
	}
	if (data != MAP_FAILED)
		munmap(data, len ? len : 1);
	if (fd >= 0)
		close(fd);
	if (write) {
		/* read back: every signature checked, the one of the smallest
		 * Bordereau through xmlsec too */
		struct stream_check c = { .cert = signer_cert(signer) };
		for (size_t i = 1; i < s.n; i++)
			if (s.n_el[i] < s.n_el[c.cross])
				c.cross = i;
		struct stream_info back;
		ok = write = stream_walk(sb_str(&tmp), false, true, c.cross, stream_check_one, &c, &back, err);
		if (ok && (c.n != s.n || back.n_bord != s.n || back.global_sig))
			ok = write = own_fail(err, "number of signatures");
	}
	if (write && rename(sb_str(&tmp), out) != 0) {
		err_set(err, ERR_IO, _("Impossible d'écrire « %s »."), out);
		ok = err_detail(err, "%m");
	}
	if (!ok && tmp.len)
		unlink(sb_str(&tmp));
	sb_free(&tmp);
	for (size_t i = 0; i < s.n; i++)
		free(s.blob[i]);
	free(s.blob);
	free(s.blob_len);
	free(s.idx);
	free(s.n_el);
	free(off);
	if (ok && *done && n_signed)
		*n_signed = s.n;
	return ok;
}

/* Parses the signed bytes DATA and checks its N signatures, all made for
 * CERT: check_own_signature on each, and xmlsec with the XAdES checks
 * (verify_one) on the one in the smallest element. */
static bool
check_own_mem(const char *data, size_t len, X509 *cert, size_t n, struct err *err)
{
	xmlDocPtr doc = parse_safe(data, len, err);
	if (!doc)
		return false;
	struct pes_targets t;
	bool ok = pes_find(doc, &t, err) && register_ids(doc, doc->children, err);
	xmlNode **sigs = NULL;
	size_t n_sigs = 0, cap = 0, cross = 0, cross_n = (size_t)-1;
	if (ok)
		collect_signatures(doc->children, &sigs, &n_sigs, &cap);
	if (ok && n_sigs != n)
		ok = own_fail(err, "number of signatures");
	for (size_t i = 0; ok && i < n_sigs; i++) {
		ok = check_own_signature(sigs[i], cert, NULL, err);
		size_t c = count_elements(sigs[i]->parent->children);
		if (c < cross_n) {
			cross_n = c;
			cross = i;
		}
	}
	if (ok && n_sigs) {
		struct xades_sig_result r = { 0 };
		xmlSecKeysMngrPtr mngr = xmlSecKeysMngrCreate();
		if (!mngr || xmlSecCryptoAppDefaultKeysMngrInit(mngr) < 0)
			ok = err_set(err, ERR_INTERNAL, _("Gestionnaire de clés xmlsec impossible."));
		else
			verify_one(sigs[cross], &t, mngr, NULL, &r);
		if (mngr)
			xmlSecKeysMngrDestroy(mngr);
		if (ok && !r.valid)
			ok = own_fail(err, r.problem);
	}
	free(sigs);
	pes_targets_free(&t);
	xmlFreeDoc(doc);
	return ok;
}

bool
xades_verify_file(const char *path, const struct xades_verify_opts *opts,
		  struct xades_report *rep, struct err *err)
{
	char *data;
	size_t len;
	memset(rep, 0, sizeof *rep);
	if (wants_stream(path, STREAM_VERIFY_MIN)) {
		bool done;
		if (!verify_stream(path, opts, rep, &done, err))
			return false;
		if (done)
			return true;
	}
	if (!read_whole_file(path, XADES_MAX_BYTES, &data, &len, err))
		return false;
	bool ok = xades_verify_mem(data, len, opts, rep, err);
	free(data);
	return ok;
}

void
xades_report_free(struct xades_report *rep)
{
	free(rep->sigs);
	memset(rep, 0, sizeof *rep);
}
