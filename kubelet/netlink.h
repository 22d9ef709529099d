/* netlink.h - the few rtnetlink operations the pod network needs, over
 * libnl-route-3. Each call works in the calling thread's network namespace,
 * except netlink_in_netns, which runs a function inside another one. All
 * return 0 or < 0 with err filled ("link mk0: Object exists"). */
#ifndef MK_KUBELET_NETLINK_H
#define MK_KUBELET_NETLINK_H

#include <stdbool.h>

#include "store/error.h"

typedef struct nl_sock nl_sock_t;

/* Open a NETLINK_ROUTE socket in the calling thread's namespace. */
int netlink_open(nl_sock_t **sk, mk_err *err);
void netlink_close(nl_sock_t *sk);

/* Create bridge name unless it exists, pin its MAC address (it would follow
 * its ports' otherwise); bring it up. */
int netlink_bridge(nl_sock_t *sk, const char *name, mk_err *err);
/* Put cidr ("10.244.3.1/24") on link, replacing the same address. */
int netlink_addr(nl_sock_t *sk, const char *link, const char *cidr, mk_err *err);
/* Bring link up (and enslave it to master when master is not NULL). */
int netlink_up(nl_sock_t *sk, const char *link, const char *master, mk_err *err);
/* Hairpin mode on a bridge port (`bridge link set dev LINK hairpin on`):
 * a frame may leave by the port it came in on, so a pod reaches itself
 * through a ClusterIP. link must already be enslaved to a bridge. */
int netlink_hairpin(nl_sock_t *sk, const char *link, mk_err *err);
/* `unreachable DST` unless a route for DST exists. */
int netlink_unreachable(nl_sock_t *sk, const char *dst, mk_err *err);
/* `default via GW` (replacing any default). */
int netlink_default_route(nl_sock_t *sk, const char *gw, mk_err *err);
/* A veth pair: host on this side, peer moved into the namespace pinned at
 * netns_path. */
int netlink_veth(nl_sock_t *sk, const char *host, const char *peer, const char *netns_path,
                 mk_err *err);
/* Delete link; a missing one is fine. */
int netlink_del(nl_sock_t *sk, const char *link, mk_err *err);
bool netlink_exists(nl_sock_t *sk, const char *link);

/* Run fn(sk, ctx) with a socket opened inside the namespace pinned at
 * netns_path (on a helper thread, which alone enters it). */
int netlink_in_netns(const char *netns_path, int (*fn)(nl_sock_t *sk, void *ctx, mk_err *err),
                     void *ctx, mk_err *err);

#endif
