#include "kubelet/proc.h"
#include "store/util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define PROC_OUT_MAX (64 * 1024)

void proc_spawnattr_init(posix_spawnattr_t *attr, short flags)
{
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    sigdelset(&all, SIGKILL);
    sigdelset(&all, SIGSTOP);
    posix_spawnattr_init(attr);
    posix_spawnattr_setsigmask(attr, &none);
    posix_spawnattr_setsigdefault(attr, &all);
    posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | flags);
}

void proc_close_from(posix_spawn_file_actions_t *fa, int fd)
{
    posix_spawn_file_actions_addclosefrom_np(fa, fd);
}

int proc_run(char *const argv[], char **out, mk_err *err)
{
    int pipefd[2] = {-1, -1};
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return mk_error(err, errno, "pipe: %s", strerror(errno));

    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
    proc_close_from(&fa, 3);
    proc_spawnattr_init(&attr, 0);

    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close(pipefd[1]);
    if (rc != 0) {
        close(pipefd[0]);
        return mk_error(err, rc, "%s: %s", argv[0], strerror(rc));
    }

    mk_buf b = {0};
    char chunk[4096];
    ssize_t n;
    while ((n = read(pipefd[0], chunk, sizeof chunk)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (b.len < PROC_OUT_MAX)
            mk_buf_append(&b, chunk, (size_t)n);
    }
    close(pipefd[0]);

    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            mk_buf_free(&b);
            return mk_error(err, errno, "%s: wait: %s", argv[0], strerror(errno));
        }
    }
    if (out)
        *out = mk_buf_steal(&b);
    else
        mk_buf_free(&b);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

int proc_check(char *const argv[], mk_err *err)
{
    _cleanup_free_ char *out = NULL;
    int rc = proc_run(argv, &out, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return 0;
    mk_buf cmd = {0};
    for (int i = 0; argv[i] && i < 4; i++)
        mk_buf_printf(&cmd, "%s%s", i ? " " : "", argv[i]);
    size_t l = strlen(out);
    while (l && (out[l - 1] == '\n' || out[l - 1] == ' '))
        out[--l] = '\0';
    mk_error(err, EIO, "%s: exit %d: %.300s", cmd.data, rc, out);
    mk_buf_free(&cmd);
    return -EIO;
}
