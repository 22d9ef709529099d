#include "kubelet/volumes.h"
#include "kubelet/envvars.h"
#include "kubelet/fsutil.h"
#include "store/codec.h"
#include "store/util.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

int volumes_base64_decode(const char *in, unsigned char **out, size_t *len, mk_err *err)
{
    /* Small enough to keep here: none of the linked libraries exports one. */
    size_t n = strlen(in);
    unsigned char *o = xmalloc(n / 4 * 3 + 4);
    size_t k = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        int v;
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '+' || c == '-')
            v = 62;
        else if (c == '/' || c == '_')
            v = 63;
        else if (c == '=' || c == '\n' || c == '\r' || c == ' ')
            continue;
        else {
            free(o);
            return mk_error(err, EINVAL, "base64: bad character at %zu", i);
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            o[k++] = (unsigned char)(acc >> bits);
        }
    }
    o[k] = '\0';
    *out = o;
    *len = k;
    return 0;
}

int volumes_link_pv(json_object *pvc, json_object *pv, const char *link, mk_err *err)
{
    const char *name = mk_json_str(pv, "metadata.name");
    const char *ref = mk_json_str(pv, "spec.claimRef.uid"),
               *uid = mk_json_str(pvc, "metadata.uid");
    if (ref && uid && strcmp(ref, uid) != 0)
        return mk_error(err, PODS_EMOUNT, "persistentvolume %s is bound to another claim",
                        name ? name : "");
    const char *path = mk_json_str(pv, "spec.hostPath.path");
    const char *type = mk_json_str(pv, "spec.hostPath.type");
    if (!path)
        path = mk_json_str(pv, "spec.local.path");
    if (!path || path[0] != '/')
        return mk_error(err, EINVAL, "persistentvolume %s: no absolute hostPath or local path",
                        name ? name : "");
    const char *by = json_object_get_string(json_object_object_get(
        mk_json_path(pv, "metadata.annotations"), "pv.kubernetes.io/provisioned-by"));
    bool provisioned = by && strcmp(by, VOLUMES_LOCAL_PATH) == 0;
    if (provisioned || (type && strcmp(type, "DirectoryOrCreate") == 0)) {
        /* 0777 as local-path makes them: containers need not run as root. */
        if (access(path, F_OK) < 0 && fsu_mkdir_p(path, 0777, err) < 0)
            return -err->code;
        if (provisioned)
            chmod(path, 0777);
    } else if (access(path, F_OK) < 0) {
        return mk_error(err, ENOENT, "persistentvolume %s: path %s does not exist",
                        name ? name : "", path);
    }
    char old[PATH_MAX];
    ssize_t n = readlink(link, old, sizeof(old) - 1);
    if (n >= 0 && (size_t)n == strlen(path) && memcmp(old, path, (size_t)n) == 0)
        return 0;
    _cleanup_free_ char *parent = xstrdup(link);
    *strrchr(parent, '/') = '\0';
    _cleanup_free_ char *tmp = xasprintf("%s.tmp", link);
    unlink(tmp);
    if (fsu_mkdir_p(parent, 0755, err) < 0)
        return -err->code;
    if (symlink(path, tmp) < 0 || rename(tmp, link) < 0)
        return mk_error(err, errno, "%s: %s", link, strerror(errno));
    return 0;
}

static char *vol_dir(const char *pod_dir, const char *name)
{
    return xasprintf("%s/volumes/%s", pod_dir, name);
}

/* A key becomes a file name: no path tricks. */
static bool safe_rel_path(const char *p)
{
    return p && *p && p[0] != '/' && !strstr(p, "..");
}

static int write_key(const char *dir, const char *rel, const void *data, size_t len,
                     mode_t mode, mk_err *err)
{
    if (!safe_rel_path(rel))
        return mk_error(err, EINVAL, "volume file %s: not a relative path", rel);
    _cleanup_free_ char *path = xasprintf("%s/%s", dir, rel);
    _cleanup_free_ char *parent = xstrdup(path);
    *strrchr(parent, '/') = '\0';
    if (fsu_mkdir_p(parent, 0755, err) < 0)
        return -err->code;
    return fsu_write_file(path, data, len, mode, err);
}

