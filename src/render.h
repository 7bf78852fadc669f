/* render.h - a message as people and the search index see it: the text
 * the pager shows, one decoded part for saving, and the summary the
 * archive stores (body text for full-text search, attachment list).
 *
 * Owns the choice of what to show: the best part of each
 * multipart/alternative (text/plain over text/html unless asked
 * otherwise; a multipart/related counts as the kind of its root part),
 * the root of each multipart/related, every inline text part of a
 * multipart/mixed in order, encapsulated messages inline with their own
 * headers, HTML converted (html.h), format=flowed joined (flowed.h),
 * uuencoded blocks in plain text cut out and listed as attachments, and
 * what counts as an attachment: every leaf part that is not shown as
 * text (attachment disposition, any non-text type), every text part
 * with a file name (shown and listed), every message/rfc822 part, every
 * named part inside an alternative that is not shown (the images of the
 * HTML version), every uuencoded block.
 *
 * Attachments are named by part number ("2", "2.1", see mime.h); a
 * uuencoded block inside text part P is "P.uN" (N counting from 1), so
 * render_part can write it too.  Everything produced is UTF-8 without
 * control characters except LF (and tab in body text). */
#ifndef PETREL_RENDER_H
#define PETREL_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "charset.h"
#include "error.h"

/* Body text kept for the search index; longer text is cut (at a
 * character boundary) and marked truncated. */
#define MIME_SUMMARY_TEXT_MAX (1024u * 1024)
/* Attachments listed (more are counted, not listed). */
#define MIME_SUMMARY_ATTACH_MAX 1000

struct mime_attachment {
	char *name;		/* UTF-8 file name, "" when the part has none */
	char *type;		/* lower-case "type/subtype" */
	size_t size;		/* decoded bytes, estimated for base64 (within
				 * a line) and quoted-printable (an upper
				 * bound) */
	char *partno;		/* for render_part: "2", "1.2", "1.u1" */
};

struct mime_summary {
	char *text;		/* decoded body text, NUL-terminated, never NULL */
	size_t text_len;
	bool text_truncated;	/* cut at MIME_SUMMARY_TEXT_MAX */
	struct mime_attachment *att;
	size_t natt;		/* listed */
	size_t natt_total;	/* found, including those past the cap */
	bool has_attachment;	/* natt_total > 0 */
};

/* Fills *out from the n raw bytes of a message: the text of the parts a
 * reader would see (as render_message_text shows them, without headers,
 * attachment lines or link lists), and the attachments.  Never fails on
 * any input; returns 0.  Free with mime_summary_free.  Costs about as
 * much as one parse plus one decode of the text parts (no iconv for
 * UTF-8, ASCII and latin-1 text). */
int mime_summarize(const char *raw, size_t n, struct mime_summary *out);
/* The same with the caller's charset context (charset.h; may be NULL):
 * an importer should keep one per thread for all its messages, because
 * opening iconv descriptors anew for each message costs more than the
 * rest of the summary (see tests/bench/mime-scaling.sh). */
int mime_summarize_cc(const char *raw, size_t n, struct charset_conv *cc,
		      struct mime_summary *out);
void mime_summary_free(struct mime_summary *s);

struct render_options {
	bool all_headers;	/* every header field, in message order;
				 * otherwise Date, From, To, Cc, Subject */
	bool prefer_html;	/* in multipart/alternative show the HTML */
	bool no_link_list;	/* HTML links without [n] footnotes */
	unsigned width;		/* wrap body lines longer than this many
				 * columns (quote prefixes repeated); 0: no
				 * wrapping, the pager wraps */
};

/* Appends what the pager shows for the n raw bytes of a message: the
 * header fields decoded ("Subject: ..."), a blank line, the body text,
 * and, after a blank line, one line per attachment:
 *   [-- Attachment 2: report.pdf (application/pdf, 120K) --]
 * Encapsulated messages appear in the body where they are, introduced by
 * "[-- Message 3: <subject> --]" and their own header fields.  o may be
 * NULL (defaults: weeded headers, plain text preferred, link list, no
 * wrapping).  Returns 0, or -1 when out reached its maximum (out->failed;
 * the text is then cut). */
int render_message_text(const char *raw, size_t n, const struct render_options *o,
			struct buf *out);
/* The same with the caller's charset context (may be NULL), for a
 * program that renders many messages (petrel show ID...). */
int render_message_text_cc(const char *raw, size_t n, const struct render_options *o,
			   struct charset_conv *cc, struct buf *out);

/* Appends the decoded content of one part of the message (transfer
 * encoding undone, no charset conversion: the bytes a saved file should
 * hold).  partno: an IMAP part number ("1", "2.1"; "" or "0" is the whole
 * raw message) or a uuencoded block ("1.u1").  A message/rfc822 part is
 * written as the encapsulated message.  Returns 0, or -1 with
 * ERR_NOTFOUND when there is no such part, or ERR_DATA when out reached
 * its maximum. */
int render_part(const char *raw, size_t n, const char *partno, struct buf *out,
		struct error **err);

#endif
