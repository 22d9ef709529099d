/* mk-kubelet - the node agent: registers the Node, runs the pods bound to it
 * on runc (or crun) under conmon, and serves their logs, exec and metrics. */
#include "kubelet/hollow.h"
#include "kubelet/fsutil.h"
#include "kubelet/image.h"
#include "kubelet/kubelet.h"
#include "kubelet/localpath.h"
#include "store/codec.h"
#include "store/log.h"
#include "store/util.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: mk-kubelet --server URL --node-name N --root-dir DIR [options]\n"
        "  --server URL            the API server\n"
        "  --node-name N           this node's name\n"
        "  --root-dir DIR          pods, runtime state and IP leases (created)\n"
        "  --image-dir DIR         the image store (default %s)\n"
        "  --node-ip IP            InternalIP to report (default: first non-loopback IPv4)\n"
        "  --labels k=v,...        labels for the Node when it is first registered\n"
        "  --runtime runc|crun     the OCI runtime (default runc)\n"
        "  --port P                logs/exec/metrics port (default 10250)\n"
        "  --pod-cidr CIDR         use this podCIDR instead of Node.spec.podCIDR\n"
        "  --bridge NAME           the pod bridge (default mk0)\n"
        "  --backoff-base-ms MS    wait before the 2nd restart, doubling (default 10000)\n"
        "  --backoff-max-ms MS     restart backoff cap (default 300000)\n"
        "  --heartbeat-seconds S   node heartbeat interval (default 5)\n"
        "  --volume-refresh-seconds S  rewrite configMap, secret, downwardAPI and projected\n"
        "                          volumes from their objects this often (default 60)\n"
        "  --hollow [--hollow-nodes N]  register N hollow nodes, run nothing (scale tests)\n"
        "  --token-file F          bearer token to reach the API server\n"
        "  --certificate-authority F  https: the API server's CA (default: the system's)\n"
        "  --auth-token-file F     tokens allowed on our port (default: loopback only)\n"
        "  --cleanup               remove every pod under --root-dir (containers, mounts,\n"
        "                          cgroups, veths, namespaces, leases) and exit\n",
        IMAGE_ROOT_DEFAULT);
}

enum {
    OPT_SERVER = 256,
    OPT_NODE,
    OPT_ROOT,
    OPT_IMAGES,
    OPT_IP,
    OPT_LABELS,
    OPT_RUNTIME,
    OPT_PORT,
    OPT_CIDR,
    OPT_BRIDGE,
    OPT_HOLLOW,
    OPT_HOLLOW_N,
    OPT_TOKEN,
    OPT_CA,
    OPT_AUTH,
    OPT_BACKOFF,
    OPT_BACKOFF_MAX,
    OPT_HEARTBEAT,
    OPT_VOLUME_REFRESH,
    OPT_CLEANUP,
    OPT_DNS,
    OPT_DOMAIN,
};

static char *abs_path(const char *rel)
{
    _cleanup_free_ char *cwd = get_current_dir_name();
    return xasprintf("%s/%s", cwd ? cwd : ".", rel);
}

static bool cleanup_mode;

