/* store.c - the archive: one SQLite file holding raw messages, their index
 * fields, flags, threads, the full-text index and the counters.
 *
 * Tables:
 *   messages      one row per distinct message (by SHA-256): index fields
 *   message_raw   the bytes, kept apart so index pages stay dense
 *   message_accounts  which accounts brought which message
 *   msgid_threads every Message-ID seen (own or referenced) -> thread id
 *   pop3_uidls    per-account UIDLs already stored (for the fetch engine)
 *   counters      totals per flag and per account, maintained by triggers
 *   fts           FTS5 (contentless) over subject, from, to, body
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "charset.h"
#include "envelope.h"
#include "i18n.h"
#include "json.h"
#include "log.h"
#include "render.h"
#include "paths.h"
#include "store.h"

/* Statements used on hot paths, prepared once per connection. */
enum stmt_id {
	Q_FIND_SHA,
	Q_THREAD_OF_MSGID,
	Q_PUT_MSGID,
	Q_MERGE_MSGIDS,
	Q_MERGE_MESSAGES,
	Q_THREAD_LATEST,
	Q_THREAD_REDATE,
	Q_NEXT_THREAD,
	Q_INSERT_MESSAGE,
	Q_INSERT_RAW,
	Q_INSERT_FTS,
	Q_ADD_ACCOUNT,
	Q_UIDL_GET,
	Q_UIDL_PUT,
	Q_UIDL_DELETED,
	Q_MESSAGE_EXISTS,
	Q_GET_RAW,
	Q_COUNT
};

static const char *const stmt_sql[Q_COUNT] = {
	[Q_FIND_SHA] = "SELECT id FROM messages WHERE sha256 = ?",
	[Q_THREAD_OF_MSGID] = "SELECT thread_id FROM msgid_threads WHERE message_id = ?",
	[Q_PUT_MSGID] = "INSERT OR IGNORE INTO msgid_threads VALUES (?, ?)",
	/* OR ROLLBACK, on these writes that run for every message (or many
	 * rows): a failure takes the batch (the callers drop it on any error
	 * anyway), so they need no statement journal, which copied every
	 * index page a statement touched. */
	[Q_MERGE_MSGIDS] = "UPDATE OR ROLLBACK msgid_threads SET thread_id = ?1 WHERE thread_id = ?2",
	[Q_MERGE_MESSAGES] = "UPDATE OR ROLLBACK messages SET thread_id = ?1 WHERE thread_id = ?2",
	[Q_THREAD_LATEST] = "SELECT max(date) FROM messages WHERE thread_id = ?",
	[Q_THREAD_REDATE] = "UPDATE OR ROLLBACK messages SET thread_date = ?2 WHERE thread_id = ?1 "
		"AND thread_date != ?2",
	[Q_NEXT_THREAD] = "UPDATE counters SET n = n + 1 WHERE name = 'thread_seq' RETURNING n",
	[Q_INSERT_MESSAGE] = "INSERT OR ROLLBACK INTO messages (sha256, date, date_tz, from_name, "
		"from_addr, to_json, cc_json, subject, message_id, in_reply_to, refs, "
		"size, has_attachment, flags, partial, thread_id, thread_date, added, "
		"attachments_json) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[Q_INSERT_RAW] = "INSERT INTO message_raw (id, raw) VALUES (?, ?)",
	[Q_INSERT_FTS] = "INSERT INTO fts (rowid, subject, sender, recipients, body) "
		"VALUES (?, ?, ?, ?, ?)",
	[Q_ADD_ACCOUNT] = "INSERT OR IGNORE INTO message_accounts VALUES (?, ?)",
	[Q_UIDL_GET] = "SELECT message, fetched, partial, deleted FROM pop3_uidls "
		"WHERE account = ? AND uidl = ?",
	[Q_UIDL_PUT] = "INSERT INTO pop3_uidls (account, uidl, message, fetched, partial) "
		"VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (account, uidl) DO UPDATE "
		"SET message = ?3, partial = ?5, deleted = 0",
	[Q_UIDL_DELETED] = "UPDATE pop3_uidls SET deleted = 1 WHERE account = ? AND uidl = ?",
	[Q_MESSAGE_EXISTS] = "SELECT 1 FROM messages WHERE id = ?",
	[Q_GET_RAW] = "SELECT raw FROM message_raw WHERE id = ?",
};

/* A row for the full-text index, held until the batch commits. */
struct fts_row {
	int64_t id;
	char *subject, *sender, *recipients, *body;
	size_t body_len;
};

struct store {
	sqlite3 *db;
	char *path;
	bool in_batch;
	bool readonly;
	sqlite3_stmt *stmts[Q_COUNT];
	struct charset_conv *cc;	/* shared by every message parsed */
	/* The batch's index rows.  FTS5 writes out its pending terms at
	 * every statement savepoint, and the counting triggers give most
	 * statements one: indexing each message as it is stored made a
	 * segment per message.  Indexed together just before COMMIT they
	 * make one segment per batch. */
	struct fts_row *fts;
	size_t nfts, fts_cap;
	size_t fts_bytes;	/* body text held in fts */
	bool fts_tuned;		/* tune_fts() ran */
};

/* A writer checkpoints itself (copies the WAL into the archive file and
 * syncs both, inside its COMMIT) when the WAL passes STORE_WAL_PAGES
 * pages: 64 MB.  With a checkpointer thread doing that work, only past
 * STORE_WAL_PAGES_BACKGROUND (256 MB), should the thread fall behind. */
#define STORE_WAL_PAGES 8192u
#define STORE_WAL_PAGES_BACKGROUND 32768u

/* Body text held for the index before it is inserted anyway, in the
 * batch: bounds memory whatever the caller's batch size. */
#define STORE_FTS_PENDING_MAX (16u * 1024 * 1024)

static void fts_rows_clear(struct store *st);
static void hit_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv);

