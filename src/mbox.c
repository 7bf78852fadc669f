/* mbox.c - the mbox file format: a streaming reader and an mboxrd writer.
 *
 * The reader has two layers.  The lower one cuts the input into pieces:
 * a whole line when it fits in MBOX_FROM_LINE_MAX bytes, otherwise the
 * first MBOX_FROM_LINE_MAX bytes of the line and then the rest in chunks
 * as they arrive.  A line start that straddles two reads is gathered in a
 * small staging buffer; everything else is handed up in place.  The upper
 * layer only ever needs to look at line starts (From_ lines, ">From "
 * quoting, empty lines), so it never needs a whole long line. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "i18n.h"
#include "mbox.h"
#include "paths.h"

/* A message buffer that grew past this is freed before the next message,
 * so one huge message does not pin its memory for the rest of the file. */
#define MBOX_KEEP_CAPACITY (16u * 1024 * 1024)
#define MBOX_WRITE_FLUSH (64u * 1024)
#define MBOX_ADDR_MAX 512u
#define FROM_TOKENS_MAX 64

/* One piece of input: a whole line, or part of a long one. */
struct piece {
	const char *p;
	size_t n;
	bool first;	/* starts a line */
	bool complete;	/* holds the whole line (ends in '\n' or at EOF) */
	uint64_t offset;/* file offset of p[0] */
	uint64_t line;	/* line number of the line, from 1 */
};

struct mbox_reader {
	char *name;
	int fd;			/* -1 when reading memory */
	char *rbuf_alloc;	/* owned read buffer (files only) */
	size_t bufsize;
	const char *mem;	/* memory input, and how much of it is left */
	size_t mem_left;
	const char *rbuf;	/* the current read: rbuf[rpos..rend) unconsumed */
	size_t rpos, rend;
	bool eof;
	bool failed;		/* sticky read error */
	uint64_t offset;	/* file offset of rbuf[rpos] */
	uint64_t lines;		/* newlines consumed */

	struct buf head;	/* a line start gathered across reads */
	bool mid_line;		/* the last piece did not finish its line */

	struct buf msg;
	struct buf addr, date;		/* the From_ line of the message in msg */
	struct buf next_addr, next_date;/* the From_ line read ahead */
	uint64_t next_offset, next_line;
	bool have_next;			/* a From_ line is waiting for its message */
};

static bool is_from_prefix(const char *p, size_t n)
{
	return n >= 5 && memcmp(p, "From ", 5) == 0;
}

static bool is_blank_line(const struct piece *pc)
{
	return pc->first && pc->complete &&
	       ((pc->n == 1 && pc->p[0] == '\n') ||
		(pc->n == 2 && pc->p[0] == '\r' && pc->p[1] == '\n'));
}

/* ---- the lower layer: reads and pieces ---- */

/* Makes unconsumed input available: 1 when there is some, 0 at EOF, -1 on
 * a read error. */
static int fill(struct mbox_reader *r, struct error **err)
{
	ssize_t n;

	if (r->rpos < r->rend)
		return 1;
	if (r->eof)
		return 0;
	if (r->fd < 0) {
		size_t take = r->bufsize == 0 || r->bufsize > r->mem_left ?
			      r->mem_left : r->bufsize;

		r->rbuf = r->mem;
		r->rpos = 0;
		r->rend = take;
		r->mem += take;
		r->mem_left -= take;
		if (take == 0)
			r->eof = true;
		return take > 0;
	}
	do
		n = read(r->fd, r->rbuf_alloc, r->bufsize);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		r->failed = true;
		return error_set_errno(err, ERR_IO, errno,
				       _("cannot read %s at byte offset %" PRIu64),
				       r->name, r->offset);
	}
	r->rpos = 0;
	r->rend = (size_t)n;
	if (n == 0)
		r->eof = true;
	return n > 0;
}

static void consume(struct mbox_reader *r, size_t n)
{
	r->rpos += n;
	r->offset += n;
}

/* The next piece of input: 1, 0 at EOF, -1 on a read error.  The piece
 * is valid until the next call. */
