/* SPDX-License-Identifier: MIT */
/*
 * progress.c -- the progress line on a terminal (see progress.h).
 *
 * "\r" returns to the start of the line and "\033[K" clears what a longer earlier line left;
 * the line is kept under 80 columns so that it never wraps (a wrapped line cannot be redrawn
 * in place).
 */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

#define REDRAW_SECONDS 0.2

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
cli_progress_begin(cli_progress *p, const cli *c, const char *what, uint64_t total, uint64_t base)
{
    p->on = !c->quiet && isatty(STDERR_FILENO);
    p->cmd = c->cmd;
    p->what = what;
    p->total = total;
    p->base = base;
    p->start = now();
    p->last_draw = 0;
    p->drawn = false;
}

/* h:mm:ss, or m:ss under an hour. */
static void
fmt_duration(double s, char out[32])
{
    if (s < 0 || s > 360000) {
        snprintf(out, 32, "?");
        return;
    }
    unsigned t = (unsigned)(s + 0.5);
    if (t >= 3600)
        snprintf(out, 32, "%u:%02u:%02u", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(out, 32, "%u:%02u", t / 60, t % 60);
}

void
cli_progress_update(cli_progress *p, uint64_t count, uint64_t done)
{
    if (!p->on)
        return;
    double t = now();
    if (p->drawn && t - p->last_draw < REDRAW_SECONDS)
        return;
    /* Nothing before the first redraw interval: a fast command shows no flicker at all. */
    double elapsed = t - p->start;
    if (elapsed < REDRAW_SECONDS)
        return;
    p->last_draw = t;
    p->drawn = true;
    double rate = (double)count / elapsed;
    fprintf(stderr, "\r\033[Ksteme: %s: %s %" PRIu64 " records, %.0f/s", p->cmd, p->what, count,
            rate);
    if (p->total > 0 && done >= p->base) {
        double frac = done > p->total ? 1.0 : (double)done / (double)p->total;
        char eta[32];
        double work_rate = (double)(done - p->base) / elapsed;
        fmt_duration(work_rate > 0
                         ? (double)(p->total - (done > p->total ? p->total : done)) / work_rate
                         : -1,
                     eta);
        fprintf(stderr, ", %.0f%%, ETA %s", frac * 100.0, eta);
    }
    fflush(stderr);
}

void
cli_progress_end(cli_progress *p)
{
    if (p->on && p->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    p->drawn = false;
}
