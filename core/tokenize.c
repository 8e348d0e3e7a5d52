#include "core/tokenize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "core/strbuf.h"
#include "core/validate.h"

void
tok_reader_init(struct tok_reader *r, const char *data, size_t len)
{
	r->data = data;
	r->len = len;
	r->pos = 0;
	r->line = 1;
}

void
tok_line_free(struct tok_line *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->tok[i].key);
		free(l->tok[i].value);
	}
	free(l->tok);
	l->tok = NULL;
	l->n = l->cap = 0;
}

static void
tok_line_clear(struct tok_line *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->tok[i].key);
		free(l->tok[i].value);
	}
	l->n = 0;
}

static struct token *
tok_push(struct tok_line *l, enum tok_kind kind, int line)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 8;
		l->tok = xrealloc(l->tok, l->cap * sizeof(*l->tok));
	}
	struct token *t = &l->tok[l->n++];
	*t = (struct token){ .kind = kind, .line = line };
	return t;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Parses a quoted string starting at s[*i] == '"'; the unescaped text
 * goes to OUT. */
static bool
parse_quoted(const char *s, size_t len, size_t *i, struct strbuf *out, char *msg, size_t msglen)
{
	size_t j = *i + 1;
	sb_addn(out, "", 0);
	while (j < len && s[j] != '"') {
		if (s[j] == '\\' && j + 1 < len && (s[j + 1] == '"' || s[j + 1] == '\\')) {
			sb_addc(out, s[j + 1]);
			j += 2;
			continue;
		}
		sb_addc(out, s[j++]);
	}
	if (j >= len) {
		snprintf(msg, msglen, _("guillemet fermant manquant"));
		return false;
	}
	*i = j + 1;
	if (*i < len && !is_blank(s[*i]) && s[*i] != '#') {
		snprintf(msg, msglen, _("espace attendue après la chaîne entre guillemets"));
		return false;
	}
	return true;
}

/* Checks one physical line: UTF-8, no control characters. */
static bool
line_check(const char *s, size_t len, char *msg, size_t msglen)
{
	if (!utf8_valid(s, len)) {
		snprintf(msg, msglen, _("texte UTF-8 invalide"));
		return false;
	}
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f) {
			snprintf(msg, msglen, _("caractère de contrôle (code %d) interdit"), s[i]);
			return false;
		}
	return true;
}

/* Appends the tokens of one physical line to OUT. */
static bool
split_append(const char *s, size_t len, int line, struct tok_line *out, char *msg, size_t msglen)
{
	if (!line_check(s, len, msg, msglen))
		return false;
	size_t i = 0;
	struct strbuf sb = STRBUF_INIT;
	while (i < len) {
		while (i < len && is_blank(s[i]))
			i++;
		if (i >= len || s[i] == '#')
			break;
		sb_reset(&sb);
		if (s[i] == '"') {
			if (!parse_quoted(s, len, &i, &sb, msg, msglen))
				goto fail;
			struct token *t = tok_push(out, TOK_STRING, line);
			t->value = sb_take(&sb);
			t->quoted = true;
			continue;
		}
		size_t start = i;
		while (i < len && !is_blank(s[i]) && s[i] != '=' && s[i] != '"')
			i++;
		if (i < len && s[i] == '"') {
			snprintf(msg, msglen, _("guillemet inattendu au milieu d'un mot"));
			goto fail;
		}
		if (i < len && s[i] == '=') {
			if (i == start) {
				snprintf(msg, msglen, _("option sans nom avant « = »"));
				goto fail;
			}
			char *key = xstrndup(s + start, i - start);
			i++;
			bool quoted = false;
			if (i < len && s[i] == '"') {
				if (!parse_quoted(s, len, &i, &sb, msg, msglen)) {
					free(key);
					goto fail;
				}
				quoted = true;
			} else {
				size_t vs = i;
				while (i < len && !is_blank(s[i]) && s[i] != '"')
					i++;
				if (i < len && s[i] == '"') {
					free(key);
					snprintf(msg, msglen, _("guillemet inattendu au milieu d'un mot"));
					goto fail;
				}
				sb_addn(&sb, s + vs, i - vs);
			}
			struct token *t = tok_push(out, TOK_OPTION, line);
			t->key = key;
			t->value = sb_take(&sb);
			t->quoted = quoted;
			continue;
		}
		struct token *t = tok_push(out, TOK_WORD, line);
		t->value = xstrndup(s + start, i - start);
	}
	sb_free(&sb);
	return true;
fail:
	sb_free(&sb);
	return false;
}

enum tok_status
tok_split(const char *s, size_t len, struct tok_line *out, char *msg, size_t msglen)
{
	tok_line_clear(out);
	out->line = 1;
	if (!split_append(s, len, 1, out, msg, msglen))
		return TOK_ERROR;
	return out->n ? TOK_OK : TOK_END;
}

/* The physical line at r->pos: [*start, *start + *len), without the
 * newline or a trailing CR. Does not advance. */
static bool
peek_line(const struct tok_reader *r, size_t *start, size_t *len, size_t *next)
{
	if (r->pos >= r->len)
		return false;
	const char *s = r->data + r->pos;
	const char *nl = memchr(s, '\n', r->len - r->pos);
	size_t n = nl ? (size_t)(nl - s) : r->len - r->pos;
	*start = r->pos;
	*next = r->pos + n + (nl ? 1 : 0);
	if (n && s[n - 1] == '\r')
		n--;
	*len = n;
	return true;
}

static bool
is_empty_line(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len && is_blank(s[i]))
		i++;
	return i == len || s[i] == '#';
}

enum tok_status
tok_next(struct tok_reader *r, struct tok_line *out, char *msg, size_t msglen, int *errline)
{
	size_t start, len, next;
	tok_line_clear(out);
	/* The first line of the declaration. */
	for (;;) {
		if (!peek_line(r, &start, &len, &next))
			return TOK_END;
		const char *s = r->data + start;
		int line = r->line;
		r->pos = next;
		r->line++;
		if (is_empty_line(s, len)) {
			if (!line_check(s, len, msg, msglen)) {
				*errline = line;
				return TOK_ERROR;
			}
			continue;
		}
		out->line = line;
		bool ok = split_append(s, len, line, out, msg, msglen);
		if (!ok)
			*errline = line;
		/* Continuation lines (indented), skipping blank and comment lines. */
		for (;;) {
			if (!peek_line(r, &start, &len, &next))
				break;
			s = r->data + start;
			if (!is_empty_line(s, len) && !is_blank(s[0]))
				break;
			line = r->line;
			r->pos = next;
			r->line++;
			if (!ok)
				continue;
			if (is_empty_line(s, len)) {
				if (!line_check(s, len, msg, msglen)) {
					ok = false;
					*errline = line;
				}
				continue;
			}
			if (!split_append(s, len, line, out, msg, msglen)) {
				ok = false;
				*errline = line;
			}
		}
		return ok ? TOK_OK : TOK_ERROR;
	}
}
