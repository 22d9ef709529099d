/* scratch.h - in-memory files that are not cluster objects.
 *
 * Two sorts live here: editors' temporary, swap and backup files in any
 * folder (never committed by themselves; a rename onto manifest.yaml
 * commits their content), and new files in a kind folder, the root or a
 * namespace folder (committed as a create at the first flush after a
 * write, then removed). Callers hold fs_scratch_lock() around every use of
 * a returned entry.
 */
#ifndef MK_FS_SCRATCH_H
#define MK_FS_SCRATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "store/util.h"

typedef struct fs_scratch {
    char *path;
    uint64_t ino;
    mk_buf data;
    mode_t mode; /* permission bits */
    uid_t uid;
    gid_t gid;
    struct timespec atime, mtime, ctime;
    bool create; /* a create file: commit at flush */
    bool dirty;  /* written since the last commit */
    int error;   /* sticky errno (EFBIG after an oversized write) */
    char rv[32]; /* the object's resourceVersion when this file was made */
} fs_scratch;

void fs_scratch_lock(void);
void fs_scratch_unlock(void);

fs_scratch *fs_scratch_find(const char *path);
fs_scratch *fs_scratch_new(const char *path, mode_t mode, uid_t uid, gid_t gid);
void fs_scratch_remove(const char *path);
/* Move old_path to new_path (replacing any scratch file there). */
void fs_scratch_rename(const char *old_path, const char *new_path);
/* Call fn for each scratch file directly inside dir. */
void fs_scratch_list(const char *dir, void (*fn)(void *ctx, fs_scratch *s), void *ctx);
/* A stat for s. */
void fs_scratch_stat(const fs_scratch *s, struct stat *st);
void fs_scratch_free_all(void);

#endif
