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

#include "store/client.h"

typedef struct fs_ops_config {
    mk_client *client;   /* borrowed; lives as long as the mount */
    const char *server;  /* for exec's upgraded connection */
    const char *token;   /* may be NULL */
    const char *ca_file; /* https: the server's CA (NULL: the system's) */
    uid_t uid;           /* owner of every file: the mounting user */
    gid_t gid;
} fs_ops_config;

void fs_ops_init(const fs_ops_config *cfg);
const struct fuse_lowlevel_ops *fs_ops(void);

#endif
