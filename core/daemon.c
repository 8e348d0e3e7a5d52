/* The daemon loop (see daemon.h). */
#include "core/daemon.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include "core/connector.h"
#include "core/frequence.h"
#include "core/i18n.h"
#include "core/log.h"
#include "core/strbuf.h"

struct job_row {
	struct connector_job job;
	char type[128];
	char action[128];
	char etat_source[128];
	char famille[64];
	char expression[1024];
};

/* Results of finished jobs not yet applied: sent together to
 * liasse.job_finish_lot (core/sql/130_throughput.sql), one round trip,
 * each job still committed on its own. */
struct finish_lot {
	struct strbuf ids, actions, outcomes, messages;
	long long *job;  /* ids in order, for the log */
	int n, max;
	struct timespec first; /* when the oldest pending result came */
};

/* Pending results are applied before the next job starts once the oldest
 * is this old: a slow job's result does not wait for the rest of the lot,
 * and a daemon killed redoes at most the jobs run since (their connectors
 * reconcile, as after any kill). */
#define FINISH_LOT_MS 50

/* The daemons' application_name, by which they are counted. */
#define DAEMON_APPLICATION "liasse daemon"

/* "host:pid:nonce": the nonce keeps two processes apart even when their
 * hosts share a name and their pids match (containers, PID 1), since a
 * daemon gives back at start the jobs held under its id. */
const char *
daemon_id(void)
{
	static char id[300];
	if (!id[0]) {
		char host[256] = "localhost";
		gethostname(host, sizeof host - 1);
		unsigned short nonce;
		if (getrandom(&nonce, sizeof nonce, 0) != (ssize_t)sizeof nonce) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			nonce = (unsigned short)(ts.tv_nsec ^ getpid());
		}
		snprintf(id, sizeof id, "%s:%ld:%04x", host, (long)getpid(), nonce);
	}
	return id;
}

bool
daemon_count(struct db *db, long *n, struct err *err)
{
	PGresult *r = db_query(db, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
			       " AND application_name = '" DAEMON_APPLICATION "'", 0, NULL, err);
	if (!r)
		return false;
	*n = atol(PQgetvalue(r, 0, 0));
	PQclear(r);
	return true;
}

void
daemon_opts_init(struct daemon_opts *o)
{
	memset(o, 0, sizeof *o);
	o->lease = 300;
	o->idle = 60;
	o->batch = 1;
}

static void
lltext(char *buf, size_t n, long long v)
{
	snprintf(buf, n, "%lld", v);
}

/* The frequency expression of the job's rule, read when first needed. */
static const char *
job_expression(struct db *db, const struct job_row *r)
{
	struct job_row *w = (struct job_row *)r;
	if (!w->expression[0]) {
		char id[32];
		lltext(id, sizeof id, r->job.id);
		const char *p[] = { id };
		PGresult *res = db_query(db, "SELECT (liasse.job_frequence(j)).expression FROM liasse.job j"
					 " WHERE j.id = $1", 1, p, NULL);
		str_copy(w->expression, sizeof w->expression,
			 res && PQntuples(res) ? PQgetvalue(res, 0, 0) : "1");
		PQclear(res);
	}
	return w->expression;
}

/* Puts the job back: next try per the frequency (COUNT: one more try),
 * suspended when the expression is used up. Returns false when it was
 * used up (nothing scheduled). */
static bool
job_reschedule(struct db *db, const struct job_row *r, bool count, const char *message,
	       const char *etat, bool *used_up, struct err *err)
{
	char id[32], at[64] = "";
	lltext(id, sizeof id, r->job.id);
	struct err ferr = { 0 };
	struct frequence *f = frequence_parse(job_expression(db, r), &ferr);
	time_t next = 0;
	bool has_next = true;
	if (!f) {
		log_warn("job %lld: fréquence invalide « %s » : %s", (long long)r->job.id, r->expression,
			 ferr.msg);
		f = frequence_parse("", &ferr);
	}
	/* From the current instant to the microsecond: "1s" is one second
	 * after this try, not the next whole second (maybe 1 ms away, when
	 * the same --once run would try again at once). */
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	has_next = frequence_next(f, now.tv_sec, r->job.nb_try + 1, &next);
	frequence_free(&f);
	if (used_up)
		*used_up = !has_next;
	if (has_next)
		snprintf(at, sizeof at, "%lld.%06ld", (long long)next, now.tv_nsec / 1000);
	const char *p[] = { id, daemon_id(), has_next ? at : NULL, count ? "t" : "f", message, etat };
	return db_exec(db, "SELECT liasse.job_release($1, $2, to_timestamp($3::double precision), $4, $5, $6)",
		       6, p, err);
}

