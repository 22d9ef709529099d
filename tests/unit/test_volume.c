/* The volume controller's rules (controllers/volume.h): which volume a
 * claim binds to, the default class, the provisioned volume, and the
 * phases of a volume as its claim comes and goes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "controllers/volume.h"
#include "store/codec.h"
#include "store/util.h"

static json_object *parse(const char *text)
{
    json_object *o = NULL;
    mk_err err = {0};
    if (codec_decode(text, strlen(text), &o, &err) < 0)
        fail_msg("decode: %s\n%s", err.msg, text);
    return o;
}

/* A claim "data" in default, uid u1, asking for `size` in `class`
 * ("-" for no storageClassName), plus extra spec fields. */
static json_object *claim(const char *size, const char *class, const char *extra)
{
    _cleanup_free_ char *cls =
        strcmp(class, "-") ? xasprintf(", storageClassName: '%s'", class) : xstrdup("");
    const char *modes = strstr(extra, "accessModes") ? "" : "accessModes: [ReadWriteOnce], ";
    _cleanup_free_ char *text =
        xasprintf("{apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: data, "
                  "namespace: default, uid: u1}, spec: {%sresources: {requests: {storage: "
                  "'%s'}}%s%s}}",
                  modes, size, cls, extra);
    return parse(text);
}

/* An Available volume. */
static json_object *volume(const char *name, const char *size, const char *class,
                           const char *extra)
{
    _cleanup_free_ char *text = xasprintf(
        "{apiVersion: v1, kind: PersistentVolume, metadata: {name: %s, labels: {tier: db}}, "
        "spec: {capacity: {storage: '%s'}, accessModes: [ReadWriteOnce, ReadOnlyMany], "
        "storageClassName: '%s', hostPath: {path: /x}%s}, status: {phase: Available}}",
        name, size, class, extra);
    return parse(text);
}

static const char *picked(json_object *c, json_object *const *pvs, size_t n)
{
    json_object *pv = volume_pick(c, pvs, n);
    return pv ? mk_json_str(pv, "metadata.name") : "(none)";
}

static void put_all(json_object **objs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        json_object_put(objs[i]);
}

static void test_pick_smallest_fitting(void **state)
{
    (void)state;
    json_object *pvs[] = {
        volume("big", "10Gi", "manual", ""),
        volume("small", "500Mi", "manual", ""), /* too small */
        volume("right", "2Gi", "manual", ""),
        volume("other", "1Gi", "fast", ""), /* another class */
        volume("taken", "1Gi", "manual", ", claimRef: {namespace: default, name: other}"),
    };
    json_object *c = claim("1Gi", "manual", "");
    assert_string_equal(picked(c, pvs, 5), "right");
    json_object_put(c);
    c = claim("1Gi", "manual", ", accessModes: [ReadWriteMany]");
    assert_string_equal(picked(c, pvs, 5), "(none)");
    json_object_put(c);
    c = claim("1Gi", "manual", ", selector: {matchLabels: {tier: web}}");
    assert_string_equal(picked(c, pvs, 5), "(none)");
    json_object_put(c);
    c = claim("1Gi", "manual", ", volumeName: big");
    assert_string_equal(picked(c, pvs, 5), "big");
    json_object_put(c);
    c = claim("1Gi", "", ""); /* "" is a class of its own */
    assert_string_equal(picked(c, pvs, 5), "(none)");
    json_object_put(c);
    put_all(pvs, 5);
}

static void test_pick_reserved_and_phase(void **state)
{
    (void)state;
    json_object *pvs[] = {
        volume("a", "1Gi", "manual", ""),
        volume("mine", "5Gi", "manual", ", claimRef: {namespace: default, name: data}"),
    };
    json_object *c = claim("1Gi", "manual", "");
    assert_string_equal(picked(c, pvs, 2), "mine");
    assert_true(volume_reserved_for(pvs[1], c));
    json_object_put(pvs[1]);
    pvs[1] = volume("mine", "5Gi", "manual",
                    ", claimRef: {namespace: default, name: data, uid: old}");
    assert_false(volume_reserved_for(pvs[1], c)); /* an earlier claim of that name */
    assert_string_equal(picked(c, pvs, 2), "a");
    json_object_object_add(mk_json_path(pvs[0], "status"), "phase",
                           json_object_new_string("Pending"));
    assert_string_equal(picked(c, pvs, 2), "(none)");
    const char *why = NULL;
    json_object *big = claim("9Gi", "manual", "");
    assert_false(volume_fits(big, pvs[0], &why));
    assert_string_equal(why, "requested PV is too small");
    json_object_put(big);
    json_object_put(c);
    put_all(pvs, 2);
}

