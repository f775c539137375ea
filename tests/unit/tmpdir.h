/* One scratch directory per unit-test program, linked into every test
 * like wraps.c: tmp_setup/tmp_teardown as cmocka group set-up and
 * tear-down, tmp_path for the files in it. */
#ifndef NREXEC_TEST_TMPDIR_H
#define NREXEC_TEST_TMPDIR_H

/* Make /tmp/nrexec-test-XXXXXX. */
int tmp_setup(void **state);
/* Remove it and every file left in it (no subdirectories). */
int tmp_teardown(void **state);
/* dir/name; four buffers in turn, so a call may take up to four. */
const char *tmp_path(const char *name);
/* The directory itself. */
const char *tmp_dir(void);

#endif
