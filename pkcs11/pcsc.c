/* PC/SC readers and the watcher thread (see pcsc.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>

#include "core/i18n.h"
#include "core/strbuf.h"
#include "pkcs11/pcsc.h"

static bool
pcsc_fail(struct err *err, LONG rv, const char *fn)
{
	if (rv == (LONG)SCARD_E_NO_SERVICE || rv == (LONG)SCARD_E_SERVICE_STOPPED) {
		const char *sock = getenv("PCSCLITE_CSOCK_NAME");
		err_set(err, ERR_INPUT,
			sock ? _("Le service de cartes à puce est injoignable par la socket %s "
				 "(PCSCLITE_CSOCK_NAME) : la redirection SSH est-elle active ?")
			     : _("Le service de cartes à puce (pcscd) ne répond pas."),
			sock);
	} else {
		err_set(err, ERR_INPUT, _("Erreur du service de cartes à puce."));
	}
	return err_detail(err, "%s: %s (0x%lx)", fn, pcsc_stringify_error(rv), (unsigned long)rv);
}

static void
atr_hex(const unsigned char *atr, DWORD len, char *out, size_t n)
{
	out[0] = 0;
	for (DWORD i = 0; i < len && 2 * i + 3 <= n; i++)
		snprintf(out + 2 * i, 3, "%02X", atr[i]);
}

/* Reader names from the multi-string; *NAMES malloc'ed. */
static bool
list_names(SCARDCONTEXT ctx, char **names, DWORD *len, struct err *err)
{
	*names = NULL;
	*len = 0;
	LONG rv = SCardListReaders(ctx, NULL, NULL, len);
	if (rv == (LONG)SCARD_E_NO_READERS_AVAILABLE) {
		*len = 0;
		return true;
	}
	if (rv != SCARD_S_SUCCESS)
		return pcsc_fail(err, rv, "SCardListReaders");
	*names = xcalloc(1, *len + 1);
	rv = SCardListReaders(ctx, NULL, *names, len);
	if (rv == (LONG)SCARD_E_NO_READERS_AVAILABLE) {
		*len = 0;
		return true;
	}
	if (rv != SCARD_S_SUCCESS) {
		free(*names);
		*names = NULL;
		return pcsc_fail(err, rv, "SCardListReaders");
	}
	return true;
}

bool
pcsc_list(struct pcsc_reader **readers, size_t *n, struct err *err)
{
	*readers = NULL;
	*n = 0;
	SCARDCONTEXT ctx;
	LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
	if (rv != SCARD_S_SUCCESS)
		return pcsc_fail(err, rv, "SCardEstablishContext");
	char *names;
	DWORD len;
	if (!list_names(ctx, &names, &len, err)) {
		SCardReleaseContext(ctx);
		return false;
	}
	size_t count = 0;
	for (char *p = names; p && *p; p += strlen(p) + 1)
		count++;
	struct pcsc_reader *out = xcalloc(count ? count : 1, sizeof *out);
	SCARD_READERSTATE *st = xcalloc(count ? count : 1, sizeof *st);
	size_t i = 0;
	for (char *p = names; p && *p; p += strlen(p) + 1, i++) {
		st[i].szReader = p;
		st[i].dwCurrentState = SCARD_STATE_UNAWARE;
	}
	if (count) {
		rv = SCardGetStatusChange(ctx, 0, st, (DWORD)count);
		if (rv != SCARD_S_SUCCESS && rv != (LONG)SCARD_E_TIMEOUT) {
			free(st);
			free(out);
			free(names);
			SCardReleaseContext(ctx);
			return pcsc_fail(err, rv, "SCardGetStatusChange");
		}
	}
	for (i = 0; i < count; i++) {
		str_copy(out[i].name, sizeof out[i].name, st[i].szReader);
		out[i].card_present = st[i].dwEventState & SCARD_STATE_PRESENT;
		out[i].card_in_use = st[i].dwEventState & SCARD_STATE_EXCLUSIVE;
		out[i].mute = st[i].dwEventState & SCARD_STATE_MUTE;
		if (out[i].card_present)
			atr_hex(st[i].rgbAtr, st[i].cbAtr, out[i].atr, sizeof out[i].atr);
	}
	free(st);
	free(names);
	SCardReleaseContext(ctx);
	*readers = out;
	*n = count;
	return true;
}

