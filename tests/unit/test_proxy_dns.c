/* test_proxy_dns.c - mk-proxy's DNS responder: queries made and answers
 * read with libresolv, against a fixed set of Services. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <resolv.h>
#include <string.h>

#include "proxy/dns.h"

/* default/web 10.96.0.11, prod/db 10.96.0.12, default/h headless (2 pods,
 * the first with the hostname h-0). */
static int lookup(void *ctx, const char *ns, const char *name, const char *host,
                  struct in_addr *ips, size_t max)
{
    static const struct {
        const char *ns, *name, *ips[2];
    } svcs[] = {{"default", "web", {"10.96.0.11"}},
                {"prod", "db", {"10.96.0.12"}},
                {"default", "h", {"10.244.1.5", "10.244.2.5"}}};
    for (size_t i = 0; i < sizeof svcs / sizeof svcs[0]; i++) {
        if (strcmp(svcs[i].ns, ns) || strcmp(svcs[i].name, name))
            continue;
        if (host && (strcmp(name, "h") || strcmp(host, "h-0")))
            return -1;
        if (host)
            return inet_pton(AF_INET, svcs[i].ips[0], &ips[0]);
        int n = 0;
        for (; n < 2 && svcs[i].ips[n] && (size_t)n < max; n++)
            inet_pton(AF_INET, svcs[i].ips[n], &ips[n]);
        return n;
    }
    return -1;
}

static bool client_ns(void *ctx, struct in_addr client, char *buf, size_t n)
{
    snprintf(buf, n, "prod"); /* every asker is a pod of "prod" */
    return true;
}

/* Ask name/type; return rcode and the A answers as "ip,ip". */
static int ask(const char *name, int type, char *out, size_t n)
{
    dns_resolver r = {.lookup = lookup, .client_ns = client_ns};
    uint8_t q[512], a[512];
    int qlen = res_mkquery(ns_o_query, name, ns_c_in, type, NULL, 0, NULL, q, sizeof q);
    assert_true(qlen > 0);
    struct in_addr client = {htonl(0x0af40105)};
    size_t alen = dns_answer(&r, client, q, (size_t)qlen, a, sizeof a);
    assert_true(alen > 0);
    ns_msg msg;
    assert_int_equal(ns_initparse(a, (int)alen, &msg), 0);
    assert_int_equal(ns_msg_id(msg), ns_get16(q));
    assert_true(ns_msg_getflag(msg, ns_f_qr));
    assert_true(ns_msg_getflag(msg, ns_f_aa));
    out[0] = '\0';
    for (int i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
        ns_rr rr;
        assert_int_equal(ns_parserr(&msg, ns_s_an, i, &rr), 0);
        assert_int_equal(ns_rr_type(rr), ns_t_a);
        assert_int_equal(ns_rr_rdlen(rr), 4);
        char ip[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, ns_rr_rdata(rr), ip, sizeof ip);
        snprintf(out + strlen(out), n - strlen(out), "%s%s", i ? "," : "", ip);
    }
    return ns_msg_getflag(msg, ns_f_rcode);
}

static void test_names(void **state)
{
    char got[128];
    assert_int_equal(ask("web.default.svc.cluster.local", ns_t_a, got, sizeof got),
                     ns_r_noerror);
    assert_string_equal(got, "10.96.0.11");
    assert_int_equal(ask("WEB.default.svc.cluster.local.", ns_t_a, got, sizeof got), 0);
    assert_string_equal(got, "10.96.0.11");
    assert_int_equal(ask("web.default.svc", ns_t_a, got, sizeof got), 0);
    assert_string_equal(got, "10.96.0.11");
    assert_int_equal(ask("web.default", ns_t_a, got, sizeof got), 0);
    assert_string_equal(got, "10.96.0.11");
    /* a bare name is looked up in the asking pod's namespace */
    assert_int_equal(ask("db", ns_t_a, got, sizeof got), 0);
    assert_string_equal(got, "10.96.0.12");
    assert_int_equal(ask("web", ns_t_a, got, sizeof got), ns_r_nxdomain);
    /* headless: the pods */
    assert_int_equal(ask("h.default.svc.cluster.local", ns_t_a, got, sizeof got), 0);
    assert_string_equal(got, "10.244.1.5,10.244.2.5");
    /* a pod by its hostname under the headless Service */
    assert_int_equal(ask("h-0.h.default.svc.cluster.local", ns_t_a, got, sizeof got), 0);
    assert_string_equal(got, "10.244.1.5");
    assert_int_equal(ask("h-0.h.default.svc", ns_t_a, got, sizeof got), 0);
    assert_string_equal(got, "10.244.1.5");
    assert_int_equal(ask("h-9.h.default.svc.cluster.local", ns_t_a, got, sizeof got),
                     ns_r_nxdomain);
    /* four labels outside .svc are not ours */
    assert_int_equal(ask("h-0.h.default.example", ns_t_a, got, sizeof got), ns_r_refused);
}

static void test_other_answers(void **state)
{
    char got[128];
    /* a known name, another type: empty NOERROR, so resolvers do not fail */
    assert_int_equal(ask("web.default.svc.cluster.local", ns_t_aaaa, got, sizeof got), 0);
    assert_string_equal(got, "");
    assert_int_equal(ask("nope.default.svc.cluster.local", ns_t_a, got, sizeof got),
                     ns_r_nxdomain);
    assert_int_equal(ask("default.svc.cluster.local", ns_t_a, got, sizeof got), ns_r_nxdomain);
    assert_int_equal(ask("a.b.example.org", ns_t_a, got, sizeof got), ns_r_refused);
}

static void test_malformed(void **state)
{
    dns_resolver r = {.lookup = lookup};
    uint8_t a[512];
    struct in_addr c = {0};
    uint8_t shorty[5] = {0};
    assert_int_equal(dns_answer(&r, c, shorty, sizeof shorty, a, sizeof a), 0);
    uint8_t q[512];
    int qlen =
        res_mkquery(ns_o_query, "web.default", ns_c_in, ns_t_a, NULL, 0, NULL, q, sizeof q);
    q[2] |= 0x80; /* a response: never answered */
    assert_int_equal(dns_answer(&r, c, q, (size_t)qlen, a, sizeof a), 0);
    q[2] &= 0x7f;
    assert_int_equal(dns_answer(&r, c, q, (size_t)qlen - 3, a, sizeof a), 0); /* truncated */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_other_answers),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
