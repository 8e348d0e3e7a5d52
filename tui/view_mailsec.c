/* Tracking of one mail sécurisé (mailsec-bidir dossier): the recipients
 * (type, address, sending, last sending, number of sendings, reading,
 * answer, error) and the answers with their files, as two tabs; live
 * (NOTIFY liasse_dossier). a: resend to the selected recipient or to all,
 * or "Définir comme non reçu"; Entrée on a file of an answer saves it.
 * Opened by tui_open_mailsec(id), key s of a mailsec-bidir dossier. Also
 * the announce of answers on the message line (liasse_mailsec_reponse). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/i18n.h"
#include "core/mailsec.h"
#include "tui/text.h"
#include "tui/tui.h"
#include "tui/ui.h"

void tui_open_mailsec(int64_t id);
void tui_mailsec_listen(void);
void tui_mailsec_notice(const char *payload);

/* LISTEN liasse_mailsec_reponse on the TUI's connection, once per
 * connection (again after a reconnection). */
void
tui_mailsec_listen(void)
{
	static const void *conn;
	static int pid;
	if (!ui.db || !ui.db->conn || ui.db_lost)
		return;
	if (conn == ui.db->conn && pid == PQbackendPID(ui.db->conn))
		return;
	struct err err = { 0 };
	if (tui_exec("LISTEN liasse_mailsec_reponse", 0, NULL, &err)) {
		conn = ui.db->conn;
		pid = PQbackendPID(ui.db->conn);
	}
}

/* A recipient validated an answer (payload entite:dossier:destinataire):
 * the message line says who answered what, when this agent may read it. */
void
tui_mailsec_notice(const char *payload)
{
	const char *c = payload ? strrchr(payload, ':') : NULL;
	char dest[32];
	if (!c || !c[1] || strlen(c + 1) >= sizeof dest || strspn(c + 1, "0123456789") != strlen(c + 1))
		return;
	str_copy(dest, sizeof dest, c + 1);
	const char *p[] = { dest };
	struct err err = { 0 };
	PGresult *r = tui_query("SELECT coalesce(nullif(description, ''), email), objet "
				"FROM liasse.mailsec_reponse_notice($1)", 1, p, &err);
	if (!r)
		return;
	if (PQntuples(r) == 1)
		ui_message(false, _("Réponse de %s à « %s »"), PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1));
	PQclear(r);
}

struct mline {
	char *c[8];
	enum theme_elem elem;
	bool heading;
};

struct mailsec_view {
	long long id;
	size_t tab; /* 0 recipients, 1 answers */
	char title[300];
	char counts[200];
	struct mline *l;
	size_t n;
	PGresult *dest;
};

static void
mlines_clear(struct mailsec_view *m)
{
	for (size_t i = 0; i < m->n; i++)
		for (int k = 0; k < 8; k++)
			free(m->l[i].c[k]);
	free(m->l);
	m->l = NULL;
	m->n = 0;
}

/* A line of the answers tab; FILE: id and name of an answer's file. */
static void
mline(struct mailsec_view *m, enum theme_elem e, bool heading, const char *a, const char *b,
      const char *file, const char *name)
{
	m->l = xrealloc(m->l, (m->n + 1) * sizeof(*m->l));
	struct mline *x = &m->l[m->n++];
	memset(x, 0, sizeof *x);
	x->c[0] = xstrdup(a ? a : "");
	x->c[1] = xstrdup(b ? b : "");
	x->c[2] = xstrdup(file ? file : "");
	x->c[3] = xstrdup(name ? name : "");
	x->elem = e;
	x->heading = heading;
}

