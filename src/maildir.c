/* maildir.c - the Maildir format: a reader over a Maildir or a tree of
 * them, and a writer that delivers messages safely into one. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "buf.h"
#include "i18n.h"
#include "maildir.h"
#include "paths.h"

/* What is read at a time past the size fstat gave (a file that grew). */
#define MAILDIR_READ_SLACK (16u * 1024)
#define MAILDIR_NAME_TRIES 1000

struct entry {
	char *name;
	bool is_new;
};

struct maildir_reader {
	char *root;
	size_t max_message;

	char **folders;		/* paths below root, "" for root itself */
	size_t nfolders, folders_cap;
	size_t fi;		/* next folder to list */

	struct entry *entries;	/* the files of the folder being read */
	size_t nentries, ei;
	char *folder_dir;	/* root/folder of those entries */
	const char *folder;

	char *msg;		/* the last message read: msg_len bytes and a NUL */
	size_t msg_len;
	char *path;
};

static bool is_dir_at(int dfd, const char *name, bool follow)
{
	struct stat st;

	return fstatat(dfd, name, &st, follow ? 0 : AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISDIR(st.st_mode);
}

bool maildir_is_maildir(const char *dir)
{
	char *cur = path_join(dir, "cur"), *new = path_join(dir, "new");
	struct stat st;
	bool yes = (stat(cur, &st) == 0 && S_ISDIR(st.st_mode)) ||
		   (stat(new, &st) == 0 && S_ISDIR(st.st_mode));

	free(cur);
	free(new);
	return yes;
}

/* ---- finding the folders ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_folder(struct maildir_reader *r, const char *rel, struct error **err)
{
	if (r->nfolders == MAILDIR_MAX_FOLDERS)
		return error_set(err, ERR_DATA,
				 _("%s is not a Maildir tree Petrel can read: it holds more than %u folders"),
				 r->root, MAILDIR_MAX_FOLDERS);
	if (r->nfolders == r->folders_cap) {
		r->folders_cap = r->folders_cap ? r->folders_cap * 2 : 16;
		r->folders = xreallocarray(r->folders, r->folders_cap, sizeof *r->folders);
	}
	r->folders[r->nfolders++] = xstrdup(rel);
	return 0;
}

/* Lists the names of the subdirectories of dir worth walking into, sorted.
 * Returns the count, or -1 when dir cannot be read. */
static ssize_t list_subdirs(const char *dir, bool in_maildir, char ***out, struct error **err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;

	*out = NULL;
	if (d == NULL)
		return error_set_errno(err, ERR_IO, errno, _("cannot read the directory %s"), dir);
	while ((errno = 0, de = readdir(d)) != NULL) {
		const char *name = de->d_name;

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		if (in_maildir && (strcmp(name, "cur") == 0 || strcmp(name, "new") == 0 ||
				   strcmp(name, "tmp") == 0))
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (!is_dir_at(dirfd(d), name, false))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			names = xreallocarray(names, cap, sizeof *names);
		}
		names[n++] = xstrdup(name);
	}
	if (errno != 0) {
		int e = errno;

		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
		closedir(d);
		return error_set_errno(err, ERR_IO, e, _("cannot read the directory %s"), dir);
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof *names, cmp_str);
	*out = names;
	return (ssize_t)n;
}

static int walk(struct maildir_reader *r, const char *rel, int depth, bool top_only,
		struct error **err)
{
	char *dir = *rel ? path_join(r->root, rel) : xstrdup(r->root);
	bool is_md = maildir_is_maildir(dir);
	char **subs = NULL;
	ssize_t n = 0;
	int rc = 0;

	if (is_md)
		rc = add_folder(r, rel, err);
	if (rc == 0 && !top_only) {
		n = list_subdirs(dir, is_md, &subs, err);
		if (n < 0)
			rc = -1;
	}
	for (ssize_t i = 0; rc == 0 && i < n; i++) {
		char *sub_rel = *rel ? path_join(rel, subs[i]) : xstrdup(subs[i]);

		if (subs[i][0] == '.') {
			char *sub = path_join(r->root, sub_rel);

			/* Dot-directories count only as Maildir++ folders. */
			if (!maildir_is_maildir(sub)) {
				free(sub);
				free(sub_rel);
				continue;
			}
			free(sub);
		}
		if (depth + 1 > MAILDIR_MAX_DEPTH)
			rc = error_set(err, ERR_DATA,
				       _("%s is not a Maildir tree Petrel can read: %s is nested deeper than %d levels"),
				       r->root, sub_rel, MAILDIR_MAX_DEPTH);
		else
			rc = walk(r, sub_rel, depth + 1, false, err);
		free(sub_rel);
	}
	for (ssize_t i = 0; i < n; i++)
		free(subs[i]);
	free(subs);
	free(dir);
	return rc;
}

