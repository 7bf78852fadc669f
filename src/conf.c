/* conf.c - the configuration file: where it is, the INI parser, per-key
 * validation and defaults, and where the archive is.  See conf.h for the
 * contracts and doc/petrel.conf.5 for the syntax as users see it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "i18n.h"
#include "paths.h"

enum section { SEC_NONE, SEC_ARCHIVE, SEC_ACCOUNT, SEC_UI };

enum key_id {
	K_ARCHIVE_PATH,
	K_ADDRESS,
	K_NAME,
	K_POP3_HOST,
	K_POP3_PORT,
	K_POP3_TLS,
	K_POP3_USER,
	K_POP3_AUTH,
	K_POP3_KEEP,
	K_POP3_DELETE_AFTER_DAYS,
	K_POP3_MAX_SIZE,
	K_SMTP_HOST,
	K_SMTP_PORT,
	K_SMTP_TLS,
	K_SMTP_USER,
	K_SMTP_AUTH,
	K_PASSWORD_COMMAND,
	K_PASSWORD,
	K_TLS_CA_FILE,
	K_TLS_FINGERPRINT,
	K_ALLOW_PLAINTEXT_AUTH,
	K_TIMEOUT,
	K_SIGNATURE_FILE,
	K_UI_EDITOR,
	K_UI_THREADS,
	K_COUNT
};

static const struct key_def {
	const char *name;
	enum section section;
} key_defs[K_COUNT] = {
	[K_ARCHIVE_PATH] = { "path", SEC_ARCHIVE },
	[K_ADDRESS] = { "address", SEC_ACCOUNT },
	[K_NAME] = { "name", SEC_ACCOUNT },
	[K_POP3_HOST] = { "pop3-host", SEC_ACCOUNT },
	[K_POP3_PORT] = { "pop3-port", SEC_ACCOUNT },
	[K_POP3_TLS] = { "pop3-tls", SEC_ACCOUNT },
	[K_POP3_USER] = { "pop3-user", SEC_ACCOUNT },
	[K_POP3_AUTH] = { "pop3-auth", SEC_ACCOUNT },
	[K_POP3_KEEP] = { "pop3-keep", SEC_ACCOUNT },
	[K_POP3_DELETE_AFTER_DAYS] = { "pop3-delete-after-days", SEC_ACCOUNT },
	[K_POP3_MAX_SIZE] = { "pop3-max-size", SEC_ACCOUNT },
	[K_SMTP_HOST] = { "smtp-host", SEC_ACCOUNT },
	[K_SMTP_PORT] = { "smtp-port", SEC_ACCOUNT },
	[K_SMTP_TLS] = { "smtp-tls", SEC_ACCOUNT },
	[K_SMTP_USER] = { "smtp-user", SEC_ACCOUNT },
	[K_SMTP_AUTH] = { "smtp-auth", SEC_ACCOUNT },
	[K_PASSWORD_COMMAND] = { "password-command", SEC_ACCOUNT },
	[K_PASSWORD] = { "password", SEC_ACCOUNT },
	[K_TLS_CA_FILE] = { "tls-ca-file", SEC_ACCOUNT },
	[K_TLS_FINGERPRINT] = { "tls-fingerprint", SEC_ACCOUNT },
	[K_ALLOW_PLAINTEXT_AUTH] = { "allow-plaintext-auth", SEC_ACCOUNT },
	[K_TIMEOUT] = { "timeout", SEC_ACCOUNT },
	[K_SIGNATURE_FILE] = { "signature-file", SEC_ACCOUNT },
	[K_UI_EDITOR] = { "editor", SEC_UI },
	[K_UI_THREADS] = { "threads", SEC_UI },
};

struct name_value {
	const char *name;
	int value;
	bool pop3_only;
};

static const struct name_value tls_names[] = {
	{ "implicit", CONFIG_TLS_IMPLICIT, false },
	{ "starttls", CONFIG_TLS_STARTTLS, false },
	{ "none", CONFIG_TLS_NONE, false },
};

static const struct name_value auth_names[] = {
	{ "auto", CONFIG_AUTH_AUTO, false },
	{ "scram-sha-256", CONFIG_AUTH_SCRAM_SHA_256, false },
	{ "scram-sha-1", CONFIG_AUTH_SCRAM_SHA_1, false },
	{ "cram-md5", CONFIG_AUTH_CRAM_MD5, false },
	{ "plain", CONFIG_AUTH_PLAIN, false },
	{ "login", CONFIG_AUTH_LOGIN, false },
	{ "apop", CONFIG_AUTH_APOP, true },
	{ "user", CONFIG_AUTH_USER, true },
	{ "xoauth2", CONFIG_AUTH_XOAUTH2, false },
	{ "oauthbearer", CONFIG_AUTH_OAUTHBEARER, false },
};

static const struct name_value bool_names[] = {
	{ "true", 1, false }, { "false", 0, false },
	{ "yes", 1, false }, { "no", 0, false },
	{ "on", 1, false }, { "off", 0, false },
	{ "1", 1, false }, { "0", 0, false },
};

/* Everything one parse needs; lives on config_parse_buffer's stack. */
struct parser {
	struct config *cfg;
	struct error **err;
	char *shown;		/* the file as messages name it */
	char *base;		/* directory that relative paths start from */
	unsigned lineno;
	enum section section;
	struct account *acct;	/* the open [account] section, or NULL */
	unsigned seen[K_COUNT];	/* line that set each key; 0: not set */
};

