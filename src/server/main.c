/* SPDX-License-Identifier: MIT */
/*
 * main.c -- stemedb: load the settings, open the store, make sure an admin key exists, serve
 * until SIGTERM or SIGINT, then drain and close.
 *
 * Signals are blocked in every thread and taken by sigwait() here, so no handler runs in the
 * middle of a request and the shutdown sequence is ordinary code: stop accepting, let what is
 * in flight finish, end the watch streams, close the store. steme_db_close() waits for
 * in-flight ingests, and an ingest is acknowledged only once durable, so no acknowledged
 * write can be lost by the shutdown.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "config.h"
#include "log.h"
#include "srv.h"

/* One small write: a reader polling for a non-empty file sees the whole number. Written in
 * place, never renamed over: the path may be a device or a pipe. */
static bool
write_port_file(const char *path, unsigned port)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    fprintf(f, "%u\n", port);
    return fclose(f) == 0;
}

int
main(int argc, char **argv)
{
    srv_config cfg;
    int rc = srv_config_load(&cfg, argc, argv);
    if (rc != 0) {
        srv_config_free(&cfg);
        return rc < 0 ? 0 : rc;
    }
    srv_log_set_level(cfg.log_level);

    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    steme_db_options opts;
    steme_db_options_init(&opts);
    opts.rate_per_agent = cfg.rate_per_agent;
    opts.breaker_rejections = cfg.breaker_rejections;
    opts.mv_bytes = (uint64_t)cfg.mv_mb << 20;
    /* A long-running reader: pay the page faults of the store once, at start-up. */
    opts.populate = true;
    steme_db *db = NULL;
    steme_err err = steme_db_open(cfg.data_dir, &opts, &db);
    if (err != STEME_OK) {
        srv_logf(SRV_ERROR, "store.open", "%s: %s", cfg.data_dir, steme_strerror(err));
        srv_config_free(&cfg);
        return 1;
    }
    if (!srv_auth_bootstrap(db, cfg.admin_key_file)) {
        steme_db_close(db);
        srv_config_free(&cfg);
        return 1;
    }

    srv s;
    memset(&s, 0, sizeof(s));
    if (!srv_start(&s, db, &cfg)) {
        srv_stop(&s, 0);
        steme_db_close(db);
        srv_config_free(&cfg);
        return 1;
    }
    srv_log(SRV_INFO, "server.listening",
            json_pack("{s:s, s:i, s:b, s:s, s:i, s:b}", "bind", cfg.bind_addr, "port", (int)s.port,
                      "tls", s.tls, "data_dir", cfg.data_dir, "threads", (int)cfg.threads,
                      "open_read", cfg.open_read));
    if (cfg.port_file && !write_port_file(cfg.port_file, s.port))
        srv_logf(SRV_WARN, "server.port_file", "cannot write %s", cfg.port_file);

    int sig = 0;
    sigwait(&stop_signals, &sig);
    srv_logf(SRV_INFO, "server.stopping", "%s: draining in-flight requests",
             sig == SIGTERM ? "SIGTERM" : "SIGINT");
    unsigned long left = srv_stop(&s, cfg.drain_timeout_s * 1000u);
    steme_db_close(db);
    srv_log(SRV_INFO, "server.stopped", json_pack("{s:I}", "abandoned_requests", (json_int_t)left));
    srv_config_free(&cfg);
    return 0;
}
