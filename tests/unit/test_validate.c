/* test_validate.c - validation of every kind: good manifests pass without
 * warnings, bad ones fail naming the field the way Kubernetes does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <dirent.h>
#include <string.h>

#include <cmocka.h>

#include "store/codec.h"
#include "store/util.h"
#include "store/defaults.h"
#include "store/validate.h"

static json_object *decode(const char *text)
{
    json_object *o = NULL;
    mk_err err = {0};
    if (codec_decode(text, strlen(text), &o, &err) < 0)
        fail_msg("decode: %s\n%s", err.msg, text);
    return o;
}

/* Validate text as its own kind; return the error code, fill err/warn. */
static int check(const char *text, mk_warnings *warn, mk_err *err)
{
    json_object *o = decode(text);
    const mk_kind *k = NULL;
    int r = validate_kind_of(o, &k, err);
    if (r == 0)
        r = validate_object(k, o, warn, err);
    json_object_put(o);
    return r;
}

static void expect_ok(const char *text)
{
    mk_warnings warn = {0};
    mk_err err = {0};
    if (check(text, &warn, &err) < 0)
        fail_msg("rejected: %s\n%s", err.msg, text);
    if (warn.n)
        fail_msg("unexpected warning \"%s\" (and %d more)\n%s", warn.path[0], warn.n - 1, text);
}

static void expect_error(const char *text, const char *msg)
{
    mk_err err = {0};
    int r = check(text, NULL, &err);
    if (r >= 0)
        fail_msg("accepted, expected \"%s\"\n%s", msg, text);
    assert_int_equal(r, -EINVAL);
    if (!strstr(err.msg, msg))
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, msg);
}

/* Text with "@@" replaced by the snippet: the base manifest, one change. */
static char *with(const char *base, const char *snippet)
{
    const char *at = strstr(base, "@@");
    assert_non_null(at);
    return xasprintf("%.*s%s%s", (int)(at - base), base, snippet, at + 2);
}

static void expect_error_with(const char *base, const char *snippet, const char *msg)
{
    _cleanup_free_ char *text = with(base, snippet);
    expect_error(text, msg);
}

static void expect_ok_with(const char *base, const char *snippet)
{
    _cleanup_free_ char *text = with(base, snippet);
    expect_ok(text);
}

/* Update old_text to new_text: accepted (msg NULL) or refused with msg. */
static void expect_update(const char *old_text, const char *new_text, const char *msg);

/* ---- PodDisruptionBudget ---- */

static const char pdb_base[] = "apiVersion: policy/v1\n"
                               "kind: PodDisruptionBudget\n"
                               "metadata: {name: web}\n"
                               "spec:\n"
                               "  selector: {matchLabels: {app: web}}\n"
                               "@@";

static void test_pdb(void **state)
{
    (void)state;
    expect_ok_with(pdb_base, "  minAvailable: 2\n");
    expect_ok_with(pdb_base,
                   "  maxUnavailable: 25%\n  unhealthyPodEvictionPolicy: AlwaysAllow\n");
    expect_ok_with(pdb_base, "  minAvailable: 0\n");
    expect_ok("apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: all}\n"
              "spec: {selector: {}}\n");
    expect_error_with(pdb_base, "  minAvailable: 1\n  maxUnavailable: 1\n",
                      "spec: Invalid value: ");
    expect_error_with(pdb_base, "  minAvailable: 1\n  maxUnavailable: 1\n",
                      "minAvailable and maxUnavailable cannot be both set");
    expect_error_with(
        pdb_base, "  minAvailable: -1\n",
        "spec.minAvailable: Invalid value: -1: must be greater than or equal to 0");
    expect_error_with(
        pdb_base, "  maxUnavailable: 150%\n",
        "spec.maxUnavailable: Invalid value: \"150%\": must not be greater than 100%");
    expect_error_with(pdb_base, "  minAvailable: half\n",
                      "spec.minAvailable: Invalid value: \"half\": a valid percent string");
    expect_error_with(pdb_base, "  unhealthyPodEvictionPolicy: Never\n",
                      "spec.unhealthyPodEvictionPolicy: Unsupported value: \"Never\"");
    expect_error("apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web}\n"
                 "spec: {selector: {matchExpressions: [{key: app, operator: Maybe}]}}\n",
                 "spec.selector.matchExpressions[0].operator");
}

static void test_lease(void **state)
{
    (void)state;
    static const char base[] = "apiVersion: coordination.k8s.io/v1\nkind: Lease\n"
                               "metadata: {name: n1, namespace: kube-node-lease}\nspec:\n@@";
    expect_ok_with(base, "  holderIdentity: n1\n  leaseDurationSeconds: 40\n"
                         "  renewTime: \"2026-11-28T00:54:21.197311Z\"\n");
    expect_error_with(base, "  leaseDurationSeconds: 0\n",
                      "spec.leaseDurationSeconds: Invalid value: 0: must be greater than or "
                      "equal to 1");
    expect_error_with(base, "  renewTime: yesterday\n",
                      "spec.renewTime: Invalid value: \"yesterday\": must be an RFC 3339 time");
    expect_error_with(base, "  leaseTransitions: -1\n", "spec.leaseTransitions: Invalid value");
}

/* ---- LimitRange ---- */

static const char limitrange_base[] = "apiVersion: v1\nkind: LimitRange\n"
                                      "metadata: {name: limits}\nspec:\n  limits:\n@@";

static void test_limitrange(void **state)
{
    (void)state;
    expect_ok_with(limitrange_base,
                   "  - type: Container\n    max: {cpu: '2', memory: 1Gi}\n"
                   "    min: {cpu: 100m, memory: 64Mi}\n"
                   "    default: {cpu: 500m, memory: 256Mi, nvidia.com/gpu: 1}\n"
                   "    defaultRequest: {cpu: 200m, memory: 128Mi, nvidia.com/gpu: 1}\n"
                   "    maxLimitRequestRatio: {cpu: 10}\n"
                   "  - type: Pod\n    max: {cpu: '4'}\n"
                   "  - type: PersistentVolumeClaim\n    min: {storage: 1Gi}\n"
                   "    max: {storage: 10Gi}\n");
    expect_ok("apiVersion: v1\nkind: LimitRange\nmetadata: {name: none}\nspec: {limits: []}\n");
    /* The type: required, known, once. */
    expect_error_with(limitrange_base, "  - max: {cpu: '1'}\n",
                      "spec.limits[0].type: Required value");
    expect_error_with(limitrange_base, "  - type: Node\n",
                      "spec.limits[0].type: Unsupported value: \"Node\"");
    expect_error_with(limitrange_base, "  - type: Pod\n  - type: Pod\n",
                      "spec.limits[1].type: Duplicate value: \"Pod\"");
    /* What a type may carry. */
    expect_error_with(limitrange_base, "  - type: Pod\n    default: {cpu: '1'}\n",
                      "spec.limits[0].default: Forbidden: may not be specified when `type` "
                      "is 'Pod'");
    expect_error_with(limitrange_base, "  - type: Pod\n    defaultRequest: {cpu: '1'}\n",
                      "spec.limits[0].defaultRequest: Forbidden");
    expect_error_with(limitrange_base,
                      "  - type: PersistentVolumeClaim\n    max: {storage: 1Gi}\n"
                      "    default: {storage: 1Gi}\n",
                      "spec.limits[0].default: Forbidden: may not be specified when `type` "
                      "is 'PersistentVolumeClaim'");
    expect_error_with(limitrange_base, "  - type: PersistentVolumeClaim\n    max: {cpu: '1'}\n",
                      "spec.limits[0].max[cpu]: Unsupported value: \"cpu\"");
    expect_error_with(limitrange_base, "  - type: PersistentVolumeClaim\n",
                      "spec.limits[0].limits: Required value: either minimum or maximum "
                      "storage value is required");
    /* Resource names. */
    expect_error_with(limitrange_base, "  - type: Container\n    max: {storage: 1Gi}\n",
                      "spec.limits[0].max[storage]: Invalid value: \"storage\": must be a "
                      "standard resource for containers");
    expect_error_with(limitrange_base, "  - type: Container\n    min: {gpu: 1}\n",
                      "spec.limits[0].min[gpu]: Invalid value: \"gpu\"");
    expect_error_with(limitrange_base, "  - type: Container\n    min: {-bad/gpu: 1}\n",
                      "spec.limits[0].min[-bad/gpu]: Invalid value: \"-bad/gpu\"");
    expect_error_with(limitrange_base, "  - type: Container\n    max: {cpu: lots}\n",
                      "spec.limits[0].max.cpu: Invalid value: \"lots\"");
    /* The order of the amounts, compared exactly. */
    expect_error_with(limitrange_base,
                      "  - type: Container\n    min: {cpu: '2'}\n"
                      "    max: {cpu: '1'}\n",
                      "spec.limits[0].min[cpu]: Invalid value: \"2\": min value 2 is greater "
                      "than max value 1");
    expect_ok_with(limitrange_base, "  - type: Container\n    min: {cpu: 1000m}\n"
                                    "    max: {cpu: '1'}\n");
    expect_error_with(limitrange_base,
                      "  - type: Container\n    min: {memory: 1025Mi}\n"
                      "    max: {memory: 1Gi}\n",
                      "spec.limits[0].min[memory]: Invalid value: \"1025Mi\"");
    expect_error_with(limitrange_base,
                      "  - type: Container\n    min: {cpu: 300m}\n"
                      "    defaultRequest: {cpu: 200m}\n",
                      "spec.limits[0].defaultRequest[cpu]: Invalid value: \"200m\": min value "
                      "300m is greater than default request value 200m");
    expect_error_with(limitrange_base,
                      "  - type: Container\n    max: {cpu: '1'}\n"
                      "    defaultRequest: {cpu: '2'}\n",
                      "spec.limits[0].defaultRequest[cpu]: Invalid value: \"2\": default "
                      "request value 2 is greater than max value 1");
    expect_error_with(limitrange_base,
                      "  - type: Container\n    default: {cpu: 100m}\n"
                      "    defaultRequest: {cpu: 200m}\n",
                      "spec.limits[0].defaultRequest[cpu]: Invalid value: \"200m\": default "
                      "request value 200m is greater than default limit value 100m");
    expect_error_with(limitrange_base,
                      "  - type: Container\n    min: {cpu: '1'}\n"
                      "    default: {cpu: 500m}\n",
                      "spec.limits[0].default[cpu]: Invalid value: \"1\": min value 1 is "
                      "greater than default value 500m");
    expect_error_with(limitrange_base,
                      "  - type: Container\n    max: {cpu: '1'}\n"
                      "    default: {cpu: '2'}\n",
                      "spec.limits[0].default[cpu]: Invalid value: \"1\": default value 2 is "
                      "greater than max value 1");
    /* The ratio of limit to request. */
    expect_error_with(limitrange_base,
                      "  - type: Container\n    maxLimitRequestRatio: "
                      "{cpu: 500m}\n",
                      "spec.limits[0].maxLimitRequestRatio[cpu]: Invalid value: \"500m\": "
                      "ratio 500m is less than 1");
    expect_error_with(limitrange_base,
                      "  - type: Container\n    min: {cpu: 100m}\n"
                      "    max: {cpu: 200m}\n    maxLimitRequestRatio: "
                      "{cpu: 3}\n",
                      "spec.limits[0].maxLimitRequestRatio[cpu]: Invalid value: \"3\": ratio "
                      "3 is greater than max/min = 2.000000");
    expect_ok_with(limitrange_base,
                   "  - type: Container\n    min: {cpu: '0'}\n"
                   "    max: {cpu: '1'}\n    maxLimitRequestRatio: {cpu: 3}\n");
    /* Whole devices: no overcommitting an extended resource. */
    expect_error_with(limitrange_base,
                      "  - type: Container\n    default: {nvidia.com/gpu: 2}\n"
                      "    defaultRequest: {nvidia.com/gpu: 1}\n",
                      "spec.limits[0].defaultRequest[nvidia.com/gpu]: Invalid value: \"1\": "
                      "default value 2 must equal to defaultRequest value 1");
}

/* ---- ResourceQuota ---- */

static const char quota_base[] = "apiVersion: v1\nkind: ResourceQuota\n"
                                 "metadata: {name: q}\n@@";

static void test_resourcequota(void **state)
{
    (void)state;
    expect_ok_with(quota_base, "spec:\n  hard: {pods: 10, services: '5', requests.cpu: '4', "
                               "limits.memory: 8Gi, count/deployments.apps: 3,\n"
                               "    requests.storage: 100Gi, requests.nvidia.com/gpu: 2}\n"
                               "status:\n  hard: {pods: '10'}\n  used: {pods: '3'}\n");
    expect_ok_with(quota_base, "spec:\n  hard: {pods: 4, requests.cpu: '1'}\n"
                               "  scopes: [NotBestEffort, Terminating]\n");
    expect_ok_with(quota_base,
                   "spec:\n  hard: {pods: 4, count/pods: 4}\n  scopes: [BestEffort]\n");
    expect_ok_with(quota_base,
                   "spec:\n  hard: {pods: 4}\n  scopeSelector:\n    matchExpressions:\n"
                   "    - {scopeName: PriorityClass, operator: In, values: [high]}\n"
                   "    - {scopeName: NotTerminating, operator: Exists}\n");
    /* Names and amounts. */
    expect_error_with(quota_base, "spec:\n  hard: {foo: 1}\n",
                      "spec.hard[foo]: Invalid value: \"foo\": must be a standard resource for "
                      "quota");
    expect_error_with(
        quota_base, "spec:\n  hard: {pods: -1}\n",
        "spec.hard[pods]: Invalid value: \"-1\": must be greater than or equal to "
        "0");
    expect_error_with(quota_base, "spec:\n  hard: {pods: 1500m}\n",
                      "spec.hard[pods]: Invalid value: \"1500m\": must be an integer");
    expect_ok_with(quota_base, "spec:\n  hard: {requests.cpu: 1500m}\n");
    expect_error_with(quota_base, "spec:\n  hard: {pods: many}\n",
                      "spec.hard.pods: Invalid value: \"many\"");
    expect_error_with(quota_base, "status:\n  used: {bogus: '1'}\n",
                      "status.used[bogus]: Invalid value: \"bogus\"");
    expect_error_with(quota_base, "status:\n  hard: {services: 0.5}\n",
                      "status.hard[services]: Invalid value: \"0.5\": must be an integer");
    /* spec.scopes */
    expect_error_with(quota_base, "spec:\n  scopes: [Sometimes]\n",
                      "spec.scopes[0]: Unsupported value: \"Sometimes\"");
    expect_ok_with(quota_base, "spec:\n  scopes: [PriorityClass]\n");
    expect_error_with(quota_base, "spec:\n  scopes: [BestEffort, BestEffort]\n",
                      "spec.scopes[1]: Duplicate value: \"BestEffort\"");
    expect_error_with(quota_base, "spec:\n  scopes: [Terminating, NotTerminating]\n",
                      "spec.scopes: Invalid value: [\"Terminating\",\"NotTerminating\"]: "
                      "conflicting scopes");
    expect_error_with(quota_base, "spec:\n  scopes: [BestEffort, NotBestEffort]\n",
                      "conflicting scopes");
    /* What scopes apply to. */
    expect_error_with(quota_base,
                      "spec:\n  hard: {pods: 1, services: 1}\n  scopes: [Terminating]\n",
                      "spec.hard[services]: Invalid value: \"services\": unsupported scope "
                      "applied to resource");
    expect_error_with(quota_base, "spec:\n  hard: {requests.cpu: 1}\n  scopes: [BestEffort]\n",
                      "spec.hard[requests.cpu]: Invalid value: \"requests.cpu\": unsupported "
                      "scope applied to resource");
    expect_error_with(quota_base,
                      "spec:\n  hard: {requests.memory: 1Gi}\n  scopeSelector:\n"
                      "    matchExpressions: [{scopeName: BestEffort, operator: Exists}]\n",
                      "spec.hard[requests.memory]: Invalid value: \"requests.memory\": "
                      "unsupported scope applied to resource");
    expect_error_with(
        quota_base,
        "spec:\n  hard: {configmaps: 1}\n  scopeSelector:\n    matchExpressions:"
        " [{scopeName: PriorityClass, operator: In, values: [low]}]\n",
        "spec.hard[configmaps]: Invalid value: \"configmaps\": unsupported scope");
    /* spec.scopeSelector */
#define EXPR(e) "spec:\n  scopeSelector:\n    matchExpressions: [" e "]\n"
    expect_error_with(quota_base, EXPR("{operator: Exists}"),
                      "spec.scopeSelector.matchExpressions[0].scopeName: Required value");
    expect_error_with(quota_base, EXPR("{scopeName: Always, operator: Exists}"),
                      "spec.scopeSelector.matchExpressions[0].scopeName: Unsupported value: "
                      "\"Always\"");
    expect_error_with(quota_base, EXPR("{scopeName: PriorityClass, operator: Like}"),
                      "spec.scopeSelector.matchExpressions[0].operator: Unsupported value: "
                      "\"Like\"");
    expect_error_with(quota_base, EXPR("{scopeName: PriorityClass}"),
                      "spec.scopeSelector.matchExpressions[0].operator: Required value");
    expect_error_with(quota_base, EXPR("{scopeName: PriorityClass, operator: NotIn}"),
                      "spec.scopeSelector.matchExpressions[0].values: Required value: must be "
                      "at least one value");
    expect_error_with(quota_base,
                      EXPR("{scopeName: PriorityClass, operator: Exists, values: [a]}"),
                      "spec.scopeSelector.matchExpressions[0].values: Invalid value: [\"a\"]: "
                      "must be no value");
    expect_ok_with(quota_base, EXPR("{scopeName: PriorityClass, operator: DoesNotExist}"));
    expect_error_with(quota_base, EXPR("{scopeName: BestEffort, operator: In, values: [x]}"),
                      "spec.scopeSelector.matchExpressions[0].operator: Invalid value: \"In\": "
                      "must be 'Exists'");
    expect_error_with(quota_base,
                      EXPR("{scopeName: Terminating, operator: Exists}, "
                           "{scopeName: NotTerminating, operator: Exists}"),
                      "spec.scopeSelector.matchExpressions: Invalid value: ");
#undef EXPR
}

static void test_serviceaccount(void **state)
{
    (void)state;
    static const char base[] =
        "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: robot}\n@@";
    expect_ok_with(base, "imagePullSecrets: [{name: regcred}]\nsecrets: [{name: robot-token}]\n"
                         "automountServiceAccountToken: false\n");
    expect_error_with(base, "imagePullSecrets: [{}]\n",
                      "imagePullSecrets[0].name: Required value");
    expect_error_with(base, "secrets: [{name: Bad_Name}]\n", "secrets[0].name: Invalid value");
}

/* ---- rbac.authorization.k8s.io/v1 ---- */

#define RBAC "apiVersion: rbac.authorization.k8s.io/v1\n"

