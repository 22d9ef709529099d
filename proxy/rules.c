/* rules.c - render the minik8s nftables table (see rules.h). */
#include "proxy/rules.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include <uthash.h>

#include "store/codec.h"
#include "store/util.h"

typedef struct endpoint {
    const char *ip;
    int64_t port;
} endpoint;

typedef struct ep_list {
    endpoint *v;
    size_t n, cap;
} ep_list;

static const char *nft_proto(const char *proto)
{
    if (!proto || strcasecmp(proto, "TCP") == 0)
        return "tcp";
    if (strcasecmp(proto, "UDP") == 0)
        return "udp";
    if (strcasecmp(proto, "SCTP") == 0)
        return "sctp";
    return NULL;
}

/* The ready endpoints of the Service port named pname (NULL/"" for an
 * unnamed port), from every subset that carries it. */
static void collect(json_object *eps, const char *pname, const char *proto, ep_list *out)
{
    json_object *subsets = eps ? mk_json_path(eps, "subsets") : NULL;
    size_t ns = mk_json_array_len(subsets);
    for (size_t i = 0; i < ns; i++) {
        json_object *s = json_object_array_get_idx(subsets, i);
        json_object *ports = mk_json_path(s, "ports"), *addrs = mk_json_path(s, "addresses");
        int64_t port = 0;
        for (size_t j = 0; ports && j < json_object_array_length(ports); j++) {
            json_object *p = json_object_array_get_idx(ports, j);
            const char *n = mk_json_str(p, "name") ?: "";
            const char *pr = nft_proto(mk_json_str(p, "protocol"));
            if (strcmp(n, pname ? pname : "") == 0 && pr && strcmp(pr, proto) == 0)
                port = mk_json_int(p, "port", 0);
        }
        if (port <= 0 || port > 65535)
            continue;
        for (size_t j = 0; addrs && j < json_object_array_length(addrs); j++) {
            const char *ip = mk_json_str(json_object_array_get_idx(addrs, j), "ip");
            if (!ip || !*ip || strspn(ip, "0123456789.") != strlen(ip))
                continue; /* IPv4 only: the table is `ip` */
            if (out->n == out->cap) {
                out->cap = out->cap ? out->cap * 2 : 8;
                out->v = xrealloc(out->v, out->cap * sizeof(*out->v));
            }
            out->v[out->n++] = (endpoint){ip, port};
        }
    }
}

typedef struct ip_seen {
    char *ip;
    UT_hash_handle hh;
} ip_seen;

typedef struct render {
    const rules_config *cfg;
    ip_seen *endpoint_ips; /* each once: the hairpin set's elements */
    mk_buf hairpin;        /* set elements */
    mk_buf chains;         /* one chain per service port */
    mk_buf services;       /* map elements */
    mk_buf reject;         /* map elements */
    rules_stats st;
} render;

/* nat-postrouting also masquerades a pod's connection to an endpoint
 * outside the pod network (the kubernetes Service's API server): that host
 * may have no route back to pods, and its reply must not take its default
 * route.
 *
 * A pod that reaches itself through a ClusterIP comes back from the
 * node with its own address as source: masquerade such connections
 * (saddr . daddr both the endpoint) so the reply returns through the node. */
static void hairpin_add(render *r, const char *ip)
{
    ip_seen *e;
    HASH_FIND_STR(r->endpoint_ips, ip, e);
    if (e)
        return;
    e = xcalloc(1, sizeof(*e));
    e->ip = xstrdup(ip);
    HASH_ADD_KEYPTR(hh, r->endpoint_ips, e->ip, strlen(e->ip), e);
    mk_buf_printf(&r->hairpin, "%s%s . %s", r->hairpin.len ? ", " : "", ip, ip);
}

static void render_port(render *r, json_object *svc, json_object *eps, json_object *port)
{
    const char *ns = mk_json_str(svc, "metadata.namespace") ?: "default";
    const char *name = mk_json_str(svc, "metadata.name") ?: "";
    const char *cip = mk_json_str(svc, "spec.clusterIP");
    const char *pname = mk_json_str(port, "name");
    const char *proto = nft_proto(mk_json_str(port, "protocol"));
    int64_t sport = mk_json_int(port, "port", 0);
    if (!proto || sport <= 0 || sport > 65535)
        return;
    ep_list eplist = {0};
    collect(eps, pname, proto, &eplist);
    /* Names are DNS labels: '/' cannot occur in them, so chain names are
     * unique; a port without a name is "-". */
    _cleanup_free_ char *chain =
        xasprintf("svc/%s/%s/%s/%s", ns, name, pname && *pname ? pname : "-", proto);
    r->st.services++;
    if (eplist.n == 0) {
        mk_buf_printf(&r->reject, "%s\t\t%s . %s . %lld : goto no-endpoint",
                      r->reject.len ? ",\n" : "", cip, proto, (long long)sport);
        free(eplist.v);
        return;
    }
    mk_buf_printf(&r->services, "%s\t\t%s . %s . %lld : goto %s", r->services.len ? ",\n" : "",
                  cip, proto, (long long)sport, chain);
    mk_buf_printf(&r->chains, "\tchain %s {\n\t\tip saddr != %s jump mark-masq\n", chain,
                  r->cfg->cluster_cidr);
    /* One rule, the endpoints in an anonymous map: a chain per endpoint
     * would make a 1,000-endpoint Service a 1,000-chain transaction. */
    if (eplist.n == 1)
        mk_buf_printf(&r->chains, "\t\tmeta l4proto %s dnat to %s:%lld\n", proto,
                      eplist.v[0].ip, (long long)eplist.v[0].port);
    else {
        mk_buf_printf(&r->chains, "\t\tmeta l4proto %s dnat ip to numgen inc mod %zu map {",
                      proto, eplist.n);
        for (size_t i = 0; i < eplist.n; i++)
            mk_buf_printf(&r->chains, "%s %zu : %s . %lld", i ? "," : "", i, eplist.v[i].ip,
                          (long long)eplist.v[i].port);
        mk_buf_puts(&r->chains, " }\n");
    }
    mk_buf_puts(&r->chains, "\t}\n");
    for (size_t i = 0; i < eplist.n; i++) {
        hairpin_add(r, eplist.v[i].ip);
        r->st.endpoints++;
    }
    free(eplist.v);
}

