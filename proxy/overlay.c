/* overlay.c - VXLAN overlay and service route over libnl-route-3 (see
 * overlay.h). */
#include "proxy/overlay.h"

#include <arpa/inet.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/vxlan.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>
#include <stdbool.h>
#include <string.h>

#include "store/log.h"
#include "store/util.h"

struct overlay {
    struct nl_sock *sk;
    int ifindex;
};

static int nl_fail(mk_err *err, int nlerr, const char *what, const char *name)
{
    return mk_error(err, EIO, "%s %s: %s", what, name, nl_geterror(nlerr));
}

static int sock_open(struct nl_sock **out, mk_err *err)
{
    struct nl_sock *sk = nl_socket_alloc();
    if (!sk)
        abort();
    int rc = nl_connect(sk, NETLINK_ROUTE);
    if (rc < 0) {
        nl_socket_free(sk);
        return nl_fail(err, rc, "netlink", "connect");
    }
    *out = sk;
    return 0;
}

static void addr_put(struct nl_addr **a)
{
    if (*a)
        nl_addr_put(*a);
}
#define _cleanup_addr_ __attribute__((cleanup(addr_put)))

/* The ifindex of the link holding ip as a local address; 0 if none. */
static int link_of_ip(struct nl_sock *sk, const char *ip)
{
    struct nl_cache *cache;
    if (rtnl_addr_alloc_cache(sk, &cache) < 0)
        return 0;
    int found = 0;
    for (struct nl_object *o = nl_cache_get_first(cache); o && !found;
         o = nl_cache_get_next(o)) {
        struct rtnl_addr *a = (struct rtnl_addr *)o;
        struct nl_addr *local = rtnl_addr_get_local(a);
        char buf[64];
        if (rtnl_addr_get_family(a) != AF_INET || !local)
            continue;
        inet_ntop(AF_INET, nl_addr_get_binary_addr(local), buf, sizeof buf);
        if (strcmp(buf, ip) == 0)
            found = rtnl_addr_get_ifindex(a);
    }
    nl_cache_free(cache);
    return found;
}

static int link_up(struct nl_sock *sk, struct rtnl_link *l, const char *name, mk_err *err)
{
    struct rtnl_link *change = rtnl_link_alloc();
    rtnl_link_set_flags(change, IFF_UP);
    int rc = rtnl_link_change(sk, l, change, 0);
    rtnl_link_put(change);
    return rc < 0 ? nl_fail(err, rc, "link up", name) : 0;
}

static int create_vxlan(struct nl_sock *sk, const overlay_config *cfg, mk_err *err)
{
    int under = cfg->iface ? (int)if_nametoindex(cfg->iface) : link_of_ip(sk, cfg->node_ip);
    if (under <= 0)
        return mk_error(err, ENODEV, "overlay: %s%s: no such device",
                        cfg->iface ? "iface " : "no device holds ",
                        cfg->iface ? cfg->iface : cfg->node_ip);
    struct rtnl_link *ul = NULL;
    int rc = rtnl_link_get_kernel(sk, under, NULL, &ul);
    if (rc < 0)
        return nl_fail(err, rc, "link", cfg->iface ? cfg->iface : cfg->node_ip);
    unsigned mtu = rtnl_link_get_mtu(ul);
    rtnl_link_put(ul);
    _cleanup_addr_ struct nl_addr *local = NULL;
    if ((rc = nl_addr_parse(cfg->node_ip, AF_INET, &local)) < 0)
        return mk_error(err, EINVAL, "node IP %s: not an IPv4 address", cfg->node_ip);
    struct rtnl_link *l = rtnl_link_vxlan_alloc();
    rtnl_link_set_name(l, OVERLAY_DEV);
    rtnl_link_vxlan_set_id(l, OVERLAY_VNI);
    rtnl_link_vxlan_set_local(l, local);
    rtnl_link_vxlan_set_port(l, (uint32_t)cfg->vxlan_port);
    rtnl_link_vxlan_set_learning(l, 0);
    rtnl_link_set_link(l, under);
    rtnl_link_set_mtu(l, mtu - OVERLAY_OVERHEAD);
    rc = rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL);
    rtnl_link_put(l);
    if (rc < 0)
        return nl_fail(err, rc, "link", OVERLAY_DEV);
    mk_log("overlay: %s created (vni %d, local %s, port %d, mtu %u)", OVERLAY_DEV, OVERLAY_VNI,
           cfg->node_ip, cfg->vxlan_port, mtu - OVERLAY_OVERHEAD);
    return 0;
}

