#include "kubelet/image.h"
#include "kubelet/fsutil.h"
#include "kubelet/proc.h"
#include "store/util.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int image_normalize(const char *ref, char **name, mk_err *err)
{
    if (!ref || !*ref)
        return mk_error(err, EINVAL, "image: required");
    const char *base = strrchr(ref, '/');
    base = base ? base + 1 : ref;
    size_t n = strcspn(base, ":@");
    _cleanup_free_ char *s = xstrndup(base, n);
    if (!mk_is_dns1123_label(s))
        return mk_error(err, EINVAL, "image %s: not a valid image name", ref);
    *name = steal_pointer(&s);
    return 0;
}

int image_rootfs(const char *root, const char *ref, char **rootfs, mk_err *err)
{
    _cleanup_free_ char *name = NULL;
    if (image_normalize(ref, &name, err) < 0)
        return -err->code;
    _cleanup_free_ char *p = xasprintf("%s/%s/rootfs", root, name);
    struct stat st;
    if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode))
        return mk_error(err, ENOENT, "image %s not found in %s", ref, root);
    *rootfs = steal_pointer(&p);
    return 0;
}

json_object *image_config(const char *root, const char *ref)
{
    _cleanup_free_ char *name = NULL;
    mk_err err;
    if (image_normalize(ref, &name, &err) < 0)
        return NULL;
    _cleanup_free_ char *p = xasprintf("%s/%s/config.json", root, name);
    return json_object_from_file(p);
}

/* A fresh scratch directory beside the images, renamed into place at the end. */
static int image_tmpdir(const char *root, char **out, mk_err *err)
{
    if (fsu_mkdir_p(root, 0755, err) < 0)
        return -err->code;
    char *t = xasprintf("%s/.tmp-XXXXXX", root);
    if (!mkdtemp(t)) {
        int e = errno;
        free(t);
        return mk_error(err, e, "mkdtemp in %s: %s", root, strerror(e));
    }
    chmod(t, 0755);
    *out = t;
    return 0;
}

static int image_commit(const char *root, const char *name, const char *tmp, mk_err *err)
{
    _cleanup_free_ char *dst = xasprintf("%s/%s", root, name);
    _cleanup_free_ char *old = xasprintf("%s/.old-%s-%d", root, name, (int)getpid());
    bool had = rename(dst, old) == 0;
    if (rename(tmp, dst) < 0) {
        int e = errno;
        if (had)
            rename(old, dst);
        return mk_error(err, e, "rename %s -> %s: %s", tmp, dst, strerror(e));
    }
    if (had)
        fsu_rm_rf(old, err);
    return 0;
}

static int write_text(const char *path, const char *text, mode_t mode, mk_err *err)
{
    return fsu_write_file(path, text, strlen(text), mode, err);
}

