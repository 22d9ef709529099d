/* log.h - one line per event on stderr, the way every daemon logs.
 *
 *   2026-11-27T01:15:10Z mk-apiserver: listening on 127.0.0.1:6443
 */
#ifndef MK_LOG_H
#define MK_LOG_H

void mk_log_init(const char *program);
void mk_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Debug lines appear only when MK_DEBUG is set in the environment. */
void mk_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
