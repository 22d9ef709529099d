#include "store/watchstream.h"

#include <string.h>

#include "store/codec.h"

/* Hand one line to fn, dropping a trailing '\r' and skipping empty lines. */
static int emit_line(const char *line, size_t len, mk_line_fn fn, void *ctx)
{
    if (len && line[len - 1] == '\r')
        len--;
    return len ? fn(ctx, line, len) : 0;
}

int linesplit_feed(mk_linesplit *ls, const char *data, size_t len, mk_line_fn fn, void *ctx)
{
    const char *end = data + len;
    const char *nl = memchr(data, '\n', len);
    if (!nl) {
        mk_buf_append(&ls->tail, data, len);
        return 0;
    }
    /* The first line may have begun in an earlier chunk. */
    int r;
    if (ls->tail.len) {
        mk_buf_append(&ls->tail, data, (size_t)(nl - data));
        r = emit_line(ls->tail.data, ls->tail.len, fn, ctx);
        mk_buf_reset(&ls->tail);
    } else {
        r = emit_line(data, (size_t)(nl - data), fn, ctx);
    }
    /* Later lines are cut straight out of the chunk, without copying. */
    for (const char *p = nl + 1; r == 0 && p < end; p = nl + 1) {
        nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) {
            mk_buf_append(&ls->tail, p, (size_t)(end - p));
            break;
        }
        r = emit_line(p, (size_t)(nl - p), fn, ctx);
    }
    return r;
}

size_t linesplit_pending(const mk_linesplit *ls)
{
    return ls->tail.len;
}

void linesplit_free(mk_linesplit *ls)
{
    mk_buf_free(&ls->tail);
}

void watchstream_init(mk_watchstream *ws, mk_watch_fn fn, void *ctx)
{
    *ws = (mk_watchstream){.fn = fn, .ctx = ctx};
    ws->tok = json_tokener_new();
}

void watchstream_free(mk_watchstream *ws)
{
    linesplit_free(&ws->lines);
    if (ws->tok)
        json_tokener_free(ws->tok);
    ws->tok = NULL;
}

static int status_from_object(long status, json_object *st, const char *what, mk_err *err)
{
    const char *reason = NULL, *message = NULL;
    if (json_object_is_type(st, json_type_object)) {
        reason = mk_json_str(st, "reason");
        message = mk_json_str(st, "message");
        int64_t code = mk_json_int(st, "code", 0);
        if (code >= 100 && code < 600)
            status = (long)code;
    }
    int e = mk_error_from_http((int)status, reason);
    if (message && *message)
        return mk_error(err, e, "%s", message);
    return mk_error(err, e, "%s: HTTP %ld%s%s", what, status, reason ? " " : "",
                    reason ? reason : "");
}

int watchstream_status_error(long status, const char *body, size_t len, const char *what,
                             mk_err *err)
{
    json_tokener *tok = json_tokener_new();
    json_object *st = body && len ? json_tokener_parse_ex(tok, body, (int)len) : NULL;
    json_tokener_free(tok);
    if (!json_object_is_type(st, json_type_object) && body && len) {
        /* Not a Status (a proxy's HTML page, plain text): show its start. */
        json_object_put(st);
        int n = len > 200 ? 200 : (int)len;
        return mk_error(err, mk_error_from_http((int)status, NULL), "%s: HTTP %ld: %.*s", what,
                        status, n, body);
    }
    int r = status_from_object(status, st, what, err);
    json_object_put(st);
    return r;
}

/* An ERROR event ends the watch; a 410 inside it means "relist". */
static int error_event(mk_watchstream *ws, json_object *obj)
{
    int r = status_from_object(500, obj, "watch", &ws->err);
    if (ws->err.code == MK_EGONE)
        return r;
    ws->events++;
    ws->fn(ws->ctx, "ERROR", obj);
    return r;
}

static int watch_line(void *ctx, const char *line, size_t len)
{
    mk_watchstream *ws = ctx;
    json_tokener_reset(ws->tok);
    json_object *ev = json_tokener_parse_ex(ws->tok, line, (int)len);
    json_object *obj = NULL;
    const char *type = NULL;
    if (ev && json_object_is_type(ev, json_type_object)) {
        type = mk_json_str(ev, "type");
        json_object_object_get_ex(ev, "object", &obj);
    }
    int r;
    if (!type || !json_object_is_type(obj, json_type_object))
        r = mk_error(&ws->err, EBADMSG, "watch: not an event: %.*s", len > 120 ? 120 : (int)len,
                     line);
    else if (strcmp(type, "ERROR") == 0)
        r = error_event(ws, obj);
    else {
        ws->events++;
        r = ws->fn(ws->ctx, type, obj) ? 1 : 0;
    }
    json_object_put(ev);
    return r;
}

int watchstream_feed(mk_watchstream *ws, const char *data, size_t len)
{
    return linesplit_feed(&ws->lines, data, len, watch_line, ws);
}
