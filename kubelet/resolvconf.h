/* resolvconf.h - the resolv.conf every pod gets: the cluster DNS (mk-proxy
 * answers on 10.96.0.10 on every node, see docs/networking.md) and the
 * Kubernetes search path; the host's resolver only when the pod's
 * dnsPolicy is Default.
 *
 *   nameserver 10.96.0.10
 *   search <ns>.svc.cluster.local svc.cluster.local cluster.local
 *   options ndots:5
 */
#ifndef MK_KUBELET_RESOLVCONF_H
#define MK_KUBELET_RESOLVCONF_H

#include <json-c/json.h>

#include "store/error.h"

#define RESOLVCONF_DNS_IP "10.96.0.10"
#define RESOLVCONF_DOMAIN "cluster.local"

/* The file's text for a pod in namespace ns (NULL or "": "default");
 * dns_ip and domain NULL: the defaults above. Caller frees. */
char *resolvconf_render(const char *ns, const char *dns_ip, const char *domain);
/* The pod's resolv.conf as its dnsPolicy and dnsConfig ask: ClusterFirst
 * (the default) the text above; Default the node's (host_text: its
 * /etc/resolv.conf, may be NULL); None nothing but dnsConfig. dnsConfig's
 * nameservers and searches come after the policy's, its options replace
 * those of the same name. Caller frees. */
char *resolvconf_for_pod(json_object *pod, const char *dns_ip, const char *domain,
                         const char *host_text);

/* Write text to path (mode 0644, replaced atomically). The kubelet binds
 * the file read-only over /etc/resolv.conf in each of the pod's containers
 * (pods.c). */
int resolvconf_write(const char *path, const char *text, mk_err *err);

#endif
