/* fuzz-rfc2231.c - fuzz target for MIME parameter values (rfc2231.h). */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "rfc2231.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "filename", "name", "boundary", "charset" };
	const char *v = (const char *)data;
	char tok[64];
	struct buf b = BUF_INIT;

	rfc2231_token(v, size, tok, sizeof tok);
	FUZZ_ASSERT(strlen(tok) < sizeof tok);
	for (size_t i = 0; i < 4; i++) {
		buf_reset(&b);
		if (rfc2231_param(NULL, v, size, names[i], &b)) {
			FUZZ_ASSERT(utf8_valid(buf_cstr(&b), b.len));
			for (size_t k = 0; k < b.len; k++)
				FUZZ_ASSERT((unsigned char)b.data[k] >= 0x20 || b.data[k] == '\t');
		}
		buf_reset(&b);
		rfc2231_param_raw(v, size, names[i], &b);
		FUZZ_ASSERT(b.len <= size);
	}
	buf_free(&b);
	return 0;
}
