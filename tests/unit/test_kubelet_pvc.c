/* test_kubelet_pvc.c - the kubelet's persistentVolumeClaim volumes (a link
 * to the bound PV's path, mounted from its target; a claim not bound
 * waits) and the local-path cleanup's rule (which PVs this node deletes,
 * and which directories it may remove). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "yaml_fixture.h"
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kubelet/fsutil.h"
#include "kubelet/localpath.h"
#include "kubelet/volumes.h"
#include "store/codec.h"
#include "store/util.h"

static char tmp[64]; /* the test's directory: PV paths and the pod dir under it */

/* Claims and volumes as the API server would answer. */
static json_object *fetch(void *ctx, const char *kind, const char *ns, const char *name,
                          mk_err *err)
{
    (void)ctx;
    if (!strcmp(kind, "PersistentVolumeClaim") && !strcmp(ns, "team")) {
        if (!strcmp(name, "db"))
            return yaml("metadata: {name: db, uid: u1}\n"
                        "spec: {volumeName: pvc-u1}\nstatus: {phase: Bound}\n");
        if (!strcmp(name, "static"))
            return yaml("metadata: {name: static, uid: u2}\n"
                        "spec: {volumeName: manual}\nstatus: {phase: Bound}\n");
        if (!strcmp(name, "wait"))
            return yaml("metadata: {name: wait, uid: u3}\nstatus: {phase: Pending}\n");
        if (!strcmp(name, "stolen"))
            return yaml("metadata: {name: stolen, uid: u4}\n"
                        "spec: {volumeName: manual}\nstatus: {phase: Bound}\n");
    }
    if (!strcmp(kind, "PersistentVolume") && !strcmp(name, "pvc-u1")) {
        char *t = xasprintf("metadata: {name: pvc-u1, annotations: "
                            "{pv.kubernetes.io/provisioned-by: minik8s.io/local-path}}\n"
                            "spec: {claimRef: {uid: u1}, hostPath: {path: %s/pvc-u1_team_db, "
                            "type: DirectoryOrCreate}}\n",
                            tmp);
        json_object *o = yaml(t);
        free(t);
        return o;
    }
    if (!strcmp(kind, "PersistentVolume") && !strcmp(name, "manual")) {
        char *t = xasprintf("metadata: {name: manual}\n"
                            "spec: {claimRef: {uid: u2}, local: {path: %s/disk}}\n",
                            tmp);
        json_object *o = yaml(t);
        free(t);
        return o;
    }
    mk_error(err, ENOENT, "%s \"%s\" not found", kind, name);
    return NULL;
}

static json_object *pod_with(const char *claim, bool readonly)
{
    char *t = xasprintf("metadata: {name: p, namespace: team}\n"
                        "spec:\n  containers: [{name: c, volumeMounts: [{name: data, "
                        "mountPath: /data}]}]\n"
                        "  volumes: [{name: data, persistentVolumeClaim: {claimName: %s, "
                        "readOnly: %s}}]\n",
                        claim, readonly ? "true" : "false");
    json_object *o = yaml(t);
    free(t);
    return o;
}

