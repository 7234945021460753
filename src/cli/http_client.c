/* SPDX-License-Identifier: MIT */
/*
 * http_client.c -- one JSON request to stemedb with libcurl (http_client.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "http_client.h"
#include "steme.h"

typedef struct sink {
    char *p;
    size_t n, cap;
    bool too_big;
} sink;

/* Answers bigger than this are refused rather than held: no steme answer comes near it. */
#define MAX_ANSWER (256u * 1024 * 1024)

static size_t
on_data(char *ptr, size_t size, size_t nmemb, void *ctx)
{
    sink *s = ctx;
    size_t n = size * nmemb;
    if (s->n + n + 1 > MAX_ANSWER) {
        s->too_big = true;
        return 0;
    }
    if (s->n + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 8192;
        while (cap < s->n + n + 1)
            cap *= 2;
        char *np = realloc(s->p, cap);
        if (!np)
            return 0;
        s->p = np;
        s->cap = cap;
    }
    memcpy(s->p + s->n, ptr, n);
    s->n += n;
    s->p[s->n] = '\0';
    return n;
}

static size_t
on_header(char *buf, size_t size, size_t nitems, void *ctx)
{
    cli_http_reply *r = ctx;
    size_t n = size * nitems;
    if (n > 5 && strncasecmp(buf, "ETag:", 5) == 0) {
        const char *v = buf + 5;
        size_t vl = n - 5;
        while (vl && (*v == ' ' || *v == '\t'))
            v++, vl--;
        while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
            vl--;
        if (vl < sizeof(r->etag)) {
            memcpy(r->etag, v, vl);
            r->etag[vl] = '\0';
        }
    }
    return n;
}

bool
cli_http(const char *base_url, const char *token, const char *method, const char *path,
         const char *body, cli_http_reply *reply)
{
    memset(reply, 0, sizeof(*reply));
    static bool inited;
    if (!inited) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        inited = true;
    }
    CURL *h = curl_easy_init();
    if (!h) {
        snprintf(reply->error, sizeof(reply->error), "cannot start libcurl");
        return false;
    }
    size_t bl = strlen(base_url);
    while (bl && base_url[bl - 1] == '/')
        bl--;
    char *url = malloc(bl + strlen(path) + 1);
    char *auth = NULL;
    if (!url) {
        curl_easy_cleanup(h);
        snprintf(reply->error, sizeof(reply->error), "out of memory");
        return false;
    }
    memcpy(url, base_url, bl);
    strcpy(url + bl, path);

    struct curl_slist *hdr = curl_slist_append(NULL, "Accept: application/json");
    if (body)
        hdr = curl_slist_append(hdr, "Content-Type: application/json");
    if (token && *token && asprintf(&auth, "Authorization: Bearer %s", token) >= 0)
        hdr = curl_slist_append(hdr, auth);
    sink s = {0};
    /* curl's own words for a failure ("SSL certificate problem: self-signed certificate"):
     * they name hosts and ports, never a header, so never the token. */
    char errbuf[CURL_ERROR_SIZE];
    errbuf[0] = '\0';
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    } else if (strcmp(method, "GET") == 0) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, reply);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "steme/" STEME_VERSION_STRING);
    /* A CA for a self-signed server certificate: STEME_CA_CERT (curl's own defaults else). */
    const char *ca = getenv("STEME_CA_CERT");
    if (ca && *ca)
        curl_easy_setopt(h, CURLOPT_CAINFO, ca);

    CURLcode rc = curl_easy_perform(h);
    bool ok = rc == CURLE_OK;
    if (ok) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply->status);
        reply->body = s.p;
        reply->body_len = s.n;
        s.p = NULL;
        if (reply->body && reply->body_len)
            reply->json = json_loadb(reply->body, reply->body_len, 0, NULL);
    } else {
        snprintf(reply->error, sizeof(reply->error), "%s%s",
                 errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc),
                 s.too_big ? " (the answer is too large)" : "");
    }
    free(s.p);
    if (auth) {
        explicit_bzero(auth, strlen(auth));
        free(auth);
    }
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    free(url);
    return ok;
}

void
cli_http_reply_free(cli_http_reply *reply)
{
    json_decref(reply->json);
    free(reply->body);
    memset(reply, 0, sizeof(*reply));
}

bool
cli_http_arg(char **qs, const char *name, const char *value)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t have = *qs ? strlen(*qs) : 0;
    size_t need = have + 1 + strlen(name) + 1 + 3 * strlen(value) + 1;
    char *p = realloc(*qs, need);
    if (!p)
        return false;
    *qs = p;
    p += have;
    *p++ = have ? '&' : '?';
    p += sprintf(p, "%s=", name);
    for (const unsigned char *v = (const unsigned char *)value; *v; v++) {
        if ((*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z') || (*v >= '0' && *v <= '9') ||
            *v == '-' || *v == '_' || *v == '.' || *v == '~') {
            *p++ = (char)*v;
        } else {
            *p++ = '%';
            *p++ = hex[*v >> 4];
            *p++ = hex[*v & 15];
        }
    }
    *p = '\0';
    return true;
}
