/* namespaces.h - the live namespaces, kept in memory.
 *
 * Every namespaced create asks whether its namespace exists. Reading the
 * store for that costs a read transaction per create (and, in WAL mode,
 * rereading pages every commit invalidated); this set answers from memory.
 * It follows the backend's event sink, which sees every committed change
 * before the writer is acknowledged, so a namespace is here as soon as its
 * creation has been acknowledged, and gone as soon as its deletion has.
 * It counts each namespace's ResourceQuotas and LimitRanges the same way.
 */
#ifndef MK_SERVER_NAMESPACES_H
#define MK_SERVER_NAMESPACES_H

#include <stdbool.h>

#include "store/backend/backend.h"
#include "store/error.h"

typedef struct nsset nsset;

nsset *nsset_new(void);
void nsset_free(nsset *s);
/* Follow one committed change; changes to other keys are ignored. Quick
 * and non-blocking for writers (callable from the event sink). */
void nsset_apply(nsset *s, const mk_event *ev);
/* Add every namespace the store holds now. Call once the sink feeds
 * nsset_apply, so that no change falls between the two. */
int nsset_load(nsset *s, mk_backend *be, mk_err *err);
/* NS_TERMINATING: the namespace is being deleted (deletionTimestamp): it
 * takes no new content, and goes once what it holds has gone (nslife.h). */
typedef enum { NS_ABSENT, NS_ACTIVE, NS_TERMINATING } ns_state;
ns_state nsset_state(nsset *s, const char *name);
/* Whether the namespace holds a ResourceQuota or a LimitRange: creates in
 * the others skip admission's reads of them (store/server/limitrange.h,
 * quotacheck.h). True without a set (s NULL): then the store says. */
bool nsset_has_policies(nsset *s, const char *name);

#endif
