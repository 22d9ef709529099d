/* logfile.h - container logs in conmon's k8s-file format, back to raw text.
 *
 * Each line conmon writes is "<RFC3339Nano time> <stream> <tag> <text>",
 * stream "stdout"/"stderr", tag "F" (a full line) or "P" (a partial line,
 * continued by the next record).
 */
#ifndef MK_KUBELET_LOGFILE_H
#define MK_KUBELET_LOGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "store/util.h"

/* Append the raw text of the records in data[0..len) to out: a full record
 * adds its text and a newline, a partial one its text only. Returns how many
 * bytes were consumed (complete lines only; the rest waits for more data). */
size_t logfile_decode(const char *data, size_t len, mk_buf *out);

/* The raw text of a whole log file, only the last tail_lines lines when
 * tail_lines >= 0. *end_off: the file offset the text ends at (to follow
 * from). Missing file: empty text. */
int logfile_read(const char *path, long tail_lines, mk_buf *out, off_t *end_off);

#endif
