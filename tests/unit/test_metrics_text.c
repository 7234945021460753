/* SPDX-License-Identifier: MIT */
/*
 * test_metrics_text.c -- the /metrics exposition: the Prometheus text writer (prom.c) exactly,
 * line by line (HELP and TYPE, escaping of label values and help text, cumulative histogram
 * buckets ending at +Inf equal to _count, number formatting), and the server's metrics
 * (metrics.c) rendered for a fake route table and a real store, checked by a small parser of
 * the format: every sample under its family's HELP and TYPE, each family once, label values
 * well escaped, histograms consistent, counters named _total, bounded label sets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "prom.h"
#include "store_fixture.h"
#include "watch.h"
#include "write_pool.h"

/* ---- what metrics.c needs from the rest of the server -------------------------------- */

static void
no_handler(srv_req *r)
{
    (void)r;
}

const srv_route srv_routes[] = {
    {"GET", "/v1/health", 0, SRV_BODY_NONE, no_handler, "health"},
    {"POST", "/v1/records", STEME_APIKEY_ROLE_WRITER, SRV_BODY_INGEST, no_handler,
     "records.ingest"},
    {"GET", "/v1/records/{id}", STEME_APIKEY_ROLE_READER, SRV_BODY_NONE, no_handler, "records.get"},
    {0},
};

unsigned
srv_watch_count(srv_watch *w)
{
    (void)w;
    return 3;
}

/* ---- the text writer ----------------------------------------------------------------- */

static char *
end(srv_prom *p)
{
    size_t len = 12345;
    char *text = srv_prom_end(p, &len);
    assert_non_null(text);
    assert_int_equal(len, strlen(text));
    return text;
}

static void
test_family_and_escaping(void **state)
{
    (void)state;
    srv_prom p = {0};
    srv_label l[2] = {{"route", "a\\b\"c\nd"}, {"code", "200"}};

    srv_prom_family(&p, "x_total", "counter", "back\\slash \"quoted\"\nsecond line");
    srv_prom_u64(&p, "x_total", l, 2, 7);
    srv_prom_u64(&p, "x_total", NULL, 0, 18446744073709551615ull);
    srv_prom_family(&p, "g", "gauge", "a gauge");
    srv_prom_f64(&p, "g", &l[1], 1, 0.5);
    char *text = end(&p);
    assert_string_equal(text, "# HELP x_total back\\\\slash \"quoted\"\\nsecond line\n"
                              "# TYPE x_total counter\n"
                              "x_total{route=\"a\\\\b\\\"c\\nd\",code=\"200\"} 7\n"
                              "x_total 18446744073709551615\n"
                              "# HELP g a gauge\n"
                              "# TYPE g gauge\n"
                              "g{code=\"200\"} 0.5\n");
    free(text);

    /* Nothing written: an empty text, not NULL. */
    text = end(&p);
    assert_string_equal(text, "");
    free(text);
}

static void
test_histogram(void **state)
{
    (void)state;
    srv_prom p = {0};
    const double le[3] = {0.1, 0.25, 1};
    const uint64_t counts[4] = {1, 0, 2, 3};
    srv_label l = {"lens", "consensus"};

    srv_prom_family(&p, "h_seconds", "histogram", "h");
    srv_prom_histogram(&p, "h_seconds", &l, 1, le, counts, 3, 4.5);
    srv_prom_histogram(&p, "h_seconds", NULL, 0, le, (const uint64_t[4]){0}, 3, 0);
    char *text = end(&p);
    assert_string_equal(text, "# HELP h_seconds h\n"
                              "# TYPE h_seconds histogram\n"
                              "h_seconds_bucket{lens=\"consensus\",le=\"0.1\"} 1\n"
                              "h_seconds_bucket{lens=\"consensus\",le=\"0.25\"} 1\n"
                              "h_seconds_bucket{lens=\"consensus\",le=\"1\"} 3\n"
                              "h_seconds_bucket{lens=\"consensus\",le=\"+Inf\"} 6\n"
                              "h_seconds_sum{lens=\"consensus\"} 4.5\n"
                              "h_seconds_count{lens=\"consensus\"} 6\n"
                              "h_seconds_bucket{le=\"0.1\"} 0\n"
                              "h_seconds_bucket{le=\"0.25\"} 0\n"
                              "h_seconds_bucket{le=\"1\"} 0\n"
                              "h_seconds_bucket{le=\"+Inf\"} 0\n"
                              "h_seconds_sum 0\n"
                              "h_seconds_count 0\n");
    free(text);
}

