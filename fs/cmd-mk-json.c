/* mk-json - the manifest helper behind tools/rkubectl.
 *
 *   mk-json to-json [FILE]             one document (YAML or JSON) as indented JSON
 *   mk-json to-yaml [FILE]             one document as YAML
 *   mk-json field FILE PATH            the value at a dotted path (strings bare)
 *   mk-json merge FILE PATCH           RFC 7386 merge patch (PATCH: JSON or YAML text),
 *                                      printed as YAML
 *   mk-json split FILE DIR             each document into DIR/NNN.yaml; prints
 *                                      "NNN RESOURCE NAMESPACE NAME" per document
 *                                      (NAMESPACE "-" when cluster-scoped, "" unset)
 *   mk-json table [-A] [-w] [-N] FILE...  a kubectl-style table of the manifests
 *                                      (-A namespace column, -w wide, -N no header)
 *   mk-json kind ALIAS                 "RESOURCE NAMESPACED" for any name kubectl
 *                                      takes ("po", "svc", "Pod"); exit 1 if unknown
 *   mk-json describe FILE              a readable summary; Secret values never shown
 *   mk-json events KIND NAME FILE...   describe's Events section: the Events among
 *                                      FILEs about the object, oldest first
 *   mk-json redact [FILE]              the document as YAML, Secret values replaced
 *                                      by their sizes
 *
 * FILE "-" or absent reads stdin. Exit 1 with a message on bad input.
 */
#include "fs/table.h"
#include "store/codec.h"
#include "store/events.h"
#include "store/printers.h"
#include "store/kinds.h"
#include "store/util.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int die(const char *fmt, const char *arg)
{
    fprintf(stderr, "mk-json: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    return 1;
}

static char *slurp(const char *path, size_t *len)
{
    mk_buf b = {0};
    FILE *f = !path || strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f)
        return NULL;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        mk_buf_append(&b, chunk, n);
    if (f != stdin)
        fclose(f);
    *len = b.len;
    return mk_buf_steal(&b);
}

static json_object *load(const char *path)
{
    size_t len;
    _cleanup_free_ char *text = slurp(path, &len);
    if (!text) {
        die("cannot read %s", path);
        return NULL;
    }
    json_object *obj = NULL;
    mk_err err = {0};
    if (codec_decode(text, len, &obj, &err) < 0) {
        fprintf(stderr, "mk-json: %s: %s\n", path ? path : "-", err.msg);
        return NULL;
    }
    return obj;
}

static void print_yaml(json_object *o)
{
    _cleanup_free_ char *y = codec_to_yaml(o);
    fputs(y, stdout);
}

/* Secret values become "<N bytes>": rkubectl never prints them. */
static void redact(json_object *o)
{
    const char *kind = mk_json_str(o, "kind");
    if (!kind || strcmp(kind, "Secret") != 0)
        return;
    static const char *const fields[] = {"data", "stringData"};
    for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
        json_object *d = mk_json_path(o, fields[i]);
        if (!d || !json_object_is_type(d, json_type_object))
            continue;
        json_object_object_foreach(d, key, val)
        {
            const char *v = json_object_get_string(val);
            size_t n = (size_t)json_object_get_string_len(val);
            if (i == 0) { /* base64: the decoded size */
                size_t pad = n && v[n - 1] == '=' ? 1 + (n > 1 && v[n - 2] == '=') : 0;
                n = n / 4 * 3 - pad;
            }
            _cleanup_free_ char *s = xasprintf("<%zu bytes>", n);
            json_object_object_add(d, key, json_object_new_string(s));
        }
    }
    json_object *md = mk_json_path(o, "metadata.annotations");
    if (md)
        json_object_object_del(md, "kubectl.kubernetes.io/last-applied-configuration");
}

static int cmd_field(const char *file, const char *path)
{
    json_object *o = load(file);
    if (!o)
        return 1;
    json_object *v = mk_json_path(o, path);
    if (v && json_object_is_type(v, json_type_string))
        printf("%s\n", json_object_get_string(v));
    else if (v)
        printf("%s\n", codec_to_json(v, NULL));
    json_object_put(o);
    return v ? 0 : 1;
}

static int cmd_merge(const char *file, const char *patch_text)
{
    json_object *o = load(file), *patch = NULL;
    mk_err err = {0};
    if (!o)
        return 1;
    if (codec_decode(patch_text, strlen(patch_text), &patch, &err) < 0) {
        json_object_put(o);
        return die("bad patch: %s", err.msg);
    }
    mk_json_merge_patch(o, patch);
    print_yaml(o);
    json_object_put(patch);
    json_object_put(o);
    return 0;
}

