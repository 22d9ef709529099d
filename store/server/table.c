/* table.c - kubectl's columns, computed from the stored object. */
#include "store/server/table.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store/codec.h"
#include "store/events.h"
#include "store/printers.h"
#include "store/util.h"

typedef struct column {
    const char *name, *type, *format, *description;
    int priority; /* 1: only with -o wide */
} column;

static const column name_col = {"Name", "string", "name",
                                "Name must be unique within a namespace.", 0};
static const column age_col = {"Age", "string", "",
                               "CreationTimestamp is a timestamp representing the server time "
                               "when this object was created.",
                               0};

static const column pod_cols[] = {
    {"Ready", "string", "", "The aggregate readiness state of this pod for accepting traffic.",
     0},
    {"Status", "string", "", "The aggregate status of the containers in this pod.", 0},
    {"Restarts", "string", "",
     "The number of times the containers in this pod have been restarted.", 0},
};
static const column node_cols[] = {
    {"Status", "string", "", "The status of the node", 0},
    {"Roles", "string", "", "The roles of the node", 0},
};
/* Columns after Age; priority 1 ones show with -o wide. */
static const column pod_tail[] = {
    {"IP", "string", "", "IP address allocated to the pod.", 1},
    {"Node", "string", "", "Name of the node the pod is assigned to.", 1},
    {"Nominated Node", "string", "",
     "The node a preempting pod waits for while its victims terminate.", 1},
    {"Readiness Gates", "string", "", "The pod's readiness gates that are true, of all.", 1},
};
static const column node_tail[] = {
    {"Version", "string", "", "Kubelet Version reported by the node.", 0},
    {"Internal-IP", "string", "", "The node's InternalIP address.", 1},
};
static const column svc_tail[] = {
    {"Selector", "string", "", "The pods the service sends traffic to.", 1},
};
static const column rs_tail[] = {
    {"Containers", "string", "", "Names of the containers in the template.", 1},
    {"Images", "string", "", "Images of the containers in the template.", 1},
    {"Selector", "string", "", "Label selector of the pods.", 1},
};
static const column sts_tail[] = {
    {"Containers", "string", "", "Names of the containers in the template.", 1},
    {"Images", "string", "", "Images of the containers in the template.", 1},
};
static const column sts_cols[] = {
    {"Ready", "string", "", "Number of the ready replicas of the desired.", 0},
};
static const column cr_cols[] = {
    {"Controller", "string", "", "The object this revision belongs to.", 0},
    {"Revision", "integer", "", "The revision's number.", 0},
};
static const column svc_cols[] = {
    {"Type", "string", "", "The type of the service.", 0},
    {"Cluster-IP", "string", "", "The cluster IP of the service.", 0},
    {"Port(s)", "string", "", "The ports of the service.", 0},
};
static const column ep_cols[] = {
    {"Endpoints", "string", "", "The addresses and ports the endpoints serve.", 0},
};
static const column rs_cols[] = {
    {"Desired", "integer", "", "Number of desired pods.", 0},
    {"Current", "integer", "", "Number of actual replicas.", 0},
    {"Ready", "integer", "", "Number of ready replicas.", 0},
};

