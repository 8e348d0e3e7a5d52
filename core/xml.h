/* The one way liasse reads XML, from files or from servers.
 *
 * Every entry point refuses a DOCTYPE (so no DTD, no entity declaration,
 * no XML bomb, no external entity), never opens the network or any other
 * file (XML_PARSE_NONET and a deny-all external entity loader), never runs
 * XInclude, refuses encodings other than UTF-8, UTF-16, US-ASCII,
 * ISO-8859-1, ISO-8859-15 and Windows-1252, and reports problems as a
 * French err->msg (with the line number when there is one) and libxml2's
 * own text in err->detail. libxml2 never prints to stderr itself once
 * any function here has been called. */
#ifndef LIASSE_XML_H
#define LIASSE_XML_H
#include <stdbool.h>
#include <stddef.h>

#include <libxml/parser.h>
#include <libxml/xmlreader.h>

#include "core/err.h"

/* A sensible default cap for documents loaded whole into memory. */
#define XML_MAX_BYTES_DEFAULT ((size_t)256 * 1024 * 1024)

/* Installs the libxml2 error handler; idempotent, called by every function
 * below. Call it once early in a program that uses libxml2 directly. */
void xml_init(void);

/* Parses PATH into a DOM; refuses DTDs, network, files > MAX_BYTES
 * (checked before parsing; 0 = XML_MAX_BYTES_DEFAULT). Whitespace,
 * comments and attributes are kept as in the file (signatures stay valid).
 * Caller xmlFreeDoc()s; NULL + err on failure. */
xmlDocPtr xml_parse_file_safe(const char *path, size_t max_bytes, struct err *err);
/* Same for LEN bytes at DATA (e.g. a server's answer). */
xmlDocPtr xml_parse_mem_safe(const char *data, size_t len, struct err *err);

/* A streaming reader (xmlTextReader) with the same protections, for large
 * files: memory stays bounded whatever the file size (a single text node
 * is limited to 10 MB by libxml2). Read it with xml_reader_read() (not
 * xmlTextReaderRead, which would bypass the error collection), free it
 * with xmlFreeTextReader(). NULL + err on failure. */
xmlTextReaderPtr xml_reader_open_safe(const char *path, struct err *err);
/* Advances READER: 1 on a node, 0 at the end of the document, -1 on
 * error (err filled, in French). */
int xml_reader_read(xmlTextReaderPtr reader, struct err *err);

/* SAX streaming with the same protections, used by core/pes.c: feeds the
 * file (or the memory) to a push parser with the caller's SAX2 handlers
 * (startElementNs, endElementNs, characters...; internalSubset and the
 * entity callbacks are replaced). The file is read by 64 KiB chunks and
 * never held in memory; text is handed to `characters` in pieces, so a
 * huge text node costs nothing. Every callback receives the parser
 * context as CTX: xml_sax_user(ctx) gives back USER_DATA, and
 * xml_sax_stop(ctx, msg) abandons the parse with the callback's own
 * French message (ERR_INPUT). */
bool xml_sax_file_safe(const char *path, xmlSAXHandler *sax, void *user_data,
		       struct err *err);
bool xml_sax_mem_safe(const char *data, size_t len, xmlSAXHandler *sax, void *user_data,
		      struct err *err);
void *xml_sax_user(void *ctx);
void xml_sax_stop(void *ctx, const char *msg);

/* The French message for a DTD, shared by tests and callers. */
#define XML_MSG_DTD \
	"Le fichier contient une DTD (déclaration DOCTYPE), refusée pour raison de sécurité"

#endif
