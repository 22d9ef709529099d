/* fnrt.h - the warm interpreter behind mk-fnrt, the in-pod runtime shim.
 *
 * python3: one long-lived interpreter runs a small loader that imports the
 * handler module once and then answers requests over two pipes, each
 * message a 4-byte big-endian length and JSON. sh: the handler script runs
 * once per call with the event on stdin and the response on stdout.
 * Calls are serialised: one interpreter, one call at a time.
 */
#ifndef MK_FUNCTIONS_FNRT_H
#define MK_FUNCTIONS_FNRT_H

#include <stdbool.h>
#include <stddef.h>

#include "store/error.h"

typedef struct fnrt fnrt;

typedef struct fnrt_opts {
    const char *runtime;   /* "python3" or "sh" */
    const char *code_file; /* the handler's source file */
    const char *handler;   /* python3: "module.function" */
    const char *python;    /* the interpreter; NULL: "python3" from PATH */
    int timeout_ms;        /* per call */
} fnrt_opts;

/* What a call produced: status 200 with the handler's JSON result, or 500
 * with {"error": message, "reason": "HandlerError"|"Timeout"|"RuntimeError"}. */
typedef struct fnrt_result {
    int status;
    char *body; /* caller frees */
} fnrt_result;

/* Start the runtime (python3: the interpreter, warmed: the module imported).
 * An import error does not fail here: calls then answer 500 with it, and
 * fnrt_ready is false. opts' strings must outlive the runtime. */
int fnrt_new(const fnrt_opts *opts, fnrt **out, mk_err *err);
void fnrt_free(fnrt *rt);
/* True when a call can run (interpreter up, handler imported). */
bool fnrt_ready(fnrt *rt, char **why);
/* Run one call; blocks until it ends or the per-call timeout expires (the
 * interpreter is then killed and started again). */
void fnrt_call(fnrt *rt, const char *event, size_t len, fnrt_result *res);

#endif
