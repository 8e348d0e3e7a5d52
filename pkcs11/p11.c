/* PKCS#11 module loading and the PKCS#11 signer. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>
#include <p11-kit/pkcs11.h>

#include "core/i18n.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "pkcs11/p11.h"

struct p11_module {
	void *dl;
	CK_FUNCTION_LIST_PTR f;
	char path[512];
};

const char *
p11_rv_name(unsigned long rv)
{
	switch (rv) {
#define R(x) case x: return #x;
	R(CKR_OK) R(CKR_CANCEL) R(CKR_HOST_MEMORY) R(CKR_SLOT_ID_INVALID) R(CKR_GENERAL_ERROR)
	R(CKR_FUNCTION_FAILED) R(CKR_ARGUMENTS_BAD) R(CKR_DEVICE_ERROR) R(CKR_DEVICE_MEMORY)
	R(CKR_DEVICE_REMOVED) R(CKR_KEY_HANDLE_INVALID) R(CKR_KEY_TYPE_INCONSISTENT)
	R(CKR_MECHANISM_INVALID) R(CKR_MECHANISM_PARAM_INVALID) R(CKR_OBJECT_HANDLE_INVALID)
	R(CKR_OPERATION_ACTIVE) R(CKR_OPERATION_NOT_INITIALIZED) R(CKR_PIN_INCORRECT)
	R(CKR_PIN_INVALID) R(CKR_PIN_LEN_RANGE) R(CKR_PIN_EXPIRED) R(CKR_PIN_LOCKED)
	R(CKR_SESSION_CLOSED) R(CKR_SESSION_HANDLE_INVALID) R(CKR_TOKEN_NOT_PRESENT)
	R(CKR_TOKEN_NOT_RECOGNIZED) R(CKR_USER_ALREADY_LOGGED_IN) R(CKR_USER_NOT_LOGGED_IN)
	R(CKR_USER_PIN_NOT_INITIALIZED) R(CKR_USER_TYPE_INVALID) R(CKR_BUFFER_TOO_SMALL)
	R(CKR_CRYPTOKI_NOT_INITIALIZED) R(CKR_CRYPTOKI_ALREADY_INITIALIZED) R(CKR_DATA_LEN_RANGE)
	R(CKR_FUNCTION_NOT_SUPPORTED) R(CKR_KEY_FUNCTION_NOT_PERMITTED) R(CKR_SESSION_COUNT)
#undef R
	default: return "CKR_?";
	}
}

static bool
rv_fail(struct err *err, CK_RV rv, const char *fn, const char *msg)
{
	err_set(err, ERR_INPUT, "%s", msg);
	return err_detail(err, "%s: %s (0x%lx)", fn, p11_rv_name(rv), (unsigned long)rv);
}

static void
p11_str(char *dst, size_t n, const unsigned char *src, size_t len)
{
	while (len && (src[len - 1] == ' ' || src[len - 1] == 0))
		len--;
	if (len >= n)
		len = n - 1;
	memcpy(dst, src, len);
	dst[len] = 0;
}

struct p11_module *
p11_module_open(const char *path, struct err *err)
{
	if (!path || !*path)
		path = P11_DEFAULT_MODULE;
	void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!dl) {
		err_set(err, ERR_INPUT, _("Impossible de charger le module PKCS#11 « %s »."), path);
		err_detail(err, "dlopen: %s", dlerror());
		return NULL;
	}
	CK_C_GetFunctionList gfl = (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList");
	CK_FUNCTION_LIST_PTR f = NULL;
	if (!gfl || gfl(&f) != CKR_OK || !f) {
		dlclose(dl);
		err_set(err, ERR_INPUT, _("« %s » n'est pas un module PKCS#11."), path);
		return NULL;
	}
	CK_C_INITIALIZE_ARGS args = { 0 };
	args.flags = CKF_OS_LOCKING_OK;
	CK_RV rv = f->C_Initialize(&args);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		dlclose(dl);
		rv_fail(err, rv, "C_Initialize", _("Le module PKCS#11 refuse de démarrer."));
		return NULL;
	}
	struct p11_module *m = xcalloc(1, sizeof *m);
	m->dl = dl;
	m->f = f;
	str_copy(m->path, sizeof m->path, path);
	return m;
}

void
p11_module_close(struct p11_module **mp)
{
	struct p11_module *m = *mp;
	if (!m)
		return;
	m->f->C_Finalize(NULL);
	dlclose(m->dl);
	free(m);
	*mp = NULL;
}

const char *
p11_module_path(const struct p11_module *m)
{
	return m->path;
}

bool
p11_list_slots(struct p11_module *m, struct p11_slot **slots, size_t *n, struct err *err)
{
	*slots = NULL;
	*n = 0;
	CK_ULONG count = 0;
	CK_RV rv = m->f->C_GetSlotList(CK_FALSE, NULL, &count);
	if (rv != CKR_OK)
		return rv_fail(err, rv, "C_GetSlotList", _("Liste des lecteurs PKCS#11 impossible."));
	CK_SLOT_ID *ids = xcalloc(count ? count : 1, sizeof *ids);
	rv = m->f->C_GetSlotList(CK_FALSE, ids, &count);
	if (rv != CKR_OK) {
		free(ids);
		return rv_fail(err, rv, "C_GetSlotList", _("Liste des lecteurs PKCS#11 impossible."));
	}
	struct p11_slot *out = xcalloc(count ? count : 1, sizeof *out);
	for (CK_ULONG i = 0; i < count; i++) {
		CK_SLOT_INFO si;
		struct p11_slot *s = &out[*n];
		if (m->f->C_GetSlotInfo(ids[i], &si) != CKR_OK)
			continue;
		s->id = ids[i];
		p11_str(s->description, sizeof s->description, si.slotDescription,
			sizeof si.slotDescription);
		p11_str(s->manufacturer, sizeof s->manufacturer, si.manufacturerID,
			sizeof si.manufacturerID);
		s->removable = si.flags & CKF_REMOVABLE_DEVICE;
		s->token_present = si.flags & CKF_TOKEN_PRESENT;
		CK_TOKEN_INFO ti;
		if (s->token_present && m->f->C_GetTokenInfo(ids[i], &ti) == CKR_OK) {
			p11_str(s->label, sizeof s->label, ti.label, sizeof ti.label);
			p11_str(s->token_manufacturer, sizeof s->token_manufacturer, ti.manufacturerID,
				sizeof ti.manufacturerID);
			p11_str(s->model, sizeof s->model, ti.model, sizeof ti.model);
			p11_str(s->serial, sizeof s->serial, ti.serialNumber, sizeof ti.serialNumber);
			s->flags = ti.flags;
		} else {
			s->token_present = false;
		}
		(*n)++;
	}
	free(ids);
	*slots = out;
	return true;
}

static bool
find_objects(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE sess, CK_ATTRIBUTE *tmpl, CK_ULONG nt,
	     CK_OBJECT_HANDLE *objs, CK_ULONG max, CK_ULONG *found, CK_RV *rvp)
{
	CK_RV rv = f->C_FindObjectsInit(sess, tmpl, nt);
	*found = 0;
	if (rv == CKR_OK) {
		rv = f->C_FindObjects(sess, objs, max, found);
		f->C_FindObjectsFinal(sess);
	}
	*rvp = rv;
	return rv == CKR_OK;
}

static bool
read_certs(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE sess, struct p11_cert **certs, size_t *n,
	   struct err *err)
{
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE ct = CKC_X_509;
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &cls, sizeof cls },
		{ CKA_CERTIFICATE_TYPE, &ct, sizeof ct },
	};
	CK_OBJECT_HANDLE objs[32];
	CK_ULONG found;
	CK_RV rv;
	*certs = NULL;
	*n = 0;
	if (!find_objects(f, sess, tmpl, 2, objs, 32, &found, &rv))
		return rv_fail(err, rv, "C_FindObjects", _("Lecture des certificats de la carte impossible."));
	struct p11_cert *out = xcalloc(found ? found : 1, sizeof *out);
	for (CK_ULONG i = 0; i < found; i++) {
		CK_ATTRIBUTE a[] = {
			{ CKA_VALUE, NULL, 0 },
			{ CKA_ID, NULL, 0 },
			{ CKA_LABEL, NULL, 0 },
		};
		if (f->C_GetAttributeValue(sess, objs[i], a, 3) != CKR_OK ||
		    a[0].ulValueLen == (CK_ULONG)-1 || a[0].ulValueLen == 0)
			continue;
		for (int k = 0; k < 3; k++)
			a[k].pValue = a[k].ulValueLen != (CK_ULONG)-1 ? xcalloc(1, a[k].ulValueLen + 1) : NULL;
		for (int k = 0; k < 3; k++)
			if (!a[k].pValue)
				a[k].ulValueLen = 0;
		struct p11_cert *c = &out[*n];
		if (f->C_GetAttributeValue(sess, objs[i], a, 3) == CKR_OK) {
			const unsigned char *p = a[0].pValue;
			c->cert = d2i_X509(NULL, &p, (long)a[0].ulValueLen);
			c->id_len = a[1].ulValueLen < sizeof c->id ? a[1].ulValueLen : sizeof c->id;
			if (a[1].pValue)
				memcpy(c->id, a[1].pValue, c->id_len);
			if (a[2].pValue)
				p11_str(c->label, sizeof c->label, a[2].pValue, a[2].ulValueLen);
			if (c->cert)
				(*n)++;
		}
		for (int k = 0; k < 3; k++)
			free(a[k].pValue);
	}
	ERR_clear_error();
	*certs = out;
	return true;
}

bool
p11_list_certs(struct p11_module *m, unsigned long slot, struct p11_cert **certs, size_t *n,
	       struct err *err)
{
	CK_SESSION_HANDLE sess;
	*certs = NULL;
	*n = 0;
	CK_RV rv = m->f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &sess);
	if (rv != CKR_OK)
		return rv_fail(err, rv, "C_OpenSession", _("Ouverture d'une session sur la carte impossible."));
	bool ok = read_certs(m->f, sess, certs, n, err);
	m->f->C_CloseSession(sess);
	return ok;
}

void
p11_certs_free(struct p11_cert **certs, size_t n)
{
	if (!*certs)
		return;
	for (size_t i = 0; i < n; i++)
		X509_free((*certs)[i].cert);
	free(*certs);
	*certs = NULL;
}

const char *
p11_pin_flags_text(unsigned long flags)
{
	if (flags & CKF_USER_PIN_LOCKED)
		return _("code PIN bloqué");
	if (flags & CKF_USER_PIN_FINAL_TRY)
		return _("dernier essai avant blocage");
	if (flags & CKF_USER_PIN_COUNT_LOW)
		return _("des essais de code PIN ont déjà échoué");
	return "";
}

static bool
cert_is_signing(X509 *c)
{
	return (X509_get_extension_flags(c) & EXFLAG_KUSAGE) &&
	       (X509_get_key_usage(c) & KU_NON_REPUDIATION);
}

/* ---------- the signer */

