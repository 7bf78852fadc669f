/* envelope.c - the index fields of one message from its raw bytes, and a
 * lightweight scan for attachments (the full MIME tree is mime.c's job). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "date.h"
#include "envelope.h"
#include "header.h"
#include "msgid.h"
#include "rfc2047.h"
#include "lex822.h"

/* Limits of the attachment scan: boundaries remembered (nested
 * multiparts), their length, and the size of one part's header. */
#define SCAN_MAX_BOUNDARIES 32
#define SCAN_BOUNDARY_MAX 200
#define SCAN_PART_FIELDS 64
#define SCAN_PART_BYTES (64u * 1024)

struct boundaries {
	char v[SCAN_MAX_BOUNDARIES][SCAN_BOUNDARY_MAX + 1];
	size_t len[SCAN_MAX_BOUNDARIES];
	size_t n;
};




/* Calls back for each "name=value" parameter after the first ';' of a
 * Content-Type or Content-Disposition value.  A quoted value is passed
 * with its quotes removed but escapes kept (enough for boundaries and
 * for spotting names).  Stops when fn returns true, and returns that. */
typedef bool (*param_fn)(const char *name, size_t namelen, const char *val,
			 size_t vallen, void *arg);

static bool each_param(const char *s, size_t n, param_fn fn, void *arg)
{
	size_t i = 0;

	while (i < n && s[i] != ';') {
		if (s[i] == '"') {
			for (i++; i < n && s[i] != '"'; i++)
				if (s[i] == '\\')
					i++;
			i++;
		} else if (s[i] == '(') {
			i = lex822_skip_comment(s, n, i);
		} else {
			i++;
		}
	}
	while (i < n) {
		size_t ns, ne, vs, ve;

		i = lex822_skip_cfws(s, n, i + 1);	/* past the ';' */
		ns = i;
		while (i < n && s[i] != '=' && s[i] != ';' && !lex822_is_fws((unsigned char)s[i]))
			i++;
		ne = i;
		i = lex822_skip_cfws(s, n, i);
		vs = ve = i;
		if (i < n && s[i] == '=') {
			i = lex822_skip_cfws(s, n, i + 1);
			if (i < n && s[i] == '"') {
				vs = ++i;
				while (i < n && s[i] != '"') {
					if (s[i] == '\\' && i + 1 < n)
						i++;
					i++;
				}
				ve = i < n ? i : n;
				if (i < n)
					i++;
			} else {
				vs = i;
				while (i < n && s[i] != ';' && !lex822_is_fws((unsigned char)s[i]))
					i++;
				ve = i;
			}
		}
		if (ne > ns && fn(s + ns, ne - ns, s + vs, ve - vs, arg))
			return true;
		while (i < n && s[i] != ';')
			i++;
	}
	return false;
}

static bool param_is_name(const char *name, size_t namelen, const char *val,
			  size_t vallen, void *arg)
{
	(void)val;
	(void)vallen;
	(void)arg;
	return ascii_has_prefix(name, namelen, "filename") ||
	       (ascii_has_prefix(name, namelen, "name") &&
		(namelen == 4 || name[4] == '*'));
}

static bool param_boundary(const char *name, size_t namelen, const char *val,
			   size_t vallen, void *arg)
{
	struct boundaries *b = arg;

	if (namelen != 8 || ascii_strncasecmp(name, "boundary", 8) != 0)
		return false;
	if (vallen > 0 && vallen <= SCAN_BOUNDARY_MAX && b->n < SCAN_MAX_BOUNDARIES) {
		memcpy(b->v[b->n], val, vallen);
		b->v[b->n][vallen] = '\0';
		b->len[b->n] = vallen;
		b->n++;
	}
	return true;
}

static bool value_starts(const char *v, size_t n, const char *word)
{
	size_t i = lex822_skip_cfws(v, n, 0), wl = strlen(word);

	return ascii_has_prefix(v + i, n - i, word) &&
	       (i + wl == n || !ascii_isalnum((unsigned char)v[i + wl]) ||
		word[wl - 1] == '/');
}

static bool field_is(const char *name, size_t namelen, const char *want)
{
	return strlen(want) == namelen && ascii_strncasecmp(name, want, namelen) == 0;
}

/* Looks at one header field for attachment signs; collects boundaries of
 * multiparts.  True when the field marks an attachment. */
static bool field_attachment(const char *name, size_t namelen, const char *v,
			     size_t vlen, struct boundaries *b)
{
	if (field_is(name, namelen, "Content-Disposition"))
		return value_starts(v, vlen, "attachment") ||
		       each_param(v, vlen, param_is_name, NULL);
	if (field_is(name, namelen, "Content-Type")) {
		if (b != NULL && value_starts(v, vlen, "multipart/"))
			each_param(v, vlen, param_boundary, b);
		return each_param(v, vlen, param_is_name, NULL);
	}
	return false;
}

/* True when the line at s (n bytes to the end of the message) is a
 * boundary line of one of the multiparts seen. */
