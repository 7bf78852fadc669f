/* store.h - the archive: one SQLite file (WAL) holding every message's raw
 * bytes, its SHA-256, the parsed index fields, flags, thread ids, the
 * full-text index, per-account POP3 UIDLs and the counters the TUI shows.
 *
 * Writers (fetch, import) add messages in batches: store_begin(), any
 * number of store_add(), store_commit().  A commit is durable (synchronous
 * = FULL) before it returns.  Readers in other processes see committed
 * batches at once; a reader and a writer never block each other for long
 * (WAL, busy timeout).
 *
 * Index queries are keyset queries over covering indexes, so reading one
 * screen of rows costs the same on a thousand or a million messages. */
#ifndef PETREL_STORE_H
#define PETREL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "hash.h"
#include "msgflags.h"

struct store;

enum store_open_flags {
	STORE_READONLY = 1,	/* never writes; fails if the file is missing */
	STORE_CREATE = 2,	/* create the file (0600) and directories if missing */
};

/* The largest message the archive holds: SQLite's default limit on one
 * value (SQLITE_MAX_LENGTH, 10^9 bytes). */
#define STORE_MESSAGE_MAX ((size_t)1000000000)

/* The schema version this code writes; older archives are migrated when
 * they are opened for writing. */
#define STORE_SCHEMA_VERSION 2
/* The oldest version this code reads without migrating it: a read-only
 * open of an archive from STORE_SCHEMA_READABLE on leaves it as it is. */
#define STORE_SCHEMA_READABLE 1

/* The page cache of a connection, in KB. */
#define STORE_CACHE_KB 16000

int store_open(struct store **st, const char *path, unsigned flags, struct error **err);
void store_close(struct store **st);
const char *store_path(const struct store *st);

/* Copies the pages committed so far from the WAL into the archive file
 * without waiting for (or blocking) other readers and writers: a passive
 * checkpoint, for a second connection while another writes (see
 * checkpoint.h).  Busy is not an error. */
int store_checkpoint(struct store *st, struct error **err);
/* Tells a writer whether a checkpointer copies its commits meanwhile.  A
 * writer checkpoints inside its own COMMIT (copying, two fsyncs) whenever
 * the WAL has passed 64 MB; with on, only past 256 MB, a safety net
 * should the checkpointer fall behind. */
int store_set_background_checkpoints(struct store *st, bool on, struct error **err);
/* Whether each COMMIT waits for the disk (the default: synchronous=FULL,
 * what a fetch needs before it may DELE).  With off, commits reach the
 * operating system only (synchronous=NORMAL): a killed process still
 * loses nothing committed, and a power cut loses at most the commits
 * since the last store_sync() or checkpoint, never the archive's
 * consistency.  An import, whose source stays where it is, turns it off:
 * the background checkpoints sync what they copy, and the import calls
 * store_sync() once before it reports. */
int store_set_sync_each_commit(struct store *st, bool on, struct error **err);
/* Makes every transaction committed so far durable (fdatasync of the
 * WAL; checkpoints sync the archive file themselves). */
int store_sync(struct store *st, struct error **err);
/* This connection's page cache, in KB (STORE_CACHE_KB from store_open()).  A
 * writer that only appends, such as a fetch, needs little of it. */
int store_set_cache_kb(struct store *st, unsigned kb, struct error **err);

/* Batches.  store_add() outside a batch runs in its own transaction. */
int store_begin(struct store *st, struct error **err);
int store_commit(struct store *st, struct error **err);
void store_rollback(struct store *st);

struct store_new {
	const char *raw;	/* the message bytes, stored exactly; or NULL: */
	size_t len;
	int fd;			/* when raw is NULL, the len bytes are read from
				 * this file from offset 0 (large messages never
				 * need to be in memory whole) */
	unsigned flags;		/* MSG_* from msgflags.h */
	const char *account;	/* account that brought it, or NULL (import) */
	int64_t fallback_date;	/* used when the Date: header is missing/bad */
	bool partial;		/* headers only (POP3 TOP); body to come */
};

enum store_add_result { STORE_ADDED = 1, STORE_DUPLICATE = 2 };

/* Adds one message.  Same bytes (SHA-256) as a stored message: nothing new
 * is stored, the account is recorded as having it too, and the result is
 * STORE_DUPLICATE.  Returns STORE_ADDED / STORE_DUPLICATE, or -1. */
int store_add(struct store *st, const struct store_new *msg, int64_t *id,
	      struct error **err);

/* store_add() in two steps, so that a second thread can do the first:
 * store_prepare() needs no archive (SHA-256, parsing, the text to index)
 * and store_add_prepared() does the rest (lookup, threading, inserts).
 * msg->raw (or msg->fd) is not copied and must stay valid until the
 * store_add_prepared() of the result.  cc is the charset context to use
 * (charset.h; one per thread), or NULL. */
struct store_prepared;
struct charset_conv;
int store_prepare(const struct store_new *msg, struct charset_conv *cc,
		  struct store_prepared **p, struct error **err);
/* As store_add(); p's text moves to the batch's index rows, so p is good
 * only for store_prepared_free() after this. */
int store_add_prepared(struct store *st, struct store_prepared *p, int64_t *id,
		       struct error **err);
void store_prepared_free(struct store_prepared **p);

/* ---- POP3 bookkeeping: which UIDLs of an account are stored ---- */

