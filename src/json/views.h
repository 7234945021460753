/* SPDX-License-Identifier: MIT */
/*
 * views.h -- the JSON form of engine objects: the one JSON that `steme --json` prints and the
 * HTTP API returns. The faces are thin (DESIGN §8): neither builds a document of its own, both
 * call these, so that a script moving from the command line to the server reads the same
 * members, in the same order, with the same numbers.
 *
 * Views are built from the public API's types (steme.h) only. A view does not read the store:
 * what it shows besides the object itself (an entry's stage, an agent's display name, the
 * head of a supersession chain) is a parameter, fetched by the caller in whatever transaction
 * suits it. The one exception is steme__json_stage_at(), a fetch, not a view.
 *
 * Every view returns a new reference (json_decref it), or NULL when out of memory; a view that
 * takes a json_t * argument steals it (it is released even on failure). Strings taken from
 * records are copied. Serialise with steme__json_write() or steme__json_dumps(), not with
 * jansson's dumpers: they write reals in their shortest round-trip form (0.2, not
 * 0.20000000000000001), as the CLI always has.
 */
#ifndef STEME_JSON_VIEWS_H
#define STEME_JSON_VIEWS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "steme.h"

/* ---------------------------------------------------------------------------------------------
 * Serialisation (dump.c)
 */

/* Write j to f: like json_dumpf(), but reals in their shortest round-trip form and members in
 * insertion order. indent 0: compact, one line; else that many spaces per level. No newline
 * is added at the end. */
void steme__json_write(FILE *f, const json_t *j, int indent);

/* The same as a new NUL-terminated string (free it); NULL when out of memory. */
char *steme__json_dumps(const json_t *j, int indent);

/* ---------------------------------------------------------------------------------------------
 * Scalars (views.c)
 */

/* An id, a public key or a receipt as a hex string (n at most 64 bytes). */
json_t *steme__json_hex(const uint8_t *b, size_t n);

/* A log position, or null for 0 ("none"). */
json_t *steme__json_seq(uint64_t seq);

/* A string for text that may not be UTF-8 (a file name, a command-line argument): when s is
 * not valid UTF-8 its non-ASCII bytes become '?' rather than the member being lost. NULL s
 * gives NULL. */
json_t *steme__json_text(const char *s);

/* A record's string member: null when empty. Record strings are valid UTF-8 (the codec
 * checks). */
json_t *steme__json_str_or_null(steme_str s);

/* A typed value in its explicit JSON form: {"type", "value"[, "unit"]}. */
json_t *steme__json_value(const steme_value *v);

/* ---------------------------------------------------------------------------------------------
 * Errors (views.c)
 */

/* The stable machine word for a steme_err ("invalid", "not_found", "system", ...). */
const char *steme__json_err_code(int err);

/* An error as every face reports it: {"error": code, "message", "field"}. code is the stable
 * machine word ("invalid", "not_found", ...), field null when NULL; message may be any bytes
 * (steme__json_text()). */
json_t *steme__json_error(const char *code, const char *message, const char *field);

/* ---------------------------------------------------------------------------------------------
 * Records (views.c)
 */

/*
 * The stage of assertion id as the store was when its log ended at as_of (0: now). Derived
 * state is kept only for now; an earlier stage is the last change of its history caused at or
 * before as_of. Errors as steme_db_state() and steme_db_history(); STEME_ENOTFOUND also when
 * the assertion had no stage yet at as_of.
 */
steme_err steme__json_stage_at(steme_db *db, const steme_id *id, uint64_t as_of, steme_stage *ret);

/* A stored entry, {"seq", "id", "recorded_at", "signature", "record", "stage"}: stage is the
 * stage's name, or null when 0 (not an assertion, or no derived state). */
json_t *steme__json_entry(const steme_entry *e, steme_stage stage);

/* An assertion awaiting a quarantine decision: the entry with st's stage and
 * "quarantine_reason". */
json_t *steme__json_quarantined(const steme_entry *e, const steme_state *st);

/* The answer to a write: {"id", "seq", "status": "new"|"duplicate"}, followed by the members
 * of extra (may be NULL; stolen). */
json_t *steme__json_stored(const steme_ingest_result *r, json_t *extra);

/* {"before", "after", "match"}: the derived-state hashes around a rebuild. */
json_t *steme__json_rebuild(const uint8_t before[32], const uint8_t after[32]);

/* ---------------------------------------------------------------------------------------------
 * Store (views.c)
 */

/* {"db", "format_version", "last_seq", "records", "assertions", "votes", "events", "map_size",
 * "disk_bytes"}; db names the store (a path for the CLI). */
