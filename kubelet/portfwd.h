/* portfwd.h - port-forward on the node: a TCP connection to a port of a
 * pod's loopback, relayed over the API server's upgraded connection
 * (kubelet/server.c: /portForward/{ns}/{pod}?port=N, "Upgrade:
 * minik8s-portforward.v1"). After the 101 the connection carries the raw
 * bytes of the pod's port, both ways, with half-closes passed on. */
#ifndef MK_KUBELET_PORTFWD_H
#define MK_KUBELET_PORTFWD_H

#include <stddef.h>

#include "store/error.h"
#include "store/execproto.h" /* PORTFWD_UPGRADE */

/* Connect to 127.0.0.1:port inside the network namespace at netns_path
 * (from a short-lived thread that alone enters it: a socket stays in the
 * namespace it was made in). Returns the connected socket, or < 0 with
 * err saying why (ECONNREFUSED when nothing listens there). */
int portfwd_dial(const char *netns_path, int port, mk_err *err);

/* Copy bytes between sock (the upgraded connection, in blocking mode;
 * extra/extra_len came past its request) and pod until both directions
 * have ended: an EOF on one side shuts down writing on the other. Closes
 * pod, not sock. */
void portfwd_relay(int sock, const char *extra, size_t extra_len, int pod);

#endif
