/* node.c - the Node object: registration and heartbeats.
 *
 * The kubelet owns the Node's status (capacity, addresses, conditions,
 * daemonEndpoints) and writes it by merge patch on the status subresource.
 * Labels are set once, when the kubelet creates the Node: later changes
 * made through the API are never overwritten. */
#include "kubelet/kubelet.h"
#include "kubelet/proc.h"
#include "store/codec.h"
#include "store/log.h"
#include "store/util.h"

#include <ifaddrs.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define NODE_MAX_PODS      "110"
#define NODE_LEASE_NS      "kube-node-lease"
#define NODE_LEASE_SECONDS 40 /* Kubernetes' nodeLeaseDurationSeconds */

static const mk_kind *node_kind(void)
{
    return kind_by_kind("Node");
}

/* The first non-loopback IPv4 address, for --node-ip's default. */
static void node_default_ip(char *buf, size_t n)
{
    struct ifaddrs *ifa = NULL, *i;
    snprintf(buf, n, "127.0.0.1");
    if (getifaddrs(&ifa) < 0)
        return;
    for (i = ifa; i; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || (i->ifa_flags & IFF_LOOPBACK))
            continue;
        inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, buf, (socklen_t)n);
        break;
    }
    freeifaddrs(ifa);
}

/* For each of the n keys, the first number of the first line of FILE that
 * starts with it (base as strtoll's), in one read of the file; vals keep
 * what the caller put there (the defaults) for keys with no line. */
static void proc_values(const char *file, const char *const *keys, long long *vals, size_t n,
                        int base)
{
    FILE *f = fopen(file, "re");
    if (!f)
        return;
    char line[256];
    bool *seen = xcalloc(n, sizeof *seen);
    while (fgets(line, sizeof line, f))
        for (size_t i = 0; i < n; i++)
            if (!seen[i] && strncmp(line, keys[i], strlen(keys[i])) == 0) {
                vals[i] = strtoll(line + strlen(keys[i]), NULL, base);
                seen[i] = true;
            }
    free(seen);
    fclose(f);
}

static long long proc_value(const char *file, const char *key, int base, long long dflt)
{
    proc_values(file, &key, &dflt, 1, base);
    return dflt;
}

int64_t node_memory_kib(void)
{
    return proc_value("/proc/meminfo", "MemTotal:", 10, 0);
}

bool node_usage(int64_t *cpu_ns, int64_t *mem_usage, int64_t *mem_working_set)
{
    /* cpu  user nice system idle iowait irq softirq steal ...: busy is
     * all but idle and iowait, in clock ticks. */
    FILE *f = fopen("/proc/stat", "re");
    if (!f)
        return false;
    unsigned long long t[8] = {0};
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &t[0], &t[1], &t[2], &t[3],
                   &t[4], &t[5], &t[6], &t[7]);
    fclose(f);
    long hz = sysconf(_SC_CLK_TCK);
    if (n < 7 || hz <= 0)
        return false;
    unsigned long long busy = t[0] + t[1] + t[2] + t[5] + t[6] + t[7];
    *cpu_ns = (int64_t)(busy * (1000000000ULL / (unsigned long long)hz));
    static const char *const keys[] = {"MemTotal:", "MemFree:", "Inactive(file):"};
    long long kib[] = {-1, -1, 0};
    proc_values("/proc/meminfo", keys, kib, 3, 10);
    if (kib[0] < 0 || kib[1] < 0)
        return false;
    *mem_usage = (kib[0] - kib[1]) * 1024;
    *mem_working_set = *mem_usage - kib[2] * 1024;
    if (*mem_working_set < 0)
        *mem_working_set = 0;
    return true;
}

int node_oom_floor(void)
{
    /* Lowering an oom_score_adj below what this process was given takes
     * CAP_SYS_RESOURCE (24), which a kubelet in a container may lack. */
    unsigned long long eff =
        (unsigned long long)proc_value("/proc/self/status", "CapEff:", 16, 0);
    if (eff & (1ULL << 24))
        return -1000;
    return (int)proc_value("/proc/self/oom_score_adj", "", 10, 0);
}

static json_object *resources(void)
{
    json_object *r = json_object_new_object();
    char buf[64];
    snprintf(buf, sizeof buf, "%ld", sysconf(_SC_NPROCESSORS_ONLN));
    json_object_object_add(r, "cpu", json_object_new_string(buf));
    snprintf(buf, sizeof buf, "%lldKi", (long long)node_memory_kib());
    json_object_object_add(r, "memory", json_object_new_string(buf));
    json_object_object_add(r, "pods", json_object_new_string(NODE_MAX_PODS));
    return r;
}

