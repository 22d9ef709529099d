/* proc.h - running the host tools the kubelet drives (runc, tar, umoci, ip).
 *
 * One place that forks, so every child gets the same hygiene: default signal
 * dispositions, an empty signal mask and no inherited descriptors but 0-2.
 */
#ifndef MK_KUBELET_PROC_H
#define MK_KUBELET_PROC_H

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

/* Put the calling (forked) child's signal state back to defaults: SIGCHLD
 * SIG_DFL (conmon breaks on an inherited SIG_IGN), empty mask. */
void proc_reset_signals(void);

#endif
