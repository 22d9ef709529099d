/* attach.h - `kubectl attach`: a client joined to a running container's
 * standard streams through the attach socket conmon keeps for it.
 *
 * The client speaks store/execproto.h's frames, as for exec: stdin frames
 * go to the container's stdin (when the pod asked for `stdin: true`; a
 * zero-length frame detaches stdin, which closes it for a `stdinOnce`
 * container), output comes back on stdout/stderr frames, resize frames
 * size a `tty: true` container's terminal. The session ends
 * when the client leaves (the container runs on) or the container exits
 * (an exit frame carries its exit code).
 */
#ifndef MK_KUBELET_ATTACH_H
#define MK_KUBELET_ATTACH_H

#include <stdbool.h>
#include <stddef.h>

#include "kubelet/runtime.h"

typedef struct attach_opts {
    bool in, out, err; /* which streams the client asked for */
    bool tty;          /* resize frames set the container's terminal size */
} attach_opts;

/* Relay between sock (the upgraded client connection, in blocking mode;
 * extra/extra_len came past its request) and conn, the attach socket
 * (runtime_attach), until either side ends. Closes conn, not sock. */
void attach_relay(runtime *rt, const char *id, int conn, const attach_opts *o, int sock,
                  const char *extra, size_t extra_len);

#endif
