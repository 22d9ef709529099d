/* proxy.h - pods/{name}/log and pods/{name}/exec (and the kubelet dial of
 * pods/{name}/portforward, portforward.h), relayed to the kubelet
 * of the pod's node (kubelet/server.c: /containerLogs and /exec).
 *
 * The kubelet is found from the Node object: status.addresses (InternalIP)
 * and status.daemonEndpoints.kubeletEndpoint.Port. An address of this very
 * machine is reached over loopback (a kubelet without tokens listens there
 * only). The API server shows the kubelet a token of its own token file,
 * which the kubelet's --auth-token-file also holds.
 *
 * Errors answer at once, as Status objects: 400 for a missing or unknown
 * container, 404 for the pod, 503 when the pod has no node or its kubelet
 * cannot be reached.
 */
#ifndef MK_SERVER_PROXY_H
#define MK_SERVER_PROXY_H

#include "store/server/apiserver.h"
#include "store/server/route.h"

/* GET pods/{name}/log?container=&follow=&tailLines=&previous= (streamed) */
enum MHD_Result proxy_log(api_req *r, const api_route *rt);
/* POST (or GET) pods/{name}/exec?container=&command=...&stdin= with
 * "Upgrade: minik8s-exec.v1" (store/execproto.h): 101, then frames both ways. */
enum MHD_Result proxy_exec(api_req *r, const api_route *rt);
/* pods/{name}/attach?container=&stdin=&stdout=&stderr=: the same protocols
 * as exec, joined to the container's own streams (kubelet/attach.h). */
enum MHD_Result proxy_attach(api_req *r, const api_route *rt);

/* Where node's kubelet listens (as above: InternalIP, or loopback for an
 * address of this machine, and the daemonEndpoints port) into host and
 * *port. ECONNREFUSED when the node is unknown or gives no address. */
int proxy_kubelet_address(api_server *srv, const char *node, char *host, size_t n, int *port,
                          mk_err *err);

/* Connect to a kubelet at host:port and POST path with "Upgrade: upgrade"
 * (and the API server's token). Returns the socket once the kubelet
 * answered 101, bytes that came past the answer appended to early; < 0
 * with err holding the kubelet's refusal ("kubelet: TEXT"; 404 ENOENT, 400
 * EBADMSG, others ECONNREFUSED) or why it could not be reached. */
int proxy_kubelet_upgrade(api_server *srv, const char *host, int port, const char *path,
                          const char *upgrade, mk_buf *early, mk_err *err);

#endif
