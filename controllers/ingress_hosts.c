/* ingress_hosts.c - our block in a hosts file (see ingress_hosts.h). */
#include "controllers/ingress_hosts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool line_is(const char *line, size_t n, const char *marker)
{
    while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r'))
        n--;
    return n == strlen(marker) && strncmp(line, marker, n) == 0;
}

void ingress_hosts_edit(const char *text, const char *address, char *const *hosts,
                        size_t nhosts, mk_buf *out)
{
    bool inside = false;
    mk_buf_puts(out, "");
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        bool nl = p[n] == '\n';
        if (!inside && line_is(p, n, INGRESS_HOSTS_BEGIN))
            inside = true;
        else if (inside && line_is(p, n, INGRESS_HOSTS_END))
            inside = false;
        else if (!inside) {
            mk_buf_append(out, p, n);
            mk_buf_puts(out, "\n"); /* a last line without newline gets one */
        }
        p += n + nl;
    }
    size_t written = 0;
    for (size_t i = 0; i < nhosts; i++) {
        if (!hosts[i] || !*hosts[i] || hosts[i][0] == '*')
            continue;
        if (written++ == 0)
            mk_buf_puts(out, INGRESS_HOSTS_BEGIN "\n");
        mk_buf_printf(out, "%s %s\n", address, hosts[i]);
    }
    if (written)
        mk_buf_puts(out, INGRESS_HOSTS_END "\n");
}

int ingress_hosts_update(const char *file, const char *address, char *const *hosts,
                         size_t nhosts, mk_err *err)
{
    _cleanup_free_ char *old = NULL;
    size_t len = 0;
    if (mk_read_file(file, 16 << 20, &old, &len, err) < 0) {
        if (err->code != ENOENT)
            return -err->code;
        old = xstrdup("");
    }
    mk_buf next = {0};
    ingress_hosts_edit(old, address, hosts, nhosts, &next);
    if (strcmp(next.data, old) == 0) {
        mk_buf_free(&next);
        return 0;
    }
    struct stat st = {.st_mode = 0644};
    stat(file, &st);
    _cleanup_free_ char *tmp = xasprintf("%s.minik8s-XXXXXX", file);
    int fd = mkstemp(tmp);
    int rc = 0;
    if (fd >= 0) {
        fchmod(fd, st.st_mode & 07777);
        rc = mk_write_all(fd, next.data, next.len) < 0 || fsync(fd) < 0 ? -1 : 0;
        close(fd);
        if (rc == 0 && rename(tmp, file) == 0) {
            mk_buf_free(&next);
            return 0;
        }
        unlink(tmp);
    }
    /* A bind-mounted file (Docker's /etc/hosts) cannot be renamed over:
     * rewrite it in place. */
    rc = 0;
    fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || mk_write_all(fd, next.data, next.len) < 0)
        rc = mk_error(err, errno, "%s: %s", file, strerror(errno));
    if (fd >= 0)
        close(fd);
    mk_buf_free(&next);
    return rc;
}
