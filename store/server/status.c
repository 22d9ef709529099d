/* status.c - Kubernetes Status objects, the shape of every error reply. */
#include "store/server/apiserver.h"

json_object *status_new(int http_code, const char *reason, const char *message,
                        const mk_kind *k, const char *name)
{
    json_object *st = json_object_new_object();
    json_object_object_add(st, "kind", json_object_new_string("Status"));
    json_object_object_add(st, "apiVersion", json_object_new_string("v1"));
    json_object_object_add(st, "metadata", json_object_new_object());
    json_object_object_add(st, "status",
                           json_object_new_string(http_code < 400 ? "Success" : "Failure"));
    if (message)
        json_object_object_add(st, "message", json_object_new_string(message));
    if (reason && http_code >= 400)
        json_object_object_add(st, "reason", json_object_new_string(reason));
    if (k || name) {
        json_object *d = json_object_new_object();
        if (name && *name)
            json_object_object_add(d, "name", json_object_new_string(name));
        if (k) {
            if (k->group[0])
                json_object_object_add(d, "group", json_object_new_string(k->group));
            json_object_object_add(d, "kind", json_object_new_string(k->resource));
        }
        json_object_object_add(st, "details", d);
    }
    json_object_object_add(st, "code", json_object_new_int(http_code));
    return st;
}

char *status_json(int http_code, const char *reason, const char *message, const mk_kind *k,
                  const char *name)
{
    json_object *st = status_new(http_code, reason, message, k, name);
    char *s = xstrdup(json_object_to_json_string_ext(st, JSON_C_TO_STRING_PLAIN |
                                                             JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(st);
    return s;
}
