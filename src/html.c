/* html.c - HTML mail as readable plain text: tokenizer, block layout,
 * lists, quotes, links as footnotes, entities. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "mime.h"

/* The HTML 4 entities (and &apos;), sorted by name for bsearch. */
struct entity {
	const char *name;
	unsigned cp;
};

static const struct entity entities[] = {
	{ "AElig", 0xc6 }, { "Aacute", 0xc1 }, { "Acirc", 0xc2 },
	{ "Agrave", 0xc0 }, { "Alpha", 0x391 }, { "Aring", 0xc5 },
	{ "Atilde", 0xc3 }, { "Auml", 0xc4 }, { "Beta", 0x392 }, { "Ccedil", 0xc7 },
	{ "Chi", 0x3a7 }, { "Dagger", 0x2021 }, { "Delta", 0x394 }, { "ETH", 0xd0 },
	{ "Eacute", 0xc9 }, { "Ecirc", 0xca }, { "Egrave", 0xc8 },
	{ "Epsilon", 0x395 }, { "Eta", 0x397 }, { "Euml", 0xcb },
	{ "Gamma", 0x393 }, { "Iacute", 0xcd }, { "Icirc", 0xce },
	{ "Igrave", 0xcc }, { "Iota", 0x399 }, { "Iuml", 0xcf }, { "Kappa", 0x39a },
	{ "Lambda", 0x39b }, { "Mu", 0x39c }, { "Ntilde", 0xd1 }, { "Nu", 0x39d },
	{ "OElig", 0x152 }, { "Oacute", 0xd3 }, { "Ocirc", 0xd4 },
	{ "Ograve", 0xd2 }, { "Omega", 0x3a9 }, { "Omicron", 0x39f },
	{ "Oslash", 0xd8 }, { "Otilde", 0xd5 }, { "Ouml", 0xd6 }, { "Phi", 0x3a6 },
	{ "Pi", 0x3a0 }, { "Prime", 0x2033 }, { "Psi", 0x3a8 }, { "Rho", 0x3a1 },
	{ "Scaron", 0x160 }, { "Sigma", 0x3a3 }, { "THORN", 0xde },
	{ "Tau", 0x3a4 }, { "Theta", 0x398 }, { "Uacute", 0xda }, { "Ucirc", 0xdb },
	{ "Ugrave", 0xd9 }, { "Upsilon", 0x3a5 }, { "Uuml", 0xdc }, { "Xi", 0x39e },
	{ "Yacute", 0xdd }, { "Yuml", 0x178 }, { "Zeta", 0x396 },
	{ "aacute", 0xe1 }, { "acirc", 0xe2 }, { "acute", 0xb4 }, { "aelig", 0xe6 },
	{ "agrave", 0xe0 }, { "alefsym", 0x2135 }, { "alpha", 0x3b1 },
	{ "amp", 0x26 }, { "and", 0x2227 }, { "ang", 0x2220 }, { "apos", 0x27 },
	{ "aring", 0xe5 }, { "asymp", 0x2248 }, { "atilde", 0xe3 },
	{ "auml", 0xe4 }, { "bdquo", 0x201e }, { "beta", 0x3b2 },
	{ "brvbar", 0xa6 }, { "bull", 0x2022 }, { "cap", 0x2229 },
	{ "ccedil", 0xe7 }, { "cedil", 0xb8 }, { "cent", 0xa2 }, { "chi", 0x3c7 },
	{ "circ", 0x2c6 }, { "clubs", 0x2663 }, { "cong", 0x2245 },
	{ "copy", 0xa9 }, { "crarr", 0x21b5 }, { "cup", 0x222a },
	{ "curren", 0xa4 }, { "dArr", 0x21d3 }, { "dagger", 0x2020 },
	{ "darr", 0x2193 }, { "deg", 0xb0 }, { "delta", 0x3b4 },
	{ "diams", 0x2666 }, { "divide", 0xf7 }, { "eacute", 0xe9 },
	{ "ecirc", 0xea }, { "egrave", 0xe8 }, { "empty", 0x2205 },
	{ "emsp", 0x2003 }, { "ensp", 0x2002 }, { "epsilon", 0x3b5 },
	{ "equiv", 0x2261 }, { "eta", 0x3b7 }, { "eth", 0xf0 }, { "euml", 0xeb },
	{ "euro", 0x20ac }, { "exist", 0x2203 }, { "fnof", 0x192 },
	{ "forall", 0x2200 }, { "frac12", 0xbd }, { "frac14", 0xbc },
	{ "frac34", 0xbe }, { "frasl", 0x2044 }, { "gamma", 0x3b3 },
	{ "ge", 0x2265 }, { "gt", 0x3e }, { "hArr", 0x21d4 }, { "harr", 0x2194 },
	{ "hearts", 0x2665 }, { "hellip", 0x2026 }, { "iacute", 0xed },
	{ "icirc", 0xee }, { "iexcl", 0xa1 }, { "igrave", 0xec },
	{ "image", 0x2111 }, { "infin", 0x221e }, { "int", 0x222b },
	{ "iota", 0x3b9 }, { "iquest", 0xbf }, { "isin", 0x2208 }, { "iuml", 0xef },
	{ "kappa", 0x3ba }, { "lArr", 0x21d0 }, { "lambda", 0x3bb },
	{ "lang", 0x2329 }, { "laquo", 0xab }, { "larr", 0x2190 },
	{ "lceil", 0x2308 }, { "ldquo", 0x201c }, { "le", 0x2264 },
	{ "lfloor", 0x230a }, { "lowast", 0x2217 }, { "loz", 0x25ca },
	{ "lrm", 0x200e }, { "lsaquo", 0x2039 }, { "lsquo", 0x2018 },
	{ "lt", 0x3c }, { "macr", 0xaf }, { "mdash", 0x2014 }, { "micro", 0xb5 },
	{ "middot", 0xb7 }, { "minus", 0x2212 }, { "mu", 0x3bc },
	{ "nabla", 0x2207 }, { "nbsp", 0xa0 }, { "ndash", 0x2013 },
	{ "ne", 0x2260 }, { "ni", 0x220b }, { "not", 0xac }, { "notin", 0x2209 },
	{ "nsub", 0x2284 }, { "ntilde", 0xf1 }, { "nu", 0x3bd }, { "oacute", 0xf3 },
	{ "ocirc", 0xf4 }, { "oelig", 0x153 }, { "ograve", 0xf2 },
	{ "oline", 0x203e }, { "omega", 0x3c9 }, { "omicron", 0x3bf },
	{ "oplus", 0x2295 }, { "or", 0x2228 }, { "ordf", 0xaa }, { "ordm", 0xba },
	{ "oslash", 0xf8 }, { "otilde", 0xf5 }, { "otimes", 0x2297 },
	{ "ouml", 0xf6 }, { "para", 0xb6 }, { "part", 0x2202 },
	{ "permil", 0x2030 }, { "perp", 0x22a5 }, { "phi", 0x3c6 }, { "pi", 0x3c0 },
	{ "piv", 0x3d6 }, { "plusmn", 0xb1 }, { "pound", 0xa3 },
	{ "prime", 0x2032 }, { "prod", 0x220f }, { "prop", 0x221d },
	{ "psi", 0x3c8 }, { "quot", 0x22 }, { "rArr", 0x21d2 }, { "radic", 0x221a },
	{ "rang", 0x232a }, { "raquo", 0xbb }, { "rarr", 0x2192 },
	{ "rceil", 0x2309 }, { "rdquo", 0x201d }, { "real", 0x211c },
	{ "reg", 0xae }, { "rfloor", 0x230b }, { "rho", 0x3c1 }, { "rlm", 0x200f },
	{ "rsaquo", 0x203a }, { "rsquo", 0x2019 }, { "sbquo", 0x201a },
	{ "scaron", 0x161 }, { "sdot", 0x22c5 }, { "sect", 0xa7 }, { "shy", 0xad },
	{ "sigma", 0x3c3 }, { "sigmaf", 0x3c2 }, { "sim", 0x223c },
	{ "spades", 0x2660 }, { "sub", 0x2282 }, { "sube", 0x2286 },
	{ "sum", 0x2211 }, { "sup", 0x2283 }, { "sup1", 0xb9 }, { "sup2", 0xb2 },
	{ "sup3", 0xb3 }, { "supe", 0x2287 }, { "szlig", 0xdf }, { "tau", 0x3c4 },
	{ "there4", 0x2234 }, { "theta", 0x3b8 }, { "thetasym", 0x3d1 },
	{ "thinsp", 0x2009 }, { "thorn", 0xfe }, { "tilde", 0x2dc },
	{ "times", 0xd7 }, { "trade", 0x2122 }, { "uArr", 0x21d1 },
	{ "uacute", 0xfa }, { "uarr", 0x2191 }, { "ucirc", 0xfb },
	{ "ugrave", 0xf9 }, { "uml", 0xa8 }, { "upsih", 0x3d2 },
	{ "upsilon", 0x3c5 }, { "uuml", 0xfc }, { "weierp", 0x2118 },
	{ "xi", 0x3be }, { "yacute", 0xfd }, { "yen", 0xa5 }, { "yuml", 0xff },
	{ "zeta", 0x3b6 }, { "zwj", 0x200d }, { "zwnj", 0x200c },
};

