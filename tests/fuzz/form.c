/* libFuzzer target: the forms parser (and the tokenizer under it) on
 * arbitrary bytes; a parsed definition is also turned into JSON and its
 * fields validated against their own default values. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 64 * 1024)
		return 0;
	struct strbuf errs = STRBUF_INIT;
	struct form_def *f = form_parse("fuzz.form", (const char *)data, size, &errs);
	if (f) {
		char *js = form_to_json(f);
		free(js);
		struct err e;
		for (size_t i = 0; i < f->nfields; i++)
			form_validate_field(f, f->fields[i].id, f->fields[i].label, &e);
		form_free(&f);
	}
	sb_free(&errs);
	return 0;
}