/* Write the object's keys (data, and for secrets stringData) into dir,
 * honouring items (key -> path) when given. */
static int write_object_files(json_object *obj, json_object *src, const char *dir, bool secret,
                              mk_err *err)
{
    json_object *data = mk_json_path(obj, "data");
    json_object *sdata = secret ? mk_json_path(obj, "stringData") : NULL;
    json_object *items = mk_json_path(src, "items");
    mode_t mode = secret ? 0400 : 0644;
    int64_t dm = mk_json_int(src, "defaultMode", -1);
    if (dm >= 0)
        mode = (mode_t)dm & 0777;
    json_object *all = json_object_new_object();
    if (data && json_object_is_type(data, json_type_object)) {
        json_object_object_foreach(data, k1, v1)
            json_object_object_add(all, k1, json_object_get(v1));
    }
    int rc = 0;
    /* stringData is plain text: mark it so it is not base64-decoded. */
    json_object *plain = json_object_new_object();
    if (sdata && json_object_is_type(sdata, json_type_object)) {
        json_object_object_foreach(sdata, k2, v2)
            json_object_object_add(plain, k2, json_object_get(v2));
    }
    size_t nitems = items ? json_object_array_length(items) : 0;
    json_object *maps[] = {all, plain};
    for (int m = 0; m < 2 && rc == 0; m++) {
        json_object_object_foreach(maps[m], key, val)
        {
            if (rc < 0)
                break;
            const char *path = nitems ? NULL : key;
            for (size_t i = 0; i < nitems; i++) {
                json_object *it = json_object_array_get_idx(items, i);
                const char *ik = mk_json_str(it, "key");
                if (ik && strcmp(ik, key) == 0)
                    path = mk_json_str(it, "path");
            }
            if (!path)
                continue;
            const char *s = json_object_get_string(val);
            if (secret && m == 0) {
                unsigned char *bytes = NULL;
                size_t len = 0;
                rc = volumes_base64_decode(s ? s : "", &bytes, &len, err);
                if (rc == 0)
                    rc = write_key(dir, path, bytes, len, mode, err);
                free(bytes);
            } else {
                rc = write_key(dir, path, s ? s : "", s ? strlen(s) : 0, mode, err);
            }
        }
    }
    json_object_put(all);
    json_object_put(plain);
    return rc;
}

/* name_field: "secretName" in a secret volume, "name" everywhere else. */
static int setup_object_volume(const pods_env *e, json_object *pod, json_object *src,
                               const char *dir, bool secret, const char *name_field,
                               mk_err *err)
{
    const char *name = mk_json_str(src, name_field);
    const char *ns = mk_json_str(pod, "metadata.namespace");
    if (!name)
        return mk_error(err, EINVAL, "%s volume names no object",
                        secret ? "secret" : "configMap");
    if (!e->fetch)
        return mk_error(err, ENOTSUP, "no API to fetch %s %s", secret ? "secret" : "configmap",
                        name);
    json_object *obj =
        e->fetch(e->fetch_ctx, secret ? "Secret" : "ConfigMap", ns ? ns : "default", name, err);
    if (!obj) {
        json_object *opt = mk_json_path(src, "optional");
        if (opt && json_object_get_boolean(opt))
            return fsu_mkdir_p(dir, 0755, err);
        return mk_error_wrap(err, "%s %s", secret ? "secret" : "configmap", name);
    }
    int rc = fsu_mkdir_p(dir, secret ? 0700 : 0755, err);
    if (rc == 0)
        rc = write_object_files(obj, src, dir, secret, err);
    json_object_put(obj);
    return rc;
}