static int parse_flags(int argc, char **argv, kubelet_config *cfg, bool *hollow, int *hollow_n)
{
    static const struct option opts[] = {
        {"server", required_argument, NULL, OPT_SERVER},
        {"node-name", required_argument, NULL, OPT_NODE},
        {"root-dir", required_argument, NULL, OPT_ROOT},
        {"image-dir", required_argument, NULL, OPT_IMAGES},
        {"node-ip", required_argument, NULL, OPT_IP},
        {"labels", required_argument, NULL, OPT_LABELS},
        {"runtime", required_argument, NULL, OPT_RUNTIME},
        {"port", required_argument, NULL, OPT_PORT},
        {"pod-cidr", required_argument, NULL, OPT_CIDR},
        {"bridge", required_argument, NULL, OPT_BRIDGE},
        {"hollow", no_argument, NULL, OPT_HOLLOW},
        {"hollow-nodes", required_argument, NULL, OPT_HOLLOW_N},
        {"token-file", required_argument, NULL, OPT_TOKEN},
        {MK_CA_FLAG, required_argument, NULL, OPT_CA},
        {"auth-token-file", required_argument, NULL, OPT_AUTH},
        {"backoff-base-ms", required_argument, NULL, OPT_BACKOFF},
        {"backoff-max-ms", required_argument, NULL, OPT_BACKOFF_MAX},
        {"heartbeat-seconds", required_argument, NULL, OPT_HEARTBEAT},
        {"volume-refresh-seconds", required_argument, NULL, OPT_VOLUME_REFRESH},
        {"cleanup", no_argument, NULL, OPT_CLEANUP},
        {"cluster-dns", required_argument, NULL, OPT_DNS},
        {"cluster-domain", required_argument, NULL, OPT_DOMAIN},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case OPT_SERVER:
            cfg->server = optarg;
            break;
        case OPT_NODE:
            cfg->node_name = optarg;
            break;
        case OPT_ROOT:
            /* Absolute: conmon runs in the bundle, not in our cwd. Lives as
             * long as the process. */
            cfg->root_dir = optarg[0] == '/' ? optarg : abs_path(optarg);
            break;
        case OPT_IMAGES:
            cfg->image_dir = optarg;
            break;
        case OPT_IP:
            cfg->node_ip = optarg;
            break;
        case OPT_LABELS:
            cfg->labels = optarg;
            break;
        case OPT_RUNTIME:
            cfg->runtime = optarg;
            break;
        case OPT_PORT:
            cfg->port = atoi(optarg);
            break;
        case OPT_CIDR:
            cfg->pod_cidr = optarg;
            break;
        case OPT_BRIDGE:
            cfg->bridge = optarg;
            break;
        case OPT_HOLLOW:
            *hollow = true;
            break;
        case OPT_HOLLOW_N:
            *hollow_n = atoi(optarg);
            break;
        case OPT_TOKEN:
            cfg->token_file = optarg;
            break;
        case OPT_CA:
            cfg->ca_file = optarg;
            break;
        case OPT_AUTH:
            cfg->auth_token_file = optarg;
            break;
        case OPT_BACKOFF:
            cfg->backoff_base_ms = atoll(optarg);
            break;
        case OPT_BACKOFF_MAX:
            cfg->backoff_max_ms = atoll(optarg);
            break;
        case OPT_HEARTBEAT:
            cfg->heartbeat_s = atoi(optarg);
            break;
        case OPT_VOLUME_REFRESH:
            cfg->volume_refresh_s = atoi(optarg);
            break;
        case OPT_DNS:
            cfg->cluster_dns = optarg;
            break;
        case OPT_DOMAIN:
            cfg->cluster_domain = optarg;
            break;
        case OPT_CLEANUP:
            cleanup_mode = true;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return -1;
        }
    }
    if (cleanup_mode && cfg->root_dir)
        return 0;
    if (!cfg->server || !cfg->node_name || (!*hollow && !cfg->root_dir)) {
        fprintf(stderr, "mk-kubelet: --server, --node-name and --root-dir are required\n");
        return -1;
    }
    if (!mk_is_dns1123_subdomain(cfg->node_name)) {
        fprintf(stderr, "mk-kubelet: --node-name %s: not a DNS-1123 name\n", cfg->node_name);
        return -1;
    }
    if (cfg->port <= 0 || cfg->port > 65535 || cfg->backoff_base_ms <= 0 ||
        cfg->backoff_max_ms < cfg->backoff_base_ms || cfg->heartbeat_s <= 0 ||
        cfg->volume_refresh_s <= 0) {
        fprintf(stderr, "mk-kubelet: bad --port, --backoff-*, --heartbeat-seconds or "
                        "--volume-refresh-seconds\n");
        return -1;
    }
    return 0;
}

