#include "kubelet/sandbox.h"
#include "kubelet/fsutil.h"
#include "store/util.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

void sandbox_paths_for(const char *pod_dir, const char *pod_uid, sandbox_paths *p)
{
    p->netns = xasprintf("%s/mk-%s", SANDBOX_NETNS_DIR, pod_uid);
    p->ipc = xasprintf("%s/ns/ipc", pod_dir);
    p->uts = xasprintf("%s/ns/uts", pod_dir);
}

void sandbox_paths_free(sandbox_paths *p)
{
    free(p->netns);
    free(p->ipc);
    free(p->uts);
    *p = (sandbox_paths){0};
}

const char *sandbox_netns_name(const sandbox_paths *p)
{
    return strrchr(p->netns, '/') + 1;
}

int sandbox_exists(const sandbox_paths *p)
{
    return fsu_is_mountpoint(p->netns) && fsu_is_mountpoint(p->ipc) &&
           fsu_is_mountpoint(p->uts);
}

static int touch(const char *path, mk_err *err)
{
    int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0444);
    if (fd < 0)
        return mk_error(err, errno, "create %s: %s", path, strerror(errno));
    close(fd);
    return 0;
}

/* In a forked child (so the kubelet's own namespaces stay): unshare, name
 * the host, bring lo up, pin each namespace on its file. Only system calls
 * here: the parent may have other threads. */
static int sandbox_child(const sandbox_paths *p, const char *hostname)
{
    if (unshare(CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) < 0)
        return 1;
    if (sethostname(hostname, strlen(hostname)) < 0)
        return 2;
    /* Containers lack CAP_NET_ADMIN, so lo comes up here. */
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr = {0};
    strcpy(ifr.ifr_name, "lo");
    if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
        return 3;
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
        return 4;
    close(s);
    if (mount("/proc/self/ns/net", p->netns, NULL, MS_BIND, NULL) < 0)
        return 5;
    if (mount("/proc/self/ns/ipc", p->ipc, NULL, MS_BIND, NULL) < 0)
        return 6;
    if (mount("/proc/self/ns/uts", p->uts, NULL, MS_BIND, NULL) < 0)
        return 7;
    return 0;
}

int sandbox_create(const sandbox_paths *p, const char *hostname, mk_err *err)
{
    if (sandbox_exists(p))
        return 0;
    sandbox_destroy(p); /* a partial one from a crash */
    _cleanup_free_ char *nsdir = xstrdup(p->ipc);
    *strrchr(nsdir, '/') = '\0';
    if (fsu_mkdir_p(SANDBOX_NETNS_DIR, 0755, err) < 0 || fsu_mkdir_p(nsdir, 0755, err) < 0)
        return -err->code;
    if (touch(p->netns, err) < 0 || touch(p->ipc, err) < 0 || touch(p->uts, err) < 0)
        return -err->code;
    pid_t pid = fork();
    if (pid < 0)
        return mk_error(err, errno, "fork: %s", strerror(errno));
    if (pid == 0)
        _exit(sandbox_child(p, hostname));
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return mk_error(err, errno, "wait: %s", strerror(errno));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        static const char *const steps[] = {"",      "unshare",   "sethostname", "lo",
                                            "lo up", "pin netns", "pin ipc",     "pin uts"};
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
        sandbox_destroy(p);
        return mk_error(err, EIO, "pod namespaces: %s failed",
                        code > 0 && code < (int)ARRAY_SIZE(steps) ? steps[code] : "child");
    }
    return 0;
}

void sandbox_destroy(const sandbox_paths *p)
{
    const char *files[] = {p->netns, p->ipc, p->uts};
    for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
        if (!files[i])
            continue;
        fsu_umount(files[i]);
        unlink(files[i]);
    }
    _cleanup_free_ char *nsdir = p->ipc ? xstrdup(p->ipc) : NULL;
    if (nsdir) {
        *strrchr(nsdir, '/') = '\0';
        rmdir(nsdir);
    }
}