struct maildir_reader *maildir_open(const char *path, const struct maildir_params *params,
				    struct error **err)
{
	struct maildir_reader *r;
	struct stat st;

	if (stat(path, &st) < 0) {
		error_set_errno(err, errno == ENOENT ? ERR_NOTFOUND : ERR_IO, errno,
				_("cannot open %s"), path);
		return NULL;
	}
	if (!S_ISDIR(st.st_mode)) {
		error_set(err, ERR_DATA, _("%s is not a Maildir: it is not a directory"), path);
		return NULL;
	}
	r = xcalloc(1, sizeof *r);
	r->root = xstrdup(path);
	r->max_message = params != NULL && params->max_message != 0 ?
			 params->max_message : MAILDIR_DEFAULT_MAX_MESSAGE;
	if (walk(r, "", 0, params != NULL && params->top_only, err) < 0) {
		maildir_close(&r);
		return NULL;
	}
	if (r->nfolders == 0) {
		error_set(err, ERR_DATA,
			  _("%s is not a Maildir: it has no cur/ or new/ directory, and no Maildir below it"),
			  path);
		maildir_close(&r);
		return NULL;
	}
	return r;
}

size_t maildir_folder_count(const struct maildir_reader *r)
{
	return r->nfolders;
}

/* ---- listing one folder ---- */

static void free_entries(struct maildir_reader *r)
{
	for (size_t i = 0; i < r->nentries; i++)
		free(r->entries[i].name);
	free(r->entries);
	r->entries = NULL;
	r->nentries = 0;
	r->ei = 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c != 0 ? c : (int)x->is_new - (int)y->is_new;
}

/* Adds the files of folder_dir/sub to the entries.  A missing sub is
 * fine: it is empty. */
static int list_files(struct maildir_reader *r, const char *sub, size_t *cap,
		      struct error **err)
{
	char *dir = path_join(r->folder_dir, sub);
	DIR *d = opendir(dir);
	struct dirent *de;
	int rc = 0;

	if (d == NULL) {
		if (errno != ENOENT)
			rc = error_set_errno(err, ERR_IO, errno, _("cannot read the directory %s"), dir);
		free(dir);
		return rc;
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (r->nentries == MAILDIR_MAX_FILES) {
			rc = error_set(err, ERR_DATA,
				       _("%s holds more than %u files: its folder was skipped"),
				       dir, MAILDIR_MAX_FILES);
			break;
		}
		if (r->nentries == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			r->entries = xreallocarray(r->entries, *cap, sizeof *r->entries);
		}
		r->entries[r->nentries].name = xstrdup(de->d_name);
		r->entries[r->nentries].is_new = strcmp(sub, "new") == 0;
		r->nentries++;
	}
	if (rc == 0 && errno != 0)
		rc = error_set_errno(err, ERR_IO, errno, _("cannot read the directory %s"), dir);
	closedir(d);
	free(dir);
	return rc;
}

/* Lists the next folder: 1 when one was listed, 0 when none is left, -1
 * when it could not be listed (then it is skipped). */
static int next_folder(struct maildir_reader *r, struct error **err)
{
	size_t cap = 0;

	free_entries(r);
	free(r->folder_dir);
	r->folder_dir = NULL;
	if (r->fi == r->nfolders)
		return 0;
	r->folder = r->folders[r->fi++];
	r->folder_dir = *r->folder ? path_join(r->root, r->folder) : xstrdup(r->root);
	if (list_files(r, "cur", &cap, err) < 0 || list_files(r, "new", &cap, err) < 0) {
		free_entries(r);
		return -1;
	}
	if (r->nentries > 1)
		qsort(r->entries, r->nentries, sizeof *r->entries, cmp_entry);
	return 1;
}

/* ---- reading one message ---- */

static int too_large(const char *path, size_t max, struct error **err)
{
	return error_set(err, ERR_DATA,
			 _("the message %s is larger than the limit of %zu bytes, and was skipped"),
			 path, max);
}

/* Reads the file straight into an allocation of its size: one copy from
 * the kernel, and the bytes can be handed on as they are (see
 * maildir_take_data).  A file that grew since fstat is read on. */