struct p11_signer {
	struct p11_module *m;
	char token_label[33];
	CK_SLOT_ID slot;
	unsigned char id[64];
	size_t id_len;
	CK_SESSION_HANDLE sess;
	bool have_session;
	CK_OBJECT_HANDLE key;
	bool logged_in;
	bool always_auth;
	bool has_sha256_rsa;
	bool is_ec;
	char *pin; /* secret_strdup'ed, only during an operation with always_auth */
};

static enum signer_pin_state
pin_state_of(unsigned long flags)
{
	if (flags & CKF_USER_PIN_LOCKED)
		return SIGNER_PIN_LOCKED;
	if (flags & CKF_USER_PIN_FINAL_TRY)
		return SIGNER_PIN_FINAL_TRY;
	if (flags & CKF_USER_PIN_COUNT_LOW)
		return SIGNER_PIN_COUNT_LOW;
	return SIGNER_PIN_OK;
}

static void
ps_drop_session(struct p11_signer *ps)
{
	if (ps->have_session)
		ps->m->f->C_CloseSession(ps->sess); /* may fail: the card is gone */
	ps->have_session = false;
	ps->logged_in = false;
	ps->key = 0;
}

static bool
is_gone(CK_RV rv)
{
	return rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_SESSION_CLOSED ||
	       rv == CKR_DEVICE_REMOVED || rv == CKR_TOKEN_NOT_PRESENT || rv == CKR_DEVICE_ERROR ||
	       rv == CKR_TOKEN_NOT_RECOGNIZED;
}

