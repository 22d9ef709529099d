/* execproto.h - the frames of an exec session (pods/{name}/exec).
 *
 * The client POSTs .../exec?container=C&command=...&stdin=true&tty=false with
 * "Connection: Upgrade" and "Upgrade: minik8s-exec.v1"; the server answers
 * 101 Switching Protocols, and from then on both directions carry frames:
 * one byte channel, a 4-byte big-endian payload length, the payload.
 *
 *   0 stdin   client -> server; a zero-length frame closes stdin
 *   1 stdout  server -> client
 *   2 stderr  server -> client
 *   3 exit    server -> client: the exit code as decimal text; then the
 *             server closes the connection
 *   4 resize  client -> server: "COLS ROWS"
 *
 * With tty=true the process runs on a terminal: its output (stderr too)
 * comes on channel 1, and resize sets the terminal's size. Without it,
 * resize frames are ignored.
 */
#ifndef MK_EXECPROTO_H
#define MK_EXECPROTO_H

#include <stddef.h>
#include <sys/types.h>

#include "store/error.h"
#include "store/util.h"

#define EXECPROTO_UPGRADE     "minik8s-exec.v1"
#define EXECPROTO_HEADER      5
#define EXECPROTO_MAX_PAYLOAD (1u << 20)

/* The kubelet's port-forward upgrade (kubelet/portfwd.h): no frames, the
 * raw bytes of the pod's port both ways. */
#define PORTFWD_UPGRADE "minik8s-portforward.v1"

enum {
    EXECPROTO_STDIN = 0,
    EXECPROTO_STDOUT = 1,
    EXECPROTO_STDERR = 2,
    EXECPROTO_EXIT = 3,
    EXECPROTO_RESIZE = 4,
};

/* Append one frame to b. len must not exceed EXECPROTO_MAX_PAYLOAD. */
void execproto_encode(mk_buf *b, int channel, const void *data, size_t len);

/* Decode the frame at the front of data. Returns the bytes it takes (> 0)
 * and sets *channel, *payload (pointing into data) and *plen; 0 when data
 * holds no whole frame yet; -EBADMSG for an unknown channel or a payload
 * over EXECPROTO_MAX_PAYLOAD. */
ssize_t execproto_decode(const void *data, size_t len, int *channel, const char **payload,
                         size_t *plen);

/* The size a resize frame's payload carries ("COLS ROWS", each 1..65535):
 * 0, or -EINVAL. */
int execproto_size(const char *payload, size_t len, unsigned *cols, unsigned *rows);

/* The exit code an exit frame's payload carries (decimal text); -1 when it
 * is not a number. */
int execproto_exit_code(const char *payload, size_t len);

/* Hand each whole frame at the front of b to fn in order, then drop them
 * from b (a partial frame stays for the next bytes). Returns 0; fn's value
 * when it returns non-zero (that frame and the ones before it are
 * dropped, the rest stay); -EBADMSG on a malformed frame. */
typedef int (*execproto_frame_fn)(void *ctx, int channel, const char *payload, size_t len);
int execproto_drain(mk_buf *b, execproto_frame_fn fn, void *ctx);

/* Write one whole frame to fd (a blocking socket), retrying short writes. */
int execproto_write(int fd, int channel, const void *data, size_t len, mk_err *err);

#endif
