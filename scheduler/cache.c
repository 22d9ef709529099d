#include "scheduler/cache.h"

#include <pthread.h>
#include <string.h>
#include <uthash.h>

#include "store/util.h"

typedef struct node_entry {
    sched_node_info info; /* info.name is the hash key */
    int64_t used_milli_cpu, used_mem, used_pods;
    UT_hash_handle hh;
} node_entry;

typedef struct pod_entry {
    char *key;
    char *node;
    int64_t milli_cpu, mem;
    bool assumed; /* picked by us, not yet seen bound by the informer */
    UT_hash_handle hh;
} pod_entry;

struct sched_cache {
    pthread_mutex_t mu;
    node_entry *nodes;
    pod_entry *pods;
    node_entry **sorted; /* nodes by name: the round-robin order */
    size_t nsorted;
    bool sorted_stale;
    size_t cursor; /* index in sorted where the next search starts */
};

sched_cache *sched_cache_new(void)
{
    sched_cache *c = xcalloc(1, sizeof(*c));
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

static void pod_entry_free(pod_entry *p)
{
    free(p->key);
    free(p->node);
    free(p);
}

void sched_cache_free(sched_cache *c)
{
    if (!c)
        return;
    node_entry *n, *ntmp;
    HASH_ITER(hh, c->nodes, n, ntmp)
    {
        HASH_DEL(c->nodes, n);
        sched_node_clear(&n->info);
        free(n);
    }
    pod_entry *p, *ptmp;
    HASH_ITER(hh, c->pods, p, ptmp)
    {
        HASH_DEL(c->pods, p);
        pod_entry_free(p);
    }
    free(c->sorted);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static int by_name(const void *a, const void *b)
{
    const node_entry *x = *(node_entry *const *)a, *y = *(node_entry *const *)b;
    return strcmp(x->info.name, y->info.name);
}

/* Rebuilt lazily: 1,000 nodes registering one by one sort once, at the
 * next decision, not a thousand times. */
static void ensure_sorted(sched_cache *c)
{
    if (!c->sorted_stale)
        return;
    c->nsorted = HASH_COUNT(c->nodes);
    c->sorted = xrealloc(c->sorted, (c->nsorted ? c->nsorted : 1) * sizeof(*c->sorted));
    size_t i = 0;
    for (node_entry *n = c->nodes; n; n = n->hh.next)
        c->sorted[i++] = n;
    qsort(c->sorted, c->nsorted, sizeof(*c->sorted), by_name);
    c->sorted_stale = false;
}

static void charge(sched_cache *c, const pod_entry *p, int sign)
{
    node_entry *n;
    HASH_FIND_STR(c->nodes, p->node, n);
    if (!n)
        return;
    n->used_milli_cpu += sign * p->milli_cpu;
    n->used_mem += sign * p->mem;
    n->used_pods += sign;
}

bool sched_cache_set_node_info(sched_cache *c, sched_node_info *info)
{
    bool changed = true;
    pthread_mutex_lock(&c->mu);
    node_entry *n;
    HASH_FIND_STR(c->nodes, info->name, n);
    if (n) {
        changed = !sched_node_equal(&n->info, info);
        /* the hash points at the old name: keep that string */
        char *name = n->info.name;
        n->info.name = info->name;
        info->name = name;
        sched_node_clear(&n->info);
        n->info = *info;
    } else {
        n = xcalloc(1, sizeof(*n));
        n->info = *info;
        HASH_ADD_KEYPTR(hh, c->nodes, n->info.name, strlen(n->info.name), n);
        c->sorted_stale = true;
        /* pods seen bound here before the node itself */
        for (pod_entry *p = c->pods; p; p = p->hh.next)
            if (strcmp(p->node, n->info.name) == 0)
                charge(c, p, 1);
    }
    memset(info, 0, sizeof(*info));
    pthread_mutex_unlock(&c->mu);
    return changed;
}

bool sched_cache_set_node(sched_cache *c, json_object *node)
{
    sched_node_info info;
    sched_node_parse(node, &info);
    return sched_cache_set_node_info(c, &info);
}

void sched_cache_remove_node(sched_cache *c, const char *name)
{
    pthread_mutex_lock(&c->mu);
    node_entry *n;
    HASH_FIND_STR(c->nodes, name, n);
    if (n) {
        HASH_DEL(c->nodes, n);
        sched_node_clear(&n->info);
        free(n);
        c->sorted_stale = true;
    }
    pthread_mutex_unlock(&c->mu);
}

size_t sched_cache_node_count(sched_cache *c)
{
    pthread_mutex_lock(&c->mu);
    size_t n = HASH_COUNT(c->nodes);
    pthread_mutex_unlock(&c->mu);
    return n;
}

/* Charge p to node under the lock, replacing whatever the key had. */
static void put_pod(sched_cache *c, const sched_pod *p, const char *node, bool assumed)
{
    pod_entry *e;
    HASH_FIND_STR(c->pods, p->key, e);
    if (e) {
        charge(c, e, -1);
        free(e->node);
    } else {
        e = xcalloc(1, sizeof(*e));
        e->key = xstrdup(p->key);
        HASH_ADD_KEYPTR(hh, c->pods, e->key, strlen(e->key), e);
    }
    e->node = xstrdup(node);
    e->milli_cpu = p->milli_cpu;
    e->mem = p->mem;
    e->assumed = assumed;
    charge(c, e, 1);
}

void sched_cache_add_pod(sched_cache *c, const sched_pod *p, const char *node)
{
    pthread_mutex_lock(&c->mu);
    put_pod(c, p, node, false);
    pthread_mutex_unlock(&c->mu);
}

static bool drop_pod(sched_cache *c, const char *key, bool only_assumed)
{
    pod_entry *e;
    HASH_FIND_STR(c->pods, key, e);
    if (!e || (only_assumed && !e->assumed))
        return false;
    charge(c, e, -1);
    HASH_DEL(c->pods, e);
    pod_entry_free(e);
    return true;
}

bool sched_cache_remove_pod(sched_cache *c, const char *key)
{
    pthread_mutex_lock(&c->mu);
    bool had = drop_pod(c, key, false);
    pthread_mutex_unlock(&c->mu);
    return had;
}

void sched_cache_forget(sched_cache *c, const char *key)
{
    pthread_mutex_lock(&c->mu);
    drop_pod(c, key, true);
    pthread_mutex_unlock(&c->mu);
}

bool sched_cache_has_pod(sched_cache *c, const char *key)
{
    pthread_mutex_lock(&c->mu);
    pod_entry *e;
    HASH_FIND_STR(c->pods, key, e);
    pthread_mutex_unlock(&c->mu);
    return e != NULL;
}

static bool tolerates(const sched_pod *p, const sched_taint *t)
{
    for (size_t i = 0; i < p->ntolerations; i++) {
        const sched_toleration *o = &p->tolerations[i];
        if (*o->effect && strcmp(o->effect, t->effect) != 0)
            continue;
        if (*o->key && strcmp(o->key, t->key) != 0)
            continue;
        if (strcmp(o->op, "Exists") == 0)
            return true;
        if (*o->key && strcmp(o->value, t->value) == 0)
            return true;
    }
    return false;
}

static bool selector_matches(const sched_node_info *n, const sched_pod *p)
{
    for (size_t i = 0; i < p->nselector; i++) {
        bool found = false;
        for (size_t j = 0; j < n->nlabels && !found; j++)
            found = strcmp(n->labels[j].key, p->selector[i].key) == 0 &&
                    strcmp(n->labels[j].value, p->selector[i].value) == 0;
        if (!found)
            return false;
    }
    return true;
}

static const char *node_label(const sched_node_info *n, const char *key)
{
    for (size_t j = 0; j < n->nlabels; j++)
        if (strcmp(n->labels[j].key, key) == 0)
            return n->labels[j].value;
    return NULL;
}

/* One expression of a nodeSelectorTerm, as Kubernetes' labels.Selector. */
static bool expr_holds(const sched_node_info *n, const sched_expr *e)
{
    const char *v = e->field ? (strcmp(e->key, "metadata.name") == 0 ? n->name : NULL)
                             : node_label(n, e->key);
    bool in = false;
    for (size_t k = 0; v && k < e->nvalues && !in; k++)
        in = strcmp(e->values[k], v) == 0;
    if (strcmp(e->op, "In") == 0)
        return in;
    if (strcmp(e->op, "NotIn") == 0)
        return !in;
    if (strcmp(e->op, "Exists") == 0)
        return v != NULL;
    if (strcmp(e->op, "DoesNotExist") == 0)
        return v == NULL;
    if ((strcmp(e->op, "Gt") == 0 || strcmp(e->op, "Lt") == 0) && v && e->nvalues == 1) {
        char *end1, *end2;
        long long a = strtoll(v, &end1, 10), b = strtoll(e->values[0], &end2, 10);
        if (*end1 || *end2 || !*v)
            return false;
        return e->op[0] == 'G' ? a > b : a < b;
    }
    return false;
}

/* Required node affinity: any term whose expressions all hold. */
static bool affinity_matches(const sched_node_info *n, const sched_pod *p)
{
    for (size_t i = 0; i < p->naffinity; i++) {
        bool all = true;
        for (size_t j = 0; j < p->affinity[i].nexprs && all; j++)
            all = expr_holds(n, &p->affinity[i].exprs[j]);
        if (all)
            return true;
    }
    return p->naffinity == 0;
}

unsigned sched_filter(const sched_node_info *n, int64_t used_milli_cpu, int64_t used_mem,
                      int64_t used_pods, const sched_pod *p, const sched_taint **taint)
{
    if (!n->ready)
        return SCHED_FIT_NOT_READY;
    if (n->unschedulable)
        return SCHED_FIT_UNSCHEDULABLE;
    for (size_t i = 0; i < n->ntaints; i++) {
        const sched_taint *t = &n->taints[i];
        if (strcmp(t->effect, "PreferNoSchedule") != 0 && !tolerates(p, t)) {
            if (taint)
                *taint = t;
            return SCHED_FIT_TAINT;
        }
    }
    if (!selector_matches(n, p))
        return SCHED_FIT_SELECTOR;
    if (!affinity_matches(n, p))
        return SCHED_FIT_AFFINITY;
    unsigned why = 0;
    if (used_pods + 1 > n->alloc_pods)
        why |= SCHED_FIT_PODS;
    if (p->milli_cpu > 0 && used_milli_cpu + p->milli_cpu > n->alloc_milli_cpu)
        why |= SCHED_FIT_CPU;
    if (p->mem > 0 && used_mem + p->mem > n->alloc_mem)
        why |= SCHED_FIT_MEMORY;
    return why;
}

static unsigned entry_filter(const node_entry *n, const sched_pod *p, const sched_taint **taint)
{
    return sched_filter(&n->info, n->used_milli_cpu, n->used_mem, n->used_pods, p, taint);
}

/* Reasons and how many nodes gave each, for the message. */
typedef struct reason_count {
    char *text;
    size_t count;
} reason_count;

static void count_reason(reason_count **rc, size_t *n, char *text)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*rc)[i].text, text) == 0) {
            (*rc)[i].count++;
            free(text);
            return;
        }
    *rc = xrealloc(*rc, (*n + 1) * sizeof(**rc));
    (*rc)[(*n)++] = (reason_count){text, 1};
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "0/3 nodes are available: 1 node(s) didn't match Pod's node selector,
 * 2 Insufficient memory." - counts and reasons sorted as strings, as
 * kube-scheduler's FitError prints them. */
