/* cron.h - cron schedules and time zones, for CronJobs.
 *
 * The schedule language is Kubernetes' (robfig/cron's standard parser):
 * five fields "minute hour day-of-month month day-of-week" with `*`, `?`
 * (as `*` in the day fields), ranges `a-b`, steps `*\/n`, `a-b/n`, `a/n`
 * (a to the end), lists `a,b`, month names jan..dec, day names sun..sat
 * (7 is Sunday too), and the macros @yearly @annually @monthly @weekly
 * @daily @midnight @hourly. When both day fields are restricted (neither
 * starts with `*` or `?`), a day matches either, as in cron(8).
 *
 * Time zones come from the TZif files under /usr/share/zoneinfo (read
 * once, no TZ environment variable, so threads never race on it). Past
 * the last transition in the file (2037 in Debian's files) the last offset
 * holds. Local times skipped by a clock change never fire; local times
 * repeated by one fire at each occurrence.
 */
#ifndef MK_CRON_H
#define MK_CRON_H

#include <stdbool.h>
#include <stdint.h>

#include "store/error.h"

typedef struct cron_schedule {
    uint64_t minute; /* bit n: minute n matches */
    uint32_t hour, dom;
    uint16_t month; /* bits 1..12 */
    uint8_t dow;    /* bits 0..6, Sunday 0 */
    bool dom_star, dow_star;
} cron_schedule;

/* Parse spec into *out. EINVAL with a message that names the problem
 * (without a field path: callers add theirs). */
int cron_parse(const char *spec, cron_schedule *out, mk_err *err);

typedef struct cron_zone cron_zone;

/* Load a zone: NULL, "", "UTC" and "Etc/UTC" are UTC; anything else is a
 * file under /usr/share/zoneinfo. ENOENT for an unknown zone, EINVAL for a
 * name that is not a zone name. *out is the caller's (cron_zone_free). */
int cron_zone_load(const char *name, cron_zone **out, mk_err *err);
void cron_zone_free(cron_zone *z);
/* Seconds east of UTC in zone z at the instant t (Unix seconds). */
int64_t cron_zone_offset(const cron_zone *z, int64_t t);

/* The first time strictly after `after` (Unix seconds) at which s fires in
 * zone z (NULL: UTC), on a whole minute; -1 when none within 5 years (a
 * schedule like "0 0 30 2 *"). */
int64_t cron_next(const cron_schedule *s, const cron_zone *z, int64_t after);

#endif
