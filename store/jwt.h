/* jwt.h - JSON Web Tokens signed with HMAC-SHA256 (RFC 7519, "HS256"),
 * the service account tokens the API server's TokenRequest issues
 * (store/server/tokenreq.h). Three base64url parts, header.claims.mac:
 * tools that read a token's claims (its exp, its sub) read these too.
 */
#ifndef MK_JWT_H
#define MK_JWT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

/* The token of claims (caller frees). */
char *jwt_sign(const unsigned char *key, size_t keylen, json_object *claims);
/* The claims (caller puts) of a token that key signed and whose header is
 * HS256's; NULL for anything else. Times are the caller's to check. */
json_object *jwt_verify(const unsigned char *key, size_t keylen, const char *token);
/* Whether text has a JWT's shape (three non-empty parts): cheap, to tell
 * it from other bearer tokens. */
bool jwt_looks_like(const char *text);

#endif
