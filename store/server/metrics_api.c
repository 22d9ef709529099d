/* metrics_api.c - metrics.k8s.io/v1beta1 from the kubelets (metrics_api.h). */
#include "store/server/metrics_api.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <uthash.h>

#include "store/codec.h"
#include "store/quantity.h"
#include "store/selector.h"
#include "store/server/auth.h"
#include "store/server/proxy.h"
#include "store/server/route.h"

#define METRICS_GROUP      "metrics.k8s.io"
#define METRICS_GV         "metrics.k8s.io/v1beta1"
#define METRICS_TIMEOUT_MS 3000
#define METRICS_WINDOW     "15s" /* what metrics-server reports; ours is the kubelet's */

/* ---- discovery ---- */

json_object *metrics_api_group(void)
{
    json_object *g = json_object_new_object();
    json_object_object_add(g, "name", json_object_new_string(METRICS_GROUP));
    json_object *gv = json_object_new_object();
    json_object_object_add(gv, "groupVersion", json_object_new_string(METRICS_GV));
    json_object_object_add(gv, "version", json_object_new_string("v1beta1"));
    json_object *versions = json_object_new_array();
    json_object_array_add(versions, json_object_get(gv));
    json_object_object_add(g, "versions", versions);
    json_object_object_add(g, "preferredVersion", gv);
    return g;
}

static json_object *resource(const char *name, const char *kind, bool namespaced)
{
    json_object *r = json_object_new_object();
    json_object_object_add(r, "name", json_object_new_string(name));
    json_object_object_add(r, "singularName", json_object_new_string(""));
    json_object_object_add(r, "namespaced", json_object_new_boolean(namespaced));
    json_object_object_add(r, "kind", json_object_new_string(kind));
    json_object *verbs = json_object_new_array();
    json_object_array_add(verbs, json_object_new_string("get"));
    json_object_array_add(verbs, json_object_new_string("list"));
    json_object_object_add(r, "verbs", verbs);
    return r;
}

static json_object *resource_list(void)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "kind", json_object_new_string("APIResourceList"));
    json_object_object_add(o, "apiVersion", json_object_new_string("v1"));
    json_object_object_add(o, "groupVersion", json_object_new_string(METRICS_GV));
    json_object *list = json_object_new_array();
    json_object_array_add(list, resource("nodes", "NodeMetrics", false));
    json_object_array_add(list, resource("pods", "PodMetrics", true));
    json_object_object_add(o, "resources", list);
    return o;
}

/* ---- the objects the request is about ---- */

typedef struct node_set {
    char *name;
    UT_hash_handle hh;
} node_set;

typedef struct want {
    const char *ns;   /* NULL: every namespace */
    const char *name; /* NULL: all */
    mk_selector *sel;
    node_set *nodes;     /* nodes to ask */
    json_object *labels; /* "ns/name" -> labels, of the pods (or nodes) asked about */
} want;

static void want_node(want *w, const char *node)
{
    node_set *n;
    HASH_FIND_STR(w->nodes, node, n);
    if (!n) {
        n = xcalloc(1, sizeof(*n));
        n->name = xstrdup(node);
        HASH_ADD_KEYPTR(hh, w->nodes, n->name, strlen(n->name), n);
    }
}

static int pick_pod(void *ctx, const mk_kv *kv)
{
    want *w = ctx;
    json_object *pod = json_tokener_parse(kv->value);
    const char *name = mk_json_str(pod, "metadata.name") ?: "";
    const char *node = mk_json_str(pod, "spec.nodeName");
    json_object *labels = mk_json_path(pod, "metadata.labels");
    if (node && *node && (!w->name || !strcmp(w->name, name)) &&
        selector_match_labels(w->sel, labels)) {
        want_node(w, node);
        _cleanup_free_ char *key =
            xasprintf("%s/%s", mk_json_str(pod, "metadata.namespace") ?: "", name);
        json_object_object_add(w->labels, key, labels ? json_object_get(labels) : NULL);
    }
    json_object_put(pod);
    return 0;
}