static const column deploy_cols[] = {
    {"Ready", "string", "", "Number of the available replicas of the desired.", 0},
    {"Up-to-date", "integer", "", "Replicas running the newest template.", 0},
    {"Available", "integer", "", "Replicas available to users.", 0},
};
static const column ds_cols[] = {
    {"Desired", "integer", "", "Nodes that should run the daemon pod.", 0},
    {"Current", "integer", "", "Nodes running at least one daemon pod.", 0},
    {"Ready", "integer", "", "Nodes with a ready daemon pod.", 0},
    {"Up-to-date", "integer", "", "Nodes running the newest template.", 0},
    {"Available", "integer", "", "Nodes with an available daemon pod.", 0},
};
static const column job_cols[] = {
    {"Status", "string", "", "Status of the job: Running, Complete or Failed.", 0},
    {"Completions", "string", "", "The desired number of successfully finished pods.", 0},
    {"Duration", "string", "", "Time needed to complete the job.", 0},
};
static const column cronjob_cols[] = {
    {"Schedule", "string", "", "The schedule in Cron format.", 0},
    {"Timezone", "string", "", "The time zone name for the given schedule.", 0},
    {"Suspend", "boolean", "", "Whether subsequent executions are suspended.", 0},
    {"Active", "integer", "", "Number of currently running jobs.", 0},
    {"Last Schedule", "string", "", "When the job was last successfully scheduled.", 0},
};
static const column cronjob_tail[] = {
    {"Containers", "string", "", "Names of the containers in the job template.", 1},
    {"Images", "string", "", "Images of the containers in the job template.", 1},
    {"Selector", "string", "", "Label selector of the jobs' pods.", 1},
};
static const column hpa_cols[] = {
    {"Reference", "string", "", "The object whose scale is autoscaled.", 0},
    {"Targets", "string", "", "The current and target value of each metric.", 0},
    {"MinPods", "string", "", "The lower limit of replicas.", 0},
    {"MaxPods", "integer", "", "The upper limit of replicas.", 0},
    {"Replicas", "integer", "", "The current number of replicas.", 0},
};
static const column pdb_cols[] = {
    {"Min Available", "string", "", "The minimum number of pods that must be available.", 0},
    {"Max Unavailable", "string", "", "The maximum number of pods that may be unavailable.", 0},
    {"Allowed Disruptions", "integer", "", "The number of pods that may be evicted now.", 0},
};
static const column sa_cols[] = {
    {"Secrets", "string", "", "The number of secrets the account names.", 0},
};
/* kubectl shows a role's or a LimitRange's creation time, not its age */
static const column created_at_cols[] = {
    {"Created At", "date", "",
     "CreationTimestamp is a timestamp representing the server time when this object was "
     "created.",
     0},
};
static const column binding_cols[] = {
    {"Role", "string", "", "RoleRef can reference a Role or a ClusterRole.", 0},
};
static const column binding_tail[] = {
    {"Users", "string", "", "Users in the roleBinding", 1},
    {"Groups", "string", "", "Groups in the roleBinding", 1},
    {"ServiceAccounts", "string", "", "ServiceAccounts in the roleBinding", 1},
};
static const column quota_tail[] = {
    {"Request", "string", "",
     "Request represents a minimum amount of cpu/memory that a container may consume.", 0},
    {"Limit", "string", "",
     "Limits control the maximum amount of cpu/memory that a container may use independent "
     "of contention on the node.",
     0},
};
static const column netpol_cols[] = {
    {"Pod-Selector", "string", "",
     "podSelector selects the pods to which this NetworkPolicy object applies. An empty "
     "podSelector matches all pods in this namespace.",
     0},
};
static const column lease_cols[] = {
    {"Holder", "string", "", "The holder of the lease.", 0},
};
static const column pv_cols[] = {
    {"Capacity", "string", "", "The capacity of the volume.", 0},
    {"Access Modes", "string", "", "The ways the volume can be mounted.", 0},
    {"Reclaim Policy", "string", "", "What happens to the volume when its claim goes.", 0},
    {"Status", "string", "", "The phase of the volume.", 0},
    {"Claim", "string", "", "The claim bound to the volume.", 0},
    {"StorageClass", "string", "", "The class of the volume.", 0},
    {"VolumeAttributesClass", "string", "", "The attributes class of the volume.", 0},
    {"Reason", "string", "", "Why the volume is in its phase.", 0},
};
static const column pvc_cols[] = {
    {"Status", "string", "", "The phase of the claim.", 0},
    {"Volume", "string", "", "The volume bound to the claim.", 0},
    {"Capacity", "string", "", "The capacity of the bound volume.", 0},
    {"Access Modes", "string", "", "The access modes of the bound volume.", 0},
    {"StorageClass", "string", "", "The class the claim asks for.", 0},
    {"VolumeAttributesClass", "string", "", "The attributes class of the claim.", 0},
};
static const column volume_tail[] = {
    {"VolumeMode", "string", "", "Filesystem or Block.", 1},
};
static const column sc_cols[] = {
    {"Provisioner", "string", "", "What provisions the class's volumes.", 0},
    {"ReclaimPolicy", "string", "", "The reclaim policy of its volumes.", 0},
    {"VolumeBindingMode", "string", "", "When claims are bound and provisioned.", 0},
    {"AllowVolumeExpansion", "string", "", "Whether claims may grow.", 0},
};
static const column pc_cols[] = {
    {"Value", "integer", "", "The priority pods of this class receive.", 0},
    {"Global-Default", "boolean", "",
     "Whether this class is the default for pods that name none.", 0},
};
static const column pc_tail[] = {
    {"PreemptionPolicy", "string", "",
     "The Policy for preempting pods with lower priority: Never or PreemptLowerPriority.", 0},
};
static const column event_cols[] = {
    {"Last Seen", "string", "", "Time of the event's last occurrence.", 0},
    {"Type", "string", "", "Type of this event (Normal, Warning).", 0},
    {"Reason", "string", "", "Why the action was taken.", 0},
    {"Object", "string", "", "The object this event is about.", 0},
};
static const column event_tail[] = {
    {"Message", "string", "", "A human-readable description of the event.", 0},
    {"Count", "integer", "", "The number of times this event has occurred.", 1},
};

static void add_col(json_object *arr, const column *c)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(c->name));
    json_object_object_add(o, "type", json_object_new_string(c->type));
    json_object_object_add(o, "format", json_object_new_string(c->format));
    json_object_object_add(o, "description", json_object_new_string(c->description));
    json_object_object_add(o, "priority", json_object_new_int(c->priority));
    json_object_array_add(arr, o);
}

