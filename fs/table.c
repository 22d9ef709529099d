#include "fs/table.h"
#include "store/codec.h"
#include "store/events.h"
#include "store/printers.h"

#include <stdio.h>
#include <string.h>

#define TABLE_MAX_COLS 12

typedef struct table {
    size_t ncols;
    const char *head[TABLE_MAX_COLS];
    char **cells; /* row-major */
    size_t nrows, cap;
} table;

static void row_add(table *t, char **cells)
{
    if (t->nrows == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->cells = xrealloc(t->cells, t->cap * t->ncols * sizeof *t->cells);
    }
    memcpy(t->cells + t->nrows * t->ncols, cells, t->ncols * sizeof *cells);
    t->nrows++;
}

/* The AGE of timestamp ts (may be NULL) at time now. */
static char *age_since(const char *ts, int64_t now)
{
    int64_t t = ts && *ts ? mk_parse_rfc3339(ts) : -1;
    char buf[32] = "<unknown>";
    if (t >= 0)
        human_duration(now - t, buf, sizeof buf);
    return xstrdup(buf);
}

static char *age_of(json_object *o, int64_t now)
{
    return age_since(mk_json_str(o, "metadata.creationTimestamp"), now);
}

static char *str_or(json_object *o, const char *path, const char *dflt)
{
    const char *s = mk_json_str(o, path);
    return xstrdup(s && *s ? s : dflt);
}

static void pod_cells(json_object *o, char **c)
{
    podstatus ps;
    podstatus_of(o, &ps);
    c[0] = xasprintf("%zu/%zu", ps.ready, ps.total);
    c[1] = xstrdup(ps.status);
    c[2] = xasprintf("%lld", (long long)ps.restarts);
}

static char *node_roles(json_object *o)
{
    mk_buf b = {0};
    json_object *labels = mk_json_path(o, "metadata.labels");
    static const char prefix[] = "node-role.kubernetes.io/";
    if (labels && json_object_is_type(labels, json_type_object)) {
        json_object_object_foreach(labels, key, val)
        {
            (void)val;
            if (strncmp(key, prefix, sizeof prefix - 1) == 0)
                mk_buf_printf(&b, "%s%s", b.len ? "," : "", key + sizeof prefix - 1);
        }
    }
    if (!b.len)
        mk_buf_puts(&b, "<none>");
    return mk_buf_steal(&b);
}

static char *service_ports(json_object *o)
{
    mk_buf b = {0};
    json_object *ports = mk_json_path(o, "spec.ports");
    for (size_t i = 0; i < mk_json_array_len(ports); i++) {
        json_object *p = json_object_array_get_idx(ports, i);
        const char *proto = mk_json_str(p, "protocol");
        mk_buf_printf(&b, "%s%lld/%s", b.len ? "," : "", (long long)mk_json_int(p, "port", 0),
                      proto ? proto : "TCP");
    }
    if (!b.len)
        mk_buf_puts(&b, "<none>");
    return mk_buf_steal(&b);
}

/* kubectl's Ingress columns: up to three hosts ("*" for none), then
 * "+ N more..."; the load balancer's IPs or hostnames. */
static char *ingress_hosts(json_object *o)
{
    mk_buf b = {0};
    json_object *rules = mk_json_path(o, "spec.rules");
    size_t n = mk_json_array_len(rules), shown = 0;
    for (size_t i = 0; i < n && shown < 3; i++) {
        const char *h = mk_json_str(json_object_array_get_idx(rules, i), "host");
        if (h && *h)
            mk_buf_printf(&b, "%s%s", shown++ ? "," : "", h);
    }
    if (!b.len)
        mk_buf_puts(&b, "*");
    else if (n > 3)
        mk_buf_printf(&b, " + %zu more...", n - 3);
    return mk_buf_steal(&b);
}

static char *ingress_address(json_object *o)
{
    mk_buf b = {0};
    json_object *lbs = mk_json_path(o, "status.loadBalancer.ingress");
    for (size_t i = 0; i < mk_json_array_len(lbs); i++) {
        json_object *lb = json_object_array_get_idx(lbs, i);
        const char *a = mk_json_str(lb, "ip") ?: mk_json_str(lb, "hostname");
        if (a)
            mk_buf_printf(&b, "%s%s", b.len ? "," : "", a);
    }
    mk_buf_puts(&b, "");
    return mk_buf_steal(&b);
}

static size_t object_len(json_object *o)
{
    return o && json_object_is_type(o, json_type_object) ? (size_t)json_object_object_length(o)
                                                         : 0;
}

