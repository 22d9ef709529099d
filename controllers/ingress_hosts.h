/* ingress_hosts.h - the block of a hosts file (/etc/hosts) that names
 * the ingress address for each exact Ingress host:
 *
 *   # BEGIN minik8s ingress
 *   127.0.0.1 web.minik8s.local
 *   # END minik8s ingress
 *
 * Everything outside the block stays byte for byte. Wildcard hosts cannot
 * be written there (docs/ingress.md: use dnsmasq for those).
 */
#ifndef MK_CONTROLLERS_INGRESS_HOSTS_H
#define MK_CONTROLLERS_INGRESS_HOSTS_H

#include <stddef.h>

#include "store/error.h"
#include "store/util.h"

#define INGRESS_HOSTS_BEGIN "# BEGIN minik8s ingress"
#define INGRESS_HOSTS_END   "# END minik8s ingress"

/* text without the block, then the block for hosts (none: no block).
 * Wildcard and empty hosts are left out. */
void ingress_hosts_edit(const char *text, const char *address, char *const *hosts,
                        size_t nhosts, mk_buf *out);
/* Rewrite file with that edit when it changes anything: a temp file
 * renamed over it, or in place where the file is a mount point (a
 * container's /etc/hosts). */
int ingress_hosts_update(const char *file, const char *address, char *const *hosts,
                         size_t nhosts, mk_err *err);

#endif
