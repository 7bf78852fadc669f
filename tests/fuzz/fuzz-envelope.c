/* fuzz-envelope.c - fuzz target for whole-message envelope parsing
 * (envelope.h), which drives every header parser at once. */
#include "config.h"

#include <string.h>

#include "envelope.h"
#include "fuzz.h"
#include "util.h"

static void check_list(const struct address_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		FUZZ_ASSERT(l->v[i].addr != NULL);
		FUZZ_ASSERT(utf8_valid(l->v[i].addr, strlen(l->v[i].addr)));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct envelope e;

	envelope_parse(&e, (const char *)data, size);
	FUZZ_ASSERT(e.subject != NULL);
	FUZZ_ASSERT(utf8_valid(e.subject, strlen(e.subject)));
	FUZZ_ASSERT(e.header_len <= size);
	FUZZ_ASSERT(e.nreferences <= 200);
	check_list(&e.from);
	check_list(&e.to);
	check_list(&e.cc);
	check_list(&e.reply_to);
	envelope_free(&e);
	return 0;
}
