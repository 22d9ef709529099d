/* mk-controller-manager - the cluster's controllers in one process. See
 * controllers/manager.h for the frame and controllers.h for the list. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controllers/manager.h"
#include "store/client.h"
#include "store/daemon.h"
#include "store/log.h"
#include "store/util.h"

static volatile bool stop;

static void usage(FILE *f)
{
    size_t n;
    const mk_controller *const *all = manager_builtin(&n);
    fprintf(f,
            "Usage: mk-controller-manager --server URL [--token-file F] [--controllers LIST]\n"
            "                             [--node-monitor-grace-period SEC]\n"
            "                             [--pod-eviction-timeout SEC] [--cluster-cidr CIDR]\n"
            "                             [--node-cidr-mask-size N]\n"
            "                             [--hpa-sync-period SEC]\n"
            "                             [--ingress-listen ADDR:PORT] [--ingress-address IP]\n"
            "                             [--ingress-dir DIR] [--ingress-hosts-file FILE]\n"
            "                             [--root-ca-file F]\n"
            "\n"
            "  --server URL                     the API server (http://127.0.0.1:6443)\n"
            "  --token-file F                   bearer token (first field of the first line)\n"
            "  --certificate-authority F        https: the API server's CA (default: the "
            "system's)\n"
            "  --controllers LIST               all (default), or a comma list of:");
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%s", i ? "," : " ", all[i]->name);
    fprintf(
        f,
        "\n"
        "  --node-monitor-grace-period SEC  silence before a node is Ready=Unknown (40)\n"
        "  --pod-eviction-timeout SEC       not ready this long: its pods are evicted (300)\n"
        "  --cluster-cidr CIDR              pod addresses, split among nodes (10.244.0.0/16)\n"
        "  --node-cidr-mask-size N          each node's podCIDR prefix length (24)\n"
        "  --hpa-sync-period SEC            how often autoscalers look at metrics (15)\n"
        "  --ingress-listen ADDR:PORT       the ingress nginx listens here (none: no nginx)\n"
        "  --ingress-address IP             the address Ingresses report (ADDR of the listen)\n"
        "  --ingress-dir DIR                nginx's own files (/var/lib/minik8s/ingress)\n"
        "  --ingress-hosts-file FILE        write Ingress hosts into FILE (none)\n"
        "  --root-ca-file F                 the CA pods get as kube-root-ca.crt (default:\n"
        "                                   --certificate-authority's; none on http)\n"
        "  --help                           this text\n");
}

static int seconds(const char *flag, const char *arg, int *out)
{
    char *end;
    long v = strtol(arg, &end, 10);
    if (*end || v < 0 || v > 1000000) {
        fprintf(stderr, "mk-controller-manager: %s %s: not a number of seconds\n", flag, arg);
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* The PEM text of path (NULL: none, ""). */
static int read_root_ca(const char *path, char **out, mk_err *err)
{
    size_t len;
    if (!path) {
        *out = xstrdup("");
        return 0;
    }
    if (mk_read_file(path, 1 << 20, out, &len, err) < 0)
        return -err->code;
    if (!strstr(*out, "-----BEGIN CERTIFICATE-----"))
        return mk_error(err, EINVAL, "%s: no PEM certificate in it", path);
    return 0;
}

