/* msgid.h - Message-ID, In-Reply-To and References: the msg-ids in a
 * header value, without their angle brackets.
 *
 * Lenient the way threading needs: comments and quoted strings are
 * skipped, junk between ids ("Your message of ...") is ignored, white
 * space inside brackets is dropped, an id without brackets is accepted
 * when it contains '@' (and, for a value holding nothing else, any single
 * word), duplicates are dropped (first occurrence kept), "<>" is
 * ignored.  Ids are valid UTF-8 without control characters or spaces. */
#ifndef PETREL_MSGID_H
#define PETREL_MSGID_H

#include <stddef.h>

/* Longest id kept; longer ones are dropped. */
#define MSGID_MAX_LEN 998
/* Default cap on the ids kept from one References header. */
#define MSGID_MAX_REFS 200

struct msgid_list {
	char **v;
	size_t n;
};

/* Appends the ids of the n bytes at s to *list (which starts zeroed or
 * emptied by msgid_list_free) in the order written, skipping ones
 * already in the list.  When more than max ids (max >= 2) would be kept,
 * the first one and the last max - 1 are kept: the root and the nearest
 * ancestors, which is what threading uses.  Time linear in n. */
void msgid_list_parse(struct msgid_list *list, const char *s, size_t n, size_t max);
void msgid_list_free(struct msgid_list *list);

/* The first id of the value (for Message-ID and In-Reply-To), allocated,
 * or NULL when there is none. */
char *msgid_parse_first(const char *s, size_t n);

#endif
