#include "controllers/cidrset.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/util.h"

#define CIDRSET_MAX_SUBNETS 65536

struct cidrset {
    uint32_t base; /* network address, host order */
    int cluster_bits, node_bits;
    size_t size, used;
    size_t next; /* where the next search starts */
    unsigned char *taken;
};

int cidrset_new(const char *cluster_cidr, int node_mask, cidrset **out, mk_err *err)
{
    uint32_t addr;
    int bits;
    if (mk_parse_ipv4_cidr(cluster_cidr, &addr, &bits) < 0)
        return mk_error(err, EINVAL, "cluster CIDR \"%s\": not an IPv4 CIDR",
                        cluster_cidr ? cluster_cidr : "");
    if (node_mask < bits || node_mask > 30 || node_mask - bits > 16 /* 65,536 subnets */)
        return mk_error(err, EINVAL,
                        "node CIDR mask /%d: must be within /%d../30 and give at most "
                        "%d subnets of %s",
                        node_mask, bits, CIDRSET_MAX_SUBNETS, cluster_cidr);
    cidrset *s = xcalloc(1, sizeof(*s));
    s->base = addr & mk_ipv4_mask(bits);
    s->cluster_bits = bits;
    s->node_bits = node_mask;
    s->size = (size_t)1 << (node_mask - bits);
    s->taken = xcalloc(s->size, 1);
    *out = s;
    return 0;
}

void cidrset_free(cidrset *s)
{
    if (!s)
        return;
    free(s->taken);
    free(s);
}

static char *subnet_text(const cidrset *s, size_t idx)
{
    uint32_t net = s->base + ((uint32_t)idx << (32 - s->node_bits));
    return xasprintf("%u.%u.%u.%u/%d", net >> 24, (net >> 16) & 255, (net >> 8) & 255,
                     net & 255, s->node_bits);
}

/* The index of a subnet of the set; -1 if cidr is not exactly one. */
static long subnet_index(const cidrset *s, const char *cidr)
{
    uint32_t net;
    int bits;
    if (mk_parse_ipv4_cidr(cidr, &net, &bits) < 0 || bits != s->node_bits ||
        (net & mk_ipv4_mask(s->cluster_bits)) != s->base || (net & ~mk_ipv4_mask(bits)) != 0)
        return -1;
    return (long)((net - s->base) >> (32 - s->node_bits));
}

int cidrset_allocate(cidrset *s, char **cidr, mk_err *err)
{
    for (size_t i = 0; i < s->size; i++) {
        size_t idx = (s->next + i) % s->size;
        if (!s->taken[idx]) {
            s->taken[idx] = 1;
            s->used++;
            s->next = (idx + 1) % s->size;
            *cidr = subnet_text(s, idx);
            return 0;
        }
    }
    return mk_error(err, ENOSPC, "no free /%d left in the cluster CIDR", s->node_bits);
}

int cidrset_occupy(cidrset *s, const char *cidr, mk_err *err)
{
    long idx = subnet_index(s, cidr);
    if (idx < 0)
        return mk_error(err, EINVAL, "%s is not a /%d of the cluster CIDR", cidr, s->node_bits);
    if (s->taken[idx])
        return mk_error(err, EEXIST, "%s is taken already", cidr);
    s->taken[idx] = 1;
    s->used++;
    return 0;
}

void cidrset_release(cidrset *s, const char *cidr)
{
    long idx = subnet_index(s, cidr);
    if (idx >= 0 && s->taken[idx]) {
        s->taken[idx] = 0;
        s->used--;
    }
}

size_t cidrset_used(const cidrset *s)
{
    return s->used;
}

size_t cidrset_size(const cidrset *s)
{
    return s->size;
}
