/* rfc2231.h - MIME header field values with parameters: Content-Type,
 * Content-Disposition (RFC 2045, RFC 2183) and the RFC 2231 extensions.
 *
 * Owns the leading token of such a value ("text/plain", "attachment"),
 * parameter lookup by name, quoted strings, RFC 2231 continuations
 * (name*0, name*1*, ...) and charset'language'percent-encoded values, and
 * the RFC 2047 encoded words inside quoted values that real clients send
 * ("=?UTF-8?B?...?=" as a file name).
 *
 * Leniency, the way real mail needs it: parameter names are matched in
 * any case; white space and comments around tokens are skipped; an
 * unquoted value runs to the next ';' (spaces kept inside, trimmed at the
 * ends); an unterminated quoted string runs to the end; inside quotes
 * only \\ and \" are escapes (a Windows path keeps its backslashes);
 * continuation segments may come in any order and gaps are ignored; when
 * both name and name*... are present the RFC 2231 form wins; the first
 * occurrence of a plain parameter wins.  Time is linear in the value
 * times the number of lookups. */
#ifndef PETREL_RFC2231_H
#define PETREL_RFC2231_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "charset.h"

/* Continuation segments assembled per parameter; later ones are ignored. */
#define RFC2231_MAX_SEGMENTS 128

/* Copies the token before the first ';' (white space and comments
 * skipped, ASCII lower-cased, at most outsize - 1 bytes kept) to out,
 * NUL-terminated; returns its length (0 when the value is empty).
 * outsize must be at least 1. */
size_t rfc2231_token(const char *v, size_t n, char *out, size_t outsize);

/* Looks up parameter `name` (ASCII, without any '*') in the n bytes of
 * value v and appends its value to out: quotes removed, continuations
 * joined, RFC 2231 percent escapes resolved, but no charset conversion
 * (the bytes as sent; use for boundary, charset, format).  Returns true
 * when the parameter is present (its value may be empty). */
bool rfc2231_param_raw(const char *v, size_t n, const char *name, struct buf *out);

/* The same, with the value decoded to UTF-8 for display: an RFC 2231
 * value is converted from its charset, a plain value has its RFC 2047
 * encoded words decoded and other 8-bit bytes guessed.  The text
 * appended is valid UTF-8 without control characters (see
 * charset_clean_append).  cc may be NULL. */
bool rfc2231_param(struct charset_conv *cc, const char *v, size_t n,
		   const char *name, struct buf *out);

#endif