/* Code points 0x80-0x9f in numeric references mean windows-1252. */
static const unsigned short cp1252_c1[32] = {
	0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd,
	0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178,
};

#define ENTITY_NAME_MAX 8	/* "thetasym" */
#define TAG_NAME_MAX 16
#define MARKER_MAX 24

struct list_level {
	bool ordered;
	long counter;
};

struct conv {
	bool footnotes;
	struct buf *out;	/* raw text, cleaned at the end */
	int pending_break;	/* 0 none, 1 line break, 2 blank line */
	int trailing_nl;	/* line breaks at the end of out (max 2) */
	bool at_start;		/* nothing on the current line yet */
	bool any;		/* some text was written */
	bool pending_space;
	bool pending_cell;
	bool have_marker;
	char marker[MARKER_MAX];
	int bq;			/* blockquote depth */
	int pre;		/* <pre> depth */
	bool pre_skip_nl;	/* drop a line break right after <pre> */
	struct list_level list[HTML_MAX_DEPTH];
	int nlist;		/* levels in list[] */
	int list_extra;		/* levels beyond HTML_MAX_DEPTH */
	char *urls[HTML_MAX_LINKS];
	size_t nurls;
	char *link;		/* URL of the open <a>, or NULL */
	size_t link_start;	/* out->len when it opened */
	bool row_cell;		/* a cell was seen in this row */
};

