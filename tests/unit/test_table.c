/* The Table kubectl get asks for (store/server/table.c): the cells of kinds
 * whose text kubectl's printers compute. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "store/codec.h"
#include "store/server/table.h"

/* The cell of column title in kind's row for the object yaml. */
static void expect_cell(const char *kind, const char *yaml, const char *title, const char *want)
{
    const mk_kind *k = kind_by_kind(kind);
    assert_non_null(k);
    json_object *obj = NULL;
    mk_err err = {0};
    assert_int_equal(codec_decode(yaml, strlen(yaml), &obj, &err), 0);
    json_object *cols = table_columns(k), *row = table_row(k, obj, false);
    json_object *cells = json_object_object_get(row, "cells");
    size_t i = 0;
    while (i < json_object_array_length(cols) &&
           strcmp(json_object_get_string(
                      json_object_object_get(json_object_array_get_idx(cols, i), "name")),
                  title) != 0)
        i++;
    assert_true(i < json_object_array_length(cols));
    assert_string_equal(json_object_get_string(json_object_array_get_idx(cells, i)), want);
    json_object_put(cols);
    json_object_put(row);
    json_object_put(obj);
}

static void test_endpoints(void **state)
{
    (void)state;
    expect_cell("Endpoints", "metadata: {name: web}\n", "Endpoints", "<none>");
    expect_cell("Endpoints",
                "metadata: {name: web}\nsubsets: [{addresses: [{ip: 10.244.0.5}, {ip: "
                "10.244.0.6}], ports: [{port: 8080}]}]\n",
                "Endpoints", "10.244.0.5:8080,10.244.0.6:8080");
    /* Addresses of every port, three shown, the rest counted. */
    expect_cell("Endpoints",
                "metadata: {name: web}\nsubsets: [{addresses: [{ip: 10.0.0.1}, {ip: 10.0.0.2}],"
                " ports: [{port: 80}, {port: 443}]}, {addresses: [{ip: 10.0.0.3}]}]\n",
                "Endpoints", "10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 2 more...");
    /* A headless service without ports: the bare addresses. */
    expect_cell("Endpoints", "metadata: {name: db}\nsubsets: [{addresses: [{ip: 10.0.0.9}]}]\n",
                "Endpoints", "10.0.0.9");
    /* Only not-ready addresses: nothing to show, as kubectl shows it. */
    expect_cell("Endpoints",
                "metadata: {name: web}\nsubsets: [{notReadyAddresses: [{ip: 10.0.0.1}], "
                "ports: [{port: 80}]}]\n",
                "Endpoints", "");
}

static bool has_column(const char *kind, const char *title)
{
    json_object *cols = table_columns(kind_by_kind(kind));
    bool found = false;
    for (size_t i = 0; i < json_object_array_length(cols); i++)
        found |= strcmp(json_object_get_string(
                            json_object_object_get(json_object_array_get_idx(cols, i), "name")),
                        title) == 0;
    json_object_put(cols);
    return found;
}

/* Roles show when they were made (kubectl's CREATED AT), not an age. */
static void test_roles(void **state)
{
    (void)state;
    static const char role[] =
        "metadata: {name: r, creationTimestamp: '2026-11-28T01:01:15Z'}\n";
    expect_cell("Role", role, "Created At", "2026-11-28T01:01:15Z");
    expect_cell("ClusterRole", role, "Created At", "2026-11-28T01:01:15Z");
    expect_cell("ClusterRole", "metadata: {name: c}\n", "Created At", "<unknown>");
    assert_false(has_column("Role", "Age"));
    assert_false(has_column("ClusterRole", "Age"));
    /* A LimitRange too. */
    expect_cell("LimitRange", role, "Created At", "2026-11-28T01:01:15Z");
    assert_false(has_column("LimitRange", "Age"));
}

/* A quota's use of each resource it limits, as kubectl's
 * printResourceQuota: by name, "limits.*" apart, "0" where none is used. */
