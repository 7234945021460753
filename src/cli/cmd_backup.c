/* SPDX-License-Identifier: MIT */
/*
 * cmd_backup.c -- `steme backup DEST [--to DIR]`, `steme backup verify DIR` and
 * `steme restore BACKUP NEWDIR [--until POSITION]` (docs/operations.md).
 *
 * The exit status is the verdict, as for `steme check`: a script can run
 * `steme backup verify DIR && ...`. Progress goes to stderr, on a terminal only (and not with
 * --quiet), so that logs and pipes see only the result.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "output.h"

static int run_backup(cli *c, int argc, char **argv);
static int run_restore(cli *c, int argc, char **argv);

static const cli_subcommand backup_subs[] = {
    {"verify", "backup verify", NULL},
    {NULL, NULL, NULL},
};

const cli_command cli_cmd_backup = {
    .name = "backup",
    .summary = "take a hot, verified backup of the store; verify a backup",
    .help =
        "Usage: steme backup DEST [--to DIR]\n"
        "       steme backup verify DIR\n"
        "\n"
        "steme backup DEST writes a backup of the store (--db) into the new directory DEST\n"
        "while other processes go on reading and writing: a compacted copy of the store\n"
        "taken from one snapshot (DEST/data.mdb), and DEST/MANIFEST.json, which records the\n"
        "backup's last log position and record counts (read back from the copy), when it\n"
        "was made, the libsteme version, and the size and BLAKE2b-256 of every file. Every\n"
        "record acknowledged before the command started is in the backup. DEST must not\n"
        "exist or be an empty directory; its parent must exist. The backup is written under\n"
        "DEST.partial-XXXXXX and renamed to DEST only when complete and synced to disk, so a\n"
        "crash never leaves a partial backup named DEST. (A backup named 'verify' must be\n"
        "written as ./verify.)\n"
        "\n"
        "  --to DIR   then ship the backup: copy it to DIR/NAME (NAME is DEST's last\n"
        "             component; DIR must exist), checking every file against the manifest\n"
        "             as it is copied, and verify the copy where it landed as 'backup verify'\n"
        "             does\n"
        "\n"
        "steme backup verify DIR checks the backup in DIR without restoring it and without\n"
        "writing to it: the manifest's checksum and syntax; that it names exactly the files\n"
        "present; each file's size and BLAKE2b-256; then the full integrity check of the\n"
        "copy ('steme check': every record, signature and index entry), and that its last\n"
        "position and counts are the manifest's.\n"
        "\n"
        "Output: a summary of the backup (position, records, size, hash, time taken); for\n"
        "verify, one line per problem (\"problem  FILE  WHAT\", on stdout) before the\n"
        "verdict. With --json one object: {\"backup\", \"manifest\": {...}, \"seconds\"[,\n"
        "\"shipped\": {\"path\", \"verified\", \"problems\", \"seconds\"}]} for a backup;\n"
        "{\"backup\", \"ok\", \"manifest\", \"files_checked\", \"bytes_hashed\", \"records\",\n"
        "\"signatures\", \"index_entries\", \"problems\", \"details\": [{\"file\", \"what\"}],\n"
        "\"seconds\"} for verify. Progress is shown on stderr when it is a terminal.\n"
        "\n"
        "Exit status: 0 on success (verify: no problem found); 1 when the backup or the\n"
        "shipping failed, or verify found problems or could not run; 2 on a usage error.\n"
        "\n"
        "Examples:\n"
        "  steme backup /backups/steme-2024-06-01 --to /mnt/offsite\n"
        "  steme backup verify /mnt/offsite/steme-2024-06-01\n",
    .run = run_backup,
    .subs = backup_subs,
};

const cli_command cli_cmd_restore = {
    .name = "restore",
    .summary = "restore a verified backup into a new store, whole or up to a position",
    .help =
        "Usage: steme restore BACKUP NEWDIR [--until POSITION]\n"
        "\n"
        "Verify the backup in BACKUP completely (as 'steme backup verify') and refuse it if\n"
        "anything is wrong, naming the file and the problem; then restore it into NEWDIR, a\n"
        "new store (NEWDIR must not exist or be an empty directory). The store is built in\n"
        "NEWDIR.partial-XXXXXX and renamed to NEWDIR when complete. --db is not used.\n"
        "\n"
        "  --until POSITION   restore the log only up to log position POSITION (at most the\n"
        "                     backup's last): records 1..POSITION keep their positions, ids,\n"
        "                     times and signatures, and derived state (stages, trust,\n"
        "                     sources, ...) is rebuilt from them, so the new store is the\n"
        "                     original as it was at POSITION. 'steme log' shows positions\n"
        "                     and their times.\n"
        "\n"
        "Output: what the new store holds (position, records, time of the last record). With\n"
        "--json {\"backup\", \"store\", \"until\", \"position\", \"last_recorded_at\",\n"
        "\"records\", \"assertions\", \"votes\", \"events\", \"seconds\"}. A refused backup is\n"
        "an error whose JSON form carries \"problems\": [{\"file\", \"what\"}].\n"
        "\n"
        "Exit status: 0 when the store was restored; 1 when the backup does not verify,\n"
        "NEWDIR is not empty, POSITION is past the backup's end, or the restore failed; 2 on\n"
        "a usage error.\n"
        "\n"
        "Example:\n"
        "  steme restore /backups/steme-2024-06-01 ./steme-data.restored --until 120000\n"
        "  steme --db ./steme-data.restored check\n",
    .run = run_restore,
};

#define MAX_DETAILS 1000

/* ---------------------------------------------------------------------------------------------
 * Progress on a terminal, problems, timing
 */

