#include "kubelet/runtime.h"
#include "kubelet/console.h"
#include "kubelet/fsutil.h"
#include "kubelet/proc.h"
#include "store/log.h"
#include "store/util.h"

#include <dirent.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* A container's log is cut back when it reaches this (Kubernetes'
 * containerLogMaxSize default, 10 MiB). */
#define RUNTIME_LOG_MAX "10485760"

/* How long conmon may take to have `runc create` done. */
#define RUNTIME_CREATE_TIMEOUT_MS 30000

struct runtime {
    char *kind;   /* "runc" or "crun" */
    char *binary; /* what conmon and we execute: "runc", or the crun wrapper */
    char *state_dir;
    char *root; /* --root for the runtime */
    char *exit_dir;
    char *sock_dir;
};

/* crun 1.8 refuses hybrid hierarchies because the v2 mount lists
 * controllers; in a private mount namespace with an empty file bound over
 * that list it works (NOTES.md). The wrapper is what conmon runs. */
static int runtime_crun_wrapper(runtime *rt, mk_err *err)
{
    const char *ctl = "/sys/fs/cgroup/unified/cgroup.controllers";
    if (access(ctl, F_OK) < 0) {
        rt->binary = xstrdup("crun");
        return 0;
    }
    _cleanup_free_ char *empty = xasprintf("%s/empty-controllers", rt->state_dir);
    if (fsu_write_file(empty, "", 0, 0444, err) < 0)
        return -err->code;
    _cleanup_free_ char *script =
        xasprintf("#!/bin/sh\n"
                  "# crun in a private mount namespace that hides the hybrid v2 controllers.\n"
                  "exec unshare -m --propagation private /bin/sh -c "
                  "'mount --bind %s %s && exec crun \"$@\"' crun \"$@\"\n",
                  empty, ctl);
    rt->binary = xasprintf("%s/crun-wrapper", rt->state_dir);
    return fsu_write_file(rt->binary, script, strlen(script), 0755, err);
}

int runtime_new(const char *kind, const char *state_dir, runtime **out, mk_err *err)
{
    if (!kind)
        kind = "runc";
    if (strcmp(kind, "runc") != 0 && strcmp(kind, "crun") != 0)
        return mk_error(err, EINVAL, "runtime %s: must be runc or crun", kind);
    runtime *rt = xcalloc(1, sizeof *rt);
    rt->kind = xstrdup(kind);
    rt->state_dir = xstrdup(state_dir);
    rt->root = xasprintf("%s/%s", state_dir, kind);
    rt->exit_dir = xasprintf("%s/exits", state_dir);
    rt->sock_dir = xasprintf("%s/sock", state_dir);
    int rc = 0;
    const char *dirs[] = {rt->root, rt->exit_dir, rt->sock_dir};
    for (size_t i = 0; i < ARRAY_SIZE(dirs) && rc == 0; i++)
        rc = fsu_mkdir_p(dirs[i], 0700, err);
    if (rc == 0) {
        if (strcmp(kind, "crun") == 0)
            rc = runtime_crun_wrapper(rt, err);
        else
            rt->binary = xstrdup("runc");
    }
    if (rc < 0) {
        runtime_free(rt);
        return rc;
    }
    *out = rt;
    return 0;
}

void runtime_free(runtime *rt)
{
    if (!rt)
        return;
    free(rt->kind);
    free(rt->binary);
    free(rt->state_dir);
    free(rt->root);
    free(rt->exit_dir);
    free(rt->sock_dir);
    free(rt);
}

const char *runtime_exit_dir(const runtime *rt)
{
    return rt->exit_dir;
}

/* Run the runtime with --root and the given arguments. */
static int runtime_cmd(runtime *rt, char **out, mk_err *err, const char *a1, const char *a2,
                       const char *a3, const char *a4)
{
    _cleanup_free_ char *rootarg = xasprintf("--root=%s", rt->root);
    char *argv[] = {rt->binary, rootarg, (char *)a1, (char *)a2, (char *)a3, (char *)a4, NULL};
    if (!out)
        return proc_check(argv, err);
    return proc_run(argv, out, err);
}

/* Where the runtime binary is, for conmon's -r (it wants a path). */
static char *runtime_path(runtime *rt)
{
    if (strchr(rt->binary, '/'))
        return xstrdup(rt->binary);
    const char *path = getenv("PATH");
    _cleanup_free_ char *copy = xstrdup(path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
    char *save = NULL;
    for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        char *p = xasprintf("%s/%s", d, rt->binary);
        if (access(p, X_OK) == 0)
            return p;
        free(p);
    }
    return xasprintf("/usr/sbin/%s", rt->binary);
}

/* Spawn conmon; it forks a monitor and its first process exits at once.
 * *sync_fd is the read end of the sync pipe conmon reports the pid on. */
