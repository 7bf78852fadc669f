/* fetch.h - the POP3 fetch policy: which messages of an account to
 * download, in what order, how many at once, when they are stored, and
 * when the server may delete them.
 *
 * The rules that make a fetch safe on a flaky link:
 *  - a message and its UIDL are committed to the archive in one
 *    transaction, durably, before any DELE for it is sent;
 *  - UIDLs already stored are never downloaded again, so a re-run after
 *    any interruption fetches only what is missing, and the same bytes
 *    are stored once whatever happens (SHA-256 dedupe);
 *  - RETR commands are pipelined in a window bounded in commands and in
 *    bytes, so a long round trip is paid about once, not per message;
 *  - a message never has to fit in memory: past a limit it is spooled to
 *    a temporary file and copied into the archive in chunks. */
#ifndef PETREL_FETCH_H
#define PETREL_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "error.h"
#include "secret.h"
#include "store.h"
#include "stream.h"

enum fetch_phase {
	FETCH_CONNECTING,
	FETCH_LISTING,
	FETCH_DOWNLOADING,
	FETCH_DELETING,
	FETCH_DONE,
};

struct fetch_status {
	const char *account;
	const char *host;
	enum fetch_phase phase;
	uint32_t on_server;	/* messages the server listed */
	uint32_t to_fetch;	/* new messages to download this run (so far: a
				 * server that lists part of the mailbox per
				 * session adds to it each session) */
	uint32_t fetched;	/* downloaded and committed */
	uint32_t stored;	/* downloaded and stored: committed, or in the
				 * batch under way (what a progress bar shows) */
	uint32_t duplicates;	/* downloaded, but the archive had the bytes */
	uint32_t partial;	/* stored as headers only (pop3-max-size) */
	uint32_t deleted;	/* deleted from the server (QUIT confirmed) */
	uint32_t warnings;	/* e.g. a size on the wire that differs from LIST */
	uint64_t bytes_total;	/* sizes (from LIST) of the messages to fetch */
	uint64_t bytes_done;	/* of the stored ones */
	uint32_t sessions;	/* connections made */
};

struct fetch_options {
	bool mark_seen;		/* record the server's UIDLs without downloading */
	secret_prompt_fn prompt;	/* may be NULL: non-interactive */
	void *prompt_ctx;
	/* Called on every phase change and after every stored message. */
	void (*progress)(void *ctx, const struct fetch_status *st);
	void *progress_ctx;
	int64_t now;		/* "today" for pop3-delete-after-days; 0: time() */
	size_t window_cmds;	/* RETRs in flight at most; 0: default */
	size_t window_bytes;	/* bytes (by LIST sizes) in flight; 0: default */
	size_t batch_msgs;	/* messages per commit; 0: default */
	size_t batch_bytes;	/* bytes per commit; 0: default */
	size_t spool_mem;	/* a message larger than this goes to a file */
	bool no_pipelining;	/* one command at a time even with PIPELINING */
	/* Tests: makes the connection instead of the network (the TLS
	 * setting is then not applied; STLS still is). */
	struct stream *(*connect)(void *ctx, const struct account *acct,
				  struct error **err);
	void *connect_ctx;
};

#define FETCH_WINDOW_CMDS 1000
#define FETCH_WINDOW_BYTES (32u * 1024 * 1024)
#define FETCH_BATCH_MSGS 1000
#define FETCH_BATCH_BYTES (8u * 1024 * 1024)
/* A batch open this long is committed at the next message: each commit
 * waits for the disk (fsync), so a fast link gets few of them, and a slow
 * one never has more than this much of its work uncommitted. */
#define FETCH_BATCH_MS 1000
#define FETCH_SPOOL_MEM (4u * 1024 * 1024)
#define FETCH_CACHE_KB 4096	/* the storing connection's page cache */
/* Downloaded messages waiting for the archive thread, at most. */
#define FETCH_QUEUE_MSGS 64
#define FETCH_QUEUE_BYTES (8u * 1024 * 1024)
/* Sessions in one run for servers that list only part of the mailbox, and
 * the listing sizes that look like such a part (Gmail hands out about 250
 * messages per session). */
#define FETCH_MAX_SESSIONS 50
#define FETCH_PARTIAL_MIN 200
#define FETCH_PARTIAL_MAX 600

/* Fetches the account into the archive.  *status (may be NULL) gets the
 * final counts even on failure.  Errors name the account and host; their
 * kind decides the exit status (ERR_TEMP: 75). */
int fetch_account(struct store *st, const struct account *acct,
		  const struct fetch_options *opt, struct fetch_status *status,
		  struct error **err);

/* Takes the per-account lock next to the archive so two fetches of one
 * account never run at once; returns a descriptor to pass to
 * fetch_unlock(), or -1 with an error naming the account. */
int fetch_lock(const char *archive_path, const char *account, struct error **err);
void fetch_unlock(int fd);

#endif
