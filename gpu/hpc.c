#include "gpu/hpc.h"

#include <fcntl.h>
#include <libssh/libssh.h>
#include <libssh/sftp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/util.h"

#define HPC_CONNECT_TIMEOUT_S 10
#define HPC_EXEC_TIMEOUT_MS   60000
#define HPC_EXEC_MAX_OUTPUT   (64 * 1024)
#define HPC_IO_CHUNK          (32 * 1024)

struct hpc_conn {
    ssh_session ssh;
    sftp_session sftp;
    bool dead;
};

static int hpc_transport_error(hpc_conn *c, const char *what, mk_err *err)
{
    const char *msg = ssh_get_error(c->ssh);
    int code = EIO;
    if (strstr(msg, "refused"))
        code = ECONNREFUSED;
    else if (strstr(msg, "imeout") || strstr(msg, "timed out"))
        code = ETIMEDOUT;
    else if (strstr(msg, "unreachable") || strstr(msg, "resolve"))
        code = EHOSTUNREACH;
    c->dead = true;
    return mk_error(err, code, "%s: %s", what, msg);
}

/* libssh reads known hosts from a file only: write the Secret's lines to a
 * private temp file for the duration of the check. */
static int hpc_verify_host(hpc_conn *c, const hpc_target *t, mk_err *err)
{
    char path[] = "/tmp/mk-gpu-known_hosts.XXXXXX";
    _cleanup_close_ int fd = mkstemp(path);
    if (fd < 0)
        return mk_error(err, errno, "known_hosts temp file: %s", strerror(errno));
    size_t len = strlen(t->known_hosts);
    bool ok = write(fd, t->known_hosts, len) == (ssize_t)len &&
              (len == 0 || t->known_hosts[len - 1] == '\n' || write(fd, "\n", 1) == 1);
    if (!ok) {
        unlink(path);
        return mk_error(err, EIO, "known_hosts temp file: short write");
    }
    ssh_options_set(c->ssh, SSH_OPTIONS_KNOWNHOSTS, path);
    ssh_options_set(c->ssh, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, path);
    enum ssh_known_hosts_e state = ssh_session_is_known_server(c->ssh);
    unlink(path);
    switch (state) {
    case SSH_KNOWN_HOSTS_OK:
        return 0;
    case SSH_KNOWN_HOSTS_CHANGED:
        return mk_error(err, EKEYREJECTED, "host key of %s:%d differs from known_hosts",
                        t->host, t->port);
    case SSH_KNOWN_HOSTS_OTHER:
        return mk_error(err, EKEYREJECTED,
                        "host key of %s:%d is of another type than known_hosts has", t->host,
                        t->port);
    case SSH_KNOWN_HOSTS_NOT_FOUND:
    case SSH_KNOWN_HOSTS_UNKNOWN:
        return mk_error(err, EKEYREJECTED, "host %s:%d is not in known_hosts", t->host,
                        t->port);
    default:
        return mk_error(err, EKEYREJECTED, "host key check of %s:%d failed: %s", t->host,
                        t->port, ssh_get_error(c->ssh));
    }
}

static int hpc_authenticate(hpc_conn *c, const hpc_target *t, mk_err *err)
{
    ssh_key key = NULL;
    if (ssh_pki_import_privkey_base64(t->private_key, NULL, NULL, NULL, &key) != SSH_OK)
        return mk_error(err, EINVAL, "privateKey: not an unencrypted OpenSSH/PEM private key");
    int rc = ssh_userauth_publickey(c->ssh, NULL, key);
    ssh_key_free(key);
    if (rc == SSH_AUTH_ERROR)
        return hpc_transport_error(c, "authentication", err);
    if (rc != SSH_AUTH_SUCCESS)
        return mk_error(err, EACCES, "%s@%s:%d refused our key", t->user, t->host, t->port);
    return 0;
}

int hpc_connect(const hpc_target *t, hpc_conn **out, mk_err *err)
{
    if (!t->host || !t->user || !t->private_key || !t->known_hosts)
        return mk_error(err, EINVAL, "host, user, privateKey and knownHosts are required");
    hpc_conn *c = xcalloc(1, sizeof *c);
    c->ssh = ssh_new();
    unsigned port = t->port > 0 ? (unsigned)t->port : 22;
    long timeout = HPC_CONNECT_TIMEOUT_S;
    bool no = false;
    ssh_options_set(c->ssh, SSH_OPTIONS_HOST, t->host);
    ssh_options_set(c->ssh, SSH_OPTIONS_PORT, &port);
    ssh_options_set(c->ssh, SSH_OPTIONS_USER, t->user);
    ssh_options_set(c->ssh, SSH_OPTIONS_TIMEOUT, &timeout);
    /* Nothing from ~/.ssh or /etc/ssh: the Secret is the whole truth. */
    ssh_options_set(c->ssh, SSH_OPTIONS_PROCESS_CONFIG, &no);
    int rc;
    if (ssh_connect(c->ssh) != SSH_OK)
        rc = hpc_transport_error(c, "connect", err);
    else if ((rc = hpc_verify_host(c, t, err)) < 0 || (rc = hpc_authenticate(c, t, err)) < 0)
        ;
    else if (!(c->sftp = sftp_new(c->ssh)) || sftp_init(c->sftp) != SSH_OK)
        rc = hpc_transport_error(c, "sftp", err);
    if (rc < 0) {
        mk_error_wrap(err, "ssh %s@%s:%u", t->user, t->host, port);
        hpc_close(c);
        return rc;
    }
    *out = c;
    return 0;
}

