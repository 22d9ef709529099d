/* nft.c - libnftables wrapper (see nft.h). */
#include "proxy/nft.h"

#include <nftables/libnftables.h>
#include <string.h>

#include "store/util.h"

struct nft {
    struct nft_ctx *ctx;
};

nft *nft_new(void)
{
    nft *n = xcalloc(1, sizeof(*n));
    n->ctx = nft_ctx_new(NFT_CTX_DEFAULT);
    if (!n->ctx)
        abort(); /* only fails on out-of-memory */
    nft_ctx_buffer_output(n->ctx);
    nft_ctx_buffer_error(n->ctx);
    return n;
}

void nft_free(nft *n)
{
    if (!n)
        return;
    nft_ctx_free(n->ctx);
    free(n);
}

int nft_apply(nft *n, const char *script, mk_err *err)
{
    if (nft_run_cmd_from_buffer(n->ctx, script) == 0)
        return 0;
    const char *msg = nft_ctx_get_error_buffer(n->ctx);
    size_t len = msg ? strcspn(msg, "\n") : 0;
    /* nft prints "file:line:col: Error: ..." then the line; keep the first
     * line and, for a syntax error, the offending source line. */
    return mk_error(err, EIO, "nftables: %.*s", (int)(len > 300 ? 300 : len), msg ? msg : "");
}

bool nft_has_chain(nft *n, const char *family, const char *table, const char *chain)
{
    _cleanup_free_ char *cmd = xasprintf("list chain %s %s %s", family, table, chain);
    bool ok = nft_run_cmd_from_buffer(n->ctx, cmd) == 0;
    /* drain the buffers: the next command starts clean */
    nft_ctx_get_output_buffer(n->ctx);
    nft_ctx_get_error_buffer(n->ctx);
    return ok;
}
