/* checkpoint.c - background WAL checkpoints (see checkpoint.h). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "checkpoint.h"
#include "i18n.h"
#include "log.h"
#include "store.h"
#include "util.h"

struct checkpointer {
	struct store *writer;	/* whose commits it copies */
	struct store *st;	/* its own connection */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool wanted;		/* a commit came since the last checkpoint */
	bool stopping;
};

static void *checkpointer_main(void *arg)
{
	struct checkpointer *c = arg;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		struct error *err = NULL;

		while (!c->wanted && !c->stopping)
			pthread_cond_wait(&c->cv, &c->mu);
		if (!c->wanted)
			break;
		c->wanted = false;
		pthread_mutex_unlock(&c->mu);
		if (store_checkpoint(c->st, &err) != 0) {
			log_msg(LOG_WARN, "background checkpoint of %s: %s", store_path(c->st),
				err->msg);
			error_free(&err);
		}
		pthread_mutex_lock(&c->mu);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

struct checkpointer *checkpointer_start(struct store *writer, struct error **err)
{
	struct checkpointer *c = xcalloc(1, sizeof *c);
	int e;

	c->writer = writer;
	if (store_open(&c->st, store_path(writer), 0, err) != 0) {
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	if ((e = pthread_create(&c->thread, NULL, checkpointer_main, c)) != 0) {
		error_set_errno(err, ERR_IO, e, _("cannot start a thread"));
		pthread_mutex_destroy(&c->mu);
		pthread_cond_destroy(&c->cv);
		store_close(&c->st);
		free(c);
		return NULL;
	}
	store_set_background_checkpoints(writer, true, NULL);
	return c;
}

void checkpointer_poke(struct checkpointer *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	c->wanted = true;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

void checkpointer_stop(struct checkpointer **cp)
{
	struct checkpointer *c = *cp;

	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	c->stopping = true;
	c->wanted = false;	/* the writer's close checkpoints the rest */
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thread, NULL);
	store_set_background_checkpoints(c->writer, false, NULL);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	store_close(&c->st);
	free(c);
	*cp = NULL;
}