json_t *steme__json_stats(const char *db, const steme_stats *st);

/* Details a check report keeps; more set "details_truncated". */
#define STEME__JSON_MAX_PROBLEMS 1000

/* One problem of a check: {"index", "what", "seq"}. */
json_t *steme__json_problem(const char *index, const char *what, uint64_t seq);

/* {"db", "records", "signatures", "index_entries", "problems", "details"[,
 * "details_truncated": true]}; details (stolen) holds the first STEME__JSON_MAX_PROBLEMS
 * problems. */
json_t *steme__json_check(const char *db, const steme_check_report *rep, json_t *details);

/* Materialized-view counters: {"hits", "misses", "stale", "evictions", "entries",
 * "capacity"}. */
json_t *steme__json_mv_stats(const steme_mv_stats *s);

/* ---------------------------------------------------------------------------------------------
 * Lifecycle (views_rules.c)
 */

/* {"id", "seq", "stage", "conditions": [names], "quarantine_reason", "tainted_parents", "via",
 * "superseded_by", "retracted_by", "votes": {"up", "down"}, "head": {"id", "seq"}}: the state
 * st of assertion id, whose chain ends at head (log position head_seq). */
json_t *steme__json_state(const steme_id *id, const steme_state *st, const steme_id *head,
                          uint64_t head_seq);

/* One row of a history: {"seq", "id", "kind", "type", "summary", "from", "to"} for change ch,
 * caused by the record cause (the entry at ch->cause). */
json_t *steme__json_stage_change(const steme_stage_change *ch, const steme_entry *cause);

/* {"id", "seq", "changes"}: the history of assertion id at log position seq; changes (stolen)
 * is the array of steme__json_stage_change() rows. */
json_t *steme__json_history(const steme_id *id, uint64_t seq, json_t *changes);

/* One step of a provenance path: {"seq", "id", "stage", "summary"} for entry e, now in
 * stage. */
json_t *steme__json_path_step(const steme_entry *e, steme_stage stage);

/*
 * {"id", "seq", "stage", "path", "retracted_by", "source"}: how assertion id (state st) came to
 * be tainted. path (stolen) is the array of steme__json_path_step() rows from it to root, the
 * last step; event is the record that retracted root ({"seq", "id", "type", "summary",
 * "source"}), NULL when none (null); "source" is root's source.
 */
json_t *steme__json_provenance(const steme_id *id, const steme_state *st, json_t *path,
                               const steme_entry *root, const steme_entry *event);

/* ---------------------------------------------------------------------------------------------
 * Sources, agents, cascades, gold, quarantine, epochs (views_rules.c)
 */

/* {"id", "tier", "weight", "status", "registered", "registered_seq", "status_seq",
 * "assertions", "reliability"}. */
json_t *steme__json_source(const steme_source_info *s);

/* After a source_register: {"source": the source}. */
json_t *steme__json_registered(const steme_source_info *s);

/* The source with "title", "url" (from its source_register event reg) and "reason" (from the
 * event set that set its status); each null when absent. reg and set may be NULL. */
json_t *steme__json_source_detail(const steme_source_info *s, const steme_entry *reg,
                                  const steme_entry *set);

/* {"key", "name", "role", "profile_seq", "trust", "alpha", "beta", "evidence", "assertions",
 * "votes", "events", "quarantined", "rejections"}; name is the display name of the agent's
 * profile event, NULL when none (null). */
json_t *steme__json_agent(const steme_agent_info *a, const char *name);

/* After a profile was set: {"agent", "name", "role"}, name NULL when none (null). */
json_t *steme__json_profile(const steme_pubkey *key, const char *name, steme_role role);

/* {"total", "per_depth": [N0, N1, ...]}. */
json_t *steme__json_report(const steme_cascade_report *r);

/* What a retraction of source would touch: {"source", "total", "per_depth"}. */
json_t *steme__json_impact(const char *source, const steme_cascade_report *r);

/* After an event that cascades: {what: name, "report"}, what being "source" or "epoch". */
json_t *steme__json_cascade(const char *what, const char *name, const steme_cascade_report *r);

/* After an epoch_open: {"epoch": name}. */
json_t *steme__json_epoch(const char *name);

/* After a gold_set: {"subject", "predicate", "value"}. */
json_t *steme__json_gold_set(const char *subject, const char *predicate, const steme_value *v);

/* The gold standard in force, its gold_set entry e: {"subject", "predicate", "value", "id",
 * "seq", "recorded_at", "agent"}. */
json_t *steme__json_gold(const steme_entry *e);

