/* address.h - RFC 5322 address lists: display names (quoted, encoded-word,
 * 8-bit), comments, groups, obsolete routes, and the junk real mail has.
 *
 * What the parser makes of real mail:
 *  - "Name <addr>": name decoded (quoted strings unescaped, RFC 2047,
 *    8-bit guessed), addr as written inside the brackets;
 *  - "addr (Comment)": the first comment is the name when there is no
 *    other display name;
 *  - groups "team: a@x, b@y;" give their members; an empty group
 *    ("undisclosed-recipients:;") gives nothing;
 *  - obsolete routes "<@relay,@relay2:user@host>" keep only user@host;
 *  - missing brackets "Jane Doe jane@x" give name "Jane Doe";
 *    missing commas "a@x b@y" give two addresses;
 *  - ';' outside a group separates like ',';
 *  - a bare local part or junk without '@' is kept as addr.
 * Every name and addr is valid UTF-8 without control characters.  Time
 * is linear in the input. */
#ifndef PETREL_ADDRESS_H
#define PETREL_ADDRESS_H

#include <stddef.h>

#include "charset.h"

/* A list holds at most this many addresses; the rest of a longer header
 * is ignored. */
#define ADDRESS_LIST_MAX 100000

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
/* The same with a caller's charset context (may be NULL), so that a
 * message's headers share iconv descriptors. */
void address_list_parse_cc(struct address_list *list, const char *value, size_t n,
			   struct charset_conv *cc);
void address_list_free(struct address_list *list);
/* "Name <addr>, addr, ..." for display; allocated, never NULL. */
char *address_list_format(const struct address_list *list);

#endif
