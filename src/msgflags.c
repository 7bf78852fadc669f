/* msgflags.c - message flags: names and Maildir info letters. */
#include "config.h"

#include <string.h>

#include "i18n.h"
#include "msgflags.h"

static const struct msgflag_info flag_table[MSG_FLAG_COUNT] = {
	{ MSG_SEEN, "seen", 'S' },
	{ MSG_ANSWERED, "answered", 'R' },
	{ MSG_FLAGGED, "flagged", 'F' },
	{ MSG_DRAFT, "draft", 'D' },
	{ MSG_TRASHED, "trashed", 'T' },
	{ MSG_PASSED, "passed", 'P' },
};

/* The same flags ordered by Maildir letter, as the info must be written. */
static const char maildir_order[] = "DFPRST";

const struct msgflag_info *msgflag_table(void)
{
	return flag_table;
}

static const struct msgflag_info *flag_by_letter(char c)
{
	for (size_t i = 0; i < ARRAY_LEN(flag_table); i++)
		if (flag_table[i].maildir == c)
			return &flag_table[i];
	return NULL;
}

const char *msgflag_name(enum msg_flag f)
{
	for (size_t i = 0; i < ARRAY_LEN(flag_table); i++)
		if (flag_table[i].flag == f)
			return flag_table[i].name;
	return NULL;
}

void msgflags_format(unsigned flags, const char *sep, struct buf *b)
{
	bool first = true;

	for (size_t i = 0; i < ARRAY_LEN(flag_table); i++) {
		if (!(flags & flag_table[i].flag))
			continue;
		if (!first)
			buf_puts(b, sep);
		buf_puts(b, flag_table[i].name);
		first = false;
	}
}

int msgflags_parse(const char *s, unsigned *flags, struct error **err)
{
	unsigned out = 0;

	while (*s != '\0') {
		size_t n;
		bool found = false;

		while (*s == ',' || ascii_isspace((unsigned char)*s))
			s++;
		if (*s == '\0')
			break;
		n = strcspn(s, ", \t\r\n\f\v");
		for (size_t i = 0; i < ARRAY_LEN(flag_table); i++) {
			if (strlen(flag_table[i].name) == n &&
			    ascii_strncasecmp(s, flag_table[i].name, n) == 0) {
				out |= (unsigned)flag_table[i].flag;
				found = true;
				break;
			}
		}
		if (!found)
			return error_set(err, ERR_USAGE,
					 _("unknown message flag \"%.*s\": use seen, answered, flagged, draft, trashed or passed"),
					 (int)(n > 64 ? 64 : n), s);
		s += n;
	}
	*flags = out;
	return 0;
}

unsigned msgflags_from_maildir(const char *letters, size_t n)
{
	unsigned flags = 0;

	for (size_t i = 0; i < n && letters[i] != '\0'; i++) {
		const struct msgflag_info *f = flag_by_letter(letters[i]);

		if (f != NULL)
			flags |= (unsigned)f->flag;
	}
	return flags;
}

size_t msgflags_to_maildir(unsigned flags, char out[MSG_FLAG_COUNT + 1])
{
	size_t n = 0;

	for (const char *c = maildir_order; *c != '\0'; c++)
		if (flags & (unsigned)flag_by_letter(*c)->flag)
			out[n++] = *c;
	out[n] = '\0';
	return n;
}

const char *maildir_info_letters(const char *name)
{
	const char *sep = NULL;

	for (const char *p = name; *p != '\0'; p++)
		if (*p == ':' || *p == ';')
			sep = p;
	if (sep == NULL || sep[1] != '2' || sep[2] != ',')
		return NULL;
	return sep + 3;
}
