/* invoke.c - invoke and run files through mk-router (see invoke.h). */
#include "fs/invoke.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
    mk_buf_append(ctx, data, size * n);
    return size * n;
}

int fs_invoke(const char *route, const char *body, size_t len, mk_buf *out, mk_err *err)
{
    const char *router = getenv("MINIK8S_ROUTER");
    _cleanup_free_ char *url =
        xasprintf("%s%s", router && *router ? router : "http://127.0.0.1:8090", route);
    CURL *h = curl_easy_init();
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(h);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    if (rc != CURLE_OK)
        return mk_error(err, EHOSTUNREACH, "mk-router at %s: %s", url, curl_easy_strerror(rc));
    return 0;
}
