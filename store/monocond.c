#include "store/monocond.h"

#include <time.h>

void monocond_init(pthread_cond_t *cond)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(cond, &ca);
    pthread_condattr_destroy(&ca);
}

int monocond_wait_ms(pthread_cond_t *cond, pthread_mutex_t *mu, int64_t wait_ms)
{
    if (wait_ms < 0)
        wait_ms = 0;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += wait_ms / 1000;
    ts.tv_nsec += (wait_ms % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    return pthread_cond_timedwait(cond, mu, &ts);
}

int monocond_wait_until(pthread_cond_t *cond, pthread_mutex_t *mu, int64_t now_ms,
                        int64_t due_ms, int64_t cap_ms)
{
    int64_t wait = due_ms == INT64_MAX ? cap_ms : due_ms - now_ms;
    if (wait > cap_ms)
        wait = cap_ms;
    return monocond_wait_ms(cond, mu, wait);
}
