/* sbuf: every message and --print line goes through it, so it must never
 * write past its buffer, must deliver everything when it has an fd, and
 * must not let hostile bytes through unquoted. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "sbuf.h"

static void test_empty(void **state)
{
	char mem[8];
	struct sbuf b;
	(void)state;

	memset(mem, 'x', sizeof(mem));
	sbuf_init(&b, mem, sizeof(mem), -1);
	assert_int_equal(b.len, 0);
	assert_string_equal(sbuf_cstr(&b), "");
	sbuf_str(&b, "");
	sbuf_mem(&b, "abc", 0);
	assert_int_equal(b.len, 0);
	assert_int_equal(sbuf_flush(&b), 0);
}

static void test_append(void **state)
{
	char mem[64];
	struct sbuf b;
	(void)state;

	sbuf_init(&b, mem, sizeof(mem), -1);
	sbuf_str(&b, "uid=");
	sbuf_u64(&b, 10001);
	sbuf_chr(&b, '\n');
	sbuf_mem(&b, "gid=29xx", 6);
	assert_string_equal(sbuf_cstr(&b), "uid=10001\ngid=29");
	assert_int_equal(b.len, 16);
	sbuf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(sbuf_cstr(&b), "");
	sbuf_str(&b, "again");
	assert_string_equal(sbuf_cstr(&b), "again");
}

/* Without an fd the text is cut at cap - 1 bytes (one byte stays for the
 * NUL). The buffer is a heap block of exactly cap bytes, so ASan catches
 * any write past it. */
static void test_truncates_without_fd(void **state)
{
	const size_t cap = 8;
	char *mem = malloc(cap);
	struct sbuf b;
	(void)state;

	assert_non_null(mem);
	sbuf_init(&b, mem, cap, -1);
	sbuf_str(&b, "hello world");
	assert_int_equal(b.len, cap - 1);
	assert_string_equal(sbuf_cstr(&b), "hello w");
	sbuf_chr(&b, '!');
	sbuf_u64(&b, UINT64_MAX);
	sbuf_hex64(&b, UINT64_MAX);
	sbuf_quoted(&b, "\x01\x02");
	sbuf_errno(&b, ENOENT);
	assert_int_equal(b.len, cap - 1);
	assert_string_equal(sbuf_cstr(&b), "hello w");
	/* flushing a buffer without an fd keeps its text */
	assert_int_equal(sbuf_flush(&b), 0);
	assert_string_equal(sbuf_cstr(&b), "hello w");

	/* numbers and escapes cut in the middle still stay inside */
	sbuf_reset(&b);
	sbuf_str(&b, "abcde");
	sbuf_quoted(&b, "\n");
	assert_string_equal(sbuf_cstr(&b), "abcde\\x");
	sbuf_reset(&b);
	sbuf_u64(&b, UINT64_MAX);
	assert_string_equal(sbuf_cstr(&b), "1844674");
	sbuf_reset(&b);
	sbuf_hex64(&b, 0x0123456789abcdefull);
	assert_string_equal(sbuf_cstr(&b), "0123456");
	free(mem);
}

static void test_cap_one_holds_nothing(void **state)
{
	char *mem = malloc(1);
	struct sbuf b;
	(void)state;

	assert_non_null(mem);
	sbuf_init(&b, mem, 1, -1);
	sbuf_str(&b, "abc");
	assert_int_equal(b.len, 0);
	assert_string_equal(sbuf_cstr(&b), "");
	free(mem);
}

static size_t read_all(int fd, char *out, size_t cap)
{
	size_t got = 0;
	ssize_t n;

	while (got < cap && (n = read(fd, out + got, cap - got)) > 0)
		got += (size_t)n;
	return got;
}

/* With an fd the buffer flushes whenever it fills: 10,000 bytes through a
 * 16-byte buffer arrive complete and in order (a pipe holds 64 KiB, so
 * nothing blocks). */