/* Schema, one entry per version: migrations[i] takes user_version i to i+1. */
static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE messages ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  sha256 BLOB NOT NULL UNIQUE,"
	"  date INTEGER NOT NULL,"
	"  date_tz INTEGER NOT NULL DEFAULT 0,"
	"  from_name TEXT NOT NULL DEFAULT '',"
	"  from_addr TEXT NOT NULL DEFAULT '',"
	"  to_json TEXT NOT NULL DEFAULT '[]',"
	"  cc_json TEXT NOT NULL DEFAULT '[]',"
	"  subject TEXT NOT NULL DEFAULT '',"
	"  message_id TEXT,"
	"  in_reply_to TEXT,"
	"  refs TEXT NOT NULL DEFAULT '',"
	"  size INTEGER NOT NULL,"
	"  has_attachment INTEGER NOT NULL DEFAULT 0,"
	"  attachments_json TEXT NOT NULL DEFAULT '[]',"
	"  flags INTEGER NOT NULL DEFAULT 0,"
	"  partial INTEGER NOT NULL DEFAULT 0,"
	"  thread_id INTEGER NOT NULL,"
	"  thread_date INTEGER NOT NULL,"
	"  added INTEGER NOT NULL"
	");"
	"CREATE INDEX messages_by_date ON messages(date, id);"
	"CREATE INDEX messages_by_thread ON messages(thread_date, thread_id, date, id);"
	"CREATE INDEX messages_thread_members ON messages(thread_id, date, id);"
	"CREATE INDEX messages_by_message_id ON messages(message_id);"
	"CREATE INDEX messages_by_size ON messages(size);"
	"CREATE TABLE message_raw (id INTEGER PRIMARY KEY, raw BLOB NOT NULL);"
	"CREATE TABLE message_accounts ("
	"  message INTEGER NOT NULL, account TEXT NOT NULL,"
	"  PRIMARY KEY (account, message)) WITHOUT ROWID;"
	"CREATE INDEX message_accounts_by_message ON message_accounts(message);"
	"CREATE TABLE msgid_threads ("
	"  message_id TEXT PRIMARY KEY, thread_id INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX msgid_threads_by_thread ON msgid_threads(thread_id);"
	"CREATE TABLE pop3_uidls ("
	"  account TEXT NOT NULL, uidl BLOB NOT NULL, message INTEGER,"
	"  fetched INTEGER NOT NULL, partial INTEGER NOT NULL DEFAULT 0,"
	"  deleted INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (account, uidl)) WITHOUT ROWID;"
	"CREATE TABLE counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;"
	"INSERT INTO counters VALUES ('total',0),('unread',0),('flagged',0),"
	"  ('answered',0),('draft',0),('trashed',0),('partial',0),('thread_seq',0);"
	"CREATE TRIGGER messages_count_insert AFTER INSERT ON messages BEGIN"
	"  UPDATE counters SET n = n + CASE name"
	"    WHEN 'total' THEN 1"
	"    WHEN 'unread' THEN (new.flags & 1) = 0"
	"    WHEN 'answered' THEN (new.flags & 2) != 0"
	"    WHEN 'flagged' THEN (new.flags & 4) != 0"
	"    WHEN 'draft' THEN (new.flags & 8) != 0"
	"    WHEN 'trashed' THEN (new.flags & 16) != 0"
	"    WHEN 'partial' THEN new.partial != 0 ELSE 0 END;"
	"END;"
	"CREATE TRIGGER messages_count_delete AFTER DELETE ON messages BEGIN"
	"  UPDATE counters SET n = n - CASE name"
	"    WHEN 'total' THEN 1"
	"    WHEN 'unread' THEN (old.flags & 1) = 0"
	"    WHEN 'answered' THEN (old.flags & 2) != 0"
	"    WHEN 'flagged' THEN (old.flags & 4) != 0"
	"    WHEN 'draft' THEN (old.flags & 8) != 0"
	"    WHEN 'trashed' THEN (old.flags & 16) != 0"
	"    WHEN 'partial' THEN old.partial != 0 ELSE 0 END;"
	"END;"
	"CREATE TRIGGER messages_count_update AFTER UPDATE OF flags, partial ON messages BEGIN"
	"  UPDATE counters SET n = n + CASE name"
	"    WHEN 'unread' THEN ((new.flags & 1) = 0) - ((old.flags & 1) = 0)"
	"    WHEN 'answered' THEN ((new.flags & 2) != 0) - ((old.flags & 2) != 0)"
	"    WHEN 'flagged' THEN ((new.flags & 4) != 0) - ((old.flags & 4) != 0)"
	"    WHEN 'draft' THEN ((new.flags & 8) != 0) - ((old.flags & 8) != 0)"
	"    WHEN 'trashed' THEN ((new.flags & 16) != 0) - ((old.flags & 16) != 0)"
	"    WHEN 'partial' THEN (new.partial != 0) - (old.partial != 0)"
	"    ELSE 0 END;"
	"END;"
	"CREATE TRIGGER accounts_count_insert AFTER INSERT ON message_accounts BEGIN"
	"  INSERT INTO counters VALUES ('account:' || new.account, 1)"
	"    ON CONFLICT(name) DO UPDATE SET n = n + 1;"
	"END;"
	"CREATE TRIGGER accounts_count_delete AFTER DELETE ON message_accounts BEGIN"
	"  UPDATE counters SET n = n - 1 WHERE name = 'account:' || old.account;"
	"END;"
	"CREATE VIRTUAL TABLE fts USING fts5(subject, sender, recipients, body,"
	"  content='', columnsize=0, tokenize='unicode61 remove_diacritics 2');",
	/* 1 -> 2: the two order indexes carry the listing's columns
	 * (LISTING_COLUMNS), so a listing in date or thread order reads the
	 * index alone and never the table.  A term in 75% of 100,000
	 * messages lists in 77 ms instead of 107 (mean of 30), for 10 MB more
	 * index each and 2% more bytes written by an import.  Version 1 is
	 * still read as it is: the index names are the same. */
	"DROP INDEX messages_by_date;"
	"CREATE INDEX messages_by_date ON messages(date, id, size, thread_id, flags,"
	"  has_attachment, partial, from_name, from_addr, subject);"
	"DROP INDEX messages_by_thread;"
	"CREATE INDEX messages_by_thread ON messages(thread_date, thread_id, date, id,"
	"  size, flags, has_attachment, partial, from_name, from_addr, subject);",
};

const char *store_path(const struct store *st)
{
	return st->path;
}

static int db_error(struct store *st, struct error **err, const char *what)
{
	int code = sqlite3_extended_errcode(st->db);
	int sys = sqlite3_system_errno(st->db);

	if (code == SQLITE_FULL || (code & 0xff) == SQLITE_IOERR)
		return error_set(err, ERR_IO,
				 _("archive %s: %s failed: %s (%s); nothing of this batch "
				   "was stored"), st->path, what, sqlite3_errmsg(st->db),
				 sys != 0 ? strerror(sys) : _("is the disk full?"));
	if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED)
		return error_set(err, ERR_TEMP, _("archive %s is busy (%s); try again"),
				 st->path, what);
	return error_set(err, ERR_STORE, _("archive %s: %s failed: %s"), st->path, what,
			 sqlite3_errmsg(st->db));
}

static int exec_sql(struct store *st, const char *sql, struct error **err)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		error_set(err, ERR_STORE, _("archive %s: %s"), st->path,
			  msg != NULL ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int prepare(struct store *st, const char *sql, sqlite3_stmt **stmt,
		   struct error **err)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, stmt, NULL) != SQLITE_OK)
		return db_error(st, err, "prepare");
	return 0;
}

