/* hpc.h - an SSH connection to an HPC login host (libssh): commands and SFTP.
 *
 * Public-key authentication only, and the host key must match the given
 * known_hosts text: an unknown or changed key is refused (never accepted,
 * never learned). A connection is not thread-safe: one thread uses it at a
 * time (mk-gpu's single worker).
 *
 * Errors (mk_err code):
 *   EKEYREJECTED  the host's key is not in known_hosts, or differs from it
 *   EACCES        the server refused our key
 *   EINVAL        the private key cannot be read
 *   ECONNREFUSED, EHOSTUNREACH, ETIMEDOUT, EIO  transport failures; the
 *                 connection is then dead (hpc_alive false): drop it
 *   ENOENT        hpc_get_tail: no such file
 * No function logs or copies the private key anywhere but into libssh.
 */
#ifndef MK_GPU_HPC_H
#define MK_GPU_HPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/error.h"

/* Where and as whom to log in; every field is borrowed by the calls below. */
typedef struct hpc_target {
    const char *host;
    int port; /* 0: 22 */
    const char *user;
    const char *private_key; /* OpenSSH or PEM text, unencrypted */
    const char *known_hosts; /* known_hosts lines ("[host]:port type key") */
} hpc_target;

typedef struct hpc_conn hpc_conn;

/* Connect, verify the host key, authenticate, open SFTP. */
int hpc_connect(const hpc_target *t, hpc_conn **out, mk_err *err);
void hpc_close(hpc_conn *c);
bool hpc_alive(hpc_conn *c);

/* Run cmd through the remote user's shell. *out and *errout (each may be
 * NULL when not wanted; caller frees) hold up to 64 KiB of stdout/stderr;
 * *status is the command's exit status. A non-zero exit is not an error:
 * errors are transport failures only. */
int hpc_exec(hpc_conn *c, const char *cmd, char **out, char **errout, int *status, mk_err *err);

/* Write a file (created or truncated) with mode, path relative to the
 * login directory unless absolute. */
int hpc_put(hpc_conn *c, const char *path, const void *data, size_t len, int mode, mk_err *err);

/* Read at most the last max bytes of a file. *truncated tells whether the
 * file was longer. *data is NUL-terminated, caller frees. */
int hpc_get_tail(hpc_conn *c, const char *path, size_t max, char **data, size_t *len,
                 bool *truncated, mk_err *err);

/* Connections kept open across jobs, one per distinct target (host, port,
 * user, key and known_hosts: a job never rides on a connection that was
 * verified against another job's known_hosts). */
typedef struct hpc_pool hpc_pool;
hpc_pool *hpc_pool_new(void);
void hpc_pool_free(hpc_pool *p);
/* The open connection for t, connecting (or reconnecting a dead one) as
 * needed. The pool keeps ownership. */
int hpc_pool_get(hpc_pool *p, const hpc_target *t, hpc_conn **out, mk_err *err);
/* Close the connection if it failed, so the next get reconnects. */
void hpc_pool_check(hpc_pool *p, hpc_conn *c);
/* Close and forget connections not used for idle_ms (an old Secret's
 * login, or one the server would drop anyway). */
void hpc_pool_expire(hpc_pool *p, int64_t idle_ms);

#endif
