/* demo.h - the sample mail behind `petrel --demo`.
 *
 * Owns a deterministic generator of realistic raw RFC 5322 messages: a
 * small open-source project's mailing lists (in English and in local-
 * language user lists), a German family, an international book club, and
 * the usual newsletters, invoices and CI notifications.  The corpus covers
 * what a reader has to get right: threads several levels deep (some
 * replies arrive before their parent, some carry only In-Reply-To, some
 * only References to a message that never arrives), display names and
 * bodies in UTF-8, ISO-8859-1/-15, windows-1252, KOI8-R, ISO-2022-JP,
 * Shift_JIS, GB2312, Big5 and EUC-KR (RFC 2047 B and Q words; quoted-
 * printable, base64, 8bit and 7bit bodies; a couple of classic
 * mislabels), wide, emoji and combining characters, format=flowed, nested
 * quotes, multipart/alternative, HTML-only mail, PNG and PDF attachments
 * with RFC 2231 names, list headers and Received chains.
 *
 * Messages use LF line endings.  The same seed, count and reference time
 * always give the same bytes, on any machine whose iconv knows the
 * charsets above (text a charset cannot hold is sent as UTF-8 instead). */
#ifndef PETREL_DEMO_H
#define PETREL_DEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Suggested flags; the values are the archive's flag bits. */
enum demo_flag {
	DEMO_SEEN = 1,
	DEMO_ANSWERED = 2,
	DEMO_FLAGGED = 4,
	DEMO_DRAFT = 8,
	DEMO_TRASHED = 16,
};

/* Messages generated when demo_gen_new() is given a count of 0. */
#define DEMO_DEFAULT_COUNT 300

/* The reference time used until demo_gen_set_now() says otherwise:
 * 2025-06-01 00:00:00 UTC.  Fixed so tests get the same bytes every day. */
#define DEMO_DEFAULT_NOW INT64_C(1748736000)

struct demo_gen;

struct demo_msg {
	const char *data;	/* raw message; valid until the next call */
	size_t len;		/* bytes in data (data is also NUL-terminated) */
	unsigned flags;		/* enum demo_flag bits */
	int64_t date;		/* the Date header as Unix time */
};

/* Plans a corpus of `count` messages (DEMO_DEFAULT_COUNT when 0) from
 * `seed`, dated over the two years before the reference time.  Cheap: the
 * messages themselves are built one at a time by demo_gen_next().  Never
 * fails (allocation failure ends the process, as everywhere). */
struct demo_gen *demo_gen_new(uint32_t seed, size_t count);

/* Sets the reference time (Unix seconds) the dates count back from;
 * `petrel --demo` passes time(NULL).  Call before the first
 * demo_gen_next(); later calls give a corpus with inconsistent dates. */
void demo_gen_set_now(struct demo_gen *g, int64_t now);

/* Builds the next message into *out and returns true, or returns false
 * when all `count` messages have been produced.  The order is arrival
 * order: mostly by date, but a few replies come before their parent.
 * out->data points into the generator and is overwritten by the next
 * call. */
bool demo_gen_next(struct demo_gen *g, struct demo_msg *out);

/* Frees the generator and sets *g to NULL; NULL and *g == NULL are fine. */
void demo_gen_free(struct demo_gen **g);

#endif
