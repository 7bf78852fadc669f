/* cli.c - the command line: global options, the command table, and the
 * archive commands (import, export, search, show, check). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>
#include <wctype.h>

#include "buf.h"
#include "charset.h"
#include "date.h"
#include "cli.h"
#include "demo.h"
#include "fetch.h"
#include "header.h"
#include "i18n.h"
#include "importer.h"
#include "json.h"
#include "log.h"
#include "maildir.h"
#include "mbox.h"
#include "msgflags.h"
#include "paths.h"
#include "query.h"
#include "render.h"
#include "rfc2047.h"
#include "store.h"

struct command {
	const char *name;
	const char *args;	/* usage after the name */
	const char *summary;
	int (*run)(struct cli_context *ctx, int argc, char **argv, struct error **err);
};

static const struct command *find_command(const char *name);
static void print_usage(FILE *f);

/* ---- shared option handling ---- */

enum { OPT_CONFIG = 1000, OPT_ARCHIVE, OPT_HELP, OPT_VERSION };

#define COMMON_LONG_OPTIONS \
	{ "config", required_argument, NULL, OPT_CONFIG }, \
	{ "archive", required_argument, NULL, OPT_ARCHIVE }, \
	{ "help", no_argument, NULL, OPT_HELP }, \
	{ "version", no_argument, NULL, OPT_VERSION }

struct common_opts {
	const char *config;
	const char *archive;
	bool help;
	bool version;
};

/* Handles an option every command takes; false if opt is not one. */
static bool common_option(struct common_opts *co, int opt)
{
	switch (opt) {
	case OPT_CONFIG: co->config = optarg; return true;
	case OPT_ARCHIVE: co->archive = optarg; return true;
	case OPT_HELP: co->help = true; return true;
	case OPT_VERSION: co->version = true; return true;
	default: return false;
	}
}

static int usage_error(struct error **err, const char *cmd, const char *what)
{
	return error_set(err, ERR_USAGE, _("petrel %s: %s; see 'petrel %s --help'"),
			 cmd, what, cmd);
}

static void print_version(void)
{
	printf("petrel %s\n", PACKAGE_VERSION);
}

static void print_command_help(const struct command *c)
{
	printf(_("usage: petrel %s %s\n\n%s\n\n"), c->name, c->args[0] ? _(c->args) : "",
	       _(c->summary));
	printf(_("Every command takes --config FILE and --archive FILE (or "
		 "PETREL_CONFIG and PETREL_ARCHIVE), --help and --version.\n"));
	printf(_("See petrel(1) for details.\n"));
}

/* Reads the configuration and resolves the archive path into ctx. */
static int load_context(struct cli_context *ctx, const struct common_opts *co,
			struct error **err)
{
	if (config_read(co->config, &ctx->cfg, err) != 0)
		return -1;
	for (size_t i = 0; i < ctx->cfg.nwarnings; i++)
		fprintf(stderr, "petrel: %s\n", ctx->cfg.warnings[i]);
	ctx->archive_path = config_archive_resolve(&ctx->cfg, co->archive, err);
	return ctx->archive_path != NULL ? 0 : -1;
}

/* Parses argv for a command whose only options are the common ones plus
 * those in extra (handled by on_opt).  Returns 1 when the command should
 * stop with status 0 (--help/--version printed), 0 to go on, -1 on error.
 * On 0, *first is the index of the first operand. */
static int parse_command_options(struct cli_context *ctx, const struct command *cmd,
				 int argc, char **argv, const char *shortopts,
				 const struct option *extra, size_t nextra,
				 int (*on_opt)(void *arg, int opt, struct error **err),
				 void *arg, int *first, struct error **err)
{
	static const struct option common[] = { COMMON_LONG_OPTIONS };
	struct option *all = xcalloc(nextra + ARRAY_LEN(common) + 1, sizeof *all);
	struct common_opts co = { 0 };
	int opt, rc = 0;

	if (nextra > 0)
		memcpy(all, extra, nextra * sizeof *all);
	memcpy(all + nextra, common, sizeof common);
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, shortopts, all, NULL)) != -1) {
		if (common_option(&co, opt))
			continue;
		if (opt == '?' || opt == ':') {
			char what[128];

			if (optopt != 0)
				snprintf(what, sizeof what, _("bad option -%c"), optopt);
			else
				snprintf(what, sizeof what, _("bad option %s"), argv[optind - 1]);
			rc = usage_error(err, cmd->name, what);
			goto out;
		}
		if (on_opt == NULL || on_opt(arg, opt, err) != 0) {
			rc = -1;
			goto out;
		}
	}
	if (co.help) {
		print_command_help(cmd);
		rc = 1;
		goto out;
	}
	if (co.version) {
		print_version();
		rc = 1;
		goto out;
	}
	*first = optind;
	rc = load_context(ctx, &co, err);
out:
	free(all);
	return rc;
}

static int open_archive(struct cli_context *ctx, unsigned flags, struct store **st,
			struct error **err)
{
	return store_open(st, ctx->archive_path, flags, err);
}

/* ---- import ---- */

static void import_warn(void *arg, const struct error *e)
{
	(void)arg;
	fprintf(stderr, "petrel: %s\n", e->msg);
}

