/* test_sqlite.c - the SQLite backend against a real database in a temp dir.
 *
 * Figures (writes/s, writes per commit) are printed as TAP comments, never
 * asserted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/backend/backend.h"
#include "store/backend/sqlite_internal.h"
#include "store/util.h"

typedef struct fixture {
    char dir[64];
    mk_backend *be;
} fixture;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static int setup(void **state)
{
    fixture *f = xcalloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/test_sqlite.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    backend_close(f->be);
    nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

static mk_backend *open_be(fixture *f, int64_t keep_revisions, int keep_seconds)
{
    mk_backend_opts o = {
        .data_dir = f->dir, .keep_revisions = keep_revisions, .keep_seconds = keep_seconds};
    mk_err err = {0};
    mk_backend *be = NULL;
    int rc = backend_sqlite_open(&o, &be, &err);
    if (rc < 0)
        fail_msg("open: %s", err.msg);
    return be;
}

static void reopen(fixture *f, int64_t keep_revisions, int keep_seconds)
{
    backend_close(f->be);
    f->be = open_be(f, keep_revisions, keep_seconds);
}

/* A pod-like object of about `pad` bytes. */
static json_object *make_obj(const char *name, size_t pad)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "apiVersion", json_object_new_string("v1"));
    json_object_object_add(o, "kind", json_object_new_string("Pod"));
    json_object *meta = json_object_new_object();
    json_object_object_add(meta, "name", json_object_new_string(name));
    json_object_object_add(o, "metadata", meta);
    char *fill = xmalloc(pad + 1);
    memset(fill, 'x', pad);
    fill[pad] = '\0';
    json_object_object_add(o, "spec", json_object_new_string(fill));
    free(fill);
    return o;
}

static int do_write(mk_backend *be, mk_write_op op, const char *key, json_object *obj,
                    int64_t expect, int64_t *rev, mk_err *err)
{
    mk_write w = {.op = op, .key = key, .obj = obj, .expect_rev = expect};
    return backend_write(be, &w, rev, err);
}

static int64_t create(mk_backend *be, const char *key)
{
    json_object *o = make_obj(key, 64);
    mk_err err = {0};
    int64_t rev = 0;
    int rc = do_write(be, MK_WRITE_CREATE, key, o, 0, &rev, &err);
    json_object_put(o);
    if (rc < 0)
        fail_msg("create %s: %s", key, err.msg);
    return rev;
}

static int64_t rv_of(const char *text)
{
    json_object *o = json_tokener_parse(text), *meta, *rv;
    assert_non_null(o);
    assert_true(json_object_object_get_ex(o, "metadata", &meta));
    assert_true(json_object_object_get_ex(meta, "resourceVersion", &rv));
    assert_true(json_object_is_type(rv, json_type_string));
    int64_t v = strtoll(json_object_get_string(rv), NULL, 10);
    json_object_put(o);
    return v;
}

