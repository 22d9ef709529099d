/* ops.c - the FUSE low-level callbacks: resolve an inode to a path, the
 * path to a node of the tree (fs/path.h) checked against the informer
 * cache (fs/cache.h), then answer from the cache, the scratch area or the
 * API server. Every refusal answers an errno and adds a line to .errors.
 */
#include "fs/ops.h"
#include "fs/cache.h"
#include "fs/commit.h"
#include "fs/errors.h"
#include "fs/inode.h"
#include "fs/invoke.h"
#include "fs/path.h"
#include "fs/pipe.h"
#include "fs/render.h"
#include "fs/scratch.h"
#include "fs/stream.h"
#include "store/codec.h"
#include "store/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

/* Kernel cache lifetimes: long for the tree (kept true by invalidations
 * from the informers), none for what changes without an event. */
#define TTL_TREE 10.0
#define TTL_NONE 0.0
/* Log files are fetched again at most this often for their size. */
#define LOGS_REFRESH_NS (300 * 1000000LL)
#define PIPE_CAP        (4u << 20)

static fs_ops_config fs;
static struct timespec mount_time; /* the time of folders that are no object */

void fs_ops_init(const fs_ops_config *cfg)
{
    fs = *cfg;
    clock_gettime(CLOCK_REALTIME, &mount_time);
}

/* A path resolved against the cache. */
typedef struct node {
    char *path;
    fs_path p;
    json_object *obj; /* OBJECT and below: the cached object */
} node;

static void node_clear(node *n)
{
    free(n->path);
    json_object_put(n->obj);
    *n = (node){0};
}

typedef enum fh_kind {
    FH_DIR,
    FH_FILE,
    FH_SCRATCH,
    FH_ERRORS,
    FH_WATCH,
    FH_LOGS,
    FH_EXEC
} fh_kind;

typedef struct dirent_rec {
    char *name;
    mode_t type;
    uint64_t ino;
} dirent_rec;

typedef struct fh {
    fh_kind kind;
    node n;
    pthread_mutex_t lock;
    /* FH_DIR */
    dirent_rec *ents;
    size_t nents, cap;
    /* FH_FILE, FH_ERRORS, FH_LOGS: the content; FH_FILE: the edit buffer */
    mk_buf buf;
    bool writable, append, dirty;
    int error;          /* sticky errno after a refused write */
    char rv[32];        /* FH_FILE: resourceVersion at open */
    int64_t fetched_ns; /* FH_LOGS */
    fs_pipe *pipe;      /* FH_WATCH */
    fs_exec *exec;      /* FH_EXEC */
    size_t rpos;        /* invoke: where the reader is in the reply */
    bool invoked;       /* invoke: buf now holds the reply */
} fh;

static fh *fh_new(fh_kind kind, node *n)
{
    fh *h = xcalloc(1, sizeof *h);
    h->kind = kind;
    if (n) {
        h->n = *n;
        *n = (node){0};
    }
    pthread_mutex_init(&h->lock, NULL);
    return h;
}

static void fh_free(fh *h)
{
    for (size_t i = 0; i < h->nents; i++)
        free(h->ents[i].name);
    free(h->ents);
    mk_buf_free(&h->buf);
    if (h->pipe) {
        fs_cache_unsubscribe(h->pipe);
        fs_pipe_free(h->pipe);
    }
    if (h->exec)
        fs_exec_free(h->exec);
    node_clear(&h->n);
    pthread_mutex_destroy(&h->lock);
    free(h);
}

static fh *fh_of(struct fuse_file_info *fi)
{
    return fi ? (fh *)(uintptr_t)fi->fh : NULL;
}

/* Cluster files that were "unlinked": unlink succeeds without removing
 * them (so rm -r reaches rmdir), and tools that unlink before writing anew
 * (mv across filesystems: unlink, then open O_CREAT|O_EXCL) must then see
 * the name free for a moment. Lookups answer ENOENT until the name is
 * created again or UNLINKED_NS has passed. */
#define UNLINKED_MAX 64
#define UNLINKED_NS  (2 * 1000000000LL)
static struct {
    pthread_mutex_t lock;
    char *path[UNLINKED_MAX];
    int64_t until[UNLINKED_MAX];
    size_t next;
} unlinked = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void unlinked_add(const char *path)
{
    pthread_mutex_lock(&unlinked.lock);
    size_t i = unlinked.next++ % UNLINKED_MAX;
    free(unlinked.path[i]);
    unlinked.path[i] = xstrdup(path);
    unlinked.until[i] = mk_now_ns() + UNLINKED_NS;
    pthread_mutex_unlock(&unlinked.lock);
}

/* Is path hidden as unlinked? take: forget it (it is being created). */
static bool unlinked_check(const char *path, bool take)
{
    bool hit = false;
    pthread_mutex_lock(&unlinked.lock);
    for (size_t i = 0; i < UNLINKED_MAX; i++) {
        if (!unlinked.path[i] || strcmp(unlinked.path[i], path) != 0)
            continue;
        hit = mk_now_ns() < unlinked.until[i];
        if (take || !hit) {
            free(unlinked.path[i]);
            unlinked.path[i] = NULL;
        }
    }
    pthread_mutex_unlock(&unlinked.lock);
    return hit;
}

