/* The signature screen: what will be signed, with which certificate, the
 * PIN in a masked field, progress, verification, and back to the dossier
 * in its new state (core/sign_dossier.h does the work). Also the card
 * state of the status line, fed by the PC/SC watcher's fd in ui_loop().
 *
 * The signer comes from the configuration file ($XDG_CONFIG_HOME/liasse/
 * config): "pkcs11-module PATH" (else LIASSE_PKCS11_MODULE, else
 * p11-kit's proxy), "token LABEL" (else the first token with a signing
 * certificate), or "key KEY.pem" + "cert CERT.pem" for a software key;
 * "city", "postal-code" and "role" fill the XAdES production place and
 * claimed role when the base has none (the entity's place, the user's
 * role: core/sign_profil.h); "crl FILE" is the CRL a revoked certificate
 * is looked up in (a warning, and a confirmation before signing); "ca
 * DIR|FILE" the CA certificates the signer's certificate must chain to
 * (else no signature). */
#include "tui/view_sign.h"

#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <openssl/crypto.h>

#include "core/cert.h"
#include "core/i18n.h"
#include "core/log.h"
#include "core/sign_dossier.h"
#include "core/sign_profil.h"
#include "pkcs11/p11.h"
#include "pkcs11/pcsc.h"
#include "tui/draw.h"
#include "tui/text.h"
#include "tui/tui.h"
#include "tui/ui.h"

#define PIN_MAX 64

struct sline {
	char *label, *value;
	enum theme_elem elem;
};

struct sign_view {
	int64_t id;
	struct sign_dossier_plan plan;
	struct p11_module *module;
	struct signer *signer;
	char signer_problem[512]; /* no card, unfit certificate: French */
	bool cert_ok;
	char *pin;                /* PIN_MAX bytes, locked, wiped after use */
	size_t pinlen;
	char status[512];
	bool status_error;
	size_t done, total;       /* progress while signing */
	struct sign_conf conf;
	char revoked[768];        /* « Certificat révoqué … », or the CRL unread */
	bool is_revoked;          /* the CRL lists the certificate */
	struct sline *l;
	size_t n;
	size_t pin_row;
};

/* ---- lines of the screen ----------------------------------------------- */

static void
lines_clear(struct sign_view *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->l[i].label), free(d->l[i].value);
	free(d->l);
	d->l = NULL;
	d->n = 0;
}

