/* proxier.c - mk-proxy's sync loop (see proxier.h). */
#include "proxy/proxier.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "proxy/dns.h"
#include "proxy/netpol.h"
#include "proxy/nft.h"
#include "proxy/overlay.h"
#include "proxy/rules.h"
#include "store/codec.h"
#include "store/informer.h"
#include "store/log.h"
#include "store/util.h"

#define PROXIER_RESYNC_MS 10000 /* repair what someone else changed */

struct proxier {
    mk_client *client;
    proxier_config cfg;
    mk_informer *services, *endpoints, *nodes;
    /* Every pod, namespace and NetworkPolicy: the policy table's peers. */
    mk_informer *pods, *namespaces, *policies;
    nft *nft;
    char *applied;        /* the table text in the kernel */
    char *policy_applied; /* the policy table's text; NULL: no table */
    overlay *ov;
    char vtep_mac[18];
    char *local_cidr;   /* the podCIDR set on the VTEP */
    uint64_t nodes_gen; /* the node cache generation last synced */
    dns_server *dns;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool dirty;
};

static void touch(void *ctx)
{
    proxier *p = ctx;
    pthread_mutex_lock(&p->mu);
    p->dirty = true;
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->mu);
}
static void on_add(void *ctx, json_object *o)
{
    touch(ctx);
}
static void on_update(void *ctx, json_object *a, json_object *b)
{
    touch(ctx);
}
static void on_synced(void *ctx)
{
    touch(ctx);
}
/* Pods change all the time; they matter only while a policy exists. */
static void on_pod(void *ctx, json_object *o)
{
    (void)o;
    if (informer_count(((proxier *)ctx)->policies))
        touch(ctx);
}
static void on_pod_update(void *ctx, json_object *a, json_object *b)
{
    (void)a;
    on_pod(ctx, b);
}

proxier *proxier_new(mk_client *c, const proxier_config *cfg)
{
    proxier *p = xcalloc(1, sizeof(*p));
    p->client = c;
    p->cfg = *cfg;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cond, NULL);
    p->nft = nft_new();
    mk_informer_handlers h = {
        .on_add = on_add, .on_update = on_update, .on_delete = on_add, .on_synced = on_synced};
    p->services = informer_new(c, kind_by_kind("Service"), NULL, NULL, NULL, &h, p);
    p->endpoints = informer_new(c, kind_by_kind("Endpoints"), NULL, NULL, NULL, &h, p);
    p->nodes = informer_new(c, kind_by_kind("Node"), NULL, NULL, NULL, &h, p);
    p->namespaces = informer_new(c, kind_by_kind("Namespace"), NULL, NULL, NULL, &h, p);
    p->policies = informer_new(c, kind_by_kind("NetworkPolicy"), NULL, NULL, NULL, &h, p);
    mk_informer_handlers ph = {
        .on_add = on_pod, .on_update = on_pod_update, .on_delete = on_pod};
    p->pods = informer_new(c, kind_by_kind("Pod"), NULL, NULL, NULL, &ph, p);
    return p;
}

/* ---- the table ---- */

typedef struct walk {
    proxier *p;
    rules_builder *b;
} walk;

static int add_service(void *ctx, json_object *svc)
{
    walk *w = ctx;
    json_object *eps = informer_get(w->p->endpoints, mk_json_str(svc, "metadata.namespace"),
                                    mk_json_str(svc, "metadata.name"));
    rules_add(w->b, svc, eps);
    json_object_put(eps);
    return 0;
}

static void sync_rules(proxier *p)
{
    int64_t t0 = mk_now_ns();
    rules_config cfg = {.cluster_cidr = p->cfg.cluster_cidr};
    walk w = {p, rules_begin(&cfg)};
    informer_foreach(p->services, add_service, &w);
    rules_stats st;
    char *text = rules_finish(w.b, &st);
    if (p->applied && strcmp(text, p->applied) == 0) {
        free(text);
        return;
    }
    mk_err err = {0};
    if (nft_apply(p->nft, text, &err) < 0) {
        mk_log("rules: %s (will retry)", err.msg);
        free(text);
        return;
    }
    free(p->applied);
    p->applied = text;
    mk_log("rules: %zu service ports, %zu endpoints applied in %.1f ms", st.services,
           st.endpoints, (double)(mk_now_ns() - t0) / 1e6);
}

/* ---- the policy table ---- */

static int add_pod(void *ctx, json_object *o)
{
    netpol_add_pod(ctx, o);
    return 0;
}
static int add_namespace(void *ctx, json_object *o)
{
    netpol_add_namespace(ctx, o);
    return 0;
}
static int add_policy(void *ctx, json_object *o)
{
    netpol_add_policy(ctx, o);
    return 0;
}

