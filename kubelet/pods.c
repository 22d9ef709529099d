#include "kubelet/pods.h"
#include "kubelet/cgroup.h"
#include "kubelet/envvars.h"
#include "kubelet/fsutil.h"
#include "kubelet/image.h"
#include "kubelet/oci.h"
#include "kubelet/resolvconf.h"
#include "kubelet/sandbox.h"
#include "kubelet/security.h"
#include "kubelet/termmsg.h"
#include "kubelet/volumes.h"
#include "store/codec.h"
#include "store/log.h"
#include "store/qos.h"
#include "store/quantity.h"
#include "store/util.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

char *pods_dir(const pods_env *e, const char *uid)
{
    return xasprintf("%s/pods/%s", e->root_dir, uid);
}

char *pods_container_id(const char *uid, const char *ctr)
{
    return xasprintf("%s.%s", uid, ctr);
}

bool pods_parse_id(const char *id, char **uid, char **ctr)
{
    const char *dot = strrchr(id, '.');
    if (!dot || dot == id || !dot[1])
        return false;
    *uid = xstrndup(id, (size_t)(dot - id));
    *ctr = xstrdup(dot + 1);
    return true;
}

char *pods_cgroup_path(const char *uid, const char *ctr)
{
    return xasprintf("/minik8s/%s/%s", uid, ctr);
}

char *pods_log_path(const pods_env *e, const char *uid, const char *ctr, int attempt)
{
    return xasprintf("%s/pods/%s/logs/%s/%d.log", e->root_dir, uid, ctr, attempt);
}

char *pods_latest_log(const pods_env *e, const char *uid, const char *ctr)
{
    _cleanup_free_ char *dir = xasprintf("%s/pods/%s/logs/%s", e->root_dir, uid, ctr);
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    int best = -1;
    struct dirent *de;
    while ((de = readdir(d))) {
        int n;
        char tail[8];
        if (sscanf(de->d_name, "%d.%7s", &n, tail) == 2 && strcmp(tail, "log") == 0 && n > best)
            best = n;
    }
    closedir(d);
    return best < 0 ? NULL : xasprintf("%s/%d.log", dir, best);
}

static int write_pod_meta(const char *dir, json_object *pod, mk_err *err)
{
    json_object *m = json_object_new_object();
    const char *keys[] = {"namespace", "name", "uid"};
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        char path[32];
        snprintf(path, sizeof path, "metadata.%s", keys[i]);
        const char *v = mk_json_str(pod, path);
        json_object_object_add(m, keys[i], json_object_new_string(v ? v : ""));
    }
    _cleanup_free_ char *p = xasprintf("%s/pod.json", dir);
    const char *s = json_object_to_json_string(m);
    int rc = fsu_write_file(p, s, strlen(s), 0644, err);
    json_object_put(m);
    return rc;
}

const char *pods_hostname(json_object *pod)
{
    return mk_json_str(pod, "spec.hostname") ?: mk_json_str(pod, "metadata.name");
}

/* /etc/hosts as the kubelet writes it: localhost, the pod's own name (its
 * spec.hostname, and FQDN under spec.subdomain), then spec.hostAliases. */
static char *hosts_text(json_object *pod, const char *ip, const char *domain)
{
    const char *name = pods_hostname(pod);
    const char *sub = mk_json_str(pod, "spec.subdomain");
    const char *ns = mk_json_str(pod, "metadata.namespace") ?: "default";
    mk_buf b = {0};
    mk_buf_puts(&b, "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost\n");
    if (!ip || !*ip)
        mk_buf_printf(&b, "# no pod IP: %s\n", name ? name : "");
    else if (sub && *sub)
        mk_buf_printf(&b, "%s\t%s.%s.%s.svc.%s\t%s\n", ip, name, sub, ns,
                      domain && *domain ? domain : RESOLVCONF_DOMAIN, name);
    else
        mk_buf_printf(&b, "%s\t%s\n", ip, name ? name : "");
    json_object *aliases = mk_json_path(pod, "spec.hostAliases");
    size_t n = aliases ? json_object_array_length(aliases) : 0;
    if (n)
        mk_buf_puts(&b, "\n# Entries added by HostAliases.\n");
    for (size_t i = 0; i < n; i++) {
        json_object *a = json_object_array_get_idx(aliases, i);
        json_object *names = mk_json_path(a, "hostnames");
        mk_buf_puts(&b, mk_json_str(a, "ip") ?: "");
        for (size_t j = 0; names && j < json_object_array_length(names); j++)
            mk_buf_printf(&b, "\t%s",
                          json_object_get_string(json_object_array_get_idx(names, j)));
        mk_buf_puts(&b, "\n");
    }
    return b.data;
}

