/* Terminal discipline, main loop and view stack (see ui.h). */
#include "tui/ui.h"

#include <curses.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/i18n.h"
#include "core/log.h"
#include "tui/draw.h"
#include "tui/edit.h"
#include "tui/text.h"

struct ui ui;
static volatile sig_atomic_t curses_active;

long long
ui_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
ui_shutdown(void)
{
	if (!curses_active)
		return;
	curses_active = 0;
	endwin();
}

static void
on_fatal_signal(int sig)
{
	/* Restore the terminal first, then die the way the signal meant. */
	ui_shutdown();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
install_signals(void)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGSEGV,
				    SIGABRT, SIGBUS, SIGFPE, SIGILL };
	struct sigaction sa = { 0 };
	sa.sa_handler = on_fatal_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

bool
ui_start_terminal(void);

bool
ui_start_terminal(void)
{
	/* The real window size wins over LINES/COLUMNS, also on resize
	 * (ncurses would otherwise keep the environment's size forever). */
	unsetenv("LINES");
	unsetenv("COLUMNS");
	use_tioctl(TRUE);
	if (!initscr())
		return false;
	curses_active = 1;
	die_callback = ui_shutdown;
	install_signals();
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	/* Home/End as sent by tmux, screen, rxvt and the Linux console,
	 * whatever TERM says. */
	static const struct { const char *seq; int key; } extra[] = {
		{ "\033[1~", KEY_HOME }, { "\033[7~", KEY_HOME }, { "\033[H", KEY_HOME },
		{ "\033OH", KEY_HOME }, { "\033[4~", KEY_END }, { "\033[8~", KEY_END },
		{ "\033[F", KEY_END }, { "\033OF", KEY_END },
	};
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
		if (key_defined(extra[i].seq) <= 0)
			define_key(extra[i].seq, extra[i].key);
	idlok(stdscr, TRUE);
	leaveok(stdscr, FALSE);
	curs_set(0);
	getmaxyx(stdscr, ui.lines, ui.cols);
	return true;
}

struct view *
ui_top(void)
{
	return ui.depth > 0 ? ui.stack[ui.depth - 1] : NULL;
}

bool
ui_push(struct view *v)
{
	struct err err = { 0 };
	if (ui.depth == UI_MAX_VIEWS) {
		view_free(&v);
		return false;
	}
	v->parent = ui_top();
	v->body_h = ui.lines > 5 ? ui.lines - 5 : 1;
	if (v->ops->open && !v->ops->open(v, &err)) {
		ui_error(&err);
		view_free(&v);
		return false;
	}
	ui.stack[ui.depth++] = v;
	return true;
}

void
ui_pop(void)
{
	if (ui.depth <= 1)
		return;
	view_free(&ui.stack[--ui.depth]);
	/* The view below may be stale (an action changed a dossier). */
	struct view *v = ui_top();
	struct err err = { 0 };
	if (v->ops->open && !v->ops->open(v, &err))
		ui_error(&err);
}

void
ui_message(bool error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ui.message, sizeof(ui.message), fmt, ap);
	va_end(ap);
	ui.message_error = error;
	if (error)
		log_info("message: %s", ui.message);
}

void
ui_error(const struct err *err)
{
	ui_message(true, "%s", err->msg[0] ? err->msg : _("erreur inconnue"));
	if (err->detail[0])
		log_warn("%s", err->detail);
	if (err->code == ERR_DB_CONNECT)
		ui_db_lost();
}

/* Reconnection: attempts with PQconnectStart/PQconnectPoll driven by the
 * main loop (the keyboard never waits for the network), the first one at
 * once, then after a delay doubling up to RECONNECT_MAX_MS. */
#define RECONNECT_FIRST_MS 250
#define RECONNECT_MAX_MS 4000
#define RECONNECT_ATTEMPT_MS 5000
static PGconn *pending;           /* attempt in progress */
static PostgresPollingStatusType pending_poll;
static long long pending_deadline;
static int backoff_ms;

void
ui_db_lost(void)
{
	if (ui.db_lost)
		return;
	log_warn("database connection lost");
	ui.db_lost = true;
	backoff_ms = RECONNECT_FIRST_MS;
	ui.reconnect_at = ui_now_ms();
}

/* Reads one key from curses, normalised (keys.h); 0 when none. */
static int
read_key(void)
{
	wint_t ch;
	int r = wget_wch(stdscr, &ch);
	if (r == ERR)
		return 0;
	return keys_from_curses(r == KEY_CODE_YES, (unsigned)ch);
}

