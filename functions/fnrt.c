/* fnrt.c - the warm interpreter behind mk-fnrt (see fnrt.h). */
#include "functions/fnrt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/codec.h"
#include "store/daemon.h"
#include "store/log.h"
#include "store/util.h"

/* Imports the handler once, then answers length-prefixed JSON on fds 3/4.
 * stdout and stderr stay the container's log, so handlers may print. */
static const char loader_py[] =
    "import sys,os,json,struct,importlib.util,traceback\n"
    "f,h=sys.argv[1],sys.argv[2]\n"
    "mod,fn=h.rsplit('.',1) if '.' in h else (h,'handle')\n"
    "sys.path.insert(0,os.path.dirname(f))\n"
    "inp=os.fdopen(3,'rb',0);out=os.fdopen(4,'wb',0)\n"
    "def send(o):\n"
    "  b=json.dumps(o).encode();out.write(struct.pack('>I',len(b))+b)\n"
    "def readn(n):\n"
    "  d=b''\n"
    "  while len(d)<n:\n"
    "    c=inp.read(n-len(d))\n"
    "    if not c: sys.exit(0)\n"
    "    d+=c\n"
    "  return d\n"
    "try:\n"
    "  s=importlib.util.spec_from_file_location(mod,f);m=importlib.util.module_from_spec(s)\n"
    "  sys.modules[mod]=m;s.loader.exec_module(m);h=getattr(m,fn)\n"
    "  send({'ok':True})\n"
    "except BaseException as e:\n"
    "  send({'ok':False,'error':'%s: %s'%(type(e).__name__,e)});sys.exit(1)\n"
    "while True:\n"
    "  ev=readn(struct.unpack('>I',readn(4))[0])\n"
    "  try:\n"
    "    send({'ok':True,'result':h(json.loads(ev) if ev else None)})\n"
    "  except BaseException as e:\n"
    "    traceback.print_exc();sys.stderr.flush()\n"
    "    send({'ok':False,'error':'%s: %s'%(type(e).__name__,e)})\n";

#define IMPORT_TIMEOUT_MS 30000
#define MAX_MSG           (16u << 20)

struct fnrt {
    fnrt_opts o;
    pthread_mutex_t lock; /* one call at a time */
    pid_t pid;            /* python3: the interpreter, 0 if none */
    int req_fd, resp_fd;
    char *not_ready; /* why calls cannot run; NULL when ready */
};

static void set_not_ready(fnrt *rt, const char *why)
{
    free(rt->not_ready);
    rt->not_ready = why ? xstrdup(why) : NULL;
}

static bool ok_field(json_object *o)
{
    json_object *v;
    return o && json_object_object_get_ex(o, "ok", &v) && json_object_get_boolean(v);
}

/* Read exactly n bytes before deadline: 0, -ETIMEDOUT, or -EPIPE at EOF. */
static int read_full(int fd, void *buf, size_t n, int64_t deadline)
{
    size_t got = 0;
    while (got < n) {
        int64_t left = deadline - mk_now_ms();
        if (left <= 0)
            return -ETIMEDOUT;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0)
            return -ETIMEDOUT;
        ssize_t k = read(fd, (char *)buf + got, n - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -EPIPE;
        got += (size_t)k;
    }
    return 0;
}

