/* paths.c - XDG base directories, "~" expansion, and creating directories. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "i18n.h"
#include "paths.h"

static char *xdg_dir(const char *var, const char *fallback, struct error **err)
{
	const char *v = getenv(var);
	const char *home;

	/* The XDG spec: a relative path in the variable is invalid, ignore it. */
	if (v != NULL && v[0] == '/')
		return xstrdup(v);
	home = getenv("HOME");
	if (home == NULL || home[0] == '\0') {
		error_set(err, ERR_CONFIG, _("neither $%s nor $HOME is set; set HOME"), var);
		return NULL;
	}
	return xasprintf("%s/%s", home, fallback);
}

char *xdg_config_home(struct error **err)
{
	return xdg_dir("XDG_CONFIG_HOME", ".config", err);
}

char *xdg_data_home(struct error **err)
{
	return xdg_dir("XDG_DATA_HOME", ".local/share", err);
}

char *xdg_state_home(struct error **err)
{
	return xdg_dir("XDG_STATE_HOME", ".local/state", err);
}

char *path_expand_home(const char *path, struct error **err)
{
	const char *home;

	if (path[0] != '~' || (path[1] != '\0' && path[1] != '/'))
		return xstrdup(path);
	home = getenv("HOME");
	if (home == NULL || home[0] == '\0') {
		error_set(err, ERR_CONFIG, _("cannot expand \"%s\": $HOME is not set"), path);
		return NULL;
	}
	return xasprintf("%s%s", home, path + 1);
}

char *path_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

char *path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir);

	if (n > 0 && dir[n - 1] == '/')
		return xasprintf("%s%s", dir, name);
	return xasprintf("%s/%s", dir, name);
}

int path_mkdirs(const char *dir, mode_t mode, struct error **err)
{
	char *p = xstrdup(dir);
	int rc = 0;

	for (char *s = p + 1;; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(p, mode) != 0 && errno != EEXIST) {
			rc = error_set_errno(err, ERR_IO, errno, _("cannot create directory %s"), p);
			break;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return rc;
}
