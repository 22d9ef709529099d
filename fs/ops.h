/* ops.h - the FUSE low-level operations of mk-fs (the tree of DESIGN.md,
 * "The filesystem").
 */
#ifndef MK_FS_OPS_H
#define MK_FS_OPS_H

#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 312
#endif
#include <fuse_lowlevel.h>
#include <sys/types.h>

#include "fs/stream.h"
#include "store/client.h"

typedef struct fs_ops_config {
    mk_client *client;   /* borrowed; lives as long as the mount */
    fs_exec_target exec; /* where exec's upgraded connections go */
    uid_t uid;           /* owner of every file: the mounting user */
    gid_t gid;
} fs_ops_config;

void fs_ops_init(const fs_ops_config *cfg);
const struct fuse_lowlevel_ops *fs_ops(void);

#endif
