/* Unit tests for store/server/spdy.c: SPDY/3.1 frames built and read by
 * hand, and the zlib header codec (its dictionary, and one compression
 * context per direction for the whole session). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "store/server/portforward.h"
#include "store/server/spdy.h"

static void test_parse_data_frame(void **state)
{
    /* stream 3, FIN, 5 bytes "hello", then the start of another frame */
    const uint8_t b[] = {0x00, 0x00, 0x00, 0x03, 0x01, 0x00, 0x00, 0x05,
                         'h',  'e',  'l',  'l',  'o',  0x00, 0x00};
    spdy_frame f;
    assert_int_equal(spdy_parse(b, sizeof b, &f), 13);
    assert_false(f.control);
    assert_int_equal(f.stream, 3);
    assert_int_equal(f.flags, SPDY_FLAG_FIN);
    assert_int_equal(f.len, 5);
    assert_memory_equal(f.data, "hello", 5);
    assert_int_equal(spdy_parse(b, 12, &f), 0); /* one byte short */
    assert_int_equal(spdy_parse(b, 7, &f), 0);  /* not even a head */
}

static void test_parse_control_frames(void **state)
{
    const uint8_t ping[] = {0x80, 0x03, 0x00, 0x06, 0x00, 0x00, 0x00, 0x04, 0, 0, 0, 7};
    spdy_frame f;
    assert_int_equal(spdy_parse(ping, sizeof ping, &f), 12);
    assert_true(f.control);
    assert_int_equal(f.version, 3);
    assert_int_equal(f.type, SPDY_PING);
    assert_int_equal(f.len, 4);
    /* RST_STREAM carries its stream first (the top bit is reserved) */
    const uint8_t rst[] = {0x80, 0x03, 0x00, 0x03, 0x00, 0x00, 0x00, 0x08,
                           0x80, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x05};
    assert_int_equal(spdy_parse(rst, sizeof rst, &f), 16);
    assert_int_equal(f.type, SPDY_RST_STREAM);
    assert_int_equal(f.stream, 5);
    /* a SYN_STREAM too short to name its stream */
    const uint8_t bad[] = {0x80, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0, 1};
    assert_int_equal(spdy_parse(bad, sizeof bad, &f), -EBADMSG);
}

static void test_put_frames(void **state)
{
    mk_buf b = {0};
    spdy_put_data(&b, 7, SPDY_FLAG_FIN, "ab", 2);
    const uint8_t data[] = {0, 0, 0, 7, 1, 0, 0, 2, 'a', 'b'};
    assert_int_equal(b.len, sizeof data);
    assert_memory_equal(b.data, data, sizeof data);
    mk_buf_reset(&b);
    spdy_put_rst(&b, 9, SPDY_RST_PROTOCOL_ERROR);
    const uint8_t rst[] = {0x80, 3, 0, 3, 0, 0, 0, 8, 0, 0, 0, 9, 0, 0, 0, 1};
    assert_int_equal(b.len, sizeof rst);
    assert_memory_equal(b.data, rst, sizeof rst);
    mk_buf_reset(&b);
    spdy_put_goaway(&b, 11, 0);
    const uint8_t goaway[] = {0x80, 3, 0, 7, 0, 0, 0, 8, 0, 0, 0, 11, 0, 0, 0, 0};
    assert_memory_equal(b.data, goaway, sizeof goaway);
    mk_buf_free(&b);
}

/* The first block opens a zlib stream that names its preset dictionary by
 * Adler-32 (RFC 1950): 0xe3c6a7c2 is the SPDY/3 dictionary's, so a peer
 * that has it (spdystream) can inflate what we send. */
static void test_reply_names_the_dictionary(void **state)
{
    spdy_codec c = {0};
    mk_buf b = {0};
    spdy_put_syn_reply(&c, &b, 1, 0, NULL);
    spdy_frame f;
    assert_int_equal(spdy_parse(b.data, b.len, &f), (ssize_t)b.len);
    assert_int_equal(f.type, SPDY_SYN_REPLY);
    assert_int_equal(f.stream, 1);
    const uint8_t *z = f.data + 4;
    assert_true(z[1] & 0x20); /* FDICT */
    const uint8_t dictid[] = {0xe3, 0xc6, 0xa7, 0xc2};
    assert_memory_equal(z + 2, dictid, 4);
    mk_buf_free(&b);
    spdy_codec_free(&c);
}

static void syn(spdy_codec *c, mk_buf *b, uint32_t id, const char *type, const char *req)
{
    spdy_headers h = {0};
    spdy_headers_add(&h, "streamtype", type);
    spdy_headers_add(&h, "port", "80");
    spdy_headers_add(&h, "requestid", req);
    spdy_put_syn_stream(c, b, id, 0, &h);
    spdy_headers_free(&h);
}

static void decode(spdy_codec *c, const mk_buf *b, size_t *pos, spdy_headers *h, int want)
{
    spdy_frame f;
    ssize_t n = spdy_parse(b->data + *pos, b->len - *pos, &f);
    assert_true(n > 0);
    *pos += (size_t)n;
    ssize_t at = spdy_header_block(&f);
    assert_int_equal(at, 10);
    mk_err err = {0};
    assert_int_equal(spdy_headers_decode(c, f.data + at, f.len - (size_t)at, h, &err), want);
}

/* Two SYN_STREAMs of a session: the second block is compressed against
 * the first, so it reads only in the same context. */
static void test_headers_share_one_context(void **state)
{
    spdy_codec client = {0}, server = {0}, fresh = {0};
    mk_buf b = {0};
    syn(&client, &b, 1, "error", "0");
    syn(&client, &b, 3, "data", "0");
    size_t pos = 0, second;
    spdy_headers h = {0};
    decode(&server, &b, &pos, &h, 0);
    assert_string_equal(spdy_headers_get(&h, "streamtype"), "error");
    assert_string_equal(spdy_headers_get(&h, "Port"), "80"); /* any case */
    spdy_headers_free(&h);
    second = pos;
    decode(&server, &b, &pos, &h, 0);
    assert_string_equal(spdy_headers_get(&h, "streamtype"), "data");
    assert_string_equal(spdy_headers_get(&h, "requestid"), "0");
    assert_null(spdy_headers_get(&h, "nothing"));
    spdy_headers_free(&h);
    assert_int_equal(pos, b.len);
    decode(&fresh, &b, &second, &h, -EBADMSG);
    assert_int_equal(h.n, 0);
    mk_buf_free(&b);
    spdy_codec_free(&client);
    spdy_codec_free(&server);
    spdy_codec_free(&fresh);
}

static void test_garbage_block(void **state)
{
    spdy_codec c = {0};
    spdy_headers h = {0};
    mk_err err = {0};
    assert_int_equal(spdy_headers_decode(&c, "not zlib at all", 15, &h, &err), -EBADMSG);
    spdy_codec_free(&c);
}

static void test_offers(void **state)
{
    assert_true(
        portforward_offers("SPDY/3.1+portforward.k8s.io", "SPDY/3.1+portforward.k8s.io"));
    assert_true(portforward_offers("a, portforward.k8s.io", "portforward.k8s.io"));
    assert_false(portforward_offers("v4.channel.k8s.io", "portforward.k8s.io"));
    assert_false(portforward_offers(NULL, "portforward.k8s.io"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_data_frame),
        cmocka_unit_test(test_parse_control_frames),
        cmocka_unit_test(test_put_frames),
        cmocka_unit_test(test_reply_names_the_dictionary),
        cmocka_unit_test(test_headers_share_one_context),
        cmocka_unit_test(test_garbage_block),
        cmocka_unit_test(test_offers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
