/* json.c - writing JSON text into a buf. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util.h"

void json_string(struct buf *b, const char *s, size_t n)
{
	char *clean = NULL;

	if (!utf8_valid(s, n) || memchr(s, '\0', n) != NULL) {
		clean = utf8_sanitize(s, n);
		s = clean;
		n = strlen(clean);
	}
	buf_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"':  buf_puts(b, "\\\""); break;
		case '\\': buf_puts(b, "\\\\"); break;
		case '\n': buf_puts(b, "\\n"); break;
		case '\r': buf_puts(b, "\\r"); break;
		case '\t': buf_puts(b, "\\t"); break;
		default:
			if (c < 0x20 || c == 0x7f)
				buf_printf(b, "\\u%04x", c);
			else
				buf_putc(b, (char)c);
		}
	}
	buf_putc(b, '"');
	free(clean);
}

void json_cstr(struct buf *b, const char *s)
{
	if (s == NULL)
		buf_puts(b, "null");
	else
		json_string(b, s, strlen(s));
}
