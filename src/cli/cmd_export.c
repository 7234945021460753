/* SPDX-License-Identifier: MIT */
/*
 * cmd_export.c -- `steme export`: the log, or a range of it, as JSON Lines of signed entries,
 * the form `steme import` reads (docs/import-export.md).
 *
 * The export streams: the log is read in chunks of CHUNK records, each chunk from its own
 * read snapshot, and each entry is written as it is read, so memory does not grow with the
 * log and no snapshot is held for long (a long-lived LMDB reader keeps writers from reusing
 * pages). The range's end is fixed when the export starts: records appended meanwhile are
 * not included, and since the log only grows, the chunks together are one consistent prefix.
 * With -o the output goes to a temporary file beside FILE that is renamed over it only once
 * complete and synced, so FILE is never a half-written export -- when FILE is a plain file or
 * does not exist; anything else (a device such as /dev/null, a FIFO, a symbolic link) is
 * written to directly, since a rename would replace it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "output.h"
#include "progress.h"
#include "record_json.h"

static int run_export(cli *c, int argc, char **argv);

const cli_command cli_cmd_export = {
    .name = "export",
    .summary = "write the log as JSON Lines of signed records (for import)",
    .help = "Usage: steme export [--from SEQ] [--to SEQ] [-o FILE]\n"
            "\n"
            "Write the stored records in log order, one per line, each as 'steme --json get'\n"
            "shows it but compact and without the stage: {\"seq\", \"id\", \"recorded_at\",\n"
            "\"signature\", \"record\": {JSON form}}. The record's JSON form is lossless: 'steme\n"
            "import' rebuilds from it the exact bytes that were signed, so the export carries\n"
            "every record with its id and its author's signature.\n"
            "\n"
            "The range is fixed when the export starts: records stored meanwhile are left out.\n"
            "The export streams with constant memory, reading the log in chunks of 4096\n"
            "records, each from a consistent snapshot.\n"
            "\n"
            "Options:\n"
            "  --from SEQ     start at log position SEQ (default 1)\n"
            "  --to SEQ       end at log position SEQ, included (default: the last; a SEQ past\n"
            "                 the end means the end)\n"
            "  -o, --output FILE\n"
            "                 write to FILE instead of stdout: to a temporary file beside it,\n"
            "                 renamed to FILE when complete, so FILE is never partial (a FILE\n"
            "                 that is a device, a FIFO or a symbolic link is written directly)\n"
            "\n"
            "Progress: on a terminal, one line on stderr with the count, the rate, the\n"
            "percentage and the time left; nothing when stderr is not a terminal or with\n"
            "--quiet.\n"
            "\n"
            "Output: the records on stdout, or with -o a summary line (\"exported N records\n"
            "(seq A..B) to FILE\"; with --json {\"file\", \"records\", \"first_seq\",\n"
            "\"last_seq\"}; nothing with --quiet).\n"
            "\n"
            "Exit status: 0 when every record of the range was written; 1 when there is no\n"
            "store or a write failed (with -o, FILE is then left as it was); 2 on a usage\n"
            "error.\n"
            "\n"
            "Examples:\n"
            "  steme export -o backup.jsonl\n"
            "  steme export --from 1001 --to 2000 | gzip > part2.jsonl.gz\n"
            "  steme export | steme --db ../copy import -\n",
    .run = run_export,
};

enum {
    OPT_OUTPUT = 'o',
    OPT_FROM = CLI_OPT_BASE,
    OPT_TO,
};

/* Records per read snapshot. */
#define CHUNK 4096

typedef struct export_args {
    uint64_t from, to;
    bool has_to;
    const char *output;
} export_args;

typedef struct exporter {
    FILE *f;
    uint64_t from, to;
    uint64_t count, first_seq, last_seq, chunk;
    bool nomem;
    cli_progress prog;
} exporter;

static int
on_option(cli *c, int opt, const char *arg, void *ctx)
{
    export_args *a = ctx;
    switch (opt) {
    case OPT_FROM:
        if (!cli_parse_u64(arg, &a->from) || a->from == 0)
            return cli_usage(c, "--from: '%s' is not a log position (1 or more)", arg);
        break;
    case OPT_TO:
        if (!cli_parse_u64(arg, &a->to) || a->to == 0)
            return cli_usage(c, "--to: '%s' is not a log position (1 or more)", arg);
        a->has_to = true;
        break;
    case OPT_OUTPUT:
        if (arg[0] == '\0')
            return cli_usage(c, "-o needs a file name");
        a->output = arg;
        break;
    }
    return CLI_CONTINUE;
}

static int
write_entry(const steme_entry *e, void *ctx)
{
    exporter *x = ctx;
    json_t *j = steme__entry_to_json(e);
    if (j == NULL) {
        x->nomem = true;
        return 1;
    }
    steme__json_write(x->f, j, 0);
    putc('\n', x->f);
    json_decref(j);
    if (x->count++ == 0)
        x->first_seq = e->seq;
    x->last_seq = e->seq;
    x->chunk++;
    cli_progress_update(&x->prog, x->count, e->seq - x->from + 1);
    return ferror(x->f) ? 1 : 0;
}

