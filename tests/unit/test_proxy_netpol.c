/* test_proxy_netpol.c - NetworkPolicies as mk-proxy's nftables table
 * (proxy/netpol.h): which pods are isolated, the peers and ports each rule
 * lets in or out, and (as root, in a private network namespace) that the
 * kernel takes the script. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/netpol.h"
#include "store/codec.h"
#include "store/util.h"
#include "tests/unit/nft_netns.h"

static void add(netpol_builder *b, void (*fn)(netpol_builder *, json_object *),
                const char *yaml)
{
    json_object *docs = NULL;
    mk_err err = {0};
    if (codec_decode_all(yaml, strlen(yaml), &docs, &err) < 0)
        fail_msg("%s: %s", yaml, err.msg);
    fn(b, json_object_array_get_idx(docs, 0));
    json_object_put(docs);
}

static const char *const pods[] = {
    "{metadata: {namespace: default, name: web, labels: {app: web}}, spec: {nodeName: n1, "
    "containers: [{name: c, ports: [{name: http, containerPort: 8080}]}]}, "
    "status: {podIP: 10.244.1.5, phase: Running}}",
    "{metadata: {namespace: default, name: client, labels: {role: client}}, "
    "spec: {nodeName: n1, containers: [{name: c}]}, status: {podIP: 10.244.1.6}}",
    "{metadata: {namespace: prod, name: other, labels: {role: client}}, "
    "spec: {nodeName: n2, containers: [{name: c}]}, status: {podIP: 10.244.2.7}}",
    "{metadata: {namespace: default, name: db, labels: {app: web}}, "
    "spec: {nodeName: n2, containers: [{name: c}]}, status: {podIP: 10.244.2.8}}",
    /* ended: neither a peer nor isolated */
    "{metadata: {namespace: default, name: done, labels: {role: client}}, "
    "spec: {nodeName: n1, containers: [{name: c}]}, "
    "status: {podIP: 10.244.1.9, phase: Succeeded}}",
};

static const char *const policies[] = {
    /* only clients of its namespace, on the named port */
    "{metadata: {namespace: default, name: clients}, spec: {podSelector: {matchLabels: "
    "{app: web}}, ingress: [{from: [{podSelector: {matchLabels: {role: client}}}], "
    "ports: [{port: http}]}]}}",
    /* and anything from the prod namespace, chosen by its name label */
    "{metadata: {namespace: default, name: prod}, spec: {podSelector: {matchLabels: "
    "{app: web}}, ingress: [{from: [{namespaceSelector: {matchLabels: "
    "{kubernetes.io/metadata.name: prod}}}]}]}}",
    /* clients may only ask DNS of 10/8, outside 10.1/16 */
    "{metadata: {namespace: default, name: dns}, spec: {podSelector: {matchLabels: "
    "{role: client}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, "
    "except: [10.1.0.0/16]}}], ports: [{protocol: UDP, port: 53}, {port: 8000, endPort: "
    "8080}]}]}}",
};

static char *render(const char *node, size_t npolicies, netpol_stats *st)
{
    netpol_builder *b = netpol_begin(node);
    for (size_t i = 0; i < sizeof pods / sizeof *pods; i++)
        add(b, netpol_add_pod, pods[i]);
    add(b, netpol_add_namespace, "{metadata: {name: default}}");
    add(b, netpol_add_namespace, "{metadata: {name: prod, labels: {team: p}}}");
    for (size_t i = 0; i < npolicies; i++)
        add(b, netpol_add_policy, policies[i]);
    return netpol_finish(b, st);
}

static void test_no_policy_no_table(void **state)
{
    (void)state;
    netpol_stats st;
    assert_null(render("n1", 0, &st));
    assert_int_equal(st.policies, 0);
}

static void test_rules(void **state)
{
    (void)state;
    netpol_stats st;
    _cleanup_free_ char *t = render("n1", 3, &st);
    assert_non_null(t);
    assert_int_equal(st.policies, 3);
    assert_int_equal(st.isolated, 2); /* web's ingress, client's egress; db is on n2 */
    assert_non_null(strstr(t, "ct state established,related accept\n"));
    assert_non_null(strstr(t, "ip saddr vmap { 10.244.1.6 : jump out-1 }"));
    assert_non_null(strstr(t, "ip daddr vmap { 10.244.1.5 : jump in-0 }"));
    /* the named port is web's 8080; the finished client is no peer */
    assert_non_null(strstr(t, "\t\tip saddr { 10.244.1.6 } meta l4proto tcp th dport { 8080 } "
                              "return\n"));
    /* prod's pod, chosen by the namespace's name label */
    assert_non_null(strstr(t, "\t\tip saddr { 10.244.2.7 } return\n"));
    assert_non_null(strstr(t,
                           "\t\tip daddr 10.0.0.0/8 ip daddr != { 10.1.0.0/16 } meta l4proto "
                           "tcp th dport { 8000-8080 } return\n"));
    assert_non_null(strstr(t,
                           "\t\tip daddr 10.0.0.0/8 ip daddr != { 10.1.0.0/16 } meta l4proto "
                           "udp th dport { 53 } return\n"));
    assert_non_null(strstr(t, "\t\tmeta l4proto tcp reject with tcp reset\n"));
    assert_null(strstr(t, "10.244.1.9"));
    /* n2 has db under the ingress policies: prod's pod and the client */
    _cleanup_free_ char *n2 = render("n2", 3, &st);
    assert_int_equal(st.isolated, 1);
    assert_non_null(strstr(n2, "ip daddr vmap { 10.244.2.8 : jump in-0 }"));
    /* db has no port named http: that rule lets nothing in */
    assert_null(strstr(n2, "ip saddr { 10.244.1.6 }"));
}

static void test_deny_all_and_allow_all(void **state)
{
    (void)state;
    netpol_builder *b = netpol_begin("n1");
    for (size_t i = 0; i < sizeof pods / sizeof *pods; i++)
        add(b, netpol_add_pod, pods[i]);
    add(b, netpol_add_policy,
        "{metadata: {namespace: default, name: deny}, "
        "spec: {podSelector: {}, policyTypes: [Ingress, Egress]}}");
    add(b, netpol_add_policy,
        "{metadata: {namespace: default, name: all}, "
        "spec: {podSelector: {matchLabels: {app: web}}, ingress: [{}]}}");
    netpol_stats st;
    _cleanup_free_ char *t = netpol_finish(b, &st);
    /* web and client, both ways: four chains; web's ingress lets all in */
    assert_int_equal(st.isolated, 4);
    assert_non_null(strstr(t, "\t\t# default/web\n\t\treturn\n"));
    assert_non_null(strstr(t, "\t\t# default/client\n\t\tmeta l4proto tcp reject"));
}

static char *render_all(void)
{
    return render("n1", 3, NULL);
}

/* The script is valid nftables: apply it in a private network namespace. */
static void test_apply(void **state)
{
    (void)state;
    apply_in_netns(render_all, netpol_delete_script());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_policy_no_table),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_deny_all_and_allow_all),
        cmocka_unit_test(test_apply),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
