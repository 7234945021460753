/* SPDX-License-Identifier: MIT */
/*
 * config.c -- the settings table of stemedb and its three sources: defaults, STEMEDB_*
 * variables, flags. Each value is checked strictly (the whole string, in range); a bad value
 * names the setting and where it came from, and the server does not start.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "srv.h"

typedef enum kind { K_STR, K_UINT, K_SIZE, K_BOOL, K_LEVEL } kind;

typedef struct setting {
    const char *flag; /* long option, without "--" */
    const char *env;
    kind kind;
    size_t offset;
    const char *def; /* as text; NULL = unset */
    uint64_t min, max;
    const char *help;
} setting;

#define OFF(m) offsetof(srv_config, m)

static const setting settings[] = {
    {"bind", "STEMEDB_BIND_ADDR", K_STR, OFF(bind_addr), "127.0.0.1:18180", 0, 0,
     "address to listen on, HOST:PORT or [IPv6]:PORT (port 0: any free port)"},
    {"data-dir", "STEMEDB_DATA_DIR", K_STR, OFF(data_dir), "./stemedb-data", 0, 0,
     "the store's directory (created when missing)"},
    {"admin-key-file", "STEMEDB_ADMIN_KEY_FILE", K_STR, OFF(admin_key_file), NULL, 0, 0,
     "bootstrap admin API key: read from this file if it exists, else created there (0600)"},
    {"tls-cert", "STEMEDB_TLS_CERT_PATH", K_STR, OFF(tls_cert_path), NULL, 0, 0,
     "PEM certificate (chain): serve HTTPS (TLS 1.3 only) with --tls-key"},
    {"tls-key", "STEMEDB_TLS_KEY_PATH", K_STR, OFF(tls_key_path), NULL, 0, 0,
     "PEM private key of --tls-cert"},
    {"port-file", "STEMEDB_PORT_FILE", K_STR, OFF(port_file), NULL, 0, 0,
     "write the bound port to this file once listening"},
    {"threads", "STEMEDB_THREADS", K_UINT, OFF(threads), "0", 0, 1024,
     "HTTP worker threads, each with its own epoll loop (0: one per online core)"},
    {"write-threads", "STEMEDB_WRITE_THREADS", K_UINT, OFF(write_threads), "32", 0, 1024,
     "threads that run write requests while they wait for their commit (0: the HTTP threads)"},
    {"max-connections", "STEMEDB_MAX_CONNECTIONS", K_UINT, OFF(max_connections), "1024", 1, 100000,
     "concurrent connections; more are refused"},
    {"max-connections-per-ip", "STEMEDB_MAX_CONNECTIONS_PER_IP", K_UINT,
     OFF(max_connections_per_ip), "256", 0, 100000,
     "concurrent connections per client address (0: no cap)"},
    {"connection-timeout", "STEMEDB_CONNECTION_TIMEOUT", K_UINT, OFF(connection_timeout_s), "30", 1,
     86400, "seconds a connection may stay idle or stall while sending a request"},
    {"max-body-ingest", "STEMEDB_MAX_BODY_INGEST", K_SIZE, OFF(max_body_ingest), "16777216", 1024,
     UINT64_C(1) << 32, "bytes in an ingest request body (records, votes, events)"},
    {"max-body-read", "STEMEDB_MAX_BODY_READ", K_SIZE, OFF(max_body_read), "65536", 256,
     UINT64_C(1) << 30, "bytes in any other request body (queries, admin documents)"},
    {"rate-per-key", "STEMEDB_RATE_PER_KEY", K_UINT, OFF(rate_per_key), "2000", 0, 10000000,
     "requests per second per API key (0: no limit); beyond: 429 with Retry-After"},
    {"rate-per-ip", "STEMEDB_RATE_PER_IP", K_UINT, OFF(rate_per_ip), "2000", 0, 10000000,
     "requests per second per client address (0: no limit)"},
    {"rate-burst", "STEMEDB_RATE_BURST", K_UINT, OFF(rate_burst_s), "2", 1, 3600,
     "seconds of the rate a client may spend at once"},
    {"max-watchers", "STEMEDB_MAX_WATCHERS", K_UINT, OFF(max_watchers), "256", 0, 100000,
     "concurrent /v1/watch streams"},
    {"watch-heartbeat", "STEMEDB_WATCH_HEARTBEAT", K_UINT, OFF(watch_heartbeat_s), "15", 1, 3600,
     "seconds between keep-alive comments on an idle /v1/watch stream"},
    {"drain-timeout", "STEMEDB_DRAIN_TIMEOUT", K_UINT, OFF(drain_timeout_s), "30", 0, 3600,
     "seconds SIGTERM waits for in-flight requests before closing the store"},
    {"open-read", "STEMEDB_OPEN_READ", K_BOOL, OFF(open_read), "false", 0, 0,
     "serve reads without an API key (only on a trusted network)"},
    {"audit-queries", "STEMEDB_AUDIT_QUERIES", K_BOOL, OFF(audit_queries), "false", 0, 0,
     "record every query (who, lens, position, receipt) in the query audit"},
    {"log-level", "STEMEDB_LOG_LEVEL", K_LEVEL, OFF(log_level), "info", 0, 0,
     "debug, info, warn or error"},
    {"mv-mb", "STEMEDB_MV_MB", K_UINT, OFF(mv_mb), "256", 1, 1048576,
     "MiB of materialized query results the engine keeps (docs/lenses.md)"},
    {"render-cache-mb", "STEMEDB_RENDER_CACHE_MB", K_UINT, OFF(render_cache_mb), "64", 0, 1048576,
     "MiB of rendered query answers kept for repeats at the same log position (0: none)"},
    {"rate-per-agent", "STEMEDB_RATE_PER_AGENT", K_UINT, OFF(rate_per_agent), "0", 0, 10000000,
     "records per second one agent may write (0: no limit; docs/trust.md)"},
    {"breaker-rejections", "STEMEDB_BREAKER_REJECTIONS", K_UINT, OFF(breaker_rejections), "0", 0,
     10000000, "refusals within a minute that open an agent's circuit breaker (0: never)"},
};