static int cmd_import(struct cli_context *ctx, int argc, char **argv, struct error **err)
{
	struct import_options opt = { .warn = import_warn };
	struct import_counts n, total = { 0 };
	struct store *st = NULL;
	int first, rc;

	rc = parse_command_options(ctx, find_command("import"), argc, argv, "", NULL, 0,
				   NULL, NULL, &first, err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (first >= argc)
		return usage_error(err, "import", _("name at least one mbox file or Maildir"));
	if (open_archive(ctx, STORE_CREATE, &st, err) != 0)
		return -1;
	for (int i = first; i < argc; i++) {
		memset(&n, 0, sizeof n);
		rc = import_path(st, argv[i], &opt, &n, err);
		printf(_("%s: %llu imported, %llu duplicate, %llu failed\n"), argv[i],
		       (unsigned long long)n.imported, (unsigned long long)n.duplicates,
		       (unsigned long long)n.failed);
		total.imported += n.imported;
		total.duplicates += n.duplicates;
		total.failed += n.failed;
		if (rc != 0)
			break;
	}
	log_msg(LOG_INFO, "import into %s: %llu imported, %llu duplicate, %llu failed",
		ctx->archive_path, (unsigned long long)total.imported,
		(unsigned long long)total.duplicates, (unsigned long long)total.failed);
	if (argc - first > 1)
		printf(_("total: %llu imported, %llu duplicate, %llu failed\n"),
		       (unsigned long long)total.imported, (unsigned long long)total.duplicates,
		       (unsigned long long)total.failed);
	fflush(stdout);
	store_close(&st);
	if (rc == 0 && total.failed > 0)
		return error_set(err, ERR_DATA,
				 ngettext("%llu message could not be read; the rest were imported",
					  "%llu messages could not be read; the rest were imported",
					  plural_n(total.failed)),
				 (unsigned long long)total.failed);
	return rc;
}

/* A cursor over the messages a compiled query matches. */
static int open_search(struct store *st, const struct query *q, enum store_order order,
		       bool listing, struct store_cursor **cur, struct error **err)
{
	const struct store_query sq = {
		.where = q->where,
		.params = (const char *const *)q->params,
		.nparams = q->nparams,
		.fts_match = q->fts_match,
		.order = order,
		.listing = listing,
	};

	return store_query_open(st, &sq, cur, err);
}

/* ---- export ---- */

struct export_opts {
	const char *format;
	const char *query;
};

static int export_opt(void *arg, int opt, struct error **err)
{
	struct export_opts *o = arg;

	if (opt == 'f')
		o->format = optarg;
	else if (opt == 'q')
		o->query = optarg;
	return 0;
}

static int cmd_export(struct cli_context *ctx, int argc, char **argv, struct error **err)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "query", required_argument, NULL, 'q' },
	};
	struct export_opts o = { NULL, "" };
	struct store *st = NULL;
	struct store_cursor *cur = NULL;
	struct store_row row = { 0 };
	struct mbox_writer *mw = NULL;
	struct maildir_writer *dw = NULL;
	struct query q = { 0 };
	uint64_t written = 0;
	int first, rc;

	rc = parse_command_options(ctx, find_command("export"), argc, argv, "f:q:", opts,
				   ARRAY_LEN(opts), export_opt, &o, &first, err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (o.format == NULL || (strcmp(o.format, "mbox") != 0 && strcmp(o.format, "maildir") != 0))
		return usage_error(err, "export", _("--format must be mbox or maildir"));
	if (argc - first != 1)
		return usage_error(err, "export", _("name one destination"));
	if (query_compile(o.query, time(NULL), &q, err) != 0)
		return -1;
	if (open_archive(ctx, STORE_READONLY, &st, err) != 0)
		goto fail;
	if (strcmp(o.format, "mbox") == 0)
		mw = mbox_writer_open(argv[first], true, err);
	else if (maildir_create(argv[first], err) == 0)
		dw = maildir_writer_open(argv[first], err);
	if (mw == NULL && dw == NULL)
		goto fail;
	if (open_search(st, &q, STORE_ORDER_DATE, false, &cur, err) != 0)
		goto fail;
	while ((rc = store_query_next(cur, &row, err)) > 0) {
		char *raw;
		size_t len;

		if (store_get_raw(st, row.id, &raw, &len, err) != 0)
			goto fail;
		if (mw != NULL)
			rc = mbox_write(mw, raw, len, row.from_addr, (time_t)row.date, err);
		else
			rc = maildir_write(dw, raw, len, row.flags, NULL, err);
		free(raw);
		store_row_clear(&row);
		if (rc != 0)
			goto fail;
		written++;
	}
	if (rc < 0)
		goto fail;
	store_query_close(&cur);
	if (mw != NULL && mbox_writer_close(&mw, err) != 0)
		goto fail;
	maildir_writer_close(&dw);
	printf(_("%s: %llu exported\n"), argv[first], (unsigned long long)written);
	store_close(&st);
	query_free(&q);
	return 0;
fail:
	store_row_clear(&row);
	store_query_close(&cur);
	if (mw != NULL)
		mbox_writer_close(&mw, NULL);
	maildir_writer_close(&dw);
	store_close(&st);
	query_free(&q);
	return -1;
}

/* ---- search ---- */

