/* hpaconv.c - autoscaling/v1 <-> autoscaling/v2 HPAs (see hpaconv.h). */
#include "store/hpaconv.h"

#include <string.h>

#include "store/codec.h"
#include "store/util.h"

#define ANN_METRICS    "autoscaling.alpha.kubernetes.io/metrics"
#define ANN_CURRENT    "autoscaling.alpha.kubernetes.io/current-metrics"
#define ANN_CONDITIONS "autoscaling.alpha.kubernetes.io/conditions"
#define ANN_BEHAVIOR   "autoscaling.alpha.kubernetes.io/behavior"

/* The metric sources converted field by field: v2's {target|current: {...}}
 * against v1's flat targetAverageUtilization, currentAverageValue... */
static const char *const sources[] = {"resource", "containerResource"};

/* Remove key from o and return it (the caller owns it), or NULL. */
static json_object *take(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v))
        return NULL;
    json_object_get(v);
    json_object_object_del(o, key);
    return v;
}

static bool is_cpu(json_object *m)
{
    const char *type = mk_json_str(m, "type"), *name = mk_json_str(m, "resource.name");
    return type && name && !strcmp(type, "Resource") && !strcmp(name, "cpu");
}

/* Take an annotation out, parsed; NULL when absent or not JSON of type t. */
static json_object *take_annotation(json_object *obj, const char *key, json_type t)
{
    json_object *ann = mk_json_path(obj, "metadata.annotations");
    json_object *s = take(ann, key);
    json_object *v = json_object_is_type(s, json_type_string)
                         ? json_tokener_parse(json_object_get_string(s))
                         : NULL;
    json_object_put(s);
    if (v && !json_object_is_type(v, t)) {
        json_object_put(v);
        v = NULL;
    }
    if (ann && json_object_object_length(ann) == 0)
        json_object_object_del(mk_json_path(obj, "metadata"), "annotations");
    return v;
}

static void set_annotation(json_object *obj, const char *key, json_object *v)
{
    json_object *ann = mk_json_ensure(obj, "metadata.annotations");
    const char *s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
                                                          JSON_C_TO_STRING_NOSLASHESCAPE);
    json_object_object_add(ann, key, json_object_new_string(s));
}

/* ---- v2 -> v1 ---- */

/* {name, target: {averageUtilization, averageValue}} ->
 * {name, targetAverageUtilization, targetAverageValue}; what is "target"
 * in a spec, "current" in a status. */
static json_object *source_to_v1(json_object *src, const char *what)
{
    json_object *out = json_object_new_object();
    json_object *t = NULL;
    json_object_object_foreach(src, key, val)
    {
        if (!strcmp(key, what))
            t = val;
        else
            json_object_object_add(out, key, mk_json_copy(val));
    }
    static const char *const fields[][2] = {{"averageUtilization", "AverageUtilization"},
                                            {"averageValue", "AverageValue"}};
    for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
        json_object *v = mk_json_path(t, fields[i][0]);
        if (!v)
            continue;
        _cleanup_free_ char *name = xasprintf("%s%s", what, fields[i][1]);
        json_object_object_add(out, name, mk_json_copy(v));
    }
    return out;
}

static json_object *metric_to_v1(json_object *m, const char *what)
{
    json_object *out = json_object_new_object();
    json_object *type = mk_json_path(m, "type");
    if (type)
        json_object_object_add(out, "type", mk_json_copy(type));
    for (size_t i = 0; i < ARRAY_SIZE(sources); i++) {
        json_object *src = mk_json_path(m, sources[i]);
        if (json_object_is_type(src, json_type_object))
            json_object_object_add(out, sources[i], source_to_v1(src, what));
    }
    return out;
}