static json_object *condition(const char *type, const char *status, const char *reason,
                              const char *now, const char *since)
{
    json_object *c = json_object_new_object();
    json_object_object_add(c, "type", json_object_new_string(type));
    json_object_object_add(c, "status", json_object_new_string(status));
    json_object_object_add(c, "reason", json_object_new_string(reason));
    json_object_object_add(c, "lastHeartbeatTime", json_object_new_string(now));
    json_object_object_add(c, "lastTransitionTime", json_object_new_string(since));
    return c;
}

static char node_since[32];

static json_object *node_conditions(void)
{
    char now[32];
    mk_rfc3339(now, sizeof now, time(NULL));
    if (!node_since[0])
        snprintf(node_since, sizeof node_since, "%s", now);
    json_object *a = json_object_new_array();
    json_object_array_add(a, condition("Ready", "True", "KubeletReady", now, node_since));
    json_object_array_add(
        a, condition("MemoryPressure", "False", "KubeletHasSufficientMemory", now, node_since));
    json_object_array_add(
        a, condition("DiskPressure", "False", "KubeletHasNoDiskPressure", now, node_since));
    json_object_array_add(
        a, condition("PIDPressure", "False", "KubeletHasSufficientPID", now, node_since));
    return a;
}

/* The first line of path, trimmed, into buf ("" when unreadable). */
static const char *first_line(const char *path, char *buf, size_t n)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "re");
    if (f) {
        if (!fgets(buf, (int)n, f))
            buf[0] = '\0';
        fclose(f);
    }
    buf[strcspn(buf, "\n")] = '\0';
    return buf;
}

/* PRETTY_NAME of /etc/os-release ("Debian GNU/Linux 12 (bookworm)"). */
static const char *os_image(char *buf, size_t n)
{
    buf[0] = '\0';
    FILE *f = fopen("/etc/os-release", "re");
    if (!f)
        return buf;
    char line[256];
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "PRETTY_NAME=", 12) == 0) {
            char *v = line + 12;
            v[strcspn(v, "\n")] = '\0';
            size_t len = strlen(v);
            if (len >= 2 && v[0] == '"' && v[len - 1] == '"') {
                v[len - 1] = '\0';
                v++;
            }
            snprintf(buf, n, "%s", v);
            break;
        }
    fclose(f);
    return buf;
}

/* "runc://1.1.5+ds1", from the runtime's own `--version`. */
static char *runtime_version(const char *runtime)
{
    char *argv[] = {(char *)runtime, "--version", NULL};
    _cleanup_free_ char *out = NULL;
    mk_err err = {0};
    char version[64] = "";
    if (proc_run(argv, &out, &err) == 0 && out) {
        /* "runc version 1.1.5+ds1" / "crun version 1.8.1" */
        const char *v = strstr(out, "version ");
        if (v)
            snprintf(version, sizeof version, "%.*s", (int)strcspn(v + 8, " \n"), v + 8);
    }
    return xasprintf("%s://%s", runtime, version);
}