static bool
mailsec_open(struct view *v, struct err *err)
{
	struct mailsec_view *m = v->data;
	char id[32];
	snprintf(id, sizeof id, "%lld", m->id);
	const char *p[] = { id };
	tui_mailsec_listen();
	PGresult *h = tui_query("SELECT d.titre, liasse.dossier_etat_label(d.type, d.type_version, d.etat), "
				"coalesce(liasse.dossier_values_text(d.id, 'sent_mail_number'), '0'), "
				"coalesce(liasse.dossier_values_text(d.id, 'sent_mail_read'), '0'), "
				"coalesce(liasse.dossier_values_text(d.id, 'sent_mail_answered'), '0') "
				"FROM liasse.dossier d WHERE d.id = $1", 1, p, err);
	if (!h)
		return false;
	if (PQntuples(h) == 1) {
		snprintf(m->title, sizeof m->title, _("%s · %s"), PQgetvalue(h, 0, 0), PQgetvalue(h, 0, 1));
		snprintf(m->counts, sizeof m->counts, _("%s destinataire(s), %s lu(s), %s réponse(s)"),
			 PQgetvalue(h, 0, 2), PQgetvalue(h, 0, 3), PQgetvalue(h, 0, 4));
	}
	PQclear(h);
	/* Dates without the year: a convocation is followed for days. */
	PGresult *r = tui_query("SELECT id, CASE type WHEN 'to' THEN 'À' WHEN 'cc' THEN 'Cc' ELSE 'Cci' END, "
				"CASE WHEN description <> '' THEN description || ' <' || email || '>' ELSE email END, "
				"coalesce(to_char(envoye_at, 'DD/MM HH24:MI'), ''), "
				"coalesce(to_char(renvoye_at, 'DD/MM HH24:MI'), ''), nb_envois::text, "
				"coalesce(to_char(lu_at, 'DD/MM HH24:MI'), 'non'), "
				"coalesce(to_char(repondu_at, 'DD/MM HH24:MI'), ''), "
				"coalesce(erreur, CASE WHEN NOT lien_actif AND nb_envois > 0 THEN 'lien désactivé' ELSE '' END), "
				"email, repondu_at IS NOT NULL "
				"FROM liasse.mailsec_destinataires($1)", 1, p, err);
	if (!r)
		return false;
	PQclear(m->dest);
	m->dest = r;
	mlines_clear(m);
	for (int i = 0; i < PQntuples(r); i++) {
		if (PQgetvalue(r, i, 10)[0] != 't')
			continue;
		const char *pd[] = { PQgetvalue(r, i, 0) };
		PGresult *a = tui_query("SELECT to_char(repondu_at, 'DD/MM/YYYY HH24:MI'), reponse "
					"FROM liasse.mailsec_reponse($1)", 1, pd, err);
		PGresult *f = a ? tui_query("SELECT nom, mime, taille::text, id::text FROM liasse.mailsec_reponse_fichiers($1)",
					    1, pd, err) : NULL;
		if (!f) {
			if (a)
				PQclear(a);
			return false;
		}
		char head[400];
		snprintf(head, sizeof head, _("%s — %s"), PQgetvalue(r, i, 9), PQgetvalue(a, 0, 0));
		mline(m, EL_DEFAULT, true, head, "", NULL, NULL);
		char *text = xstrdup(PQgetvalue(a, 0, 1));
		for (char *s = text, *nl; s; s = nl) {
			nl = strchr(s, '\n');
			if (nl)
				*nl++ = '\0';
			mline(m, EL_DEFAULT, false, "  ", s, NULL, NULL);
		}
		free(text);
		for (int k = 0; k < PQntuples(f); k++) {
			char fl[400];
			snprintf(fl, sizeof fl, _("fichier : %s (%s, %s octets)"), PQgetvalue(f, k, 0), PQgetvalue(f, k, 1),
				 PQgetvalue(f, k, 2));
			mline(m, EL_DATE, false, "  ", fl, PQgetvalue(f, k, 3), PQgetvalue(f, k, 0));
		}
		PQclear(a);
		PQclear(f);
	}
	view_fix_cursor(v);
	return true;
}

