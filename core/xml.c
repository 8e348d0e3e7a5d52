/* Safe XML input: see core/xml.h.
 *
 * Three layers keep DTDs out. (1) Before libxml2 sees a byte, a small
 * scanner reads the prolog (XML declaration, comments, processing
 * instructions) and stops at the first element: a "<!DOCTYPE" there, an
 * encoding outside the ASCII-compatible whitelist, or a first character
 * that is not "<" ends the input. (2) The internalSubset SAX callback, when
 * we can reach it, stops the parser; the reader refuses a DOCUMENT_TYPE
 * node. (3) No XML_PARSE_NOENT/DTDLOAD, XML_PARSE_NONET, and a deny-all
 * external entity loader while we parse. */
#include "core/xml.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

#include "core/i18n.h"
#include "core/log.h"
#include "core/strbuf.h"

#define CHUNK 65536

/* ---- prolog scanner ---------------------------------------------------- */

enum scan_state {
	S_HEAD,   /* collecting the first 4 bytes to detect the width */
	S_PROLOG, /* between prolog items */
	S_LT,     /* after "<" */
	S_BANG,   /* after "<!" */
	S_BANG_DASH,
	S_COMMENT,
	S_COMMENT_D1,
	S_COMMENT_D2,
	S_PI,
	S_PI_Q,
	S_DONE, /* first element reached: pass everything through */
};

enum scan_verdict { V_OK = 0, V_DTD, V_ENCODING, V_NOT_XML };

struct scan {
	enum scan_state state;
	enum scan_verdict verdict;
	int width;      /* bytes per code unit: 1 or 2 */
	bool big_endian;
	unsigned char head[4];
	size_t nhead;
	unsigned char unit[2];
	size_t nunit;
	size_t nunits;  /* code units seen */
	size_t skip;    /* BOM units to skip */
	bool markup_seen, in_decl;
	char decl[256];
	size_t ndecl;
	char encoding[64]; /* declared, "" if none */
};

static bool
encoding_allowed(const char *enc, int width)
{
	if (width == 2)
		return strncasecmp(enc, "UTF-16", 6) == 0 && (!enc[6] || !strcasecmp(enc + 6, "LE") ||
							      !strcasecmp(enc + 6, "BE"));
	static const char *const ok[] = { "UTF-8", "UTF8", "US-ASCII", "ASCII", "ISO-8859-1",
					  "ISO_8859-1", "LATIN1", "ISO-LATIN-1", "ISO-8859-15",
					  "ISO_8859-15", "LATIN-9", "WINDOWS-1252", "CP1252" };
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcasecmp(enc, ok[i]) == 0)
			return true;
	return false;
}

/* Pulls encoding="..." out of the XML declaration. */
static void
scan_decl_done(struct scan *s)
{
	s->decl[s->ndecl] = '\0';
	const char *p = strstr(s->decl, "encoding");
	if (!p)
		return;
	p += 8;
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (*p++ != '=')
		return;
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	char q = *p++;
	if (q != '"' && q != '\'')
		return;
	size_t n = 0;
	while (p[n] && p[n] != q && n + 1 < sizeof(s->encoding))
		n++;
	memcpy(s->encoding, p, n);
	s->encoding[n] = '\0';
	if (!encoding_allowed(s->encoding, s->width)) {
		s->verdict = V_ENCODING;
		s->state = S_DONE;
	}
}

