#include "kubelet/execrelay.h"
#include "kubelet/console.h"
#include "store/execproto.h"
#include "store/util.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* How long a hung-up process may take to exit before runc exec is killed. */
#define EXECRELAY_HANGUP_NS (INT64_C(5) * 1000000000)

typedef struct relay {
    int sock, in, out, err;
    int tty;        /* the pty master (also out), or -1 */
    mk_buf pending; /* client bytes not yet a whole frame */
} relay;

/* One client frame for the process: stdin data, EOF on an empty frame, a
 * terminal size. */
static int client_frame(void *ctx, int ch, const char *payload, size_t plen)
{
    relay *r = ctx;
    mk_err err;
    if (ch == EXECPROTO_RESIZE && r->tty >= 0)
        console_resize(r->tty, payload, plen, &err); /* a bad size is not worth the session */
    if (ch != EXECPROTO_STDIN || r->in < 0)
        return 0; /* resize on pipes: they have no window size */
    if (plen == 0 || mk_write_all(r->in, payload, plen) < 0) {
        close(r->in); /* EOF, or the process closed its stdin */
        r->in = -1;
    }
    return 0;
}

static int relay_client_bytes(relay *r, const char *data, size_t len)
{
    mk_buf_append(&r->pending, data, len);
    return execproto_drain(&r->pending, client_frame, r) < 0 ? -1 : 0;
}

static int relay_pipe(relay *r, int *fd, int channel)
{
    /* After the client left, output is drained and dropped. */
    char buf[16384];
    ssize_t n = read(*fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
        return 0;
    if (n <= 0) { /* a pty master says EIO once the process is gone */
        if (*fd == r->tty)
            r->tty = -1;
        close(*fd);
        *fd = -1;
        return 0;
    }
    mk_err err;
    if (r->sock < 0)
        return 0;
    return execproto_write(r->sock, channel, buf, (size_t)n, &err);
}

/* Start the process: on pipes, or on a pty whose master serves as both
 * its input and its output. */
static int relay_start(relay *r, runtime *rt, const char *id, char *const argv[],
                       const execrelay_opts *o, pid_t *pid, mk_err *err)
{
    if (!o->tty)
        return runtime_exec(rt, id, argv, o->with_stdin, &r->in, &r->out, &r->err, pid, err);
    if (runtime_exec_tty(rt, id, argv, &r->tty, pid, err) < 0)
        return -err->code;
    r->out = r->tty;
    /* Its own descriptor: closing stdin must not close the output. */
    r->in = o->with_stdin ? fcntl(r->tty, F_DUPFD_CLOEXEC, 0) : -1;
    return 0;
}

int execrelay_run(runtime *rt, const char *id, char *const argv[], const execrelay_opts *o,
                  int sock, const char *extra, size_t extra_len)
{
    relay r = {.sock = sock, .in = -1, .out = -1, .err = -1, .tty = -1};
    pid_t pid;
    mk_err err = {0};
    if (relay_start(&r, rt, id, argv, o, &pid, &err) < 0) {
        _cleanup_free_ char *msg = xasprintf("exec: %s\n", err.msg);
        execproto_write(sock, EXECPROTO_STDERR, msg, strlen(msg), &err);
        execproto_write(sock, EXECPROTO_EXIT, "126", 3, &err);
        return -1;
    }
    if (extra_len)
        relay_client_bytes(&r, extra, extra_len);
    bool client_open = true;
    int64_t kill_at = 0; /* set once the client is gone */
    while (r.out >= 0 || r.err >= 0) {
        struct pollfd p[3] = {
            {.fd = r.out, .events = POLLIN},
            {.fd = r.err, .events = POLLIN},
            {.fd = client_open ? sock : -1, .events = POLLIN},
        };
        int timeout = -1;
        if (kill_at) {
            int64_t left = (kill_at - mk_now_ns()) / 1000000;
            if (left <= 0) {
                /* runc forwards what it can catch; SIGKILL only ends runc. */
                kill(pid, SIGKILL);
                break;
            }
            timeout = (int)left;
        }
        if (poll(p, 3, timeout) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        bool lost = false;
        if (p[0].revents && relay_pipe(&r, &r.out, EXECPROTO_STDOUT) < 0)
            lost = true;
        if (p[1].revents && relay_pipe(&r, &r.err, EXECPROTO_STDERR) < 0)
            lost = true;
        if (client_open && p[2].revents) {
            char buf[16384];
            ssize_t n = read(sock, buf, sizeof buf);
            if (n == 0 || (n < 0 && errno != EINTR))
                lost = true;
            else if (n > 0 && relay_client_bytes(&r, buf, (size_t)n) < 0)
                lost = true;
        }
        if (lost && client_open) {
            /* The client went away: hang the process up (runc exec forwards
             * SIGHUP and SIGTERM), close its stdin, and give it a moment. */
            client_open = false;
            r.sock = -1;
            kill(pid, SIGHUP);
            kill(pid, SIGTERM);
            if (r.in >= 0) {
                close(r.in);
                r.in = -1;
            }
            kill_at = mk_now_ns() + EXECRELAY_HANGUP_NS;
        }
    }
    const int fds[] = {r.in, r.out, r.err};
    for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
        if (fds[i] >= 0)
            close(fds[i]);
    mk_buf_free(&r.pending);
    int status = 0, code;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    char text[16];
    snprintf(text, sizeof text, "%d", code);
    if (client_open)
        execproto_write(sock, EXECPROTO_EXIT, text, strlen(text), &err);
    return code;
}
