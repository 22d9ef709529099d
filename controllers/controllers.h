/* controllers.h - the controllers mk-controller-manager is built with. */
#ifndef MK_CONTROLLERS_H
#define MK_CONTROLLERS_H

#include "controllers/manager.h"

/* nodeipam.c: a free podCIDR for every node that has none. */
extern const mk_controller nodeipam_controller;
/* nodelifecycle.c: silent nodes go Ready=Unknown, tainted; their pods
 * are evicted after the eviction timeout. */
extern const mk_controller nodelifecycle_controller;
/* endpoints.c: Endpoints from the ready pods a Service selects. */
extern const mk_controller endpoints_controller;

#endif
