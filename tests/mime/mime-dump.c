/* mime-dump.c - prints Petrel's reading of messages as JSON lines, for
 * the corpus test against Python's email package (tests/mime/corpus.sh):
 * the envelope fields (envelope.h) and the summary (render.h).
 *
 * Usage: mime-dump FILE...  One object per file: file (base name),
 * subject, from_name, from_addr, date, body, attachments (the names of
 * the listed attachments that have one), has_attachment. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "envelope.h"
#include "json.h"
#include "render.h"

static bool slurp(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");
	char chunk[65536];
	size_t got;

	if (f == NULL)
		return false;
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(b, chunk, got);
	fclose(f);
	return true;
}

static void dump(const char *path, const char *raw, size_t n, struct buf *out)
{
	struct envelope env;
	struct mime_summary s;
	const char *base = strrchr(path, '/');
	bool first = true;

	envelope_parse(&env, raw, n);
	mime_summarize(raw, n, &s);
	buf_puts(out, "{\"file\": ");
	json_cstr(out, base ? base + 1 : path);
	buf_puts(out, ", \"subject\": ");
	json_cstr(out, env.subject);
	buf_puts(out, ", \"from_name\": ");
	json_cstr(out, env.from.n > 0 && env.from.v[0].name ? env.from.v[0].name : "");
	buf_puts(out, ", \"from_addr\": ");
	json_cstr(out, env.from.n > 0 ? env.from.v[0].addr : "");
	buf_printf(out, ", \"date\": %lld, \"body\": ", (long long)env.date);
	json_string(out, s.text, s.text_len);
	buf_puts(out, ", \"attachments\": [");
	for (size_t i = 0; i < s.natt; i++) {
		if (s.att[i].name[0] == '\0')
			continue;
		if (!first)
			buf_puts(out, ", ");
		json_cstr(out, s.att[i].name);
		first = false;
	}
	buf_printf(out, "], \"has_attachment\": %s}\n", s.has_attachment ? "true" : "false");
	mime_summary_free(&s);
	envelope_free(&env);
}

int main(int argc, char **argv)
{
	struct buf raw = BUF_INIT, out = BUF_INIT;
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		buf_reset(&raw);
		if (!slurp(argv[i], &raw)) {
			fprintf(stderr, "mime-dump: cannot read %s\n", argv[i]);
			rc = 1;
			continue;
		}
		buf_reset(&out);
		dump(argv[i], raw.data ? raw.data : "", raw.len, &out);
		fwrite(out.data, 1, out.len, stdout);
	}
	buf_free(&raw);
	buf_free(&out);
	return rc;
}