/* The path as a person would type it: $HOME/x becomes ~/x. */
static char *display_path(const char *path)
{
	const char *home = getenv("HOME");
	size_t n;

	if (home == NULL)
		return xstrdup(path);
	n = strlen(home);
	while (n > 0 && home[n - 1] == '/')
		n--;
	if (n == 0 || strncmp(path, home, n) != 0 || (path[n] != '/' && path[n] != '\0'))
		return xstrdup(path);
	return xasprintf("~%s", path + n);
}

static int error_at(struct parser *p, unsigned line, const char *key,
		    const char *fmt, ...) PRINTF_LIKE(4, 5);

/* Sets the parse error "FILE:LINE: KEY: sentence" (no KEY part when key is
 * NULL); returns -1. */
static int error_at(struct parser *p, unsigned line, const char *key,
		    const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (key != NULL)
		error_set(p->err, ERR_CONFIG, "%s:%u: %s: %s", p->shown, line, key, msg);
	else
		error_set(p->err, ERR_CONFIG, "%s:%u: %s", p->shown, line, msg);
	free(msg);
	return -1;
}

#define parse_error(p, key, ...) error_at((p), (p)->lineno, (key), __VA_ARGS__)

static void add_warning(struct config *cfg, const char *fmt, ...) PRINTF_LIKE(2, 3);

static void add_warning(struct config *cfg, const char *fmt, ...)
{
	va_list ap;

	cfg->warnings = xreallocarray(cfg->warnings, cfg->nwarnings + 1,
				      sizeof *cfg->warnings);
	va_start(ap, fmt);
	cfg->warnings[cfg->nwarnings++] = xvasprintf(fmt, ap);
	va_end(ap);
}

/* A value as messages quote it: at most about 60 bytes, cut on a UTF-8
 * character boundary.  Lines were checked for control characters and
 * UTF-8 before parsing, so what is left is printable. */
static char *quote_value(const char *v)
{
	size_t n = strlen(v);

	if (n <= 64)
		return xasprintf("\"%s\"", v);
	n = 60;
	while (n > 0 && ((unsigned char)v[n] & 0xc0) == 0x80)
		n--;
	return xasprintf("\"%.*s...\"", (int)n, v);
}

/* Bytes in the character at s (the line is valid UTF-8), for messages. */
static int utf8_char_len(const char *s)
{
	int n = 1;

	while (n < 4 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n++;
	return n;
}

static const char *skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static bool is_key_char(int c)
{
	return ascii_isalnum(c) || c == '-' || c == '_';
}

static char *section_label(const struct parser *p, enum section sec)
{
	switch (sec) {
	case SEC_ARCHIVE:
		return xstrdup("[archive]");
	case SEC_UI:
		return xstrdup("[ui]");
	case SEC_ACCOUNT:
		if (p->section == SEC_ACCOUNT && p->acct != NULL)
			return xasprintf("[account \"%s\"]", p->acct->name);
		return xstrdup("[account \"NAME\"]");
	case SEC_NONE:
		break;
	}
	return xstrdup("?");
}

/* ---- Typo suggestions ---- */

#define SUGGEST_MAX 40

/* Levenshtein distance of two short strings (both under SUGGEST_MAX). */
static size_t edit_distance(const char *a, const char *b)
{
	size_t prev[SUGGEST_MAX + 1], cur[SUGGEST_MAX + 1];
	size_t la = strlen(a), lb = strlen(b);

	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t m = del < ins ? del : ins;

			cur[j] = m < sub ? m : sub;
		}
		memcpy(prev, cur, (lb + 1) * sizeof prev[0]);
	}
	return prev[lb];
}

/* The key of section sec closest to key, if it is a plausible typo. */
static const char *suggest_key(const char *key, enum section sec)
{
	const char *best = NULL;
	size_t best_d = 3;

	if (strlen(key) >= SUGGEST_MAX)
		return NULL;
	for (size_t i = 0; i < K_COUNT; i++) {
		size_t d;

		if (key_defs[i].section != sec)
			continue;
		d = edit_distance(key, key_defs[i].name);
		if (d < best_d && d < strlen(key_defs[i].name)) {
			best_d = d;
			best = key_defs[i].name;
		}
	}
	return best;
}

