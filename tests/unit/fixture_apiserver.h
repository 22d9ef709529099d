/* fixture_apiserver.h - run a real bin/mk-apiserver for a unit test.
 *
 * A test starts the server on a free loopback port with its own temporary
 * data dir, and stops it by pid at the end (the group teardown, so a failed
 * test stops it too; PR_SET_PDEATHSIG kills it if the test itself dies).
 * The server's stderr goes to DIR/apiserver.log, printed when it fails to
 * come up.
 *
 *     static test_apiserver srv;
 *     static int setup(void **state) { return test_apiserver_start(&srv, NULL); }
 *     static int teardown(void **state) { test_apiserver_stop(&srv); return 0; }
 *
 * MK_APISERVER overrides the binary (default bin/mk-apiserver, from the
 * repository root where tests run).
 */
#ifndef MK_FIXTURE_APISERVER_H
#define MK_FIXTURE_APISERVER_H

#include <arpa/inet.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/client.h"
#include "store/util.h"

#define TEST_APISERVER_MAX_ARGS 16

typedef struct test_apiserver {
    pid_t pid;            /* 0 when not running */
    int port;             /* chosen at the first start, kept on restarts */
    char dir[64];         /* temporary: data/, apiserver.log, token file */
    char url[64];         /* http://127.0.0.1:PORT (https with --tls-cert) */
    char token_file[128]; /* DIR/tokens when with_tokens, else "" */
    const char *extra[TEST_APISERVER_MAX_ARGS]; /* more flags, NULL-terminated */
} test_apiserver;

/* The tokens written when with_tokens is set: admin first. */
#define TEST_ADMIN_TOKEN "admintoken123"

static inline const char *test_apiserver_bin(void)
{
    const char *b = getenv("MK_APISERVER");
    return b && *b ? b : "bin/mk-apiserver";
}

static inline bool test_apiserver_available(void)
{
    return access(test_apiserver_bin(), X_OK) == 0;
}

/* A loopback port nobody listens on right now. */
static inline int test_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return ntohs(a.sin_port);
}

static inline void test_sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

static inline void test_apiserver_dump_log(const test_apiserver *s)
{
    char path[128], line[512];
    snprintf(path, sizeof path, "%s/apiserver.log", s->dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    fprintf(stderr, "# --- %s ---\n", path);
    while (fgets(line, sizeof line, f))
        fprintf(stderr, "# %s", line);
    fclose(f);
}

static inline pid_t test_apiserver_spawn(test_apiserver *s)
{
    char listen[32], data[96], log[96];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", s->port);
    snprintf(data, sizeof data, "%s/data", s->dir);
    snprintf(log, sizeof log, "%s/apiserver.log", s->dir);
    const char *argv[8 + TEST_APISERVER_MAX_ARGS] = {test_apiserver_bin(), "--listen", listen,
                                                     "--data-dir", data};
    int n = 5;
    if (s->token_file[0]) {
        argv[n++] = "--token-file";
        argv[n++] = s->token_file;
    }
    for (int i = 0; i < TEST_APISERVER_MAX_ARGS && s->extra[i]; i++)
        argv[n++] = s->extra[i];
    argv[n] = NULL;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        if (null >= 0)
            dup2(null, 0);
        execv(argv[0], (char **)argv);
        _exit(127);
    }
    return pid;
}

/* Wait until /healthz answers 200; false if the server died or 15 s went. */
static inline bool test_apiserver_wait_healthy(test_apiserver *s)
{
    mk_client_opts o = {.server = s->url,
                        .timeout_ms = 1000,
                        .insecure = true,
                        .token_file = s->token_file[0] ? s->token_file : NULL};
    mk_client *c = NULL;
    mk_err err = {0};
    if (client_new(&o, &c, &err) < 0)
        return false;
    bool ok = false;
    for (int i = 0; i < 300 && !ok; i++) {
        int status = 0, st;
        char *resp = NULL;
        if (client_request(c, "GET", "/healthz", NULL, NULL, 0, &status, &resp, NULL, NULL,
                           &err) == 0 &&
            status == 200)
            ok = true;
        free(resp);
        if (!ok && waitpid(s->pid, &st, WNOHANG) == s->pid) {
            s->pid = 0;
            break;
        }
        if (!ok)
            test_sleep_ms(50);
    }
    client_free(c);
    return ok;
}

