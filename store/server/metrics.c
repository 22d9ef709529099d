/* metrics.c - counters under one mutex; a reply costs a few adds. */
#include "store/server/metrics.h"

#include <pthread.h>
#include <string.h>

#include "store/server/watch.h"

static const char *const metric_verbs[] = {
    "get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "other"};
#define NVERBS ARRAY_SIZE(metric_verbs)
static const double buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                 0.1,    0.25,  0.5,    1,     2.5,  5,     10};
#define NBUCKETS  ARRAY_SIZE(buckets)
#define MAX_CODES 32

struct metrics {
    pthread_mutex_t lock;
    struct {
        unsigned code;
        uint64_t count;
    } codes[NVERBS][MAX_CODES];
    uint64_t hist[NVERBS][NBUCKETS + 1]; /* last: +Inf */
    double sum[NVERBS];
};

metrics *metrics_new(void)
{
    metrics *m = xcalloc(1, sizeof *m);
    pthread_mutex_init(&m->lock, NULL);
    return m;
}

void metrics_free(metrics *m)
{
    if (!m)
        return;
    pthread_mutex_destroy(&m->lock);
    free(m);
}

static size_t verb_index(const char *verb)
{
    for (size_t i = 0; i < NVERBS - 1; i++)
        if (strcmp(verb, metric_verbs[i]) == 0)
            return i;
    return NVERBS - 1;
}

void metrics_observe(metrics *m, const char *verb, unsigned code, int64_t ns)
{
    size_t v = verb_index(verb);
    double s = (double)ns / 1e9;
    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; i < MAX_CODES; i++) {
        if (m->codes[v][i].code == code || m->codes[v][i].code == 0) {
            m->codes[v][i].code = code;
            m->codes[v][i].count++;
            break;
        }
    }
    size_t b = 0;
    while (b < NBUCKETS && s > buckets[b])
        b++;
    m->hist[v][b]++;
    m->sum[v] += s;
    pthread_mutex_unlock(&m->lock);
}

static void metrics_render(metrics *m, api_server *srv, mk_buf *out)
{
    mk_buf_puts(out, "# HELP mk_apiserver_requests_total Requests answered, by verb and code.\n"
                     "# TYPE mk_apiserver_requests_total counter\n");
    pthread_mutex_lock(&m->lock);
    for (size_t v = 0; v < NVERBS; v++)
        for (size_t i = 0; i < MAX_CODES && m->codes[v][i].code; i++)
            mk_buf_printf(out, "mk_apiserver_requests_total{verb=\"%s\",code=\"%u\"} %llu\n",
                          metric_verbs[v], m->codes[v][i].code,
                          (unsigned long long)m->codes[v][i].count);
    mk_buf_puts(out, "# HELP mk_apiserver_request_duration_seconds Time to the reply's "
                     "headers, by verb.\n"
                     "# TYPE mk_apiserver_request_duration_seconds histogram\n");
    for (size_t v = 0; v < NVERBS; v++) {
        uint64_t cum = 0;
        for (size_t b = 0; b <= NBUCKETS; b++) {
            cum += m->hist[v][b];
            if (b < NBUCKETS)
                mk_buf_printf(out,
                              "mk_apiserver_request_duration_seconds_bucket{verb=\"%s\","
                              "le=\"%g\"} %llu\n",
                              metric_verbs[v], buckets[b], (unsigned long long)cum);
            else
                mk_buf_printf(out,
                              "mk_apiserver_request_duration_seconds_bucket{verb=\"%s\","
                              "le=\"+Inf\"} %llu\n",
                              metric_verbs[v], (unsigned long long)cum);
        }
        mk_buf_printf(out, "mk_apiserver_request_duration_seconds_sum{verb=\"%s\"} %.6f\n",
                      metric_verbs[v], m->sum[v]);
        mk_buf_printf(out, "mk_apiserver_request_duration_seconds_count{verb=\"%s\"} %llu\n",
                      metric_verbs[v], (unsigned long long)cum);
    }
    pthread_mutex_unlock(&m->lock);
    size_t ring_events, ring_bytes = hub_bytes(srv->hub, &ring_events);
    mk_buf_printf(out,
                  "# HELP mk_apiserver_watch_cache_events Events held for watchers.\n"
                  "# TYPE mk_apiserver_watch_cache_events gauge\n"
                  "mk_apiserver_watch_cache_events %zu\n"
                  "# HELP mk_apiserver_watch_cache_bytes Bytes held for watchers (estimate).\n"
                  "# TYPE mk_apiserver_watch_cache_bytes gauge\n"
                  "mk_apiserver_watch_cache_bytes %zu\n",
                  ring_events, ring_bytes);
    mk_buf_printf(out,
                  "# HELP mk_apiserver_watchers Open watch streams.\n"
                  "# TYPE mk_apiserver_watchers gauge\n"
                  "mk_apiserver_watchers %d\n"
                  "# HELP mk_apiserver_storage_size_bytes Size of the store on disk.\n"
                  "# TYPE mk_apiserver_storage_size_bytes gauge\n"
                  "mk_apiserver_storage_size_bytes %lld\n"
                  "# HELP mk_apiserver_resource_version The store's newest revision.\n"
                  "# TYPE mk_apiserver_resource_version gauge\n"
                  "mk_apiserver_resource_version %lld\n"
                  "# HELP mk_apiserver_compacted_revision History before this is gone.\n"
                  "# TYPE mk_apiserver_compacted_revision gauge\n"
                  "mk_apiserver_compacted_revision %lld\n",
                  hub_watchers(srv->hub), (long long)srv->be->ops->size_bytes(srv->be),
                  (long long)srv->be->ops->current_rev(srv->be),
                  (long long)srv->be->ops->compacted_rev(srv->be));
}

enum MHD_Result metrics_serve(api_req *r)
{
    mk_buf out = {0};
    metrics_render(r->srv->metrics, r->srv, &out);
    enum MHD_Result ret =
        api_reply_text(r, 200, "text/plain; version=0.0.4; charset=utf-8", out.data, out.len);
    mk_buf_free(&out);
    return ret;
}