/* Applied only when its text changed, as the services table is; gone
 * while no NetworkPolicy exists, so policy-free clusters filter nothing. */
static void sync_policies(proxier *p)
{
    int64_t t0 = mk_now_ns();
    netpol_builder *b = netpol_begin(p->cfg.node_name);
    if (informer_count(p->policies)) {
        informer_foreach(p->pods, add_pod, b);
        informer_foreach(p->namespaces, add_namespace, b);
        informer_foreach(p->policies, add_policy, b);
    }
    netpol_stats st;
    char *text = netpol_finish(b, &st);
    if (!text && !p->policy_applied)
        return;
    if (text && p->policy_applied && !strcmp(text, p->policy_applied)) {
        free(text);
        return;
    }
    mk_err err = {0};
    if (nft_apply(p->nft, text ? text : netpol_delete_script(), &err) < 0) {
        mk_log("policies: %s (will retry)", err.msg);
        free(text);
        return;
    }
    free(p->policy_applied);
    p->policy_applied = text;
    mk_log("policies: %zu NetworkPolicies, %zu pod chains on this node, applied in %.1f ms",
           st.policies, st.isolated, (double)(mk_now_ns() - t0) / 1e6);
}

/* ---- the overlay ---- */

static const char *internal_ip(json_object *node)
{
    json_object *addrs = mk_json_path(node, "status.addresses");
    for (size_t i = 0; addrs && i < json_object_array_length(addrs); i++) {
        json_object *a = json_object_array_get_idx(addrs, i);
        if (strcmp(mk_json_str(a, "type") ?: "", "InternalIP") == 0)
            return mk_json_str(a, "address");
    }
    return NULL;
}

typedef struct peers {
    proxier *p;
    overlay_peer *v;
    size_t n;
} peers;

static int collect_peer(void *ctx, json_object *node)
{
    peers *ps = ctx;
    const char *name = mk_json_str(node, "metadata.name");
    const char *cidr = mk_json_str(node, "spec.podCIDR"), *ip = internal_ip(node);
    json_object *ann = mk_json_path(node, "metadata.annotations");
    json_object *mac = NULL;
    if (ann)
        json_object_object_get_ex(ann, PROXIER_VTEP_ANNOTATION, &mac);
    if (!name || strcmp(name, ps->p->cfg.node_name) == 0 || !cidr || !*cidr || !ip || !mac)
        return 0;
    ps->v = xrealloc(ps->v, (ps->n + 1) * sizeof(*ps->v));
    ps->v[ps->n++] =
        (overlay_peer){xstrdup(cidr), xstrdup(ip), xstrdup(json_object_get_string(mac))};
    return 0;
}

/* Open the VTEP once the node IP is known; put the podCIDR on it; publish
 * its MAC in the Node. */
static void sync_local(proxier *p, json_object *self)
{
    mk_err err = {0};
    const char *ip = p->cfg.node_ip ? p->cfg.node_ip : internal_ip(self);
    if (!p->ov) {
        if (!ip)
            return;
        overlay_config oc = {
            .node_ip = ip, .iface = p->cfg.iface, .vxlan_port = p->cfg.vxlan_port};
        if (overlay_open(&oc, &p->ov, p->vtep_mac, &err) < 0) {
            mk_log("overlay: %s (will retry)", err.msg);
            return;
        }
        mk_log("overlay: %s up, VTEP MAC %s", OVERLAY_DEV, p->vtep_mac);
    }
    const char *cidr = mk_json_str(self, "spec.podCIDR");
    if (cidr && *cidr && (!p->local_cidr || strcmp(cidr, p->local_cidr) != 0)) {
        if (overlay_set_local(p->ov, cidr, &err) < 0)
            mk_log("overlay: %s", err.msg);
        else {
            free(p->local_cidr);
            p->local_cidr = xstrdup(cidr);
        }
    }
    json_object *ann = mk_json_path(self, "metadata.annotations");
    json_object *v = NULL;
    if (ann)
        json_object_object_get_ex(ann, PROXIER_VTEP_ANNOTATION, &v);
    const char *have = v ? json_object_get_string(v) : NULL;
    if (!have || strcmp(have, p->vtep_mac) != 0) {
        _cleanup_free_ char *patch = xasprintf(
            "{\"metadata\":{\"annotations\":{\"" PROXIER_VTEP_ANNOTATION "\":\"%s\"}}}",
            p->vtep_mac);
        if (client_patch(p->client, kind_by_kind("Node"), NULL, p->cfg.node_name, NULL, patch,
                         NULL, &err) < 0)
            mk_log("overlay: cannot publish the VTEP MAC: %s (will retry)", err.msg);
        else
            mk_log("overlay: node %s: %s=%s", p->cfg.node_name, PROXIER_VTEP_ANNOTATION,
                   p->vtep_mac);
    }
}

