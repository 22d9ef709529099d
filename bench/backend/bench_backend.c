/* bench_backend.c - the SQLite backend alone, without HTTP.
 *
 *   bench_backend DIR [writers [creates [value_bytes [fill]]]]
 *
 * 1. creates: `writers` threads create `creates` objects in all; prints
 *    writes/s, p50/p99/max latency and writes per commit (group commit).
 * 2. fill: the store grows to `fill` objects; a full list is timed and the
 *    process's peak RSS printed (the page caches are bounded).
 * 3. compaction under load: the history of every object is compacted while
 *    the writers keep updating; prints the worst write latency meanwhile.
 * Figures only; nothing is asserted.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/backend/backend.h"
#include "store/backend/sqlite_internal.h"
#include "store/util.h"

typedef struct job {
    mk_backend *be;
    int id, from, to;
    size_t value_bytes;
    mk_write_op op;
    int64_t *lat;
    int failures;
} job;

static json_object *make_pod(const char *name, size_t bytes)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "apiVersion", json_object_new_string("v1"));
    json_object_object_add(o, "kind", json_object_new_string("Pod"));
    json_object *meta = json_object_new_object();
    json_object_object_add(meta, "name", json_object_new_string(name));
    json_object_object_add(meta, "namespace", json_object_new_string("default"));
    json_object_object_add(o, "metadata", meta);
    char *fill = xmalloc(bytes + 1);
    memset(fill, 'x', bytes);
    fill[bytes] = '\0';
    json_object_object_add(o, "spec", json_object_new_string(fill));
    free(fill);
    return o;
}

static void *run_job(void *p)
{
    job *j = p;
    for (int i = j->from; i < j->to; i++) {
        char key[96];
        snprintf(key, sizeof key, "/registry/pods/default/pod-%d", i);
        json_object *o = make_pod(key + 23, j->value_bytes);
        mk_write w = {.op = j->op, .key = key, .obj = o};
        mk_err err;
        int64_t t0 = mk_now_ns(), rev;
        if (backend_write(j->be, &w, &rev, &err) < 0 && j->failures++ == 0)
            fprintf(stderr, "write %s: %s\n", key, err.msg);
        if (j->lat)
            j->lat[i - j->from] = mk_now_ns() - t0;
        json_object_put(o);
    }
    return NULL;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Objects [from, to) by `writers` threads; returns seconds, fills lat. */
static double run(mk_backend *be, mk_write_op op, int writers, int from, int to, size_t bytes,
                  int64_t *lat)
{
    pthread_t th[256];
    job jobs[256];
    int per = (to - from + writers - 1) / writers;
    int64_t t0 = mk_now_ns();
    for (int i = 0; i < writers; i++) {
        int a = from + i * per, b = a + per < to ? a + per : to;
        jobs[i] = (job){.be = be,
                        .id = i,
                        .from = a,
                        .to = b,
                        .value_bytes = bytes,
                        .op = op,
                        .lat = lat ? lat + (a - from) : NULL};
        pthread_create(&th[i], NULL, run_job, &jobs[i]);
    }
    for (int i = 0; i < writers; i++)
        pthread_join(th[i], NULL);
    return (mk_now_ns() - t0) / 1e9;
}

typedef struct reader_job {
    mk_backend *be;
    int keys, gets, misses;
    unsigned seed;
} reader_job;

static void *run_gets(void *p)
{
    reader_job *j = p;
    for (int i = 0; i < j->gets; i++) {
        char key[96], *v;
        snprintf(key, sizeof key, "/registry/pods/default/pod-%d", rand_r(&j->seed) % j->keys);
        int64_t rev;
        if (backend_get(j->be, key, &v, NULL, &rev, NULL) == 0)
            free(v);
        else
            j->misses++;
    }
    return NULL;
}

/* gets/s of `readers` threads over keys [0, keys). */
static double run_readers(mk_backend *be, int readers, int keys, int gets)
{
    pthread_t th[256];
    reader_job jobs[256];
    int64_t t0 = mk_now_ns();
    for (int i = 0; i < readers; i++) {
        jobs[i] = (reader_job){.be = be, .keys = keys, .gets = gets, .seed = (unsigned)i};
        pthread_create(&th[i], NULL, run_gets, &jobs[i]);
    }
    for (int i = 0; i < readers; i++)
        pthread_join(th[i], NULL);
    return (double)readers * gets / ((mk_now_ns() - t0) / 1e9);
}

