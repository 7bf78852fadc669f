/* test-config.c - the configuration file: every key and default, every
 * error sentence, hostile bytes, file loading and permissions, and the
 * precedence of --config/--archive, PETREL_* and XDG_* variables. */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "error.h"
#include "util.h"
#include "../tap.h"

#define CFG_PATH "/etc/petrel/config"
/* A string literal and its length, NUL bytes included. */
#define LIT(s) s, sizeof(s) - 1

static char tmpdir[] = "/tmp/petrel-test-config-XXXXXX";

/* Parses text (as if from CFG_PATH); true on success, reporting why not. */
static bool parse_ok(const char *text, struct config *cfg)
{
	struct error *e = NULL;

	if (config_parse_buffer(CFG_PATH, text, strlen(text), cfg, &e) == 0)
		return true;
	diag("unexpected error: %s", e->msg);
	error_free(&e);
	return false;
}

/* The error sentence for bytes that must not parse, or NULL when they do. */
static char *parse_err_n(const char *text, size_t len)
{
	struct config cfg;
	struct error *e = NULL;
	char *msg;

	if (config_parse_buffer(CFG_PATH, text, len, &cfg, &e) == 0) {
		config_free(&cfg);
		return NULL;
	}
	if (cfg.naccounts != 0 || cfg.accounts != NULL || cfg.path != NULL)
		diag("config not left empty after an error");
	msg = xstrdup(e->kind == ERR_CONFIG ? e->msg : "(wrong error kind)");
	error_free(&e);
	return msg;
}

static char *parse_err(const char *text)
{
	return parse_err_n(text, strlen(text));
}

/* Checks that text fails with exactly the sentence want. */
static void check_error(const char *text, const char *want, const char *name)
{
	char *got = parse_err(text);

	is_str(got, want, "error: %s", name);
	free(got);
}

static void test_full(void)
{
	struct config cfg;
	const struct account *a;
	static const unsigned char fp[32] = {
		0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45,
		0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89,
	};
	const char *home = getenv("HOME");
	char *want;

	if (!ok(parse_ok(
		"[archive]\n"
		"path = ~/.local/share/petrel/archive.db     # default\n"
		"\n"
		"[account \"home\"]\n"
		"address = jane@example.org\n"
		"name = Jane Doe\n"
		"pop3-host = pop.example.org\n"
		"pop3-port = 1995\n"
		"pop3-tls = starttls\n"
		"pop3-user = jane\n"
		"pop3-auth = scram-sha-256\n"
		"pop3-keep = no\n"
		"pop3-delete-after-days = 30\n"
		"pop3-max-size = 2M\n"
		"smtp-host = smtp.example.org\n"
		"smtp-port = 2525\n"
		"smtp-tls = implicit\n"
		"smtp-user = jane-smtp\n"
		"smtp-auth = cram-md5\n"
		"password-command = pass show mail/home   # first line\n"
		"tls-ca-file = /path/ca.pem\n"
		"tls-fingerprint = sha256:AB:CD:EF:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:"
		"AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89\n"
		"allow-plaintext-auth = on\n"
		"timeout = 120\n"
		"signature-file = ~/.signature\n"
		"\n"
		"[ui]\n"
		"editor = vim -c 'set tw=72'\n"
		"threads = off\n", &cfg), "a file with every key parses"))
		return;
	is_str(cfg.path, CFG_PATH, "path kept");
	ok(cfg.exists, "exists");
	want = xasprintf("%s/.local/share/petrel/archive.db", home);
	is_str(cfg.archive_path, want, "archive path with ~ expanded");
	free(want);
	is_int(cfg.naccounts, 1, "one account");
	a = &cfg.accounts[0];
	is_str(a->name, "home", "account name");
	is_int(a->line, 4, "account header line");
	is_str(a->address, "jane@example.org", "address");
	is_str(a->real_name, "Jane Doe", "name");
	is_str(a->pop3_host, "pop.example.org", "pop3-host");
	is_int(a->pop3_port, 1995, "pop3-port");
	is_int(a->pop3_tls, CONFIG_TLS_STARTTLS, "pop3-tls");
	is_str(a->pop3_user, "jane", "pop3-user");
	is_int(a->pop3_auth, CONFIG_AUTH_SCRAM_SHA_256, "pop3-auth");
	ok(!a->pop3_keep, "pop3-keep");
	is_int(a->pop3_delete_after_days, 30, "pop3-delete-after-days");
	is_int(a->pop3_max_size, 2 * 1024 * 1024, "pop3-max-size");
	is_str(a->smtp_host, "smtp.example.org", "smtp-host");
	is_int(a->smtp_port, 2525, "smtp-port");
	is_int(a->smtp_tls, CONFIG_TLS_IMPLICIT, "smtp-tls");
	is_str(a->smtp_user, "jane-smtp", "smtp-user");
	is_int(a->smtp_auth, CONFIG_AUTH_CRAM_MD5, "smtp-auth");
	is_str(a->password_command, "pass show mail/home", "password-command, comment cut");
	ok(a->password == NULL, "no password");
	is_str(a->tls_ca_file, "/path/ca.pem", "tls-ca-file");
	ok(a->has_tls_fingerprint, "fingerprint set");
	ok(memcmp(a->tls_fingerprint, fp, 32) == 0, "fingerprint bytes, mixed case");
	ok(a->allow_plaintext_auth, "allow-plaintext-auth");
	is_int(a->timeout, 120, "timeout");
	want = xasprintf("%s/.signature", home);
	is_str(a->signature_file, want, "signature-file with ~ expanded");
	free(want);
	is_str(cfg.ui.editor, "vim -c 'set tw=72'", "editor command");
	ok(!cfg.ui.threads, "threads off");
	is_int(cfg.nwarnings, 1, "one warning: delete-after-days without keep");
	if (cfg.nwarnings == 1)
		is_str(cfg.warnings[0], CFG_PATH ":13: pop3-delete-after-days: has no effect "
		       "with pop3-keep = false, which deletes messages as soon as they "
		       "are stored", "warning sentence");
	ok(config_find_account(&cfg, "home") == a, "find account");
	ok(config_find_account(&cfg, "Home") == NULL, "account names are exact");
	ok(config_find_account_by_address(&cfg, "JANE@example.org") == a,
	   "find by address ignores case");
	ok(config_find_account_by_address(&cfg, "joe@example.org") == NULL,
	   "find by address: no match");
	config_free(&cfg);
	ok(cfg.accounts == NULL && cfg.naccounts == 0 && cfg.path == NULL,
	   "config_free empties");
	config_free(&cfg);
	ok(1, "config_free twice is harmless");
}

