/* image_python.c - the function runtime images (see image_python.h).
 *
 * Files are gathered as a list of host paths and packed with tar
 * (dereferencing symlinks, so /usr/bin/python3 and merged-/usr library
 * links become plain files), then imported like any rootfs tarball.
 */
#include "kubelet/image_python.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kubelet/fsutil.h"
#include "kubelet/image.h"
#include "kubelet/proc.h"
#include "store/util.h"

static const char python_pkgs[] =
    "python3.11-minimal libpython3.11-minimal libpython3.11-stdlib";

/* Append each line of cmd's stdout to list; ldd lines become the library
 * path they name. */
static int gather(const char *cmd, bool ldd, FILE *list, mk_err *err)
{
    FILE *p = popen(cmd, "r");
    if (!p)
        return mk_error(err, errno, "%s: %s", cmd, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, p) > 0) {
        line[strcspn(line, "\n")] = '\0';
        char *path = line;
        if (ldd) {
            char *arrow = strstr(line, "=> /");
            path = arrow ? arrow + 3 : line + strspn(line, " \t");
            if (*path != '/' || path[strlen(path) - 1] == ':')
                continue;
            path[strcspn(path, " ")] = '\0';
        }
        struct stat st;
        if (*path == '/' && stat(path, &st) == 0 && !S_ISDIR(st.st_mode))
            fprintf(list, "%s\n", path);
    }
    free(line);
    int st = pclose(p);
    if (!ldd && st != 0)
        return mk_error(err, EIO, "%s: exit status %d (are the packages installed?)", cmd, st);
    return 0;
}

static int build_one(const char *root, const char *name, const char *work, const char *bbroot,
                     const char *fnrt, bool python, mk_err *err)
{
    _cleanup_free_ char *listp = xasprintf("%s/%s.list", work, name);
    _cleanup_free_ char *tarp = xasprintf("%s/%s.tar", work, name);
    FILE *list = fopen(listp, "w");
    if (!list)
        return mk_error(err, errno, "%s: %s", listp, strerror(errno));
    _cleanup_free_ char *ldd_fnrt = xasprintf("ldd '%s'", fnrt);
    int rc = gather(ldd_fnrt, true, list, err);
    if (rc == 0 && python) {
        _cleanup_free_ char *dpkg = xasprintf("dpkg -L %s", python_pkgs);
        _cleanup_free_ char *ldd = xasprintf(
            "ldd /usr/bin/python3.11 /usr/lib/python3.11/lib-dynload/*.so 2>/dev/null");
        rc = gather(dpkg, false, list, err);
        if (rc == 0)
            rc = gather(ldd, true, list, err);
        if (rc == 0)
            fprintf(list, "/usr/bin/python3\n");
    }
    fclose(list);
    if (rc < 0)
        return rc;
    _cleanup_free_ char *fdir = xstrdup(fnrt);
    char *slash = strrchr(fdir, '/');
    const char *fbase = slash ? slash + 1 : fdir;
    if (slash)
        *slash = '\0';
    _cleanup_free_ char *xform = xasprintf("s|^%s$|usr/local/bin/mk-fnrt|", fbase);
    char *base[] = {"tar", "-cf", tarp, "-C", (char *)bbroot, ".", NULL};
    char *files[] = {"tar", "-rhf", tarp, "--no-recursion", "-T", listp, NULL};
    char *shim[] = {"tar",         "-rhf", tarp, "--transform", xform, "-C", slash ? fdir : ".",
                    (char *)fbase, NULL};
    if ((rc = proc_check(base, err)) < 0 || (rc = proc_check(files, err)) < 0 ||
        (rc = proc_check(shim, err)) < 0)
        return rc;
    return image_import(root, name, tarp, err);
}

int image_build_function_runtimes(const char *root, const char *fnrt, const char *busybox,
                                  mk_err *err)
{
    if (access(fnrt, X_OK) < 0)
        return mk_error(err, ENOENT, "%s: not found (build bin/mk-fnrt first)", fnrt);
    _cleanup_free_ char *bbroot = NULL;
    if (image_rootfs(root, "busybox", &bbroot, err) < 0) {
        if (image_build_busybox(root, busybox, err) < 0 ||
            image_rootfs(root, "busybox", &bbroot, err) < 0)
            return -err->code;
    }
    char work[] = "/tmp/mk-image-fn.XXXXXX";
    if (!mkdtemp(work))
        return mk_error(err, errno, "mkdtemp: %s", strerror(errno));
    int rc = build_one(root, "fnrt-sh", work, bbroot, fnrt, false, err);
    if (rc == 0)
        rc = build_one(root, "python3", work, bbroot, fnrt, true, err);
    mk_err e2;
    fsu_rm_rf(work, &e2);
    return rc < 0 ? mk_error_wrap(err, "build function runtime images") : 0;
}
