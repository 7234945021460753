/* SPDX-License-Identifier: MIT */
/*
 * demo.h -- what the files of `steme demo` share (docs/demo.md): the names the data set and
 * the tour agree on, the embedded data files, and the two subcommands.
 *
 * The data set lives in the JSON Lines files of samples/demo, readable by a person; the build
 * embeds those files into steme (scripts/embed_demo.py), so `steme demo load` works from any
 * directory. The tour knows which keys of the data set show each moment: the names below are the
 * contract between the two, and docs/demo.md explains them.
 */
#ifndef STEME_CLI_DEMO_H
#define STEME_CLI_DEMO_H

#include <stddef.h>

#include "cli.h"

/* One embedded data file (generated demo_data.c). */
typedef struct demo_file {
    const char *name; /* "10-setup.jsonl" */
    const char *data; /* its bytes, NUL-terminated */
    size_t len;
} demo_file;

extern const demo_file demo_files[];
extern const size_t demo_n_files;

/* The agents' keys live in DIR/DEMO_KEYS_DIR/NAME.key (mode 0600; the directory 0700). */
#define DEMO_KEYS_DIR "demo-keys"
/* The agent the data set makes an admin: the tour signs the retraction with its key. */
#define DEMO_CURATOR "curator"

/* Moment 1: the label's 0.2 % against the forums' 12 %. */
#define DEMO_CONFLICT_SUBJECT   "drug:atorvastatin"
#define DEMO_CONFLICT_PREDICATE "adverse_event.liver_enzyme_elevation.incidence"
/* Moment 2: the mega-trial the tour retracts, and the conclusion that changes. */
#define DEMO_MEGATRIAL         "trial:example:panacea:2021"
#define DEMO_CASCADE_SUBJECT   "drug:atorvastatin"
#define DEMO_CASCADE_PREDICATE "risk.new_onset_diabetes.relative_risk"
#define DEMO_CASCADE_LENS      "consensus"
#define DEMO_MIN_DEPENDENTS    110
/* Moment 4: a label revision in valid time. */
#define DEMO_VALID_SUBJECT   "drug:semaglutide"
#define DEMO_VALID_PREDICATE "label.adverse_event.naion.frequency"
#define DEMO_VALID_AT_BEFORE "2023-07-01T00:00:00Z"
#define DEMO_VALID_AT_AFTER  "2025-07-01T00:00:00Z"
/* Moment 5: three lenses, three winners. */
#define DEMO_LENSES_SUBJECT   "drug:metformin"
#define DEMO_LENSES_PREDICATE "adverse_event.diarrhea.incidence"

/* The default directory of the agents' keys for the store in c->db_dir: DIR/demo-keys.
 * Returns a new string (free it), NULL when out of memory. */
char *demo_default_keys_dir(const cli *c);

/* `steme demo load` and `steme demo tour`: argv[0] is the subcommand. Return exit statuses. */
int demo_load_run(cli *c, int argc, char **argv);
int demo_tour_run(cli *c, int argc, char **argv);

#endif
