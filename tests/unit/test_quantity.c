/* test_quantity.c - Kubernetes quantities: parsing, rounding, comparing, printing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "store/quantity.h"
#include "store/util.h"

#define NONE INT64_MIN /* "don't check" */

/* Values from Kubernetes' Quantity.MilliValue() and Value(). */
static const struct {
    const char *text;
    int64_t milli, value;
} good[] = {
    {"0", 0, 0},
    {"00", 0, 0},
    {"0.0", 0, 0},
    {"-0", 0, 0},
    {"1", 1000, 1},
    {"+1", 1000, 1},
    {"-1", -1000, -1},
    {"2", 2000, 2},
    {"500m", 500, 1},
    {"0.5", 500, 1},
    {".5", 500, 1},
    {"1.", 1000, 1},
    {"1.5", 1500, 2},
    {"-1.5", -1500, -2},
    {"250m", 250, 1},
    {"1500m", 1500, 2},
    {"2000m", 2000, 2},
    {"1m", 1, 1},
    {"0.0001", 1, 1},    /* rounded up */
    {"-0.0001", -1, -1}, /* away from zero */
    {"100u", 1, 1},
    {"1n", 1, 1},
    {"1000000n", 1, 1},
    {"1k", 1000000, 1000},
    {"1M", NONE, 1000000},
    {"1G", NONE, 1000000000},
    {"1T", NONE, 1000000000000},
    {"1P", NONE, 1000000000000000},
    {"1E", NONE, 1000000000000000000},
    {"1e3", 1000000, 1000},
    {"1E3", 1000000, 1000},
    {"1e-3", 1, 1},
    {"5e+2", 500000, 500},
    {"1.5e1", 15000, 15},
    {"128Mi", NONE, 134217728},
    {"1Ki", 1024000, 1024},
    {"1Mi", NONE, 1048576},
    {"1Gi", NONE, 1073741824},
    {"1.5Gi", NONE, 1610612736},
    {"0.5Ki", 512000, 512},
    {"1Ti", NONE, 1099511627776},
    {"1Pi", NONE, 1125899906842624},
    {"1Ei", NONE, 1152921504606846976},
    {"7Ei", NONE, 8070450532247928832},
    {"0.1Ki", NONE, 103}, /* 102.4 rounds up */
    {"100000000000000000000m", NONE, 100000000000000000},
    {"0.000000000000000000001", 1, 1},
    {"1.00000000000000001", NONE, 2},
    {"9223372036854775807", NONE, INT64_MAX},
    {"-9223372036854775808", NONE, INT64_MIN},
    {"9223372036854775.807k", NONE, INT64_MAX},
};

static void test_good(void **state)
{
    for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
        mk_quantity q;
        mk_err err = {0};
        if (quantity_parse(good[i].text, &q, &err) < 0)
            fail_msg("\"%s\": %s", good[i].text, err.msg);
        if (good[i].milli != NONE && quantity_milli(&q) != good[i].milli)
            fail_msg("\"%s\": milli %" PRId64 ", want %" PRId64, good[i].text,
                     quantity_milli(&q), good[i].milli);
        if (quantity_value(&q) != good[i].value)
            fail_msg("\"%s\": value %" PRId64 ", want %" PRId64, good[i].text,
                     quantity_value(&q), good[i].value);
    }
}

static void test_rejects(void **state)
{
    static const char *const bad[] = {
        "",
        "1.2.3",
        "Mi",
        "12 Mi",
        "1Q",
        " 1",
        "1 ",
        "1K",
        "1mi",
        "1e",
        "1e+",
        "1ee3",
        "1eE",
        "--1",
        "+-1",
        ".",
        "-",
        "+",
        "1.5.",
        "1,5",
        "0x10",
        "1Kib",
        "1iKi",
        "abc",
        "1/2",
        "1e3m",
        "1mm",
        "1 Gi",
        "Ki1",
        "1e1.5",
        "1e99999999999999999999",
        "1e101",
        "1e-101",
        "9223372036854775808",
        "10Ei",
        "10000000000000000000000000001",
        "1.0000000000000000000000001",
        "9223372036854775808000m",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        mk_quantity q = {7, 7, 7};
        mk_err err = {0};
        if (quantity_parse(bad[i], &q, &err) != -EINVAL)
            fail_msg("\"%s\" parsed: %" PRId64 "e%d*2^%d", bad[i], q.mant, q.exp10, q.exp2);
        char quoted[128];
        snprintf(quoted, sizeof quoted, "\"%s\"", bad[i]);
        if (!strstr(err.msg, quoted))
            fail_msg("message \"%s\" does not quote %s", err.msg, quoted);
        /* *q untouched on error */
        assert_int_equal(q.mant, 7);
    }
    assert_int_equal(quantity_parse(NULL, &(mk_quantity){0}, NULL), -EINVAL);
}