static void
test_numbers(void **state)
{
    (void)state;
    char b[32];
    static const struct {
        double v;
        const char *text;
    } cases[] = {
        {0, "0"},
        {1, "1"},
        {0.1, "0.1"},
        {0.0001, "0.0001"},
        {2.5, "2.5"},
        {1e-9, "1e-09"},
        {123456789, "123456789"},
        {-3.25, "-3.25"},
        {1e300, "1e+300"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        srv_prom_fmt_double(b, sizeof(b), cases[i].v);
        assert_string_equal(b, cases[i].text);
    }
    srv_prom_fmt_double(b, sizeof(b), INFINITY);
    assert_string_equal(b, "+Inf");
    srv_prom_fmt_double(b, sizeof(b), -INFINITY);
    assert_string_equal(b, "-Inf");
    srv_prom_fmt_double(b, sizeof(b), NAN);
    assert_string_equal(b, "NaN");
    /* Not representable in 15 digits: 17, and it reads back equal. */
    srv_prom_fmt_double(b, sizeof(b), 0.1 + 0.2);
    assert_true(strtod(b, NULL) == 0.1 + 0.2);
}

/* ---- a parser of the format, for what metrics.c renders ------------------------------- */

#define MAXL 8

typedef struct sample {
    char name[128];
    size_t n;
    char lname[MAXL][32];
    char lvalue[MAXL][160];
    double value;
} sample;

/* Parse one sample line (without its newline); false when malformed. */
static bool
parse_sample(const char *line, sample *s)
{
    const char *c = line;
    size_t k = 0;

    memset(s, 0, sizeof(*s));
    while (*c && *c != '{' && *c != ' ') {
        if (k + 1 >= sizeof(s->name))
            return false;
        s->name[k++] = *c++;
    }
    if (k == 0)
        return false;
    if (*c == '{') {
        c++;
        while (*c != '}') {
            if (s->n == MAXL)
                return false;
            k = 0;
            while (*c && *c != '=') {
                if (k + 1 >= sizeof(s->lname[0]))
                    return false;
                s->lname[s->n][k++] = *c++;
            }
            if (c[0] != '=' || c[1] != '"')
                return false;
            c += 2;
            k = 0;
            while (*c != '"') {
                char ch = *c++;
                if (ch == '\0' || ch == '\n')
                    return false;
                if (ch == '\\') {
                    ch = *c++;
                    if (ch == 'n')
                        ch = '\n';
                    else if (ch != '\\' && ch != '"')
                        return false; /* no other escape exists */
                }
                if (k + 1 >= sizeof(s->lvalue[0]))
                    return false;
                s->lvalue[s->n][k++] = ch;
            }
            c++;
            s->n++;
            if (*c == ',')
                c++;
            else if (*c != '}')
                return false;
        }
        c++;
    }
    if (*c++ != ' ')
        return false;
    char *endp;
    s->value = strcmp(c, "+Inf") == 0 ? INFINITY : strtod(c, &endp);
    return strcmp(c, "+Inf") == 0 || (*c && *endp == '\0');
}

static const char *
label(const sample *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->lname[i], name) == 0)
            return s->lvalue[i];
    return NULL;
}

