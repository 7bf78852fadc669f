/* header.h - the RFC 5322 header block of a raw message: where it ends,
 * and its fields one by one, unfolded.
 *
 * Input is raw bytes as stored: NUL bytes, bare LF or CRLF line ends,
 * 8-bit text, an mbox "From " line first, no blank line at all.  Nothing
 * is decoded here (see rfc2047.h); values are the raw bytes with the line
 * breaks of folding removed.
 *
 * Where the header ends: at the first empty line (LF or CRLF alone), or,
 * when a message has no blank line, at the first line that is neither a
 * field ("Name: value", white space allowed before the colon) nor a
 * continuation (starts with space or tab); that line is the first body
 * line.  An mbox "From " line at the very start is skipped.  A
 * continuation line before any field is ignored. */
#ifndef PETREL_HEADER_H
#define PETREL_HEADER_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Default limits of an iterator.  At a limit the remaining fields are
 * skipped (header_iter_next returns false and sets `truncated`); nothing
 * fails and header_block_len is not affected. */
#define HEADER_MAX_FIELDS 10000
#define HEADER_MAX_BYTES (16u * 1024 * 1024)

struct header_iter {
	const char *msg;
	size_t len;		/* bytes of msg */
	size_t pos;		/* start of the next line to read */
	size_t nfields;		/* fields returned so far */
	size_t max_fields;	/* may be changed before the first next() */
	size_t max_bytes;	/* fields must end within this many bytes */
	bool done;
	bool truncated;		/* a limit stopped the iteration */
	size_t body;		/* offset of the body, once next() returned
				 * false without truncation (otherwise use
				 * header_block_len) */
	struct buf unfold;	/* holds a folded value while it is current */
};

/* Starts iterating the header of the n bytes at msg (which must stay valid
 * while the iterator is used), with the default limits. */
void header_iter_init(struct header_iter *it, const char *msg, size_t n);

/* Returns the next field: its name (no colon, no trailing white space) and
 * its value (leading and trailing white space removed, folding line
 * breaks removed, the white space after them kept).  The pointers are
 * valid until the next call or header_iter_deinit.  Neither is
 * NUL-terminated; both may contain any byte except that the name holds
 * only printable ASCII.  Returns false at the end of the header or at a
 * limit. */
bool header_iter_next(struct header_iter *it, const char **name, size_t *namelen,
		      const char **value, size_t *valuelen);

/* Frees what the iterator holds. */
void header_iter_deinit(struct header_iter *it);

/* Length of the header block, including the blank line that ends it (if
 * any): the offset where the body starts, n when there is no body.
 * Linear time, no allocation, no limits. */
size_t header_block_len(const char *msg, size_t n);

/* The unfolded value of the first field called `name` (ASCII,
 * case-insensitive), allocated and NUL-terminated with its length in
 * *len (len may be NULL; the value may contain NUL bytes), or NULL when
 * there is no such field. */
char *header_get(const char *msg, size_t n, const char *name, size_t *len);

#endif
