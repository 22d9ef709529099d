/* portfwd.c - a pod's port, relayed (portfwd.h). */
#include "kubelet/portfwd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "store/util.h"

#define DIAL_TIMEOUT_MS 5000

typedef struct dial_call {
    const char *path;
    int port;
    int fd;
    mk_err err;
} dial_call;

static int connect_loopback(dial_call *c)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return mk_error(&c->err, errno, "socket: %s", strerror(errno));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)c->port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc = connect(fd, (struct sockaddr *)&a, sizeof a);
    if (rc < 0 && errno == EINPROGRESS) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int e = 0;
        socklen_t el = sizeof e;
        if (poll(&p, 1, DIAL_TIMEOUT_MS) == 1 &&
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) == 0 && !e)
            rc = 0;
        else
            errno = e ? e : ETIMEDOUT;
    }
    if (rc < 0) {
        int e = errno;
        close(fd);
        return mk_error(&c->err, e == ECONNREFUSED ? ECONNREFUSED : e,
                        "dial tcp4 127.0.0.1:%d: connect: %s", c->port, strerror(e));
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

static void *dial_thread(void *arg)
{
    dial_call *c = arg;
    int ns = open(c->path, O_RDONLY | O_CLOEXEC);
    if (ns < 0) {
        c->fd = mk_error(&c->err, errno, "%s: %s", c->path, strerror(errno));
        return NULL;
    }
    /* Only this thread enters the namespace; it ends right after. */
    if (setns(ns, CLONE_NEWNET) < 0) {
        c->fd = mk_error(&c->err, errno, "setns %s: %s", c->path, strerror(errno));
        close(ns);
        return NULL;
    }
    close(ns);
    c->fd = connect_loopback(c);
    return NULL;
}

int portfwd_dial(const char *netns_path, int port, mk_err *err)
{
    dial_call c = {.path = netns_path, .port = port, .fd = -1};
    pthread_t t;
    if (pthread_create(&t, NULL, dial_thread, &c) != 0)
        return mk_error(err, EAGAIN, "netns thread");
    pthread_join(t, NULL);
    if (c.fd < 0)
        *err = c.err;
    return c.fd;
}

/* Move what from can give to to; false at its EOF or an error. */
static bool pump(int from, int to)
{
    char buf[32768];
    ssize_t n = recv(from, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR)
        return true;
    return n > 0 && mk_write_all(to, buf, (size_t)n) == 0;
}

void portfwd_relay(int sock, const char *extra, size_t extra_len, int pod)
{
    bool up = true, down = true; /* sock -> pod, pod -> sock */
    if (extra_len && mk_write_all(pod, extra, extra_len) < 0)
        up = down = false;
    while (up || down) {
        struct pollfd p[2] = {{.fd = up ? sock : -1, .events = POLLIN},
                              {.fd = down ? pod : -1, .events = POLLIN}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (up && (p[0].revents & (POLLIN | POLLHUP | POLLERR)) && !pump(sock, pod)) {
            up = false;
            shutdown(pod, SHUT_WR);
        }
        if (down && (p[1].revents & (POLLIN | POLLHUP | POLLERR)) && !pump(pod, sock)) {
            down = false;
            shutdown(sock, SHUT_WR);
        }
    }
    close(pod);
}
