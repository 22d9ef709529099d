#include "fs/pipe.h"
#include "store/util.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>

struct fs_pipe {
    pthread_mutex_t lock;
    mk_buf data;
    size_t off; /* bytes of data already read */
    size_t cap;
    bool closed;
    int error;
    fuse_req_t parked;
    size_t parked_size;
    struct fuse_pollhandle *ph;
};

fs_pipe *fs_pipe_new(size_t cap)
{
    fs_pipe *p = xcalloc(1, sizeof *p);
    pthread_mutex_init(&p->lock, NULL);
    p->cap = cap;
    return p;
}

void fs_pipe_free(fs_pipe *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    if (p->parked)
        fuse_reply_err(p->parked, EINTR);
    if (p->ph)
        fuse_pollhandle_destroy(p->ph);
    pthread_mutex_unlock(&p->lock);
    pthread_mutex_destroy(&p->lock);
    mk_buf_free(&p->data);
    free(p);
}

/* Reply to req from the buffered state; called with the lock held.
 * Returns false when there is nothing to say yet. */
static bool answer(fs_pipe *p, fuse_req_t req, size_t size)
{
    size_t avail = p->data.len - p->off;
    if (avail) {
        size_t n = avail < size ? avail : size;
        fuse_reply_buf(req, p->data.data + p->off, n);
        p->off += n;
        if (p->off == p->data.len) { /* all read: reuse the buffer */
            mk_buf_reset(&p->data);
            p->off = 0;
        }
        return true;
    }
    if (p->closed) {
        if (p->error)
            fuse_reply_err(req, p->error);
        else
            fuse_reply_buf(req, NULL, 0);
        return true;
    }
    return false;
}

static void wake(fs_pipe *p)
{
    if (p->parked && answer(p, p->parked, p->parked_size))
        p->parked = NULL;
    if (p->ph) {
        fuse_lowlevel_notify_poll(p->ph);
        fuse_pollhandle_destroy(p->ph);
        p->ph = NULL;
    }
}

void fs_pipe_push(fs_pipe *p, const void *data, size_t len)
{
    pthread_mutex_lock(&p->lock);
    if (!p->closed && p->data.len - p->off + len <= p->cap)
        mk_buf_append(&p->data, data, len);
    wake(p);
    pthread_mutex_unlock(&p->lock);
}

void fs_pipe_close(fs_pipe *p, int error)
{
    pthread_mutex_lock(&p->lock);
    if (!p->closed) {
        p->closed = true;
        p->error = error;
    }
    wake(p);
    pthread_mutex_unlock(&p->lock);
}

/* Runs with libfuse's request lock held, never with ours. */
static void interrupted(fuse_req_t req, void *data)
{
    fs_pipe *p = data;
    pthread_mutex_lock(&p->lock);
    if (p->parked == req) {
        p->parked = NULL;
        fuse_reply_err(req, EINTR);
    }
    pthread_mutex_unlock(&p->lock);
}

void fs_pipe_read(fs_pipe *p, fuse_req_t req, size_t size, bool nonblock)
{
    pthread_mutex_lock(&p->lock);
    if (answer(p, req, size)) {
        pthread_mutex_unlock(&p->lock);
        return;
    }
    if (nonblock || p->parked) { /* one parked reader at a time */
        pthread_mutex_unlock(&p->lock);
        fuse_reply_err(req, EAGAIN);
        return;
    }
    p->parked = req;
    p->parked_size = size;
    pthread_mutex_unlock(&p->lock);
    /* Registered after parking, so an interrupt that already came is seen:
     * the callback then runs at once and answers EINTR. */
    fuse_req_interrupt_func(req, interrupted, p);
}

void fs_pipe_poll(fs_pipe *p, fuse_req_t req, struct fuse_pollhandle *ph)
{
    pthread_mutex_lock(&p->lock);
    unsigned revents = POLLOUT;
    if (p->data.len > p->off || p->closed)
        revents |= POLLIN;
    if (ph) {
        if (p->ph)
            fuse_pollhandle_destroy(p->ph);
        p->ph = ph;
    }
    pthread_mutex_unlock(&p->lock);
    fuse_reply_poll(req, revents);
}