static int next_piece(struct mbox_reader *r, struct piece *pc, struct error **err)
{
	const char *start, *nl;
	size_t avail, lim, take;
	int rc;

	if (r->mid_line) {
		rc = fill(r, err);
		if (rc <= 0)
			return rc;
		start = r->rbuf + r->rpos;
		avail = r->rend - r->rpos;
		nl = memchr(start, '\n', avail);
		pc->p = start;
		pc->n = nl != NULL ? (size_t)(nl - start) + 1 : avail;
		pc->first = false;
		pc->complete = false;
		pc->offset = r->offset;
		pc->line = r->lines + 1;
		consume(r, pc->n);
		if (nl != NULL) {
			r->mid_line = false;
			r->lines++;
		}
		return 1;
	}

	buf_reset(&r->head);
	pc->first = true;
	pc->offset = r->offset;
	pc->line = r->lines + 1;
	for (;;) {
		rc = fill(r, err);
		if (rc < 0)
			return -1;
		if (rc == 0)
			break;
		start = r->rbuf + r->rpos;
		avail = r->rend - r->rpos;
		lim = MBOX_FROM_LINE_MAX - r->head.len;
		if (lim > avail)
			lim = avail;
		nl = memchr(start, '\n', lim);
		take = nl != NULL ? (size_t)(nl - start) + 1 : lim;
		if (r->head.len == 0 && (nl != NULL || take == MBOX_FROM_LINE_MAX)) {
			/* The common case: the line start is all in this read. */
			pc->p = start;
			pc->n = take;
			pc->complete = nl != NULL;
			consume(r, take);
			goto done;
		}
		buf_append(&r->head, start, take);
		consume(r, take);
		if (nl != NULL || r->head.len == MBOX_FROM_LINE_MAX) {
			pc->complete = nl != NULL;
			goto gathered;
		}
	}
	if (r->head.len == 0)
		return 0;
	/* The last line of the input has no newline: it is complete anyway. */
	pc->complete = true;
gathered:
	pc->p = r->head.data;
	pc->n = r->head.len;
done:
	if (pc->n > 0 && pc->p[pc->n - 1] == '\n')
		r->lines++;
	else if (!pc->complete)
		r->mid_line = true;
	return 1;
}

/* ---- From_ lines ---- */

static bool word_in(const char *p, size_t n, const char *const *words, size_t count)
{
	if (n != 3)
		return false;
	for (size_t i = 0; i < count; i++)
		if (memcmp(p, words[i], 3) == 0)
			return true;
	return false;
}

static bool all_digits(const char *p, size_t n, size_t min, size_t max)
{
	if (n < min || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!ascii_isdigit((unsigned char)p[i]))
			return false;
	return true;
}

/* "hh:mm" or "hh:mm:ss", one or two digits each. */
static bool is_time(const char *p, size_t n)
{
	size_t i = 0;

	for (int part = 0; part < 3; part++) {
		size_t digits = 0;

		while (i < n && ascii_isdigit((unsigned char)p[i])) {
			i++;
			digits++;
		}
		if (digits < 1 || digits > 2)
			return false;
		if (i == n)
			return part >= 1;
		if (p[i] != ':')
			return false;
		i++;
	}
	return false;
}