static void test_flushes_to_pipe(void **state)
{
	char mem[16], want[20000], got[20001];
	size_t wlen = 0;
	struct sbuf b;
	int p[2];
	(void)state;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	sbuf_init(&b, mem, sizeof(mem), p[1]);
	for (unsigned i = 0; wlen < 10000; i++) {
		char piece[64];
		size_t n = (size_t)(i % 37) + 1;

		memset(piece, 'a' + (int)(i % 26), n);
		piece[n] = '\0';
		sbuf_str(&b, piece);
		memcpy(want + wlen, piece, n);
		wlen += n;
		sbuf_chr(&b, '\n');
		want[wlen++] = '\n';
	}
	sbuf_u64(&b, UINT64_MAX);
	memcpy(want + wlen, "18446744073709551615", 20);
	wlen += 20;
	sbuf_hex64(&b, 0xfeedfacecafebeefull);
	memcpy(want + wlen, "feedfacecafebeef", 16);
	wlen += 16;
	sbuf_quoted(&b, "a\tb");
	memcpy(want + wlen, "a\\x09b", 6);
	wlen += 6;
	assert_int_equal(sbuf_flush(&b), 0);
	assert_int_equal(b.len, 0);
	close(p[1]);
	assert_int_equal(read_all(p[0], got, sizeof(got)), wlen);
	assert_memory_equal(got, want, wlen);
	close(p[0]);
}

/* A buffer on stderr (the -v log, die's message) writes each line out as
 * it ends, in one write; text without a line end stays buffered. */
static void test_stderr_writes_each_line(void **state)
{
	char mem[64], got[64];
	struct sbuf b;
	int p[2], saved = dup(STDERR_FILENO);
	(void)state;

	assert_true(saved >= 0);
	assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	assert_int_equal(dup2(p[1], STDERR_FILENO), STDERR_FILENO);
	sbuf_init(&b, mem, sizeof(mem), STDERR_FILENO);
	sbuf_fmt(&b, "nrexec: %s", "half");
	errno = 0;
	assert_int_equal(read(p[0], got, sizeof(got)), -1);	/* nothing yet */
	assert_int_equal(errno, EAGAIN);
	sbuf_fmt(&b, " a line %u\n", 7u);
	assert_int_equal(b.len, 0);
	assert_int_equal(read(p[0], got, sizeof(got)), 22);
	assert_memory_equal(got, "nrexec: half a line 7\n", 22);
	sbuf_str(&b, "x\n");
	sbuf_chr(&b, 'y');
	sbuf_chr(&b, '\n');
	assert_int_equal(read(p[0], got, sizeof(got)), 4);
	assert_memory_equal(got, "x\ny\n", 4);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	close(p[0]);
	close(p[1]);
}

/* A write error drops the buffered text and reports errno. */
static void test_flush_error(void **state)
{
	char mem[32];
	struct sbuf b;
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	(void)state;

	assert_true(fd >= 0);
	sbuf_init(&b, mem, sizeof(mem), fd);
	sbuf_str(&b, "lost");
	errno = 0;
	assert_int_equal(sbuf_flush(&b), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(b.len, 0);
	/* appending past the end after an error does not loop or overflow */
	for (int i = 0; i < 10; i++)
		sbuf_str(&b, "0123456789abcdefghijklmnopqrstuvwxyz");
	assert_true(b.len < sizeof(mem));
	close(fd);
}

static void test_quoted(void **state)
{
	static const struct {
		const char *in, *want;
	} t[] = {
		{ "", "" },
		{ "app", "app" },
		{ "a b", "a b" },
		{ "machine$", "machine$" },
		{ "~!@#%^&*()'\"", "~!@#%^&*()'\"" },
		{ "\n", "\\x0a" },
		{ "\t", "\\x09" },
		{ "\r", "\\x0d" },
		{ "\x01", "\\x01" },
		{ "\x1f", "\\x1f" },
		{ "\x7f", "\\x7f" },
		{ "\x80", "\\x80" },
		{ "\xff", "\\xff" },
		{ "\xc3\xa9", "\\xc3\\xa9" },	/* é: non-ASCII, quoted */
		{ "\\", "\\x5c" },	/* else "\x0a" typed in could pass for one */
		{ "\\x0a", "\\x5cx0a" },
		/* a forged second log line stays on the first */
		{ "app\nnrexec: dropped to root",
		  "app\\x0anrexec: dropped to root" },
		{ "\x1b[31mred", "\\x1b[31mred" },
	};
	char mem[256];
	struct sbuf b;
	(void)state;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		sbuf_init(&b, mem, sizeof(mem), -1);
		sbuf_quoted(&b, t[i].in);
		if (strcmp(sbuf_cstr(&b), t[i].want) != 0)
			fail_msg("case %zu: sbuf_quoted gave \"%s\", want \"%s\"",
				 i, sbuf_cstr(&b), t[i].want);
	}
}