static bool
is_space(unsigned c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void
scan_unit(struct scan *s, unsigned c)
{
	s->nunits++;
	if (s->skip) {
		s->skip--;
		return;
	}
	switch (s->state) {
	case S_PROLOG:
		if (s->nunits == 1 && s->width == 2 && c == 0xFEFF)
			break;
		if (c == '<')
			s->state = S_LT;
		else if (!is_space(c)) {
			s->verdict = V_NOT_XML;
			s->state = S_DONE;
		}
		break;
	case S_LT:
		if (c == '?') {
			s->in_decl = !s->markup_seen;
			s->ndecl = 0;
			s->state = S_PI;
		} else if (c == '!')
			s->state = S_BANG;
		else
			s->state = S_DONE; /* the root element */
		s->markup_seen = true;
		break;
	case S_BANG:
		if (c == '-')
			s->state = S_BANG_DASH;
		else {
			if (c == 'D')
				s->verdict = V_DTD;
			s->state = S_DONE; /* libxml2 reports anything else */
		}
		break;
	case S_BANG_DASH:
		s->state = c == '-' ? S_COMMENT : S_DONE;
		break;
	case S_COMMENT:
		if (c == '-')
			s->state = S_COMMENT_D1;
		break;
	case S_COMMENT_D1:
		s->state = c == '-' ? S_COMMENT_D2 : S_COMMENT;
		break;
	case S_COMMENT_D2:
		s->state = c == '>' ? S_PROLOG : c == '-' ? S_COMMENT_D2 : S_COMMENT;
		break;
	case S_PI_Q:
		if (c == '>') {
			if (s->in_decl)
				scan_decl_done(s);
			s->in_decl = false;
			if (s->state != S_DONE)
				s->state = S_PROLOG;
			break;
		}
		if (s->in_decl && s->ndecl + 1 < sizeof(s->decl))
			s->decl[s->ndecl++] = '?';
		if (c == '?')
			break;
		s->state = S_PI;
		/* fall through */
	case S_PI:
		if (c == '?') {
			s->state = S_PI_Q;
			break;
		}
		if (s->in_decl && s->ndecl + 1 < sizeof(s->decl))
			s->decl[s->ndecl++] = c < 128 ? (char)c : '?';
		break;
	case S_HEAD:
	case S_DONE:
		break;
	}
}

static void scan_bytes(struct scan *s, const unsigned char *p, size_t n);

/* Detects the code unit width from the first bytes (as libxml2 does). */
static void
scan_detect(struct scan *s)
{
	const unsigned char *h = s->head;
	size_t n = s->nhead;
	s->width = 1;
	s->state = S_PROLOG;
	if (n >= 4 && ((!h[0] && !h[1] && (!h[2] || !h[3])) || (h[0] == 0x3C && !h[1] && !h[2]) ||
		       (!h[0] && h[1] == 0x3C && !h[2]) || (h[0] == 0xFF && h[1] == 0xFE && !h[2] && !h[3]))) {
		str_copy(s->encoding, sizeof(s->encoding), "UCS-4");
		s->verdict = V_ENCODING;
		s->state = S_DONE;
	} else if (n >= 4 && h[0] == 0x4C && h[1] == 0x6F && h[2] == 0xA7 && h[3] == 0x94) {
		str_copy(s->encoding, sizeof(s->encoding), "EBCDIC");
		s->verdict = V_ENCODING;
		s->state = S_DONE;
	} else if (n >= 2 && ((h[0] == 0xFE && h[1] == 0xFF) || (n >= 4 && !h[0] && h[1] == 0x3C && !h[2] && h[3] == 0x3F))) {
		s->width = 2;
		s->big_endian = true;
	} else if (n >= 2 && ((h[0] == 0xFF && h[1] == 0xFE) || (n >= 4 && h[0] == 0x3C && !h[1] && h[2] == 0x3F && !h[3]))) {
		s->width = 2;
	} else if (n >= 3 && h[0] == 0xEF && h[1] == 0xBB && h[2] == 0xBF) {
		s->skip = 3;
	}
	if (s->state != S_DONE)
		scan_bytes(s, h, n);
}

static void
scan_bytes(struct scan *s, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n && s->state != S_DONE; i++) {
		if (s->state == S_HEAD) {
			s->head[s->nhead++] = p[i];
			if (s->nhead == 4) {
				scan_detect(s);
			}
			continue;
		}
		if (s->width == 1) {
			scan_unit(s, p[i]);
			continue;
		}
		s->unit[s->nunit++] = p[i];
		if (s->nunit == 2) {
			unsigned c = s->big_endian ? (s->unit[0] << 8 | s->unit[1])
						   : (s->unit[1] << 8 | s->unit[0]);
			s->nunit = 0;
			scan_unit(s, c);
		}
	}
}

/* End of input: a file shorter than 4 bytes still gets its verdict. */
static void
scan_finish(struct scan *s)
{
	if (s->state == S_HEAD && s->nhead > 0)
		scan_detect(s);
}

/* ---- error collection -------------------------------------------------- */

struct collect {
	bool have_error, terminating, error_at_end, stopped, io_error;
	int code, line;
	char msg[400];
	char stop_msg[512];
	enum scan_verdict verdict;
	char encoding[64];
	int io_errno;
};

static _Thread_local struct collect *current;
/* libxml2's error handlers are per thread: install them in each one. */
static _Thread_local bool initialised;

