/* clusterip.c - the ClusterIP bitmap (see clusterip.h). */
#include "store/server/clusterip.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "store/codec.h"
#include "store/log.h"
#include "store/server/objects.h"

#define CIP_BASE         0x0a600000u /* 10.96.0.0 */
#define CIP_SIZE         65536u
#define CIP_RESERVED_API 1u  /* 10.96.0.1 */
#define CIP_RESERVED_DNS 10u /* 10.96.0.10 */

static pthread_mutex_t cip_lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t cip_used[CIP_SIZE / 8];
static bool cip_loaded;
static uint32_t cip_cursor = 11; /* the next offset to try */

static bool used(uint32_t off)
{
    return cip_used[off / 8] & (1u << (off % 8));
}
static void set_used(uint32_t off, bool on)
{
    if (on)
        cip_used[off / 8] |= (uint8_t)(1u << (off % 8));
    else
        cip_used[off / 8] &= (uint8_t) ~(1u << (off % 8));
}

/* The offset of ip in the range, or -1 when it is not a usable address. */
static int64_t offset_of(const char *ip)
{
    struct in_addr a;
    if (!ip || inet_pton(AF_INET, ip, &a) != 1)
        return -1;
    uint32_t h = ntohl(a.s_addr);
    if ((h & 0xffff0000u) != CIP_BASE)
        return -1;
    uint32_t off = h - CIP_BASE;
    if (off == 0 || off == CIP_SIZE - 1 || off == CIP_RESERVED_API || off == CIP_RESERVED_DNS)
        return -1;
    return off;
}

static int load_one(void *ctx, json_object *svc)
{
    int64_t off = offset_of(mk_json_str(svc, "spec.clusterIP"));
    if (off > 0) {
        set_used((uint32_t)off, true);
        (*(size_t *)ctx)++;
    }
    return 0;
}

/* Under the lock. */
static int load(api_server *srv, mk_err *err)
{
    if (cip_loaded)
        return 0;
    size_t n = 0;
    if (objects_each(srv, kind_by_kind("Service"), NULL, load_one, &n, err) < 0)
        return mk_error_wrap(err, "cluster IPs: reading the stored Services");
    cip_loaded = true;
    mk_log("cluster IPs: %zu in use in %s", n, CLUSTERIP_CIDR);
    return 0;
}

static void set_ip(json_object *svc, const char *ip)
{
    json_object *spec = mk_json_ensure(svc, "spec");
    json_object_object_add(spec, "clusterIP", json_object_new_string(ip));
    json_object *ips = json_object_new_array();
    json_object_array_add(ips, json_object_new_string(ip));
    json_object_object_add(spec, "clusterIPs", ips);
}

int clusterip_allocate(api_server *srv, json_object *svc, mk_err *err)
{
    const char *want = mk_json_str(svc, "spec.clusterIP");
    if (want && strcmp(want, "None") == 0)
        return 0;
    pthread_mutex_lock(&cip_lock);
    int rc = load(srv, err);
    if (rc == 0 && want && *want) {
        int64_t off = offset_of(want);
        if (off < 0)
            rc = mk_error(err, EINVAL,
                          "spec.clusterIP: Invalid value: \"%s\": provided IP is "
                          "not in the valid range (%s, less 10.96.0.1 and %s)",
                          want, CLUSTERIP_CIDR, CLUSTERIP_DNS);
        else if (used((uint32_t)off))
            rc = mk_error(err, EINVAL,
                          "spec.clusterIP: Invalid value: \"%s\": provided IP is "
                          "already allocated",
                          want);
        else {
            set_used((uint32_t)off, true);
            set_ip(svc, want);
        }
    } else if (rc == 0) {
        uint32_t off = cip_cursor, tried = 0;
        for (; tried < CIP_SIZE; tried++, off = (off + 1) % CIP_SIZE) {
            struct in_addr a = {htonl(CIP_BASE + off)};
            char ip[INET_ADDRSTRLEN];
            inet_ntop(AF_INET, &a, ip, sizeof ip);
            if (offset_of(ip) > 0 && !used(off)) {
                set_used(off, true);
                set_ip(svc, ip);
                cip_cursor = (off + 1) % CIP_SIZE;
                break;
            }
        }
        if (tried == CIP_SIZE)
            rc = mk_error(err, ENOSPC, "spec.clusterIP: no free address in %s", CLUSTERIP_CIDR);
    }
    pthread_mutex_unlock(&cip_lock);
    return rc;
}

void clusterip_release(api_server *srv, json_object *svc)
{
    int64_t off = offset_of(mk_json_str(svc, "spec.clusterIP"));
    if (off <= 0)
        return;
    pthread_mutex_lock(&cip_lock);
    if (cip_loaded)
        set_used((uint32_t)off, false);
    pthread_mutex_unlock(&cip_lock);
}

void clusterip_keep(json_object *old, json_object *neu)
{
    const char *cur = mk_json_str(neu, "spec.clusterIP");
    const char *had = mk_json_str(old, "spec.clusterIP");
    if ((cur && *cur) || !had || !*had)
        return;
    json_object *spec = mk_json_ensure(neu, "spec");
    json_object_object_add(spec, "clusterIP", json_object_new_string(had));
    json_object *ips = mk_json_path(old, "spec.clusterIPs");
    json_object *copy = NULL;
    if (ips && json_object_deep_copy(ips, &copy, NULL) == 0)
        json_object_object_add(spec, "clusterIPs", copy);
}