static void test_huge_milli_saturates(void **state)
{
    mk_quantity q;
    assert_int_equal(quantity_parse("1E", &q, NULL), 0);
    assert_int_equal(quantity_milli(&q), INT64_MAX);
    assert_int_equal(quantity_parse("-1E", &q, NULL), 0);
    assert_int_equal(quantity_milli(&q), INT64_MIN);
}

static void test_shorthands(void **state)
{
    assert_int_equal(quantity_parse_milli("250m"), 250);
    assert_int_equal(quantity_parse_milli("2"), 2000);
    assert_int_equal(quantity_parse_milli(NULL), -1);
    assert_int_equal(quantity_parse_milli("junk"), -1);
    assert_int_equal(quantity_parse_value("64Mi"), 67108864);
    assert_int_equal(quantity_parse_value(NULL), -1);
    assert_int_equal(quantity_parse_value("1.2.3"), -1);
}

static int cmp(const char *a, const char *b)
{
    mk_quantity x, y;
    assert_int_equal(quantity_parse(a, &x, NULL), 0);
    assert_int_equal(quantity_parse(b, &y, NULL), 0);
    return quantity_cmp(&x, &y);
}

static void test_cmp(void **state)
{
    assert_int_equal(cmp("500m", "0.5"), 0);
    assert_int_equal(cmp("1Ki", "1024"), 0);
    assert_int_equal(cmp("1k", "1Ki"), -1);
    assert_int_equal(cmp("1Gi", "1G"), 1);
    assert_int_equal(cmp("1e3", "1k"), 0);
    assert_int_equal(cmp("-1", "1m"), -1);
    assert_int_equal(cmp("-2", "-1"), -1);
    assert_int_equal(cmp("0", "-0"), 0);
    assert_int_equal(cmp("1n", "0"), 1);
    assert_int_equal(cmp("1n", "2n"), -1);
    assert_int_equal(cmp("1E", "1n"), 1);
    assert_int_equal(cmp("1n", "1E"), -1);
    assert_int_equal(cmp("7Ei", "1e-90"), 1);
    assert_int_equal(cmp("1.00000000000000001", "1"), 1);
    assert_int_equal(cmp("0.5Ki", "512"), 0);
    assert_int_equal(cmp("1e-100", "1e-99"), -1);
    assert_int_equal(cmp("9223372036854775807", "9223372036854775806"), 1);
}

static void test_format(void **state)
{
    char buf[32];
    quantity_format_milli(250, buf, sizeof buf);
    assert_string_equal(buf, "250m");
    quantity_format_milli(2000, buf, sizeof buf);
    assert_string_equal(buf, "2");
    quantity_format_milli(1500, buf, sizeof buf);
    assert_string_equal(buf, "1500m");
    quantity_format_milli(0, buf, sizeof buf);
    assert_string_equal(buf, "0");
    quantity_format_bytes(134217728, buf, sizeof buf);
    assert_string_equal(buf, "128Mi");
    quantity_format_bytes(1000, buf, sizeof buf);
    assert_string_equal(buf, "1000");
    quantity_format_bytes(1536, buf, sizeof buf);
    assert_string_equal(buf, "1536");
    quantity_format_bytes(2048, buf, sizeof buf);
    assert_string_equal(buf, "2Ki");
    quantity_format_bytes(1073741824, buf, sizeof buf);
    assert_string_equal(buf, "1Gi");
    quantity_format_bytes(0, buf, sizeof buf);
    assert_string_equal(buf, "0");
    /* what is printed parses back to the same value */
    quantity_format_bytes(3 * 1048576, buf, sizeof buf);
    assert_int_equal(quantity_parse_value(buf), 3 * 1048576);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_huge_milli_saturates),
        cmocka_unit_test(test_shorthands),
        cmocka_unit_test(test_cmp),
        cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
