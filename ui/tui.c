/* tui.c - the ncurses front end: the message index over the archive.
 *
 * The index holds only the rows on screen; moving past an edge asks the
 * archive for the next keyset window, so it opens at once on any archive
 * size.  Every string from a message is drawn through draw_text(), which
 * lays out wide and combining characters by their width and turns control
 * characters into '?', so no byte of a message reaches the terminal as a
 * control sequence. */
#include "config.h"

#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "i18n.h"
#include "msgflags.h"
#include "store.h"
#include "tui.h"

#define REFRESH_MS 2000

struct index_view {
	struct store *st;
	enum store_order order;
	struct store_row *rows;	/* the screen's rows, in display order */
	size_t n;
	size_t sel;
	int64_t total_seen;	/* archive total when last loaded */
	char status[256];
};

/* Draws UTF-8 text at (y, x) in at most width columns. */
static int draw_text(int y, int x, int width, const char *s)
{
	mbstate_t ps;
	size_t len = strlen(s);
	int used = 0;

	memset(&ps, 0, sizeof ps);
	move(y, x);
	while (len > 0 && used < width) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, s, len, &ps);
		int w;

		if (k == (size_t)-1 || k == (size_t)-2) {
			memset(&ps, 0, sizeof ps);
			wc = L'?';
			k = 1;
		} else if (k == 0) {
			break;
		}
		if (wc < 0x20 || (wc >= 0x7f && wc < 0xa0) || wc == 0x2028 || wc == 0x2029)
			wc = L'?';
		w = wcwidth(wc);
		if (w < 0)
			wc = L'?', w = 1;
		if (used + w > width)
			break;
		{
			wchar_t one[2] = { wc, 0 };
			cchar_t cc;

			if (setcchar(&cc, one, A_NORMAL, 0, NULL) == OK)
				add_wch(&cc);
		}
		used += w;
		s += k;
		len -= k;
	}
	return used;
}

static void draw_row(int y, const struct store_row *r, bool selected)
{
	char date[32], size[32], flags[5];
	time_t t = (time_t)r->date;
	struct tm tm;
	int cols = COLS, x;

	localtime_r(&t, &tm);
	strftime(date, sizeof date, "%Y-%m-%d", &tm);
	format_size(r->size > 0 ? (uint64_t)r->size : 0, size, sizeof size);
	flags[0] = (r->flags & MSG_TRASHED) ? 'D' : (r->flags & MSG_SEEN) ? ' ' : 'N';
	flags[1] = (r->flags & MSG_FLAGGED) ? '!' : ' ';
	flags[2] = (r->flags & MSG_ANSWERED) ? 'r' : ' ';
	flags[3] = r->has_attachment ? '@' : ' ';
	flags[4] = '\0';
	if (selected)
		attron(A_REVERSE);
	move(y, 0);
	clrtoeol();
	if (selected)
		for (int i = 0; i < cols; i++)
			mvaddch(y, i, ' ');
	mvaddstr(y, 0, flags);
	x = 5;
	mvaddstr(y, x, date);
	x += 12;
	if (cols > x + 22) {
		draw_text(y, x, 20, r->from_name[0] ? r->from_name : r->from_addr);
		x += 22;
	}
	if (cols > x + 8)
		draw_text(y, x, cols - x - 8, r->subject);
	if (cols > 8)
		mvaddstr(y, cols - 7, size);
	if (selected)
		attroff(A_REVERSE);
}

static int body_lines(void)
{
	return LINES > 2 ? LINES - 2 : 1;
}

static void set_rows(struct index_view *v, struct store_row *rows, size_t n)
{
	store_rows_free(v->rows, v->n);
	v->rows = rows;
	v->n = n;
	if (v->sel >= n)
		v->sel = n ? n - 1 : 0;
}

/* Loads the screen that ends with the last message. */
static int load_end(struct index_view *v, struct error **err)
{
	struct store_row *rows;
	size_t n;

	if (store_window(v->st, v->order, 0, false, false, (size_t)body_lines(), &rows, &n, err))
		return -1;
	set_rows(v, rows, n);
	v->sel = n ? n - 1 : 0;
	return 0;
}

