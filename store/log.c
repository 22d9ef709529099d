#include "store/log.h"
#include "store/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static const char *log_program = "minik8s";
static int log_debug = -1;

void mk_log_init(const char *program)
{
    log_program = program;
    log_debug = getenv("MK_DEBUG") != NULL;
}

static void log_line(const char *fmt, va_list ap)
{
    char ts[32], line[2048];
    mk_rfc3339(ts, sizeof ts, time(NULL));
    vsnprintf(line, sizeof line, fmt, ap);
    /* One fprintf so concurrent threads do not interleave within a line. */
    fprintf(stderr, "%s %s: %s\n", ts, log_program, line);
}

void mk_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_line(fmt, ap);
    va_end(ap);
}

void mk_debug(const char *fmt, ...)
{
    if (log_debug < 0)
        log_debug = getenv("MK_DEBUG") != NULL;
    if (!log_debug)
        return;
    va_list ap;
    va_start(ap, fmt);
    log_line(fmt, ap);
    va_end(ap);
}
