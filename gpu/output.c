#include "gpu/output.h"

#include <string.h>

#include "store/codec.h"
#include "store/kinds.h"
#include "store/util.h"

static json_object *gpu_output_object(json_object *job, const char *out, bool out_truncated,
                                      const char *errtext, bool err_truncated)
{
    const char *ns = mk_json_str(job, "metadata.namespace") ?: "default";
    const char *name = mk_json_str(job, "metadata.name");
    json_object *cm = json_object_new_object();
    json_object_object_add(cm, "apiVersion", json_object_new_string("v1"));
    json_object_object_add(cm, "kind", json_object_new_string("ConfigMap"));
    json_object *meta = json_object_new_object();
    json_object_object_add(cm, "metadata", meta);
    _cleanup_free_ char *cm_name = xasprintf("%s" GPU_OUTPUT_SUFFIX, name);
    json_object_object_add(meta, "name", json_object_new_string(cm_name));
    json_object_object_add(meta, "namespace", json_object_new_string(ns));
    json_object *labels = json_object_new_object();
    json_object_object_add(labels, "minik8s.io/gpujob", json_object_new_string(name));
    json_object_object_add(meta, "labels", labels);
    if (out_truncated || err_truncated) {
        json_object *ann = json_object_new_object();
        if (out_truncated)
            json_object_object_add(ann, "minik8s.io/stdout-truncated",
                                   json_object_new_string("true"));
        if (err_truncated)
            json_object_object_add(ann, "minik8s.io/stderr-truncated",
                                   json_object_new_string("true"));
        json_object_object_add(meta, "annotations", ann);
    }
    json_object *owner = json_object_new_object();
    json_object_object_add(owner, "apiVersion", json_object_new_string("minik8s.io/v1"));
    json_object_object_add(owner, "kind", json_object_new_string("GpuJob"));
    json_object_object_add(owner, "name", json_object_new_string(name));
    json_object_object_add(owner, "uid",
                           json_object_new_string(mk_json_str(job, "metadata.uid") ?: ""));
    json_object_object_add(owner, "controller", json_object_new_boolean(1));
    json_object_object_add(owner, "blockOwnerDeletion", json_object_new_boolean(1));
    json_object *owners = json_object_new_array();
    json_object_array_add(owners, owner);
    json_object_object_add(meta, "ownerReferences", owners);
    json_object *data = json_object_new_object();
    json_object_object_add(data, "stdout", json_object_new_string(out ? out : ""));
    json_object_object_add(data, "stderr", json_object_new_string(errtext ? errtext : ""));
    json_object_object_add(cm, "data", data);
    return cm;
}

int gpu_output_save(mk_client *c, json_object *job, const char *out, bool out_truncated,
                    const char *errtext, bool err_truncated, mk_err *err)
{
    const mk_kind *k = kind_by_kind("ConfigMap");
    const char *ns = mk_json_str(job, "metadata.namespace") ?: "default";
    json_object *cm = gpu_output_object(job, out, out_truncated, errtext, err_truncated);
    int rc = client_create(c, k, ns, cm, NULL, err);
    if (rc == -EEXIST) {
        /* A retry of the job, or a restart after a save: replace it. */
        json_object *old = NULL;
        rc = client_get(c, k, ns, mk_json_str(cm, "metadata.name"), &old, err);
        if (rc == 0) {
            mk_json_set_str(cm, "metadata.resourceVersion",
                            mk_json_str(old, "metadata.resourceVersion") ?: "");
            rc = client_update(c, k, ns, cm, NULL, err);
        }
        json_object_put(old);
    }
    json_object_put(cm);
    return rc;
}

int gpu_output_delete(mk_client *c, const char *ns, const char *job, const char *uid,
                      mk_err *err)
{
    const mk_kind *k = kind_by_kind("ConfigMap");
    _cleanup_free_ char *name = xasprintf("%s" GPU_OUTPUT_SUFFIX, job);
    json_object *cm = NULL;
    int rc = client_get(c, k, ns, name, &cm, err);
    if (rc == -ENOENT)
        return 0;
    if (rc < 0)
        return rc;
    /* Only ours: a ConfigMap of that name made by someone else stays. */
    const char *owner_uid = NULL;
    json_object *owners = mk_json_path(cm, "metadata.ownerReferences");
    if (owners && json_object_is_type(owners, json_type_array) &&
        json_object_array_length(owners) > 0)
        owner_uid = mk_json_str(json_object_array_get_idx(owners, 0), "uid");
    bool ours = owner_uid && uid && strcmp(owner_uid, uid) == 0;
    json_object_put(cm);
    if (!ours)
        return 0;
    rc = client_delete(c, k, ns, name, NULL, err);
    return rc == -ENOENT ? 0 : rc;
}
