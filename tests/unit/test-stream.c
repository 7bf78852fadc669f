/* test-stream.c - the line stream over the in-memory and failure-injection
 * transports: line splitting at every chunk size, line ends, limits,
 * pieces of long lines, write buffering, the STARTTLS injection refusal,
 * counters, and cuts, errors, stalls and delays at every offset. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "stream.h"
#include "transport.h"
#include "util.h"
#include "../tap.h"

static bool contains(const char *hay, const char *needle)
{
	return hay != NULL && strstr(hay, needle) != NULL;
}

/* ---- Line splitting ---- */

struct want_line {
	const char *text;
	size_t len;
	enum stream_eol eol;
};

static const char split_script[] =
	"+OK hello\r\n"
	"bare lf\n"
	"\r\n"
	"\n"
	"bare\rcr inside\r\n"
	"nul\0byte\r\n"
	"last\n";

static const struct want_line split_lines[] = {
	{ "+OK hello", 9, STREAM_EOL_CRLF },
	{ "bare lf", 7, STREAM_EOL_LF },
	{ "", 0, STREAM_EOL_CRLF },
	{ "", 0, STREAM_EOL_LF },
	{ "bare\rcr inside", 14, STREAM_EOL_CRLF },
	{ "nul\0byte", 8, STREAM_EOL_CRLF },
	{ "last", 4, STREAM_EOL_LF },
};

static void test_split(void)
{
	size_t total = sizeof split_script - 1;
	int bad_chunks = 0;

	for (size_t chunk = 0; chunk <= total; chunk++) {
		struct stream *s = stream_new(mem_transport_new_bytes(split_script, total, chunk),
					      NULL);
		struct error *err = NULL;
		bool good = true;

		for (size_t i = 0; i < ARRAY_LEN(split_lines); i++) {
			const char *line;
			size_t len;

			if (stream_read_line(s, &line, &len, &err) != 0 ||
			    len != split_lines[i].len ||
			    memcmp(line, split_lines[i].text, len) != 0 ||
			    line[len] != '\0' ||
			    stream_last_eol(s) != split_lines[i].eol) {
				good = false;
				if (bad_chunks == 0)
					diag("chunk %zu, line %zu: %s", chunk, i,
					     err ? err->msg : "wrong content or line end");
				break;
			}
		}
		if (good) {
			const char *line;
			size_t len;

			good = stream_read_line(s, &line, &len, &err) == -1 && err != NULL &&
			       err->kind == ERR_TEMP && stream_eof(s) &&
			       contains(err->msg, "memory: the server closed the connection");
			good = good && stream_bytes_in(s) == total && stream_buffered(s) == 0;
		}
		if (!good)
			bad_chunks++;
		error_free(&err);
		stream_free(&s);
		if (s != NULL)
			bad_chunks++;
	}
	ok(bad_chunks == 0, "every chunk size 0..%zu splits the %zu lines right, "
	   "reports CRLF/LF, counts bytes, and ends with a clean EOF", total,
	   ARRAY_LEN(split_lines));
}

static void test_unterminated(void)
{
	for (size_t chunk = 0; chunk <= 3; chunk++) {
		struct stream *s = stream_new(mem_transport_new("one\r\ntwo", chunk), NULL);
		struct error *err = NULL;
		const char *line;
		size_t len;

		ok(stream_read_line(s, &line, &len, &err) == 0 && strcmp(line, "one") == 0,
		   "chunk %zu: first line", chunk);
		ok(stream_read_line(s, &line, &len, &err) == -1 &&
		   contains(err->msg, "closed the connection in the middle of a line") &&
		   !stream_eof(s), "chunk %zu: a last line without its end is an error, "
		   "not EOF", chunk);
		error_free(&err);
		/* Sticky: the same sentence again. */
		ok(stream_read_line(s, &line, &len, &err) == -1 &&
		   contains(err->msg, "in the middle of a line"),
		   "chunk %zu: the failure is sticky", chunk);
		error_free(&err);
		stream_free(&s);
	}
}

/* ---- Line length limit ---- */

