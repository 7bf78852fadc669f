/* fuzz-transfer.c - fuzz target for the transfer decoders (transfer.h):
 * the first byte picks the encoding and a split point; decoding in two
 * pieces must give what decoding whole gives.  Also uuencode blocks. */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "transfer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum transfer_encoding encs[] = {
		TRANSFER_BASE64, TRANSFER_QP, TRANSFER_UUENCODE, TRANSFER_8BIT,
	};
	enum transfer_encoding enc;
	const char *s;
	size_t n, cut;
	struct buf whole = BUF_INIT, split = BUF_INIT;
	struct transfer_dec d;
	struct uu_block blk;
	size_t pos = 0;

	if (size < 2)
		return 0;
	enc = encs[data[0] & 3];
	s = (const char *)data + 2;
	n = size - 2;
	cut = n ? data[1] % (n + 1) : 0;
	transfer_decode(enc, s, n, &whole);
	transfer_dec_init(&d, enc);
	transfer_dec_feed(&d, s, cut, &split);
	transfer_dec_feed(&d, s + cut, n - cut, &split);
	transfer_dec_finish(&d, &split);
	FUZZ_ASSERT(whole.len == split.len);
	FUZZ_ASSERT(whole.len == 0 || memcmp(whole.data, split.data, whole.len) == 0);
	if (enc == TRANSFER_BASE64)
		FUZZ_ASSERT(whole.len <= n / 4 * 3 + 2);
	if (enc == TRANSFER_QP)
		FUZZ_ASSERT(whole.len <= n);
	FUZZ_ASSERT(transfer_decoded_estimate(enc, s, n) <= n);
	while (uu_find(s, n, pos, &blk)) {
		buf_reset(&whole);
		FUZZ_ASSERT(blk.start >= pos && blk.data <= blk.data_end &&
			    blk.data_end <= blk.end && blk.end <= n && blk.end > blk.start);
		uu_decode(s, &blk, &whole);
		FUZZ_ASSERT(whole.len == blk.size);
		pos = blk.end;
	}
	buf_free(&whole);
	buf_free(&split);
	return 0;
}
