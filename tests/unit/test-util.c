/* test-util.c - buffers, errors, paths, UTF-8 helpers. */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "paths.h"
#include "util.h"
#include "../tap.h"

static void test_buf(void)
{
	struct buf b;

	buf_init(&b, 10);
	ok(buf_puts(&b, "hello"), "append within max");
	ok(buf_printf(&b, "%d", 1234), "printf within max");
	is_str(buf_cstr(&b), "hello1234", "contents");
	ok(!buf_puts(&b, "xy"), "append past max fails");
	ok(b.failed, "failure is sticky");
	ok(!buf_putc(&b, 'z'), "later appends are no-ops");
	is_int(b.len, 9, "length unchanged after failure");
	buf_reset(&b);
	ok(!b.failed && b.len == 0, "reset clears error and contents");
	buf_free(&b);

	buf_init(&b, 0);
	for (int i = 0; i < 100000; i++)
		buf_putc(&b, (char)('a' + i % 26));
	is_int(b.len, 100000, "unbounded buffer grows");
	ok(b.data[100000] == '\0', "kept NUL-terminated");
	{
		size_t n;
		char *s = buf_steal(&b, &n);

		is_int(n, 100000, "steal hands over length");
		ok(b.data == NULL && b.len == 0, "steal resets");
		free(s);
	}
	buf_append(&b, "a\0b", 3);
	is_int(b.len, 3, "binary append keeps NUL bytes");
	buf_truncate(&b, 1);
	is_str(buf_cstr(&b), "a", "truncate");
	buf_free(&b);
	is_str(buf_cstr(&b), "", "empty buffer gives empty string");
}

static void test_error(void)
{
	struct error *e = NULL;

	is_int(error_set(&e, ERR_TEMP, "first %d", 1), -1, "error_set returns -1");
	error_set(&e, ERR_PERM, "second");
	is_str(e->msg, "first 1", "first error wins");
	is_int(error_exit_code(e), 75, "temporary failure exits 75");
	error_prefix(&e, "account %s", "home");
	is_str(e->msg, "account home: first 1", "prefix adds context");
	error_set_detail(e, "-ERR [SYS/TEMP] busy");
	is_str(e->detail, "-ERR [SYS/TEMP] busy", "server words kept apart");
	error_free(&e);
	ok(e == NULL, "free clears the pointer");
	error_set(NULL, ERR_IO, "ignored");
	is_int(error_exit_code(NULL), 0, "no error exits 0");
	error_set(&e, ERR_PERM, "x");
	is_int(error_exit_code(e), 1, "permanent failure exits 1");
	error_free(&e);
}

static void test_strings(void)
{
	char s[] = "  \tpadded  \r\n";
	uint64_t v;
	char *t;

	is_str(str_trim(s), "padded", "trim");
	ok(ascii_strcasecmp("Content-Type", "content-TYPE") == 0, "strcasecmp");
	ok(ascii_has_prefix("From: x", 7, "from:"), "has_prefix");
	ok(!ascii_has_prefix("Fro", 3, "from:"), "has_prefix short");
	ok(str_to_u64("18446744073709551615", &v) && v == UINT64_MAX, "u64 max");
	ok(!str_to_u64("18446744073709551616", &v), "u64 overflow refused");
	ok(!str_to_u64("12a", &v) && !str_to_u64("", &v), "u64 junk refused");
	ok(utf8_valid("h\xc3\xa9llo", 6), "valid UTF-8");
	ok(!utf8_valid("\xc0\xaf", 2), "overlong refused");
	ok(!utf8_valid("\xed\xa0\x80", 3), "surrogate refused");
	ok(!utf8_valid("\xe2\x82", 2), "truncated refused");
	t = utf8_sanitize("a\xff" "b\0c", 5);
	is_str(t, "a\xef\xbf\xbd" "bc", "sanitize replaces bad bytes and drops NUL");
	free(t);
}

static void test_format_size(void)
{
	static const struct { uint64_t n; const char *want; } v[] = {
		{ 0, "0B" }, { 999, "999B" }, { 1000, "1.0K" }, { 1536, "1.5K" },
		{ 34 * 1024 + 100, "34K" }, { 1024 * 1024 - 1, "1024K" },
		{ 2 * 1024 * 1024 + 100 * 1024, "2.1M" }, { 30ull * 1024 * 1024, "30M" },
		{ 5000ull * 1024 * 1024 * 1024, "5120000M" },
	};
	char out[32];

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		format_size(v[i].n, out, sizeof out);
		is_str(out, v[i].want, "format_size(%llu)", (unsigned long long)v[i].n);
	}
}

static void test_paths(void)
{
	struct error *e = NULL;
	char tmpl[] = "/tmp/petrel-test-XXXXXX";
	char *dir, *p, *d;
	struct stat st;

	setenv("HOME", "/home/jane", 1);
	unsetenv("XDG_CONFIG_HOME");
	p = xdg_config_home(&e);
	is_str(p, "/home/jane/.config", "XDG default");
	free(p);
	setenv("XDG_CONFIG_HOME", "relative/dir", 1);
	p = xdg_config_home(&e);
	is_str(p, "/home/jane/.config", "relative XDG variable ignored");
	free(p);
	setenv("XDG_DATA_HOME", "/x/data", 1);
	p = xdg_data_home(&e);
	is_str(p, "/x/data", "XDG variable honoured");
	free(p);
	p = path_expand_home("~/mail/a.db", &e);
	is_str(p, "/home/jane/mail/a.db", "tilde expanded");
	free(p);
	p = path_expand_home("~bob/x", &e);
	is_str(p, "~bob/x", "~user left alone");
	free(p);
	d = path_dirname("/a/b/c");
	is_str(d, "/a/b", "dirname");
	free(d);
	d = path_dirname("c");
	is_str(d, ".", "dirname of bare name");
	free(d);
	p = path_join("/a/", "b");
	is_str(p, "/a/b", "join");
	free(p);

	dir = mkdtemp(tmpl);
	p = xasprintf("%s/x/y/z", dir);
	is_int(path_mkdirs(p, 0700, &e), 0, "mkdirs");
	ok(stat(p, &st) == 0 && S_ISDIR(st.st_mode), "nested directory exists");
	is_int(path_mkdirs(p, 0700, &e), 0, "mkdirs is idempotent");
	free(p);
	p = xasprintf("%s/file", dir);
	close(creat(p, 0600));
	d = xasprintf("%s/file/sub", dir);
	is_int(path_mkdirs(d, 0700, &e), -1, "mkdirs through a file fails");
	ok(e != NULL && strstr(e->msg, "cannot create directory") != NULL, "with a sentence");
	error_free(&e);
	free(d);
	free(p);
	p = xasprintf("rm -rf '%s'", dir);
	if (system(p) != 0)
		diag("cleanup failed");
	free(p);
}

int main(void)
{
	test_buf();
	test_error();
	test_strings();
	test_format_size();
	test_paths();
	return tap_done();
}
