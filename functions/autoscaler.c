/* autoscaler.c - KPA-style concurrency autoscaling (see autoscaler.h). */
#include "functions/autoscaler.h"

#include <math.h>

void kpa_init(kpa *a, int64_t current)
{
    *a = (kpa){.last = current};
}

void kpa_record(kpa *a, int64_t now_ms, double concurrency)
{
    int i = (a->head + a->n) % KPA_MAX_SAMPLES;
    if (a->n == KPA_MAX_SAMPLES) {
        i = a->head;
        a->head = (a->head + 1) % KPA_MAX_SAMPLES;
    } else
        a->n++;
    a->t[i] = now_ms;
    a->c[i] = concurrency;
}

static double window_mean(const kpa *a, int64_t now_ms, int64_t window_ms)
{
    double sum = 0;
    int n = 0;
    for (int k = 0; k < a->n; k++) {
        int i = (a->head + k) % KPA_MAX_SAMPLES;
        if (now_ms - a->t[i] < window_ms) {
            sum += a->c[i];
            n++;
        }
    }
    return n ? sum / n : 0;
}

static int64_t want(double conc, double target)
{
    return conc <= 0 ? 0 : (int64_t)ceil(conc / target - 1e-9);
}

kpa_decision kpa_decide(kpa *a, const kpa_config *cfg, int64_t now_ms, int64_t ready,
                        int64_t last_call_ms)
{
    /* Drop samples older than the stable window. */
    while (a->n && now_ms - a->t[a->head] >= cfg->stable_window_ms) {
        a->head = (a->head + 1) % KPA_MAX_SAMPLES;
        a->n--;
    }
    double target = cfg->target > 0 ? cfg->target : 10;
    kpa_decision d = {.stable = window_mean(a, now_ms, cfg->stable_window_ms),
                      .panic = window_mean(a, now_ms, cfg->panic_window_ms)};
    int64_t want_s = want(d.stable, target), want_p = want(d.panic, target);
    if (want_p >= 2 * (ready > 0 ? ready : 1) && want_p > 1) {
        a->panic = true;
        a->panic_until_ms = now_ms + cfg->stable_window_ms;
    } else if (a->panic && now_ms >= a->panic_until_ms)
        a->panic = false;
    int64_t n = want_s;
    if (a->panic)
        n = want_p > a->last ? want_p : a->last;
    bool recent = last_call_ms > 0 && now_ms - last_call_ms < cfg->scale_to_zero_ms;
    if (recent && n < 1)
        n = 1;
    if (n < cfg->min)
        n = cfg->min;
    if (n > cfg->max)
        n = cfg->max;
    d.desired = n;
    d.panic_mode = a->panic;
    a->last = n;
    return d;
}
