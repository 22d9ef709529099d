/* client.h - the HTTP client every daemon and tool uses to reach mk-apiserver.
 *
 * Built on libcurl. One mk_client is safe to share between threads: each
 * request borrows an easy handle from a small pool, so connections are kept
 * alive and reused. Non-2xx answers become errors: the Kubernetes Status the
 * server sent is decoded into err (code from mk_error_from_http, message
 * from Status.message).
 */
#ifndef MK_CLIENT_H
#define MK_CLIENT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/error.h"
#include "store/kinds.h"

typedef struct mk_client mk_client;

/* Every client binary takes the API server's CA under kubectl's name. */
#define MK_CA_FLAG "certificate-authority"

typedef struct mk_client_opts {
    const char *server;     /* "http://127.0.0.1:6443" or https://... */
    const char *token_file; /* NULL: no Authorization header */
    const char *ca_file;    /* https: the CA to trust; NULL: system store */
    bool insecure;          /* https: skip verification (tests only) */
    int timeout_ms;         /* per request, not for watches; 0: 10 s */
    const char *user_agent; /* "mk-fs"; NULL: "minik8s" */
} mk_client_opts;

/* Read a token the way every daemon does: the first field of the first
 * line ("TOKEN" or "TOKEN,user,role" - the API server's own file works).
 * Caller frees *token. */
int client_read_token(const char *path, char **token, mk_err *err);

int client_new(const mk_client_opts *opts, mk_client **out, mk_err *err);
void client_free(mk_client *c);
const char *client_server(const mk_client *c);

/* A raw exchange. path includes the query. body may be NULL. On any HTTP
 * answer (2xx or not) *status, *resp (caller frees, NUL-terminated) are set;
 * a non-2xx answer also returns the decoded error. Transport failures
 * return ECONNREFUSED/ETIMEDOUT/EIO with curl's message. warning, if not
 * NULL, receives the Warning header (caller frees; NULL if none). */
int client_request(mk_client *c, const char *method, const char *path, const char *content_type,
                   const char *body, size_t len, int *status, char **resp, size_t *resp_len,
                   char **warning, mk_err *err);

/* Typed calls. ns is ignored for cluster-scoped kinds (NULL allowed).
 * Objects returned are owned by the caller (json_object_put). */
int client_get(mk_client *c, const mk_kind *k, const char *ns, const char *name,
               json_object **out, mk_err *err);
/* List into a JSON array of items; *rev is the list's resourceVersion.
 * ns NULL lists all namespaces. Selectors may be NULL. */
int client_list(mk_client *c, const mk_kind *k, const char *ns, const char *label_sel,
                const char *field_sel, json_object **items, int64_t *rev, mk_err *err);
int client_create(mk_client *c, const mk_kind *k, const char *ns, json_object *obj,
                  json_object **out, mk_err *err);
/* PUT: obj carries metadata.resourceVersion; a stale one fails ESTALE. */
int client_update(mk_client *c, const mk_kind *k, const char *ns, json_object *obj,
                  json_object **out, mk_err *err);
/* PUT .../status */
int client_update_status(mk_client *c, const mk_kind *k, const char *ns, json_object *obj,
                         json_object **out, mk_err *err);
/* JSON merge patch (RFC 7386); subresource NULL or "status". */
int client_patch(mk_client *c, const mk_kind *k, const char *ns, const char *name,
                 const char *subresource, const char *patch, json_object **out, mk_err *err);
/* Strategic merge patch: lists with a merge key (conditions by type,
 * containers by name...) are merged element by element, as Kubernetes'
 * kubelet patches a pod's status without taking others' conditions off. */
int client_patch_strategic(mk_client *c, const mk_kind *k, const char *ns, const char *name,
                           const char *subresource, const char *patch, json_object **out,
                           mk_err *err);
/* propagation: NULL (server default: Background), "Orphan", "Foreground". */
int client_delete(mk_client *c, const mk_kind *k, const char *ns, const char *name,
                  const char *propagation, mk_err *err);
/* POST pods/{name}/binding to node. */
int client_bind(mk_client *c, const char *ns, const char *pod, const char *node, mk_err *err);

/* A watch event as delivered to mk_watch_fn: type is "ADDED", "MODIFIED",
 * "DELETED", "BOOKMARK" or "ERROR"; obj borrowed for the call. Return 0 to
 * continue, non-zero to end the watch (client_watch then returns 0). */
typedef int (*mk_watch_fn)(void *ctx, const char *type, json_object *obj);

/* Stream a watch from revision rev until the server ends it, fn asks to
 * stop, or *stop becomes true (checked at least once a second; may be
 * NULL). An ERROR event with code 410 returns MK_EGONE. */
int client_watch(mk_client *c, const mk_kind *k, const char *ns, const char *label_sel,
                 const char *field_sel, int64_t rev, mk_watch_fn fn, void *ctx,
                 volatile bool *stop, mk_err *err);

/* Stream a GET (pod logs with follow) to fn chunk by chunk; fn returns
 * non-zero to stop. */
typedef int (*mk_chunk_fn)(void *ctx, const char *data, size_t len);
int client_stream(mk_client *c, const char *path, mk_chunk_fn fn, void *ctx,
                  volatile bool *stop, mk_err *err);

#endif
