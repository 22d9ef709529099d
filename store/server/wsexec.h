/* wsexec.h - kubectl's exec: the Kubernetes WebSocket channel protocols in
 * front of the exec relay (proxy.c), so `kubectl exec` works unchanged.
 *
 * kubectl (1.30 and later) asks for GET .../pods/{name}/exec?command=..
 * with "Upgrade: websocket" and offers the subprotocols v5.channel.k8s.io
 * and v4.channel.k8s.io (among older ones we do not speak). After the 101
 * every WebSocket message is one binary frame whose first byte is a
 * channel:
 *
 *   0 stdin, 1 stdout, 2 stderr, 4 resize ({"Width":W,"Height":H})
 *   3 error: the server's last word, a Status: Success, or Failure with
 *     reason NonZeroExitCode and the code in details.causes[ExitCode]
 *   255 close (v5 only): [255, 0] closes stdin
 *
 * The kubelet still speaks store/execproto.h; this module translates
 * between the two, with wslay doing the WebSocket framing (masking,
 * fragments, ping/pong, the closing handshake).
 */
#ifndef MK_SERVER_WSEXEC_H
#define MK_SERVER_WSEXEC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <wslay/wslay.h>

#include "store/util.h"

#define WSEXEC_V5 "v5.channel.k8s.io"
#define WSEXEC_V4 "v4.channel.k8s.io"

/* wslay's recv and send callbacks over a client socket fd (the
 * kubectl-facing WebSocket of exec and port-forward): *extra (*extra_len
 * bytes), what MHD read past the request, comes first. */
ssize_t wsexec_sock_recv(wslay_event_context_ptr ws, int fd, const char **extra,
                         size_t *extra_len, uint8_t *buf, size_t len);
ssize_t wsexec_sock_send(wslay_event_context_ptr ws, int fd, const uint8_t *data, size_t len);

/* The protocol version to speak, 5 or 4, from a Sec-WebSocket-Protocol
 * offer ("a, b, c"); 0 when it offers neither. */
int wsexec_choose(const char *offered);

/* Sec-WebSocket-Accept for a client's Sec-WebSocket-Key (RFC 6455 4.2.2):
 * 28 characters and a NUL into out. */
void wsexec_accept_key(const char *key, char out[29]);

/* The error channel's Status (without the channel byte): for the exit
 * code, or when why is not NULL a Failure saying why the command's end
 * is unknown (kubectl prints it and exits 1). */
void wsexec_status(mk_buf *out, int exit_code, const char *why);

/* A resize message's JSON as execproto's "COLS ROWS" into out; -1 when it
 * is not {"Width":W,"Height":H} with both in 1..65535. */
int wsexec_resize(const char *json, size_t len, char *out, size_t n);

/* Relay until the command ends, either side goes away or *stopping is
 * set: client is the upgraded WebSocket (with extra, bytes that came past
 * the request), kubelet the execproto socket (with early, frames that came
 * with its 101). Closes neither socket. */
void wsexec_relay(int client, const char *extra, size_t extra_len, int kubelet,
                  const char *early, size_t early_len, int version, atomic_bool *stopping);

#endif
