/* cidrset.h - a cluster CIDR cut into equal node subnets, and which of
 * them are taken (kube-controller-manager's cidrset, IPv4).
 *
 * Not thread-safe: the caller serialises.
 */
#ifndef MK_CONTROLLERS_CIDRSET_H
#define MK_CONTROLLERS_CIDRSET_H

#include <stddef.h>

#include "store/error.h"

typedef struct cidrset cidrset;

/* "10.244.0.0/16" cut into /node_mask subnets. EINVAL when the CIDR does
 * not parse, or node_mask is shorter than the cluster's, longer than 30,
 * or gives more than 65,536 subnets. */
int cidrset_new(const char *cluster_cidr, int node_mask, cidrset **out, mk_err *err);
void cidrset_free(cidrset *s);

/* Take a free subnet: the search goes round the range from just after
 * the last one taken, so a released subnet is reused as late as possible.
 * *cidr ("10.244.3.0/24") is the caller's. ENOSPC when all are taken. */
int cidrset_allocate(cidrset *s, char **cidr, mk_err *err);
/* Mark a subnet taken (rebuilding from existing nodes). EINVAL if it is
 * not one of the set's subnets, EEXIST if it is taken already. */
int cidrset_occupy(cidrset *s, const char *cidr, mk_err *err);
/* Give a subnet back; unknown or free subnets are ignored. */
void cidrset_release(cidrset *s, const char *cidr);
size_t cidrset_used(const cidrset *s);
size_t cidrset_size(const cidrset *s);

#endif
