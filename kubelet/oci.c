#include "kubelet/oci.h"
#include "kubelet/fsutil.h"
#include "store/util.h"

#include <string.h>

/* What `runc spec` writes (runc 1.1), minus process/root/hostname which
 * oci_config fills in. */
static const char oci_default[] =
    "{\"ociVersion\":\"1.0.2-dev\","
    "\"mounts\":["
    "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
    "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"nosuid\","
    "\"strictatime\",\"mode=755\",\"size=65536k\"]},"
    "{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\",\"options\":["
    "\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\",\"gid=5\"]},"
    "{\"destination\":\"/dev/"
    "shm\",\"type\":\"tmpfs\",\"source\":\"shm\",\"options\":[\"nosuid\","
    "\"noexec\",\"nodev\",\"mode=1777\",\"size=65536k\"]},"
    "{\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\",\"options\":["
    "\"nosuid\",\"noexec\",\"nodev\"]},"
    "{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\",\"options\":[\"nosuid\","
    "\"noexec\",\"nodev\",\"ro\"]},"
    "{\"destination\":\"/sys/fs/"
    "cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\",\"options\":["
    "\"nosuid\",\"noexec\",\"nodev\",\"relatime\",\"ro\"]}],"
    "\"linux\":{\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]},"
    "\"maskedPaths\":[\"/proc/acpi\",\"/proc/asound\",\"/proc/kcore\",\"/proc/keys\","
    "\"/proc/latency_stats\",\"/proc/timer_list\",\"/proc/timer_stats\",\"/proc/sched_debug\","
    "\"/sys/firmware\",\"/proc/scsi\"],"
    "\"readonlyPaths\":[\"/proc/bus\",\"/proc/fs\",\"/proc/irq\",\"/proc/sys\","
    "\"/proc/sysrq-trigger\"]}}";

/* The capabilities a Kubernetes container gets by default (containerd's set). */
static const char *const oci_caps[] = {
    "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
    "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
    "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
    "CAP_KILL",    "CAP_AUDIT_WRITE",
};

static json_object *strv_array(char *const *v)
{
    json_object *a = json_object_new_array();
    for (; v && *v; v++)
        json_object_array_add(a, json_object_new_string(*v));
    return a;
}

static bool in_list(char *const *v, const char *s)
{
    for (; v && *v; v++)
        if (strcmp(*v, s) == 0)
            return true;
    return false;
}

/* The default set, less cap_drop ("ALL": all of it), plus cap_add. */
static json_object *caps_array(const oci_params *p)
{
    json_object *a = json_object_new_array();
    bool drop_all = in_list(p->cap_drop, "ALL");
    for (size_t i = 0; i < ARRAY_SIZE(oci_caps) && !drop_all; i++)
        if (!in_list(p->cap_drop, oci_caps[i]))
            json_object_array_add(a, json_object_new_string(oci_caps[i]));
    for (char *const *c = p->cap_add; c && *c; c++) {
        bool have = false;
        for (size_t i = 0; i < json_object_array_length(a); i++)
            have |= strcmp(json_object_get_string(json_object_array_get_idx(a, i)), *c) == 0;
        if (!have)
            json_object_array_add(a, json_object_new_string(*c));
    }
    return a;
}