/* Kinds kubectl shows a CREATED AT for, instead of an AGE. */
static bool shows_created_at(const char *kind)
{
    return strcmp(kind, "Role") == 0 || strcmp(kind, "ClusterRole") == 0 ||
           strcmp(kind, "LimitRange") == 0;
}

static bool is_binding(const char *kind)
{
    return strcmp(kind, "RoleBinding") == 0 || strcmp(kind, "ClusterRoleBinding") == 0;
}

/* Fill the kind-specific columns (between NAME and AGE, then wide ones). */
static size_t kind_columns(const char *kind, bool wide, const char **head)
{
    size_t n = 0;
    if (is_binding(kind)) {
        head[n++] = "ROLE", head[n++] = "AGE";
        if (wide)
            head[n++] = "USERS", head[n++] = "GROUPS", head[n++] = "SERVICEACCOUNTS";
        return n;
    }
    if (strcmp(kind, "Pod") == 0) {
        head[n++] = "READY", head[n++] = "STATUS", head[n++] = "RESTARTS";
        head[n++] = "AGE";
        if (wide)
            head[n++] = "IP", head[n++] = "NODE";
        return n;
    }
    if (strcmp(kind, "Node") == 0)
        head[n++] = "STATUS", head[n++] = "ROLES", head[n++] = "AGE", head[n++] = "VERSION";
    else if (strcmp(kind, "Service") == 0)
        head[n++] = "TYPE", head[n++] = "CLUSTER-IP", head[n++] = "PORT(S)", head[n++] = "AGE";
    else if (strcmp(kind, "Endpoints") == 0)
        head[n++] = "ENDPOINTS", head[n++] = "AGE";
    else if (strcmp(kind, "Lease") == 0)
        head[n++] = "HOLDER", head[n++] = "AGE";
    else if (strcmp(kind, "NetworkPolicy") == 0)
        head[n++] = "POD-SELECTOR", head[n++] = "AGE";
    else if (strcmp(kind, "ServiceAccount") == 0)
        head[n++] = "SECRETS", head[n++] = "AGE";
    else if (shows_created_at(kind))
        head[n++] = "CREATED AT";
    else if (strcmp(kind, "ResourceQuota") == 0)
        head[n++] = "AGE", head[n++] = "REQUEST", head[n++] = "LIMIT";
    else if (strcmp(kind, "PodDisruptionBudget") == 0)
        head[n++] = "MIN AVAILABLE", head[n++] = "MAX UNAVAILABLE",
        head[n++] = "ALLOWED DISRUPTIONS", head[n++] = "AGE";
    else if (strcmp(kind, "ReplicaSet") == 0)
        head[n++] = "DESIRED", head[n++] = "CURRENT", head[n++] = "READY", head[n++] = "AGE";
    else if (strcmp(kind, "Secret") == 0)
        head[n++] = "TYPE", head[n++] = "DATA", head[n++] = "AGE";
    else if (strcmp(kind, "Ingress") == 0)
        head[n++] = "CLASS", head[n++] = "HOSTS", head[n++] = "ADDRESS", head[n++] = "PORTS",
        head[n++] = "AGE";
    else if (strcmp(kind, "Event") == 0)
        head[n++] = "LAST SEEN", head[n++] = "TYPE", head[n++] = "REASON", head[n++] = "OBJECT",
        head[n++] = "MESSAGE";
    else if (strcmp(kind, "Deployment") == 0)
        head[n++] = "READY", head[n++] = "UP-TO-DATE", head[n++] = "AVAILABLE",
        head[n++] = "AGE";
    else if (strcmp(kind, "StatefulSet") == 0)
        head[n++] = "READY", head[n++] = "AGE";
    else if (strcmp(kind, "DaemonSet") == 0)
        head[n++] = "DESIRED", head[n++] = "CURRENT", head[n++] = "READY",
        head[n++] = "UP-TO-DATE", head[n++] = "AGE";
    else if (strcmp(kind, "Job") == 0)
        head[n++] = "STATUS", head[n++] = "COMPLETIONS", head[n++] = "AGE";
    else if (strcmp(kind, "CronJob") == 0)
        head[n++] = "SCHEDULE", head[n++] = "TIMEZONE", head[n++] = "SUSPEND",
        head[n++] = "ACTIVE", head[n++] = "LAST SCHEDULE", head[n++] = "AGE";
    else if (strcmp(kind, "PersistentVolume") == 0)
        head[n++] = "CAPACITY", head[n++] = "ACCESS MODES", head[n++] = "RECLAIM POLICY",
        head[n++] = "STATUS", head[n++] = "CLAIM", head[n++] = "STORAGECLASS",
        head[n++] = "VOLUMEATTRIBUTESCLASS", head[n++] = "REASON", head[n++] = "AGE";
    else if (strcmp(kind, "PersistentVolumeClaim") == 0)
        head[n++] = "STATUS", head[n++] = "VOLUME", head[n++] = "CAPACITY",
        head[n++] = "ACCESS MODES", head[n++] = "STORAGECLASS",
        head[n++] = "VOLUMEATTRIBUTESCLASS", head[n++] = "AGE";
    else if (strcmp(kind, "StorageClass") == 0)
        head[n++] = "PROVISIONER", head[n++] = "RECLAIMPOLICY", head[n++] = "VOLUMEBINDINGMODE",
        head[n++] = "ALLOWVOLUMEEXPANSION", head[n++] = "AGE";
    else if (strcmp(kind, "PriorityClass") == 0)
        head[n++] = "VALUE", head[n++] = "GLOBAL-DEFAULT", head[n++] = "AGE",
        head[n++] = "PREEMPTIONPOLICY";
    else
        head[n++] = "AGE";
    return n;
}