int overlay_open(const overlay_config *cfg, overlay **out, char *mac, mk_err *err)
{
    struct nl_sock *sk;
    if (sock_open(&sk, err) < 0)
        return -err->code;
    struct rtnl_link *l = NULL;
    int rc = rtnl_link_get_kernel(sk, 0, OVERLAY_DEV, &l);
    if (rc < 0) {
        if (create_vxlan(sk, cfg, err) < 0 ||
            (rc = rtnl_link_get_kernel(sk, 0, OVERLAY_DEV, &l)) < 0) {
            if (rc < 0 && !err->code)
                nl_fail(err, rc, "link", OVERLAY_DEV);
            nl_socket_free(sk);
            return -err->code;
        }
    }
    if (link_up(sk, l, OVERLAY_DEV, err) < 0) {
        rtnl_link_put(l);
        nl_socket_free(sk);
        return -err->code;
    }
    struct nl_addr *lladdr = rtnl_link_get_addr(l);
    nl_addr2str(lladdr, mac, 18);
    overlay *o = xcalloc(1, sizeof(*o));
    o->sk = sk;
    o->ifindex = rtnl_link_get_ifindex(l);
    rtnl_link_put(l);
    *out = o;
    return 0;
}

/* "10.244.3.0/24" -> "10.244.3.0" (the network address, the VTEP's). */
static int cidr_base(const char *cidr, char *ip, mk_err *err)
{
    struct in_addr a;
    char addr[INET_ADDRSTRLEN];
    int prefix;
    if (!cidr || sscanf(cidr, "%15[0-9.]/%d", addr, &prefix) != 2 || prefix < 1 ||
        prefix > 32 || inet_pton(AF_INET, addr, &a) != 1)
        return mk_error(err, EINVAL, "podCIDR %s: not an IPv4 CIDR", cidr ? cidr : "(none)");
    a.s_addr = htonl(ntohl(a.s_addr) & (~0u << (32 - prefix)));
    inet_ntop(AF_INET, &a, ip, INET_ADDRSTRLEN);
    return 0;
}

static int add_addr(struct nl_sock *sk, int ifindex, const char *cidr, mk_err *err)
{
    _cleanup_addr_ struct nl_addr *local = NULL;
    if (nl_addr_parse(cidr, AF_INET, &local) < 0)
        return mk_error(err, EINVAL, "address %s: invalid", cidr);
    struct rtnl_addr *a = rtnl_addr_alloc();
    rtnl_addr_set_ifindex(a, ifindex);
    rtnl_addr_set_local(a, local);
    int rc = rtnl_addr_add(sk, a, NLM_F_REPLACE);
    rtnl_addr_put(a);
    return rc < 0 && rc != -NLE_EXIST ? nl_fail(err, rc, "address", cidr) : 0;
}

int overlay_set_local(overlay *o, const char *pod_cidr, mk_err *err)
{
    char base[INET_ADDRSTRLEN];
    if (cidr_base(pod_cidr, base, err) < 0)
        return -err->code;
    _cleanup_free_ char *cidr = xasprintf("%s/32", base);
    return add_addr(o->sk, o->ifindex, cidr, err);
}

/* ---- sync ---- */

typedef struct want {
    char dst[INET_ADDRSTRLEN]; /* the peer's .0 */
    char net[32];              /* "10.244.2.0/24" normalized */
    const overlay_peer *p;
} want;

static bool addr_is(struct nl_addr *a, const char *text)
{
    char buf[64];
    return a && strcmp(nl_addr2str(a, buf, sizeof buf), text) == 0;
}

static int add_route(overlay *o, const want *w, mk_err *err)
{
    _cleanup_addr_ struct nl_addr *dst = NULL, *gw = NULL;
    if (nl_addr_parse(w->net, AF_INET, &dst) < 0 || nl_addr_parse(w->dst, AF_INET, &gw) < 0)
        return mk_error(err, EINVAL, "route %s: invalid", w->net);
    struct rtnl_route *r = rtnl_route_alloc();
    rtnl_route_set_family(r, AF_INET);
    rtnl_route_set_table(r, RT_TABLE_MAIN);
    rtnl_route_set_protocol(r, OVERLAY_RTPROT);
    rtnl_route_set_dst(r, dst);
    struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
    rtnl_route_nh_set_ifindex(nh, o->ifindex);
    rtnl_route_nh_set_gateway(nh, gw);
    rtnl_route_nh_set_flags(nh, RTNH_F_ONLINK);
    rtnl_route_add_nexthop(r, nh);
    int rc = rtnl_route_add(o->sk, r, NLM_F_CREATE | NLM_F_REPLACE);
    rtnl_route_put(r);
    return rc < 0 ? nl_fail(err, rc, "route", w->net) : 0;
}

