/* mbox.h - the mbox file format: a streaming reader and an mboxrd writer.
 *
 * The reader never holds the whole file: it reads through a bounded
 * buffer and hands back one message at a time, so its memory is the read
 * buffer plus the largest message (at most params.max_message).
 *
 * Where one message ends and the next begins (the separator rule):
 *   - A "From_ line" is a line that starts with the five bytes "From ".
 *     "From:" headers, "Fromage" and ">From " are never From_ lines.
 *   - The first line of the file must be a From_ line (empty lines before
 *     it are skipped); otherwise the file is not an mbox.
 *   - After an empty line ("\n" or "\r\n"), any From_ line starts a new
 *     message.  That empty line belongs to the separator, not to the
 *     message before it.
 *   - After any other line, a From_ line starts a new message only when it
 *     looks like one a delivery agent wrote: "From ADDR DATE" where DATE is
 *     in asctime form, "Www Mmm dd hh:mm[:ss] yyyy" (a time zone may come
 *     before or after the year).  So a body line "From here on ..." that a
 *     broken writer left unquoted stays in the body, while a real From_
 *     line whose blank line was lost still splits.
 *   - From_ lines longer than MBOX_FROM_LINE_MAX bytes are never
 *     separators.
 *   - The empty line at the very end of the file is the last separator,
 *     and is dropped too.  Content-Length headers are ignored.
 *
 * Quoting: every message line matching ^>+From  (one or more '>' then
 * "From ") loses one '>'.  That is mboxrd.  It reads mboxo files
 * correctly too, with one exception no reader can avoid: a line that was
 * ">From " in the original message was written unchanged by an mboxo
 * writer and comes back as "From ".
 *
 * Bytes are kept exactly: CRLF line ends stay CRLF in the messages (a
 * CRLF separator "\r\n" empty line is recognised as well), NUL bytes are
 * kept, a last message without a final newline or cut short is handed
 * back as it is.
 *
 * The writer writes mboxrd: "From ADDR DATE\n", the message with every
 * line matching ^>*From  given one more '>', a final "\n" when the
 * message does not end with one, then one empty line.  Round trip: a
 * message written by mbox_write and read back by mbox_next is byte-exact
 * whenever it is empty or ends in "\n"; a message without a final
 * newline comes back with one "\n" added.  (The reader's rule that a
 * "From " line after a non-empty line may split cannot trigger on the
 * writer's output, since every such line is quoted.) */
#ifndef PETREL_MBOX_H
#define PETREL_MBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "error.h"

#define MBOX_DEFAULT_BUFSIZE	(64u * 1024)
#define MBOX_DEFAULT_MAX_MESSAGE (256u * 1024 * 1024)
#define MBOX_FROM_LINE_MAX	4096u

/* mbox_next() return values. */
#define MBOX_MESSAGE	1	/* *msg is filled in */
#define MBOX_END	0	/* no more messages */
#define MBOX_ERROR	(-1)	/* the file cannot be read further */
#define MBOX_SKIPPED	(-2)	/* one message failed; call again for the next */

struct mbox_params {
	size_t bufsize;		/* bytes per read(); 0: MBOX_DEFAULT_BUFSIZE.  Any
				 * value >= 1 works (tests use tiny ones) */
	size_t max_message;	/* largest message handed back, in bytes;
				 * 0: MBOX_DEFAULT_MAX_MESSAGE */
};

struct mbox_message {
	const char *data;	/* the message bytes, unquoted; may hold NULs */
	size_t len;
	const char *from_addr;	/* the From_ line's sender ("" when none) */
	const char *from_date;	/* the From_ line's date text, as written */
	uint64_t offset;	/* byte offset of the From_ line in the file */
	uint64_t line;		/* line number of the From_ line, from 1 */
	uint64_t size;		/* bytes the message takes in the file, from its
				 * From_ line up to the next one */
};

struct mbox_reader;

