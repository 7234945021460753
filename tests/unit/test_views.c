/* SPDX-License-Identifier: MIT */
/*
 * test_views.c -- the JSON views (views.h) and the text forms they share (fmt.h), where the
 * CLI's tests do not reach them: the serialiser's exact bytes (shortest reals, escapes,
 * indentation, member order), the views only the HTTP server shows (materialized-view
 * counters), and the edges of the text forms (control characters, units, references). The
 * views the CLI prints are checked byte for byte by tests/cli through `steme --json`.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fmt.h"
#include "views.h"
#include "xorshift.h"

/* j serialised with indent, compared with want; j is released. */
static void
assert_dumps(json_t *j, int indent, const char *want)
{
    assert_non_null(j);
    char *got = steme__json_dumps(j, indent);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
    json_decref(j);
}

static void
test_dumps_reals(void **state)
{
    (void)state;
    assert_dumps(json_pack("[f, f, f, f, f, f]", 0.2, 12.0, 0.1 + 0.2, 1e-7, 1e20, -40.5), 0,
                 "[0.2,12.0,0.30000000000000004,1e-07,1e+20,-40.5]");
    assert_dumps(json_pack("{s:I, s:b, s:n}", "i", (json_int_t)-7, "b", 1, "n"), 0,
                 "{\"i\":-7,\"b\":true,\"n\":null}");
}

static void
test_dumps_strings(void **state)
{
    (void)state;
    assert_dumps(json_string("q\" b\\ \n\t\r\b\f \x01\x7f é"), 0,
                 "\"q\\\" b\\\\ \\n\\t\\r\\b\\f \\u0001\\u007f é\"");
}

static void
test_dumps_layout(void **state)
{
    (void)state;
    /* Members in insertion order, not sorted; empty containers on one line. */
    assert_dumps(json_pack("{s:i, s:[i, {}], s:[], s:{}}", "z", 1, "a", 2, "e", "o"), 2,
                 "{\n"
                 "  \"z\": 1,\n"
                 "  \"a\": [\n"
                 "    2,\n"
                 "    {}\n"
                 "  ],\n"
                 "  \"e\": [],\n"
                 "  \"o\": {}\n"
                 "}");
    assert_dumps(json_pack("{s:i, s:[i, {}]}", "z", 1, "a", 2), 0, "{\"z\":1,\"a\":[2,{}]}");
}

static void
test_write_is_dumps(void **state)
{
    (void)state;
    json_t *j = json_pack("{s:f, s:[s]}", "x", 0.2, "y", "z");
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    steme__json_write(f, j, 2);
    assert_int_equal(fclose(f), 0);
    char *dumped = steme__json_dumps(j, 2);
    assert_string_equal(text, dumped);
    free(text);
    free(dumped);
    json_decref(j);
}

static void
test_fmt_real_and_ppm(void **state)
{
    (void)state;
    char out[32], ppm[16];
    steme__fmt_real(40, out);
    assert_string_equal(out, "40.0");
    steme__fmt_real(0.002, out);
    assert_string_equal(out, "0.002");
    steme__fmt_real(HUGE_VAL, out);
    assert_string_equal(out, "null");
    steme__fmt_ppm(950000, ppm);
    assert_string_equal(ppm, "0.95");
    steme__fmt_ppm(STEME_CONFIDENCE_ONE, ppm);
    assert_string_equal(ppm, "1");
    steme__fmt_ppm(0, ppm);
    assert_string_equal(ppm, "0");
}

/* The shortest round-trip digits against the definition: the first precision from 1 to 17
 * whose "%.*e" reads back as d (fmt.c finds it from one 15-digit rendering). Random bit
 * patterns (subnormals included), short decimals, ratios and integers. */
static void
test_fmt_real_shortest(void **state)
{
    (void)state;
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < 200000; i++) {
        test_xorshift(&x);
        double d;
        switch (i % 4) {
        case 0:
            memcpy(&d, &x, sizeof(d));
            if (!isfinite(d))
                continue;
            break;
        case 1:
            d = (double)(x % 100000) / (double)(1 + (x >> 20) % 1000);
            break;
        case 2:
            d = (double)(x % 1000000) / pow(10, (double)((x >> 30) % 12));
            if (i % 8 == 6) /* 1 to 17 digits, 0 to 17 decimals, either sign */
                d = (x >> 63 ? -1.0 : 1.0) *
                    (double)((x >> 8) % (uint64_t)pow(10, (double)(1 + x % 17))) /
                    pow(10, (double)((x >> 5) % 18));
            break;
        default:
            d = ((double)(int64_t)(x % 2000001) - 1000000) * ((x >> 40) & 1 ? 0.001 : 1e10);
        }
        int p = 1;
        char want[48], got[32];
        for (; p < 17; p++) {
            snprintf(want, sizeof(want), "%.*e", p - 1, d);
            if (strtod(want, NULL) == d)
                break;
        }
        /* The presentation of fmt.c: plain for exponents -5 to 16, ".0" on integers. */
        snprintf(want, sizeof(want), "%.*e", p - 1, d);
        int ex = atoi(strchr(want, 'e') + 1);
        if (ex >= -5 && ex < 17)
            snprintf(want, sizeof(want), "%.*f", p - 1 - ex > 0 ? p - 1 - ex : 0, d);
        if (strpbrk(want, ".eE") == NULL)
            strcat(want, ".0");
        steme__fmt_real(d, got);
        if (strcmp(got, want) != 0)
            fail_msg("%.17g printed as %s, expected %s", d, got, want);
    }
}

