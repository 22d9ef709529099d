/* finalizers.c - metadata.finalizers (see finalizers.h). */
#include "store/server/finalizers.h"

#include <stdio.h>
#include <string.h>

#include "store/codec.h"

static json_object *list_of(json_object *obj)
{
    json_object *f = mk_json_path(obj, "metadata.finalizers");
    return json_object_is_type(f, json_type_array) ? f : NULL;
}

size_t finalizers_count(json_object *obj)
{
    json_object *f = list_of(obj);
    return f ? json_object_array_length(f) : 0;
}

void finalizers_add(json_object *obj, const char *f)
{
    json_object *list = list_of(obj);
    if (!list) {
        list = json_object_new_array();
        json_object_object_add(mk_json_ensure(obj, "metadata"), "finalizers", list);
    }
    if (!mk_has_finalizer(obj, f))
        json_object_array_add(list, json_object_new_string(f));
}

static bool gc_finalizer(const char *f)
{
    return strcmp(f, "orphan") == 0 || strcmp(f, "foregroundDeletion") == 0;
}

void finalizers_drop_gc(json_object *obj)
{
    json_object *list = list_of(obj);
    if (!list)
        return;
    json_object *kept = json_object_new_array();
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *f = json_object_array_get_idx(list, i);
        if (!gc_finalizer(json_object_get_string(f) ?: ""))
            json_object_array_add(kept, json_object_get(f));
    }
    json_object *md = mk_json_path(obj, "metadata");
    if (json_object_array_length(kept) > 0)
        json_object_object_add(md, "finalizers", kept);
    else {
        json_object_put(kept);
        json_object_object_del(md, "finalizers");
    }
}

int finalizers_check_update(json_object *old, json_object *neu, mk_err *err)
{
    if (!mk_json_str(old, "metadata.deletionTimestamp"))
        return 0;
    json_object *after = list_of(neu);
    char found[256] = "";
    size_t used = 0;
    for (size_t i = 0; after && i < json_object_array_length(after); i++) {
        const char *f = json_object_get_string(json_object_array_get_idx(after, i)) ?: "";
        if (mk_has_finalizer(old, f) || used >= sizeof found)
            continue;
        int n = snprintf(found + used, sizeof found - used, "%s\"%s\"", used ? ", " : "", f);
        used += n > 0 ? (size_t)n : 0;
    }
    if (!used)
        return 0;
    return mk_error(err, EINVAL,
                    "metadata.finalizers: Forbidden: no new finalizers can be added if the "
                    "object is being deleted, found new finalizers []string{%s}",
                    found);
}

bool finalizers_done(json_object *neu)
{
    return mk_json_str(neu, "metadata.deletionTimestamp") && finalizers_count(neu) == 0 &&
           mk_json_int(neu, "metadata.deletionGracePeriodSeconds", 0) <= 0;
}