static bool is(const mk_kind *k, const char *kind)
{
    return strcmp(k->kind, kind) == 0;
}

/* Kinds kubectl shows a CREATED AT for, instead of an AGE. */
static bool shows_created_at(const mk_kind *k)
{
    return is(k, "Role") || is(k, "ClusterRole") || is(k, "LimitRange");
}

static bool is_binding(const mk_kind *k)
{
    return is(k, "RoleBinding") || is(k, "ClusterRoleBinding");
}

json_object *table_columns(const mk_kind *k)
{
    json_object *arr = json_object_new_array();
    add_col(arr, &name_col);
    const column *mid = NULL, *tail = NULL;
    size_t nmid = 0, ntail = 0;
    if (is(k, "Pod"))
        mid = pod_cols, nmid = ARRAY_SIZE(pod_cols), tail = pod_tail,
        ntail = ARRAY_SIZE(pod_tail);
    else if (is(k, "Node"))
        mid = node_cols, nmid = ARRAY_SIZE(node_cols), tail = node_tail,
        ntail = ARRAY_SIZE(node_tail);
    else if (is(k, "Service"))
        mid = svc_cols, nmid = ARRAY_SIZE(svc_cols), tail = svc_tail,
        ntail = ARRAY_SIZE(svc_tail);
    else if (is(k, "Endpoints"))
        mid = ep_cols, nmid = ARRAY_SIZE(ep_cols);
    else if (is(k, "ReplicaSet"))
        mid = rs_cols, nmid = ARRAY_SIZE(rs_cols), tail = rs_tail, ntail = ARRAY_SIZE(rs_tail);
    else if (is(k, "Event"))
        mid = event_cols, nmid = ARRAY_SIZE(event_cols), tail = event_tail,
        ntail = ARRAY_SIZE(event_tail);
    else if (is(k, "Job"))
        mid = job_cols, nmid = ARRAY_SIZE(job_cols);
    else if (is(k, "Deployment"))
        mid = deploy_cols, nmid = ARRAY_SIZE(deploy_cols), tail = rs_tail,
        ntail = ARRAY_SIZE(rs_tail);
    else if (is(k, "DaemonSet"))
        mid = ds_cols, nmid = ARRAY_SIZE(ds_cols);
    else if (is(k, "PodDisruptionBudget"))
        mid = pdb_cols, nmid = ARRAY_SIZE(pdb_cols);
    else if (is(k, "Lease"))
        mid = lease_cols, nmid = ARRAY_SIZE(lease_cols);
    else if (is(k, "NetworkPolicy"))
        mid = netpol_cols, nmid = ARRAY_SIZE(netpol_cols);
    else if (is(k, "ServiceAccount"))
        mid = sa_cols, nmid = ARRAY_SIZE(sa_cols);
    else if (shows_created_at(k))
        mid = created_at_cols, nmid = ARRAY_SIZE(created_at_cols);
    else if (is_binding(k))
        mid = binding_cols, nmid = ARRAY_SIZE(binding_cols), tail = binding_tail,
        ntail = ARRAY_SIZE(binding_tail);
    else if (is(k, "HorizontalPodAutoscaler"))
        mid = hpa_cols, nmid = ARRAY_SIZE(hpa_cols);
    else if (is(k, "CronJob"))
        mid = cronjob_cols, nmid = ARRAY_SIZE(cronjob_cols), tail = cronjob_tail,
        ntail = ARRAY_SIZE(cronjob_tail);
    else if (is(k, "ControllerRevision"))
        mid = cr_cols, nmid = ARRAY_SIZE(cr_cols);
    else if (is(k, "StatefulSet"))
        mid = sts_cols, nmid = ARRAY_SIZE(sts_cols), tail = sts_tail,
        ntail = ARRAY_SIZE(sts_tail);
    else if (is(k, "PersistentVolume"))
        mid = pv_cols, nmid = ARRAY_SIZE(pv_cols), tail = volume_tail,
        ntail = ARRAY_SIZE(volume_tail);
    else if (is(k, "PersistentVolumeClaim"))
        mid = pvc_cols, nmid = ARRAY_SIZE(pvc_cols), tail = volume_tail,
        ntail = ARRAY_SIZE(volume_tail);
    else if (is(k, "StorageClass"))
        mid = sc_cols, nmid = ARRAY_SIZE(sc_cols);
    else if (is(k, "PriorityClass"))
        mid = pc_cols, nmid = ARRAY_SIZE(pc_cols), tail = pc_tail, ntail = ARRAY_SIZE(pc_tail);
    else if (is(k, "ResourceQuota"))
        tail = quota_tail, ntail = ARRAY_SIZE(quota_tail);
    for (size_t i = 0; i < nmid; i++)
        add_col(arr, &mid[i]);
    if (!shows_created_at(k))
        add_col(arr, &age_col);
    for (size_t i = 0; i < ntail; i++)
        add_col(arr, &tail[i]);
    return arr;
}