typedef struct progress {
    bool on;
    const char *cmd;
    const char *stage; /* the stage on the line now */
    double last;
    bool drawn;
} progress;

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
progress_end(progress *p)
{
    if (p->drawn)
        fputs("\r\033[K", stderr);
    p->drawn = false;
}

static void
on_progress(const char *stage, const char *unit, uint64_t done, uint64_t total, void *ctx)
{
    progress *p = ctx;
    double t = now_s();
    bool bytes = strcmp(unit, "bytes") == 0;
    char pct[16] = "";

    if (!p->on)
        return;
    /* A new stage is always drawn; within one, at most five times a second. */
    if (p->stage == stage && t - p->last < 0.2 && (total == 0 || done < total))
        return;
    p->stage = stage;
    p->last = t;
    if (total > 0)
        snprintf(pct, sizeof(pct), "  %3u%%", (unsigned)(done >= total ? 100 : done * 100 / total));
    if (bytes && total > 0)
        fprintf(stderr, "\r\033[Ksteme: %s: %s  %.1f of %.1f MB%s", p->cmd, stage, done / 1e6,
                total / 1e6, pct);
    else if (bytes)
        fprintf(stderr, "\r\033[Ksteme: %s: %s  %.1f MB", p->cmd, stage, done / 1e6);
    else if (total > 0)
        fprintf(stderr, "\r\033[Ksteme: %s: %s  %" PRIu64 " of %" PRIu64 " %s%s", p->cmd, stage,
                done, total, unit, pct);
    else
        fprintf(stderr, "\r\033[Ksteme: %s: %s", p->cmd, stage);
    fflush(stderr);
    p->drawn = true;
}

static steme_backup_options
options_for(cli *c, progress *p)
{
    p->on = !c->quiet && isatty(STDERR_FILENO);
    p->cmd = c->cmd;
    return (steme_backup_options){.progress = on_progress, .progress_ctx = p};
}

/* The problems of a backup: printed or collected (--json), the first kept for messages. */
typedef struct problems {
    cli *c;
    progress *p;
    bool print;      /* one line each on stdout (backup verify) */
    json_t *details; /* --json, up to MAX_DETAILS */
    uint64_t n;
    char first[600];
} problems;

static void
on_problem(const char *file, const char *what, void *ctx)
{
    problems *pr = ctx;

    if (pr->n++ == 0)
        snprintf(pr->first, sizeof(pr->first), "%s: %s", file, what);
    if (pr->details != NULL && json_array_size(pr->details) < MAX_DETAILS)
        json_array_append_new(pr->details,
                              json_pack("{s:o, s:s}", "file", cli_json_text(file), "what", what));
    if (pr->print && !pr->c->json) {
        progress_end(pr->p);
        printf("problem  %s  %s\n", file, what);
    }
}