/* kubectl's printPersistentVolume */
static void pv_cells(json_object *o, int64_t now, char **c)
{
    char buf[320];
    c[0] = str_or(o, "spec.capacity.storage", "");
    access_modes_text(mk_json_path(o, "spec.accessModes"), buf, sizeof buf);
    c[1] = xstrdup(buf);
    c[2] = str_or(o, "spec.persistentVolumeReclaimPolicy", "");
    c[3] = xstrdup(volume_phase_text(o));
    pv_claim_text(o, buf, sizeof buf);
    c[4] = xstrdup(buf);
    c[5] = str_or(o, "spec.storageClassName", "");
    c[6] = str_or(o, "spec.volumeAttributesClassName", "<unset>");
    c[7] = str_or(o, "status.reason", "");
    c[8] = age_of(o, now);
}

/* kubectl's printPersistentVolumeClaim: capacity and modes once bound */
static void pvc_cells(json_object *o, int64_t now, char **c)
{
    char buf[64] = "";
    const char *volume = mk_json_str(o, "spec.volumeName");
    bool bound = volume && *volume;
    c[0] = xstrdup(volume_phase_text(o));
    c[1] = str_or(o, "spec.volumeName", "");
    c[2] = bound ? str_or(o, "status.capacity.storage", "") : xstrdup("");
    if (bound)
        access_modes_text(mk_json_path(o, "status.accessModes"), buf, sizeof buf);
    c[3] = xstrdup(buf);
    c[4] = str_or(o, "spec.storageClassName", "");
    c[5] = str_or(o, "spec.volumeAttributesClassName", "<unset>");
    c[6] = age_of(o, now);
}

static void sc_cells(json_object *o, int64_t now, char **c)
{
    c[0] = str_or(o, "provisioner", "");
    c[1] = str_or(o, "reclaimPolicy", "Delete");
    c[2] = str_or(o, "volumeBindingMode", "Immediate");
    c[3] = xstrdup(json_object_get_boolean(mk_json_path(o, "allowVolumeExpansion")) ? "true"
                                                                                    : "false");
    c[4] = age_of(o, now);
}

/* kubectl's printPriorityClass: value 0 when absent (Go's int32), the
 * policy empty when unset. */
static void pc_cells(json_object *o, int64_t now, char **c)
{
    c[0] = xasprintf("%lld", (long long)mk_json_int(o, "value", 0));
    c[1] = xstrdup(mk_json_bool(o, "globalDefault", false) ? "true" : "false");
    c[2] = age_of(o, now);
    c[3] = str_or(o, "preemptionPolicy", "");
}

/* A binding's ROLE, AGE and with -o wide whom it binds. */
static void binding_cells(json_object *o, bool wide, int64_t now, char **c)
{
    char buf[600];
    role_ref_text(o, buf, sizeof buf);
    c[0] = xstrdup(buf);
    c[1] = age_of(o, now);
    if (wide) {
        c[2] = subjects_text(o, "User");
        c[3] = subjects_text(o, "Group");
        c[4] = subjects_text(o, "ServiceAccount");
    }
}

