/* fuzz-pop3.c - fuzz target for the POP3 client (pop3.h): the fuzzer is
 * the server.  Its bytes go through an in-memory transport into a whole
 * session: greeting, CAPA, authentication, STAT, UIDL and LIST, RETR or
 * TOP of the first messages (pipelined when the server says PIPELINING),
 * DELE and QUIT.
 *
 * Input: byte 0 picks how many server bytes each read hands out ('0' all
 * at once, '1', '2', '3', '7'; other bytes wrap around a table), byte 1
 * the authentication ('a' auto, 'u' USER, 'p' APOP, 'P' PLAIN, 'l' LOGIN,
 * 'c' CRAM-MD5, 's' SCRAM-SHA-256; anything else auto), byte 2 'r' RETR,
 * 't' TOP, 'R' / 'T' the same through a stream with a 16-byte line_max.
 * An optional newline follows; the rest is what the server says.
 *
 * Invariants: a failed call leaves the session failed, except a -ERR
 * answer to RETR/TOP/DELE, which leaves it in the transaction state;
 * every error has a UTF-8 sentence without the password (unless the
 * input holds it); listings are sorted by message number, within the
 * STAT count, with valid UIDs only; a body is never larger than the
 * input, its byte count is what reached the sink, and no sink call is
 * larger than a stream piece or POP3_SINK_CHUNK. */
#include "config.h"

#include <string.h>

#include "error.h"
#include "fuzz.h"
#include "pop3.h"
#include "stream.h"
#include "transport.h"
#include "util.h"

#define PASSWORD "fuzz-secret-pw"
#define MAX_MESSAGES 6

static bool input_has_password;

struct counter {
	uint64_t bytes;
	size_t max_call;
};

static int count_data(void *ctx, const char *p, size_t n, struct error **err)
{
	struct counter *c = ctx;

	(void)p;
	(void)err;
	FUZZ_ASSERT(n > 0);
	c->bytes += n;
	if (n > c->max_call)
		c->max_call = n;
	return 0;
}

static void check_error(struct error **err)
{
	FUZZ_ASSERT(*err != NULL && (*err)->msg != NULL);
	FUZZ_ASSERT(utf8_valid((*err)->msg, strlen((*err)->msg)));
	FUZZ_ASSERT(input_has_password || strstr((*err)->msg, PASSWORD) == NULL);
	error_free(err);
}

/* After a call that failed and may not keep the session. */
static void check_failed(struct pop3 *p, struct error **err)
{
	check_error(err);
	FUZZ_ASSERT(pop3_state(p) == POP3_STATE_FAILED);
}

static enum config_auth pick_auth(uint8_t b)
{
	switch (b) {
	case 'u': return CONFIG_AUTH_USER;
	case 'p': return CONFIG_AUTH_APOP;
	case 'P': return CONFIG_AUTH_PLAIN;
	case 'l': return CONFIG_AUTH_LOGIN;
	case 'c': return CONFIG_AUTH_CRAM_MD5;
	case 's': return CONFIG_AUTH_SCRAM_SHA_256;
	default: return CONFIG_AUTH_AUTO;
	}
}