/* ---- Values ---- */

/* Parses the value that starts at s (just after the '=') into an allocated
 * string.  A value that begins with '"' is a quoted string with \" and \\
 * escapes, and only a comment may follow it.  Any other value runs to the
 * end of the line or to a '#' or ';' that follows white space outside
 * double quotes; its quotes are kept as written (so shell commands keep
 * theirs) and trailing white space is trimmed. */
static int parse_value(struct parser *p, const char *key, const char *s, char **out)
{
	char *v = xmalloc(strlen(s) + 1);
	size_t n = 0;

	*out = NULL;
	s = skip_space(s);
	if (*s == '"') {
		for (s++; *s != '"'; s++) {
			if (*s == '\0')
				goto unterminated;
			if (*s == '\\') {
				s++;
				if (*s == '\0')
					goto unterminated;
				if (*s != '"' && *s != '\\') {
					parse_error(p, key, _("unknown escape \"\\%.*s\" in a quoted value; "
							      "only \\\" and \\\\ are understood"),
						    utf8_char_len(s), s);
					goto fail;
				}
			}
			v[n++] = *s;
		}
		s = skip_space(s + 1);
		if (*s != '\0' && *s != '#' && *s != ';') {
			parse_error(p, key, _("unexpected text after the closing quote; "
					      "quote the whole value"));
			goto fail;
		}
	} else {
		const char *start = s;
		bool quoted = false;

		for (; *s != '\0'; s++) {
			if (quoted) {
				if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
					v[n++] = *s++;
				else if (*s == '"')
					quoted = false;
			} else if (*s == '"') {
				quoted = true;
			} else if ((*s == '#' || *s == ';') &&
				   (s == start || s[-1] == ' ' || s[-1] == '\t')) {
				break;
			}
			v[n++] = *s;
		}
		if (quoted)
			goto unterminated;
		while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
			n--;
	}
	v[n] = '\0';
	if (n == 0) {
		parse_error(p, key, _("the value is empty"));
		goto fail;
	}
	*out = v;
	return 0;

unterminated:
	parse_error(p, key, _("unterminated quoted value (a '\"' is missing)"));
fail:
	wipe(v, n);
	free(v);
	return -1;
}

static int parse_name_value(struct parser *p, const char *key, const char *v,
			    const struct name_value *tab, size_t ntab,
			    bool pop3, int *out)
{
	struct buf list = BUF_INIT;
	char *q;

	for (size_t i = 0; i < ntab; i++) {
		if ((!tab[i].pop3_only || pop3) && ascii_strcasecmp(v, tab[i].name) == 0) {
			*out = tab[i].value;
			return 0;
		}
	}
	for (size_t i = 0; i < ntab; i++) {
		if (tab[i].pop3_only && !pop3)
			continue;
		buf_printf(&list, "%s%s", list.len > 0 ? ", " : "", tab[i].name);
	}
	q = quote_value(v);
	parse_error(p, key, _("%s is not one of %s"), q, buf_cstr(&list));
	free(q);
	buf_free(&list);
	return -1;
}

static int parse_bool(struct parser *p, const char *key, const char *v, bool *out)
{
	char *q;

	for (size_t i = 0; i < ARRAY_LEN(bool_names); i++) {
		if (ascii_strcasecmp(v, bool_names[i].name) == 0) {
			*out = bool_names[i].value != 0;
			return 0;
		}
	}
	q = quote_value(v);
	parse_error(p, key, _("%s is not a boolean; use true or false"), q);
	free(q);
	return -1;
}

/* A decimal number in [min, max]; what names the unit for the message. */
static int parse_int(struct parser *p, const char *key, const char *v,
		     int min, int max, const char *what, int *out)
{
	uint64_t n;
	char *q;

	if (str_to_u64(v, &n) && n >= (uint64_t)min && n <= (uint64_t)max) {
		*out = (int)n;
		return 0;
	}
	q = quote_value(v);
	parse_error(p, key, _("%s is not a %s from %d to %d"), q, what, min, max);
	free(q);
	return -1;
}