static void test_defaults(void)
{
	struct config cfg;
	const struct account *a;

	if (!ok(parse_ok("[account \"a\"]\naddress = a@example.org\n"
			 "pop3-host = pop.example.org\nsmtp-host = smtp.example.org\n"
			 "[account \"b\"]\naddress = b@example.org\npop3-tls = none\n"
			 "smtp-tls = none\npop3-user = bee\n"
			 "[account \"c\"]\naddress = c@example.org\npop3-tls = starttls\n"
			 "smtp-tls = implicit\n", &cfg), "minimal accounts parse"))
		return;
	is_int(cfg.naccounts, 3, "three accounts");
	ok(cfg.archive_path == NULL, "no archive path");
	ok(cfg.ui.editor == NULL, "built-in editor by default");
	ok(cfg.ui.threads, "threads by default");
	is_int(cfg.nwarnings, 0, "no warnings");
	a = config_find_account(&cfg, "a");
	ok(a->real_name == NULL, "no name by default");
	is_int(a->pop3_tls, CONFIG_TLS_IMPLICIT, "pop3-tls defaults to implicit");
	is_int(a->pop3_port, 995, "implicit TLS: pop3-port 995");
	is_int(a->smtp_tls, CONFIG_TLS_STARTTLS, "smtp-tls defaults to starttls");
	is_int(a->smtp_port, 587, "starttls: smtp-port 587");
	is_str(a->pop3_user, "a@example.org", "pop3-user defaults to the address");
	is_str(a->smtp_user, "a@example.org", "smtp-user defaults to pop3-user");
	is_int(a->pop3_auth, CONFIG_AUTH_AUTO, "pop3-auth auto");
	is_int(a->smtp_auth, CONFIG_AUTH_AUTO, "smtp-auth auto");
	ok(a->pop3_keep, "pop3-keep true");
	is_int(a->pop3_delete_after_days, 0, "delete-after-days 0");
	is_int(a->pop3_max_size, 0, "max-size 0");
	is_int(a->timeout, 60, "timeout 60");
	ok(!a->allow_plaintext_auth, "no plaintext auth");
	ok(!a->has_tls_fingerprint, "no fingerprint");
	ok(a->tls_ca_file == NULL && a->signature_file == NULL &&
	   a->password == NULL && a->password_command == NULL, "optional strings unset");
	a = config_find_account(&cfg, "b");
	ok(a->pop3_host == NULL && a->smtp_host == NULL, "account without hosts is fine");
	is_int(a->pop3_port, 110, "no TLS: pop3-port 110");
	is_int(a->smtp_port, 587, "no TLS: smtp-port 587");
	is_str(a->smtp_user, "bee", "smtp-user defaults to pop3-user");
	a = config_find_account(&cfg, "c");
	is_int(a->pop3_port, 110, "starttls: pop3-port 110");
	is_int(a->smtp_port, 465, "implicit: smtp-port 465");
	is_str(a->smtp_user, "c@example.org", "smtp-user from address via pop3-user");
	is_str(config_tls_name(a->smtp_tls), "implicit", "tls name");
	is_str(config_auth_name(CONFIG_AUTH_SCRAM_SHA_1), "scram-sha-1", "auth name");
	config_free(&cfg);
}