static json_object *fetch_object(void *ctx, const char *kind, const char *ns, const char *name,
                                 mk_err *err)
{
    kubelet *kl = ctx;
    json_object *obj = NULL;
    if (client_get(kl->client, kind_by_kind(kind), ns, name, &obj, err) < 0)
        return NULL;
    return obj;
}

/* pods_env's token: a TokenRequest for the pod's account, bound to the
 * pod (the only kind of token the node role may ask for). */
static char *request_token(void *ctx, json_object *pod, const char *audience, int64_t seconds,
                           mk_err *err)
{
    kubelet *kl = ctx;
    const char *ns = mk_json_str(pod, "metadata.namespace") ?: "default";
    const char *sa = mk_json_str(pod, "spec.serviceAccountName") ?: "default";
    json_object *req = json_object_new_object();
    json_object_object_add(req, "apiVersion",
                           json_object_new_string("authentication.k8s.io/v1"));
    json_object_object_add(req, "kind", json_object_new_string("TokenRequest"));
    json_object *spec = mk_json_ensure(req, "spec");
    if (audience) {
        json_object *aud = json_object_new_array();
        json_object_array_add(aud, json_object_new_string(audience));
        json_object_object_add(spec, "audiences", aud);
    }
    json_object_object_add(spec, "expirationSeconds", json_object_new_int64(seconds));
    json_object *ref = mk_json_ensure(spec, "boundObjectRef");
    json_object_object_add(ref, "apiVersion", json_object_new_string("v1"));
    json_object_object_add(ref, "kind", json_object_new_string("Pod"));
    json_object_object_add(ref, "name",
                           json_object_new_string(mk_json_str(pod, "metadata.name") ?: ""));
    json_object_object_add(ref, "uid",
                           json_object_new_string(mk_json_str(pod, "metadata.uid") ?: ""));
    _cleanup_free_ char *path =
        xasprintf("/api/v1/namespaces/%s/serviceaccounts/%s/token", ns, sa);
    const char *body = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
    _cleanup_free_ char *resp = NULL;
    size_t len;
    int status;
    int rc = client_request(kl->client, "POST", path, "application/json", body, strlen(body),
                            &status, &resp, &len, NULL, err);
    json_object_put(req);
    if (rc < 0)
        return NULL;
    json_object *out = json_tokener_parse(resp);
    const char *token = mk_json_str(out, "status.token");
    char *copy = token ? xstrdup(token) : NULL;
    json_object_put(out);
    if (!copy)
        mk_error(err, EIO, "%s: the answer holds no status.token", path);
    return copy;
}

typedef struct ns_services {
    const char *ns;
    json_object *out;
} ns_services;

static int collect_service(void *ctx, json_object *svc)
{
    ns_services *c = ctx;
    if (strcmp(mk_json_str(svc, "metadata.namespace") ?: "", c->ns) == 0)
        json_object_array_add(c->out, mk_json_copy(svc));
    return 0;
}

/* pods_env's services: copies from the informer's cache, which outlives
 * an API server's absence as Kubernetes' Service lister does. */
static json_object *namespace_services(void *ctx, const char *ns)
{
    kubelet *kl = ctx;
    ns_services c = {ns, json_object_new_array()};
    informer_foreach(kl->services, collect_service, &c);
    return c.out;
}

/* --cleanup: what a node leaves behind when it is taken out for good. */
static int run_cleanup(const kubelet_config *cfg)
{
    mk_err err = {0};
    runtime *rt = NULL;
    _cleanup_free_ char *rtdir = xasprintf("%s/runtime", cfg->root_dir);
    if (runtime_new(cfg->runtime, rtdir, &rt, &err) < 0) {
        fprintf(stderr, "mk-kubelet: %s\n", err.msg);
        return 1;
    }
    podnet *pn = podnet_new(cfg->root_dir, cfg->bridge);
    pods_env env = {.root_dir = cfg->root_dir, .image_dir = cfg->image_dir, .rt = rt, .pn = pn};
    char **uids = NULL;
    size_t n = 0;
    int rc = 0;
    pods_list_local(&env, &uids, &n, &err);
    for (size_t i = 0; i < n; i++) {
        if (pods_teardown(&env, uids[i], &err) < 0) {
            fprintf(stderr, "mk-kubelet: pod %s: %s\n", uids[i], err.msg);
            rc = 1;
        }
        free(uids[i]);
    }
    free(uids);
    char **ids = NULL;
    runtime_list(rt, &ids, &n, &err);
    for (size_t i = 0; i < n; i++) {
        char *uid = NULL, *ctr = NULL;
        if (pods_parse_id(ids[i], &uid, &ctr) && pods_teardown(&env, uid, &err) < 0)
            rc = 1;
        free(uid);
        free(ctr);
        free(ids[i]);
    }
    free(ids);
    podnet_free(pn);
    runtime_free(rt);
    return rc;
}