static const char *const weekdays[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* Splits the From_ line at p (n bytes, starting with "From ") into its
 * sender and date, stored in addr and date.  Returns true when the line
 * has an asctime date (the strict form of mbox.h), false when addr and
 * date were only guessed as the first word and the rest. */
static bool parse_from_line(const char *p, size_t n, struct buf *addr, struct buf *date)
{
	const char *tok[FROM_TOKENS_MAX];
	size_t toklen[FROM_TOKENS_MAX];
	size_t ntok = 0, i = 5;
	const char *end;

	while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
		n--;
	end = p + n;
	while (i < n && ntok < FROM_TOKENS_MAX) {
		while (i < n && (p[i] == ' ' || p[i] == '\t'))
			i++;
		if (i == n)
			break;
		tok[ntok] = p + i;
		while (i < n && p[i] != ' ' && p[i] != '\t')
			i++;
		toklen[ntok] = (size_t)(p + i - tok[ntok]);
		ntok++;
	}
	buf_reset(addr);
	buf_reset(date);
	for (size_t t = 0; t + 3 < ntok; t++) {
		size_t y = t + 4;

		if (!word_in(tok[t], toklen[t], weekdays, ARRAY_LEN(weekdays)) ||
		    !word_in(tok[t + 1], toklen[t + 1], months, ARRAY_LEN(months)) ||
		    !all_digits(tok[t + 2], toklen[t + 2], 1, 2) ||
		    !is_time(tok[t + 3], toklen[t + 3]))
			continue;
		if (y < ntok && !all_digits(tok[y], toklen[y], 4, 4))
			y++;	/* a time zone before the year */
		if (y >= ntok || !all_digits(tok[y], toklen[y], 4, 4))
			continue;
		if (t > 0) {
			const char *a_end = tok[t - 1] + toklen[t - 1];

			buf_append(addr, tok[0], (size_t)(a_end - tok[0]));
		}
		buf_append(date, tok[t], (size_t)(end - tok[t]));
		return true;
	}
	if (ntok > 0) {
		buf_append(addr, tok[0], toklen[0]);
		if (ntok > 1)
			buf_append(date, tok[1], (size_t)(end - tok[1]));
	}
	return false;
}

/* ---- the upper layer: messages ---- */

static struct mbox_reader *reader_new(const char *name, const struct mbox_params *params)
{
	struct mbox_reader *r = xcalloc(1, sizeof *r);

	r->name = xstrdup(name);
	r->fd = -1;
	r->bufsize = params != NULL ? params->bufsize : 0;
	buf_init(&r->head, MBOX_FROM_LINE_MAX);
	buf_init(&r->msg, params != NULL && params->max_message != 0 ?
		 params->max_message : MBOX_DEFAULT_MAX_MESSAGE);
	buf_init(&r->addr, MBOX_FROM_LINE_MAX);
	buf_init(&r->date, MBOX_FROM_LINE_MAX);
	buf_init(&r->next_addr, MBOX_FROM_LINE_MAX);
	buf_init(&r->next_date, MBOX_FROM_LINE_MAX);
	return r;
}

/* Reads up to the first From_ line: skips empty lines, fails when the
 * first other line is not a From_ line. */
static int read_first_from(struct mbox_reader *r, struct error **err)
{
	struct piece pc;
	int rc;

	while ((rc = next_piece(r, &pc, err)) > 0) {
		if (is_blank_line(&pc))
			continue;
		if (!pc.complete || !is_from_prefix(pc.p, pc.n))
			return error_set(err, ERR_DATA,
					 _("%s is not an mbox file: it does not start with a From_ line"),
					 r->name);
		parse_from_line(pc.p, pc.n, &r->next_addr, &r->next_date);
		r->next_offset = pc.offset;
		r->next_line = pc.line;
		r->have_next = true;
		return 0;
	}
	return rc;
}

static struct mbox_reader *reader_start(struct mbox_reader *r, struct error **err)
{
	if (read_first_from(r, err) < 0) {
		mbox_close(&r);
		return NULL;
	}
	return r;
}

struct mbox_reader *mbox_open_fd(int fd, const char *name,
				 const struct mbox_params *params,
				 struct error **err)
{
	struct mbox_reader *r;
	struct stat st;

	if (fstat(fd, &st) < 0) {
		error_set_errno(err, ERR_IO, errno, _("cannot read %s"), name);
		close(fd);
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		error_set(err, ERR_DATA, _("%s is not an mbox file: it is a directory"), name);
		close(fd);
		return NULL;
	}
	if (S_ISREG(st.st_mode))
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	r = reader_new(name, params);
	r->fd = fd;
	if (r->bufsize == 0)
		r->bufsize = MBOX_DEFAULT_BUFSIZE;
	r->rbuf_alloc = xmalloc(r->bufsize);
	r->rbuf = r->rbuf_alloc;
	return reader_start(r, err);
}

struct mbox_reader *mbox_open(const char *path, const struct mbox_params *params,
			      struct error **err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		error_set_errno(err, errno == ENOENT ? ERR_NOTFOUND : ERR_IO, errno,
				_("cannot open %s"), path);
		return NULL;
	}
	return mbox_open_fd(fd, path, params, err);
}

struct mbox_reader *mbox_open_mem(const void *data, size_t len, const char *name,
				  const struct mbox_params *params,
				  struct error **err)
{
	struct mbox_reader *r = reader_new(name, params);

	r->mem = data;
	r->mem_left = len;
	return reader_start(r, err);
}

static bool is_quoted_from(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && p[i] == '>')
		i++;
	return i > 0 && is_from_prefix(p + i, n - i);
}

