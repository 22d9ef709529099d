/* dns.c - the Service name responder (see dns.h). Queries are parsed with
 * libresolv (ns_initparse/ns_parserr); answers reuse the question and add
 * A records whose names point back at it (compression pointer 0xc00c). */
#include "proxy/dns.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <ctype.h>
#include <poll.h>
#include <pthread.h>
#include <resolv.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "store/log.h"
#include "store/util.h"

#define DNS_MAX_ANSWERS 32
#define DNS_HEADER      12

/* Split a lowered name into Service and namespace (and a pod's hostname
 * before them, *host, for three labels under .svc); returns 1 for a
 * cluster name found, 0 for a cluster-domain name that is not a Service,
 * -1 for a name outside the cluster domain. */
static int split_name(char *name, const char *client_ns, char **svc, const char **ns,
                      char **host)
{
    size_t len = strlen(name);
    if (len && name[len - 1] == '.')
        name[--len] = '\0';
    static const char *const suffixes[] = {".svc." DNS_DOMAIN, ".svc"};
    bool in_domain = false;
    for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
        size_t sl = strlen(suffixes[i]);
        if (len > sl && strcmp(name + len - sl, suffixes[i]) == 0) {
            name[len - sl] = '\0';
            in_domain = true;
            break;
        }
    }
    if (!in_domain && (strcmp(name, DNS_DOMAIN) == 0 ||
                       (len > sizeof(DNS_DOMAIN) && name[len - sizeof(DNS_DOMAIN)] == '.' &&
                        strcmp(name + len - sizeof(DNS_DOMAIN) + 1, DNS_DOMAIN) == 0)))
        return 0; /* under cluster.local but not under svc */
    char *dot = strchr(name, '.');
    char *second = dot ? strchr(dot + 1, '.') : NULL;
    if (second && in_domain && !strchr(second + 1, '.')) { /* <host>.<svc>.<ns>.svc */
        *dot = '\0';
        *host = name;
        name = dot + 1;
        dot = second;
    } else if (second) {
        return in_domain ? 0 : -1; /* more labels: not ours */
    }
    if (dot) {
        *dot = '\0';
        *svc = name;
        *ns = dot + 1;
        return 1;
    }
    if (in_domain)
        return 0; /* "<x>.svc": a namespace, not a Service */
    if (!*name)
        return -1;
    *svc = name;
    *ns = client_ns;
    return 1;
}

size_t dns_answer(const dns_resolver *r, struct in_addr client, const uint8_t *q, size_t qlen,
                  uint8_t *out, size_t outcap)
{
    ns_msg msg;
    ns_rr rr;
    if (qlen < DNS_HEADER || outcap < 512 || ns_initparse(q, (int)qlen, &msg) < 0 ||
        ns_msg_getflag(msg, ns_f_qr) || ns_msg_count(msg, ns_s_qd) != 1 ||
        ns_parserr(&msg, ns_s_qd, 0, &rr) < 0)
        return 0;
    /* The question: header, then the name's labels, then type and class. */
    const uint8_t *p = q + DNS_HEADER;
    while (p < q + qlen && *p) {
        if (*p & 0xc0)
            return 0; /* a compressed question: no resolver sends one */
        p += *p + 1;
    }
    if (p + 5 > q + qlen)
        return 0;
    size_t qsize = (size_t)(p + 5 - q);
    char name[NS_MAXDNAME];
    snprintf(name, sizeof name, "%s", ns_rr_name(rr));
    for (char *c = name; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    char client_ns[64] = "default";
    if (r->client_ns && !r->client_ns(r->ctx, client, client_ns, sizeof client_ns))
        snprintf(client_ns, sizeof client_ns, "default");
    char *svc = NULL, *host = NULL;
    const char *ns = NULL;
    int kind = split_name(name, client_ns, &svc, &ns, &host);
    struct in_addr ips[DNS_MAX_ANSWERS];
    int n = kind == 1 ? r->lookup(r->ctx, ns, svc, host, ips, DNS_MAX_ANSWERS) : -1;
    int rcode = n >= 0 ? ns_r_noerror : kind == -1 ? ns_r_refused : ns_r_nxdomain;
    bool want_a = ns_rr_type(rr) == ns_t_a || ns_rr_type(rr) == ns_t_any;
    int nans = n > 0 && want_a && ns_rr_class(rr) == ns_c_in ? n : 0;

    memcpy(out, q, qsize);
    uint16_t flags = (uint16_t)(0x8000 | 0x0400 | (q[2] & 0x01) << 8 | rcode); /* QR AA RD */
    flags |= (uint16_t)((q[2] & 0x78) << 8);                                   /* opcode */
    ns_put16(flags, out + 2);
    ns_put16(1, out + 4);
    ns_put16((uint16_t)nans, out + 6);
    ns_put16(0, out + 8);
    ns_put16(0, out + 10);
    size_t off = qsize;
    for (int i = 0; i < nans && off + 16 <= outcap; i++) {
        ns_put16(0xc000 | DNS_HEADER, out + off);
        ns_put16(ns_t_a, out + off + 2);
        ns_put16(ns_c_in, out + off + 4);
        ns_put32(DNS_TTL, out + off + 6);
        ns_put16(4, out + off + 10);
        memcpy(out + off + 12, &ips[i].s_addr, 4);
        off += 16;
    }
    return off;
}

struct dns_server {
    int fd;
    dns_resolver r;
    pthread_t thread;
    volatile bool stop;
};

static void *serve(void *arg)
{
    dns_server *s = arg;
    uint8_t q[1500], out[1500];
    while (!s->stop) {
        struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
        if (poll(&pfd, 1, 200) <= 0)
            continue;
        struct sockaddr_in from;
        socklen_t flen = sizeof from;
        ssize_t len = recvfrom(s->fd, q, sizeof q, 0, (struct sockaddr *)&from, &flen);
        if (len <= 0)
            continue;
        size_t alen = dns_answer(&s->r, from.sin_addr, q, (size_t)len, out, 512);
        if (alen)
            sendto(s->fd, out, alen, 0, (struct sockaddr *)&from, flen);
    }
    return NULL;
}

int dns_start(const char *addr, int port, const dns_resolver *r, dns_server **out, mk_err *err)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
        return mk_error(err, EINVAL, "dns: %s: not an IPv4 address", addr);
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return mk_error(err, errno, "dns: socket: %s", strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int e = errno;
        close(fd);
        return mk_error(err, e, "dns: bind %s:%d: %s", addr, port, strerror(e));
    }
    dns_server *s = xcalloc(1, sizeof(*s));
    s->fd = fd;
    s->r = *r;
    if (pthread_create(&s->thread, NULL, serve, s) != 0) {
        close(fd);
        free(s);
        return mk_error(err, EAGAIN, "dns: cannot start a thread");
    }
    *out = s;
    return 0;
}

void dns_stop(dns_server *s)
{
    if (!s)
        return;
    s->stop = true;
    pthread_join(s->thread, NULL);
    close(s->fd);
    free(s);
}