static int64_t query_int(struct store *st, const char *sql, int64_t dflt)
{
	sqlite3_stmt *s;
	int64_t v = dflt;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return dflt;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static int migrate(struct store *st, struct error **err)
{
	int64_t version = query_int(st, "PRAGMA user_version", -1);

	if (version < 0)
		return db_error(st, err, "reading the schema version");
	if (version > STORE_SCHEMA_VERSION)
		return error_set(err, ERR_STORE,
				 _("archive %s has schema version %lld, newer than this "
				   "Petrel understands (%d); upgrade Petrel"),
				 st->path, (long long)version, STORE_SCHEMA_VERSION);
	if (version == STORE_SCHEMA_VERSION)
		return 0;
	/* A reader leaves an older schema it can read as it is: the upgrade
	 * waits for the first connection that writes. */
	if (st->readonly && version >= STORE_SCHEMA_READABLE)
		return 0;
	if (st->readonly)
		return error_set(err, ERR_STORE,
				 _("archive %s needs a schema upgrade; open it once read-write"),
				 st->path);
	if (exec_sql(st, "BEGIN IMMEDIATE", err) != 0)
		return -1;
	/* Another process may have migrated while we waited for the lock. */
	version = query_int(st, "PRAGMA user_version", -1);
	if (version > 0 && version < STORE_SCHEMA_VERSION)
		log_msg(LOG_INFO, "archive %s: upgrading the schema from version %lld to %d",
			st->path, (long long)version, STORE_SCHEMA_VERSION);
	for (; version >= 0 && version < STORE_SCHEMA_VERSION; version++) {
		char pragma[64];

		if (exec_sql(st, migrations[version], err) != 0)
			goto fail;
		snprintf(pragma, sizeof pragma, "PRAGMA user_version = %lld",
			 (long long)version + 1);
		if (exec_sql(st, pragma, err) != 0)
			goto fail;
	}
	return exec_sql(st, "COMMIT", err);
fail:
	exec_sql(st, "ROLLBACK", NULL);
	error_prefix(err, _("upgrading the archive schema"));
	return -1;
}

static int store_open_file(struct store **stp, const char *path, unsigned flags,
			   struct error **err);

/* FTS5 keeps the terms of rows being inserted in a hash table and writes
 * them out as a new index segment when it holds hashsize bytes (1 MB by
 * default) or at COMMIT; every segment costs merging later.  A batch of
 * two thousand imported messages holds several megabytes of text: 8 MB
 * makes it one segment instead of eight, for a tenth less import CPU.
 *
 * Merging: FTS5's incremental merge (automerge, on by default) does, for
 * every page a batch writes, a page of merge work per level of the index,
 * so the text of a large import is rewritten once per level.  With it off
 * a level is merged only when it holds crisismerge (16) segments, all of
 * them in one pass into the next level: each byte is rewritten about once
 * per sixteenfold growth, and a term lookup reads at most fifteen
 * segments a level.  Importing 100,000 messages, in alternating runs:
 * 20.8-21.7 s against 22.7-23.6 s, and on another hour 18.4-20.1 s
 * against 19.7-20.1 s; the same search times.
 *
 * The settings live in the archive: written in the first batch that finds
 * them missing (a failure loses nothing but speed). */
#define STORE_FTS_HASHSIZE 8388608
#define STORE_FTS_HASHSIZE_SQL "8388608"
#define STORE_FTS_AUTOMERGE 0
#define STORE_FTS_AUTOMERGE_SQL "0"

static void tune_fts(struct store *st)
{
	if (query_int(st, "SELECT v FROM fts_config WHERE k = 'hashsize'", 0) !=
	    STORE_FTS_HASHSIZE)
		exec_sql(st, "INSERT INTO fts(fts, rank) VALUES ('hashsize', "
			 STORE_FTS_HASHSIZE_SQL ")", NULL);
	if (query_int(st, "SELECT v FROM fts_config WHERE k = 'automerge'", -1) !=
	    STORE_FTS_AUTOMERGE)
		exec_sql(st, "INSERT INTO fts(fts, rank) VALUES ('automerge', "
			 STORE_FTS_AUTOMERGE_SQL ")", NULL);
}

/* Creates a new archive atomically: the schema is written to a temporary
 * file (mode 0600 whatever the umask; SQLite gives the -wal and -shm files
 * the same mode) that is then linked into place, so a crash never leaves a
 * half-made archive behind.  Losing a race to another creator is fine. */
static int store_create(const char *path, struct error **err)
{
	char *dir = path_dirname(path);
	char *tmp = xasprintf("%s.new-XXXXXX", path);
	struct store *st = NULL;
	int fd, rc = -1;

	if (path_mkdirs(dir, 0700, err) != 0)
		goto out;
	fd = mkstemp(tmp);
	if (fd < 0) {
		error_set_errno(err, ERR_IO, errno, _("cannot create archive %s"), path);
		goto out;
	}
	close(fd);
	if (store_open_file(&st, tmp, 0, err) != 0) {
		unlink(tmp);
		goto out;
	}
	store_close(&st);
	if (link(tmp, path) != 0 && errno != EEXIST) {
		error_set_errno(err, ERR_IO, errno, _("cannot create archive %s"), path);
		unlink(tmp);
		goto out;
	}
	unlink(tmp);
	rc = 0;
out:
	free(dir);
	free(tmp);
	return rc;
}

int store_open(struct store **stp, const char *path, unsigned flags, struct error **err)
{
	struct stat sb;

	*stp = NULL;
	if (stat(path, &sb) != 0) {
		if (errno == ENOENT && !(flags & STORE_CREATE))
			return error_set(err, ERR_NOTFOUND, _("there is no archive at %s yet; "
							     "import or fetch mail first"), path);
		if (errno != ENOENT)
			return error_set_errno(err, ERR_IO, errno, _("cannot open archive %s"), path);
		if (store_create(path, err) != 0)
			return -1;
	} else if (S_ISDIR(sb.st_mode)) {
		return error_set(err, ERR_IO, _("archive %s is a directory, not a file"), path);
	}
	return store_open_file(stp, path, flags, err);
}

/* Process-wide SQLite settings, before its first use: no memory
 * statistics (they take a global mutex at every allocation, and Debian's
 * SQLite has no lookaside, so allocations are many). */
static void sqlite_setup(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static int store_open_file(struct store **stp, const char *path, unsigned flags,
			   struct error **err)
{
	static pthread_once_t setup = PTHREAD_ONCE_INIT;
	struct store *st;
	int oflags;

	pthread_once(&setup, sqlite_setup);
	st = xcalloc(1, sizeof *st);
	st->path = xstrdup(path);
	st->readonly = (flags & STORE_READONLY) != 0;
	oflags = st->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	if (sqlite3_open_v2(path, &st->db, oflags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		error_set(err, ERR_STORE, _("cannot open archive %s: %s"), path,
			  st->db ? sqlite3_errmsg(st->db) : "out of memory");
		store_close(&st);
		return -1;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, 10000);
	sqlite3_create_function(st->db, "petrel_hit", 2, SQLITE_UTF8 | SQLITE_DIRECTONLY, NULL,
				hit_fn, NULL, NULL);
	/* A file that is not SQLite fails on the first read. */
	if (query_int(st, "SELECT count(*) FROM sqlite_master", -1) < 0) {
		error_set(err, ERR_STORE, _("%s is not a Petrel archive (not an SQLite "
					   "database): %s"), path, sqlite3_errmsg(st->db));
		store_close(&st);
		return -1;
	}
	/* A new, empty file: choose the page size before WAL fixes it. */
	if (!st->readonly && query_int(st, "SELECT count(*) FROM sqlite_master", -1) == 0 &&
	    exec_sql(st, "PRAGMA page_size = 8192", err) != 0) {
		store_close(&st);
		return -1;
	}
	/* secure_delete = FAST: Debian builds SQLite to zero every freed page
	 * and write the zeros out.  Nothing Petrel frees holds mail a user
	 * deleted (there is no delete short of a purge, which must turn the
	 * zeroing on for itself): the pages are old full-text segments and
	 * index pages, and zeroing them was 510 MB of the 7.3 GB an import
	 * of 100,000 messages writes. */
	if (!st->readonly &&
	    (exec_sql(st, "PRAGMA journal_mode = WAL", err) != 0 ||
	     exec_sql(st, "PRAGMA synchronous = FULL", err) != 0 ||
	     exec_sql(st, "PRAGMA secure_delete = FAST", err) != 0)) {
		store_close(&st);
		return -1;
	}
	if (exec_sql(st, "PRAGMA foreign_keys = OFF; PRAGMA temp_store = MEMORY", err) != 0 ||
	    store_set_cache_kb(st, STORE_CACHE_KB, err) != 0 ||
	    store_set_background_checkpoints(st, false, err) != 0 ||
	    migrate(st, err) != 0) {
		store_close(&st);
		return -1;
	}
	*stp = st;
	return 0;
}

void store_close(struct store **stp)
{
	struct store *st = *stp;

	if (st == NULL)
		return;
	if (st->in_batch)
		store_rollback(st);
	for (size_t i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(st->stmts[i]);
	charset_conv_free(&st->cc);
	fts_rows_clear(st);
	free(st->fts);
	sqlite3_close_v2(st->db);
	free(st->path);
	free(st);
	*stp = NULL;
}

int store_set_cache_kb(struct store *st, unsigned kb, struct error **err)
{
	char sql[64];

	snprintf(sql, sizeof sql, "PRAGMA cache_size = -%u", kb > 0 ? kb : 1);
	return exec_sql(st, sql, err);
}

int store_set_background_checkpoints(struct store *st, bool on, struct error **err)
{
	char sql[64];

	snprintf(sql, sizeof sql, "PRAGMA wal_autocheckpoint = %u",
		 on ? STORE_WAL_PAGES_BACKGROUND : STORE_WAL_PAGES);
	return exec_sql(st, sql, err);
}

int store_set_sync_each_commit(struct store *st, bool on, struct error **err)
{
	return exec_sql(st, on ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL",
			err);
}

int store_sync(struct store *st, struct error **err)
{
	char *wal = xasprintf("%s-wal", st->path);
	int fd = open(wal, O_RDONLY | O_CLOEXEC);
	int rc = 0;

	/* fdatasync flushes the file, whichever descriptor wrote it.  No
	 * WAL means nothing is waiting in one. */
	if (fd < 0) {
		if (errno != ENOENT)
			rc = error_set_errno(err, ERR_IO, errno, _("archive %s: cannot sync %s"),
					     st->path, wal);
	} else {
		if (fdatasync(fd) != 0)
			rc = error_set_errno(err, ERR_IO, errno, _("archive %s: cannot sync %s"),
					     st->path, wal);
		close(fd);
	}
	free(wal);
	return rc;
}

int store_checkpoint(struct store *st, struct error **err)
{
	int rc = sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);

	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		return db_error(st, err, _("copying the log into the archive"));
	return 0;
}

int store_begin(struct store *st, struct error **err)
{
	if (st->in_batch)
		return 0;
	/* IMMEDIATE takes the write lock now, so a busy archive waits here
	 * (busy timeout) instead of failing halfway through a batch. */
	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_error(st, err, _("starting a transaction"));
	st->in_batch = true;
	if (!st->fts_tuned) {
		tune_fts(st);
		st->fts_tuned = true;
	}
	return 0;
}

static void fts_rows_clear(struct store *st)
{
	for (size_t i = 0; i < st->nfts; i++) {
		free(st->fts[i].subject);
		free(st->fts[i].sender);
		free(st->fts[i].recipients);
		free(st->fts[i].body);
	}
	st->nfts = 0;
	st->fts_bytes = 0;
}

static int run(struct store *st, sqlite3_stmt *s, struct error **err, const char *what);
static sqlite3_stmt *stmt(struct store *st, enum stmt_id id, struct error **err);

/* Indexes the batch's messages, in one go. */
static int fts_rows_flush(struct store *st, struct error **err)
{
	int rc = 0;

	for (size_t i = 0; i < st->nfts && rc == 0; i++) {
		const struct fts_row *r = &st->fts[i];
		sqlite3_stmt *s = stmt(st, Q_INSERT_FTS, err);

		if (s == NULL) {
			rc = -1;
			break;
		}
		sqlite3_bind_int64(s, 1, r->id);
		sqlite3_bind_text(s, 2, r->subject, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, r->sender, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, r->recipients, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, r->body, (int)r->body_len, SQLITE_STATIC);
		rc = run(st, s, err, _("indexing a message"));
	}
	fts_rows_clear(st);
	return rc;
}

int store_commit(struct store *st, struct error **err)
{
	if (!st->in_batch)
		return 0;
	/* An error that rolled the whole transaction back (the message
	 * insert runs without a statement journal) took the batch with it. */
	if (sqlite3_get_autocommit(st->db)) {
		error_set(err, ERR_STORE, _("archive %s: the batch was lost to an earlier "
					   "error and nothing of it was stored"), st->path);
		store_rollback(st);
		return -1;
	}
	if (fts_rows_flush(st, err) != 0) {
		store_rollback(st);
		return -1;
	}
	if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		db_error(st, err, _("committing"));
		store_rollback(st);
		return -1;
	}
	st->in_batch = false;
	return 0;
}

void store_rollback(struct store *st)
{
	fts_rows_clear(st);
	if (st->in_batch)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	st->in_batch = false;
}

/* ---- inserting ---- */

static void addresses_json(struct buf *b, const struct address_list *l)
{
	buf_putc(b, '[');
	for (size_t i = 0; i < l->n; i++) {
		if (i > 0)
			buf_putc(b, ',');
		buf_puts(b, "{\"name\":");
		json_cstr(b, l->v[i].name);
		buf_puts(b, ",\"address\":");
		json_cstr(b, l->v[i].addr);
		buf_putc(b, '}');
	}
	buf_putc(b, ']');
}

static void addresses_text(struct buf *b, const struct address_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i].name != NULL) {
			buf_puts(b, l->v[i].name);
			buf_putc(b, ' ');
		}
		buf_puts(b, l->v[i].addr);
		buf_putc(b, ' ');
	}
}

