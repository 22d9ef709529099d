#include "kubelet/netlink.h"
#include "store/util.h"

#include <fcntl.h>
#include <linux/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

/* libnl errors are negative NLE_* codes; map the ones callers test. */
static int nl_fail(mk_err *err, int nlerr, const char *what, const char *name)
{
    int code = nlerr == -NLE_EXIST          ? EEXIST
               : nlerr == -NLE_OBJ_NOTFOUND ? ENOENT
               : nlerr == -NLE_NODEV        ? ENODEV
               : nlerr == -NLE_PERM         ? EPERM
                                            : EIO;
    return mk_error(err, code, "%s %s: %s", what, name, nl_geterror(nlerr));
}

int netlink_open(nl_sock_t **out, mk_err *err)
{
    struct nl_sock *sk = nl_socket_alloc();
    if (!sk)
        return mk_error(err, ENOMEM, "netlink socket");
    int rc = nl_connect(sk, NETLINK_ROUTE);
    if (rc < 0) {
        nl_socket_free(sk);
        return nl_fail(err, rc, "netlink", "connect");
    }
    *out = sk;
    return 0;
}

void netlink_close(nl_sock_t *sk)
{
    if (sk)
        nl_socket_free(sk);
}

static int link_get(nl_sock_t *sk, const char *name, struct rtnl_link **link, mk_err *err)
{
    int rc = rtnl_link_get_kernel(sk, 0, name, link);
    return rc < 0 ? nl_fail(err, rc, "link", name) : 0;
}

bool netlink_exists(nl_sock_t *sk, const char *name)
{
    struct rtnl_link *l = NULL;
    if (rtnl_link_get_kernel(sk, 0, name, &l) < 0)
        return false;
    rtnl_link_put(l);
    return true;
}

int netlink_up(nl_sock_t *sk, const char *name, const char *master, mk_err *err)
{
    struct rtnl_link *l = NULL, *m = NULL;
    if (link_get(sk, name, &l, err) < 0)
        return -err->code;
    struct rtnl_link *change = rtnl_link_alloc();
    rtnl_link_set_flags(change, IFF_UP);
    int rc = 0;
    if (master) {
        rc = link_get(sk, master, &m, err);
        if (rc == 0)
            rtnl_link_set_master(change, rtnl_link_get_ifindex(m));
    }
    if (rc == 0 && (rc = rtnl_link_change(sk, l, change, 0)) < 0)
        rc = nl_fail(err, rc, "link up", name);
    rtnl_link_put(change);
    rtnl_link_put(l);
    if (m)
        rtnl_link_put(m);
    return rc;
}

/* What `bridge link set dev LINK hairpin on` sends: RTM_SETLINK in the
 * AF_BRIDGE family, IFLA_BRPORT_MODE inside IFLA_PROTINFO. Built by hand
 * because rtnl_link_change() sends RTM_NEWLINK first, which the kernel hands
 * to the generic handler: it acks and ignores the bridge-port attributes. */
int netlink_hairpin(nl_sock_t *sk, const char *name, mk_err *err)
{
    struct rtnl_link *l = NULL;
    if (link_get(sk, name, &l, err) < 0)
        return -err->code;
    struct ifinfomsg ifi = {.ifi_family = AF_BRIDGE, .ifi_index = rtnl_link_get_ifindex(l)};
    rtnl_link_put(l);
    struct nl_msg *msg = nlmsg_alloc_simple(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK);
    if (!msg)
        return mk_error(err, ENOMEM, "hairpin %s", name);
    struct nlattr *pi = NULL;
    int rc = nlmsg_append(msg, &ifi, sizeof ifi, NLMSG_ALIGNTO);
    if (rc == 0 && !(pi = nla_nest_start(msg, IFLA_PROTINFO | NLA_F_NESTED)))
        rc = -NLE_NOMEM;
    if (rc == 0)
        rc = nla_put_u8(msg, IFLA_BRPORT_MODE, 1);
    if (rc == 0)
        rc = nla_nest_end(msg, pi);
    if (rc == 0)
        rc = nl_send_sync(sk, msg); /* frees msg */
    else
        nlmsg_free(msg);
    return rc < 0 ? nl_fail(err, rc, "hairpin", name) : 0;
}

/* A bridge whose address was never set takes the lowest of its ports'
 * addresses, so it changes as pods come and go; pods keep the old one in
 * their neighbour table for the gateway for up to a minute, and their
 * replies go nowhere meanwhile. Setting the address (to what it is) pins it,
 * as Docker does for docker0. */
static int pin_address(nl_sock_t *sk, const char *name, mk_err *err)
{
    struct rtnl_link *l = NULL;
    if (link_get(sk, name, &l, err) < 0)
        return -err->code;
    struct rtnl_link *change = rtnl_link_alloc();
    rtnl_link_set_addr(change, rtnl_link_get_addr(l));
    int rc = rtnl_link_change(sk, l, change, 0);
    rtnl_link_put(change);
    rtnl_link_put(l);
    return rc < 0 ? nl_fail(err, rc, "bridge address", name) : 0;
}

int netlink_bridge(nl_sock_t *sk, const char *name, mk_err *err)
{
    if (!netlink_exists(sk, name)) {
        struct rtnl_link *br = rtnl_link_bridge_alloc();
        rtnl_link_set_name(br, name);
        int rc = rtnl_link_add(sk, br, NLM_F_CREATE | NLM_F_EXCL);
        rtnl_link_put(br);
        if (rc < 0 && rc != -NLE_EXIST)
            return nl_fail(err, rc, "bridge", name);
    }
    if (pin_address(sk, name, err) < 0)
        return -err->code;
    return netlink_up(sk, name, NULL, err);
}

