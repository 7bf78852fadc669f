/* index-fill.c - makes an archive of N small generated messages for
 * index-scaling.sh: dates spread over ten years in no order, threads of
 * eight (seven replies to a first message), two accounts, a quarter
 * unread and one in fifty flagged.  Usage: index-fill ARCHIVE N */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msgflags.h"
#include "store.h"

#define BATCH 5000
#define TEN_YEARS (10LL * 365 * 86400)

/* A fixed permutation-like spread of i over ten years, in seconds. */
static int64_t date_of(uint64_t i)
{
	return 1400000000 + (int64_t)((i * 2654435761u) % (uint64_t)TEN_YEARS);
}

int main(int argc, char **argv)
{
	struct store *st = NULL;
	struct error *err = NULL;
	char raw[1024];
	long n;

	if (argc != 3 || (n = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: index-fill ARCHIVE N\n");
		return 2;
	}
	if (store_open(&st, argv[1], STORE_CREATE, &err) != 0 ||
	    store_set_sync_each_commit(st, false, &err) != 0)
		goto fail;
	for (long i = 1; i <= n; i++) {
		long root = i - (i - 1) % 8;
		struct store_new m = { .raw = raw, .fallback_date = date_of((uint64_t)i) };
		char reply[96] = "";
		int len;

		if (root != i)
			snprintf(reply, sizeof reply, "In-Reply-To: <m%ld@fill.example>\n", root);
		len = snprintf(raw, sizeof raw,
			       "From: Sender %ld <s%ld@fill.example>\n"
			       "To: Reader <reader@fill.example>\n"
			       "Subject: %sreport %ld on item %ld\n"
			       "Message-ID: <m%ld@fill.example>\n"
			       "%s"
			       "\n"
			       "Body of message %ld, about item %ld.\n",
			       i % 997, i % 997, root != i ? "Re: " : "", root, i % 4999, i,
			       reply, i, i % 4999);
		m.len = (size_t)len;
		m.account = i % 2 ? "home" : "work";
		m.flags = (i % 4 ? MSG_SEEN : 0) | (i % 50 == 0 ? MSG_FLAGGED : 0);
		if ((i - 1) % BATCH == 0 && store_begin(st, &err) != 0)
			goto fail;
		if (store_add(st, &m, NULL, &err) < 0)
			goto fail;
		if ((i % BATCH == 0 || i == n) && store_commit(st, &err) != 0)
			goto fail;
	}
	if (store_sync(st, &err) != 0)
		goto fail;
	store_close(&st);
	return 0;
fail:
	fprintf(stderr, "index-fill: %s\n", err != NULL ? err->msg : "failed");
	error_free(&err);
	store_close(&st);
	return 1;
}