/* Log rows still stored, read with a connection of our own. */
static int64_t log_rows(fixture *f)
{
    char path[128];
    snprintf(path, sizeof path, "%s/minik8s.db", f->dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM log", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

static void test_crud(void **state)
{
    fixture *f = *state;
    mk_backend *be = f->be = open_be(f, 0, 0);
    mk_err err = {0};
    int64_t rev = 0, r1, r2;

    json_object *o = make_obj("a", 16);
    assert_int_equal(do_write(be, MK_WRITE_CREATE, "/pods/a", o, 0, &r1, &err), 0);
    assert_int_equal(r1, 1);
    /* The caller's object carries its new resourceVersion. */
    assert_string_equal(json_object_get_string(json_object_object_get(
                            json_object_object_get(o, "metadata"), "resourceVersion")),
                        "1");
    assert_int_equal(do_write(be, MK_WRITE_CREATE, "/pods/a", o, 0, &rev, &err), -EEXIST);
    assert_int_equal(err.code, EEXIST);
    assert_non_null(strstr(err.msg, "/pods/a"));

    char *v = NULL;
    size_t len = 0;
    assert_int_equal(backend_get(be, "/pods/a", &v, &len, &rev, &err), 0);
    assert_int_equal(rev, 1);
    assert_int_equal(len, strlen(v));
    assert_int_equal(rv_of(v), 1);
    free(v);
    assert_int_equal(backend_get(be, "/pods/b", &v, &len, &rev, &err), -ENOENT);

    assert_int_equal(do_write(be, MK_WRITE_UPDATE, "/pods/b", o, 0, &rev, &err), -ENOENT);
    assert_int_equal(do_write(be, MK_WRITE_UPDATE, "/pods/a", o, 5, &rev, &err), -ESTALE);
    assert_int_equal(err.code, ESTALE);
    assert_int_equal(do_write(be, MK_WRITE_UPDATE, "/pods/a", o, 1, &r2, &err), 0);
    assert_int_equal(r2, 2); /* rejected writes consumed no revision */
    assert_int_equal(do_write(be, MK_WRITE_UPDATE, "/pods/a", o, 1, &rev, &err), -ESTALE);
    assert_int_equal(do_write(be, MK_WRITE_UPDATE, "/pods/a", o, 0, &rev, &err), 0);
    assert_int_equal(rev, 3);

    assert_int_equal(do_write(be, MK_WRITE_DELETE, "/pods/a", NULL, 2, &rev, &err), -ESTALE);
    assert_int_equal(do_write(be, MK_WRITE_DELETE, "/pods/a", NULL, 3, &rev, &err), 0);
    assert_int_equal(rev, 4);
    assert_int_equal(do_write(be, MK_WRITE_DELETE, "/pods/a", NULL, 0, &rev, &err), -ENOENT);
    assert_int_equal(backend_get(be, "/pods/a", &v, &len, &rev, &err), -ENOENT);
    /* Created again after a delete: a new revision, not the old one. */
    assert_int_equal(do_write(be, MK_WRITE_CREATE, "/pods/a", o, 0, &rev, &err), 0);
    assert_int_equal(rev, 5);
    assert_int_equal(be->ops->current_rev(be), 5);
    json_object_put(o);

    assert_int_equal(do_write(be, MK_WRITE_CREATE, "", NULL, 0, &rev, &err), -EINVAL);
    assert_int_equal(do_write(be, MK_WRITE_CREATE, "/x", NULL, 0, &rev, &err), -EINVAL);
    assert_true(be->ops->size_bytes(be) > 0);
}

typedef struct collected {
    int n;
    char keys[16][64];
    int64_t revs[16];
} collected;

static int collect_kv(void *ctx, const mk_kv *kv)
{
    collected *c = ctx;
    assert_true(c->n < 16);
    snprintf(c->keys[c->n], sizeof c->keys[0], "%s", kv->key);
    c->revs[c->n++] = kv->rev;
    assert_int_equal(rv_of(kv->value), kv->rev);
    assert_int_equal(kv->len, strlen(kv->value));
    return 0;
}

static int stop_at_two(void *ctx, const mk_kv *kv)
{
    return ++*(int *)ctx == 2 ? 42 : 0;
}

static void test_list(void **state)
{
    fixture *f = *state;
    mk_backend *be = f->be = open_be(f, 0, 0);
    const char *keys[] = {"/pods/default/c", "/pods/default/a",     "/pods/other/x",
                          "/pods/default/b", "/services/default/s", "/pods/defaultx/y"};
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
        create(be, keys[i]);
    mk_err err = {0};
    assert_int_equal(do_write(be, MK_WRITE_DELETE, "/pods/default/b", NULL, 0, NULL, &err), 0);

    collected c = {0};
    int64_t rev = 0;
    assert_int_equal(backend_list(be, "/pods/default/", collect_kv, &c, &rev, &err), 0);
    assert_int_equal(rev, 7);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.keys[0], "/pods/default/a");
    assert_string_equal(c.keys[1], "/pods/default/c");
    assert_int_equal(c.revs[0], 2);
    assert_int_equal(c.revs[1], 1);

    c = (collected){0};
    assert_int_equal(backend_list(be, "", collect_kv, &c, &rev, &err), 0);
    assert_int_equal(c.n, 5);
    for (int i = 1; i < c.n; i++)
        assert_true(strcmp(c.keys[i - 1], c.keys[i]) < 0);

    c = (collected){0};
    assert_int_equal(backend_list(be, "/nothing/", collect_kv, &c, &rev, &err), 0);
    assert_int_equal(c.n, 0);
    assert_int_equal(rev, 7);

    int seen = 0;
    assert_int_equal(backend_list(be, "/pods/", stop_at_two, &seen, &rev, &err), 42);
    assert_int_equal(seen, 2);
}

typedef struct history_log {
    int n;
    int64_t revs[64];
    mk_event_type types[64];
} history_log;

static int collect_ev(void *ctx, const mk_event *ev)
{
    history_log *h = ctx;
    assert_true(h->n < 64);
    assert_int_equal(rv_of(ev->value), ev->rev);
    h->revs[h->n] = ev->rev;
    h->types[h->n++] = ev->type;
    return 0;
}

static void test_history_and_compaction(void **state)
{
    fixture *f = *state;
    /* Keep 4 revisions, no age floor. */
    mk_backend *be = f->be = open_be(f, 4, -1);
    mk_err err = {0};
    for (int i = 0; i < 3; i++) {
        char key[32];
        snprintf(key, sizeof key, "/k/%d", i);
        create(be, key);
    }
    json_object *o = make_obj("x", 8);
    for (int i = 0; i < 6; i++)
        assert_int_equal(do_write(be, MK_WRITE_UPDATE, "/k/0", o, 0, NULL, &err), 0);
    json_object_put(o);
    assert_int_equal(do_write(be, MK_WRITE_DELETE, "/k/1", NULL, 0, NULL, &err), 0);
    /* 1-3 creates, 4-9 updates of /k/0, 10 deletes /k/1 */
    assert_int_equal(be->ops->current_rev(be), 10);

    history_log h = {0};
    assert_int_equal(backend_history(be, 0, collect_ev, &h, &err), 0);
    assert_int_equal(h.n, 10);
    for (int i = 0; i < h.n; i++)
        assert_int_equal(h.revs[i], i + 1);
    assert_int_equal(h.types[0], MK_EV_ADDED);
    assert_int_equal(h.types[3], MK_EV_MODIFIED);
    assert_int_equal(h.types[9], MK_EV_DELETED);
    h = (history_log){0};
    assert_int_equal(backend_history(be, 8, collect_ev, &h, &err), 0);
    assert_int_equal(h.n, 2);
    assert_int_equal(h.revs[0], 9);

    assert_int_equal(log_rows(f), 10);
    assert_int_equal(sqlite_backend_compact(be, &err), 0);
    assert_int_equal(be->ops->compacted_rev(be), 6);
    /* Rows 1..6 go except the current rows of /k/2 (3); /k/0 is at 9. */
    assert_int_equal(log_rows(f), 5);
    assert_int_equal(backend_history(be, 5, collect_ev, &h, &err), -MK_EGONE);
    assert_int_equal(err.code, MK_EGONE);
    h = (history_log){0};
    assert_int_equal(backend_history(be, 6, collect_ev, &h, &err), 0);
    assert_int_equal(h.n, 4);
    assert_int_equal(h.revs[0], 7);
    assert_int_equal(h.revs[3], 10);

    /* Every live key is still there, at its newest revision. */
    collected c = {0};
    assert_int_equal(backend_list(be, "/k/", collect_kv, &c, NULL, &err), 0);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.revs[0], 9);
    assert_int_equal(c.revs[1], 3);

    /* The compacted revision survives a restart. */
    reopen(f, 4, -1);
    assert_int_equal(f->be->ops->compacted_rev(f->be), 6);
    assert_int_equal(backend_history(f->be, 5, collect_ev, &h, &err), -MK_EGONE);
}