static void session(struct pop3 *p, bool top, size_t size)
{
	struct error *err = NULL;
	struct pop3_entry *v = NULL;
	size_t n = 0, queued = 0;
	uint32_t count = 0;
	uint64_t total = 0;

	if (pop3_greeting(p, &err) < 0)
		return check_failed(p, &err);
	if (pop3_capa(p, &err) < 0)
		return check_failed(p, &err);
	if (pop3_authenticate(p, &err) < 0)
		return check_failed(p, &err);
	FUZZ_ASSERT(pop3_state(p) == POP3_STATE_TRANSACTION);
	if (pop3_stat(p, &count, &total, &err) < 0)
		return check_failed(p, &err);
	FUZZ_ASSERT(count <= POP3_MAX_MESSAGES);
	if (pop3_list(p, &v, &n, &err) < 0) {
		FUZZ_ASSERT(v == NULL && n == 0);
		return check_failed(p, &err);
	}
	for (size_t i = 0; i < n; i++) {
		FUZZ_ASSERT(v[i].msgno >= 1 && v[i].msgno <= count);
		FUZZ_ASSERT(i == 0 || v[i].msgno > v[i - 1].msgno);
		FUZZ_ASSERT(v[i].uid == NULL || pop3_uid_valid(v[i].uid, strlen(v[i].uid)));
		FUZZ_ASSERT(!v[i].uid_unusable || v[i].uid == NULL);
	}

	/* Fetch the first few, pipelined when allowed. */
	for (size_t i = 0; i < n && i < MAX_MESSAGES; ) {
		size_t batch = pop3_can_pipeline(p) ? MAX_MESSAGES : 1;

		for (queued = 0; i + queued < n && queued < batch; queued++) {
			int rc = top ? pop3_send_top(p, v[i + queued].msgno, 2, &err)
				     : pop3_send_retr(p, v[i + queued].msgno, &err);

			if (rc < 0) {
				/* Only a TOP the server does not offer is
				 * refused without ending the session. */
				check_error(&err);
				if (pop3_state(p) == POP3_STATE_FAILED)
					goto out;
				break;
			}
		}
		if (queued == 0)
			break;
		if (pop3_flush(p, &err) < 0) {
			check_failed(p, &err);
			goto out;
		}
		for (size_t k = 0; k < queued; k++) {
			struct counter c = { 0, 0 };
			struct pop3_sink sink = { count_data, &c };
			uint64_t bytes = 0;

			if (pop3_read_message(p, &sink, &bytes, &err) < 0) {
				check_error(&err);
				if (pop3_state(p) == POP3_STATE_FAILED)
					goto out;
				FUZZ_ASSERT(pop3_state(p) == POP3_STATE_TRANSACTION);
				continue;
			}
			FUZZ_ASSERT(bytes == c.bytes);
			FUZZ_ASSERT(bytes <= size);
			FUZZ_ASSERT(c.max_call <= (POP3_SINK_CHUNK > STREAM_DEFAULT_LINE_MAX ?
						    POP3_SINK_CHUNK : STREAM_DEFAULT_LINE_MAX));
		}
		i += queued;
	}
	FUZZ_ASSERT(pop3_in_flight(p) == 0);
	if (n > 0) {
		if (pop3_send_dele(p, v[0].msgno, &err) < 0) {
			check_failed(p, &err);
			goto out;
		}
		if (pop3_read_dele(p, &err) < 0) {
			check_error(&err);
			if (pop3_state(p) == POP3_STATE_FAILED)
				goto out;
		}
	}
	if (pop3_quit(p, true, &err) < 0)
		check_failed(p, &err);
	else
		FUZZ_ASSERT(pop3_state(p) == POP3_STATE_DONE);
out:
	pop3_entries_free(v, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t chunks[] = { 0, 1, 2, 3, 7, 16, 64, 5 };
	struct pop3_params prm = {
		.host = "pop.example.org",
		.port = 110,
		.user = "jane",
		.secret = PASSWORD,
		.allow_plaintext_auth = true,
		.scram_iter_max = 4096,
	};
	struct stream_params sp = { 0, 0, 0 };
	struct pop3 *p;
	size_t chunk;
	bool top;

	if (size < 3)
		return 0;
	chunk = data[0] >= '0' && data[0] <= '9' ? (size_t)(data[0] - '0')
						 : chunks[data[0] % ARRAY_LEN(chunks)];
	prm.auth = pick_auth(data[1]);
	top = data[2] == 't' || data[2] == 'T';
	if (data[2] == 'R' || data[2] == 'T')
		sp.line_max = 16;
	data += 3;
	size -= 3;
	if (size > 0 && data[0] == '\n') {
		data++;
		size--;
	}
	input_has_password = memmem(data, size, PASSWORD, strlen(PASSWORD)) != NULL;
	p = pop3_new(stream_new(mem_transport_new_bytes(data, size, chunk), &sp), &prm);
	pop3_test_set_scram_nonce(p, "rOprNGfwEbeRWgbNEkqO");
	session(p, top, size);
	pop3_free(&p);
	FUZZ_ASSERT(p == NULL);
	return 0;
}
