/* proc.h - running the host tools the kubelet drives (runc, tar, umoci, ip).
 *
 * One place that forks, so every child gets the same hygiene: default signal
 * dispositions, an empty signal mask and no inherited descriptors but 0-2.
 */
#ifndef MK_KUBELET_PROC_H
#define MK_KUBELET_PROC_H

#include <spawn.h>
#include <sys/types.h>

#include "store/error.h"

/* Run argv (argv[0] looked up in PATH) to completion with stdin from
 * /dev/null. Its stdout and stderr together (at most 64 KiB) go to *out when
 * out is not NULL (caller frees). Returns the exit status (0..255; 128+N for
 * signal N), or < 0 when it could not be started. */
int proc_run(char *const argv[], char **out, mk_err *err);

/* proc_run, but a non-zero exit becomes an EIO error quoting the command's
 * output ("runc delete x: exit 1: container not found"). */
int proc_check(char *const argv[], mk_err *err);

/* posix_spawn attributes for every child: an empty signal mask and default
 * dispositions (daemons block or ignore signals; conmon breaks on an
 * inherited SIG_IGN for SIGCHLD), plus flags (POSIX_SPAWN_SETSID or 0). */
void proc_spawnattr_init(posix_spawnattr_t *attr, short flags);

/* Close every descriptor from fd up in the child: libcurl's sockets are not
 * close-on-exec, and a child that kept the kubelet's API connections would
 * hold its watches open on the API server for as long as it lives. */
void proc_close_from(posix_spawn_file_actions_t *fa, int fd);

#endif
