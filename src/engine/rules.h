/* SPDX-License-Identifier: MIT */
/*
 * rules.h -- the knowledge rules (docs/rules.md, docs/trust.md): what the engine does inside
 * the append transaction for each record, split by responsibility:
 *
 *   rules.c      dispatch (the store's admit/apply hooks), roles, agent profiles and counts
 *   rows.c       byte layouts of the derived tables (rows.h)
 *   lifecycle.c  assertion states and history, supersession, votes, author retraction,
 *                quarantine decisions
 *   epochs.c     epochs, their supersession and re-affirmation
 *   sources.c    the source registry, source retraction and reinstatement
 *   cascade.c    the bounded breadth-first taint walk behind retractions and reinstatements
 *   trust.c      Beta reputation of agents and sources, gold standards, the quarantine test
 *   consensus.c  settled consensus on keys without gold, as weaker trust evidence
 *   defense.c    content-defense rules (prompt injection, link spam) with PCRE2
 *   queries.c    the public read functions over derived state (steme_db_state, ...)
 *
 * Every rule reads only the log and derived state, never the wall clock, so a rebuild from
 * the log reproduces the same bytes. admit functions check and never write; apply functions
 * write and never refuse (an apply error aborts the whole append).
 */
#ifndef STEME_ENGINE_RULES_H
#define STEME_ENGINE_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "rows.h"
#include "steme.h"
#include "store.h"

/* Fixed rule parameters. They are constants, not options, because derived state must be a
 * function of the log alone: two nodes (or a rebuild) with other parameters would disagree.
 * docs/trust.md explains each value. */
#define STEME__TRUST_PRIOR_ALPHA    1.0 /* Beta(1,1): an unknown agent is worth 0.5 */
#define STEME__TRUST_PRIOR_BETA     1.0
#define STEME__TRUST_FORGET         0.98 /* weight kept by old evidence per new observation */
#define STEME__QUARANTINE_THRESHOLD 0.30 /* trust below this sends assertions to quarantine */
#define STEME__DISPUTE_MIN_DOWN     2    /* disputed: >= 2 standing down-votes ... */
                                         /* ... and more down- than up-votes */

/* Settled consensus on a key without gold (docs/trust.md, consensus.c). */
#define STEME__CONSENSUS_MIN_AGENTS  5 /* counted agents needed ... */
#define STEME__CONSENSUS_SHARE_NUM   4 /* ... of whom >= 4/5 (80 %) hold one value ... */
#define STEME__CONSENSUS_SHARE_DEN   5
#define STEME__CONSENSUS_MIN_SOURCES 2   /* ... citing >= 2 distinct sources */
#define STEME__CONSENSUS_WEIGHT      0.5 /* an observation against consensus; gold weighs 1 */
#define STEME__CONSENSUS_SCAN_MAX    64  /* assertions read per check; more: the key is closed */

typedef struct steme__rules steme__rules;

/* What the rules can work out about a record from its bytes alone, before the write
 * transaction, on the verification threads (ingest.c): the append's hint (steme__txn_hint).
 * The rules use it only when it was computed against the rules in force (the generation) and
 * compute it themselves otherwise, so a rebuild (no hints) writes the same bytes. */
typedef struct steme__hint {
    uint32_t defense_gen; /* steme__defense_generation when scanned; 0: not scanned */
    uint8_t defense;      /* steme_quarantine_reason from steme__defense_scan */
    bool has_key;         /* an assertion: key is hash64(subject) || hash64(predicate) */
    uint8_t key[16];
} steme__hint;

/* Fill *ret for rec (decoded from the bytes being appended) and h (steme__strhash_of rec).
 * Thread-safe; never fails (what it cannot compute it leaves for the commit). */
void steme__rules_prepare(const steme__rules *r, const steme_record *rec, const steme__strhash *h,
                          steme__hint *ret);

/* hash64(subject) || hash64(predicate) of the assertion e, from its hint while e is being
 * applied, computed otherwise. */
void steme__assertion_key(steme__txn *t, const steme_entry *e, uint8_t ret[16]);