static void put_utf8(struct buf *b, unsigned cp)
{
	char t[4];

	if (cp < 0x80) {
		t[0] = (char)cp;
		buf_append(b, t, 1);
	} else if (cp < 0x800) {
		t[0] = (char)(0xc0 | cp >> 6);
		t[1] = (char)(0x80 | (cp & 0x3f));
		buf_append(b, t, 2);
	} else if (cp < 0x10000) {
		t[0] = (char)(0xe0 | cp >> 12);
		t[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		t[2] = (char)(0x80 | (cp & 0x3f));
		buf_append(b, t, 3);
	} else {
		t[0] = (char)(0xf0 | cp >> 18);
		t[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		t[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		t[3] = (char)(0x80 | (cp & 0x3f));
		buf_append(b, t, 4);
	}
}

static int entity_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct entity *)elem)->name);
}

/* Decodes the character reference at s[i] == '&'.  Returns its length
 * (0 when it is none, and '&' is text) and the code point in *cp. */
static size_t entity(const char *s, size_t n, size_t i, unsigned *cp)
{
	size_t j = i + 1;

	if (j < n && s[j] == '#') {
		unsigned long v = 0;
		bool hex = false, digits = false;

		j++;
		if (j < n && (s[j] == 'x' || s[j] == 'X')) {
			hex = true;
			j++;
		}
		for (; j < n; j++) {
			int d = hex ? hex_value((unsigned char)s[j]) :
				(ascii_isdigit((unsigned char)s[j]) ? s[j] - '0' : -1);

			if (d < 0)
				break;
			digits = true;
			if (v <= 0x10ffff)
				v = v * (hex ? 16 : 10) + (unsigned long)d;
		}
		if (!digits)
			return 0;
		if (j < n && s[j] == ';')
			j++;
		if (v >= 0x80 && v <= 0x9f)
			v = cp1252_c1[v - 0x80];
		else if (v == 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
			v = 0xfffd;
		*cp = (unsigned)v;
		return j - i;
	} else {
		char name[ENTITY_NAME_MAX + 1];
		size_t k = 0;
		const struct entity *e;

		while (j < n && k < ENTITY_NAME_MAX && ascii_isalnum((unsigned char)s[j]))
			name[k++] = s[j++];
		name[k] = '\0';
		if (k == 0)
			return 0;
		if (j < n && s[j] == ';') {
			e = bsearch(name, entities, ARRAY_LEN(entities), sizeof entities[0],
				    entity_cmp);
			if (e == NULL)
				return 0;
			*cp = e->cp;
			return j + 1 - i;
		}
		/* The common ones also work without ';'. */
		if (j < n && ascii_isalnum((unsigned char)s[j]))
			return 0;
		if (strcmp(name, "amp") == 0)
			*cp = '&';
		else if (strcmp(name, "lt") == 0)
			*cp = '<';
		else if (strcmp(name, "gt") == 0)
			*cp = '>';
		else if (strcmp(name, "quot") == 0)
			*cp = '"';
		else if (strcmp(name, "nbsp") == 0)
			*cp = 0xa0;
		else
			return 0;
		return j - i;
	}
}

/* ---- output ---- */

static void raw_out(struct conv *c, const char *s, size_t n)
{
	buf_append(c->out, s, n);
	if (n > 0) {
		c->trailing_nl = 0;
		c->at_start = false;
	}
}

static void newline(struct conv *c)
{
	buf_putc(c->out, '\n');
	if (c->trailing_nl < 2)
		c->trailing_nl++;
	c->at_start = true;
}

static void request_break(struct conv *c, int k)
{
	if (k > c->pending_break)
		c->pending_break = k;
}

/* Everything that must come before visible text: line breaks, the quote
 * prefix, list indentation and marker, the space or cell gap. */
static void begin_text(struct conv *c)
{
	if (c->any) {
		while (c->trailing_nl < c->pending_break)
			newline(c);
	}
	c->pending_break = 0;
	if (c->at_start) {
		int indent = c->nlist;

		for (int i = 0; i < c->bq && i < HTML_MAX_DEPTH; i++)
			raw_out(c, "> ", 2);
		if (c->have_marker && indent > 0)
			indent--;
		for (int i = 0; i < indent; i++)
			raw_out(c, "  ", 2);
		if (c->have_marker)
			raw_out(c, c->marker, strlen(c->marker));
		c->have_marker = false;
		c->pending_space = false;
		c->pending_cell = false;
		c->at_start = false;
	} else if (c->pending_cell) {
		raw_out(c, "  ", 2);
	} else if (c->pending_space) {
		raw_out(c, " ", 1);
	}
	c->pending_space = false;
	c->pending_cell = false;
	c->any = true;
}

static void text_char(struct conv *c, unsigned cp, const char *bytes, size_t n)
{
	if (c->pre > 0) {
		if (cp == '\n') {
			if (c->pre_skip_nl) {
				c->pre_skip_nl = false;
				return;
			}
			if (c->any) {
				while (c->trailing_nl < c->pending_break)
					newline(c);
				c->pending_break = 0;
				newline(c);
			}
			return;
		}
		c->pre_skip_nl = false;
		if (cp == '\r')
			return;
		c->pending_space = false;
		begin_text(c);
	} else if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' ||
		   cp == 0xa0) {
		c->pending_space = true;
		return;
	} else {
		begin_text(c);
	}
	if (bytes != NULL)
		raw_out(c, bytes, n);
	else
		put_utf8(c->out, cp);
	c->trailing_nl = 0;
}

