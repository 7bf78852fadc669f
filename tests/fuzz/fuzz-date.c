/* fuzz-date.c - fuzz target for date parsing (date.h). */
#include "config.h"

#include "date.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t t = 0;
	int tz = 0;

	if (date_parse((const char *)data, size, &t, &tz)) {
		/* Years 1000-9999 and zones within a day. */
		FUZZ_ASSERT(t >= -30610224000LL - 2 * 86400);
		FUZZ_ASSERT(t <= 253402300799LL + 2 * 86400);
		FUZZ_ASSERT(tz > -24 * 60 && tz < 24 * 60);
	}
	date_parse_from_line((const char *)data, size, &t);
	return 0;
}
