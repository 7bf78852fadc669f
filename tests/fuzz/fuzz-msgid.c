/* fuzz-msgid.c - fuzz target for msg-id lists (msgid.h). */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "msgid.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msgid_list l = { NULL, 0 };
	char *first;

	msgid_list_parse(&l, (const char *)data, size, 20);
	FUZZ_ASSERT(l.n <= 20);
	for (size_t i = 0; i < l.n; i++) {
		size_t len = strlen(l.v[i]);

		FUZZ_ASSERT(len > 0 && len <= MSGID_MAX_LEN);
		FUZZ_ASSERT(utf8_valid(l.v[i], len));
		FUZZ_ASSERT(strpbrk(l.v[i], " \t\r\n") == NULL);
		for (size_t j = 0; j < i; j++)
			FUZZ_ASSERT(strcmp(l.v[i], l.v[j]) != 0);
	}
	first = msgid_parse_first((const char *)data, size);
	FUZZ_ASSERT((first == NULL) == (l.n == 0));
	if (first != NULL)
		FUZZ_ASSERT(strcmp(first, l.v[0]) == 0);
	free(first);
	msgid_list_free(&l);
	return 0;
}
