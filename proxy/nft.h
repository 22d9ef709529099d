/* nft.h - apply nftables scripts through libnftables, in one transaction.
 *
 * libnftables parses a whole buffer and commits it as one netlink batch:
 * either every command in it takes effect or none does.
 */
#ifndef MK_PROXY_NFT_H
#define MK_PROXY_NFT_H

#include <stdbool.h>

#include "store/error.h"

typedef struct nft nft;

nft *nft_new(void);
void nft_free(nft *n);
/* Run script (nft syntax) as one transaction. EIO with nft's first error
 * line on failure. */
int nft_apply(nft *n, const char *script, mk_err *err);

/* Does the kernel hold chain `family table chain`? (A cheap probe that
 * the table is still there.) */
bool nft_has_chain(nft *n, const char *family, const char *table, const char *chain);

#endif
