/* spdy.h - SPDY/3.1 framing and its zlib header codec, as much of it as
 * kubectl port-forward needs (store/server/portforward.h speaks the
 * session).
 *
 * Every frame has an 8-byte head. A control frame: bit 0 set, a 15-bit
 * version (3), a 16-bit type, 8 bits of flags, a 24-bit length. A data
 * frame: bit 0 clear, a 31-bit stream id, flags, a 24-bit length. All
 * numbers are big-endian.
 *
 * The header blocks of SYN_STREAM, SYN_REPLY and HEADERS are a count and
 * length-prefixed names and values (32-bit each), compressed by one zlib
 * stream per direction for the whole session, primed with the SPDY/3
 * dictionary and sync-flushed after each block.
 */
#ifndef MK_SERVER_SPDY_H
#define MK_SERVER_SPDY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <zlib.h>

#include "store/error.h"
#include "store/util.h"

#define SPDY_VERSION  3
#define SPDY_HEAD     8
#define SPDY_MAX_LEN  0xffffffu /* 24 bits */
#define SPDY_FLAG_FIN 0x01

enum {
    SPDY_SYN_STREAM = 1,
    SPDY_SYN_REPLY = 2,
    SPDY_RST_STREAM = 3,
    SPDY_SETTINGS = 4,
    SPDY_PING = 6,
    SPDY_GOAWAY = 7,
    SPDY_HEADERS = 8,
    SPDY_WINDOW_UPDATE = 9,
};

/* RST_STREAM status codes we send. */
enum { SPDY_RST_PROTOCOL_ERROR = 1, SPDY_RST_INVALID_STREAM = 2, SPDY_RST_REFUSED = 3 };

typedef struct spdy_frame {
    bool control;
    uint16_t version, type; /* control frames */
    uint32_t stream;        /* data frames; control frames that carry one */
    uint8_t flags;
    const uint8_t *data; /* the payload: after the 8-byte head */
    size_t len;
} spdy_frame;

/* Parse the frame at the front of buf. Returns the bytes it takes (> 0),
 * 0 when buf holds no whole frame yet. A control frame's stream is read
 * from its payload for the types that start with one (SYN_STREAM,
 * SYN_REPLY, RST_STREAM, HEADERS, WINDOW_UPDATE); -EBADMSG when such a
 * payload is too short for it. */
ssize_t spdy_parse(const void *buf, size_t len, spdy_frame *f);

/* Append a data frame (n <= SPDY_MAX_LEN). */
void spdy_put_data(mk_buf *b, uint32_t stream, uint8_t flags, const void *p, size_t n);
/* Append a control frame whose payload is p (n <= SPDY_MAX_LEN). */
void spdy_put_control(mk_buf *b, uint16_t type, uint8_t flags, const void *p, size_t n);
void spdy_put_rst(mk_buf *b, uint32_t stream, uint32_t status);
void spdy_put_goaway(mk_buf *b, uint32_t last_stream, uint32_t status);

/* One name and value of a header block; a value may hold several, split
 * by NULs, as SPDY writes repeated headers. */
typedef struct spdy_header {
    char *name, *value;
} spdy_header;

typedef struct spdy_headers {
    spdy_header *v;
    size_t n;
} spdy_headers;

void spdy_headers_add(spdy_headers *h, const char *name, const char *value);
/* The value of name, matched without regard to case; NULL when absent. */
const char *spdy_headers_get(const spdy_headers *h, const char *name);
void spdy_headers_free(spdy_headers *h);

/* The compression contexts of one session: in for what the peer sends, out
 * for ours. Zero-initialise, and spdy_codec_free when done. */
typedef struct spdy_codec {
    z_stream in, out;
    bool in_ready, out_ready;
} spdy_codec;

void spdy_codec_free(spdy_codec *c);

/* Decompress one header block (the next in the peer's zlib stream) into
 * out. -EBADMSG (naming why in err) when it does not inflate or parse. */
int spdy_headers_decode(spdy_codec *c, const void *block, size_t len, spdy_headers *out,
                        mk_err *err);
/* Compress h as the next block of our zlib stream onto b. */
void spdy_headers_encode(spdy_codec *c, const spdy_headers *h, mk_buf *b);

/* A SYN_STREAM's or SYN_REPLY's header block: where it starts in f's
 * payload (10 and 4 bytes in; HEADERS as SYN_REPLY); -EBADMSG when the
 * payload is shorter. */
ssize_t spdy_header_block(const spdy_frame *f);

/* Append a SYN_REPLY for stream carrying h (h may be empty). */
void spdy_put_syn_reply(spdy_codec *c, mk_buf *b, uint32_t stream, uint8_t flags,
                        const spdy_headers *h);
/* Append a SYN_STREAM (as a client would; for tests). */
void spdy_put_syn_stream(spdy_codec *c, mk_buf *b, uint32_t stream, uint8_t flags,
                         const spdy_headers *h);

#endif
