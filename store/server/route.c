/* route.c - parse Kubernetes REST paths; anything odd is refused here, so
 * no handler ever sees a name that could not be a key. */
#include "store/server/route.h"

#include <stdio.h>
#include <string.h>

#include "store/util.h"

#define ROUTE_MAX_SEGS 12

int route_split(char *buf, char **seg, int max)
{
    int n = 0;
    char *p = buf;
    if (*p == '/')
        p++;
    if (!*p)
        return 0;
    for (;;) {
        char *slash = strchr(p, '/');
        if (slash)
            *slash = '\0';
        if (!*p || strcmp(p, ".") == 0 || strcmp(p, "..") == 0 || n == max)
            return -1;
        seg[n++] = p;
        if (!slash)
            return n;
        p = slash + 1;
        if (!*p) /* a trailing slash is tolerated, as kubectl never sends one */
            return n;
    }
}

static int copy_name(char *dst, size_t n, const char *src, bool ns, mk_err *err)
{
    bool ok = ns ? mk_is_dns1123_label(src) : mk_is_dns1123_subdomain(src);
    if (!ok || strlen(src) >= n)
        return mk_error(err, EBADMSG, "invalid %s \"%.64s\": must be a DNS-1123 %s",
                        ns ? "namespace" : "name", src, ns ? "label" : "subdomain");
    strcpy(dst, src);
    return 0;
}

/* An object's name: what its kind allows (kinds.h). */
static int copy_object_name(char *dst, size_t n, const char *src, const mk_kind *k, mk_err *err)
{
    if (!kind_has_path_names(k))
        return copy_name(dst, n, src, false, err);
    if (!mk_is_path_segment_name(src) || strlen(src) >= n)
        return mk_error(err, EBADMSG, "invalid name \"%.64s\": may not contain '/' or '%%'",
                        src);
    strcpy(dst, src);
    return 0;
}

static bool sub_known(const char *s)
{
    static const char *const subs[] = {"status",
                                       "binding",
                                       "log",
                                       "exec",
                                       "attach",
                                       "portforward",
                                       "finalize",
                                       "scale",
                                       "eviction",
                                       "token",
                                       "ephemeralcontainers"};
    for (size_t i = 0; i < ARRAY_SIZE(subs); i++)
        if (strcmp(s, subs[i]) == 0)
            return true;
    return false;
}

int route_parse(const char *url, api_route *rt, mk_err *err)
{
    *rt = (api_route){0};
    if (strstr(url, ".."))
        return mk_error(err, EBADMSG, "path may not contain '..'");
    _cleanup_free_ char *buf = xstrdup(url);
    char *seg[ROUTE_MAX_SEGS];
    int n = route_split(buf, seg, ROUTE_MAX_SEGS);
    if (n < 0)
        return mk_error(err, EBADMSG, "malformed path %.200s", url);
    const char *group;
    int i;
    if (n >= 2 && strcmp(seg[0], "api") == 0 && strcmp(seg[1], "v1") == 0) {
        group = "";
        i = 2;
    } else if (n >= 3 && strcmp(seg[0], "apis") == 0) {
        group = seg[1];
        i = 3;
    } else {
        return mk_error(err, ENOENT, "the server could not find the requested resource");
    }
    if (i < n && strcmp(seg[i], "watch") == 0) {
        rt->watch = true;
        i++;
    }
    int rest = n - i;
    if (rest <= 0)
        return mk_error(err, ENOENT, "the server could not find the requested resource");
    /* namespaces/{ns}/{resource}...; but namespaces/{name}[/status|/finalize]
     * is the Namespace object itself. */
    if (strcmp(seg[i], "namespaces") == 0 && rest >= 3 && !sub_known(seg[i + 2])) {
        if (copy_name(rt->ns, sizeof rt->ns, seg[i + 1], true, err) < 0)
            return -err->code;
        i += 2;
        rest -= 2;
    }
    const char *resource = seg[i];
    rt->kind = kind_by_resource(group, resource);
    if (!rt->kind)
        return mk_error(err, ENOENT,
                        "the server could not find the requested resource "
                        "(%s%s%s)",
                        group, *group ? "/" : "", resource);
    if (*group && strcmp(seg[2], rt->kind->version) != 0) {
        rt->served = kind_version(rt->kind, seg[2]);
        if (!rt->served)
            return mk_error(err, ENOENT, "the server could not find the requested resource");
    }
    if (rest > 3)
        return mk_error(err, ENOENT, "the server could not find the requested resource");
    if (rest >= 2 && copy_object_name(rt->name, sizeof rt->name, seg[i + 1], rt->kind, err) < 0)
        return -err->code;
    if (rest == 3) {
        if (!sub_known(seg[i + 2]))
            return mk_error(err, ENOENT, "the server could not find the requested resource");
        snprintf(rt->sub, sizeof rt->sub, "%s", seg[i + 2]);
    }
    if (rt->ns[0] && !rt->kind->namespaced)
        return mk_error(err, ENOENT, "the server could not find the requested resource");
    return 0;
}
