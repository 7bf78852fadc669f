/* importer.h - `petrel import`: mbox files and Maildirs into the archive.
 *
 * A pipeline of three threads: a reading thread reads each message,
 * hashes and parses it (store_prepare); the calling thread inserts the
 * messages in batches (store_add_prepared), each one transaction; a
 * checkpointer (checkpoint.h) copies committed batches from the WAL into
 * the archive file meanwhile.  Between the first two, a bounded queue
 * (handoff.h) keeps memory flat whatever the size of the mailbox.
 *
 * Durability is the archive's: a batch is on disk when its COMMIT
 * returns; a kill at any moment loses at most the batch in flight, and
 * the next import of the same mailbox skips what is already stored
 * (same SHA-256).  A message that cannot be read (a vanished Maildir
 * file, one too large) is reported through warn and counted as failed;
 * the import goes on.  A malformed message is stored as it is.  When the
 * mailbox cannot be read on (a read error in an mbox), the messages
 * before the broken spot are committed and the error is returned. */
#ifndef PETREL_IMPORTER_H
#define PETREL_IMPORTER_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

/* Messages per transaction: large enough to amortise the commit (one
 * fsync), small enough that a crash loses little and memory stays flat.
 * A batch also ends after IMPORT_BATCH_BYTES of message bytes. */
#define IMPORT_BATCH_MESSAGES 2000
#define IMPORT_BATCH_BYTES (64u * 1024 * 1024)
/* What the reading thread may have read ahead of the inserts. */
#define IMPORT_QUEUE_MESSAGES 256
#define IMPORT_QUEUE_BYTES (32u * 1024 * 1024)

struct import_counts {
	uint64_t imported;	/* new messages, committed */
	uint64_t duplicates;	/* already in the archive */
	uint64_t failed;	/* could not be read (reported through warn) */
};

/* Called, in the calling thread, for each message that could not be read. */
typedef void import_warn_fn(void *arg, const struct error *e);

struct import_options {
	size_t batch_messages;	/* 0: IMPORT_BATCH_MESSAGES */
	size_t batch_bytes;	/* 0: IMPORT_BATCH_BYTES */
	import_warn_fn *warn;	/* NULL: not reported, only counted */
	void *warn_arg;
};

/* Imports the Maildir (or tree of Maildirs, see maildir.h) or mbox file
 * at path into st, adding to *n.  opt may be NULL.  Errors: ERR_NOTFOUND
 * or ERR_IO when path cannot be opened, ERR_DATA when it is neither a
 * Maildir nor an mbox, the mbox's read error, or the archive's error (a
 * full disk: the batch in flight is lost, earlier ones are kept). */
int import_path(struct store *st, const char *path, const struct import_options *opt,
		struct import_counts *n, struct error **err);

#endif
