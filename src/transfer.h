/* transfer.h - MIME content transfer encodings (RFC 2045): decoding the
 * body of a part to its bytes, leniently, as real mail needs it.
 *
 * Owns the Content-Transfer-Encoding labels, the incremental base64 and
 * quoted-printable decoders, uuencoded blocks (the "begin 644 name" form
 * old clients put in plain text), and size estimates.  Strict base64 for
 * protocol text is base64.h's job, not this module's.
 *
 * What the decoders accept:
 *  - base64: every byte outside the alphabet (line breaks, spaces, junk)
 *    is skipped; '=' ends a group early (the bytes it holds are kept) and
 *    decoding goes on after it, so concatenated blocks decode whole; a
 *    missing padding is fine; a lone trailing character is dropped.
 *  - quoted-printable: "=XX" with upper- or lower-case hex; "=" at the end
 *    of a line (trailing white space allowed) is a soft break; white
 *    space at the end of a line is transport padding and is dropped; a
 *    malformed escape ("=G1", "=4", a lone "=") stays as it is; line ends
 *    (CRLF or LF) come out as they went in.
 *  - 7bit, 8bit, binary and unknown labels: the bytes as they are.
 * All decoders run in time linear in their input and never fail. */
#ifndef PETREL_TRANSFER_H
#define PETREL_TRANSFER_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

enum transfer_encoding {
	TRANSFER_7BIT,		/* also the default, and any unknown label */
	TRANSFER_8BIT,
	TRANSFER_BINARY,
	TRANSFER_QP,
	TRANSFER_BASE64,
	TRANSFER_UUENCODE,	/* x-uuencode, x-uue, uuencode, x-uu */
};

/* Maps a Content-Transfer-Encoding value (any case, white space and
 * comments around it allowed) to an encoding; unknown or empty labels
 * are TRANSFER_7BIT, which decodes as the identity. */
enum transfer_encoding transfer_encoding_parse(const char *v, size_t n);

/* The canonical lower-case name ("base64", "quoted-printable", ...). */
const char *transfer_encoding_name(enum transfer_encoding enc);

/* An incremental decoder: feed the encoded body in pieces of any size
 * (split anywhere, even inside "=XX" or a CRLF), then finish.  The output
 * is the same whatever the split.  Holds at most one line of
 * quoted-printable text between calls. */
struct transfer_dec {
	enum transfer_encoding enc;
	unsigned bits;		/* base64: bits collected so far */
	unsigned nbits;		/* base64: how many (0, 6, 12, 18) */
	struct buf line;	/* quoted-printable, uuencode: the unfinished line */
	int uu_state;		/* uuencode: before "begin", in data, after "end" */
};

/* Starts decoding enc. */
void transfer_dec_init(struct transfer_dec *d, enum transfer_encoding enc);
/* Decodes the n bytes at s, appending what is complete to out. */
void transfer_dec_feed(struct transfer_dec *d, const char *s, size_t n,
		       struct buf *out);
/* Appends what is left (an unfinished line or group) and frees what the
 * decoder holds; the decoder may be initialised again afterwards. */
void transfer_dec_finish(struct transfer_dec *d, struct buf *out);

/* One-shot: appends the decoded form of the n bytes at s to out. */
void transfer_decode(enum transfer_encoding enc, const char *s, size_t n,
		     struct buf *out);

/* The decoded size of n encoded bytes at s, estimated in constant time
 * from the length of the first line (exact for 7bit/8bit/binary, an upper
 * bound for quoted-printable, within a line's worth for base64). */
size_t transfer_decoded_estimate(enum transfer_encoding enc, const char *s,
				 size_t n);

/* ---- uuencoded blocks inside plain text ---- */

/* Longest file name of a "begin" line that is kept. */
#define UU_NAME_MAX 255

struct uu_block {
	size_t start;		/* offset of the "begin" line */
	size_t data;		/* offset of the first encoded line */
	size_t data_end;	/* offset of the "end" line (or of the text end) */
	size_t end;		/* offset just past the "end" line */
	char name[UU_NAME_MAX + 1];	/* as written on the begin line */
	size_t size;		/* decoded bytes, from the line length chars */
};

/* Finds the first uuencoded block at or after offset `from` in the n
 * bytes of text at s: a line "begin MODE NAME" (MODE three or four octal
 * digits) followed by at least one line that is valid uuencode.  A block
 * without its "end" line runs to the last valid line.  Returns false when
 * there is none.  Linear in the bytes looked at. */
bool uu_find(const char *s, size_t n, size_t from, struct uu_block *blk);

/* Appends the decoded bytes of the block's lines (the bytes between
 * blk->data and blk->data_end of s) to out. */
void uu_decode(const char *s, const struct uu_block *blk, struct buf *out);

#endif
