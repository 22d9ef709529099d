/* priority.c - Priority admission and the PriorityClasses in memory (see
 * priority.h). */
#include "store/server/priority.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "store/codec.h"
#include "store/server/objects.h"
#include "store/util.h"
#include "store/validate.h"

#define PREEMPT_LOWER "PreemptLowerPriority"

typedef struct prio_class {
    char *name;
    int64_t value;
    bool global_default;
    char policy[24]; /* PreemptLowerPriority or Never */
} prio_class;

struct prioset {
    /* Readers are every pod create; writers only PriorityClass changes. */
    pthread_rwlock_t lock;
    prio_class *classes; /* a handful: a cluster has few */
    size_t n;
    char *prefix; /* "/registry/priorityclasses/" */
    size_t prefix_len;
};

prioset *prioset_new(void)
{
    prioset *s = xcalloc(1, sizeof *s);
    pthread_rwlock_init(&s->lock, NULL);
    s->prefix = kind_prefix(kind_by_kind("PriorityClass"), NULL);
    s->prefix_len = strlen(s->prefix);
    return s;
}

void prioset_free(prioset *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        free(s->classes[i].name);
    free(s->classes);
    free(s->prefix);
    pthread_rwlock_destroy(&s->lock);
    free(s);
}

static prio_class *find(prioset *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->classes[i].name, name))
            return &s->classes[i];
    return NULL;
}

static void class_of(json_object *obj, prio_class *c)
{
    c->value = mk_json_int(obj, "value", 0);
    json_object *d = mk_json_path(obj, "globalDefault");
    c->global_default = d && json_object_get_boolean(d);
    snprintf(c->policy, sizeof c->policy, "%s",
             mk_json_str(obj, "preemptionPolicy") ?: PREEMPT_LOWER);
}

/* obj NULL: the class is gone. */
static void prioset_set(prioset *s, const char *name, json_object *obj)
{
    pthread_rwlock_wrlock(&s->lock);
    prio_class *c = find(s, name);
    if (obj && !c) {
        s->classes = xrealloc(s->classes, (s->n + 1) * sizeof *s->classes);
        c = &s->classes[s->n++];
        *c = (prio_class){.name = xstrdup(name)};
    }
    if (obj) {
        class_of(obj, c);
    } else if (c) {
        free(c->name);
        *c = s->classes[--s->n];
    }
    pthread_rwlock_unlock(&s->lock);
}

/* The class name of a key, or NULL when the key is no PriorityClass's. */
static const char *name_of(prioset *s, const char *key)
{
    if (strncmp(key, s->prefix, s->prefix_len) != 0)
        return NULL;
    const char *name = key + s->prefix_len;
    return *name && !strchr(name, '/') ? name : NULL;
}

static void apply_value(prioset *s, const char *name, json_object *obj, const char *value,
                        size_t len)
{
    json_object *parsed = NULL;
    mk_err err = {0};
    if (!obj && value && codec_decode(value, len, &parsed, &err) == 0)
        obj = parsed;
    if (obj)
        prioset_set(s, name, obj);
    json_object_put(parsed);
}

void prioset_apply(prioset *s, const mk_event *ev)
{
    const char *name = name_of(s, ev->key);
    if (!name)
        return;
    if (ev->type == MK_EV_DELETED)
        prioset_set(s, name, NULL);
    else
        apply_value(s, name, ev->obj, ev->value, ev->len);
}

static int load_one(void *ctx, const mk_kv *kv)
{
    prioset *s = ctx;
    const char *name = name_of(s, kv->key);
    if (name)
        apply_value(s, name, NULL, kv->value, kv->len);
    return 0;
}

int prioset_load(prioset *s, mk_backend *be, mk_err *err)
{
    int64_t rev;
    return backend_list(be, s->prefix, load_one, s, &rev, err) < 0 ? -err->code : 0;
}

static json_object *system_class(const char *name, int64_t value, const char *description)
{
    json_object *o = mk_json_new_object("scheduling.k8s.io/v1", "PriorityClass", NULL, name);
    json_object_object_add(o, "value", json_object_new_int64(value));
    json_object_object_add(o, "description", json_object_new_string(description));
    json_object_object_add(o, "preemptionPolicy", json_object_new_string(PREEMPT_LOWER));
    return o;
}

