/* msgid.c - msg-ids of Message-ID, In-Reply-To and References. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "charset.h"
#include "msgid.h"
#include "lex822.h"

/* An open-addressing set of the ids in a list, for dropping duplicates
 * in linear time.  Local to one parse call. */
struct idset {
	size_t *slot;	/* index + 1 into the list, 0 = empty */
	size_t cap;	/* a power of two */
	size_t n;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325u;	/* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3u;
	}
	return h;
}

/* Inserts list->v[idx] unless an equal id is there; false if it was. */
static bool idset_add(struct idset *set, const struct msgid_list *list, size_t idx)
{
	size_t mask, h;

	if ((set->n + 1) * 2 > set->cap) {
		struct idset big = { NULL, set->cap ? set->cap * 2 : 16, 0 };

		big.slot = xcalloc(big.cap, sizeof *big.slot);
		for (size_t i = 0; i < set->cap; i++)
			if (set->slot[i] != 0)
				idset_add(&big, list, set->slot[i] - 1);
		free(set->slot);
		*set = big;
	}
	mask = set->cap - 1;
	h = (size_t)hash_str(list->v[idx]) & mask;
	while (set->slot[h] != 0) {
		if (strcmp(list->v[set->slot[h] - 1], list->v[idx]) == 0)
			return false;
		h = (h + 1) & mask;
	}
	set->slot[h] = idx + 1;
	set->n++;
	return true;
}

struct scan {
	struct msgid_list *list;
	struct idset set;
	struct buf tmp;
	const char *word;	/* the only bracket-less word without '@' */
	size_t wordlen;
	size_t nwords;
};

/* Cleans and appends one id (white space dropped). */
static void add_id(struct scan *sc, const char *s, size_t n)
{
	struct buf conv = BUF_INIT;
	char *id;
	size_t o = 0;

	buf_reset(&sc->tmp);
	charset_guess_to_utf8(s, n, &conv);
	charset_clean_append(&sc->tmp, buf_cstr(&conv), conv.len);
	buf_free(&conv);
	id = buf_steal(&sc->tmp, NULL);
	for (size_t i = 0; id[i]; i++)
		if (!ascii_isspace((unsigned char)id[i]))
			id[o++] = id[i];
	id[o] = '\0';
	if (o == 0 || o > MSGID_MAX_LEN) {
		free(id);
		return;
	}
	/* Capacity is the next power of two above n (no field for it). */
	if (sc->list->n == 0 || (sc->list->n & (sc->list->n - 1)) == 0)
		sc->list->v = xreallocarray(sc->list->v,
					    sc->list->n ? sc->list->n * 2 : 1,
					    sizeof *sc->list->v);
	sc->list->v[sc->list->n] = id;
	if (idset_add(&sc->set, sc->list, sc->list->n))
		sc->list->n++;
	else
		free(id);
}




/* s[i] == '<': the id up to '>' (a later '<' starts over). */
static size_t bracketed(struct scan *sc, const char *s, size_t n, size_t i)
{
	size_t start = i + 1, k;

	for (k = start; k < n; k++) {
		if (s[k] == '>') {
			add_id(sc, s + start, k - start);
			return k + 1;
		}
		if (s[k] == '<')
			start = k + 1;
	}
	/* No '>': the id runs to the next white space. */
	for (k = start; k < n && !lex822_is_fws((unsigned char)s[k]); k++)
		;
	add_id(sc, s + start, k - start);
	return k;
}

static void scan_value(struct scan *sc, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		if (c == '(') {
			i = lex822_skip_comment(s, n, i);
		} else if (c == '"') {
			i = lex822_skip_quoted(s, n, i);
		} else if (c == '<') {
			i = bracketed(sc, s, n, i);
		} else if (lex822_is_fws(c) || c == ',' || c == ';' || c == '>') {
			i++;
		} else {
			size_t start = i;
			bool at = false;

			while (i < n && !lex822_is_fws((unsigned char)s[i]) && s[i] != '<' &&
			       s[i] != '(' && s[i] != '"' && s[i] != ',' && s[i] != ';') {
				at = at || s[i] == '@';
				i++;
			}
			sc->nwords++;
			if (at) {
				add_id(sc, s + start, i - start);
			} else {
				sc->word = s + start;
				sc->wordlen = i - start;
			}
		}
	}
}

void msgid_list_parse(struct msgid_list *list, const char *s, size_t n, size_t max)
{
	struct scan sc;
	size_t before = list->n;

	memset(&sc, 0, sizeof sc);
	sc.list = list;
	for (size_t i = 0; i < list->n; i++)
		idset_add(&sc.set, list, i);
	scan_value(&sc, s, n);
	if (list->n == before && sc.nwords == 1 && sc.word != NULL)
		add_id(&sc, sc.word, sc.wordlen);
	free(sc.set.slot);
	buf_free(&sc.tmp);
	if (max < 2)
		max = 2;
	if (list->n > max) {
		size_t drop = list->n - max;

		for (size_t i = 1; i <= drop; i++)
			free(list->v[i]);
		memmove(&list->v[1], &list->v[1 + drop], (max - 1) * sizeof *list->v);
		list->n = max;
	}
}

void msgid_list_free(struct msgid_list *list)
{
	for (size_t i = 0; i < list->n; i++)
		free(list->v[i]);
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

char *msgid_parse_first(const char *s, size_t n)
{
	struct msgid_list l = { NULL, 0 };
	char *id = NULL;

	msgid_list_parse(&l, s, n, MSGID_MAX_REFS);
	if (l.n > 0) {
		id = l.v[0];
		l.v[0] = NULL;
	}
	msgid_list_free(&l);
	return id;
}