static void test_revisions_never_reused(void **state)
{
    fixture *f = *state;
    /* Keep nothing: compaction may remove even the newest row. */
    f->be = open_be(f, -1, -1);
    mk_err err = {0};
    create(f->be, "/a");
    create(f->be, "/b");
    assert_int_equal(do_write(f->be, MK_WRITE_DELETE, "/b", NULL, 0, NULL, &err), 0);
    assert_int_equal(sqlite_backend_compact(f->be, &err), 0);
    assert_int_equal(f->be->ops->compacted_rev(f->be), 3);
    assert_int_equal(log_rows(f), 1); /* only /a's current row */
    reopen(f, -1, -1);
    assert_int_equal(f->be->ops->current_rev(f->be), 3);
    assert_int_equal(create(f->be, "/c"), 4);
    assert_int_equal(create(f->be, "/b"), 5);
}

/* Rows that compaction passed while they were current go when a later
 * write supersedes them: nothing stays behind the compacted revision but
 * live keys. */
static void test_compaction_leaves_only_live_keys(void **state)
{
    fixture *f = *state;
    f->be = open_be(f, -1, -1);
    mk_err err = {0};
    create(f->be, "/a");
    create(f->be, "/b");
    create(f->be, "/c");
    assert_int_equal(sqlite_backend_compact(f->be, &err), 0);
    assert_int_equal(f->be->ops->compacted_rev(f->be), 3);
    assert_int_equal(log_rows(f), 3);
    json_object *o = make_obj("a", 8);
    assert_int_equal(do_write(f->be, MK_WRITE_UPDATE, "/a", o, 0, NULL, &err), 0);
    assert_int_equal(do_write(f->be, MK_WRITE_UPDATE, "/a", o, 0, NULL, &err), 0);
    json_object_put(o);
    assert_int_equal(do_write(f->be, MK_WRITE_DELETE, "/b", NULL, 0, NULL, &err), 0);
    /* /a at 1 and /b at 2 went at once; /a at 4 and /b's tombstone (6)
     * wait for compaction, which still may serve them to history. */
    assert_int_equal(log_rows(f), 4);
    history_log h = {0};
    assert_int_equal(backend_history(f->be, 3, collect_ev, &h, &err), 0);
    assert_int_equal(h.n, 3);
    assert_int_equal(sqlite_backend_compact(f->be, &err), 0);
    assert_int_equal(log_rows(f), 2);
    collected c = {0};
    assert_int_equal(backend_list(f->be, "/", collect_kv, &c, NULL, &err), 0);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.revs[0], 5);
    assert_int_equal(c.revs[1], 3);
}

