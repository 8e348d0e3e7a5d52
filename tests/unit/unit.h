/* Minimal unit-test harness: TEST(name) registers a test; CHECK()
 * records a failure with file:line; each test prints one TAP line. */
#ifndef LIASSE_UNIT_H
#define LIASSE_UNIT_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*unit_fn)(void);
void unit_register(const char *name, unit_fn fn);
void unit_fail(const char *file, int line, const char *expr);
/* Path of a file in ../shared (from $SHARED), in a static buffer. */
const char *unit_shared(const char *rel);

#define TEST(name)                                                         \
	static void name(void);                                            \
	__attribute__((constructor)) static void reg_##name(void)          \
	{                                                                  \
		unit_register(#name, name);                                \
	}                                                                  \
	static void name(void)

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond))                                               \
			unit_fail(__FILE__, __LINE__, #cond);              \
	} while (0)
#define CHECK_STR(a, b)                                                    \
	do {                                                               \
		const char *a_ = (a), *b_ = (b);                           \
		if (!a_ || !b_ || strcmp(a_, b_) != 0) {                   \
			unit_fail(__FILE__, __LINE__, #a " == " #b);       \
			fprintf(stdout, "#   got '%s', expected '%s'\n",  \
				a_ ? a_ : "(null)", b_ ? b_ : "(null)");   \
		}                                                          \
	} while (0)

#endif