static void
handle_resize(void)
{
	getmaxyx(stdscr, ui.lines, ui.cols);
	clearok(curscr, TRUE);
	ui.full_redraw = true;
}

/* Waits for a key (modal prompts): keeps the screen size right. A resize
 * is returned too, so that the prompt or picker redraws itself at the new
 * size (it is no key of theirs). */
static int
wait_key(void)
{
	for (;;) {
		doupdate();
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			return 27;
		int k = read_key();
		if (k == (KEY_FN | KEY_RESIZE))
			handle_resize();
		if (k)
			return k;
	}
}

/* A masked copy of E: one '*' per character, the cursor kept. */
static void
mask_edit(const struct lineedit *e, struct lineedit *m)
{
	sb_reset(&m->text);
	m->pos = 0;
	for (size_t i = 0; i < e->text.len; i++) {
		if (((unsigned char)e->text.data[i] & 0xC0) == 0x80)
			continue;
		sb_addc(&m->text, '*');
		if (i < e->pos)
			m->pos++;
	}
}

/* ERROR over the two lines above the prompt (the end of the body and
 * the status line), cut at a space. */
static void
draw_prompt_error(const char *error)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	size_t cut = ui_text_cut(error, ui.cols);
	if (!cut)
		cut = strlen(error);
	char *head = xstrndup(error, cut);
	ui_text_fit(head, ui.cols, &a);
	ui_text_fit(error[cut] ? error + cut + 1 : "", ui.cols, &b);
	free(head);
	attrset((attr_t)theme_attr(EL_ERROR));
	mvaddstr(ui.lines - 3, 0, sb_str(&a));
	mvaddstr(ui.lines - 2, 0, sb_str(&b));
	sb_free(&a);
	sb_free(&b);
}

static char *
prompt_line(const char *label, const char *initial, bool secret, const char *error)
{
	struct lineedit e = { 0 }, m = { 0 };
	lineedit_set(&e, initial);
	lineedit_set(&m, "");
	ui.message[0] = '\0';
	for (;;) {
		draw_screen();
		struct strbuf lab = STRBUF_INIT, field = STRBUF_INIT;
		int lw = ui_text_fit(label, ui_text_width(label), &lab);
		int curx = 0;
		if (secret)
			mask_edit(&e, &m);
		lineedit_view(secret ? &m : &e, ui.cols - lw - 2, &field, &curx);
		if (error && ui.lines > 4)
			draw_prompt_error(error);
		attrset((attr_t)theme_attr(EL_MESSAGE));
		mvaddstr(ui.lines - 1, 0, sb_str(&lab));
		addstr(" ");
		attrset((attr_t)theme_attr(EL_FIELD_EDIT));
		addstr(sb_str(&field));
		attrset(A_NORMAL);
		curs_set(1);
		move(ui.lines - 1, lw + 1 + curx);
		wnoutrefresh(stdscr);
		sb_free(&lab);
		sb_free(&field);
		int k = wait_key();
		if (k == 27 || k == (KEY_FN | KEY_ENTER)) {
			char *s = k == 27 ? NULL : xstrdup(sb_str(&e.text));
			if (secret && e.text.data)
				memset(e.text.data, 0, e.text.len);
			lineedit_free(&e);
			lineedit_free(&m);
			return s;
		}
		lineedit_key(&e, k);
	}
}

char *
ui_prompt(const char *label, const char *initial)
{
	return prompt_line(label, initial, false, NULL);
}

char *
ui_prompt_error(const char *label, const char *initial, const char *error)
{
	return prompt_line(label, initial, false, error);
}

char *
ui_prompt_secret(const char *label)
{
	return prompt_line(label, "", true, NULL);
}

bool
ui_confirm(const char *question)
{
	struct strbuf q = STRBUF_INIT;
	sb_printf(&q, _("%s (o/n) "), question);
	ui.message[0] = '\0';
	for (;;) {
		draw_screen();
		struct strbuf t = STRBUF_INIT;
		ui_text_fit(sb_str(&q), ui.cols, &t);
		attrset((attr_t)theme_attr(EL_MESSAGE));
		mvaddstr(ui.lines - 1, 0, sb_str(&t));
		attrset(A_NORMAL);
		wnoutrefresh(stdscr);
		sb_free(&t);
		int k = wait_key();
		if (k == 'o' || k == 'O' || k == 'y' || k == 'Y') {
			sb_free(&q);
			return true;
		}
		if (k == 'n' || k == 'N' || k == 27) {
			sb_free(&q);
			return false;
		}
	}
}

