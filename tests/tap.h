/* tap.h - a tiny TAP producer for Petrel's unit tests.
 *
 * Usage: call the checks, then `return tap_done();` from main().  The plan
 * is printed at the end, so tests need not count themselves. */
#ifndef PETREL_TAP_H
#define PETREL_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_count, tap_failed;

__attribute__((format(printf, 2, 3), unused))
static int ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	printf("%sok %d - ", cond ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

__attribute__((format(printf, 1, 2), unused))
static void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

#define is_int(got, want, ...) \
	tap_is_int(__FILE__, __LINE__, (intmax_t)(got), (intmax_t)(want), __VA_ARGS__)
#define is_str(got, want, ...) \
	tap_is_str(__FILE__, __LINE__, (got), (want), __VA_ARGS__)

__attribute__((format(printf, 5, 6), unused))
static int tap_is_int(const char *file, int line, intmax_t got, intmax_t want,
		      const char *fmt, ...)
{
	va_list ap;
	char name[512];

	va_start(ap, fmt);
	vsnprintf(name, sizeof name, fmt, ap);
	va_end(ap);
	if (!ok(got == want, "%s", name))
		diag("%s:%d: got %jd, want %jd", file, line, got, want);
	return got == want;
}

__attribute__((format(printf, 5, 6), unused))
static int tap_is_str(const char *file, int line, const char *got, const char *want,
		      const char *fmt, ...)
{
	va_list ap;
	char name[512];
	int same;

	va_start(ap, fmt);
	vsnprintf(name, sizeof name, fmt, ap);
	va_end(ap);
	same = (got == NULL && want == NULL) ||
	       (got != NULL && want != NULL && strcmp(got, want) == 0);
	if (!ok(same, "%s", name))
		diag("%s:%d: got \"%s\", want \"%s\"", file, line,
		     got ? got : "(null)", want ? want : "(null)");
	return same;
}

__attribute__((unused))
/* The whole of the file at path, NUL-terminated, for checking what a
 * test made; "" when it cannot be read.  The caller frees it. */
__attribute__((unused))
static char *tap_read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t len = 0, cap = 4096, n;
	char *text = malloc(cap);

	if (text == NULL)
		abort();
	while (f != NULL && (n = fread(text + len, 1, cap - 1 - len, f)) > 0) {
		len += n;
		if (len + 1 == cap && (text = realloc(text, cap *= 2)) == NULL)
			abort();
	}
	if (f != NULL)
		fclose(f);
	text[len] = '\0';
	return text;
}

static int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