static int by_key(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A whole labels or annotations map as the downward API writes it:
 * key="value" lines in key order. */
static char *map_lines(json_object *m)
{
    size_t n = m && json_object_is_type(m, json_type_object)
                   ? (size_t)json_object_object_length(m)
                   : 0;
    const char **keys = xcalloc(n + 1, sizeof *keys);
    size_t k = 0;
    if (n) {
        json_object_object_foreach(m, key, v)
        {
            (void)v;
            keys[k++] = key;
        }
    }
    qsort(keys, k, sizeof *keys, by_key);
    mk_buf b = {0};
    mk_buf_puts(&b, "");
    for (size_t i = 0; i < k; i++) {
        const char *v = json_object_get_string(json_object_object_get(m, keys[i]));
        mk_buf_printf(&b, "%s%s=\"", i ? "\n" : "", keys[i]);
        for (const char *c = v ? v : ""; *c; c++)
            mk_buf_printf(&b, "%s%c", *c == '"' || *c == '\\' ? "\\" : "", *c);
        mk_buf_puts(&b, "\"");
    }
    free(keys);
    return b.data;
}

/* A downwardAPI source's items, a file each: fieldRef (a path, or all the
 * labels or annotations) or resourceFieldRef (which names its container). */
static int write_downward(const pods_env *e, json_object *pod, json_object *src,
                          const char *dir, mk_err *err)
{
    json_object *items = mk_json_path(src, "items");
    int64_t dm = mk_json_int(src, "defaultMode", 0644);
    for (size_t i = 0; items && i < json_object_array_length(items); i++) {
        json_object *it = json_object_array_get_idx(items, i);
        const char *path = mk_json_str(it, "path");
        const char *fp = mk_json_str(it, "fieldRef.fieldPath");
        json_object *rr = mk_json_path(it, "resourceFieldRef");
        _cleanup_free_ char *text = NULL;
        if (fp && (!strcmp(fp, "metadata.labels") || !strcmp(fp, "metadata.annotations"))) {
            text = map_lines(mk_json_path(pod, fp));
        } else if (fp) {
            const char *v = envvars_field(e, pod, fp, NULL);
            text = xstrdup(v ? v : "");
        } else if (rr) {
            char buf[32];
            if (envvars_resource(pod, NULL, rr, buf, sizeof buf, err) < 0)
                return mk_error_wrap(err, "downwardAPI %s", path ? path : "");
            text = xstrdup(buf);
        } else {
            continue;
        }
        mode_t mode = (mode_t)(mk_json_int(it, "mode", dm) & 0777);
        if (write_key(dir, path ? path : "", text, strlen(text), mode, err) < 0)
            return -err->code;
    }
    return 0;
}

/* A serviceAccountToken source's lifetime (Kubernetes' default: 1 h), and
 * how old its file may grow before it is renewed: 80% of that, at most a
 * day, as Kubernetes' token manager. */
static int64_t token_ttl(json_object *src)
{
    return mk_json_int(src, "expirationSeconds", 3600);
}

static int64_t token_renew_after_ms(json_object *src)
{
    int64_t ms = token_ttl(src) * 800;
    return ms < 86400000 ? ms : 86400000;
}

static int write_token(const pods_env *e, json_object *pod, json_object *src, mode_t mode,
                       const char *dir, mk_err *err)
{
    const char *path = mk_json_str(src, "path");
    if (!e->token)
        return mk_error(err, ENOTSUP, "no API to request service account tokens");
    _cleanup_free_ char *token =
        e->token(e->fetch_ctx, pod, mk_json_str(src, "audience"), token_ttl(src), err);
    if (!token)
        return mk_error_wrap(err, "projected serviceAccountToken %s", path ?: "");
    return write_key(dir, path ?: "", token, strlen(token), mode, err);
}

/* A projected volume: its sources' files side by side in one folder;
 * serviceAccountToken sources only with tokens (a refresh leaves them to
 * volumes_renew_tokens). */
static int setup_projected(const pods_env *e, json_object *pod, json_object *vol,
                           const char *dir, bool tokens, mk_err *err)
{
    json_object *sources = mk_json_path(vol, "sources");
    mode_t mode = (mode_t)(mk_json_int(vol, "defaultMode", 0644) & 0777);
    if (fsu_mkdir_p(dir, 0755, err) < 0)
        return -err->code;
    for (size_t i = 0; sources && i < json_object_array_length(sources); i++) {
        json_object *s = json_object_array_get_idx(sources, i), *src;
        int rc = 0;
        if ((src = mk_json_path(s, "configMap")))
            rc = setup_object_volume(e, pod, src, dir, false, "name", err);
        else if ((src = mk_json_path(s, "secret")))
            rc = setup_object_volume(e, pod, src, dir, true, "name", err);
        else if ((src = mk_json_path(s, "downwardAPI")))
            rc = write_downward(e, pod, src, dir, err);
        else if ((src = mk_json_path(s, "serviceAccountToken")))
            rc = tokens ? write_token(e, pod, src, mode, dir, err) : 0;
        else if (mk_json_path(s, "clusterTrustBundle"))
            rc = mk_error(err, ENOTSUP,
                          "projected clusterTrustBundle: trust bundles are not supported by "
                          "minik8s");
        if (rc < 0)
            return rc;
    }
    return 0;
}

int64_t volumes_renew_tokens(const pods_env *e, json_object *pod, const char *pod_dir,
                             mk_err *err)
{
    json_object *vols = mk_json_path(pod, "spec.volumes");
    int64_t next = INT64_MAX, now = mk_wall_ms();
    int rc = 0;
    for (size_t i = 0; vols && i < json_object_array_length(vols); i++) {
        json_object *vol = json_object_array_get_idx(vols, i);
        json_object *proj = mk_json_path(vol, "projected");
        json_object *sources = mk_json_path(proj, "sources");
        _cleanup_free_ char *dir = vol_dir(pod_dir, mk_json_str(vol, "name") ?: "");
        mode_t mode = (mode_t)(mk_json_int(proj, "defaultMode", 0644) & 0777);
        for (size_t j = 0; sources && j < json_object_array_length(sources); j++) {
            json_object *src =
                mk_json_path(json_object_array_get_idx(sources, j), "serviceAccountToken");
            const char *path = mk_json_str(src, "path");
            if (!src || !safe_rel_path(path))
                continue;
            _cleanup_free_ char *file = xasprintf("%s/%s", dir, path);
            struct stat st;
            int64_t written = stat(file, &st) == 0 ? (int64_t)st.st_mtime * 1000 : 0;
            int64_t due = written + token_renew_after_ms(src);
            if (due <= now) {
                mk_err one = {0};
                if (write_token(e, pod, src, mode, dir, &one) < 0) {
                    rc = mk_error(err, one.code, "%s", one.msg);
                    due = now + 10000; /* try again soon */
                } else {
                    due = now + token_renew_after_ms(src);
                }
            }
            next = due - now < next ? due - now : next;
        }
    }
    return rc < 0 ? rc : next;
}

/* A claim's volume: the claim must be Bound (else PODS_EMOUNT, and the
 * pod waits in ContainerCreating); its PV's hostPath or local path is
 * linked from dir, which volumes_mounts resolves. */
static int setup_claim(const pods_env *e, json_object *pod, const char *vname, json_object *src,
                       const char *dir, mk_err *err)
{
    const char *claim = mk_json_str(src, "claimName");
    const char *ns = mk_json_str(pod, "metadata.namespace");
    ns = ns ? ns : "default";
    if (!claim)
        return mk_error(err, EINVAL, "volume %s: persistentVolumeClaim names no claim", vname);
    if (!e->fetch)
        return mk_error(err, ENOTSUP, "no API to fetch persistentvolumeclaim %s", claim);
    mk_err ferr = {0};
    json_object *pvc = e->fetch(e->fetch_ctx, "PersistentVolumeClaim", ns, claim, &ferr);
    if (!pvc)
        return mk_error(err, PODS_EMOUNT,
                        "error processing PVC %s/%s: failed to fetch PVC from API server: %s",
                        ns, claim, ferr.msg);
    const char *phase = mk_json_str(pvc, "status.phase");
    const char *pvname = mk_json_str(pvc, "spec.volumeName");
    json_object *pv = NULL;
    int rc = 0;
    if (!phase || strcmp(phase, "Bound") != 0 || !pvname || !*pvname)
        rc = mk_error(err, PODS_EMOUNT, "error processing PVC %s/%s: PVC is not bound", ns,
                      claim);
    else if (!(pv = e->fetch(e->fetch_ctx, "PersistentVolume", NULL, pvname, &ferr)))
        rc = mk_error(err, PODS_EMOUNT,
                      "error processing PVC %s/%s: failed to fetch PV %s from API server: %s",
                      ns, claim, pvname, ferr.msg);
    else
        rc = volumes_link_pv(pvc, pv, dir, err);
    if (rc < 0 && err->code != PODS_EMOUNT)
        mk_error_wrap(err, "volume %s", vname);
    json_object_put(pv);
    json_object_put(pvc);
    return rc;
}

bool volumes_is_file_volume(json_object *vol)
{
    static const char *const kinds[] = {"configMap", "secret", "downwardAPI", "projected"};
    for (size_t k = 0; k < ARRAY_SIZE(kinds); k++)
        if (mk_json_path(vol, kinds[k]))
            return true;
    return false;
}

/* A file volume's files into dir (tokens: a projected volume's tokens too). */
static int write_file_volume(const pods_env *e, json_object *pod, json_object *vol,
                             const char *dir, bool tokens, mk_err *err)
{
    json_object *src;
    if ((src = mk_json_path(vol, "configMap")))
        return setup_object_volume(e, pod, src, dir, false, "name", err);
    if ((src = mk_json_path(vol, "secret")))
        return setup_object_volume(e, pod, src, dir, true, "secretName", err);
    if ((src = mk_json_path(vol, "downwardAPI")))
        return fsu_mkdir_p(dir, 0755, err) < 0 ? -err->code
                                               : write_downward(e, pod, src, dir, err);
    return setup_projected(e, pod, mk_json_path(vol, "projected"), dir, tokens, err);
}

static int setup_one(const pods_env *e, json_object *pod, json_object *vol, const char *pod_dir,
                     mk_err *err)
{
    const char *name = mk_json_str(vol, "name");
    if (!name || !mk_is_dns1123_label(name))
        return mk_error(err, EINVAL, "volume %s: bad name", name ? name : "(none)");
    _cleanup_free_ char *dir = vol_dir(pod_dir, name);
    json_object *src;
    if ((src = mk_json_path(vol, "hostPath"))) {
        const char *path = mk_json_str(src, "path");
        const char *type = mk_json_str(src, "type");
        if (!path || path[0] != '/')
            return mk_error(err, EINVAL, "volume %s: hostPath.path must be absolute", name);
        if (type && strcmp(type, "DirectoryOrCreate") == 0)
            return fsu_mkdir_p(path, 0755, err);
        if (type && strcmp(type, "FileOrCreate") == 0) {
            int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
            if (fd < 0)
                return mk_error(err, errno, "volume %s: %s: %s", name, path, strerror(errno));
            close(fd);
            return 0;
        }
        if (access(path, F_OK) < 0)
            return mk_error(err, ENOENT, "volume %s: hostPath %s does not exist", name, path);
        return 0;
    }
    if (volumes_is_file_volume(vol))
        return write_file_volume(e, pod, vol, dir, true, err);
    if ((src = mk_json_path(vol, "persistentVolumeClaim")))
        return setup_claim(e, pod, name, src, dir, err);
    static const char *const unsupported[] = {"nfs",    "csi", "ephemeral", "iscsi",
                                              "cephfs", "rbd", "glusterfs", "image"};
    for (size_t i = 0; i < ARRAY_SIZE(unsupported); i++)
        if (mk_json_path(vol, unsupported[i]))
            return mk_error(err, ENOTSUP, "volume %s: %s volumes are not supported by minik8s",
                            name, unsupported[i]);
    /* emptyDir (also when the volume names no source, as Kubernetes does). */
    if (fsu_mkdir_p(dir, 0777, err) < 0)
        return -err->code;
    chmod(dir, 0777);
    const char *medium = mk_json_str(vol, "emptyDir.medium");
    if (medium && strcmp(medium, "Memory") == 0 && !fsu_is_mountpoint(dir)) {
        const char *limit = mk_json_str(vol, "emptyDir.sizeLimit");
        _cleanup_free_ char *opts =
            xasprintf("mode=1777%s%s", limit ? ",size=" : "", limit ? limit : "");
        if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
            return mk_error(err, errno, "volume %s: tmpfs: %s", name, strerror(errno));
    }
    return 0;
}

int volumes_setup(const pods_env *e, json_object *pod, const char *pod_dir, mk_err *err)
{
    json_object *vols = mk_json_path(pod, "spec.volumes");
    size_t n = vols ? json_object_array_length(vols) : 0;
    for (size_t i = 0; i < n; i++)
        if (setup_one(e, pod, json_object_array_get_idx(vols, i), pod_dir, err) < 0)
            return -err->code;
    return 0;
}

/* ---- refresh ---- */

/* One entry of a tree sync: its path in src and dst, and in the volume. */
typedef struct sync_entry {
    const char *from, *to, *rel;
    json_object *keep;
} sync_entry;

typedef void (*sync_fn)(const sync_entry *e);

/* fn for each entry of dir (src or dst of a sync), but . and .. */
static void each_entry(const char *dir, const char *src, const char *dst, const char *rel,
                       json_object *keep, sync_fn fn)
{
    DIR *d = opendir(dir);
    for (struct dirent *de; d && (de = readdir(d));) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        _cleanup_free_ char *from = xasprintf("%s/%s", src, de->d_name);
        _cleanup_free_ char *to = xasprintf("%s/%s", dst, de->d_name);
        _cleanup_free_ char *r = xasprintf("%s%s%s", rel, *rel ? "/" : "", de->d_name);
        fn(&(sync_entry){.from = from, .to = to, .rel = r, .keep = keep});
    }
    if (d)
        closedir(d);
}

