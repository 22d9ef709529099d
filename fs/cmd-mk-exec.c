/* mk-exec - a command in a pod's container, attached to this terminal.
 *
 *   mk-exec --server URL [--token-file F] [-n NS] [-c CONTAINER] [-i] [-t] POD -- CMD...
 *   mk-exec --attach ... POD
 *
 * The session is pods/{pod}/exec on the API server (store/execproto.h), or
 * with --attach pods/{pod}/attach: the container's own streams (its stdin
 * when the pod says stdin: true, its terminal when tty: true).
 * With -t the process gets a pty in the container: this terminal goes raw
 * for the session (the remote pty does the line editing) and its size
 * follows SIGWINCH. rkubectl's `exec -it` runs this when stdin is a
 * terminal; through the mount (exec/<container>) there is no terminal.
 * Exits with the command's exit code; 255 when the session failed.
 */
#include "fs/stream.h"
#include "store/client.h"
#include "store/codec.h"
#include "store/execproto.h"
#include "store/util.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#define EXIT_SESSION 255

typedef struct session {
    int sock;
    bool tty, stdin_open;
    int exit_code; /* -1 until the exit frame */
    mk_buf in;     /* socket bytes not yet a whole frame */
} session;

static void usage(FILE *f)
{
    fprintf(f, "usage: mk-exec --server URL [--token-file FILE] [-n NAMESPACE] [-c CONTAINER]\n"
               "               [--certificate-authority F] [-i] [-t] POD -- COMMAND [ARG...]\n"
               "       mk-exec --attach [the same options] POD\n"
               "  --attach      join the container's own process instead of running one\n"
               "  -i, --stdin   pass this terminal's input to the command\n"
               "  -t, --tty     give the command a terminal (raw mode here, size follows)\n"
               "  -c            the container (default: the pod's first)\n");
}

static void send_size(session *s)
{
    struct winsize ws;
    if (!s->tty || ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0 || !ws.ws_col)
        return;
    char text[32];
    int n = snprintf(text, sizeof text, "%u %u", ws.ws_col, ws.ws_row);
    execproto_write(s->sock, EXECPROTO_RESIZE, text, (size_t)n, NULL);
}

/* A frame from the server: output to ours, the exit code. */
static int server_frame(void *ctx, int ch, const char *payload, size_t plen)
{
    session *s = ctx;
    if (ch == EXECPROTO_STDOUT || ch == EXECPROTO_STDERR) {
        mk_write_all(ch == EXECPROTO_STDOUT ? STDOUT_FILENO : STDERR_FILENO, payload, plen);
    } else if (ch == EXECPROTO_EXIT) {
        /* A malformed code still ends the session, as a failure. */
        int code = execproto_exit_code(payload, plen);
        s->exit_code = code < 0 ? EXIT_SESSION : code;
    }
    return 0;
}

/* Returns -1 on a broken stream. */
static int take_frames(session *s)
{
    return execproto_drain(&s->in, server_frame, s) < 0 ? -1 : 0;
}

static void relay_stdin(session *s)
{
    char buf[16384];
    ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
        return;
    if (n <= 0) { /* EOF: a zero-length frame closes the command's stdin */
        execproto_write(s->sock, EXECPROTO_STDIN, NULL, 0, NULL);
        s->stdin_open = false;
        return;
    }
    execproto_write(s->sock, EXECPROTO_STDIN, buf, (size_t)n, NULL);
}