/* The picker: a framed list over the body. */
int
ui_pick(const char *title, const char *const *labels, size_t n, size_t initial)
{
	if (n == 0)
		return -1;
	size_t cur = initial < n ? initial : 0, top = 0;
	ui.message[0] = '\0';
	for (;;) {
		draw_screen();
		int h = ui.lines - 6, w = ui.cols - 8;
		if (h > (int)n + 2)
			h = (int)n + 2;
		if (h < 3)
			h = 3;
		int y0 = 2, x0 = 4, inner = h - 2;
		if (cur < top)
			top = cur;
		if (cur >= top + (size_t)inner)
			top = cur - (size_t)inner + 1;
		struct row r = { .elem = EL_TITLE };
		row_add(&r, title, 0, EL_DEFAULT);
		draw_row(y0, x0, w, &r, false);
		row_clear(&r);
		for (int i = 0; i < inner; i++) {
			size_t idx = top + (size_t)i;
			struct row lr = { .elem = EL_DEFAULT };
			if (idx < n)
				row_addf(&lr, 0, EL_DEFAULT, " %s", labels[idx]);
			draw_row(y0 + 1 + i, x0, w, &lr, idx == cur);
			row_clear(&lr);
		}
		struct row br = { .elem = EL_KEYBAR };
		row_add(&br, _("Entrée : choisir   Échap : annuler"), 0, EL_DEFAULT);
		draw_row(y0 + h - 1, x0, w, &br, false);
		row_clear(&br);
		wnoutrefresh(stdscr);
		int k = wait_key();
		enum action a = keys_lookup(&ui.keys, KEYMAP_PICKER, k);
		if (a == ACT_BACK || k == 27)
			return -1;
		if (a == ACT_ENTER)
			return (int)cur;
		if (a == ACT_UP && cur > 0)
			cur--;
		else if (a == ACT_DOWN && cur + 1 < n)
			cur++;
		else if (a == ACT_PAGE_UP)
			cur = cur > (size_t)inner ? cur - (size_t)inner : 0;
		else if (a == ACT_PAGE_DOWN)
			cur = cur + (size_t)inner < n ? cur + (size_t)inner : n - 1;
		else if (a == ACT_HOME)
			cur = 0;
		else if (a == ACT_END)
			cur = n - 1;
		else if (k >= '1' && k <= '9' && (size_t)(k - '1') < n)
			return k - '1';
	}
}

/* Generic actions of every view. */
extern void ui_open_help(void);
extern void ui_open_menu(void);
extern void ui_open_journal(void);
extern void ui_open_admin(void);
extern void ui_choose_entity(void);
extern void ui_listen(void);

static void
handle_action(struct view *v, enum action a)
{
	if (v->ops->request && v->ops->request(v, a))
		return;
	if (view_move(v, a))
		return;
	struct err err = { 0 };
	switch (a) {
	case ACT_BACK:
		if (ui.depth > 1)
			ui_pop();
		break;
	case ACT_QUIT:
		ui.quit = true;
		break;
	case ACT_HELP:
		ui_open_help();
		break;
	case ACT_MENU:
		while (ui.depth > 1)
			ui_pop();
		break;
	case ACT_JOURNAL:
		ui_open_journal();
		break;
	case ACT_ADMIN:
		ui_open_admin();
		break;
	case ACT_ENTITY:
		ui_choose_entity();
		break;
	case ACT_REFRESH:
		if (v->ops->open && !v->ops->open(v, &err))
			ui_error(&err);
		else
			ui_message(false, _("Données relues."));
		break;
	case ACT_REDRAW:
		clearok(curscr, TRUE);
		break;
	default:
		break;
	}
}

static void
handle_key(int key)
{
	struct view *v = ui_top();
	if (key == (KEY_FN | KEY_RESIZE)) {
		handle_resize();
		return;
	}
	ui.message[0] = '\0';
	if (v->ops->key && v->ops->key(v, key))
		return;
	enum action a = keys_lookup(&ui.keys, v->ops->keymap, key);
	if (a != ACT_NONE)
		handle_action(v, a);
}

static void
attempt_failed(const char *why)
{
	log_info("reconnect failed: %s", why);
	if (pending)
		PQfinish(pending);
	pending = NULL;
	ui.reconnect_at = ui_now_ms() + backoff_ms;
	backoff_ms = backoff_ms * 2 < RECONNECT_MAX_MS ? backoff_ms * 2 : RECONNECT_MAX_MS;
}

