#include "fs/path.h"
#include "store/util.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const char *const generic_entries[] = {"manifest.yaml", "status", NULL};
static const char *const nostatus_entries[] = {"manifest.yaml", NULL};
static const char *const pod_entries[] = {"manifest.yaml", "status", "logs", "exec", NULL};
static const char *const node_entries[] = {"manifest.yaml", "status", "labels", NULL};
static const char *const rs_entries[] = {"manifest.yaml", "status", "scale", NULL};
static const char *const gpujob_entries[] = {"manifest.yaml", "status", "output", NULL};
static const char *const function_entries[] = {"manifest.yaml", "status", "invoke", NULL};
static const char *const workflow_entries[] = {"manifest.yaml", "status", "run", "runs", NULL};

const char *const *fs_path_object_entries(const mk_kind *k)
{
    if (strcmp(k->kind, "Pod") == 0)
        return pod_entries;
    if (strcmp(k->kind, "Node") == 0)
        return node_entries;
    if (strcmp(k->kind, "ReplicaSet") == 0 || strcmp(k->kind, "Deployment") == 0 ||
        strcmp(k->kind, "StatefulSet") == 0)
        return rs_entries;
    if (strcmp(k->kind, "GpuJob") == 0)
        return gpujob_entries;
    if (strcmp(k->kind, "Function") == 0)
        return function_entries;
    if (strcmp(k->kind, "Workflow") == 0)
        return workflow_entries;
    return k->has_status ? generic_entries : nostatus_entries;
}

static const char *const file_names[] = {
    [FS_FILE_MANIFEST] = "manifest.yaml",
    [FS_FILE_STATUS] = "status",
    [FS_FILE_LABELS] = "labels",
    [FS_FILE_SCALE] = "scale",
    [FS_FILE_OUTPUT] = "output",
    [FS_FILE_INVOKE] = "invoke",
    [FS_FILE_RUN] = "run",
    /* a slash: never matches a path component */
    [FS_FILE_RUNREC] = "runs/<id>",
};

const char *fs_file_name(fs_file f)
{
    return file_names[f];
}

bool fs_file_writable(fs_file f)
{
    return f == FS_FILE_MANIFEST || f == FS_FILE_LABELS || f == FS_FILE_SCALE ||
           f == FS_FILE_INVOKE || f == FS_FILE_RUN;
}

bool fs_file_is_call(fs_file f)
{
    return f == FS_FILE_INVOKE || f == FS_FILE_RUN;
}

char *fs_path_run_configmap(const char *wf, const char *run)
{
    return xasprintf("%.40s-run-%s", wf, run); /* as functions/router.c store_run */
}

const char *fs_path_run_id(const char *wf, const char *cm)
{
    _cleanup_free_ char *prefix = fs_path_run_configmap(wf, "");
    size_t n = strlen(prefix);
    return strncmp(cm, prefix, n) == 0 && cm[n] ? cm + n : NULL;
}

static bool object_has_entry(const mk_kind *k, const char *name)
{
    for (const char *const *e = fs_path_object_entries(k); *e; e++)
        if (strcmp(*e, name) == 0)
            return true;
    return false;
}

static bool file_by_name(const char *name, fs_file *f)
{
    for (size_t i = 0; i < ARRAY_SIZE(file_names); i++)
        if (strcmp(file_names[i], name) == 0) {
            *f = (fs_file)i;
            return true;
        }
    return false;
}

/* Split path into at most n components; returns the count, or n+1 if more. */
static size_t split(char *path, char **parts, size_t n)
{
    size_t count = 0;
    for (char *save = NULL, *tok = strtok_r(path, "/", &save); tok;
         tok = strtok_r(NULL, "/", &save)) {
        if (count == n)
            return n + 1;
        parts[count++] = tok;
    }
    return count;
}

/* Parse the components below a kind folder: NAME[/FILE[/CONTAINER]]. */
static void parse_object(char **p, size_t n, fs_path *out)
{
    const mk_kind *k = out->kind;
    if (n == 0) {
        out->type = FS_NODE_KIND;
        return;
    }
    if (n == 1 && strcmp(p[0], ".watch") == 0) {
        out->type = FS_NODE_WATCH;
        return;
    }
    if (!mk_is_dns1123_subdomain(p[0]) || strlen(p[0]) >= sizeof out->name)
        return;
    snprintf(out->name, sizeof out->name, "%s", p[0]);
    if (n == 1) {
        out->type = FS_NODE_OBJECT;
        return;
    }
    if (!object_has_entry(k, p[1]))
        return;
    if (strcmp(p[1], "logs") == 0 || strcmp(p[1], "exec") == 0) {
        out->stream = p[1][0] == 'l' ? FS_STREAM_LOGS : FS_STREAM_EXEC;
        if (n == 2) {
            out->type = FS_NODE_STREAMDIR;
        } else if (n == 3 && mk_is_dns1123_label(p[2])) {
            snprintf(out->container, sizeof out->container, "%s", p[2]);
            out->type = FS_NODE_STREAM;
        }
        return;
    }
    if (strcmp(p[1], "runs") == 0) {
        if (n == 2) {
            out->type = FS_NODE_RUNS;
        } else if (n == 3 && mk_is_dns1123_label(p[2]) && strlen(p[2]) < sizeof out->run) {
            snprintf(out->run, sizeof out->run, "%s", p[2]);
            out->file = FS_FILE_RUNREC;
            out->type = FS_NODE_FILE;
        }
        return;
    }
    if (n == 2 && file_by_name(p[1], &out->file))
        out->type = FS_NODE_FILE;
}

