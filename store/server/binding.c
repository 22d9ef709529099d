/* binding.c - pods/{name}/binding, the scheduler's write. */
#include <stdio.h>
#include <string.h>

#include "store/codec.h"
#include "store/server/objects.h"
#include "store/server/watch.h"

#define BIND_RETRIES 16

/* PodScheduled True in place of what the condition said (Unschedulable,
 * SchedulingGated), as Kubernetes' binding writes it; and a nomination
 * (preemption's) is over, as the binding ends it since Kubernetes 1.34. */
static void set_scheduled(json_object *pod)
{
    json_object *st = mk_json_ensure(pod, "status");
    if (!json_object_is_type(st, json_type_object))
        return;
    char ts[32];
    objects_now(ts, sizeof ts);
    json_object_object_del(st, "nominatedNodeName");
    json_object *c = mk_condition_new("PodScheduled", "True", ts, NULL, NULL);
    json_object_object_add(st, "conditions",
                           mk_conditions_with(mk_json_path(st, "conditions"), c));
}

/* Set spec.nodeName once; 409 when the pod is already bound. */
static int bind_once(api_req *r, const api_route *rt, const char *node, bool *retry,
                     mk_err *err)
{
    json_object *pod;
    int64_t rev;
    *retry = false;
    if (objects_load(r->srv, rt->kind, rt->ns, rt->name, &pod, &rev, err) < 0)
        return -err->code;
    const char *cur = mk_json_str(pod, "spec.nodeName");
    if (cur && *cur) {
        int rc =
            mk_error(err, ESTALE, "pod %s is already assigned to node \"%s\"", rt->name, cur);
        json_object_put(pod);
        return rc;
    }
    json_object *gates = mk_json_path(pod, "spec.schedulingGates");
    if (json_object_is_type(gates, json_type_array) && json_object_array_length(gates)) {
        json_object_put(pod);
        return mk_error(err, EINVAL, "pod %s has non-empty .spec.schedulingGates", rt->name);
    }
    /* The sink only looks at prev for selector transitions: its view (name,
     * labels, nodeName, phase) serves as well as a deep copy of the pod. */
    json_object *prev = hub_view_of(pod);
    mk_json_set_str(pod, "spec.nodeName", node);
    set_scheduled(pod);
    int rc = objects_write_back(r, rt, pod, prev, rev, err);
    json_object_put(pod);
    json_object_put(prev);
    if (rc == -ESTALE || rc == -ENOENT)
        *retry = true; /* changed or gone in between: read again */
    return rc;
}

enum MHD_Result objects_bind(api_req *r, const api_route *rt)
{
    mk_err err = {0};
    json_object *b = NULL;
    if (strcmp(rt->kind->kind, "Pod") != 0 || !rt->name[0])
        return api_fail(r, ENOENT, "the server could not find the requested resource");
    if (objects_decode_body(r, &b, &err) < 0)
        return api_reply_err(r, &err, rt->kind, rt->name);
    const char *kind = mk_json_str(b, "kind");
    const char *target_kind = mk_json_str(b, "target.kind");
    const char *node = mk_json_str(b, "target.name");
    const char *name = mk_json_str(b, "metadata.name");
    int rc = 0;
    if (kind && strcmp(kind, "Binding") != 0)
        rc = mk_error(&err, EBADMSG, "kind: expected Binding, got %s", kind);
    else if (target_kind && *target_kind && strcmp(target_kind, "Node") != 0)
        rc = mk_error(&err, EINVAL,
                      "target.kind: Unsupported value: \"%s\": supported values: "
                      "\"Node\"",
                      target_kind);
    else if (!node || !mk_is_dns1123_subdomain(node))
        rc = mk_error(&err, EINVAL, "target.name: Invalid value: \"%s\": a DNS-1123 subdomain",
                      node ? node : "");
    else if (name && strcmp(name, rt->name) != 0)
        rc = mk_error(&err, EBADMSG,
                      "metadata.name: the binding's name (%s) does not match "
                      "the pod's (%s)",
                      name, rt->name);
    for (int i = 0; rc == 0 && i < BIND_RETRIES; i++) {
        bool retry;
        rc = bind_once(r, rt, node, &retry, &err);
        if (rc == 0 || !retry)
            break;
        if (i + 1 < BIND_RETRIES)
            rc = 0; /* read again */
    }
    json_object_put(b);
    if (rc < 0)
        return api_reply_err(r, &err, rt->kind, rt->name);
    _cleanup_free_ char *st = status_json(201, NULL, NULL, NULL, NULL);
    return api_reply_text(r, 201, "application/json", st, strlen(st));
}