static int write_full(int fd, const void *buf, size_t n)
{
    while (n) {
        ssize_t k = write(fd, buf, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -errno;
        buf = (const char *)buf + k;
        n -= (size_t)k;
    }
    return 0;
}

static int read_msg(int fd, int64_t deadline, json_object **out)
{
    uint32_t be;
    int r = read_full(fd, &be, 4, deadline);
    if (r < 0)
        return r;
    uint32_t n = ntohl(be);
    if (n > MAX_MSG)
        return -EPROTO;
    _cleanup_free_ char *buf = xmalloc(n + 1);
    if ((r = read_full(fd, buf, n, deadline)) < 0)
        return r;
    buf[n] = '\0';
    *out = json_tokener_parse(buf);
    return *out ? 0 : -EPROTO;
}

static void stop_interpreter(fnrt *rt)
{
    if (rt->pid > 0) {
        kill(rt->pid, SIGKILL);
        waitpid(rt->pid, NULL, 0);
    }
    rt->pid = 0;
    mk_close_fd(&rt->req_fd);
    mk_close_fd(&rt->resp_fd);
}

/* Start the interpreter and wait for the loader's hello. */
static void start_interpreter(fnrt *rt)
{
    int req[2], resp[2];
    if (pipe2(req, O_CLOEXEC) < 0 || pipe2(resp, O_CLOEXEC) < 0) {
        set_not_ready(rt, strerror(errno));
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        daemon_reset_signals();
        /* Lift both ends above 4 first: a pipe may already sit on fd 3 or
         * 4, where dup2 would be a no-op that keeps FD_CLOEXEC. */
        int in = fcntl(req[0], F_DUPFD_CLOEXEC, 10), out = fcntl(resp[1], F_DUPFD_CLOEXEC, 10);
        if (in < 0 || out < 0 || dup2(in, 3) < 0 || dup2(out, 4) < 0)
            _exit(127);
        const char *py = rt->o.python ? rt->o.python : "python3";
        execlp(py, py, "-u", "-c", loader_py, rt->o.code_file, rt->o.handler, (char *)NULL);
        _exit(127);
    }
    close(req[0]);
    close(resp[1]);
    rt->req_fd = req[1];
    rt->resp_fd = resp[0];
    if (pid < 0) {
        set_not_ready(rt, strerror(errno));
        stop_interpreter(rt);
        return;
    }
    rt->pid = pid;
    json_object *hello = NULL;
    int64_t t0 = mk_now_ms();
    int r = read_msg(rt->resp_fd, t0 + IMPORT_TIMEOUT_MS, &hello);
    if (r < 0) {
        set_not_ready(rt, r == -ETIMEDOUT
                              ? "the handler module took too long to import"
                              : "the interpreter exited while importing the handler");
        stop_interpreter(rt);
    } else if (!ok_field(hello)) {
        set_not_ready(rt, mk_json_str(hello, "error") ?: "import failed");
        stop_interpreter(rt);
    } else {
        set_not_ready(rt, NULL);
        mk_log("python3 interpreter %d ready (%s from %s) in %lld ms", (int)pid, rt->o.handler,
               rt->o.code_file, (long long)(mk_now_ms() - t0));
    }
    json_object_put(hello);
}

int fnrt_new(const fnrt_opts *opts, fnrt **out, mk_err *err)
{
    if (strcmp(opts->runtime, "python3") && strcmp(opts->runtime, "sh"))
        return mk_error(err, EINVAL, "unknown runtime \"%s\" (python3 or sh)", opts->runtime);
    if (access(opts->code_file, R_OK) < 0)
        return mk_error(err, errno, "code %s: %s", opts->code_file, strerror(errno));
    fnrt *rt = xcalloc(1, sizeof(*rt));
    rt->o = *opts;
    if (!rt->o.handler)
        rt->o.handler = "main.handle";
    rt->req_fd = rt->resp_fd = -1;
    pthread_mutex_init(&rt->lock, NULL);
    if (!strcmp(opts->runtime, "python3"))
        start_interpreter(rt);
    *out = rt;
    return 0;
}

void fnrt_free(fnrt *rt)
{
    if (!rt)
        return;
    stop_interpreter(rt);
    pthread_mutex_destroy(&rt->lock);
    free(rt->not_ready);
    free(rt);
}

bool fnrt_ready(fnrt *rt, char **why)
{
    pthread_mutex_lock(&rt->lock);
    bool ok = !rt->not_ready;
    if (!ok && why)
        *why = xstrdup(rt->not_ready);
    pthread_mutex_unlock(&rt->lock);
    return ok;
}

static void fail(fnrt_result *res, const char *reason, const char *msg)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "error", json_object_new_string(msg));
    json_object_object_add(o, "reason", json_object_new_string(reason));
    res->status = 500;
    res->body = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                              JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
}

