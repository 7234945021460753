/* SPDX-License-Identifier: MIT */
/*
 * demo_audit.c -- moment 3 of `steme demo tour`: the audit trail of one conclusion back to
 * its source, with every record's signature verified on this machine.
 *
 * The conclusion is the one moment 2 changed: what the consensus lens believed about
 * atorvastatin and new-onset diabetes just before the mega-trial was retracted. Its receipt is
 * verified by the server (the answer can be recomputed at its log position); then the deepest
 * of its supporting claims is followed back through the provenance path (each step the
 * `derived_from` parent that carries the taint) to the claim that cites the retracted source,
 * the retraction event and the source's registration. Each of those records is fetched as the
 * server stores it and checked here with libsteme: its JSON form re-encoded canonically, the
 * BLAKE2b-256 id recomputed and compared, the Ed25519 signature verified against the author's
 * public key. A reader who trusts none of the server's words can still trust these.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo_tour.h"
#include "record_json.h"

/* What checking one stored entry found. */
typedef struct check {
    bool decoded; /* the record's JSON form encodes canonically */
    bool id_ok;   /* BLAKE2b-256 of the encoding is the entry's id */
    bool sig_ok;  /* the signature verifies against the record's author */
} check;

static check
check_entry(const json_t *e)
{
    check ck = {false, false, false};
    steme__json_record jr;
    steme_errinfo ei;
    uint8_t *buf = malloc(STEME_MAX_RECORD);
    size_t len = 0;
    if (buf == NULL ||
        steme__record_from_json(json_object_get(e, "record"), &jr, &ei) != STEME_OK ||
        steme_record_encode(&jr.rec, buf, STEME_MAX_RECORD, &len, &ei) != STEME_OK) {
        free(buf);
        return ck;
    }
    ck.decoded = true;
    steme_id id, given;
    steme_sig sig;
    steme_record_id(buf, len, &id);
    free(buf);
    ck.id_ok = steme_unhex(tour_str(e, "id"), given.b, sizeof(given.b)) == STEME_OK &&
               memcmp(id.b, given.b, sizeof(id.b)) == 0;
    ck.sig_ok = ck.id_ok &&
                steme_unhex(tour_str(e, "signature"), sig.b, sizeof(sig.b)) == STEME_OK &&
                steme_sig_verify(steme_record_author(&jr.rec), &id, &sig);
    return ck;
}

static const char *
check_text(check ck)
{
    if (!ck.decoded)
        return "BAD: the record does not encode";
    if (!ck.id_ok)
        return "BAD: id mismatch";
    return ck.sig_ok ? "id ok, signature ok" : "BAD: signature does not verify";
}

/* The trail being built: rows for the table and steps for the document. */
typedef struct trail {
    cli_table tab;
    json_t *steps;
    bool all_ok;
} trail;

/* Fetch the record named by ref (an id or a log position), check it, add a row. Returns the
 * entry (a new reference) or NULL. */
static json_t *
trail_add(tour *t, moment *m, trail *tr, const char *role, const char *ref, const char *summary)
{
    char path[128];
    snprintf(path, sizeof(path), "/v1/records/%s", ref);
    json_t *e = tour_api(t, m, "GET", path, NULL, 200, NULL);
    if (e == NULL) {
        tr->all_ok = false;
        return NULL;
    }
    check ck = check_entry(e);
    const json_t *rec = json_object_get(e, "record");
    const char *agent = tour_str(rec, "agent");
    const char *kind = tour_str(rec, "kind");
    const char *source = tour_str(rec, "source");
    const char *what = strcmp(kind, "event") == 0 ? tour_str(rec, "type") : kind;
    char where[320] = "";
    if (source[0] != '\0')
        snprintf(where, sizeof(where), "%s (%s)", source, tour_tier(t, source));
    const char *stage = json_is_string(json_object_get(e, "stage")) ? tour_str(e, "stage") : "-";
    char seq[24];
    snprintf(seq, sizeof(seq), "%" PRIu64, tour_u64(e, "seq"));
    const char *row[] = {role, seq, what, stage, tour_name(t, agent), where, check_text(ck)};
    cli_table_add(&tr->tab, row);
    json_array_append_new(tr->steps,
                          json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:b, s:b}",
                                    "role", role, "seq", (json_int_t)tour_u64(e, "seq"), "id",
                                    tour_str(e, "id"), "kind", what, "agent", agent, "agent_name",
                                    tour_name(t, agent), "source", source[0] ? source : NULL,
                                    "stage", strcmp(stage, "-") ? stage : NULL, "summary", summary,
                                    "id_ok", ck.id_ok, "signature_ok", ck.sig_ok));
    if (!ck.sig_ok) {
        tr->all_ok = false;
        tour_fail(t, m, "record %s (%s): %s", tour_str(e, "id"), role, check_text(ck));
    }
    return e;
}