static void test_role(void **state)
{
    (void)state;
    static const char base[] = RBAC "kind: Role\nmetadata: {name: r, namespace: default}\n"
                                    "rules:\n@@";
    expect_ok_with(base, "- {verbs: [get, list], apiGroups: [''], resources: [pods]}\n"
                         "- {verbs: ['*'], apiGroups: [apps], resources: [deployments],"
                         " resourceNames: [web]}\n");
    expect_ok(RBAC "kind: Role\nmetadata: {name: empty}\n");
    expect_error_with(base, "- {apiGroups: [''], resources: [pods]}\n",
                      "rules[0].verbs: Required value: verbs must contain at least one value");
    expect_error_with(base, "- {verbs: [get], nonResourceURLs: [/metrics]}\n",
                      "rules[0].nonResourceURLs: Invalid value: [\"/metrics\"]: namespaced "
                      "rules cannot apply to non-resource URLs");
    expect_error_with(base, "- {verbs: [get], resources: [pods]}\n",
                      "rules[0].apiGroups: Required value: resource rules must supply at least "
                      "one api group");
    expect_error_with(base, "- {verbs: [get], apiGroups: ['']}\n",
                      "rules[0].resources: Required value: resource rules must supply at least "
                      "one resource");
    expect_error_with(
        base, "- {verbs: [get], apiGroups: [''], resources: [pods]}\n- {verbs: [get]}\n",
        "rules[1].resources: Required value: resource rules must supply at least "
        "one resource");
    expect_error_with(base, "- {verbs: get, apiGroups: [''], resources: [pods]}\n",
                      "rules[0].verbs: Invalid value");
}

static void test_clusterrole(void **state)
{
    (void)state;
    static const char base[] = RBAC "kind: ClusterRole\nmetadata: {name: c}\n@@";
    expect_ok_with(base, "rules:\n- {verbs: [get], apiGroups: [''], resources: [nodes]}\n"
                         "- {verbs: [get], nonResourceURLs: [/metrics, /healthz/*]}\n");
    /* aggregated: the controller fills the rules */
    expect_ok_with(base, "aggregationRule:\n  clusterRoleSelectors:\n"
                         "  - matchLabels: {rbac.example.com/aggregate-to-view: 'true'}\n"
                         "rules: []\n");
    expect_error_with(base, "rules: [{verbs: [get]}]\n",
                      "rules[0]: Required value: rules must supply either resources or "
                      "nonResourceURLs");
    expect_error_with(
        base, "rules: [{verbs: [get], resources: [pods], nonResourceURLs: [/x]}]\n",
        "rules[0].nonResourceURLs: Invalid value: [\"/x\"]: rules cannot apply to "
        "both regular resources and non-resource URLs");
    expect_error_with(base, "rules: [{verbs: [get], apiGroups: [''], nonResourceURLs: [/x]}]\n",
                      "rules cannot apply to both regular resources and non-resource URLs");
    expect_error_with(base, "rules: [{nonResourceURLs: [/x]}]\n",
                      "rules[0].verbs: Required value");
    expect_error_with(base, "aggregationRule: {}\n",
                      "aggregationRule.clusterRoleSelectors: Required value");
    expect_error_with(base,
                      "aggregationRule:\n  clusterRoleSelectors:\n"
                      "  - matchExpressions: [{key: a, operator: Maybe}]\n",
                      "aggregationRule.clusterRoleSelectors[0].matchExpressions[0].operator");
}

/* Names of the RBAC kinds are path segments, as Kubernetes names its own
 * roles; every other kind keeps its DNS rule. */
static void test_rbac_names(void **state)
{
    (void)state;
    static const char base[] = RBAC "kind: ClusterRole\nmetadata: {@@}\n";
    expect_ok_with(base, "name: 'system:controller:foo'");
    expect_ok_with(base, "name: 'cert-manager-controller-approve:cert-manager-io'");
    expect_ok_with(base, "name: Admin_Role.v2");
    expect_ok_with(base, "generateName: 'system:'");
    expect_error_with(base, "name: a/b",
                      "metadata.name: Invalid value: \"a/b\": may not contain '/'");
    expect_error_with(base, "name: 100%",
                      "metadata.name: Invalid value: \"100%\": may not contain '%'");
    expect_error_with(base, "name: '.'", "metadata.name: Invalid value: \".\": may not be '.'");
    expect_error_with(base, "name: '..'",
                      "metadata.name: Invalid value: \"..\": may not be '..'");
    expect_error_with(base, "name: 'a b'",
                      "metadata.name: Invalid value: \"a b\": must consist of "
                      "printable ASCII characters other than space");
    expect_error_with(base, "name: \"a\\tb\"", "must consist of printable ASCII");
    expect_error_with(base, "name: \"caf\\u00e9\"", "must consist of printable ASCII");
    expect_error_with(base, "generateName: 'a/'",
                      "metadata.generateName: Invalid value: \"a/\": may not contain '/'");
    _cleanup_free_ char *long_name = xasprintf("name: '%0254d'", 0);
    expect_error_with(base, long_name, "must be no more than 253 bytes");
    expect_ok(RBAC
              "kind: RoleBinding\nmetadata: {name: 'system:rb'}\n"
              "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: 'system:r'}\n");
    expect_error("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: 'system:cm'}\n",
                 "metadata.name: Invalid value: \"system:cm\": a lowercase RFC 1123 subdomain");
    expect_error(
        "apiVersion: v1\nkind: Service\nmetadata: {name: 'a.b'}\nspec: {ports: [{port: 80}]}\n",
        "metadata.name: Invalid value: \"a.b\": a lowercase RFC 1123 label");
}

static const char rb_base[] =
    RBAC "kind: RoleBinding\nmetadata: {name: rb, namespace: default}\n"
         "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\n@@";
static const char crb_base[] =
    RBAC "kind: ClusterRoleBinding\nmetadata: {name: crb}\n"
         "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: c}\n@@";

static void test_rolebinding(void **state)
{
    (void)state;
    expect_ok_with(rb_base, "subjects:\n"
                            "- {kind: User, apiGroup: rbac.authorization.k8s.io, name: alice}\n"
                            "- {kind: Group, apiGroup: rbac.authorization.k8s.io, name: devs}\n"
                            "- {kind: ServiceAccount, name: app, namespace: default}\n"
                            "- {kind: ServiceAccount, name: app}\n");
    expect_ok_with(rb_base, "");
    expect_ok(RBAC "kind: RoleBinding\nmetadata: {name: rb}\n"
                   "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "
                   "view}\n");
    static const struct {
        const char *snippet, *msg;
    } cases[] = {
        {"subjects: [{kind: Robot, name: r2}]",
         "subjects[0].kind: Unsupported value: \"Robot\": supported values: "
         "\"ServiceAccount\", "
         "\"User\", \"Group\""},
        {"subjects: [{kind: User}]", "subjects[0].name: Required value"},
        {"subjects: [{kind: User, name: bob, apiGroup: example.com}]",
         "subjects[0].apiGroup: Unsupported value: \"example.com\": supported values: "
         "\"rbac.authorization.k8s.io\""},
        {"subjects: [{kind: ServiceAccount, name: app, apiGroup: rbac.authorization.k8s.io}]",
         "subjects[0].apiGroup: Unsupported value: \"rbac.authorization.k8s.io\": supported "
         "values: \"\""},
        {"subjects: [{kind: ServiceAccount, name: App_1}]",
         "subjects[0].name: Invalid value: \"App_1\""},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
        expect_error_with(rb_base, cases[i].snippet, cases[i].msg);
    static const char ref[] = RBAC "kind: RoleBinding\nmetadata: {name: rb}\nroleRef: {@@}\n";
    expect_error_with(ref, "apiGroup: example.com, kind: Role, name: r",
                      "roleRef.apiGroup: Unsupported value: \"example.com\": supported values: "
                      "\"rbac.authorization.k8s.io\"");
    expect_error_with(ref, "apiGroup: rbac.authorization.k8s.io, kind: Pod, name: r",
                      "roleRef.kind: Unsupported value: \"Pod\": supported values: \"Role\", "
                      "\"ClusterRole\"");
    expect_error_with(ref, "apiGroup: rbac.authorization.k8s.io, kind: Role",
                      "roleRef.name: Required value");
    expect_error_with(ref, "apiGroup: rbac.authorization.k8s.io, kind: Role, name: a/b",
                      "roleRef.name: Invalid value: \"a/b\": may not contain '/'");
}

static void test_clusterrolebinding(void **state)
{
    (void)state;
    expect_ok_with(crb_base,
                   "subjects:\n"
                   "- {kind: Group, apiGroup: rbac.authorization.k8s.io, name: devs}\n"
                   "- {kind: ServiceAccount, name: app, namespace: kube-system}\n");
    expect_error_with(crb_base, "subjects: [{kind: ServiceAccount, name: app}]",
                      "subjects[0].namespace: Required value");
    expect_error(
        RBAC "kind: ClusterRoleBinding\nmetadata: {name: crb}\n"
             "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\n",
        "roleRef.kind: Unsupported value: \"Role\": supported values: \"ClusterRole\"");
}

/* A binding's roleRef never changes; its subjects may. */
static void test_rolebinding_update(void **state)
{
    (void)state;
    _cleanup_free_ char *old = with(rb_base, "subjects: [{kind: ServiceAccount, name: a}]\n");
    _cleanup_free_ char *more = with(rb_base, "subjects: [{kind: ServiceAccount, name: b}]\n");
    expect_update(old, more, NULL);
    static const char ref[] =
        RBAC "kind: RoleBinding\nmetadata: {name: rb, namespace: "
             "default}\nroleRef: {apiGroup: rbac.authorization.k8s.io, @@}\n";
    _cleanup_free_ char *role = with(ref, "kind: ClusterRole, name: r");
    expect_update(old, role,
                  "roleRef: Invalid value: {\"apiGroup\":\"rbac.authorization.k8s.io\","
                  "\"kind\":\"ClusterRole\",\"name\":\"r\"}: cannot change roleRef");
    _cleanup_free_ char *name = with(ref, "kind: Role, name: r2");
    expect_update(old, name, "roleRef: Invalid value: ");
    expect_update(old, name, "cannot change roleRef");
    _cleanup_free_ char *crb_old = with(crb_base, "");
    expect_update(crb_old,
                  RBAC "kind: ClusterRoleBinding\nmetadata: {name: crb}\nroleRef: {apiGroup: "
                       "rbac.authorization.k8s.io, kind: ClusterRole, name: admin}\n",
                  "cannot change roleRef");
}

/* Every manifest of examples/ (the README's and the docs') is valid as
 * the API server takes it, defaults first, with no unknown field. Run from
 * the repository's root, as tests/run.sh runs the unit tests. */
static void test_examples(void **state)
{
    (void)state;
    DIR *d = opendir("examples");
    if (!d)
        skip();
    struct dirent *e;
    int seen = 0;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".yaml"))
            continue;
        _cleanup_free_ char *path = xasprintf("examples/%s", e->d_name), *text = NULL;
        size_t n;
        mk_err err = {0};
        json_object *docs = NULL;
        if (mk_read_file(path, 1 << 20, &text, &n, &err) < 0 ||
            codec_decode_all(text, n, &docs, &err) < 0)
            fail_msg("%s: %s", path, err.msg);
        for (size_t i = 0; i < json_object_array_length(docs); i++) {
            json_object *o = json_object_array_get_idx(docs, i);
            const mk_kind *k = NULL;
            mk_warnings warn = {0};
            if (validate_kind_of(o, &k, &err) < 0)
                fail_msg("%s: %s", path, err.msg);
            defaults_apply(k, o);
            if (validate_object(k, o, &warn, &err) < 0 || warn.n)
                fail_msg("%s, document %zu: %s%s", path, i + 1, err.msg,
                         warn.n ? warn.path[0] : "");
            seen++;
        }
        json_object_put(docs);
    }
    closedir(d);
    assert_true(seen > 20);
}

/* Kubernetes' defaults of the policy kinds: a LimitRange item's default
 * limit and request, a NetworkPolicy's policyTypes and port protocol, a
 * Namespace's name label. */
static void test_policy_defaults(void **state)
{
    (void)state;
    json_object *o = decode("apiVersion: v1\nkind: LimitRange\nmetadata: {name: l}\nspec:\n"
                            "  limits:\n  - {type: Container, max: {cpu: '2'}, min: {memory: "
                            "1Mi}}\n  - {type: Pod, max: {cpu: '4'}}\n");
    defaults_apply(kind_by_kind("LimitRange"), o);
    assert_string_equal(mk_json_str(o, "spec.limits.0.default.cpu") ?: "", "2");
    assert_string_equal(mk_json_str(o, "spec.limits.0.defaultRequest.cpu") ?: "", "2");
    assert_string_equal(mk_json_str(o, "spec.limits.0.defaultRequest.memory") ?: "", "1Mi");
    assert_null(mk_json_path(o, "spec.limits.1.default"));
    json_object_put(o);
    o = decode("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: n}\n"
               "spec:\n  podSelector: {}\n  egress: [{ports: [{port: 53}]}]\n");
    defaults_apply(kind_by_kind("NetworkPolicy"), o);
    assert_string_equal(json_object_to_json_string(mk_json_path(o, "spec.policyTypes")),
                        "[ \"Ingress\", \"Egress\" ]");
    assert_string_equal(mk_json_str(o, "spec.egress.0.ports.0.protocol") ?: "", "TCP");
    json_object_put(o);
    o = decode("apiVersion: v1\nkind: Namespace\nmetadata: {name: team, labels: "
               "{kubernetes.io/metadata.name: other}}\n");
    defaults_apply(kind_by_kind("Namespace"), o);
    json_object *label = NULL;
    assert_true(json_object_object_get_ex(mk_json_path(o, "metadata.labels"),
                                          "kubernetes.io/metadata.name", &label));
    assert_string_equal(json_object_get_string(label), "team");
    json_object_put(o);
}

/* kubectl create rolebinding --user sends subjects and a roleRef without
 * an apiGroup: the defaults give them the RBAC group, not a refusal. */
static void test_rbac_defaults(void **state)
{
    (void)state;
    json_object *o = decode(RBAC "kind: RoleBinding\nmetadata: {name: rb}\n"
                                 "roleRef: {kind: Role, name: r}\nsubjects:\n"
                                 "- {kind: User, name: alice}\n- {kind: Group, name: devs, "
                                 "apiGroup: ''}\n- {kind: ServiceAccount, name: app}\n");
    const mk_kind *k = kind_by_kind("RoleBinding");
    defaults_apply(k, o);
    assert_string_equal(mk_json_str(o, "roleRef.apiGroup") ?: "", "rbac.authorization.k8s.io");
    assert_string_equal(mk_json_str(o, "subjects.0.apiGroup") ?: "",
                        "rbac.authorization.k8s.io");
    assert_string_equal(mk_json_str(o, "subjects.1.apiGroup") ?: "",
                        "rbac.authorization.k8s.io");
    assert_null(mk_json_path(o, "subjects.2.apiGroup"));
    mk_err err = {0};
    mk_warnings warn = {0};
    if (validate_object(k, o, &warn, &err) < 0)
        fail_msg("defaulted binding refused: %s", err.msg);
    json_object_put(o);
    /* without the defaults, a User of no group is refused */
    expect_error_with(rb_base, "subjects: [{kind: User, name: alice}]",
                      "subjects[0].apiGroup: Required value");
}

/* ---- Pod ---- */

static const char full_pod[] =
    "apiVersion: v1\n"
    "kind: Pod\n"
    "metadata:\n"
    "  name: web\n"
    "  namespace: default\n"
    "  labels: {app: web, app.kubernetes.io/name: shop, empty: ''}\n"
    "  annotations: {example.com/note: 'anything at all'}\n"
    "  uid: 0d4a6b9e-1111-2222-3333-444455556666\n"
    "  resourceVersion: '42'\n"
    "  generation: 1\n"
    "  creationTimestamp: '2026-11-27T01:15:10Z'\n"
    "  ownerReferences:\n"
    "  - {apiVersion: apps/v1, kind: ReplicaSet, name: web, uid: abc, controller: true,\n"
    "     blockOwnerDeletion: true}\n"
    "  finalizers: [example.com/keep]\n"
    "  managedFields: [{manager: kubectl}]\n"
    "spec:\n"
    "  initContainers:\n"
    "  - name: init\n"
    "    image: busybox\n"
    "    command: [sh, -c, 'echo init > /data/x']\n"
    "    volumeMounts: [{name: data, mountPath: /data}]\n"
    "  containers:\n"
    "  - name: app\n"
    "    image: nginx:1.25\n"
    "    imagePullPolicy: IfNotPresent\n"
    "    command: [nginx]\n"
    "    args: [-g, 'daemon off;']\n"
    "    workingDir: /srv\n"
    "    env:\n"
    "    - {name: MODE, value: prod}\n"
    "    - name: CFG\n"
    "      valueFrom: {configMapKeyRef: {name: cfg, key: mode}}\n"
    "    - name: POD_IP\n"
    "      valueFrom: {fieldRef: {fieldPath: status.podIP}}\n"
    "    envFrom: [{configMapRef: {name: cfg}}, {secretRef: {name: creds}, prefix: S_}]\n"
    "    ports:\n"
    "    - {name: http, containerPort: 80, protocol: TCP}\n"
    "    - {containerPort: 53, hostPort: 5353, protocol: UDP}\n"
    "    resources:\n"
    "      limits: {cpu: 500m, memory: 128Mi}\n"
    "      requests: {cpu: '0.25', memory: 64Mi}\n"
    "    volumeMounts:\n"
    "    - {name: data, mountPath: /usr/share/nginx/html, readOnly: true}\n"
    "    - {name: cfg, mountPath: /etc/cfg, subPath: conf.d}\n"
    "    - {name: creds, mountPath: /etc/creds}\n"
    "    - {name: host, mountPath: /host}\n"
    "    livenessProbe:\n"
    "      httpGet: {path: /healthz, port: 80}\n"
    "      initialDelaySeconds: 3\n"
    "      periodSeconds: 10\n"
    "      timeoutSeconds: 1\n"
    "      failureThreshold: 3\n"
    "      successThreshold: 1\n"
    "    readinessProbe:\n"
    "      tcpSocket: {port: http}\n"
    "    startupProbe:\n"
    "      exec: {command: [cat, /tmp/ready]}\n"
    "    lifecycle: {preStop: {exec: {command: [sleep, '1']}}}\n"
    "    securityContext: {runAsUser: 1000}\n"
    "    stdin: true\n"
    "    tty: true\n"
    "    terminationMessagePolicy: FallbackToLogsOnError\n"
    "  - name: sidecar\n"
    "    image: busybox\n"
    "    command: [sleep, infinity]\n"
    "    resources: {limits: {cpu: 1, memory: 1e6}}\n"
    "  volumes:\n"
    "  - name: data\n"
    "    emptyDir: {medium: Memory, sizeLimit: 64Mi}\n"
    "  - name: cfg\n"
    "    configMap:\n"
    "      name: cfg\n"
    "      items: [{key: a, path: conf.d/a.conf, mode: 0o644}]\n"
    "      defaultMode: 420\n"
    "  - name: creds\n"
    "    secret: {secretName: creds, defaultMode: 256, optional: true}\n"
    "  - name: host\n"
    "    hostPath: {path: /var/log, type: Directory}\n"
    "  nodeSelector: {disktype: ssd}\n"
    "  nodeName: node-1\n"
    "  restartPolicy: Always\n"
    "  terminationGracePeriodSeconds: 30\n"
    "  hostNetwork: false\n"
    "  serviceAccountName: default\n"
    "  dnsPolicy: ClusterFirst\n"
    "  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {}}}\n"
    "  tolerations: [{key: k, operator: Exists, effect: NoSchedule}]\n"
    "status:\n"
    "  phase: Running\n"
    "  anything: [goes, here]\n";