static void
line(struct sign_view *d, enum theme_elem e, const char *label, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
line(struct sign_view *d, enum theme_elem e, const char *label, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char buf[1024];
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	d->l = xrealloc(d->l, (d->n + 1) * sizeof *d->l);
	d->l[d->n++] = (struct sline){ xstrdup(label), xstrdup(buf), e };
}

static const char *
taille_fr(long long n, char *buf, size_t len)
{
	if (n >= 1024 * 1024)
		snprintf(buf, len, _("%.1f Mo"), (double)n / (1024.0 * 1024.0));
	else if (n >= 1024)
		snprintf(buf, len, _("%.1f Ko"), (double)n / 1024.0);
	else
		snprintf(buf, len, _("%lld octets"), n);
	return buf;
}

static void
build_lines(struct sign_view *d)
{
	lines_clear(d);
	const struct sign_dossier_plan *p = &d->plan;
	char sz[32];
	line(d, EL_HEADER, _("Dossier"), "%s", p->titre[0] ? p->titre : _("(sans titre)"));
	line(d, EL_DEFAULT, _("État"), _("%s → après signature : Signature récupérée"),
	     p->etat_label);
	line(d, EL_DEFAULT, _("Fichier"), "%s (%s)", p->nom, taille_fr(p->taille, sz, sizeof sz));
	if (!p->pes)
		line(d, EL_DEFAULT, _("À signer"), _("le document (signature CAdES détachée, .p7s)"));
	else if (p->xplan.global)
		line(d, EL_DEFAULT, _("À signer"), _("le fichier entier (PES_Aller %s), une signature"),
		     p->xplan.root_id);
	else
		line(d, EL_DEFAULT, _("À signer"), _("%zu bordereau(x), une signature XAdES chacun"),
		     p->xplan.n_targets);
	if (p->pes) {
		struct xades_sign_opts xo;
		sign_dossier_opts(p, NULL, &xo);
		if (xo.city || xo.postal_code)
			line(d, EL_DEFAULT, _("Lieu"), _("%s %s, France · qualité : %s"),
			     xo.postal_code ? xo.postal_code : "", xo.city ? xo.city : "", xo.role);
		else
			line(d, EL_DEFAULT, _("Lieu"), _("France (ville non réglée) · qualité : %s"), xo.role);
	}
	if (p->pes && !p->xplan.dematerialised)
		line(d, EL_ERROR, _("Attention"),
		     _("InfoDematerialisee absent ou à 0 : la DGFiP rejette un flux signé dans ce cas"));
	line(d, EL_HEADER, _("Certificat"), "%s", d->signer ? d->signer->description : "");
	if (d->signer) {
		struct cert_info ci;
		cert_describe(signer_cert(d->signer), &ci);
		line(d, EL_DEFAULT, _("Titulaire"), "%s%s%s%s", ci.holder, ci.organization[0] ? " (" : "",
		     ci.organization, ci.organization[0] ? ")" : "");
		line(d, EL_DEFAULT, _("Émetteur"), "%s", ci.issuer_cn[0] ? ci.issuer_cn : ci.issuer);
		line(d, EL_DEFAULT, _("Validité"), _("du %s au %s"), ci.not_before, ci.not_after);
		line(d, EL_DEFAULT, _("Usages"), "%s", ci.key_usage[0] ? ci.key_usage : _("(non précisés)"));
	}
	if (d->signer_problem[0])
		line(d, EL_ERROR, _("Refusé"), "%s", d->signer_problem);
	if (d->revoked[0])
		line(d, EL_ERROR, _("Attention"), "%s", d->revoked);
	if (d->signer && d->cert_ok && d->signer->pin_state == SIGNER_PIN_FINAL_TRY)
		line(d, EL_ERROR, _("Attention"), _("dernier essai de code PIN avant le blocage de la carte"));
	else if (d->signer && d->cert_ok && d->signer->pin_state == SIGNER_PIN_COUNT_LOW)
		line(d, EL_ERROR, _("Attention"), _("la carte signale des essais de code PIN échoués"));
	d->pin_row = d->n;
	if (d->signer && d->cert_ok && d->signer->needs_pin) {
		char mask[PIN_MAX + 1];
		memset(mask, '*', d->pinlen);
		mask[d->pinlen] = '\0';
		line(d, EL_FIELD_EDIT, _("Code PIN"), "%s", mask);
	} else if (d->signer && d->cert_ok && d->signer->pinpad) {
		line(d, EL_MESSAGE, _("Code PIN"), _("à saisir sur le clavier du lecteur"));
	}
	if (d->total > 1 && !d->status[0])
		line(d, EL_MESSAGE, _("Progression"), _("signature %zu/%zu"), d->done, d->total);
	if (d->status[0])
		line(d, d->status_error ? EL_ERROR : EL_MESSAGE, "", "%s", d->status);
}

/* ---- signer ------------------------------------------------------------ */

static void
signer_close(struct sign_view *d)
{
	signer_free(&d->signer);
	p11_module_close(&d->module);
}

/* Opens the configured signer and checks its certificate; the problem
 * (no card, unfit certificate) is kept for the screen. */
static void
signer_open(struct sign_view *d)
{
	signer_close(d);
	d->signer_problem[0] = '\0';
	d->revoked[0] = '\0';
	d->is_revoked = false;
	d->cert_ok = false;
	struct err err = { 0 };
	char key[1024] = "", cert[1024] = "", mod[1024] = "", token[128] = "";
	if (sign_conf_get("key", key, sizeof key) && sign_conf_get("cert", cert, sizeof cert)) {
		d->signer = signer_soft_new(key, cert, &err);
	} else {
		if (!sign_conf_get("pkcs11-module", mod, sizeof mod) && getenv("LIASSE_PKCS11_MODULE"))
			str_copy(mod, sizeof mod, getenv("LIASSE_PKCS11_MODULE"));
		sign_conf_get("token", token, sizeof token);
		d->module = p11_module_open(mod[0] ? mod : NULL, &err);
		if (d->module)
			d->signer = p11_signer_new(d->module, token[0] ? token : NULL, &err);
	}
	if (!d->signer) {
		signer_close(d);
		snprintf(d->signer_problem, sizeof d->signer_problem, "%s",
			 err.msg[0] ? err.msg : _("aucune carte de signature"));
		if (err.detail[0])
			log_info("signer: %s", err.detail);
		return;
	}
	if (!cert_check_signing(signer_cert(d->signer), time(NULL), &err)) {
		snprintf(d->signer_problem, sizeof d->signer_problem, "%s", err.msg);
		return;
	}
	if (d->conf.ca[0] && !cert_check_signing_chain(signer_cert(d->signer), d->conf.ca, &err)) {
		snprintf(d->signer_problem, sizeof d->signer_problem, "%s", err.msg);
		return;
	}
	if (d->conf.crl[0] &&
	    !cert_check_revocation(signer_cert(d->signer), d->conf.crl, time(NULL), &d->is_revoked,
				   d->revoked, sizeof d->revoked, &err))
		snprintf(d->revoked, sizeof d->revoked, _("%s Révocation non vérifiée."), err.msg);
	if (d->signer->needs_pin && d->signer->pin_state == SIGNER_PIN_LOCKED) {
		snprintf(d->signer_problem, sizeof d->signer_problem, "%s",
			 _("Carte bloquée : le code PIN a été refusé trop de fois. Débloquez-la avec "
			   "le code PUK."));
		return;
	}
	d->cert_ok = true;
}

static void
pin_wipe(struct sign_view *d)
{
	if (d->pin)
		OPENSSL_cleanse(d->pin, PIN_MAX);
	d->pinlen = 0;
}

/* ---- the view ---------------------------------------------------------- */

static bool
sign_open(struct view *v, struct err *err)
{
	struct sign_view *d = v->data;
	if (!d->plan.path[0]) {
		if (ui.db_lost || !ui.db)
			return err_set(err, ERR_DB_CONNECT, _("Connexion à la base perdue."));
		if (!sign_dossier_prepare(ui.db, d->id, &d->plan, err))
			return false;
		sign_conf_load(&d->conf);
		sign_dossier_fallback(&d->plan, d->conf.city, d->conf.postal_code, d->conf.role);
		signer_open(d);
	}
	build_lines(d);
	return true;
}

static void
sign_close(struct view *v)
{
	struct sign_view *d = v->data;
	pin_wipe(d);
	if (d->pin) {
		munlock(d->pin, PIN_MAX);
		free(d->pin);
	}
	signer_close(d);
	sign_dossier_plan_free(&d->plan);
	lines_clear(d);
	free(d);
}

static size_t
sign_rows(struct view *v)
{
	return ((struct sign_view *)v->data)->n;
}

static void
sign_row(struct view *v, size_t i, struct row *r)
{
	struct sign_view *d = v->data;
	struct sline *l = &d->l[i];
	r->heading = i != d->pin_row;
	r->elem = l->elem == EL_HEADER ? EL_HEADER : EL_DEFAULT;
	row_add(r, l->label, 14, l->elem == EL_HEADER ? EL_HEADER : EL_LABEL);
	row_add(r, l->value, 0, l->elem == EL_HEADER ? EL_HEADER : l->elem);
}

static void
sign_title(struct view *v, struct strbuf *sb)
{
	struct sign_view *d = v->data;
	sb_printf(sb, _("Signature · %s"), d->plan.titre[0] ? d->plan.titre : d->plan.type);
}

static void
sign_position(struct view *v, struct strbuf *sb)
{
	(void)v;
	sb_add(sb, _("Entrée : signer · Échap : annuler"));
}

static bool
sign_cursor_pos(struct view *v, int *y, int *x)
{
	struct sign_view *d = v->data;
	if (d->pin_row >= d->n || d->l[d->pin_row].elem != EL_FIELD_EDIT)
		return false;
	*y = v->body_y + (int)(d->pin_row - v->top);
	*x = 15 + (int)d->pinlen;
	return *y >= v->body_y && *y < v->body_y + v->body_h;
}

static void
show(struct sign_view *d, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
show(struct sign_view *d, bool error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->status, sizeof d->status, fmt, ap);
	va_end(ap);
	d->status_error = error;
	build_lines(d);
}

/* Draws the screen now (the main loop is busy signing). */
static void
flush(void)
{
	draw_screen();
	doupdate();
}

static void
progress(void *data, size_t done, size_t total)
{
	struct view *v = data;
	struct sign_view *d = v->data;
	d->done = done;
	d->total = total;
	d->status[0] = '\0';
	build_lines(d);
	flush();
}

static void
do_sign(struct view *v)
{
	struct sign_view *d = v->data;
	struct err err = { 0 };
	if (!d->signer || !d->cert_ok) {
		show(d, true, "%s", d->signer_problem[0] ? d->signer_problem : _("Pas de certificat utilisable."));
		return;
	}
	if (d->signer->needs_pin && d->pinlen == 0) {
		show(d, true, _("Saisissez le code PIN de la carte, puis Entrée."));
		return;
	}
	if (ui.db_lost || !ui.db) {
		show(d, true, _("Connexion à la base perdue : la signature attendra son retour."));
		return;
	}
	if (d->is_revoked && !ui_confirm(_("Certificat révoqué : signer quand même ?"))) {
		pin_wipe(d);
		show(d, true, _("Signature abandonnée : certificat révoqué."));
		return;
	}
	show(d, false, d->signer->pinpad ? _("Saisissez le code PIN sur le lecteur…")
					  : _("Signature en cours…"));
	flush();
	/* The PIN is given to the card once, then wiped, whatever happens. */
	if (d->pin)
		d->pin[d->pinlen] = '\0';
	bool ok = signer_begin(d->signer, d->signer->needs_pin ? d->pin : NULL, &err);
	pin_wipe(d);
	if (!ok) {
		if (d->signer->pin_state == SIGNER_PIN_LOCKED)
			d->cert_ok = false;
		show(d, true, "%s", err.msg);
		if (err.detail[0])
			log_info("signer_begin: %s", err.detail);
		return;
	}
	/* Place and role: the base's, else the configuration's (in the plan). */
	struct xades_sign_opts xo = { .progress = progress, .progress_data = v };
	struct sign_dossier_result res;
	ok = sign_dossier_run(ui.db, &d->plan, d->signer, &xo, &res, &err);
	signer_end(d->signer);
	d->done = d->total = 0;
	if (!ok) {
		if (err.code == ERR_DB_CONNECT)
			ui_db_lost();
		if (err.detail[0])
			log_info("signature: %s", err.detail);
		show(d, true, _("%s Le dossier n'a pas changé."), err.msg);
		return;
	}
	struct strbuf msg = STRBUF_INIT;
	sb_printf(&msg, _("Signé par %s : %zu signature(s) vérifiée(s), état « %s »."), res.signer,
		  res.n_signatures, res.etat_label);
	ui_pop();
	ui_message(false, "%s", sb_str(&msg));
	sb_free(&msg);
}

static bool
sign_key(struct view *v, int key)
{
	struct sign_view *d = v->data;
	if (key == (KEY_FN | KEY_ENTER) || key == '\r' || key == '\n') {
		do_sign(v);
		return true;
	}
	if (!d->signer || !d->cert_ok || !d->signer->needs_pin)
		return false;
	if (key == (KEY_FN | KEY_BACKSPACE) || key == 127 || key == 8) {
		if (d->pinlen > 0)
			d->pin[--d->pinlen] = '\0';
	} else if (key == 21) { /* ^U */
		pin_wipe(d);
	} else if (!KEY_IS_FN(key) && key > 0x20 && key < 0x7f) {
		if (d->pinlen + 1 < PIN_MAX)
			d->pin[d->pinlen++] = (char)key;
	} else {
		return false;
	}
	d->status[0] = '\0';
	build_lines(d);
	return true;
}

static bool
sign_request(struct view *v, enum action a)
{
	struct sign_view *d = v->data;
	if (a != ACT_REFRESH)
		return a == ACT_ENTER || a == ACT_EDIT || a == ACT_ACTION;
	/* F5: look for the card again (inserted after the screen opened). */
	pin_wipe(d);
	d->status[0] = '\0';
	signer_open(d);
	build_lines(d);
	return true;
}

static void
sign_notify(struct view *v, const char *channel, const char *payload)
{
	struct sign_view *d = v->data;
	(void)payload;
	/* A card inserted or removed: take it (or forget it) without a key. */
	if (strcmp(channel, "carte") == 0) {
		pin_wipe(d);
		signer_open(d);
		build_lines(d);
	}
}

static const enum action sign_keys[] = { ACT_REFRESH, ACT_NONE };

static const struct view_ops sign_ops = {
	.name = "signature",
	.keymap = KEYMAP_DOSSIER,
	.open = sign_open,
	.close = sign_close,
	.rows = sign_rows,
	.row = sign_row,
	.title = sign_title,
	.position = sign_position,
	.request = sign_request,
	.key = sign_key,
	.notify = sign_notify,
	.cursor_pos = sign_cursor_pos,
	.keybar = sign_keys,
};

void
tui_open_sign(int64_t id)
{
	struct sign_view *d = xcalloc(1, sizeof *d);
	d->id = id;
	d->pin = xcalloc(1, PIN_MAX);
	if (mlock(d->pin, PIN_MAX) != 0)
		log_debug("mlock of the PIN buffer failed");
	ui_push(view_new(&sign_ops, d));
}

/* ---- card state in the status line --------------------------------------- */

#define MAX_READERS 8

static struct {
	struct pcsc_watch *w;
	struct { char name[128]; bool card; } r[MAX_READERS];
	size_t n;
	char last_removed[128];
} card;

static void
card_status(void)
{
	size_t with = MAX_READERS;
	for (size_t i = 0; i < card.n && with == MAX_READERS; i++)
		if (card.r[i].card)
			with = i;
	struct strbuf sb = STRBUF_INIT;
	if (!card.w)
		sb_add(&sb, "");
	else if (card.n == 0)
		sb_add(&sb, _("aucun lecteur"));
	else if (with < MAX_READERS)
		sb_printf(&sb, _("présente — %s"), card.r[with].name);
	else if (card.last_removed[0])
		sb_printf(&sb, _("retirée — %s"), card.last_removed);
	else
		sb_printf(&sb, _("absente — %s"), card.r[0].name);
	str_copy(ui.card, sizeof ui.card, sb_str(&sb));
	sb_free(&sb);
}

static size_t
card_reader(const char *name, bool add)
{
	for (size_t i = 0; i < card.n; i++)
		if (strcmp(card.r[i].name, name) == 0)
			return i;
	if (!add || card.n == MAX_READERS)
		return MAX_READERS;
	str_copy(card.r[card.n].name, sizeof card.r[card.n].name, name);
	card.r[card.n].card = false;
	return card.n++;
}

extern int ui_extra_fd;
extern void (*ui_extra_ready)(void);

static void
card_events(void)
{
	struct pcsc_event ev;
	int r;
	bool changed = false;
	while ((r = pcsc_watch_next(card.w, &ev)) == 1) {
		size_t i = card_reader(ev.reader, ev.kind != PCSC_READER_REMOVED);
		log_debug("card: %s %s", pcsc_event_text(ev.kind), ev.reader);
		switch (ev.kind) {
		case PCSC_READER_ADDED:
			break;
		case PCSC_READER_REMOVED:
			if (i < MAX_READERS)
				card.r[i] = card.r[--card.n];
			break;
		case PCSC_CARD_INSERTED:
			if (i < MAX_READERS)
				card.r[i].card = true;
			card.last_removed[0] = '\0';
			changed = true;
			break;
		case PCSC_CARD_REMOVED:
			if (i < MAX_READERS)
				card.r[i].card = false;
			str_copy(card.last_removed, sizeof card.last_removed, ev.reader);
			changed = true;
			break;
		case PCSC_SERVICE_LOST:
			r = -1;
			break;
		}
		if (r < 0)
			break;
	}
	if (r < 0) {
		/* pcscd went away: stop watching, say nothing more. */
		sign_card_watch_stop();
	}
	card_status();
	struct view *v = ui_top();
	if (changed && v && v->ops->notify && v->ops->name && strcmp(v->ops->name, "signature") == 0)
		v->ops->notify(v, "carte", "");
}

void
sign_card_watch_start(void)
{
	struct err err = { 0 };
	struct pcsc_reader *rd = NULL;
	size_t n = 0;
	if (!pcsc_list(&rd, &n, &err)) {
		log_info("no PC/SC service: %s", err.detail[0] ? err.detail : err.msg);
		return;
	}
	card.n = 0;
	for (size_t i = 0; i < n; i++)
		card_reader(rd[i].name, true);
	free(rd);
	card.w = pcsc_watch_start(&err);
	if (!card.w) {
		log_info("PC/SC watcher: %s", err.detail[0] ? err.detail : err.msg);
		return;
	}
	ui_extra_fd = pcsc_watch_fd(card.w);
	ui_extra_ready = card_events;
	card_status();
}

void
sign_card_watch_stop(void)
{
	ui_extra_fd = -1;
	ui_extra_ready = NULL;
	pcsc_watch_stop(&card.w);
	card.n = 0;
	card_status();
}
