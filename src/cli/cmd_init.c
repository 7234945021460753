/* SPDX-License-Identifier: MIT */
/*
 * cmd_init.c -- `steme init`: create an empty store and its genesis admin key.
 *
 * Every other command opens the store without creating it, so that a mistyped --db is an
 * error rather than a new, empty database; init is the one place a store comes into being,
 * and it refuses to "create" one that is already there.
 *
 * The admin key is saved before the store is created, so that a store never names an admin
 * whose secret was lost on the way; if creating the store fails, a key file made for it is
 * removed again. An existing key file is used as it is, never overwritten: that is how one
 * admin key serves several stores.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "output.h"
#include "signing.h"

static int run_init(cli *c, int argc, char **argv);

const cli_command cli_cmd_init = {
    .name = "init",
    .summary = "create an empty store and its admin key",
    .help = "Usage: steme [--db DIR] init [--admin-key FILE]\n"
            "\n"
            "Create an empty StemeDB store in DIR (--db, else $STEME_DB, else ./steme-data).\n"
            "The directory is created if it does not exist. A store that already exists is\n"
            "left untouched and reported as an error: init never resets a database.\n"
            "\n"
            "The store gets a genesis admin: an Ed25519 key whose public key is written into\n"
            "the store. Its signature is what admin-only events need -- registering and\n"
            "retracting sources, opening and superseding epochs, setting gold standards,\n"
            "deciding quarantine, granting roles (docs/rules.md). init generates the key and\n"
            "saves it to FILE with mode 0600 before creating the store. When FILE already\n"
            "exists, the key in it becomes the admin instead: a key file is never overwritten,\n"
            "and one admin key may serve several stores. Keep the file secret and back it up:\n"
            "a lost admin key cannot be replaced, and a leaked one lets others rule the store.\n"
            "\n"
            "Options:\n"
            "  --admin-key FILE   where the admin key is saved, or read when it exists\n"
            "                     (default: $STEME_ADMIN_KEY_FILE, else DIR/admin.key). Admin\n"
            "                     commands look for it in the same place unless --key is given.\n"
            "\n"
            "Output: a line naming the store and one with the admin's public key and file\n"
            "(nothing with --quiet); with --json {\"db\": DIR, \"format_version\": N,\n"
            "\"admin\": {\"public_key\": HEX, \"file\": FILE, \"created\": true when init made\n"
            "the key, false when it was already there}}. The secret key is never printed.\n"
            "\n"
            "Exit status: 0 when the store was created; 1 when one already exists in DIR, the\n"
            "admin key file exists but cannot be used (unsafe permissions, not a key file) or\n"
            "cannot be written, or the store could not be created; 2 on a usage error.\n"
            "\n"
            "Examples:\n"
            "  steme --db /var/lib/steme init\n"
            "  steme --db ./trial init --admin-key ~/.config/steme/admin.key\n",
    .run = run_init,
};

enum { OPT_ADMIN_KEY = CLI_OPT_BASE };

static int
on_option(cli *c, int opt, const char *arg, void *ctx)
{
    if (opt == OPT_ADMIN_KEY) {
        if (arg[0] == '\0')
            return cli_usage(c, "--admin-key needs a file name");
        *(const char **)ctx = arg;
    }
    return CLI_CONTINUE;
}

/* Is there a store in c->db_dir? CLI_CONTINUE when not, else the exit status reported. */
static int
refuse_existing(cli *c)
{
    steme_db_options opts;
    steme_db_options_init(&opts);
    opts.create = false;
    steme_db *db = NULL;
    int err = steme_db_open(c->db_dir, &opts, &db);
    if (err == STEME_OK) {
        steme_db_close(db);
        return cli_fail(c, "exists", "a store already exists in %s (init never resets one)",
                        c->db_dir);
    }
    if (err != STEME_ENOTFOUND && err != (STEME_ESYSERR | ENOENT))
        return cli_error(c, err, NULL, "%s", c->db_dir);
    return CLI_CONTINUE;
}

/* The admin key at path: loaded when the file exists, else generated and saved (*created).
 * The store's directory is made first, since the default file lives in it. */