struct rules_builder {
    render r;
};

rules_builder *rules_begin(const rules_config *cfg)
{
    rules_builder *b = xcalloc(1, sizeof(*b));
    b->r.cfg = cfg;
    mk_buf_puts(&b->r.chains, "");
    mk_buf_puts(&b->r.hairpin, "");
    mk_buf_puts(&b->r.services, "");
    mk_buf_puts(&b->r.reject, "");
    return b;
}

void rules_add(rules_builder *b, json_object *svc, json_object *eps)
{
    const char *cip = mk_json_str(svc, "spec.clusterIP");
    if (!cip || !*cip || strcmp(cip, "None") == 0 || strspn(cip, "0123456789.") != strlen(cip))
        return;
    json_object *ports = mk_json_path(svc, "spec.ports");
    for (size_t j = 0; ports && j < json_object_array_length(ports); j++)
        render_port(&b->r, svc, eps, json_object_array_get_idx(ports, j));
}

char *rules_finish(rules_builder *b, rules_stats *stats)
{
    render r = b->r;
    free(b);
    mk_buf out = {0};
    mk_buf_printf(&out, "table %s %s {}\ndelete table %s %s\ntable %s %s {\n", RULES_FAMILY,
                  RULES_TABLE, RULES_FAMILY, RULES_TABLE, RULES_FAMILY, RULES_TABLE);
    mk_buf_puts(&out,
                "\tmap services {\n\t\ttype ipv4_addr . inet_proto . inet_service : verdict\n");
    if (r.services.len)
        mk_buf_printf(&out, "\t\telements = {\n%s\n\t\t}\n", r.services.data);
    mk_buf_puts(&out, "\t}\n\tmap no-endpoints {\n"
                      "\t\ttype ipv4_addr . inet_proto . inet_service : verdict\n");
    if (r.reject.len)
        mk_buf_printf(&out, "\t\telements = {\n%s\n\t\t}\n", r.reject.data);
    mk_buf_puts(&out, "\t}\n\tset hairpin {\n\t\ttype ipv4_addr . ipv4_addr\n");
    if (r.hairpin.len)
        mk_buf_printf(&out, "\t\telements = { %s }\n", r.hairpin.data);
    mk_buf_printf(&out,
                  "\t}\n"
                  "\tchain mark-masq {\n\t\tmeta mark set meta mark | %s\n\t}\n"
                  "\tchain no-endpoint {\n\t\tmeta l4proto tcp reject with tcp reset\n"
                  "\t\treject with icmp type port-unreachable\n\t}\n"
                  "%s"
                  "\tchain nat-prerouting {\n"
                  "\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
                  "\t\tip daddr . meta l4proto . th dport vmap @services\n\t}\n"
                  "\tchain nat-output {\n"
                  "\t\ttype nat hook output priority -100; policy accept;\n"
                  "\t\tip daddr . meta l4proto . th dport vmap @services\n\t}\n"
                  "\tchain nat-postrouting {\n"
                  "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
                  "\t\tip saddr . ip daddr @hairpin masquerade\n"
                  "\t\tip saddr %s ip daddr != %s ct status dnat masquerade\n"
                  "\t\tmeta mark & %s == %s meta mark set meta mark ^ %s masquerade\n\t}\n"
                  "\tchain filter-forward {\n"
                  "\t\ttype filter hook forward priority filter; policy accept;\n"
                  "\t\tip daddr . meta l4proto . th dport vmap @no-endpoints\n\t}\n"
                  "\tchain filter-output {\n"
                  "\t\ttype filter hook output priority filter; policy accept;\n"
                  "\t\tip daddr . meta l4proto . th dport vmap @no-endpoints\n\t}\n"
                  "}\n",
                  RULES_MASQ_MARK, r.chains.data, r.cfg->cluster_cidr, r.cfg->cluster_cidr,
                  RULES_MASQ_MARK, RULES_MASQ_MARK, RULES_MASQ_MARK);
    mk_buf_free(&r.chains);
    mk_buf_free(&r.hairpin);
    ip_seen *e, *tmp;
    HASH_ITER(hh, r.endpoint_ips, e, tmp)
    {
        HASH_DEL(r.endpoint_ips, e);
        free(e->ip);
        free(e);
    }
    mk_buf_free(&r.services);
    mk_buf_free(&r.reject);
    if (stats)
        *stats = r.st;
    return mk_buf_steal(&out);
}

char *rules_render(const rules_config *cfg, json_object *const *svcs, json_object *const *eps,
                   size_t n, rules_stats *stats)
{
    rules_builder *b = rules_begin(cfg);
    for (size_t i = 0; i < n; i++)
        rules_add(b, svcs[i], eps[i]);
    return rules_finish(b, stats);
}

const char *rules_delete_script(void)
{
    return "table " RULES_FAMILY " " RULES_TABLE " {}\ndelete table " RULES_FAMILY
           " " RULES_TABLE "\n";
}