/* Record a refusal in .errors and return the errno to answer. */
static int refuse(const char *path, int e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int refuse(const char *path, int e, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fs_errors_add(path, e, "%s", msg);
    return e;
}

static bool is_secret(const fs_path *p)
{
    return p->kind && p->kind->secret;
}

/* Secrets are for root alone, whatever the mount options. */
static bool caller_may_see(fuse_req_t req, const fs_path *p)
{
    return !is_secret(p) || fuse_req_ctx(req)->uid == 0;
}

static bool has_container(json_object *pod, const char *name)
{
    static const char *const lists[] = {"spec.containers", "spec.initContainers",
                                        "spec.ephemeralContainers"};
    for (size_t l = 0; l < ARRAY_SIZE(lists); l++) {
        json_object *a = mk_json_path(pod, lists[l]);
        size_t n = mk_json_array_len(a);
        for (size_t i = 0; i < n; i++) {
            const char *c = mk_json_str(json_object_array_get_idx(a, i), "name");
            if (c && strcmp(c, name) == 0)
                return true;
        }
    }
    return false;
}

/* The ConfigMap recording run p->run of workflow p->name, if it is one
 * (mk-router labels it minik8s.io/workflow=<wf>); NULL otherwise. */
static json_object *run_configmap(const fs_path *p)
{
    _cleanup_free_ char *name = fs_path_run_configmap(p->name, p->run);
    json_object *cm = fs_cache_get(kind_by_kind("ConfigMap"), p->ns, name);
    json_object *labels = cm ? mk_json_path(cm, "metadata.labels") : NULL, *wf = NULL;
    if (labels && json_object_object_get_ex(labels, "minik8s.io/workflow", &wf) &&
        strcmp(json_object_get_string(wf), p->name) == 0)
        return cm;
    json_object_put(cm);
    return NULL;
}

static bool run_exists(const fs_path *p)
{
    json_object *cm = run_configmap(p);
    json_object_put(cm);
    return cm != NULL;
}

/* Resolve path to a node of the tree; -ENOENT when there is none. */
static int node_resolve(const char *path, node *n)
{
    *n = (node){0};
    fs_path_parse(path, &n->p);
    switch (n->p.type) {
    case FS_NODE_NONE:
        return -ENOENT;
    case FS_NODE_ROOT:
    case FS_NODE_ERRORS:
        break;
    case FS_NODE_WATCH:
    case FS_NODE_KIND:
        if (n->p.kind && n->p.kind->namespaced && !fs_cache_namespace_exists(n->p.ns))
            return -ENOENT;
        break;
    default:
        n->obj = fs_cache_get(n->p.kind, n->p.ns, n->p.name);
        if (!n->obj)
            return -ENOENT;
        if ((n->p.type == FS_NODE_STREAM && !has_container(n->obj, n->p.container)) ||
            (n->p.type == FS_NODE_FILE && n->p.file == FS_FILE_RUNREC && !run_exists(&n->p))) {
            json_object_put(n->obj);
            n->obj = NULL;
            return -ENOENT;
        }
    }
    n->path = xstrdup(path);
    return 0;
}

static json_object *output_configmap(const node *n)
{
    _cleanup_free_ char *cm = xasprintf("%s-output", n->p.name);
    return fs_cache_get(kind_by_kind("ConfigMap"), n->p.ns, cm);
}

static char *render_node_file(const node *n, size_t *len)
{
    json_object *cm = n->p.file == FS_FILE_OUTPUT   ? output_configmap(n)
                      : n->p.file == FS_FILE_RUNREC ? run_configmap(&n->p)
                                                    : NULL;
    char *s = fs_render_file(n->p.file, n->obj, cm, len);
    json_object_put(cm);
    return s;
}

/* Size of a log as last fetched; refreshed at most every LOGS_REFRESH_NS. */
static size_t logs_size(const node *n)
{
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    static char last_path[512];
    static size_t last_len;
    static int64_t last_ns;
    pthread_mutex_lock(&mu);
    if (strcmp(last_path, n->path) == 0 && mk_now_ns() - last_ns < LOGS_REFRESH_NS) {
        size_t len = last_len;
        pthread_mutex_unlock(&mu);
        return len;
    }
    pthread_mutex_unlock(&mu);
    char *text = NULL;
    size_t len = 0;
    mk_err err = {0};
    if (fs_logs_fetch(fs.client, n->p.ns, n->p.name, n->p.container, &text, &len, &err) < 0)
        len = 0;
    free(text);
    pthread_mutex_lock(&mu);
    snprintf(last_path, sizeof last_path, "%s", n->path);
    last_len = len;
    last_ns = mk_now_ns();
    pthread_mutex_unlock(&mu);
    return len;
}

static struct timespec object_time(json_object *obj)
{
    const char *ts = obj ? mk_json_str(obj, "metadata.creationTimestamp") : NULL;
    int64_t t = ts ? mk_parse_rfc3339(ts) : -1;
    struct timespec r = {t > 0 ? t : 0, 0};
    return t > 0 ? r : mount_time;
}

static void node_stat(const node *n, uint64_t ino, struct stat *st, double *ttl)
{
    memset(st, 0, sizeof *st);
    st->st_ino = ino;
    st->st_uid = fs.uid;
    st->st_gid = fs.gid;
    st->st_blksize = 4096;
    st->st_mtim = st->st_ctim = st->st_atim = object_time(n->obj);
    *ttl = TTL_TREE;
    bool secret = is_secret(&n->p);
    size_t len = 0;
    switch (n->p.type) {
    case FS_NODE_ROOT:
    case FS_NODE_KIND:
    case FS_NODE_OBJECT:
    case FS_NODE_STREAMDIR:
    case FS_NODE_RUNS:
        st->st_mode = S_IFDIR | (secret ? 0700 : 0755);
        st->st_nlink = 2;
        return;
    case FS_NODE_ERRORS:
        free(fs_errors_render(&len));
        st->st_mode = S_IFREG | 0444;
        *ttl = TTL_NONE;
        break;
    case FS_NODE_WATCH:
        st->st_mode = S_IFREG | 0444;
        *ttl = TTL_NONE;
        break;
    case FS_NODE_FILE:
        free(render_node_file(n, &len));
        st->st_mode = S_IFREG | (fs_file_writable(n->p.file) ? 0644 : 0444);
        if (secret)
            st->st_mode &= ~(mode_t)0077;
        break;
    case FS_NODE_STREAM:
        if (n->p.stream == FS_STREAM_LOGS) {
            len = logs_size(n);
            st->st_mode = S_IFREG | 0444;
            clock_gettime(CLOCK_REALTIME, &st->st_mtim);
        } else {
            st->st_mode = S_IFREG | 0600;
        }
        *ttl = TTL_NONE;
        break;
    case FS_NODE_NONE:
        break;
    }
    st->st_nlink = 1;
    st->st_size = (off_t)len;
    st->st_blocks = (blkcnt_t)((len + 511) / 512);
}

static char *path_of(fuse_ino_t ino)
{
    return fs_inode_path(ino);
}

/* Stat path: a tree node, else a scratch file. */
static int stat_path(const char *path, struct fuse_entry_param *e)
{
    memset(e, 0, sizeof *e);
    node n;
    if (node_resolve(path, &n) == 0) {
        e->ino = fs_inode_get(path);
        node_stat(&n, e->ino, &e->attr, &e->attr_timeout);
        e->entry_timeout = e->attr_timeout;
        node_clear(&n);
        return 0;
    }
    node_clear(&n);
    fs_scratch_lock();
    fs_scratch *s = fs_scratch_find(path);
    if (s) {
        e->ino = s->ino;
        fs_scratch_stat(s, &e->attr);
    }
    fs_scratch_unlock();
    return s ? 0 : -ENOENT;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    _cleanup_free_ char *dir = path_of(parent);
    if (!dir) {
        fuse_reply_err(req, ESTALE);
        return;
    }
    _cleanup_free_ char *path = fs_path_join(dir, name);
    struct fuse_entry_param e;
    if (unlinked_check(path, false) || stat_path(path, &e) < 0) {
        fuse_reply_err(req, ENOENT);
        return;
    }
    fuse_reply_entry(req, &e);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
    fuse_reply_none(req); /* numbers are kept for the life of the mount */
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    _cleanup_free_ char *path = path_of(ino);
    struct fuse_entry_param e;
    if (!path || stat_path(path, &e) < 0) {
        fuse_reply_err(req, ENOENT);
        return;
    }
    e.attr.st_ino = ino;
    fuse_reply_attr(req, &e.attr, e.attr_timeout);
}

static void buf_set_size(mk_buf *b, size_t size)
{
    if (size > b->len) {
        size_t add = size - b->len;
        char *zeros = xcalloc(1, add);
        mk_buf_append(b, zeros, add);
        free(zeros);
    } else {
        b->len = size;
        if (b->data)
            b->data[size] = '\0';
    }
}

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
                       struct fuse_file_info *fi)
{
    _cleanup_free_ char *path = path_of(ino);
    if (!path) {
        fuse_reply_err(req, ENOENT);
        return;
    }
    fs_scratch_lock();
    fs_scratch *s = fs_scratch_find(path);
    if (s) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        if (to_set & FUSE_SET_ATTR_MODE)
            s->mode = attr->st_mode & 07777;
        if (to_set & FUSE_SET_ATTR_UID)
            s->uid = attr->st_uid;
        if (to_set & FUSE_SET_ATTR_GID)
            s->gid = attr->st_gid;
        if (to_set & FUSE_SET_ATTR_SIZE) {
            if ((size_t)attr->st_size > MK_MAX_OBJECT_BYTES) {
                fs_scratch_unlock();
                fuse_reply_err(
                    req, refuse(path, EFBIG, "larger than %d bytes", MK_MAX_OBJECT_BYTES));
                return;
            }
            buf_set_size(&s->data, (size_t)attr->st_size);
            s->mtime = now;
        }
        if (to_set & FUSE_SET_ATTR_ATIME)
            s->atime = attr->st_atim;
        if (to_set & FUSE_SET_ATTR_MTIME)
            s->mtime = attr->st_mtim;
        if (to_set & FUSE_SET_ATTR_ATIME_NOW)
            s->atime = now;
        if (to_set & FUSE_SET_ATTR_MTIME_NOW)
            s->mtime = now;
        s->ctime = now;
        struct stat st;
        fs_scratch_stat(s, &st);
        st.st_ino = ino;
        fs_scratch_unlock();
        fuse_reply_attr(req, &st, TTL_NONE);
        return;
    }
    fs_scratch_unlock();
    fh *h = fh_of(fi);
    if (h && h->kind == FH_FILE && h->writable && (to_set & FUSE_SET_ATTR_SIZE)) {
        /* Truncating an open file edits its buffer; only a later write and
         * flush commit anything. */
        pthread_mutex_lock(&h->lock);
        buf_set_size(&h->buf, (size_t)attr->st_size);
        pthread_mutex_unlock(&h->lock);
    }
    /* Mode, owner and times of cluster files are not the user's to set:
     * accepted (editors copy them onto the files they write) and ignored. */
    struct fuse_entry_param e;
    if (stat_path(path, &e) < 0) {
        fuse_reply_err(req, ENOENT);
        return;
    }
    e.attr.st_ino = ino;
    if (h && h->kind == FH_FILE && h->writable)
        e.attr.st_size = (off_t)h->buf.len;
    fuse_reply_attr(req, &e.attr, TTL_NONE);
}

