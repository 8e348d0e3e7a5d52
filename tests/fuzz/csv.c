/* libFuzzer target: the address book's CSV import (encoding detection,
 * separator, libcsv, line checks) and the offline report on arbitrary
 * bytes. */
#include <stdint.h>
#include <stdlib.h>

#include "core/annuaire.h"
#include "core/csv_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 256 * 1024)
		return 0;
	struct err e;
	struct csv_import *imp = csv_import_parse((const char *)data, size, &e);
	if (imp) {
		struct annuaire_import_totals t;
		annuaire_import_offline(imp, size & 1, &t);
		if ((size_t)(t.valid + t.refused) != imp->n)
			abort();
		for (size_t i = 0; i < imp->n; i++)
			if (imp->lines[i].status == CSV_LINE_REFUSED && !imp->lines[i].reason)
				abort();
		csv_import_free(&imp);
	}
	return 0;
}