static void kind_cells(const char *kind, json_object *o, bool wide, int64_t now, char **c)
{
    if (strcmp(kind, "Pod") == 0) {
        pod_cells(o, c);
        c[3] = age_of(o, now);
        if (wide) {
            c[4] = str_or(o, "status.podIP", "<none>");
            c[5] = str_or(o, "spec.nodeName", "<none>");
        }
    } else if (strcmp(kind, "Node") == 0) {
        char st[48];
        node_status_text(o, st, sizeof st);
        c[0] = xstrdup(st);
        c[1] = node_roles(o);
        c[2] = age_of(o, now);
        c[3] = str_or(o, "status.nodeInfo.kubeletVersion", "<none>");
    } else if (strcmp(kind, "Service") == 0) {
        c[0] = str_or(o, "spec.type", "ClusterIP");
        c[1] = str_or(o, "spec.clusterIP", "<none>");
        c[2] = service_ports(o);
        c[3] = age_of(o, now);
    } else if (strcmp(kind, "Endpoints") == 0) {
        c[0] = endpoints_text(o);
        c[1] = age_of(o, now);
    } else if (strcmp(kind, "ServiceAccount") == 0) {
        c[0] = xasprintf("%zu", mk_json_array_len(mk_json_path(o, "secrets")));
        c[1] = age_of(o, now);
    } else if (strcmp(kind, "Lease") == 0) {
        c[0] = str_or(o, "spec.holderIdentity", "");
        c[1] = age_of(o, now);
    } else if (strcmp(kind, "NetworkPolicy") == 0) {
        c[0] = label_selector_text(mk_json_path(o, "spec.podSelector"));
        c[1] = age_of(o, now);
    } else if (strcmp(kind, "PodDisruptionBudget") == 0) {
        char buf[32];
        intstr_text(mk_json_path(o, "spec.minAvailable"), buf, sizeof buf);
        c[0] = xstrdup(buf);
        intstr_text(mk_json_path(o, "spec.maxUnavailable"), buf, sizeof buf);
        c[1] = xstrdup(buf);
        c[2] = xasprintf("%lld", (long long)mk_json_int(o, "status.disruptionsAllowed", 0));
        c[3] = age_of(o, now);
    } else if (strcmp(kind, "ReplicaSet") == 0) {
        c[0] = xasprintf("%lld", (long long)mk_json_int(o, "spec.replicas", 1));
        c[1] = xasprintf("%lld", (long long)mk_json_int(o, "status.replicas", 0));
        c[2] = xasprintf("%lld", (long long)mk_json_int(o, "status.readyReplicas", 0));
        c[3] = age_of(o, now);
    } else if (strcmp(kind, "Secret") == 0) {
        c[0] = str_or(o, "type", "Opaque");
        c[1] = xasprintf("%zu", object_len(mk_json_path(o, "data")));
        c[2] = age_of(o, now);
    } else if (strcmp(kind, "Ingress") == 0) {
        c[0] = str_or(o, "spec.ingressClassName", "<none>");
        c[1] = ingress_hosts(o);
        c[2] = ingress_address(o);
        c[3] = xstrdup(mk_json_array_len(mk_json_path(o, "spec.tls")) ? "80, 443" : "80");
        c[4] = age_of(o, now);
    } else if (strcmp(kind, "Deployment") == 0) {
        c[0] = xasprintf("%lld/%lld", (long long)mk_json_int(o, "status.readyReplicas", 0),
                         (long long)mk_json_int(o, "spec.replicas", 1));
        c[1] = xasprintf("%lld", (long long)mk_json_int(o, "status.updatedReplicas", 0));
        c[2] = xasprintf("%lld", (long long)mk_json_int(o, "status.availableReplicas", 0));
        c[3] = age_of(o, now);
    } else if (strcmp(kind, "StatefulSet") == 0) {
        c[0] = xasprintf("%lld/%lld", (long long)mk_json_int(o, "status.readyReplicas", 0),
                         (long long)mk_json_int(o, "spec.replicas", 1));
        c[1] = age_of(o, now);
    } else if (strcmp(kind, "DaemonSet") == 0) {
        static const char *const f[] = {"status.desiredNumberScheduled",
                                        "status.currentNumberScheduled", "status.numberReady",
                                        "status.updatedNumberScheduled"};
        for (size_t i = 0; i < 4; i++)
            c[i] = xasprintf("%lld", (long long)mk_json_int(o, f[i], 0));
        c[4] = age_of(o, now);
    } else if (strcmp(kind, "Job") == 0) {
        char done[48];
        job_completions_text(o, done, sizeof done);
        c[0] = xstrdup(job_status_text(o));
        c[1] = xstrdup(done);
        c[2] = age_of(o, now);
    } else if (strcmp(kind, "CronJob") == 0) {
        json_object *suspend = mk_json_path(o, "spec.suspend");
        c[0] = str_or(o, "spec.schedule", "");
        c[1] = str_or(o, "spec.timeZone", "<none>");
        c[2] = xstrdup(suspend && json_object_get_boolean(suspend) ? "True" : "False");
        c[3] = xasprintf("%zu", mk_json_array_len(mk_json_path(o, "status.active")));
        const char *last = mk_json_str(o, "status.lastScheduleTime");
        c[4] = last ? age_since(last, now) : xstrdup("<none>");
        c[5] = age_of(o, now);
    } else if (strcmp(kind, "Event") == 0) {
        c[0] = age_since(event_last_seen(o), now);
        c[1] = str_or(o, "type", "");
        c[2] = str_or(o, "reason", "");
        const char *k = mk_json_str(o, "involvedObject.kind") ?: "";
        char *obj = xasprintf("%s/%s", k, mk_json_str(o, "involvedObject.name") ?: "");
        for (char *p = obj; *p && *p != '/'; p++)
            *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
        c[3] = obj;
        c[4] = str_or(o, "message", "");
    } else if (strcmp(kind, "PersistentVolume") == 0) {
        pv_cells(o, now, c);
    } else if (strcmp(kind, "PersistentVolumeClaim") == 0) {
        pvc_cells(o, now, c);
    } else if (strcmp(kind, "StorageClass") == 0) {
        sc_cells(o, now, c);
    } else if (strcmp(kind, "PriorityClass") == 0) {
        pc_cells(o, now, c);
    } else if (is_binding(kind)) {
        binding_cells(o, wide, now, c);
    } else if (shows_created_at(kind)) {
        char buf[32];
        created_at_text(o, buf, sizeof buf);
        c[0] = xstrdup(buf);
    } else if (strcmp(kind, "ResourceQuota") == 0) {
        c[0] = age_of(o, now);
        c[1] = quota_usage_text(o, false);
        c[2] = quota_usage_text(o, true);
    } else {
        c[0] = age_of(o, now);
    }
}

