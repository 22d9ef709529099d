/* errors.h - the ring of recent errors behind /cluster/.errors.
 *
 * Every refused operation adds one line "TIME PATH ERRNO MESSAGE" (time in
 * RFC 3339 UTC, errno by name: "EINVAL"); the ring keeps the newest
 * FS_ERRORS_MAX lines, oldest first. Thread-safe.
 */
#ifndef MK_FS_ERRORS_H
#define MK_FS_ERRORS_H

#include <stddef.h>

#define FS_ERRORS_MAX 256

/* Record an error; path is relative to the mount ("pods/web/manifest.yaml"),
 * code a positive errno. Also logged on stderr. */
void fs_errors_add(const char *path, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The ring as text, one line per error, oldest first. Caller frees. */
char *fs_errors_render(size_t *len);
/* Drop every line (tests). */
void fs_errors_clear(void);
/* "EINVAL" for EINVAL; "E<number>" for codes without a name here. */
const char *fs_errno_name(int code);

#endif
