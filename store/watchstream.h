/* watchstream.h - turn a streamed HTTP body into lines, and lines into
 * watch events. Private to store/client.c (and its unit tests).
 *
 * A watch answer is one JSON event a line. curl hands the body over in
 * chunks that may end inside a line or hold many lines, so complete lines
 * are cut out of each chunk and only the unfinished tail is kept.
 */
#ifndef MK_WATCHSTREAM_H
#define MK_WATCHSTREAM_H

#include <json-c/json.h>
#include <stddef.h>

#include "store/client.h"
#include "store/error.h"
#include "store/util.h"

/* Called for each complete line, without its "\n" (or "\r\n"); line is
 * borrowed and not NUL-terminated. Empty lines are skipped. Return 0 to go
 * on; anything else stops the feed and is returned by linesplit_feed. */
typedef int (*mk_line_fn)(void *ctx, const char *line, size_t len);

typedef struct mk_linesplit {
    mk_buf tail; /* the unfinished line carried over from earlier chunks */
} mk_linesplit;

/* Feed one chunk. Returns 0, or the first non-zero value of fn. */
int linesplit_feed(mk_linesplit *ls, const char *data, size_t len, mk_line_fn fn, void *ctx);
/* Bytes of an unfinished line held back (0 at a clean end of stream). */
size_t linesplit_pending(const mk_linesplit *ls);
void linesplit_free(mk_linesplit *ls);

/* Watch events from lines. The fields after `ctx` are results. */
typedef struct mk_watchstream {
    mk_linesplit lines;
    json_tokener *tok;
    mk_watch_fn fn;
    void *ctx;
    int64_t events; /* events delivered to fn so far */
    mk_err err;     /* why the stream ended, when it ended with an error */
} mk_watchstream;

void watchstream_init(mk_watchstream *ws, mk_watch_fn fn, void *ctx);
void watchstream_free(mk_watchstream *ws);

/* Feed a chunk of the watch body. Returns 0 to go on, 1 when fn asked to
 * stop, or a negative error code with ws->err set: EBADMSG for a line that
 * is not a watch event, MK_EGONE for an ERROR event carrying a 410 Status,
 * the Status' code (via mk_error_from_http) for any other ERROR event, which
 * fn sees first. */
int watchstream_feed(mk_watchstream *ws, const char *data, size_t len);

/* Decode a Kubernetes Status object (or any error body) into err; status
 * is the HTTP status, used when the body carries no code. Returns -code. */
int watchstream_status_error(long status, const char *body, size_t len, const char *what,
                             mk_err *err);

#endif
