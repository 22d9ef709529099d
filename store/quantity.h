/* quantity.h - Kubernetes resource quantities, parsed exactly.
 *
 * "500m", "0.5", "2", "128Mi", "1G", "1e3", "1.5Gi". A quantity is kept as
 * an exact decimal: value = mant * 10^exp10 * 2^exp2 is never rounded while
 * parsing; conversions round as Kubernetes does (MilliValue and Value round
 * up).
 */
#ifndef MK_QUANTITY_H
#define MK_QUANTITY_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#include "store/error.h"

typedef struct mk_quantity {
    int64_t mant;  /* signed significand */
    int32_t exp10; /* decimal exponent (from the digits, 'm', 'k', 'M', 'e3'...) */
    int32_t exp2;  /* binary exponent (from 'Ki', 'Mi', ...) */
} mk_quantity;

/* Parse s. EINVAL with a message quoting s on bad syntax or overflow. */
int quantity_parse(const char *s, mk_quantity *q, mk_err *err);

/* The value in thousandths, rounded up (cpu "500m" -> 500, "0.5" -> 500). */
int64_t quantity_milli(const mk_quantity *q);
/* The value in units, rounded up (memory "128Mi" -> 134217728). */
int64_t quantity_value(const mk_quantity *q);
/* -1, 0, 1 as a < b, a == b, a > b, compared exactly. */
int quantity_cmp(const mk_quantity *a, const mk_quantity *b);

/* Shorthands for fields that may be absent: parse or return -1. */
int64_t quantity_parse_milli(const char *s);
int64_t quantity_parse_value(const char *s);

/* Format a milli-value the way Kubernetes prints CPU ("250m", "2"). */
void quantity_format_milli(int64_t milli, char *buf, size_t n);
/* Format bytes with the largest exact binary suffix ("128Mi", "1000"). */
void quantity_format_bytes(int64_t bytes, char *buf, size_t n);

#endif