static int add_neigh(overlay *o, int family, const char *dst_ip, const char *mac, mk_err *err)
{
    _cleanup_addr_ struct nl_addr *dst = NULL, *ll = NULL;
    if (nl_addr_parse(dst_ip, AF_INET, &dst) < 0 || nl_addr_parse(mac, AF_LLC, &ll) < 0)
        return mk_error(err, EINVAL, "neighbour %s lladdr %s: invalid", dst_ip, mac);
    struct rtnl_neigh *n = rtnl_neigh_alloc();
    rtnl_neigh_set_ifindex(n, o->ifindex);
    /* dst before family: libnl refuses an IPv4 dst on an AF_BRIDGE entry
     * set the other way round, and would send the FDB entry without it. */
    rtnl_neigh_set_dst(n, dst);
    rtnl_neigh_set_family(n, family);
    rtnl_neigh_set_lladdr(n, ll);
    rtnl_neigh_set_state(n, NUD_PERMANENT);
    if (family == AF_BRIDGE)
        rtnl_neigh_set_flags(n, NTF_SELF);
    int rc = rtnl_neigh_add(o->sk, n, NLM_F_CREATE | NLM_F_REPLACE);
    rtnl_neigh_put(n);
    return rc < 0 ? nl_fail(err, rc, family == AF_BRIDGE ? "fdb" : "neighbour", dst_ip) : 0;
}

/* Remove our routes that no peer wants any more. */
static void prune_routes(overlay *o, const want *w, size_t n)
{
    struct nl_cache *cache;
    if (rtnl_route_alloc_cache(o->sk, AF_INET, 0, &cache) < 0)
        return;
    for (struct nl_object *ob = nl_cache_get_first(cache); ob; ob = nl_cache_get_next(ob)) {
        struct rtnl_route *r = (struct rtnl_route *)ob;
        if (rtnl_route_get_protocol(r) != OVERLAY_RTPROT)
            continue;
        bool keep = false;
        for (size_t i = 0; i < n && !keep; i++)
            keep = addr_is(rtnl_route_get_dst(r), w[i].net);
        if (!keep) {
            char buf[64];
            mk_log("overlay: route %s removed",
                   nl_addr2str(rtnl_route_get_dst(r), buf, sizeof buf));
            rtnl_route_delete(o->sk, r, 0);
        }
    }
    nl_cache_free(cache);
}

/* Remove neighbour and FDB entries on our device that no peer wants. */
static void prune_neighbours(overlay *o, const want *w, size_t n)
{
    struct nl_cache *cache;
    if (rtnl_neigh_alloc_cache_flags(o->sk, &cache, NL_CACHE_AF_ITER) < 0 &&
        rtnl_neigh_alloc_cache(o->sk, &cache) < 0)
        return;
    for (struct nl_object *ob = nl_cache_get_first(cache); ob; ob = nl_cache_get_next(ob)) {
        struct rtnl_neigh *ne = (struct rtnl_neigh *)ob;
        if (rtnl_neigh_get_ifindex(ne) != o->ifindex)
            continue;
        int fam = rtnl_neigh_get_family(ne);
        if (fam != AF_INET && fam != AF_BRIDGE)
            continue;
        bool keep = false;
        for (size_t i = 0; i < n && !keep; i++)
            keep = fam == AF_INET ? addr_is(rtnl_neigh_get_dst(ne), w[i].dst)
                                  : addr_is(rtnl_neigh_get_lladdr(ne), w[i].p->vtep_mac) &&
                                        addr_is(rtnl_neigh_get_dst(ne), w[i].p->node_ip);
        if (!keep)
            rtnl_neigh_delete(o->sk, ne, 0);
    }
    nl_cache_free(cache);
}

