/* error.h - the one error convention of the minik8s libraries.
 *
 * A function that can fail takes `mk_err *err` last, returns a negative value
 * and fills *err with an errno-like code and a message that names the thing:
 *
 *     if (!name)
 *         return mk_error(err, EINVAL, "metadata.name: required");
 *
 * Callers add context on the way up with mk_error_wrap(). The code is
 * converted once at each boundary: an HTTP status in the API server
 * (mk_error_http_status), -errno in the filesystem, a log line in a daemon.
 *
 * Codes and what they mean at the API:
 *   EBADMSG   400 BadRequest      malformed YAML/JSON, bad query
 *   EINVAL    422 Invalid         a field fails validation
 *   EPERM     401 Unauthorized    no or unknown bearer token
 *   EACCES    403 Forbidden       the token's role may not do this
 *   ENOENT    404 NotFound
 *   EOPNOTSUPP 405 MethodNotAllowed
 *   EEXIST    409 AlreadyExists
 *   ESTALE    409 Conflict        resourceVersion precondition failed
 *   MK_EGONE  410 Gone            revision compacted: relist
 *   E2BIG     413 RequestEntityTooLarge
 *   EAGAIN    429 TooManyRequests
 *   ETIMEDOUT 504 Timeout
 *   ECONNREFUSED/ENOTCONN/EHOSTUNREACH  503 ServiceUnavailable (a peer is down)
 *   anything else: 500 InternalError
 */
#ifndef MK_ERROR_H
#define MK_ERROR_H

#include <errno.h>

#define MK_EGONE ENODATA /* the asked revision was compacted away */

typedef struct mk_err {
    int code;      /* errno-like; 0 when no error */
    char msg[512]; /* "pod web: spec.containers[0].image: required" */
} mk_err;

/* Set *err (if err is non-NULL) and return -code. */
int mk_error(mk_err *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prefix err->msg with "context: " and return -err->code. */
int mk_error_wrap(mk_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The HTTP status and Kubernetes reason for an error code (see above). */
int mk_error_http_status(int code);
const char *mk_error_reason(int code);

/* The error code for an HTTP status and reason (the client's direction). */
int mk_error_from_http(int status, const char *reason);

#endif
