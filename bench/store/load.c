/* load.c - the load generator of bench/store.
 *
 * The same client code drives mk-apiserver and etcd's v3 JSON gateway, so the
 * two figures compare the stores, not two clients. One CURL handle per
 * thread, kept alive across requests, as any real client does.
 *
 *   load create-k8s URL COUNT THREADS PREFIX    POST 1 KiB pods
 *   load create-etcd URL COUNT THREADS PREFIX   txn put-if-absent of the same bytes
 *   load watch-k8s URL WATCHERS EVENTS PREFIX   create EVENTS pods while WATCHERS watch
 *
 * Prints one line: "<what> N ops in S s: R ops/s, p50 X ms, p99 Y ms".
 */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define POD_BYTES 1024

static const char *base_url, *prefix;
static long total, nthreads;
static double *lat_ms; /* one slot per operation */
static atomic_long failures;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static size_t discard(char *p, size_t sz, size_t n, void *ud)
{
    (void)p, (void)ud;
    return sz * n;
}

/* A pod manifest padded to about POD_BYTES with an annotation. */
static int pod_json(char *buf, size_t n, const char *name)
{
    char pad[POD_BYTES];
    memset(pad, 'x', sizeof pad);
    int head = snprintf(buf, n,
                        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\","
                        "\"namespace\":\"default\",\"labels\":{\"app\":\"bench\"},"
                        "\"annotations\":{\"pad\":\"",
                        name);
    int tail_len = 96;
    int padn = POD_BYTES - head - tail_len;
    if (padn < 0)
        padn = 0;
    return head + snprintf(buf + head, n - (size_t)head,
                           "%.*s\"}},\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":"
                           "\"busybox\",\"command\":[\"sleep\",\"3600\"]}]}}",
                           padn, pad);
}

static char *b64(const char *s, size_t len)
{
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)len);
    return out;
}

/* One create; returns 0 on a 2xx answer (and, for etcd, a succeeded txn). */
static int do_create(CURL *h, int etcd, const char *name, struct curl_slist *hdr)
{
    char body[4 * POD_BYTES], url[512];
    int blen = pod_json(body, sizeof body, name);
    char *req = NULL;
    if (etcd) {
        char key[256];
        int klen = snprintf(key, sizeof key, "/registry/pods/default/%s", name);
        char *k = b64(key, (size_t)klen), *v = b64(body, (size_t)blen);
        if (asprintf(&req,
                     "{\"compare\":[{\"key\":\"%s\",\"target\":\"CREATE\",\"create_revision\":"
                     "\"0\"}],"
                     "\"success\":[{\"request_put\":{\"key\":\"%s\",\"value\":\"%s\"}}]}",
                     k, k, v) < 0)
            abort();
        free(k), free(v);
        snprintf(url, sizeof url, "%s/v3/kv/txn", base_url);
    } else {
        snprintf(url, sizeof url, "%s/api/v1/namespaces/default/pods", base_url);
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, req ? req : body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(req ? req : body));
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    CURLcode rc = curl_easy_perform(h);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    free(req);
    return rc == CURLE_OK && code >= 200 && code < 300 ? 0 : -1;
}

struct worker {
    long first, count;
    int etcd;
};

static void *create_worker(void *arg)
{
    struct worker *w = arg;
    CURL *h = curl_easy_init();
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    for (long i = w->first; i < w->first + w->count; i++) {
        char name[128];
        snprintf(name, sizeof name, "%s-%ld", prefix, i);
        double t0 = now_ms();
        if (do_create(h, w->etcd, name, hdr) < 0)
            failures++;
        lat_ms[i] = now_ms() - t0;
    }
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, long n, double p)
{
    long i = (long)(p * (double)(n - 1) + 0.5);
    return n ? v[i] : 0;
}

static int run_creates(int etcd)
{
    lat_ms = calloc((size_t)total, sizeof *lat_ms);
    pthread_t th[256];
    struct worker w[256];
    double t0 = now_ms();
    for (long t = 0; t < nthreads; t++) {
        long share = total / nthreads, first = t * share;
        w[t] = (struct worker){first, t == nthreads - 1 ? total - first : share, etcd};
        pthread_create(&th[t], NULL, create_worker, &w[t]);
    }
    for (long t = 0; t < nthreads; t++)
        pthread_join(th[t], NULL);
    double secs = (now_ms() - t0) / 1e3;
    qsort(lat_ms, (size_t)total, sizeof *lat_ms, cmp_double);
    printf("%s creates: %ld in %.2f s: %.0f/s, p50 %.2f ms, p99 %.2f ms, %ld failed\n",
           etcd ? "etcd" : "mk-apiserver", total, secs, total / secs, pct(lat_ms, total, 0.5),
           pct(lat_ms, total, 0.99), (long)failures);
    return failures ? 1 : 0;
}

