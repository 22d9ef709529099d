#include "fs/scratch.h"
#include "fs/inode.h"

#include <pthread.h>
#include <string.h>
#include <time.h>
#include <uthash.h>

typedef struct scratch_entry {
    fs_scratch s;
    UT_hash_handle hh;
} scratch_entry;

static pthread_mutex_t scratch_mu = PTHREAD_MUTEX_INITIALIZER;
static scratch_entry *scratch_files;

void fs_scratch_lock(void)
{
    pthread_mutex_lock(&scratch_mu);
}

void fs_scratch_unlock(void)
{
    pthread_mutex_unlock(&scratch_mu);
}

static scratch_entry *find(const char *path)
{
    scratch_entry *e = NULL;
    HASH_FIND_STR(scratch_files, path, e);
    return e;
}

fs_scratch *fs_scratch_find(const char *path)
{
    scratch_entry *e = find(path);
    return e ? &e->s : NULL;
}

fs_scratch *fs_scratch_new(const char *path, mode_t mode, uid_t uid, gid_t gid)
{
    fs_scratch_remove(path);
    scratch_entry *e = xcalloc(1, sizeof *e);
    e->s.path = xstrdup(path);
    e->s.ino = fs_inode_get(path);
    e->s.mode = mode & 07777;
    e->s.uid = uid;
    e->s.gid = gid;
    clock_gettime(CLOCK_REALTIME, &e->s.mtime);
    e->s.atime = e->s.ctime = e->s.mtime;
    HASH_ADD_KEYPTR(hh, scratch_files, e->s.path, strlen(e->s.path), e);
    return &e->s;
}

static void entry_free(scratch_entry *e)
{
    mk_buf_free(&e->s.data);
    free(e->s.path);
    free(e);
}

void fs_scratch_remove(const char *path)
{
    scratch_entry *e = find(path);
    if (!e)
        return;
    HASH_DEL(scratch_files, e);
    entry_free(e);
}

void fs_scratch_rename(const char *old_path, const char *new_path)
{
    scratch_entry *e = find(old_path);
    if (!e || strcmp(old_path, new_path) == 0)
        return;
    fs_scratch_remove(new_path);
    HASH_DEL(scratch_files, e);
    free(e->s.path);
    e->s.path = xstrdup(new_path);
    fs_inode_move(e->s.ino, new_path);
    clock_gettime(CLOCK_REALTIME, &e->s.ctime);
    HASH_ADD_KEYPTR(hh, scratch_files, e->s.path, strlen(e->s.path), e);
}

void fs_scratch_list(const char *dir, void (*fn)(void *ctx, fs_scratch *s), void *ctx)
{
    size_t n = strlen(dir);
    scratch_entry *e, *tmp;
    HASH_ITER(hh, scratch_files, e, tmp)
    {
        const char *p = e->s.path;
        if (n == 0) {
            if (!strchr(p, '/'))
                fn(ctx, &e->s);
        } else if (strncmp(p, dir, n) == 0 && p[n] == '/' && !strchr(p + n + 1, '/')) {
            fn(ctx, &e->s);
        }
    }
}

void fs_scratch_stat(const fs_scratch *s, struct stat *st)
{
    memset(st, 0, sizeof *st);
    st->st_ino = s->ino;
    st->st_mode = S_IFREG | s->mode;
    st->st_nlink = 1;
    st->st_uid = s->uid;
    st->st_gid = s->gid;
    st->st_size = (off_t)s->data.len;
    st->st_blocks = (blkcnt_t)((s->data.len + 511) / 512);
    st->st_blksize = 4096;
    st->st_atim = s->atime;
    st->st_mtim = s->mtime;
    st->st_ctim = s->ctime;
}

void fs_scratch_free_all(void)
{
    scratch_entry *e, *tmp;
    HASH_ITER(hh, scratch_files, e, tmp)
    {
        HASH_DEL(scratch_files, e);
        entry_free(e);
    }
}