static int conmon_spawn(runtime *rt, const char *id, const char *bundle, const char *log_path,
                        const runtime_stdio *io, int *sync_fd, mk_err *err)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return mk_error(err, errno, "pipe: %s", strerror(errno));
    _cleanup_free_ char *rpath = runtime_path(rt);
    _cleanup_free_ char *pidfile = xasprintf("%s/pidfile", bundle);
    _cleanup_free_ char *cpidfile = xasprintf("%s/conmon.pid", bundle);
    _cleanup_free_ char *logarg = xasprintf("k8s-file:%s", log_path);
    _cleanup_free_ char *rootarg = xasprintf("--root=%s", rt->root);
    _cleanup_free_ char *conmon_log = xasprintf("%s/conmon.out", bundle);
    char *argv[] = {"conmon",
                    "--api-version",
                    "1",
                    "-c",
                    (char *)id,
                    "-u",
                    (char *)id,
                    "-r",
                    rpath,
                    "-b",
                    (char *)bundle,
                    "-p",
                    pidfile,
                    "-P",
                    cpidfile,
                    "-n",
                    (char *)id,
                    "--exit-dir",
                    rt->exit_dir,
                    "-l",
                    logarg,
                    "--log-size-max",
                    RUNTIME_LOG_MAX,
                    "--log-level",
                    "error",
                    "--runtime-arg",
                    rootarg,
                    "--socket-dir-path",
                    rt->sock_dir,
                    NULL, /* -t */
                    NULL, /* -i */
                    NULL, /* --leave-stdin-open */
                    NULL};
    size_t opt = ARRAY_SIZE(argv) - 4;
    if (io && io->tty)
        argv[opt++] = "-t";
    if (io && io->stdin_open) {
        argv[opt++] = "-i";
        if (!io->stdin_once)
            argv[opt] = "--leave-stdin-open";
    }
    /* The environment plus the sync pipe, which lands on fd 3. */
    size_t n = 0;
    while (environ[n])
        n++;
    char **envp = xcalloc(n + 2, sizeof *envp);
    size_t j = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "_OCI_", 5) != 0)
            envp[j++] = environ[i];
    envp[j++] = "_OCI_SYNCPIPE=3";

    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, conmon_log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawn_file_actions_adddup2(&fa, p[1], 3);
    proc_close_from(&fa, 4);
    /* conmon writes its "oom" marker relative to its working directory. */
    posix_spawn_file_actions_addchdir_np(&fa, bundle);
    /* Its own session: a kubelet killed by ^C must not take conmon along. */
    proc_spawnattr_init(&attr, POSIX_SPAWN_SETSID);
    pid_t pid;
    int rc = posix_spawnp(&pid, "conmon", &fa, &attr, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    free(envp);
    close(p[1]);
    if (rc != 0) {
        close(p[0]);
        return mk_error(err, rc, "conmon: %s", strerror(rc));
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    *sync_fd = p[0];
    return 0;
}

/* Read conmon's {"data": PID} (or {"data": -1, "message": ...}). */
static int conmon_wait_created(int fd, const char *id, pid_t *pid, mk_err *err)
{
    mk_buf b = {0};
    int64_t deadline = mk_now_ns() + (int64_t)RUNTIME_CREATE_TIMEOUT_MS * 1000000;
    int rc = 0;
    for (;;) {
        int left = (int)((deadline - mk_now_ns()) / 1000000);
        if (left <= 0) {
            rc = mk_error(err, ETIMEDOUT, "container %s: create timed out", id);
            break;
        }
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, left) < 0 && errno != EINTR) {
            rc = mk_error(err, errno, "poll: %s", strerror(errno));
            break;
        }
        char chunk[1024];
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n > 0)
            mk_buf_append(&b, chunk, (size_t)n);
        if (n <= 0 || memchr(chunk, '\n', (size_t)n))
            break;
    }
    if (rc == 0) {
        json_object *o = b.len ? json_tokener_parse(b.data) : NULL;
        json_object *data = NULL, *msg = NULL;
        int64_t v = -1;
        if (o && json_object_object_get_ex(o, "data", &data))
            v = json_object_get_int64(data);
        if (v <= 0) {
            if (o)
                json_object_object_get_ex(o, "message", &msg);
            rc = mk_error(err, EIO, "container %s: create failed: %s", id,
                          msg ? json_object_get_string(msg) : "conmon reported nothing");
        } else if (pid) {
            *pid = (pid_t)v;
        }
        json_object_put(o);
    }
    mk_buf_free(&b);
    return rc;
}