/* ---- concurrency: the sink and group commit ---------------------------- */

#define WRITERS    8
#define PER_WRITER 400

typedef struct sink_log {
    pthread_mutex_t lock;
    int64_t last;
    int n, out_of_order, rv_mismatch;
} sink_log;

static int sink_fn(void *ctx, const mk_event *ev)
{
    sink_log *s = ctx;
    pthread_mutex_lock(&s->lock);
    if (ev->rev != s->last + 1)
        s->out_of_order++;
    if (!ev->obj || rv_of(ev->value) != ev->rev)
        s->rv_mismatch++;
    s->last = ev->rev;
    s->n++;
    pthread_mutex_unlock(&s->lock);
    return 0;
}

typedef struct writer_arg {
    mk_backend *be;
    int id, n, failures;
    int64_t *revs;
    int64_t *lat_ns;
} writer_arg;

static void *writer_thread(void *p)
{
    writer_arg *a = p;
    for (int i = 0; i < a->n; i++) {
        char key[64];
        snprintf(key, sizeof key, "/registry/pods/default/w%d-%d", a->id, i);
        json_object *o = make_obj(key, 1024);
        mk_err err = {0};
        mk_write w = {.op = MK_WRITE_CREATE, .key = key, .obj = o};
        int64_t t0 = mk_now_ns();
        if (backend_write(a->be, &w, &a->revs[i], &err) < 0)
            a->failures++;
        if (a->lat_ns)
            a->lat_ns[i] = mk_now_ns() - t0;
        json_object_put(o);
    }
    return NULL;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Run n threads of per writes each; returns writes/s. */
static double run_writers(mk_backend *be, int n, int per, int64_t *revs, int64_t *lat)
{
    pthread_t th[64];
    writer_arg args[64];
    int64_t t0 = mk_now_ns();
    for (int i = 0; i < n; i++) {
        args[i] = (writer_arg){.be = be,
                               .id = i,
                               .n = per,
                               .revs = revs + i * per,
                               .lat_ns = lat ? lat + i * per : NULL};
        pthread_create(&th[i], NULL, writer_thread, &args[i]);
    }
    int failures = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(th[i], NULL);
        failures += args[i].failures;
    }
    assert_int_equal(failures, 0);
    return (double)n * per / ((mk_now_ns() - t0) / 1e9);
}