struct search_opts {
	bool json;
	bool threads;
	const char *format;
};

static int search_opt(void *arg, int opt, struct error **err)
{
	struct search_opts *o = arg;

	if (opt == 'f') {
		if (strcmp(optarg, "json") == 0)
			o->json = true;
		else if (strcmp(optarg, "text") == 0)
			o->json = false;
		else
			return usage_error(err, "search", _("--format must be text or json"));
	} else if (opt == 't') {
		o->threads = true;
	}
	return 0;
}

static void print_row_json(struct buf *b, const struct store_row *r)
{
	buf_printf(b, "{\"id\":%lld,\"message_id\":", (long long)r->id);
	json_cstr(b, r->message_id);
	buf_puts(b, ",\"sha256\":");
	json_cstr(b, r->sha256);
	buf_printf(b, ",\"date\":%lld,\"from\":{\"name\":", (long long)r->date);
	json_cstr(b, r->from_name);
	buf_puts(b, ",\"address\":");
	json_cstr(b, r->from_addr);
	/* to/cc/attachments are stored as JSON written by the archive. */
	buf_printf(b, "},\"to\":%s,\"cc\":%s,\"subject\":", r->to_json, r->cc_json);
	json_cstr(b, r->subject);
	buf_puts(b, ",\"flags\":[");
	for (const struct msgflag_info *f = msgflag_table(), *end = f + MSG_FLAG_COUNT;
	     f < end; f++) {
		if (r->flags & f->flag) {
			if (b->data[b->len - 1] != '[')
				buf_putc(b, ',');
			json_cstr(b, f->name);
		}
	}
	buf_printf(b, "],\"partial\":%s,\"size\":%lld,\"has_attachment\":%s,"
		   "\"attachments\":%s,\"thread\":%lld}\n",
		   r->partial ? "true" : "false", (long long)r->size,
		   r->has_attachment ? "true" : "false", r->attachments_json,
		   (long long)r->thread_id);
}

/* Whether any of the 8 bytes in w is a control character (below 0x20,
 * NUL included, or DEL), tested all at once. */
static bool has_control(uint64_t w)
{
	const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
	uint64_t del = w ^ (ones * 0x7f);

	return (((w - ones * 0x20) & ~w) | ((del - ones) & ~del)) & highs;
}

/* Copies s for a terminal line: control characters become spaces.  The
 * clean stretches, nearly all of any text, are found 8 bytes at a time. */
static void put_clean(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	while (n > 0) {
		size_t run = 0;

		for (uint64_t w; run + 8 <= n; run += 8) {
			memcpy(&w, s + run, 8);
			if (has_control(w))
				break;
		}
		while (run < n && (unsigned char)s[run] >= 0x20 && s[run] != 0x7f)
			run++;
		buf_append(b, s, run);
		if (run == n)
			break;
		buf_putc(b, ' ');
		s += run + 1;
		n -= run + 1;
	}
}

/* n as decimal digits, at least width of them (zero-padded), at p;
 * returns the end.  p needs room for 20 digits. */
static char *put_uint(char *p, unsigned long long n, int width)
{
	char d[24];
	int i = (int)sizeof d;

	do {
		d[--i] = (char)('0' + n % 10);
		n /= 10;
		width--;
	} while (n > 0 || width > 0);
	memcpy(p, d + i, sizeof d - (size_t)i);
	return p + (sizeof d - (size_t)i);
}

/* One line per message; search output can run to every message of the
 * archive, so no printf on the way: the id, flags and date are put
 * together here and appended at once. */
static void print_row_text(struct buf *b, const struct store_listing *r)
{
	time_t t = (time_t)r->date;
	struct tm tm;
	char line[96], *p = line;

	if (localtime_r(&t, &tm) == NULL || tm.tm_year + 1900 < 0) {
		t = 0;
		gmtime_r(&t, &tm);	/* a date no calendar holds: shown as 1970 */
	}
	p = put_uint(p, (unsigned long long)r->id, 1);
	*p++ = '\t';
	*p++ = (r->flags & MSG_SEEN) ? ' ' : 'N';
	*p++ = (r->flags & MSG_FLAGGED) ? '!' : ' ';
	*p++ = (r->flags & MSG_ANSWERED) ? 'r' : ' ';
	*p++ = r->has_attachment ? '@' : ' ';
	*p++ = '\t';
	/* %Y-%m-%d %H:%M */
	p = put_uint(p, (unsigned long long)(tm.tm_year + 1900), 4);
	*p++ = '-';
	p = put_uint(p, (unsigned long long)(tm.tm_mon + 1), 2);
	*p++ = '-';
	p = put_uint(p, (unsigned long long)tm.tm_mday, 2);
	*p++ = ' ';
	p = put_uint(p, (unsigned long long)tm.tm_hour, 2);
	*p++ = ':';
	p = put_uint(p, (unsigned long long)tm.tm_min, 2);
	*p++ = '\t';
	buf_append(b, line, (size_t)(p - line));
	put_clean(b, r->from_name[0] ? r->from_name : r->from_addr);
	buf_putc(b, '\t');
	put_clean(b, r->subject);
	buf_putc(b, '\n');
}