static void test_provisioned_claim(void **state)
{
    (void)state;
    strcpy(tmp, "/tmp/mk-test-pvc-XXXXXX");
    assert_non_null(mkdtemp(tmp));
    pods_env e = {.fetch = fetch};
    _cleanup_free_ char *pdir = xasprintf("%s/pod", tmp);
    json_object *pod = pod_with("db", false);
    mk_err err = {0};
    for (int i = 0; i < 2; i++) /* idempotent */
        if (volumes_setup(&e, pod, pdir, &err) < 0)
            fail_msg("%s", err.msg);
    _cleanup_free_ char *want = xasprintf("%s/pvc-u1_team_db", tmp);
    struct stat st;
    assert_int_equal(stat(want, &st), 0); /* made by the kubelet, 0777 */
    assert_int_equal(st.st_mode & 0777, 0777);
    oci_mount *m = NULL;
    int n = 0;
    json_object *ctr = json_object_array_get_idx(mk_json_path(pod, "spec.containers"), 0);
    assert_int_equal(volumes_mounts(pod, ctr, pdir, &m, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(m[0].source, want); /* the link resolved */
    assert_string_equal(m[0].destination, "/data");
    assert_false(m[0].readonly);
    volumes_mounts_free(m, n);
    volumes_teardown(pdir); /* a link: nothing unmounted, nothing removed */
    assert_int_equal(stat(want, &st), 0);
    json_object_put(pod);

    pod = pod_with("db", true); /* readOnly on the claim */
    ctr = json_object_array_get_idx(mk_json_path(pod, "spec.containers"), 0);
    assert_int_equal(volumes_mounts(pod, ctr, pdir, &m, &n, &err), 0);
    assert_true(m[0].readonly);
    volumes_mounts_free(m, n);
    json_object_put(pod);
    fsu_rm_rf(tmp, &err);
}

static void test_static_and_waiting(void **state)
{
    (void)state;
    strcpy(tmp, "/tmp/mk-test-pvc-XXXXXX");
    assert_non_null(mkdtemp(tmp));
    pods_env e = {.fetch = fetch};
    _cleanup_free_ char *pdir = xasprintf("%s/pod", tmp);
    mk_err err = {0};
    /* a local PV's path must exist: the kubelet makes nothing there */
    json_object *pod = pod_with("static", false);
    assert_int_equal(volumes_setup(&e, pod, pdir, &err), -ENOENT);
    _cleanup_free_ char *disk = xasprintf("%s/disk", tmp);
    assert_int_equal(fsu_mkdir_p(disk, 0755, &err), 0);
    if (volumes_setup(&e, pod, pdir, &err) < 0)
        fail_msg("%s", err.msg);
    json_object_put(pod);
    /* not bound, missing, or the PV is someone else's: wait */
    pod = pod_with("wait", false);
    assert_int_equal(volumes_setup(&e, pod, pdir, &err), -PODS_EMOUNT);
    assert_string_equal(err.msg, "error processing PVC team/wait: PVC is not bound");
    json_object_put(pod);
    pod = pod_with("nope", false);
    assert_int_equal(volumes_setup(&e, pod, pdir, &err), -PODS_EMOUNT);
    json_object_put(pod);
    pod = pod_with("stolen", false);
    assert_int_equal(volumes_setup(&e, pod, pdir, &err), -PODS_EMOUNT);
    assert_string_equal(err.msg, "persistentvolume manual is bound to another claim");
    json_object_put(pod);
    fsu_rm_rf(tmp, &err);
}

static json_object *pv(const char *phase, const char *policy, const char *node,
                       const char *path, const char *by)
{
    char *t = xasprintf("metadata: {name: pvc-x, annotations: "
                        "{pv.kubernetes.io/provisioned-by: %s}}\n"
                        "spec: {persistentVolumeReclaimPolicy: %s, hostPath: {path: \"%s\"},"
                        " nodeAffinity: {required: {nodeSelectorTerms: [{matchExpressions: "
                        "[{key: kubernetes.io/hostname, operator: In, values: [%s]}]}]}}}\n"
                        "status: {phase: %s}\n",
                        by, policy, path, node, phase);
    json_object *o = yaml(t);
    free(t);
    return o;
}

static void expect(const char *phase, const char *policy, const char *node, const char *path,
                   const char *by, bool must, const char *dir)
{
    json_object *o = pv(phase, policy, node, path, by);
    const char *got = "unset";
    assert_int_equal(localpath_must_delete(o, "n1", &got), must);
    if (must && dir)
        assert_string_equal(got, dir);
    else if (must)
        assert_null(got);
    json_object_put(o);
}

static void test_localpath_rule(void **state)
{
    (void)state;
    const char *lp = "minik8s.io/local-path", *p = "/var/lib/v/pvc-1_ns_c";
    expect("Released", "Delete", "n1", p, lp, true, p);
    expect("Bound", "Delete", "n1", p, lp, false, NULL);
    expect("Released", "Retain", "n1", p, lp, false, NULL);
    expect("Released", "Delete", "n2", p, lp, false, NULL);
    expect("Released", "Delete", "n1", p, "example.com/other", false, NULL);
    /* never anything but a directory the provisioner made */
    expect("Released", "Delete", "n1", "/etc", lp, true, NULL);
    expect("Released", "Delete", "n1", "/var/lib/v/pvc-1/..", lp, true, NULL);
    expect("Released", "Delete", "n1", "/var/lib/../pvc-1", lp, true, NULL);
    expect("Released", "Delete", "n1", "pvc-1", lp, true, NULL);
    expect("Released", "Delete", "n1", "/data/notpvc-1", lp, true, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_provisioned_claim),
        cmocka_unit_test(test_static_and_waiting),
        cmocka_unit_test(test_localpath_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
