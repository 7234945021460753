/* SPDX-License-Identifier: MIT */
/*
 * query.h -- what the two files of the query layer share (DESIGN §6, docs/lenses.md "Queries").
 *
 * query_cands.c gathers, inside one transaction, every assertion of the queried key(s) visible
 * at a log position, with its lifecycle stage and votes as they stood at that position and the
 * filters' verdicts; query.c turns the query's options into lens parameters, groups the rows by
 * (subject, predicate), runs the lens over the rows that passed, and computes the receipts.
 * Splitting the gathering from the rest lets a what-if run the same gathering inside a dry-run
 * transaction in which a retraction has been applied.
 */
#ifndef STEME_ENGINE_QUERY_H
#define STEME_ENGINE_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lens.h"
#include "lens_inputs.h"
#include "rows.h"
#include "steme.h"
#include "store.h"

/* Why a visible assertion is not a candidate (the first filter that failed). */
enum steme__qexcl {
    STEME__QX_NONE = 0,
    STEME__QX_STAGE = 1,
    STEME__QX_VALID = 2,
    STEME__QX_FILTER = 3,
};

/* One visible assertion in the form a lens reads it, with its key. Its strings live in the
 * set's arena (copies of lens rows or of log records), so the set outlives the snapshot. Kept
 * small on purpose: a query fills one per candidate, and a row that carried a whole decoded
 * record (1.9 KB) made a query over 100 candidates write 190 KB. */
typedef struct steme__qrow {
    steme__cand cand;  /* seq, id, agent, source, value, times, votes; tier and trust filled */
    steme_str subject; /* borrows the arena */
    steme_str predicate;
    steme_stage stage; /* at the position */
    bool has_state;    /* stage, cand.up and cand.down came with the row: the latest ones */
    enum steme__qexcl excl;
} steme__qrow;

typedef struct steme__qset {
    steme__qrow *rows;
    size_t n;
    size_t cap;
    struct steme__qblock *blocks; /* the arena that holds the rows' bytes */
} steme__qset;

/* Every row of a query is at most this many (a subject with more is STEME_ELIMIT). */
#define STEME__QUERY_MAX_ROWS (16 * STEME_QUERY_MAX_CANDS)
/* Distinct voters replayed per assertion at a past position (query_cands.c). */
#define STEME__QUERY_MAX_VOTERS 4096

/*
 * Gather the assertions of q visible at position (>= 1) inside t into *set (which the caller
 * zeroed; free it with steme__qset_free even on error). latest says that position is the last
 * one in t: stages and votes are then read from the state rows, which also reflect a what-if
 * applied in t; otherwise they are rebuilt from the stage history and the votes' log entries.
 * trust says that the lens weighs the authors' trust (trust_authority, alone or in a chain);
 * without it no trust is read and every candidate's is 0. stages and tiers are resolved masks.
 * cache is the db's lens-input cache (lens_inputs.h), NULL inside a dry run, whose changes the
 * stamps do not show. Errors: STEME_ELIMIT, STEME_ECORRUPT, STEME_ENOMEM.
 */
steme_err steme__query_gather(steme__txn *t, const steme_query *q, uint64_t position, bool latest,
                              bool trust, uint32_t stages, uint32_t tiers, steme__linputs *cache,
                              steme__qset *set);

void steme__qset_free(steme__qset *set);

/* The last log position in t (0 for an empty log). */
steme_err steme__query_last_seq(steme__txn *t, uint64_t *ret);

/* The last position recorded at or before time ms (0 when none). */
steme_err steme__query_seq_at_time(steme__txn *t, uint64_t last, int64_t ms, uint64_t *ret);

/* A self-contained copy of r in one allocation (free with steme_result_free), with its
 * computed_at. Errors: STEME_ENOMEM. */
steme_err steme__result_clone(const steme_result *r, steme_result **ret);

/* The memory a clone holds. */
size_t steme__result_size(const steme_result *clone);

/* One more reference to a clone (steme_result_free drops one); returns it. */
steme_result *steme__result_ref(steme_result *clone);

/* ---------------------------------------------------------------------------------------------
 * query_mv.c: the materialized-view cache
 */

#define STEME__MV_ENTRIES 65536                  /* default entries per open db */
#define STEME__MV_BYTES   (256ull * 1024 * 1024) /* default memory per open db */

typedef struct steme__mv steme__mv;

steme_err steme__mv_new(size_t entries, uint64_t bytes, steme__mv **ret);
void steme__mv_free(steme__mv *mv); /* accepts NULL */

/* A reference to the entry for key (canonical query bytes) when it was computed at or after
 * `depends`, the last position that changed anything it reads; a stale entry is dropped.
 * Errors: STEME_ENOTFOUND (absent or stale: counted as a miss). */
steme_err steme__mv_get(steme__mv *mv, const uint8_t *key, size_t kl, uint64_t depends,
                        steme_result **ret);

/* A reference to the entry for key when it answers at position: computed or last confirmed
 * there, so nothing it read can have changed if position is the latest, and no stamp need be
 * read. Counts a hit; when there is none, counts nothing (the caller goes on to
 * steme__mv_get). Errors: STEME_ENOTFOUND. */
steme_err steme__mv_get_current(steme__mv *mv, const uint8_t *key, size_t kl, uint64_t position,
                                steme_result **ret);

/* Keep the clone r (computed at steme_result_computed_at(r), answering at its position) for
 * key unless a more recent one is there, evicting the least recently used entry when full.
 * Takes the caller's reference to r, also on error. Errors: STEME_ENOMEM. */
steme_err steme__mv_put(steme__mv *mv, const uint8_t *key, size_t kl, steme_result *r);

/* ---------------------------------------------------------------------------------------------
 * query_audit.c
 */

/* Append one audit row per answer of r to db's audit table; stages and tiers are q's
 * resolved masks. Errors: STEME_EINVAL (read-only store), STEME_ENOMEM, store errors. */
steme_err steme__audit_write(steme_db *db, const steme_query *q, uint32_t stages, uint32_t tiers,
                             const steme_result *r);

#endif