void fs_path_parse(const char *path, fs_path *out)
{
    *out = (fs_path){.type = FS_NODE_NONE};
    char *parts[8];
    _cleanup_free_ char *copy = xstrdup(path);
    size_t n = split(copy, parts, ARRAY_SIZE(parts));
    if (n > ARRAY_SIZE(parts))
        return;
    if (n == 0) {
        out->type = FS_NODE_ROOT;
        return;
    }
    if (n == 1 && strcmp(parts[0], ".errors") == 0) {
        out->type = FS_NODE_ERRORS;
        return;
    }
    if (n == 1 && strcmp(parts[0], ".watch") == 0) {
        out->type = FS_NODE_WATCH;
        return;
    }
    const mk_kind *k = kind_by_resource(NULL, parts[0]);
    for (size_t i = 0; !k && i < mk_nkinds; i++)
        if (strcmp(mk_kinds[i].resource, parts[0]) == 0)
            k = &mk_kinds[i];
    if (!k)
        return;
    out->kind = k;
    /* namespaces/<ns>/<kind>/...: the namespaced view; namespaces/<ns>/
     * itself is also the Namespace object's folder. */
    if (strcmp(k->kind, "Namespace") == 0 && n >= 3 && !object_has_entry(k, parts[2])) {
        const mk_kind *inner = NULL;
        for (size_t i = 0; i < mk_nkinds; i++)
            if (mk_kinds[i].namespaced && strcmp(mk_kinds[i].resource, parts[2]) == 0)
                inner = &mk_kinds[i];
        if (!inner || !mk_is_dns1123_label(parts[1]))
            return;
        out->kind = inner;
        snprintf(out->ns, sizeof out->ns, "%s", parts[1]);
        parse_object(parts + 3, n - 3, out);
        return;
    }
    if (k->namespaced)
        snprintf(out->ns, sizeof out->ns, "default");
    parse_object(parts + 1, n - 1, out);
}

bool fs_path_is_temp_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0)
        return false;
    if (name[0] == '.' || name[0] == '#' || name[n - 1] == '~')
        return true;
    if (strspn(name, "0123456789") == n) /* vim's 4913 probe */
        return true;
    if (n == 9 && strncmp(name, "sed", 3) == 0) { /* sed -i: sedXXXXXX */
        bool alnum = true;
        for (size_t i = 3; i < n; i++)
            alnum = alnum && isalnum((unsigned char)name[i]);
        if (alnum)
            return true;
    }
    static const char *const suffixes[] = {".swp", ".swx", ".swo", ".tmp", ".bak", ".orig"};
    for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
        size_t s = strlen(suffixes[i]);
        if (n > s && strcmp(name + n - s, suffixes[i]) == 0)
            return true;
    }
    return strncmp(name, "tmp", 3) == 0 || strncmp(name, "temp", 4) == 0;
}

bool fs_path_split(const char *path, char *parent, const char **leaf)
{
    const char *slash = strrchr(path, '/');
    if (!path[0])
        return false;
    if (!slash) {
        parent[0] = '\0';
        *leaf = path;
        return true;
    }
    memcpy(parent, path, (size_t)(slash - path));
    parent[slash - path] = '\0';
    *leaf = slash + 1;
    return true;
}

char *fs_path_join(const char *parent, const char *name)
{
    return parent[0] ? xasprintf("%s/%s", parent, name) : xstrdup(name);
}

void fs_path_object_dirs(const mk_kind *k, const char *ns, const char *name, char **top,
                         char **nsd)
{
    *top = *nsd = NULL;
    if (!k->namespaced) {
        *top = xasprintf("%s/%s", k->resource, name);
        return;
    }
    if (ns && strcmp(ns, "default") == 0)
        *top = xasprintf("%s/%s", k->resource, name);
    *nsd = xasprintf("namespaces/%s/%s/%s", ns ? ns : "default", k->resource, name);
}