static void test_default_class(void **state)
{
    (void)state;
    json_object *scs[] = {
        parse("{metadata: {name: old, creationTimestamp: '2026-01-01T00:00:00Z', annotations: "
              "{storageclass.kubernetes.io/is-default-class: 'true'}}, provisioner: p}"),
        parse("{metadata: {name: plain, creationTimestamp: '2026-03-01T00:00:00Z'}, "
              "provisioner: p}"),
        parse("{metadata: {name: new, creationTimestamp: '2026-02-01T00:00:00Z', annotations: "
              "{storageclass.kubernetes.io/is-default-class: 'true'}}, provisioner: p}"),
    };
    assert_string_equal(mk_json_str(volume_default_class(scs, 3), "metadata.name"), "new");
    assert_null(volume_default_class(scs + 1, 1));
    put_all(scs, 3);
    json_object *lp = volume_local_path_class();
    assert_string_equal(mk_json_str(lp, "metadata.name"), "local-path");
    assert_string_equal(mk_json_str(lp, "provisioner"), "minik8s.io/local-path");
    assert_string_equal(mk_json_str(lp, "volumeBindingMode"), "WaitForFirstConsumer");
    assert_string_equal(mk_json_str(lp, "parameters.path"), "/var/lib/minik8s/volumes");
    assert_non_null(volume_default_class(&lp, 1));
    json_object_put(lp);
}

static void test_provisioned_pv(void **state)
{
    (void)state;
    json_object *c = claim("3Gi", "local", ", accessModes: [ReadWriteOncePod]");
    json_object *sc = parse("{metadata: {name: local}, provisioner: minik8s.io/local-path, "
                            "parameters: {path: /tmp/vols/}, reclaimPolicy: Retain}");
    json_object *pv = volume_provisioned_pv(c, sc, "n1");
    assert_string_equal(mk_json_str(pv, "metadata.name"), "pvc-u1");
    json_object *anns = mk_json_path(pv, "metadata.annotations");
    assert_string_equal(
        json_object_get_string(json_object_object_get(anns, "pv.kubernetes.io/provisioned-by")),
        "minik8s.io/local-path");
    assert_string_equal(mk_json_str(pv, "spec.capacity.storage"), "3Gi");
    assert_string_equal(mk_json_str(pv, "spec.accessModes.0"), "ReadWriteOncePod");
    assert_string_equal(mk_json_str(pv, "spec.persistentVolumeReclaimPolicy"), "Retain");
    assert_string_equal(mk_json_str(pv, "spec.storageClassName"), "local");
    assert_string_equal(mk_json_str(pv, "spec.hostPath.path"), "/tmp/vols/pvc-u1_default_data");
    assert_string_equal(mk_json_str(pv, "spec.hostPath.type"), "DirectoryOrCreate");
    json_object *expr = mk_json_path(pv, "spec.nodeAffinity.required.nodeSelectorTerms.0."
                                         "matchExpressions.0");
    assert_string_equal(mk_json_str(expr, "key"), "kubernetes.io/hostname");
    assert_string_equal(mk_json_str(expr, "operator"), "In");
    assert_string_equal(mk_json_str(expr, "values.0"), "n1");
    assert_string_equal(mk_json_str(pv, "spec.claimRef.uid"), "u1");
    assert_string_equal(mk_json_str(pv, "spec.claimRef.namespace"), "default");
    assert_true(volume_reserved_for(pv, c));
    assert_true(volume_fits(c, pv, NULL));
    json_object_put(pv);
    json_object_put(sc);
    json_object_put(c);
}

static const char *phase_of(const char *pv_text, json_object *c, char *msg)
{
    json_object *pv = parse(pv_text);
    const char *p = volume_pv_phase(pv, c, msg, 256);
    json_object_put(pv);
    return p;
}

static void test_phases(void **state)
{
    (void)state;
    json_object *c = claim("1Gi", "manual", "");
    char msg[256];
#define PV(policy, ann, ref, phase)                                                            \
    "{metadata: {name: pv1" ann "}, spec: {persistentVolumeReclaimPolicy: " policy ref         \
    "}, status: {phase: " phase "}}"
#define REF       ", claimRef: {namespace: default, name: data, uid: u1}"
#define LOCALPATH ", annotations: {pv.kubernetes.io/provisioned-by: minik8s.io/local-path}"
    assert_string_equal(phase_of(PV("Retain", "", "", "Pending"), NULL, msg), "Available");
    assert_string_equal(
        phase_of(PV("Retain", "", ", claimRef: {namespace: default, name: data}", "Pending"), c,
                 msg),
        "Available");
    assert_string_equal(phase_of(PV("Retain", "", REF, "Available"), c, msg), "Bound");
    assert_string_equal(phase_of(PV("Retain", "", REF, "Bound"), NULL, msg), "Released");
    assert_string_equal(msg, "");
    assert_string_equal(phase_of(PV("Retain", "", REF, "Released"), c, msg), "Released");
    assert_string_equal(phase_of(PV("Delete", LOCALPATH, REF, "Bound"), NULL, msg), "Released");
    assert_string_equal(phase_of(PV("Delete", "", REF, "Bound"), NULL, msg), "Failed");
    assert_string_equal(msg, "error getting deleter volume plugin for volume \"pv1\": no "
                             "deletable volume plugin matched");
    json_object *other = claim("1Gi", "manual", "");
    json_object_object_add(mk_json_path(other, "metadata"), "uid",
                           json_object_new_string("u2"));
    assert_string_equal(phase_of(PV("Retain", "", REF, "Bound"), other, msg), "Released");
    json_object_put(other);
    json_object_put(c);
#undef PV
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pick_smallest_fitting),
        cmocka_unit_test(test_pick_reserved_and_phase),
        cmocka_unit_test(test_default_class),
        cmocka_unit_test(test_provisioned_pv),
        cmocka_unit_test(test_phases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
