/* stream.h - replies that stream: lists and watches.
 *
 * A list is produced by a thread that walks backend_list and writes into a
 * pipe that libmicrohttpd sends from, so a list of 100,000 objects never
 * sits in memory: the pipe's capacity is the only buffer, and a client that
 * goes away ends the walk (EPIPE).
 *
 * A watch is a content-reader callback over the hub (watch.h): optional
 * synthetic ADDED events from one list snapshot (the same producer), then
 * every event after the snapshot's revision, BOOKMARKs while idle, an ERROR
 * event (410 Expired) when the asked revision is compacted away.
 */
#ifndef MK_SERVER_STREAM_H
#define MK_SERVER_STREAM_H

#include "store/server/apiserver.h"
#include "store/server/route.h"

/* GET on a collection without watch. */
enum MHD_Result stream_list(api_req *r, const api_route *rt);
/* GET with ?watch=true or under /watch/. */
enum MHD_Result stream_watch(api_req *r, const api_route *rt);

/* Wait (up to timeout_ms) until every producer thread has ended. */
void stream_wait_producers(api_server *srv, int timeout_ms);

#endif
