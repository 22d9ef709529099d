/* nslife.h - the end of a namespace, as Kubernetes' namespace controller
 * runs it (here inside the API server).
 *
 * DELETE of a namespace deletes what it holds. What does not go at once (a
 * pod still stopping, an object held by finalizers) keeps the namespace:
 * it is marked, status.phase Terminating, takes no new content (403), and
 * is removed by the write that removes the last object in it.
 */
#ifndef MK_SERVER_NSLIFE_H
#define MK_SERVER_NSLIFE_H

#include <stdbool.h>

#include "store/server/apiserver.h"

/* Does namespace ns still hold any object? */
bool nslife_holds(api_server *srv, const char *ns);

/* After a write that removed or released an object in ns: when ns is
 * Terminating and now empty, remove it. Failures are logged; the next
 * such write, or another DELETE of the namespace, tries again. */
void nslife_reap(api_server *srv, const char *ns);

#endif