static void test_concurrent_writers(void **state)
{
    fixture *f = *state;
    f->be = open_be(f, 0, 0);
    sink_log s = {.lock = PTHREAD_MUTEX_INITIALIZER};
    backend_set_sink(f->be, sink_fn, &s);
    int64_t *revs = xcalloc(WRITERS * PER_WRITER, sizeof *revs);
    double rate = run_writers(f->be, WRITERS, PER_WRITER, revs, NULL);

    assert_int_equal(s.n, WRITERS * PER_WRITER);
    assert_int_equal(s.out_of_order, 0);
    assert_int_equal(s.rv_mismatch, 0);
    assert_int_equal(s.last, WRITERS * PER_WRITER);
    /* Every caller got a distinct revision. */
    qsort(revs, WRITERS * PER_WRITER, sizeof *revs, cmp_i64);
    for (int i = 0; i < WRITERS * PER_WRITER; i++)
        assert_int_equal(revs[i], i + 1);
    free(revs);

    sqlite_stats st;
    sqlite_backend_stats(f->be, &st);
    assert_int_equal(st.writes, WRITERS * PER_WRITER);
    assert_true(st.commits < st.writes); /* commits were shared */
    printf("# %d writers x %d creates of 1 KiB: %.0f writes/s, %.1f writes per commit\n",
           WRITERS, PER_WRITER, rate, (double)st.writes / st.commits);
}

typedef struct bg_writers {
    mk_backend *be;
    volatile bool done;
} bg_writers;

static void *bg_writers_main(void *p)
{
    bg_writers *bg = p;
    int64_t *revs = xcalloc(WRITERS * PER_WRITER, sizeof *revs);
    run_writers(bg->be, WRITERS, PER_WRITER, revs, NULL);
    free(revs);
    bg->done = true;
    return NULL;
}

static int count_kv(void *ctx, const mk_kv *kv)
{
    (*(int *)ctx)++;
    return 0;
}

/* Commits are made durable after the writer moves on (sqlite_sync.c):
 * whatever a reader is handed - a list's snapshot, a get's revision - must
 * already be durable and in the sink's hands, or a power loss could take
 * back what a client saw. */
static void test_reads_only_durable(void **state)
{
    fixture *f = *state;
    f->be = open_be(f, 0, 0);
    sink_log s = {.lock = PTHREAD_MUTEX_INITIALIZER};
    backend_set_sink(f->be, sink_fn, &s);
    bg_writers bg = {.be = f->be};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, bg_writers_main, &bg), 0);
    int lists = 0, gets = 0, ahead = 0;
    while (!bg.done) {
        int64_t rev = 0;
        int n = 0;
        mk_err err = {0};
        assert_int_equal(backend_list(f->be, "", count_kv, &n, &rev, &err), 0);
        pthread_mutex_lock(&s.lock);
        ahead += rev > s.last;
        pthread_mutex_unlock(&s.lock);
        ahead += rev > f->be->ops->current_rev(f->be);
        lists++;
        if (n > 0) {
            char key[64];
            snprintf(key, sizeof key, "/registry/pods/default/w%d-%d", lists % WRITERS,
                     n / WRITERS);
            char *v = NULL;
            int64_t grev = 0;
            if (backend_get(f->be, key, &v, NULL, &grev, &err) == 0) {
                ahead += grev > f->be->ops->current_rev(f->be);
                gets++;
            }
            free(v);
        }
    }
    pthread_join(t, NULL);
    assert_int_equal(ahead, 0);
    assert_true(lists > 0);
    assert_int_equal(s.out_of_order, 0);
    printf("# %d lists and %d gets during the writes, none ahead of the sink\n", lists, gets);
}

