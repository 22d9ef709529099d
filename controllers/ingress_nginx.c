/* ingress_nginx.c - start, check, reload and stop our own nginx
 * (see ingress_nginx.h). */
#include "controllers/ingress_nginx.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/daemon.h"
#include "store/log.h"
#include "store/util.h"

#define NGINX_DEFAULT    "/usr/sbin/nginx"
#define NGINX_START_MS   5000
#define NGINX_STOP_MS    5000
#define NGINX_OUTPUT_MAX 65536

struct ingress_nginx {
    char *binary, *prefix;
    pid_t pid;
};

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* fork+exec rather than posix_spawn: the child asks for SIGTERM when we
 * die, so a killed controller never leaves its nginx serving. stdout and
 * stderr go to out_fd (or /dev/null). */
static pid_t spawn(char *const argv[], int out_fd)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    daemon_reset_signals();
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(out_fd >= 0 ? out_fd : null, 1);
    dup2(out_fd >= 0 ? out_fd : null, 2);
    execv(argv[0], argv);
    _exit(127);
}

/* The line worth showing from nginx's output: the first [emerg]/[error]
 * one, without the "nginx: " lead; else the first line. Caller frees. */
static char *first_error(const char *text)
{
    const char *line = strstr(text, "[emerg]");
    if (!line)
        line = strstr(text, "[error]");
    if (!line)
        line = text;
    size_t n = strcspn(line, "\n");
    return n ? xstrndup(line, n) : xstrdup("nginx failed without a message");
}

static char *conf_path(const ingress_nginx *n, const char *suffix)
{
    return xasprintf("%s/nginx.conf%s", n->prefix, suffix);
}

/* nginx -t on file: 0, or EINVAL with nginx's first error line. */
static int nginx_test(const ingress_nginx *n, const char *file, mk_err *err)
{
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0)
        return mk_error(err, errno, "pipe: %s", strerror(errno));
    _cleanup_free_ char *pfx = xasprintf("%s/", n->prefix);
    _cleanup_free_ char *elog = xasprintf("%s/error.log", n->prefix);
    char *argv[] = {n->binary, "-t", "-q", "-p", pfx, "-e", elog, "-c", (char *)file, NULL};
    pid_t pid = spawn(argv, pfd[1]);
    close(pfd[1]);
    if (pid < 0) {
        close(pfd[0]);
        return mk_error(err, errno, "fork: %s", strerror(errno));
    }
    mk_buf out = {0};
    char chunk[4096];
    ssize_t r;
    while ((r = read(pfd[0], chunk, sizeof chunk)) > 0 || (r < 0 && errno == EINTR))
        if (r > 0 && out.len < NGINX_OUTPUT_MAX)
            mk_buf_append(&out, chunk, (size_t)r);
    close(pfd[0]);
    mk_buf_puts(&out, "");
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    int rc = 0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        _cleanup_free_ char *line = first_error(out.data);
        rc = WIFEXITED(status) && WEXITSTATUS(status) == 127
                 ? mk_error(err, ENOENT, "cannot run %s", n->binary)
                 : mk_error(err, EINVAL, "nginx -t: %s", line);
    }
    mk_buf_free(&out);
    return rc;
}

static int write_file(const char *path, const char *text, mk_err *err)
{
    FILE *f = fopen(path, "we");
    if (!f)
        return mk_error(err, errno, "%s: %s", path, strerror(errno));
    size_t len = strlen(text);
    bool ok = fwrite(text, 1, len, f) == len;
    ok = fflush(f) == 0 && ok;
    ok = fsync(fileno(f)) == 0 && ok;
    int e = errno;
    if (fclose(f) != 0 || !ok)
        return mk_error(err, e ? e : EIO, "%s: %s", path, strerror(e ? e : EIO));
    return 0;
}

/* Write conf beside the live file, check it, rename it in (swap). */
static int install(ingress_nginx *n, const char *conf, bool swap, mk_err *err)
{
    _cleanup_free_ char *next = conf_path(n, ".next");
    _cleanup_free_ char *live = conf_path(n, "");
    int rc = write_file(next, conf, err);
    if (rc == 0)
        rc = nginx_test(n, next, err);
    if (rc == 0 && swap && rename(next, live) < 0)
        rc = mk_error(err, errno, "rename %s: %s", next, strerror(errno));
    if (rc < 0 || !swap)
        unlink(next);
    return rc;
}

int ingress_nginx_check(ingress_nginx *n, const char *conf, mk_err *err)
{
    return install(n, conf, false, err);
}

