/* util.h - allocation that cannot fail, and small ASCII string helpers.
 *
 * The x* allocators end the process on out-of-memory: that is a condition
 * no caller can recover from meaningfully, like a programmer error.  All
 * other failures are reported as values (see error.h). */
#ifndef PETREL_UTIL_H
#define PETREL_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#define NORETURN __attribute__((noreturn))
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Programmer errors only: prints and aborts. */
void fatal(const char *fmt, ...) PRINTF_LIKE(1, 2) NORETURN;

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* Grows an array of nmemb elements of size bytes, checking for overflow. */
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) PRINTF_LIKE(1, 2);
char *xvasprintf(const char *fmt, va_list ap) PRINTF_LIKE(1, 0);

/* Overwrites n bytes that held a secret, in a way the compiler may not
 * drop as a dead store; NULL is fine. */
void wipe(void *p, size_t n);
/* Wipes the string s (up to its NUL) and frees it; NULL is fine. */
void wipe_free(char *s);

/* ASCII-only classification: never depends on the locale. */
static inline int ascii_tolower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }
static inline bool ascii_isspace(int c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }
static inline bool ascii_isdigit(int c) { return c >= '0' && c <= '9'; }
static inline bool ascii_isalpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static inline bool ascii_isalnum(int c) { return ascii_isalpha(c) || ascii_isdigit(c); }
static inline int hex_value(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* Case-insensitive ASCII comparisons. */
int ascii_strcasecmp(const char *a, const char *b);
int ascii_strncasecmp(const char *a, const char *b, size_t n);
/* True when the n bytes at s start with prefix (ASCII, case-insensitive). */
bool ascii_has_prefix(const char *s, size_t n, const char *prefix);

/* Trims ASCII white space at both ends, in place; returns s. */
char *str_trim(char *s);
/* Lower-cases ASCII letters in place; returns s. */
char *str_lower(char *s);
/* Parses a decimal unsigned 64-bit number filling the whole string. */
bool str_to_u64(const char *s, uint64_t *out);
/* Length of the valid UTF-8 sequence at s (n > 0 bytes available): 1-4,
 * or 0 when it is invalid (overlong, surrogate, beyond U+10FFFF, cut). */
size_t utf8_seq_len(const unsigned char *s, size_t n);
/* True when the bytes are valid UTF-8 (no overlongs, no surrogates). */
/* A byte count for people, short: 512B, 1.5K, 34K, 2.1M, 30M. */
void format_size(uint64_t n, char *out, size_t outsize);

bool utf8_valid(const char *s, size_t n);
/* Copies valid UTF-8, replacing each invalid sequence with U+FFFD and
 * dropping NUL bytes; the result is NUL-terminated and allocated. */
char *utf8_sanitize(const char *s, size_t n);

#endif