/* ---- links ---- */

static bool url_numbered(const char *url)
{
	return url[0] != '\0' && url[0] != '#' &&
	       ascii_strncasecmp(url, "javascript:", 11) != 0;
}

static void link_close(struct conv *c)
{
	const char *text, *url = c->link;
	size_t tl, k;

	if (url == NULL)
		return;
	c->link = NULL;
	text = buf_cstr(c->out) + c->link_start;
	tl = c->out->len - c->link_start;
	while (tl > 0 && (*text == ' ' || *text == '\n')) {
		text++;
		tl--;
	}
	while (tl > 0 && (text[tl - 1] == ' ' || text[tl - 1] == '\n'))
		tl--;
	if ((tl == strlen(url) && memcmp(text, url, tl) == 0) ||
	    (ascii_strncasecmp(url, "mailto:", 7) == 0 && tl == strlen(url + 7) &&
	     memcmp(text, url + 7, tl) == 0)) {
		free((char *)url);
		return;
	}
	for (k = 0; k < c->nurls; k++)
		if (strcmp(c->urls[k], url) == 0)
			break;
	if (k == c->nurls) {
		if (c->nurls == HTML_MAX_LINKS) {
			free((char *)url);
			return;
		}
		c->urls[c->nurls++] = (char *)url;
	} else {
		free((char *)url);
	}
	{
		char tag[32];
		int len = snprintf(tag, sizeof tag, "[%zu]", k + 1);

		c->pending_space = false;
		begin_text(c);
		raw_out(c, tag, (size_t)len);
	}
}