static void
structured_error(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	if (!e || e->level < XML_ERR_ERROR)
		return;
	if (!current) {
		log_debug("libxml2: %s", e->message ? e->message : "?");
		return;
	}
	if (current->have_error)
		return;
	current->have_error = true;
	current->error_at_end = current->terminating;
	current->code = e->code;
	current->line = e->line;
	str_copy(current->msg, sizeof(current->msg), e->message ? e->message : "");
	size_t n = strlen(current->msg);
	while (n && (current->msg[n - 1] == '\n' || current->msg[n - 1] == ' '))
		current->msg[--n] = '\0';
}

static xmlParserInputPtr
deny_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	(void)ctxt;
	log_debug("external entity refused: %s %s", url ? url : "", id ? id : "");
	if (current)
		current->verdict = current->verdict ? current->verdict : V_DTD;
	return NULL;
}

static void
silent_generic(void *ctx, const char *fmt, ...)
{
	(void)ctx, (void)fmt;
}

void
xml_init(void)
{
	if (initialised)
		return;
	initialised = true;
	xmlInitParser();
	xmlSetStructuredErrorFunc(NULL, structured_error);
	xmlSetGenericErrorFunc(NULL, silent_generic);
}

struct guard {
	struct collect *prev;
	xmlExternalEntityLoader prev_loader;
};

static void
guard_begin(struct guard *g, struct collect *c)
{
	xml_init();
	memset(c, 0, sizeof(*c));
	g->prev = current;
	current = c;
	g->prev_loader = xmlGetExternalEntityLoader();
	xmlSetExternalEntityLoader(deny_loader);
}

static void
guard_end(struct guard *g)
{
	xmlSetExternalEntityLoader(g->prev_loader);
	current = g->prev;
}

/* ---- input sources ----------------------------------------------------- */

struct source {
	int fd;                /* -1 for memory */
	const unsigned char *mem;
	size_t len, pos;
	struct scan scan;
	bool failed;
};

/* Reads up to N bytes through the scanner; 0 at the end, -1 when the
 * scanner refused the input or the file could not be read. */
static int
source_read(struct source *s, char *buf, int n)
{
	if (s->failed)
		return -1;
	ssize_t got;
	if (s->fd >= 0) {
		do
			got = read(s->fd, buf, (size_t)n);
		while (got < 0 && errno == EINTR);
		if (got < 0) {
			if (current) {
				current->io_error = true;
				current->io_errno = errno;
			}
			s->failed = true;
			return -1;
		}
	} else {
		got = (ssize_t)(s->len - s->pos) < n ? (ssize_t)(s->len - s->pos) : n;
		memcpy(buf, s->mem + s->pos, (size_t)got);
		s->pos += (size_t)got;
	}
	if (got == 0)
		scan_finish(&s->scan);
	else
		scan_bytes(&s->scan, (const unsigned char *)buf, (size_t)got);
	if (s->scan.verdict != V_OK) {
		if (current) {
			current->verdict = s->scan.verdict;
			str_copy(current->encoding, sizeof(current->encoding), s->scan.encoding);
		}
		s->failed = true;
		return -1;
	}
	return (int)got;
}

static void
source_init_mem(struct source *s, const char *data, size_t len)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->mem = (const unsigned char *)data;
	s->len = len;
}

static void
fmt_size(char *buf, size_t n, unsigned long long bytes)
{
	if (bytes >= 1024 * 1024)
		snprintf(buf, n, _("%llu octets (%.1f Mo)"), bytes, bytes / (1024.0 * 1024.0));
	else
		snprintf(buf, n, _("%llu octets"), bytes);
}

/* Opens PATH for reading, refusing what is not a regular file and files
 * larger than MAX_BYTES (0: no limit). Returns the fd or -1 + err. */