#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

static bool
parse_u64(const char *s, uint64_t *ret)
{
    if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] != '\0'))
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *ret = v;
    return true;
}

static bool
parse_bool(const char *s, bool *ret)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcmp(s, yes[i]) == 0)
            return (*ret = true), true;
        if (strcmp(s, no[i]) == 0)
            return (*ret = false), true;
    }
    return false;
}

/* Apply text v to setting st; on error print what is wrong and return false. */
static bool
apply(srv_config *cfg, const setting *st, const char *v, const char *from)
{
    char *base = (char *)cfg + st->offset;
    uint64_t n;
    switch (st->kind) {
    case K_STR:
    case K_LEVEL:
        if (*v == '\0') {
            fprintf(stderr, "stemedb: %s (%s): must not be empty\n", st->flag, from);
            return false;
        }
        if (st->kind == K_LEVEL && strcmp(v, "debug") != 0 && strcmp(v, "info") != 0 &&
            strcmp(v, "warn") != 0 && strcmp(v, "error") != 0) {
            fprintf(stderr, "stemedb: %s (%s): must be debug, info, warn or error\n", st->flag,
                    from);
            return false;
        }
        free(*(char **)base);
        if ((*(char **)base = strdup(v)) == NULL) {
            fprintf(stderr, "stemedb: out of memory\n");
            return false;
        }
        return true;
    case K_UINT:
    case K_SIZE:
        if (!parse_u64(v, &n) || n < st->min || n > st->max) {
            fprintf(stderr,
                    "stemedb: %s (%s): must be an integer from %" PRIu64 " to %" PRIu64 "\n",
                    st->flag, from, st->min, st->max);
            return false;
        }
        if (st->kind == K_UINT)
            *(unsigned *)base = (unsigned)n;
        else
            *(uint64_t *)base = n;
        return true;
    case K_BOOL:
        if (!parse_bool(v, (bool *)base)) {
            fprintf(stderr, "stemedb: %s (%s): must be true or false\n", st->flag, from);
            return false;
        }
        return true;
    }
    return false;
}

