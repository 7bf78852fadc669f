/* handoff.c - a bounded queue between two threads (see handoff.h). */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>

#include "handoff.h"
#include "util.h"

struct slot {
	void *item;
	size_t bytes;
};

struct handoff {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct slot *q;		/* ring of max_items slots */
	size_t max_items, max_bytes;
	size_t head, count, bytes;
	bool closed;		/* the producer is done */
	bool abandoned;		/* the consumer is done */
};

struct handoff *handoff_new(size_t max_items, size_t max_bytes)
{
	struct handoff *h = xcalloc(1, sizeof *h);

	if (max_items == 0)
		fatal("handoff_new: max_items is 0");
	h->q = xreallocarray(NULL, max_items, sizeof *h->q);
	h->max_items = max_items;
	h->max_bytes = max_bytes;
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	return h;
}

bool handoff_put(struct handoff *h, void *item, size_t bytes)
{
	bool ok;

	pthread_mutex_lock(&h->mu);
	while (!h->abandoned && (h->count == h->max_items ||
	       (h->count > 0 && h->bytes + bytes > h->max_bytes)))
		pthread_cond_wait(&h->cv, &h->mu);
	ok = !h->abandoned;
	if (ok) {
		h->q[(h->head + h->count) % h->max_items] = (struct slot) { item, bytes };
		h->count++;
		h->bytes += bytes;
		pthread_cond_broadcast(&h->cv);
	}
	pthread_mutex_unlock(&h->mu);
	return ok;
}

void handoff_close(struct handoff *h)
{
	pthread_mutex_lock(&h->mu);
	h->closed = true;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

void *handoff_take(struct handoff *h)
{
	void *item = NULL;

	pthread_mutex_lock(&h->mu);
	while (h->count == 0 && !h->closed)
		pthread_cond_wait(&h->cv, &h->mu);
	if (h->count > 0) {
		item = h->q[h->head].item;
		h->bytes -= h->q[h->head].bytes;
		h->head = (h->head + 1) % h->max_items;
		h->count--;
		pthread_cond_broadcast(&h->cv);
	}
	pthread_mutex_unlock(&h->mu);
	return item;
}

void handoff_abandon(struct handoff *h)
{
	pthread_mutex_lock(&h->mu);
	h->abandoned = true;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

void handoff_free(struct handoff **hp, void (*free_item)(void *item))
{
	struct handoff *h = *hp;

	if (h == NULL)
		return;
	for (; h->count > 0; h->count--) {
		if (free_item != NULL)
			free_item(h->q[h->head].item);
		h->head = (h->head + 1) % h->max_items;
	}
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->cv);
	free(h->q);
	free(h);
	*hp = NULL;
}