/* --- directories ---------------------------------------------------- */

static void dir_add(fh *h, const char *name, mode_t type, uint64_t ino)
{
    if (h->nents == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 64;
        h->ents = xrealloc(h->ents, h->cap * sizeof *h->ents);
    }
    h->ents[h->nents++] = (dirent_rec){xstrdup(name), type, ino};
}

static void dir_add_child(fh *h, const char *name, mode_t type)
{
    _cleanup_free_ char *p = fs_path_join(h->n.path, name);
    dir_add(h, name, type, fs_inode_get(p));
}

static void dir_add_object(void *ctx, const char *name)
{
    dir_add_child(ctx, name, S_IFDIR);
}

static void dir_add_scratch(void *ctx, fs_scratch *s)
{
    fh *h = ctx;
    const char *leaf = strrchr(s->path, '/');
    dir_add(h, leaf ? leaf + 1 : s->path, S_IFREG, s->ino);
}

typedef struct run_dir_ctx {
    fh *h;
    const fs_path *wf;
} run_dir_ctx;

/* A ConfigMap named as a run of the workflow and labelled as one. */
static void dir_add_run(void *ctx, const char *cm)
{
    run_dir_ctx *rc = ctx;
    const char *id = fs_path_run_id(rc->wf->name, cm);
    if (!id || !mk_is_dns1123_label(id) || strlen(id) >= sizeof rc->wf->run)
        return;
    fs_path p = *rc->wf;
    snprintf(p.run, sizeof p.run, "%s", id);
    if (run_exists(&p))
        dir_add_child(rc->h, id, S_IFREG);
}

