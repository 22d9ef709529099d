/* inode.h - stable inode numbers for paths.
 *
 * Every path the kernel has looked up gets one number for the life of the
 * mount (1 is the root), so a deleted and re-created object keeps its number
 * and the kernel's caches can be invalidated by number. Entries are never
 * dropped: the table grows with the names ever seen, a few dozen bytes each.
 * Thread-safe.
 */
#ifndef MK_FS_INODE_H
#define MK_FS_INODE_H

#include <stdint.h>

/* The number for path, assigned on first use. */
uint64_t fs_inode_get(const char *path);
/* The number for path if it has one, else 0. */
uint64_t fs_inode_find(const char *path);
/* A copy of the path of ino (caller frees), or NULL if unknown. */
char *fs_inode_path(uint64_t ino);
/* Make ino name new_path (a renamed file keeps its number); new_path keeps
 * the number it had, if any, so both resolve to it. */
void fs_inode_move(uint64_t ino, const char *new_path);
/* Free the table (at unmount). */
void fs_inode_free_all(void);

#endif