static int cmd_search(struct cli_context *ctx, int argc, char **argv, struct error **err)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "threads", no_argument, NULL, 't' },
	};
	struct search_opts o = { 0 };
	struct store *st = NULL;
	struct store_cursor *cur = NULL;
	struct store_row row = { 0 };
	struct query q = { 0 };
	struct buf text = BUF_INIT, out = BUF_INIT;
	int first, rc;

	rc = parse_command_options(ctx, find_command("search"), argc, argv, "f:t", opts,
				   ARRAY_LEN(opts), search_opt, &o, &first, err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	for (int i = first; i < argc; i++) {
		if (i > first)
			buf_putc(&text, ' ');
		buf_puts(&text, argv[i]);
	}
	rc = query_compile(buf_cstr(&text), time(NULL), &q, err);
	buf_free(&text);
	if (rc != 0)
		return -1;
	if (open_archive(ctx, STORE_READONLY, &st, err) != 0 ||
	    open_search(st, &q, o.threads ? STORE_ORDER_THREAD : STORE_ORDER_DATE, !o.json,
			&cur, err) != 0) {
		rc = -1;
		goto out;
	}
	for (;;) {
		if (o.json) {
			if ((rc = store_query_next(cur, &row, err)) <= 0)
				break;
			print_row_json(&out, &row);
			store_row_clear(&row);
		} else {
			struct store_listing l;

			if ((rc = store_query_next_listing(cur, &l, err)) <= 0)
				break;
			print_row_text(&out, &l);
		}
		if (out.len >= 64 * 1024) {
			fwrite(out.data, 1, out.len, stdout);
			buf_reset(&out);
		}
	}
	fwrite(buf_cstr(&out), 1, out.len, stdout);
	if (fflush(stdout) != 0 && rc == 0)
		rc = error_set_errno(err, ERR_IO, errno, _("cannot write the results"));
out:
	buf_free(&out);
	store_query_close(&cur);
	store_close(&st);
	query_free(&q);
	return rc < 0 ? -1 : 0;
}

/* ---- show ---- */

enum show_mode { SHOW_RAW, SHOW_HEADERS, SHOW_TEXT, SHOW_PART };

struct show_opts {
	enum show_mode mode;
	const char *part;
	bool all_headers;
};

static int show_opt(void *arg, int opt, struct error **err)
{
	struct show_opts *o = arg;

	if (opt == 'r')
		o->mode = SHOW_RAW;
	else if (opt == 'H')
		o->mode = SHOW_HEADERS;
	else if (opt == 't')
		o->mode = SHOW_TEXT;
	else if (opt == 'a')
		o->all_headers = true;
	else if (opt == 'p') {
		o->mode = SHOW_PART;
		o->part = optarg;
	}
	return 0;
}

/* Decoded headers: one "Name: value" line per field, unfolded, RFC 2047
 * decoded to UTF-8, control characters made harmless. */
static void show_headers(const char *raw, size_t len, struct charset_conv *cc,
			 struct buf *out)
{
	struct header_iter it;
	const char *name, *value;
	size_t nlen, vlen;

	header_iter_init(&it, raw, len);
	while (header_iter_next(&it, &name, &nlen, &value, &vlen)) {
		char *v = rfc2047_decode(cc, value, vlen);
		char *n = utf8_sanitize(name, nlen);

		put_clean(out, n);
		buf_puts(out, ": ");
		put_clean(out, v);
		buf_putc(out, '\n');
		free(v);
		free(n);
	}
	header_iter_deinit(&it);
}

/* Appends to out what show prints for one message in mode o->mode other
 * than SHOW_RAW. */
static int show_render(const struct show_opts *o, const char *raw, size_t len,
		       struct charset_conv *cc, struct buf *out, struct error **err)
{
	struct render_options ro = { .all_headers = o->all_headers };

	if (o->mode == SHOW_HEADERS)
		show_headers(raw, len, cc, out);
	else if (o->mode == SHOW_TEXT)
		render_message_text_cc(raw, len, &ro, cc, out);
	else
		return render_part(raw, len, o->part, out, err);
	return 0;
}

/* Writes one message's output with a single write(2) (stdout is
 * unbuffered while show runs). */
static int show_write(const char *p, size_t n, struct error **err)
{
	if (n > 0 && fwrite(p, 1, n, stdout) != n)
		return error_set_errno(err, ERR_IO, errno, _("cannot write the message"));
	return 0;
}

/* The messages are shown in the order given.  With --text or --headers a
 * line holding only a form feed goes between two of them, one per ID
 * after the first, so the Nth section is always the Nth ID (empty when
 * that one is missing); no message text can contain that line, since
 * show prints no control character from a message.  --raw writes the
 * messages back to back.  A missing message is reported on stderr and the
 * rest are still shown; the status is non-zero at the end. */
