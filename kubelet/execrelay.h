/* execrelay.h - one exec session: a process in a container, its stdio
 * carried over an upgraded connection in execproto frames. */
#ifndef MK_KUBELET_EXECRELAY_H
#define MK_KUBELET_EXECRELAY_H

#include <stdbool.h>

#include "kubelet/runtime.h"

typedef struct execrelay_opts {
    bool with_stdin; /* relay stdin frames (else the process reads /dev/null) */
    bool tty;        /* a pty for the process: output on stdout only, resize frames apply */
} execrelay_opts;

/* Run argv in container id and relay until it exits, then send the exit
 * frame. sock is the client's connection, in blocking mode;
 * extra/extra_len are bytes the client already sent past the HTTP request.
 * Returns the exit code, or -1 when the process could not start (an error
 * text then went to the client on stderr, and exit code 126). */
int execrelay_run(runtime *rt, const char *id, char *const argv[], const execrelay_opts *o,
                  int sock, const char *extra, size_t extra_len);

#endif
