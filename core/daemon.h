/* The daemon: runs the jobs of table job (core/sql/010_daemon.sql).
 *
 * Jobs are claimed BATCH at a time with job_claim() (FOR UPDATE SKIP
 * LOCKED, a lease of LEASE seconds, verrous respected), run, then either
 * applied (the job's action and the connector's outcome, and the job's
 * removal, in one transaction per job; the results of a lot go to the
 * database together, job_finish_lot) or released with their next try
 * computed from the frequency rule. A daemon killed at any instant leaves its jobs locked until their
 * lease ends; another daemon then takes them again, and connectors
 * reconcile what a previous run left (intent recorded before a request).
 * Any number of daemons may run at once, on any machines.
 *
 * The daemon connects with a role that is a member of liasse_owner: it
 * acts as the system ("Action automatique") and reads connector secrets. */
#ifndef LIASSE_DAEMON_H
#define LIASSE_DAEMON_H
#include <signal.h>
#include <stdbool.h>

#include "core/db.h"
#include "core/err.h"

struct daemon_opts {
	bool once;          /* run what is due, then return */
	int lease;          /* seconds a claimed job stays ours (default 300) */
	int idle;           /* longest sleep between polls, seconds (default 60) */
	int batch;          /* jobs claimed at once (default 1) */
	long max_jobs;      /* stop after this many runs (0: no limit) */
	volatile sig_atomic_t *stop; /* set by SIGTERM/SIGINT: finish the job, return */
};

struct daemon_stats {
	long runs;      /* jobs run */
	long done;      /* actions applied (state changes) */
	long waits;     /* nothing yet, rescheduled */
	long retries;   /* transient failures, rescheduled */
	long failures;  /* error actions applied or jobs put in error */
	long suspended; /* frequency used up */
	long lost;      /* lease lost before applying (another daemon took the job) */
};

void daemon_opts_init(struct daemon_opts *o);
/* Prepares the session (system actor, LISTEN) and runs the loop. */
bool daemon_run(struct db *db, const struct daemon_opts *o, struct daemon_stats *st,
		struct err *err);
/* "host:pid:nonce" of this process (see daemon.c). */
const char *daemon_id(void);
/* How many daemons are connected to the database right now (sessions
 * named "liasse daemon", whoever the caller is). */
bool daemon_count(struct db *db, long *n, struct err *err);

#endif
