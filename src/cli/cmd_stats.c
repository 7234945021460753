/* SPDX-License-Identifier: MIT */
/*
 * cmd_stats.c -- `steme stats`: what the store holds and how big it is.
 */
#include <inttypes.h>

#include "args.h"
#include "cli.h"
#include "output.h"
#include "remote.h"
#include "view.h"

static int run_stats(cli *c, int argc, char **argv);

const cli_command cli_cmd_stats = {
    .name = "stats",
    .summary = "show counts, the last log position and the store's size",
    .help = "Usage: steme stats\n"
            "\n"
            "Show the store's format version, its last log position (last_seq), how many\n"
            "records it holds (assertions, votes and events), the current size of its memory\n"
            "map (map_size: the most the data file may grow to before the map is enlarged)\n"
            "and the bytes of its file up to the last page written (disk_bytes; pages freed by\n"
            "later commits are included and reused), and how many assertions await a\n"
            "quarantine decision (quarantine_pending).\n"
            "\n"
            "Output: \"key  value\" lines (sizes also in KiB/MiB/GiB); with --json one object\n"
            "{\"db\", \"format_version\", \"last_seq\", \"records\", \"assertions\", \"votes\",\n"
            "\"events\", \"map_size\", \"disk_bytes\", \"quarantine_pending\"} (sizes in bytes).\n"
            "\n"
            "Exit status: 0; 1 when there is no store or it cannot be read; 2 on a usage\n"
            "error.\n",
    .run = run_stats,
};

static void
fmt_size(uint64_t bytes, char out[48])
{
    static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)bytes;
    size_t u = 0;
    while (v >= 1024.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
        v /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(out, 48, "%" PRIu64 " bytes", bytes);
    else
        snprintf(out, 48, "%" PRIu64 " (%.1f %s)", bytes, v, units[u]);
}

static int
run_stats(cli *c, int argc, char **argv)
{
    int first;
    int status = cli_args_parse(c, &cli_cmd_stats, argc, argv, NULL, NULL, NULL, &first);
    if (status != CLI_CONTINUE)
        return status;
    if (first != argc)
        return cli_usage(c, "unexpected argument '%s'", argv[first]);

    json_t *doc = NULL;
    if (cli_remote(c)) {
        /* The server names its store by its data directory. */
        cli_path path;
        cli_path_init(&path, "/v1/stats");
        status = cli_remote_get(c, &path, &doc, NULL);
        cli_path_free(&path);
        if (status != CLI_CONTINUE)
            return status;
    } else {
        steme_db *db = NULL;
        status = cli_db_open(c, true, &db);
        if (status != CLI_CONTINUE)
            return status;
        steme_stats st;
        int err = steme_db_stats(db, &st);
        steme_db_close(db);
        if (err != STEME_OK)
            return cli_error(c, err, NULL, "reading the statistics of %s", c->db_dir);
        if ((doc = steme__json_stats(c->db_dir, &st)) == NULL)
            return cli_error(c, STEME_ENOMEM, NULL, NULL);
    }
    if (c->json)
        return cli_json_doc(c, doc) == CLI_CONTINUE ? CLI_EXIT_OK : CLI_EXIT_FAIL;

    char map[48], disk[48];
    fmt_size(cli_ju64(doc, "map_size"), map);
    fmt_size(cli_ju64(doc, "disk_bytes"), disk);
    const char *db_name = cli_jstr(doc, "db");
    cli_table t;
    cli_table_init(&t, 2);
    bool ok = cli_table_kv(&t, "db", "%s", db_name != NULL ? db_name : "");
    static const char *const counts[] = {"format_version", "last_seq", "records",
                                         "assertions",     "votes",    "events"};
    for (size_t i = 0; ok && i < sizeof(counts) / sizeof(counts[0]); i++)
        ok = cli_table_kv(&t, counts[i], "%" PRIu64, cli_ju64(doc, counts[i]));
    ok = ok && cli_table_kv(&t, "map_size", "%s", map) &&
         cli_table_kv(&t, "disk_bytes", "%s", disk) &&
         cli_table_kv(&t, "quarantine_pending", "%" PRIu64, cli_ju64(doc, "quarantine_pending"));
    if (ok)
        cli_table_print(&t, stdout);
    cli_table_free(&t);
    json_decref(doc);
    return ok ? CLI_EXIT_OK : cli_error(c, STEME_ENOMEM, NULL, NULL);
}
