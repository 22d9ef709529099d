/* Unit tests for fs/errors.c: the .errors ring. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "fs/errors.h"
#include "store/util.h"

static void test_line_format(void **state)
{
    fs_errors_clear();
    fs_errors_add("pods/web/manifest.yaml", EBUSY, "pod web changed (rv %d)", 7);
    size_t len;
    char *text = fs_errors_render(&len);
    assert_int_equal(len, strlen(text));
    regex_t re;
    assert_int_equal(regcomp(&re,
                             "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z "
                             "/pods/web/manifest.yaml EBUSY pod web changed \\(rv 7\\)\n$",
                             REG_EXTENDED),
                     0);
    assert_int_equal(regexec(&re, text, 0, NULL, 0), 0);
    regfree(&re);
    free(text);
}

static void test_newlines_flattened(void **state)
{
    fs_errors_clear();
    fs_errors_add("x", EINVAL, "line one\nline two");
    char *text = fs_errors_render(NULL);
    assert_non_null(strstr(text, "line one line two\n"));
    assert_int_equal(strchr(text, '\n') - text + 1, (long)strlen(text));
    free(text);
}

static void test_ring_keeps_newest(void **state)
{
    fs_errors_clear();
    for (int i = 0; i < FS_ERRORS_MAX + 10; i++)
        fs_errors_add("p", EIO, "n%d", i);
    char *text = fs_errors_render(NULL);
    size_t lines = 0;
    for (char *p = text; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, FS_ERRORS_MAX);
    assert_null(strstr(text, " n9\n")); /* dropped: oldest */
    assert_non_null(strstr(text, " n10\n"));
    /* newest last */
    char last[32];
    snprintf(last, sizeof last, " n%d\n", FS_ERRORS_MAX + 9);
    size_t n = strlen(last);
    assert_string_equal(text + strlen(text) - n, last);
    free(text);
    fs_errors_clear();
    text = fs_errors_render(NULL);
    assert_string_equal(text, "");
    free(text);
}

static void test_errno_names(void **state)
{
    assert_string_equal(fs_errno_name(EINVAL), "EINVAL");
    assert_string_equal(fs_errno_name(ENOTCONN), "ENOTCONN");
    assert_string_equal(fs_errno_name(9999), "E9999");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_format),
        cmocka_unit_test(test_newlines_flattened),
        cmocka_unit_test(test_ring_keeps_newest),
        cmocka_unit_test(test_errno_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
