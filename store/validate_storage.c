/* validate_storage.c - the checks of PersistentVolumes, PersistentVolumeClaims
 * and StorageClasses, and what an update of each may change (see
 * validate_impl.h). */
#include <string.h>

#include "store/codec.h"
#include "store/quantity.h"
#include "store/selector.h"
#include "store/util.h"
#include "store/validate_impl.h"

/* ---- PersistentVolume, PersistentVolumeClaim, StorageClass ---- */

static const char *const access_modes[] = {"ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany",
                                           "ReadWriteOncePod", NULL};

/* base.accessModes: required, known modes; ReadWriteOncePod stands alone
 * (Kubernetes' rule). */
static int check_access_modes(json_object *spec, const char *base, mk_err *err)
{
    vpath p;
    SUBPATH(p, "%s.accessModes", base);
    json_object *modes = get(spec, "accessModes");
    if (list_len(modes) == 0)
        return field_required(err, p, NULL);
    bool pod = false;
    for (size_t i = 0; i < list_len(modes); i++) {
        const char *m = json_object_get_string(list_at(modes, i));
        size_t j = 0;
        while (access_modes[j] && strcmp(access_modes[j], m ? m : ""))
            j++;
        if (!access_modes[j]) {
            vpath q;
            SUBPATH(q, "%s[%zu]", p, i);
            return field_unsupported(err, q, m ? m : "", access_modes);
        }
        pod = pod || j == 3;
    }
    if (pod && list_len(modes) > 1)
        return field_forbidden(err, p, "may not use ReadWriteOncePod with other access modes");
    return 0;
}

/* base.volumeMode: Filesystem; Block volumes are not provided. */
static int check_volume_mode(json_object *spec, const char *base, mk_err *err)
{
    static const char *const modes[] = {"Filesystem", "Block", NULL};
    vpath p;
    SUBPATH(p, "%s.volumeMode", base);
    int r = check_enum(spec, "volumeMode", base, modes, false, err);
    if (r < 0)
        return r;
    const char *m = get_str(spec, "volumeMode");
    if (m && !strcmp(m, "Block"))
        return field_forbidden(err, p, "minik8s provides Filesystem volumes only");
    return 0;
}

/* A class name or volume name, when set. */
static int check_optional_name(json_object *spec, const char *field, const char *base,
                               mk_err *err)
{
    const char *v = get_str(spec, field);
    if (empty_str(v))
        return 0;
    vpath p;
    SUBPATH(p, "%s.%s", base, field);
    return check_dns_subdomain(p, v, err);
}

/* A claim's spec, at base ("spec", or a StatefulSet's
 * "spec.volumeClaimTemplates[0].spec"). */
int check_pvc_spec(json_object *spec, const char *base, mk_err *err)
{
    vpath p;
    int r;
    if (!spec)
        return field_required(err, base, NULL);
    if ((r = check_access_modes(spec, base, err)) < 0)
        return r;
    SUBPATH(p, "%s.resources.requests.storage", base);
    json_object *storage = get(get(get(spec, "resources"), "requests"), "storage");
    if (!storage)
        return field_required(err, p, NULL);
    mk_quantity q;
    if (quantity_parse(qty_text(storage), &q, NULL) == 0 && q.mant <= 0)
        return field_invalid(err, p, storage, "must be greater than zero");
    SUBPATH(p, "%s.resources", base);
    if ((r = check_resources(get(spec, "resources"), p, err)) < 0 ||
        (r = check_volume_mode(spec, base, err)) < 0 ||
        (r = check_optional_name(spec, "storageClassName", base, err)) < 0 ||
        (r = check_optional_name(spec, "volumeName", base, err)) < 0)
        return r;
    SUBPATH(p, "%s.selector", base);
    if ((r = check_label_selector(get(spec, "selector"), p, err)) < 0)
        return r;
    static const char *const refused[] = {"dataSource", "dataSourceRef",
                                          "volumeAttributesClassName"};
    for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
        json_object *v = get(spec, refused[i]);
        if (!v || (json_object_is_type(v, json_type_string) && !*json_object_get_string(v)))
            continue;
        SUBPATH(p, "%s.%s", base, refused[i]);
        return field_forbidden(err, p, "not supported by minik8s");
    }
    return 0;
}

int validate_pvc(json_object *obj, mk_err *err)
{
    return check_pvc_spec(get(obj, "spec"), "spec", err);
}

/* spec.nodeAffinity.required.nodeSelectorTerms, as a pod's required node
 * affinity. */
static int check_pv_node_affinity(json_object *na, mk_err *err)
{
    static const char *const ops[] = {"In", "NotIn", "Exists", "DoesNotExist",
                                      "Gt", "Lt",    NULL};
    json_object *terms = get(get(na, "required"), "nodeSelectorTerms");
    if (list_len(terms) == 0)
        return field_required(err, "spec.nodeAffinity.required.nodeSelectorTerms", NULL);
    for (size_t i = 0; i < list_len(terms); i++) {
        static const char *const parts[] = {"matchExpressions", "matchFields"};
        for (size_t j = 0; j < ARRAY_SIZE(parts); j++) {
            json_object *exprs = get(list_at(terms, i), parts[j]);
            for (size_t e = 0; e < list_len(exprs); e++) {
                json_object *x = list_at(exprs, e);
                vpath p;
                SUBPATH(p, "spec.nodeAffinity.required.nodeSelectorTerms[%zu].%s[%zu]", i,
                        parts[j], e);
                vpath k;
                SUBPATH(k, "%s.key", p);
                if (empty_str(get_str(x, "key")))
                    return field_required(err, k, NULL);
                int r = check_enum(x, "operator", p, ops, true, err);
                if (r < 0)
                    return r;
            }
        }
    }
    return 0;
}