static json_t *
info_json(const steme_backup_info *in)
{
    char created[32], last[32], hex[65];

    cli_fmt_time(in->created_at, created);
    cli_fmt_time(in->last_recorded_at, last);
    steme_hex(in->data_hash, 32, hex);
    return json_pack("{s:I, s:I, s:s, s:s, s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:s, s:I, s:I}",
                     "manifest_version", (json_int_t)in->manifest_version, "format_version",
                     (json_int_t)in->format_version, "libsteme_version", in->libsteme_version,
                     "created_at", created, "last_seq", (json_int_t)in->last_seq,
                     "last_recorded_at", last, "records", (json_int_t)in->records, "assertions",
                     (json_int_t)in->assertions, "votes", (json_int_t)in->votes, "events",
                     (json_int_t)in->events, "data_size", (json_int_t)in->data_size,
                     "data_blake2b_256", hex, "files", (json_int_t)in->files, "bytes",
                     (json_int_t)in->bytes);
}

static void
info_table(cli_table *t, const steme_backup_info *in)
{
    char when[32], hex[65];

    cli_table_kv(t, "position", "%" PRIu64, in->last_seq);
    if (in->last_seq > 0) {
        cli_fmt_time(in->last_recorded_at, when);
        cli_table_kv(t, "recorded at", "%s", when);
    }
    cli_table_kv(t, "records",
                 "%" PRIu64 " (%" PRIu64 " assertions, %" PRIu64 " votes, %" PRIu64 " events)",
                 in->records, in->assertions, in->votes, in->events);
    steme_hex(in->data_hash, 32, hex);
    cli_table_kv(t, "data.mdb", "%" PRIu64 " bytes, BLAKE2b-256 %s", in->data_size, hex);
    cli_fmt_time(in->created_at, when);
    cli_table_kv(t, "created", "%s by libsteme %s", when, in->libsteme_version);
}

/* The error for a failed verification or restore: the first problem and how many more. */
static int
refused(cli *c, int err, const char *doing, const char *dir, problems *pr)
{
    json_t *extra = json_object();

    if (extra != NULL && pr->details != NULL) {
        json_object_set(extra, "problems", pr->details);
    }
    if (err == STEME_ECORRUPT && pr->n > 0) {
        char more[64] = "";
        if (pr->n > 1)
            snprintf(more, sizeof(more), " (and %" PRIu64 " more problem%s)", pr->n - 1,
                     pr->n == 2 ? "" : "s");
        return cli_fail_extra(c, "corrupt", extra, "%s %s: %s%s", doing, dir, pr->first, more);
    }
    if (err == STEME_EVERSION && pr->n > 0)
        return cli_fail_extra(c, "version", extra, "%s %s: %s", doing, dir, pr->first);
    if (err == STEME_ENOTFOUND)
        return cli_fail_extra(c, "not_found", extra, "%s %s: no such directory", doing, dir);
    return cli_error_extra(c, err, NULL, extra, "%s %s", doing, dir);
}

/* ---------------------------------------------------------------------------------------------
 * steme backup verify DIR
 */

