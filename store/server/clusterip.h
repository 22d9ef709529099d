/* clusterip.h - ClusterIP allocation for Services, done by mk-apiserver.
 *
 * Addresses come from the service CIDR 10.96.0.0/16. 10.96.0.0 and the
 * broadcast are never given; 10.96.0.1 is reserved (Kubernetes gives it to
 * the "kubernetes" Service) and 10.96.0.10 is the cluster DNS address that
 * mk-proxy answers on every node (docs/networking.md): neither is handed out
 * nor accepted in spec.clusterIP.
 *
 * There is no allocator table in the store: the stored Services are the
 * record. The bitmap is rebuilt from them on first use after start, so a
 * restart never hands out an address twice. Thread-safe.
 */
#ifndef MK_SERVER_CLUSTERIP_H
#define MK_SERVER_CLUSTERIP_H

#include <json-c/json.h>

#include "store/server/apiserver.h"

#define CLUSTERIP_CIDR "10.96.0.0/16"
#define CLUSTERIP_DNS  "10.96.0.10"

/* Before a Service is written: give it spec.clusterIP (and clusterIPs),
 * or take the one it asks for. "None" (headless) takes nothing. EINVAL
 * naming spec.clusterIP when the asked address is taken, reserved or out
 * of range; ENOSPC when the range is full. */
int clusterip_allocate(api_server *srv, json_object *svc, mk_err *err);
/* An update that leaves spec.clusterIP empty keeps the allocated one (as
 * Kubernetes does): copy spec.clusterIP and clusterIPs from old into neu. */
void clusterip_keep(json_object *old, json_object *neu);
/* Give back what svc holds: after a failed write, or after its delete. */
void clusterip_release(api_server *srv, json_object *svc);

#endif
