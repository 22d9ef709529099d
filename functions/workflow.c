/* workflow.c - the Workflow state machine (see workflow.h). */
#include "functions/workflow.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/codec.h"
#include "store/util.h"

#define WF_DEFAULT_MAX_STEPS 100

/* A field in either spelling the schema accepts. */
static json_object *field(json_object *o, const char *lower)
{
    json_object *v = NULL;
    if (!o || !json_object_is_type(o, json_type_object))
        return NULL;
    if (json_object_object_get_ex(o, lower, &v))
        return v;
    char upper[64];
    snprintf(upper, sizeof(upper), "%s", lower);
    upper[0] = (char)toupper((unsigned char)upper[0]);
    return json_object_object_get_ex(o, upper, &v) ? v : NULL;
}

static const char *field_str(json_object *o, const char *lower)
{
    json_object *v = field(o, lower);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

json_object *workflow_path(json_object *doc, const char *path, bool *found)
{
    *found = false;
    if (!path || path[0] != '$')
        return NULL;
    const char *p = path + 1;
    json_object *cur = doc;
    while (*p) {
        if (*p == '.') {
            p++;
            size_t n = strcspn(p, ".[");
            if (!n || !cur || !json_object_is_type(cur, json_type_object))
                return NULL;
            char key[256];
            if (n >= sizeof(key))
                return NULL;
            memcpy(key, p, n);
            key[n] = '\0';
            json_object *next;
            if (!json_object_object_get_ex(cur, key, &next))
                return NULL;
            cur = next;
            p += n;
        } else if (*p == '[') {
            char *end;
            long i = strtol(p + 1, &end, 10);
            if (*end != ']' || !cur || !json_object_is_type(cur, json_type_array) || i < 0 ||
                (size_t)i >= json_object_array_length(cur))
                return NULL;
            cur = json_object_array_get_idx(cur, (size_t)i);
            p = end + 1;
        } else
            return NULL;
    }
    *found = true;
    return cur;
}

static bool is_number(json_object *v)
{
    return v &&
           (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double));
}

bool workflow_rule_matches(json_object *rule, json_object *input)
{
    json_object *sub;
    if ((sub = field(rule, "and"))) {
        for (size_t i = 0; i < json_object_array_length(sub); i++)
            if (!workflow_rule_matches(json_object_array_get_idx(sub, i), input))
                return false;
        return true;
    }
    if ((sub = field(rule, "or"))) {
        for (size_t i = 0; i < json_object_array_length(sub); i++)
            if (workflow_rule_matches(json_object_array_get_idx(sub, i), input))
                return true;
        return false;
    }
    if ((sub = field(rule, "not")))
        return !workflow_rule_matches(sub, input);
    bool found;
    json_object *v = workflow_path(input, field_str(rule, "variable"), &found);
    json_object *want;
    if ((want = field(rule, "isPresent")))
        return found == json_object_get_boolean(want);
    if (!found)
        return false;
    if ((want = field(rule, "stringEquals")))
        return v && json_object_is_type(v, json_type_string) &&
               !strcmp(json_object_get_string(v), json_object_get_string(want));
    if ((want = field(rule, "booleanEquals")))
        return v && json_object_is_type(v, json_type_boolean) &&
               json_object_get_boolean(v) == json_object_get_boolean(want);
    static const char *const ops[] = {"numericEquals", "numericLessThan", "numericGreaterThan",
                                      "numericLessThanEquals", "numericGreaterThanEquals"};
    for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
        if (!(want = field(rule, ops[i])))
            continue;
        if (!is_number(v))
            return false;
        double a = json_object_get_double(v), b = json_object_get_double(want);
        switch (i) {
        case 0:
            return a == b;
        case 1:
            return a < b;
        case 2:
            return a > b;
        case 3:
            return a <= b;
        default:
            return a >= b;
        }
    }
    return false;
}

static void finish(json_object *rec, const char *status, json_object *output, const char *error,
                   const char *cause)
{
    json_object_object_add(rec, "status", json_object_new_string(status));
    if (output || !error)
        json_object_object_add(rec, "output", output);
    if (error)
        json_object_object_add(rec, "error", json_object_new_string(error));
    if (cause)
        json_object_object_add(rec, "cause", json_object_new_string(cause));
}

