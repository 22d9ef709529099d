/* status.c - Kubernetes Status objects, the shape of every error reply. */
#include "store/server/apiserver.h"

#include <string.h>

#include "store/util.h"

/* details.causes of an Invalid reply, from its message "<Kind> \"<name>\"
 * is invalid: <field>: <what>": kubectl prints a 422 as "The <kind>
 * \"<name>\" is invalid: <field>: <what>" from the causes alone, and says
 * only "is invalid" without them. */
static json_object *invalid_causes(const char *message)
{
    static const struct {
        const char *prefix, *reason;
    } kinds[] = {
        {"Required value", "FieldValueRequired"},        {"Invalid value", "FieldValueInvalid"},
        {"Unsupported value", "FieldValueNotSupported"}, {"Forbidden", "FieldValueForbidden"},
        {"Duplicate value", "FieldValueDuplicate"},      {"Not found", "FieldValueNotFound"},
    };
    const char *what = message ? strstr(message, " is invalid: ") : NULL;
    if (!what)
        return NULL;
    what += strlen(" is invalid: ");
    const char *sep = strstr(what, ": ");
    if (!sep)
        return NULL;
    const char *reason = "FieldValueInvalid";
    for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
        if (strncmp(sep + 2, kinds[i].prefix, strlen(kinds[i].prefix)) == 0)
            reason = kinds[i].reason;
    json_object *cause = json_object_new_object();
    json_object_object_add(cause, "reason", json_object_new_string(reason));
    json_object_object_add(cause, "message", json_object_new_string(sep + 2));
    json_object_object_add(cause, "field", json_object_new_string_len(what, (int)(sep - what)));
    json_object *causes = json_object_new_array();
    json_object_array_add(causes, cause);
    return causes;
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
        bool invalid = reason && strcmp(reason, "Invalid") == 0;
        if (k) {
            if (k->group[0])
                json_object_object_add(d, "group", json_object_new_string(k->group));
            /* Kubernetes names the Kind in an Invalid reply, the resource elsewhere. */
            json_object_object_add(d, "kind",
                                   json_object_new_string(invalid ? k->kind : k->resource));
        }
        json_object *causes = invalid ? invalid_causes(message) : NULL;
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
