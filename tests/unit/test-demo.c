/* test-demo.c - the `petrel --demo` mail generator: determinism, counts,
 * well-formed headers and threads, decodable MIME parts, charset coverage.
 *
 * The checks use a deliberately small MIME walker of their own, so they
 * test the generator's output against the RFCs rather than against
 * Petrel's parser. */
#include "config.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "demo.h"
#include "util.h"
#include "../tap.h"

/* ---- tiny decoders ---- */

/* Strict base64: only the alphabet, line breaks, and '=' padding at the
 * very end; a length that is a multiple of four. */
static bool base64_decode(const char *s, size_t n, struct buf *out)
{
	uint32_t acc = 0;
	size_t chars = 0, pad = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int v;

		if (c == '\n')
			continue;
		if (c == '=') {
			pad++;
			chars++;
			continue;
		}
		if (pad > 0)
			return false;
		if (c >= 'A' && c <= 'Z') v = c - 'A';
		else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
		else if (c >= '0' && c <= '9') v = c - '0' + 52;
		else if (c == '+') v = 62;
		else if (c == '/') v = 63;
		else return false;
		acc = acc << 6 | (uint32_t)v;
		if (++chars % 4 == 0) {
			char b[3] = { (char)(acc >> 16), (char)(acc >> 8), (char)acc };

			buf_append(out, b, 3);
			acc = 0;
		}
	}
	if (chars % 4 != 0 || pad > 2)
		return false;
	if (pad > 0) {
		char b[2] = { (char)(acc << (6 * pad) >> 16), (char)(acc << (6 * pad) >> 8) };

		buf_append(out, b, 3 - pad);
	}
	return true;
}

static bool qp_decode(const char *s, size_t n, struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '=') {
			buf_putc(out, s[i]);
		} else if (i + 1 < n && s[i + 1] == '\n') {
			i++;
		} else if (i + 2 < n && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
			buf_putc(out, (char)(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
			i += 2;
		} else {
			return false;
		}
	}
	return true;
}

/* True when the bytes convert from charset to UTF-8 without a failure,
 * with the mislabel fallbacks of SPEC section 8. */
static bool charset_ok(const char *charset, const char *s, size_t n)
{
	const char *cs = charset;
	iconv_t cd;
	char out[4096], *in = (char *)s, *o;
	size_t inleft = n, outleft;
	bool good = true;

	if (ascii_strcasecmp(cs, "gb2312") == 0)
		cs = "GB18030";
	else if (ascii_strcasecmp(cs, "iso-8859-1") == 0)
		cs = "WINDOWS-1252";
	cd = iconv_open("UTF-8", cs);
	if (cd == (iconv_t)-1)
		return false;
	while (inleft > 0) {
		o = out;
		outleft = sizeof out;
		if (iconv(cd, &in, &inleft, &o, &outleft) == (size_t)-1 && errno != E2BIG) {
			good = false;
			break;
		}
	}
	iconv_close(cd);
	return good;
}

/* ---- a small MIME walker ---- */

/* The unfolded value of the first `name` header in the n header bytes at
 * p, allocated, or NULL. */
static char *get_header(const char *p, size_t n, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < n; ) {
		size_t e = i;

		while (e < n && p[e] != '\n')
			e++;
		if (e - i > len && p[i + len] == ':' && ascii_strncasecmp(p + i, name, len) == 0) {
			struct buf v = BUF_INIT;

			buf_append(&v, p + i + len + 1, e - i - len - 1);
			while (e + 1 < n && (p[e + 1] == ' ' || p[e + 1] == '\t')) {
				size_t f = e + 1;

				while (f < n && p[f] != '\n')
					f++;
				buf_append(&v, p + e + 1, f - e - 1);
				e = f;
			}
			return str_trim(buf_steal(&v, NULL));
		}
		i = e + 1;
	}
	return NULL;
}

/* A parameter of a structured header value, unquoted, allocated, or NULL. */
static char *get_param(const char *v, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = strchr(v, ';'); p != NULL; p = strchr(p + 1, ';')) {
		const char *q = p + 1;

		while (*q == ' ' || *q == '\t')
			q++;
		if (ascii_strncasecmp(q, name, len) == 0 && q[len] == '=') {
			q += len + 1;
			if (*q == '"')
				return xstrndup(q + 1, strcspn(q + 1, "\""));
			return xstrndup(q, strcspn(q, "; \t"));
		}
	}
	return NULL;
}