static int cmd_show(struct cli_context *ctx, int argc, char **argv, struct error **err)
{
	static const struct option opts[] = {
		{ "raw", no_argument, NULL, 'r' },
		{ "headers", no_argument, NULL, 'H' },
		{ "text", no_argument, NULL, 't' },
		{ "all-headers", no_argument, NULL, 'a' },
		{ "part", required_argument, NULL, 'p' },
	};
	struct show_opts o = { SHOW_RAW, NULL, false };
	struct store *st = NULL;
	struct charset_conv *cc = NULL;
	struct buf out = BUF_INIT;
	int first, nids, missing = 0, rc;

	rc = parse_command_options(ctx, find_command("show"), argc, argv, "", opts,
				   ARRAY_LEN(opts), show_opt, &o, &first, err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	nids = argc - first;
	if (nids < 1)
		return usage_error(err, "show",
				   _("name at least one message: its id or <message-id>"));
	if (o.mode == SHOW_PART && nids != 1)
		return usage_error(err, "show", _("--part takes one message"));
	if (open_archive(ctx, STORE_READONLY, &st, err) != 0)
		return -1;
	setvbuf(stdout, NULL, _IONBF, 0);
	cc = charset_conv_new();
	for (int i = first; i < argc && rc == 0; i++) {
		struct error *e = NULL;
		char *raw = NULL;
		size_t len = 0;
		int64_t id;

		buf_reset(&out);
		if (i > first && o.mode != SHOW_RAW)
			buf_puts(&out, "\f\n");
		if (store_resolve_id(st, argv[i], &id, &e) == 0 &&
		    store_get_raw(st, id, &raw, &len, &e) == 0) {
			if (o.mode == SHOW_RAW)
				rc = show_write(raw, len, &e);
			else if (show_render(&o, raw, len, cc, &out, &e) != 0)
				rc = -1;
			free(raw);
		}
		if (e != NULL && e->kind == ERR_NOTFOUND && nids > 1 && rc == 0) {
			fprintf(stderr, "petrel: %s\n", e->msg);
			error_free(&e);
			missing++;
		} else if (e != NULL) {
			*err = e;
			rc = -1;
		}
		if (rc == 0)
			rc = show_write(out.data, out.len, err);
	}
	buf_free(&out);
	charset_conv_free(&cc);
	store_close(&st);
	if (rc != 0)
		return -1;
	if (missing > 0)
		return error_set(err, ERR_NOTFOUND,
				 ngettext("%d of %d messages was not found; the others were shown",
					  "%d of %d messages were not found; the others were shown",
					  plural_n((uint64_t)missing)), missing, nids);
	return 0;
}

/* ---- check ---- */

static int cmd_check(struct cli_context *ctx, int argc, char **argv, struct error **err)
{
	struct store *st = NULL;
	int64_t checked, bad;
	char *report = NULL;
	int first, rc;

	rc = parse_command_options(ctx, find_command("check"), argc, argv, "", NULL, 0,
				   NULL, NULL, &first, err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (first != argc)
		return usage_error(err, "check", _("takes no operands"));
	if (open_archive(ctx, STORE_READONLY, &st, err) != 0)
		return -1;
	rc = store_check(st, &checked, &bad, &report, err);
	store_close(&st);
	if (rc != 0)
		return -1;
	fputs(report, stdout);
	free(report);
	if (bad > 0)
		return error_set(err, ERR_STORE, _("archive %s: %lld of %lld messages failed "
						  "the check"), ctx->archive_path,
				 (long long)bad, (long long)checked);
	printf(ngettext("%s: %lld message checked, intact\n",
			"%s: %lld messages checked, all intact\n", plural_n((uint64_t)checked)),
	       ctx->archive_path, (long long)checked);
	return 0;
}

/* ---- fetch ---- */

struct fetch_cli_opts {
	bool quiet;
	bool mark_seen;
};

static int fetch_opt(void *arg, int opt, struct error **err)
{
	struct fetch_cli_opts *o = arg;

	if (opt == 'q')
		o->quiet = true;
	else if (opt == 'm')
		o->mark_seen = true;
	return 0;
}

/* Asks for a password on the terminal without echo. */
static char *prompt_tty(void *ctx, const struct account *acct, const char *what)
{
	FILE *tty = fopen("/dev/tty", "r+");
	struct termios old, quiet;
	char line[1024];
	char *res = NULL;

	(void)ctx;
	if (tty == NULL)
		return NULL;
	fprintf(tty, _("%s for account %s (%s@%s): "), what, acct->name,
		acct->pop3_user ? acct->pop3_user : "", acct->pop3_host ? acct->pop3_host : "");
	fflush(tty);
	if (tcgetattr(fileno(tty), &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
	}
	if (fgets(line, sizeof line, tty) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] != '\0')
			res = xstrdup(line);
	}
	tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fputc('\n', tty);
	memset(line, 0, sizeof line);
	fclose(tty);
	return res;
}

struct fetch_display {
	bool tty;
	bool quiet;
	struct timespec start;
	double last_draw;
};

static double seconds_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void format_bytes(uint64_t n, char *out, size_t len)
{
	if (n < 1024 * 1024)
		snprintf(out, len, "%.1f KB", (double)n / 1024.0);
	else
		snprintf(out, len, "%.1f MB", (double)n / (1024.0 * 1024.0));
}

/* Appends the printable text of s to out (of size n, used *len) in at
 * most max columns; a character that is not printable (or not valid in
 * the locale's encoding) shows as '?'.  Returns the columns used.  With
 * out NULL it only measures. */
static int put_columns(char *out, size_t n, size_t *len, const char *s, int max)
{
	mbstate_t ps;
	int used = 0;

	memset(&ps, 0, sizeof ps);
	while (*s != '\0') {
		wchar_t wc = 0;
		size_t k = mbrtowc(&wc, s, strlen(s), &ps);
		bool bad = k == (size_t)-1 || k == (size_t)-2 || k == 0 || !iswprint(wc);
		int w = bad ? 1 : wcwidth(wc);

		if (bad) {
			memset(&ps, 0, sizeof ps);
			if (k == (size_t)-1 || k == (size_t)-2 || k == 0)
				k = 1;
		}
		if (w < 0)
			w = 1;
		if (used + w > max)
			break;
		if (out != NULL) {
			if (*len + (bad ? 1 : k) >= n)
				break;
			if (bad) {
				out[(*len)++] = '?';
			} else {
				memcpy(out + *len, s, k);
				*len += k;
			}
			out[*len] = '\0';
		}
		used += w;
		s += k;
	}
	return used;
}

/* The live progress bar of one account on a terminal, redrawn in place:
 * "NAME [bar] done/total messages  bytes/total  rate/s ETA m:ss".  It
 * never reaches the terminal's last column (a wider line would wrap, and
 * the next redraw would start on the wrapped row): a long account name is
 * shortened with "...", and what still does not fit is left off from the
 * end, whole fields at a time.  The width is read at every redraw, so a
 * resized terminal gets lines of its new width. */
static void fetch_progress(void *ctx, const struct fetch_status *st)
{
	struct fetch_display *d = ctx;
	double t = seconds_since(&d->start), rate, frac;
	char done[32], total[32], speed[32], eta[64] = "";
	char bar[21], fields[4][96], line[1024];
	struct winsize ws;
	size_t len = 0;
	int filled, room = 79, need, used, name_w;

	if (!d->tty || d->quiet)
		return;
	/* At most ten redraws a second, but always the last one. */
	if (st->phase != FETCH_DONE && t - d->last_draw < 0.1)
		return;
	d->last_draw = t;
	rate = t > 0 ? (double)st->bytes_done / t : 0;
	frac = st->bytes_total > 0 ? (double)st->bytes_done / (double)st->bytes_total :
	       st->to_fetch > 0 ? (double)st->stored / st->to_fetch : 1.0;
	if (st->phase < FETCH_DOWNLOADING)
		frac = 0;
	filled = (int)(frac * 20 + 0.5);
	for (int i = 0; i < 20; i++)
		bar[i] = i < filled ? '#' : '.';
	bar[20] = '\0';
	format_bytes(st->bytes_done, done, sizeof done);
	format_bytes(st->bytes_total, total, sizeof total);
	format_bytes((uint64_t)rate, speed, sizeof speed);
	if (rate > 0 && st->bytes_total > st->bytes_done) {
		long left = (long)((double)(st->bytes_total - st->bytes_done) / rate);

		snprintf(eta, sizeof eta, _(" ETA %ld:%02ld"), left / 60, left % 60);
	}
	snprintf(fields[0], sizeof fields[0], " [%s] ", bar);
	snprintf(fields[0] + strlen(fields[0]), sizeof fields[0] - strlen(fields[0]),
		 _("%u/%u messages"), st->stored, st->to_fetch);
	snprintf(fields[1], sizeof fields[1], "  %s/%s", done, total);
	snprintf(fields[2], sizeof fields[2], "  %s/s", speed);
	snprintf(fields[3], sizeof fields[3], "%s", eta);
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1)
		room = ws.ws_col - 1;
	/* The name gives way (down to 10 columns) to the bar, the messages
	 * and the bytes. */
	need = put_columns(NULL, 0, NULL, fields[0], INT_MAX) +
	       put_columns(NULL, 0, NULL, fields[1], INT_MAX);
	name_w = put_columns(NULL, 0, NULL, st->account, INT_MAX);
	line[len++] = '\r';
	line[len] = '\0';
	if (name_w <= room - need || name_w <= 10 || room <= 10) {
		used = put_columns(line, sizeof line, &len, st->account, room);
	} else {
		int keep = room - need > 10 ? room - need : 10;

		used = put_columns(line, sizeof line, &len, st->account, keep - 3);
		used += put_columns(line, sizeof line, &len, "...", 3);
	}
	for (int i = 0; i < 4; i++) {
		int w = put_columns(NULL, 0, NULL, fields[i], INT_MAX);

		if (used + w > room)
			break;
		used += put_columns(line, sizeof line, &len, fields[i], w);
	}
	fprintf(stderr, "%s\033[K", line);
	if (st->phase == FETCH_DONE)
		fputc('\n', stderr);
	fflush(stderr);
}

