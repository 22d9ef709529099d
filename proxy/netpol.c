/* netpol.c - NetworkPolicies as an nftables table (see netpol.h). */
#include "proxy/netpol.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/codec.h"
#include "store/selector.h"
#include "store/util.h"

#define NS_NAME_LABEL "kubernetes.io/metadata.name"

typedef struct objs {
    json_object **v;
    size_t n, cap;
} objs;

struct netpol_builder {
    char *node;
    objs pods, nss, pols;
};

static void push(objs *o, json_object *obj)
{
    if (o->n == o->cap) {
        o->cap = o->cap ? 2 * o->cap : 64;
        o->v = xrealloc(o->v, o->cap * sizeof *o->v);
    }
    o->v[o->n++] = obj;
}

static void objs_free(objs *o)
{
    for (size_t i = 0; i < o->n; i++)
        json_object_put(o->v[i]);
    free(o->v);
}

netpol_builder *netpol_begin(const char *node_name)
{
    netpol_builder *b = xcalloc(1, sizeof *b);
    b->node = xstrdup(node_name);
    return b;
}

/* Pods with an address of their own: neither ended nor on the host's
 * network. The address goes into the script: nothing but an address. */
void netpol_add_pod(netpol_builder *b, json_object *pod)
{
    const char *ip = mk_json_str(pod, "status.podIP");
    const char *phase = mk_json_str(pod, "status.phase") ?: "";
    json_object *host = mk_json_path(pod, "spec.hostNetwork");
    struct in_addr addr;
    if (!ip || inet_pton(AF_INET, ip, &addr) != 1 || !strcmp(phase, "Succeeded") ||
        !strcmp(phase, "Failed") || (host && json_object_get_boolean(host)))
        return;
    push(&b->pods, mk_json_copy(pod));
}

/* Kubernetes labels every namespace with its name; older stored ones may
 * lack it, so it is added here whatever the object says. */
void netpol_add_namespace(netpol_builder *b, json_object *ns)
{
    json_object *copy = mk_json_copy(ns);
    json_object *labels = mk_json_ensure(copy, "metadata.labels");
    if (json_object_is_type(labels, json_type_object))
        json_object_object_add(
            labels, NS_NAME_LABEL,
            json_object_new_string(mk_json_str(copy, "metadata.name") ?: ""));
    push(&b->nss, copy);
}

void netpol_add_policy(netpol_builder *b, json_object *policy)
{
    push(&b->pols, mk_json_copy(policy));
}

static const char *ns_of(json_object *obj)
{
    return mk_json_str(obj, "metadata.namespace") ?: "default";
}

/* ---- which policies, which peers ---- */

static bool has_type(json_object *pol, const char *type)
{
    json_object *types = mk_json_path(pol, "spec.policyTypes");
    if (!types) /* Ingress always; Egress when it has egress rules */
        return !strcmp(type, "Ingress") || mk_json_path(pol, "spec.egress");
    for (size_t i = 0; i < mk_json_array_len(types); i++)
        if (!strcmp(json_object_get_string(json_object_array_get_idx(types, i)) ?: "", type))
            return true;
    return false;
}

static bool selects(json_object *pol, json_object *pod)
{
    return !strcmp(ns_of(pol), ns_of(pod)) &&
           selector_object_selects(mk_json_path(pol, "spec.podSelector"),
                                   mk_json_path(pod, "metadata.labels"));
}

static json_object *ns_labels(netpol_builder *b, const char *name)
{
    for (size_t i = 0; i < b->nss.n; i++)
        if (!strcmp(mk_json_str(b->nss.v[i], "metadata.name") ?: "", name))
            return mk_json_path(b->nss.v[i], "metadata.labels");
    return NULL;
}

/* A peer's selectors, parsed once for a walk over every pod (NULL: that
 * selector is absent; both absent: an ipBlock). */
typedef struct peer {
    mk_selector *pods, *nss;
    bool broken; /* a selector that does not parse selects nothing */
} peer;

static peer peer_of(json_object *p)
{
    peer pe = {0};
    json_object *podsel = mk_json_path(p, "podSelector");
    json_object *nssel = mk_json_path(p, "namespaceSelector");
    mk_err err = {0};
    pe.broken = (podsel && selector_from_object(podsel, &pe.pods, &err) < 0) ||
                (nssel && selector_from_object(nssel, &pe.nss, &err) < 0);
    return pe;
}

static void peer_free(peer *pe)
{
    selector_free(pe->pods);
    selector_free(pe->nss);
}

/* The pods a peer names: podSelector in the policy's namespace, or in the
 * namespaces namespaceSelector picks. */
static bool peer_has(netpol_builder *b, const peer *pe, const char *pol_ns, json_object *pod)
{
    if (pe->broken || (!pe->pods && !pe->nss))
        return false;
    bool ns_ok = pe->nss ? selector_match_labels(pe->nss, ns_labels(b, ns_of(pod)))
                         : !strcmp(ns_of(pod), pol_ns);
    return ns_ok &&
           (!pe->pods || selector_match_labels(pe->pods, mk_json_path(pod, "metadata.labels")));
}