static int pick_node(void *ctx, const mk_kv *kv)
{
    want *w = ctx;
    json_object *node = json_tokener_parse(kv->value);
    const char *name = mk_json_str(node, "metadata.name") ?: "";
    json_object *labels = mk_json_path(node, "metadata.labels");
    if ((!w->name || !strcmp(w->name, name)) && selector_match_labels(w->sel, labels)) {
        want_node(w, name);
        json_object_object_add(w->labels, name, labels ? json_object_get(labels) : NULL);
    }
    json_object_put(node);
    return 0;
}

/* ---- asking the kubelets, in parallel ---- */

typedef struct fetch {
    char node[254];
    CURL *easy;
    mk_buf body;
    struct curl_slist *hdrs;
} fetch;

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    mk_buf_append(ud, p, size * n);
    return size * n;
}

/* The summaries of the wanted nodes: node name -> summary object. */
static json_object *fetch_summaries(api_server *srv, node_set *nodes)
{
    json_object *out = json_object_new_object();
    size_t n = HASH_COUNT(nodes), i = 0;
    if (n == 0)
        return out;
    fetch *f = xcalloc(n, sizeof(*f));
    CURLM *multi = curl_multi_init();
    const char *token = srv->auth ? auth_proxy_token(srv->auth) : NULL;
    for (node_set *ns = nodes; ns; ns = ns->hh.next) {
        char host[64];
        int port;
        if (proxy_kubelet_address(srv, ns->name, host, sizeof host, &port, NULL) < 0)
            continue;
        fetch *x = &f[i++];
        snprintf(x->node, sizeof x->node, "%s", ns->name);
        x->easy = curl_easy_init();
        _cleanup_free_ char *url = xasprintf("http://%s:%d/stats/summary", host, port);
        curl_easy_setopt(x->easy, CURLOPT_URL, url);
        curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, &x->body);
        curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, (long)METRICS_TIMEOUT_MS);
        curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
        if (token) {
            _cleanup_free_ char *h = xasprintf("Authorization: Bearer %s", token);
            x->hdrs = curl_slist_append(NULL, h);
            curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->hdrs);
        }
        curl_multi_add_handle(multi, x->easy);
    }
    int running = 1;
    while (running) {
        curl_multi_perform(multi, &running);
        if (running)
            curl_multi_poll(multi, NULL, 0, 200, NULL);
    }
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(multi, &left))) {
        fetch *x;
        long code = 0;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
        if (msg->msg == CURLMSG_DONE && msg->data.result == CURLE_OK && code == 200 &&
            x->body.data) {
            json_object *s = json_tokener_parse(x->body.data);
            if (s)
                json_object_object_add(out, x->node, s);
        }
    }
    for (size_t j = 0; j < i; j++) {
        curl_multi_remove_handle(multi, f[j].easy);
        curl_easy_cleanup(f[j].easy);
        curl_slist_free_all(f[j].hdrs);
        mk_buf_free(&f[j].body);
    }
    curl_multi_cleanup(multi);
    free(f);
    return out;
}

/* ---- the objects ---- */

static json_object *usage_of(int64_t nano_cores, int64_t ws_bytes)
{
    json_object *u = json_object_new_object();
    char buf[48];
    snprintf(buf, sizeof buf, "%lldn", (long long)nano_cores);
    json_object_object_add(u, "cpu", json_object_new_string(buf));
    quantity_format_bytes(ws_bytes, buf, sizeof buf);
    json_object_object_add(u, "memory", json_object_new_string(buf));
    return u;
}

static json_object *metrics_object(const char *kind, const char *ns, const char *name,
                                   json_object *labels, const char *ts)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "kind", json_object_new_string(kind));
    json_object_object_add(o, "apiVersion", json_object_new_string(METRICS_GV));
    json_object *md = json_object_new_object();
    json_object_object_add(md, "name", json_object_new_string(name));
    if (ns)
        json_object_object_add(md, "namespace", json_object_new_string(ns));
    json_object_object_add(md, "creationTimestamp", json_object_new_string(ts));
    if (labels)
        json_object_object_add(md, "labels", json_object_get(labels));
    json_object_object_add(o, "metadata", md);
    json_object_object_add(o, "timestamp", json_object_new_string(ts));
    json_object_object_add(o, "window", json_object_new_string(METRICS_WINDOW));
    return o;
}