int overlay_sync(overlay *o, const overlay_peer *peers, size_t n, mk_err *err)
{
    want *w = xcalloc(n ? n : 1, sizeof(*w));
    size_t nw = 0;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        mk_err perr = {0};
        int prefix = 0;
        if (cidr_base(peers[i].pod_cidr, w[nw].dst, &perr) < 0 ||
            sscanf(strchr(peers[i].pod_cidr, '/'), "/%d", &prefix) != 1) {
            mk_log("overlay: peer %s: %s", peers[i].node_ip, perr.msg);
            continue;
        }
        snprintf(w[nw].net, sizeof w[nw].net, "%s/%d", w[nw].dst, prefix);
        w[nw].p = &peers[i];
        nw++;
    }
    /* The neighbour and FDB entries first, so the route never points at a
     * VTEP the kernel cannot reach yet. */
    for (size_t i = 0; i < nw; i++) {
        mk_err e = {0};
        if (add_neigh(o, AF_BRIDGE, w[i].p->node_ip, w[i].p->vtep_mac, &e) < 0 ||
            add_neigh(o, AF_INET, w[i].dst, w[i].p->vtep_mac, &e) < 0 ||
            add_route(o, &w[i], &e) < 0) {
            if (rc == 0)
                rc = mk_error(err, e.code, "%s", e.msg);
        }
    }
    prune_routes(o, w, nw);
    prune_neighbours(o, w, nw);
    free(w);
    return rc;
}

void overlay_close(overlay *o, bool remove)
{
    if (!o)
        return;
    if (remove) {
        struct rtnl_link *l = rtnl_link_alloc();
        rtnl_link_set_ifindex(l, o->ifindex);
        rtnl_link_delete(o->sk, l);
        rtnl_link_put(l);
    }
    nl_socket_free(o->sk);
    free(o);
}

/* ---- the service CIDR ---- */

int overlay_service_route(const char *service_cidr, const char *dns_ip, mk_err *err)
{
    struct nl_sock *sk;
    if (sock_open(&sk, err) < 0)
        return -err->code;
    struct rtnl_link *l = NULL;
    int rc = rtnl_link_get_kernel(sk, 0, OVERLAY_SVC_DEV, &l);
    if (rc < 0) {
        struct rtnl_link *d = rtnl_link_alloc();
        rtnl_link_set_type(d, "dummy");
        rtnl_link_set_name(d, OVERLAY_SVC_DEV);
        rc = rtnl_link_add(sk, d, NLM_F_CREATE | NLM_F_EXCL);
        rtnl_link_put(d);
        if (rc < 0) { /* no dummy driver: a bridge with no ports is as deaf */
            d = rtnl_link_bridge_alloc();
            rtnl_link_set_name(d, OVERLAY_SVC_DEV);
            rc = rtnl_link_add(sk, d, NLM_F_CREATE | NLM_F_EXCL);
            rtnl_link_put(d);
        }
        if (rc < 0 || (rc = rtnl_link_get_kernel(sk, 0, OVERLAY_SVC_DEV, &l)) < 0) {
            nl_socket_free(sk);
            return nl_fail(err, rc, "link", OVERLAY_SVC_DEV);
        }
    }
    int ifindex = rtnl_link_get_ifindex(l);
    rc = link_up(sk, l, OVERLAY_SVC_DEV, err);
    rtnl_link_put(l);
    _cleanup_free_ char *dns = xasprintf("%s/32", dns_ip);
    if (rc == 0)
        rc = add_addr(sk, ifindex, dns, err);
    if (rc == 0) {
        _cleanup_addr_ struct nl_addr *dst = NULL;
        if (nl_addr_parse(service_cidr, AF_INET, &dst) < 0)
            rc = mk_error(err, EINVAL, "service CIDR %s: invalid", service_cidr);
        else {
            struct rtnl_route *r = rtnl_route_alloc();
            rtnl_route_set_family(r, AF_INET);
            rtnl_route_set_table(r, RT_TABLE_MAIN);
            rtnl_route_set_protocol(r,
                                    OVERLAY_RTPROT + 1); /* not the overlay's: never pruned */
            rtnl_route_set_scope(r, RT_SCOPE_LINK);
            rtnl_route_set_dst(r, dst);
            struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
            rtnl_route_nh_set_ifindex(nh, ifindex);
            rtnl_route_add_nexthop(r, nh);
            int nrc = rtnl_route_add(sk, r, NLM_F_CREATE | NLM_F_REPLACE);
            rtnl_route_put(r);
            if (nrc < 0)
                rc = nl_fail(err, nrc, "route", service_cidr);
        }
    }
    nl_socket_free(sk);
    return rc;
}

void overlay_remove_all(void)
{
    struct nl_sock *sk;
    mk_err err;
    if (sock_open(&sk, &err) < 0)
        return;
    static const char *const names[] = {OVERLAY_DEV, OVERLAY_SVC_DEV};
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        struct rtnl_link *l = rtnl_link_alloc();
        rtnl_link_set_name(l, names[i]);
        if (rtnl_link_delete(sk, l) == 0)
            mk_log("link %s removed", names[i]);
        rtnl_link_put(l);
    }
    nl_socket_free(sk);
}