static void dir_fill(fh *h)
{
    const fs_path *p = &h->n.p;
    dir_add(h, ".", S_IFDIR, fs_inode_get(h->n.path));
    dir_add(h, "..", S_IFDIR, 1);
    switch (p->type) {
    case FS_NODE_ROOT:
        dir_add_child(h, ".errors", S_IFREG);
        dir_add_child(h, ".watch", S_IFREG);
        for (size_t i = 0; i < mk_nkinds; i++)
            dir_add_child(h, mk_kinds[i].resource, S_IFDIR);
        break;
    case FS_NODE_KIND:
        dir_add_child(h, ".watch", S_IFREG);
        fs_cache_names(p->kind, p->ns, dir_add_object, h);
        break;
    case FS_NODE_OBJECT:
        for (const char *const *e = fs_path_object_entries(p->kind); *e; e++)
            dir_add_child(h, *e,
                          strcmp(*e, "logs") == 0 || strcmp(*e, "exec") == 0 ||
                                  strcmp(*e, "runs") == 0
                              ? S_IFDIR
                              : S_IFREG);
        if (strcmp(p->kind->kind, "Namespace") == 0)
            for (size_t i = 0; i < mk_nkinds; i++)
                if (mk_kinds[i].namespaced)
                    dir_add_child(h, mk_kinds[i].resource, S_IFDIR);
        break;
    case FS_NODE_STREAMDIR: {
        json_object *a = mk_json_path(h->n.obj, "spec.containers");
        size_t n = mk_json_array_len(a);
        for (size_t i = 0; i < n; i++) {
            const char *c = mk_json_str(json_object_array_get_idx(a, i), "name");
            if (c && mk_is_dns1123_label(c))
                dir_add_child(h, c, S_IFREG);
        }
        break;
    }
    case FS_NODE_RUNS: {
        run_dir_ctx rc = {h, p};
        fs_cache_names(kind_by_kind("ConfigMap"), p->ns, dir_add_run, &rc);
        break;
    }
    default:
        break;
    }
    fs_scratch_lock();
    fs_scratch_list(h->n.path, dir_add_scratch, h);
    fs_scratch_unlock();
}

static bool node_is_dir(const fs_path *p)
{
    return p->type == FS_NODE_ROOT || p->type == FS_NODE_KIND || p->type == FS_NODE_OBJECT ||
           p->type == FS_NODE_STREAMDIR || p->type == FS_NODE_RUNS;
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    _cleanup_free_ char *path = path_of(ino);
    node n;
    if (!path || node_resolve(path, &n) < 0) {
        node_clear(&n);
        fuse_reply_err(req, ENOENT);
        return;
    }
    if (!node_is_dir(&n.p)) {
        node_clear(&n);
        fuse_reply_err(req, ENOTDIR);
        return;
    }
    if (!caller_may_see(req, &n.p)) {
        node_clear(&n);
        fuse_reply_err(req, refuse(path, EACCES, "secrets are readable by root only"));
        return;
    }
    fh *h = fh_new(FH_DIR, &n);
    dir_fill(h);
    fi->fh = (uintptr_t)h;
    fi->cache_readdir = 0;
    fuse_reply_open(req, fi);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                       struct fuse_file_info *fi)
{
    fh *h = fh_of(fi);
    char *buf = xmalloc(size);
    size_t used = 0;
    for (size_t i = (size_t)off; h && i < h->nents; i++) {
        struct stat st = {.st_ino = h->ents[i].ino, .st_mode = h->ents[i].type};
        size_t need =
            fuse_add_direntry(req, buf + used, size - used, h->ents[i].name, &st, (off_t)i + 1);
        if (need > size - used)
            break;
        used += need;
    }
    fuse_reply_buf(req, buf, used);
    free(buf);
}

static void op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    fh *h = fh_of(fi);
    if (h)
        fh_free(h);
    fuse_reply_err(req, 0);
}

/* --- opening files -------------------------------------------------- */

static bool wants_write(int flags)
{
    return (flags & O_ACCMODE) != O_RDONLY;
}

static int open_file(fuse_req_t req, node *n, struct fuse_file_info *fi, fh **out)
{
    const char *path = n->path;
    bool write = wants_write(fi->flags);
    if (write && !fs_file_writable(n->p.file))
        return refuse(path, EACCES, "%s is read-only", fs_file_name(n->p.file));
    fh *h = fh_new(FH_FILE, n);
    size_t len;
    char *text = render_node_file(&h->n, &len);
    const char *rv = mk_json_str(h->n.obj, "metadata.resourceVersion");
    snprintf(h->rv, sizeof h->rv, "%s", rv ? rv : "");
    h->writable = write;
    h->append = (fi->flags & O_APPEND) != 0;
    if (!(write && (fi->flags & O_TRUNC)))
        mk_buf_append(&h->buf, text, len);
    free(text);
    *out = h;
    return 0;
}

static int open_stream(fuse_req_t req, node *n, struct fuse_file_info *fi, fh **out)
{
    const char *path = n->path;
    mk_err err = {0};
    if (n->p.stream == FS_STREAM_LOGS) {
        if (wants_write(fi->flags))
            return refuse(path, EACCES, "logs are read-only");
        char *text = NULL;
        size_t len = 0;
        if (fs_logs_fetch(fs.client, n->p.ns, n->p.name, n->p.container, &text, &len, &err) < 0)
            return refuse(path, fs_errno_for(err.code), "%s", err.msg);
        fh *h = fh_new(FH_LOGS, n);
        mk_buf_append(&h->buf, text, len);
        free(text);
        h->fetched_ns = mk_now_ns();
        *out = h;
        return 0;
    }
    fs_exec *x = NULL;
    if (fs_exec_start(&fs.exec, n->p.ns, n->p.name, n->p.container, &x, &err) < 0)
        return refuse(path, fs_errno_for(err.code), "%s", err.msg);
    fh *h = fh_new(FH_EXEC, n);
    h->exec = x;
    fi->nonseekable = 1;
    *out = h;
    return 0;
}