static int
run_verify(cli *c, int argc, char **argv)
{
    int first;
    int status = cli_args_parse(c, &cli_cmd_backup, argc, argv, NULL, NULL, NULL, &first);
    if (status != CLI_CONTINUE)
        return status;
    if (argc - first != 1)
        return cli_usage(
            c, argc - first == 0 ? "missing the backup directory" : "unexpected argument '%s'",
            argv[first + (argc - first > 1)]);
    const char *dir = argv[first];

    progress p = {0};
    steme_backup_options o = options_for(c, &p);
    problems pr = {.c = c, .p = &p, .print = !c->quiet, .details = json_array()};
    steme_backup_report rep;
    double t0 = now_s();
    int err = steme_db_backup_verify(dir, &o, &rep, on_problem, &pr);
    double secs = now_s() - t0;
    progress_end(&p);
    if (err != STEME_OK && err != STEME_ECORRUPT) {
        status = refused(c, err, "verifying", dir, &pr);
        json_decref(pr.details);
        return status;
    }
    bool ok = err == STEME_OK;
    if (c->json) {
        json_t *j = json_object();
        if (j != NULL) {
            json_object_set_new(j, "backup", cli_json_text(dir));
            json_object_set_new(j, "ok", json_boolean(ok));
            json_object_set_new(j, "manifest",
                                rep.info.manifest_version ? info_json(&rep.info) : json_null());
            json_object_set_new(j, "files_checked", json_integer((json_int_t)rep.files_checked));
            json_object_set_new(j, "bytes_hashed", json_integer((json_int_t)rep.bytes_hashed));
            json_object_set_new(j, "records", json_integer((json_int_t)rep.check.records));
            json_object_set_new(j, "signatures", json_integer((json_int_t)rep.check.signatures));
            json_object_set_new(j, "index_entries",
                                json_integer((json_int_t)rep.check.index_entries));
            json_object_set_new(j, "problems", json_integer((json_int_t)rep.problems));
            json_object_set_new(j, "details", pr.details);
            if (rep.problems > MAX_DETAILS)
                json_object_set_new(j, "details_truncated", json_true());
            json_object_set_new(j, "seconds", json_real(secs));
        } else {
            json_decref(pr.details);
        }
        status = cli_json_doc(c, j);
        return status == CLI_CONTINUE ? (ok ? CLI_EXIT_OK : CLI_EXIT_FAIL) : status;
    }
    json_decref(pr.details);
    printf("%s: backup %s", ok ? "ok" : "FAILED", dir);
    if (rep.info.manifest_version)
        printf(" at position %" PRIu64, rep.info.last_seq);
    printf(": %" PRIu64 " file%s (%" PRIu64 " bytes) hashed, %" PRIu64 " records, %" PRIu64
           " signatures, %" PRIu64 " index entries checked in %.1f s; %" PRIu64 " problem%s\n",
           rep.files_checked, rep.files_checked == 1 ? "" : "s", rep.bytes_hashed,
           rep.check.records, rep.check.signatures, rep.check.index_entries, secs, rep.problems,
           rep.problems == 1 ? "" : "s");
    return ok ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

/* ---------------------------------------------------------------------------------------------
 * steme backup DEST [--to DIR]
 */

enum { OPT_TO = CLI_OPT_BASE, OPT_UNTIL };

static const struct option backup_opts[] = {
    {"to", required_argument, NULL, OPT_TO},
    {NULL, 0, NULL, 0},
};

static int
on_backup_option(cli *c, int opt, const char *arg, void *ctx)
{
    (void)c;
    if (opt == OPT_TO)
        *(const char **)ctx = arg;
    return CLI_CONTINUE;
}

/* DIR/NAME where NAME is dest's last component; NULL when out of memory or dest has none. */
static char *
shipped_path(const char *to, const char *dest)
{
    size_t n = strlen(dest), end, start;
    char *path = NULL;

    while (n > 1 && dest[n - 1] == '/')
        n--;
    end = n;
    while (n > 0 && dest[n - 1] != '/')
        n--;
    start = n;
    if (end == start || (end - start == 1 && dest[start] == '.') ||
        (end - start == 2 && dest[start] == '.' && dest[start + 1] == '.') || dest[start] == '/')
        return NULL;
    if (asprintf(&path, "%s/%.*s", to, (int)(end - start), dest + start) < 0)
        return NULL;
    return path;
}

/* Ship the finished backup to to/NAME and verify it there. Sets *j_ship (--json). */
static int
ship(cli *c, const char *dest, const char *to, progress *p, json_t **j_ship, cli_table *t)
{
    char *path = shipped_path(to, dest);
    steme_backup_options o = options_for(c, p);
    problems pr = {.c = c, .p = p, .details = json_array()};
    steme_backup_report rep;
    int err, status;

    if (path == NULL) {
        json_decref(pr.details);
        return cli_fail(c, "invalid", "--to: cannot name the copy of %s in %s", dest, to);
    }
    double t0 = now_s();
    c->cmd = "backup --to";
    err = steme_db_backup_ship(dest, path, &o, on_problem, &pr);
    if (err == STEME_OK) {
        c->cmd = "backup --to (verify)";
        err = steme_db_backup_verify(path, &o, &rep, on_problem, &pr);
    }
    double secs = now_s() - t0;
    progress_end(p);
    c->cmd = "backup";
    if (err == STEME_EEXIST) {
        status = cli_fail(c, "exists",
                          "--to: %s exists and is not an empty directory (the backup in %s is "
                          "complete)",
                          path, dest);
    } else if (err != STEME_OK) {
        status = refused(c, err, "shipping to", path, &pr);
        fprintf(stderr, "steme: backup: the backup in %s is complete; only the copy failed\n",
                dest);
    } else {
        status = CLI_CONTINUE;
        if (c->json)
            *j_ship = json_pack("{s:o, s:b, s:I, s:I, s:f}", "path", cli_json_text(path),
                                "verified", 1, "problems", (json_int_t)0, "signatures",
                                (json_int_t)rep.check.signatures, "seconds", secs);
        else
            cli_table_kv(t, "shipped", "%s (verified: %" PRIu64 " signatures, %.1f s)", path,
                         rep.check.signatures, secs);
    }
    json_decref(pr.details);
    free(path);
    return status;
}

static int
run_backup(cli *c, int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "verify") == 0) {
        c->cmd = "backup verify";
        return run_verify(c, argc - 1, argv + 1);
    }
    const char *to = NULL;
    int first;
    int status =
        cli_args_parse(c, &cli_cmd_backup, argc, argv, backup_opts, on_backup_option, &to, &first);
    if (status != CLI_CONTINUE)
        return status;
    if (argc - first != 1)
        return cli_usage(
            c, argc - first == 0 ? "missing the destination directory" : "unexpected argument '%s'",
            argv[first + (argc - first > 1)]);
    const char *dest = argv[first];

    steme_db *db = NULL;
    status = cli_db_open(c, true, &db);
    if (status != CLI_CONTINUE)
        return status;
    progress p = {0};
    steme_backup_options o = options_for(c, &p);
    steme_backup_info info;
    double t0 = now_s();
    int err = steme_db_backup(db, dest, &o, &info);
    double secs = now_s() - t0;
    steme_db_close(db);
    progress_end(&p);
    if (err == STEME_EEXIST)
        return cli_fail(c, "exists", "%s exists and is not an empty directory", dest);
    if (err == (STEME_ESYSERR | ENOENT))
        return cli_fail(c, "not_found", "cannot create %s: its parent directory does not exist",
                        dest);
    if (err != STEME_OK)
        return cli_error(c, err, NULL, "backing up %s into %s", c->db_dir, dest);

    cli_table t;
    json_t *j_ship = NULL;
    cli_table_init(&t, 2);
    cli_table_kv(&t, "backup", "%s", dest);
    info_table(&t, &info);
    cli_table_kv(&t, "time", "%.1f s", secs);
    if (to != NULL) {
        status = ship(c, dest, to, &p, &j_ship, &t);
        if (status != CLI_CONTINUE) {
            cli_table_free(&t);
            return status;
        }
    }
    if (c->json) {
        cli_table_free(&t);
        json_t *j = json_object();
        if (j != NULL) {
            json_object_set_new(j, "backup", cli_json_text(dest));
            json_object_set_new(j, "manifest", info_json(&info));
            json_object_set_new(j, "seconds", json_real(secs));
            if (j_ship != NULL)
                json_object_set_new(j, "shipped", j_ship);
        } else {
            json_decref(j_ship);
        }
        status = cli_json_doc(c, j);
        return status == CLI_CONTINUE ? CLI_EXIT_OK : status;
    }
    if (!c->quiet)
        cli_table_print(&t, stdout);
    cli_table_free(&t);
    return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------------------------------------
 * steme restore BACKUP NEWDIR [--until POSITION]
 */

