/* validate_minik8s.c - the checks of the minik8s.io kinds: Functions, Workflows
 * and GpuJobs (see validate_impl.h). */
#include <ctype.h>
#include <string.h>

#include "store/codec.h"
#include "store/schema.h"
#include "store/util.h"
#include "store/validate_impl.h"

/* ---- Function ---- */

/* "main.handle": dotted Python identifiers. */
static bool is_dotted_identifier(const char *s)
{
    for (const char *p = s;;) {
        if (!(isalpha((unsigned char)*p) || *p == '_'))
            return false;
        while (isalnum((unsigned char)*p) || *p == '_')
            p++;
        if (!*p)
            return true;
        if (*p++ != '.')
            return false;
    }
}

int validate_function(json_object *obj, mk_err *err)
{
    static const char *const runtimes[] = {"python3", "sh", NULL};
    json_object *spec = get(obj, "spec");
    int r;
    if (!spec)
        return field_required(err, "spec", NULL);
    if ((r = check_enum(spec, "runtime", "spec", runtimes, true, err)) < 0)
        return r;
    json_object *from = get(spec, "codeFrom");
    if (!has(spec, "code") && !from)
        return field_required(err, "spec.code",
                              "one of spec.code or spec.codeFrom is required");
    if (has(spec, "code") && from)
        return field_forbidden(err, "spec.codeFrom", "may not be used together with spec.code");
    if (from) {
        const char *cm = get_str(get(from, "configMapRef"), "name");
        if (empty_str(cm))
            return field_required(err, "spec.codeFrom.configMapRef.name", NULL);
        if ((r = check_dns_label("spec.codeFrom.configMapRef.name", cm, err)) < 0)
            return r;
        const char *key = get_str(from, "key");
        if (empty_str(key))
            return field_required(err, "spec.codeFrom.key", NULL);
        if ((r = check_config_key("spec.codeFrom.key", key, err)) < 0)
            return r;
    }
    const char *handler = get_str(spec, "handler");
    if (handler && !is_dotted_identifier(handler))
        return field_invalid_str(err, "spec.handler", handler,
                                 "must be a dotted name such as 'main.handle'");
    if ((r = check_env(get(spec, "env"), "spec", err)) < 0 ||
        (r = check_resources(get(spec, "resources"), "spec.resources", err)) < 0 ||
        (r = check_range(spec, "minReplicas", "spec", 0, INT32_MAX, err)) < 0 ||
        (r = check_range(spec, "maxReplicas", "spec", 1, INT32_MAX, err)) < 0 ||
        (r = check_range(spec, "targetConcurrency", "spec", 1, INT32_MAX, err)) < 0 ||
        (r = check_range(spec, "scaleToZeroAfter", "spec", 1, INT32_MAX, err)) < 0 ||
        (r = check_range(spec, "timeoutSeconds", "spec", 1, INT32_MAX, err)) < 0)
        return r;
    if (has(spec, "maxReplicas") &&
        mk_json_int(spec, "maxReplicas", 0) < mk_json_int(spec, "minReplicas", 0))
        return field_invalid(err, "spec.maxReplicas", get(spec, "maxReplicas"),
                             "must be greater than or equal to `minReplicas`");
    return 0;
}

/* ---- Workflow ---- */

/* A state name referred to by next/default/startAt must exist. */
static int check_state_ref(json_object *states, json_object *v, const char *path, mk_err *err)
{
    const char *name = json_object_get_string(v);
    if (empty_str(name))
        return field_required(err, path, NULL);
    if (!has(states, name))
        return field_invalid_str(err, path, name, "no state named \"%.80s\"", name);
    return 0;
}

static const char *const comparisons[][2] = {
    {"stringEquals", "StringEquals"},
    {"numericEquals", "NumericEquals"},
    {"numericLessThan", "NumericLessThan"},
    {"numericGreaterThan", "NumericGreaterThan"},
    {"numericLessThanEquals", "NumericLessThanEquals"},
    {"numericGreaterThanEquals", "NumericGreaterThanEquals"},
    {"booleanEquals", "BooleanEquals"},
    {"isPresent", "IsPresent"},
};