static void
mailsec_close(struct view *v)
{
	struct mailsec_view *m = v->data;
	mlines_clear(m);
	PQclear(m->dest);
	free(m);
}

static size_t
mailsec_rows(struct view *v)
{
	struct mailsec_view *m = v->data;
	if (m->tab == 1)
		return m->n;
	return m->dest ? (size_t)PQntuples(m->dest) : 0;
}

/* 80 columns: type, address, sent, last sent, sendings, read, answered;
 * the error takes the rest (in place of reading and answer, which a
 * refused or disabled recipient has not). */
static const int widths[] = { 4, 23, 11, 11, 2, 11, 11, 0 };

static int
address_width(void)
{
	int used = 0;
	for (int c = 0; c < 7; c++)
		used += c == 1 ? 0 : widths[c] + 1;
	return ui.cols - used - 1 > widths[1] ? ui.cols - used - 1 : widths[1];
}

static void
mailsec_row(struct view *v, size_t i, struct row *r)
{
	struct mailsec_view *m = v->data;
	if (m->tab == 1) {
		r->heading = m->l[i].heading;
		row_add(r, m->l[i].c[0], m->l[i].heading ? 0 : 2, m->l[i].elem);
		if (!m->l[i].heading)
			row_add(r, m->l[i].c[1], 0, m->l[i].elem);
		return;
	}
	const char *error = PQgetvalue(m->dest, (int)i, 8);
	int aw = address_width();
	for (int c = 0; c < 8; c++) {
		if (c == 5 && error[0]) {
			row_add(r, error, 0, EL_ERROR);
			break;
		}
		const char *text = PQgetvalue(m->dest, (int)i, c + 1);
		/* "Description <address>" when it fits, else the address alone. */
		if (c == 1 && ui_text_width(text) > aw)
			text = PQgetvalue(m->dest, (int)i, 9);
		row_add(r, text, c == 1 ? aw : widths[c], EL_DEFAULT);
		r->c[r->n - 1].right = c == 4;
	}
}

static void
mailsec_header(struct view *v, struct row *r)
{
	struct mailsec_view *m = v->data;
	if (m->tab == 1)
		return;
	static const char *const cols[] = { N_("Type"), N_("Destinataire"), N_("Envoi"), N_("Dernier"),
					    N_("Nb"), N_("Lecture"), N_("Réponse"), N_("Erreur") };
	for (int c = 0; c < 8; c++)
		row_add(r, _(cols[c]), c == 1 ? address_width() : widths[c], EL_DEFAULT);
}

static void
mailsec_tabs(struct view *v, struct row *r)
{
	struct mailsec_view *m = v->data;
	static const char *const labels[] = { N_("Destinataires"), N_("Réponses") };
	for (size_t i = 0; i < 2; i++)
		row_addf(r, ui_text_width(_(labels[i])) + 2, i == m->tab ? EL_TAB_ACTIVE : EL_TAB, " %s ",
			 _(labels[i]));
	row_addf(r, 0, EL_COUNT, "  %s", m->counts);
}

static void
mailsec_title(struct view *v, struct strbuf *sb)
{
	struct mailsec_view *m = v->data;
	sb_add(sb, m->title);
}

static void
mailsec_position(struct view *v, struct strbuf *sb)
{
	struct mailsec_view *m = v->data;
	sb_add(sb, m->tab == 1 ? _("Entrée sur un fichier : l'enregistrer") : _("a : envoyer à nouveau, non reçu · Tab : réponses"));
}

/* Enter on a file of an answer: saved on this machine. */
static void
save_file(const struct mline *l)
{
	char q[400];
	snprintf(q, sizeof q, _("Enregistrer « %s » sous :"), l->c[3]);
	char *path = ui_prompt(q, l->c[3]);
	if (!path || !*path) {
		free(path);
		return;
	}
	snprintf(q, sizeof q, _("« %s » existe déjà : le remplacer ?"), path);
	struct err err = { 0 };
	if (access(path, F_OK) == 0 && !ui_confirm(q))
		;
	else if (mailsec_reponse_fichier_save(ui.db, l->c[2], path, &err))
		ui_message(false, _("Fichier enregistré : %s"), path);
	else
		ui_error(&err);
	free(path);
}