void hpc_close(hpc_conn *c)
{
    if (!c)
        return;
    if (c->sftp)
        sftp_free(c->sftp);
    if (ssh_is_connected(c->ssh))
        ssh_disconnect(c->ssh);
    ssh_free(c->ssh);
    free(c);
}

bool hpc_alive(hpc_conn *c)
{
    return c && !c->dead && ssh_is_connected(c->ssh);
}

/* Append what is ready on one stream, keeping at most the first max bytes. */
static int hpc_drain(ssh_channel ch, int is_stderr, int timeout_ms, mk_buf *b)
{
    char buf[4096];
    int n = ssh_channel_read_timeout(ch, buf, sizeof buf, is_stderr, timeout_ms);
    if (n > 0 && b->len < HPC_EXEC_MAX_OUTPUT)
        mk_buf_append(b, buf,
                      (size_t)n < HPC_EXEC_MAX_OUTPUT - b->len ? (size_t)n
                                                               : HPC_EXEC_MAX_OUTPUT - b->len);
    return n;
}

int hpc_exec(hpc_conn *c, const char *cmd, char **out, char **errout, int *status, mk_err *err)
{
    ssh_channel ch = ssh_channel_new(c->ssh);
    if (!ch)
        return hpc_transport_error(c, "channel", err);
    if (ssh_channel_open_session(ch) != SSH_OK || ssh_channel_request_exec(ch, cmd) != SSH_OK) {
        ssh_channel_free(ch);
        return hpc_transport_error(c, "exec", err);
    }
    mk_buf o = {0}, e = {0};
    int64_t deadline = mk_now_ns() + (int64_t)HPC_EXEC_TIMEOUT_MS * 1000000;
    int rc = 0;
    while (!ssh_channel_is_eof(ch)) {
        int n = hpc_drain(ch, 0, 100, &o), m;
        /* Empty stderr's buffer too, so neither stream stalls the other. */
        while (n >= 0 && (m = hpc_drain(ch, 1, 0, &e)) > 0)
            ;
        if (n < 0 || m < 0) {
            rc = hpc_transport_error(c, "read", err);
            break;
        }
        if (mk_now_ns() > deadline) {
            c->dead = true; /* a half-read channel is not reusable */
            rc = mk_error(err, ETIMEDOUT, "remote command did not finish in %d s",
                          HPC_EXEC_TIMEOUT_MS / 1000);
            break;
        }
    }
    while (rc == 0 && hpc_drain(ch, 1, 0, &e) > 0)
        ; /* stderr that arrived with the EOF */
    if (rc == 0) {
        ssh_channel_send_eof(ch);
        *status = ssh_channel_get_exit_status(ch);
    }
    ssh_channel_close(ch);
    ssh_channel_free(ch);
    if (rc == 0 && out)
        *out = mk_buf_steal(&o);
    if (rc == 0 && errout)
        *errout = mk_buf_steal(&e);
    mk_buf_free(&o);
    mk_buf_free(&e);
    return rc;
}

static int hpc_sftp_error(hpc_conn *c, const char *what, const char *path, mk_err *err)
{
    int code = sftp_get_error(c->sftp);
    if (code == SSH_FX_NO_SUCH_FILE)
        return mk_error(err, ENOENT, "%s %s: no such file", what, path);
    if (code == SSH_FX_PERMISSION_DENIED)
        return mk_error(err, EACCES, "%s %s: permission denied", what, path);
    if (!ssh_is_connected(c->ssh))
        return hpc_transport_error(c, what, err);
    return mk_error(err, EIO, "%s %s: sftp error %d: %s", what, path, code,
                    ssh_get_error(c->ssh));
}

int hpc_put(hpc_conn *c, const char *path, const void *data, size_t len, int mode, mk_err *err)
{
    sftp_file f = sftp_open(c->sftp, path, O_WRONLY | O_CREAT | O_TRUNC, (mode_t)mode);
    if (!f)
        return hpc_sftp_error(c, "sftp write", path, err);
    const char *p = data;
    while (len > 0) {
        size_t n = len < HPC_IO_CHUNK ? len : HPC_IO_CHUNK;
        ssize_t w = sftp_write(f, p, n);
        if (w <= 0) {
            int rc = hpc_sftp_error(c, "sftp write", path, err);
            sftp_close(f);
            return rc;
        }
        p += w;
        len -= (size_t)w;
    }
    if (sftp_close(f) != SSH_NO_ERROR)
        return hpc_sftp_error(c, "sftp close", path, err);
    return 0;
}

