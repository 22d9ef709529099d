/* invoke.h - functions/<name>/invoke and workflows/<name>/run: a call
 * through mk-router.
 *
 * The router is MINIK8S_ROUTER in mk-fs's environment (default
 * http://127.0.0.1:8090), the same variable rkubectl reads.
 */
#ifndef MK_FS_INVOKE_H
#define MK_FS_INVOKE_H

#include <stddef.h>

#include "store/error.h"
#include "store/util.h"

/* POST body to mk-router's route (a URL path: "/namespaces/<ns>/functions/<name>"
 * or "/namespaces/<ns>/workflows/<name>"); *out receives the reply's body
 * whatever its HTTP status (an error reply is JSON the reader sees).
 * Fails only when mk-router cannot be reached (EHOSTUNREACH). */
int fs_invoke(const char *route, const char *body, size_t len, mk_buf *out, mk_err *err);

#endif