static bool
has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Check the whole text; returns the number of samples. */
static size_t
check_exposition(const char *text)
{
    char family[128] = "", type[16] = "", helped[128] = "";
    char seen[4096] = " ";
    size_t samples = 0;
    /* The histogram series being read: its labels (without le), last bucket, state. */
    char series[512] = "";
    double last_le = -INFINITY, inf_count = -1;
    uint64_t last_cum = 0;
    int hstate = 0; /* 0 buckets, 1 after +Inf, 2 after _sum */

    assert_true(text[0] != '\0');
    assert_true(text[strlen(text) - 1] == '\n');
    for (const char *line = text; *line;) {
        const char *nl = strchr(line, '\n');
        char buf[1024];
        assert_non_null(nl);
        assert_true((size_t)(nl - line) < sizeof(buf));
        memcpy(buf, line, (size_t)(nl - line));
        buf[nl - line] = '\0';
        line = nl + 1;
        assert_true(buf[0] != '\0'); /* no empty lines */

        if (strncmp(buf, "# HELP ", 7) == 0) {
            assert_true(hstate == 0 && series[0] == '\0'); /* the last histogram ended */
            assert_int_equal(sscanf(buf + 7, "%127s", helped), 1);
            char key[140];
            snprintf(key, sizeof(key), " %s ", helped);
            assert_null(strstr(seen, key)); /* each family once */
            assert_true(strlen(seen) + strlen(key) < sizeof(seen));
            strcat(seen, key + 1);
            continue;
        }
        if (strncmp(buf, "# TYPE ", 7) == 0) {
            assert_int_equal(sscanf(buf + 7, "%127s %15s", family, type), 2);
            assert_string_equal(family, helped); /* TYPE right after its HELP */
            assert_true(strcmp(type, "counter") == 0 || strcmp(type, "gauge") == 0 ||
                        strcmp(type, "histogram") == 0);
            if (strcmp(type, "counter") == 0)
                assert_true(has_suffix(family, "_total"));
            assert_int_equal(strncmp(family, "stemedb_", 8), 0);
            continue;
        }
        assert_true(buf[0] != '#');

        sample s;
        if (!parse_sample(buf, &s))
            fail_msg("malformed sample line: %s", buf);
        samples++;
        assert_true(family[0] != '\0');
        for (size_t i = 0; i < s.n; i++)
            for (size_t j = i + 1; j < s.n; j++)
                assert_string_not_equal(s.lname[i], s.lname[j]);
        if (strcmp(type, "histogram") != 0) {
            assert_string_equal(s.name, family);
            assert_true(s.value >= 0);
            continue;
        }

        /* A histogram series: buckets in ascending le, cumulative, +Inf, _sum, _count. */
        char labels[512] = "";
        for (size_t i = 0; i < s.n; i++)
            if (strcmp(s.lname[i], "le") != 0) {
                strcat(labels, s.lname[i]);
                strcat(labels, "=");
                strcat(labels, s.lvalue[i]);
                strcat(labels, ",");
            }
        size_t fl = strlen(family);
        assert_int_equal(strncmp(s.name, family, fl), 0);
        const char *suffix = s.name + fl;
        if (strcmp(suffix, "_bucket") == 0) {
            const char *le = label(&s, "le");
            assert_non_null(le);
            if (hstate == 0 && series[0] == '\0') {
                strcpy(series, labels);
                last_le = -INFINITY;
                last_cum = 0;
            }
            assert_int_equal(hstate, 0);
            assert_string_equal(series, labels);
            double v = strcmp(le, "+Inf") == 0 ? INFINITY : strtod(le, NULL);
            assert_true(v > last_le);
            assert_true(s.value >= (double)last_cum);
            assert_true(s.value == floor(s.value));
            last_le = v;
            last_cum = (uint64_t)s.value;
            if (isinf(v)) {
                hstate = 1;
                inf_count = s.value;
            }
        } else if (strcmp(suffix, "_sum") == 0) {
            assert_int_equal(hstate, 1);
            assert_string_equal(series, labels);
            assert_true(s.value >= 0);
            hstate = 2;
        } else if (strcmp(suffix, "_count") == 0) {
            assert_int_equal(hstate, 2);
            assert_string_equal(series, labels);
            assert_true(s.value == inf_count); /* +Inf == _count */
            hstate = 0;
            series[0] = '\0';
        } else {
            fail_msg("not a histogram sample of %s: %s", family, buf);
        }
    }
    assert_int_equal(hstate, 0);
    return samples;
}

