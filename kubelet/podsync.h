/* podsync.h - the sync of one pod, as its worker thread runs it (sync.c
 * owns the threads, podsync.c what a pass does). Private to the kubelet. */
#ifndef MK_KUBELET_PODSYNC_H
#define MK_KUBELET_PODSYNC_H

#include <json-c/json.h>
#include <pthread.h>
#include <uthash.h>

#include "kubelet/ctrstate.h"
#include "kubelet/probe.h"
#include "kubelet/kubelet.h"
#include "store/qos.h"
#include "store/util.h"

struct pod_worker {
    char *uid, *ns, *name;
    kubelet *kl;
    /* Under kl->lock: */
    json_object *pod; /* the newest object the informer gave */
    bool deleted;
    bool kicked;
    pthread_cond_t cond;
    pthread_t thread;
    /* The worker's own: */
    ctr_state *ctrs;
    probe_set *probes; /* one per container, as ctrs */
    size_t nctrs;
    ctr_state *inits; /* spec.initContainers: run in order, each to success */
    size_t ninits;
    ctr_state *ephs; /* spec.ephemeralContainers (kubectl debug), as they are added */
    size_t nephs;
    bool initialized;     /* every init container succeeded (or there is none) */
    bool deadline_passed; /* activeDeadlineSeconds: stopped, Failed */
    mk_qos qos;           /* from the spec, whose resources do not change */
    bool discovered;
    bool sandbox_ready;
    bool released; /* finished: IP and namespaces given back */
    char ip[64];
    int64_t start_ms;
    int64_t mount_wait_ms;  /* since when a volume (a claim) keeps it waiting; 0: none */
    int64_t mount_event_ms; /* the last FailedMount event */
    int64_t volumes_ms;     /* when its volumes were last written (keep_volumes) */
    json_object *conds;     /* condition type -> {status, lastTransitionTime} */
    char *gates_why;        /* the readiness gate that holds Ready back, or NULL */
    char *last_posted;
    UT_hash_handle hh;
};

static inline int64_t now_ms(void)
{
    return mk_wall_ms();
}

/* One level-triggered pass over the pod (images, sandbox, containers,
 * status). Returns the wall-clock ms by which the worker must look again
 * (a backoff deadline), or 0. */
int64_t podsync_pass(pod_worker *w, json_object *pod);

/* Has every container finished for good (Succeeded/Failed)? */
bool podsync_terminal(pod_worker *w);

/* Stop the pod: SIGTERM, the grace period, SIGKILL, then remove all it had.
 * Waits on w->cond under kl->lock, so exits wake it. */
void podsync_terminate(pod_worker *w, json_object *pod);

/* After a graceful deletion (deletionTimestamp), delete the object for good. */
void podsync_finalize_delete(pod_worker *w);

#endif