/* After a quarantine decision: {"target", "decision", "stage"}. */
json_t *steme__json_decision(const steme_id *target, steme_decision d, steme_stage stage);

/* After a vote: {"target", "value", "stage", "votes": {"up", "down"}}, st the target's state. */
json_t *steme__json_voted(const steme_id *target, int vote, const steme_state *st);

/* After an assertion_retract: {"target", "stage", "report"}, report null when r is NULL (the
 * store kept none). */
json_t *steme__json_retracted(const steme_id *target, const steme_state *st,
                              const steme_cascade_report *r);

/* After a reaffirm: {"target", "epoch", "stage"}. */
json_t *steme__json_reaffirmed(const steme_id *target, const char *epoch, const steme_state *st);

/* After a supersession: {"supersedes", "head"}. */
json_t *steme__json_superseded(const steme_id *old, const steme_id *head);

/* ---------------------------------------------------------------------------------------------
 * Queries (views_query.c)
 */

/*
 * How much of an answer a view lists. A key can hold thousands of claims with distinct values;
 * an answer lists the first max_alternatives alternatives in the lens's order (and the winner's
 * too, last, when the lens ranked it beyond them: min_support can pass over stronger values)
 * and the first max_support ids of the winner's assertions (by log position), and always says
 * how many there are ("alternatives_total", "support_total"). SIZE_MAX lists everything.
 */
typedef struct steme__json_opts {
    size_t max_alternatives;
    size_t max_support;
} steme__json_opts;

/* The defaults of every face (docs/lenses.md "Answers"): ten alternatives cover every value
 * that holds a noticeable share of a contested key, and twenty ids are enough to follow a
 * winner's provenance while keeping an answer to a few kilobytes. */
#define STEME__JSON_ALTERNATIVES 10
#define STEME__JSON_SUPPORT      20

/* The default caps. */
steme__json_opts steme__json_opts_default(void);

/* The largest cap that is a number; more is written "all". */
#define STEME__JSON_CAP_MAX 1000000

/* A cap as every face spells it: "all" (SIZE_MAX) or a decimal integer from 0 to
 * STEME__JSON_CAP_MAX, without sign, spaces or leading zeros. False for anything else. */
bool steme__json_cap_parse(const char *text, size_t *ret);

/* One answer: {"subject", "predicate", "winner" (its table text, or null), "reason",
 * "reason_text", "decided_by", "lead", "conflict", "alternatives": [{"value", "weight",
 * "share", "evidence", "agents", "sources", "assertions", "tier", "up", "down", "outlier"}],
 * "alternatives_total", "support": [ids], "support_total", "candidates", "excluded": {"stage",
 * "valid_time", "filter"}, "explanation", "receipt"}, listing what o allows (NULL: the
 * defaults). */
json_t *steme__json_answer(const steme_answer *a, const steme__json_opts *o);

/* A conclusion a what-if changes: {"subject", "predicate", "before", "after"} (table texts,
 * "none" for no winner). */
json_t *steme__json_change(const steme_answer *a);

/* The what-ifs of q and what they change in r (a what-if result): {"retract", "distrust",
 * "supersede_epoch", "successor" (each null when not asked), "changed": [changes], "answers":
 * [answers with the what-ifs]}; answers list what o allows (NULL: the defaults). */
json_t *steme__json_what_if(const steme_query *q, const steme_result *r, const steme__json_opts *o);

/* The result r of query q: {"position", "lens", "version", "answers"} (the answers without the
 * what-ifs), and "what_if" when q asked for any; answers list what o allows (NULL: the
 * defaults). */
json_t *steme__json_result(const steme_query *q, const steme_result *r, const steme__json_opts *o);

/* One lens of a comparison: {"lens", "winner", "weight", "conflict", "reason", "explanation",
 * "receipt"} from r's first answer (r answers one subject and predicate). */
json_t *steme__json_lens(const steme_result *r);

/* {"position", "lenses": [...]}: n results (n > 0) of the same key, each through its lens, at
 * the same position. */
json_t *steme__json_compare(const steme_result *const *rs, size_t n);

/* {"match", "receipt", "position"}: a receipt recomputed at position. */
json_t *steme__json_receipt_check(bool match, const uint8_t receipt[32], uint64_t position);

/* One row of the query audit: {"id", "time", "asker", "subject", "predicate", "lens",
 * "version", "position", "reason", "has_winner", "candidates", "receipt"}, and "verified"
 * when *verified is given (verified may be NULL). */
json_t *steme__json_audit_row(const steme_audit_entry *e, const bool *verified);

#endif
