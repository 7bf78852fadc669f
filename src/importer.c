/* importer.c - the import pipeline (see importer.h): the reading thread,
 * the batches, the background checkpoints. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "charset.h"
#include "checkpoint.h"
#include "date.h"
#include "handoff.h"
#include "i18n.h"
#include "importer.h"
#include "log.h"
#include "maildir.h"
#include "mbox.h"

/* What the reading thread hands over, in mailbox order. */
enum item_kind {
	ITEM_MESSAGE,		/* data and p are set */
	ITEM_SKIPPED,		/* err says which message could not be read */
	ITEM_ERROR,		/* err: the mailbox cannot be read on; the last item */
};

struct item {
	enum item_kind kind;
	char *data;			/* the message bytes, which p borrows */
	size_t len;
	struct store_prepared *p;
	struct error *err;
};

/* One mailbox being read: exactly one of the readers is set. */
struct source {
	struct maildir_reader *maildir;
	struct mbox_reader *mbox;
	struct handoff *queue;
};

static void item_free(void *arg)
{
	struct item *it = arg;

	store_prepared_free(&it->p);
	free(it->data);
	error_free(&it->err);
	free(it);
}

/* The date of an mbox From_ line as Unix time, 0 if unreadable. */
static int64_t from_line_date(const char *s)
{
	int64_t t = 0;

	if (s == NULL || !date_parse(s, strlen(s), &t, NULL))
		return 0;
	return t;
}

/* Maildir file names begin with the delivery time in seconds. */
static int64_t maildir_name_date(const char *name)
{
	int64_t t = 0;

	for (; ascii_isdigit((unsigned char)*name) && t < INT64_C(100000000000); name++)
		t = t * 10 + (*name - '0');
	return *name == '.' ? t : 0;
}

/* Reads the next message into a new item; NULL at the end. */
static struct item *read_item(struct source *src, struct charset_conv *cc)
{
	struct item *it = xcalloc(1, sizeof *it);
	struct store_new m = { .fd = -1 };
	const char *data = NULL;
	int rc;

	if (src->maildir != NULL) {
		struct maildir_message msg;

		rc = maildir_next(src->maildir, &msg, &it->err);
		if (rc == MAILDIR_MESSAGE) {
			/* The reader's allocation travels with the item. */
			it->data = maildir_take_data(src->maildir);
			data = it->data;
			m.len = msg.len;
			m.flags = msg.flags;
			m.fallback_date = maildir_name_date(msg.name);
		} else if (rc == MAILDIR_SKIPPED) {
			it->kind = ITEM_SKIPPED;
		} else if (rc == MAILDIR_ERROR) {
			it->kind = ITEM_ERROR;
		}
	} else {
		struct mbox_message msg;

		rc = mbox_next(src->mbox, &msg, &it->err);
		if (rc == MBOX_MESSAGE) {
			data = msg.data;
			m.len = msg.len;
			m.fallback_date = from_line_date(msg.from_date);
		} else if (rc == MBOX_SKIPPED) {
			it->kind = ITEM_SKIPPED;
		} else if (rc == MBOX_ERROR) {
			it->kind = ITEM_ERROR;
		}
	}
	if (rc == MAILDIR_END || rc == MBOX_END) {
		free(it);
		return NULL;
	}
	if (data == NULL)
		return it;
	/* The mbox reader's buffer is reused by its next call: the message
	 * travels in a copy of its own. */
	if (it->data == NULL) {
		it->data = xmalloc(m.len + 1);
		memcpy(it->data, data, m.len);
		it->data[m.len] = '\0';
	}
	it->len = m.len;
	m.raw = it->data;
	it->kind = store_prepare(&m, cc, &it->p, &it->err) == 0 ? ITEM_MESSAGE : ITEM_SKIPPED;
	return it;
}

/* The reading thread: reads, hashes and parses ahead of the inserts. */
static void *reader_main(void *arg)
{
	struct source *src = arg;
	struct charset_conv *cc = charset_conv_new();
	struct item *it;

	while ((it = read_item(src, cc)) != NULL) {
		bool last = it->kind == ITEM_ERROR;

		if (!handoff_put(src->queue, it, it->len)) {
			item_free(it);	/* the archive side stopped */
			break;
		}
		if (last)
			break;
	}
	charset_conv_free(&cc);
	handoff_close(src->queue);
	return NULL;
}

/* The batch being inserted: counted into the totals when it commits. */
struct batch {
	struct import_counts n;
	size_t messages, bytes;
};

static int commit_batch(struct store *st, struct batch *b, struct checkpointer *ck,
			struct import_counts *total, struct error **err)
{
	int rc = 0;

