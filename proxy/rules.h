/* rules.h - Services and Endpoints as the text of one nftables table.
 *
 * The table (`ip minik8s`, see docs/networking.md) is rendered whole from a
 * snapshot and applied in one transaction (nft.h), so the kernel never sees
 * half a change. Pure: no I/O, unit-tested in tests/unit/test_proxy_rules.c.
 *
 *   map services      ClusterIP . proto . port : goto svc/NS/NAME/PORT
 *   map no-endpoints  ClusterIP . proto . port : goto no-endpoint (rejects)
 *   chain svc/...     dnat ip to numgen inc mod N map { i : IP . PORT }:
 *                     per connection round robin over the ready endpoints
 *                     (one rule, however many endpoints)
 *   set hairpin       IP . IP for every endpoint
 *   nat prerouting (traffic from pods) and output (from the node) look
 *   the map up; nat postrouting masquerades connections marked in svc/...
 *   (from outside the cluster CIDR) and hairpin ones (a pod reaching
 *   itself); filter forward and output reject what no-endpoints holds.
 */
#ifndef MK_PROXY_RULES_H
#define MK_PROXY_RULES_H

#include <json-c/json.h>
#include <stddef.h>

#define RULES_TABLE     "minik8s"
#define RULES_FAMILY    "ip"
#define RULES_MASQ_MARK "0x4000"

typedef struct rules_config {
    const char *cluster_cidr; /* "10.244.0.0/16" */
} rules_config;

typedef struct rules_stats {
    size_t services;  /* service ports with a ClusterIP */
    size_t endpoints; /* endpoint chains */
} rules_stats;

/* Incremental form, for callers that walk a cache: begin, add each
 * Service with its Endpoints (NULL if none; both only read, not kept),
 * finish (frees the builder; returns what rules_render returns). */
typedef struct rules_builder rules_builder;
rules_builder *rules_begin(const rules_config *cfg);
void rules_add(rules_builder *b, json_object *svc, json_object *eps);
char *rules_finish(rules_builder *b, rules_stats *stats);

/* The script that replaces the table: it creates the table when missing,
 * deletes it and declares it anew (one nft transaction). svcs[i] are
 * Services, eps[i] their Endpoints or NULL; both only read. Services
 * without a ClusterIP (headless, or not yet allocated) are skipped.
 * Caller frees. stats may be NULL. */
char *rules_render(const rules_config *cfg, json_object *const *svcs, json_object *const *eps,
                   size_t n, rules_stats *stats);

/* The script that removes the table (and only it). Static. */
const char *rules_delete_script(void);

#endif