static int busybox_links(const char *rootfs, const char *busybox, mk_err *err)
{
    char *argv[] = {(char *)busybox, "--list-full", NULL};
    _cleanup_free_ char *list = NULL;
    int rc = proc_run(argv, &list, err);
    if (rc < 0)
        return rc;
    if (rc != 0)
        return mk_error(err, EIO, "%s --list-full: exit %d", busybox, rc);
    char *save = NULL;
    for (char *l = strtok_r(list, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (!*l || strstr(l, "..") || strcmp(l, "bin/busybox") == 0)
            continue;
        _cleanup_free_ char *path = xasprintf("%s/%s", rootfs, l);
        _cleanup_free_ char *dir = xstrdup(path);
        *strrchr(dir, '/') = '\0';
        if (fsu_mkdir_p(dir, 0755, err) < 0)
            return -err->code;
        if (symlink("/bin/busybox", path) < 0 && errno != EEXIST)
            return mk_error(err, errno, "symlink %s: %s", path, strerror(errno));
    }
    return 0;
}

int image_build_busybox(const char *root, const char *busybox_path, mk_err *err)
{
    if (!busybox_path)
        busybox_path = "/bin/busybox";
    if (access(busybox_path, X_OK) < 0)
        return mk_error(err, ENOENT, "%s: not found (install busybox-static)", busybox_path);
    _cleanup_free_ char *tmp = NULL;
    if (image_tmpdir(root, &tmp, err) < 0)
        return -err->code;
    _cleanup_free_ char *rootfs = xasprintf("%s/rootfs", tmp);
    static const char *dirs[] = {"bin", "sbin", "usr/bin", "usr/sbin", "etc", "proc",
                                 "sys", "dev",  "root",    "home",     "var", "run"};
    int rc = 0;
    for (size_t i = 0; i < ARRAY_SIZE(dirs) && rc == 0; i++) {
        _cleanup_free_ char *d = xasprintf("%s/%s", rootfs, dirs[i]);
        rc = fsu_mkdir_p(d, 0755, err);
    }
    _cleanup_free_ char *tmpd = xasprintf("%s/tmp", rootfs);
    if (rc == 0 && (mkdir(tmpd, 01777) < 0 || chmod(tmpd, 01777) < 0))
        rc = mk_error(err, errno, "mkdir %s: %s", tmpd, strerror(errno));
    _cleanup_free_ char *bb = xasprintf("%s/bin/busybox", rootfs);
    char *cp[] = {"cp", (char *)busybox_path, bb, NULL};
    if (rc == 0)
        rc = proc_check(cp, err);
    if (rc == 0)
        rc = busybox_links(rootfs, busybox_path, err);
    _cleanup_free_ char *passwd = xasprintf("%s/etc/passwd", rootfs);
    _cleanup_free_ char *group = xasprintf("%s/etc/group", rootfs);
    _cleanup_free_ char *hosts = xasprintf("%s/etc/hosts", rootfs);
    _cleanup_free_ char *cfg = xasprintf("%s/config.json", tmp);
    if (rc == 0)
        rc = write_text(passwd,
                        "root:x:0:0:root:/root:/bin/sh\n"
                        "nobody:x:65534:65534:nobody:/home:/bin/false\n",
                        0644, err);
    if (rc == 0)
        rc = write_text(group, "root:x:0:\nnogroup:x:65534:\n", 0644, err);
    if (rc == 0)
        rc = write_text(hosts, "127.0.0.1 localhost\n", 0644, err);
    if (rc == 0)
        rc = write_text(cfg,
                        "{\"args\":[\"sh\"],\"env\":[\"PATH=/usr/sbin:/usr/bin:/sbin:/bin\"],"
                        "\"cwd\":\"/\"}\n",
                        0644, err);
    if (rc == 0)
        rc = image_commit(root, "busybox", tmp, err);
    if (rc < 0) {
        mk_err e2;
        fsu_rm_rf(tmp, &e2);
        return mk_error_wrap(err, "build busybox image");
    }
    return 0;
}

/* Keep the image's defaults (from umoci's generated runtime config). */
static int import_oci_config(const char *bundle, const char *tmp, mk_err *err)
{
    _cleanup_free_ char *src = xasprintf("%s/config.json", bundle);
    json_object *spec = json_object_from_file(src);
    if (!spec)
        return 0;
    json_object *proc = NULL, *out = json_object_new_object();
    if (json_object_object_get_ex(spec, "process", &proc)) {
        json_object *v;
        if (json_object_object_get_ex(proc, "args", &v))
            json_object_object_add(out, "args", json_object_get(v));
        if (json_object_object_get_ex(proc, "env", &v))
            json_object_object_add(out, "env", json_object_get(v));
        if (json_object_object_get_ex(proc, "cwd", &v))
            json_object_object_add(out, "cwd", json_object_get(v));
        /* The image's USER, as umoci resolved it: the default runAsUser. */
        if (json_object_object_get_ex(proc, "user", &v))
            json_object_object_add(out, "user", json_object_get(v));
    }
    _cleanup_free_ char *dst = xasprintf("%s/config.json", tmp);
    const char *s = json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN);
    int rc = fsu_write_file(dst, s, strlen(s), 0644, err);
    json_object_put(out);
    json_object_put(spec);
    return rc;
}

static int import_oci(const char *layout, const char *tmp, mk_err *err)
{
    /* "DIR:TAG" or DIR alone (then the first tag umoci lists, or latest). */
    _cleanup_free_ char *ref = NULL;
    struct stat st;
    if (stat(layout, &st) == 0 && S_ISDIR(st.st_mode)) {
        char *ls[] = {"umoci", "ls", "--layout", (char *)layout, NULL};
        _cleanup_free_ char *tags = NULL;
        if (proc_run(ls, &tags, err) == 0 && tags && *tags)
            ref = xasprintf("%s:%.*s", layout, (int)strcspn(tags, "\n"), tags);
        else
            ref = xasprintf("%s:latest", layout);
    } else {
        ref = xstrdup(layout);
    }
    _cleanup_free_ char *bundle = xasprintf("%s/bundle", tmp);
    char *argv[] = {"umoci", "unpack", "--image", ref, bundle, NULL};
    if (proc_check(argv, err) < 0)
        return -err->code;
    _cleanup_free_ char *from = xasprintf("%s/rootfs", bundle);
    _cleanup_free_ char *to = xasprintf("%s/rootfs", tmp);
    if (rename(from, to) < 0)
        return mk_error(err, errno, "rename %s: %s", from, strerror(errno));
    int rc = import_oci_config(bundle, tmp, err);
    mk_err e2;
    fsu_rm_rf(bundle, &e2);
    return rc;
}

