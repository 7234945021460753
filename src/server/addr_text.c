/* SPDX-License-Identifier: MIT */
/*
 * addr_text.c -- a client's address as text (addr_text.h). IPv4, every request's case on
 * most deployments, is written by hand: glibc's inet_ntop formats it with sprintf, which
 * costs more than the rest of a request's bookkeeping.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "addr_text.h"

static void
ipv4_text(const struct in_addr *a, char *out)
{
    const unsigned char *b = (const unsigned char *)&a->s_addr; /* network order */
    for (int i = 0; i < 4; i++) {
        unsigned v = b[i];
        if (v >= 100)
            *out++ = (char)('0' + v / 100);
        if (v >= 10)
            *out++ = (char)('0' + v / 10 % 10);
        *out++ = (char)('0' + v % 10);
        *out++ = i < 3 ? '.' : '\0';
    }
}

void
srv_addr_text(const struct sockaddr *sa, char out[SRV_ADDR_TEXT_MAX])
{
    out[0] = '-';
    out[1] = '\0';
    if (!sa)
        return;
    if (sa->sa_family == AF_INET) {
        ipv4_text(&((const struct sockaddr_in *)sa)->sin_addr, out);
    } else if (sa->sa_family == AF_INET6) {
        if (!inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
                       SRV_ADDR_TEXT_MAX)) {
            out[0] = '-';
            out[1] = '\0';
        }
    }
}
