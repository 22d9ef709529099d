/* monocond.h - condition variables timed on CLOCK_MONOTONIC, so a wall
 * clock step never stretches or cuts a wait. */
#ifndef MK_MONOCOND_H
#define MK_MONOCOND_H

#include <pthread.h>
#include <stdint.h>

/* pthread_cond_init with the monotonic clock; destroy as any cond. */
void monocond_init(pthread_cond_t *cond);
/* pthread_cond_timedwait for at most wait_ms (<= 0: a check and return);
 * mu held, as for any cond wait. Returns what pthread_cond_timedwait does. */
int monocond_wait_ms(pthread_cond_t *cond, pthread_mutex_t *mu, int64_t wait_ms);
/* The wait of a queue's pop: until due_ms (INT64_MAX: none), but at
 * most cap_ms from now_ms (all ms on mk_now_ns()'s clock). */
int monocond_wait_until(pthread_cond_t *cond, pthread_mutex_t *mu, int64_t now_ms,
                        int64_t due_ms, int64_t cap_ms);

#endif