int runtime_run(runtime *rt, const char *id, const char *bundle, const char *log_path,
                const runtime_stdio *io, pid_t *pid, mk_err *err)
{
    _cleanup_free_ char *exitf = xasprintf("%s/%s", rt->exit_dir, id);
    unlink(exitf);
    int fd = -1;
    if (conmon_spawn(rt, id, bundle, log_path, io, &fd, err) < 0)
        return -err->code;
    pid_t p = 0;
    int rc = conmon_wait_created(fd, id, &p, err);
    close(fd);
    /* Only after create has finished may start run (NOTES.md). */
    if (rc == 0)
        rc = runtime_cmd(rt, NULL, err, "start", id, NULL, NULL);
    if (rc < 0) {
        mk_err e2;
        runtime_delete(rt, id, &e2);
        return rc;
    }
    if (pid)
        *pid = p;
    return 0;
}

int runtime_attach(runtime *rt, const char *id, mk_err *err)
{
    /* conmon binds it in the bundle, which --socket-dir-path/<id> links to.
     * That path outgrows sun_path (108 bytes) under a deep root: reach it,
     * as conmon binds it, through the directory's descriptor. */
    _cleanup_free_ char *dir = xasprintf("%s/%s", rt->sock_dir, id);
    _cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return mk_error(err, errno, "attach to %s: %s", id, strerror(errno));
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "/proc/self/fd/%d/attach", dfd);
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return mk_error(err, errno, "socket: %s", strerror(errno));
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        int e = errno;
        close(fd);
        return mk_error(err, e, "attach to %s: %s", id, strerror(e));
    }
    return fd;
}

int runtime_resize(runtime *rt, const char *id, int cols, int rows, mk_err *err)
{
    _cleanup_free_ char *path = xasprintf("%s/%s/ctl", rt->sock_dir, id);
    int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return mk_error(err, errno, "%s: %s", path, strerror(errno));
    /* conmon's control line: "1 HEIGHT WIDTH" resizes its pty. */
    char line[48];
    int len = snprintf(line, sizeof line, "1 %d %d\n", rows, cols);
    int rc = mk_write_all(fd, line, (size_t)len);
    close(fd);
    return rc < 0 ? mk_error(err, -rc, "%s: %s", path, strerror(-rc)) : 0;
}

int runtime_state(runtime *rt, const char *id, runtime_status *st, pid_t *pid, mk_err *err)
{
    _cleanup_free_ char *out = NULL;
    *st = RUNTIME_ABSENT;
    if (pid)
        *pid = 0;
    int rc = runtime_cmd(rt, &out, err, "state", id, NULL, NULL);
    if (rc < 0)
        return rc;
    if (rc != 0)
        return 0; /* "container does not exist" */
    json_object *o = json_tokener_parse(out);
    json_object *s = NULL, *p = NULL;
    if (o && json_object_object_get_ex(o, "status", &s)) {
        const char *v = json_object_get_string(s);
        *st = strcmp(v, "running") == 0   ? RUNTIME_RUNNING
              : strcmp(v, "created") == 0 ? RUNTIME_CREATED
                                          : RUNTIME_STOPPED;
        if (pid && *st == RUNTIME_RUNNING && json_object_object_get_ex(o, "pid", &p))
            *pid = (pid_t)json_object_get_int(p);
    }
    json_object_put(o);
    return 0;
}

int runtime_exit_code(runtime *rt, const char *id, int64_t *finished_ms)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", rt->exit_dir, id);
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    int code = -1;
    if (fscanf(f, "%d", &code) != 1)
        code = -1;
    struct stat st;
    if (finished_ms && fstat(fileno(f), &st) == 0)
        *finished_ms = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
    fclose(f);
    return code;
}

int runtime_kill(runtime *rt, const char *id, int sig, mk_err *err)
{
    char signame[16];
    snprintf(signame, sizeof signame, "%d", sig);
    _cleanup_free_ char *out = NULL;
    int rc = runtime_cmd(rt, &out, err, "kill", id, signame, NULL);
    if (rc < 0)
        return rc;
    /* A container that already stopped is what the caller wanted. */
    if (rc != 0 && !strstr(out, "not running") && !strstr(out, "does not exist") &&
        !strstr(out, "process already finished"))
        return mk_error(err, EIO, "kill %s: %.200s", id, out);
    return 0;
}

int runtime_delete(runtime *rt, const char *id, mk_err *err)
{
    _cleanup_free_ char *out = NULL;
    int rc = runtime_cmd(rt, &out, err, "delete", "--force", id, NULL);
    if (rc < 0)
        return rc;
    if (rc != 0 && !strstr(out, "does not exist"))
        return mk_error(err, EIO, "delete %s: %.200s", id, out);
    _cleanup_free_ char *exitf = xasprintf("%s/%s", rt->exit_dir, id);
    unlink(exitf);
    return 0;
}

