#include "kubelet/podnet.h"
#include "kubelet/fsutil.h"
#include "kubelet/proc.h"
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
    uint32_t cursor;    /* next address to try: leases rotate, as Kubernetes' */
    char gateway[INET_ADDRSTRLEN];
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
    free(pn->lease_dir);
    free(pn->bridge);
    free(pn);
}

static void ip_str(uint32_t a, char *buf)
{
    struct in_addr in = {.s_addr = htonl(a)};
    inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN);
}

/* Run `ip [-n NS] -batch FILE` over the given lines. */
static int ip_batch(const char *dir, const char *netns, const char *lines, bool force,
                    mk_err *err)
{
    char path[] = "/tmp/mk-ipbatch-XXXXXX";
    (void)dir;
    int fd = mkstemp(path);
    if (fd < 0)
        return mk_error(err, errno, "mkstemp: %s", strerror(errno));
    size_t len = strlen(lines);
    bool ok = write(fd, lines, len) == (ssize_t)len;
    close(fd);
    int rc;
    if (!ok) {
        rc = mk_error(err, EIO, "write %s", path);
    } else {
        char *argv[8];
        int i = 0;
        argv[i++] = "ip";
        if (netns) {
            argv[i++] = "-n";
            argv[i++] = (char *)netns;
        }
        if (force)
            argv[i++] = "-force";
        argv[i++] = "-batch";
        argv[i++] = path;
        argv[i] = NULL;
        rc = proc_check(argv, err);
    }
    unlink(path);
    return rc;
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
    /* -force: "exists" answers are fine; the check below is what counts. */
    _cleanup_free_ char *lines = xasprintf("link add %s type bridge\n"
                                           "addr replace %s/%d dev %s\n"
                                           "link set %s up\n"
                                           "route add unreachable %s\n",
                                           pn->bridge, gw, prefix, pn->bridge, pn->bridge,
                                           PODNET_CLUSTER_CIDR);
    mk_err ignored;
    ip_batch(pn->lease_dir, NULL, lines, true, &ignored);
    if (if_nametoindex(pn->bridge) == 0)
        return mk_error(err, EIO, "bridge %s: could not be created: %s", pn->bridge,
                        ignored.msg);
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

int podnet_attach(podnet *pn, const char *pod_uid, const char *netns_name, char *ip,
                  mk_err *err)
{
    if (!podnet_ready(pn))
        return mk_error(err, EAGAIN, "node has no podCIDR yet");
    char veth[16];
    podnet_veth_name(pod_uid, veth);
    bool leased = podnet_lookup(pn, pod_uid, ip);
    if (leased && if_nametoindex(veth) != 0)
        return 0; /* attached before a kubelet restart */
    if (!leased && podnet_lease(pn, pod_uid, ip, err) < 0)
        return -err->code;
    _cleanup_free_ char *host = xasprintf("link add %s type veth peer name eth0 netns %s\n"
                                          "link set %s master %s up\n",
                                          veth, netns_name, veth, pn->bridge);
    _cleanup_free_ char *pod = xasprintf("addr add %s/%d dev eth0\n"
                                         "link set eth0 up\n"
                                         "route add default via %s\n",
                                         ip, pn->prefix, pn->gateway);
    if (ip_batch(pn->lease_dir, NULL, host, false, err) < 0 ||
        ip_batch(pn->lease_dir, netns_name, pod, false, err) < 0) {
        podnet_detach(pn, pod_uid);
        return mk_error_wrap(err, "pod network");
    }
    return 0;
}

void podnet_detach(podnet *pn, const char *pod_uid)
{
    char veth[16], ip[INET_ADDRSTRLEN];
    podnet_veth_name(pod_uid, veth);
    if (if_nametoindex(veth) != 0) {
        char *argv[] = {"ip", "link", "del", veth, NULL};
        mk_err err;
        if (proc_check(argv, &err) < 0)
            mk_log("pod %s: %s", pod_uid, err.msg);
    }
    while (podnet_lookup(pn, pod_uid, ip)) {
        _cleanup_free_ char *path = xasprintf("%s/%s", pn->lease_dir, ip);
        if (unlink(path) < 0)
            break;
    }
}
