/* core/xml.c: safe XML input (DOM, reader, SAX) against hostile input. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/err.h"
#include "core/xml.h"
#include "tests/unit/unit.h"

static const char bomb[] =
	"<?xml version=\"1.0\"?>\n"
	"<!DOCTYPE lolz [\n"
	" <!ENTITY lol \"lol\">\n"
	" <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
	" <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
	" <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
	"]>\n<r>&lol4;</r>\n";

static const char xxe_file[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- before -->\n"
	"<!DOCTYPE r [ <!ENTITY x SYSTEM \"file:///etc/passwd\"> ]>\n<r>&x;</r>\n";

static const char xxe_http[] =
	"<?xml version=\"1.0\"?>\n<!DOCTYPE r SYSTEM \"http://127.0.0.1:9/evil.dtd\">\n<r/>\n";

/* Writes LEN bytes of DATA to a temporary file; returns its path (static). */
static const char *
tmpfile_with(const char *data, size_t len)
{
	static char path[64];
	snprintf(path, sizeof(path), "/tmp/liasse-test-xml.XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	if (write(fd, data, len) != (ssize_t)len) {
		close(fd);
		return NULL;
	}
	close(fd);
	return path;
}

TEST(xml_mem_parses_and_keeps_text)
{
	struct err e = { 0 };
	const char doc[] = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<r a=\"caf\xe9\"> <x/> </r>";
	xmlDocPtr d = xml_parse_mem_safe(doc, sizeof(doc) - 1, &e);
	CHECK(d != NULL);
	if (!d)
		return;
	xmlChar *a = xmlGetProp(xmlDocGetRootElement(d), BAD_CAST "a");
	CHECK_STR((const char *)a, "café"); /* converted to UTF-8 */
	xmlFree(a);
	CHECK(d->intSubset == NULL);
	xmlFreeDoc(d);
}

TEST(xml_refuses_billion_laughs)
{
	struct err e = { 0 };
	CHECK(xml_parse_mem_safe(bomb, sizeof(bomb) - 1, &e) == NULL);
	CHECK_STR(e.msg, XML_MSG_DTD);
	CHECK(e.code == ERR_INPUT);
}

TEST(xml_refuses_external_entities)
{
	struct err e = { 0 };
	CHECK(xml_parse_mem_safe(xxe_file, sizeof(xxe_file) - 1, &e) == NULL);
	CHECK_STR(e.msg, XML_MSG_DTD);
	err_clear(&e);
	CHECK(xml_parse_mem_safe(xxe_http, sizeof(xxe_http) - 1, &e) == NULL);
	CHECK_STR(e.msg, XML_MSG_DTD);
}

TEST(xml_refuses_dtd_in_utf16)
{
	/* "<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r><r/>" in UTF-16LE with BOM */
	const char *src = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><!DOCTYPE r><r/>";
	char buf[256];
	size_t n = 0;
	buf[n++] = (char)0xFF;
	buf[n++] = (char)0xFE;
	for (const char *p = src; *p; p++) {
		buf[n++] = *p;
		buf[n++] = 0;
	}
	struct err e = { 0 };
	CHECK(xml_parse_mem_safe(buf, n, &e) == NULL);
	CHECK_STR(e.msg, XML_MSG_DTD);
}

TEST(xml_refuses_dtd_in_file_and_reader)
{
	const char *path = tmpfile_with(xxe_file, sizeof(xxe_file) - 1);
	CHECK(path != NULL);
	if (!path)
		return;
	struct err e = { 0 };
	CHECK(xml_parse_file_safe(path, 0, &e) == NULL);
	CHECK_STR(e.msg, XML_MSG_DTD);
	err_clear(&e);
	xmlTextReaderPtr r = xml_reader_open_safe(path, &e);
	int rc = 1;
	while (r && (rc = xml_reader_read(r, &e)) == 1)
		;
	CHECK(r == NULL || rc == -1);
	CHECK_STR(e.msg, XML_MSG_DTD);
	if (r)
		xmlFreeTextReader(r);
	unlink(path);
}

TEST(xml_file_size_cap_before_parsing)
{
	char big[5000];
	memset(big, ' ', sizeof(big));
	memcpy(big, "<r>", 3);
	memcpy(big + sizeof(big) - 4, "</r>", 4);
	const char *path = tmpfile_with(big, sizeof(big));
	CHECK(path != NULL);
	if (!path)
		return;
	struct err e = { 0 };
	CHECK(xml_parse_file_safe(path, 4096, &e) == NULL);
	CHECK(strstr(e.msg, "5000 octets") != NULL);
	CHECK(strstr(e.msg, "limite de 4096 octets") != NULL);
	xmlDocPtr d = xml_parse_file_safe(path, 5000, &e);
	CHECK(d != NULL);
	xmlFreeDoc(d);
	unlink(path);
}