struct stats {
	unsigned parts, bad_b64, bad_qp, bad_text, bad_png, bad_pdf;
	unsigned flowed, html, alternative, attachments, rfc2231, deep_quote;
	char labels[32][24];
	unsigned nlabels;
};

static void add_label(struct stats *st, const char *cs)
{
	char low[24];

	snprintf(low, sizeof low, "%s", cs);
	str_lower(low);
	for (unsigned i = 0; i < st->nlabels; i++)
		if (strcmp(st->labels[i], low) == 0)
			return;
	if (st->nlabels < ARRAY_LEN(st->labels))
		memcpy(st->labels[st->nlabels++], low, sizeof low);
}

static void walk(const char *p, size_t n, int depth, struct stats *st)
{
	const char *end = NULL;
	size_t hlen;
	char *ct, *cte, *disp;
	struct buf body = BUF_INIT;

	for (size_t i = 0; i + 1 < n; i++)
		if (p[i] == '\n' && p[i + 1] == '\n') {
			end = p + i + 2;
			break;
		}
	if (n > 0 && p[0] == '\n')
		end = p + 1;
	if (end == NULL || depth > 5)
		return;
	hlen = (size_t)(end - p);
	ct = get_header(p, hlen, "Content-Type");
	cte = get_header(p, hlen, "Content-Transfer-Encoding");
	disp = get_header(p, hlen, "Content-Disposition");
	if (ct == NULL)
		ct = xstrdup("text/plain");
	if (cte == NULL)
		cte = xstrdup("7bit");
	if (disp != NULL && strstr(disp, "filename*") != NULL)
		st->rfc2231++;
	if (ascii_strncasecmp(ct, "multipart/", 10) == 0) {
		char *b = get_param(ct, "boundary");
		char *delim = xasprintf("\n--%s", b != NULL ? b : "?");
		size_t dlen = strlen(delim);
		const char *q = end - 1, *next;

		if (ascii_strncasecmp(ct, "multipart/alternative", 21) == 0)
			st->alternative++;
		q = strstr(q, delim);
		while (q != NULL && q < p + n && strncmp(q + dlen, "--", 2) != 0) {
			const char *start = q + dlen + 1;

			next = strstr(start - 1, delim);
			if (next == NULL)
				break;
			walk(start, (size_t)(next - start), depth + 1, st);
			q = next;
		}
		free(b);
		free(delim);
	} else {
		const char *raw = end;
		size_t rlen = n - hlen;

		st->parts++;
		if (ascii_strcasecmp(cte, "base64") == 0) {
			if (!base64_decode(raw, rlen, &body))
				st->bad_b64++;
		} else if (ascii_strcasecmp(cte, "quoted-printable") == 0) {
			if (!qp_decode(raw, rlen, &body))
				st->bad_qp++;
		} else {
			buf_append(&body, raw, rlen);
		}
		if (ascii_strncasecmp(ct, "text/", 5) == 0) {
			char *cs = get_param(ct, "charset"), *f = get_param(ct, "format");

			if (cs != NULL)
				add_label(st, cs);
			if (!charset_ok(cs != NULL ? cs : "us-ascii", body.data ? body.data : "", body.len))
				st->bad_text++;
			if (f != NULL && ascii_strcasecmp(f, "flowed") == 0)
				st->flowed++;
			if (ascii_strncasecmp(ct, "text/html", 9) == 0)
				st->html++;
			if (strstr(buf_cstr(&body), "\n> > > ") != NULL || strstr(buf_cstr(&body), "\n>>> ") != NULL)
				st->deep_quote++;
			free(cs);
			free(f);
		} else if (ascii_strncasecmp(ct, "image/png", 9) == 0) {
			st->attachments++;
			if (body.len < 60 || memcmp(body.data, "\x89PNG\r\n\x1a\n", 8) != 0 ||
			    memcmp(body.data + body.len - 8, "IEND", 4) != 0)
				st->bad_png++;
		} else if (ascii_strncasecmp(ct, "application/pdf", 15) == 0) {
			st->attachments++;
			if (body.len < 60 || memcmp(body.data, "%PDF-", 5) != 0 ||
			    strstr(body.data, "%%EOF") == NULL)
				st->bad_pdf++;
		}
	}
	buf_free(&body);
	free(ct);
	free(cte);
	free(disp);
}

