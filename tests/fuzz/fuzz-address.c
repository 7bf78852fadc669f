/* fuzz-address.c - fuzz target for address lists (address.h). */
#include "config.h"

#include <string.h>

#include "address.h"
#include "fuzz.h"
#include "util.h"

/* No C0 control except tab, no DEL, valid UTF-8. */
static void check_clean(const char *s)
{
	FUZZ_ASSERT(utf8_valid(s, strlen(s)));
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		FUZZ_ASSERT(*p >= 0x20 || *p == '\t');
		FUZZ_ASSERT(*p != 0x7f);
		FUZZ_ASSERT(!(p[0] == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct address_list l = { NULL, 0 };
	char *s;

	address_list_parse(&l, (const char *)data, size);
	FUZZ_ASSERT(l.n <= size);
	for (size_t i = 0; i < l.n; i++) {
		FUZZ_ASSERT(l.v[i].addr != NULL);
		check_clean(l.v[i].addr);
		if (l.v[i].name != NULL) {
			FUZZ_ASSERT(l.v[i].name[0] != '\0');
			check_clean(l.v[i].name);
		}
	}
	s = address_list_format(&l);
	check_clean(s);
	free(s);
	address_list_free(&l);
	return 0;
}
