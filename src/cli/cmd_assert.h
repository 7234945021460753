/* SPDX-License-Identifier: MIT */
/*
 * cmd_assert.h -- what `steme assert` (cmd_assert.c, records from flags) and its JSON Lines
 * import (assert_file.c) share.
 */
#ifndef STEME_CLI_CMD_ASSERT_H
#define STEME_CLI_CMD_ASSERT_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"

/* Records per steme_db_ingest() call when importing a file. */
#define CLI_ASSERT_BATCH 1000

/* Load the signing key from path, reporting a missing file, unsafe permissions or a
 * malformed file without ever quoting its contents. Returns CLI_CONTINUE or an exit status. */
int cli_key_load(cli *c, const char *path, steme_keypair **ret);

/*
 * Sign every JSON-form record of the JSON Lines file path ("-" = stdin) with kp and store
 * them: all lines are validated first and nothing is stored if any is bad. at is the time
 * given to records that lack one. Returns an exit status.
 */
int cli_assert_file(cli *c, const char *path, const steme_keypair *kp, int64_t at);

#endif
