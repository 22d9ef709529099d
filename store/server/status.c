/* status.c - Kubernetes Status objects, the shape of every error reply. */
#include "store/server/apiserver.h"

#include <string.h>

/* Validation's "FIELD: Type: detail" after "X is invalid: ", as the
 * Kubernetes StatusCause kubectl prints ("The pods \"x\" is invalid:
 * FIELD: Type: detail"); NULL when the message is not of that shape. */
static json_object *invalid_causes(const char *message)
{
    static const struct {
        const char *type, *reason;
    } types[] = {
        {"Invalid value", "FieldValueInvalid"},
        {"Required value", "FieldValueRequired"},
        {"Forbidden", "FieldValueForbidden"},
        {"Unsupported value", "FieldValueNotSupported"},
        {"Duplicate value", "FieldValueDuplicate"},
        {"Not found", "FieldValueNotFound"},
    };
    const char *at = message ? strstr(message, " is invalid: ") : NULL;
    if (!at)
        return NULL;
    const char *field = at + strlen(" is invalid: ");
    for (const char *sep = strstr(field, ": "); sep; sep = strstr(sep + 2, ": ")) {
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
            size_t n = strlen(types[i].type);
            if (strncmp(sep + 2, types[i].type, n) != 0 || (sep[2 + n] && sep[2 + n] != ':'))
                continue;
            json_object *c = json_object_new_object();
            json_object_object_add(c, "reason", json_object_new_string(types[i].reason));
            json_object_object_add(c, "message", json_object_new_string(sep + 2));
            json_object_object_add(c, "field",
                                   json_object_new_string_len(field, (int)(sep - field)));
            json_object *list = json_object_new_array();
            json_object_array_add(list, c);
            return list;
        }
    }
    return NULL;
}

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
        json_object *causes = http_code == 422 ? invalid_causes(message) : NULL;
        if (causes)
            json_object_object_add(d, "causes", causes);
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