static void test_line_max(void)
{
	const char *script = "12345678\r\nabcdefgh\n123456789\r\nnever\r\n";
	struct stream_params p = { .line_max = 8 };
	int bad = 0;

	for (size_t chunk = 0; chunk <= strlen(script); chunk++) {
		struct stream *s = stream_new(mem_transport_new(script, chunk), &p);
		struct error *err = NULL;
		const char *line;
		size_t len;

		if (stream_read_line(s, &line, &len, &err) != 0 || len != 8 ||
		    stream_read_line(s, &line, &len, &err) != 0 || len != 8 ||
		    stream_read_line(s, &line, &len, &err) != -1 || err->kind != ERR_PERM ||
		    !contains(err->msg, "memory: the server sent a line longer than 8 bytes"))
			bad++;
		error_free(&err);
		if (stream_read_line(s, &line, &len, &err) != -1 ||
		    !contains(err->msg, "longer than 8 bytes"))
			bad++;
		error_free(&err);
		if (stream_buffered(s) > 8 + 2 + STREAM_READ_CHUNK)
			bad++;
		stream_free(&s);
	}
	ok(bad == 0, "line_max 8: lines of exactly 8 pass (CRLF and LF), 9 is an "
	   "ERR_PERM error naming the limit, and it sticks, at every chunk size");

	/* A line of exactly line_max whose CR and LF arrive separately. */
	{
		struct stream *s = stream_new(mem_transport_new("abcdefgh\r\n", 1), &p);
		const char *line;
		size_t len;

		ok(stream_read_line(s, &line, &len, NULL) == 0 && len == 8 &&
		   stream_last_eol(s) == STREAM_EOL_CRLF,
		   "a line of exactly line_max bytes with CRLF, byte by byte");
		stream_free(&s);
	}
}

/* ---- Long lines in pieces ---- */

/* Reads pieces until n whole lines came out; checks each piece against
 * the limit and appends "<line>|" per line to out. */
static int read_pieces(struct stream *s, size_t nlines, size_t max, struct buf *out,
		       size_t *npieces, struct error **err)
{
	size_t lines = 0;

	*npieces = 0;
	while (lines < nlines) {
		const char *piece;
		size_t len;
		bool end;

		if (stream_read_piece(s, &piece, &len, &end, err) != 0)
			return -1;
		(*npieces)++;
		if (len > max)
			return error_set(err, ERR_INTERNAL, "piece of %zu > %zu", len, max);
		if (end && piece[len] != '\0')
			return error_set(err, ERR_INTERNAL, "last piece not NUL-terminated");
		if (end != (stream_last_eol(s) != STREAM_EOL_NONE))
			return error_set(err, ERR_INTERNAL, "eol does not match line_end");
		buf_append(out, piece, len);
		if (end) {
			buf_putc(out, '|');
			lines++;
		}
	}
	return 0;
}

