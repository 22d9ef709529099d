/* pipe.h - a byte stream read through FUSE without holding a worker thread.
 *
 * .watch and exec/<container> files are fs_pipes: producers push bytes from
 * their own threads; a read with nothing to return is parked (the request is
 * answered later, from the producer's thread), poll() is answered from the
 * buffered state and woken with fuse_lowlevel_notify_poll, and an interrupt
 * (a signal to the reader) answers the parked read with EINTR.
 */
#ifndef MK_FS_PIPE_H
#define MK_FS_PIPE_H

#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 312
#endif
#include <fuse_lowlevel.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct fs_pipe fs_pipe;

/* cap: bytes kept unread before new ones are dropped (a reader that never
 * reads must not grow the daemon without bound). */
fs_pipe *fs_pipe_new(size_t cap);
/* Answer a parked read with EINTR, drop the poll handle, free. The caller
 * makes sure no producer pushes any more. */
void fs_pipe_free(fs_pipe *p);

void fs_pipe_push(fs_pipe *p, const void *data, size_t len);
/* End of stream: reads return what is left, then 0. error > 0: after the
 * data, reads fail with that errno instead. */
void fs_pipe_close(fs_pipe *p, int error);

/* Answer req now (data, or EOF) or park it; nonblock answers EAGAIN. */
void fs_pipe_read(fs_pipe *p, fuse_req_t req, size_t size, bool nonblock);
/* Answer a poll request; ph (may be NULL) is kept to wake the poller. */
void fs_pipe_poll(fs_pipe *p, fuse_req_t req, struct fuse_pollhandle *ph);

#endif