static json_object *oci_process(const oci_params *p)
{
    json_object *proc = json_object_new_object();
    json_object_object_add(proc, "terminal", json_object_new_boolean(p->terminal));
    json_object *user = json_object_new_object();
    json_object_object_add(user, "uid", json_object_new_int64(p->uid));
    json_object_object_add(user, "gid", json_object_new_int64(p->gid));
    if (p->ngroups) {
        json_object *g = json_object_new_array();
        for (int i = 0; i < p->ngroups; i++)
            json_object_array_add(g, json_object_new_int64(p->groups[i]));
        json_object_object_add(user, "additionalGids", g);
    }
    json_object_object_add(proc, "user", user);
    json_object_object_add(proc, "args", strv_array(p->args));
    json_object *env = strv_array(p->env);
    bool has_path = false;
    for (char *const *e = p->env; e && *e; e++)
        has_path |= strncmp(*e, "PATH=", 5) == 0;
    if (!has_path)
        json_object_array_add(
            env, json_object_new_string(
                     "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
    json_object_object_add(proc, "env", env);
    json_object_object_add(proc, "cwd",
                           json_object_new_string(p->cwd && *p->cwd ? p->cwd : "/"));
    json_object *caps = json_object_new_object();
    static const char *const sets[] = {"bounding", "effective", "permitted"};
    for (size_t i = 0; i < ARRAY_SIZE(sets); i++)
        json_object_object_add(caps, sets[i], caps_array(p));
    json_object_object_add(proc, "capabilities", caps);
    json_object_object_add(proc, "noNewPrivileges",
                           json_object_new_boolean(p->no_new_privileges));
    if (p->oom_score_adj)
        json_object_object_add(proc, "oomScoreAdj", json_object_new_int(p->oom_score_adj));
    return proc;
}

static void add_ns(json_object *nss, const char *type, const char *path)
{
    json_object *ns = json_object_new_object();
    json_object_object_add(ns, "type", json_object_new_string(type));
    if (path)
        json_object_object_add(ns, "path", json_object_new_string(path));
    json_object_array_add(nss, ns);
}

static void oci_resources(json_object *linux, const oci_params *p)
{
    json_object *res = json_object_object_get(linux, "resources");
    if (p->memory_limit > 0) {
        json_object *mem = json_object_new_object();
        json_object_object_add(mem, "limit", json_object_new_int64(p->memory_limit));
        /* No swap beyond the limit, as the kubelet configures it. */
        json_object_object_add(mem, "swap", json_object_new_int64(p->memory_limit));
        json_object_object_add(res, "memory", mem);
    }
    json_object *cpu = json_object_new_object();
    if (p->cpu_limit_milli > 0) {
        int64_t quota = p->cpu_limit_milli * OCI_CPU_PERIOD_US / 1000;
        if (quota < 1000)
            quota = 1000; /* the kernel's minimum quota is 1 ms */
        json_object_object_add(cpu, "quota", json_object_new_int64(quota));
        json_object_object_add(cpu, "period", json_object_new_int64(OCI_CPU_PERIOD_US));
    }
    /* Shares from requests as the kubelet computes them (1024 per CPU, min 2). */
    if (p->cpu_request_milli > 0) {
        int64_t shares = p->cpu_request_milli * 1024 / 1000;
        json_object_object_add(cpu, "shares", json_object_new_int64(shares < 2 ? 2 : shares));
    }
    if (json_object_object_length(cpu))
        json_object_object_add(res, "cpu", cpu);
    else
        json_object_put(cpu);
}

static void oci_volume_mounts(json_object *mounts, const oci_params *p)
{
    for (int i = 0; i < p->nmounts; i++) {
        const oci_mount *m = &p->mounts[i];
        json_object *o = json_object_new_object();
        json_object_object_add(o, "destination", json_object_new_string(m->destination));
        json_object_object_add(o, "type", json_object_new_string("bind"));
        json_object_object_add(o, "source", json_object_new_string(m->source));
        json_object *opts = json_object_new_array();
        json_object_array_add(opts, json_object_new_string("rbind"));
        json_object_array_add(opts, json_object_new_string(m->readonly ? "ro" : "rw"));
        json_object_object_add(o, "options", opts);
        json_object_array_add(mounts, o);
    }
}

int oci_config(const oci_params *p, json_object **out, mk_err *err)
{
    if (!p->args || !p->args[0])
        return mk_error(err, EINVAL, "container has no command and its image no default");
    json_object *c = json_tokener_parse(oci_default);
    json_object_object_add(c, "process", oci_process(p));
    json_object *root = json_object_new_object();
    json_object_object_add(root, "path", json_object_new_string(p->rootfs));
    json_object_object_add(root, "readonly", json_object_new_boolean(p->readonly_rootfs));
    json_object_object_add(c, "root", root);
    if (p->hostname && !p->uts_path)
        json_object_object_add(c, "hostname", json_object_new_string(p->hostname));

    json_object *linux = json_object_object_get(c, "linux");
    json_object *nss = json_object_new_array();
    add_ns(nss, "pid", p->pid_path);
    add_ns(nss, "mount", NULL);
    add_ns(nss, "network", p->netns_path);
    add_ns(nss, "ipc", p->ipc_path);
    add_ns(nss, "uts", p->uts_path);
    json_object_object_add(linux, "namespaces", nss);
    if (p->cgroups_path)
        json_object_object_add(linux, "cgroupsPath", json_object_new_string(p->cgroups_path));
    oci_resources(linux, p);
    oci_volume_mounts(json_object_object_get(c, "mounts"), p);
    *out = c;
    return 0;
}

int oci_write_config(const char *bundle, json_object *config, mk_err *err)
{
    _cleanup_free_ char *path = xasprintf("%s/config.json", bundle);
    size_t len;
    const char *s = json_object_to_json_string_length(config, JSON_C_TO_STRING_PLAIN, &len);
    return fsu_write_file(path, s, len, 0644, err);
}
