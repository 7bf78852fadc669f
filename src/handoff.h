/* handoff.h - a bounded queue between two threads: one producer puts
 * items in, one consumer takes them out in the same order.
 *
 * Bounded in items and in bytes (what the items hold in memory), so a
 * producer that runs ahead waits and memory stays flat; an item larger
 * than the byte bound still goes through, alone.  Either side can stop
 * early: the producer by closing (the consumer drains what is queued,
 * then gets NULL), the consumer by abandoning (every later put fails, so
 * the producer stops instead of waiting forever).
 *
 * The import pipeline (importer.c) uses it between its reading thread and
 * the thread that writes the archive. */
#ifndef PETREL_HANDOFF_H
#define PETREL_HANDOFF_H

#include <stdbool.h>
#include <stddef.h>

struct handoff;

/* A queue of at most max_items items and max_bytes bytes (max_items >= 1). */
struct handoff *handoff_new(size_t max_items, size_t max_bytes);

/* Queues item, which holds bytes bytes; waits while the queue is full.
 * False, and the item is not queued (the caller still owns it), when the
 * consumer has abandoned the queue. */
bool handoff_put(struct handoff *h, void *item, size_t bytes);

/* The producer puts nothing more. */
void handoff_close(struct handoff *h);

/* The next item, waiting for one; NULL once the queue is closed and
 * empty. */
void *handoff_take(struct handoff *h);

/* The consumer takes nothing more: puts fail from now on. */
void handoff_abandon(struct handoff *h);

/* Frees the queue (both sides done) and sets *h to NULL; items still in
 * it go to free_item.  NULL is fine. */
void handoff_free(struct handoff **h, void (*free_item)(void *item));

#endif
