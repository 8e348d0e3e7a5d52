#include <stdlib.h>

#include "tests/unit/unit.h"

struct unit_test {
	const char *name;
	unit_fn fn;
};
static struct unit_test tests[1024];
static int ntests, cur_failed;

void
unit_register(const char *name, unit_fn fn)
{
	if (ntests < (int)(sizeof(tests) / sizeof(tests[0])))
		tests[ntests++] = (struct unit_test){ name, fn };
}

void
unit_fail(const char *file, int line, const char *expr)
{
	printf("#   %s:%d: CHECK(%s)\n", file, line, expr);
	cur_failed++;
}

const char *
unit_shared(const char *rel)
{
	static char buf[4096];
	const char *s = getenv("SHARED");
	snprintf(buf, sizeof(buf), "%s/%s", s ? s : "../shared", rel);
	return buf;
}

int
main(int argc, char **argv)
{
	int failed = 0;
	for (int i = 0; i < ntests; i++) {
		if (argc > 1 && !strstr(tests[i].name, argv[1]))
			continue;
		cur_failed = 0;
		tests[i].fn();
		printf("%s - %s\n", cur_failed ? "not ok" : "ok", tests[i].name);
		fflush(stdout);
		failed += cur_failed != 0;
	}
	return failed ? 1 : 0;
}
