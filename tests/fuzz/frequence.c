/* libFuzzer target: the frequency parser and the next-run computation
 * (cron lines included) on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/frequence.h"
#include "core/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 8192)
		return 0;
	char *s = xstrndup((const char *)data, size);
	struct err err;
	struct frequence *f = frequence_parse(s, &err);
	if (f) {
		time_t t = 1700000000, next;
		for (int i = 1; i <= 20; i++) {
			if (!frequence_next(f, t, i, &next))
				break;
			if (next <= t)
				abort(); /* time must move forward */
			t = next;
		}
		frequence_free(&f);
	} else if (err.msg[0] == '\0') {
		abort(); /* a refusal always says why */
	}
	free(s);
	return 0;
}