static void
assert_value_text(const steme_value *v, const char *want)
{
    char *got = steme__fmt_value(v);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void
test_fmt_values(void **state)
{
    (void)state;
    steme_value v = {.type = STEME_VALUE_NUMBER, .number = 0.2, .unit = steme_str_c("%")};
    assert_value_text(&v, "0.2 %");
    v = (steme_value){.type = STEME_VALUE_STRING, .str = steme_str_c("a\nb\x1b[31m\xc2\x85")};
    assert_value_text(&v, "\"a\\nb\\x1b[31m\\u0085\"");
    v = (steme_value){.type = STEME_VALUE_REF, .str = steme_str_c("drug:x")};
    assert_value_text(&v, "ref(drug:x)");
    v = (steme_value){.type = STEME_VALUE_INTEGER, .integer = -3};
    assert_value_text(&v, "-3");
    v = (steme_value){.type = STEME_VALUE_BOOLEAN, .boolean = true};
    assert_value_text(&v, "true");
}

static void
test_fmt_summaries(void **state)
{
    (void)state;
    steme_entry e = {.seq = 3};
    e.record.kind = STEME_RECORD_ASSERTION;
    e.record.assertion.subject = steme_str_c("drug:x");
    e.record.assertion.predicate = steme_str_c("dose");
    e.record.assertion.object =
        (steme_value){.type = STEME_VALUE_NUMBER, .number = 40, .unit = steme_str_c("mg")};
    e.record.assertion.source = steme_str_c("fda:label");
    e.record.assertion.confidence = 950000;
    char *s = steme__fmt_summary(&e);
    assert_non_null(s);
    assert_string_equal(s, "drug:x dose = 40.0 mg  [fda:label] confidence 0.95");
    free(s);

    memset(&e.record, 0, sizeof(e.record));
    e.record.kind = STEME_RECORD_VOTE;
    e.record.vote.value = -1;
    memset(e.record.vote.target.b, 0xab, STEME_ID_SIZE);
    e.record.vote.reason = steme_str_c("wrong");
    s = steme__fmt_summary(&e);
    assert_non_null(s);
    assert_string_equal(s, "-1 on abababababab \"wrong\"");
    free(s);
}

static void
test_mv_stats(void **state)
{
    (void)state;
    steme_mv_stats s = {.hits = 5,
                        .misses = 4,
                        .stale = 1,
                        .evictions = 2,
                        .entries = 3,
                        .capacity = 64,
                        .bytes = 4096,
                        .max_bytes = 1 << 20};
    assert_dumps(steme__json_mv_stats(&s), 0,
                 "{\"hits\":5,\"misses\":4,\"stale\":1,\"evictions\":2,\"entries\":3,"
                 "\"capacity\":64,\"bytes\":4096,\"max_bytes\":1048576}");
}

static void
test_stored_and_error(void **state)
{
    (void)state;
    steme_ingest_result r = {.seq = 9, .duplicate = true};
    memset(r.id.b, 0x01, STEME_ID_SIZE);
    assert_dumps(steme__json_stored(&r, json_pack("{s:s}", "epoch", "e1")), 0,
                 "{\"id\":\"0101010101010101010101010101010101010101010101010101010101010101\","
                 "\"seq\":9,\"status\":\"duplicate\",\"epoch\":\"e1\"}");
    /* A message that is not UTF-8 keeps its member, with '?' for the bytes. */
    assert_dumps(steme__json_error(steme__json_err_code(STEME_ENOTFOUND), "no \xff here", NULL), 0,
                 "{\"error\":\"not_found\",\"message\":\"no ? here\",\"field\":null}");
    assert_string_equal(steme__json_err_code(STEME_EINVAL), "invalid");
}

static void
test_state_and_report(void **state)
{
    (void)state;
    steme_id id, head;
    memset(id.b, 0x11, STEME_ID_SIZE);
    memset(head.b, 0x22, STEME_ID_SIZE);
    steme_state st = {.seq = 4,
                      .stage = STEME_STAGE_SUPERSEDED,
                      .conditions = STEME_COND_SUPERSEDED | STEME_COND_RETRACTED_SOURCE,
                      .superseded_by = 7,
                      .up = 1};
    json_t *j = steme__json_state(&id, &st, &head, 7);
    assert_non_null(j);
    json_t *conds = json_object_get(j, "conditions");
    assert_int_equal(json_array_size(conds), 2);
    assert_string_equal(json_string_value(json_array_get(conds, 0)), "retracted_source");
    assert_string_equal(json_string_value(json_array_get(conds, 1)), "superseded");
    assert_true(json_is_null(json_object_get(j, "via")));
    assert_true(json_is_null(json_object_get(j, "quarantine_reason")));
    assert_int_equal(json_integer_value(json_object_get(j, "superseded_by")), 7);
    json_decref(j);

    /* Depths past the last slot are counted in it; only the slots in use are shown. */
    steme_cascade_report rep = {.total = 6, .depths = 2, .per_depth = {4, 2}};
    assert_dumps(steme__json_report(&rep), 0, "{\"total\":6,\"per_depth\":[4,2]}");
    rep.depths = STEME_REPORT_DEPTHS + 5;
    j = steme__json_report(&rep);
    assert_int_equal(json_array_size(json_object_get(j, "per_depth")), STEME_REPORT_DEPTHS);
    json_decref(j);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dumps_reals),       cmocka_unit_test(test_dumps_strings),
        cmocka_unit_test(test_dumps_layout),      cmocka_unit_test(test_write_is_dumps),
        cmocka_unit_test(test_fmt_real_and_ppm),  cmocka_unit_test(test_fmt_values),
        cmocka_unit_test(test_fmt_summaries),     cmocka_unit_test(test_mv_stats),
        cmocka_unit_test(test_stored_and_error),  cmocka_unit_test(test_state_and_report),
        cmocka_unit_test(test_fmt_real_shortest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
