/* overlay.h - the node's side of the pod overlay, flannel's vxlan scheme,
 * programmed over rtnetlink (libnl-route-3).
 *
 * One VXLAN device (mk-vxlan0: VNI 1, local = node IP, UDP 8472, no
 * learning, MTU = underlying - 50) carries the first address of the node's
 * podCIDR as a /32 (10.244.3.0/32). For every other node:
 *   route  PEER_PODCIDR via PEER.0 dev mk-vxlan0 onlink   (proto 77)
 *   neigh  PEER.0 lladdr PEER_VTEP_MAC dev mk-vxlan0 permanent
 *   fdb    PEER_VTEP_MAC dst PEER_NODE_IP dev mk-vxlan0 self permanent
 * overlay_sync makes the kernel hold exactly that set, removing entries of
 * nodes that left, including ones left by an earlier run.
 *
 * The service CIDR is routed to a device that goes nowhere (mk-svc0: a
 * dummy, or a bridge without ports where the kernel has no dummy driver),
 * which also carries the cluster DNS address.
 *
 * Every call works in the calling thread's network namespace. Errors name
 * the object ("route 10.244.2.0/24: Network is unreachable").
 */
#ifndef MK_PROXY_OVERLAY_H
#define MK_PROXY_OVERLAY_H

#include <stdbool.h>
#include <stddef.h>

#include "store/error.h"

#define OVERLAY_DEV      "mk-vxlan0"
#define OVERLAY_SVC_DEV  "mk-svc0"
#define OVERLAY_VNI      1
#define OVERLAY_OVERHEAD 50
#define OVERLAY_RTPROT   77 /* marks our routes, so a sync knows its own */

typedef struct overlay overlay;

typedef struct overlay_config {
    const char *node_ip; /* the VTEP's local address, required */
    const char *iface;   /* underlying device; NULL: the one holding node_ip */
    int vxlan_port;      /* 8472 */
} overlay_config;

typedef struct overlay_peer {
    const char *pod_cidr; /* "10.244.2.0/24" */
    const char *node_ip;  /* "172.31.255.12" */
    const char *vtep_mac; /* "aa:bb:cc:dd:ee:ff" */
} overlay_peer;

/* Create (or adopt) the VXLAN device and bring it up. mac receives its
 * address, to publish in the Node (>= 18 bytes). */
int overlay_open(const overlay_config *cfg, overlay **out, char *mac, mk_err *err);
/* The node's own podCIDR: its .0/32 goes on the device. */
int overlay_set_local(overlay *o, const char *pod_cidr, mk_err *err);
/* Make routes, neighbours and FDB entries match peers exactly. */
int overlay_sync(overlay *o, const overlay_peer *peers, size_t n, mk_err *err);
/* Close the netlink socket; remove the device too when remove is set. */
void overlay_close(overlay *o, bool remove);

/* mk-svc0, `SERVICE_CIDR dev mk-svc0` and dns_ip/32 on it. Idempotent. */
int overlay_service_route(const char *service_cidr, const char *dns_ip, mk_err *err);
/* Remove mk-vxlan0 and mk-svc0: their routes, neighbours, FDB entries
 * and addresses go with them. Missing ones are fine. */
void overlay_remove_all(void);

#endif
