/* SPDX-License-Identifier: MIT */
/*
 * test_addr_text.c -- client addresses as text (src/server/addr_text.c): every IPv4 octet
 * value in every position, and random addresses, written exactly as inet_ntop writes them;
 * IPv6 through inet_ntop; "-" for no address and for other families.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>

#include "addr_text.h"
#include "xorshift.h"

static void
expect_v4(uint32_t host_order)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(host_order)};
    char want[INET_ADDRSTRLEN], got[SRV_ADDR_TEXT_MAX];
    assert_non_null(inet_ntop(AF_INET, &sa.sin_addr, want, sizeof(want)));
    srv_addr_text((const struct sockaddr *)&sa, got);
    assert_string_equal(got, want);
}

static void
test_ipv4(void **state)
{
    (void)state;
    for (uint32_t v = 0; v < 256; v++)
        for (int pos = 0; pos < 4; pos++)
            expect_v4(v << (8 * pos) | (pos == 0 ? 0x7f000000u : 0x0a000001u));
    expect_v4(0);
    expect_v4(0xffffffffu);
    uint64_t rng = 0x5eed;
    for (int i = 0; i < 100000; i++)
        expect_v4((uint32_t)test_xorshift(&rng));
}

static void
test_ipv6_and_others(void **state)
{
    (void)state;
    struct sockaddr_in6 sa6 = {.sin6_family = AF_INET6};
    char got[SRV_ADDR_TEXT_MAX];
    assert_int_equal(inet_pton(AF_INET6, "2001:db8::ff00:42:8329", &sa6.sin6_addr), 1);
    srv_addr_text((const struct sockaddr *)&sa6, got);
    assert_string_equal(got, "2001:db8::ff00:42:8329");
    assert_int_equal(inet_pton(AF_INET6, "::ffff:192.0.2.128", &sa6.sin6_addr), 1);
    srv_addr_text((const struct sockaddr *)&sa6, got);
    assert_string_equal(got, "::ffff:192.0.2.128");

    struct sockaddr_un su = {.sun_family = AF_UNIX};
    srv_addr_text((const struct sockaddr *)&su, got);
    assert_string_equal(got, "-");
    srv_addr_text(NULL, got);
    assert_string_equal(got, "-");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4),
        cmocka_unit_test(test_ipv6_and_others),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
