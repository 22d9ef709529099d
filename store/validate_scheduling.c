/* validate_scheduling.c - the checks of PriorityClasses (scheduling.k8s.io/v1)
 * and what an update of one may change, as Kubernetes' ValidatePriorityClass
 * and ValidatePriorityClassUpdate; and the priority fields of a pod spec,
 * which pods and pod templates share (see validate_impl.h).
 *
 * Which class a pod gets, and the one-globalDefault rule, are admission's
 * (store/server/priority.c), not validation's: they read other objects. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "store/codec.h"
#include "store/util.h"
#include "store/validate.h"
#include "store/validate_impl.h"

/* Kubernetes' scheduling constants (pkg/apis/scheduling/types.go). */
#define SYSTEM_PRIORITY_CLASS_PREFIX    "system-"
#define HIGHEST_USER_DEFINABLE_PRIORITY 1000000000
#define SYSTEM_CRITICAL_PRIORITY        2000000000

const mk_system_priority_class mk_system_priority_classes[] = {
    {"system-cluster-critical", SYSTEM_CRITICAL_PRIORITY,
     "Used for system critical pods that must run in the cluster, but can be moved to another "
     "node if necessary."},
    {"system-node-critical", SYSTEM_CRITICAL_PRIORITY + 1000,
     "Used for system critical pods that must not be moved from their current node."},
};
const size_t mk_nsystem_priority_classes = ARRAY_SIZE(mk_system_priority_classes);

static const char *const preemption_policies[] = {"PreemptLowerPriority", "Never", NULL};

/* The message Kubernetes' ValidatePodUpdate gives for any other change of a
 * pod's spec (the diff it prints after it is not reproduced). */
static const char pod_update_forbidden[] =
    "pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` "
    "(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow "
    "it to be set to 1 if it was previously negative)";

/* o.field at path, when present: one of the two policies. "" is Required
 * rather than Unsupported, as in Kubernetes (a set pointer to ""). */
static int check_preemption_policy(json_object *o, const char *field, const char *path,
                                   mk_err *err)
{
    const char *v = get_str(o, field);
    if (!v)
        return 0;
    if (!*v)
        return field_required(err, path, NULL);
    for (size_t i = 0; preemption_policies[i]; i++)
        if (!strcmp(preemption_policies[i], v))
            return 0;
    return field_unsupported(err, path, v, preemption_policies);
}

/* Kubernetes' IsKnownSystemPriorityClass: true when name, value and
 * globalDefault are exactly those of a built-in class; else false, with
 * its reason in why. */
static bool known_system_class(const char *name, int64_t value, bool global_default, char *why,
                               size_t n)
{
    const mk_system_priority_class *classes = mk_system_priority_classes;
    for (size_t i = 0; i < mk_nsystem_priority_classes; i++) {
        if (strcmp(classes[i].name, name))
            continue;
        if (classes[i].value != value) {
            snprintf(why, n, "value of %s PriorityClass must be %" PRId64, name,
                     classes[i].value);
            return false;
        }
        if (global_default) {
            snprintf(why, n, "globalDefault of %s PriorityClass must be false", name);
            return false;
        }
        return true;
    }
    snprintf(why, n, "%.120s is not a known system priority class", name);
    return false;
}

int validate_priorityclass(json_object *obj, mk_err *err)
{
    json_object *meta = get(obj, "metadata");
    /* A generateName prefix is what the stored name will start with. */
    const char *name = get_str(meta, "name");
    if (empty_str(name))
        name = get_str(meta, "generateName") ?: "";
    /* The schema held value to int32; absent, it is Go's 0. */
    int64_t value = mk_json_int(obj, "value", 0);
    bool global_default = mk_json_bool(obj, "globalDefault", false);
    if (!strncmp(name, SYSTEM_PRIORITY_CLASS_PREFIX, strlen(SYSTEM_PRIORITY_CLASS_PREFIX))) {
        char why[200];
        if (!known_system_class(name, value, global_default, why, sizeof why))
            return field_forbidden(err, "metadata.name",
                                   "priority class names with '" SYSTEM_PRIORITY_CLASS_PREFIX
                                   "' prefix are reserved for system use only. error: %s",
                                   why);
    } else if (value > HIGHEST_USER_DEFINABLE_PRIORITY) {
        return field_forbidden(err, "value",
                               "maximum allowed value of a user defined priority is %d",
                               HIGHEST_USER_DEFINABLE_PRIORITY);
    }
    return check_preemption_policy(obj, "preemptionPolicy", "preemptionPolicy", err);
}

/* A class's value and policy are what every pod of it was given at
 * admission: changing them would leave those pods behind. */
int check_priorityclass_update(json_object *old, json_object *obj, mk_err *err)
{
    if (mk_json_int(old, "value", 0) != mk_json_int(obj, "value", 0))
        return field_forbidden(err, "value", "may not be changed in an update.");
    json_object *was = get(old, "preemptionPolicy"), *now = get(obj, "preemptionPolicy");
    if (!json_object_equal(was, now))
        return field_invalid(err, "preemptionPolicy", now, "field is immutable");
    return 0;
}

int check_pod_priority(json_object *spec, const char *base, mk_err *err)
{
    vpath p;
    const char *class = get_str(spec, "priorityClassName");
    SUBPATH(p, "%s.priorityClassName", base);
    int r;
    if (!empty_str(class) && (r = check_dns_subdomain(p, class, err)) < 0)
        return r;
    SUBPATH(p, "%s.preemptionPolicy", base);
    return check_preemption_policy(spec, "preemptionPolicy", p, err);
}

/* Both absent, or both there and equal. */
static bool same_value(json_object *a, json_object *b)
{
    if (!a || !b)
        return !a && !b;
    if (json_object_is_type(a, json_type_string) || json_object_is_type(b, json_type_string))
        return json_object_equal(a, b);
    return mk_json_int(a, "", 0) == mk_json_int(b, "", 0); /* 5 and 5.0 alike */
}

int check_pod_priority_update(json_object *old, json_object *obj, mk_err *err)
{
    json_object *was = get(old, "spec"), *now = get(obj, "spec");
    /* "" and absent are one (Go's string, omitempty). */
    bool same = !strcmp(get_str(was, "priorityClassName") ?: "",
                        get_str(now, "priorityClassName") ?: "");
    /* Admission set these at creation; an update that leaves them out
     * keeps them (Kubernetes' priority admission carries them over). */
    static const char *const admitted[] = {"priority", "preemptionPolicy"};
    for (size_t i = 0; same && i < ARRAY_SIZE(admitted); i++) {
        json_object *v = get(now, admitted[i]);
        same = !v || same_value(get(was, admitted[i]), v);
    }
    return same ? 0 : field_forbidden(err, "spec", "%s", pod_update_forbidden);
}