/* dst's entry that src lacks goes, unless keep names it. */
static void sync_remove(const sync_entry *e)
{
    mk_err ignored;
    if (access(e->from, F_OK) < 0 && !json_object_object_get_ex(e->keep, e->rel, NULL))
        fsu_rm_rf(e->to, &ignored);
}

static void sync_tree(const char *src, const char *dst, const char *rel, json_object *keep);

/* src's entry replaces dst's when it differs (a rename: readers see the
 * old file or the new one, never half); a folder is synced inside. */
static void sync_move(const sync_entry *e)
{
    struct stat st;
    mk_err ignored;
    if (lstat(e->from, &st) < 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        fsu_mkdir_p(e->to, st.st_mode & 0777, &ignored);
        sync_tree(e->from, e->to, e->rel, e->keep);
    } else if (!fsu_same_content(e->from, e->to)) {
        rename(e->from, e->to);
    }
}

/* Make dst hold what src holds, file by file; what src lacks is removed
 * unless keep (paths relative to the volume) names it. rel is dst's path
 * within the volume. Removals first: the renames empty src. */
static void sync_tree(const char *src, const char *dst, const char *rel, json_object *keep)
{
    each_entry(dst, src, dst, rel, keep, sync_remove);
    each_entry(src, src, dst, rel, keep, sync_move);
}

