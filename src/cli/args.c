/* SPDX-License-Identifier: MIT */
/*
 * args.c -- the option loop shared by every steme command, and strict argument parsers.
 *
 * The parsers are strict on purpose: an id, a log position or a time on the command line ends
 * up inside a signed, content-addressed record or decides what a query sees, so "12abc" or
 * " 5" must be refused rather than read as 12 or 5.
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "output.h"
#include "record_json.h"

/* clang-format off */
const struct option cli_global_options[] = {
    {"db", required_argument, NULL, CLI_OPT_DB},
    {"url", required_argument, NULL, CLI_OPT_URL},
    {"json", no_argument, NULL, CLI_OPT_JSON},
    {"quiet", no_argument, NULL, CLI_OPT_QUIET},
    {"help", no_argument, NULL, CLI_OPT_HELP},
    {NULL, 0, NULL, 0},
};
/* clang-format on */

bool
cli_args_global(cli *c, int opt, const char *arg)
{
    switch (opt) {
    case CLI_OPT_DB:
        c->db_dir = arg;
        c->db_given = true;
        return true;
    case CLI_OPT_URL:
        c->url = arg;
        c->url_given = true;
        return true;
    case CLI_OPT_JSON:
        c->json = true;
        return true;
    case CLI_OPT_QUIET:
        c->quiet = true;
        return true;
    default:
        return false;
    }
}

#define MAX_OPTIONS 64

int
cli_args_parse(cli *c, const cli_command *cmd, int argc, char **argv, const struct option *opts,
               cli_opt_fn fn, void *ctx, int *ret_first)
{
    struct option all[MAX_OPTIONS];
    /* A command option whose code is a letter is also that short option (-o FILE). */
    char shorts[3 * MAX_OPTIONS + 4] = ":hq";
    size_t n = 0, ns = 3;
    for (const struct option *o = opts; o != NULL && o->name != NULL; o++) {
        assert(n < MAX_OPTIONS - 8);
        all[n++] = *o;
        if (o->flag == NULL && o->val > 0 && o->val < 0x80 && isalpha(o->val)) {
            shorts[ns++] = (char)o->val;
            if (o->has_arg == required_argument)
                shorts[ns++] = ':';
        }
    }
    shorts[ns] = '\0';
    for (const struct option *o = cli_global_options; o->name != NULL; o++)
        all[n++] = *o;
    memset(&all[n], 0, sizeof(all[n]));

    /* optind = 0 makes GNU getopt reinitialise: main() has already run its own loop. */
    optind = 0;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, shorts, all, NULL)) != -1) {
        switch (opt) {
        case CLI_OPT_HELP:
            fputs(cmd->help, stdout);
            return cli_finish(c, CLI_EXIT_OK);
        case ':':
            return cli_usage(c, "option %s needs a value", argv[optind - 1]);
        case '?':
            if (optopt >= CLI_OPT_DB)
                return cli_usage(c, "option %s takes no value", argv[optind - 1]);
            if (optopt != 0)
                return cli_usage(c, "unknown option -%c", optopt);
            return cli_usage(c, "unknown or ambiguous option %s", argv[optind - 1]);
        default:
            if (cli_args_global(c, opt, optarg))
                break;
            if (fn == NULL)
                return cli_usage(c, "unexpected option %s", argv[optind - 1]);
            int status = fn(c, opt, optarg, ctx);
            if (status != CLI_CONTINUE)
                return status;
        }
    }
    *ret_first = optind;
    return cli_args_mode(c);
}

/* Commands that work on a local directory (c->cmd, the subcommand's full name). */
static const char *const local_only[] = {"init",   "keygen",  "rebuild",
                                         "backup", "restore", "demo load"};