/* The AGE of timestamp ts, as kubectl prints it. */
static json_object *age_since(const char *ts)
{
    int64_t t = ts ? mk_parse_rfc3339(ts) : -1;
    char buf[32] = "<unknown>";
    if (t >= 0)
        human_duration((int64_t)time(NULL) - t, buf, sizeof buf);
    return json_object_new_string(buf);
}

static json_object *age_of(json_object *obj)
{
    return age_since(mk_json_str(obj, "metadata.creationTimestamp"));
}

static json_object *str_or(json_object *obj, const char *path, const char *dflt)
{
    const char *s = mk_json_str(obj, path);
    return json_object_new_string(s && *s ? s : dflt);
}

static void pod_cells(json_object *cells, json_object *obj)
{
    podstatus ps;
    podstatus_of(obj, &ps);
    char buf[48];
    snprintf(buf, sizeof buf, "%zu/%zu", ps.ready, ps.total);
    json_object_array_add(cells, json_object_new_string(buf));
    json_object_array_add(cells, json_object_new_string(ps.status));
    snprintf(buf, sizeof buf, "%lld", (long long)ps.restarts);
    json_object_array_add(cells, json_object_new_string(buf));
}

static void node_cells(json_object *cells, json_object *obj)
{
    char status[48];
    node_status_text(obj, status, sizeof status);
    json_object_array_add(cells, json_object_new_string(status));
    mk_buf roles = {0};
    json_object *labels = mk_json_path(obj, "metadata.labels");
    if (json_object_is_type(labels, json_type_object)) {
        json_object_object_foreach(labels, key, val)
        {
            (void)val;
            const char *pfx = "node-role.kubernetes.io/";
            if (strncmp(key, pfx, strlen(pfx)) == 0 && key[strlen(pfx)]) {
                if (roles.len)
                    mk_buf_puts(&roles, ",");
                mk_buf_puts(&roles, key + strlen(pfx));
            }
        }
    }
    json_object_array_add(cells, json_object_new_string(roles.len ? roles.data : "<none>"));
    mk_buf_free(&roles);
}

static void svc_cells(json_object *cells, json_object *obj)
{
    json_object_array_add(cells, str_or(obj, "spec.type", "ClusterIP"));
    json_object_array_add(cells, str_or(obj, "spec.clusterIP", "<none>"));
    mk_buf ports = {0};
    json_object *arr = mk_json_path(obj, "spec.ports");
    size_t n = mk_json_array_len(arr);
    for (size_t i = 0; i < n; i++) {
        json_object *p = json_object_array_get_idx(arr, i);
        const char *proto = mk_json_str(p, "protocol");
        int64_t node_port = mk_json_int(p, "nodePort", 0);
        mk_buf_printf(&ports, "%s%lld", i ? "," : "", (long long)mk_json_int(p, "port", 0));
        if (node_port)
            mk_buf_printf(&ports, ":%lld", (long long)node_port);
        mk_buf_printf(&ports, "/%s", proto && *proto ? proto : "TCP");
    }
    json_object_array_add(cells, json_object_new_string(ports.len ? ports.data : "<none>"));
    mk_buf_free(&ports);
}

static void ep_cells(json_object *cells, json_object *obj)
{
    _cleanup_free_ char *text = endpoints_text(obj);
    json_object_array_add(cells, json_object_new_string(text));
}

static void rs_cells(json_object *cells, json_object *obj)
{
    json_object_array_add(cells, json_object_new_int64(mk_json_int(obj, "spec.replicas", 1)));
    json_object_array_add(cells, json_object_new_int64(mk_json_int(obj, "status.replicas", 0)));
    json_object_array_add(cells,
                          json_object_new_int64(mk_json_int(obj, "status.readyReplicas", 0)));
}

static json_object *partial_of(json_object *obj)
{
    json_object *p = json_object_new_object();
    json_object_object_add(p, "kind", json_object_new_string("PartialObjectMetadata"));
    json_object_object_add(p, "apiVersion", json_object_new_string("meta.k8s.io/v1"));
    json_object *md = mk_json_path(obj, "metadata");
    json_object *copy = NULL;
    if (md)
        json_object_deep_copy(md, &copy, NULL);
    json_object_object_add(p, "metadata", copy ? copy : json_object_new_object());
    return p;
}

/* "k=v,k2=v2" from a string map, or "<none>". */
static json_object *map_text(json_object *map)
{
    mk_buf b = {0};
    if (json_object_is_type(map, json_type_object)) {
        json_object_object_foreach(map, key, val)
        {
            mk_buf_printf(
                &b, "%s%s=%s", b.len ? "," : "", key,
                json_object_is_type(val, json_type_string) ? json_object_get_string(val) : "");
        }
    }
    json_object *s = json_object_new_string(b.len ? b.data : "<none>");
    mk_buf_free(&b);
    return s;
}

