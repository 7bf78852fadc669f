/* log.h - the diagnostic log, a file under $XDG_STATE_HOME/petrel/.
 *
 * The log is a process-wide sink, like tmux's: opened once by main(),
 * written to by any layer.  Callers must never pass a password or token;
 * log_protocol() masks the arguments of credential-bearing commands. */
#ifndef PETREL_LOG_H
#define PETREL_LOG_H

#include "error.h"

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Opens (appending, mode 0600) the log at path; NULL path means the default
 * $XDG_STATE_HOME/petrel/petrel.log.  Failing to open is not fatal for the
 * caller: the error says why, and logging is then a no-op. */
int log_open(const char *path, enum log_level level, struct error **err);
void log_close(void);
void log_msg(enum log_level level, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* Logs one protocol line, replacing what follows AUTH/PASS/APOP and SASL
 * continuation data with "<hidden>". */
void log_protocol(const char *dir, const char *line, int is_credential);

#endif