static const struct option restore_opts[] = {
    {"until", required_argument, NULL, OPT_UNTIL},
    {NULL, 0, NULL, 0},
};

static int
on_restore_option(cli *c, int opt, const char *arg, void *ctx)
{
    if (opt == OPT_UNTIL && (!cli_parse_u64(arg, ctx) || *(uint64_t *)ctx == 0))
        return cli_usage(c, "--until: '%s' is not a log position (1 or more)", arg);
    return CLI_CONTINUE;
}

static int
run_restore(cli *c, int argc, char **argv)
{
    uint64_t until = 0;
    int first;
    int status = cli_args_parse(c, &cli_cmd_restore, argc, argv, restore_opts, on_restore_option,
                                &until, &first);
    if (status != CLI_CONTINUE)
        return status;
    if (argc - first < 2)
        return cli_usage(c, argc - first == 0 ? "missing the backup and the new directory"
                                              : "missing the new directory");
    if (argc - first > 2)
        return cli_usage(c, "unexpected argument '%s'", argv[first + 2]);
    const char *backup = argv[first], *new_dir = argv[first + 1];

    progress p = {0};
    steme_backup_options o = options_for(c, &p);
    problems pr = {.c = c, .p = &p, .details = json_array()};
    steme_restore_report rep;
    double t0 = now_s();
    int err = steme_db_restore(backup, new_dir, until, &o, &rep, on_problem, &pr);
    double secs = now_s() - t0;
    progress_end(&p);
    if (err == STEME_EEXIST) {
        json_decref(pr.details);
        return cli_fail(c, "exists", "%s exists and is not an empty directory", new_dir);
    }
    if (err == STEME_EINVAL && until > rep.backup.info.last_seq) {
        json_decref(pr.details);
        return cli_fail(c, "invalid",
                        "--until: position %" PRIu64 " is past the end of the backup in %s "
                        "(its last position is %" PRIu64 ")",
                        until, backup, rep.backup.info.last_seq);
    }
    if (err == STEME_ECORRUPT || err == STEME_EVERSION || err == STEME_ENOTFOUND) {
        status = refused(c, err, "refusing the backup in", backup, &pr);
        json_decref(pr.details);
        return status;
    }
    json_decref(pr.details);
    if (err != STEME_OK)
        return cli_error(c, err, NULL, "restoring %s into %s", backup, new_dir);

    char when[32];
    cli_fmt_time(rep.last_recorded_at, when);
    if (c->json) {
        json_t *j =
            json_pack("{s:o, s:o, s:o, s:I, s:s, s:I, s:I, s:I, s:I, s:f}", "backup",
                      cli_json_text(backup), "store", cli_json_text(new_dir), "until",
                      until ? json_integer((json_int_t)until) : json_null(), "position",
                      (json_int_t)rep.last_seq, "last_recorded_at", when, "records",
                      (json_int_t)rep.records, "assertions", (json_int_t)rep.assertions, "votes",
                      (json_int_t)rep.votes, "events", (json_int_t)rep.events, "seconds", secs);
        status = cli_json_doc(c, j);
        return status == CLI_CONTINUE ? CLI_EXIT_OK : status;
    }
    if (c->quiet)
        return CLI_EXIT_OK;
    cli_table t;
    cli_table_init(&t, 2);
    cli_table_kv(&t, "store", "%s", new_dir);
    cli_table_kv(&t, "from", "%s (verified: %" PRIu64 " signatures)", backup,
                 rep.backup.check.signatures);
    if (until != 0)
        cli_table_kv(&t, "position", "%" PRIu64 " of %" PRIu64 " (--until)", rep.last_seq,
                     rep.backup.info.last_seq);
    else
        cli_table_kv(&t, "position", "%" PRIu64, rep.last_seq);
    if (rep.last_seq > 0)
        cli_table_kv(&t, "recorded at", "%s", when);
    cli_table_kv(&t, "records",
                 "%" PRIu64 " (%" PRIu64 " assertions, %" PRIu64 " votes, %" PRIu64 " events)",
                 rep.records, rep.assertions, rep.votes, rep.events);
    cli_table_kv(&t, "time", "%.1f s", secs);
    cli_table_print(&t, stdout);
    cli_table_free(&t);
    return CLI_EXIT_OK;
}