/* One Choice rule; top-level rules carry next, nested ones (inside
 * and/or/not) must not. depth bounds the recursion the decoder allows. */
static int check_choice_rule(json_object *rule, const char *base, json_object *states, bool top,
                             mk_err *err)
{
    const char *used;
    vpath p;
    int r;
    int n = 0;
    for (size_t i = 0; i < ARRAY_SIZE(comparisons); i++)
        n += schema_get(rule, comparisons[i][0], comparisons[i][1], NULL) != NULL;
    json_object *and_ = schema_get(rule, "and", "And", NULL);
    json_object *or_ = schema_get(rule, "or", "Or", NULL);
    json_object *not_ = schema_get(rule, "not", "Not", NULL);
    int logical = (and_ != NULL) + (or_ != NULL) + (not_ != NULL);
    if (n + logical == 0)
        return field_required(err, base,
                              "a rule needs a comparison (e.g. stringEquals) or and/or/not");
    if (n + logical > 1)
        return field_forbidden(err, base, "a rule may hold only one comparison or and/or/not");
    json_object *var = schema_get(rule, "variable", "Variable", &used);
    SUBPATH(p, "%s.%s", base, used);
    if (n && !var)
        return field_required(err, p, NULL);
    if (n && json_object_get_string(var)[0] != '$')
        return field_invalid(err, p, var, "must be a JSON path starting with '$'");
    json_object *next = schema_get(rule, "next", "Next", &used);
    SUBPATH(p, "%s.%s", base, used);
    if (top && !next)
        return field_required(err, p, NULL);
    if (!top && next)
        return field_forbidden(err, p, "only top-level choice rules may have next");
    if (next && (r = check_state_ref(states, next, p, err)) < 0)
        return r;
    json_object *list = and_ ? and_ : or_;
    if (list) {
        schema_get(rule, and_ ? "and" : "or", and_ ? "And" : "Or", &used);
        if (list_len(list) == 0) {
            SUBPATH(p, "%s.%s", base, used);
            return field_required(err, p, NULL);
        }
        for (size_t i = 0; i < list_len(list); i++) {
            SUBPATH(p, "%s.%s[%zu]", base, used, i);
            if ((r = check_choice_rule(list_at(list, i), p, states, false, err)) < 0)
                return r;
        }
    }
    if (not_) {
        schema_get(rule, "not", "Not", &used);
        SUBPATH(p, "%s.%s", base, used);
        return check_choice_rule(not_, p, states, false, err);
    }
    return 0;
}