/* 16 clients, as the API server benchmark: throughput and p99 latency. */
static void test_throughput_figure(void **state)
{
    fixture *f = *state;
    f->be = open_be(f, 0, 0);
    enum { N = 16, PER = 1000 };
    int64_t *revs = xcalloc(N * PER, sizeof *revs);
    int64_t *lat = xcalloc(N * PER, sizeof *lat);
    double rate = run_writers(f->be, N, PER, revs, lat);
    qsort(lat, N * PER, sizeof *lat, cmp_i64);
    sqlite_stats st;
    sqlite_backend_stats(f->be, &st);
    printf("# %d writers x %d creates of 1 KiB: %.0f writes/s, p50 %.2f ms, p99 %.2f ms,"
           " %.1f writes per commit, %lld bytes on disk\n",
           N, PER, rate, lat[N * PER / 2] / 1e6, lat[N * PER * 99 / 100] / 1e6,
           (double)st.writes / st.commits, (long long)f->be->ops->size_bytes(f->be));
    free(revs);
    free(lat);
}

/* History younger than keep_seconds stays, whatever keep_revisions says. */
static void test_compaction_by_age(void **state)
{
    fixture *f = *state;
    f->be = open_be(f, -1, 3600);
    mk_err err = {0};
    for (int i = 0; i < 5; i++) {
        char key[32];
        snprintf(key, sizeof key, "/young/%d", i);
        create(f->be, key);
    }
    assert_int_equal(sqlite_backend_compact(f->be, &err), 0);
    assert_int_equal(f->be->ops->compacted_rev(f->be), 0);

    /* Older than one second: may go. */
    reopen(f, -1, 1);
    json_object *o = make_obj("x", 8);
    for (int i = 0; i < 5; i++)
        assert_int_equal(do_write(f->be, MK_WRITE_UPDATE, "/young/0", o, 0, NULL, &err), 0);
    sleep(2);
    for (int i = 0; i < 5; i++)
        assert_int_equal(do_write(f->be, MK_WRITE_UPDATE, "/young/1", o, 0, NULL, &err), 0);
    json_object_put(o);
    assert_int_equal(sqlite_backend_compact(f->be, &err), 0);
    int64_t c = f->be->ops->compacted_rev(f->be);
    assert_true(c >= 10 && c <= 15);
    history_log h = {0};
    assert_int_equal(backend_history(f->be, c, collect_ev, &h, &err), 0);
    assert_int_equal(h.n, 15 - c);
}

typedef struct deleted_seen {
    int n;
    mk_event_type type;
    int64_t rev, obj_rv;
    bool prev_passed;
    char value[256];
} deleted_seen;

static int sink_last(void *ctx, const mk_event *ev)
{
    deleted_seen *d = ctx;
    d->n++;
    d->type = ev->type;
    d->rev = ev->rev;
    d->obj_rv = ev->obj ? rv_of(json_object_to_json_string(ev->obj)) : -1;
    d->prev_passed = ev->prev != NULL;
    snprintf(d->value, sizeof d->value, "%.*s", (int)ev->len, ev->value);
    return 0;
}

/* A DELETED event carries the object's last state at the delete's
 * revision, from the caller or, without one, from the store. */