static void test_values(void)
{
	static const struct {
		const char *value;
		int want;
	} tls[] = {
		{ "implicit", CONFIG_TLS_IMPLICIT }, { "STARTTLS", CONFIG_TLS_STARTTLS },
		{ "none", CONFIG_TLS_NONE },
	}, auth[] = {
		{ "auto", CONFIG_AUTH_AUTO }, { "scram-sha-256", CONFIG_AUTH_SCRAM_SHA_256 },
		{ "scram-sha-1", CONFIG_AUTH_SCRAM_SHA_1 }, { "cram-md5", CONFIG_AUTH_CRAM_MD5 },
		{ "plain", CONFIG_AUTH_PLAIN }, { "LOGIN", CONFIG_AUTH_LOGIN },
		{ "apop", CONFIG_AUTH_APOP }, { "user", CONFIG_AUTH_USER },
		{ "xoauth2", CONFIG_AUTH_XOAUTH2 }, { "oauthbearer", CONFIG_AUTH_OAUTHBEARER },
	}, bools[] = {
		{ "true", 1 }, { "false", 0 }, { "yes", 1 }, { "no", 0 }, { "on", 1 },
		{ "off", 0 }, { "1", 1 }, { "0", 0 }, { "TRUE", 1 }, { "Off", 0 },
	}, sizes[] = {
		{ "0", 0 }, { "100", 100 }, { "1k", 1024 }, { "3K", 3072 },
		{ "2 M", 2 * 1048576 }, { "1G", 1073741824 },
	};
	struct config cfg;
	char *text;

	for (size_t i = 0; i < ARRAY_LEN(tls); i++) {
		text = xasprintf("[account \"x\"]\naddress = x@y.z\npop3-tls = %s\n"
				 "smtp-tls = %s\n", tls[i].value, tls[i].value);
		if (ok(parse_ok(text, &cfg), "tls %s", tls[i].value)) {
			ok(cfg.accounts[0].pop3_tls == (enum config_tls)tls[i].want &&
			   cfg.accounts[0].smtp_tls == (enum config_tls)tls[i].want,
			   "tls %s value", tls[i].value);
			config_free(&cfg);
		}
		free(text);
	}
	for (size_t i = 0; i < ARRAY_LEN(auth); i++) {
		text = xasprintf("[account \"x\"]\naddress = x@y.z\npop3-auth = %s\n",
				 auth[i].value);
		if (ok(parse_ok(text, &cfg), "pop3-auth %s", auth[i].value)) {
			is_int(cfg.accounts[0].pop3_auth, auth[i].want, "pop3-auth %s value",
			       auth[i].value);
			config_free(&cfg);
		}
		free(text);
		if (auth[i].want == CONFIG_AUTH_APOP || auth[i].want == CONFIG_AUTH_USER)
			continue;
		text = xasprintf("[account \"x\"]\naddress = x@y.z\nsmtp-auth = %s\n",
				 auth[i].value);
		if (ok(parse_ok(text, &cfg), "smtp-auth %s", auth[i].value)) {
			is_int(cfg.accounts[0].smtp_auth, auth[i].want, "smtp-auth %s value",
			       auth[i].value);
			config_free(&cfg);
		}
		free(text);
	}
	for (size_t i = 0; i < ARRAY_LEN(bools); i++) {
		text = xasprintf("[ui]\nthreads = %s\n[account \"x\"]\naddress = x@y.z\n"
				 "pop3-keep = %s\nallow-plaintext-auth = %s\n",
				 bools[i].value, bools[i].value, bools[i].value);
		if (ok(parse_ok(text, &cfg), "boolean %s", bools[i].value)) {
			ok(cfg.ui.threads == bools[i].want &&
			   cfg.accounts[0].pop3_keep == bools[i].want &&
			   cfg.accounts[0].allow_plaintext_auth == bools[i].want,
			   "boolean %s value", bools[i].value);
			config_free(&cfg);
		}
		free(text);
	}
	for (size_t i = 0; i < ARRAY_LEN(sizes); i++) {
		text = xasprintf("[account \"x\"]\naddress = x@y.z\npop3-max-size = %s\n",
				 sizes[i].value);
		if (ok(parse_ok(text, &cfg), "size %s", sizes[i].value)) {
			is_int(cfg.accounts[0].pop3_max_size, sizes[i].want, "size %s value",
			       sizes[i].value);
			config_free(&cfg);
		}
		free(text);
	}

	if (ok(parse_ok("[account \"x\"]\naddress = x@y.z\n"
			"tls-fingerprint = sha256:000102030405060708090a0b0c0d0e0f"
			"101112131415161718191A1B1C1D1E1F\n"
			"pop3-port = 1\nsmtp-port = 65535\ntimeout = 86400\n"
			"pop3-delete-after-days = 0\npop3-max-size = 17179869184\n"
			"pop3-host = [::1]\nsmtp-host = 2001:db8::25\n"
			"tls-ca-file = certs/ca.pem\nsignature-file = ~\n"
			"[ui]\neditor = BuiltIn\n", &cfg), "edge values parse")) {
		const struct account *a = &cfg.accounts[0];
		bool seq = true;

		for (int i = 0; i < 32; i++)
			seq = seq && a->tls_fingerprint[i] == i;
		ok(a->has_tls_fingerprint && seq, "fingerprint without colons");
		is_int(a->pop3_port, 1, "lowest port");
		is_int(a->smtp_port, 65535, "highest port");
		is_int(a->timeout, 86400, "longest timeout");
		ok(a->pop3_max_size == 17179869184ULL, "size above 4 GiB");
		is_str(a->pop3_host, "[::1]", "IPv6 literal in brackets");
		is_str(a->smtp_host, "2001:db8::25", "bare IPv6 literal");
		is_str(a->tls_ca_file, "/etc/petrel/certs/ca.pem",
		       "relative path starts at the config file's directory");
		is_str(a->signature_file, getenv("HOME"), "bare ~ is $HOME");
		ok(cfg.ui.editor == NULL, "editor = builtin, any case");
		config_free(&cfg);
	}

	if (ok(parse_ok("[account \"p\"]\naddress = p@example.org\n"
			"password = \"s3cr#t; \\\"quoted\\\" \\\\ \"\n", &cfg),
	       "quoted password parses")) {
		is_str(cfg.accounts[0].password, "s3cr#t; \"quoted\" \\ ", "password unescaped");
		config_free(&cfg);
	}
}

static void test_syntax(void)
{
	struct config cfg;
	const struct account *a;

	if (ok(parse_ok(
		"# a comment\n"
		"; another comment\n"
		"   # indented comment\n"
		"\t\n"
		"[ account \"we ird \\\"name\\\" \\\\ x\" ]   ; comment after header\n"
		"ADDRESS=w@example.org\n"
		"\tname   =    \"  Padded  Name  \"   # trailing comment\n"
		"pop3-user = user#not-a-comment;nor-this\n"
		"smtp-user =  spaced  inside  \t# tab before the comment\n"
		"password-command = sh -c \"echo 'a # b' ; true\" # real comment\n"
		"signature-file = \"/path with # hash\" ; comment\n"
		"[UI]\n"
		"editor = emacs\n"
		"[archive]\n"
		"path = \"/archive ; x.db\"\n", &cfg), "comments, quotes and spacing")) {
		a = &cfg.accounts[0];
		is_str(a->name, "we ird \"name\" \\ x", "account name with escapes");
		is_str(a->address, "w@example.org", "keys are case-insensitive");
		is_str(a->real_name, "  Padded  Name  ", "quotes keep white space");
		is_str(a->pop3_user, "user#not-a-comment;nor-this",
		       "# and ; without space before are text");
		is_str(a->smtp_user, "spaced  inside", "inner white space kept, ends trimmed");
		is_str(a->password_command, "sh -c \"echo 'a # b' ; true\"",
		       "unquoted value keeps its quotes; no comment inside them");
		is_str(a->signature_file, "/path with # hash", "quoted # is text");
		is_str(cfg.ui.editor, "emacs", "section names are case-insensitive");
		is_str(cfg.archive_path, "/archive ; x.db", "quoted ; is text");
		config_free(&cfg);
	}

	if (ok(parse_ok("[account \"crlf\"]\r\naddress = c@example.org\r\n"
			"name = \"CR LF\"   \r\n# c\r\n[ui]\r\nthreads = no\r\n", &cfg),
	       "CRLF line ends")) {
		is_str(cfg.accounts[0].address, "c@example.org", "CRLF: value has no CR");
		is_str(cfg.accounts[0].real_name, "CR LF", "CRLF after quotes");
		ok(!cfg.ui.threads, "CRLF: last line");
		config_free(&cfg);
	}
	if (ok(parse_ok("[account \"x\"]\naddress = x@y.z", &cfg), "no final newline")) {
		is_str(cfg.accounts[0].address, "x@y.z", "last line without newline");
		config_free(&cfg);
	}
	if (ok(parse_ok("\xef\xbb\xbf[ui]\nthreads = no\n", &cfg), "UTF-8 BOM skipped")) {
		ok(!cfg.ui.threads, "after a BOM");
		config_free(&cfg);
	}
	if (ok(parse_ok("[account \"b\xc3\xbcro\"]\naddress = j\xc3\xbcrgen@b\xc3\xbcro.example\n"
			"name = J\xc3\xbcrgen \xe6\x97\xa5\xe6\x9c\xac\n", &cfg), "UTF-8 text")) {
		is_str(cfg.accounts[0].real_name, "J\xc3\xbcrgen \xe6\x97\xa5\xe6\x9c\xac",
		       "UTF-8 name kept");
		ok(config_find_account(&cfg, "b\xc3\xbcro") != NULL, "UTF-8 account name");
		config_free(&cfg);
	}
	if (ok(parse_ok("", &cfg), "empty file")) {
		is_int(cfg.naccounts, 0, "empty: no accounts");
		config_free(&cfg);
	}
	if (ok(parse_ok("# only\n; comments\n\n   \n", &cfg), "only comments")) {
		is_int(cfg.naccounts, 0, "comments: no accounts");
		config_free(&cfg);
	}
	if (ok(parse_ok("[ui]\nthreads = no\n[archive]\npath = /a.db\n[ui]\neditor = vi\n",
			&cfg), "a section may be reopened")) {
		ok(!cfg.ui.threads && cfg.ui.editor != NULL, "both [ui] parts kept");
		config_free(&cfg);
	}
	if (ok(parse_ok("[account \"one\"]\naddress = 1@example.org\n"
			"[account \"two\"]\naddress = 2@example.org\n"
			"pop3-host = pop.example.org\n", &cfg), "two accounts")) {
		is_int(cfg.naccounts, 2, "two accounts kept in order");
		is_str(cfg.accounts[1].name, "two", "second account");
		ok(cfg.accounts[0].pop3_host == NULL, "keys do not leak between accounts");
		config_free(&cfg);
	}
}