static int
admin_key(cli *c, const char *path, steme_keypair **ret, bool *created)
{
    struct stat st;
    if (lstat(path, &st) == 0) {
        *created = false;
        return cli_admin_key_load(c, path, ret);
    }
    if (errno != ENOENT)
        return cli_error(c, STEME_ESYSERR | errno, NULL, "admin key file %s", path);
    /* The same mode the store gives its directory (0755 before the umask). */
    if (mkdir(c->db_dir, 0755) != 0 && errno != EEXIST)
        return cli_error(c, STEME_ESYSERR | errno, NULL, "creating %s", c->db_dir);

    steme_keypair *kp = NULL;
    int err = steme_keypair_generate(&kp);
    if (err != STEME_OK)
        return cli_error(c, err, NULL, "generating the admin key");
    err = steme_keypair_save(kp, path);
    if (err != STEME_OK) {
        steme_keypair_free(kp);
        if (err == STEME_EEXIST || err == (STEME_ESYSERR | EEXIST))
            return cli_fail(c, "exists", "%s appeared while init ran; refusing to overwrite it",
                            path);
        return cli_error(c, err, NULL, "saving the admin key to %s", path);
    }
    *created = true;
    *ret = kp;
    return CLI_CONTINUE;
}

static int
print_created(cli *c, uint32_t format_version, const steme_pubkey *admin, const char *path,
              bool created)
{
    char hex[2 * STEME_PUBKEY_SIZE + 1];
    steme_hex(admin->b, sizeof(admin->b), hex);
    if (c->json) {
        json_t *j = json_pack("{s:o, s:I, s:{s:s, s:o, s:b}}", "db", steme__json_text(c->db_dir),
                              "format_version", (json_int_t)format_version, "admin", "public_key",
                              hex, "file", steme__json_text(path), "created", created);
        return cli_json_doc(c, j) == CLI_CONTINUE ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    }
    if (c->quiet)
        return CLI_EXIT_OK;
    printf("created an empty store in %s (format version %u)\n", c->db_dir, format_version);
    printf("admin key  %s\n", hex);
    if (created)
        printf("saved to   %s (mode 0600: keep it secret, back it up)\n", path);
    else
        printf("read from  %s (the existing key file was not changed)\n", path);
    return CLI_EXIT_OK;
}

static int
run_init(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"admin-key", required_argument, NULL, OPT_ADMIN_KEY},
        {NULL, 0, NULL, 0},
    };
    const char *given = NULL;
    int first;
    int status = cli_args_parse(c, &cli_cmd_init, argc, argv, opts, on_option, &given, &first);
    if (status != CLI_CONTINUE)
        return status;
    if (first != argc)
        return cli_usage(c, "unexpected argument '%s'", argv[first]);
    status = refuse_existing(c);
    if (status != CLI_CONTINUE)
        return status;

    char *path = given != NULL ? strdup(given) : cli_default_admin_key_file(c);
    if (path == NULL)
        return cli_error(c, STEME_ENOMEM, NULL, NULL);
    steme_keypair *kp = NULL;
    bool created = false;
    status = admin_key(c, path, &kp, &created);
    if (status != CLI_CONTINUE)
        goto out_free_path;
    steme_pubkey admin;
    steme_keypair_public(kp, &admin);
    steme_keypair_free(kp);

    steme_db_options dbo;
    steme_db_options_init(&dbo);
    dbo.create = true;
    dbo.genesis_admin = &admin;
    steme_db *db = NULL;
    int err = steme_db_open(c->db_dir, &dbo, &db);
    if (err != STEME_OK) {
        /* No store names this key: do not leave a fresh secret lying around for nothing. */
        if (created)
            unlink(path);
        status = cli_error(c, err, NULL, "creating a store in %s", c->db_dir);
        goto out_free_path;
    }
    steme_stats st = {0};
    err = steme_db_stats(db, &st);
    steme_db_close(db);
    if (err != STEME_OK) {
        status = cli_error(c, err, NULL, "reading the new store in %s", c->db_dir);
        goto out_free_path;
    }
    status = print_created(c, st.format_version, &admin, path, created);
out_free_path:
    free(path);
    return status;
}