static bool
gone_fail(struct signer *s, CK_RV rv, const char *fn, struct err *err)
{
	ps_drop_session(s->impl);
	err_set(err, ERR_INPUT,
		_("La carte a été retirée ou la session avec elle est perdue : rien n'a été "
		  "signé. Réinsérez la carte puis recommencez."));
	return err_detail(err, "%s: %s", fn, p11_rv_name(rv));
}

/* Finds the slot of our token again (slot ids may change after removal). */
static bool
ps_find_slot(struct p11_signer *ps, CK_TOKEN_INFO *ti, struct err *err)
{
	struct p11_slot *slots;
	size_t n;
	if (!p11_list_slots(ps->m, &slots, &n, err))
		return false;
	bool found = false;
	for (size_t i = 0; i < n && !found; i++)
		if (slots[i].token_present && !strcmp(slots[i].label, ps->token_label)) {
			ps->slot = slots[i].id;
			found = true;
		}
	free(slots);
	if (!found)
		return err_set(err, ERR_INPUT, _("La carte « %s » n'est pas dans le lecteur."),
			       ps->token_label);
	CK_RV rv = ps->m->f->C_GetTokenInfo(ps->slot, ti);
	if (rv != CKR_OK)
		return rv_fail(err, rv, "C_GetTokenInfo", _("La carte ne répond pas."));
	return true;
}

