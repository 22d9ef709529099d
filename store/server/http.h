/* http.h - libmicrohttpd under mk-apiserver: the listening socket, TLS,
 * request bodies (at most MK_MAX_OBJECT_BYTES, else 413) and the hand-off
 * of each complete request to dispatch (dispatch.h).
 */
#ifndef MK_SERVER_HTTP_H
#define MK_SERVER_HTTP_H

#include <stdbool.h>

#include "store/server/apiserver.h"

typedef struct http_server http_server;

typedef struct http_opts {
    const char *listen;   /* "127.0.0.1:6443" ("host:port", "[::1]:6443") */
    bool loopback_only;   /* refuse a non-loopback address */
    const char *tls_cert; /* PEM files; both or neither */
    const char *tls_key;
} http_opts;

/* Bind and start serving srv. Errors name the address ("listen
 * 127.0.0.1:6443: Address already in use"). On success srv->listen holds
 * the bound address (the real port when 0 was asked). */
int http_start(api_server *srv, const http_opts *opts, http_server **out, mk_err *err);
/* Stop accepting new connections (existing ones go on). */
void http_quiesce(http_server *h);
/* Close every connection and free. */
void http_stop(http_server *h);

#endif
