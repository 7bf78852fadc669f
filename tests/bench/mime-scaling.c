/* mime-scaling.c - the driver of tests/bench/mime-scaling.sh: times the
 * MIME code on generated worst cases and on real message files.  Built
 * on demand by the script, not by make.
 *
 *   mime-scaling parts N      a multipart/mixed of N parts of ~5 KB
 *                             (base64 attachments and text parts)
 *   mime-scaling words N      a message whose Subject and attachment name
 *                             hold N encoded words
 *   mime-scaling nest N       N nested multiparts (past the depth cap)
 *   mime-scaling files F...   mime_summarize and render_message_text on
 *                             each file (read into memory first), repeated
 *                             until a second has passed: µs per message
 * Prints one line: what, bytes, seconds per operation. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "mime.h"
#include "render.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void gen_parts(struct buf *b, long n)
{
	buf_puts(b, "From: a@example.org\nSubject: parts\nMIME-Version: 1.0\n"
		 "Content-Type: multipart/mixed; boundary=\"=-=bench=-=\"\n\n");
	for (long i = 0; i < n; i++) {
		buf_puts(b, "--=-=bench=-=\n");
		if (i % 2 == 0) {
			buf_printf(b, "Content-Type: application/octet-stream; name=\"f%ld.bin\"\n"
				   "Content-Disposition: attachment; filename*=UTF-8''f%%C3%%A9%ld.bin\n"
				   "Content-Transfer-Encoding: base64\n\n", i, i);
			for (int l = 0; l < 66; l++)
				buf_puts(b, "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2\n");
		} else {
			buf_puts(b, "Content-Type: text/plain; charset=iso-8859-1\n"
				 "Content-Transfer-Encoding: quoted-printable\n\n");
			for (int l = 0; l < 70; l++)
				buf_puts(b, "caf=E9 the quick brown fox jumps over the lazy dog and=\n");
		}
	}
	buf_puts(b, "--=-=bench=-=--\n");
}

static void gen_words(struct buf *b, long n)
{
	buf_puts(b, "From: a@example.org\nSubject:");
	for (long i = 0; i < n; i++)
		buf_puts(b, " =?UTF-8?B?w6l0w6k=?=");
	buf_puts(b, "\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n"
		 "--b\n\ntext\n--b\nContent-Type: application/pdf; name=\"");
	for (long i = 0; i < n; i++)
		buf_puts(b, "=?ISO-8859-1?Q?caf=E9?= ");
	buf_puts(b, "\"\nContent-Transfer-Encoding: base64\n\nJVBERg==\n--b--\n");
}

static void gen_nest(struct buf *b, long n)
{
	for (long i = 0; i < n; i++)
		buf_printf(b, "Content-Type: multipart/mixed; boundary=b%ld\n\n--b%ld\n", i, i);
	buf_puts(b, "\nbottom\n");
	for (long i = n - 1; i >= 0; i--)
		buf_printf(b, "--b%ld--\n", i);
}

/* Parse, summary and pager text of one message; returns seconds. */
static double run_once(const char *raw, size_t n)
{
	struct mime_tree t;
	struct mime_summary s;
	struct buf out = BUF_INIT;
	double t0 = now();

	mime_parse(&t, raw, n, NULL);
	mime_free(&t);
	mime_summarize(raw, n, &s);
	mime_summary_free(&s);
	render_message_text(raw, n, NULL, &out);
	buf_free(&out);
	return now() - t0;
}

static int files(int argc, char **argv)
{
	struct buf *msgs = calloc((size_t)argc, sizeof *msgs);
	size_t total = 0, count = 0;
	double t_sum = 0, t_sum_cc = 0, t_render = 0, t0;
	int rounds = 0;
	struct charset_conv *cc = charset_conv_new();

	for (int i = 0; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		char chunk[65536];
		size_t got;

		if (f == NULL)
			continue;
		while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
			buf_append(&msgs[i], chunk, got);
		fclose(f);
		total += msgs[i].len;
	}
	t0 = now();
	do {
		double a = now(), b;

		for (int i = 0; i < argc; i++) {
			struct mime_summary s;

			mime_summarize(msgs[i].data ? msgs[i].data : "", msgs[i].len, &s);
			mime_summary_free(&s);
		}
		b = now();
		t_sum += b - a;
		for (int i = 0; i < argc; i++) {
			struct mime_summary s;

			mime_summarize_cc(msgs[i].data ? msgs[i].data : "", msgs[i].len, cc, &s);
			mime_summary_free(&s);
		}
		a = now();
		t_sum_cc += a - b;
		b = a;
		for (int i = 0; i < argc; i++) {
			struct buf out = BUF_INIT;

			render_message_text(msgs[i].data ? msgs[i].data : "", msgs[i].len, NULL,
					    &out);
			buf_free(&out);
		}
		t_render += now() - b;
		count += (size_t)argc;
		rounds++;
	} while (now() - t0 < 2.0);
	printf("files %d, %.1f KB on average:\n"
	       "  mime_summarize     %6.1f us/msg (%.0f MB/s), a charset context per message\n"
	       "  mime_summarize_cc  %6.1f us/msg (%.0f MB/s), one context for all\n"
	       "  render_message_text %5.1f us/msg\n", argc, total / 1024.0 / argc,
	       t_sum / count * 1e6, total * (double)rounds / t_sum / 1e6,
	       t_sum_cc / count * 1e6, total * (double)rounds / t_sum_cc / 1e6,
	       t_render / count * 1e6);
	charset_conv_free(&cc);
	for (int i = 0; i < argc; i++)
		buf_free(&msgs[i]);
	free(msgs);
	return 0;
}

int main(int argc, char **argv)
{
	struct buf b = BUF_INIT;
	long n;
	double best = 1e9;

	if (argc >= 2 && strcmp(argv[1], "files") == 0)
		return files(argc - 2, argv + 2);
	if (argc != 3) {
		fprintf(stderr, "usage: mime-scaling parts|words|nest N | files F...\n");
		return 2;
	}
	n = strtol(argv[2], NULL, 10);
	if (strcmp(argv[1], "parts") == 0)
		gen_parts(&b, n);
	else if (strcmp(argv[1], "words") == 0)
		gen_words(&b, n);
	else
		gen_nest(&b, n);
	for (int i = 0; i < 3; i++) {
		double t = run_once(b.data, b.len);

		if (t < best)
			best = t;
	}
	printf("%s %ld: %zu bytes, %.4f s, %.1f MB/s\n", argv[1], n, b.len, best,
	       b.len / best / 1e6);
	buf_free(&b);
	return 0;
}
