/* stats.h - container CPU and memory from the cgroups, as /metrics
 * (Prometheus text) and /stats/summary (the kubelet Summary API's shape,
 * which the HPA reads). usageNanoCores is the rate over the window since
 * the previous sample of the same container (the first ask takes a 100 ms
 * window). */
#ifndef MK_KUBELET_STATS_H
#define MK_KUBELET_STATS_H

#include "kubelet/kubelet.h"
#include "store/util.h"

typedef struct stats_cache stats_cache;

stats_cache *stats_cache_new(void);
void stats_cache_free(stats_cache *sc);

void stats_metrics(kubelet *kl, stats_cache *sc, mk_buf *out);
void stats_summary(kubelet *kl, stats_cache *sc, mk_buf *out);

#endif