static void
reconnected(void)
{
	db_close(&ui.db);
	ui.db = db_adopt(pending);
	pending = NULL;
	ui.db_lost = false;
	log_info("database connection back");
	ui_listen();
	/* Every view hears it (some LISTEN on their own channels); the one on
	 * screen reloads. Forms keep what was typed. */
	struct err err = { 0 };
	for (int i = 0; i < ui.depth && !ui.db_lost; i++) {
		struct view *v = ui.stack[i];
		if (v->ops->notify)
			v->ops->notify(v, "reconnect", "");
		else if (i == ui.depth - 1 && v->ops->open && !v->ops->open(v, &err))
			ui_error(&err);
	}
	if (!ui.db_lost)
		ui_message(false, _("Connexion à la base rétablie."));
}

/* One step of the reconnection: starts an attempt when its time comes,
 * advances it when its socket is READY, gives it up after a while. */
static void
reconnect_step(bool ready)
{
	long long now = ui_now_ms();
	if (!pending) {
		if (now < ui.reconnect_at)
			return;
		pending = db_connect_start(ui.conninfo);
		if (!pending || PQstatus(pending) == CONNECTION_BAD) {
			attempt_failed(pending ? PQerrorMessage(pending) : "out of memory");
			return;
		}
		/* As if PQconnectPoll had said "wait until writable". */
		pending_poll = PGRES_POLLING_WRITING;
		pending_deadline = now + RECONNECT_ATTEMPT_MS;
		return;
	}
	if (!ready) {
		if (now >= pending_deadline)
			attempt_failed("timeout");
		return;
	}
	pending_poll = PQconnectPoll(pending);
	if (pending_poll == PGRES_POLLING_OK)
		reconnected();
	else if (pending_poll == PGRES_POLLING_FAILED)
		attempt_failed(PQerrorMessage(pending));
	else if (now >= pending_deadline)
		attempt_failed("timeout");
}

static void
handle_db_input(void)
{
	PGconn *c = ui.db->conn;
	if (!PQconsumeInput(c) || PQstatus(c) != CONNECTION_OK) {
		ui_db_lost();
		return;
	}
	PGnotify *n;
	while ((n = PQnotifies(c)) != NULL) {
		log_debug("notify %s %s", n->relname, n->extra);
		for (int i = ui.depth - 1; i >= 0; i--) {
			struct view *v = ui.stack[i];
			if (v->ops->notify)
				v->ops->notify(v, n->relname, n->extra);
		}
		PQfreemem(n);
	}
}

/* Optional extra fd (the card watcher). */
int ui_extra_fd = -1;
void (*ui_extra_ready)(void);

void
ui_loop(void);

void
ui_loop(void)
{
	while (!ui.quit) {
		if (ui.full_redraw) {
			ui.full_redraw = false;
		}
		draw_screen();
		doupdate();
		struct pollfd p[3];
		int np = 0;
		p[np++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		int dbi = -1, pni = -1, exi = -1;
		if (!ui.db_lost && ui.db && PQsocket(ui.db->conn) >= 0) {
			dbi = np;
			p[np++] = (struct pollfd){ .fd = PQsocket(ui.db->conn), .events = POLLIN };
		} else if (ui.db_lost && pending && PQsocket(pending) >= 0) {
			pni = np;
			p[np++] = (struct pollfd){ .fd = PQsocket(pending),
						   .events = pending_poll == PGRES_POLLING_READING
								     ? POLLIN
								     : POLLOUT };
		}
		if (ui_extra_fd >= 0) {
			exi = np;
			p[np++] = (struct pollfd){ .fd = ui_extra_fd, .events = POLLIN };
		}
		int timeout = -1;
		if (ui.db_lost) {
			long long d = (pending ? pending_deadline : ui.reconnect_at) - ui_now_ms();
			timeout = d < 0 ? 0 : d > 1000 ? 1000 : (int)d;
		}
		int r = poll(p, (nfds_t)np, timeout);
		if (r < 0 && errno != EINTR)
			break;
		if (r <= 0) {
			/* Timeout or signal (SIGWINCH): look for keys anyway. */
			int k;
			while ((k = read_key()) != 0)
				handle_key(k);
			if (ui.db_lost)
				reconnect_step(false);
			continue;
		}
		if (p[0].revents) {
			int k;
			while (!ui.quit && (k = read_key()) != 0)
				handle_key(k);
			if (p[0].revents & (POLLHUP | POLLERR))
				break;
		}
		if (dbi >= 0 && p[dbi].revents && !ui.db_lost)
			handle_db_input();
		if (ui.db_lost)
			reconnect_step(pni >= 0 && p[pni].revents != 0);
		if (exi >= 0 && p[exi].revents && ui_extra_ready)
			ui_extra_ready();
	}
	if (pending)
		PQfinish(pending);
	pending = NULL;
}

/* vim: set ts=8 sw=8 noexpandtab: */