/* Binds text, or NULL for a NULL pointer. */
static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
}

/* The cached statement id, reset and with its bindings cleared. */
static sqlite3_stmt *stmt(struct store *st, enum stmt_id id, struct error **err)
{
	sqlite3_stmt *s = st->stmts[id];

	if (s == NULL) {
		if (sqlite3_prepare_v3(st->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
				       &st->stmts[id], NULL) != SQLITE_OK) {
			db_error(st, err, "prepare");
			return NULL;
		}
		return st->stmts[id];
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

/* Steps a cached statement to completion; a row counts as done. */
static int run(struct store *st, sqlite3_stmt *s, struct error **err, const char *what)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW)
		rc = SQLITE_DONE;
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return db_error(st, err, what);
	return 0;
}

static int step_done(struct store *st, sqlite3_stmt *s, struct error **err,
		     const char *what)
{
	int rc = sqlite3_step(s);

	sqlite3_finalize(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_error(st, err, what);
	return 0;
}

/* The thread a Message-ID is recorded under, 0 if none, -1 on error. */
static int64_t thread_of(struct store *st, const char *msgid, struct error **err)
{
	sqlite3_stmt *s = stmt(st, Q_THREAD_OF_MSGID, err);
	int64_t t = 0;
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, msgid, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		t = sqlite3_column_int64(s, 0);
	else if (rc != SQLITE_DONE)
		t = db_error(st, err, _("finding a thread"));
	sqlite3_reset(s);
	return t;
}

static int exec_ids(struct store *st, enum stmt_id id, int64_t a, int64_t b,
		    struct error **err)
{
	sqlite3_stmt *s = stmt(st, id, err);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, a);
	sqlite3_bind_int64(s, 2, b);
	return run(st, s, err, _("threading a message"));
}

/* Finds the thread of a message from the Message-IDs it names (its own,
 * In-Reply-To and References), merging the threads it shows belong
 * together into the oldest of them, and records every one of those ids
 * under the result.  Also returns the thread's latest date. */