int mbox_next(struct mbox_reader *r, struct mbox_message *msg, struct error **err)
{
	struct piece pc;
	size_t blank = 0;	/* length of an empty line not yet known to be
				 * part of the message, 0 when none */
	uint64_t end;
	int rc;

	if (r->failed)
		return error_set(err, ERR_IO, _("cannot read %s after an earlier error"),
				 r->name);
	if (!r->have_next)
		return MBOX_END;

	/* Take over the From_ line read ahead. */
	{
		struct buf t;

		t = r->addr; r->addr = r->next_addr; r->next_addr = t;
		t = r->date; r->date = r->next_date; r->next_date = t;
	}
	msg->offset = r->next_offset;
	msg->line = r->next_line;
	r->have_next = false;
	if (r->msg.cap > MBOX_KEEP_CAPACITY)
		buf_free(&r->msg);
	buf_reset(&r->msg);

	while ((rc = next_piece(r, &pc, err)) > 0) {
		if (pc.first && pc.complete && is_from_prefix(pc.p, pc.n) &&
		    (parse_from_line(pc.p, pc.n, &r->next_addr, &r->next_date) ||
		     blank > 0)) {
			r->next_offset = pc.offset;
			r->next_line = pc.line;
			r->have_next = true;
			break;
		}
		if (blank > 0) {
			buf_append(&r->msg, blank == 1 ? "\n" : "\r\n", blank);
			blank = 0;
		}
		if (is_blank_line(&pc))
			blank = pc.n;
		else if (pc.first && is_quoted_from(pc.p, pc.n))
			buf_append(&r->msg, pc.p + 1, pc.n - 1);
		else
			buf_append(&r->msg, pc.p, pc.n);
	}
	if (rc < 0)
		return MBOX_ERROR;
	end = r->have_next ? r->next_offset : r->offset;
	msg->size = end - msg->offset;
	if (r->msg.failed) {
		error_set(err, ERR_DATA,
			  _("%s: the message at line %" PRIu64 " (byte offset %" PRIu64 ") is larger than the limit of %zu bytes, and was skipped"),
			  r->name, msg->line, msg->offset, r->msg.max);
		return MBOX_SKIPPED;
	}
	msg->data = buf_cstr(&r->msg);
	msg->len = r->msg.len;
	msg->from_addr = buf_cstr(&r->addr);
	msg->from_date = buf_cstr(&r->date);
	return MBOX_MESSAGE;
}

uint64_t mbox_offset(const struct mbox_reader *r)
{
	return r->offset;
}

void mbox_close(struct mbox_reader **rp)
{
	struct mbox_reader *r = *rp;

	if (r == NULL)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r->rbuf_alloc);
	free(r->name);
	buf_free(&r->head);
	buf_free(&r->msg);
	buf_free(&r->addr);
	buf_free(&r->date);
	buf_free(&r->next_addr);
	buf_free(&r->next_date);
	free(r);
	*rp = NULL;
}

/* ---- the writer ---- */

struct mbox_writer {
	int fd;
	char *name;
	char *sync_dir;		/* directory to fsync on close, or NULL */
	struct buf out;
	bool failed;
};

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int writer_flush(struct mbox_writer *w, struct error **err)
{
	if (w->failed)
		return error_set(err, ERR_IO, _("cannot write to %s after an earlier error"),
				 w->name);
	if (w->out.len > 0 && write_all(w->fd, w->out.data, w->out.len) < 0) {
		w->failed = true;
		return error_set_errno(err, ERR_IO, errno, _("cannot write to %s"), w->name);
	}
	buf_reset(&w->out);
	return 0;
}

static struct mbox_writer *writer_new(int fd, const char *name)
{
	struct mbox_writer *w = xcalloc(1, sizeof *w);

	w->fd = fd;
	w->name = xstrdup(name);
	buf_init(&w->out, 0);
	return w;
}

struct mbox_writer *mbox_writer_fdopen(int fd, const char *name, struct error **err)
{
	(void)err;
	return writer_new(fd, name);
}

/* When the file at fd does not end with an empty line, the bytes to add
 * so that it does (the last message there keeps its bytes as the reader
 * sees them). */
static const char *separator_needed(int fd, off_t size)
{
	char tail[3];
	size_t n = size < 3 ? (size_t)size : 3;
	ssize_t got;

	if (size == 0)
		return "";
	got = pread(fd, tail, n, size - (off_t)n);
	if (got != (ssize_t)n)
		return "\n\n";
	if (tail[n - 1] != '\n')
		return "\n\n";
	if ((size_t)size == 1 ||
	    (n >= 2 && tail[n - 2] == '\n') ||
	    ((size_t)size == 2 && tail[0] == '\r') ||
	    (n == 3 && tail[0] == '\n' && tail[1] == '\r'))
		return "";
	return "\n";
}