/* The files Kubernetes bind-mounts into every container: the pod's own
 * name and address, and its DNS (the cluster's unless dnsPolicy says). */
static int write_etc_files(const pods_env *e, json_object *pod, const char *dir, const char *ip,
                           mk_err *err)
{
    const char *name = pods_hostname(pod);
    _cleanup_free_ char *etc = xasprintf("%s/etc", dir);
    _cleanup_free_ char *hosts_p = xasprintf("%s/hosts", etc);
    _cleanup_free_ char *name_p = xasprintf("%s/hostname", etc);
    _cleanup_free_ char *resolv_p = xasprintf("%s/resolv.conf", etc);
    _cleanup_free_ char *hosts = hosts_text(pod, ip, e->cluster_domain);
    _cleanup_free_ char *hostname = xasprintf("%s\n", name ? name : "");
    _cleanup_free_ char *host_resolv = NULL;
    size_t len = 0;
    const char *policy = mk_json_str(pod, "spec.dnsPolicy");
    if (policy && strcmp(policy, "Default") == 0)
        mk_read_file("/etc/resolv.conf", 64 * 1024, &host_resolv, &len, &(mk_err){0});
    _cleanup_free_ char *resolv =
        resolvconf_for_pod(pod, e->cluster_dns, e->cluster_domain, host_resolv);
    if (fsu_mkdir_p(etc, 0755, err) < 0 ||
        fsu_write_file(hosts_p, hosts, strlen(hosts), 0644, err) < 0 ||
        fsu_write_file(name_p, hostname, strlen(hostname), 0644, err) < 0 ||
        resolvconf_write(resolv_p, resolv, err) < 0)
        return -err->code;
    return 0;
}

int pods_sandbox_up(const pods_env *e, json_object *pod, char *ip, mk_err *err)
{
    const char *uid = mk_json_str(pod, "metadata.uid");
    const char *name = mk_json_str(pod, "metadata.name");
    if (!uid || !*uid || strchr(uid, '/') || strchr(uid, '.') || !name)
        return mk_error(err, EINVAL, "pod has no usable metadata.uid");
    _cleanup_free_ char *dir = pods_dir(e, uid);
    if (fsu_mkdir_p(dir, 0755, err) < 0 || write_pod_meta(dir, pod, err) < 0)
        return -err->code;
    sandbox_paths sp;
    sandbox_paths_for(dir, uid, &sp);
    int rc = sandbox_create(&sp, pods_hostname(pod), err);
    if (rc == 0 && e->pn)
        rc = podnet_attach(e->pn, uid, sandbox_netns_name(&sp), ip, err);
    else if (rc == 0)
        strcpy(ip, "");
    sandbox_paths_free(&sp);
    if (rc == 0)
        rc = write_etc_files(e, pod, dir, ip, err);
    if (rc == 0)
        rc = volumes_setup(e, pod, dir, err);
    return rc;
}

/* /etc/hosts, /etc/hostname and /etc/resolv.conf from the pod dir, unless
 * the container mounts a volume there itself. resolv.conf is read-only: the
 * cluster's DNS is the node's to set, not the container's. */
static void add_etc_mounts(const char *pdir, oci_mount **mounts, int *n)
{
    static const char *const files[] = {"hosts", "hostname", "resolv.conf"};
    *mounts = xrealloc(*mounts, (size_t)(*n + (int)ARRAY_SIZE(files) + 1) * sizeof **mounts);
    for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
        _cleanup_free_ char *dest = xasprintf("/etc/%s", files[i]);
        bool taken = false;
        for (int j = 0; j < *n; j++)
            taken |= strcmp((*mounts)[j].destination, dest) == 0 ||
                     strcmp((*mounts)[j].destination, "/etc") == 0;
        if (taken)
            continue;
        (*mounts)[(*n)++] = (oci_mount){.source = xasprintf("%s/etc/%s", pdir, files[i]),
                                        .destination = steal_pointer(&dest),
                                        .readonly = strcmp(files[i], "resolv.conf") == 0};
    }
}