static int cmd_split(const char *file, const char *dir)
{
    size_t len;
    _cleanup_free_ char *text = slurp(file, &len);
    if (!text)
        return die("cannot read %s", file);
    json_object *docs = NULL;
    mk_err err = {0};
    if (codec_decode_all(text, len, &docs, &err) < 0)
        return die("%s", err.msg);
    int rc = 0;
    for (size_t i = 0; i < json_object_array_length(docs); i++) {
        json_object *d = json_object_array_get_idx(docs, i);
        const mk_kind *k = kind_by_gvk(mk_json_str(d, "apiVersion"), mk_json_str(d, "kind"));
        const char *name = mk_json_str(d, "metadata.name");
        const char *ns = mk_json_str(d, "metadata.namespace");
        _cleanup_free_ char *path = xasprintf("%s/%03zu.yaml", dir, i);
        FILE *f = fopen(path, "w");
        if (!f)
            return die("cannot write %s", path);
        _cleanup_free_ char *y = codec_to_yaml(d);
        fputs(y, f);
        fclose(f);
        printf("%03zu %s %s %s\n", i, k ? k->resource : "?",
               k && !k->namespaced ? "-" : (ns ? ns : "\"\""), name ? name : "?");
    }
    json_object_put(docs);
    return rc;
}

static int cmd_table(int argc, char **argv)
{
    bool all = false, wide = false, no_header = false;
    int i = 0;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (strcmp(argv[i], "-A") == 0)
            all = true;
        else if (strcmp(argv[i], "-w") == 0)
            wide = true;
        else if (strcmp(argv[i], "-N") == 0)
            no_header = true;
        else
            return die("unknown table flag %s", argv[i]);
    }
    json_object *objs = json_object_new_array();
    for (; i < argc; i++) {
        size_t len;
        _cleanup_free_ char *text = slurp(argv[i], &len);
        json_object *o = NULL;
        mk_err err = {0};
        /* An object may go away between listing and reading: skip it. */
        if (text && codec_decode(text, len, &o, &err) == 0)
            json_object_array_add(objs, o);
    }
    mk_buf out = {0};
    table_render(objs, all, wide, time(NULL), &out);
    const char *body = out.data;
    if (body && no_header)
        body = strchr(body, '\n') ? strchr(body, '\n') + 1 : "";
    if (body)
        fputs(body, stdout);
    mk_buf_free(&out);
    json_object_put(objs);
    return 0;
}

static void describe_map(const char *title, json_object *m)
{
    printf("%-14s", title);
    bool first = true;
    if (m && json_object_is_type(m, json_type_object)) {
        json_object_object_foreach(m, key, val)
        {
            printf("%s%s=%s\n", first ? "" : "              ", key,
                   json_object_get_string(val));
            first = false;
        }
    }
    if (first)
        printf("<none>\n");
}

static void describe_section(const char *title, json_object *o)
{
    if (!o)
        return;
    printf("%s:\n", title);
    _cleanup_free_ char *y = codec_to_yaml(o);
    for (char *line = strtok(y, "\n"); line; line = strtok(NULL, "\n"))
        printf("  %s\n", line);
}

static int cmd_describe(const char *file)
{
    json_object *o = load(file);
    if (!o)
        return 1;
    redact(o);
    const char *ns = mk_json_str(o, "metadata.namespace");
    printf("%-14s%s\n", "Name:", mk_json_str(o, "metadata.name"));
    if (ns)
        printf("%-14s%s\n", "Namespace:", ns);
    printf("%-14s%s\n", "Kind:", mk_json_str(o, "kind"));
    describe_map("Labels:", mk_json_path(o, "metadata.labels"));
    describe_map("Annotations:", mk_json_path(o, "metadata.annotations"));
    const char *ts = mk_json_str(o, "metadata.creationTimestamp");
    printf("%-14s%s\n", "Created:", ts ? ts : "<unknown>");
    const char *kind = mk_json_str(o, "kind");
    if (kind && strcmp(kind, "Secret") == 0) {
        printf("Type:         %s\n\nData\n====\n",
               mk_json_str(o, "type") ? mk_json_str(o, "type") : "Opaque");
        json_object *d = mk_json_path(o, "data");
        if (d && json_object_is_type(d, json_type_object)) {
            json_object_object_foreach(d, key, val)
            {
                printf("%s:  %s\n", key, json_object_get_string(val));
            }
        }
    } else {
        describe_section("Spec", mk_json_path(o, "spec"));
        describe_section("Data", mk_json_path(o, "data"));
        describe_section("Status", mk_json_path(o, "status"));
    }
    json_object_put(o);
    return 0;
}

