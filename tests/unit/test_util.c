/* Unit tests for store/util.c: uuids, mk_write_all and IPv4 CIDRs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/util.h"

static void test_uuid_shape(void **state)
{
    (void)state;
    char a[37], b[37];
    mk_uuid(a);
    mk_uuid(b);
    assert_int_equal(strlen(a), 36);
    assert_string_not_equal(a, b);
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23)
            assert_int_equal(a[i], '-');
        else
            assert_non_null(strchr("0123456789abcdef", a[i]));
    }
    assert_int_equal(a[14], '4');           /* version 4 */
    assert_non_null(strchr("89ab", a[19])); /* RFC 4122 variant */
}

/* uids come from a per-thread pool: none repeats across refills, and a
 * forked child does not repeat its parent's next ones. */
static void test_uuid_pool(void **state)
{
    (void)state;
    enum { N = 200 };
    static char seen[N][37];
    for (int i = 0; i < N; i++) {
        mk_uuid(seen[i]);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(seen[i], seen[j]);
    }
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
        char c[37];
        mk_uuid(c);
        _exit(write(fds[1], c, 37) == 37 ? 0 : 1);
    }
    char child[37], parent[37];
    mk_uuid(parent);
    assert_int_equal(read(fds[0], child, 37), 37);
    waitpid(pid, NULL, 0);
    close(fds[0]);
    close(fds[1]);
    assert_string_not_equal(child, parent);
}

static void test_write_all(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    char big[50000];
    memset(big, 'q', sizeof big);
    /* More than a pipe takes at once is fine when someone reads: here the
     * pipe's 64 KiB holds it all. */
    assert_int_equal(mk_write_all(p[1], big, sizeof big), 0);
    char back[50000];
    size_t got = 0;
    while (got < sizeof back) {
        ssize_t n = read(p[0], back + got, sizeof back - got);
        assert_true(n > 0);
        got += (size_t)n;
    }
    assert_memory_equal(big, back, sizeof big);
    close(p[0]);
    signal(SIGPIPE, SIG_IGN); /* the error, not the signal */
    assert_int_equal(mk_write_all(p[1], "x", 1), -EPIPE);
    close(p[1]);
}

/* Strict dotted quads and prefix lengths: what passes is written into
 * nftables scripts (NetworkPolicy ipBlocks). */
static void test_ipv4_cidr(void **state)
{
    (void)state;
    uint32_t addr;
    int bits;
    assert_int_equal(mk_parse_ipv4_cidr("10.244.1.7/24", &addr, &bits), 0);
    assert_int_equal(addr, 0x0af40107u); /* host order, host bits kept */
    assert_int_equal(bits, 24);
    assert_int_equal(mk_parse_ipv4_cidr("0.0.0.0/0", &addr, &bits), 0);
    assert_int_equal(bits, 0);
    static const char *const bad[] = {NULL,          "",
                                      "10.0.0.0",    "10.0.0.0/",
                                      "10.0.0.0/33", "10.0.0.0/+8",
                                      "10.0.0.0/ 8", "10.0.0.0/008",
                                      "10.0.0/8",    "010.0.0.0/8",
                                      "10.0.0.0/8 ", "::1/128",
                                      "10.0.0.0/8;x"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(mk_parse_ipv4_cidr(bad[i], &addr, &bits), -1);
    assert_int_equal(mk_ipv4_mask(0), 0);
    assert_int_equal(mk_ipv4_mask(8), 0xff000000u);
    assert_int_equal(mk_ipv4_mask(32), 0xffffffffu);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uuid_shape),
        cmocka_unit_test(test_uuid_pool),
        cmocka_unit_test(test_write_all),
        cmocka_unit_test(test_ipv4_cidr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
