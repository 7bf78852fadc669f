/* test-html.c - the HTML to text converter: layout, lists, quotes, links,
 * entities, broken markup, and no control characters out. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "html.h"
#include "../tap.h"

static char *conv(const char *html, bool footnotes)
{
	struct buf b = BUF_INIT;
	struct html_options o = { footnotes };

	html_to_text(html, strlen(html), &o, &b);
	return buf_steal(&b, NULL);
}

#define HTML(in, want, label) do { char *s_ = conv(in, true); \
	is_str(s_, want, "%s", label); free(s_); } while (0)
#define HTML_NOLINKS(in, want, label) do { char *s_ = conv(in, false); \
	is_str(s_, want, "%s", label); free(s_); } while (0)

static void test_blocks(void)
{
	HTML("", "", "empty");
	HTML("hello", "hello\n", "plain text");
	HTML("  a \n\t b  ", "a b\n", "white space collapsed");
	HTML("<p>one</p><p>two</p>", "one\n\ntwo\n", "paragraphs");
	HTML("<div>one</div><div>two</div>", "one\ntwo\n", "divs");
	HTML("a<br>b<br/><br />c", "a\nb\n\nc\n", "line breaks");
	HTML("<br><br><p>start", "start\n", "leading breaks dropped");
	HTML("<h1>Title</h1>text", "Title\n\ntext\n", "heading");
	HTML("a<hr>b", "a\n------------------------------------------------------------\nb\n",
	     "rule");
	HTML("<html><head><title>T</title><style>p{x}</style></head>"
	     "<body><script>alert(1)</script>body</body></html>",
	     "body\n", "no title, style or script");
	HTML("<SCRIPT type=x>a</script >b<STYLE>c</STYLE>d", "bd\n", "case-insensitive raw tags");
	HTML("a<!-- <p>hidden</p> -->b", "ab\n", "comment");
	HTML("<!DOCTYPE html><?xml x?>a", "a\n", "doctype and PI");
	HTML("a <!-- never closed", "a\n", "unterminated comment dropped");
	HTML("a <b unterminated", "a\n", "unterminated tag dropped");
	HTML("1 < 2 and 3 <= 4 <3", "1 < 2 and 3 <= 4 <3\n", "stray <");
	HTML("<p>unclosed<div>x", "unclosed\nx\n", "unclosed tags");
	HTML("<o:p>x</o:p><foo bar=baz>y</foo>", "xy\n", "unknown tags ignored");
	HTML("<pre>\n  a  b\n\n c</pre>after", "  a  b\n\n c\n\nafter\n", "pre keeps space");
	HTML("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>",
	     "a  b\nc  d\n", "table rows");
	HTML("<td", "", "cut tag");
	HTML("<p>x</p>\xe9\x01\x1b[2J", "x\n\n\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd[2J\n",
	     "bad bytes and controls replaced");
}

static void test_lists(void)
{
	HTML("<ul><li>a</li><li>b</li></ul>", "* a\n* b\n", "bullets");
	HTML("<ol><li>a<li>b</ol>", "1. a\n2. b\n", "numbers, unclosed li");
	HTML("<ol start=\"5\"><li>a<li>b</ol>", "5. a\n6. b\n", "start");
	HTML("<ul><li>a<ul><li>b</li></ul></li><li>c</li></ul>", "* a\n  * b\n* c\n", "nested");
	HTML("text<ul><li>a</ul>more", "text\n\n* a\n\nmore\n", "list between text");
	HTML("<li>stray", "* stray\n", "li without list");
}

static void test_quotes(void)
{
	HTML("<p>reply</p><blockquote>quoted<br>two<blockquote>deeper</blockquote></blockquote>end",
	     "reply\n\n> quoted\n> two\n\n> > deeper\n\nend\n", "blockquote");
}

static void test_links(void)
{
	HTML("see <a href=\"https://a.example/x?a=1&amp;b=2\">this</a> and "
	     "<a href='https://b.example'>that</a>, <a href=https://a.example/x?a=1&b=2>again</a>",
	     "see this[1] and that[2], again[1]\n\n[1] https://a.example/x?a=1&b=2\n"
	     "[2] https://b.example\n", "footnotes, dedup, entities in URLs");
	HTML("<a href=\"https://x.example\">https://x.example</a>", "https://x.example\n",
	     "URL text gets no number");
	HTML("<a href=\"mailto:a@b.example\">a@b.example</a>", "a@b.example\n", "mailto text");
	HTML("<a href=\"#top\">top</a> <a href=\"javascript:x()\">js</a>", "top js\n",
	     "anchors and javascript not numbered");
	HTML_NOLINKS("<a href=\"https://x.example\">x</a>", "x\n", "footnotes off");
	HTML("<a href=\"https://x\">unclosed", "unclosed[1]\n\n[1] https://x\n",
	     "unclosed link");
	HTML("<a href=\"h\nt\ttp://x\">y</a>", "y[1]\n\n[1] http://x\n", "line breaks in URL");
	HTML("<img src=x alt=\"Logo &amp; co\"><img src=y alt=\"\">", "[Logo & co]\n",
	     "alt text");
}

static void test_entities(void)
{
	HTML("&lt;&gt;&amp;&quot;&apos;&nbsp;x", "<>&\"' x\n", "basic entities");
	HTML("&eacute;&euro;&mdash;&hellip;&copy;&alpha;&thetasym;", "\xc3\xa9\xe2\x82\xac"
	     "\xe2\x80\x94\xe2\x80\xa6\xc2\xa9\xce\xb1\xcf\x91\n", "named entities");
	HTML("&#233;&#xE9;&#X20AC;&#128;&#0;&#xD800;&#99999999;", "\xc3\xa9\xc3\xa9\xe2\x82\xac"
	     "\xe2\x82\xac\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\n", "numeric entities");
	HTML("&amp x &lt3 &nosuch; &; &#; &#x;", "& x &lt3 &nosuch; &; &#; &#x;\n",
	     "broken entities kept");
	HTML("&#1;&#27;&#x9f;", "\xef\xbf\xbd\xef\xbf\xbd\xc5\xb8\n", "control references");
}

/* Deeply nested and repetitive input stays linear. */
static void test_linear(void)
{
	struct buf in = BUF_INIT, out = BUF_INIT;
	clock_t t0, t1, t2;
	double small, big;

	for (int i = 0; i < 20000; i++)
		buf_puts(&in, "<ul><li><blockquote><a href=\"u\">x</a>&amp;<p>");
	t0 = clock();
	html_to_text(in.data, in.len / 10, NULL, &out);
	t1 = clock();
	buf_reset(&out);
	html_to_text(in.data, in.len, NULL, &out);
	t2 = clock();
	small = (double)(t1 - t0);
	big = (double)(t2 - t1);
	ok(big < 30 * (small + 1000), "10x input in about 10x time (%.0f vs %.0f)", big, small);
	buf_reset(&in);
	buf_puts(&in, "<a href=\"");
	for (int i = 0; i < 100000; i++)
		buf_puts(&in, "<script <!-- &#");
	buf_reset(&out);
	html_to_text(in.data, in.len, NULL, &out);
	ok(!out.failed, "unterminated everything");
	buf_free(&in);
	buf_free(&out);
}

int main(void)
{
	test_blocks();
	test_lists();
	test_quotes();
	test_links();
	test_entities();
	test_linear();
	return tap_done();
}
