/* fuzz-mbox.c - libFuzzer target for the mbox reader and writer.
 *
 * For any input: reading it whole and reading it in small pieces give the
 * same messages, and every message read, written back with mbox_write and
 * read again, comes back byte-exact (with a final newline added when it
 * had none).  Any difference aborts.  Seeds: tests/fuzz/corpus/mbox/. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "fuzz.h"
#include "mbox.h"

#define FUZZ_MAX_MESSAGE (1u << 20)

/* All messages of one reading, concatenated, each preceded by its length
 * and From_ line position. */
static int read_all(const uint8_t *data, size_t size, size_t bufsize, struct buf *out)
{
	struct mbox_params p = { bufsize, FUZZ_MAX_MESSAGE };
	struct error *err = NULL;
	struct mbox_reader *r = mbox_open_mem(data, size, "fuzz", &p, &err);
	struct mbox_message m;
	int rc;

	if (r == NULL) {
		FUZZ_ASSERT(err != NULL && err->msg != NULL);
		error_free(&err);
		return -1;
	}
	while ((rc = mbox_next(r, &m, &err)) != MBOX_END && rc != MBOX_ERROR) {
		if (rc == MBOX_SKIPPED) {
			buf_puts(out, "[skipped]");
			error_free(&err);
			continue;
		}
		FUZZ_ASSERT(m.size > 0 && m.offset + m.size <= size && m.len <= m.size);
		buf_printf(out, "[%zu %llu %llu %s]", m.len, (unsigned long long)m.offset,
			   (unsigned long long)m.line, m.from_addr);
		buf_append(out, m.data, m.len);
	}
	error_free(&err);
	mbox_close(&r);
	return rc;
}

static void check_round_trip(const uint8_t *data, size_t size)
{
	struct error *err = NULL;
	struct mbox_reader *r = mbox_open_mem(data, size, "fuzz", NULL, &err);
	struct mbox_reader *back;
	struct mbox_writer *w;
	struct mbox_message m, m2;
	struct buf want = BUF_INIT;
	size_t count = 0;
	int fd, rc;

	if (r == NULL) {
		error_free(&err);
		return;
	}
	fd = memfd_create("fuzz-mbox", MFD_CLOEXEC);
	FUZZ_ASSERT(fd >= 0);
	w = mbox_writer_fdopen(dup(fd), "memfd", &err);
	while (mbox_next(r, &m, &err) == MBOX_MESSAGE) {
		FUZZ_ASSERT(mbox_write(w, m.data, m.len, m.from_addr, 0, &err) == 0);
		buf_printf(&want, "%zu:", m.len + (m.len > 0 && m.data[m.len - 1] != '\n'));
		buf_append(&want, m.data, m.len);
		if (m.len > 0 && m.data[m.len - 1] != '\n')
			buf_putc(&want, '\n');
		count++;
	}
	error_free(&err);
	mbox_close(&r);
	FUZZ_ASSERT(mbox_writer_close(&w, &err) == 0);
	FUZZ_ASSERT(lseek(fd, 0, SEEK_SET) == 0);
	back = mbox_open_fd(fd, "memfd", NULL, &err);
	FUZZ_ASSERT(back != NULL);
	{
		struct buf got = BUF_INIT;

		while ((rc = mbox_next(back, &m2, &err)) == MBOX_MESSAGE) {
			buf_printf(&got, "%zu:", m2.len);
			buf_append(&got, m2.data, m2.len);
			count--;
		}
		FUZZ_ASSERT(rc == MBOX_END && count == 0);
		FUZZ_ASSERT(got.len == want.len &&
			    (got.len == 0 || memcmp(got.data, want.data, got.len) == 0));
		buf_free(&got);
	}
	mbox_close(&back);
	buf_free(&want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf whole = BUF_INIT, pieces = BUF_INIT;
	size_t bufsize = size > 0 ? (size_t)(data[0] % 16) + 1 : 1;
	int rc1, rc2;

	rc1 = read_all(data, size, 0, &whole);
	rc2 = read_all(data, size, bufsize, &pieces);
	FUZZ_ASSERT(rc1 == rc2 && whole.len == pieces.len);
	FUZZ_ASSERT(whole.len == 0 || memcmp(whole.data, pieces.data, whole.len) == 0);
	buf_free(&whole);
	buf_free(&pieces);
	check_round_trip(data, size);
	return 0;
}