static char *unschedulable_message(sched_cache *c, const sched_pod *p)
{
    static const struct {
        unsigned bit;
        const char *text;
    } texts[] = {
        {SCHED_FIT_NOT_READY, "node(s) were not ready"},
        {SCHED_FIT_UNSCHEDULABLE, "node(s) were unschedulable"},
        {SCHED_FIT_SELECTOR, "node(s) didn't match Pod's node selector"},
        {SCHED_FIT_AFFINITY, "node(s) didn't match Pod's node affinity/selector"},
        {SCHED_FIT_PODS, "Too many pods"},
        {SCHED_FIT_CPU, "Insufficient cpu"},
        {SCHED_FIT_MEMORY, "Insufficient memory"},
    };
    if (c->nsorted == 0)
        return xstrdup("0/0 nodes are available: no nodes available to schedule pods.");
    reason_count *rc = NULL;
    size_t nrc = 0;
    for (size_t i = 0; i < c->nsorted; i++) {
        const sched_taint *t = NULL;
        unsigned why = entry_filter(c->sorted[i], p, &t);
        if (why & SCHED_FIT_TAINT)
            count_reason(&rc, &nrc,
                         xasprintf("node(s) had untolerated taint {%s: %s}", t->key, t->value));
        for (size_t j = 0; j < ARRAY_SIZE(texts); j++)
            if (why & texts[j].bit)
                count_reason(&rc, &nrc, xstrdup(texts[j].text));
    }
    char **lines = xcalloc(nrc ? nrc : 1, sizeof(*lines));
    for (size_t i = 0; i < nrc; i++) {
        lines[i] = xasprintf("%zu %s", rc[i].count, rc[i].text);
        free(rc[i].text);
    }
    free(rc);
    qsort(lines, nrc, sizeof(*lines), by_string);
    mk_buf b = {0};
    mk_buf_printf(&b, "0/%zu nodes are available: ", c->nsorted);
    for (size_t i = 0; i < nrc; i++) {
        mk_buf_printf(&b, "%s%s", i ? ", " : "", lines[i]);
        free(lines[i]);
    }
    free(lines);
    mk_buf_puts(&b, ".");
    return mk_buf_steal(&b);
}

int sched_cache_schedule(sched_cache *c, const sched_pod *p, char **node, char **why)
{
    *node = NULL;
    *why = NULL;
    pthread_mutex_lock(&c->mu);
    ensure_sorted(c);
    for (size_t i = 0; i < c->nsorted; i++) {
        size_t idx = (c->cursor + i) % c->nsorted;
        node_entry *n = c->sorted[idx];
        if (entry_filter(n, p, NULL) == 0) {
            c->cursor = (idx + 1) % c->nsorted;
            put_pod(c, p, n->info.name, true);
            *node = xstrdup(n->info.name);
            pthread_mutex_unlock(&c->mu);
            return 0;
        }
    }
    *why = unschedulable_message(c, p);
    pthread_mutex_unlock(&c->mu);
    return -1;
}
