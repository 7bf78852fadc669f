/* fuzz-rfc2047.c - fuzz target for encoded-word decoding (rfc2047.h) and,
 * through it, charset conversion (charset.h).  The first line of the
 * input is also used as a charset label for a direct conversion of the
 * rest. */
#include "config.h"

#include <string.h>

#include "buf.h"
#include "charset.h"
#include "fuzz.h"
#include "rfc2047.h"
#include "util.h"

static void check_clean(const char *s, size_t n)
{
	FUZZ_ASSERT(utf8_valid(s, n));
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		FUZZ_ASSERT(c >= 0x20 || c == '\t');
		FUZZ_ASSERT(c != 0x7f);
		if (c == 0xc2 && i + 1 < n)
			FUZZ_ASSERT((unsigned char)s[i + 1] >= 0xa0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	const char *nl = memchr(s, '\n', size);
	struct charset_conv *cc = charset_conv_new();
	struct buf b = BUF_INIT;

	rfc2047_decode_append(cc, s, size, &b);
	check_clean(buf_cstr(&b), b.len);
	/* Output can grow at most a few times the input. */
	FUZZ_ASSERT(b.len <= 12 * size + 16);
	buf_reset(&b);
	if (nl != NULL) {
		size_t namelen = (size_t)(nl - s);

		charset_to_utf8(cc, s, namelen, nl + 1, size - namelen - 1, &b);
		FUZZ_ASSERT(utf8_valid(buf_cstr(&b), b.len));
	}
	buf_free(&b);
	charset_conv_free(&cc);
	return 0;
}