static int open_node(fuse_req_t req, node *n, struct fuse_file_info *fi, fh **out)
{
    const char *path = n->path;
    if (!caller_may_see(req, &n->p))
        return refuse(path, EACCES, "secrets are readable by root only");
    switch (n->p.type) {
    case FS_NODE_FILE:
        return open_file(req, n, fi, out);
    case FS_NODE_ERRORS: {
        if (wants_write(fi->flags))
            return refuse(path, EACCES, ".errors is read-only");
        fh *h = fh_new(FH_ERRORS, n);
        size_t len;
        char *text = fs_errors_render(&len);
        mk_buf_append(&h->buf, text, len);
        free(text);
        *out = h;
        return 0;
    }
    case FS_NODE_WATCH: {
        if (wants_write(fi->flags))
            return refuse(path, EACCES, ".watch is read-only");
        fh *h = fh_new(FH_WATCH, n);
        h->pipe = fs_pipe_new(PIPE_CAP);
        fs_cache_subscribe(h->pipe, h->n.p.kind);
        fi->nonseekable = 1;
        *out = h;
        return 0;
    }
    case FS_NODE_STREAM:
        return open_stream(req, n, fi, out);
    default:
        return EISDIR;
    }
}

static int open_scratch(const char *path, struct fuse_file_info *fi, fh **out)
{
    fs_scratch_lock();
    fs_scratch *s = fs_scratch_find(path);
    if (s && (fi->flags & O_TRUNC) && wants_write(fi->flags))
        buf_set_size(&s->data, 0);
    fs_scratch_unlock();
    if (!s)
        return ENOENT;
    node n = {.path = xstrdup(path)};
    fh *h = fh_new(FH_SCRATCH, &n);
    h->append = (fi->flags & O_APPEND) != 0;
    *out = h;
    return 0;
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    _cleanup_free_ char *path = path_of(ino);
    if (!path) {
        fuse_reply_err(req, ENOENT);
        return;
    }
    fh *h = NULL;
    node n;
    int e;
    if (node_resolve(path, &n) == 0)
        e = open_node(req, &n, fi, &h);
    else
        e = open_scratch(path, fi, &h);
    node_clear(&n);
    if (e) {
        fuse_reply_err(req, e);
        return;
    }
    fi->fh = (uintptr_t)h;
    fi->direct_io = 1; /* contents are rendered per open; sizes may move */
    fi->keep_cache = 0;
    if (fuse_reply_open(req, fi) == -ENOENT) /* interrupted meanwhile */
        fh_free(h);
}

/* --- creating ------------------------------------------------------- */

/* What a new file in folder dir may be: a create (kind folder, root,
 * namespace folder), a temp file (anywhere), or nothing. */
typedef struct create_site {
    const mk_kind *kind; /* the folder's kind; NULL at root/namespace folders */
    const char *ns;      /* NULL at the root */
    bool creatable;
    bool object; /* an object's folder: temp files only */
    char rv[32];
} create_site;

static int create_site_of(const node *dir, create_site *site)
{
    *site = (create_site){0};
    switch (dir->p.type) {
    case FS_NODE_ROOT:
        site->creatable = true;
        return 0;
    case FS_NODE_KIND:
        site->creatable = true;
        site->kind = dir->p.kind;
        site->ns = dir->p.kind->namespaced ? dir->p.ns : NULL;
        return 0;
    case FS_NODE_OBJECT: {
        site->object = true;
        if (strcmp(dir->p.kind->kind, "Namespace") == 0) {
            site->creatable = true;
            site->ns = dir->p.name;
        }
        const char *rv = mk_json_str(dir->obj, "metadata.resourceVersion");
        snprintf(site->rv, sizeof site->rv, "%s", rv ? rv : "");
        return 0;
    }
    case FS_NODE_STREAMDIR:
    case FS_NODE_RUNS:
        return -EPERM;
    default:
        return -ENOTDIR;
    }
}

static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
                      struct fuse_file_info *fi)
{
    _cleanup_free_ char *dir = path_of(parent);
    if (!dir) {
        fuse_reply_err(req, ENOENT);
        return;
    }
    _cleanup_free_ char *path = fs_path_join(dir, name);
    struct fuse_entry_param e;
    fh *h = NULL;
    node n;
    int err = 0;
    unlinked_check(path, true);
    if (node_resolve(path, &n) == 0) {
        /* An existing cluster file that a tool believes gone (an editor
         * renamed it away, mv unlinked it, both of which succeed without
         * removing it) and now writes anew: open it with these flags. */
        bool rewrite = n.p.type == FS_NODE_FILE && fs_file_writable(n.p.file);
        err = (fi->flags & O_EXCL) && !rewrite ? EEXIST : open_node(req, &n, fi, &h);
        node_clear(&n);
    } else if (node_clear(&n), stat_path(path, &e) == 0) {
        err = (fi->flags & O_EXCL) ? EEXIST : open_scratch(path, fi, &h);
    } else {
        node d;
        create_site site;
        if (node_resolve(dir, &d) < 0)
            err = ENOENT;
        else if (create_site_of(&d, &site) < 0)
            err = refuse(path, EPERM, "no files can be made here");
        else if (!fs_path_is_temp_name(name) && !site.creatable)
            err = refuse(path, EPERM,
                         "unknown file: an object folder holds only its own files "
                         "(create objects by copying a manifest into a kind folder)");
        else if (!caller_may_see(req, &d.p))
            err = refuse(path, EACCES, "secrets are writable by root only");
        node_clear(&d);
        if (!err) {
            const struct fuse_ctx *ctx = fuse_req_ctx(req);
            fs_scratch_lock();
            fs_scratch *s = fs_scratch_new(path, mode, ctx->uid, ctx->gid);
            s->create = site.creatable && !fs_path_is_temp_name(name);
            snprintf(s->rv, sizeof s->rv, "%s", site.rv);
            fs_scratch_unlock();
            err = open_scratch(path, fi, &h);
        }
    }
    if (!err && stat_path(path, &e) < 0)
        err = ENOENT;
    if (err) {
        if (h)
            fh_free(h);
        fuse_reply_err(req, err);
        return;
    }
    fi->fh = (uintptr_t)h;
    fi->direct_io = 1;
    fi->keep_cache = 0;
    e.entry_timeout = e.attr_timeout = TTL_NONE;
    if (fuse_reply_create(req, &e, fi) == -ENOENT)
        fh_free(h);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
    _cleanup_free_ char *dir = path_of(parent);
    _cleanup_free_ char *path = fs_path_join(dir ? dir : "", name);
    fuse_reply_err(req, refuse(path, EPERM,
                               "folders cannot be made: create an object by copying its "
                               "manifest into the kind folder"));
}