/* "a,b" from the named field of each container of a template (a
 * CronJob's is in its jobTemplate). */
static json_object *containers_text(json_object *obj, const char *field)
{
    json_object *ctrs =
        mk_json_path(obj, "spec.template.spec.containers")
            ?: mk_json_path(obj, "spec.jobTemplate.spec.template.spec.containers");
    size_t n = mk_json_array_len(ctrs);
    mk_buf b = {0};
    for (size_t i = 0; i < n; i++) {
        const char *v = mk_json_str(json_object_array_get_idx(ctrs, i), field);
        mk_buf_printf(&b, "%s%s", i ? "," : "", v ? v : "");
    }
    json_object *s = json_object_new_string(b.len ? b.data : "<none>");
    mk_buf_free(&b);
    return s;
}

static json_object *internal_ip(json_object *obj)
{
    json_object *addrs = mk_json_path(obj, "status.addresses");
    size_t n = mk_json_array_len(addrs);
    for (size_t i = 0; i < n; i++) {
        json_object *a = json_object_array_get_idx(addrs, i);
        const char *type = mk_json_str(a, "type");
        if (type && !strcmp(type, "InternalIP"))
            return str_or(a, "address", "<none>");
    }
    return json_object_new_string("<none>");
}

static void event_cells(json_object *cells, json_object *obj)
{
    json_object_array_add(cells, age_since(event_last_seen(obj)));
    json_object_array_add(cells, str_or(obj, "type", ""));
    json_object_array_add(cells, str_or(obj, "reason", ""));
    const char *kind = mk_json_str(obj, "involvedObject.kind");
    const char *name = mk_json_str(obj, "involvedObject.name");
    _cleanup_free_ char *what = xasprintf("%s/%s", kind ? kind : "", name ? name : "");
    for (char *c = what; *c && *c != '/'; c++)
        *c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c); /* kubectl's pod/web */
    json_object_array_add(cells, json_object_new_string(what));
}

static void job_cells(json_object *cells, json_object *obj)
{
    json_object_array_add(cells, json_object_new_string(job_status_text(obj)));
    char buf[48];
    job_completions_text(obj, buf, sizeof buf);
    json_object_array_add(cells, json_object_new_string(buf));
    const char *start = mk_json_str(obj, "status.startTime");
    const char *end = mk_json_str(obj, "status.completionTime");
    if (!start) {
        json_object_array_add(cells, json_object_new_string(""));
        return;
    }
    json_object *age = age_since(start); /* running: time since start */
    if (end) {
        json_object_put(age);
        int64_t d = mk_parse_rfc3339(end) - mk_parse_rfc3339(start);
        snprintf(buf, sizeof buf, "%llds", (long long)(d < 0 ? 0 : d));
        age = json_object_new_string(buf);
    }
    json_object_array_add(cells, age);
}

static void cronjob_cells(json_object *cells, json_object *obj)
{
    json_object_array_add(cells, str_or(obj, "spec.schedule", ""));
    json_object_array_add(cells, str_or(obj, "spec.timeZone", "<none>"));
    json_object *suspend = mk_json_path(obj, "spec.suspend");
    json_object_array_add(
        cells,
        json_object_new_string(suspend && json_object_get_boolean(suspend) ? "True" : "False"));
    json_object *active = mk_json_path(obj, "status.active");
    json_object_array_add(cells,
                          json_object_new_int(json_object_is_type(active, json_type_array)
                                                  ? (int)json_object_array_length(active)
                                                  : 0));
    const char *last = mk_json_str(obj, "status.lastScheduleTime");
    json_object_array_add(cells, last ? age_since(last) : json_object_new_string("<none>"));
}

/* Cells from the stored (autoscaling/v2) object, whatever version the
 * client asked for. */
static void hpa_cells(json_object *cells, json_object *obj)
{
    char buf[400];
    snprintf(buf, sizeof buf, "%s/%s", mk_json_str(obj, "spec.scaleTargetRef.kind") ?: "",
             mk_json_str(obj, "spec.scaleTargetRef.name") ?: "");
    json_object_array_add(cells, json_object_new_string(buf));
    hpa_targets_text(obj, buf, sizeof buf);
    json_object_array_add(cells, json_object_new_string(buf));
    if (mk_json_path(obj, "spec.minReplicas"))
        snprintf(buf, sizeof buf, "%lld", (long long)mk_json_int(obj, "spec.minReplicas", 1));
    else
        snprintf(buf, sizeof buf, "<unset>");
    json_object_array_add(cells, json_object_new_string(buf));
    json_object_array_add(cells,
                          json_object_new_int64(mk_json_int(obj, "spec.maxReplicas", 0)));
    json_object_array_add(cells,
                          json_object_new_int64(mk_json_int(obj, "status.currentReplicas", 0)));
}