int main(int argc, char **argv)
{
    enum {
        GRACE = 256,
        EVICT,
        CIDR,
        MASK,
        HPA_SYNC,
        ING_LISTEN,
        ING_ADDR,
        ING_DIR,
        ING_HOSTS,
        ROOT_CA
    };
    static const struct option opts[] = {
        {"server", required_argument, NULL, 's'},
        {"token-file", required_argument, NULL, 't'},
        {MK_CA_FLAG, required_argument, NULL, 'A'},
        {"controllers", required_argument, NULL, 'c'},
        {"node-monitor-grace-period", required_argument, NULL, GRACE},
        {"pod-eviction-timeout", required_argument, NULL, EVICT},
        {"cluster-cidr", required_argument, NULL, CIDR},
        {"node-cidr-mask-size", required_argument, NULL, MASK},
        {"hpa-sync-period", required_argument, NULL, HPA_SYNC},
        {"ingress-listen", required_argument, NULL, ING_LISTEN},
        {"ingress-address", required_argument, NULL, ING_ADDR},
        {"ingress-dir", required_argument, NULL, ING_DIR},
        {"ingress-hosts-file", required_argument, NULL, ING_HOSTS},
        {"root-ca-file", required_argument, NULL, ROOT_CA},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    const char *server = NULL, *token_file = NULL, *ca_file = NULL, *list = "all";
    const char *root_ca_file = NULL;
    manager_config cfg = {.node_monitor_grace_s = 40,
                          .pod_eviction_timeout_s = 300,
                          .cluster_cidr = "10.244.0.0/16",
                          .node_cidr_mask_size = 24,
                          .hpa_sync_period_s = 15,
                          .ingress_dir = "/var/lib/minik8s/ingress"};
    int o;
    mk_log_init("mk-controller-manager");
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (o) {
        case 's':
            server = optarg;
            break;
        case 't':
            token_file = optarg;
            break;
        case 'A':
            ca_file = optarg;
            break;
        case 'c':
            list = optarg;
            break;
        case GRACE:
            if (seconds("--node-monitor-grace-period", optarg, &cfg.node_monitor_grace_s) < 0)
                return 2;
            break;
        case EVICT:
            if (seconds("--pod-eviction-timeout", optarg, &cfg.pod_eviction_timeout_s) < 0)
                return 2;
            break;
        case CIDR:
            cfg.cluster_cidr = optarg;
            break;
        case MASK:
            cfg.node_cidr_mask_size = atoi(optarg);
            break;
        case HPA_SYNC:
            if (seconds("--hpa-sync-period", optarg, &cfg.hpa_sync_period_s) < 0)
                return 2;
            if (cfg.hpa_sync_period_s == 0)
                cfg.hpa_sync_period_s = 1;
            break;
        case ING_LISTEN:
            cfg.ingress_listen = optarg;
            break;
        case ING_ADDR:
            cfg.ingress_address = optarg;
            break;
        case ING_DIR:
            cfg.ingress_dir = optarg;
            break;
        case ING_HOSTS:
            cfg.ingress_hosts_file = optarg;
            break;
        case ROOT_CA:
            root_ca_file = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!server || optind < argc) {
        usage(stderr);
        return 2;
    }
    mk_err err = {0};
    _cleanup_free_ char *root_ca = NULL;
    if (read_root_ca(root_ca_file ?: ca_file, &root_ca, &err) < 0) {
        fprintf(stderr, "mk-controller-manager: %s: %s\n",
                root_ca_file ? "--root-ca-file" : "--" MK_CA_FLAG, err.msg);
        return 2;
    }
    cfg.root_ca = root_ca;
    mk_client *c = NULL;
    mk_client_opts co = {.server = server, .token_file = token_file, .ca_file = ca_file};
    if (daemon_client_new("mk-controller-manager", &co, &c) < 0)
        return 1;
    manager *m = manager_new(c, &cfg);
    if (manager_enable(m, list, &err) < 0) {
        fprintf(stderr, "mk-controller-manager: --controllers: %s\n", err.msg);
        manager_free(m);
        client_free(c);
        return 2;
    }
    if (daemon_client_probe("mk-controller-manager", c, server, "Node") < 0) {
        manager_free(m);
        client_free(c);
        return 1;
    }
    daemon_stop_on_signals(&stop);
    int rc = manager_run(m, &stop, &err);
    if (rc < 0)
        fprintf(stderr, "mk-controller-manager: %s\n", err.msg);
    else
        mk_log("stopped");
    manager_free(m);
    client_free(c);
    return rc < 0 ? 1 : 0;
}