/* ---- tags ---- */

struct attr {
	const char *v;
	size_t len;
	bool found;
};

/* Appends an attribute value with its character references decoded. */
static char *attr_text(const struct attr *a, size_t max)
{
	struct buf b = BUF_INIT;
	size_t i = 0, n = a->len < max ? a->len : max;

	while (i < n) {
		unsigned cp;
		size_t len;

		if (a->v[i] == '&' && (len = entity(a->v, n, i, &cp)) > 0) {
			put_utf8(&b, cp);
			i += len;
		} else if (a->v[i] == '\n' || a->v[i] == '\r' || a->v[i] == '\t') {
			i++;	/* browsers drop these from URLs too */
		} else {
			buf_putc(&b, a->v[i]);
			i++;
		}
	}
	return buf_steal(&b, NULL);
}

static bool name_in(const char *name, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(name, *list) == 0)
			return true;
	return false;
}

static const char *const para_tags[] = {
	"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "dl", "address",
	"figure", "fieldset", "form", "center", NULL
};
static const char *const line_tags[] = {
	"div", "tr", "dt", "dd", "section", "article", "header", "footer",
	"nav", "aside", "main", "caption", "tbody", "thead", "tfoot", "title",
	"body", "html", "option", "legend", "figcaption", "details", "summary",
	NULL
};
static const char *const skip_tags[] = {
	"script", "style", "title", "template", "svg", NULL
};

static void list_open(struct conv *c, bool ordered, long start)
{
	request_break(c, c->nlist == 0 ? 2 : 1);
	if (c->nlist < HTML_MAX_DEPTH) {
		c->list[c->nlist].ordered = ordered;
		c->list[c->nlist].counter = start - 1;
		c->nlist++;
	} else {
		c->list_extra++;
	}
}

static void list_close(struct conv *c)
{
	if (c->list_extra > 0)
		c->list_extra--;
	else if (c->nlist > 0)
		c->nlist--;
	request_break(c, c->nlist == 0 ? 2 : 1);
	c->have_marker = false;
}

static void list_item(struct conv *c)
{
	struct list_level *l;

	request_break(c, 1);
	if (c->nlist == 0) {
		snprintf(c->marker, sizeof c->marker, "* ");
	} else {
		l = &c->list[c->nlist - 1];
		if (l->ordered) {
			if (l->counter < 999999999)
				l->counter++;
			snprintf(c->marker, sizeof c->marker, "%ld. ", l->counter);
		} else {
			snprintf(c->marker, sizeof c->marker, "* ");
		}
	}
	c->have_marker = true;
	/* The marker goes out with the next text, on a new line. */
	if (!c->at_start || !c->any)
		request_break(c, 1);
}

