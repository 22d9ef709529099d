#include "kubelet/stats.h"
#include "kubelet/cgroup.h"
#include "store/util.h"

#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uthash.h>

#define STATS_MIN_WINDOW_NS 100000000 /* 100 ms */

typedef struct sample {
    char *cgroup;
    int64_t cpu_ns, at_ns;
    int64_t nano_cores;
    UT_hash_handle hh;
} sample;

struct stats_cache {
    pthread_mutex_t lock;
    sample *samples;
};

stats_cache *stats_cache_new(void)
{
    stats_cache *sc = xcalloc(1, sizeof *sc);
    pthread_mutex_init(&sc->lock, NULL);
    return sc;
}

void stats_cache_free(stats_cache *sc)
{
    if (!sc)
        return;
    sample *s, *t;
    HASH_ITER(hh, sc->samples, s, t)
    {
        HASH_DEL(sc->samples, s);
        free(s->cgroup);
        free(s);
    }
    pthread_mutex_destroy(&sc->lock);
    free(sc);
}

typedef struct ctr_stat {
    const sync_pod_ref *pod;
    const char *name;
    char *cgroup;
    cgroup_stats cs;
    int64_t nano_cores;
} ctr_stat;

/* Update the rate of one container from its new reading; false when there is
 * no earlier sample old enough to make a rate from. */
static bool stats_rate(stats_cache *sc, ctr_stat *c, int64_t now)
{
    pthread_mutex_lock(&sc->lock);
    sample *s = NULL;
    HASH_FIND_STR(sc->samples, c->cgroup, s);
    bool ok = false;
    if (!s) {
        s = xcalloc(1, sizeof *s);
        s->cgroup = xstrdup(c->cgroup);
        s->cpu_ns = c->cs.cpu_usage_ns;
        s->at_ns = now;
        s->nano_cores = -1;
        HASH_ADD_KEYPTR(hh, sc->samples, s->cgroup, strlen(s->cgroup), s);
    } else if (now - s->at_ns >= STATS_MIN_WINDOW_NS && c->cs.cpu_usage_ns >= s->cpu_ns) {
        s->nano_cores = (c->cs.cpu_usage_ns - s->cpu_ns) * 1000000000 / (now - s->at_ns);
        s->cpu_ns = c->cs.cpu_usage_ns;
        s->at_ns = now;
    }
    if (s->nano_cores >= 0) {
        c->nano_cores = s->nano_cores;
        ok = true;
    }
    pthread_mutex_unlock(&sc->lock);
    return ok;
}

/* The node's own entry has no pod; its "cgroup" names it in the cache. */
#define STATS_NODE_KEY "(node)"

static bool read_stat(ctr_stat *c)
{
    if (c->pod)
        return cgroup_read(c->cgroup, &c->cs);
    c->cs = (cgroup_stats){.memory_limit = -1};
    return node_usage(&c->cs.cpu_usage_ns, &c->cs.memory_usage, &c->cs.memory_working_set);
}

/* The containers of pods, each read from its cgroup; with rates, their CPU
 * rates, and one more entry last, with no pod: the whole node. */
static ctr_stat *collect(kubelet *kl, stats_cache *sc, sync_pod_ref *pods, size_t np, size_t *n,
                         bool rates)
{
    size_t total = 0;
    for (size_t i = 0; i < np; i++)
        total += pods[i].ncontainers;
    ctr_stat *v = xcalloc(total + 1, sizeof *v);
    size_t k = 0;
    for (size_t i = 0; i < np; i++)
        for (size_t j = 0; j < pods[i].ncontainers; j++) {
            ctr_stat *c = &v[k];
            c->pod = &pods[i];
            c->name = pods[i].containers[j];
            c->cgroup = pods_cgroup_path(pods[i].uid, c->name);
            if (!read_stat(c)) {
                free(c->cgroup);
                continue;
            }
            k++;
        }
    if (rates) {
        v[k].cgroup = xstrdup(STATS_NODE_KEY);
        if (read_stat(&v[k]))
            k++;
        else
            free(v[k].cgroup);
        bool missing = false;
        for (size_t i = 0; i < k; i++)
            missing |= !stats_rate(sc, &v[i], mk_now_ns());
        if (missing) {
            usleep(STATS_MIN_WINDOW_NS / 1000);
            for (size_t i = 0; i < k; i++) {
                read_stat(&v[i]);
                stats_rate(sc, &v[i], mk_now_ns());
            }
        }
    }
    (void)kl;
    *n = k;
    return v;
}

static void free_stats(ctr_stat *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].cgroup);
    free(v);
}

