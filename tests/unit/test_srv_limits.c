/* SPDX-License-Identifier: MIT */
/*
 * test_srv_limits.c -- the server's request-rate buckets (src/server/limits.c) on a clock the
 * test drives: the burst, the refill, Retry-After, scopes kept apart, rate 0 as "no limit",
 * and a time stamped out of order (a thread that read the clock before another took the
 * lock) that must not fill the bucket.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "limits.h"

#define SEC 1000000000ull

/* limits.c seeds its hash from the clock; the tests pass their own times to take_at. */
uint64_t
srv_now_ns(void)
{
    return 42;
}

static unsigned
takes_until_refused(srv_limiter *l, srv_scope scope, const char *who, uint64_t now)
{
    unsigned n = 0, retry = 0;
    while (srv_limiter_take_at(l, scope, who, now, &retry)) {
        n++;
        assert_true(n <= 1000);
    }
    assert_true(retry >= 1);
    return n;
}

static void
test_burst_and_refill(void **state)
{
    (void)state;
    srv_limiter *l = srv_limiter_new(5, 0, 2); /* 5 per second, 2 s of burst */
    assert_non_null(l);
    uint64_t t = 100 * SEC;
    assert_int_equal(takes_until_refused(l, SRV_SCOPE_KEY, "a", t), 10);

    unsigned retry = 0;
    assert_false(srv_limiter_take_at(l, SRV_SCOPE_KEY, "a", t, &retry));
    assert_int_equal(retry, 1); /* 0.2 s to the next token, rounded up to a whole second */
    /* 0.2 s later, one token. */
    assert_int_equal(takes_until_refused(l, SRV_SCOPE_KEY, "a", t + SEC / 5), 1);
    /* A minute later the bucket is full again, and no fuller than its burst. */
    assert_int_equal(takes_until_refused(l, SRV_SCOPE_KEY, "a", t + 60 * SEC), 10);

    /* Another caller, and the same name in the other scope, have their own buckets; a
     * scope with rate 0 is not limited. */
    assert_int_equal(takes_until_refused(l, SRV_SCOPE_KEY, "b", t + 60 * SEC), 10);
    for (int i = 0; i < 100; i++)
        assert_true(srv_limiter_take_at(l, SRV_SCOPE_IP, "a", t, &retry));
    srv_limiter_free(l);
}

static void
test_time_out_of_order(void **state)
{
    (void)state;
    srv_limiter *l = srv_limiter_new(1, 0, 3);
    uint64_t t = 100 * SEC;
    assert_int_equal(takes_until_refused(l, SRV_SCOPE_KEY, "k", t), 3);
    /* A request whose clock was read a millisecond earlier arrives second: the difference
     * must not wrap into a full bucket. */
    unsigned retry = 0;
    assert_false(srv_limiter_take_at(l, SRV_SCOPE_KEY, "k", t - SEC / 1000, &retry));
    assert_int_equal(retry, 1);
    /* And the bucket's time did not go back: one second after t, exactly one token. */
    assert_int_equal(takes_until_refused(l, SRV_SCOPE_KEY, "k", t + SEC), 1);
    srv_limiter_free(l);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_burst_and_refill),
        cmocka_unit_test(test_time_out_of_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
