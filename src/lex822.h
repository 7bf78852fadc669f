/* lex822.h - the RFC 5322 lexical pieces every header parser needs:
 * folding white space, nested comments with quoted pairs, quoted strings.
 * All functions take a buffer s of n bytes and an offset i, and return the
 * offset just past what they skipped (n when it runs to the end). */
#ifndef PETREL_LEX822_H
#define PETREL_LEX822_H

#include <stdbool.h>
#include <stddef.h>

/* Space, tab, and the CR and LF that unfolding may leave behind. */
static inline bool lex822_is_fws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* s[i] == '(': past the matching ')', honouring nesting and "\" pairs. */
size_t lex822_skip_comment(const char *s, size_t n, size_t i);
/* Past any run of white space and comments. */
size_t lex822_skip_cfws(const char *s, size_t n, size_t i);
/* s[i] == '"': past the closing quote, honouring "\" pairs. */
size_t lex822_skip_quoted(const char *s, size_t n, size_t i);

#endif
