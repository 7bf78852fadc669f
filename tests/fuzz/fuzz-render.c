/* fuzz-render.c - fuzz target for what is shown of a message
 * (render.h): the pager text, the archive summary and every part. */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "mime.h"
#include "render.h"

static void check_text(const char *s, size_t n)
{
	FUZZ_ASSERT(utf8_valid(s, n));
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		FUZZ_ASSERT((c >= 0x20 && c != 0x7f) || c == '\n' || c == '\t');
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *raw = (const char *)data;
	struct render_options o = { 0 };
	struct buf b = BUF_INIT;
	struct mime_summary s;

	if (size > 0) {
		o.all_headers = data[0] & 1;
		o.prefer_html = data[0] & 2;
		o.width = (data[0] & 4) ? 1 + data[0] % 100 : 0;
	}
	FUZZ_ASSERT(render_message_text(raw, size, &o, &b) == 0);
	check_text(buf_cstr(&b), b.len);
	mime_summarize(raw, size, &s);
	FUZZ_ASSERT(s.text != NULL && s.text_len <= MIME_SUMMARY_TEXT_MAX);
	check_text(s.text, s.text_len);
	for (size_t i = 0; i < s.natt; i++) {
		struct error *err = NULL;

		check_text(s.att[i].name, strlen(s.att[i].name));
		buf_reset(&b);
		FUZZ_ASSERT(render_part(raw, size, s.att[i].partno, &b, &err) == 0);
		FUZZ_ASSERT(err == NULL);
	}
	mime_summary_free(&s);
	buf_free(&b);
	return 0;
}