static bool
ps_open(struct signer *s, struct err *err)
{
	struct p11_signer *ps = s->impl;
	if (ps->have_session) {
		CK_SESSION_INFO si;
		CK_RV rv = ps->m->f->C_GetSessionInfo(ps->sess, &si);
		if (rv == CKR_OK)
			return true;
		ps_drop_session(ps); /* card removed meanwhile: reopen below */
	}
	CK_TOKEN_INFO ti;
	if (!ps_find_slot(ps, &ti, err))
		return false;
	s->pin_state = pin_state_of(ti.flags);
	s->pinpad = ti.flags & CKF_PROTECTED_AUTHENTICATION_PATH;
	CK_RV rv = ps->m->f->C_OpenSession(ps->slot, CKF_SERIAL_SESSION, NULL, NULL, &ps->sess);
	if (rv != CKR_OK)
		return rv_fail(err, rv, "C_OpenSession", _("Ouverture d'une session sur la carte impossible."));
	ps->have_session = true;
	return true;
}

static bool
pin_fail(struct signer *s, CK_RV rv, struct err *err)
{
	struct p11_signer *ps = s->impl;
	CK_TOKEN_INFO ti;
	unsigned long flags = 0;
	if (ps->m->f->C_GetTokenInfo(ps->slot, &ti) == CKR_OK)
		flags = ti.flags;
	if (rv == CKR_PIN_LOCKED)
		flags |= CKF_USER_PIN_LOCKED;
	s->pin_state = pin_state_of(flags);
	if (s->pin_state == SIGNER_PIN_LOCKED)
		err_set(err, ERR_INPUT,
			_("Carte bloquée : le code PIN a été refusé trop de fois. Débloquez-la avec "
			  "le code PUK (outil du fournisseur de la carte)."));
	else if (s->pin_state == SIGNER_PIN_FINAL_TRY)
		err_set(err, ERR_INPUT,
			_("Code PIN incorrect. Attention : il ne reste qu'un essai avant le blocage "
			  "de la carte."));
	else if (s->pin_state == SIGNER_PIN_COUNT_LOW)
		err_set(err, ERR_INPUT,
			_("Code PIN incorrect. La carte signale des essais échoués : peu d'essais "
			  "restent avant le blocage."));
	else
		err_set(err, ERR_INPUT, _("Code PIN incorrect."));
	return err_detail(err, "C_Login: %s, token flags 0x%lx", p11_rv_name(rv), flags);
}