/* Opens the mbox file at path and checks that it starts with a From_
 * line.  params may be NULL for the defaults.  An empty file (or one of
 * only empty lines) is a valid mbox with no messages.  Errors: ERR_NOTFOUND
 * when the file does not exist, ERR_IO when it cannot be opened or read,
 * ERR_DATA "PATH is not an mbox file: it does not start with a From_ line"
 * (or ": it is a directory").  Pipes and other streams can be read. */
struct mbox_reader *mbox_open(const char *path, const struct mbox_params *params,
			      struct error **err);

/* Like mbox_open on an open file descriptor, which the reader reads from
 * its current position and closes in mbox_close (also on failure).  name
 * is used in error messages. */
struct mbox_reader *mbox_open_fd(int fd, const char *name,
				 const struct mbox_params *params,
				 struct error **err);

/* Like mbox_open on len bytes in memory, which must stay valid and
 * unchanged until mbox_close.  The bytes are scanned in place, as one
 * read when params.bufsize is 0, or as reads of params.bufsize bytes
 * each (so tests can split the input anywhere without a file). */
struct mbox_reader *mbox_open_mem(const void *data, size_t len, const char *name,
				  const struct mbox_params *params,
				  struct error **err);

/* Reads the next message into *msg, whose pointers stay valid until the
 * next call or mbox_close.  Returns MBOX_MESSAGE, MBOX_END, or
 *   MBOX_SKIPPED: the message is larger than params.max_message; *err
 *     names its line and byte offset.  The reader has moved past it, so
 *     the caller counts a failure and calls mbox_next again.
 *   MBOX_ERROR: a read error (ERR_IO, naming the byte offset); every
 *     later call returns MBOX_ERROR too.
 * So `while ((rc = mbox_next(r, &m, &err)) > 0)` stops at the first
 * problem, and a caller that wants to go on past a skipped message loops
 * while rc != MBOX_END && rc != MBOX_ERROR. */
int mbox_next(struct mbox_reader *r, struct mbox_message *msg, struct error **err);

/* Bytes consumed from the file so far (for progress reporting). */
uint64_t mbox_offset(const struct mbox_reader *r);

/* Closes the file and frees the reader; sets *r to NULL.  NULL is fine. */
void mbox_close(struct mbox_reader **r);

struct mbox_writer;

/* Opens path for writing mboxrd.  append: add to the end of the file,
 * creating it (0600) if missing; when the file does not end with an
 * empty line, one is written first so the last message there stays
 * intact.  !append: create a new file (0600); an existing file is an
 * error, so nothing is ever overwritten.  Errors: ERR_IO. */
struct mbox_writer *mbox_writer_open(const char *path, bool append,
				     struct error **err);

/* Like mbox_writer_open on an open file descriptor positioned where
 * writing starts (nothing is checked or added); mbox_writer_close closes
 * it.  name is used in error messages. */
struct mbox_writer *mbox_writer_fdopen(int fd, const char *name, struct error **err);

/* Appends one message.  from_addr is the envelope sender for the From_
 * line (NULL or "" gives "MAILER-DAEMON"; white space and control bytes
 * in it become '_', and it is cut at 512 bytes); date is the From_ line's
 * time, written in asctime form in UTC (clamped to years 1970-9999).
 * Output is buffered; errors (ERR_IO) are sticky: once a write failed,
 * every later call fails.  Returns 0 or -1. */
int mbox_write(struct mbox_writer *w, const void *bytes, size_t len,
	       const char *from_addr, time_t date, struct error **err);

/* Flushes, fsyncs the file (and for a file it created, its directory),
 * closes it and frees the writer, setting *w to NULL.  Returns 0 when
 * every message written is on disk, -1 otherwise (including an earlier
 * failed mbox_write).  NULL is fine (returns 0). */
int mbox_writer_close(struct mbox_writer **w, struct error **err);

/* Formats a From_ line ("From ADDR DATE\n", as mbox_write does) into out
 * (NUL-terminated); returns its length.  Exposed for tests. */
size_t mbox_format_from_line(char *out, size_t outsize, const char *from_addr,
			     time_t date);

#endif