static void sync_overlay(proxier *p, bool force)
{
    uint64_t gen = informer_generation(p->nodes);
    if (!force && gen == p->nodes_gen && p->ov)
        return;
    json_object *self = informer_get(p->nodes, NULL, p->cfg.node_name);
    if (self) {
        sync_local(p, self);
        json_object_put(self);
    }
    if (!p->ov)
        return;
    peers ps = {p, NULL, 0};
    informer_foreach(p->nodes, collect_peer, &ps);
    mk_err err = {0};
    if (overlay_sync(p->ov, ps.v, ps.n, &err) < 0)
        mk_log("overlay: %s (will retry)", err.msg);
    else
        p->nodes_gen = gen;
    for (size_t i = 0; i < ps.n; i++) {
        free((char *)ps.v[i].pod_cidr);
        free((char *)ps.v[i].node_ip);
        free((char *)ps.v[i].vtep_mac);
    }
    free(ps.v);
}

/* ---- DNS ---- */

/* A headless Service's ready addresses (those of hostname host only, when
 * host is not NULL) into ips; how many. */
static int ready_addresses(proxier *p, const char *ns, const char *name, const char *host,
                           struct in_addr *ips, size_t max)
{
    json_object *eps = informer_get(p->endpoints, ns, name);
    json_object *subsets = eps ? mk_json_path(eps, "subsets") : NULL;
    int n = 0;
    for (size_t i = 0; subsets && i < json_object_array_length(subsets); i++) {
        json_object *a = mk_json_path(json_object_array_get_idx(subsets, i), "addresses");
        for (size_t j = 0; a && j < json_object_array_length(a) && (size_t)n < max; j++) {
            json_object *addr = json_object_array_get_idx(a, j);
            if (host && strcmp(mk_json_str(addr, "hostname") ?: "", host) != 0)
                continue;
            n += inet_pton(AF_INET, mk_json_str(addr, "ip") ?: "", &ips[n]) == 1;
        }
    }
    json_object_put(eps);
    return n;
}

static int dns_lookup(void *ctx, const char *ns, const char *name, const char *host,
                      struct in_addr *ips, size_t max)
{
    proxier *p = ctx;
    json_object *svc = informer_get(p->services, ns, name);
    if (!svc)
        return -1;
    const char *cip = mk_json_str(svc, "spec.clusterIP");
    bool headless = !cip || strcmp(cip, "None") == 0;
    int n;
    if (host) /* pods have names under headless Services only */
        n = headless ? ready_addresses(p, ns, name, host, ips, max) : 0;
    else if (!headless)
        n = inet_pton(AF_INET, cip, &ips[0]) == 1;
    else
        n = ready_addresses(p, ns, name, NULL, ips, max);
    json_object_put(svc);
    return host && n == 0 ? -1 : n;
}

typedef struct ns_find {
    char ip[INET_ADDRSTRLEN];
    char *buf;
    size_t n;
    bool found;
} ns_find;

static int match_pod(void *ctx, json_object *pod)
{
    ns_find *f = ctx;
    if (strcmp(mk_json_str(pod, "status.podIP") ?: "", f->ip) != 0)
        return 0;
    snprintf(f->buf, f->n, "%s", mk_json_str(pod, "metadata.namespace") ?: "default");
    f->found = true;
    return 1;
}

static bool dns_client_ns(void *ctx, struct in_addr client, char *buf, size_t n)
{
    proxier *p = ctx;
    ns_find f = {.buf = buf, .n = n};
    inet_ntop(AF_INET, &client, f.ip, sizeof f.ip);
    informer_foreach(p->pods, match_pod, &f);
    return f.found;
}

/* ---- the loop ---- */

static void enable_forwarding(void)
{
    FILE *f = fopen("/proc/sys/net/ipv4/ip_forward", "w");
    if (!f || fputs("1", f) < 0 || fclose(f) != 0)
        mk_log("cannot enable IPv4 forwarding: %s", strerror(errno));
}

static void start_services_side(proxier *p)
{
    mk_err err = {0};
    if (overlay_service_route(p->cfg.service_cidr, p->cfg.dns_ip, &err) < 0) {
        mk_log("service route: %s", err.msg);
        return;
    }
    mk_log("service CIDR %s routed to %s; DNS on %s:53", p->cfg.service_cidr, OVERLAY_SVC_DEV,
           p->cfg.dns_ip);
    dns_resolver r = {.lookup = dns_lookup, .client_ns = dns_client_ns, .ctx = p};
    if (dns_start(p->cfg.dns_ip, 53, &r, &p->dns, &err) < 0)
        mk_log("%s (no cluster DNS on this node)", err.msg);
}

