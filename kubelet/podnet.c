#include "kubelet/podnet.h"
#include "kubelet/fsutil.h"
#include "kubelet/netlink.h"
#include "store/log.h"
#include "store/util.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <net/if.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct podnet {
    pthread_mutex_t lock;
    char *lease_dir;
    char *bridge;
    bool ready;
    uint32_t net, mask; /* host order */
    int prefix;
    uint32_t cursor; /* next address to try: leases rotate, as Kubernetes' */
    char gateway[INET_ADDRSTRLEN];
    nl_sock_t *sk; /* under lock */
};

podnet *podnet_new(const char *state_dir, const char *bridge)
{
    podnet *pn = xcalloc(1, sizeof *pn);
    pthread_mutex_init(&pn->lock, NULL);
    pn->lease_dir = xasprintf("%s/ipam", state_dir);
    pn->bridge = xstrdup(bridge ? bridge : "mk0");
    return pn;
}

void podnet_free(podnet *pn)
{
    if (!pn)
        return;
    pthread_mutex_destroy(&pn->lock);
    netlink_close(pn->sk);
    free(pn->lease_dir);
    free(pn->bridge);
    free(pn);
}

static void ip_str(uint32_t a, char *buf)
{
    struct in_addr in = {.s_addr = htonl(a)};
    inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN);
}

/* One rtnetlink socket for the node's namespace, opened on first use. */
static int podnet_sock(podnet *pn, nl_sock_t **sk, mk_err *err)
{
    if (!pn->sk && netlink_open(&pn->sk, err) < 0)
        return -err->code;
    *sk = pn->sk;
    return 0;
}

int podnet_set_cidr(podnet *pn, const char *cidr, mk_err *err)
{
    char addr[INET_ADDRSTRLEN];
    int prefix;
    struct in_addr in;
    if (sscanf(cidr, "%15[0-9.]/%d", addr, &prefix) != 2 || prefix < 8 || prefix > 30 ||
        inet_pton(AF_INET, addr, &in) != 1)
        return mk_error(err, EINVAL, "podCIDR %s: not an IPv4 CIDR between /8 and /30", cidr);
    uint32_t mask = prefix ? ~0u << (32 - prefix) : 0;
    uint32_t net = ntohl(in.s_addr) & mask;
    char gw[INET_ADDRSTRLEN];
    ip_str(net + 1, gw);
    if (fsu_mkdir_p(pn->lease_dir, 0700, err) < 0)
        return -err->code;
    _cleanup_free_ char *gwcidr = xasprintf("%s/%d", gw, prefix);
    pthread_mutex_lock(&pn->lock);
    nl_sock_t *sk = NULL;
    int rc = podnet_sock(pn, &sk, err);
    if (rc == 0)
        rc = netlink_bridge(sk, pn->bridge, err);
    if (rc == 0)
        rc = netlink_addr(sk, pn->bridge, gwcidr, err);
    if (rc == 0)
        rc = netlink_unreachable(sk, PODNET_CLUSTER_CIDR, err);
    pthread_mutex_unlock(&pn->lock);
    if (rc < 0)
        return mk_error_wrap(err, "pod bridge");
    pthread_mutex_lock(&pn->lock);
    pn->net = net;
    pn->mask = mask;
    pn->prefix = prefix;
    if (pn->cursor <= net + 1 || (pn->cursor & mask) != net)
        pn->cursor = net + 2;
    strcpy(pn->gateway, gw);
    pn->ready = true;
    pthread_mutex_unlock(&pn->lock);
    return 0;
}

bool podnet_ready(podnet *pn)
{
    pthread_mutex_lock(&pn->lock);
    bool r = pn->ready;
    pthread_mutex_unlock(&pn->lock);
    return r;
}

const char *podnet_gateway(podnet *pn)
{
    return podnet_ready(pn) ? pn->gateway : NULL;
}

void podnet_veth_name(const char *pod_uid, char *buf)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const char *s = pod_uid; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    snprintf(buf, 16, "mkv%08x", h);
}

bool podnet_lookup(podnet *pn, const char *pod_uid, char *ip)
{
    DIR *d = opendir(pn->lease_dir);
    if (!d)
        return false;
    bool found = false;
    struct dirent *de;
    while (!found && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        _cleanup_free_ char *path = xasprintf("%s/%s", pn->lease_dir, de->d_name);
        char owner[128] = "";
        FILE *f = fopen(path, "re");
        if (!f)
            continue;
        if (fgets(owner, sizeof owner, f))
            owner[strcspn(owner, "\n")] = '\0';
        fclose(f);
        size_t l = strlen(de->d_name);
        if (strcmp(owner, pod_uid) == 0 && l < INET_ADDRSTRLEN) {
            memcpy(ip, de->d_name, l + 1);
            found = true;
        }
    }
    closedir(d);
    return found;
}