/* steme__defense_scan of the assertion e, from its hint while e is being applied and the hint
 * was scanned under the rules in force (r->defense's generation), scanned now otherwise. */
steme_quarantine_reason steme__assertion_defense(const steme__rules *r, steme__txn *t,
                                                 const steme_entry *e);

struct steme__rules {
    struct steme__defense *defense; /* compiled content-defense patterns (defense.c) */
};

/* Create and free the rules context (compiles the defense patterns). */
steme_err steme__rules_new(steme__rules **ret);
void steme__rules_free(steme__rules *r);

/* The store hooks (rules.c); ctx is the steme__rules. */
steme_err steme__rules_admit(void *ctx, steme__txn *t, const steme_entry *e, steme_errinfo *ei);
steme_err steme__rules_apply(void *ctx, steme__txn *t, const steme_entry *e);

/* Refuse with field and rule: returns STEME_EINVAL. */
steme_err steme__refuse(steme_errinfo *ei, const char *field, const char *rule);

/* ---------------------------------------------------------------------------------------------
 * rules.c: roles
 */

/* The role of pk: the genesis admin is STEME_ROLE_ADMIN; others from agent_profile events. */
steme_role steme__role(steme__txn *t, const steme_pubkey *pk);

/* The agent's row, or a fresh one at the prior trust when the agent is new. */
steme_err steme__agent_load(steme__txn *t, const steme_pubkey *pk, steme__agent_row *ret);

/* The assertion with this id, decoded into *ret. STEME_ENOTFOUND when there is none, or when
 * the record with that id is not an assertion. */
steme_err steme__find_assertion(steme__txn *t, const steme_id *id, steme_entry *ret);

/* ---------------------------------------------------------------------------------------------
 * lifecycle.c
 */

steme_err steme__lifecycle_admit(steme__rules *r, steme__txn *t, const steme_entry *e,
                                 steme_errinfo *ei);
steme_err steme__lifecycle_apply(steme__rules *r, steme__txn *t, const steme_entry *e);

/* The stage that a state's conditions and counts imply (docs/rules.md order). */
steme_stage steme__stage_of(const steme__state_row *row);

/* Write a state row, recomputing its stage, and record a history entry caused by cause when
 * the stage changed. row->stage must be the stage stored before (0 for a new row: the entry
 * is then the birth); several changes by one cause merge into one entry. */
steme_err steme__state_save(steme__txn *t, uint64_t seq, steme__state_row *row, uint64_t cause);

/* True when the state taints what is derived from it (retracted, rejected or suspect). */
bool steme__tainted(const steme__state_row *row);

/* Admission of a record naming an assertion in field: refuses ("no such assertion", "is not
 * an assertion") unless id is an assertion, which is then in *ret. */
steme_err steme__admit_target(steme__txn *t, const steme_id *id, const char *field,
                              steme_errinfo *ei, steme_entry *ret);

/* ---------------------------------------------------------------------------------------------
 * epochs.c (called by lifecycle.c)
 */

/* An assertion naming an epoch: the epoch must be open. */
steme_err steme__epochs_admit_assertion(steme__txn *t, const steme_entry *e, steme_errinfo *ei);
/* epoch_open, epoch_supersede, reaffirm. */
steme_err steme__epochs_admit(steme__txn *t, const steme_entry *e, steme_errinfo *ei);
steme_err steme__epochs_apply(steme__txn *t, const steme_entry *e);
/* A new assertion: record its membership of the epoch it names; *ret_deprecated when that
 * epoch is already superseded (only in a log written without the rules). */
steme_err steme__epochs_on_assertion(steme__txn *t, const steme_entry *e, bool *ret_deprecated);

/* Supersede the open epoch by the open successor (empty: by none, so no re-affirmation
 * covers a member) as an epoch_supersede event would, for a dry run (t is not applying a
 * record; nothing is recorded as the cause). *ret_count: the assertions it deprecated.
 * Errors: STEME_EINVAL with ei naming "what_if_supersede_epoch" (no such epoch, already
 * superseded) or "what_if_successor" (no such epoch, superseded, the epoch itself); store
 * errors. */
