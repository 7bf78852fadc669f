/* mime.h - the MIME structure of a message (RFC 2045-2049): its part tree,
 * built from the raw bytes without copying them, and the decoded content
 * of a part.
 *
 * Owns multipart boundaries (preamble, epilogue, a missing final
 * boundary, boundaries that are prefixes of each other, trailing white
 * space on boundary lines, CRLF or LF), message/rfc822 and message/global
 * nesting, the per-part fields (Content-Type with its parameters,
 * Content-Transfer-Encoding, Content-Disposition, Content-ID, file name),
 * IMAP-style part numbers, and the limits that keep a hostile message
 * from costing more than time linear in its size.
 *
 * Parts are kept in one array in document order (the "flat index": 0 is
 * the message itself); each holds offsets into the caller's raw buffer,
 * which must outlive the tree.  Parsing never fails: what cannot be
 * parsed is shown as text.
 *
 * What the parser makes of real mail:
 *  - no or an invalid Content-Type (no '/'): text/plain (in
 *    multipart/digest: message/rfc822);
 *  - a multipart without a boundary parameter, or whose boundary never
 *    appears: a text/plain leaf, so the body is still shown;
 *  - a part ends at the line break before the next boundary line of its
 *    multipart or of any enclosing multipart (so a missing close
 *    delimiter ends at the parent's next boundary or at the end); a
 *    boundary line is "--" boundary, optionally "--", optionally white
 *    space, then the line end: "--abc" never matches boundary "ab";
 *  - message/rfc822 and message/global are parsed into when their
 *    encoding is 7bit/8bit/binary (an encoded one stays a leaf part);
 *  - below MIME_MAX_DEPTH levels, a multipart or message is a leaf (it
 *    can still be saved whole) and the tree is marked truncated;
 *  - after MIME_MAX_PARTS parts the rest of a multipart is ignored (it
 *    stays in the last part's epilogue) and the tree is marked truncated.
 *
 * Part numbers follow IMAP (RFC 3501): the children of a multipart are
 * "1", "2", ...; the parts of a message/rfc822 part "2" are "2.1",
 * "2.2", ...; a message whose body is not multipart has its body as
 * part "1" (and "2.1" inside a message/rfc822 part "2").  The root of a
 * multipart message has the number "". */
#ifndef PETREL_MIME_H
#define PETREL_MIME_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "charset.h"
#include "transfer.h"

/* Limits.  Nesting deeper than MIME_MAX_DEPTH (multiparts and messages
 * counted together) is not parsed into; a message has at most
 * MIME_MAX_PARTS parts; a part header is read up to MIME_MAX_HEADER_FIELDS
 * fields; boundaries longer than MIME_BOUNDARY_MAX are cut (RFC 2046
 * allows 70). */
#define MIME_MAX_DEPTH 32
#define MIME_MAX_PARTS 10000
#define MIME_MAX_HEADER_FIELDS 1000
#define MIME_BOUNDARY_MAX 200
#define MIME_TYPE_MAX 128
#define MIME_PARTNO_MAX 200
#define MIME_NO_PART ((size_t)-1)

enum mime_disposition {
	MIME_DISP_NONE,		/* no Content-Disposition */
	MIME_DISP_INLINE,
	MIME_DISP_ATTACHMENT,	/* also any unknown disposition (RFC 2183) */
};

enum mime_kind {
	MIME_LEAF,		/* anything with content */
	MIME_MULTIPART,		/* has children */
	MIME_MESSAGE,		/* message/rfc822 or message/global: one
				 * child, the encapsulated message */
};

struct mime_part {
	enum mime_kind kind;
	size_t parent;		/* index, MIME_NO_PART for the root */
	size_t first_child;	/* index, MIME_NO_PART when none */
	size_t next;		/* next sibling, MIME_NO_PART when none */
	size_t nchildren;
	unsigned depth;		/* 0 for the root */

	/* Where it is in the raw message. */
	size_t start;		/* the part's header */
	size_t body;		/* the part's body (its encoded content) */
	size_t end;		/* end of the body (before the line break
				 * that belongs to the next boundary) */

	/* Content-Type, lower-case "type/subtype" (default text/plain). */
	char type[MIME_TYPE_MAX];
	bool type_explicit;	/* there was a valid Content-Type */
	char charset[CHARSET_NAME_MAX + 1];	/* "" when none */
	bool flowed;		/* format=flowed */
	bool delsp;		/* delsp=yes */
	enum transfer_encoding encoding;
	enum mime_disposition disposition;
	char *filename;		/* UTF-8, from Content-Disposition filename
				 * or else Content-Type name; NULL if none */
	char *content_id;	/* without angle brackets; NULL if none */
	char *description;	/* Content-Description, decoded; NULL if none */

	char partno[MIME_PARTNO_MAX];	/* IMAP part number, "" for the root
					 * of a multipart message */
};

struct mime_tree {
	const char *raw;
	size_t len;
	struct mime_part *part;	/* part[0] is the message */
	size_t nparts;
	bool truncated;		/* a depth or part limit was reached */
};

/* Parses the n raw bytes at raw (kept by reference).  Always succeeds;
 * free with mime_free.  cc (may be NULL) converts parameter charsets. */
void mime_parse(struct mime_tree *t, const char *raw, size_t n,
		struct charset_conv *cc);
void mime_free(struct mime_tree *t);

/* The part with the given IMAP number ("1", "2.1"; "" or "0" is the
 * whole message), or MIME_NO_PART. */
size_t mime_find(const struct mime_tree *t, const char *partno);

/* True when type ("text/plain") matches the part's type; pattern may be
 * "text/" to match any subtype. */
bool mime_type_is(const struct mime_part *p, const char *pattern);

/* Appends the part's content with its transfer encoding undone. */
void mime_decode(const struct mime_tree *t, const struct mime_part *p,
		 struct buf *out);

/* Appends the part's text, transfer-decoded and converted from its
 * charset (guessed when absent) to UTF-8 and cleaned as by
 * mime_clean_text.  No format=flowed processing. */
void mime_text(const struct mime_tree *t, const struct mime_part *p,
	       struct charset_conv *cc, struct buf *out);

/* Decoded size of the part's content, estimated in constant time. */
size_t mime_size_estimate(const struct mime_tree *t, const struct mime_part *p);

/* Appends text (UTF-8 or not) made safe for display with its line breaks
 * kept: CRLF and a lone CR become LF, form feed and vertical tab become
 * LF, NUL is dropped, tab stays, every other C0 control, DEL, each C1
 * control and each invalid UTF-8 sequence becomes U+FFFD.  Shared with
 * the HTML converter and the renderer. */
void mime_clean_text(struct buf *out, const char *s, size_t n);

#endif