	if (b->messages > 0) {
		rc = store_commit(st, err);
		if (rc == 0) {
			total->imported += b->n.imported;
			total->duplicates += b->n.duplicates;
			checkpointer_poke(ck);
		}
	}
	memset(b, 0, sizeof *b);
	return rc;
}

static int open_source(struct source *src, const char *path, struct error **err)
{
	struct stat sb;

	if (stat(path, &sb) != 0)
		return error_set_errno(err, errno == ENOENT ? ERR_NOTFOUND : ERR_IO, errno,
				       _("cannot import %s"), path);
	if (S_ISDIR(sb.st_mode))
		src->maildir = maildir_open(path, NULL, err);
	else
		src->mbox = mbox_open(path, NULL, err);
	return src->maildir != NULL || src->mbox != NULL ? 0 : -1;
}

/* The background checkpoints; without them (logged) the import goes on
 * and the writer's own automatic checkpoints do the copying. */
static struct checkpointer *start_checkpointer(struct store *st)
{
	struct error *e = NULL;
	struct checkpointer *ck = checkpointer_start(st, &e);

	if (ck == NULL) {
		log_msg(LOG_WARN, "import into %s: no background checkpoints: %s",
			store_path(st), e->msg);
		error_free(&e);
	}
	return ck;
}

int import_path(struct store *st, const char *path, const struct import_options *opt,
		struct import_counts *n, struct error **err)
{
	static const struct import_options defaults = { 0 };
	size_t max_messages, max_bytes;
	struct source src = { 0 };
	struct checkpointer *ck = NULL;
	struct batch b = { 0 };
	struct error *read_err = NULL;
	struct item *it;
	pthread_t reader;
	int rc = 0, e;

	if (opt == NULL)
		opt = &defaults;
	max_messages = opt->batch_messages ? opt->batch_messages : IMPORT_BATCH_MESSAGES;
	max_bytes = opt->batch_bytes ? opt->batch_bytes : IMPORT_BATCH_BYTES;
	if (open_source(&src, path, err) != 0)
		return -1;
	/* The mailbox stays where it is, so a batch's COMMIT need not wait
	 * for the disk: the checkpointer syncs what it copies after every
	 * batch, and the import syncs once at the end, before it reports. */
	if (store_set_sync_each_commit(st, false, err) != 0) {
		rc = -1;
		goto out;
	}
	src.queue = handoff_new(IMPORT_QUEUE_MESSAGES, IMPORT_QUEUE_BYTES);
	/* The checkpointer does the copying; the inserts go on meanwhile. */
	ck = start_checkpointer(st);
	if ((e = pthread_create(&reader, NULL, reader_main, &src)) != 0) {
		rc = error_set_errno(err, ERR_IO, e, _("cannot start a thread"));
		goto out;
	}
	while ((it = handoff_take(src.queue)) != NULL) {
		int r;

		switch (it->kind) {
		case ITEM_SKIPPED:
			if (opt->warn != NULL)
				opt->warn(opt->warn_arg, it->err);
			n->failed++;
			break;
		case ITEM_ERROR:
			read_err = it->err;
			it->err = NULL;
			break;
		case ITEM_MESSAGE:
			if (b.messages == 0 && store_begin(st, err) != 0) {
				rc = -1;
				break;
			}
			r = store_add_prepared(st, it->p, NULL, err);
			if (r < 0) {
				/* A message may be half in: the batch goes. */
				store_rollback(st);
				memset(&b, 0, sizeof b);
				rc = -1;
				break;
			}
			if (r == STORE_ADDED)
				b.n.imported++;
			else
				b.n.duplicates++;
			b.messages++;
			b.bytes += it->len;
			if (b.messages >= max_messages || b.bytes >= max_bytes)
				rc = commit_batch(st, &b, ck, n, err);
			break;
		}
		item_free(it);
		if (rc != 0 || read_err != NULL)
			break;
	}
	handoff_abandon(src.queue);
	pthread_join(reader, NULL);
	/* Whatever came whole before a broken spot is kept. */
	if (rc == 0)
		rc = commit_batch(st, &b, ck, n, err);
out:
	handoff_free(&src.queue, item_free);
	checkpointer_stop(&ck);
	if (store_sync(st, rc == 0 ? err : NULL) != 0)
		rc = -1;
	store_set_sync_each_commit(st, true, NULL);
	maildir_close(&src.maildir);
	mbox_close(&src.mbox);
	if (read_err != NULL) {
		if (rc == 0 && err != NULL && *err == NULL) {
			*err = read_err;
			read_err = NULL;
		}
		error_free(&read_err);
		rc = -1;
	}
	return rc;
}