/* Into a message buffer (fd < 0) a long input keeps its first and last
 * 48 bytes, so the cause after it fits; a flushing buffer (--print, -v)
 * gets it whole. */
static void test_quoted_long(void **state)
{
	static char in[3001], mem[8192];
	struct sbuf b;
	char want[120];
	(void)state;

	for (size_t i = 0; i < 3000; i++)
		in[i] = (char)('a' + i % 26);
	sbuf_init(&b, mem, 1024, -1);
	sbuf_str(&b, "user '");
	sbuf_quoted(&b, in);
	sbuf_str(&b, "': the cause");
	snprintf(want, sizeof(want), "user '%.48s[...]%s': the cause", in, in + 3000 - 48);
	assert_string_equal(sbuf_cstr(&b), want);
	/* 101 bytes (48 + 5 + 48) stay whole; 102 are cut */
	in[101] = '\0';
	sbuf_init(&b, mem, 1024, -1);
	sbuf_quoted(&b, in);
	assert_int_equal(b.len, 101);
	in[101] = 'x';
	in[102] = '\0';
	sbuf_init(&b, mem, 1024, -1);
	sbuf_quoted(&b, in);
	assert_non_null(strstr(sbuf_cstr(&b), "[...]"));
	in[102] = 'y';
	/* a buffer that writes to an fd is never cut */
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	sbuf_init(&b, mem, sizeof(mem), fd);
	sbuf_quoted(&b, in);
	assert_int_equal(b.len, 3000);
	close(fd);
}

/* A piece of a longer string (a name in a comma list, an option before
 * its '='): only those bytes, with the same quoting and cut. */
static void test_quoted_n(void **state)
{
	static char in[400], mem[1024];
	struct sbuf b;
	char want[160];
	(void)state;

	sbuf_init(&b, mem, sizeof(mem), -1);
	sbuf_quoted_n(&b, "net_raw,\x01chown", 7);
	assert_string_equal(sbuf_cstr(&b), "net_raw");
	sbuf_reset(&b);
	sbuf_quoted_n(&b, "a\nb,c", 3);
	assert_string_equal(sbuf_cstr(&b), "a\\x0ab");
	sbuf_reset(&b);
	sbuf_quoted_n(&b, "xyz", 0);
	assert_string_equal(sbuf_cstr(&b), "");
	for (size_t i = 0; i < sizeof(in) - 1; i++)
		in[i] = (char)('a' + i % 26);
	sbuf_reset(&b);
	sbuf_quoted_n(&b, in, 300); /* the cut keeps the piece's own tail */
	snprintf(want, sizeof(want), "%.48s[...]%.48s", in, in + 300 - 48);
	assert_string_equal(sbuf_cstr(&b), want);
}

/* Every byte: printable ASCII but '\' is itself, the rest is \xNN. */
static void test_quoted_every_byte(void **state)
{
	char mem[16], in[2] = { 0, 0 }, want[8];
	struct sbuf b;
	(void)state;

	for (int c = 1; c < 256; c++) {
		in[0] = (char)c;
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			want[0] = (char)c;
			want[1] = '\0';
		} else {
			static const char hex[] = "0123456789abcdef";

			want[0] = '\\';
			want[1] = 'x';
			want[2] = hex[c >> 4];
			want[3] = hex[c & 15];
			want[4] = '\0';
		}
		sbuf_init(&b, mem, sizeof(mem), -1);
		sbuf_quoted(&b, in);
		if (strcmp(sbuf_cstr(&b), want) != 0)
			fail_msg("byte 0x%02x quoted as \"%s\", want \"%s\"", c,
				 sbuf_cstr(&b), want);
	}
}

