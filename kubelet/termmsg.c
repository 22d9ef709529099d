/* termmsg.c - termination messages (see termmsg.h). */
#include "kubelet/termmsg.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "kubelet/fsutil.h"
#include "kubelet/logfile.h"
#include "store/codec.h"
#include "store/util.h"

/* Kubernetes' limits: the file is read up to 4 KiB; the log fallback is
 * its last 80 lines, cut to the last 2 KiB. */
#define MSG_MAX      4096
#define LOG_MAX      2048
#define LOG_MAX_LINE 80

static char *message_path(const pods_env *e, const char *uid, const char *ctr)
{
    return xasprintf("%s/pods/%s/termination/%s", e->root_dir, uid, ctr);
}

int termmsg_prepare(const pods_env *e, const char *uid, json_object *ctr, oci_mount **mounts,
                    int *n, mk_err *err)
{
    const char *name = mk_json_str(ctr, "name");
    const char *dest = mk_json_str(ctr, "terminationMessagePath") ?: "/dev/termination-log";
    _cleanup_free_ char *path = message_path(e, uid, name);
    _cleanup_free_ char *dir = xstrdup(path);
    *strrchr(dir, '/') = '\0';
    if (fsu_mkdir_p(dir, 0755, err) < 0)
        return -err->code;
    /* Empty: each attempt has its own last words. World-writable, as the
     * container may run as any user. */
    if (fsu_write_file(path, "", 0, 0666, err) < 0)
        return -err->code;
    for (int i = 0; i < *n; i++)
        if (strcmp((*mounts)[i].destination, dest) == 0)
            return 0; /* a volume's file wins, as in Kubernetes */
    *mounts = xrealloc(*mounts, (size_t)(*n + 1) * sizeof **mounts);
    (*mounts)[(*n)++] =
        (oci_mount){.source = steal_pointer(&path), .destination = xstrdup(dest)};
    return 0;
}

/* The end of the attempt's log: its last LOG_MAX_LINE lines, then the last
 * LOG_MAX bytes of those. */
static char *log_tail(const pods_env *e, const char *uid, const char *ctr, int attempt)
{
    _cleanup_free_ char *logp = pods_log_path(e, uid, ctr, attempt);
    mk_buf text = {0};
    logfile_read(logp, LOG_MAX_LINE, &text, NULL);
    if (!text.len) {
        mk_buf_free(&text);
        return NULL;
    }
    size_t skip = text.len > LOG_MAX ? text.len - LOG_MAX : 0;
    char *msg = xstrndup(text.data + skip, text.len - skip);
    mk_buf_free(&text);
    return msg;
}

char *termmsg_read(const pods_env *e, const char *uid, json_object *ctr, int attempt,
                   int exit_code)
{
    const char *name = mk_json_str(ctr, "name");
    _cleanup_free_ char *path = message_path(e, uid, name);
    char *msg = NULL;
    size_t len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        msg = xmalloc(MSG_MAX + 1);
        ssize_t r = read(fd, msg, MSG_MAX);
        len = r > 0 ? (size_t)r : 0;
        msg[len] = '\0';
        close(fd);
    }
    if (len)
        return msg;
    free(msg);
    const char *policy = mk_json_str(ctr, "terminationMessagePolicy") ?: "File";
    if (exit_code != 0 && strcmp(policy, "FallbackToLogsOnError") == 0)
        return log_tail(e, uid, name, attempt);
    return NULL;
}
