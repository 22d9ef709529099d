/* resolvconf.c - a pod's resolv.conf (see resolvconf.h). */
#include "kubelet/resolvconf.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "store/util.h"

char *resolvconf_render(const char *ns, const char *dns_ip, const char *domain)
{
    const char *d = domain && *domain ? domain : RESOLVCONF_DOMAIN;
    /* ndots:5, as Kubernetes: "web.default" is tried under the search path
     * first, so a short Service name never reaches a resolver as it is. */
    return xasprintf("nameserver %s\n"
                     "search %s.svc.%s svc.%s %s\n"
                     "options ndots:5\n",
                     dns_ip && *dns_ip ? dns_ip : RESOLVCONF_DNS_IP, ns && *ns ? ns : "default",
                     d, d, d);
}

int resolvconf_write(const char *path, const char *ns, const char *dns_ip, const char *domain,
                     mk_err *err)
{
    _cleanup_free_ char *text = resolvconf_render(ns, dns_ip, domain);
    _cleanup_free_ char *tmp = xasprintf("%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return mk_error(err, errno, "%s: %s", tmp, strerror(errno));
    size_t len = strlen(text);
    bool ok = write(fd, text, len) == (ssize_t)len;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) < 0) {
        int e = errno ? errno : EIO;
        unlink(tmp);
        return mk_error(err, e, "%s: %s", path, strerror(e));
    }
    return 0;
}
