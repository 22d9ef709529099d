/* nslife.c - the end of a namespace (see nslife.h). */
#include "store/server/nslife.h"

#include <string.h>

#include "store/codec.h"
#include "store/kinds.h"
#include "store/log.h"
#include "store/server/namespaces.h"

static int stop_at_first(void *ctx, const mk_kv *kv)
{
    (void)ctx;
    (void)kv;
    return 1;
}

bool nslife_holds(api_server *srv, const char *ns)
{
    for (size_t k = 0; k < mk_nkinds; k++) {
        if (!mk_kinds[k].namespaced)
            continue;
        _cleanup_free_ char *prefix = kind_prefix(&mk_kinds[k], ns);
        int64_t rev;
        mk_err err = {0};
        int rc = backend_list(srv->be, prefix, stop_at_first, NULL, &rev, &err);
        if (rc != 0) /* 1: something is there; < 0: unknown, so assume so */
            return true;
    }
    return false;
}

void nslife_reap(api_server *srv, const char *ns)
{
    if (!ns || !*ns || !srv->namespaces || nsset_state(srv->namespaces, ns) != NS_TERMINATING ||
        nslife_holds(srv, ns))
        return;
    const mk_kind *nsk = kind_by_kind("Namespace");
    _cleanup_free_ char *key = kind_key(nsk, NULL, ns);
    _cleanup_free_ char *value = NULL;
    size_t len;
    int64_t rev, new_rev;
    mk_err err = {0};
    json_object *last = NULL;
    if (backend_get(srv->be, key, &value, &len, &rev, &err) < 0 ||
        codec_decode(value, len, &last, &err) < 0) {
        if (err.code != ENOENT)
            mk_log("namespace %s: %s", ns, err.msg);
        return;
    }
    mk_write w = {.op = MK_WRITE_DELETE, .key = key, .obj = last, .expect_rev = rev};
    if (backend_write(srv->be, &w, &new_rev, &err) == 0)
        mk_log("namespace %s: its last object is gone; removed", ns);
    else if (err.code != ESTALE && err.code != ENOENT)
        mk_log("namespace %s: %s", ns, err.msg);
    json_object_put(last);
}
