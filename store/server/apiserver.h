/* apiserver.h - what the modules of mk-apiserver share: the server, one
 * request in flight, and the reply helpers every handler answers through.
 *
 * Private to store/server/: no other part includes it.
 */
#ifndef MK_APISERVER_H
#define MK_APISERVER_H

#include <json-c/json.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/backend/backend.h"
#include "store/error.h"
#include "store/kinds.h"
#include "store/util.h"
#include "store/validate.h"

struct hub;
struct nsset;
struct prioset;
struct auth;
struct metrics;

typedef struct api_server {
    mk_backend *be;
    struct hub *hub;
    /* The live namespaces (namespaces.h); NULL: ask the store. */
    struct nsset *namespaces;
    /* The PriorityClasses (priority.h), for pod admission. */
    struct prioset *priorities;
    struct auth *auth; /* NULL: no token file, everyone is admin */
    /* What TokenRequest tokens are signed with (tokenreq.h): the stored
     * key's base64 text. */
    char token_key[64];
    size_t token_key_len;
    struct metrics *metrics;
    int bookmark_ms; /* idle time between BOOKMARK events */
    /* Pods bound to a node are only marked by DELETE and go when the
     * kubelet confirms (--graceful-pod-deletion); off: they go at once. */
    bool graceful_pods;
    char listen[128]; /* "127.0.0.1:6443", for discovery */
    /* List producer threads still running: backend_close waits for 0. */
    atomic_int producers;
    /* Exec relays (proxy.c) still running, and the flag that ends them:
     * upgraded connections must close before the HTTP server stops. */
    atomic_int relays;
    atomic_bool stopping;
} api_server;

typedef enum api_role {
    ROLE_ADMIN = 0,
    ROLE_CONTROLLER,
    ROLE_NODE,
    ROLE_RBAC, /* authorized by RBAC bindings (rbac.h) */
} api_role;

/* One request, from its first byte to its reply. */
typedef struct api_req {
    api_server *srv;
    struct MHD_Connection *conn;
    const char *method; /* "GET" ... borrowed from MHD */
    const char *url;    /* path, percent-decoded, without the query */
    const char *verb;   /* get list watch create update patch delete ... (metrics, auth) */
    mk_buf body;
    bool body_too_big;
    bool replied;
    bool dry_run;      /* ?dryRun=All: everything but the store's write */
    const char *user;  /* from the token; "admin" without auth */
    char account[320]; /* user, for a service account's token (satoken.h) */
    api_role role;
    int64_t start_ns;
    mk_warnings warn; /* sent as Warning: 299 headers */
} api_req;

/* The query parameter, percent-decoded, or NULL. */
const char *api_query(api_req *r, const char *name);
/* A request header, or NULL. */
const char *api_header(api_req *r, const char *name);
/* True if the client asked for a meta.k8s.io Table (kubectl get). */
bool api_wants_table(api_req *r);

/* Replies. Each queues exactly one response and records metrics; the
 * return value is what the MHD access handler returns. */
enum MHD_Result api_reply_resp(api_req *r, unsigned status, struct MHD_Response *resp,
                               const char *content_type);
/* body is copied. */
enum MHD_Result api_reply_text(api_req *r, unsigned status, const char *content_type,
                               const char *body, size_t len);
enum MHD_Result api_reply_json(api_req *r, unsigned status, json_object *obj);
/* A Kubernetes Status for err; kind/name fill details when known. */
enum MHD_Result api_reply_err(api_req *r, const mk_err *err, const mk_kind *k,
                              const char *name);
/* Shorthand: api_reply_err for a fresh error. */
enum MHD_Result api_fail(api_req *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* status.c: a Status object ("Failure" unless code < 400). Caller puts. */
json_object *status_new(int http_code, const char *reason, const char *message,
                        const mk_kind *k, const char *name);
/* The same, as a JSON line body, caller frees. */
char *status_json(int http_code, const char *reason, const char *message, const mk_kind *k,
                  const char *name);

#endif