/* GOARCH of this machine, as Kubernetes names it. */
static const char *node_arch(const struct utsname *u)
{
    static const struct {
        const char *machine, *goarch;
    } map[] = {{"x86_64", "amd64"},   {"aarch64", "arm64"},   {"armv7l", "arm"},
               {"i686", "386"},       {"ppc64le", "ppc64le"}, {"s390x", "s390x"},
               {"riscv64", "riscv64"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(u->machine, map[i].machine) == 0)
            return map[i].goarch;
    return u->machine;
}

static json_object *node_info(kubelet *kl)
{
    struct utsname u;
    uname(&u);
    char buf[256], machine_id[64];
    json_object *info = json_object_new_object();
    first_line("/etc/machine-id", machine_id, sizeof machine_id);
    json_object_object_add(info, "machineID", json_object_new_string(machine_id));
    /* product_uuid is root-only and absent in some VMs: the machine id then. */
    first_line("/sys/class/dmi/id/product_uuid", buf, sizeof buf);
    json_object_object_add(info, "systemUUID",
                           json_object_new_string(buf[0] ? buf : machine_id));
    json_object_object_add(
        info, "bootID",
        json_object_new_string(first_line("/proc/sys/kernel/random/boot_id", buf, sizeof buf)));
    json_object_object_add(info, "kernelVersion", json_object_new_string(u.release));
    json_object_object_add(info, "osImage", json_object_new_string(os_image(buf, sizeof buf)));
    _cleanup_free_ char *rt = runtime_version(kl->cfg.runtime ?: "runc");
    json_object_object_add(info, "containerRuntimeVersion", json_object_new_string(rt));
    json_object_object_add(info, "kubeletVersion", json_object_new_string("minik8s"));
    json_object_object_add(info, "kubeProxyVersion", json_object_new_string(""));
    json_object_object_add(info, "operatingSystem", json_object_new_string("linux"));
    json_object_object_add(info, "architecture", json_object_new_string(node_arch(&u)));
    return info;
}

static json_object *node_status(kubelet *kl)
{
    json_object *s = json_object_new_object();
    json_object_object_add(s, "capacity", resources());
    json_object_object_add(s, "allocatable", resources());
    json_object *addrs = json_object_new_array();
    json_object *a = json_object_new_object();
    json_object_object_add(a, "type", json_object_new_string("InternalIP"));
    json_object_object_add(a, "address", json_object_new_string(kl->node_ip));
    json_object_array_add(addrs, a);
    a = json_object_new_object();
    json_object_object_add(a, "type", json_object_new_string("Hostname"));
    json_object_object_add(a, "address", json_object_new_string(kl->cfg.node_name));
    json_object_array_add(addrs, a);
    json_object_object_add(s, "addresses", addrs);
    json_object *port = json_object_new_object();
    json_object_object_add(port, "Port", json_object_new_int(kl->cfg.port));
    json_object *ep = json_object_new_object();
    json_object_object_add(ep, "kubeletEndpoint", port);
    json_object_object_add(s, "daemonEndpoints", ep);
    json_object_object_add(s, "nodeInfo", node_info(kl));
    json_object_object_add(s, "conditions", node_conditions());
    return s;
}

static json_object *node_labels(kubelet *kl)
{
    json_object *l = json_object_new_object();
    json_object_object_add(l, "kubernetes.io/hostname",
                           json_object_new_string(kl->cfg.node_name));
    json_object_object_add(l, "kubernetes.io/os", json_object_new_string("linux"));
    struct utsname u;
    uname(&u);
    json_object_object_add(l, "kubernetes.io/arch", json_object_new_string(node_arch(&u)));
    if (kl->cfg.labels && *kl->cfg.labels) {
        _cleanup_free_ char *copy = xstrdup(kl->cfg.labels);
        char *save = NULL;
        for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
            char *eq = strchr(kv, '=');
            if (!eq)
                continue;
            *eq = '\0';
            json_object_object_add(l, kv, json_object_new_string(eq + 1));
        }
    }
    return l;
}

static int patch_status(kubelet *kl, json_object *status, mk_err *err)
{
    json_object *patch = json_object_new_object();
    json_object_object_add(patch, "status", status);
    json_object *out = NULL;
    int rc =
        client_patch(kl->client, node_kind(), NULL, kl->cfg.node_name, "status",
                     json_object_to_json_string_ext(patch, JSON_C_TO_STRING_PLAIN), &out, err);
    json_object_put(out);
    json_object_put(patch);
    return rc;
}

/* Learn the podCIDR (the flag wins) and set the bridge up once it is known. */
static void node_pick_cidr(kubelet *kl, json_object *node)
{
    if (podnet_ready(kl->pn))
        return;
    const char *cidr = kl->cfg.pod_cidr ? kl->cfg.pod_cidr : mk_json_str(node, "spec.podCIDR");
    if (!cidr)
        return;
    mk_err err;
    if (podnet_set_cidr(kl->pn, cidr, &err) < 0)
        mk_log("pod network: %s", err.msg);
    else
        mk_log("pod network: podCIDR %s on bridge, gateway %s", cidr, podnet_gateway(kl->pn));
}

/* The node's Lease in kube-node-lease, renewed at every heartbeat as
 * Kubernetes' kubelets renew theirs (kubectl describe node shows it; any
 * client may watch leases instead of Nodes). Made when missing, owned by
 * the Node so that it goes with it. */