static void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
                     dev_t rdev)
{
    fuse_reply_err(req, EPERM);
}

/* --- reading and writing -------------------------------------------- */

static void reply_slice(fuse_req_t req, const mk_buf *b, size_t size, off_t off)
{
    if ((size_t)off >= b->len) {
        fuse_reply_buf(req, NULL, 0);
        return;
    }
    size_t n = b->len - (size_t)off;
    fuse_reply_buf(req, b->data + off, n < size ? n : size);
}

static void logs_refresh(fh *h)
{
    if (mk_now_ns() - h->fetched_ns < LOGS_REFRESH_NS)
        return;
    char *text = NULL;
    size_t len = 0;
    mk_err err = {0};
    h->fetched_ns = mk_now_ns();
    if (fs_logs_fetch(fs.client, h->n.p.ns, h->n.p.name, h->n.p.container, &text, &len, &err) ==
            0 &&
        len >= h->buf.len) {
        mk_buf_reset(&h->buf);
        mk_buf_append(&h->buf, text, len);
    }
    free(text);
}

/* mk-router's route for the call file of p (invoke or run). Caller frees. */
static char *call_route(const fs_path *p)
{
    return xasprintf("/namespaces/%s/%s/%s", p->ns,
                     p->file == FS_FILE_RUN ? "workflows" : "functions", p->name);
}

/* invoke, run: the first read sends what was written (the whole request) and
 * takes the reply; reads go on from where the last one ended, whatever the
 * offset (the descriptor's offset sits after the request). */
static void op_read_invoke(fuse_req_t req, fh *h, size_t size)
{
    pthread_mutex_lock(&h->lock);
    if (!h->invoked) {
        mk_buf reply = {0};
        mk_err err = {0};
        mk_buf_puts(&h->buf, "");
        _cleanup_free_ char *route = call_route(&h->n.p);
        int r = fs_invoke(route, h->buf.data, h->buf.len, &reply, &err);
        mk_buf_free(&h->buf);
        h->buf = reply;
        h->invoked = true;
        h->dirty = false;
        if (r < 0) {
            pthread_mutex_unlock(&h->lock);
            fuse_reply_err(req, refuse(h->n.path, -r, "%s", err.msg));
            return;
        }
    }
    reply_slice(req, &h->buf, size, (off_t)h->rpos);
    h->rpos +=
        h->rpos < h->buf.len ? (size < h->buf.len - h->rpos ? size : h->buf.len - h->rpos) : 0;
    pthread_mutex_unlock(&h->lock);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
    fh *h = fh_of(fi);
    switch (h->kind) {
    case FH_FILE:
        if (fs_file_is_call(h->n.p.file)) {
            op_read_invoke(req, h, size);
            return;
        }
        /* fall through */
    case FH_ERRORS:
        pthread_mutex_lock(&h->lock);
        reply_slice(req, &h->buf, size, off);
        pthread_mutex_unlock(&h->lock);
        return;
    case FH_LOGS:
        pthread_mutex_lock(&h->lock);
        if ((size_t)off >= h->buf.len)
            logs_refresh(h); /* at the end: maybe the log grew (tail -f) */
        reply_slice(req, &h->buf, size, off);
        pthread_mutex_unlock(&h->lock);
        return;
    case FH_SCRATCH: {
        fs_scratch_lock();
        fs_scratch *s = fs_scratch_find(h->n.path);
        if (s)
            reply_slice(req, &s->data, size, off);
        fs_scratch_unlock();
        if (!s)
            fuse_reply_buf(req, NULL, 0);
        return;
    }
    case FH_WATCH:
        fs_pipe_read(h->pipe, req, size, (fi->flags & O_NONBLOCK) != 0);
        return;
    case FH_EXEC:
        fs_pipe_read(fs_exec_output(h->exec), req, size, (fi->flags & O_NONBLOCK) != 0);
        return;
    case FH_DIR:
        fuse_reply_err(req, EISDIR);
        return;
    }
}

/* Write into a buffer at off (or at its end), within the object size limit. */
static int buf_write(mk_buf *b, const char *data, size_t size, off_t off, bool append)
{
    size_t at = append ? b->len : (size_t)off;
    if (at + size > MK_MAX_OBJECT_BYTES)
        return EFBIG;
    if (at > b->len)
        buf_set_size(b, at);
    if (at + size > b->len)
        buf_set_size(b, at + size);
    memcpy(b->data + at, data, size);
    return 0;
}

