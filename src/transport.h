/* transport.h - the byte pipes a stream sits on: the common interface, an
 * in-memory transport for tests, and a failure-injection wrapper.
 *
 * A transport moves bytes and knows nothing of lines.  Implementations:
 * a plain socket (net.h), a TLS session over any other transport (tls.h),
 * a scripted in-memory server (below), and a wrapper that cuts, fails,
 * stalls or delays another transport after a chosen number of bytes
 * (below; like Dovecot's istream-failure-at).  Transports stack: TLS over
 * a failure wrapper over a socket is as good as TLS over a socket.
 *
 * Timeouts are "without progress": a read or write that moves no byte for
 * timeout_ms milliseconds fails with an ERR_TEMP error naming the peer
 * ("host:port: no data for 60 seconds; the connection was abandoned").
 * timeout_ms < 0 waits forever; 0 does not wait at all. */
#ifndef PETREL_TRANSPORT_H
#define PETREL_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

struct transport;

struct transport_ops {
	const char *kind;	/* "socket", "tls", "memory", "failure" */
	/* Reads 1..n bytes.  Returns the count, 0 at end of stream (the peer
	 * closed), or -1 with *err set. */
	ssize_t (*read)(struct transport *t, void *p, size_t n, int timeout_ms,
			struct error **err);
	/* Writes all n bytes, or returns -1 with *err set. */
	int (*write)(struct transport *t, const void *p, size_t n, int timeout_ms,
		     struct error **err);
	/* True when at least one byte has arrived and waits to be read
	 * (the end of stream does not count).  May be NULL: never. */
	bool (*pending)(struct transport *t);
	/* Releases everything the implementation owns, including `lower`. */
	void (*destroy)(struct transport *t);
};

/* The part every implementation embeds first. */
struct transport {
	const struct transport_ops *ops;
	char *peer;			/* "host:port", for messages; never NULL */
	struct transport *lower;	/* the transport this one wraps, or NULL */
};

/* Sets up the common part; peer is copied. */
void transport_init(struct transport *t, const struct transport_ops *ops,
		    const char *peer, struct transport *lower);
/* Frees the transport (and every transport under it) and NULLs *t. */
void transport_free(struct transport **t);

/* Dispatch to the implementation; same contracts as transport_ops. */
ssize_t transport_read(struct transport *t, void *p, size_t n, int timeout_ms,
		       struct error **err);
int transport_write(struct transport *t, const void *p, size_t n, int timeout_ms,
		    struct error **err);
bool transport_pending(struct transport *t);
const char *transport_peer(const struct transport *t);
/* The first transport in the stack (t, t->lower, ...) of the given ops,
 * or NULL. */
struct transport *transport_find(struct transport *t, const struct transport_ops *ops);

/* The errors every transport reports the same way.  Each returns -1.
 * A read stall: "PEER: no data for N seconds; the connection was
 * abandoned" (ERR_TEMP). */
int transport_read_timeout(struct error **err, const char *peer, int timeout_ms);
/* A write stall: "PEER: could not send for N seconds; ..." (ERR_TEMP). */
int transport_write_timeout(struct error **err, const char *peer, int timeout_ms);
/* "1 second", "60 seconds", "0.5 seconds" (translated), allocated. */
char *transport_duration(int timeout_ms);
/* Milliseconds on the monotonic clock. */
int64_t transport_now_ms(void);

/* In-memory transport: plays a server script and records what the client
 * wrote (and can check it: see the dialogues below).  Reads hand out at most `chunk` bytes each (0: all at once; 1:
 * one byte per read, the hardest case for a line splitter), then report
 * end of stream.  Writes are appended to a capture buffer.  Timeouts are
 * ignored (nothing ever waits). */
struct transport *mem_transport_new(const char *server_script, size_t chunk);
/* The same with a binary script of n bytes (may hold NULs). */
struct transport *mem_transport_new_bytes(const void *script, size_t n, size_t chunk);
/* Appends more server bytes after the script (before its end is read). */
void mem_transport_feed(struct transport *t, const char *server_bytes);
void mem_transport_feed_bytes(struct transport *t, const void *p, size_t n);
/* Everything the client wrote so far, NUL-terminated (never NULL); *len
 * gets the byte count when len is non-NULL.  t must be a memory transport
 * (or a stack with one in it). */
const char *mem_transport_written(struct transport *t, size_t *len);
/* Forgets what was written so far. */
void mem_transport_clear_written(struct transport *t);
/* Server bytes not yet read by the client. */
size_t mem_transport_unread(struct transport *t);

/* Dialogues.  mem_transport_expect() declares what the client must send
 * next: the server bytes fed after it are held back until the client has
 * sent these bytes, so a script reads like a conversation
 *     t = mem_transport_new("+OK ready\r\n", 1);
 *     mem_transport_expect(t, "CAPA\r\n");
 *     mem_transport_feed(t, "+OK\r\nUIDL\r\n.\r\n");
 * and pipelining works (a client may send several expected commands
 * before reading).  Once anything is expected, every byte the client
 * writes must match, in order: a mismatch fails the write with an
 * ERR_INTERNAL error quoting both sides, and a read while the script
 * still waits for the client fails the same way instead of hanging. */
void mem_transport_expect(struct transport *t, const char *client_bytes);
void mem_transport_expect_bytes(struct transport *t, const void *p, size_t n);
/* Expected client bytes not sent yet (0 when the dialogue was followed). */
size_t mem_transport_expect_missing(struct transport *t);

/* Failure injection: a wrapper that behaves exactly like `lower` up to
 * the chosen byte offsets, then misbehaves. */
enum fail_mode {
	FAIL_NONE,	/* never fail in this direction */
	FAIL_CUT,	/* reads: end of stream; writes: "connection reset" */
	FAIL_ERROR,	/* an I/O error ("injected failure at byte N") */
	FAIL_STALL,	/* the timeout error a real stall gives, at once */
	FAIL_DELAY,	/* wait delay_ms (really), then go on; when the
			 * delay exceeds the caller's timeout, wait the
			 * timeout and fail the way a real stall does */
};

struct fail_params {
	enum fail_mode read_mode;
	uint64_t read_at;	/* bytes delivered before the read failure */
	enum fail_mode write_mode;
	uint64_t write_at;	/* bytes passed down before the write failure */
	int delay_ms;		/* for FAIL_DELAY */
};

/* Wraps lower (taking ownership).  A read or write that would cross the
 * offset is shortened to end exactly there, so a cut at byte N means the
 * far side saw exactly N bytes. */
struct transport *fail_transport_new(struct transport *lower,
				     const struct fail_params *p);

#endif
