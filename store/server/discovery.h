/* discovery.h - what kubectl asks before anything else: /api, /api/v1,
 * /apis, /apis/{group}[/{version}], /version, and a 404 for the openapi paths
 * (kubectl then works without schemas). Built from the kinds table. */
#ifndef MK_SERVER_DISCOVERY_H
#define MK_SERVER_DISCOVERY_H

#include <stdbool.h>

#include "store/server/apiserver.h"

/* If r's path is a discovery path, reply and return true (*ret set). */
bool discovery_serve(api_req *r, enum MHD_Result *ret);

#endif