json_object *workflow_run(json_object *wf, json_object *input, int default_max_steps,
                          workflow_task_fn task, void *ctx)
{
    json_object *spec = mk_json_path(wf, "spec");
    json_object *states = field(spec, "states");
    int64_t max_steps = mk_json_int(
        spec, "maxSteps", default_max_steps > 0 ? default_max_steps : WF_DEFAULT_MAX_STEPS);
    json_object *rec = json_object_new_object();
    json_object_object_add(rec, "workflow",
                           json_object_new_string(mk_json_str(wf, "metadata.name") ?: ""));
    json_object_object_add(rec, "input", mk_json_copy(input));
    json_object *steps = json_object_new_array();
    json_object_object_add(rec, "steps", steps);
    json_object *cur = mk_json_copy(input); /* owned */
    const char *name = field_str(spec, "startAt");
    for (int64_t n = 0;; n++) {
        json_object *st = name ? field(states, name) : NULL;
        if (!st) {
            finish(rec, "FAILED", NULL, "States.Runtime", "the next state does not exist");
            break;
        }
        if (n >= max_steps) {
            char cause[128];
            snprintf(cause, sizeof(cause),
                     "stopped after %lld steps (maxSteps) before state %s",
                     (long long)max_steps, name);
            finish(rec, "FAILED", NULL, "States.StepLimitExceeded", cause);
            break;
        }
        const char *type = field_str(st, "type") ?: "";
        json_object *step = json_object_new_object();
        json_object_object_add(step, "state", json_object_new_string(name));
        json_object_object_add(step, "type", json_object_new_string(type));
        json_object_object_add(step, "input", mk_json_copy(cur));
        json_object_array_add(steps, step);
        json_object *out = NULL;
        const char *next = NULL;
        if (!strcmp(type, "Task")) {
            char *error = NULL;
            const char *fn = field_str(st, "resource");
            if (task(ctx, fn, cur, &out, &error) < 0) {
                json_object_object_add(step, "error",
                                       json_object_new_string(error ?: "failed"));
                finish(rec, "FAILED", NULL, "States.TaskFailed", error ?: "the task failed");
                free(error);
                break;
            }
            next = field_str(st, "next");
        } else if (!strcmp(type, "Pass")) {
            json_object *r = field(st, "result");
            out = r ? mk_json_copy(r) : mk_json_copy(cur);
            next = field_str(st, "next");
        } else if (!strcmp(type, "Choice")) {
            json_object *rules = field(st, "choices");
            for (size_t i = 0; rules && i < json_object_array_length(rules) && !next; i++) {
                json_object *rule = json_object_array_get_idx(rules, i);
                if (workflow_rule_matches(rule, cur))
                    next = field_str(rule, "next");
            }
            if (!next)
                next = field_str(st, "default");
            out = mk_json_copy(cur);
            if (!next) {
                json_object_object_add(step, "output", out);
                finish(rec, "FAILED", NULL, "States.NoChoiceMatched",
                       "no choice rule matched and there is no default");
                break;
            }
            json_object_object_add(step, "next", json_object_new_string(next));
        } else if (!strcmp(type, "Succeed")) {
            json_object_object_add(step, "output", mk_json_copy(cur));
            finish(rec, "SUCCEEDED", steal_pointer(&cur), NULL, NULL);
            break;
        } else if (!strcmp(type, "Fail")) {
            finish(rec, "FAILED", NULL, field_str(st, "error") ?: "States.Fail",
                   field_str(st, "cause"));
            break;
        } else {
            finish(rec, "FAILED", NULL, "States.Runtime", "unknown state type");
            break;
        }
        json_object_object_add(step, "output", mk_json_copy(out));
        json_object_put(cur);
        cur = out;
        json_object *end = field(st, "end");
        if (!next && end && json_object_get_boolean(end)) {
            finish(rec, "SUCCEEDED", steal_pointer(&cur), NULL, NULL);
            break;
        }
        name = next;
    }
    json_object_put(cur);
    return rec;
}