static int load_start(struct index_view *v, struct error **err)
{
	struct store_row *rows;
	size_t n;

	if (store_window(v->st, v->order, 0, true, false, (size_t)body_lines(), &rows, &n, err))
		return -1;
	set_rows(v, rows, n);
	v->sel = 0;
	return 0;
}

/* Reloads a full screen (after a resize, a change, or new mail) keeping
 * the selected message where it was on screen when it can. */
static int reload(struct index_view *v, struct error **err)
{
	struct store_row *rows;
	size_t n, h = (size_t)body_lines(), k;
	int64_t anchor = 0, sel_id;

	if (v->n == 0)
		return load_end(v, err);
	sel_id = v->rows[v->sel].id;
	k = v->sel < h ? v->sel : h - 1;
	/* The row just above the first one to show, if there is one. */
	if (store_window(v->st, v->order, sel_id, false, false, k + 1, &rows, &n, err))
		return -1;
	if (n == k + 1)
		anchor = rows[0].id;
	store_rows_free(rows, n);
	if (store_window(v->st, v->order, anchor, true, false, h, &rows, &n, err))
		return -1;
	if (n < h) {
		/* Near the end: show the last full screen instead. */
		store_rows_free(rows, n);
		if (store_window(v->st, v->order, 0, false, false, h, &rows, &n, err))
			return -1;
	}
	set_rows(v, rows, n);
	for (size_t i = 0; i < n; i++)
		if (rows[i].id == sel_id)
			v->sel = i;
	return 0;
}

static int index_scroll(struct index_view *v, bool down, size_t count, struct error **err)
{
	struct store_row *more, *rows;
	size_t k, h = (size_t)body_lines();

	if (v->n == 0)
		return 0;
	if (store_window(v->st, v->order, down ? v->rows[v->n - 1].id : v->rows[0].id, down,
			 false, count, &more, &k, err))
		return -1;
	if (k == 0) {
		store_rows_free(more, k);
		v->sel = down ? v->n - 1 : 0;
		return 0;
	}
	/* Merge: keep the rows that still fit on screen. */
	rows = xcalloc(h, sizeof *rows);
	{
		size_t total = v->n + k, start, j = 0;
		struct store_row *all = xcalloc(total, sizeof *all);

		if (down) {
			memcpy(all, v->rows, v->n * sizeof *all);
			memcpy(all + v->n, more, k * sizeof *all);
		} else {
			memcpy(all, more, k * sizeof *all);
			memcpy(all + k, v->rows, v->n * sizeof *all);
		}
		start = down ? (total > h ? total - h : 0) : 0;
		for (size_t i = 0; i < total; i++) {
			if (i >= start && j < h)
				rows[j++] = all[i];
			else
				store_row_clear(&all[i]);
		}
		free(all);
		free(more);
		free(v->rows);
		v->rows = rows;
		v->n = j;
		if (down)
			v->sel = count == 1 ? v->n - 1 : (v->sel < v->n ? v->sel : v->n - 1);
		else
			v->sel = count == 1 ? 0 : (v->sel < k ? 0 : v->sel);
	}
	return 0;
}