static int check_state(const char *name, json_object *st, const char *base, json_object *states,
                       mk_err *err)
{
    static const char *const types[] = {"Task", "Choice", "Pass", "Succeed", "Fail", NULL};
    const char *used;
    vpath p, f;
    int r;
    SUBPATH(p, "%s.%s", base, name);
    json_object *tv = schema_get(st, "type", "Type", &used);
    SUBPATH(f, "%s.%s", p, used);
    if (!tv)
        return field_required(err, f, NULL);
    const char *type = json_object_get_string(tv);
    size_t t = 0;
    while (types[t] && strcmp(types[t], type))
        t++;
    if (!types[t])
        return field_unsupported(err, f, type, types);
    bool is_task = t == 0, is_choice = t == 1, is_pass = t == 2;

    json_object *res = schema_get(st, "resource", "Resource", &used);
    SUBPATH(f, "%s.%s", p, used);
    if (is_task && !res)
        return field_required(err, f, "a Task names the function it runs");
    if (is_task && (r = check_dns_label(f, json_object_get_string(res), err)) < 0)
        return r;

    json_object *next = schema_get(st, "next", "Next", &used);
    SUBPATH(f, "%s.%s", p, used);
    json_object *end = schema_get(st, "end", "End", NULL);
    bool ends = end && json_object_get_boolean(end);
    if ((is_task || is_pass) && !next && !ends)
        return field_required(err, f, "a Task or Pass state needs next or end: true");
    if (next && ends)
        return field_forbidden(err, f, "next and end may not both be set");
    if (next && !is_task && !is_pass)
        return field_forbidden(err, f, "only Task and Pass states have next");
    if (next && (r = check_state_ref(states, next, f, err)) < 0)
        return r;

    json_object *choices = schema_get(st, "choices", "Choices", &used);
    SUBPATH(f, "%s.%s", p, used);
    if (is_choice && list_len(choices) == 0)
        return field_required(err, f, "a Choice state needs at least one rule");
    if (!is_choice && choices)
        return field_forbidden(err, f, "only Choice states have choices");
    for (size_t i = 0; i < list_len(choices); i++) {
        SUBPATH(f, "%s.%s[%zu]", p, used, i);
        if ((r = check_choice_rule(list_at(choices, i), f, states, true, err)) < 0)
            return r;
    }
    json_object *dflt = schema_get(st, "default", "Default", &used);
    SUBPATH(f, "%s.%s", p, used);
    if (dflt && !is_choice)
        return field_forbidden(err, f, "only Choice states have default");
    if (dflt && (r = check_state_ref(states, dflt, f, err)) < 0)
        return r;
    return 0;
}

int validate_workflow(json_object *obj, mk_err *err)
{
    json_object *spec = get(obj, "spec");
    const char *used;
    vpath base, p;
    int r;
    if (!spec)
        return field_required(err, "spec", NULL);
    json_object *states = schema_get(spec, "states", "States", &used);
    SUBPATH(base, "spec.%s", used);
    if (!states || json_object_object_length(states) == 0)
        return field_required(err, base, NULL);
    json_object *start = schema_get(spec, "startAt", "StartAt", &used);
    SUBPATH(p, "spec.%s", used);
    if (!start)
        return field_required(err, p, NULL);
    if ((r = check_state_ref(states, start, p, err)) < 0)
        return r;
    json_object_object_foreach(states, name, st)
    {
        if (!st) {
            SUBPATH(p, "%s.%s", base, name);
            return field_required(err, p, NULL);
        }
        if ((r = check_state(name, st, base, states, err)) < 0)
            return r;
    }
    return check_range(spec, "maxSteps", "spec", 1, INT32_MAX, err);
}

/* ---- GpuJob ---- */

/* Slurm values land in #SBATCH lines: no whitespace or shell syntax. */
static bool is_slurm_word(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("_-.:,=+/", *s))
            return false;
    return true;
}