static int cmd_fetch(struct cli_context *ctx, int argc, char **argv, struct error **err)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "mark-seen", no_argument, NULL, 'm' },
	};
	struct fetch_cli_opts o = { 0 };
	struct store *st = NULL;
	bool any_temp = false, any_perm = false;
	int first, rc, nrun = 0;

	rc = parse_command_options(ctx, find_command("fetch"), argc, argv, "qm", opts,
				   ARRAY_LEN(opts), fetch_opt, &o, &first, err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	for (int i = first; i < argc; i++) {
		const struct account *a = config_find_account(&ctx->cfg, argv[i]);

		if (a == NULL)
			return error_set(err, ERR_USAGE, _("no account \"%s\" in %s"), argv[i],
					 ctx->cfg.path ? ctx->cfg.path : _("the configuration"));
		if (a->pop3_host == NULL)
			return error_set(err, ERR_CONFIG, _("account %s has no pop3-host to fetch "
							   "from"), a->name);
	}
	if (open_archive(ctx, STORE_CREATE, &st, err) != 0)
		return -1;
	for (size_t i = 0; i < ctx->cfg.naccounts; i++) {
		const struct account *a = &ctx->cfg.accounts[i];
		struct fetch_display d = { .tty = isatty(STDERR_FILENO) != 0, .quiet = o.quiet };
		struct fetch_options fo = {
			.mark_seen = o.mark_seen,
			.prompt = isatty(STDIN_FILENO) ? prompt_tty : NULL,
			.progress = fetch_progress,
			.progress_ctx = &d,
		};
		struct fetch_status status = { 0 };
		struct error *aerr = NULL;
		bool named = first >= argc;
		int lock;

		for (int j = first; j < argc; j++)
			if (strcmp(argv[j], a->name) == 0)
				named = true;
		if (!named || a->pop3_host == NULL)
			continue;
		nrun++;
		clock_gettime(CLOCK_MONOTONIC, &d.start);
		lock = fetch_lock(ctx->archive_path, a->name, &aerr);
		if (lock >= 0) {
			rc = fetch_account(st, a, &fo, &status, &aerr);
			fetch_unlock(lock);
		} else {
			rc = -1;
		}
		if (rc != 0) {
			fprintf(stderr, "petrel: %s\n", aerr->msg);
			if (aerr->detail != NULL)
				fprintf(stderr, _("petrel: the server said: %s\n"), aerr->detail);
			log_msg(LOG_ERROR, "fetch: %s", aerr->msg);
			if (aerr->kind == ERR_TEMP)
				any_temp = true;
			else
				any_perm = true;
			error_free(&aerr);
		}
		if (!o.quiet && (!d.tty || rc != 0) && lock >= 0) {
			char bytes[32];

			format_bytes(status.bytes_done, bytes, sizeof bytes);
			if (o.mark_seen)
				printf(ngettext("%s: %u message marked as already fetched\n",
						"%s: %u messages marked as already fetched\n",
						status.fetched), a->name, status.fetched);
			else
				printf(_("%s: %u new of %u on the server (%s, %u duplicate, %u "
					 "headers only) in %.1f s; %u deleted from the server%s\n"),
				       a->name, status.fetched, status.on_server, bytes,
				       status.duplicates, status.partial, seconds_since(&d.start),
				       status.deleted, rc != 0 ? _("; incomplete") : "");
		}
		log_msg(LOG_INFO, "fetch %s: %u new, %u deleted, %u sessions%s", a->name,
			status.fetched, status.deleted, status.sessions, rc != 0 ? ", failed" : "");
	}
	store_close(&st);
	fflush(stdout);
	if (nrun == 0 && first >= argc)
		return error_set(err, ERR_CONFIG, _("no account with a pop3-host in %s; see "
						   "petrel.conf(5)"),
				 ctx->cfg.path ? ctx->cfg.path : _("the configuration"));
	if (any_perm)
		return 1;
	if (any_temp)
		return EXIT_TEMPFAIL;
	return 0;
}