static void test_resourcequota(void **state)
{
    (void)state;
    static const char quota[] =
        "metadata: {name: q}\nstatus:\n"
        "  hard: {requests.memory: 1Gi, pods: '10', limits.cpu: '2', requests.cpu: '1',"
        " limits.memory: 2Gi, limitsfoo: '1'}\n"
        "  used: {pods: '3', requests.cpu: 500m, limits.cpu: '1'}\n";
    expect_cell("ResourceQuota", quota, "Request",
                "limitsfoo: 0/1, pods: 3/10, requests.cpu: 500m/1, requests.memory: 0/1Gi");
    expect_cell("ResourceQuota", quota, "Limit", "limits.cpu: 1/2, limits.memory: 0/2Gi");
    expect_cell("ResourceQuota", "metadata: {name: q}\nspec: {hard: {pods: '1'}}\n", "Request",
                "");
    assert_true(has_column("ResourceQuota", "Age"));
}

/* Bindings: the role as kind/name; with -o wide whom they bind, a
 * ServiceAccount as namespace/name, as kubectl's SubjectsStrings. */
static void test_bindings(void **state)
{
    (void)state;
    static const char rb[] =
        "metadata: {name: rb}\nroleRef: {kind: ClusterRole, name: view}\nsubjects:\n"
        "- {kind: User, name: alice}\n- {kind: Group, name: devs}\n"
        "- {kind: ServiceAccount, name: app, namespace: default}\n- {kind: User, name: bob}\n"
        "- {kind: ServiceAccount, name: ci, namespace: build}\n";
    expect_cell("RoleBinding", rb, "Role", "ClusterRole/view");
    expect_cell("RoleBinding", rb, "Users", "alice, bob");
    expect_cell("RoleBinding", rb, "Groups", "devs");
    expect_cell("ClusterRoleBinding", rb, "ServiceAccounts", "default/app, build/ci");
    expect_cell("ClusterRoleBinding",
                "metadata: {name: crb}\nroleRef: {kind: ClusterRole, "
                "name: admin}\n",
                "Groups", "");
    assert_true(has_column("RoleBinding", "Age"));
}

/* A NetworkPolicy's POD-SELECTOR, as kubectl's FormatLabelSelector:
 * requirements by key, set values sorted, "<none>" for {} (every pod). */
static void test_networkpolicy(void **state)
{
    (void)state;
    expect_cell("NetworkPolicy", "metadata: {name: all}\nspec: {podSelector: {}}\n",
                "Pod-Selector", "<none>");
    expect_cell("NetworkPolicy",
                "metadata: {name: db}\nspec:\n  podSelector:\n"
                "    matchLabels: {tier: db, app: pg}\n"
                "    matchExpressions:\n"
                "    - {key: env, operator: In, values: [prod, dev]}\n"
                "    - {key: zone, operator: NotIn, values: [b, a]}\n"
                "    - {key: gpu, operator: Exists}\n"
                "    - {key: canary, operator: DoesNotExist}\n",
                "Pod-Selector",
                "app=pg,!canary,env in (dev,prod),gpu,tier=db,zone notin (a,b)");
    expect_cell("NetworkPolicy",
                "metadata: {name: bad}\nspec: {podSelector: {matchExpressions: "
                "[{key: a, operator: Maybe}]}}\n",
                "Pod-Selector", "<error>");
    assert_true(has_column("NetworkPolicy", "Age"));
}

/* The JSON type of the cell of column title (kubectl prints integers and
 * booleans as the types the columns declare). */
static json_type cell_type(const char *kind, const char *yaml, const char *title)
{
    const mk_kind *k = kind_by_kind(kind);
    json_object *obj = NULL;
    mk_err err = {0};
    assert_int_equal(codec_decode(yaml, strlen(yaml), &obj, &err), 0);
    json_object *cols = table_columns(k), *row = table_row(k, obj, false);
    json_object *cells = json_object_object_get(row, "cells");
    json_type t = json_type_null;
    for (size_t i = 0; i < json_object_array_length(cols); i++)
        if (!strcmp(json_object_get_string(
                        json_object_object_get(json_object_array_get_idx(cols, i), "name")),
                    title))
            t = json_object_get_type(json_object_array_get_idx(cells, i));
    json_object_put(cols);
    json_object_put(row);
    json_object_put(obj);
    return t;
}