static int assign_thread(struct store *st, const struct envelope *env, int64_t date,
			 int64_t *thread_out, int64_t *latest_out, struct error **err)
{
	const char **ids = xcalloc(env->nreferences + 2, sizeof *ids);
	int64_t *found = xcalloc(env->nreferences + 2, sizeof *found);
	size_t nids = 0;
	int64_t thread = 0, latest = date;
	bool created, merged = false;
	sqlite3_stmt *s;
	int rc = -1;

	if (env->message_id != NULL)
		ids[nids++] = env->message_id;
	if (env->in_reply_to != NULL)
		ids[nids++] = env->in_reply_to;
	for (size_t i = 0; i < env->nreferences; i++)
		ids[nids++] = env->references[i];

	for (size_t i = 0; i < nids; i++) {
		int64_t t = thread_of(st, ids[i], err);

		if (t < 0)
			goto out;
		found[i] = t;
		if (t != 0 && (thread == 0 || t < thread))
			thread = t;
	}
	created = thread == 0;
	if (created) {
		if ((s = stmt(st, Q_NEXT_THREAD, err)) == NULL)
			goto out;
		if (sqlite3_step(s) != SQLITE_ROW) {
			sqlite3_reset(s);
			db_error(st, err, _("numbering a thread"));
			goto out;
		}
		thread = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
	}
	/* found[] stays what the archive says: a merge renumbers the ids
	 * still to come that were in the merged thread. */
	for (size_t i = 0; i < nids; i++) {
		int64_t t = found[i];

		if (t == thread)
			continue;
		if (t != 0) {
			if (exec_ids(st, Q_MERGE_MSGIDS, thread, t, err) != 0 ||
			    exec_ids(st, Q_MERGE_MESSAGES, thread, t, err) != 0)
				goto out;
			merged = true;
			for (size_t j = i + 1; j < nids; j++)
				if (found[j] == t)
					found[j] = thread;
			continue;
		}
		if ((s = stmt(st, Q_PUT_MSGID, err)) == NULL)
			goto out;
		sqlite3_bind_text(s, 1, ids[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, thread);
		if (run(st, s, err, _("threading a message")) != 0)
			goto out;
		for (size_t j = i + 1; j < nids; j++)
			if (found[j] == 0 && strcmp(ids[j], ids[i]) == 0)
				found[j] = thread;
	}
	/* Every member sorts by the thread's latest message: each one's
	 * thread_date is the greatest date in its thread, and this is where
	 * that is kept.  So a new thread has nobody to redate, and neither
	 * has a message no newer than the one thread it joins; only a newer
	 * message or a merge changes the others.  Half of 100,000 generated
	 * messages open a thread; skipping the redate took their import from
	 * 28 s to 22-24 s (two alternating pairs), same threads and dates. */
	if (!created) {
		int64_t before = date;

		if ((s = stmt(st, Q_THREAD_LATEST, err)) == NULL)
			goto out;
		sqlite3_bind_int64(s, 1, thread);
		if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
			before = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
		if (before > latest)
			latest = before;
		if ((merged || date > before) &&
		    exec_ids(st, Q_THREAD_REDATE, thread, latest, err) != 0)
			goto out;
	}
	*thread_out = thread;
	*latest_out = latest;
	rc = 0;
out:
	free(ids);
	free(found);
	return rc;
}

static int add_account(struct store *st, int64_t id, const char *account,
		       struct error **err)
{
	sqlite3_stmt *s;

	if (account == NULL)
		return 0;
	if ((s = stmt(st, Q_ADD_ACCOUNT, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, account, -1, SQLITE_STATIC);
	return run(st, s, err, _("recording the account"));
}

/* Bytes of a message read from a file to find its index fields. */
#define STORE_SCAN_MAX (1024u * 1024)

/* Copies len bytes of fd into message_raw.raw of row id, which holds a
 * zeroblob of that size, in chunks: memory stays bounded. */
static int copy_file_to_blob(struct store *st, int fd, size_t len, int64_t id,
			     struct error **err)
{
	sqlite3_blob *blob;
	char *chunk;
	size_t off = 0, csize = 1024 * 1024;
	int rc = 0;

	if (sqlite3_blob_open(st->db, "main", "message_raw", "raw", id, 1, &blob) != SQLITE_OK)
		return db_error(st, err, _("storing a message"));
	chunk = xmalloc(csize);
	while (off < len) {
		size_t want = len - off < csize ? len - off : csize;
		ssize_t got = pread(fd, chunk, want, (off_t)off);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			rc = error_set_errno(err, ERR_IO, got < 0 ? errno : EIO,
					     _("cannot read a message's spool file"));
			break;
		}
		if (sqlite3_blob_write(blob, chunk, (int)got, (int)off) != SQLITE_OK) {
			rc = db_error(st, err, _("storing a message"));
			break;
		}
		off += (size_t)got;
	}
	free(chunk);
	sqlite3_blob_close(blob);
	return rc;
}

/* Everything store_add() works out before it touches the archive. */
struct store_prepared {
	const char *raw;	/* borrowed from the store_new */
	int fd;
	size_t len;
	unsigned flags;
	bool partial;
	char *account;
	unsigned char digest[SHA256_LEN];
	struct envelope env;	/* env.date has the fallback applied */
	bool has_attachment;
	char *to_json, *cc_json, *refs, *attachments_json;
	/* The full-text row; handed to the batch's index rows on insert. */
	char *sender, *recipients, *body;
	size_t body_len;
};

void store_prepared_free(struct store_prepared **pp)
{
	struct store_prepared *p = *pp;

	if (p == NULL)
		return;
	free(p->account);
	envelope_free(&p->env);
	free(p->to_json);
	free(p->cc_json);
	free(p->refs);
	free(p->attachments_json);
	free(p->sender);
	free(p->recipients);
	free(p->body);
	free(p);
	*pp = NULL;
}

int store_prepare(const struct store_new *msg, struct charset_conv *cc,
		  struct store_prepared **out, struct error **err)
{
	struct store_prepared *p;
	struct mime_summary sum;
	struct buf b = BUF_INIT;
	const char *scan = msg->raw;
	char *head = NULL;
	size_t scan_len = msg->len;

	*out = NULL;
	if (msg->len > STORE_MESSAGE_MAX)
		return error_set(err, ERR_DATA, _("a message of %zu bytes is larger than the "
						 "archive can hold (%zu bytes)"), msg->len,
				 STORE_MESSAGE_MAX);
	p = xcalloc(1, sizeof *p);
	if (msg->raw != NULL ? sha256(msg->raw, msg->len, p->digest) != 0
			     : sha256_fd(msg->fd, msg->len, p->digest) != 0) {
		error_set_errno(err, ERR_IO, errno, _("cannot read a message to hash it"));
		free(p);
		return -1;
	}
	p->raw = msg->raw;
	p->fd = msg->fd;
	p->len = msg->len;
	p->flags = msg->flags;
	p->partial = msg->partial;
	p->account = msg->account != NULL ? xstrdup(msg->account) : NULL;
	if (msg->raw == NULL) {
		/* A large message: the index fields, the text to search and
		 * the attachment list come from its first STORE_SCAN_MAX bytes. */
		size_t n = msg->len < STORE_SCAN_MAX ? msg->len : STORE_SCAN_MAX;
		ssize_t got;

		head = xmalloc(n + 1);
		got = pread(msg->fd, head, n, 0);
		scan = head;
		scan_len = got > 0 ? (size_t)got : 0;
	}
	envelope_parse_cc(&p->env, scan, scan_len, cc);
	mime_summarize_cc(scan, scan_len, cc, &sum);
	free(head);

	if (p->env.date == 0)
		p->env.date = msg->fallback_date;
	p->has_attachment = sum.has_attachment || p->env.has_attachment;
	buf_putc(&b, '[');
	for (size_t i = 0; i < sum.natt; i++) {
		if (sum.att[i].name == NULL || sum.att[i].name[0] == '\0')
			continue;
		if (b.len > 1)
			buf_putc(&b, ',');
		json_cstr(&b, sum.att[i].name);
	}
	buf_putc(&b, ']');
	p->attachments_json = buf_steal(&b, NULL);
	addresses_json(&b, &p->env.to);
	p->to_json = buf_steal(&b, NULL);
	addresses_json(&b, &p->env.cc);
	p->cc_json = buf_steal(&b, NULL);
	addresses_text(&b, &p->env.to);
	addresses_text(&b, &p->env.cc);
	p->recipients = buf_steal(&b, NULL);
	addresses_text(&b, &p->env.from);
	p->sender = buf_steal(&b, NULL);
	for (size_t i = 0; i < p->env.nreferences; i++) {
		if (i > 0)
			buf_putc(&b, ' ');
		buf_puts(&b, p->env.references[i]);
	}
	p->refs = buf_steal(&b, NULL);
	p->body = sum.text;
	p->body_len = sum.text_len;
	sum.text = NULL;
	sum.text_len = 0;
	mime_summary_free(&sum);
	*out = p;
	return 0;
}

static int insert_message(struct store *st, struct store_prepared *p, int64_t *id_out,
			  struct error **err)
{
	const struct envelope *env = &p->env;
	sqlite3_stmt *s;
	int64_t id, thread, latest;

	if (assign_thread(st, env, env->date, &thread, &latest, err) != 0)
		return -1;
	if ((s = stmt(st, Q_INSERT_MESSAGE, err)) == NULL)
		return -1;
	sqlite3_bind_blob(s, 1, p->digest, SHA256_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, env->date);
	sqlite3_bind_int(s, 3, env->date_tz);
	bind_text(s, 4, env->from.n > 0 && env->from.v[0].name ? env->from.v[0].name : "");
	bind_text(s, 5, env->from.n > 0 ? env->from.v[0].addr : "");
	bind_text(s, 6, p->to_json);
	bind_text(s, 7, p->cc_json);
	bind_text(s, 8, env->subject);
	bind_text(s, 9, env->message_id);
	bind_text(s, 10, env->in_reply_to);
	bind_text(s, 11, p->refs);
	sqlite3_bind_int64(s, 12, (int64_t)p->len);
	sqlite3_bind_int(s, 13, p->has_attachment);
	sqlite3_bind_int(s, 14, (int)p->flags);
	sqlite3_bind_int(s, 15, p->partial);
	sqlite3_bind_int64(s, 16, thread);
	sqlite3_bind_int64(s, 17, latest);
	sqlite3_bind_int64(s, 18, (int64_t)time(NULL));
	bind_text(s, 19, p->attachments_json);
	if (run(st, s, err, _("storing a message")) != 0)
		return -1;
	id = sqlite3_last_insert_rowid(st->db);

	if ((s = stmt(st, Q_INSERT_RAW, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (p->raw != NULL)
		sqlite3_bind_blob64(s, 2, p->raw, p->len, SQLITE_STATIC);
	else
		sqlite3_bind_zeroblob64(s, 2, p->len);
	if (run(st, s, err, _("storing a message")) != 0)
		return -1;
	if (p->raw == NULL && copy_file_to_blob(st, p->fd, p->len, id, err) != 0)
		return -1;

	if (add_account(st, id, p->account, err) != 0)
		return -1;
	if (st->nfts == st->fts_cap) {
		st->fts_cap = st->fts_cap ? st->fts_cap * 2 : 64;
		st->fts = xreallocarray(st->fts, st->fts_cap, sizeof *st->fts);
	}
	st->fts[st->nfts++] = (struct fts_row) {
		.id = id,
		.subject = xstrdup(env->subject ? env->subject : ""),
		.sender = p->sender,
		.recipients = p->recipients,
		.body = p->body,
		.body_len = p->body_len,
	};
	st->fts_bytes += p->body_len;
	p->sender = p->recipients = p->body = NULL;
	p->body_len = 0;
	*id_out = id;
	return 0;
}

int store_add_prepared(struct store *st, struct store_prepared *p, int64_t *id_out,
		       struct error **err)
{
	sqlite3_stmt *s;
	bool own_txn = !st->in_batch;
	int64_t id = 0;
	int result, rc;

	if (st->readonly)
		return error_set(err, ERR_INTERNAL, "store_add on a read-only archive");
	if (p->len > (size_t)sqlite3_limit(st->db, SQLITE_LIMIT_LENGTH, -1))
		return error_set(err, ERR_DATA, _("a message of %zu bytes is larger than the "
						 "archive can hold (%zu bytes)"), p->len,
				 (size_t)sqlite3_limit(st->db, SQLITE_LIMIT_LENGTH, -1));
	if (own_txn && store_begin(st, err) != 0)
		return -1;
	if ((s = stmt(st, Q_FIND_SHA, err)) == NULL)
		goto fail;
	sqlite3_bind_blob(s, 1, p->digest, SHA256_LEN, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_error(st, err, _("looking up a message"));
		goto fail;
	}

	if (id != 0) {
		if (add_account(st, id, p->account, err) != 0)
			goto fail;
		result = STORE_DUPLICATE;
	} else {
		if (insert_message(st, p, &id, err) != 0)
			goto fail;
		result = STORE_ADDED;
	}
	/* A big batch's index rows go in before they take much memory. */
	if (st->fts_bytes >= STORE_FTS_PENDING_MAX && fts_rows_flush(st, err) != 0)
		goto fail;
	if (own_txn && store_commit(st, err) != 0)
		return -1;
	if (id_out != NULL)
		*id_out = id;
	return result;
fail:
	if (own_txn)
		store_rollback(st);
	return -1;
}

int store_add(struct store *st, const struct store_new *msg, int64_t *id_out,
	      struct error **err)
{
	struct store_prepared *p;
	int rc;

	if (st->readonly)
		return error_set(err, ERR_INTERNAL, "store_add on a read-only archive");
	if (st->cc == NULL)
		st->cc = charset_conv_new();
	if (store_prepare(msg, st->cc, &p, err) != 0)
		return -1;
	rc = store_add_prepared(st, p, id_out, err);
	store_prepared_free(&p);
	return rc;
}

/* ---- POP3 bookkeeping ---- */

int store_uidl_get(struct store *st, const char *account, const char *uid,
		   struct store_uidl *out, struct error **err)
{
	sqlite3_stmt *s = stmt(st, Q_UIDL_GET, err);
	int rc;

	memset(out, 0, sizeof *out);
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, uid, (int)strlen(uid), SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->found = true;
		out->message = sqlite3_column_int64(s, 0);
		out->fetched = sqlite3_column_int64(s, 1);
		out->partial = sqlite3_column_int(s, 2) != 0;
		out->deleted = sqlite3_column_int(s, 3) != 0;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(st, err, _("looking up a UIDL"));
	return 0;
}

int store_uidl_record(struct store *st, const char *account, const char *uid,
		      int64_t message, bool partial, struct error **err)
{
	sqlite3_stmt *s = stmt(st, Q_UIDL_PUT, err);

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, uid, (int)strlen(uid), SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, message);
	sqlite3_bind_int64(s, 4, (int64_t)time(NULL));
	sqlite3_bind_int(s, 5, partial);
	return run(st, s, err, _("recording a UIDL"));
}

int store_uidl_set_deleted(struct store *st, const char *account, const char *uid,
			   struct error **err)
{
	sqlite3_stmt *s = stmt(st, Q_UIDL_DELETED, err);

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, uid, (int)strlen(uid), SQLITE_STATIC);
	return run(st, s, err, _("recording a deletion"));
}

int store_complete_partial(struct store *st, int64_t partial_id,
			   const struct store_new *full, int64_t *new_id,
			   struct error **err)
{
	bool own_txn = !st->in_batch;
	sqlite3_stmt *s = NULL;
	int64_t id = 0;
	int rc;

	if (own_txn && store_begin(st, err) != 0)
		return -1;
	rc = store_add(st, full, &id, err);
	if (rc < 0)
		goto fail;
	/* The full message inherits what the user did to the partial one;
	 * the partial one goes to the trash (nothing is ever deleted here). */
	if (prepare(st, "UPDATE messages SET flags = flags | (SELECT flags & ~16 FROM messages "
		    "WHERE id = ?1) WHERE id = ?2", &s, err))
		goto fail;
	sqlite3_bind_int64(s, 1, partial_id);
	sqlite3_bind_int64(s, 2, id);
	if (step_done(st, s, err, _("completing a message")))
		goto fail;
	if (id != partial_id) {
		if (prepare(st, "UPDATE messages SET flags = flags | 16 WHERE id = ?", &s, err))
			goto fail;
		sqlite3_bind_int64(s, 1, partial_id);
		if (step_done(st, s, err, _("completing a message")))
			goto fail;
		if (prepare(st, "UPDATE pop3_uidls SET message = ?2, partial = 0 WHERE message = ?1",
			    &s, err))
			goto fail;
		sqlite3_bind_int64(s, 1, partial_id);
		sqlite3_bind_int64(s, 2, id);
		if (step_done(st, s, err, _("completing a message")))
			goto fail;
	}
	if (own_txn && store_commit(st, err) != 0)
		return -1;
	*new_id = id;
	return 0;
fail:
	if (own_txn)
		store_rollback(st);
	return -1;
}

/* ---- reading ---- */

#define ROW_COLUMNS "m.id, m.date, m.size, m.thread_id, m.flags, m.has_attachment, " \
	"m.partial, m.from_name, m.from_addr, m.subject, m.message_id, m.to_json, " \
	"m.cc_json, m.attachments_json, m.sha256"
/* The first ten of ROW_COLUMNS: what a one-line listing shows. */
#define LISTING_COLUMNS "m.id, m.date, m.size, m.thread_id, m.flags, m.has_attachment, " \
	"m.partial, m.from_name, m.from_addr, m.subject"

/* The two orders of the index: their keys (ascending, descending, and
 * of the anchor row "a" in a window) and the index that holds them with
 * the listing's columns (schema version 2). */
static const struct order_sql {
	const char *keys, *desc, *anchor_keys, *index;
} orders[] = {
	[STORE_ORDER_DATE] = {
		"m.date, m.id",
		"m.date DESC, m.id DESC",
		"a.date, a.id",
		"messages_by_date",
	},
	[STORE_ORDER_THREAD] = {
		"m.thread_date, m.thread_id, m.date, m.id",
		"m.thread_date DESC, m.thread_id DESC, m.date DESC, m.id DESC",
		"a.thread_date, a.thread_id, a.date, a.id",
		"messages_by_thread",
	},
};

static char *column_dup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t != NULL ? xstrdup((const char *)t) : NULL;
}

/* The first ten columns (LISTING_COLUMNS), borrowed from the statement:
 * the one place that knows their order. */
static const char *column_or_empty(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t != NULL ? (const char *)t : "";
}

static void listing_from_stmt(sqlite3_stmt *s, struct store_listing *l)
{
	l->id = sqlite3_column_int64(s, 0);
	l->date = sqlite3_column_int64(s, 1);
	l->size = sqlite3_column_int64(s, 2);
	l->thread_id = sqlite3_column_int64(s, 3);
	l->flags = (unsigned)sqlite3_column_int(s, 4);
	l->has_attachment = sqlite3_column_int(s, 5) != 0;
	l->partial = sqlite3_column_int(s, 6) != 0;
	l->from_name = column_or_empty(s, 7);
	l->from_addr = column_or_empty(s, 8);
	l->subject = column_or_empty(s, 9);
}

/* A row of ROW_COLUMNS, every string copied. */
static void row_from_stmt(sqlite3_stmt *s, struct store_row *r)
{
	struct store_listing l;
	const void *digest;

	listing_from_stmt(s, &l);
	r->id = l.id;
	r->date = l.date;
	r->size = l.size;
	r->thread_id = l.thread_id;
	r->flags = l.flags;
	r->has_attachment = l.has_attachment;
	r->partial = l.partial;
	r->from_name = xstrdup(l.from_name);
	r->from_addr = xstrdup(l.from_addr);
	r->subject = xstrdup(l.subject);
	r->message_id = column_dup(s, 10);
	r->to_json = column_dup(s, 11);
	r->cc_json = column_dup(s, 12);
	r->attachments_json = column_dup(s, 13);
	digest = sqlite3_column_blob(s, 14);
	if (digest != NULL && sqlite3_column_bytes(s, 14) == SHA256_LEN)
		hex_encode(digest, SHA256_LEN, r->sha256);
	else
		r->sha256[0] = '\0';
}

void store_row_clear(struct store_row *r)
{
	free(r->from_name);
	free(r->from_addr);
	free(r->subject);
	free(r->message_id);
	free(r->to_json);
	free(r->cc_json);
	free(r->attachments_json);
	memset(r, 0, sizeof *r);
}

void store_rows_free(struct store_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		store_row_clear(&rows[i]);
	free(rows);
}

static int collect_rows(struct store *st, sqlite3_stmt *s, size_t limit, bool reverse,
			struct store_row **rows_out, size_t *n_out, struct error **err)
{
	struct store_row *rows = NULL;
	size_t n = 0, cap = 0;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW && n < limit) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			rows = xreallocarray(rows, cap, sizeof *rows);
		}
		row_from_stmt(s, &rows[n++]);
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_error(st, err, _("reading the index"));
		sqlite3_finalize(s);
		store_rows_free(rows, n);
		return -1;
	}
	sqlite3_finalize(s);
	if (reverse) {
		for (size_t i = 0; i < n / 2; i++) {
			struct store_row t = rows[i];

			rows[i] = rows[n - 1 - i];
			rows[n - 1 - i] = t;
		}
	}
	*rows_out = rows;
	*n_out = n;
	return 0;
}