static void tag(struct conv *c, const char *name, bool closing,
		const struct attr *href, const struct attr *alt, const struct attr *start)
{
	if (name_in(name, para_tags)) {
		request_break(c, 2);
		if (strcmp(name, "table") == 0)
			c->row_cell = false;
		return;
	}
	if (name_in(name, line_tags)) {
		request_break(c, 1);
		if (strcmp(name, "tr") == 0)
			c->row_cell = false;
		return;
	}
	if (strcmp(name, "br") == 0) {
		/* Ends the current line; a second one leaves a blank line. */
		int have = c->pending_break > c->trailing_nl ? c->pending_break : c->trailing_nl;

		c->pending_break = have >= 2 ? 2 : have + 1;
		return;
	}
	if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0) {
		if (!closing) {
			if (c->row_cell)
				c->pending_cell = true;
			c->row_cell = true;
		}
		return;
	}
	if (strcmp(name, "hr") == 0) {
		request_break(c, 1);
		c->pending_space = false;
		begin_text(c);
		raw_out(c, "------------------------------------------------------------", 60);
		request_break(c, 1);
		return;
	}
	if (strcmp(name, "blockquote") == 0) {
		request_break(c, 2);
		if (!closing)
			c->bq++;
		else if (c->bq > 0)
			c->bq--;
		return;
	}
	if (strcmp(name, "pre") == 0 || strcmp(name, "xmp") == 0 ||
	    strcmp(name, "listing") == 0 || strcmp(name, "plaintext") == 0) {
		request_break(c, 2);
		if (!closing) {
			c->pre++;
			c->pre_skip_nl = true;
		} else if (c->pre > 0) {
			c->pre--;
		}
		return;
	}
	if (strcmp(name, "ul") == 0 || strcmp(name, "ol") == 0 || strcmp(name, "menu") == 0 ||
	    strcmp(name, "dir") == 0) {
		if (!closing) {
			long st = 1;

			if (start != NULL && start->found && start->len > 0 && start->len < 10 &&
			    ascii_isdigit((unsigned char)start->v[0]))
				st = strtol(start->v, NULL, 10);
			list_open(c, name[0] == 'o', st);
		} else {
			list_close(c);
		}
		return;
	}
	if (strcmp(name, "li") == 0) {
		if (!closing)
			list_item(c);
		else
			request_break(c, 1);
		return;
	}
	if (strcmp(name, "a") == 0) {
		link_close(c);
		if (!closing && c->footnotes && href != NULL && href->found) {
			char *url = attr_text(href, HTML_URL_MAX);

			str_trim(url);
			if (url_numbered(url)) {
				c->link = url;
				c->link_start = c->out->len;
			} else {
				free(url);
			}
		}
		return;
	}
	if (strcmp(name, "img") == 0 && alt != NULL && alt->found && alt->len > 0) {
		char *t = attr_text(alt, 1024);

		str_trim(t);
		if (t[0] != '\0') {
			text_char(c, '[', NULL, 0);
			for (size_t i = 0; t[i] != '\0'; i++)
				text_char(c, (unsigned char)t[i] < 0x80 ? (unsigned char)t[i] : 0x100,
					  t + i, 1);
			text_char(c, ']', NULL, 0);
		}
		free(t);
	}
}

/* Skips to the end of the element `name` (raw text: script, style...);
 * returns the offset after its closing tag, or n. */
static size_t skip_raw(const char *s, size_t n, size_t i, const char *name)
{
	size_t nl = strlen(name);

	while (i < n) {
		const char *lt = memchr(s + i, '<', n - i);

		if (lt == NULL)
			return n;
		i = (size_t)(lt - s);
		if (i + 2 + nl <= n && s[i + 1] == '/' &&
		    ascii_strncasecmp(s + i + 2, name, nl) == 0 &&
		    (i + 2 + nl == n || !ascii_isalnum((unsigned char)s[i + 2 + nl]))) {
			const char *gt = memchr(s + i, '>', n - i);

			return gt ? (size_t)(gt - s) + 1 : n;
		}
		i++;
	}
	return n;
}

/* Parses the tag at s[i] == '<' (s[i + 1] is a letter or '/').  Returns
 * the offset after it, or n when it is unterminated. */
static size_t parse_tag(struct conv *c, const char *s, size_t n, size_t i)
{
	char name[TAG_NAME_MAX + 1];
	size_t k = 0;
	bool closing = false, self_closing = false;
	struct attr href = { NULL, 0, false }, alt = href, start = href;

	i++;
	if (s[i] == '/') {
		closing = true;
		i++;
	}
	while (i < n && (ascii_isalnum((unsigned char)s[i]) || s[i] == ':' || s[i] == '-')) {
		if (k < TAG_NAME_MAX)
			name[k++] = (char)ascii_tolower((unsigned char)s[i]);
		i++;
	}
	name[k] = '\0';
	/* Attributes. */
	for (;;) {
		size_t an, ae;
		struct attr *want = NULL;

		while (i < n && (ascii_isspace((unsigned char)s[i]) || s[i] == '/')) {
			self_closing = s[i] == '/';
			i++;
		}
		if (i >= n)
			return n;
		if (s[i] == '>') {
			i++;
			break;
		}
		self_closing = false;
		an = i;
		while (i < n && !ascii_isspace((unsigned char)s[i]) && s[i] != '=' &&
		       s[i] != '>' && s[i] != '/')
			i++;
		if (i == an)
			i++;	/* a stray '=' */
		ae = i;
		if (ae - an == 4 && ascii_strncasecmp(s + an, "href", 4) == 0)
			want = &href;
		else if (ae - an == 3 && ascii_strncasecmp(s + an, "alt", 3) == 0)
			want = &alt;
		else if (ae - an == 5 && ascii_strncasecmp(s + an, "start", 5) == 0)
			want = &start;
		while (i < n && ascii_isspace((unsigned char)s[i]))
			i++;
		if (i < n && s[i] == '=') {
			size_t vs, ve;

			i++;
			while (i < n && ascii_isspace((unsigned char)s[i]))
				i++;
			if (i < n && (s[i] == '"' || s[i] == '\'')) {
				const char *q = memchr(s + i + 1, s[i], n - i - 1);

				if (q == NULL)
					return n;
				vs = i + 1;
				ve = (size_t)(q - s);
				i = ve + 1;
			} else {
				vs = i;
				while (i < n && !ascii_isspace((unsigned char)s[i]) && s[i] != '>')
					i++;
				ve = i;
			}
			if (want != NULL && !want->found) {
				want->v = s + vs;
				want->len = ve - vs;
				want->found = true;
			}
		}
	}
	if (closing)
		;
	else if (name_in(name, skip_tags) && !self_closing)
		return skip_raw(s, n, i, name);
	tag(c, name, closing, &href, &alt, &start);
	return i;
}

