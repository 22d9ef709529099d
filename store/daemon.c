#include "store/daemon.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>

#include "store/kinds.h"
#include "store/log.h"

static volatile bool *stop_flag;

static void on_stop_signal(int sig)
{
    (void)sig;
    if (stop_flag)
        *stop_flag = true;
}

void daemon_stop_on_signals(volatile bool *stop)
{
    stop_flag = stop;
    struct sigaction sa = {.sa_handler = on_stop_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

void daemon_block_signals(sigset_t *set)
{
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    pthread_sigmask(SIG_BLOCK, set, NULL);
}

int daemon_wait_stop(const sigset_t *set)
{
    int sig = 0;
    sigwait(set, &sig);
    mk_log("stopping (%s)", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    return sig;
}

void daemon_reset_signals(void)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int s = 1; s < NSIG; s++)
        if (s != SIGKILL && s != SIGSTOP)
            signal(s, SIG_DFL);
}

int daemon_client_new(const char *prog, const mk_client_opts *o, mk_client **out)
{
    mk_err err = {0};
    mk_client_opts co = *o;
    co.user_agent = co.user_agent ? co.user_agent : prog;
    *out = NULL;
    if (client_new(&co, out, &err) < 0) {
        fprintf(stderr, "%s: %s\n", prog, err.msg);
        return -1;
    }
    return 0;
}

int daemon_client_probe(const char *prog, mk_client *c, const char *server, const char *kind)
{
    mk_err err = {0};
    json_object *items = NULL;
    int64_t rev;
    if (client_list(c, kind_by_kind(kind), NULL, NULL, NULL, &items, &rev, &err) < 0) {
        bool transport = err.code == ECONNREFUSED || err.code == ETIMEDOUT || err.code == EIO;
        fprintf(stderr, "%s: %s %s: %s\n", prog, transport ? "cannot reach" : "refused by",
                server, err.msg);
        return -1;
    }
    json_object_put(items);
    return 0;
}

int daemon_client_connect(const char *prog, const mk_client_opts *o, const char *kind,
                          mk_client **out)
{
    if (daemon_client_new(prog, o, out) < 0)
        return -1;
    if (daemon_client_probe(prog, *out, o->server, kind) < 0) {
        client_free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}
