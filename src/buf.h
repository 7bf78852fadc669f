/* buf.h - growable byte buffer with a hard maximum and a sticky error.
 *
 * Appends past the maximum fail and set `failed`; every later append is a
 * no-op, so a caller can build a whole thing and check once at the end
 * (the way SQLite's sqlite3_str works).  The data is always kept
 * NUL-terminated, so buf_cstr() is free. */
#ifndef PETREL_BUF_H
#define PETREL_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct buf {
	char *data;	/* NULL until the first append */
	size_t len;
	size_t cap;
	size_t max;	/* 0 means no limit beyond memory */
	bool failed;	/* an append hit max; buffer content is truncated */
};

#define BUF_INIT { NULL, 0, 0, 0, false }

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
/* Empties the buffer, keeps the allocation, clears the error. */
void buf_reset(struct buf *b);

bool buf_append(struct buf *b, const void *p, size_t n);
bool buf_putc(struct buf *b, char c);
bool buf_puts(struct buf *b, const char *s);
bool buf_printf(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
bool buf_vprintf(struct buf *b, const char *fmt, va_list ap) PRINTF_LIKE(2, 0);

/* The contents as a NUL-terminated string (never NULL). */
const char *buf_cstr(struct buf *b);
/* Hands the allocation to the caller (never NULL) and resets the buffer. */
char *buf_steal(struct buf *b, size_t *len);
/* Drops the last n bytes (or all, if fewer). */
void buf_truncate(struct buf *b, size_t len);

#endif
