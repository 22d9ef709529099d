/* commit.h - what a write into the mount does at the API server.
 *
 * Each function turns bytes a user wrote into one API call (or one per
 * document), waits briefly for the informer cache to catch up so that the
 * next read shows the change, and returns 0 or a negative errno fit for the
 * syscall that triggered it (see fs_errno_for), with err's message naming
 * what was refused.
 */
#ifndef MK_FS_COMMIT_H
#define MK_FS_COMMIT_H

#include <stddef.h>

#include "fs/path.h"
#include "store/client.h"
#include "store/error.h"

/* The errno a filesystem call reports for a library/API error code:
 * EBADMSG (bad YAML) and EINVAL give EINVAL, a 409 conflict EBUSY, EEXIST
 * stays, EPERM/EACCES give EACCES, E2BIG EFBIG, ENOENT stays, an
 * unreachable or failing server EIO. */
int fs_errno_for(int code);

/* Create every document of text. kind: the folder's kind (NULL at the root
 * and in a namespace folder: the manifest says); ns: the folder's namespace
 * (NULL at the root: the manifest's, else "default"). All documents are
 * checked before the first is created. */
int fs_commit_create(mk_client *c, const mk_kind *kind, const char *ns, const char *text,
                     size_t len, mk_err *err);
/* Replace object p (an object file path) with the manifest in text, as of
 * resourceVersion rv (read when the file was opened). */
int fs_commit_manifest(mk_client *c, const fs_path *p, const char *rv, const char *text,
                       size_t len, mk_err *err);
/* labels: set the label set to text's key=value lines (merge patch). */
int fs_commit_labels(mk_client *c, const fs_path *p, const char *text, size_t len, mk_err *err);
/* scale: set spec.replicas (merge patch). */
int fs_commit_scale(mk_client *c, const fs_path *p, const char *text, size_t len, mk_err *err);
/* Dispatch a write of file p.file to the three above. */
int fs_commit_file(mk_client *c, const fs_path *p, const char *rv, const char *text, size_t len,
                   mk_err *err);
/* Delete object p. */
int fs_commit_delete(mk_client *c, const fs_path *p, mk_err *err);

#endif