static bool is_boundary_line(const char *s, size_t n, const struct boundaries *b)
{
	if (n < 3 || s[0] != '-' || s[1] != '-')
		return false;
	for (size_t k = 0; k < b->n; k++)
		if (n - 2 >= b->len[k] && memcmp(s + 2, b->v[k], b->len[k]) == 0)
			return true;
	return false;
}

/* Scans the part headers of a multipart body for attachments. */
static bool scan_parts(const char *msg, size_t n, size_t pos, struct boundaries *b)
{
	while (pos < n) {
		const char *nl = memchr(msg + pos, '\n', n - pos);
		size_t next = nl ? (size_t)(nl - msg) + 1 : n;

		if (is_boundary_line(msg + pos, n - pos, b) && next < n) {
			struct header_iter it;
			const char *fn, *v;
			size_t fnlen, vlen;
			bool found = false;

			header_iter_init(&it, msg + next, n - next);
			it.max_fields = SCAN_PART_FIELDS;
			it.max_bytes = SCAN_PART_BYTES;
			while (!found && header_iter_next(&it, &fn, &fnlen, &v, &vlen))
				found = field_attachment(fn, fnlen, v, vlen, b);
			/* The scan goes on after what the iterator read. */
			next += it.truncated ? it.pos : it.body;
			header_iter_deinit(&it);
			if (found)
				return true;
		}
		pos = next;
	}
	return false;
}

void envelope_parse(struct envelope *env, const char *msg, size_t n)
{
	struct charset_conv *cc = charset_conv_new();

	envelope_parse_cc(env, msg, n, cc);
	charset_conv_free(&cc);
}

void envelope_parse_cc(struct envelope *env, const char *msg, size_t n,
		       struct charset_conv *cc)
{
	struct boundaries *b = xcalloc(1, sizeof *b);
	struct msgid_list refs = { NULL, 0 };
	struct header_iter it;
	const char *fn, *v;
	size_t fnlen, vlen;
	bool have_subject = false, have_date = false, have_refs = false;
	bool have_ctype = false;

	memset(env, 0, sizeof *env);
	header_iter_init(&it, msg, n);
	while (header_iter_next(&it, &fn, &fnlen, &v, &vlen)) {
		if (field_is(fn, fnlen, "From")) {
			address_list_parse_cc(&env->from, v, vlen, cc);
		} else if (field_is(fn, fnlen, "To")) {
			address_list_parse_cc(&env->to, v, vlen, cc);
		} else if (field_is(fn, fnlen, "Cc")) {
			address_list_parse_cc(&env->cc, v, vlen, cc);
		} else if (field_is(fn, fnlen, "Reply-To")) {
			address_list_parse_cc(&env->reply_to, v, vlen, cc);
		} else if (field_is(fn, fnlen, "Subject") && !have_subject) {
			env->subject = str_trim(rfc2047_decode(cc, v, vlen));
			have_subject = true;
		} else if (field_is(fn, fnlen, "Date") && !have_date) {
			have_date = date_parse(v, vlen, &env->date, &env->date_tz);
		} else if (field_is(fn, fnlen, "Message-ID") && env->message_id == NULL) {
			env->message_id = msgid_parse_first(v, vlen);
		} else if (field_is(fn, fnlen, "In-Reply-To") && env->in_reply_to == NULL) {
			env->in_reply_to = msgid_parse_first(v, vlen);
		} else if (field_is(fn, fnlen, "References") && !have_refs) {
			msgid_list_parse(&refs, v, vlen, MSGID_MAX_REFS);
			have_refs = true;
		} else if (field_is(fn, fnlen, "Content-Type") && !have_ctype) {
			have_ctype = true;
			env->is_multipart = value_starts(v, vlen, "multipart/");
			if (field_attachment(fn, fnlen, v, vlen, b))
				env->has_attachment = true;
		} else if (field_is(fn, fnlen, "Content-Disposition")) {
			if (field_attachment(fn, fnlen, v, vlen, NULL))
				env->has_attachment = true;
		}
	}
	header_iter_deinit(&it);
	env->header_len = header_block_len(msg, n);
	if (!have_date)
		date_parse_from_line(msg, n, &env->date);
	if (env->subject == NULL)
		env->subject = xstrdup("");
	env->references = refs.v;
	env->nreferences = refs.n;
	if (env->is_multipart && !env->has_attachment && b->n > 0)
		env->has_attachment = scan_parts(msg, n, env->header_len, b);
	free(b);
}

void envelope_free(struct envelope *env)
{
	address_list_free(&env->from);
	address_list_free(&env->to);
	address_list_free(&env->cc);
	address_list_free(&env->reply_to);
	free(env->subject);
	free(env->message_id);
	free(env->in_reply_to);
	for (size_t i = 0; i < env->nreferences; i++)
		free(env->references[i]);
	free(env->references);
	memset(env, 0, sizeof *env);
}