/* kubectl's printPersistentVolume */
static void pv_cells(json_object *cells, json_object *obj)
{
    char buf[320];
    json_object_array_add(cells, str_or(obj, "spec.capacity.storage", ""));
    access_modes_text(mk_json_path(obj, "spec.accessModes"), buf, sizeof buf);
    json_object_array_add(cells, json_object_new_string(buf));
    json_object_array_add(cells, str_or(obj, "spec.persistentVolumeReclaimPolicy", ""));
    json_object_array_add(cells, json_object_new_string(volume_phase_text(obj)));
    pv_claim_text(obj, buf, sizeof buf);
    json_object_array_add(cells, json_object_new_string(buf));
    json_object_array_add(cells, str_or(obj, "spec.storageClassName", ""));
    json_object_array_add(cells, str_or(obj, "spec.volumeAttributesClassName", "<unset>"));
    json_object_array_add(cells, str_or(obj, "status.reason", ""));
}

/* kubectl's printPersistentVolumeClaim: capacity and modes once bound */
static void pvc_cells(json_object *cells, json_object *obj)
{
    char buf[64] = "";
    const char *volume = mk_json_str(obj, "spec.volumeName");
    bool bound = volume && *volume;
    json_object_array_add(cells, json_object_new_string(volume_phase_text(obj)));
    json_object_array_add(cells, str_or(obj, "spec.volumeName", ""));
    json_object_array_add(cells, bound ? str_or(obj, "status.capacity.storage", "")
                                       : json_object_new_string(""));
    if (bound)
        access_modes_text(mk_json_path(obj, "status.accessModes"), buf, sizeof buf);
    json_object_array_add(cells, json_object_new_string(buf));
    json_object_array_add(cells, str_or(obj, "spec.storageClassName", ""));
    json_object_array_add(cells, str_or(obj, "spec.volumeAttributesClassName", "<unset>"));
}

static void sc_cells(json_object *cells, json_object *obj)
{
    json_object_array_add(cells, str_or(obj, "provisioner", ""));
    json_object_array_add(cells, str_or(obj, "reclaimPolicy", "Delete"));
    json_object_array_add(cells, str_or(obj, "volumeBindingMode", "Immediate"));
    json_object_array_add(cells, json_object_new_boolean(json_object_get_boolean(
                                     mk_json_path(obj, "allowVolumeExpansion"))));
}

/* kubectl's printPriorityClass: the value (0 when absent, as Go's int32)
 * and whether the class is the default; its policy comes after AGE
 * (tail_cells), empty when unset. */
static void pc_cells(json_object *cells, json_object *obj)
{
    json_object_array_add(cells, json_object_new_int64(mk_json_int(obj, "value", 0)));
    json_object_array_add(cells,
                          json_object_new_boolean(mk_json_bool(obj, "globalDefault", false)));
}

/* kubectl's READINESS GATES: how many of the pod's gates have a True
 * condition, of how many; "<none>" without gates. */
static json_object *readiness_gates_text(json_object *obj)
{
    json_object *gates = mk_json_path(obj, "spec.readinessGates");
    json_object *conds = mk_json_path(obj, "status.conditions");
    size_t n = mk_json_array_len(gates);
    size_t nconds = mk_json_array_len(conds);
    if (n == 0)
        return json_object_new_string("<none>");
    size_t ready = 0;
    for (size_t i = 0; i < n; i++) {
        const char *type = mk_json_str(json_object_array_get_idx(gates, i), "conditionType");
        for (size_t j = 0; type && j < nconds; j++) {
            json_object *c = json_object_array_get_idx(conds, j);
            if (strcmp(mk_json_str(c, "type") ?: "", type) != 0)
                continue;
            ready += strcmp(mk_json_str(c, "status") ?: "", "True") == 0;
            break; /* kubectl reads the first condition of the type */
        }
    }
    char buf[48];
    snprintf(buf, sizeof buf, "%zu/%zu", ready, n);
    return json_object_new_string(buf);
}

/* A binding's -o wide cells: whom it binds, by kind. */
static void subjects_cells(json_object *cells, json_object *obj)
{
    static const char *const kinds[] = {"User", "Group", "ServiceAccount"};
    for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
        _cleanup_free_ char *text = subjects_text(obj, kinds[i]);
        json_object_array_add(cells, json_object_new_string(text));
    }
}