static void test_pieces(void)
{
	/* A long line, a short one, the POP3 terminator, a long line whose
	 * CRLF straddles the piece boundary, a bare-CR at a cut, a line of
	 * exactly line_max. */
	const char *script =
		"0123456789abcdefghijKLMNOPQRSTUVWXYZ\r\n"
		"short\r\n"
		".\r\n"
		"1234567\r\n"
		"abcdefg\rhijklmnop\n"
		"exactly8\r\n";
	const char *want =
		"0123456789abcdefghijKLMNOPQRSTUVWXYZ|short|.|1234567|"
		"abcdefg\rhijklmnop|exactly8|";
	struct stream_params p = { .line_max = 8 };
	int bad = 0;

	for (size_t chunk = 0; chunk <= strlen(script); chunk++) {
		struct stream *s = stream_new(mem_transport_new(script, chunk), &p);
		struct buf out = BUF_INIT;
		struct error *err = NULL;
		size_t npieces;

		if (read_pieces(s, 6, 8, &out, &npieces, &err) != 0 ||
		    strcmp(buf_cstr(&out), want) != 0) {
			if (bad++ == 0)
				diag("chunk %zu: %s / got \"%s\"", chunk,
				     err ? err->msg : "", buf_cstr(&out));
		}
		error_free(&err);
		buf_free(&out);
		stream_free(&s);
	}
	ok(bad == 0, "pieces: long lines come out in pieces of at most line_max, "
	   "short lines whole, CR at a cut kept for the line end, every chunk size");

	/* Short lines always come out in one piece. */
	{
		struct stream *s = stream_new(mem_transport_new("short\r\n.\r\n", 1), &p);
		const char *piece;
		size_t len;
		bool end;

		ok(stream_read_piece(s, &piece, &len, &end, NULL) == 0 && end &&
		   len == 5 && stream_read_piece(s, &piece, &len, &end, NULL) == 0 &&
		   end && len == 1 && piece[0] == '.',
		   "a line within line_max is one piece, even byte by byte");
		stream_free(&s);
	}

	/* A 10 MB line with a 64 KiB limit: memory stays bounded. */
	{
		size_t big = 10u * 1024 * 1024;
		char *data = xmalloc(big + 8);
		struct stream_params bp = { .line_max = 64 * 1024 };
		struct transport *t;
		struct stream *s;
		uint64_t total = 0;
		size_t pieces = 0, max_buffered = 0;
		bool end = false, good = true;

		for (size_t i = 0; i < big; i++)
			data[i] = (char)('a' + i % 26);
		memcpy(data + big, "\r\n.\r\n", 5);
		t = mem_transport_new_bytes(data, big + 5, 100000);
		s = stream_new(t, &bp);
		while (!end) {
			const char *piece;
			size_t len;

			if (stream_read_piece(s, &piece, &len, &end, NULL) != 0 ||
			    len > bp.line_max || (len > 0 && piece[0] != (char)('a' + total % 26))) {
				good = false;
				break;
			}
			total += len;
			pieces++;
			if (stream_buffered(s) > max_buffered)
				max_buffered = stream_buffered(s);
		}
		ok(good && total == big, "a 10 MB line comes out whole in %zu pieces", pieces);
		ok(max_buffered <= bp.line_max + 2 + STREAM_READ_CHUNK,
		   "never more than line_max + 2 + one read buffered (%zu)", max_buffered);
		{
			const char *line;
			size_t len;

			ok(stream_read_line(s, &line, &len, NULL) == 0 && strcmp(line, ".") == 0,
			   "the line after it reads normally");
		}
		stream_free(&s);
		free(data);
	}
}

/* ---- Writing ---- */

/* A transport that counts write calls, over a memory transport. */
struct count_transport {
	struct transport base;
	int writes;
};

static ssize_t count_read(struct transport *t, void *p, size_t n, int ms,
			  struct error **err)
{
	return transport_read(t->lower, p, n, ms, err);
}

static int count_write(struct transport *t, const void *p, size_t n, int ms,
		       struct error **err)
{
	((struct count_transport *)t)->writes++;
	return transport_write(t->lower, p, n, ms, err);
}

static bool never_pending(struct transport *t)
{
	(void)t;
	return false;
}

static void count_destroy(struct transport *t)
{
	transport_free(&t->lower);
	free(t);
}

static const struct transport_ops count_ops = {
	.kind = "count",
	.read = count_read,
	.write = count_write,
	.pending = never_pending,	/* hides what is waiting below */
	.destroy = count_destroy,
};

static struct transport *count_new(struct transport *lower)
{
	struct count_transport *c = xcalloc(1, sizeof *c);

	transport_init(&c->base, &count_ops, lower->peer, lower);
	return &c->base;
}