static bool
ps_find_key(struct signer *s, struct err *err)
{
	struct p11_signer *ps = s->impl;
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &cls, sizeof cls },
		{ CKA_ID, ps->id, ps->id_len },
	};
	CK_OBJECT_HANDLE obj[2];
	CK_ULONG found;
	CK_RV rv;
	if (!find_objects(ps->m->f, ps->sess, tmpl, 2, obj, 2, &found, &rv)) {
		if (is_gone(rv))
			return gone_fail(s, rv, "C_FindObjects", err);
		return rv_fail(err, rv, "C_FindObjects", _("Recherche de la clé privée impossible."));
	}
	if (found == 0)
		return err_set(err, ERR_INPUT,
			       _("La clé privée du certificat est introuvable sur la carte."));
	ps->key = obj[0];
	CK_BBOOL always = CK_FALSE;
	CK_KEY_TYPE kt = CKK_RSA;
	CK_ATTRIBUTE a[] = {
		{ CKA_ALWAYS_AUTHENTICATE, &always, sizeof always },
	};
	CK_ATTRIBUTE b[] = { { CKA_KEY_TYPE, &kt, sizeof kt } };
	if (ps->m->f->C_GetAttributeValue(ps->sess, ps->key, a, 1) != CKR_OK)
		always = CK_FALSE;
	if (ps->m->f->C_GetAttributeValue(ps->sess, ps->key, b, 1) != CKR_OK)
		kt = CKK_RSA;
	ps->always_auth = always == CK_TRUE;
	ps->is_ec = kt == CKK_EC;
	CK_MECHANISM_INFO mi;
	ps->has_sha256_rsa = ps->m->f->C_GetMechanismInfo(ps->slot, CKM_SHA256_RSA_PKCS, &mi) == CKR_OK &&
			     (mi.flags & CKF_SIGN);
	return true;
}

static bool
ps_begin(struct signer *s, const char *pin, struct err *err)
{
	struct p11_signer *ps = s->impl;
	if (!ps_open(s, err))
		return false;
	if (s->pin_state == SIGNER_PIN_LOCKED)
		return pin_fail(s, CKR_PIN_LOCKED, err);
	CK_RV rv = ps->m->f->C_Login(ps->sess, CKU_USER, (CK_UTF8CHAR_PTR)pin,
				     pin ? (CK_ULONG)strlen(pin) : 0);
	if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED || rv == CKR_PIN_INVALID ||
	    rv == CKR_PIN_LEN_RANGE)
		return pin_fail(s, rv, err);
	if (is_gone(rv))
		return gone_fail(s, rv, "C_Login", err);
	if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN)
		return rv_fail(err, rv, "C_Login", _("Connexion à la carte refusée."));
	ps->logged_in = true;
	s->pin_state = SIGNER_PIN_OK;
	if (!ps_find_key(s, err))
		return false;
	if (ps->always_auth && pin)
		ps->pin = secret_strdup(pin);
	log_debug("p11: logged in, always_authenticate=%d sha256_rsa=%d", ps->always_auth,
		  ps->has_sha256_rsa);
	return true;
}

static void
ps_end(struct signer *s)
{
	struct p11_signer *ps = s->impl;
	secret_free(&ps->pin);
	if (ps->have_session && ps->logged_in)
		ps->m->f->C_Logout(ps->sess);
	ps->logged_in = false;
}

static bool
ps_sign(struct signer *s, enum signer_mech mech, const unsigned char *data, size_t len,
	unsigned char **sig, size_t *sig_len, struct err *err)
{
	struct p11_signer *ps = s->impl;
	if (!ps->logged_in || !ps->have_session)
		return err_set(err, ERR_INPUT, _("La carte n'est pas ouverte (code PIN non saisi)."));
	if ((mech == SIGNER_ECDSA_SHA256) != ps->is_ec)
		return err_set(err, ERR_INPUT,
			       _("Le mécanisme de signature demandé ne convient pas à la clé."));
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	unsigned char buf[SIGNER_DIGESTINFO_SHA256_LEN];
	const unsigned char *in = data;
	CK_ULONG in_len = (CK_ULONG)len;
	if (ps->is_ec) {
		m.mechanism = CKM_ECDSA;
		SHA256(data, len, buf);
		in = buf;
		in_len = 32;
	} else if (!ps->has_sha256_rsa) {
		/* raw PKCS#1 v1.5: the token pads, we give the DigestInfo */
		m.mechanism = CKM_RSA_PKCS;
		signer_digestinfo_sha256(data, len, buf);
		in = buf;
		in_len = sizeof buf;
	}
	CK_RV rv = ps->m->f->C_SignInit(ps->sess, &m, ps->key);
	if (is_gone(rv))
		return gone_fail(s, rv, "C_SignInit", err);
	if (rv != CKR_OK)
		return rv_fail(err, rv, "C_SignInit", _("La carte refuse de signer."));
	if (ps->always_auth) {
		/* RGS** keys: a context-specific login before each signature */
		rv = ps->m->f->C_Login(ps->sess, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR_PTR)ps->pin,
				       ps->pin ? (CK_ULONG)strlen(ps->pin) : 0);
		if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED)
			return pin_fail(s, rv, err);
		if (is_gone(rv))
			return gone_fail(s, rv, "C_Login(CONTEXT_SPECIFIC)", err);
		if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN)
			return rv_fail(err, rv, "C_Login(CONTEXT_SPECIFIC)",
				       _("La carte refuse l'authentification avant signature."));
	}
	CK_ULONG out_len = 0;
	rv = ps->m->f->C_Sign(ps->sess, (CK_BYTE_PTR)in, in_len, NULL, &out_len);
	unsigned char *out = NULL;
	if (rv == CKR_OK) {
		out = xmalloc(out_len ? out_len : 1);
		rv = ps->m->f->C_Sign(ps->sess, (CK_BYTE_PTR)in, in_len, out, &out_len);
	}
	OPENSSL_cleanse(buf, sizeof buf);
	if (rv != CKR_OK) {
		free(out);
		if (is_gone(rv))
			return gone_fail(s, rv, "C_Sign", err);
		if (rv == CKR_USER_NOT_LOGGED_IN)
			ps->logged_in = false;
		return rv_fail(err, rv, "C_Sign", _("La signature par la carte a échoué."));
	}
	*sig = out;
	*sig_len = out_len;
	return true;
}

