/* html.h - HTML mail as readable plain text.
 *
 * Owns the built-in converter: a single pass over the markup, tolerant of
 * whatever broken HTML mail clients produce, in time linear in its input
 * and with bounded memory per nesting level.  What comes out:
 *  - paragraphs, headings, divs, tables and lists separated by line
 *    breaks or blank lines; white space collapsed as a browser would;
 *  - <br> as a line break, <hr> as a line of dashes;
 *  - list items as "* " (unordered) or "1. " (ordered, honouring start=),
 *    indented two spaces per nesting level;
 *  - <blockquote> as "> " before every line, nested;
 *  - <pre> with its white space and line breaks kept;
 *  - table rows on lines of their own, cells separated by two spaces;
 *  - links as "text[1]" with the list of URLs at the end ("[1] URL"),
 *    numbered once per distinct URL; a link whose text is its URL, and
 *    links to "#..." and "javascript:", get no number;
 *  - images as their alt text in brackets ("[logo]"), none when empty;
 *  - entities: every HTML 4 named entity plus &apos;, the five common
 *    ones also without ';', numeric &#NN; and &#xHH; (code points
 *    128-159 read as windows-1252, invalid ones as U+FFFD);
 *  - nothing from <script>, <style>, <title>, <template>, <svg>,
 *    comments, doctype and processing instructions;
 *  - unknown tags ignored, unclosed tags closed at the end, a '<' that
 *    starts no tag kept as text, an unterminated tag or comment dropped.
 * Output is UTF-8 with no control characters except LF (invalid input
 * bytes become U+FFFD; see mime_clean_text) and ends with one LF unless
 * empty. */
#ifndef PETREL_HTML_H
#define PETREL_HTML_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Links numbered per document (more are shown without a number);
 * nesting of lists and blockquotes followed (deeper is flattened). */
#define HTML_MAX_LINKS 500
#define HTML_MAX_DEPTH 32
#define HTML_URL_MAX 2048

struct html_options {
	bool footnotes;		/* number links and list their URLs (default
				 * true when o is NULL) */
};

/* Appends the text form of the n bytes of HTML at s (UTF-8 expected) to
 * out.  o may be NULL for the defaults. */
void html_to_text(const char *s, size_t n, const struct html_options *o,
		  struct buf *out);

#endif