static void test_write(void)
{
	struct transport *t = count_new(mem_transport_new("", 0));
	struct count_transport *c = (struct count_transport *)t;
	struct stream_params p = { .out_max = 32 };
	struct stream *s = stream_new(t, &p);
	struct error *err = NULL;
	size_t len;

	ok(stream_printf(s, &err, "RETR %d\r\n", 1) == 0 &&
	   stream_printf(s, &err, "RETR %d\r\n", 2) == 0 &&
	   stream_puts(s, "RETR 3\r\n", &err) == 0, "three commands queued");
	ok(c->writes == 0 && *mem_transport_written(t, NULL) == '\0' &&
	   stream_unflushed(s) == 24, "nothing sent before the flush");
	ok(stream_flush(s, &err) == 0 && c->writes == 1,
	   "the flush sends the batch in one write");
	is_str(mem_transport_written(t, &len), "RETR 1\r\nRETR 2\r\nRETR 3\r\n",
	       "the batch arrives in order");
	is_int(stream_bytes_out(s), 24, "bytes_out counts what was sent");
	ok(stream_flush(s, &err) == 0 && c->writes == 1, "an empty flush sends nothing");

	mem_transport_clear_written(t);
	ok(stream_puts(s, "0123456789012345678901234567890", &err) == 0 && c->writes == 1,
	   "31 bytes fit in out_max 32");
	ok(stream_puts(s, "ABCD", &err) == 0 && c->writes == 2 && stream_unflushed(s) == 4,
	   "going past out_max sends what was queued first");
	{
		char big[100];

		memset(big, 'x', sizeof big);
		ok(stream_write(s, big, sizeof big, &err) == 0 && c->writes == 4 &&
		   stream_unflushed(s) == 0, "a write larger than out_max goes straight out");
	}
	mem_transport_written(t, &len);
	is_int(len, 31 + 4 + 100, "every byte arrived");
	ok(stream_printf(s, &err, "%s", "long long long long long long long long line\r\n") == 0 &&
	   stream_unflushed(s) == 0, "printf past out_max flushes");
	is_int(stream_bytes_out(s), 24 + 31 + 4 + 100 + 46, "bytes_out after it all");
	ok(err == NULL, "no error along the way");
	stream_free(&s);
}

/* ---- STARTTLS response injection ---- */

static void test_injection(void)
{
	const char *script = "+OK Begin TLS negotiation\r\n-ERR injected\r\n";
	size_t chunks[] = { 0, 1, 7, 27, 28 };
	struct tls_params tp = { .host = "localhost" };

	for (size_t i = 0; i < ARRAY_LEN(chunks); i++) {
		struct stream *s = stream_new(mem_transport_new(script, chunks[i]), NULL);
		struct error *err = NULL;
		const char *line;
		size_t len;

		ok(stream_read_line(s, &line, &len, &err) == 0 &&
		   strcmp(line, "+OK Begin TLS negotiation") == 0,
		   "chunk %zu: the go-ahead is read", chunks[i]);
		ok(stream_start_tls(s, &tp, &err) == -1 && err != NULL &&
		   err->kind == ERR_PERM && contains(err->msg, "CVE-2020-14954") &&
		   contains(err->msg, "before the handshake"),
		   "chunk %zu: bytes after the go-ahead (buffered or waiting) are refused "
		   "as response injection", chunks[i]);
		if (i == 0)
			diag("%s", err ? err->msg : "(no error)");
		error_free(&err);
		ok(stream_read_line(s, &line, &len, &err) == -1 &&
		   contains(err->msg, "CVE-2020-14954") && !stream_tls_active(s),
		   "chunk %zu: the stream is finished, still not TLS", chunks[i]);
		error_free(&err);
		stream_free(&s);
	}

	/* Bytes that arrive only after the check: the TLS layer sees plain
	 * text where the ServerHello should be. */
	{
		struct transport *t = count_new(mem_transport_new("+OK go ahead\r\n", 0));
		struct stream_params p = { .timeout_ms = 1000 };
		struct stream *s = stream_new(t, &p);
		struct error *err = NULL;
		const char *line;
		size_t len;

		/* The go-ahead alone first; the injected bytes come after the
		 * check (the count transport hides them from pending()). */
		ok(stream_read_line(s, &line, &len, &err) == 0, "late: go-ahead read");
		mem_transport_feed(t, "-ERR injected late\r\n");
		ok(stream_start_tls(s, &tp, &err) == -1 && err != NULL &&
		   err->kind == ERR_PERM && contains(err->msg, "CVE-2020-14954") &&
		   contains(err->msg, "plain text where the TLS handshake"),
		   "late: plain text instead of the handshake is refused as injection");
		diag("%s", err ? err->msg : "(no error)");
		error_free(&err);
		stream_free(&s);
	}

	/* The server hangs up instead of handshaking. */
	{
		struct stream *s = stream_new(mem_transport_new("+OK\r\n", 0), NULL);
		struct error *err = NULL;
		const char *line;
		size_t len;

		stream_read_line(s, &line, &len, NULL);
		ok(stream_start_tls(s, &tp, &err) == -1 && err != NULL &&
		   err->kind == ERR_TEMP && contains(err->msg, "during the TLS handshake"),
		   "a server that closes instead of handshaking: ERR_TEMP, says so");
		error_free(&err);
		stream_free(&s);
	}

	/* Output still queued when TLS starts is a bug in the caller. */
	{
		struct stream *s = stream_new(mem_transport_new("+OK\r\n", 0), NULL);
		struct error *err = NULL;
		const char *line;
		size_t len;

		stream_read_line(s, &line, &len, NULL);
		stream_puts(s, "USER jane\r\n", NULL);
		ok(stream_start_tls(s, &tp, &err) == -1 && err != NULL &&
		   err->kind == ERR_INTERNAL, "queued output before TLS: ERR_INTERNAL");
		ok(*mem_transport_written(stream_transport(s), NULL) == '\0',
		   "and it was never sent in plain text");
		error_free(&err);
		stream_free(&s);
	}
}

