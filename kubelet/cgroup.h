/* cgroup.h - reading a container's cgroup, v1 (hybrid, this machine) or v2.
 *
 * Paths are the OCI cgroupsPath the kubelet gave runc ("/minik8s/<uid>/<c>"):
 * under v1 they exist once per controller (/sys/fs/cgroup/memory/..., cpuacct),
 * under v2 once (/sys/fs/cgroup/...). Whichever exists is read.
 */
#ifndef MK_KUBELET_CGROUP_H
#define MK_KUBELET_CGROUP_H

#include <stdbool.h>
#include <stdint.h>

typedef struct cgroup_stats {
    int64_t cpu_usage_ns;       /* cumulative; -1 unknown */
    int64_t memory_usage;       /* bytes; -1 unknown */
    int64_t memory_working_set; /* usage minus inactive file cache, as cAdvisor */
    int64_t memory_limit;       /* -1: none */
    int64_t oom_kills;          /* OOM kills inside this cgroup */
    int64_t nr_throttled;       /* CFS periods throttled */
} cgroup_stats;

/* The cgroup filesystem root (default /sys/fs/cgroup; tests may redirect). */
void cgroup_set_root(const char *root);

/* Fill st from path. Returns false when no cgroup exists at path. */
bool cgroup_read(const char *path, cgroup_stats *st);

/* Remove the (empty) cgroup path in every hierarchy, children first; used
 * for a pod's parent cgroup once its containers are deleted. */
void cgroup_remove(const char *path);

/* Remove path itself (not its children) in every hierarchy where it is
 * empty; busy ones stay. */
void cgroup_remove_empty(const char *path);

/* Does the host run pure cgroup v2? */
bool cgroup_is_v2(void);

#endif
