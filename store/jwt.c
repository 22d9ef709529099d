/* jwt.c - HS256 JSON Web Tokens (see jwt.h). */
#include "store/jwt.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "store/util.h"

#define HEADER "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"

/* base64url without padding (RFC 7515, 2). */
static char *b64url(const void *data, size_t n)
{
    char *s = mk_base64_encode(data, n);
    size_t len = strcspn(s, "=");
    s[len] = '\0';
    for (char *p = s; *p; p++)
        *p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
    return s;
}

/* The bytes of base64url text (n of them; caller frees), NULL if it is not. */
static unsigned char *unb64url(const char *text, size_t len, size_t *n)
{
    if (len % 4 == 1)
        return NULL;
    char *std = xmalloc(len + 4);
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == '+' || c == '/' || c == '=')
            goto bad; /* not url-safe: not ours */
        std[i] = c == '-' ? '+' : c == '_' ? '/' : c;
    }
    size_t pad = (4 - len % 4) % 4;
    memset(std + len, '=', pad);
    unsigned char *out = xmalloc(len + pad);
    int got = EVP_DecodeBlock(out, (unsigned char *)std, (int)(len + pad));
    free(std);
    if (got < 0) {
        free(out);
        return NULL;
    }
    *n = (size_t)got - pad;
    return out;
bad:
    free(std);
    return NULL;
}

static void mac_of(const unsigned char *key, size_t keylen, const char *signed_part, size_t n,
                   unsigned char mac[32])
{
    unsigned int len = 32;
    HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)signed_part, n, mac, &len);
}

char *jwt_sign(const unsigned char *key, size_t keylen, json_object *claims)
{
    const char *json = json_object_to_json_string_ext(
        claims, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    _cleanup_free_ char *head = b64url(HEADER, strlen(HEADER));
    _cleanup_free_ char *body = b64url(json, strlen(json));
    _cleanup_free_ char *signed_part = xasprintf("%s.%s", head, body);
    unsigned char mac[32];
    mac_of(key, keylen, signed_part, strlen(signed_part), mac);
    _cleanup_free_ char *sig = b64url(mac, sizeof mac);
    return xasprintf("%s.%s", signed_part, sig);
}

bool jwt_looks_like(const char *text)
{
    const char *a = strchr(text, '.');
    const char *b = a ? strchr(a + 1, '.') : NULL;
    return b && a > text && b > a + 1 && b[1] && !strchr(b + 1, '.');
}

json_object *jwt_verify(const unsigned char *key, size_t keylen, const char *token)
{
    if (!jwt_looks_like(token))
        return NULL;
    const char *dot1 = strchr(token, '.'), *dot2 = strchr(dot1 + 1, '.');
    size_t n;
    unsigned char mac[32];
    mac_of(key, keylen, token, (size_t)(dot2 - token), mac);
    _cleanup_free_ unsigned char *sig = unb64url(dot2 + 1, strlen(dot2 + 1), &n);
    if (!sig || n != sizeof mac || CRYPTO_memcmp(sig, mac, sizeof mac) != 0)
        return NULL;
    /* Signed by us: still, only the header we write. */
    _cleanup_free_ unsigned char *head = unb64url(token, (size_t)(dot1 - token), &n);
    if (!head || n != strlen(HEADER) || memcmp(head, HEADER, n) != 0)
        return NULL;
    _cleanup_free_ unsigned char *body = unb64url(dot1 + 1, (size_t)(dot2 - dot1 - 1), &n);
    json_tokener *tok = json_tokener_new();
    json_object *claims = body ? json_tokener_parse_ex(tok, (const char *)body, (int)n) : NULL;
    json_tokener_free(tok);
    if (claims && !json_object_is_type(claims, json_type_object)) {
        json_object_put(claims);
        claims = NULL;
    }
    return claims;
}