steme_err steme__epoch_supersede_dry(steme__txn *t, steme_str epoch, steme_str successor,
                                     steme_errinfo *ei, uint64_t *ret_count);

/* ---------------------------------------------------------------------------------------------
 * sources.c
 */

steme_err steme__sources_admit(steme__rules *r, steme__txn *t, const steme_entry *e,
                               steme_errinfo *ei);
steme_err steme__sources_apply(steme__rules *r, steme__txn *t, const steme_entry *e);

/* The default authority weight of a tier, ppm (docs/rules.md). */
uint32_t steme__tier_weight(steme_tier tier);

/* A new assertion's source bookkeeping: count it for its source, registering an unknown
 * source as unregistered (tier unverified). *ret_retracted_by is the event that retracted
 * the source, 0 when the source is not retracted. */
steme_err steme__sources_on_assertion(steme__txn *t, const steme_entry *e,
                                      uint64_t *ret_retracted_by);

/* Retract (or reinstate) source as the event at cause would -- status, the retracted_source
 * condition of every assertion citing it, and the cascade -- and give the report (not stored:
 * the caller stores it, or a dry run throws it away). cause is 0 for a dry run.
 * Errors: STEME_ENOTFOUND (no such source), store errors. */
steme_err steme__source_cascade(steme__txn *t, steme_str source, bool retract, uint64_t cause,
                                steme_cascade_report *ret);

/* ---------------------------------------------------------------------------------------------
 * cascade.c
 */

/* Roots whose taint just changed (became tainted: delta +1; untainted: delta -1) are in the
 * scratch table at depth 0; walk their derived_from descendants breadth first, adjusting
 * tainted_parents and via, recording history caused by cause, and counting assertions
 * touched per depth into *report (which the caller initialised with the roots' count). */
steme_err steme__cascade_run(steme__txn *t, int delta, uint64_t cause,
                             steme_cascade_report *report);

/* Queue a root (an assertion seq whose taint changed) for steme__cascade_run. */
steme_err steme__cascade_push(steme__txn *t, uint32_t depth, uint64_t seq);

/* ---------------------------------------------------------------------------------------------
 * trust.c
 */

/* A new assertion: add gold-standard evidence for its author and source, and decide whether
 * it goes to quarantine (author's trust below the threshold, or defense flags its content):
 * *ret_reason is STEME_QUARANTINE_NONE when it does not. Authors with a role are never
 * quarantined for trust. */
steme_err steme__trust_on_assertion(steme__rules *r, steme__txn *t, const steme_entry *e,
                                    steme_quarantine_reason *ret_reason);

/* A vote on target whose standing vote by the same agent was old_value (0: none). */
steme_err steme__trust_on_vote(steme__rules *r, steme__txn *t, const steme_entry *e,
                               const steme_entry *target, int8_t old_value);

steme_err steme__gold_admit(steme__rules *r, steme__txn *t, const steme_entry *e,
                            steme_errinfo *ei);

/* A row of d_gold holding one u64 (version || u64): the gold seqs trust.c keeps and the
 * established-agent count consensus.c keeps. Errors: STEME_ENOTFOUND, STEME_ECORRUPT. */
steme_err steme__gold_u64_get(steme__txn *t, const uint8_t *k, size_t kl, uint64_t *ret);
steme_err steme__gold_u64_put(steme__txn *t, const uint8_t *k, size_t kl, uint64_t v);
/* A gold_set event: store it and score the existing assertions and votes on its key. */
steme_err steme__gold_apply(steme__rules *r, steme__txn *t, const steme_entry *e);

/* An agent's Beta pseudo-counts after the last record at or before as_of, from the trust log
 * (the prior before any): trust at a past position (trust_queries.c). */
steme_err steme__trust_as_of(steme__txn *t, const steme_pubkey *pk, uint64_t as_of, double *alpha,
                             double *beta);

/* Expected trust of a Beta(alpha, beta) reputation. */
double steme__trust_mean(double alpha, double beta);

