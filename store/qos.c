/* qos.c - a pod's quality-of-service class (see qos.h). */
#include "store/qos.h"

#include <stdbool.h>
#include <stdio.h>

#include "store/codec.h"
#include "store/quantity.h"

/* The resources that decide the class; others (ephemeral-storage, hugepages)
 * do not. */
static const char *const qos_resources[] = {"cpu", "memory"};
#define NRES 2

/* One quantity of one container in thousandths; 0 when absent, zero,
 * negative or unparsable (Kubernetes counts only quantities above zero). */
static int64_t amount(json_object *ctr, const char *kind, const char *res)
{
    char path[64];
    snprintf(path, sizeof path, "resources.%s.%s", kind, res);
    int64_t v = quantity_parse_milli(mk_json_str(ctr, path));
    return v > 0 ? v : 0;
}

int64_t qos_request_milli(json_object *ctr, const char *resource)
{
    int64_t v = amount(ctr, "requests", resource);
    return v ? v : amount(ctr, "limits", resource);
}

mk_qos qos_of_spec(json_object *spec)
{
    int64_t req[NRES] = {0}, lim[NRES] = {0};
    bool guaranteed = true;
    static const char *const lists[] = {"containers", "initContainers"};
    for (size_t l = 0; l < 2; l++) {
        json_object *ctrs = mk_json_path(spec, lists[l]);
        size_t n = mk_json_array_len(ctrs);
        for (size_t i = 0; i < n; i++) {
            json_object *c = json_object_array_get_idx(ctrs, i);
            for (size_t r = 0; r < NRES; r++) {
                int64_t limit = amount(c, "limits", qos_resources[r]);
                req[r] += qos_request_milli(c, qos_resources[r]);
                lim[r] += limit;
                if (!limit) /* a Guaranteed pod limits both, in every container */
                    guaranteed = false;
            }
        }
    }
    bool any = false;
    for (size_t r = 0; r < NRES; r++) {
        any = any || req[r] || lim[r];
        if (req[r] != lim[r])
            guaranteed = false;
    }
    if (!any)
        return QOS_BEST_EFFORT;
    return guaranteed ? QOS_GUARANTEED : QOS_BURSTABLE;
}

const char *qos_name(mk_qos q)
{
    switch (q) {
    case QOS_GUARANTEED:
        return "Guaranteed";
    case QOS_BURSTABLE:
        return "Burstable";
    case QOS_BEST_EFFORT:
        break;
    }
    return "BestEffort";
}

int qos_oom_score_adj(mk_qos q, int64_t mem_request, int64_t mem_capacity)
{
    if (q == QOS_GUARANTEED)
        return -997;
    if (q == QOS_BEST_EFFORT)
        return 1000;
    if (mem_request > mem_capacity)
        mem_request = mem_capacity;
    int64_t adj = mem_capacity > 0 ? 1000 - 1000 * mem_request / mem_capacity : 1000;
    if (adj < 1000 - 997) /* never as safe as a Guaranteed pod */
        return 1000 - 997;
    return adj >= 1000 ? 999 : (int)adj; /* nor as exposed as a BestEffort one */
}