/* ---- Failure injection ---- */

static const char cut_script[] = "+OK one\r\n+OK two\r\n+OK three\r\n";

/* Lines wholly inside the first n bytes of cut_script. */
static size_t lines_within(size_t n, bool *at_boundary)
{
	size_t lines = 0;

	*at_boundary = n == 0;
	for (size_t i = 0; i < n; i++)
		if (cut_script[i] == '\n') {
			lines++;
			*at_boundary = i + 1 == n;
		}
	return lines;
}

static void test_cut_everywhere(void)
{
	size_t total = sizeof cut_script - 1;
	int bad = 0;

	for (size_t at = 0; at <= total; at++) {
		for (size_t chunk = 0; chunk <= 4; chunk++) {
			struct fail_params fp = { .read_mode = FAIL_CUT, .read_at = at };
			struct transport *t = fail_transport_new(
				mem_transport_new(cut_script, chunk), &fp);
			struct stream *s = stream_new(t, NULL);
			struct error *err = NULL;
			const char *line;
			size_t len, got = 0;
			bool boundary, want_eof;
			size_t want = lines_within(at, &boundary);

			while (stream_read_line(s, &line, &len, &err) == 0)
				got++;
			want_eof = boundary;
			if (got != want || stream_eof(s) != want_eof ||
			    stream_bytes_in(s) != at || err == NULL || err->kind != ERR_TEMP) {
				if (bad++ == 0)
					diag("cut at %zu chunk %zu: %zu lines, eof %d", at,
					     chunk, got, stream_eof(s));
			}
			error_free(&err);
			stream_free(&s);
		}
	}
	ok(bad == 0, "a cut at every offset 0..%zu (chunks 0-4): exactly the whole "
	   "lines before it, then a clean EOF at a line boundary or a mid-line "
	   "error, bytes_in = offset", total);
}