void
srv_config_help(FILE *f)
{
    fputs("Usage: stemedb [OPTION]...\n"
          "\n"
          "Serve a StemeDB store over HTTP (JSON under /v1; docs/server.md).\n"
          "Every option is also read from its environment variable; a flag wins.\n"
          "\n"
          "Options:\n",
          f);
    for (size_t i = 0; i < NSETTINGS; i++) {
        const setting *st = &settings[i];
        const char *arg = st->kind == K_BOOL ? "[=BOOL]" : st->kind == K_STR ? "=TEXT" : "=N";
        fprintf(f, "  --%s%s\n      %s\n      env %s, default %s\n", st->flag, arg, st->help,
                st->env, st->def ? st->def : "(none)");
    }
    fputs("  -h, --help       this text\n"
          "  --version        the version\n"
          "  --routes         list every route (METHOD PATH LEAST-ROLE) and exit\n"
          "\n"
          "Signals: SIGTERM or SIGINT stop accepting connections, let in-flight requests finish\n"
          "(up to --drain-timeout), then close the store. An acknowledged write is durable.\n",
          f);
}

void
srv_config_free(srv_config *cfg)
{
    for (size_t i = 0; i < NSETTINGS; i++)
        if (settings[i].kind == K_STR || settings[i].kind == K_LEVEL) {
            char **p = (char **)((char *)cfg + settings[i].offset);
            free(*p);
            *p = NULL;
        }
}

int
srv_config_load(srv_config *cfg, int argc, char **argv)
{
    memset(cfg, 0, sizeof(*cfg));
    for (size_t i = 0; i < NSETTINGS; i++)
        if (settings[i].def && !apply(cfg, &settings[i], settings[i].def, "default"))
            return 2;
    for (size_t i = 0; i < NSETTINGS; i++) {
        const char *v = getenv(settings[i].env);
        if (v && !apply(cfg, &settings[i], v, settings[i].env))
            return 2;
    }

    struct option opts[NSETTINGS + 4];
    for (size_t i = 0; i < NSETTINGS; i++)
        opts[i] = (struct option){
            settings[i].flag, settings[i].kind == K_BOOL ? optional_argument : required_argument,
            NULL, (int)(0x100 + i)};
    opts[NSETTINGS] = (struct option){"help", no_argument, NULL, 'h'};
    opts[NSETTINGS + 1] = (struct option){"version", no_argument, NULL, 'V'};
    opts[NSETTINGS + 2] = (struct option){"routes", no_argument, NULL, 'R'};
    opts[NSETTINGS + 3] = (struct option){0};

    optind = 1;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (opt == 'h') {
            srv_config_help(stdout);
            return -1;
        }
        if (opt == 'R') {
            for (const srv_route *rt = srv_routes; rt->pattern; rt++)
                printf("%s %s %s\n", rt->method, rt->pattern,
                       rt->role ? steme_apikey_role_name(rt->role) : "none");
            return -1;
        }
        if (opt == 'V') {
            printf("stemedb %s\n", STEME_VERSION_STRING);
            return -1;
        }
        if (opt == '?' || opt == ':') {
            fprintf(stderr, "stemedb: %s: %s (see stemedb --help)\n", argv[optind - 1],
                    opt == ':' ? "needs a value" : "unknown option");
            return 2;
        }
        const setting *st = &settings[opt - 0x100];
        char from[80];
        snprintf(from, sizeof(from), "--%s", st->flag);
        if (!apply(cfg, st, optarg ? optarg : "true", from))
            return 2;
    }
    if (optind < argc) {
        fprintf(stderr, "stemedb: %s: unexpected argument (see stemedb --help)\n", argv[optind]);
        return 2;
    }
    if ((cfg->tls_cert_path == NULL) != (cfg->tls_key_path == NULL)) {
        fprintf(stderr, "stemedb: tls-cert and tls-key: give both or neither\n");
        return 2;
    }
    if (cfg->threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        cfg->threads = n > 0 ? (unsigned)n : 1;
    }
    return 0;
}