static void test_u64(void **state)
{
	static const struct {
		uint64_t v;
		const char *want;
	} t[] = {
		{ 0, "0" },
		{ 1, "1" },
		{ 9, "9" },
		{ 10, "10" },
		{ 65534, "65534" },
		{ 4294967294u, "4294967294" },
		{ 4294967295u, "4294967295" },
		{ 4294967296ull, "4294967296" },
		{ 9999999999999999999ull, "9999999999999999999" },
		{ 10000000000000000000ull, "10000000000000000000" },
		{ UINT64_MAX - 1, "18446744073709551614" },
		{ UINT64_MAX, "18446744073709551615" },
	};
	char mem[32];
	struct sbuf b;
	(void)state;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		sbuf_init(&b, mem, sizeof(mem), -1);
		sbuf_u64(&b, t[i].v);
		if (strcmp(sbuf_cstr(&b), t[i].want) != 0)
			fail_msg("sbuf_u64(%s) gave \"%s\"", t[i].want,
				 sbuf_cstr(&b));
	}
}

static void test_hex64(void **state)
{
	static const struct {
		uint64_t v;
		const char *want;
	} t[] = {
		{ 0, "0000000000000000" },
		{ 1, "0000000000000001" },
		{ 0x400, "0000000000000400" },	/* CAP_NET_BIND_SERVICE */
		{ 0x1ffffffffffull, "000001ffffffffff" },	/* caps 0-40 */
		{ 0x0123456789abcdefull, "0123456789abcdef" },
		{ 1ull << 63, "8000000000000000" },
		{ UINT64_MAX, "ffffffffffffffff" },
	};
	char mem[32];
	struct sbuf b;
	(void)state;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		sbuf_init(&b, mem, sizeof(mem), -1);
		sbuf_hex64(&b, t[i].v);
		if (strcmp(sbuf_cstr(&b), t[i].want) != 0)
			fail_msg("sbuf_hex64(0x%s) gave \"%s\"", t[i].want,
				 sbuf_cstr(&b));
	}
}

/* Every conversion sbuf_fmt knows, and text between them kept as is. */
static void test_fmt(void **state)
{
	char mem[256], want[256];
	struct sbuf b;
	(void)state;

	sbuf_init(&b, mem, sizeof(mem), -1);
	errno = ENOENT;
	sbuf_fmt(&b, "a %s b '%-s' %u %llu %c %m 100%% %016llx %016llx end",
		 "str", "q\n", 4294967295u, 18446744073709551615ull, 'x',
		 0xa0ull, 0xfeedfacecafebeefull);
	snprintf(want, sizeof(want), "a str b 'q\\x0a' 4294967295 "
		 "18446744073709551615 x %s 100%% 00000000000000a0 "
		 "feedfacecafebeef end", strerror(ENOENT));
	assert_string_equal(sbuf_cstr(&b), want);
	sbuf_reset(&b);
	sbuf_fmt(&b, "%s", "");
	sbuf_fmt(&b, "no conversion");
	assert_string_equal(sbuf_cstr(&b), "no conversion");
}

/* %-s into a message buffer cuts long text as sbuf_quoted does. */
static void test_fmt_quotes_like_sbuf_quoted(void **state)
{
	char m1[512], m2[512], text[300];
	struct sbuf a, b;
	(void)state;

	memset(text, 'y', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	sbuf_init(&a, m1, sizeof(m1), -1);
	sbuf_init(&b, m2, sizeof(m2), -1);
	sbuf_fmt(&a, "'%-s': why", text);
	sbuf_str(&b, "'");
	sbuf_quoted(&b, text);
	sbuf_str(&b, "': why");
	assert_string_equal(sbuf_cstr(&a), sbuf_cstr(&b));
}

static void test_errno_text(void **state)
{
	char mem[128];
	struct sbuf b;
	(void)state;

	sbuf_init(&b, mem, sizeof(mem), -1);
	sbuf_errno(&b, ENOENT);
	assert_string_equal(sbuf_cstr(&b), strerror(ENOENT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_truncates_without_fd),
		cmocka_unit_test(test_cap_one_holds_nothing),
		cmocka_unit_test(test_flushes_to_pipe),
		cmocka_unit_test(test_flush_error),
		cmocka_unit_test(test_stderr_writes_each_line),
		cmocka_unit_test(test_quoted),
		cmocka_unit_test(test_quoted_every_byte),
		cmocka_unit_test(test_quoted_long),
		cmocka_unit_test(test_quoted_n),
		cmocka_unit_test(test_u64),
		cmocka_unit_test(test_hex64),
		cmocka_unit_test(test_errno_text),
		cmocka_unit_test(test_fmt),
		cmocka_unit_test(test_fmt_quotes_like_sbuf_quoted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