static int renew_lease(kubelet *kl, mk_err *err)
{
    const mk_kind *k = kind_by_kind("Lease");
    const char *name = kl->cfg.node_name;
    char now[40];
    mk_micro_time_now(now, sizeof now);
    json_object *spec = json_object_new_object();
    json_object_object_add(spec, "holderIdentity", json_object_new_string(name));
    json_object_object_add(spec, "leaseDurationSeconds",
                           json_object_new_int(NODE_LEASE_SECONDS));
    json_object_object_add(spec, "renewTime", json_object_new_string(now));
    json_object *obj = json_object_new_object();
    json_object_object_add(obj, "spec", spec);
    int rc =
        client_patch(kl->client, k, NODE_LEASE_NS, name, NULL,
                     json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN), NULL, err);
    json_object *node = NULL;
    if (rc == -ENOENT && client_get(kl->client, node_kind(), NULL, name, &node, err) == 0) {
        *err = (mk_err){0};
        json_object_object_add(spec, "acquireTime", json_object_new_string(now));
        json_object_object_add(obj, "apiVersion",
                               json_object_new_string("coordination.k8s.io/v1"));
        json_object_object_add(obj, "kind", json_object_new_string("Lease"));
        mk_json_set_str(obj, "metadata.name", name);
        mk_set_owner(obj, mk_owner_ref(node, "v1", "Node"));
        rc = client_create(kl->client, k, NODE_LEASE_NS, obj, NULL, err);
        if (rc == -EEXIST) /* made in between: ours next time */
            rc = 0;
    }
    json_object_put(node);
    json_object_put(obj);
    return rc;
}

int node_register(kubelet *kl, mk_err *err)
{
    if (kl->cfg.node_ip)
        snprintf(kl->node_ip, sizeof kl->node_ip, "%s", kl->cfg.node_ip);
    else
        node_default_ip(kl->node_ip, sizeof kl->node_ip);
    json_object *node = NULL;
    int rc = client_get(kl->client, node_kind(), NULL, kl->cfg.node_name, &node, err);
    if (rc < 0 && err->code != ENOENT)
        return mk_error_wrap(err, "node %s", kl->cfg.node_name);
    if (rc < 0) {
        json_object *obj = json_object_new_object();
        json_object_object_add(obj, "apiVersion", json_object_new_string("v1"));
        json_object_object_add(obj, "kind", json_object_new_string("Node"));
        json_object *meta = json_object_new_object();
        json_object_object_add(meta, "name", json_object_new_string(kl->cfg.node_name));
        json_object_object_add(meta, "labels", node_labels(kl));
        json_object_object_add(obj, "metadata", meta);
        json_object *spec = json_object_new_object();
        if (kl->cfg.pod_cidr)
            json_object_object_add(spec, "podCIDR", json_object_new_string(kl->cfg.pod_cidr));
        json_object_object_add(obj, "spec", spec);
        json_object_object_add(obj, "status", node_status(kl));
        rc = client_create(kl->client, node_kind(), NULL, obj, &node, err);
        json_object_put(obj);
        if (rc < 0 && err->code != EEXIST)
            return mk_error_wrap(err, "register node %s", kl->cfg.node_name);
        mk_log("registered node %s (%s)", kl->cfg.node_name, kl->node_ip);
    }
    node_pick_cidr(kl, node);
    json_object_put(node);
    if (patch_status(kl, node_status(kl), err) < 0)
        return -err->code;
    mk_err lerr = {0};
    if (renew_lease(kl, &lerr) < 0) /* the heartbeat tries again */
        mk_log("node lease: %s", lerr.msg);
    return 0;
}

static void *heartbeat_main(void *arg)
{
    kubelet *kl = arg;
    while (!kl->stop) {
        for (int i = 0; i < kl->cfg.heartbeat_s * 10 && !kl->stop; i++)
            usleep(100000);
        if (kl->stop)
            break;
        mk_err err = {0};
        json_object *status = json_object_new_object();
        json_object_object_add(status, "conditions", node_conditions());
        int rc = patch_status(kl, status, &err);
        if (rc < 0 && err.code == ENOENT) {
            mk_log("node %s vanished from the API: registering again", kl->cfg.node_name);
            rc = node_register(kl, &err);
        }
        if (rc == 0)
            rc = renew_lease(kl, &err);
        if (rc < 0)
            mk_log("heartbeat: %s", err.msg);
        if (!podnet_ready(kl->pn)) {
            json_object *node = NULL;
            if (client_get(kl->client, node_kind(), NULL, kl->cfg.node_name, &node, &err) == 0)
                node_pick_cidr(kl, node);
            json_object_put(node);
        }
    }
    return NULL;
}

int node_start_heartbeat(kubelet *kl, mk_err *err)
{
    if (pthread_create(&kl->heartbeat_thread, NULL, heartbeat_main, kl) != 0)
        return mk_error(err, EAGAIN, "heartbeat thread");
    return 0;
}