int netlink_addr(nl_sock_t *sk, const char *name, const char *cidr, mk_err *err)
{
    struct rtnl_link *l = NULL;
    if (link_get(sk, name, &l, err) < 0)
        return -err->code;
    struct nl_addr *local = NULL;
    int rc = nl_addr_parse(cidr, AF_INET, &local);
    if (rc < 0) {
        rtnl_link_put(l);
        return nl_fail(err, rc, "address", cidr);
    }
    struct rtnl_addr *a = rtnl_addr_alloc();
    rtnl_addr_set_ifindex(a, rtnl_link_get_ifindex(l));
    rtnl_addr_set_local(a, local);
    rc = rtnl_addr_add(sk, a, NLM_F_REPLACE);
    if (rc < 0 && rc != -NLE_EXIST)
        rc = nl_fail(err, rc, "address", cidr);
    else
        rc = 0;
    rtnl_addr_put(a);
    nl_addr_put(local);
    rtnl_link_put(l);
    return rc;
}

static int route_add(nl_sock_t *sk, const char *dst, uint8_t type, const char *gw, int flags,
                     mk_err *err)
{
    struct nl_addr *d = NULL, *g = NULL;
    int rc = nl_addr_parse(dst, AF_INET, &d);
    if (rc < 0)
        return nl_fail(err, rc, "route", dst);
    struct rtnl_route *r = rtnl_route_alloc();
    rtnl_route_set_family(r, AF_INET);
    rtnl_route_set_table(r, RT_TABLE_MAIN);
    rtnl_route_set_type(r, type);
    rtnl_route_set_protocol(r, RTPROT_BOOT);
    rtnl_route_set_scope(r, RT_SCOPE_UNIVERSE);
    rtnl_route_set_dst(r, d);
    if (gw) {
        rc = nl_addr_parse(gw, AF_INET, &g);
        if (rc == 0) {
            struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
            rtnl_route_nh_set_gateway(nh, g);
            rtnl_route_add_nexthop(r, nh);
        }
    }
    if (rc == 0)
        rc = rtnl_route_add(sk, r, flags);
    if (rc < 0 && !(rc == -NLE_EXIST && !(flags & NLM_F_REPLACE)))
        rc = nl_fail(err, rc, "route", dst);
    else
        rc = 0;
    rtnl_route_put(r);
    nl_addr_put(d);
    if (g)
        nl_addr_put(g);
    return rc;
}

int netlink_unreachable(nl_sock_t *sk, const char *dst, mk_err *err)
{
    /* NLM_F_EXCL: an existing route for dst (ours or an admin's) stays. */
    return route_add(sk, dst, RTN_UNREACHABLE, NULL, NLM_F_CREATE | NLM_F_EXCL, err);
}

int netlink_default_route(nl_sock_t *sk, const char *gw, mk_err *err)
{
    return route_add(sk, "0.0.0.0/0", RTN_UNICAST, gw, NLM_F_CREATE | NLM_F_REPLACE, err);
}

int netlink_veth(nl_sock_t *sk, const char *host, const char *peer, const char *netns_path,
                 mk_err *err)
{
    int fd = open(netns_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return mk_error(err, errno, "%s: %s", netns_path, strerror(errno));
    struct rtnl_link *veth = rtnl_link_veth_alloc();
    rtnl_link_set_name(veth, host);
    struct rtnl_link *p = rtnl_link_veth_get_peer(veth);
    rtnl_link_set_name(p, peer);
    rtnl_link_set_ns_fd(p, fd);
    int rc = rtnl_link_add(sk, veth, NLM_F_CREATE | NLM_F_EXCL);
    rtnl_link_put(p);
    rtnl_link_veth_release(veth);
    close(fd);
    return rc < 0 ? nl_fail(err, rc, "veth", host) : 0;
}

int netlink_del(nl_sock_t *sk, const char *name, mk_err *err)
{
    struct rtnl_link *l = NULL;
    if (rtnl_link_get_kernel(sk, 0, name, &l) < 0)
        return 0;
    int rc = rtnl_link_delete(sk, l);
    rtnl_link_put(l);
    return rc < 0 && rc != -NLE_OBJ_NOTFOUND && rc != -NLE_NODEV
               ? nl_fail(err, rc, "delete", name)
               : 0;
}

typedef struct ns_call {
    const char *path;
    int (*fn)(nl_sock_t *, void *, mk_err *);
    void *ctx;
    mk_err err;
    int rc;
} ns_call;

static void *ns_thread(void *arg)
{
    ns_call *c = arg;
    int fd = open(c->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        c->rc = mk_error(&c->err, errno, "%s: %s", c->path, strerror(errno));
        return NULL;
    }
    /* Only this thread enters the namespace; it ends right after. */
    if (setns(fd, CLONE_NEWNET) < 0) {
        c->rc = mk_error(&c->err, errno, "setns %s: %s", c->path, strerror(errno));
        close(fd);
        return NULL;
    }
    close(fd);
    nl_sock_t *sk = NULL;
    c->rc = netlink_open(&sk, &c->err);
    if (c->rc == 0)
        c->rc = c->fn(sk, c->ctx, &c->err);
    netlink_close(sk);
    return NULL;
}

int netlink_in_netns(const char *netns_path, int (*fn)(nl_sock_t *, void *, mk_err *),
                     void *ctx, mk_err *err)
{
    ns_call c = {.path = netns_path, .fn = fn, .ctx = ctx};
    pthread_t t;
    if (pthread_create(&t, NULL, ns_thread, &c) != 0)
        return mk_error(err, EAGAIN, "netns thread");
    pthread_join(t, NULL);
    if (c.rc < 0)
        *err = c.err;
    return c.rc;
}