static int
open_file(const char *path, size_t max_bytes, struct err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		if (e == ENOENT)
			err_set(err, ERR_IO, _("Fichier introuvable : %s"), path);
		else if (e == EACCES)
			err_set(err, ERR_IO, _("Lecture de %s impossible : permission refusée"), path);
		else
			err_set(err, ERR_IO, _("Lecture de %s impossible"), path);
		err_detail(err, "open: %s", strerror(e));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0)
		st.st_mode = 0;
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		if (S_ISDIR(st.st_mode))
			err_set(err, ERR_INPUT, _("%s est un dossier, pas un fichier"), path);
		else
			err_set(err, ERR_INPUT, _("%s n'est pas un fichier ordinaire"), path);
		return -1;
	}
	if (st.st_size == 0) {
		close(fd);
		return err_set(err, ERR_INPUT, _("Le fichier est vide")), -1;
	}
	if (max_bytes && (unsigned long long)st.st_size > max_bytes) {
		char have[64], lim[64];
		fmt_size(have, sizeof(have), (unsigned long long)st.st_size);
		fmt_size(lim, sizeof(lim), max_bytes);
		close(fd);
		err_set(err, ERR_INPUT, _("Le fichier fait %s, au-delà de la limite de %s : refusé"),
			have, lim);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

/* ---- errors to French -------------------------------------------------- */

static const char *
syntax_phrase(int code)
{
	switch (code) {
	case XML_ERR_TAG_NAME_MISMATCH:
		return _("balise fermante qui ne correspond pas à la balise ouvrante");
	case XML_ERR_DOCUMENT_END:
		return _("contenu après la fin du document");
	case XML_ERR_UNDECLARED_ENTITY:
	case XML_WAR_UNDECLARED_ENTITY:
		return _("entité non déclarée");
	case XML_ERR_ATTRIBUTE_WITHOUT_VALUE:
	case XML_ERR_ATTRIBUTE_NOT_STARTED:
	case XML_ERR_ATTRIBUTE_NOT_FINISHED:
		return _("attribut mal écrit");
	case XML_ERR_ATTRIBUTE_REDEFINED:
		return _("attribut répété");
	case XML_ERR_NAME_REQUIRED:
	case XML_ERR_GT_REQUIRED:
		return _("balise mal écrite");
	case XML_ERR_INVALID_CHARREF:
		return _("référence de caractère invalide");
	case XML_NS_ERR_UNDEFINED_NAMESPACE:
		return _("préfixe d'espace de noms non déclaré");
	default:
		return _("erreur de syntaxe");
	}
}

static bool
is_limit_error(const struct collect *c)
{
	return c->code == XML_ERR_NAME_TOO_LONG ||
	       strstr(c->msg, "Excessive depth") || strstr(c->msg, "huge") ||
	       strstr(c->msg, "Huge") || strstr(c->msg, "too long");
}

/* Fills ERR from what C collected; returns false. */
static bool
collect_to_err(const struct collect *c, struct err *err)
{
	const char *enc = c->encoding[0] ? c->encoding : "UTF-8";
	if (c->stopped) {
		err_set(err, ERR_INPUT, "%s", c->stop_msg);
		return false;
	}
	switch (c->verdict) {
	case V_DTD:
		return err_set(err, ERR_INPUT, "%s", _(XML_MSG_DTD));
	case V_ENCODING:
		return err_set(err, ERR_INPUT,
			       _("Encodage « %s » inconnu ou refusé (acceptés : UTF-8, ISO-8859-1, "
				 "ISO-8859-15, Windows-1252, US-ASCII, UTF-16)"),
			       c->encoding);
	case V_NOT_XML:
		return err_set(err, ERR_INPUT,
			       _("Ce fichier n'est pas du XML (il ne commence pas par une balise)"));
	case V_OK:
		break;
	}
	if (c->io_error) {
		err_set(err, ERR_IO, _("Erreur de lecture du fichier"));
		return err_detail(err, "read: %s", strerror(c->io_errno));
	}
	if (!c->have_error)
		return err_set(err, ERR_INPUT, _("Le document XML est incomplet ou mal formé"));
	switch (c->code) {
	case XML_ERR_DOCUMENT_EMPTY:
		err_set(err, ERR_INPUT, _("Le fichier est vide"));
		break;
	case XML_ERR_DOCUMENT_START:
		err_set(err, ERR_INPUT, _("Ce fichier n'est pas du XML (il ne commence pas par une balise)"));
		break;
	case XML_ERR_INVALID_CHAR:
	case XML_ERR_INVALID_ENCODING:
		if (c->encoding[0])
			err_set(err, ERR_INPUT,
				_("Caractère invalide ligne %d : le fichier n'est pas dans l'encodage "
				  "qu'il annonce (%s)"),
				c->line, enc);
		else
			err_set(err, ERR_INPUT,
				_("Caractère invalide ligne %d : le fichier ne déclare pas son encodage "
				  "et n'est pas en UTF-8 (ajouter encoding=\"ISO-8859-1\" ?)"),
				c->line);
		break;
	case XML_ERR_UNKNOWN_ENCODING:
	case XML_ERR_UNSUPPORTED_ENCODING:
		err_set(err, ERR_INPUT, _("Encodage « %s » inconnu ou refusé"), enc);
		break;
	default:
		if (c->error_at_end || c->code == XML_ERR_TAG_NOT_FINISHED ||
		    c->code == XML_ERR_DOCUMENT_EMPTY)
			err_set(err, ERR_INPUT,
				_("Le fichier XML est tronqué : il s'arrête avant la fin du document "
				  "(ligne %d)"),
				c->line);
		else if (is_limit_error(c))
			err_set(err, ERR_INPUT,
				_("Le fichier XML dépasse une limite de sécurité (profondeur, longueur "
				  "d'un nom ou d'une valeur), ligne %d"),
				c->line);
		else
			err_set(err, ERR_INPUT, _("Le fichier XML est mal formé, ligne %d : %s"),
				c->line, syntax_phrase(c->code));
	}
	return err_detail(err, "libxml2 error %d line %d: %s", c->code, c->line, c->msg);
}

/* ---- push parsing (DOM and SAX) ---------------------------------------- */

static void
refuse_subset(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
	(void)name, (void)ext, (void)sys;
	if (current)
		current->verdict = V_DTD;
	xmlStopParser(ctx);
}

static xmlEntityPtr
no_entity(void *ctx, const xmlChar *name)
{
	(void)ctx, (void)name;
	return NULL;
}

struct sax_user {
	void *user;
};

/* Runs a push parser over SRC. SAX NULL builds a DOM (returned in *DOC).
 * HUGE lifts libxml2's per-node limits (only when the input size is
 * already bounded). */
static bool
push_parse(struct source *src, xmlSAXHandler *sax, void *user, bool huge, xmlDocPtr *doc,
	   struct err *err)
{
	struct collect c;
	struct guard g;
	guard_begin(&g, &c);
	char buf[CHUNK];
	int n = source_read(src, buf, 4);
	xmlParserCtxtPtr ctxt = NULL;
	bool ok = false;
	if (n < 0)
		goto out;
	if (n == 0) {
		err_set(err, ERR_INPUT, _("Le fichier est vide"));
		guard_end(&g);
		return false;
	}
	ctxt = xmlCreatePushParserCtxt(sax, NULL, buf, n, NULL);
	if (!ctxt) {
		guard_end(&g);
		return err_set(err, ERR_INTERNAL, _("Mémoire insuffisante pour lire le XML"));
	}
	ctxt->_private = user;
	ctxt->sax->internalSubset = refuse_subset;
	ctxt->sax->externalSubset = refuse_subset;
	ctxt->sax->entityDecl = NULL;
	ctxt->sax->unparsedEntityDecl = NULL;
	ctxt->sax->notationDecl = NULL;
	ctxt->sax->elementDecl = NULL;
	ctxt->sax->attributeDecl = NULL;
	if (sax) {
		ctxt->sax->getEntity = no_entity;
		ctxt->sax->getParameterEntity = no_entity;
		ctxt->sax->reference = NULL;
	}
	xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | (huge ? XML_PARSE_HUGE : 0));
	for (;;) {
		n = source_read(src, buf, CHUNK);
		if (n < 0)
			break;
		if (n == 0)
			c.terminating = true;
		if (xmlParseChunk(ctxt, buf, n, n == 0) != 0 || c.stopped || c.verdict ||
		    ctxt->disableSAX || n == 0)
			break;
	}
	ok = n == 0 && ctxt->wellFormed && !c.stopped && !c.verdict && !c.have_error;
	str_copy(c.encoding, sizeof(c.encoding), src->scan.encoding);
	if (doc) {
		if (ok && ctxt->myDoc && ctxt->myDoc->intSubset) {
			c.verdict = V_DTD; /* cannot happen: refuse_subset stopped it */
			ok = false;
		}
		if (ok)
			*doc = ctxt->myDoc;
		else if (ctxt->myDoc)
			xmlFreeDoc(ctxt->myDoc);
		ctxt->myDoc = NULL;
	} else if (ctxt->myDoc) {
		/* a tree the caller's handlers built (libxml2's SAX2 ones) */
		xmlFreeDoc(ctxt->myDoc);
		ctxt->myDoc = NULL;
	}
out:
	if (ctxt)
		xmlFreeParserCtxt(ctxt);
	if (!ok)
		collect_to_err(&c, err);
	guard_end(&g);
	return ok;
}

