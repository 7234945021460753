/* SPDX-License-Identifier: MIT */
/*
 * addr_text.h -- a client's address as text, for the log, the per-address rate limit and
 * the metrics: what inet_ntop writes.
 */
#ifndef STEME_SERVER_ADDR_TEXT_H
#define STEME_SERVER_ADDR_TEXT_H

#include <sys/socket.h>

#define SRV_ADDR_TEXT_MAX 48 /* INET6_ADDRSTRLEN with room to spare */

/* sa as text into out: "-" for NULL or a family other than IPv4 and IPv6. */
void srv_addr_text(const struct sockaddr *sa, char out[SRV_ADDR_TEXT_MAX]);

#endif