static void test_fail_modes(void)
{
	struct error *err = NULL;
	const char *line;
	size_t len;

	/* An I/O error. */
	{
		struct fail_params fp = { .read_mode = FAIL_ERROR, .read_at = 12 };
		struct stream *s = stream_new(
			fail_transport_new(mem_transport_new(cut_script, 0), &fp), NULL);

		ok(stream_read_line(s, &line, &len, &err) == 0 &&
		   stream_read_line(s, &line, &len, &err) == -1 &&
		   contains(err->msg, "injected read failure at byte 12") &&
		   !stream_eof(s), "FAIL_ERROR: an error, not EOF, at the offset");
		error_free(&err);
		stream_free(&s);
	}
	/* A stall looks exactly like a real timeout, without the wait. */
	{
		struct fail_params fp = { .read_mode = FAIL_STALL, .read_at = 9 };
		struct stream_params p = { .timeout_ms = 60000 };
		struct stream *s = stream_new(
			fail_transport_new(mem_transport_new(cut_script, 0), &fp), &p);
		int64_t t0 = transport_now_ms();

		ok(stream_read_line(s, &line, &len, &err) == 0 &&
		   stream_read_line(s, &line, &len, &err) == -1 && err->kind == ERR_TEMP,
		   "FAIL_STALL: the read after the offset fails");
		is_str(err ? err->msg : NULL,
		       "memory: no data for 60 seconds; the connection was abandoned",
		       "with the timeout sentence");
		ok(transport_now_ms() - t0 < 5000, "and without waiting");
		error_free(&err);
		stream_free(&s);
	}
	/* A delay shorter than the timeout: everything arrives, late. */
	{
		struct fail_params fp = { .read_mode = FAIL_DELAY, .read_at = 9,
					  .delay_ms = 150 };
		struct stream_params p = { .timeout_ms = 2000 };
		struct stream *s = stream_new(
			fail_transport_new(mem_transport_new(cut_script, 0), &fp), &p);
		int64_t t0 = transport_now_ms();
		int n = 0;

		while (stream_read_line(s, &line, &len, &err) == 0)
			n++;
		ok(n == 3 && stream_eof(s), "FAIL_DELAY within the timeout: all 3 lines");
		ok(transport_now_ms() - t0 >= 150, "after the delay");
		error_free(&err);
		stream_free(&s);
	}
	/* A delay longer than the timeout: a real wait of the timeout. */
	{
		struct fail_params fp = { .read_mode = FAIL_DELAY, .read_at = 9,
					  .delay_ms = 5000 };
		struct stream_params p = { .timeout_ms = 200 };
		struct stream *s = stream_new(
			fail_transport_new(mem_transport_new(cut_script, 0), &fp), &p);
		int64_t t0 = transport_now_ms(), dt;

		ok(stream_read_line(s, &line, &len, &err) == 0 &&
		   stream_read_line(s, &line, &len, &err) == -1 &&
		   contains(err->msg, "no data for 0.2 seconds"),
		   "FAIL_DELAY past the timeout: the stall error");
		dt = transport_now_ms() - t0;
		ok(dt >= 200 && dt < 3000, "after about the timeout (%lld ms)", (long long)dt);
		error_free(&err);
		stream_free(&s);
	}
	/* Writes: the peer gets exactly write_at bytes. */
	{
		struct fail_params fp = { .write_mode = FAIL_CUT, .write_at = 5 };
		struct transport *mem = mem_transport_new("", 0);
		struct stream *s = stream_new(fail_transport_new(mem, &fp), NULL);

		ok(stream_puts(s, "HELLO WORLD\r\n", &err) == 0 &&
		   stream_flush(s, &err) == -1 && contains(err->msg, "reset"),
		   "write cut: the flush fails");
		is_str(mem_transport_written(stream_transport(s), NULL), "HELLO",
		       "the peer saw exactly the first 5 bytes");
		error_free(&err);
		ok(stream_puts(s, "X", &err) == -1, "later writes fail too");
		error_free(&err);
		stream_free(&s);
	}
}

/* ---- Dialogues on the memory transport ---- */