/* Bytes, or a number followed by k, M or G (powers of 1024). */
static int parse_size(struct parser *p, const char *key, const char *v, uint64_t *out)
{
	uint64_t n = 0, mult = 1;
	const char *s = v;
	char *q;

	if (!ascii_isdigit((unsigned char)*s))
		goto bad;
	for (; ascii_isdigit((unsigned char)*s); s++) {
		if (n > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			goto bad;
		n = n * 10 + (uint64_t)(*s - '0');
	}
	s = skip_space(s);
	switch (ascii_tolower((unsigned char)*s)) {
	case '\0':
		break;
	case 'k':
		mult = 1024;
		break;
	case 'm':
		mult = 1024 * 1024;
		break;
	case 'g':
		mult = 1024 * 1024 * 1024;
		break;
	default:
		goto bad;
	}
	if (*s != '\0' && s[1] != '\0')
		goto bad;
	if (n > UINT64_MAX / mult)
		goto bad;
	*out = n * mult;
	return 0;
bad:
	q = quote_value(v);
	parse_error(p, key, _("%s is not a size (a number of bytes, optionally "
			      "followed by k, M or G)"), q);
	free(q);
	return -1;
}

/* "sha256:" and 32 hex bytes, separated by ':' or not at all. */
static bool fingerprint_ok(const char *s, unsigned char out[32])
{
	size_t n;
	bool colons;

	if (ascii_strncasecmp(s, "sha256:", 7) != 0)
		return false;
	s += 7;
	n = strlen(s);
	colons = n == 32 * 3 - 1;
	if (n != 64 && !colons)
		return false;
	for (size_t i = 0; i < 32; i++) {
		int hi = hex_value((unsigned char)s[0]);
		int lo = hex_value((unsigned char)s[1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (unsigned char)(hi << 4 | lo);
		s += 2;
		if (colons && i < 31 && *s++ != ':')
			return false;
	}
	return true;
}

static int parse_fingerprint(struct parser *p, const char *key, const char *v,
			     struct account *a)
{
	unsigned char fp[32];
	char *q;

	if (fingerprint_ok(v, fp)) {
		memcpy(a->tls_fingerprint, fp, sizeof fp);
		a->has_tls_fingerprint = true;
		return 0;
	}
	q = quote_value(v);
	if (strchr(v, ':') != NULL && ascii_strncasecmp(v, "sha256:", 7) != 0)
		parse_error(p, key, _("%s: only SHA-256 fingerprints are supported "
				      "(sha256:AB:CD:...)"), q);
	else
		parse_error(p, key, _("%s is not a SHA-256 fingerprint (\"sha256:\" "
				      "and 32 hex bytes, like sha256:AB:CD:...)"), q);
	free(q);
	return -1;
}

/* A light check, enough to catch a name or a host typed by mistake; the
 * full RFC 5322 syntax is the mail parser's business. */
static int parse_address(struct parser *p, const char *key, const char *v, char **out)
{
	const char *at = strrchr(v, '@');
	char *q;

	if (at != NULL && at != v && at[1] != '\0' && strcspn(v, " \t<>,") == strlen(v)) {
		*out = xstrdup(v);
		return 0;
	}
	q = quote_value(v);
	parse_error(p, key, _("%s is not an e-mail address (like jane@example.org)"), q);
	free(q);
	return -1;
}

static int parse_host(struct parser *p, const char *key, const char *v, char **out)
{
	const char *colon = strchr(v, ':');
	char *q = quote_value(v);
	const char *bad;
	int rc = -1;

	for (bad = v; *bad != '\0'; bad++) {
		unsigned char c = (unsigned char)*bad;

		if (!(is_key_char(c) || c == '.' || c == ':' || c == '[' || c == ']' ||
		      c >= 0x80))
			break;
	}
	if (*bad != '\0') {
		parse_error(p, key, _("%s is not a host name"), q);
	} else if (colon != NULL && strchr(colon + 1, ':') == NULL) {
		/* One colon: "host:port", not an IPv6 address. */
		parse_error(p, key, _("%s: give the port on its own line, as %.4s-port"),
			    q, key);
	} else {
		*out = xstrdup(v);
		rc = 0;
	}
	free(q);
	return rc;
}

/* "~" is expanded; a relative path starts from the configuration file's
 * directory. */
static int parse_path(struct parser *p, const char *key, const char *v, char **out)
{
	struct error *e = NULL;
	char *path = path_expand_home(v, &e);

	if (path == NULL) {
		parse_error(p, key, "%s", e->msg);
		error_free(&e);
		return -1;
	}
	if (path[0] != '/') {
		char *abs = path_join(p->base, path);

		free(path);
		path = abs;
	}
	*out = path;
	return 0;
}

/* ---- Keys and sections ---- */

static int set_secret_source(struct parser *p, const char *key, enum key_id other,
			     const char *v, char **out)
{
	if (p->seen[other] != 0)
		return parse_error(p, key, _("%s is already set on line %u; keep only one "
					     "of password and password-command"),
				   key_defs[other].name, p->seen[other]);
	*out = xstrdup(v);
	return 0;
}

/* Stores one validated value.  v is freed (and wiped) by the caller. */
static int apply_key(struct parser *p, enum key_id id, const char *key, const char *v)
{
	struct config *cfg = p->cfg;
	struct account *a = p->acct;
	int tmp;

	switch (id) {
	case K_ARCHIVE_PATH:
		return parse_path(p, key, v, &cfg->archive_path);
	case K_ADDRESS:
		return parse_address(p, key, v, &a->address);
	case K_NAME:
		a->real_name = xstrdup(v);
		return 0;
	case K_POP3_HOST:
		return parse_host(p, key, v, &a->pop3_host);
	case K_SMTP_HOST:
		return parse_host(p, key, v, &a->smtp_host);
	case K_POP3_PORT:
		return parse_int(p, key, v, 1, 65535, _("port number"), &a->pop3_port);
	case K_SMTP_PORT:
		return parse_int(p, key, v, 1, 65535, _("port number"), &a->smtp_port);
	case K_POP3_TLS:
	case K_SMTP_TLS:
		if (parse_name_value(p, key, v, tls_names, ARRAY_LEN(tls_names), true, &tmp) < 0)
			return -1;
		if (id == K_POP3_TLS)
			a->pop3_tls = (enum config_tls)tmp;
		else
			a->smtp_tls = (enum config_tls)tmp;
		return 0;
	case K_POP3_AUTH:
	case K_SMTP_AUTH:
		if (parse_name_value(p, key, v, auth_names, ARRAY_LEN(auth_names),
				     id == K_POP3_AUTH, &tmp) < 0)
			return -1;
		if (id == K_POP3_AUTH)
			a->pop3_auth = (enum config_auth)tmp;
		else
			a->smtp_auth = (enum config_auth)tmp;
		return 0;
	case K_POP3_USER:
		a->pop3_user = xstrdup(v);
		return 0;
	case K_SMTP_USER:
		a->smtp_user = xstrdup(v);
		return 0;
	case K_POP3_KEEP:
		return parse_bool(p, key, v, &a->pop3_keep);
	case K_POP3_DELETE_AFTER_DAYS:
		return parse_int(p, key, v, 0, CONFIG_DAYS_MAX, _("number of days"),
				 &a->pop3_delete_after_days);
	case K_POP3_MAX_SIZE:
		return parse_size(p, key, v, &a->pop3_max_size);
	case K_PASSWORD_COMMAND:
		return set_secret_source(p, key, K_PASSWORD, v, &a->password_command);
	case K_PASSWORD:
		return set_secret_source(p, key, K_PASSWORD_COMMAND, v, &a->password);
	case K_TLS_CA_FILE:
		return parse_path(p, key, v, &a->tls_ca_file);
	case K_TLS_FINGERPRINT:
		return parse_fingerprint(p, key, v, a);
	case K_ALLOW_PLAINTEXT_AUTH:
		return parse_bool(p, key, v, &a->allow_plaintext_auth);
	case K_TIMEOUT:
		return parse_int(p, key, v, 1, CONFIG_TIMEOUT_MAX, _("number of seconds"),
				 &a->timeout);
	case K_SIGNATURE_FILE:
		return parse_path(p, key, v, &a->signature_file);
	case K_UI_EDITOR:
		if (ascii_strcasecmp(v, "builtin") != 0)
			cfg->ui.editor = xstrdup(v);
		return 0;
	case K_UI_THREADS:
		return parse_bool(p, key, v, &cfg->ui.threads);
	case K_COUNT:
		break;
	}
	fatal("conf: unhandled key %d", (int)id);
}

/* Closes the open [account] section: checks what is required and fills in
 * the defaults that depend on other keys. */
static int finish_account(struct parser *p)
{
	struct account *a = p->acct;

	if (a == NULL)
		return 0;
	p->acct = NULL;
	if (a->address == NULL)
		return error_at(p, a->line, "address",
				_("account \"%s\" has no address; add a line like "
				  "\"address = jane@example.org\""), a->name);
	if (a->pop3_port == 0)
		a->pop3_port = a->pop3_tls == CONFIG_TLS_IMPLICIT ? 995 : 110;
	if (a->smtp_port == 0)
		a->smtp_port = a->smtp_tls == CONFIG_TLS_IMPLICIT ? 465 : 587;
	if (a->pop3_user == NULL)
		a->pop3_user = xstrdup(a->address);
	if (a->smtp_user == NULL)
		a->smtp_user = xstrdup(a->pop3_user);
	if (a->pop3_delete_after_days > 0 && !a->pop3_keep)
		add_warning(p->cfg, _("%s:%u: pop3-delete-after-days: has no effect with "
				      "pop3-keep = false, which deletes messages as soon "
				      "as they are stored"),
			    p->shown, p->seen[K_POP3_DELETE_AFTER_DAYS]);
	return 0;
}

static void open_account(struct parser *p, char *name)
{
	struct config *cfg = p->cfg;
	struct account *a;

	cfg->accounts = xreallocarray(cfg->accounts, cfg->naccounts + 1,
				      sizeof *cfg->accounts);
	a = &cfg->accounts[cfg->naccounts++];
	memset(a, 0, sizeof *a);
	a->name = name;
	a->line = p->lineno;
	a->pop3_tls = CONFIG_TLS_IMPLICIT;
	a->pop3_auth = CONFIG_AUTH_AUTO;
	a->pop3_keep = true;
	a->smtp_tls = CONFIG_TLS_STARTTLS;
	a->smtp_auth = CONFIG_AUTH_AUTO;
	a->timeout = 60;
	p->acct = a;
	for (size_t i = 0; i < K_COUNT; i++)
		if (key_defs[i].section == SEC_ACCOUNT)
			p->seen[i] = 0;
}

/* "[name]" or "[name "subsection"]", with optional white space inside the
 * brackets and an optional comment after them. */
static int parse_section(struct parser *p, const char *s)
{
	static const char *const expected =
		N_("expected [archive], [account \"NAME\"] or [ui]");
	const char *name;
	size_t namelen;
	char *sub = NULL;
	int rc = -1;

	if (finish_account(p) < 0)
		return -1;
	p->section = SEC_NONE;
	s = skip_space(s + 1);
	name = s;
	while (is_key_char((unsigned char)*s))
		s++;
	namelen = (size_t)(s - name);
	s = skip_space(s);
	if (*s == '"') {
		size_t n = 0;

		sub = xmalloc(strlen(s) + 1);
		for (s++; *s != '"'; s++) {
			if (*s == '\0' || (*s == '\\' && s[1] == '\0')) {
				parse_error(p, NULL, _("unterminated quoted name in a section header"));
				goto out;
			}
			if (*s == '\\') {
				s++;
				if (*s != '"' && *s != '\\') {
					parse_error(p, NULL, _("unknown escape \"\\%.*s\" in a section "
							       "header; only \\\" and \\\\ are understood"),
						    utf8_char_len(s), s);
					goto out;
				}
			}
			sub[n++] = *s;
		}
		sub[n] = '\0';
		s = skip_space(s + 1);
	}
	if (namelen == 0 || *s != ']') {
		parse_error(p, NULL, _("malformed section header; %s"), _(expected));
		goto out;
	}
	s = skip_space(s + 1);
	if (*s != '\0' && *s != '#' && *s != ';') {
		parse_error(p, NULL, _("unexpected text after a section header"));
		goto out;
	}

	if (namelen == 7 && ascii_strncasecmp(name, "account", 7) == 0) {
		if (sub == NULL || sub[0] == '\0') {
			parse_error(p, NULL, _("an account section needs a name: [account \"NAME\"]"));
			goto out;
		}
		for (size_t i = 0; i < p->cfg->naccounts; i++) {
			if (strcmp(p->cfg->accounts[i].name, sub) == 0) {
				parse_error(p, NULL, _("account \"%s\" is already defined on line %u"),
					    sub, p->cfg->accounts[i].line);
				goto out;
			}
		}
		open_account(p, sub);
		sub = NULL;
		p->section = SEC_ACCOUNT;
	} else if ((namelen == 7 && ascii_strncasecmp(name, "archive", 7) == 0) ||
		   (namelen == 2 && ascii_strncasecmp(name, "ui", 2) == 0)) {
		if (sub != NULL) {
			parse_error(p, NULL, _("[%.*s] takes no name"), (int)namelen, name);
			goto out;
		}
		p->section = namelen == 2 ? SEC_UI : SEC_ARCHIVE;
	} else {
		parse_error(p, NULL, _("unknown section [%.*s]; %s"), (int)namelen, name,
			    _(expected));
		goto out;
	}
	rc = 0;
out:
	free(sub);
	return rc;
}

/* "key = value", the key already known to start at s. */
static int parse_assignment(struct parser *p, char *s)
{
	char *key = s, *end, *value;
	enum key_id id = K_COUNT;
	char *label;
	int rc;

	if (!ascii_isalpha((unsigned char)*s))
		return parse_error(p, NULL, _("expected \"key = value\", a [section] or a comment"));
	while (is_key_char((unsigned char)*s))
		s++;
	end = s;
	s = (char *)skip_space(s);
	if (*s != '=') {
		*end = '\0';
		return parse_error(p, key, _("expected \"=\" after the key"));
	}
	*end = '\0';
	s++;
	str_lower(key);

	for (size_t i = 0; i < K_COUNT; i++) {
		if (strcmp(key, key_defs[i].name) == 0 &&
		    (id == K_COUNT || key_defs[i].section == p->section))
			id = (enum key_id)i;
	}
	if (p->section == SEC_NONE) {
		if (id == K_COUNT)
			return parse_error(p, key, _("unknown key outside any section"));
		label = section_label(p, key_defs[id].section);
		parse_error(p, key, _("key outside any section; it belongs under %s"), label);
		free(label);
		return -1;
	}
	if (id == K_COUNT || key_defs[id].section != p->section) {
		const char *hint = suggest_key(key, p->section);

		label = section_label(p, p->section);
		if (id != K_COUNT) {
			char *home = section_label(p, key_defs[id].section);

			parse_error(p, key, _("not a key of %s; it belongs under %s"), label, home);
			free(home);
		} else if (hint != NULL) {
			parse_error(p, key, _("unknown key in %s; did you mean %s?"), label, hint);
		} else {
			parse_error(p, key, _("unknown key in %s"), label);
		}
		free(label);
		return -1;
	}
	if (parse_value(p, key, s, &value) < 0)
		return -1;
	if (p->seen[id] != 0) {
		wipe_free(value);
		return parse_error(p, key, _("already set on line %u"), p->seen[id]);
	}
	p->seen[id] = p->lineno;
	rc = apply_key(p, id, key, value);
	wipe_free(value);
	return rc;
}

static int parse_line(struct parser *p, char *line)
{
	char *s = (char *)skip_space(line);

	if (*s == '\0' || *s == '#' || *s == ';')
		return 0;
	if (*s == '[')
		return parse_section(p, s);
	return parse_assignment(p, s);
}

/* Rejects what must never reach the parser (or a terminal, when a value is
 * quoted in a message): NUL bytes, invalid UTF-8, control characters. */
static int check_line(struct parser *p, const char *s, size_t n)
{
	if (n > CONFIG_LINE_MAX)
		return parse_error(p, NULL, _("the line is longer than %d bytes"),
				   CONFIG_LINE_MAX);
	if (memchr(s, '\0', n) != NULL)
		return parse_error(p, NULL, _("the line contains a NUL byte"));
	if (!utf8_valid(s, n))
		return parse_error(p, NULL, _("the line is not valid UTF-8"));
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return parse_error(p, NULL, _("the line contains a control character "
						      "(byte 0x%02x)"), c);
	}
	return 0;
}

static void config_init(struct config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->ui.threads = true;
}

int config_parse_buffer(const char *path, const char *text, size_t len,
			struct config *cfg, struct error **err)
{
	struct parser p;
	size_t pos = 0;
	int rc = -1;

	config_init(cfg);
	memset(&p, 0, sizeof p);
	p.cfg = cfg;
	p.err = err;
	p.shown = display_path(path != NULL ? path : "config");
	p.base = path != NULL ? path_dirname(path) : xstrdup(".");
	cfg->path = path != NULL ? xstrdup(path) : NULL;
	cfg->exists = true;

	if (len > CONFIG_FILE_MAX) {
		error_set(err, ERR_CONFIG, _("%s: the file is larger than %d bytes"),
			  p.shown, CONFIG_FILE_MAX);
		goto out;
	}
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		pos = 3;	/* a UTF-8 byte order mark */
	while (pos < len) {
		const char *start = text + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - start) : len - pos;
		char *line;
		int lrc;

		pos += n + (nl != NULL);
		p.lineno++;
		if (n > 0 && start[n - 1] == '\r')
			n--;
		if (check_line(&p, start, n) < 0)
			goto out;
		line = xstrndup(start, n);
		lrc = parse_line(&p, line);
		wipe(line, n);
		free(line);
		if (lrc < 0)
			goto out;
	}
	if (finish_account(&p) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		config_free(cfg);
	free(p.shown);
	free(p.base);
	return rc;
}

/* ---- Files and paths ---- */

/* Reads at most max + 1 bytes, so the caller can tell "too big". */
static int read_fd(int fd, size_t max, char **out, size_t *outlen)
{
	size_t cap = 8192, n = 0;
	char *data = xmalloc(cap);

	for (;;) {
		ssize_t r;

		if (n == cap) {
			if (cap > max)
				break;
			cap *= 2;
			data = xrealloc(data, cap);
		}
		r = read(fd, data + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			wipe(data, n);
			free(data);
			errno = e;
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*out = data;
	*outlen = n;
	return 0;
}

int config_load(const char *path, bool must_exist, struct config *cfg,
		struct error **err)
{
	char *shown = display_path(path);
	char *data = NULL;
	size_t len = 0;
	struct stat st;
	int fd, rc = -1;

	config_init(cfg);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int e = errno;

		if (e == ENOENT && !must_exist) {
			cfg->path = xstrdup(path);
			free(shown);
			return 0;
		}
		error_set_errno(err, e == ENOENT ? ERR_CONFIG : ERR_IO, e,
				_("cannot open the configuration file %s"), shown);
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		error_set_errno(err, ERR_IO, errno, _("cannot read %s"), shown);
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		error_set(err, ERR_CONFIG, _("%s is a directory, not a configuration file"),
			  shown);
		goto out;
	}
	if (read_fd(fd, CONFIG_FILE_MAX, &data, &len) < 0) {
		error_set_errno(err, ERR_IO, errno, _("cannot read %s"), shown);
		goto out;
	}
	if (config_parse_buffer(path, data, len, cfg, err) < 0)
		goto out;
	if (S_ISREG(st.st_mode) && (st.st_mode & (S_IRWXG | S_IRWXO) & ~(S_IXGRP | S_IXOTH))) {
		for (size_t i = 0; i < cfg->naccounts; i++) {
			if (cfg->accounts[i].password == NULL)
				continue;
			add_warning(cfg, _("%s holds a password and others may read or change "
					   "it (mode %04o); run \"chmod 600 %s\", or use "
					   "password-command instead"),
				    shown, (unsigned)(st.st_mode & 07777), shown);
			break;
		}
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (data != NULL) {
		wipe(data, len);
		free(data);
	}
	free(shown);
	return rc;
}

int config_read(const char *explicit_path, struct config *cfg, struct error **err)
{
	bool is_explicit;
	char *path = config_path_resolve(explicit_path, &is_explicit, err);
	int rc;

	if (path == NULL) {
		config_init(cfg);
		return -1;
	}
	rc = config_load(path, is_explicit, cfg, err);
	free(path);
	return rc;
}

/* explicit_path, else the environment variable when set and non-empty;
 * NULL when neither. */
static int pick_explicit(const char *explicit_path, const char *var,
			 const char *what, char **out, struct error **err)
{
	const char *v = explicit_path;

	*out = NULL;
	if (v == NULL) {
		v = getenv(var);
		if (v == NULL || v[0] == '\0')
			return 0;
	}
	if (v[0] == '\0')
		return error_set(err, ERR_USAGE, _("the %s file name is empty"), what);
	*out = path_expand_home(v, err);
	return *out != NULL ? 0 : -1;
}

char *config_path_resolve(const char *explicit_path, bool *is_explicit,
			  struct error **err)
{
	char *path, *dir;

	if (is_explicit != NULL)
		*is_explicit = false;
	if (pick_explicit(explicit_path, "PETREL_CONFIG", _("configuration"), &path, err) < 0)
		return NULL;
	if (path != NULL) {
		if (is_explicit != NULL)
			*is_explicit = true;
		return path;
	}
	dir = xdg_config_home(err);
	if (dir == NULL)
		return NULL;
	path = path_join(dir, "petrel/config");
	free(dir);
	return path;
}

char *config_archive_resolve(const struct config *cfg, const char *explicit_path,
			     struct error **err)
{
	char *path, *dir;

	if (pick_explicit(explicit_path, "PETREL_ARCHIVE", _("archive"), &path, err) < 0)
		return NULL;
	if (path != NULL)
		return path;
	if (cfg != NULL && cfg->archive_path != NULL)
		return xstrdup(cfg->archive_path);
	dir = xdg_data_home(err);
	if (dir == NULL)
		return NULL;
	path = path_join(dir, "petrel/archive.db");
	free(dir);
	return path;
}

/* ---- Lookups ---- */

const struct account *config_find_account(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->naccounts; i++)
		if (strcmp(cfg->accounts[i].name, name) == 0)
			return &cfg->accounts[i];
	return NULL;
}

const struct account *config_find_account_by_address(const struct config *cfg,
						     const char *address)
{
	for (size_t i = 0; i < cfg->naccounts; i++)
		if (ascii_strcasecmp(cfg->accounts[i].address, address) == 0)
			return &cfg->accounts[i];
	return NULL;
}

static const char *name_of(const struct name_value *tab, size_t n, int value)
{
	for (size_t i = 0; i < n; i++)
		if (tab[i].value == value)
			return tab[i].name;
	return "?";
}

const char *config_tls_name(enum config_tls tls)
{
	return name_of(tls_names, ARRAY_LEN(tls_names), (int)tls);
}

const char *config_auth_name(enum config_auth auth)
{
	return name_of(auth_names, ARRAY_LEN(auth_names), (int)auth);
}

void config_free(struct config *cfg)
{
	for (size_t i = 0; i < cfg->naccounts; i++) {
		struct account *a = &cfg->accounts[i];

		free(a->name);
		free(a->address);
		free(a->real_name);
		free(a->pop3_host);
		free(a->pop3_user);
		free(a->smtp_host);
		free(a->smtp_user);
		free(a->password_command);
		wipe_free(a->password);
		free(a->tls_ca_file);
		free(a->signature_file);
		wipe(a, sizeof *a);
	}
	free(cfg->accounts);
	for (size_t i = 0; i < cfg->nwarnings; i++)
		free(cfg->warnings[i]);
	free(cfg->warnings);
	free(cfg->path);
	free(cfg->archive_path);
	free(cfg->ui.editor);
	memset(cfg, 0, sizeof *cfg);
}
