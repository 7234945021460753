/* SPDX-License-Identifier: MIT */
/*
 * query_params.h -- the parameters of a query (DESIGN §6), read by one parser from either face
 * of a route: the query string of a GET or the JSON object of a POST. The query string is
 * first turned into the JSON object a POST would send (numbers and booleans typed, lists
 * split at commas), so that one function checks every parameter the same way for both
 * (docs/server.md "Queries"):
 *
 *   query string                             JSON object
 *   subject=drug:x                           "subject": "drug:x"
 *   prefix=true                              "prefix": true
 *   min_support=2                            "min_support": 2
 *   margin=0.2                               "margin": 0.2
 *   stages=active,retracted                  "stages": ["active", "retracted"]
 *   tier_weights=regulatory:1,expert:0.5     "tier_weights": {"regulatory": 1, "expert": 0.5}
 *   valid_at=2024-05-01T00:00:00Z            "valid_at": "2024-05-01T00:00:00Z"
 *   alternatives=5, support=all              "alternatives": 5, "support": "all"
 *
 * Each route accepts a subset (SRV_QP_* below); any other parameter, a parameter given twice,
 * a value of the wrong type or form is answered 400 naming the parameter and the rule. Ranges
 * that only the engine knows (an unknown lens, as_of beyond the log, as_of_time in the future)
 * come back from steme_db_query: srv_qp_fail() answers them under the parameter's name.
 */
#ifndef STEME_SERVER_QUERY_PARAMS_H
#define STEME_SERVER_QUERY_PARAMS_H

#include <stdbool.h>
#include <stdint.h>

#include "srv.h"
#include "views.h"

/* The parameters, as bits of a route's accepted set. */
enum {
    SRV_QP_SUBJECT = 1u << 0,
    SRV_QP_PREDICATE = 1u << 1,
    SRV_QP_PREFIX = 1u << 2,
    SRV_QP_LENS = 1u << 3,
    SRV_QP_LENS_PARAMS = 1u << 4, /* min_support, margin, outlier_ratio, minority_share,
                                   * tier_weights */
    SRV_QP_AS_OF = 1u << 5,       /* as_of, as_of_time */
    SRV_QP_FILTERS = 1u << 6,     /* valid_at, stages, tiers, agent */
    SRV_QP_EXPLAIN = 1u << 7,
    SRV_QP_WHAT_IF = 1u << 8, /* what_if_retract, what_if_distrust, what_if_supersede_epoch,
                               * what_if_successor */
    SRV_QP_NO_CACHE = 1u << 9,
    SRV_QP_RECEIPT = 1u << 10, /* position and receipt, both required (receipts/verify) */
    SRV_QP_CAPS = 1u << 11,    /* alternatives, support: what an answer lists (views.h) */
};

/* What each route accepts. */
#define SRV_QP_QUERY                                                                               \
    (SRV_QP_SUBJECT | SRV_QP_PREDICATE | SRV_QP_PREFIX | SRV_QP_LENS | SRV_QP_LENS_PARAMS |        \
     SRV_QP_AS_OF | SRV_QP_FILTERS | SRV_QP_EXPLAIN | SRV_QP_WHAT_IF | SRV_QP_NO_CACHE |           \
     SRV_QP_CAPS)
#define SRV_QP_COMPARE                                                                             \
    (SRV_QP_SUBJECT | SRV_QP_PREDICATE | SRV_QP_LENS_PARAMS | SRV_QP_AS_OF | SRV_QP_FILTERS |      \
     SRV_QP_NO_CACHE)
#define SRV_QP_VERIFY                                                                              \
    (SRV_QP_SUBJECT | SRV_QP_PREDICATE | SRV_QP_LENS | SRV_QP_LENS_PARAMS | SRV_QP_FILTERS |       \
     SRV_QP_WHAT_IF | SRV_QP_RECEIPT)
#define SRV_QP_WATCH                                                                               \
    (SRV_QP_SUBJECT | SRV_QP_PREDICATE | SRV_QP_LENS | SRV_QP_LENS_PARAMS | SRV_QP_FILTERS)

#define SRV_QP_NPARAMS 25 /* the parameters query_params.c knows */

/* A parsed query. The strings of q borrow the values: keep them (srv_qp_free) while q is
 * used. */
typedef struct srv_qp {
    steme_query q;
    bool explain;
    steme__json_opts opts; /* what an answer lists: the defaults unless asked */
    uint64_t position;     /* receipts/verify: the position the receipt names */
    uint8_t receipt[32];
    json_t *values[SRV_QP_NPARAMS];    /* each parameter's JSON value (a reference), or NULL */
    const char *texts[SRV_QP_NPARAMS]; /* or, a string from the query string: the request's */
} srv_qp;

/* Parse r's query string (body NULL) or body (a JSON object, not stolen) into *out, accepting
 * the parameters of the set `accept`; subject is always required. False after answering 400
 * (*out then needs no srv_qp_free). */
bool srv_qp_parse(srv_req *r, json_t *body, unsigned accept, srv_qp *out);

void srv_qp_free(srv_qp *p);

/* The canonical bytes of every parameter of p that shapes an answer's body (the render cache's
 * key, render_cache.h): the query, explain and the caps -- not the audit's asker, which the
 * body does not show. Written to buf (cap bytes) when they fit, else to a malloc'ed buffer that
 * the caller frees when it is not buf; *len their length. NULL when out of memory. */
unsigned char *srv_qp_key(const srv_qp *p, unsigned char *buf, size_t cap, size_t *len);

/* Answer a refused steme_db_query / steme_db_verify_receipt under the HTTP parameter names:
 * the engine's "chain" and "version" are "lens", and for a receipt its "as_of" is
 * "position". */
void srv_qp_fail(srv_req *r, steme_err err, const steme_errinfo *ei, bool receipt);

/* The lens of a canonical name ("layered:authority,consensus" is "layered") as a static label
 * for metrics; "other" for a name this build does not know. */
const char *srv_qp_lens_label(const char *canonical);

#endif
