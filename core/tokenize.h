/* The one line tokenizer of liasse's text formats (forms/NAME.form, key
 * bindings, themes): keyword-first declarations, one a line.
 *
 *   field objet text "Objet" tab=pes max=256 forbid="œ€"   # comment
 *
 * A declaration is a line and the lines that follow it indented by a
 * space or a tab (continuation lines). Tokens are separated by blanks:
 * bare words, "quoted strings" and key=value options (the value bare or
 * quoted). In quoted strings \" is a quote and \\ a backslash; any other
 * backslash is kept as is (\. in a regular expression). '#' at the start
 * of a token starts a comment that runs to the end of the line. The
 * input must be UTF-8 without control characters other than tab. */
#ifndef LIASSE_TOKENIZE_H
#define LIASSE_TOKENIZE_H
#include <stdbool.h>
#include <stddef.h>

enum tok_kind {
	TOK_WORD,   /* bare word: value */
	TOK_STRING, /* quoted string: value (unescaped) */
	TOK_OPTION, /* key=value: key and value */
};

struct token {
	enum tok_kind kind;
	char *key;   /* TOK_OPTION only */
	char *value; /* never NULL */
	bool quoted; /* the value was quoted */
	int line;    /* line number (1-based) of the token */
};

/* One declaration. */
struct tok_line {
	struct token *tok;
	size_t n, cap;
	int line; /* first line */
};

struct tok_reader {
	const char *data;
	size_t len, pos;
	int line; /* line number of the next physical line */
};

enum tok_status { TOK_END = 0, TOK_OK, TOK_ERROR };

void tok_reader_init(struct tok_reader *r, const char *data, size_t len);
/* Reads the next declaration into OUT (emptied first; reuse it between
 * calls and free it with tok_line_free). On TOK_ERROR, MSG (French, of
 * size MSGLEN) says what is wrong and *ERRLINE where; the rest of that
 * declaration is skipped so that the caller can go on. */
enum tok_status tok_next(struct tok_reader *r, struct tok_line *out, char *msg, size_t msglen,
			 int *errline);
void tok_line_free(struct tok_line *l);

/* Tokenizes a single line (no continuation); same rules. */
enum tok_status tok_split(const char *s, size_t len, struct tok_line *out, char *msg,
			  size_t msglen);

#endif
