/* fuzz-mime.c - fuzz target for the MIME part tree (mime.h): parsing,
 * part lookup, transfer decoding and text of every part. */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "mime.h"

/* Text for display: valid UTF-8, no control character but tab and LF. */
static void check_text(const struct buf *b)
{
	FUZZ_ASSERT(utf8_valid(buf_cstr((struct buf *)b), b->len));
	for (size_t i = 0; i < b->len; i++) {
		unsigned char c = (unsigned char)b->data[i];

		FUZZ_ASSERT(c >= 0x20 || c == '\n' || c == '\t');
		FUZZ_ASSERT(c != 0x7f);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *raw = (const char *)data;
	struct charset_conv *cc = charset_conv_new();
	struct mime_tree t;
	struct buf b = BUF_INIT;

	mime_parse(&t, raw, size, cc);
	FUZZ_ASSERT(t.nparts >= 1 && t.nparts <= MIME_MAX_PARTS);
	for (size_t i = 0; i < t.nparts; i++) {
		const struct mime_part *p = &t.part[i];

		FUZZ_ASSERT(p->start <= p->body && p->body <= p->end && p->end <= size);
		FUZZ_ASSERT(p->depth <= MIME_MAX_DEPTH + 1);
		FUZZ_ASSERT(i == 0 ? p->parent == MIME_NO_PART : p->parent < i);
		FUZZ_ASSERT(p->next == MIME_NO_PART || (p->next > i && p->next < t.nparts));
		FUZZ_ASSERT(strchr(p->type, '/') != NULL);
		if (p->filename != NULL)
			FUZZ_ASSERT(utf8_valid(p->filename, strlen(p->filename)));
		FUZZ_ASSERT(mime_find(&t, p->partno) <= i);
		buf_reset(&b);
		mime_text(&t, p, cc, &b);
		check_text(&b);
		buf_reset(&b);
		mime_decode(&t, p, &b);
		FUZZ_ASSERT(mime_size_estimate(&t, p) <= size);
	}
	buf_free(&b);
	mime_free(&t);
	charset_conv_free(&cc);
	return 0;
}
