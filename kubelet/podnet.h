/* podnet.h - the pod network of one node: a bridge, a veth per pod, IPs
 * from the node's podCIDR.
 *
 * The bridge (mk0 by default) holds the first address of the podCIDR and
 * is every pod's default gateway. Each pod's eth0 is one end of a veth pair
 * whose other end ("mkv" + 8 hex of the pod uid) is on the bridge. IPs are
 * leased as files under STATE/ipam/<ip> holding the pod uid, so a restarted
 * kubelet never hands one out twice. Unassigned cluster space
 * (10.244.0.0/16) is routed `unreachable` so it never leaves by the default
 * route; the node's own /24 is more specific.
 *
 * Links, addresses and routes are configured over rtnetlink (libnl-route-3);
 * inside a pod's namespace from a short-lived thread that setns()es into it,
 * so the kubelet's own threads never change namespace.
 */
#ifndef MK_KUBELET_PODNET_H
#define MK_KUBELET_PODNET_H

#include <stdbool.h>
#include <stdint.h>

#include "store/error.h"

#define PODNET_CLUSTER_CIDR "10.244.0.0/16"

typedef struct podnet podnet;

/* state_dir: where leases live; bridge NULL: "mk0". The CIDR may come later
 * (podnet_set_cidr) when the IPAM controller has not assigned one yet. */
podnet *podnet_new(const char *state_dir, const char *bridge);
void podnet_free(podnet *pn);

/* Set the node's podCIDR ("10.244.3.0/24") and make sure the bridge carries
 * its gateway address and the cluster range is unreachable. Idempotent. */
int podnet_set_cidr(podnet *pn, const char *cidr, mk_err *err);
bool podnet_ready(podnet *pn);
const char *podnet_gateway(podnet *pn); /* "10.244.3.1", or NULL */

/* Connect the pod's netns (by name under /var/run/netns) to the bridge and
 * give it an IP (reused when the pod already holds a lease). ip receives the
 * address (>= 16 bytes). */
int podnet_attach(podnet *pn, const char *pod_uid, const char *netns_name, char *ip,
                  mk_err *err);
/* The pod's leased IP, if any (ip >= 16 bytes). */
bool podnet_lookup(podnet *pn, const char *pod_uid, char *ip);
/* Remove the host veth and release the lease; idempotent. */
void podnet_detach(podnet *pn, const char *pod_uid);

/* The host-side veth name for a pod ("mkv" + 8 hex), into buf (>= 16). */
void podnet_veth_name(const char *pod_uid, char *buf);

#endif