static void test_errors(void)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{ "[account \"h\"]\naddress = h@example.org\n\n\npop3-tls = startls\n",
		  CFG_PATH ":5: pop3-tls: \"startls\" is not one of implicit, starttls, none" },
		{ "[account \"h\"]\naddress = h@example.org\nsmtp-auth = apop\n",
		  CFG_PATH ":3: smtp-auth: \"apop\" is not one of auto, scram-sha-256, "
		  "scram-sha-1, cram-md5, plain, login, xoauth2, oauthbearer" },
		{ "[account \"h\"]\naddress = h@example.org\npop3-auth = md5\n",
		  CFG_PATH ":3: pop3-auth: \"md5\" is not one of auto, scram-sha-256, "
		  "scram-sha-1, cram-md5, plain, login, apop, user, xoauth2, oauthbearer" },
		{ "[account \"h\"]\naddress = h@example.org\npop3-hots = x\n",
		  CFG_PATH ":3: pop3-hots: unknown key in [account \"h\"]; did you mean pop3-host?" },
		{ "[account \"h\"]\naddress = h@example.org\nfrobnicate = x\n",
		  CFG_PATH ":3: frobnicate: unknown key in [account \"h\"]" },
		{ "[ui]\npop3-host = x\n",
		  CFG_PATH ":2: pop3-host: not a key of [ui]; it belongs under [account \"NAME\"]" },
		{ "[account \"h\"]\naddress = h@example.org\neditor = vi\n",
		  CFG_PATH ":3: editor: not a key of [account \"h\"]; it belongs under [ui]" },
		{ "# top\npop3-host = pop.example.org\n",
		  CFG_PATH ":2: pop3-host: key outside any section; it belongs under "
		  "[account \"NAME\"]" },
		{ "colour = red\n", CFG_PATH ":1: colour: unknown key outside any section" },
		{ "[account \"h\"]\naddress = h@example.org\n[account \"h\"]\n",
		  CFG_PATH ":3: account \"h\" is already defined on line 1" },
		{ "[account \"h\"]\naddress = h@example.org\npop3-host = a\npop3-host = b\n",
		  CFG_PATH ":4: pop3-host: already set on line 3" },
		{ "[account \"h\"]\naddress = h@example.org\nname = \"Jane\n",
		  CFG_PATH ":3: name: unterminated quoted value (a '\"' is missing)" },
		{ "[account \"h\"]\naddress = h@example.org\npassword-command = sh -c \"x\n",
		  CFG_PATH ":3: password-command: unterminated quoted value (a '\"' is missing)" },
		{ "[account \"h\"]\naddress = h@example.org\nname = \"Jane\\\"\n",
		  CFG_PATH ":3: name: unterminated quoted value (a '\"' is missing)" },
		{ "[account \"h\"]\naddress = h@example.org\nname = \"Jane\" Doe\n",
		  CFG_PATH ":3: name: unexpected text after the closing quote; quote the whole value" },
		{ "[account \"h\"]\naddress = h@example.org\nname = \"a\\nb\"\n",
		  CFG_PATH ":3: name: unknown escape \"\\n\" in a quoted value; only \\\" and \\\\ "
		  "are understood" },
		{ "[account \"h\"]\naddress = h@example.org\nname = \"a\\\xc3\xa9\"\n",
		  CFG_PATH ":3: name: unknown escape \"\\\xc3\xa9\" in a quoted value; only "
		  "\\\" and \\\\ are understood" },
		{ "[account \"\\x\"]\n", CFG_PATH ":1: unknown escape \"\\x\" in a section header; "
		  "only \\\" and \\\\ are understood" },
		{ "[account \"h\"]\naddress = h@example.org\npop3-host pop.example.org\n",
		  CFG_PATH ":3: pop3-host: expected \"=\" after the key" },
		{ "[account \"h\"]\naddress = h@example.org\npop3-host: pop.example.org\n",
		  CFG_PATH ":3: pop3-host: expected \"=\" after the key" },
		{ "[ui]\n= x\n", CFG_PATH ":2: expected \"key = value\", a [section] or a comment" },
		{ "[account \"h\"\n", CFG_PATH ":1: malformed section header; expected [archive], "
		  "[account \"NAME\"] or [ui]" },
		{ "[]\n", CFG_PATH ":1: malformed section header; expected [archive], "
		  "[account \"NAME\"] or [ui]" },
		{ "[account \"h\n", CFG_PATH ":1: unterminated quoted name in a section header" },
		{ "[account]\n", CFG_PATH ":1: an account section needs a name: [account \"NAME\"]" },
		{ "[account \"\"]\n", CFG_PATH ":1: an account section needs a name: "
		  "[account \"NAME\"]" },
		{ "[ui \"x\"]\n", CFG_PATH ":1: [ui] takes no name" },
		{ "[ui] threads = no\n", CFG_PATH ":1: unexpected text after a section header" },
		{ "[accounts \"h\"]\n", CFG_PATH ":1: unknown section [accounts]; expected "
		  "[archive], [account \"NAME\"] or [ui]" },
		{ "[account \"h\"]\nname = Jane\n[ui]\n",
		  CFG_PATH ":1: address: account \"h\" has no address; add a line like "
		  "\"address = jane@example.org\"" },
		{ "[account \"h\"]\nname = Jane\n",
		  CFG_PATH ":1: address: account \"h\" has no address; add a line like "
		  "\"address = jane@example.org\"" },
		{ "[account \"h\"]\naddress = Jane Doe\n",
		  CFG_PATH ":2: address: \"Jane Doe\" is not an e-mail address (like "
		  "jane@example.org)" },
		{ "[account \"h\"]\naddress = @example.org\n",
		  CFG_PATH ":2: address: \"@example.org\" is not an e-mail address (like "
		  "jane@example.org)" },
		{ "[account \"h\"]\naddress =\n", CFG_PATH ":2: address: the value is empty" },
		{ "[account \"h\"]\naddress = \"\"\n", CFG_PATH ":2: address: the value is empty" },
		{ "[account \"h\"]\naddress = # just a comment\n",
		  CFG_PATH ":2: address: the value is empty" },
		{ "[account \"h\"]\naddress = h@example.org\npop3-host = pop example\n",
		  CFG_PATH ":3: pop3-host: \"pop example\" is not a host name" },
		{ "[account \"h\"]\naddress = h@example.org\nsmtp-host = smtp.example.org:587\n",
		  CFG_PATH ":3: smtp-host: \"smtp.example.org:587\": give the port on its own "
		  "line, as smtp-port" },
		{ "[account \"h\"]\naddress = h@example.org\npop3-port = 0\n",
		  CFG_PATH ":3: pop3-port: \"0\" is not a port number from 1 to 65535" },
		{ "[account \"h\"]\naddress = h@example.org\nsmtp-port = 65536\n",
		  CFG_PATH ":3: smtp-port: \"65536\" is not a port number from 1 to 65535" },
		{ "[account \"h\"]\naddress = h@example.org\npop3-port = -1\n",
		  CFG_PATH ":3: pop3-port: \"-1\" is not a port number from 1 to 65535" },
		{ "[account \"h\"]\naddress = h@example.org\npop3-port = 99999999999999999999999\n",
		  CFG_PATH ":3: pop3-port: \"99999999999999999999999\" is not a port number from "
		  "1 to 65535" },
		{ "[account \"h\"]\naddress = h@example.org\ntimeout = 0\n",
		  CFG_PATH ":3: timeout: \"0\" is not a number of seconds from 1 to 86400" },
		{ "[account \"h\"]\naddress = h@example.org\ntimeout = 10s\n",
		  CFG_PATH ":3: timeout: \"10s\" is not a number of seconds from 1 to 86400" },
		{ "[account \"h\"]\naddress = h@example.org\npop3-delete-after-days = -3\n",
		  CFG_PATH ":3: pop3-delete-after-days: \"-3\" is not a number of days from 0 "
		  "to 100000" },
		{ "[account \"h\"]\naddress = h@example.org\npop3-max-size = 12X\n",
		  CFG_PATH ":3: pop3-max-size: \"12X\" is not a size (a number of bytes, "
		  "optionally followed by k, M or G)" },
		{ "[account \"h\"]\naddress = h@example.org\npop3-max-size = M\n",
		  CFG_PATH ":3: pop3-max-size: \"M\" is not a size (a number of bytes, "
		  "optionally followed by k, M or G)" },
		{ "[account \"h\"]\naddress = h@example.org\npop3-max-size = 1MB\n",
		  CFG_PATH ":3: pop3-max-size: \"1MB\" is not a size (a number of bytes, "
		  "optionally followed by k, M or G)" },
		{ "[account \"h\"]\naddress = h@example.org\npop3-max-size = 17179869184G\n",
		  CFG_PATH ":3: pop3-max-size: \"17179869184G\" is not a size (a number of bytes, "
		  "optionally followed by k, M or G)" },
		{ "[account \"h\"]\naddress = h@example.org\npop3-keep = maybe\n",
		  CFG_PATH ":3: pop3-keep: \"maybe\" is not a boolean; use true or false" },
		{ "[ui]\nthreads = 2\n",
		  CFG_PATH ":2: threads: \"2\" is not a boolean; use true or false" },
		{ "[account \"h\"]\naddress = h@example.org\ntls-fingerprint = sha256:AB:CD\n",
		  CFG_PATH ":3: tls-fingerprint: \"sha256:AB:CD\" is not a SHA-256 fingerprint "
		  "(\"sha256:\" and 32 hex bytes, like sha256:AB:CD:...)" },
		{ "[account \"h\"]\naddress = h@example.org\ntls-fingerprint = sha256:"
		  "AB:CD:EF:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:"
		  "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:8G\n",
		  CFG_PATH ":3: tls-fingerprint: \"sha256:AB:CD:EF:01:23:45:67:89:ab:cd:ef:01:"
		  "23:45:67:89:AB:CD...\" is not a SHA-256 fingerprint (\"sha256:\" and 32 hex "
		  "bytes, like sha256:AB:CD:...)" },
		{ "[account \"h\"]\naddress = h@example.org\ntls-fingerprint = sha1:AB:CD\n",
		  CFG_PATH ":3: tls-fingerprint: \"sha1:AB:CD\": only SHA-256 fingerprints are "
		  "supported (sha256:AB:CD:...)" },
		{ "[account \"h\"]\naddress = h@example.org\npassword = x\npassword-command = y\n",
		  CFG_PATH ":4: password-command: password is already set on line 3; keep only "
		  "one of password and password-command" },
		{ "[account \"h\"]\naddress = h@example.org\npassword-command = y\npassword = x\n",
		  CFG_PATH ":4: password: password-command is already set on line 3; keep only "
		  "one of password and password-command" },
		{ "[archive]\npath = /a\n[archive]\npath = /b\n",
		  CFG_PATH ":4: path: already set on line 2" },
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		check_error(cases[i].text, cases[i].want, cases[i].want + strlen(CFG_PATH));
	/* Check the expectations themselves are fit for a terminal. */
	{
		bool all_utf8 = true;

		for (size_t i = 0; i < ARRAY_LEN(cases); i++)
			all_utf8 = all_utf8 && utf8_valid(cases[i].want, strlen(cases[i].want));
		ok(all_utf8, "every error sentence is valid UTF-8");
	}

	/* The password itself never appears in an error sentence. */
	{
		char *got = parse_err("[account \"h\"]\naddress = h@example.org\n"
				      "password = \"hunter2\" hunter3\n");

		ok(got != NULL && strstr(got, "hunter") == NULL,
		   "password not echoed in a syntax error");
		free(got);
	}
}

