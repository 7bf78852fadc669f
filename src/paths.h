/* paths.h - XDG base directories, "~" expansion, and creating directories. */
#ifndef PETREL_PATHS_H
#define PETREL_PATHS_H

#include <sys/types.h>

#include "error.h"

/* $XDG_CONFIG_HOME, $XDG_DATA_HOME, $XDG_STATE_HOME with the spec's
 * defaults under $HOME; allocated.  NULL (and an error) without $HOME. */
char *xdg_config_home(struct error **err);
char *xdg_data_home(struct error **err);
char *xdg_state_home(struct error **err);

/* "~" or "~/x" becomes $HOME or $HOME/x; anything else is copied. */
char *path_expand_home(const char *path, struct error **err);
/* The directory part of path ("." when there is none); allocated. */
char *path_dirname(const char *path);
/* Joins a directory and a name with one '/'; allocated. */
char *path_join(const char *dir, const char *name);
/* mkdir -p with the given mode for directories it creates. */
int path_mkdirs(const char *dir, mode_t mode, struct error **err);

#endif