static void test_delete_events(void **state)
{
    fixture *f = *state;
    f->be = open_be(f, 0, 0);
    deleted_seen d = {0};
    backend_set_sink(f->be, sink_last, &d);
    mk_err err = {0};
    create(f->be, "/d/a");
    create(f->be, "/d/b");
    assert_int_equal(d.type, MK_EV_ADDED);

    json_object *last = make_obj("a", 4), *prev = make_obj("a", 4);
    mk_write w = {.op = MK_WRITE_DELETE, .key = "/d/a", .obj = last, .prev = prev};
    int64_t rev;
    assert_int_equal(backend_write(f->be, &w, &rev, &err), 0);
    assert_int_equal(rev, 3);
    assert_int_equal(d.type, MK_EV_DELETED);
    assert_int_equal(d.rev, 3);
    assert_int_equal(d.obj_rv, 3);
    assert_int_equal(rv_of(d.value), 3);
    assert_true(d.prev_passed);
    json_object_put(last);
    json_object_put(prev);

    assert_int_equal(do_write(f->be, MK_WRITE_DELETE, "/d/b", NULL, 2, &rev, &err), 0);
    assert_int_equal(d.rev, 4);
    assert_int_equal(d.obj_rv, 4);
    assert_non_null(strstr(d.value, "\"name\":\"/d/b\""));
    assert_int_equal(d.n, 4);

    history_log h = {0};
    assert_int_equal(backend_history(f->be, 2, collect_ev, &h, &err), 0);
    assert_int_equal(h.n, 2);
    assert_int_equal(h.types[0], MK_EV_DELETED);
    assert_int_equal(h.types[1], MK_EV_DELETED);
}

typedef struct list_check {
    mk_backend *be;
    atomic_bool stop;
    atomic_int lists, inconsistent;
} list_check;

static int count_only(void *ctx, const mk_kv *kv)
{
    (*(int64_t *)ctx)++;
    return 0;
}

/* Every key is created once, so a consistent snapshot at revision R holds
 * exactly R keys. */
static void *lister(void *p)
{
    list_check *lc = p;
    while (!atomic_load(&lc->stop)) {
        int64_t n = 0, rev = 0;
        mk_err err;
        if (backend_list(lc->be, "/registry/", count_only, &n, &rev, &err) < 0 || n != rev)
            lc->inconsistent++;
        lc->lists++;
    }
    return NULL;
}

static void test_list_is_a_snapshot(void **state)
{
    fixture *f = *state;
    f->be = open_be(f, 0, 0);
    list_check lc = {.be = f->be};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, lister, &lc);
    int64_t *revs = xcalloc(4 * 300, sizeof *revs);
    run_writers(f->be, 4, 300, revs, NULL);
    free(revs);
    atomic_store(&lc.stop, true);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(atomic_load(&lc.inconsistent), 0);
    assert_true(atomic_load(&lc.lists) > 0);
    printf("# %d lists during 1200 writes, all consistent snapshots\n", atomic_load(&lc.lists));
}

/* ---- crash safety -------------------------------------------------------- */

typedef struct acked {
    int64_t rev;
    char key[48];
} acked;

/* Each key is created, then updated: with compaction removing history in
 * every batch, the kill lands amid inserts, deletes and checkpoints. */
static void *crash_writer(void *p)
{
    writer_arg *a = p;
    for (int i = 0;; i++) {
        acked rec = {0};
        snprintf(rec.key, sizeof rec.key, "/crash/w%d-%d", a->id, i);
        json_object *o = make_obj(rec.key, 512);
        for (int op = MK_WRITE_CREATE; op <= MK_WRITE_UPDATE; op++) {
            mk_write w = {.op = op, .key = rec.key, .obj = o};
            mk_err err;
            if (backend_write(a->be, &w, &rec.rev, &err) == 0 &&
                write(a->n, &rec, sizeof rec) != sizeof rec)
                _exit(3);
        }
        json_object_put(o);
    }
    return NULL;
}

/* The child: write until killed, reporting every acknowledged write. */
static void crash_child(const char *dir, int fd)
{
    mk_backend_opts o = {.data_dir = dir, .keep_revisions = -1, .keep_seconds = -1};
    mk_backend *be;
    mk_err err;
    if (backend_sqlite_open(&o, &be, &err) < 0)
        _exit(2);
    pthread_t th[4];
    writer_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (writer_arg){.be = be, .id = i, .n = fd};
        pthread_create(&th[i], NULL, crash_writer, &args[i]);
    }
    pthread_join(th[0], NULL);
    _exit(4);
}

