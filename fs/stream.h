/* stream.h - pod logs and exec sessions for logs/<container> and
 * exec/<container>.
 *
 * Logs are fetched whole from GET .../pods/{pod}/log?container=C; a reader
 * at the end asks again, so `tail -f` (which polls the size) follows.
 * An exec session is one upgraded connection (store/execproto.h) running
 * `sh` in the container, its stderr joined to its stdout there so the two
 * keep their order: writes feed its stdin, reads return its output and end
 * at its exit.
 */
#ifndef MK_FS_STREAM_H
#define MK_FS_STREAM_H

#include <stdbool.h>
#include <stddef.h>

#include "fs/pipe.h"
#include "store/client.h"
#include "store/util.h"

/* The container's whole log; *out caller frees. */
int fs_logs_fetch(mk_client *c, const char *ns, const char *pod, const char *container,
                  char **out, size_t *len, mk_err *err);

typedef struct fs_exec fs_exec;

/* Where exec sessions go: the API server (http:// or https://), a token
 * (may be NULL), and for https the CA to trust (NULL: the system's). */
typedef struct fs_exec_target {
    const char *server, *token, *ca_file;
} fs_exec_target;

/* The path and query of an exec request: argv (URL-escaped here) in
 * ns/pod/container, with or without stdin and a terminal; argv NULL: an
 * attach to the container's own streams. Caller frees. */
char *fs_exec_path(const char *ns, const char *pod, const char *container, char *const argv[],
                   bool with_stdin, bool tty);

/* Connect to the server, ask for path with an Upgrade to store/execproto.h
 * and check the 101 answer. *fd is then the session's socket, plain bytes
 * even over https (fs/tlspipe.h; caller closes); early gets the bytes that
 * came after the answer's head, already frames (caller frees). Errors as
 * fs_exec_start. */
int fs_exec_dial(const fs_exec_target *to, const char *path, int *fd, mk_buf *early,
                 mk_err *err);

/* Start `sh` in the container. Fails within a few seconds:
 * ENOTCONN/ECONNREFUSED when nothing answers, EACCES when the server's
 * certificate does not verify, the API's error when it refuses (503 while
 * no kubelet serves exec). */
int fs_exec_start(const fs_exec_target *to, const char *ns, const char *pod,
                  const char *container, fs_exec **out, mk_err *err);
/* The session's output: stdout and stderr as they come, EOF at exit. */
fs_pipe *fs_exec_output(fs_exec *x);
int fs_exec_stdin(fs_exec *x, const void *data, size_t len, mk_err *err);
/* The exit code, or -1 while running. */
int fs_exec_exit_code(fs_exec *x);
/* Close stdin, end the session and free it. */
void fs_exec_free(fs_exec *x);

#endif
