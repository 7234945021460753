/* SPDX-License-Identifier: MIT */
/*
 * log.c -- the structured log writer (log.h).
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "srv.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
/* Set once at start-up, before the worker threads run; read without a lock afterwards. */
static srv_level min_level = SRV_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void
srv_log_set_level(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (name && strcmp(name, level_names[i]) == 0)
            min_level = (srv_level)i;
}

bool
srv_log_enabled(srv_level level)
{
    return level >= min_level;
}

void
srv_log(srv_level level, const char *event, json_t *fields)
{
    if (level < min_level) {
        json_decref(fields);
        return;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[80];
    snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (int)(ts.tv_nsec / 1000000));

    json_t *j =
        json_pack("{s:s, s:s, s:s}", "ts", when, "level", level_names[level], "event", event);
    if (j && fields)
        json_object_update(j, fields);
    json_decref(fields);
    char *line = j ? srv_json_dumps(j, NULL) : NULL;
    json_decref(j);
    pthread_mutex_lock(&log_lock);
    fprintf(stderr, "%s\n", line ? line : "{\"level\":\"error\",\"event\":\"log.oom\"}");
    fflush(stderr);
    pthread_mutex_unlock(&log_lock);
    free(line);
}

void
srv_logf(srv_level level, const char *event, const char *fmt, ...)
{
    if (level < min_level)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    srv_log(level, event, json_pack("{s:s}", "message", msg));
}