int store_window(struct store *st, enum store_order order, int64_t anchor,
		 bool forward, bool include_trashed, size_t n,
		 struct store_row **rows, size_t *nrows, struct error **err)
{
	/* Keyset paging over the order's index: a row-value comparison with
	 * the anchor's key, never OFFSET. */
	const struct order_sql *o = &orders[order];
	struct buf sql = BUF_INIT;
	sqlite3_stmt *s;
	int rc;

	buf_printf(&sql, "SELECT " ROW_COLUMNS " FROM messages m");
	if (anchor != 0)
		buf_printf(&sql, ", (SELECT * FROM messages WHERE id = %lld) a WHERE (%s) %s (%s)",
			   (long long)anchor, o->keys, forward ? ">" : "<", o->anchor_keys);
	else
		buf_puts(&sql, " WHERE 1");
	if (!include_trashed)
		buf_puts(&sql, " AND (m.flags & 16) = 0");
	buf_printf(&sql, " ORDER BY %s LIMIT %zu", forward ? o->keys : o->desc, n);
	rc = prepare(st, buf_cstr(&sql), &s, err);
	buf_free(&sql);
	if (rc != 0)
		return -1;
	return collect_rows(st, s, n, !forward, rows, nrows, err);
}

int store_thread_members(struct store *st, int64_t id, struct store_row **rows,
			 size_t *nrows, struct error **err)
{
	sqlite3_stmt *s;

	if (prepare(st, "SELECT " ROW_COLUMNS " FROM messages m WHERE m.thread_id = "
		    "(SELECT thread_id FROM messages WHERE id = ?) ORDER BY m.date, m.id",
		    &s, err))
		return -1;
	sqlite3_bind_int64(s, 1, id);
	return collect_rows(st, s, SIZE_MAX, false, rows, nrows, err);
}