bool runtime_exists(runtime *rt, const char *id)
{
    _cleanup_free_ char *p = xasprintf("%s/%s", rt->root, id);
    return access(p, F_OK) == 0;
}

int runtime_list(runtime *rt, char ***ids, size_t *n, mk_err *err)
{
    /* The runtime's state dir holds one directory per container: reading it
     * is what `runc list` does, without the fork. */
    *ids = NULL;
    *n = 0;
    DIR *d = opendir(rt->root);
    if (!d)
        return errno == ENOENT ? 0 : mk_error(err, errno, "%s: %s", rt->root, strerror(errno));
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || de->d_type != DT_DIR)
            continue;
        *ids = xrealloc(*ids, (*n + 1) * sizeof **ids);
        (*ids)[(*n)++] = xstrdup(de->d_name);
    }
    closedir(d);
    return 0;
}

/* Spawn `RUNTIME exec [flags] id argv...` with stdin from fd0 (-1:
 * /dev/null), stdout on fd1 and stderr on fd2; or, with tty set, all three
 * on that terminal, made the controlling one of a new session. */
static int exec_spawn(runtime *rt, const char *id, const char *const flags[],
                      char *const argv[], int fd0, int fd1, int fd2, const char *tty,
                      pid_t *pid)
{
    size_t n = 0, nflags = 0;
    while (argv[n])
        n++;
    while (flags[nflags])
        nflags++;
    _cleanup_free_ char *rootarg = xasprintf("--root=%s", rt->root);
    char **args = xcalloc(n + nflags + 5, sizeof *args);
    size_t j = 0;
    args[j++] = rt->binary;
    args[j++] = rootarg;
    args[j++] = "exec";
    for (size_t i = 0; i < nflags; i++)
        args[j++] = (char *)flags[i];
    args[j++] = (char *)id;
    for (size_t i = 0; i < n; i++)
        args[j++] = argv[i];

    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    short spawn_flags = 0;
    if (tty) {
        /* After setsid, the first terminal opened becomes the controlling
         * one: runc then gets SIGWINCH when the size changes. */
        spawn_flags |= POSIX_SPAWN_SETSID;
        posix_spawn_file_actions_addopen(&fa, 0, tty, O_RDWR, 0);
        posix_spawn_file_actions_adddup2(&fa, 0, 1);
        posix_spawn_file_actions_adddup2(&fa, 0, 2);
    } else {
        if (fd0 >= 0)
            posix_spawn_file_actions_adddup2(&fa, fd0, 0);
        else
            posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&fa, fd1, 1);
        posix_spawn_file_actions_adddup2(&fa, fd2, 2);
    }
    proc_close_from(&fa, 3);
    proc_spawnattr_init(&attr, spawn_flags);
    int rc = posix_spawnp(pid, args[0], &fa, &attr, args, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    free(args);
    return rc;
}

int runtime_exec(runtime *rt, const char *id, char *const argv[], bool with_stdin, int *in,
                 int *out, int *errfd, pid_t *pid, mk_err *err)
{
    int p[6] = {-1, -1, -1, -1, -1, -1}; /* stdin, stdout, stderr: read end, write end */
    bool piped = !(with_stdin && pipe2(p, O_CLOEXEC) < 0) && pipe2(p + 2, O_CLOEXEC) == 0 &&
                 pipe2(p + 4, O_CLOEXEC) == 0;
    int rc = piped ? 0 : errno;
    static const char *const no_flags[] = {NULL};
    if (piped)
        rc = exec_spawn(rt, id, no_flags, argv, p[0], p[3], p[5], NULL, pid);
    /* The child's ends are the child's now; on failure ours go too. */
    mk_close_fd(&p[0]);
    mk_close_fd(&p[3]);
    mk_close_fd(&p[5]);
    if (rc != 0) {
        mk_close_fd(&p[1]);
        mk_close_fd(&p[2]);
        mk_close_fd(&p[4]);
        return piped ? mk_error(err, rc, "exec %s: %s", id, strerror(rc))
                     : mk_error(err, rc, "pipe: %s", strerror(rc));
    }
    *in = p[1];
    *out = p[2];
    *errfd = p[4];
    return 0;
}

int runtime_exec_tty(runtime *rt, const char *id, char *const argv[], int *master, pid_t *pid,
                     mk_err *err)
{
    char slave[64];
    if (console_open(master, slave, sizeof slave, err) < 0)
        return -err->code;
    static const char *const flags[] = {"--tty", NULL};
    int rc = exec_spawn(rt, id, flags, argv, -1, -1, -1, slave, pid);
    if (rc != 0) {
        close(*master);
        return mk_error(err, rc, "exec %s: %s", id, strerror(rc));
    }
    return 0;
}