json_object *priority_system_classes(void)
{
    json_object *all = json_object_new_array();
    for (size_t i = 0; i < mk_nsystem_priority_classes; i++) {
        const mk_system_priority_class *c = &mk_system_priority_classes[i];
        json_object_array_add(all, system_class(c->name, c->value, c->description));
    }
    return all;
}

/* The global default; with several (two creates raced), the lowest, as
 * Kubernetes picks. Caller holds the lock. */
static const prio_class *global_default(prioset *s)
{
    const prio_class *d = NULL;
    for (size_t i = 0; s && i < s->n; i++)
        if (s->classes[i].global_default && (!d || s->classes[i].value < d->value))
            d = &s->classes[i];
    return d;
}

/* What admission computed, against what the pod already says. */
static int settle_pod(json_object *pod, json_object *spec, const char *class, int64_t value,
                      const char *policy, mk_err *err)
{
    json_object *p = mk_json_path(spec, "priority");
    const char *name = mk_json_str(pod, "metadata.name") ?: "";
    if (p && json_object_get_int64(p) != value)
        return mk_error(err, EACCES,
                        "pods \"%s\" is forbidden: the integer value of priority (%lld) must "
                        "not be provided in pod spec; priority admission controller computed "
                        "%lld from the given PriorityClass name",
                        name, (long long)json_object_get_int64(p), (long long)value);
    const char *pp = mk_json_str(spec, "preemptionPolicy");
    if (pp && strcmp(pp, policy) != 0)
        return mk_error(err, EACCES,
                        "pods \"%s\" is forbidden: the string value of PreemptionPolicy (%s) "
                        "must not be provided in pod spec; priority admission controller "
                        "computed %s from the given PriorityClass name",
                        name, pp, policy);
    if (class && *class)
        json_object_object_add(spec, "priorityClassName", json_object_new_string(class));
    json_object_object_add(spec, "priority", json_object_new_int64(value));
    json_object_object_add(spec, "preemptionPolicy", json_object_new_string(policy));
    return 0;
}

int priority_admit_pod(prioset *s, json_object *pod, mk_err *err)
{
    json_object *spec = mk_json_path(pod, "spec");
    if (!json_object_is_type(spec, json_type_object))
        return 0; /* validation names what is wrong */
    const char *want = mk_json_str(spec, "priorityClassName");
    char class[254] = "", policy[24] = PREEMPT_LOWER;
    int64_t value = 0;
    if (s)
        pthread_rwlock_rdlock(&s->lock);
    const prio_class *c = want && *want ? (s ? find(s, want) : NULL) : global_default(s);
    if (c) {
        snprintf(class, sizeof class, "%s", c->name);
        snprintf(policy, sizeof policy, "%s", c->policy);
        value = c->value;
    }
    if (s)
        pthread_rwlock_unlock(&s->lock);
    if (want && *want && !c)
        return mk_error(err, EACCES,
                        "pods \"%s\" is forbidden: no PriorityClass with name %s was found",
                        mk_json_str(pod, "metadata.name") ?: "", want);
    return settle_pod(pod, spec, class, value, policy, err);
}

void priority_keep(json_object *old, json_object *neu)
{
    json_object *os = mk_json_path(old, "spec"), *ns = mk_json_path(neu, "spec");
    if (!json_object_is_type(ns, json_type_object))
        return;
    static const char *const fields[] = {"priority", "preemptionPolicy"};
    for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
        json_object *v = mk_json_path(os, fields[i]);
        if (v && !mk_json_path(ns, fields[i]))
            json_object_object_add(ns, fields[i], json_object_get(v));
    }
}

int priority_admit_class(prioset *s, json_object *old, json_object *neu, mk_err *err)
{
    json_object *d = mk_json_path(neu, "globalDefault");
    if (!s || !d || !json_object_get_boolean(d))
        return 0;
    const char *name = mk_json_str(neu, "metadata.name") ?: "";
    char other[254] = "";
    pthread_rwlock_rdlock(&s->lock);
    const prio_class *c = global_default(s);
    /* Marking a class default again is no second default. */
    if (c && (!old || strcmp(c->name, name) != 0))
        snprintf(other, sizeof other, "%s", c->name);
    pthread_rwlock_unlock(&s->lock);
    if (!other[0])
        return 0;
    char q[96];
    return mk_error(err, EACCES,
                    "%s \"%s\" is forbidden: PriorityClass %s is already marked as default. "
                    "Only one default can exist",
                    objects_qualified(kind_by_kind("PriorityClass"), q, sizeof q), name, other);
}