/* ---- dispatch ---- */

static const struct command commands[] = {
	{ "import", N_("PATH..."),
	  N_("Import mbox files and Maildir folders into the archive; the same message "
	     "(same bytes) is stored once."), cmd_import },
	{ "export", N_("--format mbox|maildir [--query Q] DEST"),
	  N_("Write the messages matching Q (all by default) to an mbox file (mboxrd, "
	     "appended) or a Maildir, byte for byte."), cmd_export },
	{ "search", N_("[--format text|json] [--threads] QUERY..."),
	  N_("Print the messages matching QUERY, one per line or one JSON object per "
	     "line. An empty query matches every message."), cmd_search },
	{ "show", N_("[--raw | --headers | --text [--all-headers]] ID... | --part N ID"),
	  N_("Print messages by archive id or <message-id>, in the order given: their "
	     "raw bytes (back to back), their decoded header fields, or the text the "
	     "pager shows (UTF-8), with a line holding only a form feed (^L) between "
	     "two messages; or one decoded part of one message (numbered as in the "
	     "attachment list). A missing message is reported and the rest are shown; "
	     "the exit status is then 1."), cmd_show },
	{ "fetch", N_("[--quiet] [--mark-seen] [ACCOUNT...]"),
	  N_("Fetch new mail by POP3 from the named accounts (all by default) into the "
	     "archive. Exit status 0 when all is done, 75 after a transient failure, 1 "
	     "after a permanent one."), cmd_fetch },
	{ "check", "",
	  N_("Verify the archive: SQLite's integrity check and every message's SHA-256."),
	  cmd_check },
};

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void print_usage(FILE *f)
{
	fprintf(f, _("usage: petrel [--config FILE] [--archive FILE] [--demo]\n"
		     "       petrel COMMAND [OPTIONS] [ARGS]\n\n"
		     "Without a command, open the mail reader on the archive.\n\n"
		     "Commands:\n"));
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name,
			commands[i].args[0] ? _(commands[i].args) : "");
	fprintf(f, _("\nRun 'petrel COMMAND --help' for one command, or see petrel(1).\n"));
}

