/* Unit tests for store/execproto.c: exec session frames. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "store/execproto.h"

static void test_encode_layout(void **state)
{
    mk_buf b = {0};
    execproto_encode(&b, EXECPROTO_STDOUT, "hi", 2);
    assert_int_equal(b.len, 7);
    const unsigned char want[] = {1, 0, 0, 0, 2, 'h', 'i'};
    assert_memory_equal(b.data, want, sizeof want);
    mk_buf_reset(&b);
    execproto_encode(&b, EXECPROTO_STDIN, NULL, 0); /* EOF on stdin */
    const unsigned char eof[] = {0, 0, 0, 0, 0};
    assert_int_equal(b.len, 5);
    assert_memory_equal(b.data, eof, sizeof eof);
    mk_buf_free(&b);
}

static void test_decode_stream(void **state)
{
    mk_buf b = {0};
    execproto_encode(&b, EXECPROTO_STDERR, "oops", 4);
    execproto_encode(&b, EXECPROTO_EXIT, "3", 1);
    int ch;
    const char *p;
    size_t n;
    /* partial input: nothing yet */
    for (size_t cut = 0; cut < 9; cut++)
        assert_int_equal(execproto_decode(b.data, cut, &ch, &p, &n), 0);
    ssize_t used = execproto_decode(b.data, b.len, &ch, &p, &n);
    assert_int_equal(used, 9);
    assert_int_equal(ch, EXECPROTO_STDERR);
    assert_int_equal(n, 4);
    assert_memory_equal(p, "oops", 4);
    used = execproto_decode(b.data + 9, b.len - 9, &ch, &p, &n);
    assert_int_equal(used, 6);
    assert_int_equal(ch, EXECPROTO_EXIT);
    assert_memory_equal(p, "3", 1);
    mk_buf_free(&b);
}

static void test_decode_rejects(void **state)
{
    int ch;
    const char *p;
    size_t n;
    const unsigned char bad_channel[] = {9, 0, 0, 0, 0};
    assert_int_equal(execproto_decode(bad_channel, 5, &ch, &p, &n), -EBADMSG);
    const unsigned char huge[] = {1, 0xff, 0xff, 0xff, 0xff};
    assert_int_equal(execproto_decode(huge, 5, &ch, &p, &n), -EBADMSG);
}

static void test_write_over_socket(void **state)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    mk_err err = {0};
    assert_int_equal(execproto_write(sv[0], EXECPROTO_RESIZE, "80 24", 5, &err), 0);
    char buf[64];
    ssize_t got = read(sv[1], buf, sizeof buf);
    assert_int_equal(got, 10);
    int ch;
    const char *p;
    size_t n;
    assert_int_equal(execproto_decode(buf, (size_t)got, &ch, &p, &n), 10);
    assert_int_equal(ch, EXECPROTO_RESIZE);
    assert_memory_equal(p, "80 24", 5);
    close(sv[1]);
    assert_true(execproto_write(sv[0], EXECPROTO_STDIN, "x", 1, &err) < 0);
    close(sv[0]);
}

typedef struct seen {
    mk_buf text; /* "channel:payload;" per frame */
    int stop_on; /* channel that makes the callback stop, -1 none */
} seen;

static int note_frame(void *ctx, int ch, const char *payload, size_t len)
{
    seen *s = ctx;
    mk_buf_printf(&s->text, "%d:%.*s;", ch, (int)len, payload);
    return ch == s->stop_on ? 7 : 0;
}

static void test_drain(void **state)
{
    mk_buf b = {0};
    execproto_encode(&b, EXECPROTO_STDOUT, "ab", 2);
    execproto_encode(&b, EXECPROTO_EXIT, "0", 1);
    execproto_encode(&b, EXECPROTO_STDERR, "late", 4);
    execproto_encode(&b, EXECPROTO_STDOUT, "partial", 7);
    b.len -= 3; /* the last frame is not all here yet */
    seen s = {.stop_on = -1};
    assert_int_equal(execproto_drain(&b, note_frame, &s), 0);
    assert_string_equal(s.text.data, "1:ab;3:0;2:late;");
    assert_int_equal(b.len, 5 + 7 - 3); /* the partial frame stays */
    mk_buf_append(&b, "ial", 3);
    assert_int_equal(execproto_drain(&b, note_frame, &s), 0);
    assert_string_equal(s.text.data, "1:ab;3:0;2:late;1:partial;");
    assert_int_equal(b.len, 0);
    /* The callback stops it: what follows stays for later. */
    mk_buf_reset(&s.text);
    execproto_encode(&b, EXECPROTO_EXIT, "3", 1);
    execproto_encode(&b, EXECPROTO_STDOUT, "x", 1);
    s.stop_on = EXECPROTO_EXIT;
    assert_int_equal(execproto_drain(&b, note_frame, &s), 7);
    assert_string_equal(s.text.data, "3:3;");
    assert_int_equal(b.len, 6);
    /* A malformed frame. */
    mk_buf_reset(&b);
    mk_buf_append(&b, "\x09\0\0\0\0", 5);
    assert_int_equal(execproto_drain(&b, note_frame, &s), -EBADMSG);
    mk_buf_free(&b);
    mk_buf_free(&s.text);
}

static void test_exit_code(void **state)
{
    assert_int_equal(execproto_exit_code("0", 1), 0);
    assert_int_equal(execproto_exit_code("137", 3), 137);
    assert_int_equal(execproto_exit_code("12x", 3), -1);
    assert_int_equal(execproto_exit_code("", 0), -1);
    assert_int_equal(execproto_exit_code("-1", 2), -1);
    assert_int_equal(execproto_exit_code("99999999999999999", 17), -1);
}

static void test_size(void **state)
{
    (void)state;
    unsigned cols = 0, rows = 0;
    assert_int_equal(execproto_size("91 27", 5, &cols, &rows), 0);
    assert_int_equal(cols, 91);
    assert_int_equal(rows, 27);
    assert_int_equal(execproto_size("91", 2, &cols, &rows), -EINVAL);
    assert_int_equal(execproto_size("0 27", 4, &cols, &rows), -EINVAL);
    assert_int_equal(execproto_size("70000 27", 8, &cols, &rows), -EINVAL);
    assert_int_equal(execproto_size("1 1111111111111111111111111111111111", 36, &cols, &rows),
                     -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_layout),
        cmocka_unit_test(test_decode_stream),
        cmocka_unit_test(test_decode_rejects),
        cmocka_unit_test(test_drain),
        cmocka_unit_test(test_write_over_socket),
        cmocka_unit_test(test_exit_code),
        cmocka_unit_test(test_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