int pods_check_image(const pods_env *e, json_object *ctr, mk_err *err)
{
    _cleanup_free_ char *rootfs = NULL;
    return image_rootfs(e->image_dir, mk_json_str(ctr, "image"), &rootfs, err);
}

static char **strv_from_json(json_object *a, size_t extra)
{
    size_t n = a ? json_object_array_length(a) : 0;
    char **v = xcalloc(n + extra + 1, sizeof *v);
    for (size_t i = 0; i < n; i++) {
        const char *s = json_object_get_string(json_object_array_get_idx(a, i));
        v[i] = xstrdup(s ? s : "");
    }
    return v;
}

static void strv_free(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

static size_t strv_len(char **v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}

/* Kubernetes: command replaces the image's entrypoint, args its cmd. Images
 * here keep one default argv, so command+args, else args, else the image's. */
static char **container_argv(json_object *ctr, json_object *imgcfg)
{
    json_object *cmd = mk_json_path(ctr, "command"), *args = mk_json_path(ctr, "args");
    if (cmd && json_object_array_length(cmd)) {
        size_t na = args ? json_object_array_length(args) : 0;
        char **v = strv_from_json(cmd, na);
        size_t n = strv_len(v);
        for (size_t i = 0; i < na; i++)
            v[n + i] = xstrdup(json_object_get_string(json_object_array_get_idx(args, i)));
        return v;
    }
    if (args && json_object_array_length(args))
        return strv_from_json(args, 0);
    return strv_from_json(mk_json_path(imgcfg, "args"), 0);
}

static int mount_overlay(const char *lower, const char *cdir, mk_err *err)
{
    _cleanup_free_ char *rootfs = xasprintf("%s/rootfs", cdir);
    _cleanup_free_ char *upper = xasprintf("%s/upper", cdir);
    _cleanup_free_ char *work = xasprintf("%s/work", cdir);
    fsu_umount(rootfs);
    mk_err ignored;
    /* A restarted container starts from the image again, as in Kubernetes. */
    fsu_rm_rf(upper, &ignored);
    fsu_rm_rf(work, &ignored);
    if (fsu_mkdir_p(rootfs, 0755, err) < 0 || fsu_mkdir_p(upper, 0755, err) < 0 ||
        fsu_mkdir_p(work, 0755, err) < 0)
        return -err->code;
    _cleanup_free_ char *opts =
        xasprintf("lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, work);
    if (mount("overlay", rootfs, "overlay", 0, opts) < 0)
        return mk_error(err, errno, "overlay on %s: %s", rootfs, strerror(errno));
    return 0;
}

/* The cgroup limits and shares of the container's resources, and its rank
 * for the kernel's OOM killer by its pod's QoS class (store/qos.h). */
static int container_limits(const pods_env *e, json_object *pod, json_object *ctr,
                            oci_params *p, mk_err *err)
{
    mk_qos qos = qos_of_spec(mk_json_path(pod, "spec"));
    int64_t mem_request = qos_request_milli(ctr, "memory") / 1000;
    int adj = qos_oom_score_adj(qos, mem_request, e->mem_capacity);
    p->oom_score_adj = adj < e->oom_floor ? e->oom_floor : adj;
    const char *mem = mk_json_str(ctr, "resources.limits.memory");
    const char *cpu = mk_json_str(ctr, "resources.limits.cpu");
    mk_quantity q;
    if (mem) {
        if (quantity_parse(mem, &q, err) < 0)
            return mk_error_wrap(err, "resources.limits.memory");
        p->memory_limit = quantity_value(&q);
    }
    if (cpu) {
        if (quantity_parse(cpu, &q, err) < 0)
            return mk_error_wrap(err, "resources.limits.cpu");
        p->cpu_limit_milli = quantity_milli(&q);
    }
    p->cpu_request_milli = qos_request_milli(ctr, "cpu");
    return 0;
}

/* An ephemeral container with a target shares the target's PID namespace
 * (kubectl debug --target): "/proc/<pid>/ns/pid" of the target's process
 * into buf and 1; 0 when it has none. */
static int target_pid_ns(const pods_env *e, const char *uid, json_object *ctr, char *buf,
                         size_t n, mk_err *err)
{
    const char *target = mk_json_str(ctr, "targetContainerName");
    if (!target || !*target)
        return 0;
    _cleanup_free_ char *id = pods_container_id(uid, target);
    runtime_status st = RUNTIME_ABSENT;
    pid_t pid = 0;
    if (runtime_state(e->rt, id, &st, &pid, err) < 0 || st != RUNTIME_RUNNING || pid <= 0)
        return mk_error(err, ESRCH, "target container %s is not running", target);
    snprintf(buf, n, "/proc/%d/ns/pid", (int)pid);
    return 1;
}

static int build_bundle(const pods_env *e, json_object *pod, json_object *ctr, const char *cdir,
                        const char *pod_ip, mk_err *err)
{
    const char *uid = mk_json_str(pod, "metadata.uid");
    const char *cname = mk_json_str(ctr, "name");
    _cleanup_free_ char *pdir = pods_dir(e, uid);
    _cleanup_free_ char *rootfs = xasprintf("%s/rootfs", cdir);
    _cleanup_free_ char *cg = pods_cgroup_path(uid, cname);
    char pid_ns[64];
    int target = target_pid_ns(e, uid, ctr, pid_ns, sizeof pid_ns, err);
    if (target < 0)
        return target;
    json_object *imgcfg = image_config(e->image_dir, mk_json_str(ctr, "image"));
    char **env = NULL;
    if (envvars_build(e, pod, ctr, imgcfg, pod_ip, &env, err) < 0) {
        json_object_put(imgcfg);
        return -err->code;
    }
    char **argv = container_argv(ctr, imgcfg);
    const char *wd = mk_json_str(ctr, "workingDir");
    sandbox_paths sp;
    sandbox_paths_for(pdir, uid, &sp);
    oci_params p = {
        .rootfs = rootfs,
        .args = argv,
        .env = env,
        .cwd = wd ? wd : mk_json_str(imgcfg, "cwd"),
        .terminal = mk_json_bool(ctr, "tty", false),
        .netns_path = sp.netns,
        .ipc_path = sp.ipc,
        .uts_path = sp.uts,
        .pid_path = target ? pid_ns : NULL,
        .cgroups_path = cg,
    };
    oci_mount *mounts = NULL;
    int nm = 0;
    json_object *config = NULL;
    security sec = {0};
    int rc = security_of(pod, ctr, imgcfg, &sec, err);
    if (rc == 0) {
        security_apply(&sec, &p);
        rc = container_limits(e, pod, ctr, &p, err);
    }
    if (rc == 0)
        rc = volumes_mounts(pod, ctr, pdir, &mounts, &nm, err);
    if (rc == 0)
        add_etc_mounts(pdir, &mounts, &nm);
    if (rc == 0)
        rc = termmsg_prepare(e, uid, ctr, &mounts, &nm, err);
    if (rc == 0) {
        p.mounts = mounts;
        p.nmounts = nm;
        rc = oci_config(&p, &config, err);
    }
    if (rc == 0)
        rc = oci_write_config(cdir, config, err);
    json_object_put(config);
    volumes_mounts_free(mounts, nm);
    security_free(&sec);
    sandbox_paths_free(&sp);
    strv_free(argv);
    strv_free(env);
    json_object_put(imgcfg);
    return rc;
}

int pods_start_container(const pods_env *e, json_object *pod, json_object *ctr, int attempt,
                         const char *pod_ip, mk_err *err)
{
    const char *uid = mk_json_str(pod, "metadata.uid");
    const char *cname = mk_json_str(ctr, "name");
    if (!cname || !mk_is_dns1123_label(cname))
        return mk_error(err, EINVAL, "container name %s: not a DNS-1123 label",
                        cname ? cname : "(none)");
    _cleanup_free_ char *lower = NULL;
    if (image_rootfs(e->image_dir, mk_json_str(ctr, "image"), &lower, err) < 0)
        return -err->code;
    if (pods_remove_container(e, uid, cname, err) < 0)
        return -err->code;
    _cleanup_free_ char *pdir = pods_dir(e, uid);
    _cleanup_free_ char *cdir = xasprintf("%s/ctr/%s", pdir, cname);
    _cleanup_free_ char *logp = pods_log_path(e, uid, cname, attempt);
    _cleanup_free_ char *logdir = xstrdup(logp);
    *strrchr(logdir, '/') = '\0';
    _cleanup_free_ char *id = pods_container_id(uid, cname);
    int rc = fsu_mkdir_p(logdir, 0755, err);
    if (rc == 0)
        rc = mount_overlay(lower, cdir, err);
    if (rc == 0)
        rc = build_bundle(e, pod, ctr, cdir, pod_ip, err);
    if (rc == 0) {
        unlink(logp);
        runtime_stdio io = {.stdin_open = mk_json_bool(ctr, "stdin", false),
                            .stdin_once = mk_json_bool(ctr, "stdinOnce", false),
                            .tty = mk_json_bool(ctr, "tty", false)};
        rc = runtime_run(e->rt, id, cdir, logp, &io, NULL, err);
    }
    if (rc < 0) {
        mk_err ignored;
        pods_remove_container(e, uid, cname, &ignored);
        /* Kubernetes' own words for a missing ConfigMap, Secret or key. */
        return err->code == PODS_ECONFIG ? -err->code
                                         : mk_error_wrap(err, "container %s", cname);
    }
    /* Keep this attempt's log and the one before (for `logs --previous`). */
    _cleanup_free_ char *old = pods_log_path(e, uid, cname, attempt - 2);
    unlink(old);
    return 0;
}

int pods_remove_container(const pods_env *e, const char *uid, const char *ctr, mk_err *err)
{
    _cleanup_free_ char *id = pods_container_id(uid, ctr);
    if (runtime_exists(e->rt, id) && runtime_delete(e->rt, id, err) < 0)
        return -err->code;
    _cleanup_free_ char *exitf = xasprintf("%s/%s", runtime_exit_dir(e->rt), id);
    unlink(exitf);
    _cleanup_free_ char *cdir = xasprintf("%s/pods/%s/ctr/%s", e->root_dir, uid, ctr);
    _cleanup_free_ char *rootfs = xasprintf("%s/rootfs", cdir);
    fsu_umount(rootfs);
    if (fsu_is_mountpoint(rootfs))
        return mk_error(err, EBUSY, "%s: still mounted", rootfs);
    return fsu_rm_rf(cdir, err);
}

int pods_list_local(const pods_env *e, char ***uids, size_t *n, mk_err *err)
{
    *uids = NULL;
    *n = 0;
    _cleanup_free_ char *dir = xasprintf("%s/pods", e->root_dir);
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : mk_error(err, errno, "%s: %s", dir, strerror(errno));
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        *uids = xrealloc(*uids, (*n + 1) * sizeof **uids);
        (*uids)[(*n)++] = xstrdup(de->d_name);
    }
    closedir(d);
    return 0;
}

void pods_release_sandbox(const pods_env *e, const char *uid)
{
    if (e->pn)
        podnet_detach(e->pn, uid);
    _cleanup_free_ char *pdir = pods_dir(e, uid);
    sandbox_paths sp;
    sandbox_paths_for(pdir, uid, &sp);
    sandbox_destroy(&sp);
    sandbox_paths_free(&sp);
}

int pods_teardown(const pods_env *e, const char *uid, mk_err *err)
{
    /* Containers first: every runtime id of this pod, and every bundle dir. */
    char **ids = NULL;
    size_t n = 0;
    int rc = 0;
    runtime_list(e->rt, &ids, &n, err);
    for (size_t i = 0; i < n; i++) {
        char *u = NULL, *c = NULL;
        if (pods_parse_id(ids[i], &u, &c) && strcmp(u, uid) == 0 &&
            pods_remove_container(e, uid, c, err) < 0) {
            mk_log("pod %s: %s", uid, err->msg);
            rc = -err->code;
        }
        free(u);
        free(c);
        free(ids[i]);
    }
    free(ids);
    _cleanup_free_ char *pdir = pods_dir(e, uid);
    _cleanup_free_ char *cdir = xasprintf("%s/ctr", pdir);
    DIR *d = opendir(cdir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] != '.' && pods_remove_container(e, uid, de->d_name, err) < 0)
            rc = -err->code;
    }
    if (d)
        closedir(d);
    pods_release_sandbox(e, uid);
    volumes_teardown(pdir);
    _cleanup_free_ char *cg = xasprintf("/minik8s/%s", uid);
    cgroup_remove(cg);
    if (rc == 0)
        rc = fsu_rm_rf(pdir, err);
    return rc;
}
