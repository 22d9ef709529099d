/* nft.h - apply nftables scripts through libnftables, in one transaction.
 *
 * libnftables parses a whole buffer and commits it as one netlink batch:
 * either every command in it takes effect or none does.
 */
#ifndef MK_PROXY_NFT_H
#define MK_PROXY_NFT_H

#include "store/error.h"

typedef struct nft nft;

nft *nft_new(void);
void nft_free(nft *n);
/* Run script (nft syntax) as one transaction. EIO with nft's first error
 * line on failure. */
int nft_apply(nft *n, const char *script, mk_err *err);

#endif