int
cli_args_mode(cli *c)
{
    if (strcmp(c->cmd, "help") == 0) /* reads no store: whatever the mode, it helps */
        return CLI_CONTINUE;
    const char *env_db = getenv("STEME_DB");
    bool env_has_db = env_db != NULL && env_db[0] != '\0';
    if (c->url_given && c->db_given)
        return cli_usage(c, "--db and --url cannot be combined: --db names a local store, "
                            "--url a server");
    if (c->db_given)
        c->url = NULL; /* --db beats $STEME_URL */
    else if (c->url != NULL && !c->url_given && env_has_db)
        return cli_usage(c, "STEME_DB and STEME_URL are both set: choose a local store (--db) "
                            "or a server (--url)");
    if (c->url == NULL)
        return CLI_CONTINUE;
    if (strncmp(c->url, "http://", 7) != 0 && strncmp(c->url, "https://", 8) != 0)
        return cli_usage(c, "%s: '%s' is not an http:// or https:// URL",
                         c->url_given ? "--url" : "STEME_URL", c->url);
    for (size_t i = 0; i < sizeof(local_only) / sizeof(local_only[0]); i++) {
        if (strcmp(c->cmd, local_only[i]) == 0)
            return cli_usage(c, "'%s' has no remote mode: it works on local files (%s)", c->cmd,
                             c->url_given ? "drop --url" : "unset STEME_URL, or give --db");
    }
    return CLI_CONTINUE;
}

/* ---------------------------------------------------------------------------------------------
 * Parsers
 */

static bool
all_digits(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return false;
    }
    return true;
}

bool
cli_parse_u64(const char *s, uint64_t *ret)
{
    if (!all_digits(s))
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *ret = v;
    return true;
}

bool
cli_parse_i64(const char *s, int64_t *ret)
{
    const char *d = s[0] == '-' ? s + 1 : s;
    if (!all_digits(d) || (d[0] == '0' && d[1] != '\0'))
        return false;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *ret = v;
    return true;
}

/* Skip one or more digits; NULL when there is none. */
static const char *
digits(const char *p)
{
    if (*p < '0' || *p > '9')
        return NULL;
    while (*p >= '0' && *p <= '9')
        p++;
    return p;
}

bool
cli_parse_number(const char *s, double *ret)
{
    /* The JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? -- strtod alone
     * would also take "inf", "0x1p3", " 5" and "5." */
    const char *p = s;
    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else if ((p = digits(p)) == NULL)
        return false;
    if (*p == '.' && (p = digits(p + 1)) == NULL)
        return false;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if ((p = digits(p)) == NULL)
            return false;
    }
    if (*p != '\0')
        return false;
    errno = 0;
    double d = strtod(s, NULL);
    if (!isfinite(d))
        return false;
    *ret = d == 0.0 ? 0.0 : d;
    return true;
}

bool
cli_parse_time(const char *s, int64_t *ret)
{
    int64_t ms;
    if (all_digits(s)) {
        uint64_t v;
        if (!cli_parse_u64(s, &v) || v > (uint64_t)STEME_TIME_MAX)
            return false;
        ms = (int64_t)v;
    } else if (steme__time_parse(s, &ms) != STEME_OK) {
        return false;
    }
    if (ms < 0 || ms > STEME_TIME_MAX)
        return false;
    *ret = ms;
    return true;
}

bool
cli_parse_id(const char *s, steme_id *ret)
{
    steme_id id;
    if (strlen(s) != 2 * STEME_ID_SIZE || steme_unhex(s, id.b, sizeof(id.b)) != STEME_OK)
        return false;
    *ret = id;
    return true;
}

bool
cli_parse_pubkey(const char *s, steme_pubkey *ret)
{
    steme_pubkey pk;
    if (strlen(s) != 2 * STEME_PUBKEY_SIZE || steme_unhex(s, pk.b, sizeof(pk.b)) != STEME_OK)
        return false;
    *ret = pk;
    return true;
}

bool
cli_parse_confidence(const char *s, uint32_t *ret)
{
    double d;
    if (!cli_parse_number(s, &d) || d < 0.0 || d > 1.0)
        return false;
    /* The same conversion as the JSON form (docs/decisions.md). */
    *ret = (uint32_t)llround(d * STEME_CONFIDENCE_ONE);
    return true;
}
