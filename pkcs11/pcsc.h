/* PC/SC: readers, cards, and a watcher that feeds a main loop.
 * pcsc-lite's client library honours PCSCLITE_CSOCK_NAME, so the reader
 * may sit on the agent's desk, its pcscd socket forwarded over SSH. */
#ifndef LIASSE_PCSC_H
#define LIASSE_PCSC_H
#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct pcsc_reader {
	char name[128];
	bool card_present;
	bool card_in_use;   /* opened exclusively by another program */
	bool mute;          /* a card that does not answer */
	char atr[80];       /* hex, "" without a card */
};

/* The readers PC/SC knows now; *READERS malloc'ed. No reader is not an
 * error (n = 0); no pcscd is (French message). */
bool pcsc_list(struct pcsc_reader **readers, size_t *n, struct err *err);

enum pcsc_event_kind {
	PCSC_READER_ADDED,
	PCSC_READER_REMOVED,
	PCSC_CARD_INSERTED,
	PCSC_CARD_REMOVED,
	PCSC_SERVICE_LOST,   /* pcscd went away (or the forwarded socket) */
};

struct pcsc_event {
	enum pcsc_event_kind kind;
	char reader[128];
	char atr[80];
};

/* The watcher: one thread blocks in SCardGetStatusChange and only writes
 * fixed-size event records into a pipe; the main loop polls
 * pcsc_watch_fd() (readable when events wait) and reads them with
 * pcsc_watch_next(). The first events describe the current state
 * (CARD_INSERTED for each card already present). */
struct pcsc_watch;
struct pcsc_watch *pcsc_watch_start(struct err *err);
int pcsc_watch_fd(const struct pcsc_watch *w);
/* 1 with *EV filled, 0 when nothing waits, -1 when the watcher ended. */
int pcsc_watch_next(struct pcsc_watch *w, struct pcsc_event *ev);
void pcsc_watch_stop(struct pcsc_watch **w);

/* French text for an event ("carte insérée dans « X »"). */
const char *pcsc_event_text(enum pcsc_event_kind kind);

#endif