/* True when the job's frequency has no try left after this one. */
static bool
frequence_used_up(struct db *db, const struct job_row *r)
{
	struct err ferr = { 0 };
	struct frequence *f = frequence_parse(job_expression(db, r), &ferr);
	time_t next;
	bool left = !f || frequence_next(f, time(NULL), r->job.nb_try + 1, &next);
	frequence_free(&f);
	return !left;
}

/* Appends V to a PostgreSQL array literal being built in SB (NULL: NULL). */
static void
array_add(struct strbuf *sb, const char *v)
{
	sb_addc(sb, sb->len ? ',' : '{');
	if (!v) {
		sb_add(sb, "NULL");
		return;
	}
	sb_addc(sb, '"');
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			sb_addc(sb, '\\');
		sb_addc(sb, *v);
	}
	sb_addc(sb, '"');
}

static long
ms_since(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

/* Applies the pending results (liasse.job_finish_lot, core/sql/130_throughput.sql):
 * for each job in order, in a transaction of its own, the removal of the
 * job, its action then the connector's outcome on the dossier. On a
 * refusal (the dossier moved meanwhile...), that job is put in error with
 * the reason; the others are applied. */
static bool
finish_flush(struct db *db, struct finish_lot *l, struct daemon_stats *st, struct err *err)
{
	if (!l->n)
		return true;
	sb_addc(&l->ids, '}');
	sb_addc(&l->actions, '}');
	sb_addc(&l->outcomes, '}');
	sb_addc(&l->messages, '}');
	const char *p[] = { daemon_id(), sb_str(&l->ids), sb_str(&l->actions), sb_str(&l->outcomes),
			    sb_str(&l->messages) };
	PGresult *res = db_query(db, "CALL liasse.job_finish_lot($1, $2, $3, $4, $5)", 5, p, err);
	int n = l->n;
	l->n = 0;
	sb_reset(&l->ids);
	sb_reset(&l->actions);
	sb_reset(&l->outcomes);
	sb_reset(&l->messages);
	if (!res)
		return false;
	/* {ok,perdu,erreur,...}: plain words, no quoting. */
	const char *r = PQgetvalue(res, 0, 0);
	for (int i = 0; i < n && *r; i++) {
		r += strspn(r, "{,");
		size_t len = strcspn(r, ",}");
		long long id = l->job[i];
		if (len == 5 && strncmp(r, "perdu", 5) == 0) {
			st->lost++;
			log_warn("job %lld : bail perdu avant la fin, un autre démon l'a repris", id);
		} else if (len == 6 && strncmp(r, "erreur", 6) == 0) {
			/* The dossier engine refused: the job is in error, the reason kept. */
			char sid[32];
			lltext(sid, sizeof sid, id);
			const char *q[] = { sid };
			PGresult *m = db_query(db, "SELECT last_message FROM liasse.job WHERE id = $1", 1, q, NULL);
			st->failures++;
			log_warn("job %lld : %s", id, m && PQntuples(m) ? PQgetvalue(m, 0, 0) : "?");
			PQclear(m);
		}
		r += len;
	}
	PQclear(res);
	return true;
}

/* Records what the daemon did with a job, applied by finish_flush: the
 * removal of the job, ACTION (NULL: none) then OUTCOME (NULL: none) on the
 * dossier. */
static void
job_finish(struct finish_lot *l, const struct job_row *r, const char *action, const char *outcome,
	   const char *message)
{
	char id[32];
	lltext(id, sizeof id, r->job.id);
	if (!l->n)
		clock_gettime(CLOCK_MONOTONIC, &l->first);
	if (l->n == l->max) {
		l->max = l->max ? 2 * l->max : 16;
		l->job = xrealloc(l->job, (size_t)l->max * sizeof *l->job);
	}
	l->job[l->n++] = r->job.id;
	sb_addc(&l->ids, l->ids.len ? ',' : '{');
	sb_add(&l->ids, id);
	array_add(&l->actions, action);
	array_add(&l->outcomes, outcome && *outcome ? outcome : NULL);
	array_add(&l->messages, message);
}

/* A job of a connector itself (no dossier): runs again per the frequency. */
static bool
connector_job_again(struct db *db, const struct job_row *r, const char *message, struct err *err)
{
	struct job_row again = *r;
	again.job.nb_try = 0;
	char id[32];
	lltext(id, sizeof id, r->job.id);
	const char *p[] = { id };
	if (!db_exec(db, "UPDATE liasse.job SET nb_try = 0 WHERE id = $1", 1, p, err))
		return false;
	return job_reschedule(db, &again, false, message, NULL, NULL, err);
}

static bool
run_connector(struct db *db, const struct job_row *r, struct finish_lot *l, struct daemon_stats *st,
	      struct err *err)
{
	char msg[600];
	if (!r->job.connecteur_id) {
		snprintf(msg, sizeof msg,
			 _("Aucun connecteur %s n'est associé au type %s pour cette entité (ni hérité)."),
			 r->famille, r->type);
		st->retries++;
		return job_reschedule(db, r, true, msg, NULL, NULL, err);
	}
	struct err cerr = { 0 };
	/* The last configuration read is kept a few seconds: a stream of jobs
	 * of one connector does not read it again for each. */
	static struct connector_config *cached;
	static time_t cached_at;
	struct connector_config *cfg = NULL;
	if (!r->job.dossier_id && strcmp(r->job.action, "test-connexion") == 0)
		connector_config_free(&cached); /* test what was just saved */
	if (cached && cached->id == r->job.connecteur_id && time(NULL) - cached_at < 5) {
		cfg = cached;
	} else {
		connector_config_free(&cached);
		cfg = cached = connector_config_load(db, r->job.connecteur_id, &cerr);
		cached_at = time(NULL);
	}
	if (!cfg) {
		if (cerr.code == ERR_DB_CONNECT) {
			*err = cerr;
			return false;
		}
		st->retries++;
		return job_reschedule(db, r, true, cerr.msg, NULL, NULL, err);
	}
	const struct connector_type *type = connector_find(cfg->type);
	if (!type) {
		snprintf(msg, sizeof msg, _("Type de connecteur inconnu de ce démon : « %s »."), cfg->type);
		st->retries++;
		return job_reschedule(db, r, true, msg, NULL, NULL, err);
	}
	if (!r->job.dossier_id && strcmp(r->job.action, "test-connexion") == 0) {
		/* Tester la connexion, asked from the TUI or the CLI. */
		struct strbuf m = STRBUF_INIT;
		bool ok = type->test ? type->test(cfg, &m, &cerr) : (sb_add(&m, _("Rien à tester.")), true);
		connector_config_free(&cached); /* a test reads the configuration just saved */
		char id[32], cid[32];
		lltext(id, sizeof id, r->job.id);
		lltext(cid, sizeof cid, r->job.connecteur_id);
		const char *p[] = { cid, ok ? "t" : "f", ok ? sb_str(&m) : cerr.msg, id };
		ok = db_exec(db, "SELECT liasse.connecteur_log($1, 'test-connexion', $2, $3)", 3, p, err) &&
		     db_exec(db, "DELETE FROM liasse.job WHERE id = $1", 1, p + 3, err);
		sb_free(&m);
		st->done++;
		return ok;
	}
	struct connector_ctx ctx = {
		.db = db, .job = &r->job, .config = cfg, .daemon_id = daemon_id(), .stop = NULL,
	};
	struct connector_result res;
	connector_result_init(&res);
	bool ok = type->run(&ctx, &res, &cerr);
	if (!ok) {
		connector_result_free(&res);
		if (cerr.code == ERR_DB_CONNECT) {
			*err = cerr;
			return false;
		}
		/* A bug or a local failure: retried like a transient error. */
		log_error("job %lld (%s) : %s %s", (long long)r->job.id, r->job.action, cerr.msg, cerr.detail);
		st->retries++;
		return job_reschedule(db, r, true, cerr.msg, NULL, NULL, err);
	}
	const char *m = sb_str(&res.message);
	bool used_up = false;
	switch (res.status) {
	case CONNECTOR_DONE:
		st->done++;
		if (r->job.dossier_id)
			job_finish(l, r, r->job.action, res.outcome, m);
		else
			ok = connector_job_again(db, r, m, err);
		break;
	case CONNECTOR_WAIT:
		st->waits++;
		ok = job_reschedule(db, r, true, m, NULL, &used_up, err);
		if (ok && used_up)
			st->suspended++;
		break;
	case CONNECTOR_RETRY:
		st->retries++;
		if (res.outcome[0] && r->job.dossier_id && frequence_used_up(db, r)) {
			/* The tries are used up: the error state, from which the user resends. */
			st->failures++;
			job_finish(l, r, NULL, res.outcome, m);
			break;
		}
		ok = job_reschedule(db, r, true, m, NULL, &used_up, err);
		if (ok && used_up)
			st->suspended++;
		break;
	case CONNECTOR_FAIL:
		st->failures++;
		if (res.outcome[0] && r->job.dossier_id)
			job_finish(l, r, NULL, res.outcome, m);
		else
			ok = job_reschedule(db, r, true, m, "erreur", NULL, err);
		break;
	}
	connector_result_free(&res);
	return ok;
}

static bool
run_job(struct db *db, const struct job_row *r, struct finish_lot *l, struct daemon_stats *st,
	struct err *err)
{
	st->runs++;
	log_debug("job %lld : %s sur le dossier %lld", (long long)r->job.id, r->job.action,
		  (long long)r->job.dossier_id);
	if (r->famille[0])
		return run_connector(db, r, l, st, err);
	if (!r->job.dossier_id) { /* nothing to run */
		char id[32];
		lltext(id, sizeof id, r->job.id);
		const char *p[] = { id };
		return db_exec(db, "DELETE FROM liasse.job WHERE id = $1", 1, p, err);
	}
	st->done++;
	job_finish(l, r, r->job.action, NULL, NULL);
	return true;
}

/* Every job a claim takes leaves dead versions of its row behind (the
 * claim, the release, the removal). The claim reads the due jobs in order
 * through job_due and steps over the entries of all the jobs done since
 * the last vacuum, checking each in the table: at a few hundred jobs a
 * second, autovacuum (once a minute at best) lets thousands pile up, and
 * the claim grew to 2.8 ms, a fifth of the server's time. The daemon
 * vacuums the small job table itself every JOB_VACUUM_EVERY jobs (0.8 ms;
 * a claim of ten then takes 0.5 ms); with several daemons, one does it
 * while the others skip. */
#define JOB_VACUUM_EVERY 100

static void
job_vacuum(struct db *db, int claimed)
{
	static int since;
	since += claimed;
	if (since < JOB_VACUUM_EVERY)
		return;
	since = 0;
	struct err verr = { 0 };
	if (!db_exec(db, "VACUUM (SKIP_LOCKED) liasse.job", 0, NULL, &verr))
		log_debug("VACUUM liasse.job : %s", verr.msg);
}

/* Claims up to BATCH jobs, runs them, applies their results (together,
 * see finish_flush); returns how many were run, -1 on error. */
static int
claim_and_run(struct db *db, const struct daemon_opts *o, struct finish_lot *l, struct daemon_stats *st,
	      struct err *err)
{
	char lease[16], batch[16];
	snprintf(lease, sizeof lease, "%d", o->lease);
	snprintf(batch, sizeof batch, "%d", o->batch);
	const char *p[] = { daemon_id(), lease, batch };
	PGresult *res = db_query(db,
		"SELECT j.id, j.entite_id, j.type, coalesce(j.dossier_id, 0), j.action,"
		" coalesce(j.etat_source, ''), j.nb_try, coalesce(j.connecteur_id, 0),"
		" coalesce(j.famille, '')"
		" FROM liasse.job_claim($1, $2, $3) j", 3, p, err);
	if (!res)
		return -1;
	int n = PQntuples(res);
	struct job_row *rows = xcalloc((size_t)n + 1, sizeof *rows);
	for (int i = 0; i < n; i++) {
		struct job_row *r = &rows[i];
		r->job.id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		r->job.entite_id = strtoll(PQgetvalue(res, i, 1), NULL, 10);
		str_copy(r->type, sizeof r->type, PQgetvalue(res, i, 2));
		r->job.dossier_id = strtoll(PQgetvalue(res, i, 3), NULL, 10);
		str_copy(r->action, sizeof r->action, PQgetvalue(res, i, 4));
		str_copy(r->etat_source, sizeof r->etat_source, PQgetvalue(res, i, 5));
		r->job.nb_try = atoi(PQgetvalue(res, i, 6));
		r->job.connecteur_id = strtoll(PQgetvalue(res, i, 7), NULL, 10);
		str_copy(r->famille, sizeof r->famille, PQgetvalue(res, i, 8));
	}
	PQclear(res);
	int done = 0;
	for (int i = 0; i < n; i++) {
		struct job_row *r = &rows[i];
		r->job.type = r->type;
		r->job.action = r->action;
		r->job.etat_source = r->etat_source;
		/* Asked to stop: the jobs not started go back at once. */
		if (o->stop && *o->stop) {
			char id[32];
			lltext(id, sizeof id, r->job.id);
			const char *q[] = { id, daemon_id() };
			db_exec(db, "SELECT liasse.job_release($1, $2, now(), false, NULL)", 2, q, err);
			continue;
		}
		/* A slow job's result does not wait for the rest of the lot. */
		if (l->n && ms_since(&l->first) >= FINISH_LOT_MS && !finish_flush(db, l, st, err)) {
			free(rows);
			return -1;
		}
		if (!run_job(db, r, l, st, err)) {
			struct err ferr = { 0 };
			finish_flush(db, l, st, &ferr); /* what was done before stays done */
			free(rows);
			return -1;
		}
		done++;
	}
	free(rows);
	if (!finish_flush(db, l, st, err))
		return -1;
	job_vacuum(db, n);
	return done;
}

/* Sleeps until a NOTIFY, the next due job, IDLE seconds or a signal. */
static bool
wait_for_work(struct db *db, const struct daemon_opts *o, struct err *err)
{
	double secs = o->idle;
	PGresult *res = db_query(db,
		"SELECT extract(epoch FROM min(run_at) - now()) FROM liasse.job"
		" WHERE etat = 'attente' AND locked_until IS NULL", 0, NULL, err);
	if (!res)
		return false;
	if (!PQgetisnull(res, 0, 0)) {
		double d = atof(PQgetvalue(res, 0, 0));
		if (d < secs)
			secs = d;
	}
	PQclear(res);
	/* Leases of dead daemons expire too: look again within a lease. */
	if (secs > o->lease)
		secs = o->lease;
	if (secs < 0.05)
		secs = 0.05;
	int sock = PQsocket(db->conn);
	fd_set fds;
	FD_ZERO(&fds);
	FD_SET(sock, &fds);
	struct timeval tv = { (time_t)secs, (suseconds_t)((secs - (long)secs) * 1e6) };
	int rc = select(sock + 1, &fds, NULL, NULL, &tv);
	if (rc < 0 && errno != EINTR)
		return err_set(err, ERR_INTERNAL, _("Erreur d'attente du démon : %s."), strerror(errno));
	if (!PQconsumeInput(db->conn))
		return db_err_from_result(db, NULL, err);
	PGnotify *nt;
	while ((nt = PQnotifies(db->conn)) != NULL)
		PQfreemem(nt);
	return true;
}

bool
daemon_run(struct db *db, const struct daemon_opts *o, struct daemon_stats *st, struct err *err)
{
	memset(st, 0, sizeof *st);
	PGresult *res = db_query(db, "SELECT liasse.is_owner()", 0, NULL, err);
	if (!res)
		return false;
	bool owner = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!owner)
		return err_set(err, ERR_DB_RIGHTS,
			       _("Le démon doit se connecter avec un rôle membre de liasse_owner (rôle actuel : %s)."),
			       db->user);
	/* Jobs this process held when its connection was lost (or a dead
	 * process with the same id) were not finished: back to the queue at
	 * once rather than at the end of their lease (their connectors
	 * reconcile, as after a kill). */
	const char *me[] = { daemon_id() };
	if (!db_exec(db, "SET liasse.automatique = 'on'", 0, NULL, err) ||
	    !db_exec(db, "SET application_name = '" DAEMON_APPLICATION "'", 0, NULL, err) ||
	    !db_exec(db, "LISTEN liasse_job", 0, NULL, err) ||
	    !db_exec(db, "UPDATE liasse.job SET locked_until = NULL, locked_by = NULL WHERE locked_by = $1", 1, me,
		     err))
		return false;
	log_info("démon %s démarré (bail %d s)", daemon_id(), o->lease);
	struct finish_lot lot = { STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, NULL, 0, 0, { 0, 0 } };
	int n = 0;
	while (!(o->stop && *o->stop)) {
		if (o->max_jobs && st->runs >= o->max_jobs)
			break;
		n = claim_and_run(db, o, &lot, st, err);
		if (n < 0)
			break;
		if (n > 0)
			continue;
		if (o->once)
			break;
		if (!wait_for_work(db, o, err)) {
			n = -1;
			break;
		}
	}
	sb_free(&lot.ids);
	sb_free(&lot.actions);
	sb_free(&lot.outcomes);
	sb_free(&lot.messages);
	free(lot.job);
	if (n < 0)
		return false;
	log_info("démon %s arrêté : %ld travaux, %ld actions, %ld attentes, %ld reprises, %ld erreurs",
		 daemon_id(), st->runs, st->done, st->waits, st->retries, st->failures);
	return true;
}
