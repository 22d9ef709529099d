#include "store/execproto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void execproto_encode(mk_buf *b, int channel, const void *data, size_t len)
{
    unsigned char h[EXECPROTO_HEADER] = {
        (unsigned char)channel,    (unsigned char)(len >> 24), (unsigned char)(len >> 16),
        (unsigned char)(len >> 8), (unsigned char)len,
    };
    mk_buf_append(b, h, sizeof h);
    if (len)
        mk_buf_append(b, data, len);
}

ssize_t execproto_decode(const void *data, size_t len, int *channel, const char **payload,
                         size_t *plen)
{
    const unsigned char *p = data;
    if (len < EXECPROTO_HEADER)
        return 0;
    size_t n = (size_t)p[1] << 24 | (size_t)p[2] << 16 | (size_t)p[3] << 8 | p[4];
    if (p[0] > EXECPROTO_RESIZE || n > EXECPROTO_MAX_PAYLOAD)
        return -EBADMSG;
    if (len - EXECPROTO_HEADER < n)
        return 0;
    *channel = p[0];
    *payload = (const char *)p + EXECPROTO_HEADER;
    *plen = n;
    return (ssize_t)(EXECPROTO_HEADER + n);
}

int execproto_exit_code(const char *payload, size_t len)
{
    char text[16];
    if (!len || len >= sizeof text)
        return -1;
    memcpy(text, payload, len);
    text[len] = '\0';
    char *end;
    long code = strtol(text, &end, 10);
    return *end || code < 0 || code > 255 ? -1 : (int)code;
}

int execproto_drain(mk_buf *b, execproto_frame_fn fn, void *ctx)
{
    size_t off = 0;
    int r = 0;
    while (r == 0) {
        int ch;
        const char *payload;
        size_t plen;
        ssize_t used = execproto_decode(b->data + off, b->len - off, &ch, &payload, &plen);
        if (used <= 0) {
            r = (int)used;
            break;
        }
        off += (size_t)used;
        r = fn(ctx, ch, payload, plen);
    }
    if (off) {
        memmove(b->data, b->data + off, b->len - off);
        b->len -= off;
    }
    return r;
}

int execproto_write(int fd, int channel, const void *data, size_t len, mk_err *err)
{
    if (len > EXECPROTO_MAX_PAYLOAD)
        return mk_error(err, E2BIG, "exec frame of %zu bytes is too large", len);
    mk_buf b = {0};
    execproto_encode(&b, channel, data, len);
    size_t off = 0;
    while (off < b.len) {
        ssize_t w = send(fd, b.data + off, b.len - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            int e = errno;
            mk_buf_free(&b);
            return mk_error(err, e == EPIPE ? ENOTCONN : e, "exec: send: %s", strerror(e));
        }
        off += (size_t)w;
    }
    mk_buf_free(&b);
    return 0;
}

int execproto_size(const char *payload, size_t len, unsigned *cols, unsigned *rows)
{
    char buf[32];
    if (len >= sizeof buf)
        return -EINVAL;
    memcpy(buf, payload, len);
    buf[len] = '\0';
    if (sscanf(buf, "%u %u", cols, rows) != 2 || !*cols || !*rows || *cols > 65535 ||
        *rows > 65535)
        return -EINVAL;
    return 0;
}