/* ---- ports ---- */

typedef struct portmatch {
    bool any;          /* no ports: every port of every protocol */
    char text[3][512]; /* one match per protocol present */
    int n;
} portmatch;

/* A named port of the pod receiving the traffic (0: it has none). */
static long named_port(json_object *pod, const char *name, const char *proto)
{
    json_object *cs = mk_json_path(pod, "spec.containers");
    for (size_t i = 0; i < mk_json_array_len(cs); i++) {
        json_object *ports = mk_json_path(json_object_array_get_idx(cs, i), "ports");
        for (size_t j = 0; j < mk_json_array_len(ports); j++) {
            json_object *p = json_object_array_get_idx(ports, j);
            if (!strcmp(mk_json_str(p, "name") ?: "", name) &&
                !strcmp(mk_json_str(p, "protocol") ?: "TCP", proto))
                return (long)mk_json_int(p, "containerPort", 0);
        }
    }
    return 0;
}

/* The ports of one protocol, "80, 8000-8080", into list; true when some
 * entry takes the whole protocol. */
static bool ports_of(json_object *ports, const char *proto, json_object *target, mk_buf *list)
{
    bool whole = false;
    for (size_t i = 0; i < mk_json_array_len(ports); i++) {
        json_object *e = json_object_array_get_idx(ports, i), *port = mk_json_path(e, "port");
        if (strcmp(mk_json_str(e, "protocol") ?: "TCP", proto))
            continue;
        long lo = !port                                      ? 0
                  : json_object_is_type(port, json_type_int) ? (long)json_object_get_int64(port)
                  : target ? named_port(target, json_object_get_string(port), proto)
                           : 0;
        long hi = (long)mk_json_int(e, "endPort", lo);
        if (!port)
            whole = true;
        else if (lo > 0 && hi > lo)
            mk_buf_printf(list, "%s%ld-%ld", list->len ? ", " : "", lo, hi);
        else if (lo > 0)
            mk_buf_printf(list, "%s%ld", list->len ? ", " : "", lo);
    }
    return whole;
}

/* The rule's ports as nft matches, named ports resolved against target
 * (NULL: names match nothing). */
static portmatch port_matches(json_object *ports, json_object *target)
{
    static const char *const protos[][2] = {{"TCP", "tcp"}, {"UDP", "udp"}, {"SCTP", "sctp"}};
    portmatch pm = {.any = mk_json_array_len(ports) == 0};
    for (size_t p = 0; p < 3 && !pm.any; p++) {
        mk_buf list = {0};
        if (ports_of(ports, protos[p][0], target, &list))
            snprintf(pm.text[pm.n++], sizeof pm.text[0], "meta l4proto %s", protos[p][1]);
        else if (list.len)
            snprintf(pm.text[pm.n++], sizeof pm.text[0], "meta l4proto %s th dport { %s }",
                     protos[p][1], list.data);
        mk_buf_free(&list);
    }
    return pm;
}

static bool has_named(json_object *ports)
{
    for (size_t i = 0; i < mk_json_array_len(ports); i++)
        if (json_object_is_type(mk_json_path(json_object_array_get_idx(ports, i), "port"),
                                json_type_string))
            return true;
    return false;
}

/* ---- chains ---- */

static void allow(mk_buf *chain, const char *addr, const portmatch *pm)
{
    const char *sep = *addr ? " " : "";
    if (pm->any)
        mk_buf_printf(chain, "\t\t%s%sreturn\n", addr, sep);
    for (int i = 0; i < pm->n; i++)
        mk_buf_printf(chain, "\t\t%s%s%s return\n", addr, sep, pm->text[i]);
}

static void allow_block(mk_buf *chain, const char *dir, json_object *block, const portmatch *pm)
{
    mk_buf addr = {0};
    mk_buf_printf(&addr, "ip %s %s", dir, mk_json_str(block, "cidr") ?: "0.0.0.0/0");
    json_object *except = mk_json_path(block, "except");
    if (mk_json_array_len(except)) {
        mk_buf_printf(&addr, " ip %s != {", dir);
        for (size_t i = 0; i < mk_json_array_len(except); i++)
            mk_buf_printf(&addr, "%s %s", i ? "," : "",
                          json_object_get_string(json_object_array_get_idx(except, i)));
        mk_buf_puts(&addr, " }");
    }
    allow(chain, addr.data, pm);
    mk_buf_free(&addr);
}

