/* execcmd: exit statuses 126/127 and the PATH rules, with execve faked
 * (tests/unit/wraps.c): it never replaces the test, fails with the errno a
 * test chooses, and records the paths it was given. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "execcmd.h"
#include "tmpdir.h"
#include "wraps.h"

extern char **environ;

static char errmem[512];
static struct sbuf err;
static char file[64];	/* TMPDIR/cmd, a real file */

static int setup(void **state)
{
	(void)state;
	memset(&sim, 0, sizeof(sim));
	sim.on = 1;
	sbuf_init(&err, errmem, sizeof(errmem), -1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sim.on = 0;
	return unsetenv("PATH");
}

static int run(const char *cmd)
{
	char *argv[] = { (char *)cmd, "arg", NULL };

	return exec_command(argv, &err);
}

static void test_path_not_found(void **state)
{
	(void)state;
	assert_int_equal(run("/no/such/cmd"), 127);
	assert_int_equal(sim.calls[F_EXECVE], 1);
	assert_string_equal(sim.exec_tried[0], "/no/such/cmd");
	assert_string_equal(sbuf_cstr(&err),
			    "cannot execute '/no/such/cmd': No such file or directory");
}

static void test_path_not_executable(void **state)
{
	(void)state;
	sim.fail_errno[F_EXECVE] = EACCES;
	assert_int_equal(run("./app"), 126);
	assert_string_equal(sim.exec_tried[0], "./app");	/* a '/': no PATH search */
	assert_string_equal(sbuf_cstr(&err), "cannot execute './app': Permission denied");
}

static void test_no_shebang(void **state)
{
	(void)state;
	sim.fail_errno[F_EXECVE] = ENOEXEC;
	assert_int_equal(run("/app/script"), 126);
	assert_non_null(strstr(sbuf_cstr(&err), "(not a binary and no #! line)"));
}

static void test_enotdir_is_not_found(void **state)
{
	(void)state;
	sim.fail_errno[F_EXECVE] = ENOTDIR;
	assert_int_equal(run("/etc/passwd/x"), 127);
}

static void test_empty_name(void **state)
{
	(void)state;
	assert_int_equal(run(""), 127);
	assert_int_equal(sim.calls[F_EXECVE], 0);
}

/* every element in order; an empty one is the current directory */
static void test_path_order(void **state)
{
	(void)state;
	setenv("PATH", "/a:/b/c::/d", 1);
	assert_int_equal(run("cmd"), 127);
	assert_int_equal(sim.calls[F_EXECVE], 4);
	assert_string_equal(sim.exec_tried[0], "/a/cmd");
	assert_string_equal(sim.exec_tried[1], "/b/c/cmd");
	assert_string_equal(sim.exec_tried[2], "./cmd");
	assert_string_equal(sim.exec_tried[3], "/d/cmd");
	assert_string_equal(sbuf_cstr(&err), "cannot execute 'cmd': No such file or directory");
}

/* no PATH at all: the same default for the glibc and the musl build */
static void test_default_path(void **state)
{
	(void)state;
	unsetenv("PATH");
	assert_int_equal(run("cmd"), 127);
	assert_int_equal(sim.calls[F_EXECVE], 3);
	assert_string_equal(sim.exec_tried[0], "/usr/local/bin/cmd");
	assert_string_equal(sim.exec_tried[1], "/bin/cmd");
	assert_string_equal(sim.exec_tried[2], "/usr/bin/cmd");
}

static int eacces(const char *path)
{
	(void)path;
	return EACCES;
}

/* EACCES on a file that exists: 126, and the search goes on (a later
 * element may hold a runnable one) but the message keeps that failure */
static void test_path_found_not_executable(void **state)
{
	char path[96];

	(void)state;
	snprintf(path, sizeof(path), "/nonexistent:%s:/also/not", tmp_dir());
	setenv("PATH", path, 1);
	sim.exec_errno = eacces;
	assert_int_equal(run("cmd"), 126);
	assert_int_equal(sim.calls[F_EXECVE], 3);
	assert_string_equal(sim.exec_tried[1], file);
	assert_string_equal(sbuf_cstr(&err), "cannot execute 'cmd': Permission denied");
}

/* EACCES where nothing exists (a directory the target cannot search):
 * "not found", as a shell says */
static void test_path_eacces_without_file(void **state)
{
	(void)state;
	setenv("PATH", "/nonexistent/a:/nonexistent/b", 1);
	sim.exec_errno = eacces;
	assert_int_equal(run("cmd"), 127);
	assert_int_equal(sim.calls[F_EXECVE], 2);
}

/* Back to the environment before exec_set_env, freeing what it made (it
 * hands its environment to execve and never frees it). */
static void restore_env(char **saved)
{
	for (char **e = environ; *e; e++) {
		char **s = saved;

		while (*s && *s != *e)
			s++;
		if (!*s)
			free(*e);
	}
	free(environ);
	environ = saved;
}

static size_t count_env(const char *prefix)
{
	size_t n = 0;

	for (char **e = environ; *e; e++)
		n += strncmp(*e, prefix, strlen(prefix)) == 0;
	return n;
}

static void test_set_env(void **state)
{
	char **saved;

	(void)state;
	setenv("HOME", "/old", 1);
	setenv("NREXEC_TEST_KEPT", "1", 1);
	unsetenv("LOGNAME");
	saved = environ;
	assert_int_equal(exec_set_env("/home/app", "app", &err), 0);
	assert_string_equal(getenv("HOME"), "/home/app");
	assert_string_equal(getenv("USER"), "app");
	assert_string_equal(getenv("LOGNAME"), "app");
	assert_string_equal(getenv("NREXEC_TEST_KEPT"), "1");
	/* replaced where it was, as setenv does, not added twice */
	assert_int_equal(count_env("HOME="), 1);
	assert_int_equal(count_env("LOGNAME="), 1);
	restore_env(saved);
	assert_string_equal(getenv("HOME"), "/old");
	unsetenv("USER");
	saved = environ;
	assert_int_equal(exec_set_env("/", "", &err), 0);
	assert_string_equal(getenv("HOME"), "/");
	assert_null(getenv("USER"));	/* "" leaves USER and LOGNAME alone */
	assert_null(getenv("LOGNAME"));
	restore_env(saved);
	unsetenv("NREXEC_TEST_KEPT");
}

static int group_setup(void **state)
{
	FILE *f;

	if (tmp_setup(state) < 0)
		return -1;
	snprintf(file, sizeof(file), "%s", tmp_path("cmd"));
	f = fopen(file, "we");
	return f == NULL ? -1 : fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_path_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_not_executable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_shebang, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enotdir_is_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_found_not_executable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_eacces_without_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_env, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, tmp_teardown);
}
