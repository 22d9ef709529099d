/* mk-proxy - Services as one nftables table, the VXLAN overlay between
 * nodes and the cluster DNS responder, on one node. See proxier.h and
 * docs/networking.md. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/proxier.h"
#include "store/client.h"
#include "store/daemon.h"
#include "store/log.h"
#include "store/util.h"

static volatile bool stop;

static void usage(FILE *f)
{
    fprintf(
        f,
        "Usage: mk-proxy --server URL --node-name N [--token-file F] [--node-ip IP]\n"
        "                [--cluster-cidr CIDR] [--service-cidr CIDR] [--dns-ip IP]\n"
        "                [--vxlan-port PORT] [--iface DEV] [--no-overlay]\n"
        "       mk-proxy --cleanup\n"
        "\n"
        "  --server URL           the API server (http://127.0.0.1:6443)\n"
        "  --node-name N          this node, as registered by its kubelet\n"
        "  --token-file F         bearer token (first field of the first line)\n"
        "  --certificate-authority F  https: the API server's CA (default: the system's)\n"
        "  --node-ip IP           the VXLAN endpoint (default: the Node's InternalIP)\n"
        "  --cluster-cidr CIDR    pod addresses (10.244.0.0/16)\n"
        "  --service-cidr CIDR    ClusterIPs, routed to mk-svc0 (10.96.0.0/16)\n"
        "  --dns-ip IP            cluster DNS address answered here (10.96.0.10)\n"
        "  --vxlan-port PORT      VXLAN UDP port (8472)\n"
        "  --iface DEV            VXLAN underlay device (default: the one holding the node "
        "IP)\n"
        "  --no-overlay           Services only: no VXLAN device\n"
        "  --cleanup              remove table ip minik8s, mk-vxlan0 and mk-svc0, then exit\n"
        "  --help                 this text\n");
}

int main(int argc, char **argv)
{
    enum { NODE_IP = 256, CCIDR, SCIDR, DNS, PORT, IFACE, NO_OVERLAY, CLEANUP };
    static const struct option opts[] = {
        {"server", required_argument, NULL, 's'},
        {"node-name", required_argument, NULL, 'n'},
        {"token-file", required_argument, NULL, 't'},
        {MK_CA_FLAG, required_argument, NULL, 'A'},
        {"node-ip", required_argument, NULL, NODE_IP},
        {"cluster-cidr", required_argument, NULL, CCIDR},
        {"service-cidr", required_argument, NULL, SCIDR},
        {"dns-ip", required_argument, NULL, DNS},
        {"vxlan-port", required_argument, NULL, PORT},
        {"iface", required_argument, NULL, IFACE},
        {"no-overlay", no_argument, NULL, NO_OVERLAY},
        {"cleanup", no_argument, NULL, CLEANUP},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    const char *server = NULL, *token_file = NULL, *ca_file = NULL;
    bool cleanup = false;
    proxier_config cfg = {.cluster_cidr = "10.244.0.0/16",
                          .service_cidr = "10.96.0.0/16",
                          .dns_ip = "10.96.0.10",
                          .vxlan_port = 8472};
    int o;
    mk_log_init("mk-proxy");
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (o) {
        case 's':
            server = optarg;
            break;
        case 'n':
            cfg.node_name = optarg;
            break;
        case 't':
            token_file = optarg;
            break;
        case 'A':
            ca_file = optarg;
            break;
        case NODE_IP:
            cfg.node_ip = optarg;
            break;
        case CCIDR:
            cfg.cluster_cidr = optarg;
            break;
        case SCIDR:
            cfg.service_cidr = optarg;
            break;
        case DNS:
            cfg.dns_ip = optarg;
            break;
        case PORT:
            cfg.vxlan_port = atoi(optarg);
            if (cfg.vxlan_port <= 0 || cfg.vxlan_port > 65535) {
                fprintf(stderr, "mk-proxy: --vxlan-port %s: not a port\n", optarg);
                return 2;
            }
            break;
        case IFACE:
            cfg.iface = optarg;
            break;
        case NO_OVERLAY:
            cfg.no_overlay = true;
            break;
        case CLEANUP:
            cleanup = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (cleanup) {
        proxier_cleanup();
        return 0;
    }
    if (!server || !cfg.node_name || optind < argc) {
        usage(stderr);
        return 2;
    }
    mk_client *c = NULL;
    mk_client_opts co = {.server = server, .token_file = token_file, .ca_file = ca_file};
    if (daemon_client_connect("mk-proxy", &co, "Service", &c) < 0)
        return 1;
    daemon_stop_on_signals(&stop);
    mk_log("node %s, services %s, pods %s", cfg.node_name, cfg.service_cidr, cfg.cluster_cidr);
    proxier *p = proxier_new(c, &cfg);
    mk_err err = {0};
    int rc = proxier_run(p, &stop, &err);
    if (rc < 0)
        fprintf(stderr, "mk-proxy: %s\n", err.msg);
    proxier_free(p);
    client_free(c);
    if (rc == 0)
        mk_log("stopped");
    return rc < 0 ? 1 : 0;
}
