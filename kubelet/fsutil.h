/* fsutil.h - the few filesystem chores every kubelet module needs. */
#ifndef MK_KUBELET_FSUTIL_H
#define MK_KUBELET_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "store/error.h"

/* mkdir -p; existing directories are fine. */
int fsu_mkdir_p(const char *path, mode_t mode, mk_err *err);
/* rm -rf that never crosses into another filesystem: a bind mount left
 * under path (a hostPath volume) is skipped, never emptied. A missing path
 * is success. */
int fsu_rm_rf(const char *path, mk_err *err);
/* Write a file atomically (temp file + rename) with the given mode. */
/* Whether files a and b both exist with the same bytes. */
bool fsu_same_content(const char *a, const char *b);
int fsu_write_file(const char *path, const void *data, size_t len, mode_t mode, mk_err *err);
/* Unmount path (lazily if busy) when it is a mount point; absent is fine. */
void fsu_umount(const char *path);
/* Is path a mount point (differs in st_dev from its parent)? */
bool fsu_is_mountpoint(const char *path);

#endif