struct store_uidl {
	bool found;		/* the UIDL is recorded for the account */
	int64_t message;	/* archive id of the message (0 if unknown) */
	int64_t fetched;	/* Unix time it was first stored */
	bool partial;		/* only the header was fetched */
	bool deleted;		/* the server confirmed its deletion */
};

int store_uidl_get(struct store *st, const char *account, const char *uid,
		   struct store_uidl *out, struct error **err);
/* Records, in the current batch (so together with the message itself),
 * that the account's message uid is stored as archive id message. */
int store_uidl_record(struct store *st, const char *account, const char *uid,
		      int64_t message, bool partial, struct error **err);
/* Notes that the server deleted the message (after a successful QUIT). */
int store_uidl_set_deleted(struct store *st, const char *account, const char *uid,
			   struct error **err);
/* Replaces a partial message (headers only) by its full bytes: the new
 * message is added and takes over the old one's flags and UIDL. */
int store_complete_partial(struct store *st, int64_t partial_id,
			   const struct store_new *full, int64_t *new_id,
			   struct error **err);

/* One row of the index, as the TUI and `petrel search` show it. */
struct store_row {
	int64_t id;
	int64_t date;
	int64_t size;
	int64_t thread_id;
	unsigned flags;
	bool has_attachment;
	bool partial;
	char *from_name;	/* may be "" */
	char *from_addr;	/* may be "" */
	char *subject;
	char *message_id;	/* may be NULL */
	char *to_json;		/* JSON array of {"name","address"} */
	char *cc_json;
	char *attachments_json;	/* JSON array of file names */
	char sha256[SHA256_HEX_LEN + 1];
};

void store_row_clear(struct store_row *row);
void store_rows_free(struct store_row *rows, size_t n);

enum store_order {
	STORE_ORDER_DATE,	/* by date, then id */
	STORE_ORDER_THREAD,	/* threads by latest activity, members by date */
};

/* Up to n rows strictly after (forward) or before (backward) the message
 * anchor in the given order, returned in display order.  anchor 0 means
 * "before the first" for forward and "after the last" for backward.
 * Trashed messages are skipped unless include_trashed. */
int store_window(struct store *st, enum store_order order, int64_t anchor,
		 bool forward, bool include_trashed, size_t n,
		 struct store_row **rows, size_t *nrows, struct error **err);

/* Every message of the thread of message id, by date. */
int store_thread_members(struct store *st, int64_t id, struct store_row **rows,
			 size_t *nrows, struct error **err);

struct store_counts {
	int64_t total, unread, flagged, answered, draft, trashed, partial;
};
/* Counters kept up to date by triggers: O(1) whatever the archive size. */
int store_counts(struct store *st, struct store_counts *c, struct error **err);
/* Messages brought by the account (O(1) as well). */
int store_account_count(struct store *st, const char *account, int64_t *n,
			struct error **err);

/* One message by id. */
int store_get_row(struct store *st, int64_t id, struct store_row *row,
		  struct error **err);
/* "123" or "<message-id>" (brackets optional) to an archive id; ERR_NOTFOUND
 * when there is none. */
int store_resolve_id(struct store *st, const char *spec, int64_t *id,
		     struct error **err);
/* The raw bytes of a message (allocated). */
int store_get_raw(struct store *st, int64_t id, char **data, size_t *len,
		  struct error **err);

/* Sets and clears flag bits. */
int store_set_flags(struct store *st, int64_t id, unsigned set, unsigned clear,
		    struct error **err);

/* A search, from query.c: where is a condition over table alias m with
 * text parameters bound in order.  When fts_match is set it is params[0],
 * a full-text expression every match must also satisfy; the parameters
 * of where follow it.  A term found in a large part of the archive is
 * answered by walking the order's index against a bitmap of its hits
 * instead of sorting the hits, which is cheaper once they are many.  A
 * listing cursor reads only what a one-line summary shows (struct
 * store_listing) and is read with store_query_next_listing. */
struct store_query {
	const char *where;
	const char *const *params;
	size_t nparams;
	const char *fts_match;
	enum store_order order;
	bool listing;
};
struct store_cursor;
int store_query_open(struct store *st, const struct store_query *q,
		     struct store_cursor **cur, struct error **err);
/* 1 with a row, 0 at the end, -1 on error (ERR_INTERNAL for a listing
 * cursor). */
int store_query_next(struct store_cursor *cur, struct store_row *row,
		     struct error **err);
/* The fields of a store_row that a one-line listing shows, borrowed: the
 * strings (never NULL) belong to the cursor and last until its next step
 * or its close. */
struct store_listing {
	int64_t id;
	int64_t date;
	int64_t size;
	int64_t thread_id;
	unsigned flags;
	bool has_attachment;
	bool partial;
	const char *from_name;
	const char *from_addr;
	const char *subject;
};
/* store_query_next without a copy of anything, for either kind of
 * cursor. */
int store_query_next_listing(struct store_cursor *cur, struct store_listing *row,
			     struct error **err);
void store_query_close(struct store_cursor **cur);

/* `petrel check`: SQLite's integrity check plus every message's SHA-256.
 * bad counts the messages whose bytes no longer match; problems are
 * described one per line in *report (allocated, "" when all is well). */
int store_check(struct store *st, int64_t *checked, int64_t *bad,
		char **report, struct error **err);

#endif