int hpc_get_tail(hpc_conn *c, const char *path, size_t max, char **data, size_t *len,
                 bool *truncated, mk_err *err)
{
    sftp_file f = sftp_open(c->sftp, path, O_RDONLY, 0);
    if (!f)
        return hpc_sftp_error(c, "sftp read", path, err);
    sftp_attributes st = sftp_fstat(f);
    uint64_t size = st ? st->size : 0;
    sftp_attributes_free(st);
    *truncated = size > max;
    if (*truncated)
        sftp_seek64(f, size - max);
    mk_buf b = {0};
    char buf[HPC_IO_CHUNK];
    for (;;) {
        ssize_t n = sftp_read(f, buf, sizeof buf);
        if (n < 0) {
            int rc = hpc_sftp_error(c, "sftp read", path, err);
            sftp_close(f);
            mk_buf_free(&b);
            return rc;
        }
        if (n == 0)
            break;
        mk_buf_append(&b, buf, (size_t)n);
        if (b.len >= max) /* the file grew while we read: keep the bound */
            break;
    }
    sftp_close(f);
    if (b.len > max) {
        memmove(b.data, b.data + b.len - max, max);
        b.len = max;
        b.data[max] = '\0';
        *truncated = true;
    }
    *len = b.len;
    *data = mk_buf_steal(&b);
    return 0;
}

/* ---- the pool ---- */

typedef struct hpc_pool_entry {
    char *host, *user, *key, *known_hosts;
    int port;
    hpc_conn *conn;
    int64_t used_ns; /* last hpc_pool_get */
    struct hpc_pool_entry *next;
} hpc_pool_entry;

struct hpc_pool {
    hpc_pool_entry *head;
};

hpc_pool *hpc_pool_new(void)
{
    return xcalloc(1, sizeof(hpc_pool));
}

static void hpc_pool_entry_free(hpc_pool_entry *e)
{
    hpc_close(e->conn);
    free(e->host);
    free(e->user);
    if (e->key) /* do not leave the key in freed memory */
        explicit_bzero(e->key, strlen(e->key));
    free(e->key);
    free(e->known_hosts);
    free(e);
}

void hpc_pool_free(hpc_pool *p)
{
    if (!p)
        return;
    while (p->head) {
        hpc_pool_entry *e = p->head;
        p->head = e->next;
        hpc_pool_entry_free(e);
    }
    free(p);
}

static bool hpc_pool_match(const hpc_pool_entry *e, const hpc_target *t)
{
    return e->port == t->port && strcmp(e->host, t->host) == 0 &&
           strcmp(e->user, t->user) == 0 && strcmp(e->key, t->private_key) == 0 &&
           strcmp(e->known_hosts, t->known_hosts) == 0;
}

int hpc_pool_get(hpc_pool *p, const hpc_target *t, hpc_conn **out, mk_err *err)
{
    if (!t->host || !t->user || !t->private_key || !t->known_hosts)
        return mk_error(err, EINVAL, "host, user, privateKey and knownHosts are required");
    hpc_pool_entry *e = p->head;
    while (e && !hpc_pool_match(e, t))
        e = e->next;
    if (e && hpc_alive(e->conn)) {
        e->used_ns = mk_now_ns();
        *out = e->conn;
        return 0;
    }
    if (e) {
        hpc_close(e->conn);
        e->conn = NULL;
    }
    hpc_conn *c;
    int rc = hpc_connect(t, &c, err);
    if (rc < 0)
        return rc;
    if (!e) {
        e = xcalloc(1, sizeof *e);
        e->host = xstrdup(t->host);
        e->user = xstrdup(t->user);
        e->key = xstrdup(t->private_key);
        e->known_hosts = xstrdup(t->known_hosts);
        e->port = t->port;
        e->next = p->head;
        p->head = e;
    }
    e->conn = c;
    e->used_ns = mk_now_ns();
    *out = c;
    return 0;
}

void hpc_pool_check(hpc_pool *p, hpc_conn *c)
{
    for (hpc_pool_entry *e = p->head; e; e = e->next)
        if (e->conn == c && !hpc_alive(c)) {
            hpc_close(c);
            e->conn = NULL;
        }
}

void hpc_pool_expire(hpc_pool *p, int64_t idle_ms)
{
    int64_t now = mk_now_ns();
    for (hpc_pool_entry **pe = &p->head; *pe;) {
        hpc_pool_entry *e = *pe;
        if (now - e->used_ns > idle_ms * 1000000) {
            *pe = e->next;
            hpc_pool_entry_free(e);
        } else {
            pe = &e->next;
        }
    }
}