static void
ps_destroy(struct signer *s)
{
	struct p11_signer *ps = s->impl;
	secret_free(&ps->pin);
	ps_drop_session(ps);
	free(ps);
}

static const struct signer_ops p11_ops = {
	.sign = ps_sign,
	.begin = ps_begin,
	.end = ps_end,
	.destroy = ps_destroy,
};

struct signer *
p11_signer_new(struct p11_module *m, const char *token_label, struct err *err)
{
	struct p11_slot *slots;
	size_t n;
	if (!p11_list_slots(m, &slots, &n, err))
		return NULL;
	struct p11_slot *chosen = NULL;
	struct p11_cert *certs = NULL, *pick = NULL;
	size_t nc = 0;
	bool seen_token = false;
	/* pass 0: a certificate with nonRepudiation; pass 1: any certificate of
	 * the named token (the RGS check refuses it with a clear message) */
	for (int pass = 0; pass < 2 && !pick; pass++) {
		if (pass == 1 && !token_label)
			break;
		for (size_t i = 0; i < n && !pick; i++) {
			if (!slots[i].token_present)
				continue;
			if (token_label && strcmp(slots[i].label, token_label))
				continue;
			seen_token = true;
			struct err e2 = { 0 };
			p11_certs_free(&certs, nc);
			if (!p11_list_certs(m, slots[i].id, &certs, &nc, &e2))
				continue;
			for (size_t k = 0; k < nc && !pick; k++)
				if (pass == 1 || cert_is_signing(certs[k].cert))
					pick = &certs[k];
			if (pick)
				chosen = &slots[i];
		}
	}
	if (!pick) {
		p11_certs_free(&certs, nc);
		free(slots);
		if (token_label && !seen_token)
			err_set(err, ERR_NOT_FOUND, _("Aucune carte « %s » n'est présente (module %s)."),
				token_label, m->path);
		else if (token_label)
			err_set(err, ERR_NOT_FOUND, _("La carte « %s » ne contient aucun certificat."),
				token_label);
		else
			err_set(err, ERR_NOT_FOUND,
				_("Aucune carte portant un certificat de signature n'a été trouvée "
				  "(module %s). Insérez la carte, ou voyez « liasse card »."),
				m->path);
		return NULL;
	}
	struct p11_signer *ps = xcalloc(1, sizeof *ps);
	ps->m = m;
	ps->slot = chosen->id;
	str_copy(ps->token_label, sizeof ps->token_label, chosen->label);
	memcpy(ps->id, pick->id, pick->id_len);
	ps->id_len = pick->id_len;
	struct signer *s = xcalloc(1, sizeof *s);
	s->ops = &p11_ops;
	s->impl = ps;
	s->cert = X509_dup(pick->cert);
	s->needs_pin = !(chosen->flags & CKF_PROTECTED_AUTHENTICATION_PATH);
	s->pinpad = !s->needs_pin;
	s->pin_state = pin_state_of(chosen->flags);
	snprintf(s->description, sizeof s->description, _("carte « %s » (lecteur %s)"),
		 chosen->label, chosen->description);
	p11_certs_free(&certs, nc);
	free(slots);
	return s;
}