/* The column titles of kind, in order, comma-separated, "(wide)" after
 * those kubectl shows only with -o wide. */
static void expect_columns(const char *kind, const char *want)
{
    json_object *cols = table_columns(kind_by_kind(kind));
    char got[512] = "";
    for (size_t i = 0; i < json_object_array_length(cols); i++) {
        json_object *c = json_object_array_get_idx(cols, i);
        size_t n = strlen(got);
        snprintf(got + n, sizeof got - n, "%s%s%s", i ? "," : "",
                 json_object_get_string(json_object_object_get(c, "name")),
                 json_object_get_int(json_object_object_get(c, "priority")) ? "(wide)" : "");
    }
    assert_string_equal(got, want);
    json_object_put(cols);
}

/* kubectl get priorityclasses: NAME VALUE GLOBAL-DEFAULT AGE
 * PREEMPTIONPOLICY, the value an integer, the default a boolean. */
static void test_priorityclass(void **state)
{
    (void)state;
    expect_columns("PriorityClass", "Name,Value,Global-Default,Age,PreemptionPolicy");
    static const char pc[] = "metadata: {name: high}\nvalue: 1000\nglobalDefault: true\n"
                             "preemptionPolicy: Never\n";
    expect_cell("PriorityClass", pc, "Value", "1000");
    expect_cell("PriorityClass", pc, "Global-Default", "true");
    expect_cell("PriorityClass", pc, "PreemptionPolicy", "Never");
    assert_int_equal(cell_type("PriorityClass", pc, "Value"), json_type_int);
    assert_int_equal(cell_type("PriorityClass", pc, "Global-Default"), json_type_boolean);
    static const char bare[] = "metadata: {name: zero}\n";
    expect_cell("PriorityClass", bare, "Value", "0");
    expect_cell("PriorityClass", bare, "Global-Default", "false");
    expect_cell("PriorityClass", bare, "PreemptionPolicy", "");
}

/* kubectl get pods -o wide: NOMINATED NODE (a preemptor's) and READINESS
 * GATES after IP and NODE. */
static void test_pod_wide(void **state)
{
    (void)state;
    expect_columns("Pod", "Name,Ready,Status,Restarts,Age,IP(wide),Node(wide),"
                          "Nominated Node(wide),Readiness Gates(wide)");
    static const char pod[] = "metadata: {name: p}\nspec: {containers: [{name: a}]}\n";
    expect_cell("Pod", pod, "Nominated Node", "<none>");
    expect_cell("Pod", pod, "Readiness Gates", "<none>");
    expect_cell("Pod",
                "metadata: {name: p}\nspec:\n  containers: [{name: a}]\n"
                "  readinessGates: [{conditionType: x.io/lb}, {conditionType: x.io/dns}]\n"
                "status:\n  nominatedNodeName: n2\n"
                "  conditions: [{type: x.io/lb, status: 'True'}, {type: x.io/dns, "
                "status: 'False'}, {type: x.io/lb, status: 'False'}]\n",
                "Readiness Gates", "1/2");
    expect_cell("Pod", "metadata: {name: p}\nstatus: {nominatedNodeName: n2}\n",
                "Nominated Node", "n2");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_endpoints),     cmocka_unit_test(test_roles),
        cmocka_unit_test(test_bindings),      cmocka_unit_test(test_resourcequota),
        cmocka_unit_test(test_networkpolicy), cmocka_unit_test(test_priorityclass),
        cmocka_unit_test(test_pod_wide)};
    return cmocka_run_group_tests_name("table", tests, NULL, NULL);
}
