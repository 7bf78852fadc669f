/* flowed.h - format=flowed text (RFC 3676) reflowed for display.
 *
 * Owns the reading side of RFC 3676: quote depth from leading '>',
 * space-stuffing, soft line breaks (a line ending in a space), DelSp,
 * and the signature separator "-- " that never flows.  A flowed line
 * followed by a line of another quote depth ends its paragraph, as the
 * RFC says.  Linear time. */
#ifndef PETREL_FLOWED_H
#define PETREL_FLOWED_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Appends the n bytes of flowed text at s (UTF-8, LF line ends, as
 * mime_text gives it) to out with each paragraph joined into one line.
 * Quoted paragraphs start with "> " per level ("> > text").  delsp: the
 * part had DelSp=yes, so the space before a soft break is removed. */
void flowed_reflow(const char *s, size_t n, bool delsp, struct buf *out);

#endif
