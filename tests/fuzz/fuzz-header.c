/* fuzz-header.c - fuzz target for the header block splitter (header.h). */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "header.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *msg = (const char *)data;
	struct header_iter it;
	const char *name, *value;
	size_t nl, vl, total = 0, body;
	char *v;

	header_iter_init(&it, msg, size);
	while (header_iter_next(&it, &name, &nl, &value, &vl)) {
		FUZZ_ASSERT(nl > 0 && name >= msg && name + nl <= msg + size);
		for (size_t i = 0; i < nl; i++)
			FUZZ_ASSERT(name[i] > 32 && name[i] < 127 && name[i] != ':');
		FUZZ_ASSERT(vl == 0 || (value[0] != ' ' && value[vl - 1] != ' '));
		total += nl + vl;
	}
	body = header_block_len(msg, size);
	FUZZ_ASSERT(body <= size);
	if (!it.truncated)
		FUZZ_ASSERT(it.body == body);
	FUZZ_ASSERT(total <= 2 * size);
	header_iter_deinit(&it);
	v = header_get(msg, size, "Subject", &vl);
	free(v);
	return 0;
}