/* The paths of a projected volume's token files: a refresh keeps them. */
static json_object *token_paths(json_object *vol)
{
    json_object *keep = json_object_new_object();
    json_object *sources = mk_json_path(vol, "projected.sources");
    for (size_t i = 0; sources && i < json_object_array_length(sources); i++) {
        const char *p =
            mk_json_str(json_object_array_get_idx(sources, i), "serviceAccountToken.path");
        if (p)
            json_object_object_add(keep, p, NULL);
    }
    return keep;
}

/* Write the volume anew beside it, then bring it up to date from there. */
static int refresh_one(const pods_env *e, json_object *pod, json_object *vol,
                       const char *pod_dir, mk_err *err)
{
    const char *name = mk_json_str(vol, "name") ?: "";
    if (!volumes_is_file_volume(vol))
        return 0;
    _cleanup_free_ char *dir = vol_dir(pod_dir, name);
    _cleanup_free_ char *fresh = xasprintf("%s/volumes/..%s.new", pod_dir, name);
    fsu_rm_rf(fresh, err);
    int rc = write_file_volume(e, pod, vol, fresh, false, err);
    if (rc == 0 && access(dir, F_OK) == 0) {
        json_object *keep = token_paths(vol);
        sync_tree(fresh, dir, "", keep);
        json_object_put(keep);
    }
    mk_err ignored;
    fsu_rm_rf(fresh, &ignored);
    return rc < 0 ? mk_error_wrap(err, "volume %s", name) : 0;
}