static void report_error(struct error *e)
{
	if (e == NULL)
		return;
	fprintf(stderr, "petrel: %s\n", e->msg);
	if (e->detail != NULL)
		fprintf(stderr, _("petrel: the server said: %s\n"), e->detail);
}

/* Fills a fresh archive in a new temporary directory with generated
 * sample mail, for --demo.  *dir gets the directory to remove later. */
static int make_demo_archive(struct cli_context *ctx, char **dir, struct error **err)
{
	const char *tmp = getenv("TMPDIR");
	char *tmpl = xasprintf("%s/petrel-demo-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	struct demo_gen *g;
	struct demo_msg m;
	struct store *st = NULL;
	int rc = 0;

	if (mkdtemp(tmpl) == NULL) {
		error_set_errno(err, ERR_IO, errno, _("cannot create a directory for the demo "
						      "archive in %s"), tmp && *tmp ? tmp : "/tmp");
		free(tmpl);
		return -1;
	}
	*dir = tmpl;
	ctx->archive_path = path_join(tmpl, "demo.db");
	ctx->cfg.ui.threads = true;
	if (store_open(&st, ctx->archive_path, STORE_CREATE, err) != 0 ||
	    store_begin(st, err) != 0) {
		store_close(&st);
		return -1;
	}
	g = demo_gen_new((uint32_t)time(NULL), DEMO_DEFAULT_COUNT);
	demo_gen_set_now(g, (int64_t)time(NULL));
	while (rc == 0 && demo_gen_next(g, &m)) {
		struct store_new n = { .raw = m.data, .len = m.len, .flags = m.flags,
				       .fallback_date = m.date };

		rc = store_add(st, &n, NULL, err) < 0 ? -1 : 0;
	}
	demo_gen_free(&g);
	if (rc == 0)
		rc = store_commit(st, err);
	store_close(&st);
	return rc;
}

static void remove_demo_archive(const char *dir)
{
	static const char *const files[] = { "demo.db", "demo.db-wal", "demo.db-shm" };

	for (size_t i = 0; i < ARRAY_LEN(files); i++) {
		char *p = path_join(dir, files[i]);

		unlink(p);
		free(p);
	}
	rmdir(dir);
}

static int run_tui(struct cli_context *ctx, int argc, char **argv, cli_tui_fn tui,
		   struct error **err)
{
	static const struct option opts[] = {
		COMMON_LONG_OPTIONS,
		{ "demo", no_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct common_opts co = { 0 };
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (common_option(&co, opt))
			continue;
		if (opt == 'd') {
			ctx->demo = true;
			continue;
		}
		return error_set(err, ERR_USAGE, _("bad option %s; see 'petrel --help'"),
				 argv[optind - 1]);
	}
	if (co.help) {
		print_usage(stdout);
		return 0;
	}
	if (co.version) {
		print_version();
		return 0;
	}
	if (optind < argc)
		return error_set(err, ERR_USAGE, _("unknown command \"%s\"; see 'petrel --help'"),
				 argv[optind]);
	if (ctx->demo) {
		char *dir = NULL;
		int rc = make_demo_archive(ctx, &dir, err);

		if (rc == 0)
			rc = tui(ctx, err);
		if (dir != NULL)
			remove_demo_archive(dir);
		free(dir);
		return rc;
	}
	if (load_context(ctx, &co, err) != 0)
		return -1;
	return tui(ctx, err);
}

int cli_main(int argc, char **argv, cli_tui_fn tui)
{
	struct cli_context ctx;
	struct error *err = NULL;
	const struct command *cmd = NULL;
	int cmd_index = 0, rc;

	memset(&ctx, 0, sizeof ctx);
	/* The log is a diagnostic aid: not being able to open it is no
	 * reason to refuse to work. */
	if (log_open(NULL, LOG_INFO, &err) != 0)
		error_free(&err);
	/* The command is the first operand; global options may precede it. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 || strcmp(argv[i], "--archive") == 0) {
			i++;
			continue;
		}
		if (argv[i][0] == '-')
			continue;
		cmd = find_command(argv[i]);
		cmd_index = i;
		break;
	}
	if (cmd == NULL) {
		rc = run_tui(&ctx, argc, argv, tui, &err);
	} else {
		/* Hand the command its arguments with the global ones kept:
		 * getopt permutes, so options before the name still count. */
		char **args = xcalloc((size_t)argc + 1, sizeof *args);
		int n = 0;

		args[n++] = argv[0];
		for (int i = 1; i < argc; i++)
			if (i != cmd_index)
				args[n++] = argv[i];
		rc = cmd->run(&ctx, n, args, &err);
		free(args);
	}
	config_free(&ctx.cfg);
	free(ctx.archive_path);
	if (err != NULL) {
		log_msg(LOG_ERROR, "%s: %s", cmd != NULL ? cmd->name : "tui", err->msg);
		report_error(err);
		rc = error_exit_code(err);
		error_free(&err);
	} else if (rc < 0) {
		rc = 1;
	}
	log_close();
	return rc;
}