static void relay(session *s, int sigfd)
{
    send_size(s);
    while (s->exit_code < 0) {
        struct pollfd p[3] = {
            {.fd = s->sock, .events = POLLIN},
            {.fd = s->stdin_open ? STDIN_FILENO : -1, .events = POLLIN},
            {.fd = sigfd, .events = POLLIN},
        };
        if (poll(p, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        if (p[2].revents) {
            struct signalfd_siginfo si;
            if (read(sigfd, &si, sizeof si) == sizeof si && si.ssi_signo == SIGWINCH)
                send_size(s);
        }
        if (p[1].revents)
            relay_stdin(s);
        if (p[0].revents) {
            char buf[16384];
            ssize_t n = recv(s->sock, buf, sizeof buf, 0);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return;
            mk_buf_append(&s->in, buf, (size_t)n);
            if (take_frames(s) < 0)
                return;
        }
    }
}

typedef struct args {
    const char *server, *token_file, *ca_file, *ns, *container;
    bool with_stdin, tty, attach;
    char *pod;
    char **argv; /* NULL with --attach */
} args;

static int parse_args(int argc, char **argv, args *a)
{
    static const struct option longopts[] = {
        {"server", required_argument, NULL, 's'},
        {"token-file", required_argument, NULL, 'T'},
        {MK_CA_FLAG, required_argument, NULL, 'A'},
        {"namespace", required_argument, NULL, 'n'},
        {"container", required_argument, NULL, 'c'},
        {"stdin", no_argument, NULL, 'i'},
        {"tty", no_argument, NULL, 't'},
        {"attach", no_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    *a = (args){.ns = "default"};
    int c;
    while ((c = getopt_long(argc, argv, "+n:c:ith", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            a->server = optarg;
            break;
        case 'T':
            a->token_file = optarg;
            break;
        case 'A':
            a->ca_file = optarg;
            break;
        case 'n':
            a->ns = optarg;
            break;
        case 'c':
            a->container = optarg;
            break;
        case 'i':
            a->with_stdin = true;
            break;
        case 't':
            a->tty = true;
            break;
        case 'a':
            a->attach = true;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return -1;
        }
    }
    if (!a->server || optind >= argc) {
        fprintf(stderr, "mk-exec: %s\n",
                !a->server ? "--server is required" : "a POD is required");
        usage(stderr);
        return -1;
    }
    a->pod = argv[optind++];
    if (a->attach) {
        if (optind < argc) {
            fprintf(stderr, "mk-exec: --attach takes no COMMAND\n");
            return -1;
        }
        return 0;
    }
    if (optind < argc && strcmp(argv[optind - 1], "--") != 0 && strcmp(argv[optind], "--") == 0)
        optind++;
    if (optind >= argc) {
        fprintf(stderr, "mk-exec: a COMMAND is required after --\n");
        return -1;
    }
    a->argv = argv + optind;
    return 0;
}

/* kubectl's default: the pod's first container. Caller frees. */
static char *first_container(const args *a, mk_err *err)
{
    mk_client_opts o = {.server = a->server,
                        .token_file = a->token_file,
                        .ca_file = a->ca_file,
                        .user_agent = "mk-exec"};
    mk_client *c;
    json_object *pod = NULL;
    if (client_new(&o, &c, err) < 0)
        return NULL;
    char *name = NULL;
    if (client_get(c, kind_by_kind("Pod"), a->ns, a->pod, &pod, err) == 0) {
        json_object *ctrs = mk_json_path(pod, "spec.containers");
        json_object *first = ctrs ? json_object_array_get_idx(ctrs, 0) : NULL;
        const char *n = first ? mk_json_str(first, "name") : NULL;
        if (n)
            name = xstrdup(n);
        else
            mk_error(err, EINVAL, "pod %s has no containers", a->pod);
    }
    json_object_put(pod);
    client_free(c);
    return name;
}

int main(int argc, char **argv)
{
    args a;
    if (parse_args(argc, argv, &a) < 0)
        return 2;
    mk_err err = {0};
    _cleanup_free_ char *token = NULL;
    if (a.token_file && client_read_token(a.token_file, &token, &err) < 0) {
        fprintf(stderr, "mk-exec: %s\n", err.msg);
        return EXIT_SESSION;
    }
    _cleanup_free_ char *container =
        a.container ? xstrdup(a.container) : first_container(&a, &err);
    if (!container) {
        fprintf(stderr, "mk-exec: %s\n", err.msg);
        return EXIT_SESSION;
    }
    /* As kubectl: no terminal here, none there (output stays plain). */
    bool tty = a.tty && isatty(STDIN_FILENO);
    _cleanup_free_ char *path = fs_exec_path(a.ns, a.pod, container, a.argv, a.with_stdin, tty);
    session s = {.tty = tty, .stdin_open = a.with_stdin, .exit_code = -1};
    fs_exec_target to = {a.server, token, a.ca_file};
    if (fs_exec_dial(&to, path, &s.sock, &s.in, &err) < 0) {
        fprintf(stderr, "mk-exec: %s\n", err.msg);
        return EXIT_SESSION;
    }
    sigset_t winch;
    sigemptyset(&winch);
    sigaddset(&winch, SIGWINCH);
    sigprocmask(SIG_BLOCK, &winch, NULL);
    int sigfd = signalfd(-1, &winch, SFD_CLOEXEC);
    struct termios saved, raw;
    bool restore = tty && tcgetattr(STDIN_FILENO, &saved) == 0;
    if (restore) {
        raw = saved;
        cfmakeraw(&raw);
        tcsetattr(STDIN_FILENO, TCSANOW, &raw);
    }
    if (take_frames(&s) == 0)
        relay(&s, sigfd);
    if (restore)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    close(sigfd);
    close(s.sock);
    mk_buf_free(&s.in);
    if (s.exit_code < 0) {
        fprintf(stderr, "mk-exec: the session ended without an exit code\n");
        return EXIT_SESSION;
    }
    return s.exit_code;
}
