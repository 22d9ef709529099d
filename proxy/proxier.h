/* proxier.h - mk-proxy's loop: informers on Services, Endpoints, Nodes and
 * this node's Pods feed one sync thread that keeps the nftables table
 * (rules.h, nft.h), the overlay (overlay.h) and the DNS responder (dns.h)
 * in line with the cluster.
 *
 * Changes are coalesced: a sync starts a few milliseconds after the first
 * change and at most every PROXIER_MIN_INTERVAL_MS; the table is applied
 * only when its text changed, so unrelated updates (node heartbeats) never
 * reset the round robin. Every 10 s the loop also repairs: a table someone
 * removed is applied again, and the overlay is programmed again.
 */
#ifndef MK_PROXY_PROXIER_H
#define MK_PROXY_PROXIER_H

#include <stdbool.h>

#include "store/client.h"
#include "store/error.h"

#define PROXIER_MIN_INTERVAL_MS 50
#define PROXIER_COALESCE_MS     5
#define PROXIER_VTEP_ANNOTATION "minik8s.io/vtep-mac"

typedef struct proxier_config {
    const char *node_name;    /* required */
    const char *node_ip;      /* NULL: the Node's InternalIP */
    const char *cluster_cidr; /* "10.244.0.0/16" */
    const char *service_cidr; /* "10.96.0.0/16" */
    const char *dns_ip;       /* "10.96.0.10" */
    const char *iface;        /* VXLAN underlay; NULL: the device of node_ip */
    int vxlan_port;           /* 8472 */
    bool no_overlay;          /* services only */
} proxier_config;

typedef struct proxier proxier;

proxier *proxier_new(mk_client *c, const proxier_config *cfg);
/* Start the informers and the DNS responder; sync until *stop. On the way
 * out the nftables table is removed (the overlay stays: pods keep their
 * network while mk-proxy restarts). */
int proxier_run(proxier *p, volatile bool *stop, mk_err *err);
void proxier_free(proxier *p);

/* Remove everything mk-proxy made on this node: the table, mk-vxlan0,
 * mk-svc0. */
void proxier_cleanup(void);

#endif