static bool all_digits(const char *s, size_t n)
{
    if (!n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* Slurm's --time: "M", "M:S", "H:M:S", "D-H", "D-H:M", "D-H:M:S". */
static bool is_slurm_time(const char *s)
{
    const char *dash = strchr(s, '-');
    if (dash && !all_digits(s, (size_t)(dash - s)))
        return false;
    const char *p = dash ? dash + 1 : s;
    int parts = 0;
    for (;;) {
        size_t n = strcspn(p, ":");
        if (!all_digits(p, n) || n > 4)
            return false;
        parts++;
        if (!p[n])
            break;
        p += n + 1;
    }
    return parts <= 3;
}

/* sources: plain file names (they become files in the job's directory). */
static int check_gpujob_sources(json_object *sources, mk_err *err)
{
    vpath p;
    for (size_t i = 0; i < list_len(sources); i++) {
        json_object *src = list_at(sources, i);
        SUBPATH(p, "spec.sources[%zu].name", i);
        const char *name = get_str(src, "name");
        if (empty_str(name))
            return field_required(err, p, NULL);
        if (strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..") ||
            strlen(name) > 255 || strpbrk(name, "\n\r\t"))
            return field_invalid_str(err, p, name,
                                     "must be a plain file name (no '/', not '.' or '..')");
        for (size_t j = 0; j < i; j++)
            if (!strcmp(name, get_str(list_at(sources, j), "name") ?: ""))
                return field_duplicate(err, p, name);
        SUBPATH(p, "spec.sources[%zu].content", i);
        if (!has(src, "content"))
            return field_required(err, p, NULL);
    }
    return 0;
}

static int check_gpujob_slurm(json_object *slurm, mk_err *err)
{
    static const char *const counts[] = {"nodes", "ntasksPerNode", "cpusPerTask"};
    static const char *const words[] = {"partition", "gres"};
    vpath p;
    int r;
    for (size_t i = 0; i < ARRAY_SIZE(counts); i++)
        if ((r = check_range(slurm, counts[i], "spec.slurm", 1, 100000, err)) < 0)
            return r;
    for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
        const char *w = get_str(slurm, words[i]);
        SUBPATH(p, "spec.slurm.%s", words[i]);
        if (w && !is_slurm_word(w))
            return field_invalid_str(err, p, w,
                                     "must be a single word without spaces (e.g. gpu:1)");
    }
    /* timeLimit and memory: Slurm's own text, or an integer (minutes, megabytes) */
    json_object *tl = get(slurm, "timeLimit");
    if (json_object_is_type(tl, json_type_string) && !is_slurm_time(json_object_get_string(tl)))
        return field_invalid(err, "spec.slurm.timeLimit", tl,
                             "must be a Slurm time: \"MM\", \"MM:SS\", \"HH:MM:SS\", \"D-HH\", "
                             "\"D-HH:MM\" or \"D-HH:MM:SS\"");
    if (json_object_is_type(tl, json_type_int) &&
        (r = check_range(slurm, "timeLimit", "spec.slurm", 1, INT32_MAX, err)) < 0)
        return r;
    json_object *mem = get(slurm, "memory");
    if (json_object_is_type(mem, json_type_string)) {
        const char *m = json_object_get_string(mem);
        size_t d = strspn(m, "0123456789");
        if (!d || (m[d] && (!strchr("KMGTkmgt", m[d]) || m[d + 1])))
            return field_invalid(
                err, "spec.slurm.memory", mem,
                "must be a Slurm memory size: a number with an optional K, M, G or "
                "T suffix (e.g. 4G)");
    }
    if (json_object_is_type(mem, json_type_int))
        return check_range(slurm, "memory", "spec.slurm", 1, INT32_MAX, err);
    return 0;
}

int validate_gpujob(json_object *obj, mk_err *err)
{
    json_object *spec = get(obj, "spec");
    int r;
    if (!spec)
        return field_required(err, "spec", NULL);
    if ((r = check_gpujob_sources(get(spec, "sources"), err)) < 0)
        return r;
    json_object *from = get(spec, "sourcesFrom");
    if (from) {
        const char *cm = get_str(get(from, "configMapRef"), "name");
        if (empty_str(cm))
            return field_required(err, "spec.sourcesFrom.configMapRef.name", NULL);
        if ((r = check_dns_label("spec.sourcesFrom.configMapRef.name", cm, err)) < 0)
            return r;
    }
    if (list_len(get(spec, "run")) == 0)
        return field_required(err, "spec.run", "the commands that run the job");
    if ((r = check_gpujob_slurm(get(spec, "slurm"), err)) < 0 ||
        (r = check_range(spec, "backoffLimit", "spec", 0, INT32_MAX, err)) < 0)
        return r;
    const char *secret = get_str(get(get(spec, "hpc"), "secretRef"), "name");
    if (empty_str(secret))
        return field_required(err, "spec.hpc.secretRef.name",
                              "the Secret holding the HPC host, user and key");
    return check_dns_label("spec.hpc.secretRef.name", secret, err);
}
