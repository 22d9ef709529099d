#include "fs/render.h"
#include "store/codec.h"
#include "store/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static char *render_yaml_or_empty(json_object *o, size_t *len)
{
    char *s = o ? codec_to_yaml(o) : xstrdup("");
    *len = strlen(s);
    return s;
}

static char *render_labels(json_object *obj, size_t *len)
{
    mk_buf b = {0};
    json_object *labels = mk_json_path(obj, "metadata.labels");
    if (labels && json_object_is_type(labels, json_type_object)) {
        json_object_object_foreach(labels, key, val)
        {
            mk_buf_printf(&b, "%s=%s\n", key, json_object_get_string(val));
        }
    }
    *len = b.len;
    return mk_buf_steal(&b);
}

static char *render_output(json_object *cm, size_t *len)
{
    mk_buf b = {0};
    const char *out = cm ? mk_json_str(cm, "data.stdout") : NULL;
    const char *errs = cm ? mk_json_str(cm, "data.stderr") : NULL;
    if (out)
        mk_buf_puts(&b, out);
    if (errs)
        mk_buf_puts(&b, errs);
    *len = b.len;
    return mk_buf_steal(&b);
}

/* As kubectl shows it: without managedFields, which an edit written back
 * keeps anyway (a PUT without them does). */
static char *render_manifest(json_object *obj, size_t *len)
{
    json_object *md = mk_json_path(obj, "metadata");
    if (!md || !json_object_object_get_ex(md, "managedFields", NULL))
        return render_yaml_or_empty(obj, len);
    json_object *copy = mk_json_copy(obj);
    json_object_object_del(mk_json_path(copy, "metadata"), "managedFields");
    char *text = render_yaml_or_empty(copy, len);
    json_object_put(copy);
    return text;
}

char *fs_render_file(fs_file f, json_object *obj, json_object *output_cm, size_t *len)
{
    switch (f) {
    case FS_FILE_MANIFEST:
        return render_manifest(obj, len);
    case FS_FILE_STATUS:
        return render_yaml_or_empty(mk_json_path(obj, "status"), len);
    case FS_FILE_LABELS:
        return render_labels(obj, len);
    case FS_FILE_SCALE: {
        char *s = xasprintf("%lld\n", (long long)mk_json_int(obj, "spec.replicas", 1));
        *len = strlen(s);
        return s;
    }
    case FS_FILE_OUTPUT:
        return render_output(output_cm, len);
    case FS_FILE_RUNREC: {
        json_object *data = output_cm ? mk_json_path(output_cm, "data") : NULL, *v = NULL;
        const char *rec = data && json_object_object_get_ex(data, "run.json", &v) &&
                                  json_object_is_type(v, json_type_string)
                              ? json_object_get_string(v)
                              : NULL; /* "run.json" has a dot: no mk_json_str path */
        *len = rec ? strlen(rec) : 0;
        return xstrdup(rec ? rec : "");
    }
    case FS_FILE_INVOKE:
    case FS_FILE_RUN:
        break;
    }
    *len = 0;
    return xstrdup("");
}

static void trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s))
        (*s)++, (*n)--;
    while (*n && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

int fs_labels_parse(const char *text, size_t len, json_object **labels, mk_err *err)
{
    json_object *out = json_object_new_object();
    size_t lineno = 0;
    for (size_t i = 0; i < len;) {
        const char *line = text + i;
        const char *nl = memchr(line, '\n', len - i);
        size_t n = nl ? (size_t)(nl - line) : len - i;
        i += n + 1;
        lineno++;
        trim(&line, &n);
        if (n == 0 || line[0] == '#')
            continue;
        const char *eq = memchr(line, '=', n);
        if (!eq || eq == line) {
            json_object_put(out);
            return mk_error(err, EINVAL, "labels line %zu: want key=value, got \"%.*s\"",
                            lineno, (int)(n > 80 ? 80 : n), line);
        }
        const char *k = line, *v = eq + 1;
        size_t kn = (size_t)(eq - line), vn = n - kn - 1;
        trim(&k, &kn);
        trim(&v, &vn);
        _cleanup_free_ char *key = xstrndup(k, kn);
        json_object_object_add(out, key, json_object_new_string_len(v, (int)vn));
    }
    *labels = out;
    return 0;
}

char *fs_labels_patch(json_object *old_labels, json_object *new_labels)
{
    json_object *patch = json_object_new_object();
    json_object *labels = mk_json_ensure(patch, "metadata.labels");
    if (old_labels && json_object_is_type(old_labels, json_type_object)) {
        json_object_object_foreach(old_labels, key, val)
        {
            (void)val;
            if (!json_object_object_get_ex(new_labels, key, NULL))
                json_object_object_add(labels, key, NULL);
        }
    }
    json_object_object_foreach(new_labels, key, val)
    {
        json_object_object_add(labels, key, json_object_get(val));
    }
    char *s = xstrdup(codec_to_json(patch, NULL));
    json_object_put(patch);
    return s;
}

int fs_scale_parse(const char *text, size_t len, int64_t *replicas, mk_err *err)
{
    trim(&text, &len);
    if (len == 0 || len > 9 || strspn(text, "0123456789") < len)
        return mk_error(err, EINVAL, "scale: want a non-negative integer, got \"%.*s\"",
                        (int)(len > 40 ? 40 : len), text);
    char num[16];
    memcpy(num, text, len);
    num[len] = '\0';
    *replicas = strtoll(num, NULL, 10);
    return 0;
}

char *fs_render_watch_line(const char *type, const mk_kind *k, json_object *obj,
                           int with_resource)
{
    const char *name = mk_json_str(obj, "metadata.name");
    const char *ns = mk_json_str(obj, "metadata.namespace");
    const char *rv = mk_json_str(obj, "metadata.resourceVersion");
    mk_buf b = {0};
    mk_buf_printf(&b, "%s ", type);
    if (k->namespaced)
        mk_buf_printf(&b, "%s/", ns ? ns : "default");
    mk_buf_printf(&b, "%s %s", name ? name : "?", rv ? rv : "0");
    if (with_resource)
        mk_buf_printf(&b, " %s", k->resource);
    mk_buf_puts(&b, "\n");
    return mk_buf_steal(&b);
}