int store_counts(struct store *st, struct store_counts *c, struct error **err)
{
	sqlite3_stmt *s;
	int rc;

	memset(c, 0, sizeof *c);
	if (prepare(st, "SELECT name, n FROM counters WHERE name NOT LIKE 'account:%'", &s, err))
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 0);
		int64_t v = sqlite3_column_int64(s, 1);

		if (strcmp(name, "total") == 0) c->total = v;
		else if (strcmp(name, "unread") == 0) c->unread = v;
		else if (strcmp(name, "flagged") == 0) c->flagged = v;
		else if (strcmp(name, "answered") == 0) c->answered = v;
		else if (strcmp(name, "draft") == 0) c->draft = v;
		else if (strcmp(name, "trashed") == 0) c->trashed = v;
		else if (strcmp(name, "partial") == 0) c->partial = v;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_error(st, err, _("reading counters"));
	return 0;
}

int store_account_count(struct store *st, const char *account, int64_t *n,
			struct error **err)
{
	sqlite3_stmt *s;

	if (prepare(st, "SELECT n FROM counters WHERE name = 'account:' || ?", &s, err))
		return -1;
	sqlite3_bind_text(s, 1, account, -1, SQLITE_STATIC);
	*n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_finalize(s);
	return 0;
}

int store_get_row(struct store *st, int64_t id, struct store_row *row,
		  struct error **err)
{
	sqlite3_stmt *s;
	int rc;

	if (prepare(st, "SELECT " ROW_COLUMNS " FROM messages m WHERE m.id = ?", &s, err))
		return -1;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		row_from_stmt(s, row);
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return error_set(err, ERR_NOTFOUND, _("no message %lld in archive %s"),
				 (long long)id, st->path);
	return db_error(st, err, _("reading a message"));
}

int store_resolve_id(struct store *st, const char *spec, int64_t *id,
		     struct error **err)
{
	uint64_t v;
	sqlite3_stmt *s;
	char *mid;
	size_t n = strlen(spec);
	int rc;

	if (str_to_u64(spec, &v) && v > 0 && v <= INT64_MAX) {
		/* A cached statement: petrel show resolves thousands. */
		if ((s = stmt(st, Q_MESSAGE_EXISTS, err)) == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, (int64_t)v);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
		if (rc == SQLITE_ROW) {
			*id = (int64_t)v;
			return 0;
		}
		if (rc == SQLITE_DONE)
			return error_set(err, ERR_NOTFOUND, _("no message %lld in archive %s"),
					 (long long)v, st->path);
		return db_error(st, err, _("reading a message"));
	}
	if (n >= 2 && spec[0] == '<' && spec[n - 1] == '>')
		mid = xstrndup(spec + 1, n - 2);
	else
		mid = xstrdup(spec);
	if (prepare(st, "SELECT id FROM messages WHERE message_id = ? ORDER BY id LIMIT 1",
		    &s, err)) {
		free(mid);
		return -1;
	}
	sqlite3_bind_text(s, 1, mid, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		error_set(err, ERR_NOTFOUND, _("no message with id or Message-ID \"%s\" in archive %s"),
			  spec, st->path);
	free(mid);
	return rc == SQLITE_ROW ? 0 : -1;
}

int store_get_raw(struct store *st, int64_t id, char **data, size_t *len,
		  struct error **err)
{
	sqlite3_stmt *s;
	int rc;

	if ((s = stmt(st, Q_GET_RAW, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		size_t n = (size_t)sqlite3_column_bytes(s, 0);
		const void *p = sqlite3_column_blob(s, 0);

		*data = xmalloc(n + 1);
		if (n > 0)
			memcpy(*data, p, n);
		(*data)[n] = '\0';
		*len = n;
	}
	/* Reset at once: a stepped statement would hold a read snapshot. */
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return error_set(err, ERR_NOTFOUND, _("no message %lld in archive %s"),
				 (long long)id, st->path);
	return db_error(st, err, _("reading a message"));
}

int store_set_flags(struct store *st, int64_t id, unsigned set, unsigned clear,
		    struct error **err)
{
	sqlite3_stmt *s;

	if (prepare(st, "UPDATE messages SET flags = (flags | ?2) & ~?3 WHERE id = ?1", &s, err))
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, (int)set);
	sqlite3_bind_int(s, 3, (int)clear);
	if (step_done(st, s, err, _("changing flags")))
		return -1;
	if (sqlite3_changes(st->db) == 0)
		return error_set(err, ERR_NOTFOUND, _("no message %lld in archive %s"),
				 (long long)id, st->path);
	return 0;
}

/* ---- queries ---- */

struct store_cursor {
	struct store *st;
	sqlite3_stmt *stmt;
	struct hit_set *hits;	/* bound to stmt, which must go first */
	bool listing;		/* stmt has LISTING_COLUMNS only */
};

/* The messages a full-text term matches, as a bit per archive id. */
struct hit_set {
	uint64_t *bits;
	size_t nwords;
};

#define HIT_SET_TYPE "petrel_hits"

/* petrel_hit(set, id): whether id is in the set bound as a pointer. */
static void hit_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct hit_set *h = sqlite3_value_pointer(argv[0], HIT_SET_TYPE);
	sqlite3_int64 id = sqlite3_value_int64(argv[1]);
	uint64_t word;

