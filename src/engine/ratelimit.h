/* SPDX-License-Identifier: MIT */
/*
 * ratelimit.h -- per-agent ingest limits (docs/trust.md, "Rate limits and the circuit
 * breaker"): a token bucket per agent, a circuit breaker that opens after repeated refusals,
 * and the per-agent refusal counts behind steme_agent_info.rejections.
 *
 * This state is in memory and runs on a monotonic clock, unlike everything derived from the
 * log: the records it refuses never enter the log, so derived state does not depend on it.
 * The table of agents has a fixed size; the least recently seen agent is evicted (agents with
 * an open breaker last), so memory is bounded whatever the number of keys.
 */
#ifndef STEME_ENGINE_RATELIMIT_H
#define STEME_ENGINE_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "steme.h"

#define STEME__RATE_RULE    "rate limit exceeded"
#define STEME__BREAKER_RULE "circuit breaker open after repeated refusals"

typedef struct steme__ratelimit steme__ratelimit;

/* Limits from opts (rate_per_agent, rate_burst, breaker_rejections, breaker_window_ms; zeros
 * as documented in steme.h). Errors: STEME_ENOMEM. */
steme_err steme__ratelimit_new(const steme_db_options *opts, steme__ratelimit **ret);
void steme__ratelimit_free(steme__ratelimit *rl);

/* Milliseconds on the monotonic clock the limits run on. */
int64_t steme__ratelimit_now(void);

/*
 * Admit one verified record of pk at now_ms: STEME_OK, or STEME_EINVAL with *ei naming field
 * "agent" and STEME__BREAKER_RULE (the agent's breaker is open) or STEME__RATE_RULE (its
 * bucket is empty). A refusal here is counted for pk like steme__ratelimit_refused.
 */
steme_err steme__ratelimit_admit(steme__ratelimit *rl, const steme_pubkey *pk, int64_t now_ms,
                                 steme_errinfo *ei);

/* Count a refusal of one of pk's signed records by any other rule; it counts toward the
 * breaker. Only call this for records whose signature verified: a forged record must not
 * count against the key it names. */
void steme__ratelimit_refused(steme__ratelimit *rl, const steme_pubkey *pk, int64_t now_ms);

/* Refusals counted for pk since open (0 for an agent never refused, or evicted since). */
uint64_t steme__ratelimit_rejections(steme__ratelimit *rl, const steme_pubkey *pk);

#endif
