/* backend.c - what every backend checks of a write before it applies it. */
#include "store/backend/backend.h"

#include <errno.h>

int backend_check_write(const mk_write *w, int64_t cur, mk_err *err)
{
    if (w->op == MK_WRITE_CREATE && cur)
        return mk_error(err, EEXIST, "%s: already exists", w->key);
    if (w->op != MK_WRITE_CREATE && !cur)
        return mk_error(err, ENOENT, "%s: not found", w->key);
    if (w->op != MK_WRITE_CREATE && w->expect_rev && w->expect_rev != cur)
        return mk_error(err, ESTALE,
                        "%s: resourceVersion %lld is stale (the object is at %lld)", w->key,
                        (long long)w->expect_rev, (long long)cur);
    return 0;
}