/* Checks every RFC 2047 word in a header block; returns how many are bad. */
static unsigned check_words(const char *h, size_t n, unsigned *count)
{
	unsigned bad = 0;
	const char *end = h + n;

	for (const char *p = h; p < end && (p = strstr(p, "=?")) != NULL && p < end; ) {
		const char *cs = p + 2, *q1 = strchr(cs, '?'), *text, *q3;
		char charset[32];
		struct buf out = BUF_INIT;
		bool good;

		if (q1 == NULL || q1[1] == '\0' || q1[2] != '?') {
			p += 2;
			continue;
		}
		text = q1 + 3;
		q3 = strstr(text, "?=");
		if (q3 == NULL || q3 > end) {
			bad++;
			break;
		}
		(*count)++;
		snprintf(charset, sizeof charset, "%.*s", (int)(q1 - cs), cs);
		if (q1[1] == 'B' || q1[1] == 'b') {
			good = base64_decode(text, (size_t)(q3 - text), &out);
		} else {
			for (const char *t = text; t < q3; t++) {
				if (*t == '_')
					buf_putc(&out, ' ');
				else if (*t == '=' && t + 2 < q3 && hex_value(t[1]) >= 0 && hex_value(t[2]) >= 0)
					buf_putc(&out, (char)(hex_value(t[1]) * 16 + hex_value(t[2]))), t += 2;
				else
					buf_putc(&out, *t);
			}
			good = true;
		}
		if (!good || q3 + 2 - p > 75 || memchr(p, ' ', (size_t)(q3 - p)) != NULL ||
		    !charset_ok(charset, out.data ? out.data : "", out.len))
			bad++;
		buf_free(&out);
		p = q3 + 2;
	}
	return bad;
}

/* ---- the tests ---- */

struct msg_copy {
	char *data;
	size_t len;
	unsigned flags;
	int64_t date;
};

static size_t collect(uint32_t seed, size_t count, int64_t now, struct msg_copy **out)
{
	struct demo_gen *g = demo_gen_new(seed, count);
	struct demo_msg m;
	size_t n = 0, cap = 0;

	if (now != 0)
		demo_gen_set_now(g, now);
	*out = NULL;
	while (demo_gen_next(g, &m)) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			*out = xreallocarray(*out, cap, sizeof **out);
		}
		(*out)[n].data = xstrndup(m.data, m.len);
		(*out)[n].len = m.len;
		(*out)[n].flags = m.flags;
		(*out)[n].date = m.date;
		n++;
	}
	demo_gen_free(&g);
	ok(g == NULL, "demo_gen_free clears the pointer");
	return n;
}

static void free_msgs(struct msg_copy *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].data);
	free(v);
}

static void test_determinism(void)
{
	struct msg_copy *a, *b, *c;
	size_t na = collect(42, 0, 0, &a), nb = collect(42, 0, 0, &b), nc = collect(43, 0, 0, &c);
	size_t same = 0, diff = 0;

	is_int(na, DEMO_DEFAULT_COUNT, "count 0 gives the default count");
	is_int(nb, na, "same seed, same count");
	for (size_t i = 0; i < na && i < nb; i++)
		if (a[i].len == b[i].len && memcmp(a[i].data, b[i].data, a[i].len) == 0 &&
		    a[i].flags == b[i].flags && a[i].date == b[i].date)
			same++;
	is_int(same, na, "same seed gives the same bytes, flags and dates");
	for (size_t i = 0; i < na && i < nc; i++)
		if (a[i].len != c[i].len || memcmp(a[i].data, c[i].data, a[i].len) != 0)
			diff++;
	ok(diff > na / 2, "another seed gives other messages (%zu of %zu differ)", diff, na);
	free_msgs(a, na);
	free_msgs(b, nb);
	free_msgs(c, nc);
}

static void test_counts(void)
{
	static const size_t counts[] = { 1, 2, 7, 1000 };
	struct demo_gen *g;
	struct demo_msg m;

	for (size_t k = 0; k < ARRAY_LEN(counts); k++) {
		size_t n = 0;

		g = demo_gen_new(7, counts[k]);
		while (demo_gen_next(g, &m))
			n++;
		is_int(n, counts[k], "count %zu honoured", counts[k]);
		ok(!demo_gen_next(g, &m), "stays finished after %zu", counts[k]);
		demo_gen_free(&g);
	}
	demo_gen_free(&g);
	demo_gen_free(NULL);
	ok(1, "freeing NULL is fine");
}