struct mbox_writer *mbox_writer_open(const char *path, bool append, struct error **err)
{
	int flags = O_CREAT | O_CLOEXEC | O_NOCTTY;
	struct mbox_writer *w;
	struct stat st;
	int fd;

	/* Appending reads the end of the file first, hence O_RDWR. */
	flags |= append ? O_RDWR | O_APPEND : O_WRONLY | O_EXCL;
	fd = open(path, flags, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			error_set(err, ERR_IO,
				  _("%s already exists: export to a new file, or append to it"),
				  path);
		else
			error_set_errno(err, ERR_IO, errno, _("cannot create %s"), path);
		return NULL;
	}
	w = writer_new(fd, path);
	if (!append)
		w->sync_dir = path_dirname(path);
	if (append && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		buf_puts(&w->out, separator_needed(fd, st.st_size));
	return w;
}

size_t mbox_format_from_line(char *out, size_t outsize, const char *from_addr,
			     time_t date)
{
	static const char *const wdays[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	char addr[MBOX_ADDR_MAX + 1];
	size_t n = 0;
	struct tm tm;
	int len;

	if (from_addr == NULL || *from_addr == '\0')
		from_addr = "MAILER-DAEMON";
	for (; from_addr[n] != '\0' && n < MBOX_ADDR_MAX; n++) {
		unsigned char c = (unsigned char)from_addr[n];

		addr[n] = c <= ' ' || c == 0x7f ? '_' : (char)c;
	}
	addr[n] = '\0';
	if (date < 0)
		date = 0;
	if ((int64_t)date > INT64_C(253402300799))
		date = (time_t)INT64_C(253402300799);
	if (gmtime_r(&date, &tm) == NULL)
		memset(&tm, 0, sizeof tm);
	len = snprintf(out, outsize, "From %s %s %s %2d %02d:%02d:%02d %d\n", addr,
		       wdays[tm.tm_wday % 7], months[tm.tm_mon % 12], tm.tm_mday,
		       tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
	if (len < 0)
		return 0;
	return (size_t)len < outsize ? (size_t)len : outsize - 1;
}

int mbox_write(struct mbox_writer *w, const void *bytes, size_t len,
	       const char *from_addr, time_t date, struct error **err)
{
	char line[MBOX_ADDR_MAX + 64];
	const char *p = bytes, *end = p + len;

	if (w->failed)
		return error_set(err, ERR_IO, _("cannot write to %s after an earlier error"),
				 w->name);
	buf_append(&w->out, line, mbox_format_from_line(line, sizeof line, from_addr, date));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl != NULL ? nl + 1 : end;

		if (is_quoted_from(p, (size_t)(next - p)) ||
		    is_from_prefix(p, (size_t)(next - p)))
			buf_putc(&w->out, '>');
		buf_append(&w->out, p, (size_t)(next - p));
		p = next;
		if (w->out.len >= MBOX_WRITE_FLUSH && writer_flush(w, err) < 0)
			return -1;
	}
	if (len > 0 && end[-1] != '\n')
		buf_putc(&w->out, '\n');
	buf_putc(&w->out, '\n');
	if (w->out.len >= MBOX_WRITE_FLUSH)
		return writer_flush(w, err);
	return 0;
}

int mbox_writer_close(struct mbox_writer **wp, struct error **err)
{
	struct mbox_writer *w = *wp;
	int rc = 0;

	if (w == NULL)
		return 0;
	if (writer_flush(w, err) < 0)
		rc = -1;
	if (rc == 0 && fsync(w->fd) < 0 && errno != EINVAL) {
		rc = error_set_errno(err, ERR_IO, errno, _("cannot write %s to disk"), w->name);
	}
	if (close(w->fd) < 0 && rc == 0)
		rc = error_set_errno(err, ERR_IO, errno, _("cannot write %s to disk"), w->name);
	if (rc == 0 && w->sync_dir != NULL) {
		int dfd = open(w->sync_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (dfd < 0 || fsync(dfd) < 0)
			rc = error_set_errno(err, ERR_IO, errno,
					     _("cannot write the directory %s to disk"),
					     w->sync_dir);
		if (dfd >= 0)
			close(dfd);
	}
	free(w->name);
	free(w->sync_dir);
	buf_free(&w->out);
	free(w);
	*wp = NULL;
	return rc;
}