static void test_hostile(void)
{
	struct config cfg;
	struct buf b = BUF_INIT;
	char *got;

	got = parse_err_n(LIT("[ui]\nthreads = n\0o\n"));
	is_str(got, CFG_PATH ":2: the line contains a NUL byte", "NUL byte in a value");
	free(got);
	got = parse_err_n(LIT("\0"));
	is_str(got, CFG_PATH ":1: the line contains a NUL byte", "lone NUL byte");
	free(got);
	got = parse_err_n(LIT("# comment \0 with NUL\n"));
	is_str(got, CFG_PATH ":1: the line contains a NUL byte", "NUL byte in a comment");
	free(got);
	got = parse_err("[ui]\n# caf\xe9\n");
	is_str(got, CFG_PATH ":2: the line is not valid UTF-8", "Latin-1 in a comment");
	free(got);
	got = parse_err("[account \"a\"]\naddress = a@example.org\nname = \xc0\xaf\n");
	is_str(got, CFG_PATH ":3: the line is not valid UTF-8", "overlong UTF-8");
	free(got);
	got = parse_err("[account \"a\"]\naddress = a@example.org\nname = \xed\xa0\x80\n");
	is_str(got, CFG_PATH ":3: the line is not valid UTF-8", "UTF-8 surrogate");
	free(got);
	got = parse_err("[account \"a\"]\naddress = a@example.org\nname = \xe2\x82\n");
	is_str(got, CFG_PATH ":3: the line is not valid UTF-8", "truncated UTF-8");
	free(got);
	got = parse_err("[ui]\neditor = vi\x1b[31m\n");
	is_str(got, CFG_PATH ":2: the line contains a control character (byte 0x1b)",
	       "escape sequence refused");
	free(got);
	got = parse_err("[ui]\reditor = vi\n");
	is_str(got, CFG_PATH ":1: the line contains a control character (byte 0x0d)",
	       "bare CR is not a line end");
	free(got);
	got = parse_err("[ui]\neditor = vi\x7f\n");
	is_str(got, CFG_PATH ":2: the line contains a control character (byte 0x7f)",
	       "DEL refused");
	free(got);

	/* Long lines: up to the limit is fine, one byte more is not. */
	buf_puts(&b, "[account \"a\"]\naddress = a@example.org\npassword = ");
	while (b.len < CONFIG_LINE_MAX + 1000)
		buf_putc(&b, 'p');
	{
		size_t line_start = strlen("[account \"a\"]\naddress = a@example.org\n");
		size_t cut = line_start + CONFIG_LINE_MAX;
		char *text = xstrndup(b.data, cut);

		if (ok(parse_ok(text, &cfg), "a line of exactly CONFIG_LINE_MAX bytes")) {
			is_int(strlen(cfg.accounts[0].password),
			       CONFIG_LINE_MAX - strlen("password = "), "long value kept whole");
			config_free(&cfg);
		}
		free(text);
		text = xstrndup(b.data, cut + 1);
		got = parse_err(text);
		is_str(got, CFG_PATH ":3: the line is longer than 65536 bytes", "one byte too long");
		free(got);
		free(text);
	}
	buf_free(&b);

	/* A long value is cut in messages, on a character boundary. */
	buf_puts(&b, "[ui]\nthreads = ");
	for (int i = 0; i < 100; i++)
		buf_puts(&b, "\xc3\xa9");
	got = parse_err(buf_cstr(&b));
	ok(got != NULL && strlen(got) < 200 && strstr(got, "\xc3\xa9...\"") != NULL &&
	   utf8_valid(got, strlen(got)), "long bad value shortened in the message");
	free(got);
	buf_free(&b);

	/* A file bigger than the limit. */
	{
		char *big = xmalloc(CONFIG_FILE_MAX + 2);

		memset(big, '\n', CONFIG_FILE_MAX + 1);
		big[CONFIG_FILE_MAX + 1] = '\0';
		got = parse_err(big);
		is_str(got, CFG_PATH ": the file is larger than 1048576 bytes", "file too big");
		free(got);
		big[CONFIG_FILE_MAX] = '\0';
		got = parse_err(big);
		ok(got == NULL, "a file at the limit is fine");
		free(got);
		free(big);
	}

	/* Every prefix of a valid file either parses or fails cleanly. */
	{
		static const char full[] =
			"[account \"a b\"]\r\naddress = \"a@example.org\"  # c\n"
			"pop3-host = pop.example.org\ntls-fingerprint = sha256:"
			"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
			"pop3-max-size = 10k\n[ui]\neditor = \"vi -x\"\n";
		int parsed = 0;

		for (size_t n = 0; n <= sizeof full - 1; n++) {
			struct error *e = NULL;

			if (config_parse_buffer(CFG_PATH, full, n, &cfg, &e) == 0)
				parsed++;
			else if (e == NULL || strncmp(e->msg, CFG_PATH ":", strlen(CFG_PATH) + 1) != 0)
				diag("prefix %zu: bad error", n);
			config_free(&cfg);
			error_free(&e);
		}
		ok(parsed > 0 && parsed < (int)sizeof full, "every prefix handled (%d parsed)",
		   parsed);
	}
	/* NULL path: messages say "config". */
	{
		struct error *e = NULL;

		config_parse_buffer(NULL, "x", 1, &cfg, &e);
		is_str(e ? e->msg : NULL, "config:1: x: expected \"=\" after the key",
		       "NULL path in messages");
		error_free(&e);
	}
}