static int read_file(struct maildir_reader *r, const char *path, struct error **err)
{
	struct stat st;
	char *data = NULL;
	size_t cap, len = 0;
	int fd, rc = 0;

	/* O_NONBLOCK: a FIFO left in the folder must not hang the reader. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return error_set_errno(err, errno == ENOENT ? ERR_NOTFOUND : ERR_IO, errno,
				       _("cannot read the message %s"), path);
	if (fstat(fd, &st) < 0) {
		rc = error_set_errno(err, ERR_IO, errno, _("cannot read the message %s"), path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = error_set(err, ERR_DATA, _("cannot read the message %s: it is not a regular file"),
			       path);
		goto out;
	}
	if ((uintmax_t)st.st_size > r->max_message) {
		rc = too_large(path, r->max_message, err);
		goto out;
	}
	cap = (size_t)st.st_size + 1;
	data = xmalloc(cap);
	for (;;) {
		char more[MAILDIR_READ_SLACK];
		bool full = len + 1 == cap;
		ssize_t n = full ? read(fd, more, sizeof more) : read(fd, data + len, cap - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = error_set_errno(err, ERR_IO, errno, _("cannot read the message %s"), path);
			goto out;
		}
		if (n == 0)
			break;
		if (len + (size_t)n > r->max_message) {
			rc = too_large(path, r->max_message, err);
			goto out;
		}
		if (full) {
			cap = len + (size_t)n + sizeof more + 1;
			data = xrealloc(data, cap);
			memcpy(data + len, more, (size_t)n);
		}
		len += (size_t)n;
	}
	data[len] = '\0';
	free(r->msg);
	r->msg = data;
	r->msg_len = len;
	data = NULL;
out:
	free(data);
	close(fd);
	return rc;
}

int maildir_next(struct maildir_reader *r, struct maildir_message *msg, struct error **err)
{
	const struct entry *e;
	const char *info;
	int rc;

	while (r->ei == r->nentries) {
		rc = next_folder(r, err);
		if (rc == 0)
			return MAILDIR_END;
		if (rc < 0)
			return MAILDIR_SKIPPED;
	}
	e = &r->entries[r->ei++];
	free(r->path);
	{
		char *sub = path_join(r->folder_dir, e->is_new ? "new" : "cur");

		r->path = path_join(sub, e->name);
		free(sub);
	}
	if (read_file(r, r->path, err) < 0)
		return MAILDIR_SKIPPED;
	info = maildir_info_letters(e->name);
	msg->data = r->msg;
	msg->len = r->msg_len;
	msg->path = r->path;
	msg->folder = r->folder;
	msg->name = e->name;
	msg->flags = info != NULL ? msgflags_from_maildir(info, strlen(info)) : 0;
	if (e->is_new)
		msg->flags &= ~(unsigned)MSG_SEEN;
	msg->is_new = e->is_new;
	return MAILDIR_MESSAGE;
}

char *maildir_take_data(struct maildir_reader *r)
{
	char *data = r->msg;

	r->msg = NULL;
	r->msg_len = 0;
	return data;
}

void maildir_close(struct maildir_reader **rp)
{
	struct maildir_reader *r = *rp;

	if (r == NULL)
		return;
	free_entries(r);
	for (size_t i = 0; i < r->nfolders; i++)
		free(r->folders[i]);
	free(r->folders);
	free(r->folder_dir);
	free(r->root);
	free(r->path);
	free(r->msg);
	free(r);
	*rp = NULL;
}

/* ---- the writer ---- */

struct maildir_writer {
	char *dir;
	int tmpfd, curfd;
	char *host;		/* the host name, made safe for a file name */
	pid_t pid;
	unsigned long counter;
	struct buf path;	/* the last message's final path */
};

int maildir_create(const char *dir, struct error **err)
{
	static const char *const subs[] = { "cur", "new", "tmp" };

	if (path_mkdirs(dir, 0700, err) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_LEN(subs); i++) {
		char *sub = path_join(dir, subs[i]);
		struct stat st;

		if (mkdir(sub, 0700) < 0 && (errno != EEXIST || stat(sub, &st) < 0 ||
					     !S_ISDIR(st.st_mode))) {
			error_set_errno(err, ERR_IO, errno == EEXIST ? ENOTDIR : errno,
					_("cannot create the Maildir directory %s"), sub);
			free(sub);
			return -1;
		}
		free(sub);
	}
	return 0;
}

/* The host name with '/' and ':' (and ';') escaped as the Maildir
 * specification asks, as octal escapes. */
static char *safe_host(void)
{
	char host[256];
	struct buf b = BUF_INIT;

	if (gethostname(host, sizeof host) < 0 || host[0] == '\0')
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	for (const char *p = host; *p != '\0'; p++) {
		if (*p == '/' || *p == ':' || *p == ';' || *p == '\\')
			buf_printf(&b, "\\%03o", (unsigned char)*p);
		else
			buf_putc(&b, *p);
	}
	return buf_steal(&b, NULL);
}

struct maildir_writer *maildir_writer_open(const char *dir, struct error **err)
{
	struct maildir_writer *w;
	char *tmp = path_join(dir, "tmp"), *cur = path_join(dir, "cur");
	int tmpfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int curfd = open(cur, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (tmpfd < 0 || curfd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			error_set(err, ERR_DATA,
				  _("%s is not a Maildir Petrel can write to: it needs cur/ and tmp/ directories"),
				  dir);
		else
			error_set_errno(err, ERR_IO, errno, _("cannot open the Maildir %s"), dir);
		if (tmpfd >= 0)
			close(tmpfd);
		if (curfd >= 0)
			close(curfd);
		free(tmp);
		free(cur);
		return NULL;
	}
	free(tmp);
	free(cur);
	w = xcalloc(1, sizeof *w);
	w->dir = xstrdup(dir);
	w->tmpfd = tmpfd;
	w->curfd = curfd;
	w->host = safe_host();
	w->pid = getpid();
	buf_init(&w->path, 0);
	return w;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Moves tmp/name to cur/final without replacing anything there: 0, or -1
 * with errno (EEXIST when the final name is taken). */
static int move_to_cur(struct maildir_writer *w, const char *name, const char *final)
{
	if (linkat(w->tmpfd, name, w->curfd, final, 0) == 0) {
		unlinkat(w->tmpfd, name, 0);
		return 0;
	}
	if (errno != EPERM && errno != EOPNOTSUPP && errno != ENOSYS && errno != EMLINK)
		return -1;
	/* No hard links here (some FUSE and FAT file systems): rename. */
	if (renameat2(w->tmpfd, name, w->curfd, final, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (faccessat(w->curfd, final, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		errno = EEXIST;
		return -1;
	}
	return renameat(w->tmpfd, name, w->curfd, final);
}

int maildir_write(struct maildir_writer *w, const void *bytes, size_t len, unsigned flags,
		  const char **path_out, struct error **err)
{
	char letters[MSG_FLAG_COUNT + 1];
	char *name = NULL, *final = NULL;
	int fd = -1, tries;

	msgflags_to_maildir(flags, letters);
	for (tries = 0; tries < MAILDIR_NAME_TRIES; tries++) {
		struct timeval tv;

		gettimeofday(&tv, NULL);
		free(name);
		free(final);
		name = xasprintf("%lld.M%ldP%ldQ%lu.%s", (long long)tv.tv_sec, (long)tv.tv_usec,
				 (long)w->pid, ++w->counter, w->host);
		final = xasprintf("%s:2,%s", name, letters);
		fd = openat(w->tmpfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0) {
			if (errno == EEXIST)
				continue;
			error_set_errno(err, ERR_IO, errno, _("cannot create a file in %s/tmp"), w->dir);
			goto fail_nofile;
		}
		if (write_all(fd, bytes, len) < 0 || fsync(fd) < 0) {
			error_set_errno(err, ERR_IO, errno, _("cannot write %s/tmp/%s"), w->dir, name);
			goto fail;
		}
		if (close(fd) < 0) {
			fd = -1;
			error_set_errno(err, ERR_IO, errno, _("cannot write %s/tmp/%s"), w->dir, name);
			goto fail;
		}
		fd = -1;
		if (move_to_cur(w, name, final) == 0)
			break;
		if (errno != EEXIST) {
			error_set_errno(err, ERR_IO, errno, _("cannot move %s/tmp/%s into cur/"),
					w->dir, name);
			goto fail;
		}
		unlinkat(w->tmpfd, name, 0);
	}
	if (tries == MAILDIR_NAME_TRIES) {
		error_set(err, ERR_IO, _("cannot find an unused file name in %s"), w->dir);
		goto fail_nofile;
	}
	if (fsync(w->curfd) < 0) {
		/* Its directory entry may not be on disk: take the message
		 * back, so that a failure always means "not delivered". */
		error_set_errno(err, ERR_IO, errno, _("cannot write the directory %s/cur to disk"),
				w->dir);
		unlinkat(w->curfd, final, 0);
		free(name);
		free(final);
		return -1;
	}
	buf_reset(&w->path);
	buf_printf(&w->path, "%s/cur/%s", w->dir, final);
	if (path_out != NULL)
		*path_out = buf_cstr(&w->path);
	free(name);
	free(final);
	return 0;

fail:
	if (fd >= 0)
		close(fd);
	unlinkat(w->tmpfd, name, 0);
fail_nofile:
	free(name);
	free(final);
	return -1;
}

void maildir_writer_close(struct maildir_writer **wp)
{
	struct maildir_writer *w = *wp;

	if (w == NULL)
		return;
	close(w->tmpfd);
	close(w->curfd);
	free(w->dir);
	free(w->host);
	buf_free(&w->path);
	free(w);
	*wp = NULL;
}
