#include "fs/inode.h"
#include "store/util.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <uthash.h>

typedef struct fs_inode {
    uint64_t ino;
    char *path;
    bool in_by_path; /* false for a number that follows a renamed file */
    UT_hash_handle by_path;
    UT_hash_handle by_ino;
} fs_inode;

static pthread_mutex_t inode_lock = PTHREAD_MUTEX_INITIALIZER;
static fs_inode *inodes_by_path;
static fs_inode *inodes_by_ino;
static uint64_t inode_next = 2; /* FUSE_ROOT_ID is 1 */

static fs_inode *find_path(const char *path)
{
    fs_inode *e = NULL;
    HASH_FIND(by_path, inodes_by_path, path, strlen(path), e);
    return e;
}

static fs_inode *add(uint64_t ino, const char *path)
{
    fs_inode *e = xcalloc(1, sizeof *e);
    e->ino = ino;
    e->path = xstrdup(path);
    HASH_ADD_KEYPTR(by_path, inodes_by_path, e->path, strlen(e->path), e);
    e->in_by_path = true;
    HASH_ADD(by_ino, inodes_by_ino, ino, sizeof e->ino, e);
    return e;
}

uint64_t fs_inode_get(const char *path)
{
    pthread_mutex_lock(&inode_lock);
    if (!inodes_by_ino)
        add(1, "");
    fs_inode *e = find_path(path);
    if (!e)
        e = add(inode_next++, path);
    uint64_t ino = e->ino;
    pthread_mutex_unlock(&inode_lock);
    return ino;
}

uint64_t fs_inode_find(const char *path)
{
    if (!path[0])
        return 1;
    pthread_mutex_lock(&inode_lock);
    fs_inode *e = find_path(path);
    uint64_t ino = e ? e->ino : 0;
    pthread_mutex_unlock(&inode_lock);
    return ino;
}

char *fs_inode_path(uint64_t ino)
{
    if (ino == 1)
        return xstrdup("");
    pthread_mutex_lock(&inode_lock);
    fs_inode *e = NULL;
    HASH_FIND(by_ino, inodes_by_ino, &ino, sizeof ino, e);
    char *path = e ? xstrdup(e->path) : NULL;
    pthread_mutex_unlock(&inode_lock);
    return path;
}

void fs_inode_move(uint64_t ino, const char *new_path)
{
    pthread_mutex_lock(&inode_lock);
    fs_inode *e = NULL;
    HASH_FIND(by_ino, inodes_by_ino, &ino, sizeof ino, e);
    if (e && strcmp(e->path, new_path) != 0) {
        /* The number now names new_path; the path keeps its own number, if it
         * had one, so both numbers the kernel may hold resolve to it. */
        if (e->in_by_path)
            HASH_DELETE(by_path, inodes_by_path, e);
        e->in_by_path = false;
        free(e->path);
        e->path = xstrdup(new_path);
        if (!find_path(new_path)) {
            HASH_ADD_KEYPTR(by_path, inodes_by_path, e->path, strlen(e->path), e);
            e->in_by_path = true;
        }
    }
    pthread_mutex_unlock(&inode_lock);
}

void fs_inode_free_all(void)
{
    pthread_mutex_lock(&inode_lock);
    fs_inode *e, *tmp;
    HASH_ITER(by_ino, inodes_by_ino, e, tmp)
    {
        if (e->in_by_path)
            HASH_DELETE(by_path, inodes_by_path, e);
        HASH_DELETE(by_ino, inodes_by_ino, e);
        free(e->path);
        free(e);
    }
    pthread_mutex_unlock(&inode_lock);
}
