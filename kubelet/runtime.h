/* runtime.h - containers on an OCI runtime (runc, or crun), monitored by conmon.
 *
 * Each container is one OCI bundle. runtime_run starts conmon (Debian's,
 * as CRI-O uses it) for it: conmon runs `runc create`, keeps the
 * container's stdout/stderr in a k8s-file log and, when the container
 * exits, writes its exit code to EXIT_DIR/<id>. conmon outlives the
 * kubelet, so exit codes and logs survive a kubelet restart.
 *
 * State lives under the state dir given to runtime_new:
 *   STATE/runc/     the runtime's --root (its container list)
 *   STATE/exits/    conmon's exit files, one per container id (watch it
 *                   with inotify for event-driven exit detection)
 *   STATE/sock/     conmon's attach sockets
 */
#ifndef MK_KUBELET_RUNTIME_H
#define MK_KUBELET_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "store/error.h"

typedef struct runtime runtime;

/* kind: "runc" (default when NULL) or "crun". crun on a hybrid-cgroup host
 * runs in a private mount namespace that hides the v2 controllers (NOTES). */
int runtime_new(const char *kind, const char *state_dir, runtime **out, mk_err *err);
void runtime_free(runtime *rt);
const char *runtime_exit_dir(const runtime *rt);

/* The container's standard streams, as a pod's stdin, stdinOnce and tty
 * ask: stdin open (conmon -i) for `kubectl attach -i`, closed for good after
 * the first client detaches when once; a terminal (conmon -t, which holds
 * the pty; the bundle's process.terminal must say so too). NULL: none. */
typedef struct runtime_stdio {
    bool stdin_open;
    bool stdin_once;
    bool tty;
} runtime_stdio;

/* Create and start container id from bundle (BUNDLE/config.json must exist),
 * its output appended to log_path in the k8s-file format. On success it
 * runs and *pid (may be NULL) is its init process. On failure nothing is
 * left behind: the half-created container is deleted. */
int runtime_run(runtime *rt, const char *id, const char *bundle, const char *log_path,
                const runtime_stdio *io, pid_t *pid, mk_err *err);

/* Connect to the attach socket conmon keeps for container id: a
 * SOCK_SEQPACKET socket whose packets carry one byte, 2 (stdout) or 3
 * (stderr), before the output; what is written to it goes to the
 * container's stdin when it was started with stdin open. -errno on failure. */
int runtime_attach(runtime *rt, const char *id, mk_err *err);

/* Set the terminal size of a tty container (conmon's control fifo). */
int runtime_resize(runtime *rt, const char *id, int cols, int rows, mk_err *err);

typedef enum runtime_status {
    RUNTIME_ABSENT = 0, /* the runtime does not know the id */
    RUNTIME_CREATED,
    RUNTIME_RUNNING,
    RUNTIME_STOPPED,
} runtime_status;

/* The container's status and init pid (0 unless running). */
int runtime_state(runtime *rt, const char *id, runtime_status *st, pid_t *pid, mk_err *err);

/* The exit code conmon recorded (0..255, 137 for SIGKILL), or -1 when the
 * container has not exited. *finished_ms (may be NULL): when the exit file was
 * written, wall-clock milliseconds. */
int runtime_exit_code(runtime *rt, const char *id, int64_t *finished_ms);

/* Signal the container's init process. A stopped container is no error. */
int runtime_kill(runtime *rt, const char *id, int sig, mk_err *err);

/* Delete the container (forced: a running one is killed first) and its exit
 * file. An absent container is no error. */
int runtime_delete(runtime *rt, const char *id, mk_err *err);

/* Does the runtime know id? (Reads its state dir: no process started.) */
bool runtime_exists(runtime *rt, const char *id);

/* Every container id the runtime knows (caller frees each and the array). */
int runtime_list(runtime *rt, char ***ids, size_t *n, mk_err *err);

/* Start `RUNTIME exec id argv...` with its stdin, stdout and stderr on pipes.
 * *in (write end; -1 when !with_stdin: /dev/null), *out and *errfd (read ends)
 * belong to the caller, as does reaping *pid. */
int runtime_exec(runtime *rt, const char *id, char *const argv[], bool with_stdin, int *in,
                 int *out, int *errfd, pid_t *pid, mk_err *err);

/* runtime_exec with a terminal (`exec --tty`, kubelet/console.h): what the
 * process and the runtime print comes out of *master, its input goes in,
 * and a size set on it reaches the process. *master and reaping *pid
 * belong to the caller. */
int runtime_exec_tty(runtime *rt, const char *id, char *const argv[], int *master, pid_t *pid,
                     mk_err *err);

#endif
