/* lex822.c - RFC 5322 lexical pieces: white space, comments, quoted strings. */
#include "config.h"

#include "lex822.h"

size_t lex822_skip_comment(const char *s, size_t n, size_t i)
{
	size_t depth = 0;

	for (; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n)
			i++;
		else if (s[i] == '(')
			depth++;
		else if (s[i] == ')' && --depth == 0)
			return i + 1;
	}
	return n;
}

size_t lex822_skip_cfws(const char *s, size_t n, size_t i)
{
	while (i < n) {
		if (lex822_is_fws((unsigned char)s[i]))
			i++;
		else if (s[i] == '(')
			i = lex822_skip_comment(s, n, i);
		else
			break;
	}
	return i;
}

size_t lex822_skip_quoted(const char *s, size_t n, size_t i)
{
	for (i++; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n)
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return n;
}
