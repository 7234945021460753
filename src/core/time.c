/* SPDX-License-Identifier: MIT */
/*
 * time.c -- the engine's wall clock.
 */
#include <time.h>

#include "steme.h"

int64_t
steme_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