static char *write_file(const char *name, const char *text, mode_t mode)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		diag("cannot write %s", path);
	if (fd >= 0)
		close(fd);
	chmod(path, mode);
	return path;
}

static void test_load(void)
{
	struct config cfg;
	struct error *e = NULL;
	char *path, *missing, *want, *shown;
	static const char with_pw[] =
		"[account \"a\"]\naddress = a@example.org\npassword = hunter2\n";

	missing = xasprintf("%s/no-such-file", tmpdir);
	ok(config_load(missing, false, &cfg, &e) == 0 && e == NULL,
	   "missing implicit file is fine");
	ok(!cfg.exists && cfg.naccounts == 0, "missing file: no accounts");
	is_str(cfg.path, missing, "missing file: path kept");
	ok(cfg.ui.threads, "missing file: defaults");
	config_free(&cfg);
	ok(config_load(missing, true, &cfg, &e) < 0, "missing explicit file is an error");
	want = xasprintf("cannot open the configuration file ~/no-such-file: No such file "
			 "or directory");
	is_str(e ? e->msg : NULL, want, "missing explicit file: sentence");
	is_int(e ? (int)e->kind : 0, ERR_CONFIG, "missing explicit file: config error");
	ok(cfg.naccounts == 0 && cfg.path == NULL, "missing explicit file: cfg empty");
	config_free(&cfg);
	error_free(&e);
	free(want);

	ok(config_load(tmpdir, false, &cfg, &e) < 0, "a directory is an error");
	want = xstrdup("~ is a directory, not a configuration file");
	is_str(e ? e->msg : NULL, want, "directory: sentence");
	error_free(&e);
	free(want);
	config_free(&cfg);

	path = write_file("pw-private", with_pw, 0600);
	if (ok(config_load(path, true, &cfg, &e) == 0, "load a 0600 file with a password")) {
		is_int(cfg.nwarnings, 0, "0600: no warning");
		ok(cfg.exists, "exists");
		is_str(cfg.accounts[0].password, "hunter2", "password loaded");
	}
	config_free(&cfg);
	error_free(&e);
	free(path);

	path = write_file("pw-group", with_pw, 0640);
	if (ok(config_load(path, true, &cfg, &e) == 0, "load a 0640 file with a password")) {
		is_int(cfg.nwarnings, 1, "0640: one warning");
		want = xasprintf("~/pw-group holds a password and others may read or change "
				 "it (mode 0640); run \"chmod 600 ~/pw-group\", or use "
				 "password-command instead");
		is_str(cfg.nwarnings ? cfg.warnings[0] : NULL, want, "0640: warning sentence");
		free(want);
	}
	config_free(&cfg);
	error_free(&e);
	free(path);

	path = write_file("pw-other-write", with_pw, 0602);
	ok(config_load(path, true, &cfg, &e) == 0 && cfg.nwarnings == 1,
	   "0602 (others may write): warning");
	config_free(&cfg);
	error_free(&e);
	free(path);

	path = write_file("pw-exec", with_pw, 0711);
	ok(config_load(path, true, &cfg, &e) == 0 && cfg.nwarnings == 0,
	   "0711 (execute only): no warning");
	config_free(&cfg);
	error_free(&e);
	free(path);

	path = write_file("no-pw", "[account \"a\"]\naddress = a@example.org\n"
			  "password-command = pass mail\n", 0644);
	ok(config_load(path, true, &cfg, &e) == 0 && cfg.nwarnings == 0,
	   "0644 without a password: no warning");
	config_free(&cfg);
	error_free(&e);
	free(path);

	/* Errors from a file name the file as the user knows it (~). */
	path = write_file("bad", "[account \"h\"]\naddress = h@example.org\n"
			  "pop3-tls = startls\n", 0600);
	shown = xasprintf("~%s", path + strlen(getenv("HOME")));
	ok(config_load(path, false, &cfg, &e) < 0, "bad file fails");
	want = xasprintf("%s:3: pop3-tls: \"startls\" is not one of implicit, starttls, none",
			 shown);
	is_str(e ? e->msg : NULL, want, "file error names ~/path:line: key");
	ok(cfg.naccounts == 0 && cfg.path == NULL, "bad file: cfg empty");
	config_free(&cfg);
	error_free(&e);
	free(want);
	free(shown);
	free(path);

	path = write_file("unreadable", "[ui]\n", 0000);
	if (geteuid() != 0) {
		ok(config_load(path, false, &cfg, &e) < 0 && e != NULL && e->kind == ERR_IO,
		   "unreadable file is an I/O error");
		config_free(&cfg);
		error_free(&e);
	} else {
		ok(1, "# SKIP root reads any file");
	}
	free(path);

	path = write_file("empty", "", 0600);
	ok(config_load(path, true, &cfg, &e) == 0 && cfg.exists && cfg.naccounts == 0,
	   "empty file loads");
	config_free(&cfg);
	free(path);
	ok(config_load("/dev/null", true, &cfg, &e) == 0 && cfg.naccounts == 0,
	   "/dev/null loads as an empty config");
	config_free(&cfg);
	free(missing);
}

