/* tlspipe.c - a TLS client connection as a plain socket (tlspipe.h). */
#include "fs/tlspipe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "store/util.h"

typedef struct tlspipe {
    SSL_CTX *ctx;
    SSL *ssl;
    int net;   /* the TCP socket, non-blocking */
    int plain; /* our end of the socketpair */
} tlspipe;

static void tlspipe_free(tlspipe *t)
{
    if (t->ssl)
        SSL_free(t->ssl);
    SSL_CTX_free(t->ctx);
    close(t->net);
    if (t->plain >= 0)
        close(t->plain);
    free(t);
}

/* Wait until the socket can do what OpenSSL asked for; false on any other
 * error or when ms run out. */
static bool ssl_wait(tlspipe *t, int rc, int ms)
{
    int e = SSL_get_error(t->ssl, rc);
    if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
        return false;
    struct pollfd p = {.fd = t->net, .events = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT};
    return poll(&p, 1, ms) == 1;
}

/* All of buf into the TLS connection (OpenSSL wants a retry with the
 * same arguments after WANT_*). */
static bool ssl_write_all(tlspipe *t, const char *buf, int n)
{
    int w;
    while ((w = SSL_write(t->ssl, buf, n)) <= 0)
        if (!ssl_wait(t, w, -1))
            return false;
    return true;
}

/* Bytes both ways until either side closes. */
static void *pump(void *arg)
{
    tlspipe *t = arg;
    char buf[16384];
    for (;;) {
        struct pollfd p[2] = {{.fd = t->net, .events = POLLIN},
                              {.fd = t->plain, .events = POLLIN}};
        /* Decrypted bytes OpenSSL holds are not readable on the socket. */
        if (!SSL_pending(t->ssl) && poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        if (SSL_pending(t->ssl) || p[0].revents) {
            int n = SSL_read(t->ssl, buf, sizeof buf);
            if (n > 0) {
                if (mk_write_all(t->plain, buf, (size_t)n) < 0)
                    break;
            } else if (SSL_get_error(t->ssl, n) != SSL_ERROR_WANT_READ &&
                       SSL_get_error(t->ssl, n) != SSL_ERROR_WANT_WRITE) {
                break; /* closed, or broken */
            }
        }
        if (p[1].revents) {
            ssize_t n = read(t->plain, buf, sizeof buf);
            if (n <= 0 || !ssl_write_all(t, buf, (int)n))
                break;
        }
    }
    SSL_shutdown(t->ssl);
    tlspipe_free(t);
    return NULL;
}

static int fail(tlspipe *t, mk_err *err, const char *host, const char *what)
{
    char why[256] = "";
    long v = t->ssl ? SSL_get_verify_result(t->ssl) : X509_V_OK;
    if (v != X509_V_OK)
        snprintf(why, sizeof why, "%s", X509_verify_cert_error_string(v));
    else
        ERR_error_string_n(ERR_peek_last_error(), why, sizeof why);
    ERR_clear_error();
    tlspipe_free(t);
    return mk_error(err, v != X509_V_OK ? EACCES : ENOTCONN, "exec: TLS to %s: %s%s%s", host,
                    what, why[0] ? ": " : "", why);
}

int tlspipe_open(int fd, const char *host, const char *ca_file, int timeout_ms, mk_err *err)
{
    tlspipe *t = xcalloc(1, sizeof *t);
    t->net = fd;
    t->plain = -1;
    t->ctx = SSL_CTX_new(TLS_client_method());
    if (!t->ctx)
        return fail(t, err, host, "no TLS context");
    SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
    if (ca_file ? SSL_CTX_load_verify_locations(t->ctx, ca_file, NULL) != 1
                : SSL_CTX_set_default_verify_paths(t->ctx) != 1)
        return fail(t, err, host, ca_file ? "cannot load the CA file" : "no system CAs");
    t->ssl = SSL_new(t->ctx);
    struct in6_addr a;
    bool ip = inet_pton(AF_INET, host, &a) == 1 || inet_pton(AF_INET6, host, &a) == 1;
    if (ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), host) != 1
           : SSL_set1_host(t->ssl, host) != 1 || SSL_set_tlsext_host_name(t->ssl, host) != 1)
        return fail(t, err, host, "bad host name");
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    SSL_set_fd(t->ssl, fd);
    int64_t deadline = mk_now_ns() + (int64_t)timeout_ms * 1000000;
    int rc;
    while ((rc = SSL_connect(t->ssl)) != 1) {
        int left = (int)((deadline - mk_now_ns()) / 1000000);
        if (left <= 0 || !ssl_wait(t, rc, left))
            return fail(t, err, host, "handshake failed");
    }
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return fail(t, err, host, "socketpair");
    t->plain = sv[1];
    pthread_t th;
    if (pthread_create(&th, NULL, pump, t) != 0) {
        close(sv[0]);
        return fail(t, err, host, "no thread");
    }
    pthread_detach(th);
    return sv[0];
}
