#include "store/util.h"
#include "store/error.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void *oom(size_t n)
{
    fprintf(stderr, "out of memory allocating %zu bytes\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    return p ? p : oom(n);
}

void *xcalloc(size_t nmemb, size_t size)
{
    void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
    return p ? p : oom(nmemb * size);
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    return q ? q : oom(n);
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s;
    va_start(ap, fmt);
    int r = vasprintf(&s, fmt, ap);
    va_end(ap);
    return r < 0 ? oom(strlen(fmt)) : s;
}

void mk_close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static void buf_grow(mk_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
}

void mk_buf_append(mk_buf *b, const void *data, size_t n)
{
    buf_grow(b, n);
    if (n) /* data may be NULL then */
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void mk_buf_puts(mk_buf *b, const char *s)
{
    mk_buf_append(b, s, strlen(s));
}

void mk_buf_printf(mk_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    buf_grow(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void mk_buf_reset(mk_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void mk_buf_free(mk_buf *b)
{
    free(b->data);
    *b = (mk_buf){0};
}

int mk_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -errno;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

char *mk_buf_steal(mk_buf *b)
{
    char *s = b->data ? b->data : xstrdup("");
    *b = (mk_buf){0};
    return s;
}

int64_t mk_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t mk_now_ms(void)
{
    return mk_now_ns() / 1000000;
}

int64_t mk_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void mk_rfc3339(char *buf, size_t n, int64_t unix_seconds)
{
    time_t t = (time_t)unix_seconds;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void mk_micro_time_now(char *buf, size_t n)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char sec[24];
    strftime(sec, sizeof sec, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, n, "%s.%06ldZ", sec, ts.tv_nsec / 1000);
}

int64_t mk_parse_rfc3339(const char *s)
{
    struct tm tm = {0};
    const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!end)
        return -1;
    if (*end == '.') /* fractional seconds: ignored */
        while (*++end >= '0' && *end <= '9')
            ;
    if (*end != 'Z' || end[1])
        return -1;
    return (int64_t)timegm(&tm);
}

void mk_random_bytes(void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom((unsigned char *)buf + got, n - got, 0);
        if (r > 0)
            got += (size_t)r;
    }
}

void mk_name_suffix(char out[MK_NAME_SUFFIX + 1])
{
    static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    /* Random bytes, not UUID text: hex digits would reach only 16 of the
     * 27 letters and clash within a thousand names. */
    unsigned char rnd[MK_NAME_SUFFIX];
    mk_random_bytes(rnd, sizeof rnd);
    for (int i = 0; i < MK_NAME_SUFFIX; i++)
        out[i] = alphabet[rnd[i] % (sizeof alphabet - 1)];
    out[MK_NAME_SUFFIX] = '\0';
}

char *mk_base64_encode(const void *data, size_t n)
{
    static const char tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = data;
    char *out = xmalloc(4 * ((n + 2) / 3) + 1), *o = out;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        *o++ = tab[v >> 18 & 63];
        *o++ = tab[v >> 12 & 63];
        *o++ = i + 1 < n ? tab[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? tab[v & 63] : '=';
    }
    *o = '\0';
    return out;
}

/* Bumped in a forked child, whose pools must not repeat the parent's. */
static atomic_uint uuid_generation;

static void uuid_after_fork(void)
{
    atomic_fetch_add(&uuid_generation, 1);
}

static void uuid_register(void)
{
    pthread_atfork(NULL, NULL, uuid_after_fork);
}

/* 16 random bytes from a per-thread pool: one getrandom() per 32 uids
 * instead of one per create. */
static void uuid_bytes(unsigned char b[16])
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    static _Thread_local unsigned char pool[512];
    static _Thread_local size_t left;
    static _Thread_local unsigned gen;
    pthread_once(&once, uuid_register);
    unsigned now = atomic_load(&uuid_generation);
    if (left < 16 || gen != now) {
        mk_random_bytes(pool, sizeof pool);
        left = sizeof pool;
        gen = now;
    }
    left -= 16;
    memcpy(b, pool + left, 16);
}

void mk_uuid(char out[37])
{
    unsigned char b[16];
    uuid_bytes(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    /* Every create makes one: by hand, not through a 16-field printf. */
    static const char hex[] = "0123456789abcdef";
    char *o = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        *o++ = hex[b[i] >> 4];
        *o++ = hex[b[i] & 15];
    }
    *o = '\0';
}

static bool is_alnum_lower(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool label_ok(const char *s, size_t n)
{
    if (n == 0 || n > 63 || !is_alnum_lower(s[0]) || !is_alnum_lower(s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_alnum_lower(s[i]) && s[i] != '-')
            return false;
    return true;
}

bool mk_is_dns1123_label(const char *s)
{
    return s && label_ok(s, strlen(s));
}

bool mk_is_dns1123_subdomain(const char *s)
{
    if (!s)
        return false;
    size_t n = strlen(s);
    if (n == 0 || n > 253)
        return false;
    for (const char *p = s;;) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        if (!label_ok(p, len))
            return false;
        if (!dot)
            return true;
        p = dot + 1;
    }
}

bool mk_is_path_segment_name(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 253 || !strcmp(s, ".") || !strcmp(s, ".."))
        return false;
    for (; *s; s++)
        if (*s <= ' ' || *s > '~' || *s == '/' || *s == '%')
            return false;
    return true;
}

int mk_parse_ipv4_cidr(const char *text, uint32_t *addr, int *bits)
{
    char a[INET_ADDRSTRLEN];
    const char *slash = text ? strchr(text, '/') : NULL;
    if (!slash || (size_t)(slash - text) >= sizeof a)
        return -1;
    memcpy(a, text, (size_t)(slash - text));
    a[slash - text] = '\0';
    /* digits only: strtol would take " 8" and "+8" too */
    size_t ndigits = strspn(slash + 1, "0123456789");
    if (ndigits == 0 || ndigits > 2 || slash[1 + ndigits])
        return -1;
    int b = atoi(slash + 1);
    struct in_addr in;
    if (b > 32 || inet_pton(AF_INET, a, &in) != 1)
        return -1;
    *addr = ntohl(in.s_addr);
    *bits = b;
    return 0;
}

int mk_read_file(const char *path, size_t max, char **out, size_t *len, mk_err *err)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return mk_error(err, errno, "open %s: %s", path, strerror(errno));
    mk_buf b = {0};
    char chunk[65536];
    for (;;) {
        ssize_t r = read(fd, chunk, sizeof chunk);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            mk_buf_free(&b);
            return mk_error(err, e, "read %s: %s", path, strerror(e));
        }
        if (r == 0)
            break;
        if (b.len + (size_t)r > max) {
            mk_buf_free(&b);
            return mk_error(err, E2BIG, "%s: larger than %zu bytes", path, max);
        }
        mk_buf_append(&b, chunk, (size_t)r);
    }
    if (len)
        *len = b.len;
    *out = mk_buf_steal(&b);
    return 0;
}