TEST(xml_truncated_reports_line)
{
	const char doc[] = "<?xml version=\"1.0\"?>\n<r>\n  <a V=\"1\"/>\n  <b>";
	struct err e = { 0 };
	CHECK(xml_parse_mem_safe(doc, sizeof(doc) - 1, &e) == NULL);
	CHECK(strstr(e.msg, "tronqué") != NULL);
	CHECK(strstr(e.msg, "ligne 4") != NULL);
}

TEST(xml_ill_formed_reports_line)
{
	const char doc[] = "<r>\n<a>\n</b>\n</r>\n";
	struct err e = { 0 };
	CHECK(xml_parse_mem_safe(doc, sizeof(doc) - 1, &e) == NULL);
	CHECK(strstr(e.msg, "mal formé, ligne 3") != NULL);
	CHECK(strstr(e.detail, "libxml2") != NULL);
}

TEST(xml_encodings)
{
	struct err e = { 0 };
	const char unknown[] = "<?xml version=\"1.0\" encoding=\"KLINGON-8\"?><r/>";
	CHECK(xml_parse_mem_safe(unknown, sizeof(unknown) - 1, &e) == NULL);
	CHECK(strstr(e.msg, "Encodage « KLINGON-8 » inconnu") != NULL);
	/* UTF-7 could hide "<!DOCTYPE" from a byte scanner: refused. */
	const char utf7[] = "<?xml version=\"1.0\" encoding=\"UTF-7\"?>+ADw-!DOCTYPE r+AD4-<r/>";
	CHECK(xml_parse_mem_safe(utf7, sizeof(utf7) - 1, &e) == NULL);
	CHECK(strstr(e.msg, "« UTF-7 »") != NULL);
	const char wrong[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<r a=\"caf\xe9\"/>";
	CHECK(xml_parse_mem_safe(wrong, sizeof(wrong) - 1, &e) == NULL);
	CHECK(strstr(e.msg, "pas dans l'encodage qu'il annonce (UTF-8)") != NULL);
	CHECK(strstr(e.msg, "ligne 2") != NULL);
}

TEST(xml_not_xml_and_empty)
{
	struct err e = { 0 };
	const char bin[] = "\x7f" "ELF\x02\x01\x01\0\0\0\0<r/>";
	CHECK(xml_parse_mem_safe(bin, sizeof(bin) - 1, &e) == NULL);
	CHECK(strstr(e.msg, "n'est pas du XML") != NULL);
	CHECK(xml_parse_mem_safe("", 0, &e) == NULL);
	CHECK_STR(e.msg, "Le fichier est vide");
	CHECK(xml_parse_file_safe("/nonexistent/x.xml", 0, &e) == NULL);
	CHECK(strstr(e.msg, "Fichier introuvable") != NULL);
	CHECK(e.code == ERR_IO);
}

TEST(xml_reader_streams_a_document)
{
	const char doc[] = "<?xml version=\"1.0\"?>\n<!-- c --><r><a V=\"1\"/><a V=\"2\"/></r>";
	const char *path = tmpfile_with(doc, sizeof(doc) - 1);
	CHECK(path != NULL);
	if (!path)
		return;
	struct err e = { 0 };
	xmlTextReaderPtr r = xml_reader_open_safe(path, &e);
	CHECK(r != NULL);
	int n_a = 0, rc;
	while (r && (rc = xml_reader_read(r, &e)) == 1)
		if (xmlTextReaderNodeType(r) == XML_READER_TYPE_ELEMENT &&
		    strcmp((const char *)xmlTextReaderConstLocalName(r), "a") == 0)
			n_a++;
	CHECK(r && rc == 0);
	CHECK(n_a == 2);
	if (r)
		xmlFreeTextReader(r);
	unlink(path);
}

TEST(xml_reader_reports_truncation)
{
	const char doc[] = "<r>\n<a V=\"1\"/>\n<a V=";
	const char *path = tmpfile_with(doc, sizeof(doc) - 1);
	if (!path)
		return;
	struct err e = { 0 };
	xmlTextReaderPtr r = xml_reader_open_safe(path, &e);
	int rc = 1;
	while (r && (rc = xml_reader_read(r, &e)) == 1)
		;
	CHECK(rc == -1);
	CHECK(e.msg[0] != '\0');
	if (r)
		xmlFreeTextReader(r);
	unlink(path);
}