static void spec_to_v1(json_object *obj, json_object *spec)
{
    json_object *metrics = take(spec, "metrics");
    json_object *others = json_object_new_array();
    bool have_cpu = false;
    for (size_t i = 0; i < mk_json_array_len(metrics); i++) {
        json_object *m = json_object_array_get_idx(metrics, i);
        json_object *u = mk_json_path(m, "resource.target.averageUtilization");
        if (is_cpu(m) && u) {
            if (!have_cpu)
                json_object_object_add(spec, "targetCPUUtilizationPercentage", mk_json_copy(u));
            have_cpu = true;
            continue;
        }
        json_object_array_add(others, metric_to_v1(m, "target"));
    }
    if (mk_json_array_len(others))
        set_annotation(obj, ANN_METRICS, others);
    json_object_put(others);
    json_object_put(metrics);
    json_object *behavior = take(spec, "behavior");
    if (behavior)
        set_annotation(obj, ANN_BEHAVIOR, behavior);
    json_object_put(behavior);
}

static void status_to_v1(json_object *obj, json_object *status)
{
    json_object *current = take(status, "currentMetrics");
    if (mk_json_array_len(current)) {
        json_object *conv = json_object_new_array();
        for (size_t i = 0; i < mk_json_array_len(current); i++) {
            json_object *m = json_object_array_get_idx(current, i);
            json_object *u = mk_json_path(m, "resource.current.averageUtilization");
            if (is_cpu(m) && u)
                json_object_object_add(status, "currentCPUUtilizationPercentage",
                                       mk_json_copy(u));
            json_object_array_add(conv, metric_to_v1(m, "current"));
        }
        set_annotation(obj, ANN_CURRENT, conv);
        json_object_put(conv);
    }
    json_object_put(current);
    json_object *conditions = take(status, "conditions");
    if (mk_json_array_len(conditions)) /* v1's HorizontalPodAutoscalerCondition is v2's */
        set_annotation(obj, ANN_CONDITIONS, conditions);
    json_object_put(conditions);
    /* Not omitempty in v1. */
    static const char *const counts[] = {"currentReplicas", "desiredReplicas"};
    for (size_t i = 0; i < ARRAY_SIZE(counts); i++)
        if (!mk_json_path(status, counts[i]))
            json_object_object_add(status, counts[i], json_object_new_int(0));
}

static void drop_roundtrip(json_object *obj)
{
    static const char *const keys[] = {ANN_METRICS, ANN_CURRENT, ANN_CONDITIONS, ANN_BEHAVIOR};
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
        json_object_put(take_annotation(obj, keys[i], json_type_null));
}

void hpaconv_v2_to_v1(json_object *obj)
{
    json_object_object_add(obj, "apiVersion", json_object_new_string("autoscaling/v1"));
    drop_roundtrip(obj); /* only what this conversion writes travels in them */
    json_object *spec = mk_json_path(obj, "spec");
    if (json_object_is_type(spec, json_type_object))
        spec_to_v1(obj, spec);
    json_object *status = mk_json_ensure(obj, "status");
    if (json_object_is_type(status, json_type_object))
        status_to_v1(obj, status);
}

/* ---- v1 -> v2 ---- */

static json_object *source_to_v2(json_object *src, const char *what)
{
    json_object *out = json_object_new_object();
    json_object *t = json_object_new_object();
    json_object *u = NULL, *av = NULL;
    _cleanup_free_ char *uname = xasprintf("%sAverageUtilization", what);
    _cleanup_free_ char *avname = xasprintf("%sAverageValue", what);
    json_object_object_foreach(src, key, val)
    {
        if (!strcmp(key, uname))
            u = val;
        else if (!strcmp(key, avname))
            av = val;
        else
            json_object_object_add(out, key, mk_json_copy(val));
    }
    if (!strcmp(what, "target")) /* Kubernetes: Utilization when one is given */
        json_object_object_add(t, "type",
                               json_object_new_string(u ? "Utilization" : "AverageValue"));
    if (u)
        json_object_object_add(t, "averageUtilization", mk_json_copy(u));
    if (av)
        json_object_object_add(t, "averageValue", mk_json_copy(av));
    json_object_object_add(out, what, t);
    return out;
}

static json_object *metrics_to_v2(json_object *v1, const char *what)
{
    json_object *out = json_object_new_array();
    for (size_t i = 0; i < mk_json_array_len(v1); i++) {
        json_object *m = json_object_array_get_idx(v1, i);
        json_object *conv = json_object_new_object();
        json_object *type = mk_json_path(m, "type");
        if (type)
            json_object_object_add(conv, "type", mk_json_copy(type));
        for (size_t j = 0; j < ARRAY_SIZE(sources); j++) {
            json_object *src = mk_json_path(m, sources[j]);
            if (json_object_is_type(src, json_type_object))
                json_object_object_add(conv, sources[j], source_to_v2(src, what));
        }
        json_object_array_add(out, conv);
    }
    return out;
}