static volatile bool stop_flag;

typedef struct hollow_args {
    mk_client *c;
    const kubelet_config *cfg;
    int n;
    mk_err err;
    int rc;
} hollow_args;

static void *hollow_main(void *arg)
{
    hollow_args *a = arg;
    a->rc = hollow_run(a->c, a->cfg->node_name, a->n, a->cfg->labels, &stop_flag, &a->err);
    if (a->rc < 0)
        kill(getpid(), SIGTERM);
    return NULL;
}

static void wait_for_signal(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    int sig;
    sigwait(&set, &sig);
}

static int run_hollow(const kubelet_config *cfg, mk_client *client, int n)
{
    hollow_args a = {.c = client, .cfg = cfg, .n = n > 0 ? n : 1};
    pthread_t t;
    if (pthread_create(&t, NULL, hollow_main, &a) != 0) {
        mk_log("cannot start the hollow thread");
        return 1;
    }
    mk_log("hollow mode: %d node(s) named after %s", a.n, cfg->node_name);
    wait_for_signal();
    stop_flag = true;
    pthread_join(t, NULL);
    if (a.rc < 0) {
        mk_log("hollow: %s", a.err.msg);
        return 1;
    }
    return 0;
}

static int kubelet_start(kubelet *kl, kubelet_server **srv, mk_err *err)
{
    const kubelet_config *cfg = &kl->cfg;
    if (fsu_mkdir_p(cfg->root_dir, 0700, err) < 0)
        return mk_error_wrap(err, "--root-dir");
    _cleanup_free_ char *rtdir = xasprintf("%s/runtime", cfg->root_dir);
    if (runtime_new(cfg->runtime, rtdir, &kl->rt, err) < 0)
        return -err->code;
    /* DESIGN: a busybox image is always there. Build it on first start. */
    _cleanup_free_ char *bb = NULL;
    if (image_rootfs(cfg->image_dir, "busybox", &bb, err) < 0) {
        if (image_build_busybox(cfg->image_dir, NULL, err) < 0)
            mk_log("no busybox image: %s", err->msg);
        else
            mk_log("built the busybox image in %s", cfg->image_dir);
    }
    kl->pn = podnet_new(cfg->root_dir, cfg->bridge);
    kl->env = (pods_env){
        .root_dir = cfg->root_dir,
        .image_dir = cfg->image_dir,
        .node_name = cfg->node_name,
        .node_ip = kl->node_ip, /* filled in by node_register below */
        .rt = kl->rt,
        .pn = kl->pn,
        .cluster_dns = cfg->cluster_dns,
        .cluster_domain = cfg->cluster_domain,
        .mem_capacity = node_memory_kib() * 1024,
        .oom_floor = node_oom_floor(),
        .fetch = fetch_object,
        .services = namespace_services,
        .token = request_token,
        .fetch_ctx = kl,
    };
    if (node_register(kl, err) < 0)
        return -err->code;
    if (kl->env.oom_floor > -997)
        mk_log("no CAP_SYS_RESOURCE: Guaranteed pods get oom_score_adj %d, not -997",
               kl->env.oom_floor);
    if (sync_start_exit_watcher(kl, err) < 0 || server_start(kl, srv, err) < 0)
        return -err->code;
    /* Service links are made from the Services there are when a container
     * starts: know them before the first pod. */
    kl->services =
        informer_new(kl->client, kind_by_kind("Service"), NULL, NULL, NULL, NULL, kl);
    if (informer_start(kl->services, err) < 0)
        return -err->code;
    if (!informer_wait_synced(kl->services, 10000))
        mk_log("services not listed yet: containers started before they are miss their links");
    _cleanup_free_ char *sel = xasprintf("spec.nodeName=%s", cfg->node_name);
    static const mk_informer_handlers h = {
        .on_add = sync_on_add,
        .on_update = sync_on_update,
        .on_delete = sync_on_delete,
        .on_synced = sync_on_synced,
    };
    kl->pods = informer_new(kl->client, kind_by_kind("Pod"), NULL, NULL, sel, &h, kl);
    if (informer_start(kl->pods, err) < 0)
        return -err->code;
    if (localpath_start(kl->client, cfg->node_name, &kl->localpath, err) < 0)
        return -err->code;
    return node_start_heartbeat(kl, err);
}