/* True when entry's record lists id among its derived_from parents. */
static bool
derives_from(const json_t *entry, const char *id)
{
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(json_object_get(entry, "record"), "derived_from"), i, p)
    {
        if (strcmp(json_string_value(p), id) == 0)
            return true;
    }
    return false;
}

/* The provenance of the supporting claim with the longest path (a new reference). */
static json_t *
deepest(tour *t, moment *m, const json_t *support)
{
    json_t *best = NULL;
    size_t i;
    json_t *id;
    json_array_foreach(support, i, id)
    {
        char path[128];
        snprintf(path, sizeof(path), "/v1/records/%s/provenance", json_string_value(id));
        json_t *p = tour_api(t, m, "GET", path, NULL, 200, NULL);
        if (p == NULL)
            continue;
        if (best == NULL || json_array_size(json_object_get(p, "path")) >
                                json_array_size(json_object_get(best, "path"))) {
            json_decref(best);
            best = p;
        } else {
            json_decref(p);
        }
    }
    return best;
}

void
demo_moment_audit(tour *t, moment *m)
{
    if (t->retract_seq == 0) {
        tour_fail(t, m, "no retracted conclusion to follow (moment 2 did not complete)");
        return;
    }
    uint64_t as_of = t->retract_seq - 1, pos = 0;
    char n[24];
    snprintf(n, sizeof(n), "%" PRIu64, as_of);
    json_t *a = tour_query(t, m, &pos, DEMO_CASCADE_SUBJECT, DEMO_CASCADE_PREDICATE,
                           DEMO_CASCADE_LENS, "as_of", n, NULL);
    if (a == NULL)
        return;
    json_t *support = json_object_get(a, "support");
    tour_say(t,
             "   The conclusion: as of position %" PRIu64 ", before the retraction, the %s lens\n"
             "   answered %s %s = %s, from %zu assertions.\n",
             pos, DEMO_CASCADE_LENS, DEMO_CASCADE_SUBJECT, DEMO_CASCADE_PREDICATE, tour_winner(a),
             json_array_size(support));

    /* The server recomputes the answer at its position and compares receipts. */
    json_t *body = json_pack("{s:s, s:s, s:s, s:I, s:s}", "subject", DEMO_CASCADE_SUBJECT,
                             "predicate", DEMO_CASCADE_PREDICATE, "lens", DEMO_CASCADE_LENS,
                             "position", (json_int_t)pos, "receipt", tour_str(a, "receipt"));
    json_t *v = tour_api(t, m, "POST", "/v1/receipts/verify", body, 200, NULL);
    json_decref(body);
    bool receipt_ok = json_is_true(json_object_get(v, "match"));
    json_decref(v);
    json_object_set_new(m->doc, "conclusion",
                        json_pack("{s:s, s:s, s:s, s:I, s:s, s:O, s:s, s:b}", "subject",
                                  DEMO_CASCADE_SUBJECT, "predicate", DEMO_CASCADE_PREDICATE, "lens",
                                  DEMO_CASCADE_LENS, "position", (json_int_t)pos, "winner",
                                  tour_winner(a), "support", support, "receipt",
                                  tour_str(a, "receipt"), "receipt_verified", receipt_ok));
    tour_say(t, "   Its receipt %.16s... recomputed by the server (POST /v1/receipts/verify): %s\n",
             tour_str(a, "receipt"), receipt_ok ? "match" : "NO MATCH");
    if (!receipt_ok)
        tour_fail(t, m, "the conclusion's receipt does not verify at position %" PRIu64, pos);

    json_t *prov = deepest(t, m, support);
    trail tr = {.steps = json_array(), .all_ok = true};
    cli_table_init(&tr.tab, 7);
    const char *head[] = {"STEP",      "SEQ",           "RECORD",      "STAGE NOW",
                          "SIGNED BY", "SOURCE (TIER)", "CHECKED HERE"};
    cli_table_add(&tr.tab, head);
    json_t *prev = NULL;
    size_t depth = 0;
    const char *source = "";
    if (prov == NULL) {
        tour_fail(t, m, "no provenance for the conclusion's support");
        goto out;
    }
    json_t *path = json_object_get(prov, "path");
    depth = json_array_size(path);
    tour_say(
        t, "\n   Its deepest supporting claim, followed back to its source (GET\n"
           "   /v1/records/ID/provenance). Each record is fetched and checked here with\n"
           "   libsteme: JSON form -> canonical bytes -> BLAKE2b-256 id -> Ed25519 signature.\n\n");
    size_t i;
    json_t *step;
    json_array_foreach(path, i, step)
    {
        char role[32];
        if (i == 0)
            snprintf(role, sizeof(role), "conclusion");
        else if (i + 1 == depth)
            snprintf(role, sizeof(role), "root");
        else
            snprintf(role, sizeof(role), "derived %zu", i);
        json_t *e = trail_add(t, m, &tr, role, tour_str(step, "id"), tour_str(step, "summary"));
        if (e != NULL && prev != NULL && !derives_from(prev, tour_str(e, "id")))
            tour_fail(t, m, "step %zu is not among the derived_from parents of step %zu", i, i - 1);
        json_decref(prev);
        prev = e;
    }
    const json_t *by = json_object_get(prov, "retracted_by");
    if (json_is_object(by)) {
        json_decref(
            trail_add(t, m, &tr, "retraction", tour_str(by, "id"), tour_str(by, "summary")));
    } else {
        tour_fail(t, m, "the path does not end at a retraction");
        tr.all_ok = false;
    }
    source = tour_str(prov, "source");
    char *esc = tour_esc(source);
    char *spath = NULL;
    if (esc != NULL && asprintf(&spath, "/v1/sources/%s", esc) < 0)
        spath = NULL;
    free(esc);
    json_t *src = spath != NULL ? tour_api(t, m, "GET", spath, NULL, 200, NULL) : NULL;
    free(spath);
    if (src != NULL && tour_u64(src, "registered_seq") > 0) {
        snprintf(n, sizeof(n), "%" PRIu64, tour_u64(src, "registered_seq"));
        json_decref(trail_add(t, m, &tr, "source registered", n, NULL));
    } else {
        tour_fail(t, m, "the source %s has no registration to check", source);
        tr.all_ok = false;
    }
    json_decref(src);
    tour_table(t, &tr.tab);
    tour_say(t, "\n   %zu steps from the conclusion to %s; every signature verified: %s\n", depth,
             source, tr.all_ok ? "yes" : "NO");
    if (depth < 3)
        tour_fail(t, m, "the trail has %zu steps; expected a chain of derived claims", depth);
out:
    json_object_set_new(m->doc, "steps", tr.steps);
    json_object_set_new(m->doc, "source", json_string(source));
    json_object_set_new(m->doc, "depth", json_integer((json_int_t)depth));
    json_object_set_new(m->doc, "all_verified", json_boolean(tr.all_ok && prov != NULL));
    cli_table_free(&tr.tab);
    json_decref(prev);
    json_decref(prov);
    json_decref(a);
}
