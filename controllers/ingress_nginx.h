/* ingress_nginx.h - the nginx the ingress controller starts and owns.
 *
 * Its own prefix directory holds everything of it: nginx.conf, nginx.pid,
 * error.log and tmp/. Never the system nginx, its config or its pid file.
 * A configuration is written beside the live one, checked with
 * `nginx -t`, and only then renamed over it and loaded by a SIGHUP to the
 * master: a graceful reload (old workers finish their requests).
 */
#ifndef MK_CONTROLLERS_INGRESS_NGINX_H
#define MK_CONTROLLERS_INGRESS_NGINX_H

#include <stdbool.h>
#include <sys/types.h>

#include "store/error.h"

typedef struct ingress_nginx ingress_nginx;

/* Check conf, install it in prefix (created if missing) and start
 * binary (NULL: /usr/sbin/nginx) on it; wait until the master has bound
 * its listen address (it writes its pid file after that). Errors: EINVAL
 * with nginx -t's message; EADDRINUSE and others with the line nginx
 * logged. */
int ingress_nginx_start(const char *binary, const char *prefix, const char *conf,
                        ingress_nginx **out, mk_err *err);
/* Check conf with nginx -t; on success swap it in and reload. A refused
 * conf (EINVAL, err holds nginx's first error line) leaves the running
 * configuration as it was. */
int ingress_nginx_apply(ingress_nginx *n, const char *conf, mk_err *err);
/* Only the check: would nginx take conf? 0 or EINVAL as above. */
int ingress_nginx_check(ingress_nginx *n, const char *conf, mk_err *err);
/* If the master died, start it again on the installed configuration.
 * 0 when it runs (1 when it had to be restarted). */
int ingress_nginx_ensure(ingress_nginx *n, mk_err *err);
pid_t ingress_nginx_pid(const ingress_nginx *n);
/* Graceful stop (SIGQUIT), SIGKILL after a few seconds; frees n. */
void ingress_nginx_stop(ingress_nginx *n);

#endif