void *
xml_sax_user(void *ctx)
{
	return ((xmlParserCtxtPtr)ctx)->_private;
}

void
xml_sax_stop(void *ctx, const char *msg)
{
	if (current && !current->stopped) {
		current->stopped = true;
		str_copy(current->stop_msg, sizeof(current->stop_msg), msg);
	}
	xmlStopParser(ctx);
}

bool
xml_sax_file_safe(const char *path, xmlSAXHandler *sax, void *user_data, struct err *err)
{
	struct source src;
	source_init_mem(&src, NULL, 0);
	src.fd = open_file(path, 0, err);
	if (src.fd < 0)
		return false;
	bool ok = push_parse(&src, sax, user_data, false, NULL, err);
	close(src.fd);
	return ok;
}

bool
xml_sax_mem_safe(const char *data, size_t len, xmlSAXHandler *sax, void *user_data,
		 struct err *err)
{
	struct source src;
	source_init_mem(&src, data, len);
	return push_parse(&src, sax, user_data, false, NULL, err);
}

xmlDocPtr
xml_parse_file_safe(const char *path, size_t max_bytes, struct err *err)
{
	struct source src;
	source_init_mem(&src, NULL, 0);
	src.fd = open_file(path, max_bytes ? max_bytes : XML_MAX_BYTES_DEFAULT, err);
	if (src.fd < 0)
		return NULL;
	xmlDocPtr doc = NULL;
	push_parse(&src, NULL, NULL, true, &doc, err);
	close(src.fd);
	return doc;
}

