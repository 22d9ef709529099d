/* The Deployment controller's rules (controllers/deployment.h): surge and
 * unavailability, the template hash, and rolling steps to the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "controllers/deployment.h"
#include "store/codec.h"
#include "store/defaults.h"
#include "store/kinds.h"

static void test_intstr(void **state)
{
    (void)state;
    assert_int_equal(deployment_intstr(NULL, 4, true), 1);  /* 25% of 4 */
    assert_int_equal(deployment_intstr(NULL, 3, true), 1);  /* 0.75 up */
    assert_int_equal(deployment_intstr(NULL, 3, false), 0); /* 0.75 down */
    json_object *v = json_object_new_string("50%");
    assert_int_equal(deployment_intstr(v, 5, true), 3);
    assert_int_equal(deployment_intstr(v, 5, false), 2);
    json_object_put(v);
    v = json_object_new_int(2);
    assert_int_equal(deployment_intstr(v, 10, true), 2);
    json_object_put(v);
}

static void test_hash(void **state)
{
    (void)state;
    json_object *a =
        json_tokener_parse("{\"metadata\":{\"labels\":{\"app\":\"web\",\"t\":\"1\"}},"
                           "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"b\"}]}}");
    json_object *b =
        json_tokener_parse("{\"spec\":{\"containers\":[{\"image\":\"b\",\"name\":\"c\"}]},"
                           "\"metadata\":{\"labels\":{\"t\":\"1\",\"app\":\"web\"}}}");
    json_object *c =
        json_tokener_parse("{\"spec\":{\"containers\":[{\"image\":\"b2\",\"name\":\"c\"}]},"
                           "\"metadata\":{\"labels\":{\"t\":\"1\",\"app\":\"web\"}}}");
    char ha[16], hb[16], hc[16];
    deployment_hash(a, ha);
    deployment_hash(b, hb);
    deployment_hash(c, hc);
    assert_string_equal(ha, hb); /* key order does not matter */
    assert_string_not_equal(ha, hc);
    assert_true(strlen(ha) >= 6 && strlen(ha) <= 10);
    assert_true(strspn(ha, "bcdfghjklmnpqrstvwxz2456789") == strlen(ha));
    json_object_put(a);
    json_object_put(b);
    json_object_put(c);
}

/* A template stored before the API server defaulted pod specs, and the
 * same one after an update defaulted it, are one template: no rollout. */
static void test_template_defaults(void **state)
{
    (void)state;
    const char *text = "{\"kind\":\"Deployment\",\"spec\":{\"template\":{\"spec\":"
                       "{\"containers\":[{\"name\":\"c\",\"image\":\"b\",\"readinessProbe\":"
                       "{\"tcpSocket\":{\"port\":80}}}]}}}}";
    json_object *before = json_tokener_parse(text), *after = json_tokener_parse(text);
    defaults_apply(kind_by_kind("Deployment"), after);
    assert_non_null(mk_json_path(after, "spec.template.spec.restartPolicy"));
    json_object *a = deployment_template_of(before), *b = deployment_template_of(after);
    assert_true(json_object_equal(a, b));
    char ha[16], hb[16];
    deployment_hash(a, ha);
    deployment_hash(b, hb);
    assert_string_equal(ha, hb);
    json_object_put(a);
    json_object_put(b);
    /* A value other than the default is the template's own. */
    mk_json_set_str(after, "spec.template.spec.dnsPolicy", "Default");
    b = deployment_template_of(after);
    assert_string_equal(mk_json_str(b, "spec.dnsPolicy") ?: "", "Default");
    json_object_put(b);
    json_object_put(before);
    json_object_put(after);
}

/* Roll 4 replicas with surge 1, unavailable 1, pods becoming available at
 * once: every step keeps within 5 pods and 3 available, and it ends with
 * the new ReplicaSet at 4 and the old at 0. */
static void test_roll(void **state)
{
    (void)state;
    deploy_rs nr = {0, 0}, old = {4, 4};
    for (int step = 0; step < 20 && !(nr.replicas == 4 && old.replicas == 0); step++) {
        int target = deployment_roll(4, 1, 1, &nr, &old, 1);
        nr.replicas = target;
        assert_true(nr.replicas + old.replicas <= 5);
        nr.available = nr.replicas; /* the new pods come up */
        old.available = old.replicas;
        assert_true(nr.available + old.available >= 3);
    }
    assert_int_equal(nr.replicas, 4);
    assert_int_equal(old.replicas, 0);
    /* New pods that never become available: the old ones are kept. */
    nr = (deploy_rs){1, 0};
    old = (deploy_rs){4, 4};
    assert_int_equal(deployment_roll(4, 1, 1, &nr, &old, 1), 1);
    assert_int_equal(old.replicas, 3); /* down to replicas - maxUnavailable available */
    int again = deployment_roll(4, 1, 1, &nr, &old, 1);
    assert_int_equal(again, 2); /* surge room again */
    old.available = 3;
    nr.replicas = 2;
    deployment_roll(4, 1, 1, &nr, &old, 1);
    assert_int_equal(old.replicas, 3); /* nothing more while the new are unavailable */
    /* Scaled below the new ReplicaSet's size: it shrinks. */
    nr = (deploy_rs){5, 5};
    assert_int_equal(deployment_roll(3, 1, 0, &nr, NULL, 0), 3);
}

static void test_progress(void **state)
{
    (void)state;
    /* Three replicas, from a template whose pods never get available. */
    deploy_progress_in in = {
        .reason = "NewReplicaSetCreated", .last_update_s = 1000, .deadline_s = 600, .want = 3};
    in.old = (deploy_counts){.replicas = 0};
    in.cur = (deploy_counts){.replicas = 3, .updated = 3};
    assert_string_equal(deployment_progress(&in, 1001), "ReplicaSetUpdated");
    in.reason = "ReplicaSetUpdated", in.old = in.cur;
    assert_null(deployment_progress(&in, 1600)); /* no progress, within the deadline */
    assert_string_equal(deployment_progress(&in, 1601), "ProgressDeadlineExceeded");
    in.reason = "ProgressDeadlineExceeded";
    assert_null(deployment_progress(&in, 2000)); /* said once */
    in.cur.available = 1; /* progress after the deadline: back to progressing */
    assert_string_equal(deployment_progress(&in, 2001), "ReplicaSetUpdated");
    in.cur.available = 3, in.cur.ready = 3;
    assert_string_equal(deployment_progress(&in, 2002), "NewReplicaSetAvailable");
    /* Complete, then scaled: not a rollout, nothing times out. */
    in.reason = "NewReplicaSetAvailable", in.want = 5, in.old = in.cur;
    in.cur.replicas = in.cur.updated = 5;
    assert_null(deployment_progress(&in, 9000));
    /* A new template: created; paused and resumed. */
    in.created = true;
    assert_string_equal(deployment_progress(&in, 9001), "NewReplicaSetCreated");
    in.paused = true;
    assert_string_equal(deployment_progress(&in, 9002), "DeploymentPaused");
    in.reason = "DeploymentPaused";
    assert_null(deployment_progress(&in, 99999));
    in.paused = false;
    assert_string_equal(deployment_progress(&in, 99999), "DeploymentResumed");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_intstr),
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_template_defaults),
        cmocka_unit_test(test_roll),
        cmocka_unit_test(test_progress),
    };
    return cmocka_run_group_tests_name("deployment", tests, NULL, NULL);
}