static void test_resolve(void)
{
	struct config cfg;
	struct error *e = NULL;
	bool is_explicit = true;
	char *p, *want;
	const char *home = getenv("HOME");

	unsetenv("PETREL_CONFIG");
	unsetenv("XDG_CONFIG_HOME");
	p = config_path_resolve(NULL, &is_explicit, &e);
	want = xasprintf("%s/.config/petrel/config", home);
	is_str(p, want, "default config path under $HOME");
	ok(!is_explicit, "default is not explicit");
	free(p);
	free(want);

	setenv("XDG_CONFIG_HOME", "/xdg/conf", 1);
	p = config_path_resolve(NULL, &is_explicit, &e);
	is_str(p, "/xdg/conf/petrel/config", "$XDG_CONFIG_HOME");
	free(p);
	setenv("XDG_CONFIG_HOME", "relative/conf", 1);
	p = config_path_resolve(NULL, NULL, &e);
	want = xasprintf("%s/.config/petrel/config", home);
	is_str(p, want, "relative $XDG_CONFIG_HOME ignored");
	free(p);
	free(want);

	setenv("XDG_CONFIG_HOME", "/xdg/conf", 1);
	setenv("PETREL_CONFIG", "~/petrel.ini", 1);
	p = config_path_resolve(NULL, &is_explicit, &e);
	want = xasprintf("%s/petrel.ini", home);
	is_str(p, want, "$PETREL_CONFIG beats XDG, ~ expanded");
	ok(is_explicit, "$PETREL_CONFIG is explicit");
	free(p);
	free(want);
	p = config_path_resolve("/cli/config", &is_explicit, &e);
	is_str(p, "/cli/config", "--config beats $PETREL_CONFIG");
	ok(is_explicit, "--config is explicit");
	free(p);
	setenv("PETREL_CONFIG", "", 1);
	p = config_path_resolve(NULL, &is_explicit, &e);
	is_str(p, "/xdg/conf/petrel/config", "empty $PETREL_CONFIG is unset");
	ok(!is_explicit, "empty $PETREL_CONFIG: not explicit");
	free(p);
	p = config_path_resolve("", &is_explicit, &e);
	ok(p == NULL && e != NULL && e->kind == ERR_USAGE, "empty --config is a usage error");
	is_str(e ? e->msg : NULL, "the configuration file name is empty", "empty --config sentence");
	error_free(&e);

	/* config_read: explicit means must exist. */
	setenv("PETREL_CONFIG", "/nonexistent/petrel/config", 1);
	ok(config_read(NULL, &cfg, &e) < 0 && e != NULL, "missing $PETREL_CONFIG file is an error");
	error_free(&e);
	config_free(&cfg);
	unsetenv("PETREL_CONFIG");
	setenv("XDG_CONFIG_HOME", "/nonexistent", 1);
	ok(config_read(NULL, &cfg, &e) == 0 && !cfg.exists, "missing default file is fine");
	is_str(cfg.path, "/nonexistent/petrel/config", "config_read keeps the path");
	config_free(&cfg);

	/* Archive: --archive > $PETREL_ARCHIVE > [archive] path > XDG. */
	unsetenv("PETREL_ARCHIVE");
	unsetenv("XDG_DATA_HOME");
	p = config_archive_resolve(NULL, NULL, &e);
	want = xasprintf("%s/.local/share/petrel/archive.db", home);
	is_str(p, want, "default archive under $HOME");
	free(p);
	free(want);
	setenv("XDG_DATA_HOME", "/xdg/data", 1);
	p = config_archive_resolve(NULL, NULL, &e);
	is_str(p, "/xdg/data/petrel/archive.db", "$XDG_DATA_HOME");
	free(p);
	if (ok(parse_ok("[archive]\npath = /from/config.db\n", &cfg), "archive config")) {
		p = config_archive_resolve(&cfg, NULL, &e);
		is_str(p, "/from/config.db", "[archive] path beats XDG");
		free(p);
		setenv("PETREL_ARCHIVE", "~/env.db", 1);
		p = config_archive_resolve(&cfg, NULL, &e);
		want = xasprintf("%s/env.db", home);
		is_str(p, want, "$PETREL_ARCHIVE beats [archive] path, ~ expanded");
		free(p);
		free(want);
		p = config_archive_resolve(&cfg, "cli.db", &e);
		is_str(p, "cli.db", "--archive beats $PETREL_ARCHIVE");
		free(p);
		setenv("PETREL_ARCHIVE", "", 1);
		p = config_archive_resolve(&cfg, NULL, &e);
		is_str(p, "/from/config.db", "empty $PETREL_ARCHIVE is unset");
		free(p);
		config_free(&cfg);
	}
	unsetenv("PETREL_ARCHIVE");
	unsetenv("XDG_DATA_HOME");

	/* Without $HOME nothing can be found, and "~" cannot be expanded. */
	{
		char *saved = xstrdup(home);

		unsetenv("HOME");
		unsetenv("XDG_CONFIG_HOME");
		p = config_path_resolve(NULL, NULL, &e);
		ok(p == NULL && e != NULL && e->kind == ERR_CONFIG, "no $HOME: config path error");
		error_free(&e);
		p = config_archive_resolve(NULL, NULL, &e);
		ok(p == NULL && e != NULL, "no $HOME: archive path error");
		error_free(&e);
		p = parse_err("[archive]\npath = ~/a.db\n");
		is_str(p, CFG_PATH ":2: path: cannot expand \"~/a.db\": $HOME is not set",
		       "no $HOME: ~ in a value");
		free(p);
		setenv("HOME", saved, 1);
		free(saved);
	}
}

static void cleanup(void)
{
	static const char *const names[] = {
		"pw-private", "pw-group", "pw-other-write", "pw-exec", "no-pw", "bad",
		"unreadable", "empty",
	};

	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		char *p = xasprintf("%s/%s", tmpdir, names[i]);

		unlink(p);
		free(p);
	}
	rmdir(tmpdir);
}

int main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 99;
	}
	/* $HOME is the temporary directory, so "~" is predictable. */
	setenv("HOME", tmpdir, 1);
	unsetenv("PETREL_CONFIG");
	unsetenv("PETREL_ARCHIVE");
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("XDG_DATA_HOME");

	test_full();
	test_defaults();
	test_values();
	test_syntax();
	test_errors();
	test_hostile();
	test_load();
	test_resolve();
	cleanup();
	return tap_done();
}