static int by_last_seen(const void *a, const void *b)
{
    json_object *x = *(json_object *const *)a, *y = *(json_object *const *)b;
    const char *tx = event_last_seen(x), *ty = event_last_seen(y);
    return strcmp(tx ? tx : "", ty ? ty : "");
}

/* "12s", or kubectl's "3s (x5 over 20s)" for a repeated event. */
static void event_age(json_object *ev, int64_t now, char *buf, size_t n)
{
    const char *last = event_last_seen(ev);
    const char *first = mk_json_str(ev, "firstTimestamp");
    char a[32], b[32];
    human_duration(now - (last ? mk_parse_rfc3339(last) : now), a, sizeof a);
    int64_t count = mk_json_int(ev, "count", 1);
    if (count <= 1 || !first) {
        snprintf(buf, n, "%s", a);
        return;
    }
    human_duration(now - mk_parse_rfc3339(first), b, sizeof b);
    snprintf(buf, n, "%s (x%lld over %s)", a, (long long)count, b);
}

static int cmd_events(const char *kind, const char *name, char **files, int nfiles)
{
    json_object **evs = xcalloc((size_t)nfiles + 1, sizeof *evs);
    size_t n = 0;
    for (int i = 0; i < nfiles; i++) {
        json_object *ev = load(files[i]);
        const char *k = mk_json_str(ev, "involvedObject.kind");
        const char *nm = mk_json_str(ev, "involvedObject.name");
        if (ev && k && nm && !strcmp(k, kind) && !strcmp(nm, name))
            evs[n++] = ev;
        else
            json_object_put(ev);
    }
    if (!n) {
        printf("Events:        <none>\n");
        free(evs);
        return 0;
    }
    qsort(evs, n, sizeof *evs, by_last_seen);
    printf("Events:\n  %-8s %-20s %-22s %-20s %s\n  %-8s %-20s %-22s %-20s %s\n", "Type",
           "Reason", "Age", "From", "Message", "----", "------", "----", "----", "-------");
    int64_t now = (int64_t)time(NULL);
    for (size_t i = 0; i < n; i++) {
        char age[128];
        event_age(evs[i], now, age, sizeof age);
        const char *type = mk_json_str(evs[i], "type"), *reason = mk_json_str(evs[i], "reason");
        const char *from = mk_json_str(evs[i], "source.component");
        const char *msg = mk_json_str(evs[i], "message");
        printf("  %-8s %-20s %-22s %-20s %s\n", type ? type : "", reason ? reason : "", age,
               from ? from : "", msg ? msg : "");
        json_object_put(evs[i]);
    }
    free(evs);
    return 0;
}

static int usage(void)
{
    fprintf(
        stderr,
        "usage: mk-json to-json|to-yaml|field|merge|split|table|kind|describe|events|redact "
        "... (see the comment at the top of fs/cmd-mk-json.c)\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    const char *cmd = argv[1];
    const char *a = argc > 2 ? argv[2] : NULL, *b = argc > 3 ? argv[3] : NULL;
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage();
        return 0;
    }
    if (strcmp(cmd, "to-json") == 0 || strcmp(cmd, "to-yaml") == 0 ||
        strcmp(cmd, "redact") == 0) {
        json_object *o = load(a);
        if (!o)
            return 1;
        if (cmd[0] == 'r')
            redact(o);
        if (strcmp(cmd, "to-json") == 0) {
            _cleanup_free_ char *s = codec_to_json_pretty(o);
            printf("%s\n", s);
        } else {
            print_yaml(o);
        }
        json_object_put(o);
        return 0;
    }
    if (strcmp(cmd, "field") == 0 && a && b)
        return cmd_field(a, b);
    if (strcmp(cmd, "events") == 0 && a && b)
        return cmd_events(a, b, argv + 4, argc - 4);
    if (strcmp(cmd, "merge") == 0 && a && b)
        return cmd_merge(a, b);
    if (strcmp(cmd, "split") == 0 && a && b)
        return cmd_split(a, b);
    if (strcmp(cmd, "table") == 0)
        return cmd_table(argc - 2, argv + 2);
    if (strcmp(cmd, "kind") == 0 && a) {
        const mk_kind *k = kind_by_alias(a);
        if (!k)
            return die("unknown kind \"%s\"", a);
        printf("%s %d\n", k->resource, k->namespaced);
        return 0;
    }
    if (strcmp(cmd, "describe") == 0 && a)
        return cmd_describe(a);
    return usage();
}
