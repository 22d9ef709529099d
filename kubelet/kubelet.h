/* kubelet.h - the mk-kubelet daemon's shared state, wired by main.c.
 *
 * Threads: the pod informer's (calls sync_* handlers), one worker per pod
 * (sync.c, as Kubernetes' podWorkers), the exit watcher (inotify on conmon's
 * exit files), the node heartbeat (node.c) and the HTTP server's (server.c).
 * kl->lock guards the worker table and each worker's pending fields.
 */
#ifndef MK_KUBELET_KUBELET_H
#define MK_KUBELET_KUBELET_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "kubelet/pods.h"
#include "store/client.h"
#include "store/events.h"
#include "store/informer.h"

typedef struct pod_worker pod_worker;
struct localpath;

typedef struct kubelet_config {
    const char *server;
    const char *node_name;
    const char *root_dir;
    const char *image_dir;
    const char *node_ip;         /* NULL: the first non-loopback IPv4 */
    const char *labels;          /* "k=v,k2=v2" */
    const char *runtime;         /* runc | crun */
    const char *pod_cidr;        /* overrides Node.spec.podCIDR */
    const char *bridge;          /* mk0 */
    const char *cluster_dns;     /* 10.96.0.10: pods' nameserver */
    const char *cluster_domain;  /* cluster.local */
    const char *token_file;      /* to reach the API server */
    const char *ca_file;         /* https: the API server's CA (NULL: the system's) */
    const char *auth_token_file; /* who may reach us */
    int port;                    /* 10250 */
    int64_t backoff_base_ms;     /* 10 s: the second restart's wait, doubling */
    int64_t backoff_max_ms;      /* 300 s */
    int heartbeat_s;             /* 5 */
    int resync_s;                /* 10: each worker re-checks its pod this often */
    int volume_refresh_s;        /* 60: configMap, secret... volumes rewritten this often */
} kubelet_config;

typedef struct kubelet {
    kubelet_config cfg;
    char node_ip[64];
    mk_client *client;
    mk_recorder *rec; /* Events about pods: Started, Killing, BackOff, Unhealthy... */
    mk_informer *pods;
    mk_informer *services;       /* every namespace's: containers' service links */
    struct localpath *localpath; /* provisioned volumes' cleanup (localpath.h) */
    runtime *rt;
    podnet *pn;
    pods_env env;
    pthread_mutex_t lock;
    pod_worker *workers; /* uthash by uid */
    volatile bool stop;
    pthread_t exit_thread, heartbeat_thread;
    int inotify_fd;
} kubelet;

/* sync.c: the pod informer's handlers and the exit watcher. */
void sync_on_add(void *ctx, json_object *pod);
void sync_on_update(void *ctx, json_object *old, json_object *pod);
void sync_on_delete(void *ctx, json_object *pod);
void sync_on_synced(void *ctx);
int sync_start_exit_watcher(kubelet *kl, mk_err *err);
/* Stop every worker, leaving containers running (a restarted kubelet adopts
 * them). */
void sync_stop_all(kubelet *kl);

/* A snapshot of the pods this kubelet runs, for the server. */
typedef struct sync_pod_ref {
    char *uid, *ns, *name;
    char **containers;
    size_t ncontainers;
} sync_pod_ref;
int sync_snapshot(kubelet *kl, sync_pod_ref **pods, size_t *n);
void sync_snapshot_free(sync_pod_ref *pods, size_t n);
/* The uid of a pod this node runs, by namespace and name (caller frees);
 * NULL if none. first_ctr (may be NULL) receives its first container's
 * name (caller frees), the default when a request names none. */
char *sync_find_uid(kubelet *kl, const char *ns, const char *name, char **first_ctr);

/* node.c: register the Node and keep it fresh. */
int node_register(kubelet *kl, mk_err *err);
int node_start_heartbeat(kubelet *kl, mk_err *err);
/* The host's memory (MemTotal), the node's memory capacity; 0 if unknown. */
int64_t node_memory_kib(void);
/* The lowest oom_score_adj the kubelet may give its containers: -1000 with
 * CAP_SYS_RESOURCE, else its own. */
int node_oom_floor(void);
/* The whole machine's use, as cAdvisor gives it for the root cgroup: CPU
 * time busy (/proc/stat), memory in use and its working set (in use minus
 * inactive file cache, /proc/meminfo). False if /proc cannot be read. */
bool node_usage(int64_t *cpu_ns, int64_t *mem_usage, int64_t *mem_working_set);

/* server.c: logs, exec, metrics and stats on cfg.port. */
typedef struct kubelet_server kubelet_server;
int server_start(kubelet *kl, kubelet_server **out, mk_err *err);
void server_stop(kubelet_server *s);

#endif
