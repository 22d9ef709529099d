/* util.h - allocation, ownership and small helpers shared by every part.
 *
 * x* allocators abort on out-of-memory instead of threading NULL checks
 * through every caller. Locals own their memory through the cleanup
 * attributes below, so an early return cannot leak; steal_pointer() hands
 * ownership on.
 */
#ifndef MK_UTIL_H
#define MK_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

struct mk_err;

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static inline void freep(void *p)
{
    free(*(void **)p);
}
static inline void closep(int *fd);
void mk_close_fd(int *fd);
static inline void closep(int *fd)
{
    mk_close_fd(fd);
}

#define _cleanup_free_  __attribute__((cleanup(freep)))
#define _cleanup_close_ __attribute__((cleanup(closep)))

/* Return *pp and set it to NULL: ownership moves to the caller. */
static inline void *steal_ptr(void *pp)
{
    void **p = pp;
    void *v = *p;
    *p = NULL;
    return v;
}
#define steal_pointer(pp) ((__typeof__(*(pp)))steal_ptr(pp))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A growable byte buffer, always NUL-terminated. */
typedef struct mk_buf {
    char *data;
    size_t len, cap;
} mk_buf;

void mk_buf_append(mk_buf *b, const void *data, size_t n); /* data may be NULL if n is 0 */
void mk_buf_puts(mk_buf *b, const char *s);
void mk_buf_printf(mk_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mk_buf_reset(mk_buf *b);
void mk_buf_free(mk_buf *b);
/* Hand the contents to the caller (never NULL) and leave b empty. */
char *mk_buf_steal(mk_buf *b);

/* Write all of data to fd, through short writes and EINTR: 0, or -errno. */
int mk_write_all(int fd, const void *data, size_t len);

/* Monotonic and wall clocks. */
int64_t mk_now_ns(void);  /* CLOCK_MONOTONIC, nanoseconds */
int64_t mk_now_ms(void);  /* CLOCK_MONOTONIC, milliseconds */
int64_t mk_wall_ms(void); /* CLOCK_REALTIME, milliseconds */
/* RFC 3339 UTC timestamp, "2026-11-27T01:15:10Z", into buf (>= 21 bytes). */
void mk_rfc3339(char *buf, size_t n, int64_t unix_seconds);
/* A metav1.MicroTime of now, "2026-11-27T01:15:10.123456Z" (>= 28 bytes). */
void mk_micro_time_now(char *buf, size_t n);
/* Parse an RFC 3339 UTC timestamp; -1 on error. */
int64_t mk_parse_rfc3339(const char *s);

/* Fill buf with n bytes from the kernel's random source. */
void mk_random_bytes(void *buf, size_t n);
/* The 5 random letters Kubernetes appends to a generated name (from its
 * alphabet without vowels, so no words form): MK_NAME_SUFFIX characters
 * plus NUL into out. 27^5 names: a clash is rare, and callers retry. */
#define MK_NAME_SUFFIX 5
void mk_name_suffix(char out[MK_NAME_SUFFIX + 1]);
/* Standard base64 (with padding) of n bytes; caller frees. */
char *mk_base64_encode(const void *data, size_t n);

/* A random RFC 4122 version 4 UUID, 36 characters plus NUL. */
void mk_uuid(char out[37]);

/* True if s is a DNS-1123 label: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63. */
bool mk_is_dns1123_label(const char *s);
/* True if s is a DNS-1123 subdomain: labels joined by '.', at most 253. */
bool mk_is_dns1123_subdomain(const char *s);
/* True if s is a path segment name, as Kubernetes names RBAC objects
 * ("system:controller:x"): 1 to 253 printable ASCII characters without
 * space, '/' or '%', and not "." or "..". */
bool mk_is_path_segment_name(const char *s);
/* Parse an IPv4 CIDR, "10.244.0.0/16": a dotted quad (inet_pton's, so no
 * leading zeros) and a prefix length of one or two digits, at most 32;
 * host bits may be set. The address in host order. -1 when text is not
 * one (NULL included); strict, so what passes is safe in a script. */
int mk_parse_ipv4_cidr(const char *text, uint32_t *addr, int *bits);
/* The netmask of a prefix length 0..32, host order. */
static inline uint32_t mk_ipv4_mask(int bits)
{
    return bits == 0 ? 0 : 0xffffffffu << (32 - bits); /* a shift by 32 is undefined */
}

/* Read a whole file (at most max bytes) into a NUL-terminated buffer. */
int mk_read_file(const char *path, size_t max, char **out, size_t *len, struct mk_err *err);

#endif