xmlDocPtr
xml_parse_mem_safe(const char *data, size_t len, struct err *err)
{
	if (len > XML_MAX_BYTES_DEFAULT) {
		char have[64], lim[64];
		fmt_size(have, sizeof(have), len);
		fmt_size(lim, sizeof(lim), XML_MAX_BYTES_DEFAULT);
		err_set(err, ERR_INPUT, _("Le document fait %s, au-delà de la limite de %s : refusé"),
			have, lim);
		return NULL;
	}
	struct source src;
	source_init_mem(&src, data, len);
	xmlDocPtr doc = NULL;
	push_parse(&src, NULL, NULL, true, &doc, err);
	return doc;
}

/* ---- streaming reader -------------------------------------------------- */

static int
reader_read_cb(void *ctx, char *buf, int len)
{
	return source_read(ctx, buf, len);
}

static int
reader_close_cb(void *ctx)
{
	struct source *s = ctx;
	if (s->fd >= 0)
		close(s->fd);
	free(s);
	return 0;
}

xmlTextReaderPtr
xml_reader_open_safe(const char *path, struct err *err)
{
	int fd = open_file(path, 0, err);
	if (fd < 0)
		return NULL;
	struct source *src = xmalloc(sizeof(*src));
	source_init_mem(src, NULL, 0);
	src->fd = fd;
	struct collect c;
	struct guard g;
	guard_begin(&g, &c);
	xmlTextReaderPtr r = xmlReaderForIO(reader_read_cb, reader_close_cb, src, NULL, NULL,
					    XML_PARSE_NONET);
	if (!r || c.verdict || c.io_error) {
		if (r)
			xmlFreeTextReader(r);
		r = NULL;
		if (c.verdict || c.io_error)
			collect_to_err(&c, err);
		else
			err_set(err, ERR_INTERNAL, _("Mémoire insuffisante pour lire le XML"));
	}
	guard_end(&g);
	return r;
}

int
xml_reader_read(xmlTextReaderPtr reader, struct err *err)
{
	struct collect c;
	struct guard g;
	guard_begin(&g, &c);
	int rc = xmlTextReaderRead(reader);
	if (rc == 0 && !c.have_error && !c.verdict) {
		/* The reader may report a truncated file only at the end. */
		if (xmlTextReaderReadState(reader) != XML_TEXTREADER_MODE_EOF &&
		    xmlTextReaderReadState(reader) != XML_TEXTREADER_MODE_CLOSED)
			rc = -1;
	}
	if (rc == 1 && xmlTextReaderNodeType(reader) == XML_READER_TYPE_DOCUMENT_TYPE) {
		c.verdict = V_DTD;
		rc = -1;
	}
	if (rc == 0 && (c.have_error || c.verdict))
		rc = -1;
	if (rc < 0)
		collect_to_err(&c, err);
	guard_end(&g);
	return rc;
}