static const char pod_base[] = "apiVersion: v1\n"
                               "kind: Pod\n"
                               "metadata: {name: web}\n"
                               "spec:\n"
                               "  volumes: [{name: data, emptyDir: {}}]\n"
                               "  containers:\n"
                               "  - name: app\n"
                               "    image: busybox\n"
                               "@@";

static void test_pod_good(void **state)
{
    expect_ok(full_pod);
    expect_ok_with(pod_base, "");
    /* an upstream-style minimal manifest in JSON */
    expect_ok("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},"
              "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}");
    expect_ok_with(pod_base, "    ports: [{containerPort: 65535}]\n");
    expect_ok_with(pod_base, "    resources: {requests: {cpu: 100m}}\n");
    expect_ok_with(pod_base, "    readinessProbe: {httpGet: {port: 8080}, periodSeconds: 0}\n");
}

static void test_pod_bad(void **state)
{
    static const struct {
        const char *snippet, *msg;
    } cases[] = {
        {"    ports: [{containerPort: 0}]\n",
         "spec.containers[0].ports[0].containerPort: Invalid value: 0: must be between 1 and "
         "65535, inclusive"},
        {"    ports: [{containerPort: 70000}]\n", "containerPort: Invalid value: 70000"},
        {"    ports: [{name: http}]\n",
         "spec.containers[0].ports[0].containerPort: Required value"},
        {"    ports: [{containerPort: 80, protocol: tcp}]\n",
         "spec.containers[0].ports[0].protocol: Unsupported value: \"tcp\": supported values: "
         "\"TCP\", \"UDP\", \"SCTP\""},
        {"    ports: [{containerPort: 80, name: Web_Port}]\n",
         "spec.containers[0].ports[0].name: Invalid value: \"Web_Port\""},
        {"    ports: [{containerPort: '80'}]\n",
         "spec.containers[0].ports[0].containerPort: Invalid value: \"80\": must be a 32-bit "
         "integer"},
        {"    resources: {limits: {cpu: 1.2.3}}\n",
         "spec.containers[0].resources.limits.cpu: Invalid value: \"1.2.3\""},
        {"    resources: {limits: {memory: 12 Mi}}\n",
         "spec.containers[0].resources.limits.memory: Invalid value: \"12 Mi\""},
        {"    resources: {limits: {cpu: '-1'}}\n",
         "spec.containers[0].resources.limits.cpu: Invalid value: \"-1\": must be greater than "
         "or equal to 0"},
        {"    resources: {limits: {cpu: 1}, requests: {cpu: 2}}\n",
         "spec.containers[0].resources.requests: Invalid value: \"2\": must be less than or "
         "equal to cpu limit of 1"},
        {"    volumeMounts: [{name: nope, mountPath: /x}]\n",
         "spec.containers[0].volumeMounts[0].name: Not found: \"nope\""},
        {"    volumeMounts: [{name: data}]\n",
         "spec.containers[0].volumeMounts[0].mountPath: Required value"},
        {"    volumeMounts: [{name: data, mountPath: /x, subPath: ../etc}]\n",
         "spec.containers[0].volumeMounts[0].subPath: Invalid value: \"../etc\""},
        {"    imagePullPolicy: Sometimes\n",
         "spec.containers[0].imagePullPolicy: Unsupported value: \"Sometimes\""},
        {"    livenessProbe: {periodSeconds: 5}\n",
         "spec.containers[0].livenessProbe: Required value: must specify a handler type"},
        {"    livenessProbe: {exec: {command: [x]}, tcpSocket: {port: 1}}\n",
         "spec.containers[0].livenessProbe: Forbidden: may not specify more than 1 handler "
         "type"},
        {"    livenessProbe: {tcpSocket: {port: 0}}\n",
         "spec.containers[0].livenessProbe.tcpSocket.port: Invalid value: 0"},
        {"    env: [{value: x}]\n", "spec.containers[0].env[0].name: Required value"},
        {"    env: [{name: 1X}]\n", "spec.containers[0].env[0].name: Invalid value: \"1X\""},
        {"    command: sh\n",
         "spec.containers[0].command: Invalid value: \"sh\": must be a list"},
        {"    stdin: yes\n",
         "spec.containers[0].stdin: Invalid value: \"yes\": must be a boolean"},
        {"  - name: app\n    image: nginx\n",
         "spec.containers[1].name: Duplicate value: \"app\""},
        {"  - name: Bad_Name\n    image: nginx\n",
         "spec.containers[1].name: Invalid value: \"Bad_Name\""},
        {"  - name: second\n", "spec.containers[1].image: Required value"},
        {"  - image: nginx\n", "spec.containers[1].name: Required value"},
        {"  restartPolicy: Sometimes\n",
         "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", "
         "\"OnFailure\", \"Never\""},
        {"  nodeSelector: {'bad key': x}\n", "spec.nodeSelector: Invalid value: \"bad key\""},
        {"  nodeName: Node_1\n", "spec.nodeName: Invalid value: \"Node_1\""},
        {"  terminationGracePeriodSeconds: -1\n",
         "spec.terminationGracePeriodSeconds: Invalid value: -1"},
        {"  dnsPolicy: Google\n", "spec.dnsPolicy: Unsupported value"},
        {"  schedulingGates: [{name: a}, {name: a}]\n",
         "spec.schedulingGates[1].name: Duplicate value: \"a\""},
        {"  schedulingGates: [{}]\n", "spec.schedulingGates[0].name: Required value"},
        {"  readinessGates: [{}]\n", "spec.readinessGates[0].conditionType: Required value"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
        expect_error_with(pod_base, cases[i].snippet, cases[i].msg);

    expect_error("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec: {containers: []}\n",
                 "spec.containers: Required value");
    expect_error("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\n", "spec: Required value");
    expect_error("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n"
                 "  containers: [{name: a, image: b}]\n"
                 "  volumes: [{name: v}]\n",
                 "spec.volumes[0]: Required value: must specify a volume type");
    expect_error("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n"
                 "  containers: [{name: a, image: b}]\n"
                 "  volumes: [{name: v, emptyDir: {}, hostPath: {path: /x}}]\n",
                 "spec.volumes[0]: Forbidden: may not specify more than 1 volume type");
    expect_error("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n"
                 "  containers: [{name: a, image: b}]\n"
                 "  volumes: [{name: v, hostPath: {path: relative}}]\n",
                 "spec.volumes[0].hostPath.path: Invalid value: \"relative\"");
    expect_error("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n"
                 "  containers: [{name: a, image: b}]\n"
                 "  volumes: [{name: v, nfs: {server: s, path: /x}}]\n",
                 "spec.volumes[0].nfs: Forbidden");
    expect_error("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n"
                 "  containers: [{name: a, image: b}]\n"
                 "  volumes: [{name: v, persistentVolumeClaim: {readOnly: true}}]\n",
                 "spec.volumes[0].persistentVolumeClaim.claimName: Required value");
    expect_error("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n"
                 "  containers: [{name: a, image: b}]\n"
                 "  volumes: [{name: v, projected: {sources: [{configMap: {name: c}},"
                 " {serviceAccountToken: {path: token, expirationSeconds: 60}}]}}]\n",
                 "spec.volumes[0].projected.sources[1].serviceAccountToken.expirationSeconds: "
                 "Invalid value: 60: may not specify a duration less than 10 minutes");
    expect_error(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n"
        "  containers: [{name: a, image: b}]\n"
        "  volumes: [{name: v, projected: {sources: [{serviceAccountToken: {}}]}}]\n",
        "spec.volumes[0].projected.sources[0].serviceAccountToken.path: Required value");
    expect_error(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n"
        "  containers: [{name: a, image: b}]\n"
        "  volumes: [{name: v, projected: {sources: [{clusterTrustBundle: {path: b}}]}}]\n",
        "spec.volumes[0].projected.sources[0].clusterTrustBundle: Forbidden: not "
        "supported by minik8s");
    expect_error("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n"
                 "  containers: [{name: a, image: b}]\n"
                 "  volumes: [{name: v, downwardAPI: {items: [{path: ../x, fieldRef: "
                 "{fieldPath: metadata.name}}]}}]\n",
                 "spec.volumes[0].downwardAPI.items[0].path: Invalid value: \"../x\"");
    expect_error("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n"
                 "  hostNetwork: true\n  containers: [{name: a, image: b}]\n",
                 "spec.hostNetwork: Forbidden: not supported by minik8s");
    expect_ok(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n"
        "  containers: [{name: a, image: b}]\n"
        "  volumes: [{name: kube-api-access-x2b4c, projected: {defaultMode: 420, sources: ["
        "{serviceAccountToken: {expirationSeconds: 3607, path: token}}, {configMap: {name: "
        "kube-root-ca.crt, items: [{key: ca.crt, path: ca.crt}]}}, {downwardAPI: {items: "
        "[{path: namespace, fieldRef: {apiVersion: v1, fieldPath: "
        "metadata.namespace}}]}}]}}]\n");
    expect_ok(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n"
        "  containers: [{name: a, image: b}]\n  volumes:\n"
        "  - {name: v, downwardAPI: {items: [{path: l, fieldRef: {fieldPath: "
        "metadata.labels}}]}}\n"
        "  - {name: w, projected: {sources: [{secret: {name: s}}, {downwardAPI: {items:"
        " [{path: m, resourceFieldRef: {containerName: a, resource: limits.memory}}]}}]}}\n");
    expect_error("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n"
                 "  containers: [{name: a, image: b}]\n"
                 "  volumes: [{name: v, configMap: {}}]\n",
                 "spec.volumes[0].configMap.name: Required value");
    expect_error("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n"
                 "  containers: [{name: a, image: b}]\n"
                 "  volumes: [{name: v, emptyDir: {}}, {name: v, emptyDir: {}}]\n",
                 "spec.volumes[1].name: Duplicate value: \"v\"");
}

static void test_metadata(void **state)
{
    static const char base[] = "apiVersion: v1\nkind: ConfigMap\n@@data: {a: b}\n";
    expect_ok_with(base, "metadata: {name: cfg}\n");
    expect_ok_with(base, "metadata: {generateName: cfg-}\n");
    expect_error_with(base, "", "metadata.name: Required value");
    expect_error_with(base, "metadata: {labels: {a: b}}\n", "metadata.name: Required value");
    expect_error_with(
        base, "metadata: {name: My.Config}\n",
        "metadata.name: Invalid value: \"My.Config\": a lowercase RFC 1123 subdomain");
    /* Kubernetes' own names of data objects have dots. */
    expect_ok_with(base, "metadata: {name: kube-root-ca.crt}\n");
    expect_ok("apiVersion: v1\nkind: Secret\nmetadata: {name: sh.helm.release.v1.web.v1}\n");
    expect_error_with(base, "metadata: {name: cfg, namespace: Default}\n",
                      "metadata.namespace: Invalid value: \"Default\"");
    expect_error_with(base, "metadata: {name: cfg, labels: {'-bad': x}}\n",
                      "metadata.labels: Invalid value: \"-bad\"");
    expect_error_with(base, "metadata: {name: cfg, labels: {ok: 'not ok'}}\n",
                      "metadata.labels.ok: Invalid value: \"not ok\"");
    expect_error_with(base, "metadata: {name: cfg, labels: {ok: 1}}\n",
                      "metadata.labels.ok: Invalid value: 1: must be a string");
    expect_error_with(base,
                      "metadata: {name: cfg, labels: {ok: "
                      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}}\n",
                      "must be no more than 63 characters");
    expect_error_with(base, "metadata: {name: cfg, annotations: {a: 1}}\n",
                      "metadata.annotations.a: Invalid value: 1: must be a string");
    expect_error_with(base, "metadata: {name: cfg, ownerReferences: [{kind: X}]}\n",
                      "metadata.ownerReferences[0].apiVersion: Required value");
    expect_error_with(base, "metadata: {name: cfg, uid: 5}\n",
                      "metadata.uid: Invalid value: 5");
    expect_error_with(base, "metadata: [cfg]\n", "metadata: Invalid value: [\"cfg\"]");
    /* a namespace on a cluster-scoped kind is ignored (the server drops it) */
    expect_ok("apiVersion: v1\nkind: Node\nmetadata: {name: n1, namespace: default}\n");
}

static void test_kind_of(void **state)
{
    expect_error("apiVersion: v1\nmetadata: {name: x}\n", "kind: Required value");
    expect_error("kind: Pod\nmetadata: {name: x}\n", "apiVersion: Required value");
    expect_error("apiVersion: v1\nkind: ReplicationController\nmetadata: {name: x}\n",
                 "kind: Unsupported value: \"ReplicationController\"");
    expect_error("apiVersion: v1\nkind: StatefulSet\nmetadata: {name: x}\n",
                 "apiVersion: Unsupported value: \"v1\": supported values: \"apps/v1\"");
    expect_error("apiVersion: v1\nkind: Deployment\nmetadata: {name: x}\n",
                 "apiVersion: Unsupported value: \"v1\": supported values: \"apps/v1\"");
    expect_error("apiVersion: v1\nkind: ReplicaSet\nmetadata: {name: x}\n",
                 "apiVersion: Unsupported value: \"v1\": supported values: \"apps/v1\"");
    json_object *o = decode("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n");
    const mk_kind *k = NULL;
    assert_int_equal(validate_kind_of(o, &k, NULL), 0);
    assert_string_equal(k->kind, "HorizontalPodAutoscaler");
    json_object_put(o);
    /* validate_object refuses an object of another kind */
    o = decode("apiVersion: v1\nkind: Service\nmetadata: {name: x}\n");
    mk_err err = {0};
    assert_int_equal(validate_object(kind_by_kind("Pod"), o, NULL, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "kind: Invalid value: \"Service\": must be Pod"));
    json_object_put(o);
}

