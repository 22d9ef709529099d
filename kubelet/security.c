/* security.c - securityContext to OCI (see security.h). */
#include "kubelet/security.h"

#include <string.h>
#include <strings.h>

#include "kubelet/pods.h"
#include "store/codec.h"
#include "store/util.h"

/* The container's field, else the pod's, else dflt. */
static int64_t either(json_object *ctr_sc, json_object *pod_sc, const char *field, int64_t dflt)
{
    json_object *v = mk_json_path(ctr_sc, field);
    if (!v)
        v = mk_json_path(pod_sc, field);
    return v ? json_object_get_int64(v) : dflt;
}

static bool flag(json_object *ctr_sc, json_object *pod_sc, const char *field, bool dflt)
{
    json_object *v = mk_json_path(ctr_sc, field);
    if (!v)
        v = mk_json_path(pod_sc, field);
    return v ? json_object_get_boolean(v) : dflt;
}

/* ["NET_ADMIN", "CAP_KILL", "ALL"] as OCI names ("CAP_NET_ADMIN"; "ALL" stays). */
static char **cap_names(json_object *list)
{
    size_t n = list ? json_object_array_length(list) : 0;
    char **v = xcalloc(n + 1, sizeof *v);
    for (size_t i = 0; i < n; i++) {
        const char *c = json_object_get_string(json_object_array_get_idx(list, i));
        c = c ? c : "";
        if (strcasecmp(c, "ALL") == 0 || strncasecmp(c, "CAP_", 4) == 0)
            v[i] = xstrdup(c);
        else
            v[i] = xasprintf("CAP_%s", c);
        for (char *p = v[i]; *p; p++)
            *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
    }
    return v;
}

static void add_group(security *s, int64_t gid)
{
    for (int i = 0; i < s->ngroups; i++)
        if (s->groups[i] == gid)
            return;
    if (s->ngroups < (int)ARRAY_SIZE(s->groups))
        s->groups[s->ngroups++] = gid;
}

int security_of(json_object *pod, json_object *ctr, json_object *imgcfg, security *out,
                mk_err *err)
{
    json_object *psc = mk_json_path(pod, "spec.securityContext");
    json_object *csc = mk_json_path(ctr, "securityContext");
    const char *name = mk_json_str(ctr, "name");
    *out = (security){0};
    if (flag(csc, NULL, "privileged", false))
        return mk_error(err, PODS_ECONFIG,
                        "container %s: privileged containers are not supported by minik8s",
                        name ? name : "");
    out->uid = either(csc, psc, "runAsUser", mk_json_int(imgcfg, "user.uid", 0));
    out->gid = either(csc, psc, "runAsGroup", mk_json_int(imgcfg, "user.gid", 0));
    if (flag(csc, psc, "runAsNonRoot", false) && out->uid == 0)
        return mk_error(err, PODS_ECONFIG,
                        "container has runAsNonRoot and image will run as root (pod: "
                        "\"%s_%s\", container: %s)",
                        mk_json_str(pod, "metadata.name") ?: "",
                        mk_json_str(pod, "metadata.namespace") ?: "default", name ? name : "");
    json_object *sup = mk_json_path(psc, "supplementalGroups");
    for (size_t i = 0; sup && i < json_object_array_length(sup); i++)
        add_group(out, json_object_get_int64(json_object_array_get_idx(sup, i)));
    if (mk_json_path(psc, "fsGroup"))
        add_group(out, mk_json_int(psc, "fsGroup", 0));
    out->readonly_rootfs = flag(csc, NULL, "readOnlyRootFilesystem", false);
    out->no_new_privileges = !flag(csc, NULL, "allowPrivilegeEscalation", true);
    out->cap_add = cap_names(mk_json_path(csc, "capabilities.add"));
    out->cap_drop = cap_names(mk_json_path(csc, "capabilities.drop"));
    return 0;
}

void security_apply(const security *s, oci_params *p)
{
    p->uid = s->uid;
    p->gid = s->gid;
    p->groups = s->groups;
    p->ngroups = s->ngroups;
    p->readonly_rootfs = s->readonly_rootfs;
    p->no_new_privileges = s->no_new_privileges;
    p->cap_add = s->cap_add;
    p->cap_drop = s->cap_drop;
}

static void strv_free(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

void security_free(security *s)
{
    strv_free(s->cap_add);
    strv_free(s->cap_drop);
    *s = (security){0};
}
