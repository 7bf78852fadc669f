/* secret.c - getting an account's password or token. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "i18n.h"
#include "secret.h"

/* The most a password command may print before its first newline. */
#define SECRET_MAX (64 * 1024)

void secret_free(char **s)
{
	if (*s == NULL)
		return;
	wipe(*s, strlen(*s));
	free(*s);
	*s = NULL;
}

/* Runs cmd with /bin/sh, stdin from /dev/null, and returns the first line
 * of its standard output. */
static char *run_command(const struct account *acct, struct error **err)
{
	int pipefd[2], status;
	pid_t pid;
	char *out = xmalloc(SECRET_MAX + 1);
	size_t n = 0;
	bool newline = false;

	if (pipe(pipefd) != 0) {
		free(out);
		error_set_errno(err, ERR_IO, errno, _("account %s: cannot run password-command"),
				acct->name);
		return NULL;
	}
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		free(out);
		error_set_errno(err, ERR_IO, errno, _("account %s: cannot run password-command"),
				acct->name);
		return NULL;
	}
	if (pid == 0) {
		FILE *devnull = freopen("/dev/null", "r", stdin);

		(void)devnull;
		dup2(pipefd[1], STDOUT_FILENO);
		close(pipefd[0]);
		close(pipefd[1]);
		signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "sh", "-c", acct->password_command, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	while (n < SECRET_MAX && !newline) {
		ssize_t k = read(pipefd[0], out + n, SECRET_MAX - n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		for (ssize_t i = 0; i < k; i++)
			if (out[n + (size_t)i] == '\n') {
				newline = true;
				k = i;
				break;
			}
		n += (size_t)k;
	}
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	out[n] = '\0';
	if (n > 0 && out[n - 1] == '\r')
		out[--n] = '\0';
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		wipe(out, n);
		free(out);
		if (WIFEXITED(status))
			error_set(err, ERR_CONFIG, _("account %s: password-command failed with "
						    "status %d"), acct->name, WEXITSTATUS(status));
		else
			error_set(err, ERR_CONFIG, _("account %s: password-command was killed by "
						    "signal %d"), acct->name, WTERMSIG(status));
		return NULL;
	}
	if (n == 0) {
		free(out);
		error_set(err, ERR_CONFIG, _("account %s: password-command printed nothing"),
			  acct->name);
		return NULL;
	}
	return out;
}

char *secret_get(const struct account *acct, secret_prompt_fn prompt, void *ctx,
		 struct error **err)
{
	char *s;

	if (acct->password_command != NULL)
		return run_command(acct, err);
	if (acct->password != NULL)
		return xstrdup(acct->password);
	if (prompt != NULL && (s = prompt(ctx, acct, _("password"))) != NULL)
		return s;
	error_set(err, ERR_CONFIG, _("account %s: no password: set password-command in the "
				    "configuration, or run Petrel on a terminal to be asked"),
		  acct->name);
	return NULL;
}