static void test_unknown_fields_warn(void **state)
{
    _cleanup_free_ char *text = with(pod_base, "    imagee: typo\n"
                                               "    resources: {limitz: {}}\n"
                                               "  volumes2: []\n");
    char *t2 = xasprintf("%sextra: 1\nstatus: {whatever: {deep: 1}}\n", text);
    mk_warnings warn = {0};
    mk_err err = {0};
    assert_int_equal(check(t2, &warn, &err), 0);
    assert_int_equal(warn.n, 4);
    assert_string_equal(warn.path[0], "spec.containers[0].imagee");
    assert_string_equal(warn.path[1], "spec.containers[0].resources.limitz");
    assert_string_equal(warn.path[2], "spec.volumes2");
    assert_string_equal(warn.path[3], "extra");
    free(t2);

    /* more than fit: counted as dropped */
    mk_buf b = {0};
    mk_buf_puts(&b, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");
    for (int i = 0; i < MK_MAX_WARNINGS + 5; i++)
        mk_buf_printf(&b, "x%d: 1\n", i);
    memset(&warn, 0, sizeof warn);
    assert_int_equal(check(b.data, &warn, &err), 0);
    assert_int_equal(warn.n, MK_MAX_WARNINGS);
    assert_int_equal(warn.dropped, 5);
    mk_buf_free(&b);
    /* status must be an object */
    expect_error("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
                 "spec: {containers: [{name: a, image: b}]}\nstatus: Running\n",
                 "status: Invalid value: \"Running\": must be an object");
}

/* ---- the other core kinds ---- */

static void test_namespace_node(void **state)
{
    expect_ok("apiVersion: v1\nkind: Namespace\nmetadata: {name: team-a}\n"
              "spec: {finalizers: [kubernetes]}\nstatus: {phase: Active}\n");
    expect_ok("apiVersion: v1\nkind: Node\n"
              "metadata: {name: node-1, labels: {kubernetes.io/hostname: node-1}}\n"
              "spec:\n"
              "  podCIDR: 10.244.1.0/24\n"
              "  podCIDRs: [10.244.1.0/24]\n"
              "  unschedulable: false\n"
              "  taints: [{key: gpu, value: 'true', effect: NoSchedule}]\n"
              "status:\n"
              "  capacity: {cpu: '2', memory: 4Gi, pods: '110'}\n"
              "  conditions: [{type: Ready, status: 'True'}]\n"
              "  addresses: [{type: InternalIP, address: 10.0.0.1}]\n");
    expect_error(
        "apiVersion: v1\nkind: Node\nmetadata: {name: n}\nspec: {podCIDR: 10.244.1.0}\n",
        "spec.podCIDR: Invalid value: \"10.244.1.0\"");
    expect_error("apiVersion: v1\nkind: Node\nmetadata: {name: n}\n"
                 "spec: {taints: [{key: a, effect: Sometimes}]}\n",
                 "spec.taints[0].effect: Unsupported value: \"Sometimes\"");
    expect_error("apiVersion: v1\nkind: Namespace\nmetadata: {name: Team}\n",
                 "metadata.name: Invalid value: \"Team\"");
}

static const char svc_base[] =
    "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n@@";

static void test_service(void **state)
{
    expect_ok_with(svc_base, "  selector: {app: web}\n"
                             "  ports:\n"
                             "  - {name: http, port: 80, targetPort: 8080, protocol: TCP}\n"
                             "  - {name: metrics, port: 9090, targetPort: metrics}\n"
                             "  clusterIP: 10.96.0.10\n"
                             "  sessionAffinity: None\n");
    expect_ok_with(svc_base, "  type: NodePort\n"
                             "  ports: [{port: 80, nodePort: 30080}]\n");
    expect_ok_with(svc_base, "  clusterIP: None\n  selector: {app: db}\n");
    expect_error_with(svc_base, "  selector: {app: web}\n", "spec.ports: Required value");
    expect_error_with(svc_base, "  ports: [{port: 0}]\n",
                      "spec.ports[0].port: Invalid value: 0");
    expect_error_with(svc_base, "  ports: [{targetPort: 80}]\n",
                      "spec.ports[0].port: Required value");
    expect_error_with(svc_base, "  ports: [{port: 80}, {port: 81}]\n",
                      "spec.ports[0].name: Required value");
    expect_error_with(svc_base, "  ports: [{name: a, port: 80}, {name: a, port: 81}]\n",
                      "spec.ports[1].name: Duplicate value: \"a\"");
    expect_error_with(svc_base, "  ports: [{port: 80, targetPort: 0}]\n",
                      "spec.ports[0].targetPort: Invalid value: 0");
    expect_error_with(svc_base, "  ports: [{port: 80, protocol: HTTP}]\n",
                      "spec.ports[0].protocol: Unsupported value: \"HTTP\"");
    expect_error_with(svc_base, "  type: LoadBalancer\n  ports: [{port: 80}]\n",
                      "spec.type: Unsupported value: \"LoadBalancer\": supported values: "
                      "\"ClusterIP\", \"NodePort\"");
    expect_error_with(svc_base, "  ports: [{port: 80, nodePort: 30000}]\n",
                      "spec.ports[0].nodePort: Forbidden: may not be used when `type` is "
                      "'ClusterIP'");
    expect_error_with(svc_base, "  clusterIP: 10.96.0.300\n  ports: [{port: 80}]\n",
                      "spec.clusterIP: Invalid value: \"10.96.0.300\"");
    expect_error_with(svc_base, "  selector: {app: 'a b'}\n  ports: [{port: 80}]\n",
                      "spec.selector.app: Invalid value: \"a b\"");
    expect_error("apiVersion: v1\nkind: Service\nmetadata: {name: web}\n",
                 "spec: Required value");
}

static void test_endpoints(void **state)
{
    expect_ok("apiVersion: v1\nkind: Endpoints\nmetadata: {name: web}\n"
              "subsets:\n"
              "- addresses:\n"
              "  - {ip: 10.244.1.5, nodeName: node-1,\n"
              "     targetRef: {kind: Pod, name: web-abcde, namespace: default, uid: u}}\n"
              "  notReadyAddresses: [{ip: 10.244.1.6}]\n"
              "  ports: [{name: http, port: 8080, protocol: TCP}]\n");
    expect_error("apiVersion: v1\nkind: Endpoints\nmetadata: {name: web}\n"
                 "subsets: [{addresses: [{ip: not-an-ip}]}]\n",
                 "subsets[0].addresses[0].ip: Invalid value: \"not-an-ip\"");
    expect_error("apiVersion: v1\nkind: Endpoints\nmetadata: {name: web}\n"
                 "subsets: [{ports: [{port: 99999}]}]\n",
                 "subsets[0].ports[0].port: Invalid value: 99999");
}

static void test_configmap_secret(void **state)
{
    expect_ok("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\n"
              "data:\n  app.conf: |\n    a=1\n  KEY_NAME: v\n"
              "binaryData: {blob: aGVsbG8=}\nimmutable: false\n");
    expect_ok("apiVersion: v1\nkind: Secret\nmetadata: {name: creds}\ntype: Opaque\n"
              "data: {username: YWRtaW4=, password: cGFzc3dvcmQ=, empty: ''}\n"
              "stringData: {host: example.org, username: override}\n");
    expect_error("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {n: 1}\n",
                 "data.n: Invalid value: 1: must be a string");
    expect_error("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {'a/b': x}\n",
                 "data[a/b]: Invalid value: \"a/b\": a valid config key");
    expect_error("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {..: x}\n",
                 "data[..]: Invalid value");
    expect_error("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\n"
                 "data: {a: x}\nbinaryData: {a: eA==}\n",
                 "binaryData[a]: Invalid value: \"a\": duplicate of key present in data");
    expect_error(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {password: hunter2}\n",
        "data[password]: Invalid value: \"<secret contents redacted>\": illegal base64 "
        "data at input byte");
    /* the secret never appears in the message */
    mk_err err = {0};
    check("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {password: hunter2}\n",
          NULL, &err);
    assert_null(strstr(err.msg, "hunter2"));
    expect_error("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {p: 'YQ=='}\n"
                 "stringData: {q: 1}\n",
                 "stringData.q: Invalid value: 1: must be a string");
    expect_error("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {p: 'YQ='}\n",
                 "data[p]: Invalid value");
}

/* ---- ReplicaSet, HPA, Ingress ---- */

static const char rs_base[] = "apiVersion: apps/v1\n"
                              "kind: ReplicaSet\n"
                              "metadata: {name: web, labels: {app: web}}\n"
                              "spec:\n"
                              "@@"
                              "  template:\n"
                              "    metadata: {labels: {app: web, tier: front}}\n"
                              "    spec:\n"
                              "      containers: [{name: web, image: nginx}]\n";

static const char sts_base[] = "apiVersion: apps/v1\n"
                               "kind: StatefulSet\n"
                               "metadata: {name: web}\n"
                               "spec:\n"
                               "  serviceName: web\n"
                               "  selector: {matchLabels: {app: web}}\n"
                               "@@"
                               "  template:\n"
                               "    metadata: {labels: {app: web}}\n"
                               "    spec:\n"
                               "      containers: [{name: web, image: nginx}]\n";

/* A set whose containers mount "www"; @@ is the set's own spec fields. */
static const char sts_claims[] =
    "apiVersion: apps/v1\n"
    "kind: StatefulSet\n"
    "metadata: {name: web}\n"
    "spec:\n"
    "  selector: {matchLabels: {app: web}}\n"
    "  template:\n"
    "    metadata: {labels: {app: web}}\n"
    "    spec:\n"
    "      volumes: [{name: tmp, emptyDir: {}}]\n"
    "      containers:\n"
    "      - name: web\n"
    "        image: nginx\n"
    "        volumeMounts: [{name: www, mountPath: /data}, {name: tmp, mountPath: /tmp}]\n"
    "@@";

#define CLAIM(name, spec) "  - metadata: {name: " name "}\n    spec: " spec "\n"
#define RWO_1GI           "{accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}"

static void test_statefulset_claims(void **state)
{
    (void)state;
    expect_ok_with(sts_claims, "  volumeClaimTemplates:\n" CLAIM("www", RWO_1GI));
    expect_ok_with(sts_claims,
                   "  volumeClaimTemplates:\n" CLAIM("www", RWO_1GI) CLAIM("logs", RWO_1GI));
    /* A mount must name a pod volume or a claim template. */
    expect_error_with(sts_claims, "",
                      "spec.template.spec.containers[0].volumeMounts[0].name: Not found: "
                      "\"www\"");
    expect_error_with(sts_claims, "  volumeClaimTemplates:\n" CLAIM("data", RWO_1GI),
                      "volumeMounts[0].name: Not found: \"www\"");
    expect_error_with(sts_claims, "  volumeClaimTemplates:\n  - spec: " RWO_1GI "\n",
                      "spec.volumeClaimTemplates[0].metadata.name: Required value");
    expect_error_with(sts_claims, "  volumeClaimTemplates:\n" CLAIM("WWW", RWO_1GI),
                      "spec.volumeClaimTemplates[0].metadata.name: Invalid value: \"WWW\"");
    expect_error_with(sts_claims,
                      "  volumeClaimTemplates:\n" CLAIM("www", RWO_1GI) CLAIM("www", RWO_1GI),
                      "spec.volumeClaimTemplates[1].metadata.name: Duplicate value: \"www\"");
    expect_error_with(sts_claims,
                      "  volumeClaimTemplates:\n" CLAIM("www", RWO_1GI) CLAIM("tmp", RWO_1GI),
                      "spec.volumeClaimTemplates[1].metadata.name: Invalid value: \"tmp\": "
                      "must not be the name of a volume in spec.template.spec.volumes");
    expect_error_with(sts_claims,
                      "  volumeClaimTemplates:\n"
                      "  - metadata: {name: www, labels: {'-bad': x}}\n    spec: " RWO_1GI "\n",
                      "spec.volumeClaimTemplates[0].metadata.labels: Invalid value: \"-bad\"");
    expect_error_with(
        sts_claims,
        "  volumeClaimTemplates:\n" CLAIM("www", "{resources: {requests: {storage: 1Gi}}}"),
        "spec.volumeClaimTemplates[0].spec.accessModes: Required value");
    expect_error_with(
        sts_claims, "  volumeClaimTemplates:\n" CLAIM("www", "{accessModes: [ReadWriteOnce]}"),
        "spec.volumeClaimTemplates[0].spec.resources.requests.storage: Required value");
    expect_error_with(sts_claims,
                      "  volumeClaimTemplates:\n" CLAIM("www", "{accessModes: [ReadWriteOnce], "
                                                               "volumeMode: Block, resources: "
                                                               "{requests: {storage: 1Gi}}}"),
                      "spec.volumeClaimTemplates[0].spec.volumeMode");
    expect_ok_with(sts_claims,
                   "  volumeClaimTemplates:\n" CLAIM(
                       "www", RWO_1GI) "  persistentVolumeClaimRetentionPolicy:\n"
                                       "    {whenDeleted: Delete, whenScaled: Delete}\n");
    /* The templates are fixed once the set is made; the replicas are not. */
    _cleanup_free_ char *one =
        with(sts_claims, "  volumeClaimTemplates:\n" CLAIM("www", RWO_1GI));
    _cleanup_free_ char *two = with(
        sts_claims,
        "  volumeClaimTemplates:\n" CLAIM("www", "{accessModes: [ReadWriteOnce], "
                                                 "resources: {requests: {storage: 2Gi}}}"));
    _cleanup_free_ char *scaled =
        with(sts_claims, "  replicas: 5\n  volumeClaimTemplates:\n" CLAIM("www", RWO_1GI));
    expect_update(one, scaled, NULL);
    /* Each template is stored as Kubernetes stores it, a defaulted claim, and
     * the set's claims are kept (Retain) unless it says otherwise. */
    json_object *o = decode(one);
    defaults_apply(kind_by_kind("StatefulSet"), o);
    json_object *t = json_object_array_get_idx(mk_json_path(o, "spec.volumeClaimTemplates"), 0);
    assert_string_equal(mk_json_str(t, "kind") ?: "", "PersistentVolumeClaim");
    assert_string_equal(mk_json_str(t, "apiVersion") ?: "", "v1");
    assert_string_equal(mk_json_str(t, "spec.volumeMode") ?: "", "Filesystem");
    assert_string_equal(
        mk_json_str(o, "spec.persistentVolumeClaimRetentionPolicy.whenScaled") ?: "", "Retain");
    json_object_put(o);
    expect_update(one, two,
                  "spec: Forbidden: updates to statefulset spec for fields other than");
}

static void test_statefulset(void **state)
{
    (void)state;
    expect_ok_with(sts_base, "");
    expect_ok_with(sts_base, "  replicas: 3\n  podManagementPolicy: Parallel\n"
                             "  minReadySeconds: 5\n  revisionHistoryLimit: 2\n"
                             "  updateStrategy:\n    type: RollingUpdate\n"
                             "    rollingUpdate: {partition: 1, maxUnavailable: 50%}\n"
                             "  persistentVolumeClaimRetentionPolicy:\n"
                             "    {whenDeleted: Delete, whenScaled: Retain}\n"
                             "  volumeClaimTemplates: []\n");
    expect_ok_with(sts_base, "  updateStrategy: {type: OnDelete}\n");
    expect_error_with(sts_base, "  podManagementPolicy: Random\n",
                      "spec.podManagementPolicy: Unsupported value: \"Random\": supported "
                      "values: \"OrderedReady\", \"Parallel\"");
    expect_error_with(sts_base, "  updateStrategy: {type: Recreate}\n",
                      "spec.updateStrategy.type: Unsupported value: \"Recreate\"");
    expect_error_with(sts_base, "  updateStrategy: {type: OnDelete, rollingUpdate: {}}\n",
                      "spec.updateStrategy.rollingUpdate: Invalid value: {}: only allowed "
                      "for updateStrategy 'RollingUpdate'");
    expect_error_with(sts_base, "  updateStrategy: {rollingUpdate: {partition: -1}}\n",
                      "spec.updateStrategy.rollingUpdate.partition: Invalid value: -1");
    expect_error_with(sts_base, "  updateStrategy: {rollingUpdate: {maxUnavailable: 0}}\n",
                      "spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: 0: "
                      "must be greater than 0");
    expect_error_with(sts_base, "  persistentVolumeClaimRetentionPolicy: {whenScaled: Keep}\n",
                      "spec.persistentVolumeClaimRetentionPolicy.whenScaled: Unsupported "
                      "value: \"Keep\"");
    expect_error_with(sts_base, "  replicas: -1\n",
                      "spec.replicas: Invalid value: -1: must be greater than or equal to 0");
    expect_error("apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: web}\n"
                 "spec:\n  serviceName: Web\n  selector: {matchLabels: {app: web}}\n"
                 "  template:\n    metadata: {labels: {app: web}}\n"
                 "    spec: {containers: [{name: a, image: b}]}\n",
                 "spec.serviceName: Invalid value: \"Web\"");
    expect_ok_with(sts_base, "  ordinals: {start: 5}\n");
    expect_error_with(
        sts_base, "  ordinals: {start: -1}\n",
        "spec.ordinals.start: Invalid value: -1: must be greater than or equal to 0");
    expect_ok("apiVersion: apps/v1\nkind: ControllerRevision\nmetadata: {name: web-1}\n"
              "data: {spec: {template: {}}}\nrevision: 3\n");
    expect_error("apiVersion: apps/v1\nkind: ControllerRevision\nmetadata: {name: web-1}\n"
                 "revision: 3\n",
                 "data: Required value: data is mandatory");
    expect_error("apiVersion: apps/v1\nkind: ControllerRevision\nmetadata: {name: web-1}\n"
                 "data: {}\nrevision: -1\n",
                 "revision: Invalid value: -1: must be greater than or equal to 0");
    /* The selector must select the template's pods. */
    expect_error("apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: web}\n"
                 "spec:\n  selector: {matchLabels: {app: db}}\n"
                 "  template:\n    metadata: {labels: {app: web}}\n"
                 "    spec: {containers: [{name: a, image: b}]}\n",
                 "spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: "
                 "`selector` does not match template `labels`");
}

static void test_replicaset(void **state)
{
    expect_ok_with(rs_base, "  replicas: 3\n  minReadySeconds: 0\n"
                            "  selector: {matchLabels: {app: web}}\n");
    expect_ok_with(rs_base,
                   "  selector:\n"
                   "    matchExpressions: [{key: tier, operator: In, values: [front]}]\n");
    expect_error_with(rs_base, "  replicas: -1\n  selector: {matchLabels: {app: web}}\n",
                      "spec.replicas: Invalid value: -1: must be greater than or equal to 0");
    expect_error_with(rs_base, "  replicas: 2\n", "spec.selector: Required value");
    expect_error_with(rs_base, "  selector: {}\n",
                      "spec.selector: Invalid value: \"{}\": empty selector is invalid for a "
                      "ReplicaSet");
    expect_error_with(rs_base, "  selector: {matchLabels: {app: db}}\n",
                      "spec.template.metadata.labels: Invalid value: {\"app\":\"web\",\"tier\":"
                      "\"front\"}: `selector` does not match template `labels`");
    expect_error_with(
        rs_base, "  selector: {matchExpressions: [{key: a, operator: Maybe}]}\n",
        "spec.selector.matchExpressions[0].operator: Unsupported value: \"Maybe\"");
    expect_error("apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: web}\n"
                 "spec:\n  selector: {matchLabels: {app: web}}\n"
                 "  template:\n    metadata: {labels: {app: web}}\n"
                 "    spec: {restartPolicy: Never, containers: [{name: a, image: b}]}\n",
                 "spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported "
                 "values: \"Always\"");
    expect_error("apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: web}\n"
                 "spec:\n  selector: {matchLabels: {app: web}}\n"
                 "  template:\n    metadata: {labels: {app: web}}\n"
                 "    spec: {containers: [{name: a}]}\n",
                 "spec.template.spec.containers[0].image: Required value");
    expect_error("apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: web}\n"
                 "spec: {selector: {matchLabels: {app: web}}}\n",
                 "spec.template: Required value");
}

static const char hpa_base[] =
    "apiVersion: autoscaling/v2\n"
    "kind: HorizontalPodAutoscaler\n"
    "metadata: {name: web}\n"
    "spec:\n"
    "  scaleTargetRef: {apiVersion: apps/v1, kind: ReplicaSet, name: "
    "web}\n"
    "@@";

static void test_hpa(void **state)
{
    expect_ok_with(hpa_base,
                   "  minReplicas: 1\n"
                   "  maxReplicas: 10\n"
                   "  metrics:\n"
                   "  - type: Resource\n"
                   "    resource: {name: cpu, target: {type: Utilization, "
                   "averageUtilization: 50}}\n"
                   "  - type: Resource\n"
                   "    resource: {name: memory, target: {type: AverageValue, "
                   "averageValue: 100Mi}}\n"
                   "  behavior:\n"
                   "    scaleUp:\n"
                   "      stabilizationWindowSeconds: 0\n"
                   "      selectPolicy: Max\n"
                   "      policies:\n"
                   "      - {type: Pods, value: 4, periodSeconds: 15}\n"
                   "      - {type: Percent, value: 100, periodSeconds: 15}\n"
                   "    scaleDown:\n"
                   "      stabilizationWindowSeconds: 300\n"
                   "      policies: [{type: Percent, value: 100, periodSeconds: 15}]\n");
    expect_ok_with(hpa_base, "  maxReplicas: 3\n");
    static const struct {
        const char *snippet, *msg;
    } cases[] = {
        {"  minReplicas: 0\n  maxReplicas: 3\n",
         "spec.minReplicas: Invalid value: 0: must be greater than or equal to 1"},
        {"  minReplicas: 5\n  maxReplicas: 3\n",
         "spec.maxReplicas: Invalid value: 3: must be greater than or equal to `minReplicas`"},
        {"  minReplicas: 2\n", "spec.maxReplicas: Required value"},
        {"  maxReplicas: 3\n  metrics: [{type: Pods}]\n",
         "spec.metrics[0].type: Unsupported value: \"Pods\""},
        {"  maxReplicas: 3\n  metrics: [{type: Resource, resource: {name: gpu, target: {type: "
         "Utilization, averageUtilization: 5}}}]\n",
         "spec.metrics[0].resource.name: Unsupported value: \"gpu\": supported values: "
         "\"cpu\", "
         "\"memory\""},
        {"  maxReplicas: 3\n  metrics: [{type: Resource, resource: {name: cpu, target: {type: "
         "Value}}}]\n",
         "spec.metrics[0].resource.target.type: Unsupported value: \"Value\""},
        {"  maxReplicas: 3\n  metrics: [{type: Resource, resource: {name: cpu, target: {type: "
         "Utilization}}}]\n",
         "spec.metrics[0].resource.target.averageUtilization: Required value"},
        {"  maxReplicas: 3\n  metrics: [{type: Resource, resource: {name: cpu, target: {type: "
         "AverageValue, averageValue: lots}}}]\n",
         "spec.metrics[0].resource.target.averageValue: Invalid value: \"lots\""},
        {"  maxReplicas: 3\n  behavior: {scaleUp: {stabilizationWindowSeconds: 3601}}\n",
         "spec.behavior.scaleUp.stabilizationWindowSeconds: Invalid value: 3601: must be "
         "between 0 and 3600, inclusive"},
        {"  maxReplicas: 3\n  behavior: {scaleDown: {selectPolicy: Average}}\n",
         "spec.behavior.scaleDown.selectPolicy: Unsupported value: \"Average\": supported "
         "values: \"Max\", \"Min\", \"Disabled\""},
        {"  maxReplicas: 3\n  behavior: {scaleDown: {policies: [{type: Nodes, value: 1, "
         "periodSeconds: 1}]}}\n",
         "spec.behavior.scaleDown.policies[0].type: Unsupported value: \"Nodes\""},
        {"  maxReplicas: 3\n  behavior: {scaleDown: {policies: [{type: Pods, value: 0, "
         "periodSeconds: 1}]}}\n",
         "spec.behavior.scaleDown.policies[0].value: Invalid value: 0"},
        {"  maxReplicas: 3\n  behavior: {scaleDown: {policies: [{type: Pods, value: 1, "
         "periodSeconds: 1801}]}}\n",
         "spec.behavior.scaleDown.policies[0].periodSeconds: Invalid value: 1801: must be "
         "between 1 and 1800, inclusive"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
        expect_error_with(hpa_base, cases[i].snippet, cases[i].msg);
    expect_error("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: "
                 "h}\nspec: {maxReplicas: 2}\n",
                 "spec.scaleTargetRef: Required value");
    expect_error("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: "
                 "h}\nspec: {maxReplicas: 2, scaleTargetRef: {kind: ReplicaSet}}\n",
                 "spec.scaleTargetRef.name: Required value");
}

static const char ing_base[] = "apiVersion: networking.k8s.io/v1\n"
                               "kind: Ingress\n"
                               "metadata: {name: web}\n"
                               "spec:\n"
                               "@@";

static void test_ingress(void **state)
{
    expect_ok_with(ing_base,
                   "  ingressClassName: minik8s\n"
                   "  defaultBackend: {service: {name: fallback, port: {number: 80}}}\n"
                   "  tls: [{hosts: [shop.example.com], secretName: shop-tls}]\n"
                   "  rules:\n"
                   "  - host: shop.example.com\n"
                   "    http:\n"
                   "      paths:\n"
                   "      - path: /\n"
                   "        pathType: Prefix\n"
                   "        backend: {service: {name: web, port: {number: 80}}}\n"
                   "      - path: /api\n"
                   "        pathType: Exact\n"
                   "        backend: {service: {name: api, port: {name: http}}}\n"
                   "  - host: '*.example.com'\n"
                   "    http:\n"
                   "      paths:\n"
                   "      - {path: /, pathType: ImplementationSpecific,\n"
                   "         backend: {service: {name: web, port: {number: 80}}}}\n");
    expect_ok_with(ing_base, "  defaultBackend: {service: {name: web, port: {number: 80}}}\n");
    static const struct {
        const char *snippet, *msg;
    } cases[] = {
        {"  ingressClassName: x\n", "spec: Invalid value: {\"ingressClassName\":\"x\"}: either "
                                    "`defaultBackend` or `rules` "
                                    "must be specified"},
        {"  rules: [{host: Shop.Example.com, http: {paths: [{path: /, pathType: Prefix, "
         "backend: {service: {name: w, port: {number: 80}}}}]}}]\n",
         "spec.rules[0].host: Invalid value: \"Shop.Example.com\""},
        {"  rules: [{host: 10.0.0.1}]\n",
         "spec.rules[0].host: Invalid value: \"10.0.0.1\": must be a DNS name"},
        {"  rules: [{host: a.b, http: {paths: []}}]\n",
         "spec.rules[0].http.paths: Required value"},
        {"  rules: [{http: {paths: [{path: api, pathType: Prefix, backend: {service: {name: w, "
         "port: {number: 80}}}}]}}]\n",
         "spec.rules[0].http.paths[0].path: Invalid value: \"api\": must be an absolute path"},
        {"  rules: [{http: {paths: [{path: /, backend: {service: {name: w, port: {number: "
         "80}}}}]}}]\n",
         "spec.rules[0].http.paths[0].pathType: Required value"},
        {"  rules: [{http: {paths: [{path: /, pathType: Regex, backend: {service: {name: w, "
         "port: {number: 80}}}}]}}]\n",
         "spec.rules[0].http.paths[0].pathType: Unsupported value: \"Regex\": supported "
         "values: "
         "\"Exact\", \"Prefix\", \"ImplementationSpecific\""},
        {"  rules: [{http: {paths: [{path: /, pathType: Prefix}]}}]\n",
         "spec.rules[0].http.paths[0].backend: Required value"},
        {"  rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: "
         "w}}}]}}]"
         "\n",
         "spec.rules[0].http.paths[0].backend.service.port: Required value"},
        {"  rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: w, "
         "port: {number: 80, name: http}}}}]}}]\n",
         "spec.rules[0].http.paths[0].backend.service.port: Forbidden"},
        {"  rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {port: "
         "{number: 80}}}}]}}]\n",
         "spec.rules[0].http.paths[0].backend.service.name: Required value"},
        {"  defaultBackend: {service: {name: w, port: {number: 0}}}\n",
         "spec.defaultBackend.service.port.number: Invalid value: 0"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
        expect_error_with(ing_base, cases[i].snippet, cases[i].msg);
}

/* ---- NetworkPolicy ---- */

static const char netpol_base[] = "apiVersion: networking.k8s.io/v1\n"
                                  "kind: NetworkPolicy\n"
                                  "metadata: {name: db}\n"
                                  "spec:\n"
                                  "  podSelector: {matchLabels: {app: db}}\n"
                                  "@@";

/* A peer of the first ingress rule, and a port of it. */
#define NP_FROM(peer)  "  ingress: [{from: [" peer "]}]\n"
#define NP_PORT(port)  "  ingress: [{ports: [" port "]}]\n"
#define NP_BLOCK(text) NP_FROM("{ipBlock: " text "}")

static void test_networkpolicy(void **state)
{
    (void)state;
    expect_ok_with(netpol_base,
                   "  policyTypes: [Ingress, Egress]\n"
                   "  ingress:\n"
                   "  - from:\n"
                   "    - {podSelector: {matchLabels: {app: web}},\n"
                   "       namespaceSelector: {matchLabels: {env: prod}}}\n"
                   "    - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16, 10.2.3.4/32]}\n"
                   "    ports: [{protocol: TCP, port: 5432}, {port: 8000, endPort: 8080},\n"
                   "            {protocol: UDP, port: dns}, {protocol: SCTP}]\n"
                   "  egress:\n"
                   "  - to: [{namespaceSelector: {}}]\n"
                   "  - {}\n");
    /* {} selects every pod; rules and types may be left out. */
    expect_ok("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny}\n"
              "spec: {podSelector: {}}\n");
    expect_ok_with(netpol_base, NP_BLOCK("{cidr: 192.168.1.1/24}")); /* host bits, as K8s */
    expect_ok_with(netpol_base, NP_BLOCK("{cidr: 0.0.0.0/0, except: [10.0.0.0/8]}"));
    expect_ok_with(netpol_base, NP_PORT("{port: 80, endPort: 80}"));
    static const struct {
        const char *snippet, *msg;
    } cases[] = {
        /* spec.policyTypes */
        {"  policyTypes: [Ingress, Both]\n",
         "spec.policyTypes[1]: Unsupported value: \"Both\": supported values: \"Ingress\", "
         "\"Egress\""},
        {"  policyTypes: [Egress, Egress]\n",
         "spec.policyTypes[1]: Duplicate value: \"Egress\""},
        {"  policyTypes: [Ingress, Egress, Ingress]\n",
         "spec.policyTypes: Invalid value: [\"Ingress\",\"Egress\",\"Ingress\"]: may not "
         "specify more than two policyTypes"},
        /* peers */
        {NP_FROM("{}"), "spec.ingress[0].from[0]: Required value: must specify a peer"},
        {"  egress: [{to: [{podSelector: {}}, {}]}]\n",
         "spec.egress[0].to[1]: Required value: must specify a peer"},
        {NP_FROM("{podSelector: {}, ipBlock: {cidr: 10.0.0.0/8}}"),
         "spec.ingress[0].from[0]: Forbidden: may not specify both ipBlock and another peer"},
        {"  egress: [{to: [{namespaceSelector: {}, ipBlock: {cidr: 10.0.0.0/8}}]}]\n",
         "spec.egress[0].to[0]: Forbidden: may not specify both ipBlock and another peer"},
        {NP_FROM("{namespaceSelector: {matchExpressions: [{key: env, operator: In}]}}"),
         "spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values: Required "
         "value"},
        {NP_FROM("{podSelector: {matchLabels: {'a b': c}}}"),
         "spec.ingress[0].from[0].podSelector.matchLabels: Invalid value: \"a b\""},
        /* ipBlock */
        {NP_BLOCK("{except: [10.0.0.0/8]}"),
         "spec.ingress[0].from[0].ipBlock.cidr: Required value"},
        {NP_BLOCK("{cidr: 10.0.0.0}"),
         "spec.ingress[0].from[0].ipBlock.cidr: Invalid value: \"10.0.0.0\": must be a valid "
         "CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"},
        {NP_BLOCK("{cidr: 10.0.0.0/33}"),
         "spec.ingress[0].from[0].ipBlock.cidr: Invalid value: \"10.0.0.0/33\": must be a "
         "valid CIDR value"},
        {NP_BLOCK("{cidr: '10.0.0.0/+8'}"), "ipBlock.cidr: Invalid value: \"10.0.0.0/+8\""},
        {NP_BLOCK("{cidr: '10.0.0.0/8; flush ruleset'}"),
         "ipBlock.cidr: Invalid value: \"10.0.0.0/8; flush ruleset\""},
        {NP_BLOCK("{cidr: '2001:db8::/64'}"),
         "spec.ingress[0].from[0].ipBlock.cidr: Invalid value: \"2001:db8::/64\": must be an "
         "IPv4 CIDR value: minik8s pods have IPv4 addresses only"},
        {NP_BLOCK("{cidr: 10.0.0.0/8, except: [10.1.0.0/16, 10.1.0.0]}"),
         "spec.ingress[0].from[0].ipBlock.except[1]: Invalid value: \"10.1.0.0\": must be a "
         "valid CIDR value"},
        {NP_BLOCK("{cidr: 10.0.0.0/8, except: [11.0.0.0/16]}"),
         "spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: \"11.0.0.0/16\": must be a "
         "strict subset of `cidr`"},
        {NP_BLOCK("{cidr: 10.0.0.0/8, except: [10.0.0.0/8]}"),
         "spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: \"10.0.0.0/8\": must be a "
         "strict subset of `cidr`"},
        {NP_BLOCK("{cidr: 10.0.0.0/16, except: [10.0.0.0/8]}"),
         "ipBlock.except[0]: Invalid value: \"10.0.0.0/8\": must be a strict subset"},
        /* ports */
        {NP_PORT("{protocol: ICMP}"),
         "spec.ingress[0].ports[0].protocol: Unsupported value: \"ICMP\": supported values: "
         "\"TCP\", \"UDP\", \"SCTP\""},
        {NP_PORT("{port: 0}"),
         "spec.ingress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, "
         "inclusive"},
        {NP_PORT("{port: 65536}"), "spec.ingress[0].ports[0].port: Invalid value: 65536"},
        {NP_PORT("{port: Web_Port}"),
         "spec.ingress[0].ports[0].port: Invalid value: \"Web_Port\": must be no more than 15 "
         "characters"},
        {NP_PORT("{port: '8080'}"), "spec.ingress[0].ports[0].port: Invalid value: \"8080\""},
        {NP_PORT("{port: a--b}"), "spec.ingress[0].ports[0].port: Invalid value: \"a--b\""},
        {NP_PORT("{port: http, endPort: 90}"),
         "spec.ingress[0].ports[0].endPort: Invalid value: 90: may not be specified when "
         "`port` is non-numeric"},
        {NP_PORT("{endPort: 90}"),
         "spec.ingress[0].ports[0].endPort: Invalid value: 90: may not be specified when "
         "`port` is not specified"},
        {NP_PORT("{port: 90, endPort: 80}"),
         "spec.ingress[0].ports[0].endPort: Invalid value: 90: must be greater than or equal "
         "to `port`"},
        {NP_PORT("{port: 90, endPort: 70000}"),
         "spec.ingress[0].ports[0].endPort: Invalid value: 70000: must be between 1 and 65535, "
         "inclusive"},
        {"  egress: [{ports: [{port: 53}, {port: 53, protocol: tcp}]}]\n",
         "spec.egress[0].ports[1].protocol: Unsupported value: \"tcp\""},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
        expect_error_with(netpol_base, cases[i].snippet, cases[i].msg);
    /* spec.podSelector: a valid selector, asked for even without rules. */
    static const char spec_base[] = "apiVersion: networking.k8s.io/v1\n"
                                    "kind: NetworkPolicy\n"
                                    "metadata: {name: x}\n"
                                    "@@";
    expect_error_with(
        spec_base, "spec: {podSelector: {matchExpressions: [{key: app, operator: Maybe}]}}\n",
        "spec.podSelector.matchExpressions[0].operator: Unsupported value: \"Maybe\"");
    expect_error_with(spec_base, "spec: {podSelector: {matchLabels: {app: -x}}}\n",
                      "spec.podSelector.matchLabels.app: Invalid value: \"-x\"");
    expect_error_with(spec_base, "spec: {policyTypes: [Ingress]}\n",
                      "spec.podSelector: Required value");
    expect_error_with(spec_base, "", "spec.podSelector: Required value");
}

/* ---- minik8s.io kinds ---- */

static const char fn_base[] = "apiVersion: minik8s.io/v1\n"
                              "kind: Function\n"
                              "metadata: {name: hello}\n"
                              "spec:\n"
                              "@@";

static void test_function(void **state)
{
    expect_ok_with(fn_base, "  runtime: python3\n"
                            "  handler: main.handle\n"
                            "  code: |\n"
                            "    def handle(event):\n"
                            "        return {'hello': event.get('name', 'world')}\n"
                            "  env: [{name: GREETING, value: hi}]\n"
                            "  resources: {limits: {cpu: 500m, memory: 128Mi}}\n"
                            "  minReplicas: 0\n"
                            "  maxReplicas: 5\n"
                            "  targetConcurrency: 10\n"
                            "  scaleToZeroAfter: 60\n"
                            "  timeoutSeconds: 30\n");
    expect_ok_with(fn_base, "  runtime: sh\n"
                            "  codeFrom: {configMapRef: {name: scripts}, key: hello.sh}\n");
    static const struct {
        const char *snippet, *msg;
    } cases[] = {
        {"  code: x\n", "spec.runtime: Required value"},
        {"  runtime: node\n  code: x\n",
         "spec.runtime: Unsupported value: \"node\": supported values: \"python3\", \"sh\""},
        {"  runtime: sh\n", "spec.code: Required value: one of spec.code or spec.codeFrom"},
        {"  runtime: sh\n  code: x\n  codeFrom: {configMapRef: {name: a}, key: b}\n",
         "spec.codeFrom: Forbidden: may not be used together with spec.code"},
        {"  runtime: sh\n  codeFrom: {key: b}\n", "spec.codeFrom.configMapRef.name: Required"},
        {"  runtime: sh\n  codeFrom: {configMapRef: {name: a}}\n",
         "spec.codeFrom.key: Required value"},
        {"  runtime: python3\n  code: x\n  handler: 'main handle'\n",
         "spec.handler: Invalid value: \"main handle\""},
        {"  runtime: sh\n  code: x\n  minReplicas: -1\n",
         "spec.minReplicas: Invalid value: -1: must be greater than or equal to 0"},
        {"  runtime: sh\n  code: x\n  maxReplicas: 0\n",
         "spec.maxReplicas: Invalid value: 0: must be greater than or equal to 1"},
        {"  runtime: sh\n  code: x\n  minReplicas: 3\n  maxReplicas: 2\n",
         "spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`"},
        {"  runtime: sh\n  code: x\n  targetConcurrency: 0\n",
         "spec.targetConcurrency: Invalid value: 0"},
        {"  runtime: sh\n  code: x\n  scaleToZeroAfter: 0\n",
         "spec.scaleToZeroAfter: Invalid value: 0"},
        {"  runtime: sh\n  code: x\n  scaleToZeroAfter: 30s\n",
         "spec.scaleToZeroAfter: Invalid value: \"30s\": must be a 32-bit integer"},
        {"  runtime: sh\n  code: x\n  env: [{value: v}]\n", "spec.env[0].name: Required value"},
        {"  runtime: sh\n  code: x\n  resources: {limits: {cpu: fast}}\n",
         "spec.resources.limits.cpu: Invalid value: \"fast\""},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
        expect_error_with(fn_base, cases[i].snippet, cases[i].msg);
}

static const char wf_base[] = "apiVersion: minik8s.io/v1\n"
                              "kind: Workflow\n"
                              "metadata: {name: order}\n"
                              "spec:\n"
                              "@@";

static void test_workflow(void **state)
{
    expect_ok_with(wf_base, "  startAt: check\n"
                            "  maxSteps: 50\n"
                            "  states:\n"
                            "    check:\n"
                            "      type: Task\n"
                            "      resource: check-stock\n"
                            "      next: decide\n"
                            "    decide:\n"
                            "      type: Choice\n"
                            "      choices:\n"
                            "      - {variable: $.inStock, booleanEquals: true, next: ship}\n"
                            "      - and:\n"
                            "        - {variable: $.count, numericGreaterThan: 10}\n"
                            "        - not: {variable: $.vip, isPresent: true}\n"
                            "        next: wait\n"
                            "      - or:\n"
                            "        - {variable: $.kind, stringEquals: gift}\n"
                            "        - {variable: $.price, numericLessThanEquals: 9.99}\n"
                            "        next: ship\n"
                            "      default: fail\n"
                            "    wait: {type: Pass, result: {waited: true}, next: ship}\n"
                            "    ship: {type: Task, resource: ship-order, end: true}\n"
                            "    done: {type: Succeed}\n"
                            "    fail: {type: Fail, error: OutOfStock, cause: no stock}\n");
    /* the Amazon States Language spelling */
    expect_ok_with(wf_base, "  StartAt: Hello\n"
                            "  Comment: ASL style\n"
                            "  States:\n"
                            "    Hello:\n"
                            "      Type: Task\n"
                            "      Resource: hello\n"
                            "      Next: Pick\n"
                            "    Pick:\n"
                            "      Type: Choice\n"
                            "      Choices:\n"
                            "      - {Variable: $.n, NumericEquals: 1, Next: Done}\n"
                            "      Default: Done\n"
                            "    Done: {Type: Succeed}\n");
    static const struct {
        const char *snippet, *msg;
    } cases[] = {
        {"  states: {a: {type: Succeed}}\n", "spec.startAt: Required value"},
        {"  startAt: a\n", "spec.states: Required value"},
        {"  startAt: b\n  states: {a: {type: Succeed}}\n",
         "spec.startAt: Invalid value: \"b\": no state named \"b\""},
        {"  StartAt: b\n  States: {a: {Type: Succeed}}\n",
         "spec.StartAt: Invalid value: \"b\": no state named \"b\""},
        {"  startAt: a\n  states: {a: {resource: f, end: true}}\n",
         "spec.states.a.type: Required value"},
        {"  startAt: a\n  states: {a: {type: Map}}\n",
         "spec.states.a.type: Unsupported value: \"Map\": supported values: \"Task\", "
         "\"Choice\", "
         "\"Pass\", \"Succeed\", \"Fail\""},
        {"  startAt: a\n  states: {a: {type: Task, end: true}}\n",
         "spec.states.a.resource: Required value"},
        {"  startAt: a\n  states: {a: {type: Task, resource: f}}\n",
         "spec.states.a.next: Required value"},
        {"  startAt: a\n  states: {a: {type: Pass}}\n", "spec.states.a.next: Required value"},
        {"  startAt: a\n  states: {a: {type: Task, resource: f, next: nowhere}}\n",
         "spec.states.a.next: Invalid value: \"nowhere\": no state named \"nowhere\""},
        {"  StartAt: a\n  States: {a: {Type: Task, Resource: f, Next: nowhere}}\n",
         "spec.States.a.Next: Invalid value: \"nowhere\""},
        {"  startAt: a\n  states: {a: {type: Task, resource: f, next: a, end: true}}\n",
         "spec.states.a.next: Forbidden: next and end may not both be set"},
        {"  startAt: a\n  states: {a: {type: Choice}}\n",
         "spec.states.a.choices: Required value"},
        {"  startAt: a\n  states: {a: {type: Choice, choices: [{variable: $.x, stringEquals: "
         "y}]}}\n",
         "spec.states.a.choices[0].next: Required value"},
        {"  startAt: a\n  states: {a: {type: Choice, choices: [{variable: $.x, next: a}]}}\n",
         "spec.states.a.choices[0]: Required value: a rule needs a comparison"},
        {"  startAt: a\n  states: {a: {type: Choice, choices: [{stringEquals: y, next: a}]}}\n",
         "spec.states.a.choices[0].variable: Required value"},
        {"  startAt: a\n  states: {a: {type: Choice, choices: [{variable: x, stringEquals: y, "
         "next: a}]}}\n",
         "spec.states.a.choices[0].variable: Invalid value: \"x\": must be a JSON path"},
        {"  startAt: a\n  states: {a: {type: Choice, choices: [{and: [{variable: $.x, "
         "stringEquals: y, next: a}], next: a}]}}\n",
         "spec.states.a.choices[0].and[0].next: Forbidden"},
        {"  startAt: a\n  states: {a: {type: Choice, choices: [{variable: $.x, "
         "numericEquals: one, next: a}]}}\n",
         "spec.states.a.choices[0].numericEquals: Invalid value: \"one\": must be a number"},
        {"  startAt: a\n  states: {a: {type: Choice, choices: [{variable: $.x, stringEquals: "
         "y, "
         "next: a}], default: zz}}\n",
         "spec.states.a.default: Invalid value: \"zz\""},
        {"  startAt: a\n  states: {a: {type: Succeed, next: a}}\n",
         "spec.states.a.next: Forbidden"},
        {"  startAt: a\n  maxSteps: 0\n  states: {a: {type: Succeed}}\n",
         "spec.maxSteps: Invalid value: 0"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
        expect_error_with(wf_base, cases[i].snippet, cases[i].msg);
}

static const char gj_base[] = "apiVersion: minik8s.io/v1\n"
                              "kind: GpuJob\n"
                              "metadata: {name: matmul}\n"
                              "spec:\n"
                              "  hpc: {secretRef: {name: hpc-creds}}\n"
                              "@@";

/* ---- CronJob ---- */

static const char cronjob[] =
    "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: hello}\nspec:\n"
    "  schedule: \"*/5 * * * *\"\n@@"
    "  jobTemplate:\n    spec:\n      template:\n        spec:\n"
    "          restartPolicy: OnFailure\n"
    "          containers: [{name: c, image: busybox}]\n";

static void test_cronjob(void **state)
{
    (void)state;
    expect_ok_with(cronjob, "");
    expect_ok_with(cronjob, "  timeZone: Europe/Paris\n  concurrencyPolicy: Forbid\n"
                            "  startingDeadlineSeconds: 200\n  suspend: true\n"
                            "  successfulJobsHistoryLimit: 0\n  failedJobsHistoryLimit: 5\n");
    expect_ok("apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: x}\nspec:\n"
              "  schedule: \"@hourly\"\n  timeZone: Etc/UTC\n"
              "  jobTemplate: {spec: {template: {spec: {restartPolicy: Never,"
              " containers: [{name: c, image: busybox}]}}}}\n");
    expect_error("apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: x}\nspec:\n"
                 "  jobTemplate: {spec: {template: {spec: {restartPolicy: Never,"
                 " containers: [{name: c, image: busybox}]}}}}\n",
                 "spec.schedule: Required value");
    /* Indexed Jobs need their completions, at most 100000. */
    expect_ok(
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\nspec:\n"
        "  completionMode: Indexed\n  completions: 3\n  parallelism: 2\n"
        "  template: {spec: {restartPolicy: Never, containers: [{name: c, image: b}]}}\n");
    expect_error(
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\nspec:\n"
        "  completionMode: Indexed\n  parallelism: 2\n"
        "  template: {spec: {restartPolicy: Never, containers: [{name: c, image: b}]}}\n",
        "spec.completions: Required value: when completion mode is Indexed");
    expect_error(
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\nspec:\n"
        "  completionMode: Indexed\n  completions: 100001\n"
        "  template: {spec: {restartPolicy: Never, containers: [{name: c, image: b}]}}\n",
        "spec.completions: Invalid value: 100001: must be between 0 and 100000");
    expect_error(
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\nspec:\n"
        "  completionMode: Sparse\n"
        "  template: {spec: {restartPolicy: Never, containers: [{name: c, image: b}]}}\n",
        "spec.completionMode: Unsupported value: \"Sparse\"");
    expect_error("apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: x}\nspec:\n"
                 "  schedule: \"61 * * * *\"\n"
                 "  jobTemplate: {spec: {template: {spec: {restartPolicy: Never,"
                 " containers: [{name: c, image: busybox}]}}}}\n",
                 "spec.schedule: Invalid value: \"61 * * * *\": minute: 61 is out of range");
    expect_error_with(cronjob, "  timeZone: Mars/Base\n",
                      "spec.timeZone: Invalid value: \"Mars/Base\": unknown time zone");
    expect_error_with(cronjob, "  timeZone: \"\"\n",
                      "timeZone must be nil or non-empty string");
    expect_error_with(cronjob, "  concurrencyPolicy: Sometimes\n",
                      "spec.concurrencyPolicy: Unsupported value: \"Sometimes\"");
    expect_error_with(cronjob, "  startingDeadlineSeconds: -1\n",
                      "spec.startingDeadlineSeconds: Invalid value: -1");
    expect_error_with(cronjob, "  failedJobsHistoryLimit: -1\n",
                      "spec.failedJobsHistoryLimit: Invalid value");
    expect_error("apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: x}\nspec:\n"
                 "  schedule: \"@daily\"\n"
                 "  jobTemplate: {spec: {template: {spec: {restartPolicy: Always,"
                 " containers: [{name: c, image: busybox}]}}}}\n",
                 "spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value");
    expect_error("apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: x}\nspec:\n"
                 "  schedule: \"@daily\"\n",
                 "spec.jobTemplate.spec: Required value");
    expect_error("apiVersion: batch/v1\nkind: CronJob\nmetadata:\n"
                 "  name: a-name-that-is-too-long-for-a-cronjob-by-one-character-x\n"
                 "spec:\n  schedule: \"@daily\"\n",
                 "metadata.name: Invalid value");
    /* Kubernetes' defaults are filled. */
    _cleanup_free_ char *text = with(cronjob, "  successfulJobsHistoryLimit: 7\n");
    json_object *o = decode(text);
    defaults_apply(kind_by_kind("CronJob"), o);
    assert_string_equal(mk_json_str(o, "spec.concurrencyPolicy"), "Allow");
    assert_int_equal(mk_json_int(o, "spec.successfulJobsHistoryLimit", 0), 7);
    assert_int_equal(mk_json_int(o, "spec.failedJobsHistoryLimit", 0), 1);
    assert_false(json_object_get_boolean(mk_json_path(o, "spec.suspend")));
    json_object_put(o);
}

static void test_gpujob(void **state)
{
    expect_ok_with(gj_base, "  sources:\n"
                            "  - name: matmul.cu\n"
                            "    content: |\n"
                            "      __global__ void k() {}\n"
                            "      int main() { return 0; }\n"
                            "  - {name: Makefile, content: 'all:'}\n"
                            "  build: [nvcc -o matmul matmul.cu]\n"
                            "  run: [./matmul]\n"
                            "  slurm:\n"
                            "    partition: dgx2\n"
                            "    nodes: 1\n"
                            "    ntasksPerNode: 1\n"
                            "    cpusPerTask: 6\n"
                            "    gres: gpu:1\n"
                            "    timeLimit: '00:10:00'\n"
                            "    memory: 4G\n"
                            "  backoffLimit: 0\n");
    expect_ok_with(gj_base, "  sourcesFrom: {configMapRef: {name: cuda-src}}\n"
                            "  run: [./a.out]\n"
                            "  slurm: {timeLimit: '1-02:03:04'}\n");
    expect_ok_with(gj_base, "  run: [./a.out]\n  slurm: {timeLimit: 30, memory: 500}\n");
    expect_ok_with(gj_base, "  run: [./a.out]\n  slurm: {timeLimit: '30'}\n");
    static const struct {
        const char *snippet, *msg;
    } cases[] = {
        {"  build: [make]\n", "spec.run: Required value"},
        {"  run: []\n", "spec.run: Required value"},
        {"  run: [x]\n  sources: [{name: ../evil, content: x}]\n",
         "spec.sources[0].name: Invalid value: \"../evil\": must be a plain file name"},
        {"  run: [x]\n  sources: [{name: a/b.cu, content: x}]\n",
         "spec.sources[0].name: Invalid value: \"a/b.cu\""},
        {"  run: [x]\n  sources: [{name: .., content: x}]\n",
         "spec.sources[0].name: Invalid value: \"..\""},
        {"  run: [x]\n  sources: [{content: x}]\n", "spec.sources[0].name: Required value"},
        {"  run: [x]\n  sources: [{name: a.cu}]\n", "spec.sources[0].content: Required value"},
        {"  run: [x]\n  sources: [{name: a.cu, content: x}, {name: a.cu, content: y}]\n",
         "spec.sources[1].name: Duplicate value: \"a.cu\""},
        {"  run: [x]\n  slurm: {timeLimit: ten minutes}\n",
         "spec.slurm.timeLimit: Invalid value: \"ten minutes\": must be a Slurm time"},
        {"  run: [x]\n  slurm: {timeLimit: '1:2:3:4'}\n",
         "spec.slurm.timeLimit: Invalid value"},
        {"  run: [x]\n  slurm: {gres: \"gpu:1\\n#SBATCH --uid=0\"}\n",
         "spec.slurm.gres: Invalid value"},
        {"  run: [x]\n  slurm: {partition: 'a b'}\n", "spec.slurm.partition: Invalid value"},
        {"  run: [x]\n  slurm: {nodes: 0}\n", "spec.slurm.nodes: Invalid value: 0"},
        {"  run: [x]\n  slurm: {memory: 4 GB}\n", "spec.slurm.memory: Invalid value: \"4 GB\""},
        {"  run: [x]\n  backoffLimit: -1\n", "spec.backoffLimit: Invalid value: -1"},
        {"  run: [x]\n  sourcesFrom: {configMapRef: {}}\n",
         "spec.sourcesFrom.configMapRef.name: Required value"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
        expect_error_with(gj_base, cases[i].snippet, cases[i].msg);
    expect_error("apiVersion: minik8s.io/v1\nkind: GpuJob\nmetadata: {name: j}\n"
                 "spec: {run: [x]}\n",
                 "spec.hpc.secretRef.name: Required value");
}

/* ---- updates ---- */

static int update(const char *old_text, const char *new_text, mk_err *err)
{
    json_object *a = decode(old_text), *b = decode(new_text);
    const mk_kind *k = NULL;
    assert_int_equal(validate_kind_of(b, &k, NULL), 0);
    int r = validate_update(k, a, b, NULL, err);
    json_object_put(a);
    json_object_put(b);
    return r;
}

static void expect_update(const char *old_text, const char *new_text, const char *msg)
{
    mk_err err = {0};
    int r = update(old_text, new_text, &err);
    if (!msg) {
        if (r < 0)
            fail_msg("update refused: %s", err.msg);
        return;
    }
    if (r >= 0)
        fail_msg("update accepted, expected \"%s\"", msg);
    if (!strstr(err.msg, msg))
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, msg);
}

static void test_update(void **state)
{
#define POD(meta, spec)                                                                        \
    "apiVersion: v1\nkind: Pod\nmetadata: {name: web, " meta "}\nspec: {" spec "}\n"
    const char *old = POD("uid: u1, creationTimestamp: '2026-01-01T00:00:00Z'",
                          "containers: [{name: a, image: busybox:1}]");
    expect_update(old, POD("uid: u1", "containers: [{name: a, image: busybox:2}]"), NULL);
    expect_update(old, POD("", "containers: [{name: a, image: busybox:1}], nodeName: n1"),
                  NULL);
    expect_update(old, POD("uid: u2", "containers: [{name: a, image: busybox:1}]"),
                  "metadata.uid: Invalid value: \"u2\": field is immutable");
    expect_update(
        old,
        POD("creationTimestamp: '2027-01-01T00:00:00Z'", "containers: [{name: a, image: b}]"),
        "metadata.creationTimestamp: Invalid value");
    expect_update(old, POD("", "containers: [{name: a, image: b}, {name: c, image: d}]"),
                  "spec.containers: Forbidden: pod updates may not add or remove containers");
    expect_update(old, POD("", "containers: [{name: z, image: b}]"),
                  "spec.containers[0].name: Forbidden");
    /* Scheduling gates come off, never on; a gated pod is not bound. */
    const char *gated = POD("", "containers: [{name: a, image: b}], schedulingGates: "
                                "[{name: x.io/quota}, {name: later}]");
    expect_update(gated,
                  POD("", "containers: [{name: a, image: b}], schedulingGates: "
                          "[{name: later}]"),
                  NULL);
    expect_update(gated,
                  POD("", "containers: [{name: a, image: b}], schedulingGates: "
                          "[{name: later}, {name: more}]"),
                  "spec.schedulingGates: Forbidden: only deletion is allowed, but found new "
                  "scheduling gate 'more'");
    expect_update(gated,
                  POD("", "containers: [{name: a, image: b}], nodeName: n1, "
                          "schedulingGates: [{name: later}]"),
                  "spec.nodeName: Forbidden: cannot be set until all schedulingGates have been "
                  "cleared");
    const char *bound = POD("", "containers: [{name: a, image: b}], nodeName: n1");
    expect_update(bound, POD("", "containers: [{name: a, image: b}], nodeName: n1"), NULL);
    expect_update(bound, POD("", "containers: [{name: a, image: b}], nodeName: n2"),
                  "spec.nodeName: Invalid value: \"n2\": field is immutable once set");
    expect_update(POD("namespace: default", "containers: [{name: a, image: b}]"),
                  POD("namespace: other", "containers: [{name: a, image: b}]"),
                  "metadata.namespace: Invalid value: \"other\": field is immutable");
    expect_update(POD("namespace: default", "containers: [{name: a, image: b}]"),
                  "apiVersion: v1\nkind: Pod\nmetadata: {name: web2}\n"
                  "spec: {containers: [{name: a, image: b}]}\n",
                  "metadata.name: Invalid value: \"web2\": field is immutable");
    /* the new object is validated too */
    expect_update(old, POD("", "containers: [{name: a}]"),
                  "spec.containers[0].image: Required");
#undef POD
#define SVC(spec) "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {" spec "}\n"
    expect_update(SVC("ports: [{port: 80}], clusterIP: 10.96.0.5"),
                  SVC("ports: [{port: 81}], clusterIP: 10.96.0.5"), NULL);
    expect_update(SVC("ports: [{port: 80}], clusterIP: 10.96.0.5"), SVC("ports: [{port: 81}]"),
                  NULL);
    expect_update(SVC("ports: [{port: 80}]"), SVC("ports: [{port: 81}], clusterIP: 10.96.0.7"),
                  NULL);
    expect_update(SVC("ports: [{port: 80}], clusterIP: 10.96.0.5"),
                  SVC("ports: [{port: 80}], clusterIP: 10.96.0.6"),
                  "spec.clusterIP: Invalid value: \"10.96.0.6\": field is immutable");
#undef SVC
#define RS(sel)                                                                                \
    "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: r}\nspec:\n  replicas: 1\n"       \
    "  selector: {matchLabels: {" sel                                                          \
    "}}\n  template:\n    metadata: {labels: {a: b, c: d}}\n"                                  \
    "    spec: {containers: [{name: x, image: y}]}\n"
    expect_update(RS("a: b"), RS("a: b"), NULL);
    expect_update(RS("a: b"), RS("c: d"), "spec.selector: Invalid value");
#undef RS
    expect_update("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nimmutable: true\n"
                  "data: {a: b}\n",
                  "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nimmutable: true\n"
                  "data: {a: c}\n",
                  "data: Forbidden: field is immutable when `immutable` is set");
    expect_update("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n",
                  "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: c}\n", NULL);
}

static void test_normalize(void **state)
{
    json_object *o = decode(full_pod);
    const mk_kind *k = kind_by_kind("Pod");
    validate_normalize(k, o);
    assert_string_equal(mk_json_str(o, "spec.containers[1].resources.limits.cpu"), "1");
    assert_string_equal(mk_json_str(o, "spec.containers[1].resources.limits.memory"), "1e6");
    assert_string_equal(mk_json_str(o, "spec.containers[0].resources.limits.cpu"), "500m");
    /* other numbers stay numbers */
    assert_int_equal(mk_json_int(o, "spec.containers[0].ports[0].containerPort", 0), 80);
    assert_int_equal(mk_json_int(o, "spec.terminationGracePeriodSeconds", 0), 30);
    assert_int_equal(validate_object(k, o, NULL, NULL), 0);
    json_object_put(o);
    o = decode(
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\n"
        "spec:\n  maxReplicas: 2\n  scaleTargetRef: {kind: ReplicaSet, name: r}\n"
        "  metrics: [{type: Resource, resource: {name: memory, target: {type: "
        "AverageValue, averageValue: 1000000}}}]\n");
    validate_normalize(kind_by_kind("HorizontalPodAutoscaler"), o);
    assert_string_equal(mk_json_str(o, "spec.metrics[0].resource.target.averageValue"),
                        "1000000");
    json_object_put(o);
}

/* Manifests as the Kubernetes documentation and `kubectl get -o yaml` give
 * them: accepted unchanged, without a single warning. */
static const char upstream[] =
    "apiVersion: apps/v1\n"
    "kind: ReplicaSet\n"
    "metadata:\n"
    "  name: frontend\n"
    "  labels:\n"
    "    app: guestbook\n"
    "    tier: frontend\n"
    "spec:\n"
    "  # modify replicas according to your case\n"
    "  replicas: 3\n"
    "  selector:\n"
    "    matchLabels:\n"
    "      tier: frontend\n"
    "  template:\n"
    "    metadata:\n"
    "      labels:\n"
    "        tier: frontend\n"
    "    spec:\n"
    "      containers:\n"
    "      - name: php-redis\n"
    "        image: us-docker.pkg.dev/google-samples/containers/gke/gb-frontend:v5\n"
    "---\n"
    "apiVersion: autoscaling/v2\n"
    "kind: HorizontalPodAutoscaler\n"
    "metadata:\n"
    "  name: php-apache\n"
    "spec:\n"
    "  scaleTargetRef:\n"
    "    apiVersion: apps/v1\n"
    "    kind: Deployment\n"
    "    name: php-apache\n"
    "  minReplicas: 1\n"
    "  maxReplicas: 10\n"
    "  metrics:\n"
    "  - type: Resource\n"
    "    resource:\n"
    "      name: cpu\n"
    "      target:\n"
    "        type: Utilization\n"
    "        averageUtilization: 50\n"
    "status:\n"
    "  observedGeneration: 1\n"
    "  lastScaleTime: <some-time>\n"
    "  currentReplicas: 1\n"
    "  desiredReplicas: 1\n"
    "  currentMetrics:\n"
    "  - type: Resource\n"
    "    resource:\n"
    "      name: cpu\n"
    "      current:\n"
    "        averageUtilization: 0\n"
    "        averageValue: 0\n"
    "---\n"
    "apiVersion: networking.k8s.io/v1\n"
    "kind: Ingress\n"
    "metadata:\n"
    "  name: minimal-ingress\n"
    "  annotations:\n"
    "    nginx.ingress.kubernetes.io/rewrite-target: /\n"
    "spec:\n"
    "  ingressClassName: nginx-example\n"
    "  rules:\n"
    "  - http:\n"
    "      paths:\n"
    "      - path: /testpath\n"
    "        pathType: Prefix\n"
    "        backend:\n"
    "          service:\n"
    "            name: test\n"
    "            port:\n"
    "              number: 80\n"
    "---\n"
    "apiVersion: v1\n"
    "kind: Service\n"
    "metadata:\n"
    "  name: my-service\n"
    "spec:\n"
    "  selector:\n"
    "    app.kubernetes.io/name: MyApp\n"
    "  ports:\n"
    "    - protocol: TCP\n"
    "      port: 80\n"
    "      targetPort: 9376\n"
    "---\n"
    "apiVersion: v1\n"
    "kind: Service\n"
    "metadata:\n"
    "  annotations:\n"
    "    kubectl.kubernetes.io/last-applied-configuration: |\n"
    "      {\"apiVersion\":\"v1\",\"kind\":\"Service\"}\n"
    "  creationTimestamp: \"2023-01-01T00:00:00Z\"\n"
    "  labels:\n"
    "    component: apiserver\n"
    "    provider: kubernetes\n"
    "  name: kubernetes\n"
    "  namespace: default\n"
    "  resourceVersion: \"192\"\n"
    "  uid: 2a1e0a43-7e4f-4b55-a4d3-5c5a4b9d1a8f\n"
    "spec:\n"
    "  clusterIP: 10.96.0.1\n"
    "  clusterIPs:\n"
    "  - 10.96.0.1\n"
    "  internalTrafficPolicy: Cluster\n"
    "  ipFamilies:\n"
    "  - IPv4\n"
    "  ipFamilyPolicy: SingleStack\n"
    "  ports:\n"
    "  - name: https\n"
    "    port: 443\n"
    "    protocol: TCP\n"
    "    targetPort: 6443\n"
    "  sessionAffinity: None\n"
    "  type: ClusterIP\n"
    "status:\n"
    "  loadBalancer: {}\n"
    "---\n"
    "apiVersion: v1\n"
    "kind: Pod\n"
    "metadata:\n"
    "  creationTimestamp: \"2023-01-01T00:00:00Z\"\n"
    "  labels:\n"
    "    run: nginx\n"
    "  name: nginx\n"
    "  namespace: default\n"
    "  resourceVersion: \"1234\"\n"
    "  uid: 0c9b7d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e\n"
    "spec:\n"
    "  containers:\n"
    "  - image: nginx\n"
    "    imagePullPolicy: Always\n"
    "    name: nginx\n"
    "    resources: {}\n"
    "    terminationMessagePath: /dev/termination-log\n"
    "    terminationMessagePolicy: File\n"
    "  dnsPolicy: ClusterFirst\n"
    "  enableServiceLinks: true\n"
    "  nodeName: minikube\n"
    "  preemptionPolicy: PreemptLowerPriority\n"
    "  priority: 0\n"
    "  restartPolicy: Always\n"
    "  schedulerName: default-scheduler\n"
    "  securityContext: {}\n"
    "  serviceAccount: default\n"
    "  serviceAccountName: default\n"
    "  terminationGracePeriodSeconds: 30\n"
    "  tolerations:\n"
    "  - effect: NoExecute\n"
    "    key: node.kubernetes.io/not-ready\n"
    "    operator: Exists\n"
    "    tolerationSeconds: 300\n"
    "status:\n"
    "  phase: Running\n"
    "  podIP: 10.244.0.5\n"
    "---\n"
    "apiVersion: v1\n"
    "kind: Pod\n"
    "metadata:\n"
    "  name: memory-demo\n"
    "  namespace: mem-example\n"
    "spec:\n"
    "  containers:\n"
    "  - name: memory-demo-ctr\n"
    "    image: polinux/stress\n"
    "    resources:\n"
    "      requests:\n"
    "        memory: \"100Mi\"\n"
    "      limits:\n"
    "        memory: \"200Mi\"\n"
    "    command: [\"stress\"]\n"
    "    args: [\"--vm\", \"1\", \"--vm-bytes\", \"150M\", \"--vm-hang\", \"1\"]\n"
    "---\n"
    "apiVersion: v1\n"
    "kind: Pod\n"
    "metadata:\n"
    "  name: goproxy\n"
    "  labels:\n"
    "    app: goproxy\n"
    "spec:\n"
    "  containers:\n"
    "  - name: goproxy\n"
    "    image: registry.k8s.io/goproxy:0.1\n"
    "    ports:\n"
    "    - containerPort: 8080\n"
    "    readinessProbe:\n"
    "      tcpSocket:\n"
    "        port: 8080\n"
    "      initialDelaySeconds: 15\n"
    "      periodSeconds: 10\n"
    "    livenessProbe:\n"
    "      tcpSocket:\n"
    "        port: 8080\n"
    "      initialDelaySeconds: 15\n"
    "      periodSeconds: 10\n"
    "---\n"
    "apiVersion: v1\n"
    "kind: Pod\n"
    "metadata:\n"
    "  name: test-pd\n"
    "spec:\n"
    "  containers:\n"
    "  - image: registry.k8s.io/test-webserver\n"
    "    name: test-container\n"
    "    volumeMounts:\n"
    "    - mountPath: /cache\n"
    "      name: cache-volume\n"
    "    - mountPath: /test-pd\n"
    "      name: test-volume\n"
    "  volumes:\n"
    "  - name: cache-volume\n"
    "    emptyDir:\n"
    "      sizeLimit: 500Mi\n"
    "  - name: test-volume\n"
    "    hostPath:\n"
    "      path: /data\n"
    "      type: DirectoryOrCreate\n"
    "---\n"
    "apiVersion: v1\n"
    "kind: ConfigMap\n"
    "metadata:\n"
    "  name: game-demo\n"
    "data:\n"
    "  player_initial_lives: \"3\"\n"
    "  ui_properties_file_name: \"user-interface.properties\"\n"
    "  game.properties: |\n"
    "    enemy.types=aliens,monsters\n"
    "    player.maximum-lives=5\n"
    "---\n"
    "apiVersion: v1\n"
    "kind: Secret\n"
    "metadata:\n"
    "  name: dotfile-secret\n"
    "data:\n"
    "  .secret-file: dmFsdWUtMg0KDQo=\n"
    "---\n"
    "apiVersion: v1\n"
    "kind: Secret\n"
    "metadata:\n"
    "  name: secret-basic-auth\n"
    "type: kubernetes.io/basic-auth\n"
    "stringData:\n"
    "  username: admin\n"
    "  password: t0p-Secret\n";

static void test_upstream_manifests(void **state)
{
    json_object *docs = NULL;
    mk_err err = {0};
    assert_int_equal(codec_decode_all(upstream, strlen(upstream), &docs, &err), 0);
    assert_int_equal(json_object_array_length(docs), 12);
    for (size_t i = 0; i < json_object_array_length(docs); i++) {
        json_object *o = json_object_array_get_idx(docs, i);
        const mk_kind *k = NULL;
        mk_warnings warn = {0};
        if (validate_kind_of(o, &k, &err) < 0 || validate_object(k, o, &warn, &err) < 0)
            fail_msg("document %zu: %s", i, err.msg);
        if (warn.n)
            fail_msg("document %zu: warning %s", i, warn.path[0]);
    }
    json_object_put(docs);
}

/* Kubernetes' defaults (store/defaults.h): ports are TCP, a Service port
 * forwards to its own number, templates get them as pods do; a Secret is
 * Opaque unless it says otherwise. */
static void test_defaults(void **state)
{
    (void)state;
    json_object *o =
        decode("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n"
               "  ports: [{port: 80}, {port: 53, protocol: UDP, targetPort: dns}]\n");
    defaults_apply(kind_by_kind("Service"), o);
    json_object *ports = mk_json_path(o, "spec.ports");
    json_object *p0 = json_object_array_get_idx(ports, 0),
                *p1 = json_object_array_get_idx(ports, 1);
    assert_string_equal(mk_json_str(p0, "protocol"), "TCP");
    assert_int_equal(mk_json_int(p0, "targetPort", 0), 80);
    assert_string_equal(mk_json_str(p1, "protocol"), "UDP");
    assert_string_equal(mk_json_str(p1, "targetPort"), "dns");
    json_object_put(o);
    o = decode("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n"
               "  template:\n    spec:\n      containers: [{name: c, image: i, ports: "
               "[{containerPort: 8080}]}]\n");
    defaults_apply(kind_by_kind("Deployment"), o);
    assert_string_equal(
        mk_json_str(o, "spec.template.spec.containers.0.ports.0.protocol") ?: "", "TCP");
    json_object_put(o);
    o = decode("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n");
    defaults_apply(kind_by_kind("Secret"), o);
    assert_string_equal(mk_json_str(o, "type") ?: "", "Opaque");
    json_object_put(o);
    o = decode("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: kubernetes.io/tls\n");
    defaults_apply(kind_by_kind("Secret"), o);
    assert_string_equal(mk_json_str(o, "type") ?: "", "kubernetes.io/tls");
    json_object_put(o);
}

/* A Pod, a Deployment and a Job get what Kubernetes' defaulting gives
 * them, and a Job's template still has to say how its pods end. */
static void test_defaults_workloads(void **state)
{
    (void)state;
    json_object *o = decode(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        "  - {name: c, image: i, resources: {limits: {cpu: 500m, memory: 64Mi}, requests: "
        "{cpu: 100m}},\n     readinessProbe: {tcpSocket: {port: 80}, periodSeconds: 2}}\n");
    defaults_apply(kind_by_kind("Pod"), o);
    assert_string_equal(mk_json_str(o, "spec.restartPolicy") ?: "", "Always");
    assert_string_equal(mk_json_str(o, "spec.dnsPolicy") ?: "", "ClusterFirst");
    assert_string_equal(mk_json_str(o, "spec.schedulerName") ?: "", "default-scheduler");
    assert_int_equal(mk_json_int(o, "spec.terminationGracePeriodSeconds", 0), 30);
    assert_true(json_object_is_type(mk_json_path(o, "spec.securityContext"), json_type_object));
    json_object *c = mk_json_path(o, "spec.containers.0");
    assert_string_equal(mk_json_str(c, "resources.requests.cpu") ?: "", "100m");
    assert_string_equal(mk_json_str(c, "resources.requests.memory") ?: "", "64Mi");
    assert_int_equal(mk_json_int(c, "readinessProbe.periodSeconds", 0), 2);
    assert_int_equal(mk_json_int(c, "readinessProbe.timeoutSeconds", 0), 1);
    assert_int_equal(mk_json_int(c, "readinessProbe.failureThreshold", 0), 3);
    assert_null(mk_json_path(c, "livenessProbe"));
    json_object_put(o);

    o = decode("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n"
               "  template:\n    spec:\n      containers: [{name: c, image: i, resources: "
               "{limits: {cpu: '1'}}}]\n");
    defaults_apply(kind_by_kind("Deployment"), o);
    assert_int_equal(mk_json_int(o, "spec.replicas", 0), 1);
    assert_string_equal(mk_json_str(o, "spec.strategy.type") ?: "", "RollingUpdate");
    assert_string_equal(mk_json_str(o, "spec.strategy.rollingUpdate.maxSurge") ?: "", "25%");
    assert_int_equal(mk_json_int(o, "spec.revisionHistoryLimit", 0), 10);
    assert_int_equal(mk_json_int(o, "spec.progressDeadlineSeconds", 0), 600);
    assert_string_equal(mk_json_str(o, "spec.template.spec.restartPolicy") ?: "", "Always");
    /* Templates keep their resources as written: only Pods get requests. */
    assert_null(mk_json_path(o, "spec.template.spec.containers.0.resources.requests"));
    /* An apply that switches to Recreate leaves our rollingUpdate behind. */
    mk_json_set_str(o, "spec.strategy.type", "Recreate");
    defaults_apply(kind_by_kind("Deployment"), o);
    assert_null(mk_json_path(o, "spec.strategy.rollingUpdate"));
    json_object_put(o);

    o = decode("apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n"
               "  template:\n    spec:\n      containers: [{name: c, image: i}]\n");
    defaults_apply(kind_by_kind("Job"), o);
    assert_int_equal(mk_json_int(o, "spec.completions", 0), 1);
    assert_int_equal(mk_json_int(o, "spec.parallelism", 0), 1);
    assert_int_equal(mk_json_int(o, "spec.backoffLimit", 0), 6);
    assert_null(mk_json_path(o, "spec.template.spec.restartPolicy"));
    mk_err err = {0};
    mk_warnings warn = {0};
    assert_int_equal(validate_object(kind_by_kind("Job"), o, &warn, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "spec.template.spec.restartPolicy"));
    json_object_put(o);
    o = decode("apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n"
               "  parallelism: 3\n  template: {spec: {containers: [{name: c, image: i}]}}\n");
    defaults_apply(kind_by_kind("Job"), o);
    assert_null(mk_json_path(o, "spec.completions")); /* a work queue */
    json_object_put(o);

    /* A parent of the wrong type is left for validation, not crashed on
     * (json-c asserts on adding to a non-object). */
    static const char *const kinds[] = {"StatefulSet", "Deployment", "DaemonSet", "Service"};
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        _cleanup_free_ char *text =
            xasprintf("{\"apiVersion\":\"v1\",\"kind\":\"%s\",\"spec\":\"x\"}", kinds[i]);
        o = decode(text);
        defaults_apply(kind_by_kind(kinds[i]), o);
        assert_string_equal(mk_json_str(o, "spec"), "x");
        json_object_put(o);
    }
    o = decode("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
               "  - {name: c, image: i, resources: {limits: {cpu: '1'}, requests: 5}}\n");
    defaults_apply(kind_by_kind("Pod"), o);
    assert_int_equal(mk_json_int(o, "spec.containers.0.resources.requests", 0), 5);
    json_object_put(o);
}

/* ---- PersistentVolume, PersistentVolumeClaim, StorageClass ---- */

static const char pvc_base[] = "apiVersion: v1\nkind: PersistentVolumeClaim\n"
                               "metadata: {name: data, namespace: default}\nspec:\n@@";
static const char pv_base[] = "apiVersion: v1\nkind: PersistentVolume\n"
                              "metadata: {name: pv1}\nspec:\n@@";
static const char sc_base[] = "apiVersion: storage.k8s.io/v1\nkind: StorageClass\n"
                              "metadata: {name: fast}\n@@";

static void test_pvc(void **state)
{
    (void)state;
    expect_ok_with(pvc_base, "  accessModes: [ReadWriteOnce]\n"
                             "  resources: {requests: {storage: 1Gi}}\n");
    expect_ok_with(pvc_base, "  accessModes: [ReadWriteOnce, ReadOnlyMany]\n"
                             "  resources: {requests: {storage: 100Mi}}\n"
                             "  storageClassName: ''\n  volumeName: pv1\n"
                             "  volumeMode: Filesystem\n"
                             "  selector: {matchLabels: {tier: db}}\n");
    static const struct {
        const char *snippet, *msg;
    } cases[] = {
        {"  resources: {requests: {storage: 1Gi}}\n", "spec.accessModes: Required value"},
        {"  accessModes: []\n  resources: {requests: {storage: 1Gi}}\n",
         "spec.accessModes: Required value"},
        {"  accessModes: [ReadWriteSometimes]\n  resources: {requests: {storage: 1Gi}}\n",
         "spec.accessModes[0]: Unsupported value: \"ReadWriteSometimes\""},
        {"  accessModes: [ReadWriteOncePod, ReadOnlyMany]\n"
         "  resources: {requests: {storage: 1Gi}}\n",
         "spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes"},
        {"  accessModes: [ReadWriteOnce]\n", "spec.resources.requests.storage: Required value"},
        {"  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 0}}\n",
         "spec.resources.requests.storage: Invalid value: 0: must be greater than zero"},
        {"  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: lots}}\n",
         "spec.resources.requests.storage"},
        {"  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n"
         "  volumeMode: Block\n",
         "spec.volumeMode: Forbidden: minik8s provides Filesystem volumes only"},
        {"  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n"
         "  volumeMode: Raw\n",
         "spec.volumeMode: Unsupported value: \"Raw\""},
        {"  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n"
         "  storageClassName: Fast_Disk\n",
         "spec.storageClassName: Invalid value: \"Fast_Disk\""},
        {"  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n"
         "  dataSource: {kind: VolumeSnapshot, name: s}\n",
         "spec.dataSource: Forbidden"},
        {"  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n"
         "  selector: {matchExpressions: [{key: a, operator: Maybe}]}\n",
         "spec.selector.matchExpressions"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
        expect_error_with(pvc_base, cases[i].snippet, cases[i].msg);
    expect_error("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: d}\n",
                 "spec: Required value");
    expect_ok(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n"
        "  containers: [{name: a, image: b, volumeMounts: [{name: v, mountPath: /d}]}]\n"
        "  volumes: [{name: v, persistentVolumeClaim: {claimName: data, readOnly: true}}]\n");
}

static void test_pv(void **state)
{
    (void)state;
    expect_ok_with(pv_base, "  capacity: {storage: 5Gi}\n  accessModes: [ReadWriteOnce]\n"
                            "  hostPath: {path: /srv/pv1, type: DirectoryOrCreate}\n");
    expect_ok_with(pv_base,
                   "  capacity: {storage: 5Gi}\n  accessModes: [ReadWriteOnce]\n"
                   "  persistentVolumeReclaimPolicy: Delete\n  storageClassName: fast\n"
                   "  local: {path: /mnt/disk1}\n"
                   "  claimRef: {kind: PersistentVolumeClaim, namespace: default, name: data}\n"
                   "  nodeAffinity:\n    required:\n      nodeSelectorTerms:\n"
                   "      - matchExpressions:\n"
                   "        - {key: kubernetes.io/hostname, operator: In, values: [n1]}\n");
    static const struct {
        const char *snippet, *msg;
    } cases[] = {
        {"  accessModes: [ReadWriteOnce]\n  hostPath: {path: /x}\n",
         "spec.capacity.storage: Required value"},
        {"  capacity: {storage: 1Gi, iops: 5}\n  accessModes: [ReadWriteOnce]\n"
         "  hostPath: {path: /x}\n",
         "spec.capacity: Unsupported value: \"iops\""},
        {"  capacity: {storage: 1Gi}\n  hostPath: {path: /x}\n",
         "spec.accessModes: Required value"},
        {"  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n",
         "spec: Required value: must specify a volume type"},
        {"  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n"
         "  hostPath: {path: /x}\n  local: {path: /y}\n",
         "spec: Forbidden: may not specify more than 1 volume type"},
        {"  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n"
         "  nfs: {server: s, path: /x}\n",
         "spec.nfs: Forbidden: minik8s supports hostPath and local persistent volumes"},
        {"  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n"
         "  hostPath: {path: rel}\n",
         "spec.hostPath.path: Invalid value: \"rel\": must be an absolute path"},
        {"  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n"
         "  hostPath: {path: /x, type: Folder}\n",
         "spec.hostPath.type: Unsupported value: \"Folder\""},
        {"  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n"
         "  local: {path: /x}\n",
         "spec.nodeAffinity: Required value: Local volume requires node affinity"},
        {"  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n"
         "  hostPath: {path: /x}\n  persistentVolumeReclaimPolicy: Recycle\n",
         "spec.persistentVolumeReclaimPolicy: Forbidden: minik8s does not recycle volumes"},
        {"  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n"
         "  hostPath: {path: /x}\n  persistentVolumeReclaimPolicy: Keep\n",
         "spec.persistentVolumeReclaimPolicy: Unsupported value: \"Keep\""},
        {"  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n"
         "  hostPath: {path: /x}\n  volumeMode: Block\n",
         "spec.volumeMode: Forbidden"},
        {"  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n"
         "  hostPath: {path: /x}\n  nodeAffinity: {required: {nodeSelectorTerms: "
         "[{matchExpressions: [{key: k, operator: Near}]}]}}\n",
         "spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].operator: "
         "Unsupported value: \"Near\""},
        {"  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n"
         "  hostPath: {path: /x}\n  claimRef: {namespace: default}\n",
         "spec.claimRef.name: Required value"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
        expect_error_with(pv_base, cases[i].snippet, cases[i].msg);
}

static void test_storageclass(void **state)
{
    (void)state;
    expect_ok_with(sc_base, "provisioner: minik8s.io/local-path\n");
    expect_ok_with(sc_base, "provisioner: minik8s.io/local-path\n"
                            "parameters: {path: /tmp/v}\n"
                            "reclaimPolicy: Retain\n"
                            "volumeBindingMode: WaitForFirstConsumer\n"
                            "allowVolumeExpansion: false\n");
    expect_error_with(sc_base, "parameters: {a: b}\n", "provisioner: Required value");
    expect_error_with(sc_base, "provisioner: x\nreclaimPolicy: Recycle\n",
                      "reclaimPolicy: Unsupported value: \"Recycle\"");
    expect_error_with(sc_base, "provisioner: x\nvolumeBindingMode: Later\n",
                      "volumeBindingMode: Unsupported value: \"Later\"");
    expect_error_with(sc_base, "provisioner: x\nparameters: {a: 1}\n", "parameters.a");
    expect_error_with(sc_base, "provisioner: 'not a provisioner!'\n",
                      "provisioner: Invalid value");
}

static void test_volume_updates(void **state)
{
    (void)state;
#define PVC(spec)                                                                              \
    "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: d, namespace: default}\n"   \
    "spec: {accessModes: [ReadWriteOnce], " spec "}\n"
    const char *old = PVC("resources: {requests: {storage: 1Gi}}");
    expect_update(old, PVC("resources: {requests: {storage: 1Gi}}, volumeName: pv1"), NULL);
    expect_update(old, PVC("resources: {requests: {storage: 1Gi}}, storageClassName: fast"),
                  NULL);
    expect_update(old, PVC("resources: {requests: {storage: 1024Mi}}"), NULL);
    expect_update(old, PVC("resources: {requests: {storage: 2Gi}}"),
                  "spec.resources.requests.storage: Forbidden: volume expansion is not "
                  "supported");
    expect_update(old, PVC("resources: {requests: {storage: 1Mi}}"),
                  "spec.resources.requests.storage: Invalid value");
    const char *classed = PVC("resources: {requests: {storage: 1Gi}}, storageClassName: ''");
    expect_update(classed, PVC("resources: {requests: {storage: 1Gi}}, storageClassName: a"),
                  "spec: Forbidden: spec is immutable after creation");
    const char *bound = PVC("resources: {requests: {storage: 1Gi}}, volumeName: pv1");
    expect_update(bound, PVC("resources: {requests: {storage: 1Gi}}, volumeName: pv2"),
                  "spec: Forbidden");
#undef PVC
#define PV(spec)                                                                               \
    "apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: pv1}\n"                          \
    "spec: {capacity: {storage: 1Gi}, accessModes: [ReadWriteOnce], " spec "}\n"
    old = PV("hostPath: {path: /a}");
    expect_update(old, PV("hostPath: {path: /a}, claimRef: {namespace: n, name: c}"), NULL);
    expect_update(old, PV("hostPath: {path: /b}"), "spec.persistentvolumesource: Forbidden");
#undef PV
#define SC(rest)                                                                               \
    "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: s}\n"                 \
    "provisioner: p\n" rest
    expect_update(SC("parameters: {a: b}\n"), SC("parameters: {a: b}\n"), NULL);
    expect_update(SC("parameters: {a: b}\n"), SC("parameters: {a: c}\n"),
                  "parameters: Forbidden: updates to parameters are forbidden");
    expect_update(SC("reclaimPolicy: Delete\n"), SC("reclaimPolicy: Retain\n"),
                  "reclaimPolicy: Forbidden");
    expect_update(SC(""), SC("allowVolumeExpansion: true\n"), NULL);
#undef SC
}

static void test_volume_defaults(void **state)
{
    (void)state;
    json_object *o = decode("apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: p}\n"
                            "spec: {capacity: {storage: 1Gi}}\n");
    defaults_apply(kind_by_kind("PersistentVolume"), o);
    assert_string_equal(mk_json_str(o, "spec.persistentVolumeReclaimPolicy") ?: "", "Retain");
    assert_string_equal(mk_json_str(o, "spec.volumeMode") ?: "", "Filesystem");
    json_object_put(o);
    o = decode("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: p}\nspec: {}\n");
    defaults_apply(kind_by_kind("PersistentVolumeClaim"), o);
    assert_string_equal(mk_json_str(o, "spec.volumeMode") ?: "", "Filesystem");
    json_object_put(o);
    o = decode("apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: s}\n"
               "provisioner: p\nvolumeBindingMode: WaitForFirstConsumer\n");
    defaults_apply(kind_by_kind("StorageClass"), o);
    assert_string_equal(mk_json_str(o, "reclaimPolicy") ?: "", "Delete");
    assert_string_equal(mk_json_str(o, "volumeBindingMode") ?: "", "WaitForFirstConsumer");
    json_object_put(o);
}

/* ---- PriorityClass, a pod's priority fields ---- */

static const char pc_base[] = "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\n@@";

#define SYSTEM_RESERVED                                                                        \
    "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for "   \
    "system use only. error: "
#define POLICIES "supported values: \"PreemptLowerPriority\", \"Never\""

static void test_priorityclass(void **state)
{
    (void)state;
    expect_ok_with(pc_base, "metadata: {name: high}\nvalue: 1000\n");
    expect_ok_with(pc_base, "metadata: {name: high.tier.example}\nvalue: 1000000000\n"
                            "globalDefault: true\ndescription: the important ones\n"
                            "preemptionPolicy: Never\n");
    expect_ok_with(pc_base, "metadata: {name: low}\nvalue: -2147483648\n"
                            "preemptionPolicy: PreemptLowerPriority\n");
    expect_ok_with(pc_base, "metadata: {name: zero}\n"); /* value defaults to 0 */
    /* The two built-in classes, exactly as Kubernetes makes them. */
    expect_ok_with(pc_base, "metadata: {name: system-node-critical}\nvalue: 2000001000\n");
    expect_ok_with(pc_base, "metadata: {name: system-cluster-critical}\nvalue: 2000000000\n"
                            "globalDefault: false\n");
    static const struct {
        const char *snippet, *msg;
    } cases[] = {
        {"metadata: {name: system-mine}\nvalue: 1000\n",
         SYSTEM_RESERVED "system-mine is not a known system priority class"},
        {"metadata: {generateName: system-}\nvalue: 1000\n",
         SYSTEM_RESERVED "system- is not a known system priority class"},
        {"metadata: {name: system-node-critical}\nvalue: 2000000000\n",
         SYSTEM_RESERVED "value of system-node-critical PriorityClass must be 2000001000"},
        {"metadata: {name: system-cluster-critical}\n",
         SYSTEM_RESERVED "value of system-cluster-critical PriorityClass must be 2000000000"},
        {"metadata: {name: system-cluster-critical}\nvalue: 2000000000\nglobalDefault: true\n",
         SYSTEM_RESERVED
         "globalDefault of system-cluster-critical PriorityClass must be false"},
        {"metadata: {name: high}\nvalue: 1000000001\n",
         "value: Forbidden: maximum allowed value of a user defined priority is 1000000000"},
        {"metadata: {name: high}\nvalue: 2147483648\n",
         "value: Invalid value: 2147483648: must be a 32-bit integer"},
        {"metadata: {name: high}\nvalue: -2147483649\n",
         "value: Invalid value: -2147483649: must be a 32-bit integer"},
        {"metadata: {name: high}\nvalue: '10'\n",
         "value: Invalid value: \"10\": must be a 32-bit integer"},
        {"metadata: {name: high}\nvalue: 1.5\n",
         "value: Invalid value: 1.5: must be a 32-bit integer"},
        {"metadata: {name: high}\nglobalDefault: 'yes'\n",
         "globalDefault: Invalid value: \"yes\": must be a boolean"},
        {"metadata: {name: high}\ndescription: [a]\n",
         "description: Invalid value: [\"a\"]: must be a string"},
        {"metadata: {name: high}\npreemptionPolicy: Sometimes\n",
         "preemptionPolicy: Unsupported value: \"Sometimes\": " POLICIES},
        {"metadata: {name: high}\npreemptionPolicy: ''\n", "preemptionPolicy: Required value"},
        {"metadata: {name: High}\n", "metadata.name: Invalid value: \"High\": a lowercase RFC "
                                     "1123 subdomain"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
        expect_error_with(pc_base, cases[i].snippet, cases[i].msg);
}

static void test_priorityclass_update(void **state)
{
    (void)state;
#define PC(rest)                                                                               \
    "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: high}\n" rest
    const char *old = PC("value: 1000\npreemptionPolicy: PreemptLowerPriority\n");
    expect_update(old,
                  PC("value: 1000\npreemptionPolicy: PreemptLowerPriority\n"
                     "description: now described\nglobalDefault: true\n"),
                  NULL);
    expect_update(old, PC("value: 1001\npreemptionPolicy: PreemptLowerPriority\n"),
                  "value: Forbidden: may not be changed in an update.");
    expect_update(old, PC("preemptionPolicy: PreemptLowerPriority\n"),
                  "value: Forbidden: may not be changed in an update.");
    expect_update(old, PC("value: 1000\npreemptionPolicy: Never\n"),
                  "preemptionPolicy: Invalid value: \"Never\": field is immutable");
    expect_update(old, PC("value: 1000\n"),
                  "preemptionPolicy: Invalid value: null: field is immutable");
#undef PC
}

/* A pod's priority fields: their syntax in pods and templates alike, and
 * no change once admission resolved them. */
static void test_pod_priority(void **state)
{
    (void)state;
#define POD(spec)                                                                              \
    "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\n"                                       \
    "spec: {containers: [{name: a, image: busybox}]" spec "}\n"
    expect_ok(POD(", priorityClassName: high.tier, priority: 1000, preemptionPolicy: Never"));
    expect_ok(POD(", priorityClassName: '', preemptionPolicy: PreemptLowerPriority"));
    expect_error(POD(", preemptionPolicy: Maybe"),
                 "spec.preemptionPolicy: Unsupported value: \"Maybe\": " POLICIES);
    expect_error(POD(", preemptionPolicy: ''"), "spec.preemptionPolicy: Required value");
    expect_error(POD(", priorityClassName: High_Class"),
                 "spec.priorityClassName: Invalid value: \"High_Class\": a lowercase RFC 1123 "
                 "subdomain");
    expect_error(POD(", priority: high"),
                 "spec.priority: Invalid value: \"high\": must be a 32-bit integer");
    expect_error("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n"
                 "  selector: {matchLabels: {app: d}}\n  template:\n"
                 "    metadata: {labels: {app: d}}\n"
                 "    spec: {containers: [{name: a, image: b}], preemptionPolicy: never}\n",
                 "spec.template.spec.preemptionPolicy: Unsupported value: \"never\"");
    const char *old = POD(", priorityClassName: high, priority: 1000, "
                          "preemptionPolicy: PreemptLowerPriority");
    static const char forbidden[] =
        "spec: Forbidden: pod updates may not change fields other than "
        "`spec.containers[*].image`,`spec.initContainers[*].image`,"
        "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing "
        "tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was "
        "previously negative)";
    expect_update(old,
                  POD(", priorityClassName: high, priority: 1000, "
                      "preemptionPolicy: PreemptLowerPriority, nodeName: n1"),
                  NULL);
    /* Left out, priority and policy keep what admission gave them. */
    expect_update(old, POD(", priorityClassName: high"), NULL);
    expect_update(old, POD(", priorityClassName: low, priority: 1000"), forbidden);
    expect_update(old, POD(", priority: 1000"), forbidden);
    expect_update(old, POD(", priorityClassName: high, priority: 2000"), forbidden);
    expect_update(old, POD(", priorityClassName: high, preemptionPolicy: Never"), forbidden);
    expect_update(POD(""), POD(", priority: 0"), forbidden);
    expect_update(POD(""), POD(", priorityClassName: ''"), NULL);
#undef POD
}

static void test_priorityclass_defaults(void **state)
{
    (void)state;
    json_object *o = decode("apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\n"
                            "metadata: {name: p}\n");
    defaults_apply(kind_by_kind("PriorityClass"), o);
    assert_int_equal(mk_json_int(o, "value", -1), 0);
    assert_string_equal(mk_json_str(o, "preemptionPolicy") ?: "", "PreemptLowerPriority");
    assert_null(mk_json_path(o, "globalDefault"));
    json_object_put(o);
    o = decode("apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: p}\n"
               "value: 7\npreemptionPolicy: Never\n");
    defaults_apply(kind_by_kind("PriorityClass"), o);
    assert_int_equal(mk_json_int(o, "value", -1), 7);
    assert_string_equal(mk_json_str(o, "preemptionPolicy") ?: "", "Never");
    json_object_put(o);
}

static void test_ephemeral_containers(void **state)
{
#define EPOD(eph)                                                                              \
    "apiVersion: v1\nkind: Pod\nmetadata: {name: web, uid: u1}\nspec: {containers: [{name: "   \
    "app, image: busybox}], ephemeralContainers: [" eph "]}\n"
    /* kubectl debug's: stdin, tty, an empty resources, a target */
    expect_ok(EPOD("{name: dbg, image: busybox, stdin: true, tty: true, resources: {}, "
                   "targetContainerName: app}"));
    expect_error(EPOD("{name: app, image: busybox}"),
                 "spec.ephemeralContainers[0].name: Duplicate value: \"app\"");
    expect_error(EPOD("{name: dbg}"), "spec.ephemeralContainers[0].image: Required value");
    expect_error(EPOD("{name: dbg, image: busybox, ports: [{containerPort: 80}]}"),
                 "spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an "
                 "Ephemeral Container");
    expect_error(EPOD("{name: dbg, image: busybox, resources: {limits: {cpu: 1}}}"),
                 "spec.ephemeralContainers[0].resources: Forbidden");
    expect_error(EPOD("{name: dbg, image: busybox, targetContainerName: nope}"),
                 "spec.ephemeralContainers[0].targetContainerName: Not found: \"nope\"");
    /* added: fine; removed or changed: refused */
    const char *none = EPOD("");
    const char *one = EPOD("{name: dbg, image: busybox}");
    expect_update(none, one, NULL);
    expect_update(one, EPOD("{name: dbg, image: busybox}, {name: dbg2, image: busybox}"), NULL);
    expect_update(one, none,
                  "spec.ephemeralContainers: Forbidden: existing ephemeral containers \"dbg\" "
                  "may not be removed");
    expect_update(one, EPOD("{name: dbg, image: other}"),
                  "existing ephemeral containers \"dbg\" may not be changed");
#undef EPOD
    expect_error("apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\nspec:\n  template: "
                 "{spec: {restartPolicy: Never, containers: [{name: c, image: b}], "
                 "ephemeralContainers: [{name: d, image: b}]}}\n",
                 "spec.template.spec.ephemeralContainers: Forbidden: ephemeral containers not "
                 "allowed in pod template");
}

static void test_pod_failure_policy(void **state)
{
#define PFP_JOB(policy, restart)                                                               \
    "apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\nspec:\n  podFailurePolicy: "        \
    "{rules: [" policy "]}\n  template: {spec: {restartPolicy: " restart                       \
    ", containers: [{name: c, image: b}]}}\n"
    expect_ok(PFP_JOB("{action: FailJob, onExitCodes: {containerName: c, operator: In, "
                      "values: [1, 42]}}, {action: Ignore, onPodConditions: [{type: "
                      "DisruptionTarget}]}",
                      "Never"));
    expect_error(
        PFP_JOB("{action: Count, onExitCodes: {operator: In, values: [1]}}", "OnFailure"),
        "spec.template.spec.restartPolicy: Invalid value: \"OnFailure\": only "
        "\"Never\" is supported when podFailurePolicy is specified");
    expect_error(PFP_JOB("{action: Stop, onExitCodes: {operator: In, values: [1]}}", "Never"),
                 "spec.podFailurePolicy.rules[0].action: Unsupported value: \"Stop\"");
    expect_error(
        PFP_JOB("{action: FailIndex, onExitCodes: {operator: In, values: [1]}}", "Never"),
        "requires the backoffLimitPerIndex to be set");
    expect_error(PFP_JOB("{action: Count}", "Never"),
                 "spec.podFailurePolicy.rules[0]: Invalid value: specifying one of OnExitCodes "
                 "and OnPodConditions is required");
    expect_error(PFP_JOB("{action: Count, onExitCodes: {operator: In, values: [0]}}", "Never"),
                 "spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must "
                 "not be 0 for the In operator");
    expect_error(
        PFP_JOB("{action: Count, onExitCodes: {operator: NotIn, values: [3, 2]}}", "Never"),
        "values[1]: Invalid value: 2: must be ordered");
    expect_error(
        PFP_JOB("{action: Count, onExitCodes: {containerName: d, operator: In, values: "
                "[1]}}",
                "Never"),
        "onExitCodes.containerName: Invalid value: \"d\": must be one of the container");
    expect_error(
        PFP_JOB("{action: Ignore, onPodConditions: [{type: X, status: Maybe}]}", "Never"),
        "onPodConditions[0].status: Unsupported value: \"Maybe\"");
#undef PFP_JOB
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pod_good),
        cmocka_unit_test(test_pod_bad),
        cmocka_unit_test(test_metadata),
        cmocka_unit_test(test_kind_of),
        cmocka_unit_test(test_unknown_fields_warn),
        cmocka_unit_test(test_namespace_node),
        cmocka_unit_test(test_service),
        cmocka_unit_test(test_endpoints),
        cmocka_unit_test(test_configmap_secret),
        cmocka_unit_test(test_replicaset),
        cmocka_unit_test(test_statefulset),
        cmocka_unit_test(test_statefulset_claims),
        cmocka_unit_test(test_hpa),
        cmocka_unit_test(test_pdb),
        cmocka_unit_test(test_lease),
        cmocka_unit_test(test_limitrange),
        cmocka_unit_test(test_resourcequota),
        cmocka_unit_test(test_serviceaccount),
        cmocka_unit_test(test_role),
        cmocka_unit_test(test_clusterrole),
        cmocka_unit_test(test_rbac_names),
        cmocka_unit_test(test_rolebinding),
        cmocka_unit_test(test_clusterrolebinding),
        cmocka_unit_test(test_rbac_defaults),
        cmocka_unit_test(test_policy_defaults),
        cmocka_unit_test(test_examples),
        cmocka_unit_test(test_rolebinding_update),
        cmocka_unit_test(test_ingress),
        cmocka_unit_test(test_networkpolicy),
        cmocka_unit_test(test_function),
        cmocka_unit_test(test_workflow),
        cmocka_unit_test(test_cronjob),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_defaults_workloads),
        cmocka_unit_test(test_gpujob),
        cmocka_unit_test(test_update),
        cmocka_unit_test(test_ephemeral_containers),
        cmocka_unit_test(test_pod_failure_policy),
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_upstream_manifests),
        cmocka_unit_test(test_pvc),
        cmocka_unit_test(test_pv),
        cmocka_unit_test(test_storageclass),
        cmocka_unit_test(test_volume_updates),
        cmocka_unit_test(test_volume_defaults),
        cmocka_unit_test(test_priorityclass),
        cmocka_unit_test(test_priorityclass_update),
        cmocka_unit_test(test_pod_priority),
        cmocka_unit_test(test_priorityclass_defaults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
