/* json.h - writing JSON text into a buf: strings escaped so any bytes
 * (invalid UTF-8 included) come out as valid JSON. */
#ifndef PETREL_JSON_H
#define PETREL_JSON_H

#include <stddef.h>

#include "buf.h"

/* Appends s (n bytes) as a JSON string literal with quotes; invalid UTF-8
 * becomes U+FFFD, control characters \uXXXX. */
void json_string(struct buf *b, const char *s, size_t n);
/* json_string for a NUL-terminated string; NULL becomes null. */
void json_cstr(struct buf *b, const char *s);

#endif