static bool
mailsec_request(struct view *v, enum action act)
{
	struct mailsec_view *m = v->data;
	struct err err = { 0 };
	switch (act) {
	case ACT_NEXT_TAB:
	case ACT_PREV_TAB:
		m->tab = 1 - m->tab;
		v->cursor = v->top = 0;
		view_fix_cursor(v);
		return true;
	case ACT_ENTER:
		if (m->tab == 1 && v->cursor < m->n && m->l[v->cursor].c[2][0]) {
			save_file(&m->l[v->cursor]);
			return true;
		}
		if (m->tab == 0 && v->cursor < mailsec_rows(v) && PQgetvalue(m->dest, (int)v->cursor, 10)[0] == 't') {
			m->tab = 1;
			v->cursor = v->top = 0;
			view_fix_cursor(v);
		}
		return true;
	case ACT_ACTION: {
		bool sel = m->tab == 0 && v->cursor < mailsec_rows(v);
		char one[300];
		snprintf(one, sizeof one, _("Envoyer à nouveau à %s"), sel ? PQgetvalue(m->dest, (int)v->cursor, 9) : "");
		const char *labels[] = { _("Envoyer à nouveau à tous"), _("Définir comme non reçu"), one };
		int k = ui_pick(_("Mail sécurisé"), labels, sel ? 3 : 2, 0);
		char id[32];
		snprintf(id, sizeof id, "%lld", m->id);
		if (k == 0 || k == 2) {
			const char *p[] = { id, k == 2 ? PQgetvalue(m->dest, (int)v->cursor, 0) : NULL };
			if (tui_exec("SELECT * FROM liasse.mailsec_renvoyer($1, $2)", 2, p, &err))
				ui_message(false, _("Envoi programmé : le démon enverra les messages."));
			else
				ui_error(&err);
		} else if (k == 1) {
			if (!ui_confirm(_("Les destinataires qui n'ont pas encore lu le message ne pourront plus le consulter. Continuer ?")))
				return true;
			const char *p[] = { id };
			if (tui_exec("SELECT * FROM liasse.dossier_action($1, 'non-recu')", 1, p, &err))
				ui_message(false, _("Mail défini comme non reçu."));
			else
				ui_error(&err);
		}
		break;
	}
	default:
		return false;
	}
	if (!mailsec_open(v, &err))
		ui_error(&err);
	return true;
}

static void
mailsec_notify(struct view *v, const char *channel, const char *payload)
{
	struct mailsec_view *m = v->data;
	(void)channel;
	/* payload: entite:dossier:etat */
	const char *c = payload ? strchr(payload, ':') : NULL;
	if (c && strtoll(c + 1, NULL, 10) != m->id)
		return;
	struct err err = { 0 };
	if (!mailsec_open(v, &err))
		ui_error(&err);
}

static const enum action mailsec_keys[] = { ACT_ACTION, ACT_NEXT_TAB, ACT_ENTER, ACT_NONE };

static const struct view_ops mailsec_ops = {
	.name = "mailsec",
	.keymap = KEYMAP_DOSSIER,
	.open = mailsec_open,
	.close = mailsec_close,
	.rows = mailsec_rows,
	.row = mailsec_row,
	.header = mailsec_header,
	.tabs = mailsec_tabs,
	.title = mailsec_title,
	.position = mailsec_position,
	.request = mailsec_request,
	.notify = mailsec_notify,
	.keybar = mailsec_keys,
};

void
tui_open_mailsec(int64_t id)
{
	struct mailsec_view *m = xcalloc(1, sizeof *m);
	m->id = (long long)id;
	ui_push(view_new(&mailsec_ops, m));
}
