/* fuzz-html.c - fuzz target for the HTML to text converter (html.h). */
#include "config.h"

#include "fuzz.h"
#include "html.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf b = BUF_INIT;
	struct html_options o = { size > 0 && (data[0] & 1) };

	html_to_text((const char *)data, size, &o, &b);
	FUZZ_ASSERT(utf8_valid(buf_cstr(&b), b.len));
	for (size_t i = 0; i < b.len; i++) {
		unsigned char c = (unsigned char)b.data[i];

		FUZZ_ASSERT((c >= 0x20 && c != 0x7f) || c == '\n' || c == '\t');
	}
	FUZZ_ASSERT(b.len == 0 || b.data[b.len - 1] == '\n');
	buf_free(&b);
	return 0;
}
