#include "kubelet/cgroup.h"
#include "store/util.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

static const char *cg_root = "/sys/fs/cgroup";

void cgroup_set_root(const char *root)
{
    cg_root = root;
}

bool cgroup_is_v2(void)
{
    struct statfs s;
    return statfs(cg_root, &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC;
}

/* The first integer in a file, or -1. */
static int64_t read_int(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    char buf[64] = "";
    if (!fgets(buf, sizeof buf, f))
        buf[0] = '\0';
    fclose(f);
    if (strncmp(buf, "max", 3) == 0)
        return -1;
    long long v;
    return sscanf(buf, "%lld", &v) == 1 ? v : -1;
}

/* The value of "key N" in a flat keyed file (memory.stat, cpu.stat), or -1. */
static int64_t read_key(const char *path, const char *key)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    char line[256];
    int64_t v = -1;
    size_t kl = strlen(key);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, kl) == 0 && line[kl] == ' ') {
            v = strtoll(line + kl + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

static bool cgroup_read_v1(const char *path, cgroup_stats *st)
{
    _cleanup_free_ char *mem = xasprintf("%s/memory%s", cg_root, path);
    _cleanup_free_ char *acct = xasprintf("%s/cpuacct%s", cg_root, path);
    _cleanup_free_ char *cpu = xasprintf("%s/cpu%s", cg_root, path);
    if (access(mem, F_OK) < 0 && access(acct, F_OK) < 0)
        return false;
    char p[4096];
    snprintf(p, sizeof p, "%s/cpuacct.usage", acct);
    st->cpu_usage_ns = read_int(p);
    snprintf(p, sizeof p, "%s/memory.usage_in_bytes", mem);
    st->memory_usage = read_int(p);
    snprintf(p, sizeof p, "%s/memory.stat", mem);
    int64_t inactive = read_key(p, "total_inactive_file");
    st->memory_working_set = st->memory_usage;
    if (inactive > 0 && st->memory_usage > inactive)
        st->memory_working_set = st->memory_usage - inactive;
    snprintf(p, sizeof p, "%s/memory.limit_in_bytes", mem);
    st->memory_limit = read_int(p);
    if (st->memory_limit >= (INT64_C(1) << 62))
        st->memory_limit = -1; /* v1's "unlimited" is a huge page-aligned number */
    snprintf(p, sizeof p, "%s/memory.oom_control", mem);
    st->oom_kills = read_key(p, "oom_kill");
    if (st->oom_kills < 0) {
        /* Older kernels have no oom_kill counter: a hit limit stands in. */
        snprintf(p, sizeof p, "%s/memory.failcnt", mem);
        st->oom_kills = read_int(p) > 0 ? 1 : 0;
    }
    snprintf(p, sizeof p, "%s/cpu.stat", cpu);
    st->nr_throttled = read_key(p, "nr_throttled");
    return true;
}

static bool cgroup_read_v2(const char *path, cgroup_stats *st)
{
    _cleanup_free_ char *dir = xasprintf("%s%s", cg_root, path);
    if (access(dir, F_OK) < 0)
        return false;
    char p[4096];
    snprintf(p, sizeof p, "%s/cpu.stat", dir);
    int64_t usec = read_key(p, "usage_usec");
    st->cpu_usage_ns = usec < 0 ? -1 : usec * 1000;
    st->nr_throttled = read_key(p, "nr_throttled");
    snprintf(p, sizeof p, "%s/memory.current", dir);
    st->memory_usage = read_int(p);
    snprintf(p, sizeof p, "%s/memory.stat", dir);
    int64_t inactive = read_key(p, "inactive_file");
    st->memory_working_set = st->memory_usage;
    if (inactive > 0 && st->memory_usage > inactive)
        st->memory_working_set = st->memory_usage - inactive;
    snprintf(p, sizeof p, "%s/memory.max", dir);
    st->memory_limit = read_int(p);
    snprintf(p, sizeof p, "%s/memory.events", dir);
    st->oom_kills = read_key(p, "oom_kill");
    return true;
}

bool cgroup_read(const char *path, cgroup_stats *st)
{
    *st = (cgroup_stats){-1, -1, -1, -1, 0, -1};
    bool ok = cgroup_is_v2() ? cgroup_read_v2(path, st) : cgroup_read_v1(path, st);
    if (st->oom_kills < 0)
        st->oom_kills = 0;
    return ok;
}

static void rmdir_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_type != DT_DIR || de->d_name[0] == '.')
            continue;
        _cleanup_free_ char *sub = xasprintf("%s/%s", dir, de->d_name);
        rmdir_tree(sub);
    }
    closedir(d);
    rmdir(dir);
}

/* Apply fn to path in every hierarchy: the one tree of cgroup v2, or the
 * same path under each v1 controller mount. */
static void cgroup_each_hierarchy(const char *path, void (*fn)(const char *dir))
{
    if (cgroup_is_v2()) {
        _cleanup_free_ char *dir = xasprintf("%s%s", cg_root, path);
        fn(dir);
        return;
    }
    DIR *d = opendir(cg_root);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        _cleanup_free_ char *dir = xasprintf("%s/%s%s", cg_root, de->d_name, path);
        fn(dir);
    }
    closedir(d);
}

static void rmdir_one(const char *dir)
{
    rmdir(dir);
}

void cgroup_remove(const char *path)
{
    cgroup_each_hierarchy(path, rmdir_tree);
}

void cgroup_remove_empty(const char *path)
{
    cgroup_each_hierarchy(path, rmdir_one);
}