static void tail_cells(const mk_kind *k, json_object *cells, json_object *obj)
{
    if (is_binding(k)) {
        subjects_cells(cells, obj);
        return;
    }
    if (is(k, "PersistentVolume") || is(k, "PersistentVolumeClaim")) {
        json_object_array_add(cells, str_or(obj, "spec.volumeMode", "<unset>"));
        return;
    }
    if (is(k, "ResourceQuota")) {
        _cleanup_free_ char *request = quota_usage_text(obj, false);
        _cleanup_free_ char *limit = quota_usage_text(obj, true);
        json_object_array_add(cells, json_object_new_string(request));
        json_object_array_add(cells, json_object_new_string(limit));
        return;
    }
    if (is(k, "Event")) {
        json_object_array_add(cells, str_or(obj, "message", ""));
        json_object_array_add(cells, json_object_new_int((int)mk_json_int(obj, "count", 1)));
        return;
    }
    if (is(k, "PriorityClass")) {
        json_object_array_add(cells, str_or(obj, "preemptionPolicy", ""));
        return;
    }
    if (is(k, "Pod")) {
        json_object_array_add(cells, str_or(obj, "status.podIP", "<none>"));
        json_object_array_add(cells, str_or(obj, "spec.nodeName", "<none>"));
        json_object_array_add(cells, str_or(obj, "status.nominatedNodeName", "<none>"));
        json_object_array_add(cells, readiness_gates_text(obj));
    } else if (is(k, "Node")) {
        json_object_array_add(cells, str_or(obj, "status.nodeInfo.kubeletVersion", ""));
        json_object_array_add(cells, internal_ip(obj));
    } else if (is(k, "Service")) {
        json_object_array_add(cells, map_text(mk_json_path(obj, "spec.selector")));
    } else if (is(k, "ReplicaSet") || is(k, "Deployment") || is(k, "StatefulSet")) {
        json_object_array_add(cells, containers_text(obj, "name"));
        json_object_array_add(cells, containers_text(obj, "image"));
        if (!is(k, "StatefulSet"))
            json_object_array_add(cells,
                                  map_text(mk_json_path(obj, "spec.selector.matchLabels")));
    } else if (is(k, "CronJob")) {
        json_object_array_add(cells, containers_text(obj, "name"));
        json_object_array_add(cells, containers_text(obj, "image"));
        json_object_array_add(
            cells, map_text(mk_json_path(obj, "spec.jobTemplate.spec.selector.matchLabels")));
    }
}

/* The ownerReference with controller=true (borrowed), or NULL. */
static json_object *controller_ref(json_object *obj)
{
    json_object *refs = mk_json_path(obj, "metadata.ownerReferences");
    for (size_t i = 0;
         json_object_is_type(refs, json_type_array) && i < json_object_array_length(refs);
         i++) {
        json_object *r = json_object_array_get_idx(refs, i);
        if (json_object_get_boolean(mk_json_path(r, "controller")))
            return r;
    }
    return NULL;
}

