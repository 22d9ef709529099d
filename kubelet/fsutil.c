#include "kubelet/fsutil.h"
#include "store/util.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

int fsu_mkdir_p(const char *path, mode_t mode, mk_err *err)
{
    _cleanup_free_ char *p = xstrdup(path);
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, mode) < 0 && errno != EEXIST)
            return mk_error(err, errno, "mkdir %s: %s", p, strerror(errno));
        *s = c;
        if (c == '\0')
            break;
    }
    return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

int fsu_rm_rf(const char *path, mk_err *err)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : mk_error(err, errno, "%s: %s", path, strerror(errno));
    if (!S_ISDIR(st.st_mode)) {
        if (unlink(path) < 0)
            return mk_error(err, errno, "unlink %s: %s", path, strerror(errno));
        return 0;
    }
    /* FTW_MOUNT: stay on path's filesystem, so a forgotten bind mount of a
     * host directory is never emptied. */
    nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
    if (rmdir(path) < 0 && errno != ENOENT)
        return mk_error(err, errno, "rmdir %s: %s", path, strerror(errno));
    return 0;
}

bool fsu_same_content(const char *a, const char *b)
{
    char *x = NULL, *y = NULL;
    size_t nx = 0, ny = 0;
    mk_err ignored;
    bool same = mk_read_file(a, 1 << 24, &x, &nx, &ignored) == 0 &&
                mk_read_file(b, 1 << 24, &y, &ny, &ignored) == 0 && nx == ny &&
                !memcmp(x, y, nx);
    free(x);
    free(y);
    return same;
}

int fsu_write_file(const char *path, const void *data, size_t len, mode_t mode, mk_err *err)
{
    _cleanup_free_ char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return mk_error(err, errno, "%s: %s", tmp, strerror(errno));
    const char *p = data;
    size_t left = len;
    while (left) {
        ssize_t n = write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            unlink(tmp);
            return mk_error(err, e, "write %s: %s", tmp, strerror(e));
        }
        p += n;
        left -= (size_t)n;
    }
    fchmod(fd, mode);
    close(fd);
    if (rename(tmp, path) < 0) {
        int e = errno;
        unlink(tmp);
        return mk_error(err, e, "rename %s: %s", path, strerror(e));
    }
    return 0;
}

bool fsu_is_mountpoint(const char *path)
{
    struct stat st, pst;
    if (lstat(path, &st) < 0)
        return false;
    _cleanup_free_ char *parent = xstrdup(path);
    char *slash = strrchr(parent, '/');
    if (!slash)
        return false;
    *(slash == parent ? slash + 1 : slash) = '\0';
    if (stat(parent, &pst) < 0)
        return false;
    if (st.st_dev != pst.st_dev)
        return true;
    /* A bind mount from the same filesystem keeps st_dev: ask mountinfo. */
    _cleanup_free_ char *real = realpath(path, NULL);
    if (!real)
        return false;
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return false;
    char line[4096];
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        char mnt[4096];
        if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1 && strcmp(mnt, real) == 0)
            found = true;
    }
    fclose(f);
    return found;
}

void fsu_umount(const char *path)
{
    /* Loop: a path may carry several stacked mounts. */
    for (int i = 0; i < 8 && fsu_is_mountpoint(path); i++)
        if (umount2(path, 0) < 0 && umount2(path, MNT_DETACH) < 0)
            break;
}