/* Take the next free address: a lease file created O_EXCL is the claim. */
static int podnet_lease(podnet *pn, const char *pod_uid, char *ip, mk_err *err)
{
    if (podnet_lookup(pn, pod_uid, ip))
        return 0;
    pthread_mutex_lock(&pn->lock);
    uint32_t first = pn->net + 2, last = (pn->net | ~pn->mask) - 1;
    uint32_t n = last - first + 1;
    int rc = mk_error(err, ENOSPC, "podCIDR %s/%d: no free address", pn->gateway, pn->prefix);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t a = pn->cursor;
        pn->cursor = a >= last ? first : a + 1;
        char s[INET_ADDRSTRLEN];
        ip_str(a, s);
        _cleanup_free_ char *path = xasprintf("%s/%s", pn->lease_dir, s);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0)
            continue;
        dprintf(fd, "%s\n", pod_uid);
        close(fd);
        strcpy(ip, s);
        rc = 0;
        break;
    }
    pthread_mutex_unlock(&pn->lock);
    return rc;
}

typedef struct pod_side {
    const char *cidr, *gw;
} pod_side;

/* Inside the pod's namespace: eth0 gets its address, comes up, routes via
 * the bridge. */
static int configure_pod_side(nl_sock_t *sk, void *ctx, mk_err *err)
{
    const pod_side *ps = ctx;
    if (netlink_addr(sk, "eth0", ps->cidr, err) < 0 || netlink_up(sk, "eth0", NULL, err) < 0 ||
        netlink_default_route(sk, ps->gw, err) < 0)
        return -err->code;
    return 0;
}

int podnet_attach(podnet *pn, const char *pod_uid, const char *netns_name, char *ip,
                  mk_err *err)
{
    if (!podnet_ready(pn))
        return mk_error(err, EAGAIN, "node has no podCIDR yet");
    char veth[16];
    podnet_veth_name(pod_uid, veth);
    bool leased = podnet_lookup(pn, pod_uid, ip);
    pthread_mutex_lock(&pn->lock);
    nl_sock_t *sk = NULL;
    int rc = podnet_sock(pn, &sk, err);
    bool attached = rc == 0 && leased && netlink_exists(sk, veth);
    pthread_mutex_unlock(&pn->lock);
    if (rc < 0 || attached)
        return rc; /* attached before a kubelet restart */
    if (!leased && podnet_lease(pn, pod_uid, ip, err) < 0)
        return -err->code;
    _cleanup_free_ char *nspath = xasprintf("/var/run/netns/%s", netns_name);
    _cleanup_free_ char *cidr = xasprintf("%s/%d", ip, pn->prefix);
    pod_side ps = {.cidr = cidr, .gw = pn->gateway};
    pthread_mutex_lock(&pn->lock);
    rc = netlink_veth(sk, veth, "eth0", nspath, err);
    if (rc == 0)
        rc = netlink_up(sk, veth, pn->bridge, err);
    /* A pod reaching itself through a ClusterIP: the DNATed frame goes
     * back out the port it came in on (docs/networking.md, hairpin). */
    if (rc == 0)
        rc = netlink_hairpin(sk, veth, err);
    pthread_mutex_unlock(&pn->lock);
    if (rc == 0)
        rc = netlink_in_netns(nspath, configure_pod_side, &ps, err);
    if (rc < 0) {
        mk_err saved = *err;
        podnet_detach(pn, pod_uid);
        *err = saved;
        return mk_error_wrap(err, "pod network");
    }
    return 0;
}

void podnet_detach(podnet *pn, const char *pod_uid)
{
    char veth[16], ip[INET_ADDRSTRLEN];
    podnet_veth_name(pod_uid, veth);
    mk_err err = {0};
    pthread_mutex_lock(&pn->lock);
    nl_sock_t *sk = NULL;
    if (podnet_sock(pn, &sk, &err) < 0 || netlink_del(sk, veth, &err) < 0)
        mk_log("pod %s: %s", pod_uid, err.msg);
    pthread_mutex_unlock(&pn->lock);
    while (podnet_lookup(pn, pod_uid, ip)) {
        _cleanup_free_ char *path = xasprintf("%s/%s", pn->lease_dir, ip);
        if (unlink(path) < 0)
            break;
    }
}