/* Write the range to x->f. Returns CLI_CONTINUE or an exit status. */
static int
export_range(cli *c, steme_db *db, exporter *x, const char *what)
{
    uint64_t cursor = x->from - 1;
    while (cursor < x->to) {
        steme_list_options lo = {
            .index = STEME_INDEX_LOG, .after = cursor, .as_of = x->to, .limit = CHUNK};
        x->chunk = 0;
        int err = steme_db_list(db, &lo, write_entry, x);
        if (x->nomem)
            err = STEME_ENOMEM;
        if (err == STEME_OK && ferror(x->f))
            err = STEME_ESYSERR | (errno != 0 ? errno : EIO);
        if (err != STEME_OK) {
            cli_progress_end(&x->prog);
            return cli_error(c, err, NULL, "writing %s after seq %" PRIu64, what, cursor);
        }
        if (x->chunk == 0)
            break;
        cursor = x->last_seq;
    }
    cli_progress_end(&x->prog);
    return CLI_CONTINUE;
}

/* Make path's directory entry durable after a rename. */
static void
sync_dir(const char *path)
{
    char *copy = strdup(path);
    if (copy == NULL)
        return;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(copy);
}

/* Export straight into something that is not a plain file (a device, a FIFO, a symbolic
 * link): renaming over it would replace it. */
static int
export_special(cli *c, steme_db *db, exporter *x, const char *path)
{
    x->f = fopen(path, "w");
    if (x->f == NULL)
        return cli_error(c, STEME_ESYSERR | errno, NULL, "%s", path);
    int status = export_range(c, db, x, path);
    if (fclose(x->f) != 0 && status == CLI_CONTINUE)
        status = cli_error(c, STEME_ESYSERR | (errno != 0 ? errno : EIO), NULL, "writing %s", path);
    x->f = NULL;
    return status;
}

/* Export into a temporary file beside path, then rename it over path. */
static int
export_file(cli *c, steme_db *db, exporter *x, const char *path)
{
    struct stat st;
    if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return export_special(c, db, x, path);
    char *tmp = NULL;
    if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
        return cli_error(c, STEME_ENOMEM, NULL, NULL);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return cli_error(c, STEME_ESYSERR | e, NULL, "creating a temporary file beside %s", path);
    }
    /* mkstemp makes it 0600; an export is as readable as any file the user creates. */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    x->f = fdopen(fd, "w");
    if (x->f == NULL) {
        int e = errno;
        close(fd);
        unlink(tmp);
        free(tmp);
        return cli_error(c, STEME_ESYSERR | e, NULL, "%s", tmp);
    }
    int status = export_range(c, db, x, path);
    int e = 0;
    if (status == CLI_CONTINUE && (fflush(x->f) != 0 || fsync(fileno(x->f)) != 0))
        e = errno != 0 ? errno : EIO;
    if (fclose(x->f) != 0 && status == CLI_CONTINUE && e == 0)
        e = errno != 0 ? errno : EIO;
    x->f = NULL;
    if (status == CLI_CONTINUE && e == 0 && rename(tmp, path) != 0)
        e = errno;
    if (status == CLI_CONTINUE && e != 0)
        status = cli_error(c, STEME_ESYSERR | e, NULL, "writing %s", path);
    if (status != CLI_CONTINUE)
        unlink(tmp);
    else
        sync_dir(path);
    free(tmp);
    return status;
}

static int
run_export(cli *c, int argc, char **argv)
{
    /* clang-format off */
    static const struct option opts[] = {
        {"from", required_argument, NULL, OPT_FROM},
        {"to", required_argument, NULL, OPT_TO},
        {"output", required_argument, NULL, OPT_OUTPUT},
        {NULL, 0, NULL, 0},
    };
    /* clang-format on */
    export_args a = {.from = 1};
    int first;
    int status = cli_args_parse(c, &cli_cmd_export, argc, argv, opts, on_option, &a, &first);
    if (status != CLI_CONTINUE)
        return status;
    if (first != argc)
        return cli_usage(c, "unexpected argument '%s' (the file is given with -o)", argv[first]);
    if (a.has_to && a.to < a.from)
        return cli_usage(c, "--to %" PRIu64 " is before --from %" PRIu64, a.to, a.from);

    steme_db *db = NULL;
    if ((status = cli_db_open(c, true, &db)) != CLI_CONTINUE)
        return status;
    steme_stats st;
    int err = steme_db_stats(db, &st);
    if (err != STEME_OK) {
        steme_db_close(db);
        return cli_error(c, err, NULL, "reading the store's statistics");
    }
    exporter x = {.f = stdout, .from = a.from};
    x.to = a.has_to && a.to < st.last_seq ? a.to : st.last_seq;
    cli_progress_begin(&x.prog, c, "exporting", x.to >= x.from ? x.to - x.from + 1 : 0, 0);
    if (a.output == NULL)
        status = export_range(c, db, &x, "the export");
    else
        status = export_file(c, db, &x, a.output);
    steme_db_close(db);
    if (status != CLI_CONTINUE)
        return status;
    if (a.output == NULL || c->quiet)
        return CLI_EXIT_OK;
    if (c->json) {
        json_t *j =
            json_pack("{s:o, s:I, s:o, s:o}", "file", steme__json_text(a.output), "records",
                      (json_int_t)x.count, "first_seq",
                      x.count ? json_integer((json_int_t)x.first_seq) : json_null(), "last_seq",
                      x.count ? json_integer((json_int_t)x.last_seq) : json_null());
        return cli_json_doc(c, j) == CLI_CONTINUE ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    }
    printf("exported %" PRIu64 " record%s", x.count, x.count == 1 ? "" : "s");
    if (x.count > 0)
        printf(" (seq %" PRIu64 "..%" PRIu64 ")", x.first_seq, x.last_seq);
    printf(" to ");
    steme__fmt_put(stdout, a.output, strlen(a.output));
    putchar('\n');
    return CLI_EXIT_OK;
}
