/* rfc2047.h - header text to display-safe UTF-8: RFC 2047 encoded words
 * (B and Q, any charset, RFC 2231 language suffixes), raw 8-bit bytes, and
 * control characters.
 *
 * Decoding is lenient the way real mail needs it: encoded words are found
 * anywhere (inside quoted strings, glued to other text), white space
 * between two encoded words is dropped, the bytes of adjacent words in the
 * same charset are converted together (a character may be split across
 * words), and anything that is not a well-formed encoded word stays as
 * literal text.  Runs in time linear in the input. */
#ifndef PETREL_RFC2047_H
#define PETREL_RFC2047_H

#include <stddef.h>

#include "buf.h"
#include "charset.h"

/* Appends the decoded form of the n bytes at s to out.  Bytes outside
 * encoded words are converted as unlabeled text (charset_guess_to_utf8).
 * The result is valid UTF-8 with no control characters except tab (see
 * charset_clean_append: line breaks become spaces).  cc may be NULL.  An
 * out with a max may end up truncated (out->failed). */
void rfc2047_decode_append(struct charset_conv *cc, const char *s, size_t n,
			   struct buf *out);

/* The same, returned as an allocated NUL-terminated string. */
char *rfc2047_decode(struct charset_conv *cc, const char *s, size_t n);

#endif