void table_render(json_object *objs, bool with_ns, bool wide, int64_t now, mk_buf *out)
{
    size_t n = mk_json_array_len(objs);
    if (n == 0)
        return;
    const char *kind = mk_json_str(json_object_array_get_idx(objs, 0), "kind");
    table t = {0};
    if (with_ns)
        t.head[t.ncols++] = "NAMESPACE";
    t.head[t.ncols++] = "NAME";
    size_t first = t.ncols;
    t.ncols += kind_columns(kind ? kind : "", wide, t.head + t.ncols);
    for (size_t i = 0; i < n; i++) {
        json_object *o = json_object_array_get_idx(objs, i);
        char *cells[TABLE_MAX_COLS] = {0};
        if (with_ns)
            cells[0] = str_or(o, "metadata.namespace", "<none>");
        cells[first - 1] = str_or(o, "metadata.name", "?");
        if (strcmp(kind ? kind : "", "StorageClass") == 0) {
            char name[300];
            storageclass_name_text(o, name, sizeof name);
            free(cells[first - 1]);
            cells[first - 1] = xstrdup(name);
        }
        kind_cells(kind ? kind : "", o, wide, now, cells + first);
        for (size_t c = 0; c < t.ncols; c++)
            if (!cells[c])
                cells[c] = xstrdup("");
        row_add(&t, cells);
    }
    size_t width[TABLE_MAX_COLS];
    for (size_t c = 0; c < t.ncols; c++) {
        width[c] = strlen(t.head[c]);
        for (size_t r = 0; r < t.nrows; r++) {
            size_t w = strlen(t.cells[r * t.ncols + c]);
            if (w > width[c])
                width[c] = w;
        }
    }
    for (size_t r = 0; r <= t.nrows; r++) {
        for (size_t c = 0; c < t.ncols; c++) {
            const char *s = r == 0 ? t.head[c] : t.cells[(r - 1) * t.ncols + c];
            if (c + 1 == t.ncols)
                mk_buf_printf(out, "%s\n", s);
            else
                mk_buf_printf(out, "%-*s   ", (int)width[c], s);
        }
    }
    for (size_t i = 0; i < t.nrows * t.ncols; i++)
        free(t.cells[i]);
    free(t.cells);
}