/* ---- watch delivery ---- */

static long nwatchers, nevents;
static double *sent_ms; /* per event: when its create was acknowledged */
static double *recv_ms; /* per watcher x event */
static atomic_long watchers_ready;

struct watcher {
    long id;
    char line[1 << 16];
    size_t len;
};

static void watch_line(struct watcher *w, const char *line)
{
    char key[160];
    snprintf(key, sizeof key, "\"name\":\"%s-w-", prefix);
    const char *p = strstr(line, key);
    if (!p || strncmp(line, "{\"type\":\"ADDED\"", 15) != 0)
        return;
    long i = strtol(p + strlen(key), NULL, 10);
    if (i >= 0 && i < nevents)
        recv_ms[w->id * nevents + i] = now_ms();
}

static size_t watch_data(char *p, size_t sz, size_t n, void *ud)
{
    struct watcher *w = ud;
    for (size_t k = 0; k < sz * n; k++) {
        if (p[k] == '\n') {
            w->line[w->len] = '\0';
            watch_line(w, w->line);
            w->len = 0;
        } else if (w->len < sizeof w->line - 1) {
            w->line[w->len++] = p[k];
        }
    }
    return sz * n;
}

static int watch_progress(void *ud, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    (void)a, (void)b, (void)c, (void)d;
    struct watcher *w = ud;
    /* Done once this watcher has seen the last event. */
    return recv_ms[w->id * nevents + nevents - 1] > 0;
}

static void *watch_worker(void *arg)
{
    struct watcher *w = arg;
    char url[512];
    snprintf(url, sizeof url,
             "%s/api/v1/namespaces/default/"
             "pods?watch=true&resourceVersion=%s&labelSelector=app%%3Dbench",
             base_url, getenv("BENCH_RV") ? getenv("BENCH_RV") : "0");
    CURL *h = curl_easy_init();
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, watch_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, w);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, watch_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, w);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
    watchers_ready++;
    curl_easy_perform(h);
    curl_easy_cleanup(h);
    return NULL;
}

static int run_watch(void)
{
    recv_ms = calloc((size_t)(nwatchers * nevents), sizeof *recv_ms);
    sent_ms = calloc((size_t)nevents, sizeof *sent_ms);
    pthread_t *th = calloc((size_t)nwatchers, sizeof *th);
    struct watcher *ws = calloc((size_t)nwatchers, sizeof *ws);
    for (long i = 0; i < nwatchers; i++) {
        ws[i].id = i;
        pthread_create(&th[i], NULL, watch_worker, &ws[i]);
    }
    while (watchers_ready < nwatchers)
        usleep(1000);
    usleep(500 * 1000); /* let every watch reach the server */
    CURL *h = curl_easy_init();
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    for (long i = 0; i < nevents; i++) {
        char name[128];
        snprintf(name, sizeof name, "%s-w-%ld", prefix, i);
        if (do_create(h, 0, name, hdr) < 0)
            failures++;
        sent_ms[i] = now_ms();
        usleep(2000);
    }
    for (long i = 0; i < nwatchers; i++)
        pthread_join(th[i], NULL);
    long n = 0, missing = 0;
    double *d = calloc((size_t)(nwatchers * nevents), sizeof *d);
    for (long w = 0; w < nwatchers; w++)
        for (long i = 0; i < nevents; i++) {
            double r = recv_ms[w * nevents + i];
            if (r <= 0) {
                missing++;
                continue;
            }
            d[n++] = r > sent_ms[i] ? r - sent_ms[i] : 0;
        }
    qsort(d, (size_t)n, sizeof *d, cmp_double);
    printf("watch delivery: %ld watchers x %ld events: p50 %.2f ms, p99 %.2f ms after the "
           "write's ack, %ld missing\n",
           nwatchers, nevents, pct(d, n, 0.5), pct(d, n, 0.99), missing);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    return missing || failures ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: %s create-k8s|create-etcd|watch-k8s URL COUNT THREADS PREFIX\n",
                argv[0]);
        return 2;
    }
    curl_global_init(CURL_GLOBAL_ALL);
    base_url = argv[2];
    prefix = argv[5];
    total = atol(argv[3]);
    nthreads = atol(argv[4]);
    if (nthreads < 1 || total < 1)
        return 2;
    if (strcmp(argv[1], "watch-k8s") != 0 && nthreads > 256)
        return 2;
    if (strcmp(argv[1], "create-k8s") == 0)
        return run_creates(0);
    if (strcmp(argv[1], "create-etcd") == 0)
        return run_creates(1);
    if (strcmp(argv[1], "watch-k8s") == 0) {
        nwatchers = total;
        nevents = nthreads;
        return run_watch();
    }
    return 2;
}