/* The last [emerg] nginx wrote to its error log since offset. */
static char *log_error_since(const ingress_nginx *n, off_t offset)
{
    _cleanup_free_ char *path = xasprintf("%s/error.log", n->prefix);
    char *text = NULL;
    size_t len = 0;
    mk_err e = {0};
    if (mk_read_file(path, 1 << 20, &text, &len, &e) < 0)
        return xstrdup("nginx exited (no error log)");
    const char *from = (size_t)offset <= len ? text + offset : text;
    char *line = first_error(from);
    free(text);
    return line;
}

static int launch(ingress_nginx *n, mk_err *err)
{
    _cleanup_free_ char *pidfile = xasprintf("%s/nginx.pid", n->prefix);
    _cleanup_free_ char *pfx = xasprintf("%s/", n->prefix);
    _cleanup_free_ char *elog = xasprintf("%s/error.log", n->prefix);
    _cleanup_free_ char *live = conf_path(n, "");
    struct stat st;
    off_t log_at = stat(elog, &st) == 0 ? st.st_size : 0;
    unlink(pidfile);
    char *argv[] = {n->binary, "-p", pfx, "-e", elog, "-c", live, NULL};
    n->pid = spawn(argv, -1);
    if (n->pid < 0)
        return mk_error(err, errno, "fork: %s", strerror(errno));
    for (int waited = 0; waited < NGINX_START_MS; waited += 20) {
        int status;
        if (waitpid(n->pid, &status, WNOHANG) == n->pid) {
            n->pid = 0;
            _cleanup_free_ char *line = log_error_since(n, log_at);
            return mk_error(err, strstr(line, "Address already in use") ? EADDRINUSE : EIO,
                            "nginx did not start: %s", line);
        }
        if (access(pidfile, F_OK) == 0) {
            mk_log("ingress: nginx %d serving (prefix %s)", (int)n->pid, n->prefix);
            return 0;
        }
        sleep_ms(20);
    }
    kill(n->pid, SIGKILL);
    waitpid(n->pid, NULL, 0);
    n->pid = 0;
    return mk_error(err, ETIMEDOUT, "nginx did not write %s in %d ms", pidfile, NGINX_START_MS);
}

int ingress_nginx_start(const char *binary, const char *prefix, const char *conf,
                        ingress_nginx **out, mk_err *err)
{
    ingress_nginx *n = xcalloc(1, sizeof(*n));
    n->binary = xstrdup(binary ? binary : NGINX_DEFAULT);
    n->prefix = xstrdup(prefix);
    _cleanup_free_ char *tmp = xasprintf("%s/tmp", prefix);
    int rc = 0;
    if ((mkdir(prefix, 0755) < 0 && errno != EEXIST) ||
        (mkdir(tmp, 0755) < 0 && errno != EEXIST))
        rc = mk_error(err, errno, "%s: %s", prefix, strerror(errno));
    if (rc == 0)
        rc = install(n, conf, true, err);
    if (rc == 0)
        rc = launch(n, err);
    if (rc < 0) {
        free(n->binary);
        free(n->prefix);
        free(n);
        return rc;
    }
    *out = n;
    return 0;
}

int ingress_nginx_apply(ingress_nginx *n, const char *conf, mk_err *err)
{
    int rc = install(n, conf, true, err);
    if (rc < 0)
        return rc;
    if (n->pid > 0 && kill(n->pid, SIGHUP) < 0)
        return mk_error(err, errno, "reload nginx %d: %s", (int)n->pid, strerror(errno));
    return 0;
}

int ingress_nginx_ensure(ingress_nginx *n, mk_err *err)
{
    int status;
    if (n->pid > 0 && waitpid(n->pid, &status, WNOHANG) == 0)
        return 0;
    if (n->pid > 0)
        mk_log("ingress: nginx %d exited (%s %d); starting it again", (int)n->pid,
               WIFSIGNALED(status) ? "signal" : "status",
               WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    n->pid = 0;
    int rc = launch(n, err);
    return rc < 0 ? rc : 1;
}

pid_t ingress_nginx_pid(const ingress_nginx *n)
{
    return n->pid;
}

void ingress_nginx_stop(ingress_nginx *n)
{
    if (!n)
        return;
    if (n->pid > 0 && kill(n->pid, SIGQUIT) == 0) {
        int waited = 0;
        while (waitpid(n->pid, NULL, WNOHANG) == 0) {
            if (waited >= NGINX_STOP_MS) {
                kill(n->pid, SIGKILL);
                waitpid(n->pid, NULL, 0);
                break;
            }
            sleep_ms(20);
            waited += 20;
        }
        mk_log("ingress: nginx %d stopped", (int)n->pid);
    }
    free(n->binary);
    free(n->prefix);
    free(n);
}