static void test_now(void)
{
	struct msg_copy *a, *b;
	int64_t now = INT64_C(1900000000);
	size_t na = collect(5, 50, 0, &a), nb = collect(5, 50, now, &b);
	size_t shifted = 0, in_range = 0;

	for (size_t i = 0; i < na && i < nb; i++) {
		shifted += b[i].date - a[i].date == now - DEMO_DEFAULT_NOW;
		in_range += b[i].date <= now && b[i].date > now - 2 * 366 * 86400;
	}
	is_int(shifted, na, "demo_gen_set_now shifts every date");
	is_int(in_range, nb, "dates fall in the two years before now");
	free_msgs(a, na);
	free_msgs(b, nb);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool known_id(char **ids, size_t n, const char *id)
{
	return bsearch(&id, ids, n, sizeof *ids, cmp_str) != NULL;
}

static void test_corpus(uint32_t seed)
{
	struct msg_copy *v;
	size_t n = collect(seed, 0, 0, &v);
	char **ids = xcalloc(n, sizeof *ids), **seen_ids = xcalloc(n, sizeof *seen_ids);
	unsigned missing_hdr = 0, long_hdr = 0, long_body = 0, bad_bytes = 0, dup = 0;
	unsigned bad_irt = 0, bad_refs = 0, irt_only = 0, refs_only = 0, early = 0;
	unsigned words = 0, bad_words = 0, flags_or = 0, bad_flags = 0, unseen = 0;
	unsigned html_only = 0, lists = 0;
	struct stats st;
	static const char *const need[] = {
		"utf-8", "iso-8859-1", "iso-8859-15", "windows-1252", "koi8-r",
		"iso-2022-jp", "shift_jis", "gb2312", "big5", "euc-kr",
	};

	memset(&st, 0, sizeof st);
	for (size_t i = 0; i < n; i++) {
		const char *d = v[i].data;
		size_t hlen = strstr(d, "\n\n") ? (size_t)(strstr(d, "\n\n") - d) + 1 : v[i].len;

		ids[i] = get_header(d, hlen, "Message-ID");
		if (ids[i] == NULL)
			ids[i] = xasprintf("(none %zu)", i);
	}
	qsort(ids, n, sizeof *ids, cmp_str);
	for (size_t i = 1; i < n; i++)
		dup += strcmp(ids[i - 1], ids[i]) == 0;

	for (size_t i = 0; i < n; i++) {
		const char *d = v[i].data, *line = d;
		size_t hlen = strstr(d, "\n\n") ? (size_t)(strstr(d, "\n\n") - d) + 1 : v[i].len;
		static const char *const mandatory[] = { "Date", "From", "To", "Subject", "Message-ID", "MIME-Version" };
		char *irt = get_header(d, hlen, "In-Reply-To"), *refs = get_header(d, hlen, "References");
		char *ct = get_header(d, hlen, "Content-Type");

		for (size_t k = 0; k < ARRAY_LEN(mandatory); k++) {
			char *h = get_header(d, hlen, mandatory[k]);

			missing_hdr += h == NULL || *h == '\0';
			free(h);
		}
		for (const char *e; (e = memchr(line, '\n', v[i].len - (size_t)(line - d))) != NULL; line = e + 1) {
			if ((size_t)(e - line) > 998)
				*(line < d + hlen ? &long_hdr : &long_body) += 1;
		}
		bad_bytes += memchr(d, '\r', v[i].len) != NULL || memchr(d, '\0', v[i].len) != NULL;
		if (irt != NULL) {
			if (!known_id(ids, n, irt))
				bad_irt++;
			if (refs != NULL && (strlen(refs) < strlen(irt) ||
					     strcmp(refs + strlen(refs) - strlen(irt), irt) != 0))
				bad_refs++;
			irt_only += refs == NULL;
			/* a reply that arrives before its parent */
			early += bsearch(&irt, seen_ids, i, sizeof *seen_ids, cmp_str) == NULL;
		} else if (refs != NULL) {
			refs_only++;
		}
		if (refs != NULL) {
			/* every id but the first (a root that may never arrive) is ours */
			char *save = NULL, *tok = strtok_r(refs, " \t", &save);

			tok = strtok_r(NULL, " \t", &save);
			for (; tok != NULL; tok = strtok_r(NULL, " \t", &save))
				bad_refs += !known_id(ids, n, tok);
		}
		seen_ids[i] = get_header(d, hlen, "Message-ID");
		if (seen_ids[i] == NULL)
			seen_ids[i] = xstrdup("");
		for (size_t k = i; k > 0 && strcmp(seen_ids[k - 1], seen_ids[k]) > 0; k--) {
			char *t = seen_ids[k];

			seen_ids[k] = seen_ids[k - 1];
			seen_ids[k - 1] = t;
		}
		bad_words += check_words(d, hlen, &words);
		html_only += ct != NULL && ascii_strncasecmp(ct, "text/html", 9) == 0;
		lists += strstr(d, "\nList-Id: ") != NULL && strstr(d, "\nList-Id: ") < d + hlen;
		walk(d, v[i].len, 0, &st);
		flags_or |= v[i].flags;
		bad_flags += v[i].flags > 31;
		unseen += !(v[i].flags & DEMO_SEEN);
		free(irt);
		free(refs);
		free(ct);
	}

	diag("seed %u: %zu messages, %u parts, %u encoded words, %u labels", seed, n, st.parts, words, st.nlabels);
	is_int(missing_hdr, 0, "seed %u: every message has Date, From, To, Subject, Message-ID, MIME-Version", seed);
	is_int(dup, 0, "seed %u: Message-IDs are unique", seed);
	is_int(bad_irt, 0, "seed %u: every In-Reply-To names a generated message", seed);
	is_int(bad_refs, 0, "seed %u: References end with In-Reply-To and name generated messages", seed);
	ok(irt_only > 0, "seed %u: some replies carry only In-Reply-To (%u)", seed, irt_only);
	ok(refs_only > 0, "seed %u: some carry only References (%u)", seed, refs_only);
	ok(early > 0, "seed %u: some replies arrive before their parent (%u)", seed, early);
	is_int(long_hdr, 0, "seed %u: header lines within 998 octets", seed);
	is_int(long_body, 0, "seed %u: body lines within 998 octets", seed);
	is_int(bad_bytes, 0, "seed %u: LF line ends, no NUL", seed);
	ok(words > n, "seed %u: plenty of encoded words (%u)", seed, words);
	is_int(bad_words, 0, "seed %u: encoded words are at most 75 chars and decode", seed);
	is_int(st.bad_b64, 0, "seed %u: base64 bodies decode", seed);
	is_int(st.bad_qp, 0, "seed %u: quoted-printable bodies decode", seed);
	is_int(st.bad_text, 0, "seed %u: text parts are valid in their charset", seed);
	ok(st.attachments > 0 && st.bad_png == 0 && st.bad_pdf == 0,
	   "seed %u: PNG and PDF attachments look right (%u)", seed, st.attachments);
	ok(st.rfc2231 > 0, "seed %u: RFC 2231 file names (%u)", seed, st.rfc2231);
	ok(st.flowed > 0, "seed %u: format=flowed (%u)", seed, st.flowed);
	ok(st.alternative > 0 && html_only > 0, "seed %u: multipart/alternative (%u) and HTML-only (%u)",
	   seed, st.alternative, html_only);
	ok(st.deep_quote > 0, "seed %u: quotes three levels deep (%u)", seed, st.deep_quote);
	ok(lists > n / 4, "seed %u: mailing-list headers (%u)", seed, lists);
	for (size_t k = 0; k < ARRAY_LEN(need); k++) {
		bool found = false;

		for (unsigned j = 0; j < st.nlabels; j++)
			found |= strcmp(st.labels[j], need[k]) == 0;
		ok(found, "seed %u: a text part in %s", seed, need[k]);
	}
	is_int(bad_flags, 0, "seed %u: flags use the five defined bits", seed);
	is_int(flags_or, 31, "seed %u: every flag occurs", seed);
	ok(unseen > 0 && unseen < n / 2, "seed %u: a few unread messages (%u)", seed, unseen);

	for (size_t i = 0; i < n; i++) {
		free(ids[i]);
		free(seen_ids[i]);
	}
	free(ids);
	free(seen_ids);
	free_msgs(v, n);
}

int main(void)
{
	test_counts();
	test_determinism();
	test_now();
	test_corpus(1);
	test_corpus(2024);
	return tap_done();
}
