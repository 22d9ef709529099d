/* resolvconf.c - a pod's resolv.conf (see resolvconf.h). */
#include "kubelet/resolvconf.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "store/codec.h"
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

/* The lines of text that start with key (" "-separated values), appended. */
static void take_lines(const char *text, const char *key, mk_buf *vals)
{
    size_t kl = strlen(key);
    for (const char *l = text; l && *l;) {
        const char *end = strchr(l, '\n');
        size_t len = end ? (size_t)(end - l) : strlen(l);
        if (len > kl && strncmp(l, key, kl) == 0 && (l[kl] == ' ' || l[kl] == '\t'))
            mk_buf_printf(vals, "%s%.*s", vals->len ? " " : "", (int)(len - kl - 1),
                          l + kl + 1);
        l = end ? end + 1 : NULL;
    }
}

static void add_list(mk_buf *b, json_object *list)
{
    for (size_t i = 0; list && i < json_object_array_length(list); i++)
        mk_buf_printf(b, "%s%s", b->len ? " " : "",
                      json_object_get_string(json_object_array_get_idx(list, i)));
}

/* Options by name: dnsConfig's replace the base's ("ndots:2" over "ndots:5"). */
static void merge_options(mk_buf *opts, const char *base, json_object *extra)
{
    json_object *seen = json_object_new_object();
    for (size_t i = 0; extra && i < json_object_array_length(extra); i++) {
        json_object *o = json_object_array_get_idx(extra, i);
        const char *name = mk_json_str(o, "name"), *value = mk_json_str(o, "value");
        if (!name)
            continue;
        json_object_object_add(seen, name, NULL);
        mk_buf_printf(opts, "%s%s%s%s", opts->len ? " " : "", name, value ? ":" : "",
                      value ? value : "");
    }
    _cleanup_free_ char *copy = xstrdup(base ? base : "");
    char *save = NULL;
    for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        _cleanup_free_ char *name = xstrndup(tok, strcspn(tok, ":"));
        if (!json_object_object_get_ex(seen, name, NULL))
            mk_buf_printf(opts, "%s%s", opts->len ? " " : "", tok);
    }
    json_object_put(seen);
}

char *resolvconf_for_pod(json_object *pod, const char *dns_ip, const char *domain,
                         const char *host_text)
{
    const char *policy = mk_json_str(pod, "spec.dnsPolicy");
    _cleanup_free_ char *base = NULL;
    if (!policy || !strcmp(policy, "ClusterFirst") ||
        !strcmp(policy, "ClusterFirstWithHostNet"))
        base = resolvconf_render(mk_json_str(pod, "metadata.namespace"), dns_ip, domain);
    else if (!strcmp(policy, "Default"))
        base = xstrdup(host_text ? host_text : "");
    else
        base = xstrdup(""); /* None: dnsConfig alone */
    json_object *cfg = mk_json_path(pod, "spec.dnsConfig");
    mk_buf ns = {0}, search = {0}, base_opts = {0}, opts = {0};
    take_lines(base, "nameserver", &ns);
    add_list(&ns, mk_json_path(cfg, "nameservers"));
    take_lines(base, "search", &search);
    add_list(&search, mk_json_path(cfg, "searches"));
    take_lines(base, "options", &base_opts);
    merge_options(&opts, base_opts.data, mk_json_path(cfg, "options"));
    mk_buf out = {0};
    mk_buf_puts(&out, "");
    _cleanup_free_ char *servers = xstrdup(ns.data ? ns.data : "");
    char *save = NULL;
    for (char *s = strtok_r(servers, " ", &save); s; s = strtok_r(NULL, " ", &save))
        mk_buf_printf(&out, "nameserver %s\n", s);
    if (search.len)
        mk_buf_printf(&out, "search %s\n", search.data);
    if (opts.len)
        mk_buf_printf(&out, "options %s\n", opts.data);
    mk_buf_free(&ns);
    mk_buf_free(&search);
    mk_buf_free(&base_opts);
    mk_buf_free(&opts);
    return out.data;
}

int resolvconf_write(const char *path, const char *text, mk_err *err)
{
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
