/* base64.h - RFC 4648 base64 (the standard alphabet, with padding) for
 * protocol text: SASL challenges and responses, and anything else that
 * must be strict about what it accepts.
 *
 * This is the strict form.  Message bodies, where real-world encoders are
 * sloppy, want a lenient decoder that skips line breaks and junk; that is
 * the MIME layer's business, not this module's. */
#ifndef PETREL_BASE64_H
#define PETREL_BASE64_H

#include <stdbool.h>
#include <stddef.h>

/* Longest input base64_encode() accepts: keeps the encoded length far from
 * SIZE_MAX on every platform. */
#define BASE64_INPUT_MAX ((size_t)1 << 30)

/* The number of characters base64 needs for n bytes (without the NUL). */
size_t base64_encoded_len(size_t n);

/* Encodes n bytes into an allocated, NUL-terminated string (never NULL;
 * "" for n == 0).  n above BASE64_INPUT_MAX is a programmer error. */
char *base64_encode(const void *data, size_t n);

/* Decodes exactly n characters of text.  Strict: only the RFC 4648
 * alphabet, the length a multiple of 4, '=' padding only at the end (at
 * most two), no white space, no line breaks.  On success returns 0 and
 * hands back an allocated buffer in *out (NUL-terminated for convenience,
 * the NUL not counted in *outlen; "" for empty input).  On malformed input
 * returns -1 and leaves *out NULL. */
int base64_decode(const char *text, size_t n, unsigned char **out, size_t *outlen);

/* True when the n characters would pass base64_decode(). */
bool base64_valid(const char *text, size_t n);

#endif
