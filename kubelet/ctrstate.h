/* ctrstate.h - what the kubelet knows about one container of a pod, and the
 * rules that turn it into a Kubernetes containerStatus and a pod phase.
 *
 * Restart backoff as Kubernetes: the first restart is immediate, the next
 * waits base (10 s), then doubles up to max (300 s); a container that ran
 * for longer than 2 * max starts over from no wait.
 */
#ifndef MK_KUBELET_CTRSTATE_H
#define MK_KUBELET_CTRSTATE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct ctr_state {
    char *name;
    char *image;
    int restart_count;
    bool started; /* a runtime container exists for this attempt */
    bool running;
    bool done; /* terminated and will not be restarted */
    bool ever_started;
    bool ready;         /* running, started, and its readiness probe passes (or none) */
    bool probe_started; /* running, and its startup probe passed (or none) */
    int64_t kill_at_ms; /* a failed probe sent SIGTERM: SIGKILL at this time */
    int64_t started_ms; /* wall clock of the current/last start */
    int64_t backoff_until_ms;
    json_object *state;      /* {"waiting":{...}} | {"running":{...}} | {"terminated":{...}} */
    json_object *last_state; /* {} or {"terminated":{...}} */
} ctr_state;

void ctrstate_free(ctr_state *c);

/* Set c->state to a waiting state. */
void ctrstate_waiting(ctr_state *c, const char *reason, const char *message);
void ctrstate_running(ctr_state *c, int64_t started_ms);
/* Record an exit: fills a terminated object (caller decides about restart).
 * message: the container's termination message, or NULL. */
json_object *ctrstate_terminated(const char *id, int exit_code, bool oom, const char *message,
                                 int64_t started_ms, int64_t finished_ms);

/* Does restartPolicy (Always, OnFailure, Never; NULL = Always) restart a
 * container that exited with code? */
bool ctrstate_should_restart(const char *policy, int exit_code);

/* The wait before restart number restart_count+1 (0 for the first). */
int64_t ctrstate_backoff_ms(int restart_count, int64_t ran_ms, int64_t base_ms, int64_t max_ms);

/* Terminated for good with a non-zero exit code? */
bool ctrstate_failed(const ctr_state *c);

/* The pod phase from its containers: Pending, Running, Succeeded, Failed. */
const char *ctrstate_phase(const ctr_state *c, size_t n);

/* One containerStatuses entry (new object). */
json_object *ctrstate_status(const ctr_state *c, const char *container_id);

#endif