/* The value of the sample line starting with prefix ("name{...} "), or -1 when absent. */
static double
value_of(const char *text, const char *series)
{
    size_t n = strlen(series);
    for (const char *line = text; line && *line;
         line = strchr(line, '\n'), line = line ? line + 1 : NULL)
        if (strncmp(line, series, n) == 0 && line[n] == ' ')
            return strtod(line + n + 1, NULL);
    return -1;
}

static void
test_checker_catches(void **state)
{
    (void)state;
    sample s;
    /* The parser refuses what the format does not allow. */
    assert_false(parse_sample("x{a=\"b\\t\"} 1", &s));
    assert_false(parse_sample("x{a=\"b} 1", &s));
    assert_false(parse_sample("x 1 2", &s));
    assert_true(parse_sample("x{a=\"q\\\"\\\\\\n\"} +Inf", &s));
    assert_string_equal(s.lvalue[0], "q\"\\\n");
    assert_true(isinf(s.value));
}

/* ---- metrics.c with a fake server and a real store ----------------------------------- */

/* Write pool jobs for test_render: one that holds its thread until released, one that counts. */
static pthread_mutex_t hold_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hold_cond = PTHREAD_COND_INITIALIZER;
static bool held, released;
static atomic_int counted;

static void
hold_job(srv_wjob *job)
{
    (void)job;
    pthread_mutex_lock(&hold_lock);
    held = true;
    pthread_cond_broadcast(&hold_cond);
    while (!released)
        pthread_cond_wait(&hold_cond, &hold_lock);
    pthread_mutex_unlock(&hold_lock);
}

static void
count_job(srv_wjob *job)
{
    (void)job;
    atomic_fetch_add(&counted, 1);
}

