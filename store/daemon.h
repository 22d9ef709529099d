/* daemon.h - the start and stop every mk-* daemon does the same way.
 *
 * Two ways to stop on SIGTERM/SIGINT: a flag the run loop polls
 * (daemon_stop_on_signals), or the signals blocked in every thread and
 * taken by sigwait in main (daemon_block_signals + daemon_wait_stop).
 * Both ignore SIGPIPE: a closed socket is an EPIPE, not a death.
 *
 * The client helpers print the one clear line a daemon that cannot start
 * owes its user ("PROG: cannot reach URL: ..." / "PROG: refused by URL:
 * Unauthorized") on stderr and return -1; the caller exits 1.
 */
#ifndef MK_DAEMON_H
#define MK_DAEMON_H

#include <signal.h>
#include <stdbool.h>

#include "store/client.h"

/* SIGTERM and SIGINT set *stop (which must outlive the process's run);
 * SIGPIPE is ignored. One flag per process: a second call replaces it. */
void daemon_stop_on_signals(volatile bool *stop);

/* Block SIGTERM and SIGINT in this thread (threads started later inherit
 * it) and ignore SIGPIPE. *set is for daemon_wait_stop. Call before
 * starting any thread. */
void daemon_block_signals(sigset_t *set);
/* Wait for a signal of set, log "stopping (SIGTERM|SIGINT)", return it. */
int daemon_wait_stop(const sigset_t *set);
/* In a forked child before exec: an empty signal mask and every signal's
 * default disposition, so the program run does not inherit the daemon's
 * blocked SIGTERM or ignored SIGPIPE/SIGCHLD. */
void daemon_reset_signals(void);

/* client_new with user agent prog (unless o names one). On failure prints
 * "PROG: why" and returns -1 (*out NULL). */
int daemon_client_new(const char *prog, const mk_client_opts *o, mk_client **out);
/* One list of kind up front, so a wrong URL or token fails now, clearly:
 * on failure prints "PROG: cannot reach SERVER: why" (connection) or
 * "PROG: refused by SERVER: why" (the server said no) and returns -1. */
int daemon_client_probe(const char *prog, mk_client *c, const char *server, const char *kind);
/* daemon_client_new then daemon_client_probe; the client freed if the
 * probe fails. */
int daemon_client_connect(const char *prog, const mk_client_opts *o, const char *kind,
                          mk_client **out);

#endif
