/* dispatch.h - one complete request to its handler: health, version,
 * metrics, discovery, then authentication, authorization and the REST
 * handlers of objects.c and stream.c. */
#ifndef MK_SERVER_DISPATCH_H
#define MK_SERVER_DISPATCH_H

#include "store/server/apiserver.h"

enum MHD_Result dispatch(api_req *r);

#endif
