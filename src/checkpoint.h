/* checkpoint.h - background WAL checkpoints for long writes.
 *
 * While one connection commits batch after batch (a fetch), a thread with
 * its own connection copies the committed pages from the WAL into the
 * archive file.  The copying and its fsync then overlap the network and
 * the indexing instead of all falling on store_close() at the end, and
 * the WAL stays about a batch long however much is written. */
#ifndef PETREL_CHECKPOINT_H
#define PETREL_CHECKPOINT_H

#include "error.h"

struct checkpointer;

/* Opens a second connection to the archive at path and starts the
 * thread.  NULL with *err when either fails; the writer can go on
 * without one (store_close() checkpoints everything anyway). */
struct checkpointer *checkpointer_start(const char *path, struct error **err);

/* Asks for a checkpoint after a commit.  Never blocks; requests made
 * while one runs are folded into the next. */
void checkpointer_poke(struct checkpointer *c);

/* Waits for the checkpoint under way, stops the thread, closes the
 * connection, NULLs *c.  NULL is fine.  A checkpoint that failed is
 * only logged: it loses nothing, the WAL keeps the pages. */
void checkpointer_stop(struct checkpointer **c);

#endif
