/* flowed.c - format=flowed (RFC 3676) paragraphs joined for display. */
#include "config.h"

#include <string.h>

#include "flowed.h"

static void put_prefix(struct buf *out, size_t depth)
{
	for (size_t i = 0; i < depth; i++)
		buf_append(out, "> ", 2);
}

void flowed_reflow(const char *s, size_t n, bool delsp, struct buf *out)
{
	size_t pos = 0, para_depth = 0;
	bool in_para = false;	/* the last line was flowed: this one joins */

	while (pos < n) {
		const char *nl = memchr(s + pos, '\n', n - pos);
		size_t end = nl ? (size_t)(nl - s) : n;
		size_t next = nl ? end + 1 : n;
		size_t p = pos, depth = 0;
		bool flowed;

		while (p < end && s[p] == '>') {
			depth++;
			p++;
		}
		if (p < end && s[p] == ' ')
			p++;	/* space-stuffing (or the space after '>') */
		if (end > p && s[end - 1] == '\r')
			end--;
		if (in_para && depth != para_depth) {
			/* Another quote depth ends the paragraph. */
			buf_putc(out, '\n');
			in_para = false;
		}
		flowed = end > p && s[end - 1] == ' ' &&
			 !(end - p == 3 && memcmp(s + p, "-- ", 3) == 0);
		if (!in_para)
			put_prefix(out, depth);
		if (flowed && delsp)
			end--;
		buf_append(out, s + p, end - p);
		if (flowed) {
			in_para = true;
			para_depth = depth;
		} else {
			in_para = false;
			if (nl != NULL)
				buf_putc(out, '\n');
		}
		pos = next;
	}
	if (in_para)
		buf_putc(out, '\n');
}