static void op_write(fuse_req_t req, fuse_ino_t ino, const char *data, size_t size, off_t off,
                     struct fuse_file_info *fi)
{
    fh *h = fh_of(fi);
    int e = 0;
    switch (h->kind) {
    case FH_FILE:
        pthread_mutex_lock(&h->lock);
        if (!h->writable)
            e = EBADF;
        else if (h->error)
            e = h->error;
        else if ((e = buf_write(&h->buf, data, size, off, h->append)) == 0)
            h->dirty = true;
        else
            h->error = refuse(h->n.path, e, "larger than %d bytes: nothing will be written",
                              MK_MAX_OBJECT_BYTES);
        pthread_mutex_unlock(&h->lock);
        break;
    case FH_SCRATCH: {
        fs_scratch_lock();
        fs_scratch *s = fs_scratch_find(h->n.path);
        if (!s)
            e = EIO;
        else if (s->error)
            e = s->error;
        else if ((e = buf_write(&s->data, data, size, off, h->append)) == 0) {
            s->dirty = true;
            clock_gettime(CLOCK_REALTIME, &s->mtime);
        } else
            s->error = e;
        fs_scratch_unlock();
        if (e == EFBIG)
            refuse(h->n.path, e, "larger than %d bytes: nothing will be created",
                   MK_MAX_OBJECT_BYTES);
        break;
    }
    case FH_EXEC: {
        mk_err err = {0};
        if (fs_exec_stdin(h->exec, data, size, &err) < 0)
            e = refuse(h->n.path, fs_errno_for(err.code), "%s", err.msg);
        break;
    }
    default:
        e = EBADF;
    }
    if (e)
        fuse_reply_err(req, e);
    else
        fuse_reply_write(req, size);
}

/* Commit what was written through h, once. Returns an errno. */
static int commit_handle(fh *h)
{
    mk_err err = {0};
    if (h->kind == FH_FILE && fs_file_is_call(h->n.p.file))
        return 0; /* a call is sent by the first read, not at close */
    if (h->kind == FH_FILE) {
        pthread_mutex_lock(&h->lock);
        bool dirty = h->dirty;
        int sticky = h->error;
        h->dirty = false;
        h->error = 0;
        char *text = dirty ? xstrndup(h->buf.data ? h->buf.data : "", h->buf.len) : NULL;
        size_t len = h->buf.len;
        pthread_mutex_unlock(&h->lock);
        if (sticky) {
            free(text);
            return sticky;
        }
        if (!text)
            return 0;
        int r = fs_commit_file(fs.client, &h->n.p, h->rv, text, len, &err);
        free(text);
        return r < 0 ? refuse(h->n.path, -r, "%s", err.msg) : 0;
    }
    if (h->kind != FH_SCRATCH)
        return 0;
    fs_scratch_lock();
    fs_scratch *s = fs_scratch_find(h->n.path);
    if (!s || !s->create || (!s->dirty && !s->error)) {
        fs_scratch_unlock();
        return 0;
    }
    int sticky = s->error;
    char *text = xstrndup(s->data.data ? s->data.data : "", s->data.len);
    size_t len = s->data.len;
    /* A create file is done at its first commit, made or refused: the
     * object's folder (or nothing) takes its place. */
    fs_scratch_remove(h->n.path);
    fs_scratch_unlock();
    fs_cache_invalidate(h->n.path, true);
    if (sticky) {
        free(text);
        return sticky;
    }
    char *dir = xstrdup(h->n.path);
    const char *leaf;
    fs_path_split(h->n.path, dir, &leaf);
    node d;
    create_site site = {0};
    int r = node_resolve(dir, &d) == 0 ? create_site_of(&d, &site) : -ENOENT;
    if (r == 0)
        r = fs_commit_create(fs.client, site.kind, site.ns, text, len, &err);
    else
        mk_error(&err, ENOENT, "the folder is gone");
    node_clear(&d);
    free(dir);
    free(text);
    return r < 0 ? refuse(h->n.path, -r, "%s", err.msg) : 0;
}

static void op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    fuse_reply_err(req, commit_handle(fh_of(fi)));
}

static void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
    fuse_reply_err(req, commit_handle(fh_of(fi)));
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    fh *h = fh_of(fi);
    if (h)
        fh_free(h);
    fuse_reply_err(req, 0);
}

static void op_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
                    struct fuse_pollhandle *ph)
{
    fh *h = fh_of(fi);
    if (h && h->kind == FH_WATCH) {
        fs_pipe_poll(h->pipe, req, ph);
    } else if (h && h->kind == FH_EXEC) {
        fs_pipe_poll(fs_exec_output(h->exec), req, ph);
    } else {
        if (ph)
            fuse_pollhandle_destroy(ph);
        fuse_reply_poll(req, POLLIN | POLLOUT);
    }
}

/* --- removing and renaming ------------------------------------------ */

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    _cleanup_free_ char *dir = path_of(parent);
    _cleanup_free_ char *path = fs_path_join(dir ? dir : "", name);
    fs_scratch_lock();
    bool scratch = fs_scratch_find(path) != NULL;
    fs_scratch_remove(path);
    fs_scratch_unlock();
    if (scratch) {
        fuse_reply_err(req, 0);
        return;
    }
    node n;
    int r = node_resolve(path, &n);
    int e = 0;
    if (r < 0)
        e = ENOENT;
    else if (n.p.type == FS_NODE_FILE || n.p.type == FS_NODE_STREAM)
        unlinked_add(path); /* so that rm -r of an object folder reaches its rmdir */
    else
        e = refuse(path, EPERM, "cannot be removed");
    node_clear(&n);
    fuse_reply_err(req, e);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    _cleanup_free_ char *dir = path_of(parent);
    _cleanup_free_ char *path = fs_path_join(dir ? dir : "", name);
    node n;
    int e = 0;
    if (node_resolve(path, &n) < 0) {
        e = ENOENT;
    } else if (n.p.type == FS_NODE_OBJECT) {
        mk_err err = {0};
        if (!caller_may_see(req, &n.p))
            e = refuse(path, EACCES, "secrets are for root only");
        else if (fs_commit_delete(fs.client, &n.p, &err) < 0)
            e = refuse(path, err.code, "%s", err.msg);
    } else if (n.p.type == FS_NODE_KIND || n.p.type == FS_NODE_STREAMDIR ||
               n.p.type == FS_NODE_RUNS) {
        e = 0; /* emptied by rm -r; the folder itself stays */
    } else {
        e = ENOTDIR;
    }
    node_clear(&n);
    fuse_reply_err(req, e);
}

/* rename(temp, manifest.yaml): the temp's content is the edit, as of the
 * version current when the temp was made. */
