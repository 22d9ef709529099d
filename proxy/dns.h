/* dns.h - a small authoritative DNS responder for Service names.
 *
 * mk-proxy answers on every node at the cluster DNS address (10.96.0.10,
 * UDP 53, held by mk-svc0), from its informer caches, so a name resolves
 * as soon as the node's rules know the Service. Answered (A, class IN):
 *   <svc>.<ns>.svc.cluster.local   <svc>.<ns>.svc   <svc>.<ns>
 *   <svc>   (in the namespace of the asking pod, else "default")
 * A headless Service answers its ready endpoints' addresses, and each of
 * them with a hostname (a pod whose spec.hostname is set and whose
 * spec.subdomain names the Service, as a StatefulSet's pods) under
 *   <hostname>.<svc>.<ns>.svc.cluster.local   <hostname>.<svc>.<ns>.svc
 * as Kubernetes' DNS specification has it. Other names
 * in cluster.local get NXDOMAIN; names outside it REFUSED (the responder
 * does not recurse: pods never reach an outside resolver). A known name
 * asked for another type gets an empty NOERROR answer.
 */
#ifndef MK_PROXY_DNS_H
#define MK_PROXY_DNS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/error.h"

#define DNS_DOMAIN "cluster.local"
#define DNS_TTL    5

/* Resolve Service ns/name into at most max IPv4 addresses (network order);
 * returns how many, or -1 when there is no such Service. With host, the
 * address of the headless Service's endpoint of that hostname (-1: none). */
typedef int (*dns_lookup_fn)(void *ctx, const char *ns, const char *name, const char *host,
                             struct in_addr *ips, size_t max);
/* The namespace of the pod with this address, into buf; false if unknown. */
typedef bool (*dns_client_ns_fn)(void *ctx, struct in_addr client, char *buf, size_t n);

typedef struct dns_resolver {
    dns_lookup_fn lookup;
    dns_client_ns_fn client_ns; /* may be NULL */
    void *ctx;
} dns_resolver;

/* Answer one query into out (at least 512 bytes); returns the answer's
 * length, or 0 when the query is not worth an answer (malformed, or a
 * response). Pure: unit-tested. */
size_t dns_answer(const dns_resolver *r, struct in_addr client, const uint8_t *q, size_t qlen,
                  uint8_t *out, size_t outcap);

typedef struct dns_server dns_server;
/* Bind UDP addr:port and answer on a thread of its own until dns_stop. */
int dns_start(const char *addr, int port, const dns_resolver *r, dns_server **out, mk_err *err);
void dns_stop(dns_server *s);

#endif
