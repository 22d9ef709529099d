#include "kubelet/logfile.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

size_t logfile_decode(const char *data, size_t len, mk_buf *out)
{
    size_t pos = 0;
    while (pos < len) {
        const char *line = data + pos;
        const char *nl = memchr(line, '\n', len - pos);
        if (!nl)
            break;
        size_t ll = (size_t)(nl - line);
        pos += ll + 1;
        const char *end = nl;
        /* time SP stream SP tag [SP text]: an empty line has no text. */
        const char *sp1 = memchr(line, ' ', ll);
        const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1)) : NULL;
        if (!sp2) {
            /* Not a k8s-file record: pass it through unchanged. */
            mk_buf_append(out, line, ll);
            mk_buf_append(out, "\n", 1);
            continue;
        }
        const char *tag = sp2 + 1;
        const char *sp3 = memchr(tag, ' ', (size_t)(end - tag));
        const char *p = sp3 ? sp3 + 1 : end;
        mk_buf_append(out, p, (size_t)(end - p));
        if (*tag != 'P')
            mk_buf_append(out, "\n", 1);
    }
    return pos;
}

int logfile_read(const char *path, long tail_lines, mk_buf *out, off_t *end_off)
{
    if (end_off)
        *end_off = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    mk_buf raw = {0};
    char chunk[65536];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) > 0)
        mk_buf_append(&raw, chunk, (size_t)n);
    close(fd);
    mk_buf text = {0};
    size_t used = logfile_decode(raw.data ? raw.data : "", raw.len, &text);
    if (end_off)
        *end_off = (off_t)used;
    mk_buf_free(&raw);
    const char *start = text.data ? text.data : "";
    if (tail_lines >= 0 && text.len) {
        /* Walk back tail_lines newlines from the end (the last one ends the text). */
        size_t i = text.len;
        long seen = 0;
        if (i && text.data[i - 1] == '\n')
            i--;
        while (i > 0) {
            if (text.data[i - 1] == '\n' && ++seen == tail_lines)
                break;
            i--;
        }
        if (tail_lines == 0)
            i = text.len;
        start = text.data + i;
    }
    mk_buf_append(out, start, strlen(start));
    mk_buf_free(&text);
    return 0;
}
