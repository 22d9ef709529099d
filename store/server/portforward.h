/* portforward.h - pods/{name}/portforward: kubectl port-forward.
 *
 * kubectl 1.31 and later first asks for a WebSocket with the subprotocol
 * "SPDY/3.1+portforward.k8s.io" and tunnels an SPDY/3.1 session in its
 * binary messages (their bytes, run together, are the SPDY stream); when
 * that is refused it asks for "Upgrade: SPDY/3.1" with X-Stream-Protocol-
 * Version: portforward.k8s.io and speaks SPDY on the socket itself. Both
 * are served.
 *
 * For each local connection kubectl opens two streams with the headers
 * streamtype (error, data), port and requestid. Each gets a SYN_REPLY. A
 * data stream is relayed over a connection of its own to the pod's
 * kubelet (POST /portForward/{ns}/{pod}?port=N, "Upgrade:
 * minik8s-portforward.v1", kubelet/portfwd.h), which connects to the port
 * on the pod's loopback. When the pod's side ends, both streams get a FIN;
 * when the port cannot be reached, the kubelet's reason goes on the error
 * stream (kubectl prints it and goes on serving). PING is answered;
 * SETTINGS, WINDOW_UPDATE and HEADERS are taken and ignored (no flow
 * control: kubectl's spdystream sends no window updates either).
 */
#ifndef MK_SERVER_PORTFORWARD_H
#define MK_SERVER_PORTFORWARD_H

#include "store/server/apiserver.h"
#include "store/server/route.h"

#define PORTFORWARD_PROTOCOL  "portforward.k8s.io"
#define PORTFORWARD_WS_PREFIX "SPDY/3.1+"

/* GET or POST pods/{name}/portforward with one of the upgrades above. */
enum MHD_Result proxy_portforward(api_req *r, const api_route *rt);

/* Does a Sec-WebSocket-Protocol (or X-Stream-Protocol-Version) offer,
 * "a, b, c", hold want? */
bool portforward_offers(const char *offered, const char *want);

#endif
