/* SPDX-License-Identifier: MIT */
/*
 * test_tls.c -- HTTPS with a certificate made during the test (openssl, installed by
 * scripts/deps.sh --test): the server speaks TLS 1.3 and only TLS 1.3, verifies against the
 * certificate as a CA, refuses plain HTTP on its port, and keeps serving after each of those.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static void
test_tls13(void **state)
{
    it_server *s = *state;
    it_opts o = {.tls = true};
    it_start(s, &o);
    assert_non_null(strstr(s->base, "https://"));

    /* Verified against the generated certificate; the handshake is TLS 1.3. */
    it_req q = {.path = "/v1/health", .verbose = true};
    it_resp *r = it_do(s, &q);
    it_expect(r, 200);
    assert_string_equal(json_string_value(json_object_get(r->json, "status")), "ok");
    if (!strstr(r->info, "TLSv1.3"))
        fail_msg("curl did not report a TLS 1.3 connection:\n%s", r->info);
    const char *hsts = it_header(r, "Strict-Transport-Security");
    assert_non_null(hsts);
    it_resp_free(r);

    /* Requiring 1.3 as the minimum works... */
    it_req q13 = {.path = "/v1/health", .ssl_version = CURL_SSLVERSION_TLSv1_3};
    r = it_do(s, &q13);
    it_expect(r, 200);
    it_resp_free(r);

    /* ...and a client that speaks at most TLS 1.2 (or 1.1) cannot connect. */
    it_req q12 = {.path = "/v1/health",
                  .ssl_version = CURL_SSLVERSION_TLSv1_2 | CURL_SSLVERSION_MAX_TLSv1_2};
    r = it_do(s, &q12);
    if (r->code == CURLE_OK)
        it_fail(r, "a TLS 1.2 handshake succeeded");
    it_resp_free(r);
    it_req q11 = {.path = "/v1/health",
                  .ssl_version = CURL_SSLVERSION_TLSv1_0 | CURL_SSLVERSION_MAX_TLSv1_1};
    r = it_do(s, &q11);
    if (r->code == CURLE_OK)
        it_fail(r, "a TLS 1.1 handshake succeeded");
    it_resp_free(r);

    /* Plain HTTP on the TLS port gets no HTTP answer. */
    it_req plain = {.path = "/v1/health", .use_http = true, .timeout_ms = 10000};
    r = it_do(s, &plain);
    if (r->code == CURLE_OK && r->status >= 200 && r->status < 300)
        it_fail(r, "plain HTTP on the TLS port was answered with success");
    it_resp_free(r);

    /* Keys work over TLS as over HTTP, and the server still serves after the failures. */
    const char *reader = it_key(s, "reader", NULL, NULL);
    r = it_get(s, reader, "/v1/stats");
    it_expect(r, 200);
    it_resp_free(r);
    r = it_get(s, NULL, "/v1/stats");
    it_expect_error(r, 401, "unauthorized", "authorization");
    it_resp_free(r);
    it_stop(s);
}

/* Without the certificate as CA, verification fails: the server really presents the
 * certificate it was given, not some default. */
static void
test_tls_verification(void **state)
{
    it_server *s = *state;
    it_opts o = {.tls = true};
    it_start(s, &o);
    char ca[IT_PATH];
    snprintf(ca, sizeof(ca), "%s", s->cafile);
    s->cafile[0] = '\0'; /* the system's CAs only */
    it_resp *r = it_get(s, NULL, "/v1/health");
    if (r->code != CURLE_PEER_FAILED_VERIFICATION && r->code != CURLE_SSL_CACERT_BADFILE &&
        r->code != CURLE_SSL_CONNECT_ERROR)
        it_fail(r, "a self-signed certificate verified against the system CAs");
    it_resp_free(r);
    snprintf(s->cafile, sizeof(s->cafile), "%s", ca);
    r = it_get(s, NULL, "/v1/health");
    it_expect(r, 200);
    it_resp_free(r);
    it_stop(s);
}

/* A certificate path that does not exist: the server refuses to start (exit status not 0)
 * rather than serving plain HTTP. */
static void
test_tls_bad_files(void **state)
{
    it_server *s = *state;
    const char *bin = getenv("STEMEDB_BIN");
    assert_non_null(bin);
    char cmd[2048];
    const char *tmp = getenv("TMPDIR");
    snprintf(cmd, sizeof(cmd),
             "d=$(mktemp -d '%s/stemedb-it-XXXXXX') && cd \"$d\" && "
             "STEMEDB_DATA_DIR=\"$d/data\" STEMEDB_BIND_ADDR=127.0.0.1:0 "
             "STEMEDB_ADMIN_KEY_FILE=\"$d/admin.token\" "
             "STEMEDB_TLS_CERT_PATH=\"$d/missing-cert.pem\" "
             "STEMEDB_TLS_KEY_PATH=\"$d/missing-key.pem\" "
             "timeout 20 '%s' >/dev/null 2>\"$d/log\"; rc=$?; "
             "grep -q '\"level\":\"error\"' \"$d/log\"; g=$?; rm -rf \"$d\"; "
             "test $rc -ne 0 -a $rc -ne 124 -a $g -eq 0",
             tmp && *tmp ? tmp : "/tmp", bin);
    int st = system(cmd);
    if (st != 0)
        fail_msg("stemedb with missing TLS files did not fail to start with a logged error "
                 "(status 0x%x)",
                 st);
    (void)s;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tls13, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_tls_verification, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_tls_bad_files, it_setup, it_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
