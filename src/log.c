/* log.c - the diagnostic log, a file under $XDG_STATE_HOME/petrel/. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "i18n.h"
#include "log.h"
#include "paths.h"

static FILE *log_file;
static enum log_level log_max = LOG_INFO;

int log_open(const char *path, enum log_level level, struct error **err)
{
	char *owned = NULL, *dir;
	int fd;

	log_close();
	log_max = level;
	if (path == NULL) {
		char *state = xdg_state_home(err);

		if (state == NULL)
			return -1;
		owned = xasprintf("%s/petrel/petrel.log", state);
		free(state);
		path = owned;
	}
	dir = path_dirname(path);
	if (path_mkdirs(dir, 0700, err) != 0) {
		free(dir);
		free(owned);
		return -1;
	}
	free(dir);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0 || (log_file = fdopen(fd, "a")) == NULL) {
		error_set_errno(err, ERR_IO, errno, _("cannot open log file %s"), path);
		if (fd >= 0)
			close(fd);
		free(owned);
		return -1;
	}
	free(owned);
	return 0;
}

void log_close(void)
{
	if (log_file != NULL)
		fclose(log_file);
	log_file = NULL;
}

static void log_vwrite(enum log_level level, const char *fmt, va_list ap) PRINTF_LIKE(2, 0);

static void log_vwrite(enum log_level level, const char *fmt, va_list ap)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	char stamp[32];
	time_t now;
	struct tm tm;

	if (log_file == NULL || level > log_max)
		return;
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(log_file, "%s [%ld] %s: ", stamp, (long)getpid(), names[level]);
	vfprintf(log_file, fmt, ap);
	fputc('\n', log_file);
	fflush(log_file);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(level, fmt, ap);
	va_end(ap);
}

static void log_write(enum log_level level, const char *fmt, ...) PRINTF_LIKE(2, 3);

static void log_write(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(level, fmt, ap);
	va_end(ap);
}

void log_protocol(const char *dir, const char *line, int is_credential)
{
	static const char *const secret_verbs[] = { "PASS ", "APOP ", "AUTH " };

	if (is_credential) {
		log_write(LOG_DEBUG, "%s <hidden>", dir);
		return;
	}
	for (size_t i = 0; i < ARRAY_LEN(secret_verbs); i++) {
		size_t n = strlen(secret_verbs[i]);

		if (ascii_strncasecmp(line, secret_verbs[i], n) == 0) {
			/* Keep the verb and, for AUTH, the mechanism name. */
			const char *end = line + n;

			if (i == 2)
				end += strcspn(end, " ");
			log_write(LOG_DEBUG, "%s %.*s <hidden>", dir, (int)(end - line), line);
			return;
		}
	}
	log_write(LOG_DEBUG, "%s %s", dir, line);
}
