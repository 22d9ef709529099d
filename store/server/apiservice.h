/* apiservice.h - the `kubernetes` Service in the default namespace, as
 * Kubernetes' API server keeps it: ClusterIP 10.96.0.1, port 443 ("https";
 * 80 "http" on a plain server), and Endpoints naming the address the
 * server advertises. Pods reach the API through it (mk-proxy's rules, and
 * KUBERNETES_SERVICE_HOST/PORT from the kubelet) with the token
 * satoken.h mounts.
 */
#ifndef MK_SERVER_APISERVICE_H
#define MK_SERVER_APISERVICE_H

#include <stdbool.h>

#include "store/server/apiserver.h"

/* Make the Service when missing and point its Endpoints at advertise (an
 * IPv4 address), or at the listening address when advertise is NULL. A
 * server on loopback or on every address (0.0.0.0) with no advertise
 * address publishes nothing. Called once the server listens (srv->listen
 * has its port). */
int apiservice_publish(api_server *srv, const char *advertise, bool tls, mk_err *err);

#endif
