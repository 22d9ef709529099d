/* test_jwt.c - HS256 JSON Web Tokens (store/jwt.h): what is signed
 * verifies, with its claims; a changed byte, another key or another
 * header does not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "store/codec.h"
#include "store/jwt.h"
#include "store/util.h"

static const unsigned char key[] = "0123456789abcdef0123456789abcdef";

static void test_round_trip(void **state)
{
    (void)state;
    json_object *claims = json_tokener_parse(
        "{\"sub\":\"system:serviceaccount:default:ci\",\"exp\":1900000000,\"aud\":[\"a\"]}");
    _cleanup_free_ char *token = jwt_sign(key, 32, claims);
    assert_true(jwt_looks_like(token));
    assert_int_equal(strncmp(token, "eyJ", 3), 0); /* base64 of '{"' */
    assert_null(strpbrk(token, "+/="));            /* url-safe, unpadded */
    json_object *back = jwt_verify(key, 32, token);
    assert_non_null(back);
    assert_true(json_object_equal(back, claims));
    json_object_put(back);
    json_object_put(claims);
}

static void test_refused(void **state)
{
    (void)state;
    json_object *claims = json_tokener_parse("{\"sub\":\"me\"}");
    _cleanup_free_ char *token = jwt_sign(key, 32, claims);
    json_object_put(claims);
    /* another key */
    assert_null(
        jwt_verify((const unsigned char *)"another key, another signature!!", 32, token));
    /* one character of the claims changed */
    _cleanup_free_ char *bent = xstrdup(token);
    char *c = strchr(bent, '.') + 2;
    *c = *c == 'A' ? 'B' : 'A';
    assert_null(jwt_verify(key, 32, bent));
    /* the signature cut short, or none */
    bent[0] = '\0';
    assert_null(jwt_verify(key, 32, ""));
    _cleanup_free_ char *cut = xstrndup(token, strlen(token) - 2);
    assert_null(jwt_verify(key, 32, cut));
    /* an "alg: none" header with our claims and signature */
    _cleanup_free_ char *none = xasprintf("eyJhbGciOiJub25lIn0%s", strchr(token, '.'));
    assert_null(jwt_verify(key, 32, none));
    assert_false(jwt_looks_like("mk-sa.0123"));
    assert_false(jwt_looks_like("a..b"));
    assert_false(jwt_looks_like("a.b.c.d"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