static void test_dialogue(void)
{
	int bad = 0;

	for (size_t chunk = 0; chunk <= 5; chunk++) {
		struct transport *t = mem_transport_new("+OK ready\r\n", chunk);
		struct stream *s = stream_new(t, NULL);
		struct error *err = NULL;
		const char *line;
		size_t len;
		bool good;

		mem_transport_expect(t, "CAPA\r\n");
		mem_transport_feed(t, "+OK\r\nPIPELINING\r\n.\r\n");
		mem_transport_expect(t, "RETR 1\r\n");
		mem_transport_feed(t, "+OK 3 octets\r\nabc\r\n.\r\n");
		mem_transport_expect(t, "RETR 2\r\n");
		mem_transport_feed(t, "+OK 0 octets\r\n.\r\n");

		good = stream_read_line(s, &line, &len, &err) == 0 &&
		       strcmp(line, "+OK ready") == 0 &&
		       stream_buffered(s) == 0;	/* the rest is held back */
		/* Pipelined: both RETRs go out before any reply is read. */
		good = good && stream_puts(s, "CAPA\r\n", &err) == 0 &&
		       stream_flush(s, &err) == 0;
		for (int i = 0; good && i < 3; i++)
			good = stream_read_line(s, &line, &len, &err) == 0;
		good = good && stream_printf(s, &err, "RETR 1\r\nRETR 2\r\n") == 0 &&
		       stream_flush(s, &err) == 0;
		for (int i = 0; good && i < 5; i++)
			good = stream_read_line(s, &line, &len, &err) == 0;
		good = good && strcmp(line, ".") == 0 &&
		       mem_transport_expect_missing(t) == 0 &&
		       mem_transport_unread(t) == 0;
		if (!good && bad++ == 0)
			diag("chunk %zu: %s", chunk, err ? err->msg : "wrong lines");
		error_free(&err);
		stream_free(&s);
	}
	ok(bad == 0, "a scripted dialogue with pipelined commands, chunks 0-5");

	/* Reading while the script waits for the client: an error, no hang. */
	{
		struct transport *t = mem_transport_new("+OK ready\r\n", 0);
		struct stream *s = stream_new(t, NULL);
		struct error *err = NULL;
		const char *line;
		size_t len;

		mem_transport_expect(t, "CAPA\r\n");
		mem_transport_feed(t, "+OK\r\n");
		stream_read_line(s, &line, &len, NULL);
		ok(stream_read_line(s, &line, &len, &err) == -1 && err != NULL &&
		   err->kind == ERR_INTERNAL &&
		   contains(err->msg, "expects the client to send \"CAPA\\r\\n\" first"),
		   "reading before sending what the script expects fails at once");
		error_free(&err);
		stream_free(&s);
	}
	/* Sending the wrong thing. */
	{
		struct transport *t = mem_transport_new("+OK ready\r\n", 0);
		struct stream *s = stream_new(t, NULL);
		struct error *err = NULL;

		mem_transport_expect(t, "USER jane\r\n");
		stream_puts(s, "USER bob\r\n", NULL);
		ok(stream_flush(s, &err) == -1 && err != NULL &&
		   contains(err->msg, "the client sent \"bob\\r\\n\" where the script "
			    "expects \"jane\\r\\n\""),
		   "a write that departs from the script fails, quoting both sides");
		if (err != NULL)
			diag("%s", err->msg);
		error_free(&err);
		stream_free(&s);
	}
	/* Nothing more expected: any further byte is a departure. */
	{
		struct transport *t = mem_transport_new("", 0);
		struct stream *s = stream_new(t, NULL);
		struct error *err = NULL;

		mem_transport_expect(t, "QUIT\r\n");
		ok(stream_puts(s, "QUIT\r\nNOOP\r\n", &err) == 0 &&
		   stream_flush(s, &err) == -1 && contains(err->msg, "\"NOOP\\r\\n\""),
		   "bytes beyond the script are refused");
		error_free(&err);
		stream_free(&s);
	}
}

static void test_misc(void)
{
	char *d;

	d = transport_duration(1000);
	is_str(d, "1 second", "duration: 1 second");
	free(d);
	d = transport_duration(60000);
	is_str(d, "60 seconds", "duration: 60 seconds");
	free(d);
	d = transport_duration(1500);
	is_str(d, "1.5 seconds", "duration: 1.5 seconds");
	free(d);
	{
		struct stream *s = stream_new(mem_transport_new("", 0), NULL);

		d = stream_describe(s);
		is_str(d, "plain text", "describe: plain text");
		free(d);
		ok(!stream_tls_active(s), "not TLS");
		is_str(stream_peer(s), "memory", "peer name");
		stream_free(&s);
		stream_free(&s);
		ok(s == NULL, "stream_free twice is harmless");
	}
}

int main(void)
{
	test_split();
	test_unterminated();
	test_line_max();
	test_pieces();
	test_write();
	test_injection();
	test_cut_everywhere();
	test_fail_modes();
	test_dialogue();
	test_misc();
	return tap_done();
}
