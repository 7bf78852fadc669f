/* charset.h - bytes in a named charset to UTF-8.
 *
 * Owns charset labels (aliases and the usual mislabels), the conversion to
 * UTF-8 through iconv, the guess for unlabeled 8-bit text, and the final
 * clean-up that keeps control characters out of decoded text.
 *
 * Conversions never fail and never drop text: a byte that does not convert
 * becomes U+FFFD and conversion goes on with the next byte.  An unknown
 * charset is treated as unlabeled text (see charset_guess_to_utf8).
 *
 * The labels iso-8859-1 and latin1 are decoded as windows-1252 (the
 * superset real mail means); us-ascii and unknown-8bit say nothing about
 * 8-bit bytes, so such text is guessed (valid UTF-8, else windows-1252,
 * which is identical for pure ASCII); gb2312/gbk are decoded as gb18030,
 * ks_c_5601-1987/euc-kr as cp949, shift_jis as cp932, big5 as big5-hkscs.
 * UTF-8 and windows-1252 are decoded without iconv. */
#ifndef PETREL_CHARSET_H
#define PETREL_CHARSET_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Longest charset label accepted; longer labels count as unknown. */
#define CHARSET_NAME_MAX 64

/* A conversion context: caches a few iconv descriptors (including the
 * knowledge that a label is unknown) for a sequence of calls, such as one
 * message.  Not thread-safe; use one per thread.  Never global. */
struct charset_conv;

/* Allocates an empty context; opens nothing yet. */
struct charset_conv *charset_conv_new(void);
/* Closes the cached descriptors, frees *cc and sets it to NULL. */
void charset_conv_free(struct charset_conv **cc);

enum charset_kind {
	CHARSET_UNKNOWN,	/* not a charset we know: treat as unlabeled */
	CHARSET_GUESS,		/* us-ascii, unknown-8bit: says nothing, guess */
	CHARSET_UTF8,
	CHARSET_CP1252,		/* also latin1, us-ascii, unknown-8bit */
	CHARSET_ICONV,		/* anything else iconv knows */
};

/* Maps a label as written in mail (any case, maybe quoted, maybe with an
 * RFC 2231 "*lang" suffix or an "x-" prefix) to the kind of decoder and,
 * for CHARSET_ICONV, writes the iconv name into out (outsize >= 1, at
 * most CHARSET_NAME_MAX + 1 bytes are needed).  Does not ask iconv, so an
 * unknown name may still come back as CHARSET_ICONV; charset_to_utf8 then
 * falls back to guessing. */
enum charset_kind charset_resolve(const char *name, size_t namelen,
				  char *out, size_t outsize);

/* True when text in this label can be converted (asks iconv, caching the
 * answer in cc; cc may be NULL). */
bool charset_known(struct charset_conv *cc, const char *name, size_t namelen);

/* Appends the UTF-8 form of the n bytes at s, which are in charset `name`
 * (namelen bytes), to out.  cc may be NULL (descriptors are then opened
 * and closed per call).  Returns false when the charset is unknown; the
 * text is then appended as by charset_guess_to_utf8, so the caller need
 * not do anything else.  Output may contain any Unicode character,
 * including controls and NUL: see charset_clean_append. */
bool charset_to_utf8(struct charset_conv *cc, const char *name, size_t namelen,
		     const char *s, size_t n, struct buf *out);

/* Appends unlabeled bytes as UTF-8: as they are when they are valid UTF-8,
 * otherwise decoded as windows-1252. */
void charset_guess_to_utf8(const char *s, size_t n, struct buf *out);

/* Appends UTF-8 text with each invalid sequence replaced by U+FFFD. */
void charset_utf8_append(struct buf *out, const char *s, size_t n);

/* Appends UTF-8 text (invalid sequences become U+FFFD) made safe for a
 * terminal: CR, LF, VT and FF become a space, every other C0 control
 * except tab, NUL, DEL and the C1 controls become U+FFFD. */
void charset_clean_append(struct buf *out, const char *s, size_t n);

/* Length of the valid UTF-8 sequence at the start of the n > 0 bytes at
 * s, or 0 when it is invalid or truncated. */
size_t charset_utf8_seq(const unsigned char *s, size_t n);

#endif
