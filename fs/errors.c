#include "fs/errors.h"
#include "store/log.h"
#include "store/util.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t errors_lock = PTHREAD_MUTEX_INITIALIZER;
static char *errors_ring[FS_ERRORS_MAX];
static size_t errors_head; /* index of the oldest line */
static size_t errors_count;

const char *fs_errno_name(int code)
{
    static const struct {
        int code;
        const char *name;
    } names[] = {
        {EINVAL, "EINVAL"},       {EEXIST, "EEXIST"},     {EACCES, "EACCES"},
        {EPERM, "EPERM"},         {EBUSY, "EBUSY"},       {EIO, "EIO"},
        {ENOENT, "ENOENT"},       {ENOTCONN, "ENOTCONN"}, {EFBIG, "EFBIG"},
        {E2BIG, "E2BIG"},         {EROFS, "EROFS"},       {ENOTSUP, "ENOTSUP"},
        {ETIMEDOUT, "ETIMEDOUT"}, {EISDIR, "EISDIR"},     {ENOTDIR, "ENOTDIR"},
        {ENOTEMPTY, "ENOTEMPTY"}, {EXDEV, "EXDEV"},       {EAGAIN, "EAGAIN"},
    };
    static __thread char other[16];
    for (size_t i = 0; i < ARRAY_SIZE(names); i++)
        if (names[i].code == code)
            return names[i].name;
    snprintf(other, sizeof other, "E%d", code);
    return other;
}

void fs_errors_add(const char *path, int code, const char *fmt, ...)
{
    char msg[1024], ts[32];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* One line per error: a message with newlines would split the ring. */
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    mk_rfc3339(ts, sizeof ts, time(NULL));
    char *line = xasprintf("%s /%s %s %s\n", ts, path, fs_errno_name(code), msg);
    mk_log("error: /%s: %s: %s", path, fs_errno_name(code), msg);

    pthread_mutex_lock(&errors_lock);
    if (errors_count == FS_ERRORS_MAX) {
        free(errors_ring[errors_head]);
        errors_ring[errors_head] = line;
        errors_head = (errors_head + 1) % FS_ERRORS_MAX;
    } else {
        errors_ring[(errors_head + errors_count++) % FS_ERRORS_MAX] = line;
    }
    pthread_mutex_unlock(&errors_lock);
}

char *fs_errors_render(size_t *len)
{
    mk_buf b = {0};
    pthread_mutex_lock(&errors_lock);
    for (size_t i = 0; i < errors_count; i++)
        mk_buf_puts(&b, errors_ring[(errors_head + i) % FS_ERRORS_MAX]);
    pthread_mutex_unlock(&errors_lock);
    if (len)
        *len = b.len;
    return mk_buf_steal(&b);
}

void fs_errors_clear(void)
{
    pthread_mutex_lock(&errors_lock);
    for (size_t i = 0; i < errors_count; i++)
        free(errors_ring[(errors_head + i) % FS_ERRORS_MAX]);
    errors_head = errors_count = 0;
    pthread_mutex_unlock(&errors_lock);
}
