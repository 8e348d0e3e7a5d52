/* A growable string buffer for SQL, XML and text. Allocation failure
 * aborts (after the terminal is restored, see tui). */
#ifndef LIASSE_STRBUF_H
#define LIASSE_STRBUF_H
#include <stddef.h>

struct strbuf {
	char *data; /* always NUL-terminated once something was added */
	size_t len;
	size_t cap;
};

#define STRBUF_INIT { NULL, 0, 0 }

void sb_add(struct strbuf *sb, const char *s);
void sb_addn(struct strbuf *sb, const char *s, size_t n);
void sb_addc(struct strbuf *sb, char c);
void sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_reset(struct strbuf *sb);
/* Frees the buffer; the struct may be reused. */
void sb_free(struct strbuf *sb);
/* The content, "" when empty; owned by SB. */
const char *sb_str(const struct strbuf *sb);
/* Hands the content to the caller (who frees it) and empties SB. */
char *sb_take(struct strbuf *sb);

/* Appends the content of the file PATH to SB, reading at most MAX + 1
 * bytes (MAX 0: no limit). Returns 0; -1 when the file cannot be opened
 * or read (errno tells why); 1 when it holds more than MAX bytes (SB then
 * holds its first MAX + 1 bytes). */
int sb_read_file(struct strbuf *sb, const char *path, size_t max);

/* Allocation helpers that never return NULL (they abort). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Called before abort() on out-of-memory (the TUI restores the terminal). */
extern void (*die_callback)(void);

/* Copies SRC into DST of size N, truncating; always NUL-terminates. */
void str_copy(char *dst, size_t n, const char *src);

#endif
