/* SPDX-License-Identifier: MIT */
/*
 * config.h -- every setting of the stemedb server, from STEMEDB_* environment variables and
 * command-line flags (a flag wins over the environment, the environment over the default).
 *
 * One table (config.c) lists each setting once: its flag, its variable, its default and its
 * help line; `stemedb --help` prints that table, so the help cannot drift from the code.
 */
#ifndef STEME_SERVER_CONFIG_H
#define STEME_SERVER_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "srv.h"

struct srv_config {
    char *bind_addr; /* "HOST:PORT" (IPv4, or [IPv6]:PORT); port 0 = any free port */
    char *data_dir;
    char *admin_key_file;
    char *tls_cert_path;
    char *tls_key_path;
    char *port_file; /* where the bound port is written once listening (tests), or NULL */
    unsigned threads;
    unsigned write_threads; /* the write pool (write_pool.h); 0 = writes on the HTTP threads */
    unsigned max_connections;
    unsigned max_connections_per_ip;
    unsigned connection_timeout_s;
    uint64_t max_body_ingest;
    uint64_t max_body_read;
    unsigned rate_per_key; /* requests per second per API key (0 = no limit) */
    unsigned rate_per_ip;  /* requests per second per client address (0 = no limit) */
    unsigned rate_burst_s; /* a bucket holds this many seconds of the rate */
    unsigned max_watchers;
    unsigned watch_heartbeat_s;
    unsigned drain_timeout_s;
    bool open_read;           /* readers need no key (a trusted network) */
    bool audit_queries;       /* write every query to the query audit */
    char *log_level;          /* "debug", "info", "warn", "error" */
    unsigned render_cache_mb; /* rendered query answers kept (render_cache.h); 0 = none */
    unsigned mv_mb;           /* the engine's materialized views (steme_db_options.mv_bytes) */
    /* Engine defences (docs/trust.md) */
    unsigned rate_per_agent;
    unsigned breaker_rejections;
};

/* Defaults, then the environment, then argv. Returns 0 to go on, -1 after printing --help or
 * --version (exit 0), or 2 after a usage error printed on stderr. */
int srv_config_load(srv_config *cfg, int argc, char **argv);

void srv_config_free(srv_config *cfg);

/* The help text: usage, then every setting with its flag, variable and default. */
void srv_config_help(FILE *f);

#endif
