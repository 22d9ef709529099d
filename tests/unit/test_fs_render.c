/* Unit tests for fs/render.c and fs/table.c: file contents, labels and
 * scale parsing, .watch lines, kubectl tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fs/render.h"
#include "fs/table.h"
#include "store/codec.h"
#include "store/util.h"

static json_object *obj(const char *json)
{
    json_object *o = NULL;
    mk_err err = {0};
    assert_int_equal(codec_decode(json, strlen(json), &o, &err), 0);
    return o;
}

static const char *pod_json =
    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web\",\"namespace\":"
    "\"default\",\"resourceVersion\":\"42\",\"labels\":{\"app\":\"web\",\"tier\":\"fe\"},"
    "\"creationTimestamp\":\"2026-01-01T00:00:00Z\"},\"spec\":{\"nodeName\":\"n1\","
    "\"containers\":[{\"name\":\"a\",\"image\":\"busybox\"},{\"name\":\"b\",\"image\":"
    "\"busybox\"}]},\"status\":{\"phase\":\"Running\",\"podIP\":\"10.244.1.5\","
    "\"containerStatuses\":[{\"name\":\"a\",\"ready\":true,\"restartCount\":2},{\"name\":"
    "\"b\",\"ready\":false,\"restartCount\":1}]}}";

static void test_manifest_and_status(void **state)
{
    json_object *o = obj(pod_json);
    size_t len;
    char *m = fs_render_file(FS_FILE_MANIFEST, o, NULL, &len);
    assert_int_equal(len, strlen(m));
    assert_non_null(strstr(m, "kind: Pod\n"));
    assert_non_null(strstr(m, "resourceVersion: \"42\""));
    free(m);
    char *s = fs_render_file(FS_FILE_STATUS, o, NULL, &len);
    assert_non_null(strstr(s, "phase: Running"));
    assert_null(strstr(s, "kind:"));
    free(s);
    json_object_put(o);
    /* As kubectl shows it: managedFields left out (a PUT without them keeps them). */
    json_object *applied = obj("{\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\","
                               "\"managedFields\":[{\"manager\":\"kubectl\"}]}}");
    m = fs_render_file(FS_FILE_MANIFEST, applied, NULL, &len);
    assert_null(strstr(m, "managedFields"));
    assert_non_null(strstr(m, "name: c"));
    assert_non_null(mk_json_path(applied, "metadata.managedFields"));
    free(m);
    json_object_put(applied);
    json_object *bare = obj("{\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"}}");
    s = fs_render_file(FS_FILE_STATUS, bare, NULL, &len);
    assert_int_equal(len, 0);
    free(s);
    json_object_put(bare);
}

static void test_labels_round_trip(void **state)
{
    json_object *o = obj(pod_json);
    size_t len;
    char *l = fs_render_file(FS_FILE_LABELS, o, NULL, &len);
    assert_string_equal(l, "app=web\ntier=fe\n");
    free(l);
    json_object *labels = NULL;
    mk_err err = {0};
    const char *text = "app=web\n\n# a comment\n disk = ssd \n";
    assert_int_equal(fs_labels_parse(text, strlen(text), &labels, &err), 0);
    char *patch = fs_labels_patch(mk_json_path(o, "metadata.labels"), labels);
    assert_string_equal(patch, "{\"metadata\":{\"labels\":{\"tier\":null,\"app\":\"web\","
                               "\"disk\":\"ssd\"}}}");
    free(patch);
    json_object_put(labels);
    json_object_put(o);
    assert_int_equal(fs_labels_parse("novalue\n", 8, &labels, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "line 1"));
    assert_int_equal(fs_labels_parse("=x\n", 3, &labels, &err), -EINVAL);
}

