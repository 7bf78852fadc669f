/* conf.h - the configuration file (SPEC section 4): finding it, parsing it
 * into a struct config with every key validated and every default applied,
 * and finding the archive.
 *
 * The module is called conf, not config, because config.h is autoconf's
 * generated header and every .c file includes it first.
 *
 * The syntax is git-config-like INI; doc/petrel.conf.5 is the user's
 * reference and this module follows it exactly:
 *
 *   [archive]            path
 *   [account "NAME"]     address name pop3-* smtp-* password-command ...
 *   [ui]                 editor threads
 *
 * Nothing here prints or reads the terminal: problems come back as an error
 * value ("FILE:LINE: KEY: what is wrong"), and things the user should know
 * but that do not stop Petrel (a password in a file others can read) are
 * collected in config.warnings for the caller to show. */
#ifndef PETREL_CONF_H
#define PETREL_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Parser limits: a longer line or a bigger file is an error. */
#define CONFIG_LINE_MAX (64 * 1024)
#define CONFIG_FILE_MAX (1024 * 1024)
#define CONFIG_TIMEOUT_MAX 86400	/* seconds */
#define CONFIG_DAYS_MAX 100000		/* pop3-delete-after-days */

/* pop3-tls and smtp-tls. */
enum config_tls {
	CONFIG_TLS_IMPLICIT,	/* TLS from the first byte (RFC 8314) */
	CONFIG_TLS_STARTTLS,	/* STLS / STARTTLS, required, never skipped */
	CONFIG_TLS_NONE,	/* plaintext */
};

/* pop3-auth and smtp-auth.  APOP and USER exist for POP3 only. */
enum config_auth {
	CONFIG_AUTH_AUTO,	/* the strongest the server offers */
	CONFIG_AUTH_SCRAM_SHA_256,
	CONFIG_AUTH_SCRAM_SHA_1,
	CONFIG_AUTH_CRAM_MD5,
	CONFIG_AUTH_PLAIN,
	CONFIG_AUTH_LOGIN,
	CONFIG_AUTH_APOP,
	CONFIG_AUTH_USER,
	CONFIG_AUTH_XOAUTH2,
	CONFIG_AUTH_OAUTHBEARER,
};

/* One [account "NAME"] section, defaults applied.  Strings are allocated
 * and owned by the struct config; NULL means "not set" where noted. */
struct account {
	char *name;		/* the section's NAME, never empty */
	unsigned line;		/* line of the section header */
	char *address;		/* required: the e-mail address */
	char *real_name;	/* "name" key, or NULL */

	char *pop3_host;	/* NULL: send-only account */
	int pop3_port;		/* 995 with implicit TLS, 110 otherwise */
	enum config_tls pop3_tls;	/* default implicit */
	char *pop3_user;	/* default: address */
	enum config_auth pop3_auth;	/* default auto */
	bool pop3_keep;		/* default true */
	int pop3_delete_after_days;	/* 0: never (the default) */
	uint64_t pop3_max_size;	/* bytes; 0: no limit (the default) */

	char *smtp_host;	/* NULL: fetch-only account */
	int smtp_port;		/* 465 with implicit TLS, 587 otherwise */
	enum config_tls smtp_tls;	/* default starttls */
	char *smtp_user;	/* default: pop3_user */
	enum config_auth smtp_auth;	/* default auto */

	char *password_command;	/* NULL when unset */
	char *password;		/* NULL when unset; wiped by config_free */
	char *tls_ca_file;	/* NULL: the system trust store */
	bool has_tls_fingerprint;
	unsigned char tls_fingerprint[32];	/* SHA-256 of the certificate */
	bool allow_plaintext_auth;	/* default false */
	int timeout;		/* seconds, 1..CONFIG_TIMEOUT_MAX, default 60 */
	char *signature_file;	/* NULL when unset */
};

struct config {
	char *path;		/* the file read (or looked for); may be NULL */
	bool exists;		/* false when there was no file */
	char *archive_path;	/* [archive] path, or NULL for the default */
	struct account *accounts;	/* in file order */
	size_t naccounts;
	struct {
		char *editor;	/* a command, or NULL for the built-in editor */
		bool threads;	/* default true */
	} ui;
	char **warnings;	/* sentences for the user, already translated */
	size_t nwarnings;
};

/* Where the configuration file is: explicit_path (from --config) when it is
 * non-NULL, else $PETREL_CONFIG when set and non-empty, else
 * $XDG_CONFIG_HOME/petrel/config.  "~" is expanded.  *is_explicit (if
 * is_explicit is non-NULL) tells whether the user named the file, in which
 * case a missing file is an error.  Returns an allocated path, or NULL with
 * an ERR_CONFIG error when neither $XDG_CONFIG_HOME nor $HOME is set. */
char *config_path_resolve(const char *explicit_path, bool *is_explicit,
			  struct error **err);

/* Reads and parses the file at path into *cfg (which need not be
 * initialised; it is overwritten).  A missing file gives an empty config
 * (exists = false) unless must_exist, then it is an ERR_CONFIG error.
 * Other failures: ERR_IO when the file cannot be read, ERR_CONFIG for a
 * file larger than CONFIG_FILE_MAX or any problem config_parse_buffer
 * reports.  Adds a warning when the file holds a password and its group or
 * others may read or write it.  On failure *cfg is left empty (safe to
 * config_free) and -1 is returned; 0 on success. */
int config_load(const char *path, bool must_exist, struct config *cfg,
		struct error **err);

/* config_path_resolve() then config_load() with must_exist set when the
 * path was explicit.  The usual way in for commands. */
int config_read(const char *explicit_path, struct config *cfg,
		struct error **err);

/* Parses len bytes of configuration text (which may hold anything,
 * including NUL bytes) into *cfg, overwriting it.  path names the file in
 * messages (shown with $HOME abbreviated to "~") and its directory is the
 * base for relative paths in values; it may be NULL ("config", relative to
 * the current directory).  The first problem found is returned as an
 * ERR_CONFIG error "PATH:LINE: KEY: sentence" and *cfg is left empty;
 * returns 0 on success, -1 on failure. */
int config_parse_buffer(const char *path, const char *text, size_t len,
			struct config *cfg, struct error **err);

/* Where the archive is: explicit_path (from --archive) when non-NULL, else
 * $PETREL_ARCHIVE when set and non-empty, else [archive] path, else
 * $XDG_DATA_HOME/petrel/archive.db.  "~" is expanded.  cfg may be NULL.
 * Returns an allocated path, or NULL with an ERR_CONFIG error when $HOME is
 * needed and not set. */
char *config_archive_resolve(const struct config *cfg, const char *explicit_path,
			     struct error **err);

/* The account with exactly this name, or NULL. */
const struct account *config_find_account(const struct config *cfg,
					  const char *name);
/* The first account whose address matches (ASCII case-insensitively), or
 * NULL: how sendmail -f picks an account. */
const struct account *config_find_account_by_address(const struct config *cfg,
						     const char *address);

/* The names as written in the file ("starttls", "scram-sha-256"), for
 * messages. */
const char *config_tls_name(enum config_tls tls);
const char *config_auth_name(enum config_auth auth);

/* Frees everything cfg owns, wipes the passwords, and leaves *cfg empty
 * (all zero), so calling it twice is harmless. */
void config_free(struct config *cfg);

#endif