	(void)argc;
	if (h == NULL || id < 0 || (uint64_t)id / 64 >= h->nwords) {
		sqlite3_result_int(ctx, 0);
		return;
	}
	word = h->bits[(uint64_t)id / 64];
	sqlite3_result_int(ctx, (int)((word >> ((uint64_t)id % 64)) & 1));
}

static void hit_set_free(struct hit_set **hp)
{
	if (*hp == NULL)
		return;
	free((*hp)->bits);
	free(*hp);
	*hp = NULL;
}

/* Whether a term is in so much of the archive that walking the order's
 * index beats sorting the hits.  Sorting looks each hit up twice (for its
 * key, then for its row) and sorts; walking reads the order's index,
 * which carries the listing (schema 2), and tests each entry against the
 * hits in a bitmap.  `petrel search`, mean of 30, on 100,000 messages:
 * 10 hits sort in 5.1 ms and walk in 6.9; 1.7% of the archive sorts in
 * 22.4 ms and walks in 23.6; 9.7% sorts in 63 and walks in 26.6.  The
 * cut-over is a fiftieth. */
#define STORE_DENSE_MIN_TOTAL 10000
#define STORE_DENSE_DIVISOR 50

/* The hits of match when they are at least a fiftieth of a large archive;
 * NULL otherwise (and for a malformed expression, which the search
 * itself then reports).  A dense term's rows are read once, into the
 * bitmap; a term that turns out sparse costs one extra read of its
 * hits, fewer than a fiftieth of the archive's. */
static struct hit_set *dense_hits(struct store *st, const char *match)
{
	int64_t total = query_int(st, "SELECT n FROM counters WHERE name = 'total'", 0);
	struct hit_set *h;
	sqlite3_stmt *s;
	int64_t n = 0;
	int rc;

	if (match == NULL || total < STORE_DENSE_MIN_TOTAL)
		return NULL;
	if (sqlite3_prepare_v2(st->db, "SELECT rowid FROM fts WHERE fts MATCH ?", -1, &s,
			       NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(s, 1, match, -1, SQLITE_STATIC);
	h = xcalloc(1, sizeof *h);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		sqlite3_int64 id = sqlite3_column_int64(s, 0);
		size_t w;

		if (id < 0)
			continue;
		w = (size_t)((uint64_t)id / 64);
		if (w >= h->nwords) {
			size_t nw = h->nwords ? h->nwords : 1024;

			while (nw <= w)
				nw *= 2;
			h->bits = xreallocarray(h->bits, nw, sizeof *h->bits);
			memset(h->bits + h->nwords, 0, (nw - h->nwords) * sizeof *h->bits);
			h->nwords = nw;
		}
		h->bits[w] |= UINT64_C(1) << ((uint64_t)id % 64);
		n++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE || n < total / STORE_DENSE_DIVISOR)
		hit_set_free(&h);
	return h;
}

int store_query_open(struct store *st, const struct store_query *q,
		     struct store_cursor **cur, struct error **err)
{
	const struct order_sql *o = &orders[q->order];
	const char *columns = q->listing ? LISTING_COLUMNS : ROW_COLUMNS;
	struct hit_set *hits = NULL;
	struct buf sql = BUF_INIT;
	sqlite3_stmt *s;
	int rc;

	/* The full-text expression is ?1 and the where clause's parameters
	 * follow it: as the hit set, as a MATCH, or (none) from ?1 on. */
	hits = dense_hits(st, q->fts_match);
	if (hits != NULL) {
		buf_printf(&sql, "SELECT %s FROM messages m INDEXED BY %s WHERE "
			   "petrel_hit(?1, m.id) AND %s ORDER BY %s",
			   columns, o->index, q->where, o->keys);
	} else {
		/* The ids are put in order first, then the rows fetched in
		 * that order: sorting whole rows cost twice as much.  LIMIT -1
		 * keeps SQLite from dropping the inner ORDER BY (it may ignore
		 * one in a FROM subquery without a LIMIT); the outer loop over
		 * k then yields rows in its order. */
		buf_printf(&sql, "SELECT %s FROM (SELECT m.id FROM messages m WHERE %s%s "
			   "ORDER BY %s LIMIT -1) k CROSS JOIN messages m ON m.id = k.id",
			   columns, q->fts_match != NULL ?
			   "m.id IN (SELECT rowid FROM fts WHERE fts MATCH ?1) AND " : "",
			   q->where, o->keys);
	}
	rc = prepare(st, buf_cstr(&sql), &s, err);
	buf_free(&sql);
	if (rc != 0) {
		hit_set_free(&hits);
		return -1;
	}
	for (size_t i = hits != NULL ? 1 : 0; i < q->nparams; i++)
		sqlite3_bind_text(s, (int)i + 1, q->params[i], -1, SQLITE_TRANSIENT);
	if (hits != NULL)
		sqlite3_bind_pointer(s, 1, hits, HIT_SET_TYPE, NULL);
	*cur = xcalloc(1, sizeof **cur);
	(*cur)->st = st;
	(*cur)->stmt = s;
	(*cur)->hits = hits;
	(*cur)->listing = q->listing;
	return 0;
}

/* Steps the cursor: 1 with a row, 0 at the end, -1 on error. */
static int query_step(struct store_cursor *cur, struct error **err)
{
	int rc = sqlite3_step(cur->stmt);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	/* A malformed FTS expression shows up here. */
	if ((rc & 0xff) == SQLITE_ERROR)
		return error_set(err, ERR_USAGE, _("search failed: %s"),
				 sqlite3_errmsg(cur->st->db));
	return db_error(cur->st, err, _("searching"));
}

int store_query_next(struct store_cursor *cur, struct store_row *row,
		     struct error **err)
{
	int rc;

	if (cur->listing)
		return error_set(err, ERR_INTERNAL,
				 "store_query_next on a listing cursor");
	rc = query_step(cur, err);
	if (rc > 0)
		row_from_stmt(cur->stmt, row);
	return rc;
}

int store_query_next_listing(struct store_cursor *cur, struct store_listing *row,
			     struct error **err)
{
	int rc = query_step(cur, err);

	if (rc > 0)
		listing_from_stmt(cur->stmt, row);
	return rc;
}

void store_query_close(struct store_cursor **cur)
{
	if (*cur == NULL)
		return;
	sqlite3_finalize((*cur)->stmt);
	hit_set_free(&(*cur)->hits);
	free(*cur);
	*cur = NULL;
}

/* ---- checking ---- */

int store_check(struct store *st, int64_t *checked, int64_t *bad, char **report,
		struct error **err)
{
	struct buf out = BUF_INIT;
	sqlite3_stmt *s;
	int rc;

	*checked = 0;
	*bad = 0;
	if (prepare(st, "PRAGMA integrity_check", &s, err))
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *line = (const char *)sqlite3_column_text(s, 0);

		if (line != NULL && strcmp(line, "ok") != 0)
			buf_printf(&out, "sqlite: %s\n", line);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		buf_free(&out);
		return db_error(st, err, _("the integrity check"));
	}
	if (prepare(st, "SELECT m.id, m.sha256, r.raw, m.size FROM messages m "
		    "LEFT JOIN message_raw r ON r.id = m.id ORDER BY m.id", &s, err)) {
		buf_free(&out);
		return -1;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);
		const void *want = sqlite3_column_blob(s, 1);
		const void *raw = sqlite3_column_blob(s, 2);
		size_t n = (size_t)sqlite3_column_bytes(s, 2);
		unsigned char got[SHA256_LEN];

		(*checked)++;
		if (sqlite3_column_type(s, 2) == SQLITE_NULL) {
			buf_printf(&out, _("message %lld: its bytes are missing\n"), (long long)id);
			(*bad)++;
			continue;
		}
		if (sha256(raw != NULL ? raw : "", n, got) != 0 || want == NULL ||
		    sqlite3_column_bytes(s, 1) != SHA256_LEN ||
		    memcmp(got, want, SHA256_LEN) != 0) {
			buf_printf(&out, _("message %lld: SHA-256 does not match its bytes\n"),
				   (long long)id);
			(*bad)++;
		} else if ((int64_t)n != sqlite3_column_int64(s, 3)) {
			buf_printf(&out, _("message %lld: size differs from its bytes\n"),
				   (long long)id);
			(*bad)++;
		}
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		buf_free(&out);
		return db_error(st, err, _("the integrity check"));
	}
	*report = buf_steal(&out, NULL);
	return 0;
}
