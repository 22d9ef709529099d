#include "kubelet/attach.h"
#include "store/execproto.h"
#include "store/util.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* conmon's attach packets: one byte saying the stream, then the bytes. */
#define CONMON_STDOUT 2
#define CONMON_STDERR 3
/* conmon reads stdin from the socket this many bytes at a time. */
#define CONMON_CHUNK 8192
/* How long conmon may take to write the exit file after it hung up. */
#define EXIT_WAIT_MS 2000

typedef struct session {
    runtime *rt;
    const char *id;
    int conn; /* the attach socket */
    const attach_opts *o;
    bool stdin_done;
} session;

static int client_frame(void *ctx, int ch, const char *payload, size_t plen)
{
    session *s = ctx;
    unsigned cols, rows;
    mk_err err;
    if (ch == EXECPROTO_RESIZE && s->o->tty && execproto_size(payload, plen, &cols, &rows) == 0)
        runtime_resize(s->rt, s->id, (int)cols, (int)rows, &err); /* not worth the session */
    if (ch != EXECPROTO_STDIN || !s->o->in || s->stdin_done)
        return 0;
    if (plen == 0) {
        /* Detach stdin: conmon closes the container's for stdinOnce. */
        shutdown(s->conn, SHUT_WR);
        s->stdin_done = true;
        return 0;
    }
    for (size_t off = 0; off < plen; off += CONMON_CHUNK) {
        size_t n = plen - off < CONMON_CHUNK ? plen - off : CONMON_CHUNK;
        if (send(s->conn, payload + off, n, MSG_NOSIGNAL) < 0) {
            s->stdin_done = true; /* the container closed its stdin */
            break;
        }
    }
    return 0;
}

/* One packet from conmon to the client; -1 once the container is gone. */
static int container_packet(session *s, int sock)
{
    char buf[CONMON_CHUNK + 1];
    ssize_t n = recv(s->conn, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR)
        return 0;
    if (n <= 0)
        return -1;
    int ch = buf[0] == CONMON_STDERR ? EXECPROTO_STDERR : EXECPROTO_STDOUT;
    bool wanted = ch == EXECPROTO_STDERR ? s->o->err : s->o->out;
    mk_err err;
    if (n > 1 && wanted && execproto_write(sock, ch, buf + 1, (size_t)n - 1, &err) < 0)
        return 1; /* the client is gone */
    return 0;
}

static void send_exit(runtime *rt, const char *id, int sock)
{
    int code = -1;
    for (int i = 0; i < EXIT_WAIT_MS / 50 && (code = runtime_exit_code(rt, id, NULL)) < 0; i++)
        usleep(50 * 1000);
    char text[16];
    snprintf(text, sizeof text, "%d", code < 0 ? 0 : code);
    mk_err err;
    execproto_write(sock, EXECPROTO_EXIT, text, strlen(text), &err);
}

void attach_relay(runtime *rt, const char *id, int conn, const attach_opts *o, int sock,
                  const char *extra, size_t extra_len)
{
    session s = {.rt = rt, .id = id, .conn = conn, .o = o};
    mk_buf pending = {0};
    if (extra_len) {
        mk_buf_append(&pending, extra, extra_len);
        execproto_drain(&pending, client_frame, &s);
    }
    for (;;) {
        struct pollfd p[2] = {{.fd = conn, .events = POLLIN}, {.fd = sock, .events = POLLIN}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[0].revents) {
            int r = container_packet(&s, sock);
            if (r < 0)
                send_exit(rt, id, sock);
            if (r != 0)
                break;
        }
        if (p[1].revents) {
            char buf[16384];
            ssize_t n = read(sock, buf, sizeof buf);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break; /* the client detached; the container runs on */
            mk_buf_append(&pending, buf, (size_t)n);
            if (execproto_drain(&pending, client_frame, &s) < 0)
                break;
        }
    }
    mk_buf_free(&pending);
    close(conn);
}