static int count_kv(void *ctx, const mk_kv *kv)
{
    (*(int *)ctx)++;
    return 0;
}

/* Bytes this process has sent to the disk so far (/proc/self/io). */
static long long disk_written(void)
{
    FILE *f = fopen("/proc/self/io", "r");
    char line[256];
    long long n = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "write_bytes: %lld", &n) == 1)
            break;
    if (f)
        fclose(f);
    return n;
}

static long peak_rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR [writers [creates [value_bytes [fill]]]]\n", argv[0]);
        return 2;
    }
    int writers = argc > 2 ? atoi(argv[2]) : 16;
    int creates = argc > 3 ? atoi(argv[3]) : 20000;
    size_t bytes = argc > 4 ? (size_t)atoi(argv[4]) : 1024;
    int fill = argc > 5 ? atoi(argv[5]) : 100000;
    if (writers < 1 || writers > 256 || creates < 1)
        return 2;
    mk_backend_opts o = {.data_dir = argv[1], .keep_revisions = -1, .keep_seconds = -1};
    mk_backend *be;
    mk_err err;
    if (backend_sqlite_open(&o, &be, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }

    int64_t *lat = xcalloc((size_t)(creates > fill ? creates : fill), sizeof *lat);
    long long w0 = disk_written();
    double s = run(be, MK_WRITE_CREATE, writers, 0, creates, bytes, lat);
    long long w1 = disk_written();
    qsort(lat, creates, sizeof *lat, cmp_i64);
    sqlite_stats st;
    sqlite_backend_stats(be, &st);
    printf("creates: %d writers, %zu B values: %.0f writes/s, p50 %.2f ms, p99 %.2f ms,"
           " max %.2f ms, %.1f writes per commit, %.1f KiB to disk per write\n",
           writers, bytes, creates / s, lat[creates / 2] / 1e6, lat[creates * 99 / 100] / 1e6,
           lat[creates - 1] / 1e6, (double)st.writes / st.commits,
           (w1 - w0) / 1024.0 / creates);

    if (fill > creates)
        run(be, MK_WRITE_CREATE, writers, creates, fill, bytes, NULL);
    int n = 0;
    int64_t rev, t0 = mk_now_ns();
    backend_list(be, "/registry/pods/", count_kv, &n, &rev, &err);
    printf("list: %d objects in %.0f ms; peak RSS %ld KiB; %lld bytes on disk\n", n,
           (mk_now_ns() - t0) / 1e6, peak_rss_kib(), (long long)be->ops->size_bytes(be));

    printf("gets: %d readers: %.0f gets/s\n", writers,
           run_readers(be, writers, fill > creates ? fill : creates, 5000));

    /* Every object gets a second revision; the first ones are compacted
     * away meanwhile, in chunks between the batches. */
    int total = fill > creates ? fill : creates;
    int upd = total < 50000 ? total : 50000;
    sqlite_backend_stats(be, &st);
    int64_t removed0 = st.compacted_rows, c0 = be->ops->compacted_rev(be);
    s = run(be, MK_WRITE_UPDATE, writers, 0, upd, bytes, lat);
    qsort(lat, upd, sizeof *lat, cmp_i64);
    sqlite_backend_stats(be, &st);
    printf("updates while compacting: %.0f writes/s, p99 %.2f ms, max %.2f ms;"
           " %lld history rows removed, compacted %lld -> %lld\n",
           upd / s, lat[upd * 99 / 100] / 1e6, lat[upd - 1] / 1e6,
           (long long)(st.compacted_rows - removed0), (long long)c0,
           (long long)be->ops->compacted_rev(be));
    printf("writer stalls: longest compaction chunk %.2f ms, longest checkpoint finish %.2f ms"
           " (%lld checkpoints)\n",
           st.max_compact_ns / 1e6, st.max_writer_ckpt_ns / 1e6, (long long)st.checkpoints);
    free(lat);
    backend_close(be);
    return 0;
}
