/* envelope.h - the index fields of one message, parsed from its raw bytes:
 * what the archive stores in columns and the TUI shows in the index.
 *
 * Parsing never fails on malformed mail: a missing or broken field is left
 * empty (or 0), everything is UTF-8 (decoded RFC 2047, charset-converted,
 * invalid bytes replaced), and no string contains control characters. */
#ifndef PETREL_ENVELOPE_H
#define PETREL_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "address.h"

struct envelope {
	int64_t date;		/* Unix time from Date:, 0 when missing/unparseable */
	int date_tz;		/* the Date: zone offset in minutes east of UTC */
	struct address_list from;	/* usually one address */
	struct address_list to;
	struct address_list cc;
	struct address_list reply_to;
	char *subject;		/* decoded, unfolded, never NULL ("" if none) */
	char *message_id;	/* without angle brackets, NULL if none */
	char *in_reply_to;	/* the first msg-id of In-Reply-To, no brackets, or NULL */
	char **references;	/* msg-ids of References (oldest first), no brackets */
	size_t nreferences;
	bool has_attachment;	/* a part with a filename or Content-Disposition: attachment */
	bool is_multipart;
	size_t header_len;	/* bytes of the header block incl. the blank line */
};

struct charset_conv;

/* Parses the header of the n raw bytes at msg.  Always succeeds. */
void envelope_parse(struct envelope *env, const char *msg, size_t n);
/* The same with a charset context shared across messages (charset.h):
 * opening a converter loads a gconv module, which cost an importer 7% of
 * its time when each message opened its own. */
void envelope_parse_cc(struct envelope *env, const char *msg, size_t n,
		       struct charset_conv *cc);
void envelope_free(struct envelope *env);

#endif