/* {type: Resource, resource: {name: cpu, <what>: {[type: Utilization,]
 * averageUtilization: pct}}} */
static json_object *cpu_metric(const char *what, json_object *pct)
{
    json_object *t = json_object_new_object();
    if (!strcmp(what, "target"))
        json_object_object_add(t, "type", json_object_new_string("Utilization"));
    json_object_object_add(t, "averageUtilization", mk_json_copy(pct));
    json_object *res = json_object_new_object();
    json_object_object_add(res, "name", json_object_new_string("cpu"));
    json_object_object_add(res, what, t);
    json_object *m = json_object_new_object();
    json_object_object_add(m, "type", json_object_new_string("Resource"));
    json_object_object_add(m, "resource", res);
    return m;
}

static int check_int(json_object *obj, const char *path, mk_err *err)
{
    json_object *v = mk_json_path(obj, path);
    if (!v || json_object_is_type(v, json_type_int))
        return 0;
    return mk_error(err, EINVAL, "%s: Invalid value: %s: must be an integer", path,
                    json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
}

static void spec_to_v2(json_object *spec, json_object *others, json_object *behavior)
{
    json_object *cpu = take(spec, "targetCPUUtilizationPercentage");
    /* Not autoscaling/v1 fields: what v2 has of them comes from annotations. */
    json_object_object_del(spec, "metrics");
    json_object_object_del(spec, "behavior");
    json_object *metrics = metrics_to_v2(others, "target");
    if (cpu) /* after the others, as Kubernetes orders them */
        json_object_array_add(metrics, cpu_metric("target", cpu));
    if (mk_json_array_len(metrics))
        json_object_object_add(spec, "metrics", json_object_get(metrics));
    json_object_put(metrics);
    json_object_put(cpu);
    if (behavior)
        json_object_object_add(spec, "behavior", json_object_get(behavior));
}

static void status_to_v2(json_object *status, json_object *current, json_object *conditions)
{
    json_object *cpu = take(status, "currentCPUUtilizationPercentage");
    json_object_object_del(status, "currentMetrics");
    json_object_object_del(status, "conditions");
    json_object *metrics = NULL;
    if (current) /* it says more than the percentage alone */
        metrics = metrics_to_v2(current, "current");
    else if (cpu) {
        metrics = json_object_new_array();
        json_object_array_add(metrics, cpu_metric("current", cpu));
    }
    if (mk_json_array_len(metrics))
        json_object_object_add(status, "currentMetrics", json_object_get(metrics));
    json_object_put(metrics);
    json_object_put(cpu);
    if (mk_json_array_len(conditions))
        json_object_object_add(status, "conditions", json_object_get(conditions));
}

int hpaconv_v1_to_v2(json_object *obj, mk_err *err)
{
    if (check_int(obj, "spec.targetCPUUtilizationPercentage", err) < 0 ||
        check_int(obj, "status.currentCPUUtilizationPercentage", err) < 0)
        return -err->code;
    json_object *others = take_annotation(obj, ANN_METRICS, json_type_array);
    json_object *current = take_annotation(obj, ANN_CURRENT, json_type_array);
    json_object *conditions = take_annotation(obj, ANN_CONDITIONS, json_type_array);
    json_object *behavior = take_annotation(obj, ANN_BEHAVIOR, json_type_object);
    json_object *spec = mk_json_path(obj, "spec");
    if (json_object_is_type(spec, json_type_object))
        spec_to_v2(spec, others, behavior);
    json_object *status = mk_json_path(obj, "status");
    if (json_object_is_type(status, json_type_object))
        status_to_v2(status, current, conditions);
    json_object_put(others);
    json_object_put(current);
    json_object_put(conditions);
    json_object_put(behavior);
    json_object_object_add(obj, "apiVersion", json_object_new_string("autoscaling/v2"));
    return 0;
}
