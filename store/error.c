#include "store/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int mk_error(mk_err *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return -code;
}

int mk_error_wrap(mk_err *err, const char *fmt, ...)
{
    if (!err)
        return -EIO;
    char prefix[256], old[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    /* Truncation is fine: the front of the message carries the context. */
    size_t n = strlen(prefix);
    if (n > sizeof err->msg - 3)
        n = sizeof err->msg - 3;
    memcpy(err->msg, prefix, n);
    memcpy(err->msg + n, ": ", 2);
    size_t rest = sizeof err->msg - n - 3;
    size_t m = strnlen(old, rest);
    memcpy(err->msg + n + 2, old, m);
    err->msg[n + 2 + m] = '\0';
    if (!err->code)
        err->code = EIO;
    return -err->code;
}

static const struct {
    int code;
    int status;
    const char *reason;
} http_map[] = {
    {EBADMSG, 400, "BadRequest"},
    {EINVAL, 422, "Invalid"},
    {EPERM, 401, "Unauthorized"},
    {EACCES, 403, "Forbidden"},
    {ENOENT, 404, "NotFound"},
    {EOPNOTSUPP, 405, "MethodNotAllowed"},
    {EEXIST, 409, "AlreadyExists"},
    {ESTALE, 409, "Conflict"},
    {MK_EGONE, 410, "Expired"},
    {E2BIG, 413, "RequestEntityTooLarge"},
    {EAGAIN, 429, "TooManyRequests"},
    {ETIMEDOUT, 504, "Timeout"},
    {ECONNREFUSED, 503, "ServiceUnavailable"},
    {ENOTCONN, 503, "ServiceUnavailable"},
    {EHOSTUNREACH, 503, "ServiceUnavailable"},
};

int mk_error_http_status(int code)
{
    for (size_t i = 0; i < sizeof http_map / sizeof http_map[0]; i++)
        if (http_map[i].code == code)
            return http_map[i].status;
    return 500;
}

const char *mk_error_reason(int code)
{
    for (size_t i = 0; i < sizeof http_map / sizeof http_map[0]; i++)
        if (http_map[i].code == code)
            return http_map[i].reason;
    return "InternalError";
}

int mk_error_from_http(int status, const char *reason)
{
    if (status == 409 && reason && strcmp(reason, "AlreadyExists") == 0)
        return EEXIST;
    if (status == 409)
        return ESTALE;
    if (status == 500)
        return EIO;
    for (size_t i = 0; i < sizeof http_map / sizeof http_map[0]; i++)
        if (http_map[i].status == status)
            return http_map[i].code;
    return status >= 500 ? EIO : EINVAL;
}