static void
test_render(void **state)
{
    (void)state;
    char *dir = fx_tmpdir();
    steme_db *db = NULL;
    steme_keypair *kp = fx_key(1);
    fx_rec recs[2];
    steme_signed in[2];
    steme_ingest_result res[2];
    srv_metrics *m = srv_metrics_new();
    srv s = {0};
    int dummy_watch;
    char rule[64];
    size_t len = 0;

    assert_non_null(m);
    assert_int_equal(steme_db_open(dir, NULL, &db), STEME_OK);
    for (unsigned i = 0; i < 2; i++) {
        fx_numbered(&recs[i], kp, i, 2);
        in[i] = fx_signed(&recs[i]);
    }
    assert_int_equal(steme_db_ingest(db, in, 2, res, 0), STEME_OK);
    s.db = db;
    s.watch = (srv_watch *)&dummy_watch;
    s.inflight = 1;

    for (int i = 0; i < 3; i++)
        srv_metrics_request(m, &srv_routes[2], 200, 2000000);    /* 2 ms */
    srv_metrics_request(m, &srv_routes[2], 404, 20000000000ull); /* 20 s: past the last bound */
    srv_metrics_request(m, &srv_routes[1], 299, 1000);
    srv_metrics_request(m, NULL, 404, 50000);
    srv_metrics_request(m, NULL, 0, 50000);
    srv_metrics_lens(m, "consensus", 1000000, 1);
    srv_metrics_lens(m, "layered:authority,recency", 1000000, 0);
    srv_metrics_lens(m, "no\"such", 1000000, -1);
    srv_metrics_lens(m, NULL, 1000000, -1);
    srv_metrics_ingest(m, 5, 2, 1, 2, 3000000);
    srv_metrics_limited(m, "ip");
    srv_metrics_limited(m, "key");
    srv_metrics_limited(m, "key");
    srv_metrics_limited(m, "body");
    srv_metrics_limited(m, "auth");
    srv_metrics_limited(m, "nonsense");
    srv_metrics_cascade(m, 12);
    /* 40 distinct rules: the first 31 are kept, then "other"; one with characters to escape. */
    srv_metrics_rejection(m, "a \"quoted\" rule\\with\nnewline");
    for (int i = 0; i < 40; i++) {
        snprintf(rule, sizeof(rule), "rule %d", i);
        srv_metrics_rejection(m, rule);
        srv_metrics_rejection(m, rule);
    }
    srv_metrics_rejection(m, NULL);

    /* A write pool of one thread: one job held running, two queued behind it. */
    srv_wjob jobs[3];
    for (int i = 0; i < 3; i++) {
        jobs[i].run = i == 0 ? hold_job : count_job;
        if (i == 0)
            assert_non_null(s.wpool = srv_wpool_new(1));
        assert_true(srv_wpool_reserve(s.wpool));
        srv_wpool_submit(s.wpool, &jobs[i]);
    }
    pthread_mutex_lock(&hold_lock);
    while (!held)
        pthread_cond_wait(&hold_cond, &hold_lock);
    pthread_mutex_unlock(&hold_lock);

    char *text = srv_metrics_render(m, &s, &len);
    assert_non_null(text);
    assert_int_equal(len, strlen(text));
    if (getenv("METRICS_DUMP")) /* to look at the page by eye */
        fputs(text, stdout);
    size_t n = check_exposition(text);
    assert_true(n > 50);

    assert_true(value_of(text, "stemedb_build_info{version=\"" STEME_VERSION_STRING "\"}") == 1);
    assert_true(value_of(text, "stemedb_uptime_seconds") >= 0);
    assert_true(value_of(text, "stemedb_inflight_requests") == 1);
    assert_true(value_of(text, "stemedb_watchers") == 3);
    assert_true(value_of(text, "stemedb_write_running") == 1);
    assert_true(value_of(text, "stemedb_write_queue") == 2);
    assert_true(value_of(text, "stemedb_http_requests_total{route=\"records.get\",method=\"GET\","
                               "code=\"200\"}") == 3);
    assert_true(value_of(text, "stemedb_http_requests_total{route=\"records.get\",method=\"GET\","
                               "code=\"404\"}") == 1);
    assert_true(value_of(text, "stemedb_http_requests_total{route=\"records.ingest\","
                               "method=\"POST\",code=\"2xx\"}") == 1);
    assert_true(value_of(text, "stemedb_http_requests_total{route=\"unmatched\","
                               "method=\"unknown\",code=\"404\"}") == 1);
    assert_true(value_of(text, "stemedb_http_requests_total{route=\"unmatched\","
                               "method=\"unknown\",code=\"other\"}") == 1);
    /* No series for what never happened. */
    assert_null(strstr(text, "route=\"health\""));
    assert_true(value_of(text, "stemedb_http_request_duration_seconds_bucket{route=\"records.get\","
                               "le=\"0.0025\"}") == 3);
    assert_true(value_of(text, "stemedb_http_request_duration_seconds_bucket{route=\"records.get\","
                               "le=\"10\"}") == 3);
    assert_true(
        value_of(text, "stemedb_http_request_duration_seconds_count{route=\"records.get\"}") == 4);
    assert_true(
        fabs(value_of(text, "stemedb_http_request_duration_seconds_sum{route=\"records.get\"}") -
             20.006) < 1e-9);

    assert_true(value_of(text, "stemedb_lens_evaluations_total{lens=\"consensus\"}") == 1);
    assert_true(value_of(text, "stemedb_lens_evaluations_total{lens=\"layered\"}") == 1);
    assert_true(value_of(text, "stemedb_lens_evaluations_total{lens=\"other\"}") == 2);
    assert_true(value_of(text, "stemedb_lens_evaluations_total{lens=\"skeptic\"}") == 0);
    assert_true(value_of(text, "stemedb_mv_hits_total") == 1);
    assert_true(value_of(text, "stemedb_mv_misses_total") == 1);

    assert_true(value_of(text, "stemedb_ingest_records_total{result=\"stored\"}") == 2);
    assert_true(value_of(text, "stemedb_ingest_records_total{result=\"duplicate\"}") == 1);
    assert_true(value_of(text, "stemedb_ingest_records_total{result=\"refused\"}") == 2);
    assert_true(value_of(text, "stemedb_ingest_batches_total") == 1);
    assert_true(value_of(text, "stemedb_ingest_batch_size_bucket{le=\"2\"}") == 0);
    assert_true(value_of(text, "stemedb_ingest_batch_size_bucket{le=\"5\"}") == 1);
    assert_true(value_of(text, "stemedb_ingest_batch_size_sum") == 5);

    assert_true(value_of(text, "stemedb_ratelimited_total{scope=\"ip\"}") == 1);
    assert_true(value_of(text, "stemedb_ratelimited_total{scope=\"key\"}") == 2);
    assert_true(value_of(text, "stemedb_body_too_large_total") == 1);
    assert_true(value_of(text, "stemedb_auth_refused_total") == 1);
    assert_true(value_of(text, "stemedb_cascades_total") == 1);
    assert_true(value_of(text, "stemedb_cascade_assertions_total") == 12);

    assert_true(value_of(text, "stemedb_rejections_total{rule=\"a \\\"quoted\\\" "
                               "rule\\\\with\\nnewline\"}") == 1);
    assert_true(value_of(text, "stemedb_rejections_total{rule=\"rule 0\"}") == 2);
    assert_true(value_of(text, "stemedb_rejections_total{rule=\"rule 29\"}") == 2);
    assert_true(value_of(text, "stemedb_rejections_total{rule=\"rule 30\"}") == -1);
    /* rules 30..39 and the NULL ("unknown") one */
    assert_true(value_of(text, "stemedb_rejections_total{rule=\"other\"}") == 21);

    /* The store's numbers. */
    assert_true(value_of(text, "stemedb_log_position") == 2);
    assert_true(value_of(text, "stemedb_records") == 2);
    assert_true(value_of(text, "stemedb_quarantine_size") == 0);
    assert_true(value_of(text, "stemedb_api_keys_active") == 0);
    assert_true(value_of(text, "stemedb_commit_groups_total") == 1);
    assert_true(value_of(text, "stemedb_committed_records_total") == 2);
    assert_true(value_of(text, "stemedb_commit_duration_seconds_count") == 1);
    assert_true(value_of(text, "stemedb_commit_duration_seconds_bucket{le=\"+Inf\"}") == 1);
    assert_true(value_of(text, "stemedb_write_transaction_duration_seconds_count") == 1);
    assert_true(value_of(text, "stemedb_mv_cache_entries") >= 0);
    free(text);

    pthread_mutex_lock(&hold_lock);
    released = true;
    pthread_cond_broadcast(&hold_cond);
    pthread_mutex_unlock(&hold_lock);
    srv_wpool_close(s.wpool);
    assert_int_equal(atomic_load(&counted), 2);
    srv_wpool_free(s.wpool);

    /* Without a store, a watch or a write pool: the server's own metrics only. */
    s.db = NULL;
    s.watch = NULL;
    s.wpool = NULL;
    text = srv_metrics_render(m, &s, &len);
    assert_non_null(text);
    check_exposition(text);
    assert_true(value_of(text, "stemedb_log_position") == -1);
    assert_true(value_of(text, "stemedb_watchers") == -1);
    assert_true(value_of(text, "stemedb_write_queue") == -1);
    free(text);

    srv_metrics_free(m);
    srv_metrics_free(NULL);
    steme_db_close(db);
    steme_keypair_free(kp);
    fx_rmdir(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_family_and_escaping),
        cmocka_unit_test(test_histogram),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_checker_catches),
        cmocka_unit_test(test_render),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