int main(int argc, char **argv)
{
    kubelet_config cfg = {
        .image_dir = IMAGE_ROOT_DEFAULT,
        .runtime = "runc",
        .bridge = "mk0",
        .cluster_dns = "10.96.0.10",
        .cluster_domain = "cluster.local",
        .port = 10250,
        .backoff_base_ms = 10000,
        .backoff_max_ms = 300000,
        .heartbeat_s = 5,
        .resync_s = 10,
        .volume_refresh_s = 60,
    };
    bool hollow = false;
    int hollow_n = 1;
    if (parse_flags(argc, argv, &cfg, &hollow, &hollow_n) < 0)
        return 2;
    mk_log_init("mk-kubelet");
    if (cleanup_mode)
        return run_cleanup(&cfg);
    /* Signals: SIGTERM/SIGINT wait for the main thread; nothing else may
     * die of a closed socket. Children get default dispositions (proc.h). */
    signal(SIGPIPE, SIG_IGN);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    mk_err err = {0};
    mk_client *client = NULL;
    mk_client_opts copts = {.server = cfg.server,
                            .token_file = cfg.token_file,
                            .ca_file = cfg.ca_file,
                            .user_agent = "mk-kubelet"};
    if (client_new(&copts, &client, &err) < 0) {
        fprintf(stderr, "mk-kubelet: %s\n", err.msg);
        return 1;
    }
    if (hollow) {
        int rc = run_hollow(&cfg, client, hollow_n);
        client_free(client);
        return rc;
    }
    kubelet *kl = xcalloc(1, sizeof *kl);
    kl->cfg = cfg;
    kl->client = client;
    kl->rec = recorder_new(client, "kubelet", cfg.node_name);
    kl->inotify_fd = -1;
    pthread_mutex_init(&kl->lock, NULL);
    kubelet_server *srv = NULL;
    if (kubelet_start(kl, &srv, &err) < 0) {
        fprintf(stderr, "mk-kubelet: %s\n", err.msg);
        return 1;
    }
    mk_log("node %s ready: runtime %s, port %d, root %s", cfg.node_name, cfg.runtime, cfg.port,
           cfg.root_dir);
    wait_for_signal();
    mk_log("stopping (containers keep running; a restarted kubelet adopts them)");
    kl->stop = true;
    informer_free(kl->pods);
    localpath_stop(kl->localpath);
    sync_stop_all(kl);
    informer_free(kl->services); /* after the workers, which read it */
    server_stop(srv);
    pthread_join(kl->heartbeat_thread, NULL);
    if (kl->inotify_fd >= 0)
        close(kl->inotify_fd); /* wakes nothing: the watcher polls kl->stop */
    pthread_join(kl->exit_thread, NULL);
    runtime_free(kl->rt);
    podnet_free(kl->pn);
    recorder_free(kl->rec);
    client_free(client);
    pthread_mutex_destroy(&kl->lock);
    free(kl);
    return 0;
}