static int rename_commit(const char *src, const node *dst)
{
    fs_scratch_lock();
    fs_scratch *s = fs_scratch_find(src);
    if (!s) {
        fs_scratch_unlock();
        return ENOENT;
    }
    int sticky = s->error;
    char *text = xstrndup(s->data.data ? s->data.data : "", s->data.len);
    size_t len = s->data.len;
    char rv[32];
    snprintf(rv, sizeof rv, "%s", s->rv);
    fs_scratch_remove(src);
    fs_scratch_unlock();
    if (!rv[0]) { /* made before the object existed, or outside its folder */
        const char *cur = mk_json_str(dst->obj, "metadata.resourceVersion");
        snprintf(rv, sizeof rv, "%s", cur ? cur : "");
    }
    mk_err err = {0};
    int r = sticky ? -sticky : fs_commit_file(fs.client, &dst->p, rv, text, len, &err);
    free(text);
    if (r < 0)
        return sticky ? sticky : refuse(dst->path, -r, "%s", err.msg);
    return 0;
}

/* rename(manifest.yaml, manifest.yaml~): an editor's backup. The cluster
 * file stays; the backup is a scratch copy of its content. */
static int rename_backup(fuse_req_t req, const node *src, const char *dst)
{
    size_t len;
    char *text = render_node_file(src, &len);
    const struct fuse_ctx *ctx = fuse_req_ctx(req);
    fs_scratch_lock();
    fs_scratch *s = fs_scratch_new(dst, 0644, ctx->uid, ctx->gid);
    mk_buf_append(&s->data, text, len);
    const char *rv = mk_json_str(src->obj, "metadata.resourceVersion");
    snprintf(s->rv, sizeof s->rv, "%s", rv ? rv : "");
    fs_scratch_unlock();
    free(text);
    return 0;
}

static void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
                      const char *newname, unsigned int flags)
{
    _cleanup_free_ char *sdir = path_of(parent), *ddir = path_of(newparent);
    if (!sdir || !ddir) {
        fuse_reply_err(req, ENOENT);
        return;
    }
    _cleanup_free_ char *src = fs_path_join(sdir, name), *dst = fs_path_join(ddir, newname);
    node sn, dn, dd;
    bool src_tree = node_resolve(src, &sn) == 0;
    bool dst_tree = node_resolve(dst, &dn) == 0;
    fs_scratch_lock();
    bool src_scratch = fs_scratch_find(src) != NULL;
    bool dst_scratch = fs_scratch_find(dst) != NULL;
    fs_scratch_unlock();
    int e = 0;
    if ((flags & RENAME_NOREPLACE) && (dst_tree || dst_scratch)) {
        e = EEXIST;
    } else if (flags & RENAME_EXCHANGE) {
        e = EINVAL;
    } else if (src_scratch && dst_tree && dn.p.type == FS_NODE_FILE) {
        e = rename_commit(src, &dn);
    } else if (src_scratch && !dst_tree) {
        create_site site;
        bool dir_ok = node_resolve(ddir, &dd) == 0 && create_site_of(&dd, &site) == 0;
        node_clear(&dd);
        if (!dir_ok)
            e = refuse(dst, EPERM, "no files can be made here");
        else if (!fs_path_is_temp_name(newname) && !site.creatable)
            e = refuse(dst, EPERM, "unknown file: an object folder holds only its own files");
        else {
            fs_scratch_lock();
            fs_scratch_rename(src, dst);
            fs_scratch *s = fs_scratch_find(dst);
            bool commit = false;
            if (s && site.creatable && !fs_path_is_temp_name(newname)) {
                /* mv x.tmp x.yaml in a kind folder creates, as cp does. */
                s->create = true;
                s->dirty = true;
                commit = true;
            }
            fs_scratch_unlock();
            if (commit) {
                node n = {.path = xstrdup(dst)};
                fh *h = fh_new(FH_SCRATCH, &n);
                e = commit_handle(h);
                fh_free(h);
            }
        }
    } else if (src_tree && sn.p.type == FS_NODE_FILE && !dst_tree &&
               fs_path_is_temp_name(newname)) {
        e = rename_backup(req, &sn, dst);
        fs_cache_invalidate(src, true);
    } else if (!src_tree && !src_scratch) {
        e = ENOENT;
    } else {
        e = refuse(src, EPERM, "cluster objects cannot be renamed");
    }
    node_clear(&sn);
    node_clear(&dn);
    fuse_reply_err(req, e);
}

static void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
    fuse_reply_err(req, EPERM);
}

static void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
    fuse_reply_err(req, EPERM);
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
    struct statvfs st = {
        .f_bsize = 4096,
        .f_frsize = 4096,
        .f_blocks = 1u << 20,
        .f_bfree = 1u << 19,
        .f_bavail = 1u << 19,
        .f_files = 1u << 20,
        .f_ffree = 1u << 19,
        .f_namemax = 253,
    };
    fuse_reply_statfs(req, &st);
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
    /* open(O_TRUNC) reaches open() (no separate truncate): a truncate alone
     * never commits anything. */
    if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
        conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
    conn->want &= ~(unsigned)FUSE_CAP_READDIRPLUS;
}

static const struct fuse_lowlevel_ops ops = {
    .init = op_init,
    .lookup = op_lookup,
    .forget = op_forget,
    .getattr = op_getattr,
    .setattr = op_setattr,
    .mknod = op_mknod,
    .mkdir = op_mkdir,
    .unlink = op_unlink,
    .rmdir = op_rmdir,
    .symlink = op_symlink,
    .rename = op_rename,
    .link = op_link,
    .open = op_open,
    .read = op_read,
    .write = op_write,
    .flush = op_flush,
    .release = op_release,
    .fsync = op_fsync,
    .opendir = op_opendir,
    .readdir = op_readdir,
    .releasedir = op_releasedir,
    .statfs = op_statfs,
    .create = op_create,
    .poll = op_poll,
};

const struct fuse_lowlevel_ops *fs_ops(void)
{
    return &ops;
}
