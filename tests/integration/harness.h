/* SPDX-License-Identifier: MIT */
/*
 * harness.h -- the integration suite's harness: start the real stemedb binary on loopback
 * (a random free port, a fresh data directory, its structured log captured to a file), talk
 * HTTP to it with libcurl, create API keys through the admin API, and stop it with SIGTERM
 * checking that it exits 0 and that its log never contains a token the test saw.
 *
 * The binary comes from $STEMEDB_BIN (set by tests/integration/meson.build). Every helper
 * fails the current cmocka test on an unexpected error. Tests include <cmocka.h> themselves
 * (with its usual prerequisites) before this header.
 */
#ifndef STEME_TESTS_INTEGRATION_HARNESS_H
#define STEME_TESTS_INTEGRATION_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <curl/curl.h>
#include <jansson.h>

#include "steme.h"

#define IT_DIR    256
#define IT_PATH   512
#define IT_TOKENS 128

typedef struct it_server {
    char dir[IT_DIR];        /* the test's temporary directory, removed by it_cleanup */
    char data_dir[IT_PATH];  /* STEMEDB_DATA_DIR */
    char log_path[IT_PATH];  /* the server's stderr: one JSON object per line */
    char out_path[IT_PATH];  /* the server's stdout */
    char key_file[IT_PATH];  /* STEMEDB_ADMIN_KEY_FILE */
    char port_file[IT_PATH]; /* STEMEDB_PORT_FILE */
    char cafile[IT_PATH];    /* TLS: the certificate the client trusts ("" otherwise) */
    pid_t pid;               /* 0 once stopped */
    unsigned port;
    bool tls;
    char base[64];                          /* "http://127.0.0.1:PORT" (https with TLS) */
    char admin[STEME_APIKEY_TOKEN_LEN + 1]; /* the bootstrap admin token */
    char *tokens[IT_TOKENS];                /* every token seen: the log must hold none */
    size_t ntokens;
} it_server;

typedef struct it_opts {
    /* Extra environment for the server, "NAME=value", NULL-terminated (may be NULL); a
     * name given here replaces the harness's default for it. */
    const char *const *env;
    /* Create the store first with this genesis admin (docs/rules.md), as `steme init` does,
     * so that admin-only events signed by it are accepted. NULL: the server creates it. */
    const steme_keypair *genesis;
    /* TLS: a certificate and key made with openssl in the test directory. */
    bool tls;
    /* Use this existing directory (another it_server's dir: a restart on its store and key
     * file) instead of a fresh one. */
    const char *reuse_dir;
} it_opts;

/* Start a server (o may be NULL) and wait until it listens. */
void it_start(it_server *s, const it_opts *o);

/* SIGTERM, wait for the exit (asserting status 0), then check the log for every token. The
 * directory stays (it_cleanup removes it). */
void it_stop(it_server *s);

/* Stop the server if it still runs (SIGKILL: for teardowns after a failure) and remove the
 * directory. */
void it_cleanup(it_server *s);

/* cmocka setup and teardown giving each test a zeroed it_server in *state, cleaned up and
 * freed after it. */
int it_setup(void **state);
int it_teardown(void **state);

/* Send SIGTERM without waiting, and wait for the exit later. */
void it_signal_term(it_server *s);
int it_wait_exit(it_server *s, int timeout_ms); /* the exit status; fails on a signal */

/* ---- requests --------------------------------------------------------------------------- */

typedef struct it_req {
    const char *method;     /* NULL: GET, or POST when there is a body */
    const char *path;       /* with the query string, already percent-encoded */
    const char *token;      /* sent as "Authorization: Bearer TOKEN"; NULL: none */
    const char *body;       /* NULL: none */
    size_t body_len;        /* 0: strlen(body) */
    const char *headers[8]; /* extra "Name: value" lines (NULL-terminated when fewer) */
    bool chunked;           /* send the body with Transfer-Encoding: chunked */
    bool headers_only;      /* end a 2xx transfer after its headers (streams) */
    long timeout_ms;        /* 0: 30 s */
    const char *from_ip;    /* the local address to connect from (another client) */
    long ssl_version;       /* CURLOPT_SSLVERSION (0: default) */
    bool use_http;          /* plain http even when the server speaks TLS */
    bool verbose;           /* keep curl's informational text in it_resp.info */
} it_req;

typedef struct it_resp {
    CURLcode code; /* the transfer's result */
    long status;   /* 0 when no response arrived */
    size_t nheaders;
    char *hname[64];
    char *hvalue[64];
    char *body; /* NUL-terminated */
    size_t len;
    json_t *json; /* the body parsed when it is JSON, else NULL */
    char *info;   /* curl's informational text when verbose (TLS version, ...) */
} it_resp;

it_resp *it_do(it_server *s, const it_req *q);
it_resp *it_get(it_server *s, const char *token, const char *path);
it_resp *it_post(it_server *s, const char *token, const char *path, const char *body);
it_resp *it_post_json(it_server *s, const char *token, const char *path, json_t *body); /* steals */
it_resp *it_delete(it_server *s, const char *token, const char *path);
void it_resp_free(it_resp *r);

/* A response header, case-insensitively (the last one of that name), or NULL. */
const char *it_header(const it_resp *r, const char *name);

/* Assert status, then (when status >= 400) the error shape {"error": code, "message": a
 * non-empty string, "field": field or null}; code and field NULL: not compared. Every
 * response must carry X-Request-Id. */
void it_expect(const it_resp *r, long status);
void it_expect_error(const it_resp *r, long status, const char *code, const char *field);

/* Fail the test with the response shown. */
#define it_fail(r, what) it_fail_at((r), (what), __FILE__, __LINE__)
void it_fail_at(const it_resp *r, const char *what, const char *file, int line);

/* Percent-encode one path segment or argument; malloc'ed. */
char *it_esc(const char *s);

/* ---- keys and logs ---------------------------------------------------------------------- */

/* Create an API key through POST /v1/admin/keys (as the bootstrap admin): its token (kept in
 * s->tokens, freed by it_cleanup) and, when id is not NULL, its id. */
const char *it_key(it_server *s, const char *role, const char *name, char id[17]);
/* Revoke it through DELETE /v1/admin/keys/{id}. */
void it_revoke(it_server *s, const char *id);
/* Remember a token that the log must never contain. */
void it_remember_token(it_server *s, const char *token);

/* The whole log so far (malloc'ed). */
char *it_log(const it_server *s);

/* ---- records ---------------------------------------------------------------------------- */

/* {"record": <JSON form>, "signature": hex} for one signed record (new reference). */
json_t *it_signed_item(const steme_record *rec, const steme_keypair *kp, steme_id *ret_id);

/* Milliseconds of a monotonic clock. */
long long it_now_ms(void);
void it_sleep_ms(long ms);

#endif