static void call_python(fnrt *rt, const char *event, size_t len, fnrt_result *res)
{
    if (!rt->pid)
        start_interpreter(rt);
    if (!rt->pid) {
        fail(res, "RuntimeError", rt->not_ready ?: "no interpreter");
        return;
    }
    uint32_t be = htonl((uint32_t)len);
    json_object *reply = NULL;
    int r = write_full(rt->req_fd, &be, 4);
    if (r == 0)
        r = write_full(rt->req_fd, event, len);
    if (r == 0)
        r = read_msg(rt->resp_fd, mk_now_ms() + rt->o.timeout_ms, &reply);
    if (r == -ETIMEDOUT) {
        _cleanup_free_ char *m = xasprintf("the handler ran longer than the %d ms timeout; "
                                           "the interpreter was restarted",
                                           rt->o.timeout_ms);
        mk_log("call timed out after %d ms: restarting the interpreter", rt->o.timeout_ms);
        fail(res, "Timeout", m);
        stop_interpreter(rt);
        start_interpreter(rt);
        return;
    }
    if (r < 0) {
        fail(res, "RuntimeError", "the interpreter exited during the call; restarted");
        stop_interpreter(rt);
        start_interpreter(rt);
        return;
    }
    if (ok_field(reply)) {
        json_object *v = NULL;
        json_object_object_get_ex(reply, "result", &v);
        res->status = 200;
        res->body = xstrdup(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
    } else
        fail(res, "HandlerError", mk_json_str(reply, "error") ?: "handler failed");
    json_object_put(reply);
}

/* Drain out and errs from a child until both close or the deadline. */
static int collect(int out_fd, int err_fd, mk_buf *out, mk_buf *errs, int64_t deadline)
{
    struct pollfd p[2] = {{.fd = out_fd, .events = POLLIN}, {.fd = err_fd, .events = POLLIN}};
    mk_buf *dst[2] = {out, errs};
    int open = 2;
    while (open) {
        int64_t left = deadline - mk_now_ms();
        if (left <= 0)
            return -ETIMEDOUT;
        int r = poll(p, 2, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0)
            return -ETIMEDOUT;
        for (int i = 0; i < 2; i++) {
            if (p[i].fd < 0 || !p[i].revents)
                continue;
            char buf[4096];
            ssize_t k = read(p[i].fd, buf, sizeof(buf));
            if (k > 0 && dst[i]->len < MAX_MSG)
                mk_buf_append(dst[i], buf, (size_t)k);
            else if (k == 0 || (k < 0 && errno != EINTR)) {
                p[i].fd = -1;
                open--;
            }
        }
    }
    return 0;
}

static void call_sh(fnrt *rt, const char *event, size_t len, fnrt_result *res)
{
    _cleanup_close_ int in = memfd_create("event", MFD_CLOEXEC);
    int o[2], e[2];
    if (in < 0 || write_full(in, event, len) < 0 || lseek(in, 0, SEEK_SET) < 0 ||
        pipe2(o, O_CLOEXEC) < 0 || pipe2(e, O_CLOEXEC) < 0) {
        fail(res, "RuntimeError", strerror(errno));
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        daemon_reset_signals();
        setpgid(0, 0);
        if (dup2(in, 0) < 0 || dup2(o[1], 1) < 0 || dup2(e[1], 2) < 0)
            _exit(127);
        execl("/bin/sh", "sh", rt->o.code_file, (char *)NULL);
        _exit(127);
    }
    close(o[1]);
    close(e[1]);
    mk_buf out = {0}, errs = {0};
    int r = pid < 0 ? -errno : collect(o[0], e[0], &out, &errs, mk_now_ms() + rt->o.timeout_ms);
    close(o[0]);
    close(e[0]);
    int st = 0;
    if (pid > 0) {
        if (r < 0)
            kill(-pid, SIGKILL), kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
    }
    mk_buf_puts(&out, "");
    mk_buf_puts(&errs, "");
    if (r == -ETIMEDOUT) {
        _cleanup_free_ char *m =
            xasprintf("the handler ran longer than the %d ms timeout", rt->o.timeout_ms);
        fail(res, "Timeout", m);
    } else if (r < 0) {
        fail(res, "RuntimeError", strerror(-r));
    } else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        while (errs.len && (errs.data[errs.len - 1] == '\n'))
            errs.data[--errs.len] = '\0';
        _cleanup_free_ char *m =
            xasprintf("exit %d: %s", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st),
                      errs.len ? errs.data : "(no output)");
        fail(res, "HandlerError", m);
    } else {
        res->status = 200;
        res->body = out.len ? mk_buf_steal(&out) : xstrdup("null");
    }
    mk_buf_free(&out);
    mk_buf_free(&errs);
}

void fnrt_call(fnrt *rt, const char *event, size_t len, fnrt_result *res)
{
    res->status = 500;
    res->body = NULL;
    pthread_mutex_lock(&rt->lock);
    if (!strcmp(rt->o.runtime, "python3"))
        call_python(rt, event, len, res);
    else
        call_sh(rt, event, len, res);
    pthread_mutex_unlock(&rt->lock);
}
