#include "kubelet/ctrstate.h"
#include "store/util.h"

#include <string.h>

void ctrstate_free(ctr_state *c)
{
    free(c->name);
    free(c->image);
    json_object_put(c->state);
    json_object_put(c->last_state);
    *c = (ctr_state){0};
}

static json_object *time_str(int64_t ms)
{
    char buf[32];
    mk_rfc3339(buf, sizeof buf, ms / 1000);
    return json_object_new_string(buf);
}

void ctrstate_waiting(ctr_state *c, const char *reason, const char *message)
{
    json_object *w = json_object_new_object();
    json_object_object_add(w, "reason", json_object_new_string(reason));
    if (message)
        json_object_object_add(w, "message", json_object_new_string(message));
    json_object *s = json_object_new_object();
    json_object_object_add(s, "waiting", w);
    json_object_put(c->state);
    c->state = s;
}

void ctrstate_running(ctr_state *c, int64_t started_ms)
{
    json_object *r = json_object_new_object();
    json_object_object_add(r, "startedAt", time_str(started_ms));
    json_object *s = json_object_new_object();
    json_object_object_add(s, "running", r);
    json_object_put(c->state);
    c->state = s;
}

json_object *ctrstate_terminated(const char *id, int exit_code, bool oom, const char *message,
                                 int64_t started_ms, int64_t finished_ms)
{
    json_object *t = json_object_new_object();
    json_object_object_add(t, "exitCode", json_object_new_int(exit_code));
    const char *reason = oom ? "OOMKilled" : exit_code == 0 ? "Completed" : "Error";
    json_object_object_add(t, "reason", json_object_new_string(reason));
    if (message)
        json_object_object_add(t, "message", json_object_new_string(message));
    if (started_ms > 0)
        json_object_object_add(t, "startedAt", time_str(started_ms));
    json_object_object_add(t, "finishedAt", time_str(finished_ms));
    _cleanup_free_ char *cid = xasprintf("runc://%s", id);
    json_object_object_add(t, "containerID", json_object_new_string(cid));
    json_object *s = json_object_new_object();
    json_object_object_add(s, "terminated", t);
    return s;
}

bool ctrstate_should_restart(const char *policy, int exit_code)
{
    if (!policy || strcmp(policy, "Always") == 0)
        return true;
    if (strcmp(policy, "OnFailure") == 0)
        return exit_code != 0;
    return false;
}

int64_t ctrstate_backoff_ms(int restart_count, int64_t ran_ms, int64_t base_ms, int64_t max_ms)
{
    if (restart_count <= 0 || ran_ms > 2 * max_ms)
        return 0;
    int64_t d = base_ms;
    for (int i = 1; i < restart_count && d < max_ms; i++)
        d *= 2;
    return d < max_ms ? d : max_ms;
}

bool ctrstate_failed(const ctr_state *c)
{
    json_object *t = NULL;
    return c->done && json_object_object_get_ex(c->state, "terminated", &t) &&
           json_object_get_int(json_object_object_get(t, "exitCode")) != 0;
}

const char *ctrstate_phase(const ctr_state *c, size_t n)
{
    bool all_done = n > 0, any_failed = false, all_started = true;
    for (size_t i = 0; i < n; i++) {
        all_done &= c[i].done;
        all_started &= c[i].ever_started;
        any_failed |= ctrstate_failed(&c[i]);
    }
    if (all_done)
        return any_failed ? "Failed" : "Succeeded";
    return all_started ? "Running" : "Pending";
}

json_object *ctrstate_status(const ctr_state *c, const char *container_id)
{
    json_object *s = json_object_new_object();
    json_object_object_add(s, "name", json_object_new_string(c->name));
    json_object_object_add(s, "image", json_object_new_string(c->image ? c->image : ""));
    json_object_object_add(s, "imageID", json_object_new_string(c->image ? c->image : ""));
    if (c->started && container_id) {
        _cleanup_free_ char *cid = xasprintf("runc://%s", container_id);
        json_object_object_add(s, "containerID", json_object_new_string(cid));
    }
    json_object_object_add(s, "ready", json_object_new_boolean(c->running && c->ready));
    json_object_object_add(s, "started",
                           json_object_new_boolean(c->running && c->probe_started));
    json_object_object_add(s, "restartCount", json_object_new_int(c->restart_count));
    json_object_object_add(s, "state",
                           c->state ? json_object_get(c->state) : json_object_new_object());
    json_object_object_add(s, "lastState",
                           c->last_state ? json_object_get(c->last_state)
                                         : json_object_new_object());
    return s;
}