/* Skips a comment, doctype, CDATA or processing instruction at s[i]. */
static size_t skip_markup(const char *s, size_t n, size_t i)
{
	if (i + 4 <= n && memcmp(s + i, "<!--", 4) == 0) {
		const char *e = memmem(s + i + 4, n - i - 4, "-->", 3);

		return e ? (size_t)(e - s) + 3 : n;
	}
	if (i + 9 <= n && memcmp(s + i, "<![CDATA[", 9) == 0) {
		const char *e = memmem(s + i + 9, n - i - 9, "]]>", 3);

		return e ? (size_t)(e - s) + 3 : n;
	}
	{
		const char *gt = memchr(s + i, '>', n - i);

		return gt ? (size_t)(gt - s) + 1 : n;
	}
}

void html_to_text(const char *s, size_t n, const struct html_options *o,
		  struct buf *out)
{
	struct conv c;
	struct buf raw = BUF_INIT;
	size_t i = 0;

	memset(&c, 0, sizeof c);
	c.footnotes = o == NULL || o->footnotes;
	c.out = &raw;
	c.at_start = true;
	while (i < n) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '<' && i + 1 < n) {
			unsigned char nx = (unsigned char)s[i + 1];

			if (ascii_isalpha(nx) ||
			    (nx == '/' && i + 2 < n && ascii_isalpha((unsigned char)s[i + 2]))) {
				i = parse_tag(&c, s, n, i);
				continue;
			}
			if (nx == '!' || nx == '?' || nx == '/') {
				i = skip_markup(s, n, i);
				continue;
			}
		}
		if (ch == '&') {
			unsigned cp;
			size_t len = entity(s, n, i, &cp);

			if (len > 0) {
				text_char(&c, cp, NULL, 0);
				i += len;
				continue;
			}
		}
		if (ch < 0x80) {
			text_char(&c, ch, s + i, 1);
			i++;
		} else {
			/* A whole UTF-8 sequence (or one bad byte) at a time. */
			size_t len = charset_utf8_seq((const unsigned char *)s + i, n - i);

			if (len == 0)
				len = 1;
			if (len == 2 && ch == 0xc2 && (unsigned char)s[i + 1] == 0xa0)
				text_char(&c, 0xa0, NULL, 0);
			else
				text_char(&c, 0x100, s + i, len);
			i += len;
		}
	}
	link_close(&c);
	if (c.nurls > 0) {
		c.pending_break = 2;
		for (size_t k = 0; k < c.nurls; k++) {
			char tag_no[32];
			int len = snprintf(tag_no, sizeof tag_no, "[%zu] ", k + 1);

			c.pending_space = false;
			c.bq = 0;
			c.nlist = 0;
			c.have_marker = false;
			begin_text(&c);
			raw_out(&c, tag_no, (size_t)len);
			raw_out(&c, c.urls[k], strlen(c.urls[k]));
			request_break(&c, 1);
			free(c.urls[k]);
		}
	}
	if (c.any && c.trailing_nl == 0)
		newline(&c);
	mime_clean_text(out, raw.data ? raw.data : "", raw.len);
	buf_free(&raw);
}