/* The one volume source of a PV: hostPath or local, each an absolute
 * path. The other plugins are known and refused naming the field. */
static int check_pv_source(json_object *spec, mk_err *err)
{
    static const char *const sources[] = {"hostPath",
                                          "local",
                                          "nfs",
                                          "csi",
                                          "iscsi",
                                          "fc",
                                          "rbd",
                                          "cephfs",
                                          "cinder",
                                          "glusterfs",
                                          "flexVolume",
                                          "awsElasticBlockStore",
                                          "gcePersistentDisk",
                                          "azureDisk",
                                          "azureFile",
                                          "vsphereVolume",
                                          "portworxVolume",
                                          "scaleIO",
                                          "storageos",
                                          "quobyte",
                                          "flocker",
                                          "photonPersistentDisk"};
    static const char *const host_types[] = {
        "",           "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket",
        "CharDevice", "BlockDevice",       NULL};
    size_t n = 0, which = 0;
    for (size_t i = 0; i < ARRAY_SIZE(sources); i++)
        if (has(spec, sources[i]))
            n++, which = i;
    if (n == 0)
        return field_required(err, "spec", "must specify a volume type");
    if (n > 1)
        return field_forbidden(err, "spec", "may not specify more than 1 volume type");
    vpath p, f;
    SUBPATH(p, "spec.%s", sources[which]);
    if (which > 1)
        return field_forbidden(err, p,
                               "minik8s supports hostPath and local persistent volumes");
    json_object *src = get(spec, sources[which]);
    SUBPATH(f, "%s.path", p);
    const char *path = get_str(src, "path");
    if (empty_str(path))
        return field_required(err, f, NULL);
    if (path[0] != '/')
        return field_invalid_str(err, f, path, "must be an absolute path");
    if (which == 0)
        return check_enum(src, "type", p, host_types, false, err);
    if (!get(spec, "nodeAffinity"))
        return field_required(err, "spec.nodeAffinity", "Local volume requires node affinity");
    return 0;
}

int validate_pv(json_object *obj, mk_err *err)
{
    static const char *const policies[] = {"Retain", "Delete", "Recycle", NULL};
    json_object *spec = get(obj, "spec");
    int r;
    if (!spec)
        return field_required(err, "spec", NULL);
    json_object *storage = get(get(spec, "capacity"), "storage");
    if (!storage)
        return field_required(err, "spec.capacity.storage", NULL);
    foreach_field(get(spec, "capacity"), name, v)
    {
        (void)v;
        static const char *const only[] = {"storage", NULL};
        if (strcmp(name, "storage"))
            return field_unsupported(err, "spec.capacity", name, only);
    }
    mk_quantity q;
    if (quantity_parse(qty_text(storage), &q, NULL) == 0 && q.mant <= 0)
        return field_invalid(err, "spec.capacity.storage", storage,
                             "must be greater than zero");
    if ((r = check_access_modes(spec, "spec", err)) < 0 ||
        (r = check_enum(spec, "persistentVolumeReclaimPolicy", "spec", policies, false, err)) <
            0)
        return r;
    const char *policy = get_str(spec, "persistentVolumeReclaimPolicy");
    if (policy && !strcmp(policy, "Recycle"))
        return field_forbidden(err, "spec.persistentVolumeReclaimPolicy",
                               "minik8s does not recycle volumes: Retain or Delete");
    if ((r = check_volume_mode(spec, "spec", err)) < 0 ||
        (r = check_optional_name(spec, "storageClassName", "spec", err)) < 0 ||
        (r = check_pv_source(spec, err)) < 0)
        return r;
    if (list_len(get(spec, "mountOptions")))
        return field_forbidden(err, "spec.mountOptions",
                               "may not specify mount options for this volume type");
    const char *vac = get_str(spec, "volumeAttributesClassName");
    if (!empty_str(vac))
        return field_forbidden(err, "spec.volumeAttributesClassName",
                               "not supported by minik8s");
    if (get(spec, "nodeAffinity") &&
        (r = check_pv_node_affinity(get(spec, "nodeAffinity"), err)) < 0)
        return r;
    json_object *ref = get(spec, "claimRef");
    if (ref && empty_str(get_str(ref, "name")))
        return field_required(err, "spec.claimRef.name", NULL);
    if (ref && empty_str(get_str(ref, "namespace")))
        return field_required(err, "spec.claimRef.namespace", NULL);
    return 0;
}

