/* SPDX-License-Identifier: MIT */
/*
 * cmd_assert.h -- what `steme assert` (cmd_assert.c, records from flags) and its JSON Lines
 * import (assert_file.c) share, and the typed-value parser that `steme gold set` reuses.
 */
#ifndef STEME_CLI_CMD_ASSERT_H
#define STEME_CLI_CMD_ASSERT_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"

/* Records per steme_db_ingest() call when importing a file. */
#define CLI_ASSERT_BATCH 1000

/*
 * The typed value of text, as `steme assert --value` reads it. type is the --type name or
 * NULL to infer it (integer, number, boolean, else string); unit (may be NULL) makes an
 * inferred whole number a number and is refused for other types. what names the option in
 * messages. The value borrows text and unit. Returns CLI_CONTINUE or a usage error's status.
 */
int cli_parse_value(cli *c, const char *what, const char *text, const char *type, const char *unit,
                    steme_value *ret);

/*
 * Sign every JSON-form record of the JSON Lines file path ("-" = stdin) with kp and store
 * them: all lines are validated first and nothing is stored if any is bad. at is the time
 * given to records that lack one. Returns an exit status.
 */
int cli_assert_file(cli *c, const char *path, const steme_keypair *kp, int64_t at);

#endif
