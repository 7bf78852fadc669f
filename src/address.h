/* address.h - RFC 5322 address lists: display names (quoted, encoded-word,
 * 8-bit), comments, groups, obsolete routes, and the junk real mail has. */
#ifndef PETREL_ADDRESS_H
#define PETREL_ADDRESS_H

#include <stddef.h>

struct address {
	char *name;	/* display name, decoded to UTF-8; NULL when absent */
	char *addr;	/* "local@domain" as written (no brackets); never NULL */
};

struct address_list {
	struct address *v;
	size_t n;
};

/* Parses an unfolded header value of n bytes (may contain NUL bytes, 8-bit
 * text, encoded words).  Never fails: unparseable pieces are kept as an
 * address with the text as addr.  Appends to *list. */
void address_list_parse(struct address_list *list, const char *value, size_t n);
void address_list_free(struct address_list *list);
/* "Name <addr>, addr, ..." for display; allocated, never NULL. */
char *address_list_format(const struct address_list *list);

#endif