static void test_scale(void **state)
{
    int64_t n = -1;
    mk_err err = {0};
    assert_int_equal(fs_scale_parse(" 5\n", 3, &n, &err), 0);
    assert_int_equal(n, 5);
    assert_int_equal(fs_scale_parse("0", 1, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(fs_scale_parse("-1", 2, &n, &err), -EINVAL);
    assert_int_equal(fs_scale_parse("lots", 4, &n, &err), -EINVAL);
    assert_int_equal(fs_scale_parse("", 0, &n, &err), -EINVAL);
    json_object *rs = obj("{\"kind\":\"ReplicaSet\",\"spec\":{\"replicas\":3}}");
    size_t len;
    char *s = fs_render_file(FS_FILE_SCALE, rs, NULL, &len);
    assert_string_equal(s, "3\n");
    free(s);
    json_object_put(rs);
}

static void test_output(void **state)
{
    json_object *cm = obj("{\"data\":{\"stdout\":\"PASS\\n\",\"stderr\":\"warn\\n\"}}");
    size_t len;
    char *s = fs_render_file(FS_FILE_OUTPUT, NULL, cm, &len);
    assert_string_equal(s, "PASS\nwarn\n");
    free(s);
    s = fs_render_file(FS_FILE_OUTPUT, NULL, NULL, &len);
    assert_string_equal(s, "");
    free(s);
    json_object_put(cm);
}

static void test_run_record(void **state)
{
    json_object *cm = obj("{\"data\":{\"run.json\":\"{\\\"status\\\": \\\"SUCCEEDED\\\"}\"}}");
    size_t len;
    char *s = fs_render_file(FS_FILE_RUNREC, NULL, cm, &len);
    assert_string_equal(s, "{\"status\": \"SUCCEEDED\"}");
    assert_int_equal(len, strlen(s));
    free(s);
    s = fs_render_file(FS_FILE_RUNREC, NULL, NULL, &len);
    assert_string_equal(s, "");
    assert_int_equal(len, 0);
    free(s);
    s = fs_render_file(FS_FILE_RUN, NULL, NULL, &len);
    assert_string_equal(s, "");
    free(s);
    json_object_put(cm);
}

static void test_watch_lines(void **state)
{
    json_object *o = obj(pod_json);
    char *l = fs_render_watch_line("ADDED", kind_by_kind("Pod"), o, 0);
    assert_string_equal(l, "ADDED default/web 42\n");
    free(l);
    l = fs_render_watch_line("DELETED", kind_by_kind("Pod"), o, 1);
    assert_string_equal(l, "DELETED default/web 42 pods\n");
    free(l);
    json_object_put(o);
    json_object *n = obj("{\"metadata\":{\"name\":\"n1\",\"resourceVersion\":\"7\"}}");
    l = fs_render_watch_line("MODIFIED", kind_by_kind("Node"), n, 0);
    assert_string_equal(l, "MODIFIED n1 7\n");
    free(l);
    json_object_put(n);
}

static void test_pod_table(void **state)
{
    json_object *items = json_object_new_array();
    json_object_array_add(items, obj(pod_json));
    mk_buf out = {0};
    int64_t now = mk_parse_rfc3339("2026-01-01T00:00:45Z");
    table_render(items, false, true, now, &out);
    assert_string_equal(out.data,
                        "NAME   READY   STATUS    RESTARTS   AGE   IP           NODE\n"
                        "web    1/2     Running   3          45s   10.244.1.5   n1\n");
    mk_buf_reset(&out);
    table_render(items, true, false, now, &out);
    assert_string_equal(out.data, "NAMESPACE   NAME   READY   STATUS    RESTARTS   AGE\n"
                                  "default     web    1/2     Running   3          45s\n");
    mk_buf_free(&out);
    json_object_put(items);
}

static void test_event_table(void **state)
{
    json_object *items = json_object_new_array();
    json_object_array_add(
        items, obj("{\"kind\":\"Event\",\"metadata\":{\"name\":\"web.17a\","
                   "\"creationTimestamp\":\"2026-01-01T00:00:00Z\"},\"type\":\"Normal\","
                   "\"reason\":\"Started\",\"message\":\"Started container app\","
                   "\"lastTimestamp\":\"2026-01-01T00:00:40Z\",\"involvedObject\":"
                   "{\"kind\":\"Pod\",\"name\":\"web\"}}"));
    mk_buf out = {0};
    table_render(items, false, false, mk_parse_rfc3339("2026-01-01T00:00:45Z"), &out);
    assert_string_equal(
        out.data, "NAME      LAST SEEN   TYPE     REASON    OBJECT    MESSAGE\n"
                  "web.17a   5s          Normal   Started   pod/web   Started container app\n");
    mk_buf_free(&out);
    json_object_put(items);
}

static void test_workload_tables(void **state)
{
    json_object *items = json_object_new_array();
    json_object_array_add(
        items, obj("{\"kind\":\"Job\",\"metadata\":{\"name\":\"j\"},"
                   "\"spec\":{\"completions\":3},\"status\":{\"succeeded\":3,"
                   "\"conditions\":[{\"type\":\"Complete\",\"status\":\"True\"}]}}"));
    mk_buf out = {0};
    table_render(items, false, false, 0, &out);
    assert_non_null(strstr(out.data, "NAME   STATUS     COMPLETIONS   AGE\n"));
    assert_non_null(strstr(out.data, "j      Complete   3/3"));
    json_object_put(items);
    items = json_object_new_array();
    json_object_array_add(items,
                          obj("{\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\"},"
                              "\"spec\":{\"replicas\":3},\"status\":{\"readyReplicas\":2,"
                              "\"updatedReplicas\":3,\"availableReplicas\":2}}"));
    mk_buf_reset(&out);
    table_render(items, false, false, 0, &out);
    assert_non_null(strstr(out.data, "NAME   READY   UP-TO-DATE   AVAILABLE   AGE\n"));
    assert_non_null(strstr(out.data, "web    2/3     3            2"));
    json_object_put(items);
    items = json_object_new_array();
    json_object_array_add(items,
                          obj("{\"kind\":\"CronJob\",\"metadata\":{\"name\":\"tick\"},"
                              "\"spec\":{\"schedule\":\"*/5 * * * *\",\"suspend\":false},"
                              "\"status\":{\"active\":[{\"name\":\"tick-1\"}]}}"));
    mk_buf_reset(&out);
    table_render(items, false, false, 0, &out);
    assert_non_null(strstr(
        out.data, "NAME   SCHEDULE      TIMEZONE   SUSPEND   ACTIVE   LAST SCHEDULE   AGE\n"));
    assert_non_null(
        strstr(out.data, "tick   */5 * * * *   <none>     False     1        <none>"));
    json_object_put(items);
    items = json_object_new_array();
    json_object_array_add(items, obj("{\"kind\":\"StatefulSet\",\"metadata\":{\"name\":"
                                     "\"db\"},\"spec\":{\"replicas\":3},\"status\":{"
                                     "\"readyReplicas\":1}}"));
    mk_buf_reset(&out);
    table_render(items, false, false, 0, &out);
    assert_non_null(strstr(out.data, "NAME   READY   AGE\n"));
    assert_non_null(strstr(out.data, "db     1/3     "));
    mk_buf_free(&out);
    json_object_put(items);
}

static void test_other_tables(void **state)
{
    json_object *items = json_object_new_array();
    json_object_array_add(
        items, obj("{\"kind\":\"Service\",\"metadata\":{\"name\":\"db\"},\"spec\":{"
                   "\"clusterIP\":\"10.96.0.10\",\"ports\":[{\"port\":5432},{\"port\":53,"
                   "\"protocol\":\"UDP\"}]}}"));
    mk_buf out = {0};
    table_render(items, false, false, 0, &out);
    assert_non_null(
        strstr(out.data, "NAME   TYPE        CLUSTER-IP   PORT(S)           AGE\n"));
    assert_non_null(strstr(out.data, "db     ClusterIP   10.96.0.10   5432/TCP,53/UDP"));
    json_object_put(items);
    items = json_object_new_array();
    json_object_array_add(items, obj("{\"kind\":\"Secret\",\"metadata\":{\"name\":\"s\"},"
                                     "\"data\":{\"pw\":\"aHVudGVyMg==\"}}"));
    mk_buf_reset(&out);
    table_render(items, false, false, 0, &out);
    assert_non_null(strstr(out.data, "NAME   TYPE     DATA   AGE\n"));
    assert_null(strstr(out.data, "aHVu")); /* never the value */
    mk_buf_free(&out);
    json_object_put(items);
}

static void test_quota_tables(void **state)
{
    json_object *items = json_object_new_array();
    json_object_array_add(items,
                          obj("{\"kind\":\"ResourceQuota\",\"metadata\":{\"name\":\"q\"},"
                              "\"status\":{\"hard\":{\"pods\":\"2\",\"requests.cpu\":\"1\","
                              "\"limits.cpu\":\"2\"},\"used\":{\"pods\":\"1\"}}}"));
    mk_buf out = {0};
    table_render(items, false, false, 0, &out);
    assert_string_equal(out.data,
                        "NAME   AGE         REQUEST                        LIMIT\n"
                        "q      <unknown>   pods: 1/2, requests.cpu: 0/1   limits.cpu: 0/2\n");
    json_object_put(items);
    items = json_object_new_array();
    json_object_array_add(items,
                          obj("{\"kind\":\"LimitRange\",\"metadata\":{\"name\":\"limits\","
                              "\"creationTimestamp\":\"2026-11-28T01:01:15Z\"}}"));
    mk_buf_reset(&out);
    table_render(items, false, false, 0, &out);
    assert_string_equal(out.data, "NAME     CREATED AT\nlimits   2026-11-28T01:01:15Z\n");
    mk_buf_free(&out);
    json_object_put(items);
}

/* kubectl's POD-SELECTOR: the selector's text, "<none>" when it is {}. */
static void test_networkpolicy_table(void **state)
{
    json_object *items = json_object_new_array();
    json_object_array_add(items, obj("{\"kind\":\"NetworkPolicy\",\"metadata\":{\"name\":"
                                     "\"db\"},\"spec\":{\"podSelector\":{\"matchLabels\":{"
                                     "\"tier\":\"db\",\"app\":\"pg\"}}}}"));
    json_object_array_add(items, obj("{\"kind\":\"NetworkPolicy\",\"metadata\":{\"name\":"
                                     "\"deny-all\"},\"spec\":{\"podSelector\":{}}}"));
    mk_buf out = {0};
    table_render(items, false, false, 0, &out);
    assert_string_equal(out.data, "NAME       POD-SELECTOR     AGE\n"
                                  "db         app=pg,tier=db   <unknown>\n"
                                  "deny-all   <none>           <unknown>\n");
    mk_buf_free(&out);
    json_object_put(items);
}

static void test_volume_tables(void **state)
{
    json_object *items = json_object_new_array();
    json_object_array_add(
        items, obj("{\"kind\":\"PersistentVolume\",\"metadata\":{\"name\":\"pv1\"},"
                   "\"spec\":{\"capacity\":{\"storage\":\"1Gi\"},\"accessModes\":"
                   "[\"ReadOnlyMany\",\"ReadWriteOnce\"],\"persistentVolumeReclaimPolicy\":"
                   "\"Retain\",\"storageClassName\":\"manual\",\"claimRef\":{\"namespace\":"
                   "\"default\",\"name\":\"data\"}},\"status\":{\"phase\":\"Bound\"}}"));
    mk_buf out = {0};
    table_render(items, false, false, 0, &out);
    assert_non_null(strstr(out.data,
                           "NAME   CAPACITY   ACCESS MODES   RECLAIM POLICY   STATUS   "
                           "CLAIM          STORAGECLASS   VOLUMEATTRIBUTESCLASS   "
                           "REASON   AGE\n"));
    assert_non_null(strstr(out.data,
                           "pv1    1Gi        RWO,ROX        Retain           Bound    "
                           "default/data   manual         <unset>"));
    json_object_put(items);
    items = json_object_new_array();
    json_object_array_add(
        items, obj("{\"kind\":\"PersistentVolumeClaim\",\"metadata\":{\"name\":\"data\","
                   "\"namespace\":\"default\"},\"spec\":{\"volumeName\":\"pv1\","
                   "\"storageClassName\":\"manual\"},\"status\":{\"phase\":\"Bound\","
                   "\"capacity\":{\"storage\":\"1Gi\"},\"accessModes\":[\"ReadWriteOnce\"]}}"));
    mk_buf_reset(&out);
    table_render(items, false, false, 0, &out);
    assert_non_null(strstr(out.data, "NAME   STATUS   VOLUME   CAPACITY   ACCESS MODES   "
                                     "STORAGECLASS   VOLUMEATTRIBUTESCLASS   AGE\n"));
    assert_non_null(strstr(out.data, "data   Bound    pv1      1Gi        RWO            "
                                     "manual         <unset>"));
    json_object_put(items);
    items = json_object_new_array();
    json_object_array_add(
        items, obj("{\"kind\":\"StorageClass\",\"metadata\":{\"name\":\"local-path\","
                   "\"annotations\":{\"storageclass.kubernetes.io/is-default-class\":"
                   "\"true\"}},\"provisioner\":\"minik8s.io/local-path\",\"volumeBindingMode\":"
                   "\"WaitForFirstConsumer\"}"));
    mk_buf_reset(&out);
    table_render(items, false, false, 0, &out);
    assert_non_null(strstr(out.data,
                           "NAME                   PROVISIONER             RECLAIMPOLICY"
                           "   VOLUMEBINDINGMODE      ALLOWVOLUMEEXPANSION   AGE\n"));
    assert_non_null(strstr(out.data,
                           "local-path (default)   minik8s.io/local-path   Delete     "
                           "     WaitForFirstConsumer   false"));
    mk_buf_free(&out);
    json_object_put(items);
}

/* kubectl get priorityclasses: NAME VALUE GLOBAL-DEFAULT AGE
 * PREEMPTIONPOLICY. */
static void test_priorityclass_table(void **state)
{
    (void)state;
    json_object *items = json_object_new_array();
    json_object_array_add(
        items,
        obj("{\"kind\":\"PriorityClass\",\"metadata\":{\"name\":\"system-node-critical\","
            "\"creationTimestamp\":\"1970-01-01T00:00:00Z\"},\"value\":2000001000,"
            "\"preemptionPolicy\":\"PreemptLowerPriority\"}"));
    json_object_array_add(items,
                          obj("{\"kind\":\"PriorityClass\",\"metadata\":{\"name\":\"batch\","
                              "\"creationTimestamp\":\"1970-01-01T00:00:00Z\"},\"value\":-5,"
                              "\"globalDefault\":true,\"preemptionPolicy\":\"Never\"}"));
    mk_buf out = {0};
    table_render(items, false, false, 90, &out);
    assert_string_equal(out.data,
                        "NAME                   VALUE        GLOBAL-DEFAULT   AGE   "
                        "PREEMPTIONPOLICY\n"
                        "system-node-critical   2000001000   false            90s   "
                        "PreemptLowerPriority\n"
                        "batch                  -5           true             90s   Never\n");
    mk_buf_free(&out);
    json_object_put(items);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manifest_and_status),
        cmocka_unit_test(test_labels_round_trip),
        cmocka_unit_test(test_scale),
        cmocka_unit_test(test_output),
        cmocka_unit_test(test_run_record),
        cmocka_unit_test(test_watch_lines),
        cmocka_unit_test(test_pod_table),
        cmocka_unit_test(test_event_table),
        cmocka_unit_test(test_priorityclass_table),
        cmocka_unit_test(test_workload_tables),
        cmocka_unit_test(test_other_tables),
        cmocka_unit_test(test_volume_tables),
        cmocka_unit_test(test_quota_tables),
        cmocka_unit_test(test_networkpolicy_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
