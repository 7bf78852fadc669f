/* maildir.h - the Maildir format: a reader over a Maildir or a tree of
 * them, and a writer that delivers messages safely into one.
 *
 * What the reader reads (the folder rule):
 *   - A directory is a Maildir when it has a cur/ or a new/ subdirectory
 *     (one is enough: tools that keep mail in git drop empty new/ and
 *     tmp/).  tmp/ is never read.
 *   - The path given to maildir_open may be a Maildir, a tree of Maildirs
 *     (e.g. ~/Mail with INBOX/, Lists/linux/ ...), or both: every Maildir
 *     in the tree is read.  Below the top, a directory whose name starts
 *     with '.' is read only when it is itself a Maildir (Maildir++
 *     subfolders such as .Sent and .Lists.linux), so .notmuch, .git and
 *     the like are never entered.  The cur/, new/ and tmp/ of a Maildir
 *     are not searched for folders.  Symbolic links to directories are
 *     not followed.  Trees deeper than MAILDIR_MAX_DEPTH or with more than
 *     MAILDIR_MAX_FOLDERS Maildirs are refused.
 *   - Folders are read in order of their path; within a folder the files
 *     of cur/ and new/ are read together in order of their file name
 *     (which starts with the delivery time), skipping names starting with
 *     '.'.  So the order is the same on every run.
 *   - Flags come from the "2," info after the last ':' (or ';') of the
 *     name.  A message in new/ is never seen, whatever its name says.
 *
 * Memory is one message (at most params.max_message) plus the file names
 * of one folder.
 *
 * The writer puts every message in cur/ with its info, even unseen ones
 * ("NAME:2," then): new/ is for mail not yet noticed by any reader, and
 * an archive export is not new mail; it also could not carry the other
 * flags.  So flags round-trip exactly: what maildir_write is given,
 * maildir_next gives back. */
#ifndef PETREL_MAILDIR_H
#define PETREL_MAILDIR_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "msgflags.h"

#define MAILDIR_DEFAULT_MAX_MESSAGE (256u * 1024 * 1024)
#define MAILDIR_MAX_DEPTH	32
#define MAILDIR_MAX_FOLDERS	100000u
#define MAILDIR_MAX_FILES	(10u * 1000 * 1000)	/* per folder */

/* maildir_next() return values, as for mbox_next(). */
#define MAILDIR_MESSAGE	1	/* *msg is filled in */
#define MAILDIR_END	0	/* no more messages */
#define MAILDIR_ERROR	(-1)	/* reading cannot go on */
#define MAILDIR_SKIPPED	(-2)	/* one message failed; call again for the next */

struct maildir_params {
	size_t max_message;	/* largest message handed back, in bytes;
				 * 0: MAILDIR_DEFAULT_MAX_MESSAGE */
	bool top_only;		/* read only the Maildir at the path, no
				 * folders below it */
};

struct maildir_message {
	const char *data;	/* the file's bytes; may hold NULs */
	size_t len;
	const char *path;	/* the file, as path/folder/cur/name */
	const char *folder;	/* the folder's path below the one opened: ""
				 * for the top, ".Sent", "Lists/linux" ... */
	const char *name;	/* the file name, info included */
	unsigned flags;		/* enum msg_flag bits */
	bool is_new;		/* the file was in new/ */
};

struct maildir_reader;

/* True when dir is a Maildir: it has a cur/ or new/ directory. */
bool maildir_is_maildir(const char *dir);

/* Opens a Maildir or tree of Maildirs at path and finds its folders
 * (the files are listed one folder at a time, as reading gets there).
 * params may be NULL for the defaults.  Errors: ERR_NOTFOUND when path
 * does not exist; ERR_DATA "PATH is not a Maildir: ..." when it is not a
 * directory or no Maildir is in it, or the tree is too deep or big;
 * ERR_IO when it cannot be read. */
struct maildir_reader *maildir_open(const char *path, const struct maildir_params *params,
				    struct error **err);

/* Reads the next message into *msg, whose pointers stay valid until the
 * next call or maildir_close.  Returns MAILDIR_MESSAGE, MAILDIR_END, or
 * MAILDIR_SKIPPED: one file could not be read (it vanished, is not a
 * regular file, cannot be opened, is larger than params.max_message) or
 * one folder could not be listed; *err names the path.  Call again to go
 * on.  MAILDIR_ERROR is not returned at present but is reserved for
 * failures that end the reading. */
int maildir_next(struct maildir_reader *r, struct maildir_message *msg, struct error **err);

/* Hands the bytes of the message maildir_next returned last (its data,
 * len bytes and a NUL) to the caller, who frees them; NULL if there is
 * none or they were taken already. */
char *maildir_take_data(struct maildir_reader *r);

/* Number of folders found by maildir_open. */
size_t maildir_folder_count(const struct maildir_reader *r);

/* Frees the reader and sets *r to NULL.  NULL is fine. */
void maildir_close(struct maildir_reader **r);

struct maildir_writer;

/* Makes dir a Maildir: creates dir (and its parents) and its cur/, new/
 * and tmp/ with mode 0700.  Existing directories are fine.  Errors:
 * ERR_IO. */
int maildir_create(const char *dir, struct error **err);

/* Opens the Maildir dir for writing; it must have cur/ and tmp/
 * (maildir_create makes them).  Errors: ERR_DATA when dir is not such a
 * Maildir, ERR_IO. */
struct maildir_writer *maildir_writer_open(const char *dir, struct error **err);

/* Delivers one message: writes it to tmp/ under a new unique name
 * ("SECONDS.M<usec>P<pid>Q<counter>.<host>"), fsyncs it, moves it into
 * cur/ as "NAME:2,<flags letters in ASCII order>" without ever replacing
 * an existing file, then fsyncs cur/.  When this returns 0 the message is
 * on disk under its final name, complete; on failure nothing is left in
 * tmp/ or cur/.  When path_out is non-NULL it receives the final path,
 * valid until the next call.  Errors: ERR_IO.  Returns 0 or -1. */
int maildir_write(struct maildir_writer *w, const void *bytes, size_t len, unsigned flags,
		  const char **path_out, struct error **err);

/* Frees the writer and sets *w to NULL.  Every message is already on
 * disk, so this cannot fail.  NULL is fine. */
void maildir_writer_close(struct maildir_writer **w);

#endif