json_object *table_row(const mk_kind *k, json_object *obj, bool full_object)
{
    json_object *cells = json_object_new_array();
    char name[300];
    if (is(k, "StorageClass")) {
        storageclass_name_text(obj, name, sizeof name);
        json_object_array_add(cells, json_object_new_string(name));
    } else
        json_object_array_add(cells, str_or(obj, "metadata.name", ""));
    if (is(k, "Pod"))
        pod_cells(cells, obj);
    else if (is(k, "Node"))
        node_cells(cells, obj);
    else if (is(k, "Service"))
        svc_cells(cells, obj);
    else if (is(k, "Endpoints"))
        ep_cells(cells, obj);
    else if (is(k, "ReplicaSet"))
        rs_cells(cells, obj);
    else if (is(k, "Event"))
        event_cells(cells, obj);
    else if (is(k, "Job"))
        job_cells(cells, obj);
    else if (is(k, "CronJob"))
        cronjob_cells(cells, obj);
    else if (is(k, "PersistentVolume"))
        pv_cells(cells, obj);
    else if (is(k, "PersistentVolumeClaim"))
        pvc_cells(cells, obj);
    else if (is(k, "StorageClass"))
        sc_cells(cells, obj);
    else if (is(k, "PriorityClass"))
        pc_cells(cells, obj);
    else if (is(k, "DaemonSet")) {
        static const char *const fields[] = {
            "status.desiredNumberScheduled", "status.currentNumberScheduled",
            "status.numberReady", "status.updatedNumberScheduled", "status.numberAvailable"};
        for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
            json_object_array_add(cells, json_object_new_int64(mk_json_int(obj, fields[i], 0)));
    } else if (is(k, "ControllerRevision")) {
        json_object *ref = controller_ref(obj);
        const char *kind = mk_json_str(ref, "kind"), *api = mk_json_str(ref, "apiVersion");
        char buf[320] = "<none>";
        if (kind && api) {
            const mk_kind *ok = kind_by_gvk(api, kind);
            snprintf(buf, sizeof buf, "%s%s%s/%s", ok ? ok->singular : kind,
                     ok && ok->group[0] ? "." : "", ok ? ok->group : "",
                     mk_json_str(ref, "name") ?: "");
        }
        json_object_array_add(cells, json_object_new_string(buf));
        json_object_array_add(cells, json_object_new_int64(mk_json_int(obj, "revision", 0)));
    } else if (is(k, "StatefulSet")) {
        char buf[48];
        snprintf(buf, sizeof buf, "%lld/%lld",
                 (long long)mk_json_int(obj, "status.readyReplicas", 0),
                 (long long)mk_json_int(obj, "spec.replicas", 1));
        json_object_array_add(cells, json_object_new_string(buf));
    } else if (is(k, "HorizontalPodAutoscaler")) {
        hpa_cells(cells, obj);
    } else if (is(k, "ServiceAccount")) {
        json_object *secrets = mk_json_path(obj, "secrets");
        json_object_array_add(
            cells, json_object_new_int64(json_object_is_type(secrets, json_type_array)
                                             ? (int64_t)json_object_array_length(secrets)
                                             : 0));
    } else if (is(k, "Lease")) {
        json_object_array_add(cells, str_or(obj, "spec.holderIdentity", ""));
    } else if (is(k, "NetworkPolicy")) {
        _cleanup_free_ char *sel = label_selector_text(mk_json_path(obj, "spec.podSelector"));
        json_object_array_add(cells, json_object_new_string(sel));
    } else if (shows_created_at(k)) {
        char buf[32];
        created_at_text(obj, buf, sizeof buf);
        json_object_array_add(cells, json_object_new_string(buf));
    } else if (is_binding(k)) {
        char buf[600];
        role_ref_text(obj, buf, sizeof buf);
        json_object_array_add(cells, json_object_new_string(buf));
    } else if (is(k, "PodDisruptionBudget")) {
        char buf[32];
        intstr_text(mk_json_path(obj, "spec.minAvailable"), buf, sizeof buf);
        json_object_array_add(cells, json_object_new_string(buf));
        intstr_text(mk_json_path(obj, "spec.maxUnavailable"), buf, sizeof buf);
        json_object_array_add(cells, json_object_new_string(buf));
        json_object_array_add(
            cells, json_object_new_int64(mk_json_int(obj, "status.disruptionsAllowed", 0)));
    } else if (is(k, "Deployment")) {
        char buf[48];
        snprintf(buf, sizeof buf, "%lld/%lld",
                 (long long)mk_json_int(obj, "status.readyReplicas", 0),
                 (long long)mk_json_int(obj, "spec.replicas", 1));
        json_object_array_add(cells, json_object_new_string(buf));
        json_object_array_add(
            cells, json_object_new_int64(mk_json_int(obj, "status.updatedReplicas", 0)));
        json_object_array_add(
            cells, json_object_new_int64(mk_json_int(obj, "status.availableReplicas", 0)));
    }
    if (!shows_created_at(k))
        json_object_array_add(cells, age_of(obj));
    tail_cells(k, cells, obj);
    json_object *row = json_object_new_object();
    json_object_object_add(row, "cells", cells);
    if (full_object)
        json_object_object_add(row, "object", json_object_get(obj));
    else
        json_object_object_add(row, "object", partial_of(obj));
    return row;
}

json_object *table_of_one(const mk_kind *k, json_object *obj, bool full_object)
{
    json_object *t = json_object_new_object();
    json_object_object_add(t, "kind", json_object_new_string("Table"));
    json_object_object_add(t, "apiVersion", json_object_new_string("meta.k8s.io/v1"));
    json_object *md = json_object_new_object();
    const char *rv = mk_json_str(obj, "metadata.resourceVersion");
    if (rv)
        json_object_object_add(md, "resourceVersion", json_object_new_string(rv));
    json_object_object_add(t, "metadata", md);
    json_object_object_add(t, "columnDefinitions", table_columns(k));
    json_object *rows = json_object_new_array();
    json_object_array_add(rows, table_row(k, obj, full_object));
    json_object_object_add(t, "rows", rows);
    return t;
}

static void row_serve_as(json_object *row, const mk_kind_version *v)
{
    json_object *obj;
    if (!json_object_object_get_ex(row, "object", &obj) ||
        strcmp(mk_json_str(obj, "kind") ?: "", v->kind) != 0)
        return;               /* PartialObjectMetadata: the same at every version */
    json_object *copy = NULL; /* obj is the caller's stored object */
    json_object_deep_copy(obj, &copy, NULL);
    v->from_stored(copy);
    json_object_object_add(row, "object", copy);
}

void table_serve_as(json_object *table_or_row, const mk_kind_version *v)
{
    if (!v)
        return;
    json_object *rows;
    if (!json_object_object_get_ex(table_or_row, "rows", &rows)) {
        row_serve_as(table_or_row, v);
        return;
    }
    for (size_t i = 0; i < json_object_array_length(rows); i++)
        row_serve_as(json_object_array_get_idx(rows, i), v);
}