static void pod_items(want *w, json_object *summaries, json_object *items, const char *ts)
{
    json_object_object_foreach(summaries, node, summary)
    {
        (void)node;
        json_object *pods = mk_json_path(summary, "pods");
        for (size_t i = 0; pods && i < json_object_array_length(pods); i++) {
            json_object *p = json_object_array_get_idx(pods, i);
            const char *pns = mk_json_str(p, "podRef.namespace") ?: "";
            const char *pname = mk_json_str(p, "podRef.name") ?: "";
            _cleanup_free_ char *key = xasprintf("%s/%s", pns, pname);
            json_object *labels;
            if ((w->ns && strcmp(w->ns, pns) != 0) ||
                !json_object_object_get_ex(w->labels, key, &labels) ||
                mk_json_int(p, "cpu.usageNanoCores", -1) < 0)
                continue;
            json_object *o = metrics_object("PodMetrics", pns, pname, labels, ts);
            json_object *ctrs = json_object_new_array();
            json_object *cs = mk_json_path(p, "containers");
            for (size_t j = 0; cs && j < json_object_array_length(cs); j++) {
                json_object *c = json_object_array_get_idx(cs, j);
                json_object *co = json_object_new_object();
                json_object_object_add(co, "name",
                                       json_object_new_string(mk_json_str(c, "name") ?: ""));
                json_object_object_add(co, "usage",
                                       usage_of(mk_json_int(c, "cpu.usageNanoCores", 0),
                                                mk_json_int(c, "memory.workingSetBytes", 0)));
                json_object_array_add(ctrs, co);
            }
            json_object_object_add(o, "containers", ctrs);
            json_object_array_add(items, o);
        }
    }
}

static void node_items(want *w, json_object *summaries, json_object *items, const char *ts)
{
    json_object_object_foreach(summaries, node, summary)
    {
        /* The node's own use (the whole machine, as metrics-server reports
         * it); the sum of its pods' from a kubelet that gives none. */
        int64_t cpu = mk_json_int(summary, "node.cpu.usageNanoCores", -1);
        int64_t mem = mk_json_int(summary, "node.memory.workingSetBytes", -1);
        json_object *pods = cpu < 0 || mem < 0 ? mk_json_path(summary, "pods") : NULL;
        if (pods)
            cpu = mem = 0;
        for (size_t i = 0; pods && i < json_object_array_length(pods); i++) {
            json_object *p = json_object_array_get_idx(pods, i);
            int64_t c = mk_json_int(p, "cpu.usageNanoCores", 0);
            cpu += c > 0 ? c : 0;
            mem += mk_json_int(p, "memory.workingSetBytes", 0);
        }
        json_object *labels = NULL;
        json_object_object_get_ex(w->labels, node, &labels);
        json_object *o = metrics_object("NodeMetrics", NULL, node, labels, ts);
        json_object_object_add(o, "usage", usage_of(cpu, mem));
        json_object_array_add(items, o);
    }
}

/* ---- the request ---- */