int volumes_refresh(const pods_env *e, json_object *pod, const char *pod_dir, mk_err *err)
{
    json_object *vols = mk_json_path(pod, "spec.volumes");
    int rc = 0;
    for (size_t i = 0; vols && i < json_object_array_length(vols); i++) {
        mk_err one = {0};
        if (refresh_one(e, pod, json_object_array_get_idx(vols, i), pod_dir, &one) < 0 &&
            rc == 0)
            rc = mk_error(err, one.code, "%s", one.msg);
    }
    return rc;
}

static json_object *find_volume(json_object *pod, const char *name)
{
    json_object *vols = mk_json_path(pod, "spec.volumes");
    size_t n = vols ? json_object_array_length(vols) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *v = json_object_array_get_idx(vols, i);
        const char *vn = mk_json_str(v, "name");
        if (vn && strcmp(vn, name) == 0)
            return v;
    }
    return NULL;
}

int volumes_mounts(json_object *pod, json_object *ctr, const char *pod_dir, oci_mount **out,
                   int *n, mk_err *err)
{
    json_object *vms = mk_json_path(ctr, "volumeMounts");
    size_t cnt = vms ? json_object_array_length(vms) : 0;
    oci_mount *m = xcalloc(cnt + 1, sizeof *m);
    for (size_t i = 0; i < cnt; i++) {
        json_object *vm = json_object_array_get_idx(vms, i);
        const char *name = mk_json_str(vm, "name");
        const char *dest = mk_json_str(vm, "mountPath");
        const char *sub = mk_json_str(vm, "subPath");
        json_object *vol = name ? find_volume(pod, name) : NULL;
        if (!vol || !dest || dest[0] != '/' || (sub && !safe_rel_path(sub))) {
            volumes_mounts_free(m, (int)i);
            return mk_error(err, EINVAL, "volumeMount %s: no such volume or bad path",
                            name ? name : "(none)");
        }
        const char *host = mk_json_str(vol, "hostPath.path");
        char *src = host ? xstrdup(host) : vol_dir(pod_dir, name);
        json_object *claim = mk_json_path(vol, "persistentVolumeClaim");
        if (claim) { /* the link volumes_setup made to the PV's path */
            char *real = realpath(src, NULL);
            free(src);
            if (!real) {
                volumes_mounts_free(m, (int)i);
                return mk_error(err, PODS_EMOUNT, "volume %s: claim not set up", name);
            }
            src = real;
        }
        if (sub) {
            char *full = xasprintf("%s/%s", src, sub);
            free(src);
            src = full;
            mk_err ignored;
            if (access(src, F_OK) < 0)
                fsu_mkdir_p(src, 0777, &ignored);
        }
        json_object *ro = mk_json_path(vm, "readOnly");
        json_object *cro = mk_json_path(claim, "readOnly");
        bool readonly = (ro && json_object_get_boolean(ro)) ||
                        (cro && json_object_get_boolean(cro)) || mk_json_path(vol, "secret") ||
                        mk_json_path(vol, "configMap") || mk_json_path(vol, "downwardAPI") ||
                        mk_json_path(vol, "projected");
        m[i] = (oci_mount){.source = src, .destination = xstrdup(dest), .readonly = readonly};
    }
    *out = m;
    *n = (int)cnt;
    return 0;
}

void volumes_mounts_free(oci_mount *m, int n)
{
    for (int i = 0; m && i < n; i++) {
        free((char *)m[i].source);
        free((char *)m[i].destination);
    }
    free(m);
}

void volumes_teardown(const char *pod_dir)
{
    _cleanup_free_ char *dir = xasprintf("%s/volumes", pod_dir);
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        _cleanup_free_ char *p = xasprintf("%s/%s", dir, de->d_name);
        struct stat st;
        /* a claim's link: never unmount what it points at */
        if (lstat(p, &st) == 0 && S_ISLNK(st.st_mode))
            continue;
        fsu_umount(p);
    }
    closedir(d);
}
