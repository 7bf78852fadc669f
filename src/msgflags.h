/* msgflags.h - the message flags shared by the archive and the folder
 * formats, their stable names, and their Maildir info letters.
 *
 * A flag set is an `unsigned` made of enum msg_flag bits.  The names
 * ("seen", "answered", ...) are stable identifiers for JSON output and the
 * query language, so they are never translated.  The Maildir letters are
 * those of the Maildir "2," info: D draft, F flagged, P passed,
 * R replied (answered), S seen, T trashed.  Other letters (IMAP keywords
 * a-z, unknown capitals) have no flag and are ignored when reading. */
#ifndef PETREL_MSGFLAGS_H
#define PETREL_MSGFLAGS_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "error.h"

enum msg_flag {
	MSG_SEEN = 1,
	MSG_ANSWERED = 2,
	MSG_FLAGGED = 4,
	MSG_DRAFT = 8,
	MSG_TRASHED = 16,
	MSG_PASSED = 32,
};

#define MSG_FLAG_COUNT 6
#define MSG_FLAGS_ALL 63u

/* One row per flag, in bit order (seen first). */
struct msgflag_info {
	enum msg_flag flag;
	const char *name;	/* "seen", "answered", "flagged", "draft", "trashed", "passed" */
	char maildir;		/* 'S', 'R', 'F', 'D', 'T', 'P' */
};

/* The table of every flag, MSG_FLAG_COUNT rows in bit order. */
const struct msgflag_info *msgflag_table(void);

/* The stable name of one flag bit; NULL when f is not exactly one known
 * flag. */
const char *msgflag_name(enum msg_flag f);

/* Appends the names of the set flags, in bit order, separated by sep
 * (e.g. "seen,flagged"); appends nothing for no flags.  Unknown bits are
 * ignored.  Errors are the buffer's sticky error. */
void msgflags_format(unsigned flags, const char *sep, struct buf *b);

/* Parses a list of flag names separated by commas and/or spaces, any
 * case ("seen, Flagged").  The empty string is no flags.  On an unknown
 * name returns -1 with an ERR_USAGE error naming it, and leaves *flags
 * alone; 0 on success. */
int msgflags_parse(const char *s, unsigned *flags, struct error **err);

/* The flags of the letters in a Maildir info string: the bytes after
 * "2," (e.g. "FS" gives MSG_FLAGGED | MSG_SEEN), n bytes long, stopping at
 * a NUL.  Letters without a flag are skipped. */
unsigned msgflags_from_maildir(const char *letters, size_t n);

/* Writes the Maildir letters of flags into out, sorted in ASCII order as
 * the Maildir specification asks ("DFPRST" at most), NUL-terminated;
 * returns the number of letters.  Unknown bits are ignored. */
size_t msgflags_to_maildir(unsigned flags, char out[MSG_FLAG_COUNT + 1]);

/* Finds the Maildir info in a file name (not a path): the text after the
 * last ':' (or ';', used where ':' cannot be in a file name) when it
 * starts with "2,".  Returns a pointer to the letters after "2,", or NULL
 * when the name has no such info. */
const char *maildir_info_letters(const char *name);

#endif
