/* tlspipe.h - a TLS client connection handed out as a plain socket.
 *
 * The exec session (fs/stream.c) is raw bytes on a socket after an HTTP
 * upgrade, and its readers and writers poll, recv and send on an fd. For
 * an https:// API server, tlspipe_open does the handshake on a connected
 * socket and returns one end of a socketpair; a thread of its own carries
 * bytes between that pair and the TLS connection, so everything above it
 * stays as it is for http://.
 */
#ifndef MK_FS_TLSPIPE_H
#define MK_FS_TLSPIPE_H

#include "store/error.h"

/* TLS over the connected socket fd (taken over: closed when the pipe
 * ends) to host, whose certificate must chain to ca_file (NULL: the
 * system's CAs) and name host (a DNS name or an IP address). The
 * handshake takes at most timeout_ms. Returns the plain end (caller
 * closes; closing it ends the TLS connection), or a negative errno with
 * err saying why (the verification error, when that was it). */
int tlspipe_open(int fd, const char *host, const char *ca_file, int timeout_ms, mk_err *err);

#endif
