/* SPDX-License-Identifier: MIT */
/*
 * cmd_keygen.c -- `steme keygen`: make an agent's Ed25519 key pair and save it.
 *
 * The secret never passes through this file's output: only the public key is printed, and
 * the file is written by steme_keypair_save(), which creates it exclusively with mode 0600
 * (docs/keys.md). Refusing to overwrite is the point: replacing a key file loses an identity.
 */
#include <errno.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "output.h"

static int run_keygen(cli *c, int argc, char **argv);

const cli_command cli_cmd_keygen = {
    .name = "keygen",
    .summary = "make a new Ed25519 key pair (an agent identity)",
    .help = "Usage: steme keygen [--out FILE]\n"
            "\n"
            "Generate a new Ed25519 key pair from the system's random source and save it to\n"
            "FILE, created with mode 0600. The public key is the agent's identity: it is the\n"
            "\"agent\" of every record signed with this file. An existing FILE is never\n"
            "overwritten (nor is a symbolic link followed); keep the file secret and back it\n"
            "up: a lost key cannot be recovered and a leaked one lets others sign as you.\n"
            "The file format is described in docs/keys.md.\n"
            "\n"
            "Options:\n"
            "  --out FILE   where to save the key pair (default: $STEME_KEY_FILE, else\n"
            "               ./steme.key)\n"
            "\n"
            "Output: the public key (64 hex digits) and the file; with --quiet only the\n"
            "public key; with --json {\"public_key\": HEX, \"file\": FILE}. The secret key is\n"
            "never printed.\n"
            "\n"
            "Exit status: 0 on success; 1 when FILE exists or cannot be written; 2 on a usage\n"
            "error. keygen does not need a store.\n"
            "\n"
            "Example:\n"
            "  steme keygen --out ~/.config/steme/alice.key\n",
    .run = run_keygen,
};

enum { OPT_OUT = CLI_OPT_BASE };

static int
on_option(cli *c, int opt, const char *arg, void *ctx)
{
    (void)c;
    if (opt == OPT_OUT)
        *(const char **)ctx = arg;
    return CLI_CONTINUE;
}

static int
run_keygen(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, OPT_OUT},
        {NULL, 0, NULL, 0},
    };
    const char *out = cli_default_key_file();
    int first;
    int status = cli_args_parse(c, &cli_cmd_keygen, argc, argv, opts, on_option, &out, &first);
    if (status != CLI_CONTINUE)
        return status;
    if (first != argc)
        return cli_usage(c, "unexpected argument '%s'", argv[first]);
    if (out[0] == '\0')
        return cli_usage(c, "--out needs a file name");

    steme_keypair *kp = NULL;
    int err = steme_keypair_generate(&kp);
    if (err != STEME_OK)
        return cli_error(c, err, NULL, "generating a key pair");
    err = steme_keypair_save(kp, out);
    if (err == STEME_EEXIST || err == (STEME_ESYSERR | EEXIST)) {
        steme_keypair_free(kp);
        return cli_fail(c, "exists", "%s already exists; refusing to overwrite a key file", out);
    }
    if (err != STEME_OK) {
        steme_keypair_free(kp);
        return cli_error(c, err, NULL, "saving the key pair to %s", out);
    }
    steme_pubkey pk;
    steme_keypair_public(kp, &pk);
    steme_keypair_free(kp);

    char hex[2 * STEME_PUBKEY_SIZE + 1];
    steme_hex(pk.b, sizeof(pk.b), hex);
    if (c->json) {
        json_t *j = json_pack("{s:s, s:o}", "public_key", hex, "file", steme__json_text(out));
        return cli_json_doc(c, j) == CLI_CONTINUE ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    }
    if (c->quiet) {
        printf("%s\n", hex);
        return CLI_EXIT_OK;
    }
    printf("public key  %s\n", hex);
    printf("saved to    %s (mode 0600: keep it secret, back it up)\n", out);
    return CLI_EXIT_OK;
}