static int import_tar(const char *file, const char *tmp, mk_err *err)
{
    _cleanup_free_ char *rootfs = xasprintf("%s/rootfs", tmp);
    if (mkdir(rootfs, 0755) < 0)
        return mk_error(err, errno, "mkdir %s: %s", rootfs, strerror(errno));
    char *argv[] = {"tar", "--numeric-owner", "-xpf", (char *)file, "-C", rootfs, NULL};
    return proc_check(argv, err);
}

static bool is_oci_layout(const char *file)
{
    _cleanup_free_ char *dir = xstrdup(file);
    struct stat st;
    if (stat(dir, &st) < 0) {
        char *colon = strrchr(dir, ':');
        if (!colon)
            return false;
        *colon = '\0';
    }
    _cleanup_free_ char *marker = xasprintf("%s/oci-layout", dir);
    return access(marker, R_OK) == 0;
}

int image_import(const char *root, const char *name, const char *file, mk_err *err)
{
    _cleanup_free_ char *norm = NULL;
    if (image_normalize(name, &norm, err) < 0)
        return -err->code;
    _cleanup_free_ char *tmp = NULL;
    if (image_tmpdir(root, &tmp, err) < 0)
        return -err->code;
    int rc;
    if (is_oci_layout(file))
        rc = import_oci(file, tmp, err);
    else if (access(file, R_OK) == 0)
        rc = import_tar(file, tmp, err);
    else
        rc = mk_error(err, ENOENT, "%s: %s", file, strerror(errno));
    if (rc == 0)
        rc = image_commit(root, norm, tmp, err);
    if (rc < 0) {
        mk_err e2;
        fsu_rm_rf(tmp, &e2);
        return mk_error_wrap(err, "import %s", norm);
    }
    return 0;
}

int image_pull(const char *root, const char *ref, const char *name, mk_err *err)
{
    bool has_transport = strstr(ref, "://") || strncmp(ref, "oci:", 4) == 0 ||
                         strncmp(ref, "oci-archive:", 12) == 0 ||
                         strncmp(ref, "docker-archive:", 15) == 0 ||
                         strncmp(ref, "dir:", 4) == 0;
    _cleanup_free_ char *src = has_transport ? xstrdup(ref) : xasprintf("docker://%s", ref);
    _cleanup_free_ char *norm = NULL;
    if (!name) {
        /* The last path part of the reference, without transport or tag. */
        const char *base = strrchr(src, '/');
        base = base ? base + 1 : strchr(src, ':') + 1;
        if (image_normalize(base, &norm, err) < 0)
            return mk_error_wrap(err, "pull %s: give the image a name", ref);
        name = norm;
    }
    _cleanup_free_ char *scratch = NULL;
    if (image_tmpdir(root, &scratch, err) < 0)
        return -err->code;
    _cleanup_free_ char *dst = xasprintf("oci:%s/layout:latest", scratch);
    char *argv[] = {"skopeo", "copy", "--quiet", src, dst, NULL};
    int rc = proc_check(argv, err);
    _cleanup_free_ char *layout = xasprintf("%s/layout:latest", scratch);
    if (rc == 0)
        rc = image_import(root, name, layout, err);
    mk_err e2;
    fsu_rm_rf(scratch, &e2);
    return rc < 0 ? mk_error_wrap(err, "pull %s", ref) : 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int image_list(const char *root, json_object **names, mk_err *err)
{
    *names = json_object_new_array();
    DIR *d = opendir(root);
    if (!d)
        return errno == ENOENT ? 0 : mk_error(err, errno, "%s: %s", root, strerror(errno));
    char **v = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        _cleanup_free_ char *rfs = xasprintf("%s/%s/rootfs", root, de->d_name);
        if (access(rfs, F_OK) < 0)
            continue;
        v = xrealloc(v, (n + 1) * sizeof *v);
        v[n++] = xstrdup(de->d_name);
    }
    closedir(d);
    qsort(v, n, sizeof *v, cmp_str);
    for (size_t i = 0; i < n; i++) {
        json_object_array_add(*names, json_object_new_string(v[i]));
        free(v[i]);
    }
    free(v);
    return 0;
}

int image_remove(const char *root, const char *name, mk_err *err)
{
    _cleanup_free_ char *norm = NULL;
    if (image_normalize(name, &norm, err) < 0)
        return -err->code;
    _cleanup_free_ char *p = xasprintf("%s/%s", root, norm);
    if (access(p, F_OK) < 0)
        return mk_error(err, ENOENT, "image %s not found in %s", norm, root);
    return fsu_rm_rf(p, err);
}