static void draw(struct index_view *v)
{
	struct store_counts c = { 0 };
	char line[512];

	erase();
	attron(A_REVERSE);
	for (int i = 0; i < COLS; i++)
		mvaddch(0, i, ' ');
	draw_text(0, 0, COLS, _("q:Quit  j/k:Move  PgUp/PgDn:Page  t:Threads  N:Read/unread  "
				"F:Flag  d/u:Trash/undo"));
	attroff(A_REVERSE);
	if (v->n == 0)
		draw_text(2, 2, COLS - 2, _("The archive is empty. Import mail with "
					   "'petrel import PATH' or fetch it with 'petrel fetch'."));
	for (size_t i = 0; i < v->n; i++)
		draw_row(1 + (int)i, &v->rows[i], i == v->sel);
	store_counts(v->st, &c, NULL);
	v->total_seen = c.total;
	snprintf(line, sizeof line, _("-- %lld messages, %lld unread, %lld flagged, %lld in trash "
				      "-- %s order -- %s"),
		 (long long)c.total, (long long)c.unread, (long long)c.flagged,
		 (long long)c.trashed, v->order == STORE_ORDER_THREAD ? _("thread") : _("date"),
		 v->status);
	attron(A_REVERSE);
	for (int i = 0; i < COLS; i++)
		mvaddch(LINES - 1, i, ' ');
	draw_text(LINES - 1, 0, COLS, line);
	attroff(A_REVERSE);
	if (v->n > 0)
		move(1 + (int)v->sel, 0);
	refresh();
}

static int toggle_flag(struct index_view *v, unsigned flag, struct error **err)
{
	struct store_row *r;
	bool on;

	if (v->n == 0)
		return 0;
	r = &v->rows[v->sel];
	on = (r->flags & flag) != 0;
	if (store_set_flags(v->st, r->id, on ? 0 : flag, on ? flag : 0, err) != 0)
		return -1;
	r->flags ^= flag;
	return 0;
}

int tui_run(const char *archive_path, bool threads, struct error **err)
{
	struct index_view v;
	int rc = 0, ch;
	bool quit = false;

	memset(&v, 0, sizeof v);
	v.order = threads ? STORE_ORDER_THREAD : STORE_ORDER_DATE;
	if (store_open(&v.st, archive_path, STORE_CREATE, err) != 0)
		return -1;
	if (initscr() == NULL) {
		store_close(&v.st);
		return error_set(err, ERR_IO, _("cannot start the terminal interface "
					       "(is TERM set?)"));
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	timeout(REFRESH_MS);
	curs_set(0);
	if (load_end(&v, err) != 0) {
		endwin();
		store_close(&v.st);
		return -1;
	}
	snprintf(v.status, sizeof v.status, "%s", archive_path);
	while (!quit && rc == 0) {
		draw(&v);
		ch = getch();
		switch (ch) {
		case 'q':
			quit = true;
			break;
		case 'j': case KEY_DOWN:
			if (v.sel + 1 < v.n)
				v.sel++;
			else
				rc = index_scroll(&v, true, 1, err);
			break;
		case 'k': case KEY_UP:
			if (v.sel > 0)
				v.sel--;
			else
				rc = index_scroll(&v, false, 1, err);
			break;
		case KEY_NPAGE: case ' ':
			rc = index_scroll(&v, true, (size_t)body_lines(), err);
			break;
		case KEY_PPAGE: case '-':
			rc = index_scroll(&v, false, (size_t)body_lines(), err);
			break;
		case KEY_HOME: case '<': case '=':
			rc = load_start(&v, err);
			break;
		case KEY_END: case '>': case '*':
			rc = load_end(&v, err);
			break;
		case 't':
			v.order = v.order == STORE_ORDER_DATE ? STORE_ORDER_THREAD : STORE_ORDER_DATE;
			rc = load_end(&v, err);
			break;
		case 'N':
			rc = toggle_flag(&v, MSG_SEEN, err);
			break;
		case 'F':
			rc = toggle_flag(&v, MSG_FLAGGED, err);
			break;
		case 'd':
			if (v.n > 0 && store_set_flags(v.st, v.rows[v.sel].id, MSG_TRASHED, 0, err) == 0)
				rc = reload(&v, err);
			break;
		case KEY_RESIZE:
			rc = reload(&v, err);
			break;
		case ERR: {
			/* Timeout: pick up mail that fetch or import stored. */
			struct store_counts c;

			if (store_counts(v.st, &c, NULL) == 0 && c.total != v.total_seen)
				rc = reload(&v, err);
			break;
		}
		default:
			break;
		}
	}
	endwin();
	store_rows_free(v.rows, v.n);
	store_close(&v.st);
	return rc;
}
