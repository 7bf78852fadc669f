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
#include "store.h"

struct checkpointer;

/* Opens a second connection to writer's archive, starts the thread, and
 * tells the writer to leave checkpoints to it (its own only as a safety
 * net, store_set_background_checkpoints()).  NULL with *err when either
 * fails; the writer goes on without one, checkpointing by itself. */
struct checkpointer *checkpointer_start(struct store *writer, struct error **err);

/* Asks for a checkpoint after a commit.  Never blocks; requests made
 * while one runs are folded into the next. */
void checkpointer_poke(struct checkpointer *c);

/* Waits for the checkpoint under way, stops the thread, hands the
 * checkpoints back to the writer (which must not be writing meanwhile),
 * closes the connection, NULLs *c.  NULL is fine.  A checkpoint that failed is
 * only logged: it loses nothing, the WAL keeps the pages. */
void checkpointer_stop(struct checkpointer **c);

#endif
