/* Unit tests for fs/path.c: what a path under the mount names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fs/path.h"
#include "store/util.h"

static fs_path parse(const char *s)
{
    fs_path p;
    fs_path_parse(s, &p);
    return p;
}

static void test_top_level(void **state)
{
    assert_int_equal(parse("").type, FS_NODE_ROOT);
    assert_int_equal(parse(".errors").type, FS_NODE_ERRORS);
    fs_path w = parse(".watch");
    assert_int_equal(w.type, FS_NODE_WATCH);
    assert_null(w.kind);
    assert_int_equal(parse("nonesuch").type, FS_NODE_NONE);
    assert_int_equal(parse(".hidden").type, FS_NODE_NONE);
}

static void test_default_namespace_at_top(void **state)
{
    fs_path p = parse("pods");
    assert_int_equal(p.type, FS_NODE_KIND);
    assert_string_equal(p.kind->kind, "Pod");
    assert_string_equal(p.ns, "default");
    p = parse("pods/web");
    assert_int_equal(p.type, FS_NODE_OBJECT);
    assert_string_equal(p.name, "web");
    p = parse("pods/web/status");
    assert_int_equal(p.type, FS_NODE_FILE);
    assert_int_equal(p.file, FS_FILE_STATUS);
    p = parse("pods/.watch");
    assert_int_equal(p.type, FS_NODE_WATCH);
    assert_string_equal(p.kind->resource, "pods");
}

static void test_namespaced_view(void **state)
{
    fs_path p = parse("namespaces/dev/pods/web/manifest.yaml");
    assert_int_equal(p.type, FS_NODE_FILE);
    assert_int_equal(p.file, FS_FILE_MANIFEST);
    assert_string_equal(p.ns, "dev");
    assert_string_equal(p.name, "web");
    /* namespaces/<ns> is the Namespace object's folder too */
    p = parse("namespaces/dev");
    assert_int_equal(p.type, FS_NODE_OBJECT);
    assert_string_equal(p.kind->kind, "Namespace");
    assert_string_equal(p.name, "dev");
    p = parse("namespaces/dev/status");
    assert_int_equal(p.type, FS_NODE_FILE);
    assert_string_equal(p.kind->kind, "Namespace");
    p = parse("namespaces/dev/replicasets");
    assert_int_equal(p.type, FS_NODE_KIND);
    assert_string_equal(p.kind->kind, "ReplicaSet");
    /* cluster-scoped kinds live at the top only */
    assert_int_equal(parse("namespaces/dev/nodes").type, FS_NODE_NONE);
    assert_int_equal(parse("namespaces/Bad_NS/pods").type, FS_NODE_NONE);
}

static void test_kind_files(void **state)
{
    assert_int_equal(parse("nodes/n1/labels").type, FS_NODE_FILE);
    assert_int_equal(parse("nodes/n1/labels").file, FS_FILE_LABELS);
    assert_int_equal(parse("pods/web/labels").type, FS_NODE_NONE);
    assert_int_equal(parse("replicasets/r/scale").file, FS_FILE_SCALE);
    assert_int_equal(parse("statefulsets/web/scale").file, FS_FILE_SCALE);
    assert_int_equal(parse("gpujobs/j/output").file, FS_FILE_OUTPUT);
    assert_int_equal(parse("configmaps/c/status").type, FS_NODE_NONE); /* no status */
    assert_int_equal(parse("configmaps/c/manifest.yaml").type, FS_NODE_FILE);
    assert_true(fs_file_writable(FS_FILE_MANIFEST));
    assert_false(fs_file_writable(FS_FILE_STATUS));
    assert_false(fs_file_writable(FS_FILE_OUTPUT));
}

static void test_streams(void **state)
{
    fs_path p = parse("pods/web/logs");
    assert_int_equal(p.type, FS_NODE_STREAMDIR);
    assert_int_equal(p.stream, FS_STREAM_LOGS);
    p = parse("pods/web/exec/app");
    assert_int_equal(p.type, FS_NODE_STREAM);
    assert_int_equal(p.stream, FS_STREAM_EXEC);
    assert_string_equal(p.container, "app");
    assert_int_equal(parse("pods/web/logs/App").type, FS_NODE_NONE);
    assert_int_equal(parse("pods/web/logs/a/b").type, FS_NODE_NONE);
    assert_int_equal(parse("services/s/logs").type, FS_NODE_NONE);
}