static enum MHD_Result serve_metrics(api_req *r, bool nodes, const char *ns, const char *name)
{
    mk_err err = {0};
    want w = {.ns = ns, .name = name, .labels = json_object_new_object()};
    if (selector_parse_labels(api_query(r, "labelSelector"), &w.sel, &err) < 0) {
        json_object_put(w.labels);
        return api_reply_err(r, &err, NULL, NULL);
    }
    const mk_kind *k = kind_by_kind(nodes ? "Node" : "Pod");
    _cleanup_free_ char *prefix = kind_prefix(k, nodes ? NULL : ns);
    int64_t rev;
    int rc = backend_list(r->srv->be, prefix, nodes ? pick_node : pick_pod, &w, &rev, &err);
    enum MHD_Result ret;
    if (rc < 0) {
        ret = api_reply_err(r, &err, NULL, NULL);
        goto out;
    }
    json_object *summaries = fetch_summaries(r->srv, w.nodes);
    char ts[32];
    mk_rfc3339(ts, sizeof ts, mk_wall_ms() / 1000);
    json_object *items = json_object_new_array();
    if (nodes)
        node_items(&w, summaries, items, ts);
    else
        pod_items(&w, summaries, items, ts);
    json_object_put(summaries);
    if (name) {
        if (json_object_array_length(items) == 0)
            ret = api_fail(r, ENOENT, "%s.metrics.k8s.io \"%s\" not found",
                           nodes ? "nodemetrics" : "podmetrics", name);
        else
            ret = api_reply_json(r, 200, json_object_array_get_idx(items, 0));
        json_object_put(items);
        goto out;
    }
    json_object *list = json_object_new_object();
    json_object_object_add(
        list, "kind", json_object_new_string(nodes ? "NodeMetricsList" : "PodMetricsList"));
    json_object_object_add(list, "apiVersion", json_object_new_string(METRICS_GV));
    json_object_object_add(list, "metadata", json_object_new_object());
    json_object_object_add(list, "items", items);
    ret = api_reply_json(r, 200, list);
    json_object_put(list);
out:
    selector_free(w.sel);
    json_object_put(w.labels);
    node_set *n, *tmp;
    HASH_ITER(hh, w.nodes, n, tmp)
    {
        HASH_DEL(w.nodes, n);
        free(n->name);
        free(n);
    }
    return ret;
}

bool metrics_api_serve(api_req *r, enum MHD_Result *ret)
{
    const char *url = r->url;
    size_t glen = strlen("/apis/" METRICS_GROUP);
    if (strncmp(url, "/apis/" METRICS_GROUP, glen) != 0 ||
        (url[glen] != '\0' && url[glen] != '/'))
        return false;
    _cleanup_free_ char *buf = xstrdup(url);
    char *seg[8];
    int n = route_split(buf, seg, 8);
    if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
        *ret = api_fail(r, EOPNOTSUPP, "metrics are read-only");
        return true;
    }
    if (n == 2) {
        json_object *g = metrics_api_group();
        json_object_object_add(g, "kind", json_object_new_string("APIGroup"));
        json_object_object_add(g, "apiVersion", json_object_new_string("v1"));
        *ret = api_reply_json(r, 200, g);
        json_object_put(g);
        return true;
    }
    if (n < 3 || strcmp(seg[2], "v1beta1") != 0) {
        *ret = api_fail(r, ENOENT, "the server could not find the requested resource");
        return true;
    }
    if (n == 3) {
        json_object *l = resource_list();
        *ret = api_reply_json(r, 200, l);
        json_object_put(l);
        return true;
    }
    /* nodes[/name], pods[/name], namespaces/{ns}/pods[/name] */
    const char *ns = NULL;
    int at = 3;
    if (!strcmp(seg[3], "namespaces") && n >= 6) {
        ns = seg[4];
        at = 5;
    }
    bool nodes = !strcmp(seg[at], "nodes") && !ns;
    bool pods = !strcmp(seg[at], "pods");
    if ((!nodes && !pods) || n > at + 2) {
        *ret = api_fail(r, ENOENT, "the server could not find the requested resource");
        return true;
    }
    const char *name = n == at + 2 ? seg[at + 1] : NULL;
    if ((ns && !mk_is_dns1123_label(ns)) || (name && !mk_is_dns1123_subdomain(name))) {
        *ret = api_fail(r, EBADMSG, "invalid name");
        return true;
    }
    /* Authorized as Kubernetes' aggregated metrics API is: its own group. */
    mk_kind res = {.kind = nodes ? "NodeMetrics" : "PodMetrics",
                   .group = METRICS_GROUP,
                   .resource = nodes ? "nodes" : "pods"};
    auth_attrs a = {.verb = name ? "get" : "list",
                    .kind = &res,
                    .sub = "",
                    .ns = ns ? ns : "",
                    .name = name ? name : ""};
    mk_err err = {0};
    if (auth_authorize(r->srv, r->role, r->user, &a, &err) < 0) {
        *ret = api_reply_err(r, &err, NULL, NULL);
        return true;
    }
    *ret = serve_metrics(r, nodes, ns, name);
    return true;
}