static void test_sigkill_keeps_acknowledged(void **state)
{
    fixture *f = *state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        crash_child(f->dir, p[1]);
    }
    close(p[1]);
    enum { MAX = 100000, KILL_AFTER = 2000 };
    acked *recs = xcalloc(MAX, sizeof *recs);
    int n = 0;
    bool killed = false;
    for (;;) {
        ssize_t r = read(p[0], &recs[n], sizeof recs[n]);
        if (r <= 0)
            break;
        assert_int_equal(r, sizeof recs[n]); /* writes under PIPE_BUF are atomic */
        if (n < MAX - 1)
            n++;
        if (n >= KILL_AFTER && !killed) {
            kill(pid, SIGKILL);
            killed = true;
        }
    }
    close(p[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    char path[128];
    snprintf(path, sizeof path, "%s/minik8s.db", f->dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char **rows;
    int nrow, ncol;
    assert_int_equal(sqlite3_get_table(db, "PRAGMA integrity_check", &rows, &nrow, &ncol, NULL),
                     SQLITE_OK);
    assert_string_equal(rows[1], "ok");
    sqlite3_free_table(rows);
    sqlite3_close(db);

    f->be = open_be(f, 0, 0);
    int64_t max = 0;
    for (int i = 0; i < n; i++) {
        char *v = NULL;
        int64_t rev = 0;
        mk_err err = {0};
        if (backend_get(f->be, recs[i].key, &v, NULL, &rev, &err) < 0)
            fail_msg("acknowledged %s at %lld lost: %s", recs[i].key, (long long)recs[i].rev,
                     err.msg);
        /* The update after an acknowledged create may have landed too. */
        if (rev < recs[i].rev)
            fail_msg("%s: acknowledged at %lld, found at %lld", recs[i].key,
                     (long long)recs[i].rev, (long long)rev);
        assert_int_equal(rv_of(v), rev);
        free(v);
        if (rev > max)
            max = rev;
    }
    assert_true(f->be->ops->current_rev(f->be) >= max);
    assert_true(create(f->be, "/after-crash") > f->be->ops->current_rev(f->be) - 1);
    assert_true(f->be->ops->current_rev(f->be) > max);
    printf("# %d acknowledged writes survived SIGKILL; store at revision %lld\n", n,
           (long long)f->be->ops->current_rev(f->be));
    free(recs);
}

/* ---- opening ------------------------------------------------------------- */

static void test_open_errors(void **state)
{
    fixture *f = *state;
    mk_err err = {0};
    mk_backend *be = NULL;
    char path[128];
    snprintf(path, sizeof path, "%s/file", f->dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fclose(fp);
    snprintf(path, sizeof path, "%s/file/sub", f->dir);
    mk_backend_opts o = {.data_dir = path};
    assert_int_equal(backend_sqlite_open(&o, &be, &err), -ENOTDIR);
    char want[160];
    snprintf(want, sizeof want, "data dir %s: Not a directory", path);
    assert_string_equal(err.msg, want);

    /* A nested dir is created; a second open of the same dir is refused. */
    snprintf(path, sizeof path, "%s/a/b", f->dir);
    o.data_dir = path;
    assert_int_equal(backend_sqlite_open(&o, &f->be, &err), 0);
    assert_int_equal(backend_sqlite_open(&o, &be, &err), -EBUSY);
    assert_non_null(strstr(err.msg, path));

    /* Not a database. */
    snprintf(path, sizeof path, "%s/junk", f->dir);
    mkdir(path, 0700);
    snprintf(want, sizeof want, "%s/minik8s.db", path);
    fp = fopen(want, "w");
    for (int i = 0; i < 100; i++)
        fputs("this is not a database file at all\n", fp);
    fclose(fp);
    o.data_dir = path;
    assert_true(backend_sqlite_open(&o, &be, &err) < 0);
    assert_non_null(strstr(err.msg, want));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_crud, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_history_and_compaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revisions_never_reused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compaction_leaves_only_live_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reads_only_durable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_throughput_figure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compaction_by_age, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_is_a_snapshot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sigkill_keeps_acknowledged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
    };
    /* MK_TEST_FILTER=test_crud runs one test (a glob). */
    if (getenv("MK_TEST_FILTER"))
        cmocka_set_test_filter(getenv("MK_TEST_FILTER"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
