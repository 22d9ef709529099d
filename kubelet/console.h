/* console.h - the terminal of an exec session with tty=true.
 *
 * runc hands a container's pty master only to a console socket, and only
 * when it detaches, which would leave us no exit code. So runc runs in the
 * foreground with a pty of ours as its controlling terminal: it copies
 * between that and the container's pty, keeps ours raw, and on SIGWINCH
 * gives the container's pty our size. Setting the size of our master is
 * thus all a resize takes.
 */
#ifndef MK_KUBELET_CONSOLE_H
#define MK_KUBELET_CONSOLE_H

#include <stddef.h>

#include "store/error.h"

/* A new pty, 80x24: *master (close-on-exec) and the slave's path. */
int console_open(int *master, char *slave, size_t slave_size, mk_err *err);

/* Set the terminal size of a pty master ("COLS ROWS" as the exec resize
 * frame carries it). EINVAL for a malformed text. */
int console_resize(int master, const char *text, size_t len, mk_err *err);

#endif