const char *
pcsc_event_text(enum pcsc_event_kind kind)
{
	switch (kind) {
	case PCSC_READER_ADDED: return _("lecteur branché");
	case PCSC_READER_REMOVED: return _("lecteur débranché");
	case PCSC_CARD_INSERTED: return _("carte insérée");
	case PCSC_CARD_REMOVED: return _("carte retirée");
	case PCSC_SERVICE_LOST: return _("service de cartes à puce perdu");
	}
	return "?";
}

/* ---------- watcher */

struct pcsc_watch {
	SCARDCONTEXT ctx;
	pthread_t thread;
	int pipe_r, pipe_w;
	bool started;
	atomic_bool stop; /* set by pcsc_watch_stop; the thread checks it between waits */
};

static void
emit(struct pcsc_watch *w, enum pcsc_event_kind kind, const char *reader, const char *atr)
{
	struct pcsc_event ev;
	memset(&ev, 0, sizeof ev);
	ev.kind = kind;
	str_copy(ev.reader, sizeof ev.reader, reader ? reader : "");
	str_copy(ev.atr, sizeof ev.atr, atr ? atr : "");
	/* records are smaller than PIPE_BUF: each write is atomic */
	ssize_t r;
	do
		r = write(w->pipe_w, &ev, sizeof ev);
	while (r < 0 && errno == EINTR);
}

#define PNP "\\\\?PnP?\\Notification"

static void *
watch_main(void *arg)
{
	struct pcsc_watch *w = arg;
	size_t n = 0;
	SCARD_READERSTATE *st = NULL;
	char *names = NULL;
	bool refresh = true;
	for (;;) {
		if (refresh) {
			/* (re)build the reader list; keep the known states */
			DWORD len;
			struct err e = { 0 };
			char *nn;
			if (!list_names(w->ctx, &nn, &len, &e)) {
				emit(w, PCSC_SERVICE_LOST, NULL, NULL);
				break;
			}
			size_t m = 0;
			for (char *p = nn; p && *p; p += strlen(p) + 1)
				m++;
			SCARD_READERSTATE *ns = xcalloc(m + 1, sizeof *ns);
			size_t i = 0;
			for (char *p = nn; p && *p; p += strlen(p) + 1, i++) {
				ns[i].szReader = p;
				ns[i].dwCurrentState = SCARD_STATE_UNAWARE;
				bool known = false;
				for (size_t k = 0; k < n; k++)
					if (!strcmp(st[k].szReader, p)) {
						ns[i].dwCurrentState = st[k].dwCurrentState;
						known = true;
					}
				if (!known && names) /* not on the first pass */
					emit(w, PCSC_READER_ADDED, p, NULL);
			}
			for (size_t k = 0; k < n; k++) {
				bool still = false;
				for (size_t j = 0; j < m; j++)
					if (!strcmp(st[k].szReader, ns[j].szReader))
						still = true;
				if (!still) {
					if (st[k].dwCurrentState & SCARD_STATE_PRESENT)
						emit(w, PCSC_CARD_REMOVED, st[k].szReader, NULL);
					emit(w, PCSC_READER_REMOVED, st[k].szReader, NULL);
				}
			}
			ns[m].szReader = PNP;
			ns[m].dwCurrentState = n ? st[n].dwCurrentState : SCARD_STATE_UNAWARE;
			free(st);
			free(names);
			st = ns;
			names = nn ? nn : xstrdup("");
			n = m;
			refresh = false;
		}
		if (atomic_load(&w->stop))
			break;
		LONG rv = SCardGetStatusChange(w->ctx, INFINITE, st, (DWORD)(n + 1));
		if (rv == (LONG)SCARD_E_CANCELLED || atomic_load(&w->stop))
			break;
		if (rv == (LONG)SCARD_E_TIMEOUT)
			continue;
		if (rv != SCARD_S_SUCCESS) {
			emit(w, PCSC_SERVICE_LOST, NULL, NULL);
			break;
		}
		for (size_t i = 0; i < n; i++) {
			DWORD ev = st[i].dwEventState;
			if (!(ev & SCARD_STATE_CHANGED))
				continue;
			bool was = st[i].dwCurrentState & SCARD_STATE_PRESENT;
			bool is = ev & SCARD_STATE_PRESENT;
			if (is && !was) {
				char atr[80];
				atr_hex(st[i].rgbAtr, st[i].cbAtr, atr, sizeof atr);
				emit(w, PCSC_CARD_INSERTED, st[i].szReader, atr);
			} else if (!is && was) {
				emit(w, PCSC_CARD_REMOVED, st[i].szReader, NULL);
			}
			if (ev & SCARD_STATE_UNAVAILABLE)
				refresh = true;
			st[i].dwCurrentState = ev & ~(DWORD)SCARD_STATE_CHANGED;
		}
		if (st[n].dwEventState & SCARD_STATE_CHANGED) {
			st[n].dwCurrentState = st[n].dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
			refresh = true;
		}
	}
	free(st);
	free(names);
	close(w->pipe_w);
	w->pipe_w = -1;
	return NULL;
}

