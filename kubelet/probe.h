/* probe.h - a container's startup, liveness and readiness probes, as the
 * Kubernetes kubelet runs them.
 *
 * Handlers: exec (a command in the container through the runtime; exit 0
 * passes), httpGet (a GET from the kubelet to the pod's IP; 200-399
 * passes), tcpSocket (a connect that completes passes). grpc is accepted by
 * the API but not run here: such a probe fails with a message that says so.
 *
 * The rules: nothing runs before initialDelaySeconds; then each probe runs
 * every periodSeconds with timeoutSeconds to answer. successThreshold
 * passes in a row make a probe succeed, failureThreshold failures in a row
 * make it fail. Liveness and readiness wait until the startup probe (if
 * any) has succeeded. A failed startup or liveness probe asks the caller to
 * kill the container (restartPolicy then decides). A container is ready
 * once started and, with a readiness probe, once that probe succeeded;
 * until its first success it is not.
 *
 * The probes run on the pod worker's thread (a probe takes at most its
 * timeout); the worker wakes for the next one at probe_verdict.next_ms.
 */
#ifndef MK_KUBELET_PROBE_H
#define MK_KUBELET_PROBE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "kubelet/runtime.h"
#include "store/events.h"

typedef enum probe_kind {
    PROBE_STARTUP,
    PROBE_LIVENESS,
    PROBE_READINESS,
    PROBE_KINDS,
} probe_kind;

typedef enum probe_handler {
    PROBE_NONE,
    PROBE_EXEC,
    PROBE_HTTP,
    PROBE_TCP,
    PROBE_GRPC,
} probe_handler;

typedef struct probe_spec {
    probe_handler handler;
    char **argv;          /* exec */
    char *host, *path;    /* httpGet (host NULL: the pod's IP), tcpSocket host */
    bool https;           /* httpGet scheme HTTPS (the certificate is not checked) */
    json_object *headers; /* httpGet httpHeaders [{name, value}] (a reference) */
    int port;             /* httpGet, tcpSocket, grpc; -1: a name no port has */
    char *port_name;      /* the name, for the message */
    int initial_delay_s, period_s, timeout_s, success_threshold, failure_threshold;
    int64_t grace_s; /* terminationGracePeriodSeconds of the probe; -1: the pod's */
} probe_spec;

/* Where a probe goes, and whose it is (for the log). */
typedef struct probe_target {
    runtime *rt;
    const char *ctr_id; /* exec */
    const char *pod_ip; /* httpGet and tcpSocket without a host */
    const char *who;    /* "pod default/web container app" */
    mk_recorder *rec;   /* failures become Unhealthy events about ref (may be NULL) */
    const mk_obj_ref *ref;
} probe_target;

typedef struct probe_state {
    probe_spec spec;         /* handler PROBE_NONE: the container has no such probe */
    bool ok;                 /* the result after the thresholds */
    int successes, failures; /* in a row */
    int64_t next_ms;         /* wall clock when it is due */
} probe_state;

typedef struct probe_set {
    probe_state p[PROBE_KINDS];
    bool started; /* the startup probe succeeded, or there is none */
} probe_set;

typedef struct probe_verdict {
    bool started, ready;
    bool kill;       /* a startup or liveness probe failed: restart it */
    probe_kind why;  /* which, when kill */
    int64_t grace_s; /* the probe's terminationGracePeriodSeconds, or -1 */
    char message[256];
    int64_t next_ms; /* when the next probe is due; 0: none */
} probe_verdict;

/* Read the probes of one container spec (ports by name resolved against its
 * ports). The API server validated them; defaults as Kubernetes'. */
void probe_set_init(probe_set *ps, json_object *container);
void probe_set_free(probe_set *ps);
/* The container (re)started at started_ms: every result starts over. */
void probe_set_restart(probe_set *ps, int64_t started_ms);
bool probe_set_empty(const probe_set *ps);
/* Run the probes that are due at now; say what follows. */
void probe_set_tick(probe_set *ps, const probe_target *t, int64_t now, probe_verdict *v);

/* Run a lifecycle hook's handler (postStart, preStop: exec, httpGet,
 * tcpSocket, or sleep) once, within timeout_s: true when it passes; else
 * message says why. */
bool probe_hook(json_object *handler, json_object *container, const probe_target *t,
                int timeout_s, char *message, size_t n);

/* Run one probe once: true when it passes; else message says why. */
bool probe_run(const probe_spec *s, const probe_target *t, char *message, size_t n);

#endif
