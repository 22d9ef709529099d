/* netpol.h - NetworkPolicies as the text of one nftables table, `ip
 * minik8s-policy`, for the pods of one node.
 *
 * A pod that a policy of its namespace selects (spec.podSelector) is
 * isolated for that policy's types: its ingress then takes only what the
 * ingress rules of the policies selecting it allow, its egress likewise.
 * The table filters the forward hook, which (br_netfilter on) sees traffic
 * between pods on the node's bridge as well as what crosses the overlay:
 *
 *   chain forward   ct state established,related accept
 *                   ip saddr vmap { POD_IP : jump out-N }  the pod's egress
 *                   ip daddr vmap { POD_IP : jump in-N }   the pod's ingress
 *   chain in-N      ip saddr { PEER_IPS } tcp dport { 80 } return
 *                   ip saddr 10.0.0.0/8 ip saddr != { 10.1.0.0/16 } return
 *                   meta l4proto tcp reject with tcp reset
 *                   reject with icmp type admin-prohibited
 *
 * What a chain allows returns to forward, so a connection between two pods
 * of the node passes the sender's egress and then the receiver's ingress;
 * replies ride the established connection. Refused connections are reset
 * (clients fail at once instead of hanging). Traffic from the node itself
 * (the kubelet's probes) takes the output hook and is never filtered, as
 * Kubernetes requires.
 *
 * Peers are pods (podSelector in the policy's namespace, namespaceSelector
 * over namespaces' labels, which always include kubernetes.io/metadata.name)
 * resolved to their current IPs, and ipBlocks; named ports are resolved
 * against the pod receiving the traffic. Pure: no I/O, unit-tested in
 * tests/unit/test_proxy_netpol.c.
 */
#ifndef MK_PROXY_NETPOL_H
#define MK_PROXY_NETPOL_H

#include <json-c/json.h>
#include <stddef.h>

#define NETPOL_TABLE "minik8s-policy"

typedef struct netpol_stats {
    size_t policies; /* NetworkPolicies in the cluster */
    size_t isolated; /* chains: this node's pods isolated for ingress or egress */
} netpol_stats;

/* Begin, add every pod, namespace and policy of the cluster (each copied:
 * callers may add from an informer walk), finish (frees the builder). */
typedef struct netpol_builder netpol_builder;
netpol_builder *netpol_begin(const char *node_name);
void netpol_add_pod(netpol_builder *b, json_object *pod);
void netpol_add_namespace(netpol_builder *b, json_object *ns);
void netpol_add_policy(netpol_builder *b, json_object *policy);
/* The script that replaces the table; NULL when there is no policy at
 * all, and then no table either (netpol_delete_script). Caller frees. */
char *netpol_finish(netpol_builder *b, netpol_stats *stats);

/* The script that removes the table (and only it), whether it exists or
 * not. Static. */
const char *netpol_delete_script(void);

#endif
