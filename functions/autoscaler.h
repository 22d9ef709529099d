/* autoscaler.h - concurrency autoscaling as Knative's KPA, for one function.
 *
 * mk-router feeds the time-weighted average number of requests in flight
 * (queued ones included) once per tick; kpa_decide turns the samples into
 * a replica count:
 *   stable = mean concurrency over the stable window (60 s)
 *   panic  = mean concurrency over the panic window (6 s)
 *   want_s = ceil(stable / target), want_p = ceil(panic / target)
 * Panic mode starts when want_p reaches twice the pods ready now (a burst)
 * and ends once a whole stable window has passed without that; in panic
 * the count only grows (max of want_p and the last decision). Otherwise
 * the count is want_s. After scaleToZeroAfter seconds with no call the
 * count may reach 0; before that it stays at least 1 once called.
 * Clamped to [min, max]. Not thread-safe: the caller serialises.
 */
#ifndef MK_FUNCTIONS_AUTOSCALER_H
#define MK_FUNCTIONS_AUTOSCALER_H

#include <stdbool.h>
#include <stdint.h>

#define KPA_MAX_SAMPLES 1024

typedef struct kpa_config {
    int64_t stable_window_ms; /* 60000 */
    int64_t panic_window_ms;  /* 6000 */
    double target;            /* targetConcurrency, > 0 */
    int64_t scale_to_zero_ms; /* scaleToZeroAfter */
    int64_t min, max;
} kpa_config;

typedef struct kpa {
    int64_t t[KPA_MAX_SAMPLES]; /* sample times, ms */
    double c[KPA_MAX_SAMPLES];  /* average concurrency over the tick */
    int head, n;
    bool panic;
    int64_t panic_until_ms; /* panic lasts at least until then */
    int64_t last;           /* the last decision */
} kpa;

typedef struct kpa_decision {
    int64_t desired;
    double stable, panic; /* the window averages that led there */
    bool panic_mode;
} kpa_decision;

void kpa_init(kpa *a, int64_t current);
void kpa_record(kpa *a, int64_t now_ms, double concurrency);
/* ready: pods ready now; last_call_ms: when the last call came (0: never). */
kpa_decision kpa_decide(kpa *a, const kpa_config *cfg, int64_t now_ms, int64_t ready,
                        int64_t last_call_ms);

#endif