void stats_metrics(kubelet *kl, stats_cache *sc, mk_buf *out)
{
    sync_pod_ref *pods = NULL;
    size_t np = 0, n = 0;
    sync_snapshot(kl, &pods, &np);
    ctr_stat *v = collect(kl, sc, pods, np, &n, false);
    static const struct {
        const char *name, *type, *help;
    } m[] = {
        {"container_cpu_usage_seconds_total", "counter", "Cumulative CPU time consumed."},
        {"container_memory_working_set_bytes", "gauge",
         "Memory in use minus inactive file cache."},
        {"container_memory_usage_bytes", "gauge", "Memory in use, page cache included."},
        {"container_spec_memory_limit_bytes", "gauge", "The memory limit (0: none)."},
    };
    for (size_t mi = 0; mi < ARRAY_SIZE(m); mi++) {
        mk_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", m[mi].name, m[mi].help, m[mi].name,
                      m[mi].type);
        for (size_t i = 0; i < n; i++) {
            const ctr_stat *c = &v[i];
            mk_buf_printf(out, "%s{namespace=\"%s\",pod=\"%s\",container=\"%s\"} ", m[mi].name,
                          c->pod->ns, c->pod->name, c->name);
            switch (mi) {
            case 0:
                mk_buf_printf(out, "%.9f\n", (double)c->cs.cpu_usage_ns / 1e9);
                break;
            case 1:
                mk_buf_printf(out, "%lld\n", (long long)c->cs.memory_working_set);
                break;
            case 2:
                mk_buf_printf(out, "%lld\n", (long long)c->cs.memory_usage);
                break;
            default:
                mk_buf_printf(out, "%lld\n",
                              (long long)(c->cs.memory_limit < 0 ? 0 : c->cs.memory_limit));
            }
        }
    }
    mk_buf_printf(out,
                  "# HELP kubelet_running_pods Pods this kubelet runs.\n"
                  "# TYPE kubelet_running_pods gauge\nkubelet_running_pods %zu\n",
                  np);
    free_stats(v, n);
    sync_snapshot_free(pods, np);
}

static json_object *cpu_mem(int64_t nano_cores, int64_t cpu_ns, int64_t ws, int64_t usage)
{
    char ts[32];
    mk_rfc3339(ts, sizeof ts, time(NULL));
    json_object *o = json_object_new_object();
    json_object *cpu = json_object_new_object();
    json_object_object_add(cpu, "time", json_object_new_string(ts));
    json_object_object_add(cpu, "usageNanoCores", json_object_new_int64(nano_cores));
    json_object_object_add(cpu, "usageCoreNanoSeconds", json_object_new_int64(cpu_ns));
    json_object *mem = json_object_new_object();
    json_object_object_add(mem, "time", json_object_new_string(ts));
    json_object_object_add(mem, "workingSetBytes", json_object_new_int64(ws));
    json_object_object_add(mem, "usageBytes", json_object_new_int64(usage));
    json_object_object_add(o, "cpu", cpu);
    json_object_object_add(o, "memory", mem);
    return o;
}

void stats_summary(kubelet *kl, stats_cache *sc, mk_buf *out)
{
    sync_pod_ref *pods = NULL;
    size_t np = 0, n = 0;
    sync_snapshot(kl, &pods, &np);
    ctr_stat *v = collect(kl, sc, pods, np, &n, true);
    json_object *root = json_object_new_object();
    json_object *node = NULL;
    if (n > 0 && !v[n - 1].pod) {
        const ctr_stat *c = &v[n - 1];
        node = cpu_mem(c->nano_cores, c->cs.cpu_usage_ns, c->cs.memory_working_set,
                       c->cs.memory_usage);
    } else {
        node = json_object_new_object();
    }
    json_object_object_add(node, "nodeName", json_object_new_string(kl->cfg.node_name));
    json_object_object_add(root, "node", node);
    json_object *arr = json_object_new_array();
    for (size_t i = 0; i < np; i++) {
        int64_t nc = 0, cpu = 0, ws = 0, use = 0;
        json_object *ctrs = json_object_new_array();
        for (size_t j = 0; j < n; j++) {
            const ctr_stat *c = &v[j];
            if (c->pod != &pods[i])
                continue;
            json_object *co = cpu_mem(c->nano_cores, c->cs.cpu_usage_ns,
                                      c->cs.memory_working_set, c->cs.memory_usage);
            json_object_object_add(co, "name", json_object_new_string(c->name));
            json_object_array_add(ctrs, co);
            nc += c->nano_cores;
            cpu += c->cs.cpu_usage_ns;
            ws += c->cs.memory_working_set;
            use += c->cs.memory_usage;
        }
        json_object *po = cpu_mem(nc, cpu, ws, use);
        json_object *ref = json_object_new_object();
        json_object_object_add(ref, "name", json_object_new_string(pods[i].name));
        json_object_object_add(ref, "namespace", json_object_new_string(pods[i].ns));
        json_object_object_add(ref, "uid", json_object_new_string(pods[i].uid));
        json_object_object_add(po, "podRef", ref);
        json_object_object_add(po, "containers", ctrs);
        json_object_array_add(arr, po);
    }
    json_object_object_add(root, "pods", arr);
    mk_buf_puts(out, json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
    mk_buf_puts(out, "\n");
    json_object_put(root);
    free_stats(v, n);
    sync_snapshot_free(pods, np);
}