/* One ingress (from) or egress (to) rule of pol for the local pod self. */
static void emit_rule(netpol_builder *b, mk_buf *chain, json_object *pol, json_object *rule,
                      bool ingress, json_object *self)
{
    json_object *peers = mk_json_path(rule, ingress ? "from" : "to");
    json_object *ports = mk_json_path(rule, "ports");
    const char *dir = ingress ? "saddr" : "daddr";
    bool per_peer = !ingress && has_named(ports); /* a name means each peer's own port */
    portmatch pm = port_matches(ports, ingress ? self : NULL);
    if (mk_json_array_len(peers) == 0) {
        allow(chain, "", &pm);
        return;
    }
    size_t npeers = mk_json_array_len(peers);
    peer *pe = xcalloc(npeers, sizeof *pe);
    for (size_t j = 0; j < npeers; j++)
        pe[j] = peer_of(json_object_array_get_idx(peers, j));
    mk_buf ips = {0};
    for (size_t i = 0; i < b->pods.n; i++) {
        json_object *pod = b->pods.v[i];
        bool named = false;
        for (size_t j = 0; j < npeers && !named; j++)
            named = peer_has(b, &pe[j], ns_of(pol), pod);
        if (!named)
            continue;
        const char *ip = mk_json_str(pod, "status.podIP");
        if (per_peer) {
            char addr[64];
            snprintf(addr, sizeof addr, "ip %s %s", dir, ip);
            portmatch own = port_matches(ports, pod);
            allow(chain, addr, &own);
        } else {
            mk_buf_printf(&ips, "%s%s", ips.len ? ", " : "", ip);
        }
    }
    for (size_t j = 0; j < npeers; j++)
        peer_free(&pe[j]);
    free(pe);
    if (ips.len) {
        _cleanup_free_ char *addr = xasprintf("ip %s { %s }", dir, ips.data);
        allow(chain, addr, &pm);
    }
    mk_buf_free(&ips);
    for (size_t j = 0; j < mk_json_array_len(peers); j++) {
        json_object *block = mk_json_path(json_object_array_get_idx(peers, j), "ipBlock");
        if (block)
            allow_block(chain, dir, block, &pm);
    }
}

/* The chain of one local pod and direction, or false when no policy
 * isolates it that way. */
static bool pod_chain(netpol_builder *b, json_object *pod, bool ingress, mk_buf *chain)
{
    bool isolated = false;
    for (size_t i = 0; i < b->pols.n; i++) {
        json_object *pol = b->pols.v[i];
        if (!selects(pol, pod) || !has_type(pol, ingress ? "Ingress" : "Egress"))
            continue;
        isolated = true;
        json_object *rules = mk_json_path(pol, ingress ? "spec.ingress" : "spec.egress");
        for (size_t r = 0; r < mk_json_array_len(rules); r++)
            emit_rule(b, chain, pol, json_object_array_get_idx(rules, r), ingress, pod);
    }
    return isolated;
}

typedef struct rendering {
    mk_buf chains, in_map, out_map;
    size_t n;
} rendering;

static void render_pod(netpol_builder *b, json_object *pod, rendering *r)
{
    static const struct {
        bool ingress;
        const char *prefix;
    } dirs[] = {{true, "in"}, {false, "out"}};
    for (size_t d = 0; d < 2; d++) {
        mk_buf chain = {0};
        if (pod_chain(b, pod, dirs[d].ingress, &chain)) {
            mk_buf *map = dirs[d].ingress ? &r->in_map : &r->out_map;
            mk_buf_printf(&r->chains, "\tchain %s-%zu {\n\t\t# %s/%s\n%s", dirs[d].prefix, r->n,
                          ns_of(pod), mk_json_str(pod, "metadata.name") ?: "",
                          chain.len ? chain.data : "");
            mk_buf_puts(&r->chains, "\t\tmeta l4proto tcp reject with tcp reset\n"
                                    "\t\treject with icmp type admin-prohibited\n\t}\n");
            mk_buf_printf(map, "%s%s : jump %s-%zu", map->len ? ", " : "",
                          mk_json_str(pod, "status.podIP"), dirs[d].prefix, r->n++);
        }
        mk_buf_free(&chain);
    }
}

char *netpol_finish(netpol_builder *b, netpol_stats *stats)
{
    rendering r = {0};
    char *text = NULL;
    if (b->pols.n) {
        for (size_t i = 0; i < b->pods.n; i++)
            if (!strcmp(mk_json_str(b->pods.v[i], "spec.nodeName") ?: "", b->node))
                render_pod(b, b->pods.v[i], &r);
        mk_buf out = {0};
        mk_buf_printf(&out,
                      "%s"
                      "table ip " NETPOL_TABLE " {\n"
                      "\tchain forward {\n"
                      "\t\ttype filter hook forward priority 0; policy accept;\n"
                      "\t\tct state established,related accept\n",
                      netpol_delete_script());
        if (r.out_map.len)
            mk_buf_printf(&out, "\t\tip saddr vmap { %s }\n", r.out_map.data);
        if (r.in_map.len)
            mk_buf_printf(&out, "\t\tip daddr vmap { %s }\n", r.in_map.data);
        mk_buf_printf(&out, "\t}\n%s}\n", r.chains.len ? r.chains.data : "");
        text = mk_buf_steal(&out);
    }
    if (stats)
        *stats = (netpol_stats){.policies = b->pols.n, .isolated = r.n};
    mk_buf_free(&r.chains);
    mk_buf_free(&r.in_map);
    mk_buf_free(&r.out_map);
    objs_free(&b->pods);
    objs_free(&b->nss);
    objs_free(&b->pols);
    free(b->node);
    free(b);
    return text;
}

const char *netpol_delete_script(void)
{
    return "table ip " NETPOL_TABLE " {}\ndelete table ip " NETPOL_TABLE "\n";
}
