/* Mail sécurisé avec réponse (dossier type mailsec-bidir): link keys,
 * passwords, sending by SMTP, tracking. The tables and the SQL side are
 * core/sql/020_mailsec.sql.
 *
 * Links: a key of 256 bits from OpenSSL's CSPRNG, written in the mail as
 * 64 hex digits; the database keeps only its SHA-256, so neither the
 * database nor the dossier gives the link away. Passwords: PBKDF2-HMAC-
 * SHA256 with the dossier's random salt, "pbkdf2-sha256$N$salt$hash". */
#ifndef LIASSE_MAILSEC_H
#define LIASSE_MAILSEC_H
#include <stdbool.h>
#include <stdint.h>

#include "core/db.h"
#include "core/err.h"

#define MAILSEC_KEY_LEN 64       /* hex digits of a link key */
#define MAILSEC_PBKDF2_ITER 100000
#define MAILSEC_HASH_MAX 160

/* A new link key (NUL-terminated hex) and its SHA-256. */
bool mailsec_key_new(char key[MAILSEC_KEY_LEN + 1], unsigned char hash[32], struct err *err);
/* SHA-256 of KEY; false when KEY is not 64 hex digits. */
bool mailsec_key_hash(const char *key, unsigned char hash[32]);
/* Fills OUT with 32 random bytes as hex (session cookies). */
bool mailsec_random_hex(char out[65], struct err *err);

/* "pbkdf2-sha256$N$SALT$HASH" of PASSWORD with SALT_HEX (32 hex digits). */
bool mailsec_password_hash(const char *password, const char *salt_hex, char out[MAILSEC_HASH_MAX],
			   struct err *err);
/* Constant-time check of PASSWORD against STORED (the format above). */
bool mailsec_password_verify(const char *password, const char *stored);
/* The value to store in a password field of mailsec-bidir dossier ID:
 * the hash of PASSWORD with the dossier's salt (mailsec_sel, which needs
 * the edition right). The TUI's form and mailsec_password_set use it. */
bool mailsec_password_field(struct db *db, int64_t id, const char *password,
			    char out[MAILSEC_HASH_MAX], struct err *err);
/* Sets (or, PASSWORD NULL or "", removes) the password of mailsec-bidir
 * dossier ID: both password fields get the hash; never the clear text. */
bool mailsec_password_set(struct db *db, int64_t id, int version, const char *password,
			  int *new_version, struct err *err);

/* Writes file FICHIER (id) of a validated answer to PATH, under the
 * caller's rights (mailsec_reponse_fichier_data). */
bool mailsec_reponse_fichier_save(struct db *db, const char *fichier, const char *path, struct err *err);

/* Replaces %ENTITE%, %TITRE% and %LINK% in TPL (caller frees). */
char *mailsec_template(const char *tpl, const char *entite, const char *titre, const char *link);

/* The SMTP side of a sending (the connector's configuration). */
struct mailsec_smtp {
	const char *url;        /* smtp://host:port (STARTTLS when asked) or smtps://host:port */
	bool starttls;          /* smtp:// only: require STARTTLS */
	const char *user;       /* NULL or "": no authentication */
	const char *password;
	const char *ca_file;    /* NULL: the system's CAs; peers are always verified */
	const char *from;       /* envelope sender and From: address */
	const char *from_name;  /* may use %ENTITE% */
	const char *reply_to;   /* NULL: none */
	const char *subject;    /* template, default "%TITRE%" */
	const char *body;       /* template, default text with %LINK% */
	const char *base_url;   /* public address of liasse serve: link = BASE/mail/KEY */
	long timeout;           /* seconds, per message */
};

struct mailsec_send_report {
	int sent;       /* accepted by the SMTP server */
	int refused;    /* recipient refused (5xx): recorded on the recipient */
	int total;      /* recipients written to */
	bool transient; /* the server could not be reached or answered 4xx */
	char message[512]; /* French summary for the history / the job */
};

/* Sends one text message from SMTP's sender (display name NAME) to TO:
 * SUBJECT and BODY as given (no template). False + err when the server
 * refused it or could not be reached. */
bool mailsec_mail(const struct mailsec_smtp *smtp, const char *name, const char *to, const char *subject,
		  const char *body, struct err *err);

/* The sender of the mail sécurisé of recipient DEST is told of the
 * answer DEST just validated, by e-mail, when the dossier's SMTP connector
 * has notifier_reponses = on and the sender has an address (liasse serve;
 * DB is a liasse_owner connection). True when there was nothing to do. */
bool mailsec_notify_sender(struct db *db, const char *dest, struct err *err);

/* Sends ACTION ("envoi-mail" or "renvoi") of dossier ID: expands the
 * recipients (groups, roles) at the first sending, writes one message per
 * recipient with its own new link (bcc addresses never appear in another
 * recipient's message; attachments stay on the server), records sending
 * or refusal per recipient. Needs a system connection (liasse_owner
 * member, no agent profile). False + err when nothing could be attempted
 * (unknown or empty group, no recipient, database error); otherwise
 * REP says what happened. */
bool mailsec_send(struct db *db, int64_t id, const char *action, const struct mailsec_smtp *smtp,
		  struct mailsec_send_report *rep, struct err *err);



/* The recipient pages served by liasse serve (core/serve_mailsec.c), as an
 * httpd handler: /mail/KEY (message, documents, reply), /style.css. DB is
 * a system connection (liasse_owner member) used by the server thread only. */
struct httpd_request;
struct httpd_response;
struct serve_mailsec {
	struct db *db;
	char conninfo[512];
};
/* Opens the connection and checks the role; NULL + err. */
struct serve_mailsec *serve_mailsec_new(const char *conninfo, struct err *err);
void serve_mailsec_free(struct serve_mailsec **s);
void serve_mailsec_handle(void *ctx, const struct httpd_request *req, struct httpd_response *res);

#endif