/* Start (or restart, on the same port and data dir) the server. */
static inline int test_apiserver_restart(test_apiserver *s)
{
    /* The port of a killed server may take a moment to come free. */
    for (int attempt = 0; attempt < 20; attempt++) {
        s->pid = test_apiserver_spawn(s);
        if (s->pid < 0)
            return -1;
        if (test_apiserver_wait_healthy(s))
            return 0;
        if (s->pid) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, NULL, 0);
            s->pid = 0;
        }
        test_sleep_ms(250);
    }
    test_apiserver_dump_log(s);
    return -1;
}

/* Start a fresh server; with_tokens writes a token file (admin token
 * TEST_ADMIN_TOKEN) and passes --token-file. extra: NULL or further flags,
 * NULL-terminated. Returns 0, or -1 (with the server's log printed). */
static inline int test_apiserver_start_with(test_apiserver *s, bool with_tokens,
                                            const char *const *extra)
{
    memset(s, 0, sizeof *s);
    bool tls = false;
    for (int i = 0; extra && extra[i] && i < TEST_APISERVER_MAX_ARGS - 1; i++) {
        s->extra[i] = extra[i];
        tls |= strcmp(extra[i], "--tls-cert") == 0;
    }
    snprintf(s->dir, sizeof s->dir, "/tmp/mk-test-apiserver-XXXXXX");
    if (!mkdtemp(s->dir))
        return -1;
    s->port = test_free_port();
    snprintf(s->url, sizeof s->url, "%s://127.0.0.1:%d", tls ? "https" : "http", s->port);
    if (with_tokens) {
        snprintf(s->token_file, sizeof s->token_file, "%s/tokens", s->dir);
        FILE *f = fopen(s->token_file, "w");
        if (!f)
            return -1;
        fprintf(f, "%s,admin,admin\nnodetoken456,node-1,node\n", TEST_ADMIN_TOKEN);
        fclose(f);
    }
    return test_apiserver_restart(s);
}

static inline int test_apiserver_start(test_apiserver *s)
{
    return test_apiserver_start_with(s, false, NULL);
}

/* Send sig (SIGKILL, SIGTERM) and reap the server. */
static inline void test_apiserver_kill(test_apiserver *s, int sig)
{
    if (s->pid <= 0)
        return;
    kill(s->pid, sig);
    waitpid(s->pid, NULL, 0);
    s->pid = 0;
}

static inline int test_rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    return remove(path) < 0 ? 0 : 0;
}

/* Stop the server (SIGTERM, then SIGKILL after 5 s) and remove its dir. */
static inline void test_apiserver_stop(test_apiserver *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        int st;
        for (int i = 0; i < 100 && waitpid(s->pid, &st, WNOHANG) == 0; i++)
            test_sleep_ms(50);
        if (waitpid(s->pid, &st, WNOHANG) == 0)
            test_apiserver_kill(s, SIGKILL);
        s->pid = 0;
    }
    if (s->dir[0])
        nftw(s->dir, test_rm_one, 16, FTW_DEPTH | FTW_PHYS);
    s->dir[0] = '\0';
}

/* A client of s; NULL token_file means the server's admin token (if any). */
static inline mk_client *test_client(const test_apiserver *s, const char *token_file)
{
    mk_client_opts o = {.server = s->url,
                        .token_file = token_file ? token_file
                                                 : (s->token_file[0] ? s->token_file : NULL)};
    mk_client *c = NULL;
    mk_err err = {0};
    if (client_new(&o, &c, &err) < 0) {
        fprintf(stderr, "# client_new: %s\n", err.msg);
        return NULL;
    }
    return c;
}

#endif
