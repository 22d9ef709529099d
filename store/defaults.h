/* defaults.h - Kubernetes' defaults for the fields clients read back: a
 * CronJob's concurrencyPolicy and history limits, a StatefulSet's
 * updateStrategy and podManagementPolicy, a container port's or Service
 * port's protocol (TCP), a Service port's targetPort (its port), a
 * Secret's type (Opaque), a PersistentVolume's reclaim policy (Retain) and
 * volumeMode (Filesystem, a claim's too), a StorageClass's reclaimPolicy
 * (Delete) and volumeBindingMode (Immediate)... Set where absent, on create
 * and update alike (an update that omits them changes nothing), before
 * validation, as the API server's defaulting runs before its validation.
 * One place for every kind's, so the API server and tests agree.
 */
#ifndef MK_DEFAULTS_H
#define MK_DEFAULTS_H

#include <json-c/json.h>

#include "store/kinds.h"

void defaults_apply(const mk_kind *k, json_object *obj);

#endif
