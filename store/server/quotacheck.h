/* quotacheck.h - Kubernetes' ResourceQuota admission: a create that would
 * take its namespace past a quota's spec.hard is refused with 403, in
 * Kubernetes' words ("exceeded quota: q, requested: pods=1, used: pods=2,
 * limited: pods=2"); so is a pod under a cpu or memory quota whose
 * containers do not say that resource ("failed quota: q: must specify
 * requests.cpu for: app").
 *
 * Usage is counted from the store at each create (store/quota.h), not
 * from the quota's status, which the quota controller keeps for people to
 * read. The count and the write it admits are one step: quota_admit holds
 * a lock until quota_admit_done, so two creates cannot both take the last
 * pod of a quota. (On one API server: servers sharing an etcd may each
 * admit one.) Namespaces without a quota (nsset_has_policies) cost nothing.
 * Status updates are not judged: what they change (a pod's phase) only
 * frees use.
 */
#ifndef MK_SERVER_QUOTACHECK_H
#define MK_SERVER_QUOTACHECK_H

#include <stdbool.h>

#include <json-c/json.h>

#include "store/kinds.h"
#include "store/server/apiserver.h"

typedef struct quota_hold {
    bool held;
} quota_hold;

/* Admit the create of obj (kind k) in namespace ns: 0, or EACCES naming
 * the quota. On 0, call quota_admit_done once the write is over. */
int quota_admit(api_req *r, const mk_kind *k, const char *ns, json_object *obj, quota_hold *h,
                mk_err *err);
/* The same for an update from old to obj: judged only where obj takes
 * more than old did (a Service made NodePort, a claim grown, a pod moved
 * into a quota's scope), as Kubernetes judges updates. */
int quota_admit_update(api_req *r, const mk_kind *k, const char *ns, json_object *old,
                       json_object *obj, quota_hold *h, mk_err *err);
void quota_admit_done(quota_hold *h);

#endif