/* The gold_set event in force for (subject, predicate), decoded into *ret (borrowing t).
 * Errors: STEME_ENOTFOUND. */
steme_err steme__gold_find(steme__txn *t, steme_str subject, steme_str predicate, steme_entry *ret);
/* The same with the key (hash64(subject) || hash64(predicate)) computed already. */
steme_err steme__gold_find_key(steme__txn *t, const uint8_t k[16], steme_str subject,
                               steme_str predicate, steme_entry *ret);

/* The author's trust now (the prior for a new agent). */
steme_err steme__agent_trust(steme__txn *t, const steme_pubkey *pk, double *ret);

/* One Beta observation of weight w for an agent, caused by the record at seq (also written to
 * the trust log), or for a source (no log). */
steme_err steme__trust_observe_agent(steme__txn *t, const steme_pubkey *pk, uint64_t seq,
                                     bool agree, double w);
steme_err steme__trust_observe_source(steme__txn *t, steme_str id, bool agree, double w);

/* Same type and same canonical value: the equality of gold comparison (docs/trust.md). */
bool steme__value_eq(const steme_value *a, const steme_value *b);

/* ---------------------------------------------------------------------------------------------
 * consensus.c
 */

/* A new assertion, after its state row is saved: on a key without gold, score its author
 * against a settled consensus, or check whether the key has just become settled and score
 * every agent on it. */
steme_err steme__consensus_on_assertion(steme__txn *t, const steme_entry *e);

/* Whether pk is established (scored at least once, or holding a role: consensus.c) changed
 * from before to after: keeps the store's count of established agents. Call it before or
 * after writing the agent row, in the same transaction. */
steme_err steme__established_changed(steme__txn *t, const steme_pubkey *pk, bool before,
                                     bool after);

/* A vote whose standing value changed, on target, whose key has no gold. */
steme_err steme__consensus_on_vote(steme__txn *t, const steme_entry *e, const steme_entry *target);

/* ---------------------------------------------------------------------------------------------
 * stamps.c: what materialized query results depend on (docs/lenses.md "Materialized views")
 */

#define STEME__STAMP_TRUST  't' /* an agent's trust or a source's reliability changed */
#define STEME__STAMP_SOURCE 's' /* a source's tier or weight changed */

/* Stamp the key (subject, predicate) / a global stamp with the position being applied in t
 * (nothing outside an append or a rebuild). */
steme_err steme__stamp_key(steme__txn *t, steme_str subject, steme_str predicate);
/* The same with the key's hash64(subject) || hash64(predicate) already computed. */
steme_err steme__stamp_key_hashed(steme__txn *t, const uint8_t key[16]);
steme_err steme__stamp_global(steme__txn *t, char which);

/* The global stamps alone (0 when never stamped). */
steme_err steme__stamps_global(steme__txn *t, uint64_t *ret_trust, uint64_t *ret_source);

/* The key's stamp and the global ones (0 when never stamped). */
steme_err steme__stamps_get(steme__txn *t, steme_str subject, steme_str predicate,
                            uint64_t *ret_key, uint64_t *ret_trust, uint64_t *ret_source);

/* ---------------------------------------------------------------------------------------------
 * defense.c
 */

struct steme__defense;
steme_err steme__defense_new(struct steme__defense **ret);
void steme__defense_free(struct steme__defense *d);

/* The quarantine reason the record's text triggers, STEME_QUARANTINE_NONE when clean. */
steme_quarantine_reason steme__defense_scan(const struct steme__defense *d,
                                            const steme_record *rec);

/* The same scan with match data of its own, so that threads scan in parallel (the scan
 * above shares one under a lock, allocated up front so that it cannot fail). Returns false
 * when the match data could not be allocated: no verdict. */
bool steme__defense_scan_alloc(const struct steme__defense *d, const steme_record *rec,
                               steme_quarantine_reason *ret);

/* Which compiled rule set d is: distinct for every steme__defense_new in the process, never 0.
 * A verdict taken under one generation holds under the same generation only. */
uint32_t steme__defense_generation(const struct steme__defense *d);

#endif