/* A top-level string field that must be one of allowed, when set. */
static int check_top_enum(json_object *obj, const char *field, const char *const *allowed,
                          mk_err *err)
{
    const char *v = get_str(obj, field);
    for (size_t i = 0; v && allowed[i]; i++)
        if (!strcmp(allowed[i], v))
            return 0;
    return v ? field_unsupported(err, field, v, allowed) : 0;
}

int validate_storageclass(json_object *obj, mk_err *err)
{
    static const char *const policies[] = {"Delete", "Retain", NULL};
    static const char *const modes[] = {"Immediate", "WaitForFirstConsumer", NULL};
    const char *prov = get_str(obj, "provisioner");
    int r;
    if (empty_str(prov))
        return field_required(err, "provisioner", NULL);
    const char *why = selector_label_key_error(prov);
    if (why)
        return field_invalid_str(err, "provisioner", prov, "%s", why);
    if ((r = check_top_enum(obj, "reclaimPolicy", policies, err)) < 0 ||
        (r = check_top_enum(obj, "volumeBindingMode", modes, err)) < 0)
        return r;
    if (list_len(get(obj, "mountOptions")))
        return field_forbidden(err, "mountOptions", "minik8s volumes take no mount options");
    if (list_len(get(obj, "allowedTopologies")))
        return field_forbidden(err, "allowedTopologies", "not supported by minik8s");
    return 0;
}

/* ---- updates ---- */

static void del_field(json_object *o, const char *field)
{
    if (json_object_is_type(o, json_type_object))
        json_object_object_del(o, field);
}

/* The storage a claim requests, parsed; false when absent or unreadable. */
static bool pvc_request(json_object *pvc, mk_quantity *q)
{
    json_object *s = mk_json_path(pvc, "spec.resources.requests.storage");
    return s && quantity_parse(qty_text(s), q, NULL) == 0;
}

/* A claim's spec is fixed at creation, as Kubernetes': only volumeName
 * and storageClassName may go from unset to set (binding, the default
 * class), and the storage request may not change (growing it would be
 * expansion, which minik8s does not do). */
int check_pvc_update(json_object *old, json_object *obj, mk_err *err)
{
    mk_quantity a, b;
    if (pvc_request(old, &a) && pvc_request(obj, &b) && quantity_cmp(&a, &b) != 0) {
        json_object *v = mk_json_path(obj, "spec.resources.requests.storage");
        if (quantity_cmp(&b, &a) > 0)
            return field_forbidden(err, "spec.resources.requests.storage",
                                   "volume expansion is not supported by minik8s");
        return field_invalid(err, "spec.resources.requests.storage", v,
                             "field can not be less than previous value");
    }
    json_object *os = NULL, *ns = NULL;
    json_object_deep_copy(mk_json_path(old, "spec"), &os, NULL);
    json_object_deep_copy(mk_json_path(obj, "spec"), &ns, NULL);
    static const char *const settable[] = {"volumeName", "storageClassName"};
    for (size_t i = 0; i < ARRAY_SIZE(settable); i++) {
        const char *was = get_str(os, settable[i]);
        /* "" is a class ("no class"): only an absent one may be set */
        bool unset = i == 0 ? empty_str(was) : !has(os, settable[i]);
        if (unset)
            del_field(ns, settable[i]), del_field(os, settable[i]);
    }
    del_field(get(get(os, "resources"), "requests"), "storage");
    del_field(get(get(ns, "resources"), "requests"), "storage");
    bool same = json_object_equal(os, ns);
    json_object_put(os);
    json_object_put(ns);
    if (!same)
        return field_forbidden(err, "spec",
                               "spec is immutable after creation except resources.requests "
                               "for bound claims");
    return 0;
}

/* A PV's source, its volumeMode and a set nodeAffinity stay (Kubernetes'
 * rules); claimRef, capacity, class and policy may change. */
int check_pv_update(json_object *old, json_object *obj, mk_err *err)
{
    static const char *const sources[] = {"spec.hostPath", "spec.local"};
    for (size_t i = 0; i < ARRAY_SIZE(sources); i++)
        if (!json_object_equal(mk_json_path(old, sources[i]), mk_json_path(obj, sources[i])))
            return field_forbidden(err, "spec.persistentvolumesource",
                                   "spec.persistentvolumesource is immutable after creation");
    int r = check_immutable_str(old, obj, "spec.volumeMode", err);
    if (r < 0)
        return r;
    json_object *na = mk_json_path(old, "spec.nodeAffinity");
    if (na && !json_object_equal(na, mk_json_path(obj, "spec.nodeAffinity")))
        return field_invalid(err, "spec.nodeAffinity", mk_json_path(obj, "spec.nodeAffinity"),
                             "field is immutable once set");
    return 0;
}

/* A StorageClass: what it provisions with and how is fixed. */
int check_storageclass_update(json_object *old, json_object *obj, mk_err *err)
{
    static const char *const fields[] = {"provisioner", "parameters", "reclaimPolicy",
                                         "volumeBindingMode"};
    for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
        if (!json_object_equal(get(old, fields[i]), get(obj, fields[i])))
            return field_forbidden(err, fields[i], "updates to %s are forbidden.", fields[i]);
    return 0;
}
