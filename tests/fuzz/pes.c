/* libFuzzer target: PES extraction (core/pes.c) and the safe XML layer
 * under it (core/xml.c), from memory. Inputs are capped at 1 MiB. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <libxml/tree.h>

#include "core/err.h"
#include "core/pes.h"
#include "core/xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1024 * 1024)
		return 0;
	struct pes_info info;
	struct err err = { 0 };
	if (pes_info_read_mem((const char *)data, size, &info, &err)) {
		/* Walk what was extracted so that ASan sees every byte. */
		size_t n = 0;
		for (size_t i = 0; i < info.n_bordereaux_lus; i++)
			n += strlen(info.bordereaux[i].id_attr) + strlen(info.bordereaux[i].montant);
		for (size_t i = 0; i < info.n_erreurs_lues; i++)
			n += strlen(info.erreurs[i].libelle);
		(void)n;
		pes_info_free(&info);
	} else if (!err.msg[0]) {
		__builtin_trap(); /* every failure must explain itself */
	}
	xmlDocPtr doc = xml_parse_mem_safe((const char *)data, size, &err);
	if (doc) {
		if (doc->intSubset)
			__builtin_trap(); /* a DTD got through */
		xmlFreeDoc(doc);
	}
	return 0;
}