static void test_names_must_be_dns(void **state)
{
    assert_int_equal(parse("pods/Web").type, FS_NODE_NONE);
    assert_int_equal(parse("pods/web.yaml").type, FS_NODE_OBJECT); /* a subdomain */
    assert_int_equal(parse("pods/-x").type, FS_NODE_NONE);
    assert_int_equal(parse("pods/a b").type, FS_NODE_NONE);
}

static void test_temp_names(void **state)
{
    const char *temp[] = {
        ".manifest.yaml.swp", "4913", "manifest.yaml~", "sedAb12Cd",       "#manifest.yaml#",
        "manifest.yaml.tmp",  "tmp",  "tmp.x8Kd",       ".rkubectl.12.tmp"};
    for (size_t i = 0; i < ARRAY_SIZE(temp); i++)
        assert_true(fs_path_is_temp_name(temp[i]));
    const char *plain[] = {"web.yaml", "notes", "manifest.yaml", "sed", "sedAb12C!", ""};
    for (size_t i = 0; i < ARRAY_SIZE(plain); i++)
        assert_false(fs_path_is_temp_name(plain[i]));
}

static void test_split_join(void **state)
{
    char parent[64];
    const char *leaf;
    assert_true(fs_path_split("pods/web/status", parent, &leaf));
    assert_string_equal(parent, "pods/web");
    assert_string_equal(leaf, "status");
    assert_true(fs_path_split("pods", parent, &leaf));
    assert_string_equal(parent, "");
    assert_string_equal(leaf, "pods");
    assert_false(fs_path_split("", parent, &leaf));
    char *j = fs_path_join("", "pods");
    assert_string_equal(j, "pods");
    free(j);
    j = fs_path_join("pods", "web");
    assert_string_equal(j, "pods/web");
    free(j);
}

static void test_object_dirs(void **state)
{
    char *top, *nsd;
    fs_path_object_dirs(kind_by_kind("Pod"), "default", "web", &top, &nsd);
    assert_string_equal(top, "pods/web");
    assert_string_equal(nsd, "namespaces/default/pods/web");
    free(top);
    free(nsd);
    fs_path_object_dirs(kind_by_kind("Pod"), "dev", "web", &top, &nsd);
    assert_null(top);
    assert_string_equal(nsd, "namespaces/dev/pods/web");
    free(nsd);
    fs_path_object_dirs(kind_by_kind("Node"), NULL, "n1", &top, &nsd);
    assert_string_equal(top, "nodes/n1");
    assert_null(nsd);
    free(top);
}

static void test_workflow_runs(void **state)
{
    fs_path p = parse("workflows/sizer/run");
    assert_int_equal(p.type, FS_NODE_FILE);
    assert_int_equal(p.file, FS_FILE_RUN);
    assert_true(fs_file_writable(FS_FILE_RUN));
    assert_true(fs_file_is_call(FS_FILE_RUN) && fs_file_is_call(FS_FILE_INVOKE));
    assert_false(fs_file_is_call(FS_FILE_MANIFEST));
    p = parse("workflows/sizer/runs");
    assert_int_equal(p.type, FS_NODE_RUNS);
    p = parse("namespaces/dev/workflows/sizer/runs/1a2b3c4d");
    assert_int_equal(p.type, FS_NODE_FILE);
    assert_int_equal(p.file, FS_FILE_RUNREC);
    assert_string_equal(p.ns, "dev");
    assert_string_equal(p.run, "1a2b3c4d");
    assert_false(fs_file_writable(FS_FILE_RUNREC));
    assert_int_equal(parse("workflows/sizer/runs/1a2b3c4d/x").type, FS_NODE_NONE);
    assert_int_equal(parse("functions/f/runs").type, FS_NODE_NONE);
    assert_int_equal(parse("workflows/sizer/runs/<id>").type, FS_NODE_NONE);
    char *cm = fs_path_run_configmap("sizer", "1a2b3c4d");
    assert_string_equal(cm, "sizer-run-1a2b3c4d");
    assert_string_equal(fs_path_run_id("sizer", cm), "1a2b3c4d");
    assert_null(fs_path_run_id("size", cm));
    assert_null(fs_path_run_id("sizer", "sizer-run-"));
    free(cm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_top_level),       cmocka_unit_test(test_default_namespace_at_top),
        cmocka_unit_test(test_namespaced_view), cmocka_unit_test(test_kind_files),
        cmocka_unit_test(test_streams),         cmocka_unit_test(test_names_must_be_dns),
        cmocka_unit_test(test_temp_names),      cmocka_unit_test(test_split_join),
        cmocka_unit_test(test_object_dirs),     cmocka_unit_test(test_workflow_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
