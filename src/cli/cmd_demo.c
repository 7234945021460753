/* SPDX-License-Identifier: MIT */
/*
 * cmd_demo.c -- `steme demo load|tour`: the living-review demo (docs/demo.md).
 *
 * `load` signs and stores the demo data set (samples/demo, embedded in steme at build time)
 * in an embedded store; `tour` shows, against a running stemedb, five things the data set
 * makes the engine do. The work is in demo_load.c and demo_tour.c; this file is the
 * command's table entry and its help, the man page of both.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "demo.h"

static int run_demo(cli *c, int argc, char **argv);

static const cli_subcommand demo_subs[] = {
    {"load", "demo load", demo_load_run},
    {"tour", "demo tour", demo_tour_run},
    {NULL, NULL, NULL},
};

const cli_command cli_cmd_demo = {
    .name = "demo",
    .summary = "load the living-review demo data set; tour it on a running server",
    .help = "Usage: steme [--db DIR] demo load [--keys KEYDIR] [--admin-key FILE] [--data DATA]\n"
            "       steme [--db DIR] demo tour [--url URL] [--keys KEYDIR] [--admin-key FILE]\n"
            "\n"
            "A consumer-health living review to try StemeDB on (docs/demo.md): five drugs\n"
            "(atorvastatin, metformin, ibuprofen, sertraline, semaglutide), their labelled\n"
            "adverse-event rates from the FDA and the EMA, trials, meta-analyses, preprints,\n"
            "a pharmacist, patient forums and a troll; sixteen agents of different\n"
            "reliability; thirty sources with their tiers; an invented mega-trial (PANACEA)\n"
            "with 120 claims derived from it, four levels deep; a change of guideline epoch;\n"
            "gold standards that make agents' trust differ. Figures from real documents are\n"
            "paraphrased approximations, and every source whose id contains \"example\" is\n"
            "invented: this is demo data, not medical information.\n"
            "\n"
            "load   sign and store the data set in the store DIR (--db, else $STEME_DB, else\n"
            "       ./steme-data; made by 'steme init'). Each agent gets its own Ed25519 key,\n"
            "       created on the first load and kept in KEYDIR/NAME.key (mode 0600, KEYDIR\n"
            "       0700; default DIR/demo-keys); sources, epochs, roles and gold standards are\n"
            "       signed by the store's admin key. Every record has fixed times, so loading\n"
            "       again stores nothing new: the log is unchanged. All records are checked and\n"
            "       signed before any is stored, and they are stored in one atomic batch. Load\n"
            "       refuses to make new agent keys for a store that already holds the demo\n"
            "       (the claims would be signed twice by different agents): keep KEYDIR, or\n"
            "       start from a fresh store.\n"
            "tour   run the five moments of the demo against the live server at URL, with real\n"
            "       API calls, printing what each shows and checking that it holds:\n"
            "         1. conflicting claims side by side: the FDA label's 0.2 % against the\n"
            "            forums' 12 % on one key, with a conflict score above 0.5;\n"
            "         2. the mega-trial's source retracted (POST /v1/sources/ID/retract, an\n"
            "            event signed here by the curator, an agent the data set makes an\n"
            "            admin): the cascade report per depth (at least 110 dependents), and a\n"
            "            conclusion that changes because of it;\n"
            "         3. the audit trail of that conclusion back to its source: the receipt\n"
            "            verified by the server, every record on the path (and the retraction\n"
            "            and the source's registration) re-encoded canonically here, its id\n"
            "            recomputed and its Ed25519 signature verified with libsteme;\n"
            "         4. time travel: the same question valid at 2023 and at 2025 (valid time:\n"
            "            a label revision), and as of the log position before the retraction\n"
            "            and now (transaction time);\n"
            "         5. three lenses (recency, consensus, authority), three winners, each\n"
            "            with its explanation.\n"
            "       A second tour finds the source already retracted and shows the stored\n"
            "       cascade report instead of retracting again.\n"
            "\n"
            "Options:\n"
            "  --keys KEYDIR      the agents' key directory (default DIR/demo-keys)\n"
            "  --admin-key FILE   load: the store's admin key (default $STEME_ADMIN_KEY_FILE,\n"
            "                     else DIR/admin.key); tour: the admin agent key that signs\n"
            "                     the retraction (default KEYDIR/curator.key)\n"
            "  --data DATA        load: read the *.jsonl files of the directory DATA, in name\n"
            "                     order, instead of the data set built into steme (to edit it)\n"
            "  --url URL          tour: the server (default $STEME_URL, else\n"
            "                     http://127.0.0.1:18180)\n"
            "\n"
            "Environment: STEME_API_KEY (tour) is the API key sent to the server; the\n"
            "retraction needs the admin role (the server's STEMEDB_ADMIN_KEY_FILE holds one).\n"
            "STEME_CA_CERT names a CA certificate for a server with a self-signed TLS one.\n"
            "\n"
            "Data files: one JSON object per line, the JSON form of a record\n"
            "(docs/encoding.md) plus \"as\" (who signs it: \"admin\" or an agent's name) and\n"
            "\"ref\" (a name for later lines: \"@ref\" in derived_from, supersedes and target;\n"
            "\"@agent\" in target_agent); \"agent\" is filled in and \"kind\" defaults to an\n"
            "assertion; lines starting with '#' are comments.\n"
            "\n"
            "Output: load prints what it stored: records (new and already there), agents and\n"
            "keys created, log positions; with --json {\"db\", \"keys\", \"files\", \"records\",\n"
            "\"new\", \"duplicates\", \"agents\", \"keys_created\", \"first_seq\", \"last_seq\"}. "
            "tour\n"
            "prints each moment; with --json one document {\"url\", \"ok\", \"failed\": [moment\n"
            "numbers], \"moments\": [{\"moment\", \"name\", \"ok\", \"failures\": [texts], ...}]}\n"
            "(docs/demo.md lists every member).\n"
            "\n"
            "Exit status: 0 on success; 1 when load finds a bad line or the store refuses a\n"
            "record, or when a moment of the tour does not hold (each failure is named), the\n"
            "server cannot be reached or refuses a request; 2 on a usage error.\n"
            "\n"
            "Examples:\n"
            "  steme --db ./demo init && steme --db ./demo demo load\n"
            "  STEMEDB_DATA_DIR=./demo STEMEDB_ADMIN_KEY_FILE=./demo/api.token stemedb &\n"
            "  STEME_API_KEY=$(cat ./demo/api.token) steme --db ./demo demo tour\n",
    .run = run_demo,
    .subs = demo_subs,
};

static int
run_demo(cli *c, int argc, char **argv)
{
    return cli_dispatch(c, &cli_cmd_demo, argc, argv);
}

char *
demo_default_keys_dir(const cli *c)
{
    size_t n = strlen(c->db_dir);
    char *p = malloc(n + sizeof("/" DEMO_KEYS_DIR));
    if (p == NULL)
        return NULL;
    memcpy(p, c->db_dir, n);
    while (n > 1 && p[n - 1] == '/')
        n--;
    strcpy(p + n, "/" DEMO_KEYS_DIR);
    return p;
}