static void wait_dirty(proxier *p, int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&p->mu);
    while (!p->dirty && pthread_cond_timedwait(&p->cond, &p->mu, &ts) == 0)
        ;
    pthread_mutex_unlock(&p->mu);
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int proxier_run(proxier *p, volatile bool *stop, mk_err *err)
{
    enable_forwarding();
    start_services_side(p);
    mk_informer *all[] = {p->services, p->endpoints,  p->nodes,
                          p->pods,     p->namespaces, p->policies};
    for (size_t i = 0; i < ARRAY_SIZE(all); i++)
        if (informer_start(all[i], err) < 0)
            return -err->code;
    /* Never apply a table from a half-filled cache: it would drop rules
     * (or, for policies, peers). */
    for (size_t i = 0; i < ARRAY_SIZE(all) && !*stop; i++)
        while (!*stop && !informer_synced(all[i]))
            sleep_ms(20);
    int64_t last_sync = 0, last_full = 0;
    while (!*stop) {
        wait_dirty(p, 1000);
        if (*stop)
            break;
        int64_t now = mk_now_ns();
        int64_t since = (now - last_sync) / 1000000;
        sleep_ms(since < PROXIER_MIN_INTERVAL_MS ? PROXIER_MIN_INTERVAL_MS - since
                                                 : PROXIER_COALESCE_MS);
        pthread_mutex_lock(&p->mu);
        p->dirty = false;
        pthread_mutex_unlock(&p->mu);
        bool full = (mk_now_ns() - last_full) / 1000000 >= PROXIER_RESYNC_MS;
        if (full) {
            /* Someone flushed our table: apply it again. Never re-apply an
             * unchanged table otherwise: that restarts the round robin. */
            if (p->applied && !nft_has_chain(p->nft, RULES_FAMILY, RULES_TABLE, "nat-output")) {
                mk_log("rules: table %s %s is gone: applying it again", RULES_FAMILY,
                       RULES_TABLE);
                free(p->applied);
                p->applied = NULL;
            }
            if (p->policy_applied && !nft_has_chain(p->nft, "ip", NETPOL_TABLE, "forward")) {
                mk_log("policies: table ip %s is gone: applying it again", NETPOL_TABLE);
                free(p->policy_applied);
                p->policy_applied = NULL;
                touch(p);
            }
            last_full = mk_now_ns();
        }
        sync_rules(p);
        sync_policies(p);
        if (!p->cfg.no_overlay)
            sync_overlay(p, full);
        last_sync = mk_now_ns();
    }
    return 0;
}

/* Ours, and only ours. */
static void remove_tables(nft *n)
{
    const char *scripts[] = {rules_delete_script(), netpol_delete_script()};
    const char *names[] = {RULES_TABLE, NETPOL_TABLE};
    for (size_t i = 0; i < ARRAY_SIZE(scripts); i++) {
        mk_err err = {0};
        if (nft_apply(n, scripts[i], &err) < 0)
            mk_log("removing table %s: %s", names[i], err.msg);
        else
            mk_log("table %s %s removed", RULES_FAMILY, names[i]);
    }
}

static void *free_informer(void *inf)
{
    informer_free(inf);
    return NULL;
}

void proxier_free(proxier *p)
{
    if (!p)
        return;
    /* The rules go first: stopping the informers takes a moment. */
    remove_tables(p->nft);
    nft_free(p->nft);
    mk_informer *all[] = {p->services, p->endpoints,  p->nodes,
                          p->pods,     p->namespaces, p->policies};
    dns_stop(p->dns); /* before the informers it reads */
    /* Each informer takes up to a second to stop: stop them side by side. */
    pthread_t th[ARRAY_SIZE(all)];
    bool started[ARRAY_SIZE(all)] = {0};
    for (size_t i = 0; i < ARRAY_SIZE(all); i++)
        started[i] = pthread_create(&th[i], NULL, free_informer, all[i]) == 0;
    for (size_t i = 0; i < ARRAY_SIZE(all); i++) {
        if (started[i])
            pthread_join(th[i], NULL);
        else
            informer_free(all[i]);
    }
    overlay_close(p->ov, false);
    free(p->applied);
    free(p->policy_applied);
    free(p->local_cidr);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cond);
    free(p);
}

void proxier_cleanup(void)
{
    nft *n = nft_new();
    remove_tables(n);
    nft_free(n);
    overlay_remove_all();
}