struct pcsc_watch *
pcsc_watch_start(struct err *err)
{
	struct pcsc_watch *w = xcalloc(1, sizeof *w);
	w->pipe_r = w->pipe_w = -1;
	LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &w->ctx);
	if (rv != SCARD_S_SUCCESS) {
		pcsc_fail(err, rv, "SCardEstablishContext");
		free(w);
		return NULL;
	}
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0) {
		SCardReleaseContext(w->ctx);
		free(w);
		err_set(err, ERR_INTERNAL, _("Tube de surveillance des cartes impossible."));
		return NULL;
	}
	w->pipe_r = fds[0];
	w->pipe_w = fds[1];
	fcntl(w->pipe_r, F_SETFL, fcntl(w->pipe_r, F_GETFL) | O_NONBLOCK);
	if (pthread_create(&w->thread, NULL, watch_main, w) != 0) {
		close(fds[0]);
		close(fds[1]);
		SCardReleaseContext(w->ctx);
		free(w);
		err_set(err, ERR_INTERNAL, _("Surveillance des cartes impossible."));
		return NULL;
	}
	w->started = true;
	return w;
}

int
pcsc_watch_fd(const struct pcsc_watch *w)
{
	return w->pipe_r;
}

int
pcsc_watch_next(struct pcsc_watch *w, struct pcsc_event *ev)
{
	ssize_t r = read(w->pipe_r, ev, sizeof *ev);
	if (r == (ssize_t)sizeof *ev)
		return 1;
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	return -1;
}

void
pcsc_watch_stop(struct pcsc_watch **wp)
{
	struct pcsc_watch *w = *wp;
	if (!w)
		return;
	if (w->started) {
		/* SCardCancel only interrupts a wait already in progress: a cancel
		 * sent while the thread is between two waits would be lost, so
		 * repeat it until the thread has seen the stop flag. */
		atomic_store(&w->stop, true);
		for (;;) {
			SCardCancel(w->ctx);
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 100 * 1000 * 1000;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			if (pthread_timedjoin_np(w->thread, NULL, &ts) == 0)
				break;
		}
	}
	SCardReleaseContext(w->ctx);
	if (w->pipe_r >= 0)
		close(w->pipe_r);
	if (w->pipe_w >= 0)
		close(w->pipe_w);
	free(w);
	*wp = NULL;
}
