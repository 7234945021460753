/* SPDX-License-Identifier: MIT */
/*
 * demo_moments.c -- moments 1, 2, 4 and 5 of `steme demo tour` (docs/demo.md): a conflict,
 * a retraction's cascade, time travel, and three lenses with three winners.
 *
 * Each moment asks the server, shows what it got, and checks the claim it makes: nothing the
 * tour prints is computed here from the data set's files, so a moment holds only if the
 * engine's rules and lenses make it hold.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo_tour.h"
#include "record_json.h"

static void
set(json_t *obj, const char *key, json_t *v)
{
    json_object_set_new(obj, key, v != NULL ? v : json_null());
}

/* The table text of an assertion's value in a stored entry's record. */
static char *
entry_value(const json_t *entry)
{
    steme__json_record jr;
    steme_errinfo ei;
    if (steme__record_from_json(json_object_get(entry, "record"), &jr, &ei) != STEME_OK ||
        jr.rec.kind != STEME_RECORD_ASSERTION)
        return strdup("?");
    return steme__fmt_value(&jr.rec.assertion.object);
}

/* The winner of lens in a /v1/compare answer, NULL when the lens is not there. */
static const json_t *
compare_lens(const json_t *cmp, const char *lens)
{
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(cmp, "lenses"), i, l)
    {
        if (strcmp(tour_str(l, "lens"), lens) == 0)
            return l;
    }
    return NULL;
}

/* ---------------------------------------------------------------------------------------------
 * 1. Conflicting claims, side by side
 */

static void
claims_table(tour *t, json_t *list, json_t *claims)
{
    cli_table tab;
    cli_table_init(&tab, 6);
    const char *head[] = {"VALUE", "TIER", "SOURCE", "AGENT", "CONFIDENCE", "STAGE"};
    cli_table_add(&tab, head);
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(list, "entries"), i, e)
    {
        const json_t *rec = json_object_get(e, "record");
        char *value = entry_value(e);
        const char *source = tour_str(rec, "source");
        const char *agent = tour_str(rec, "agent");
        char conf[32];
        snprintf(conf, sizeof(conf), "%.2f", tour_num(rec, "confidence"));
        const char *row[] = {
            value != NULL ? value : "?", tour_tier(t, source), source, tour_name(t, agent), conf,
            tour_str(e, "stage")};
        cli_table_add(&tab, row);
        json_array_append_new(claims, json_pack("{s:s, s:s, s:s, s:s, s:s, s:f, s:s, s:I}", "value",
                                                row[0], "source", source, "tier", row[1], "agent",
                                                agent, "agent_name", row[3], "confidence",
                                                tour_num(rec, "confidence"), "stage", row[5], "seq",
                                                (json_int_t)tour_u64(e, "seq")));
        free(value);
    }
    tour_table(t, &tab);
    cli_table_free(&tab);
}

void
demo_moment_conflict(tour *t, moment *m)
{
    const char *subject = DEMO_CONFLICT_SUBJECT, *predicate = DEMO_CONFLICT_PREDICATE;
    set(m->doc, "subject", json_string(subject));
    set(m->doc, "predicate", json_string(predicate));
    tour_say(t, "   %s  %s\n   Every claim on this key (GET /v1/list):\n\n", subject, predicate);

    char *path =
        tour_qs("/v1/list", "subject", subject, "predicate", predicate, "limit", "1000", NULL);
    json_t *list = path != NULL ? tour_api(t, m, "GET", path, NULL, 200, NULL) : NULL;
    free(path);
    if (list == NULL)
        return;
    json_t *claims = json_array();
    claims_table(t, list, claims);
    set(m->doc, "claims", claims);
    json_decref(list);

    uint64_t pos = 0;
    json_t *a = tour_query(t, m, &pos, subject, predicate, "skeptic", NULL);
    if (a == NULL)
        return;
    double conflict = tour_num(a, "conflict");
    json_t *alts = json_object_get(a, "alternatives");
    set(m->doc, "position", json_integer((json_int_t)pos));
    set(m->doc, "conflict", json_real(conflict));
    set(m->doc, "alternatives", json_incref(alts));
    set(m->doc, "explanation", json_incref(json_object_get(a, "explanation")));

    tour_say(t,
             "\n   Grouped by value (GET /v1/query?lens=skeptic), the evidence of each value is\n"
             "   the sum over its distinct agents of source authority x confidence:\n\n");
    cli_table tab;
    cli_table_init(&tab, 5);
    const char *head[] = {"VALUE", "BEST TIER", "AGENTS", "SOURCES", "EVIDENCE SHARE"};
    cli_table_add(&tab, head);
    const char *regulatory = NULL, *anecdotal = NULL;
    size_t i;
    json_t *alt;
    json_array_foreach(alts, i, alt)
    {
        char agents[24], sources[24], share[24];
        snprintf(agents, sizeof(agents), "%" PRIu64, tour_u64(alt, "agents"));
        snprintf(sources, sizeof(sources), "%" PRIu64, tour_u64(alt, "sources"));
        snprintf(share, sizeof(share), "%.2f", tour_num(alt, "share"));
        const char *row[] = {tour_str(alt, "value"), tour_str(alt, "tier"), agents, sources, share};
        cli_table_add(&tab, row);
        if (strcmp(row[1], "regulatory") == 0 && regulatory == NULL)
            regulatory = row[0];
        if (strcmp(row[1], "anecdotal") == 0 && anecdotal == NULL)
            anecdotal = row[0];
    }
    tour_table(t, &tab);
    cli_table_free(&tab);
    tour_say(t, "\n   conflict score %.2f: 1 - (the largest share - the next), whoever wins\n",
             conflict);

    char *cpath = tour_qs("/v1/compare", "subject", subject, "predicate", predicate, NULL);
    json_t *cmp = cpath != NULL ? tour_api(t, m, "GET", cpath, NULL, 200, NULL) : NULL;
    free(cpath);
    if (cmp != NULL) {
        const char *auth = tour_winner(compare_lens(cmp, "authority"));
        const char *cons = tour_winner(compare_lens(cmp, "consensus"));
        set(m->doc, "authority_winner", json_string(auth));
        set(m->doc, "consensus_winner", json_string(cons));
        tour_say(t,
                 "   the authority lens believes %s, the consensus lens %s: which is right\n"
                 "   depends on whom the reader trusts, and each reader can say why.\n",
                 auth, cons);
    }
    tour_say(t, "\n");
    tour_wrap(t, 3, tour_str(a, "explanation"));

    if (!(conflict > 0.5))
        tour_fail(t, m, "the conflict score is %.3f, not above 0.5", conflict);
    if (regulatory == NULL || anecdotal == NULL)
        tour_fail(t, m,
                  "expected a value backed by a regulatory source against one backed by "
                  "anecdotal sources");
    else if (strcmp(regulatory, anecdotal) == 0)
        tour_fail(t, m, "the regulatory and the anecdotal claims agree (%s)", regulatory);
    set(m->doc, "regulatory_value", regulatory != NULL ? json_string(regulatory) : NULL);
    set(m->doc, "anecdotal_value", anecdotal != NULL ? json_string(anecdotal) : NULL);
    json_decref(cmp);
    json_decref(a);
}

/* ---------------------------------------------------------------------------------------------
 * 2. A source retraction cascades
 */

/* Sign the retraction of the mega-trial's source with the admin agent's key and post it.
 * Returns its log position, 0 on failure. */
static uint64_t
retract(tour *t, moment *m, const char *path)
{
    steme_keypair *kp = NULL;
    int err = steme_keypair_load(t->admin_key, &kp);
    if (err != STEME_OK) {
        tour_fail(t, m,
                  "cannot load the admin agent's key %s (%s): name it with --admin-key, "
                  "or the demo key directory with --keys",
                  t->admin_key, steme_strerror(err));
        return 0;
    }
    steme_record rec;
    memset(&rec, 0, sizeof(rec));
    rec.kind = STEME_RECORD_EVENT;
    rec.event.type = STEME_EVENT_SOURCE_RETRACT;
    rec.event.at = steme_now_ms();
    steme_keypair_public(kp, &rec.event.agent);
    rec.event.source = steme_str_c(DEMO_MEGATRIAL);
    rec.event.reason = steme_str_c("PANACEA's data were fabricated: the journal retracted the "
                                   "trial (steme demo tour)");
    uint8_t *buf = malloc(STEME_MAX_RECORD);
    size_t len;
    steme_id id;
    steme_sig sig;
    steme_errinfo ei = {0};
    uint64_t seq = 0;
    err = buf != NULL ? steme_record_sign(&rec, kp, buf, STEME_MAX_RECORD, &len, &id, &sig, &ei)
                      : STEME_ENOMEM;
    steme_keypair_free(kp);
    free(buf);
    if (err != STEME_OK) {
        tour_fail(t, m, "signing the retraction: %s", steme_strerror(err));
        return 0;
    }
    json_t *body =
        json_pack("{s:[{s:o, s:o}], s:b}", "records", "record", steme__record_to_json(&rec),
                  "signature", steme__json_hex(sig.b, sizeof(sig.b)), "atomic", true);
    char *rpath = malloc(strlen(path) + sizeof("/retract"));
    if (body != NULL && rpath != NULL) {
        strcpy(rpath, path);
        strcat(rpath, "/retract");
        json_t *res = tour_api(t, m, "POST", rpath, body, 200, NULL);
        json_t *r0 = json_array_get(json_object_get(res, "results"), 0);
        seq = tour_u64(r0, "seq");
        if (res != NULL && seq == 0)
            tour_fail(t, m, "POST %s: no log position in the answer", rpath);
        json_decref(res);
    }
    json_decref(body);
    free(rpath);
    return seq;
}

/* The consensus on the cascade's key as of position as_of (0: now). */
static json_t *
cascade_answer(tour *t, moment *m, uint64_t as_of, uint64_t *position)
{
    char n[24];
    snprintf(n, sizeof(n), "%" PRIu64, as_of);
    return tour_query(t, m, position, DEMO_CASCADE_SUBJECT, DEMO_CASCADE_PREDICATE,
                      DEMO_CASCADE_LENS, "as_of", as_of > 0 ? n : NULL, NULL);
}

static json_t *
conclusion_doc(uint64_t pos, const json_t *a)
{
    return json_pack("{s:I, s:s, s:O?}", "position", (json_int_t)pos, "winner", tour_winner(a),
                     "support", json_object_get(a, "support"));
}

/* The per-depth rows of a report; false when they do not add up to its total. */
static bool
report_rows(tour *t, const json_t *report)
{
    uint64_t sum = 0;
    size_t i;
    json_t *d;
    static const char *what[] = {"cite the trial: retracted", "derived from those: suspect",
                                 "suspect", "suspect", "suspect"};
    json_array_foreach(json_object_get(report, "per_depth"), i, d)
    {
        uint64_t n = (uint64_t)json_integer_value(d);
        sum += n;
        tour_say(t, "     depth %zu  %4" PRIu64 "  %s\n", i, n, what[i < 4 ? i : 4]);
    }
    return sum == tour_u64(report, "total");
}

void
demo_moment_retraction(tour *t, moment *m)
{
    char *esc = tour_esc(DEMO_MEGATRIAL);
    char *path = NULL;
    if (esc == NULL || asprintf(&path, "/v1/sources/%s", esc) < 0)
        path = NULL;
    free(esc);
    if (path == NULL)
        return;
    long st = 0;
    json_t *src = tour_api(t, m, "GET", path, NULL, 200, &st);
    json_t *impact = NULL, *report = NULL, *before = NULL, *after = NULL, *ev = NULL;
    if (src == NULL) {
        if (st == 404)
            tour_fail(t, m,
                      "the source %s is not in the store: load the demo first "
                      "(steme demo load)",
                      DEMO_MEGATRIAL);
        goto out;
    }
    bool already = strcmp(tour_str(src, "status"), "retracted") == 0;
    set(m->doc, "source", json_string(DEMO_MEGATRIAL));
    set(m->doc, "already_retracted", json_boolean(already));
    tour_say(t, "   %s (%s): %" PRIu64 " claims cite it directly\n", DEMO_MEGATRIAL,
             tour_str(src, "tier"), tour_u64(src, "assertions"));

    uint64_t seq;
    if (already) {
        seq = tour_u64(src, "status_seq");
        tour_say(t,
                 "   already retracted at log position %" PRIu64 " (an earlier tour): "
                 "showing its stored cascade report\n",
                 seq);
    } else {
        char *ipath = malloc(strlen(path) + sizeof("/impact"));
        if (ipath != NULL) {
            strcpy(ipath, path);
            strcat(ipath, "/impact");
            impact = tour_api(t, m, "GET", ipath, NULL, 200, NULL);
            free(ipath);
        }
        if (impact != NULL) {
            set(m->doc, "impact_total", json_integer((json_int_t)tour_u64(impact, "total")));
            tour_say(t,
                     "   a dry run first (GET .../impact): retracting it would touch %" PRIu64
                     " assertions\n",
                     tour_u64(impact, "total"));
        }
        seq = retract(t, m, path);
        if (seq == 0)
            goto out;
        tour_say(t,
                 "   retracting it: a source_retract event signed here with the admin agent's\n"
                 "   key (%s),\n"
                 "   POST %s/retract -> log position %" PRIu64 "\n",
                 t->admin_key, path, seq);
    }
    if (seq == 0) {
        tour_fail(t, m, "the source is retracted but names no retraction event");
        goto out;
    }
    t->retract_seq = seq;

    char rp[64];
    snprintf(rp, sizeof(rp), "/v1/records/%" PRIu64, seq);
    ev = tour_api(t, m, "GET", rp, NULL, 200, NULL);
    if (ev != NULL) {
        const char *signer = tour_str(json_object_get(ev, "record"), "agent");
        set(m->doc, "event",
            json_pack("{s:I, s:s, s:s, s:s}", "seq", (json_int_t)seq, "id", tour_str(ev, "id"),
                      "signer", signer, "signer_name", tour_name(t, signer)));
    }
    snprintf(rp, sizeof(rp), "/v1/reports/%" PRIu64, seq);
    report = tour_api(t, m, "GET", rp, NULL, 200, NULL);
    if (report == NULL)
        goto out;
    uint64_t total = tour_u64(report, "total");
    set(m->doc, "report", json_incref(report));
    tour_say(t, "\n   The cascade report (GET %s): %" PRIu64 " assertions\n", rp, total);
    if (!report_rows(t, report))
        tour_fail(t, m, "the report's depths do not add up to its total %" PRIu64, total);
    if (total < DEMO_MIN_DEPENDENTS)
        tour_fail(t, m, "the cascade touched %" PRIu64 " assertions, fewer than %d", total,
                  DEMO_MIN_DEPENDENTS);
    if (json_array_size(json_object_get(report, "per_depth")) < 3)
        tour_fail(t, m, "the cascade stopped before reaching what derives from the derived claims");
    if (impact != NULL && tour_u64(impact, "total") != total)
        tour_fail(t, m,
                  "the dry run announced %" PRIu64 " assertions, the retraction touched %" PRIu64,
                  tour_u64(impact, "total"), total);

    uint64_t pb = 0, pa = 0;
    before = cascade_answer(t, m, seq - 1, &pb);
    after = cascade_answer(t, m, 0, &pa);
    if (before == NULL || after == NULL)
        goto out;
    const char *wb = tour_winner(before), *wa = tour_winner(after);
    bool changed = strcmp(wb, wa) != 0;
    set(m->doc, "conclusion",
        json_pack("{s:s, s:s, s:s, s:o, s:o, s:b}", "subject", DEMO_CASCADE_SUBJECT, "predicate",
                  DEMO_CASCADE_PREDICATE, "lens", DEMO_CASCADE_LENS, "before",
                  conclusion_doc(pb, before), "after", conclusion_doc(pa, after), "changed",
                  changed));
    tour_say(t, "\n   A conclusion that changes because of it: %s %s, %s lens\n",
             DEMO_CASCADE_SUBJECT, DEMO_CASCADE_PREDICATE, DEMO_CASCADE_LENS);
    char label[64];
    snprintf(label, sizeof(label), "before the retraction (as_of=%" PRIu64 ")", pb);
    tour_say(t, "     %-36s %s\n", label, wb);
    tour_wrap(t, 7, tour_str(before, "explanation"));
    snprintf(label, sizeof(label), "now (position %" PRIu64 ")", pa);
    tour_say(t, "     %-36s %s\n", label, wa);
    tour_wrap(t, 7, tour_str(after, "explanation"));
    if (!changed)
        tour_fail(t, m, "the conclusion did not change (%s before and after)", wb);
    else if (strcmp(wa, "none") == 0 || strcmp(wb, "none") == 0)
        tour_fail(t, m, "expected a winner before and after the retraction (%s, %s)", wb, wa);
out:
    json_decref(src);
    json_decref(impact);
    json_decref(report);
    json_decref(before);
    json_decref(after);
    json_decref(ev);
    free(path);
}

/* ---------------------------------------------------------------------------------------------
 * 4. Time travel
 */

void
demo_moment_time(tour *t, moment *m)
{
    const char *subject = DEMO_VALID_SUBJECT, *predicate = DEMO_VALID_PREDICATE;
    const char *dates[2] = {DEMO_VALID_AT_BEFORE, DEMO_VALID_AT_AFTER};
    json_t *answers = json_array();
    const char *winners[2] = {"none", "none"};
    json_t *got[2] = {NULL, NULL};
    tour_say(t,
             "   Valid time -- when a claim holds in the world. The same question,\n"
             "   %s %s (authority lens), asked for two dates with valid_at:\n\n",
             subject, predicate);
    for (int i = 0; i < 2; i++) {
        uint64_t pos = 0;
        got[i] =
            tour_query(t, m, &pos, subject, predicate, "authority", "valid_at", dates[i], NULL);
        if (got[i] == NULL)
            continue;
        winners[i] = tour_winner(got[i]);
        json_array_append_new(answers, json_pack("{s:s, s:s, s:I}", "valid_at", dates[i], "winner",
                                                 winners[i], "position", (json_int_t)pos));
        tour_say(t, "     valid at %.10s  %s\n", dates[i], winners[i]);
    }
    bool vdiffer = got[0] != NULL && got[1] != NULL && strcmp(winners[0], winners[1]) != 0;
    set(m->doc, "valid_time",
        json_pack("{s:s, s:s, s:s, s:o, s:b}", "subject", subject, "predicate", predicate, "lens",
                  "authority", "answers", answers, "differ", vdiffer));
    tour_say(t, "\n   Each label claim carries the window in which it held (valid_from and\n"
                "   valid_until): the product information did not list NAION until June 2025.\n");
    if (got[0] != NULL && got[1] != NULL && !vdiffer)
        tour_fail(t, m, "valid at %s and at %s, the answer is the same (%s)", dates[0], dates[1],
                  winners[0]);
    else if (strcmp(winners[0], "none") == 0 || strcmp(winners[1], "none") == 0)
        tour_fail(t, m, "expected an answer at both dates");
    json_decref(got[0]);
    json_decref(got[1]);

    tour_say(t, "\n   Transaction time -- what the database knew, by log position. This store\n"
                "   learned everything when it was loaded, so its only history is its log: as\n"
                "   of the position just before the retraction, and now.\n\n");
    if (t->retract_seq == 0) {
        tour_fail(t, m, "no retraction to travel across (moment 2 did not complete)");
        return;
    }
    json_t *tx = json_array();
    const char *tw[2] = {"none", "none"};
    json_t *ta[2] = {NULL, NULL};
    for (int i = 0; i < 2; i++) {
        uint64_t as_of = i == 0 ? t->retract_seq - 1 : 0, pos = 0;
        char n[24];
        snprintf(n, sizeof(n), "%" PRIu64, as_of);
        ta[i] = tour_query(t, m, &pos, DEMO_CASCADE_SUBJECT, DEMO_CASCADE_PREDICATE,
                           DEMO_CASCADE_LENS, "as_of", i == 0 ? n : NULL, NULL);
        if (ta[i] == NULL)
            continue;
        tw[i] = tour_winner(ta[i]);
        char rp[48];
        snprintf(rp, sizeof(rp), "/v1/records/%" PRIu64, pos);
        json_t *e = tour_api(t, m, "GET", rp, NULL, 200, NULL);
        const char *at = e != NULL ? tour_str(e, "recorded_at") : "";
        json_array_append_new(tx, json_pack("{s:o, s:I, s:s, s:s}", "as_of",
                                            i == 0 ? json_integer((json_int_t)as_of) : json_null(),
                                            "position", (json_int_t)pos, "recorded_at", at,
                                            "winner", tw[i]));
        tour_say(t, "     %-22s position %-6" PRIu64 " recorded %s  %s %s: %s\n",
                 i == 0 ? "before the retraction" : "now", pos, at, DEMO_CASCADE_SUBJECT,
                 DEMO_CASCADE_PREDICATE, tw[i]);
        json_decref(e);
    }
    bool tdiffer = ta[0] != NULL && ta[1] != NULL && strcmp(tw[0], tw[1]) != 0;
    set(m->doc, "transaction_time",
        json_pack("{s:s, s:s, s:s, s:o, s:b}", "subject", DEMO_CASCADE_SUBJECT, "predicate",
                  DEMO_CASCADE_PREDICATE, "lens", DEMO_CASCADE_LENS, "answers", tx, "differ",
                  tdiffer));
    if (ta[0] != NULL && ta[1] != NULL && !tdiffer)
        tour_fail(t, m, "as of position %" PRIu64 " and now, the answer is the same (%s)",
                  t->retract_seq - 1, tw[0]);
    json_decref(ta[0]);
    json_decref(ta[1]);
}

/* ---------------------------------------------------------------------------------------------
 * 5. Three lenses, three winners
 */

void
demo_moment_lenses(tour *t, moment *m)
{
    const char *subject = DEMO_LENSES_SUBJECT, *predicate = DEMO_LENSES_PREDICATE;
    char *path = tour_qs("/v1/compare", "subject", subject, "predicate", predicate, NULL);
    json_t *cmp = path != NULL ? tour_api(t, m, "GET", path, NULL, 200, NULL) : NULL;
    free(path);
    if (cmp == NULL)
        return;
    set(m->doc, "subject", json_string(subject));
    set(m->doc, "predicate", json_string(predicate));
    set(m->doc, "position", json_integer((json_int_t)tour_u64(cmp, "position")));
    tour_say(t, "   %s %s, every lens at one log position (GET /v1/compare):\n\n", subject,
             predicate);
    static const char *three[] = {"recency", "consensus", "authority"};
    const char *w[3];
    json_t *lenses = json_array();
    for (int i = 0; i < 3; i++) {
        const json_t *l = compare_lens(cmp, three[i]);
        w[i] = l != NULL && strcmp(tour_str(l, "reason"), "winner") == 0 ? tour_winner(l) : NULL;
        json_array_append_new(lenses, json_pack("{s:s, s:s?, s:s, s:s}", "lens", three[i], "winner",
                                                w[i], "reason", tour_str(l, "reason"),
                                                "explanation", tour_str(l, "explanation")));
        tour_say(t, "   %-10s %s\n", three[i], w[i] != NULL ? w[i] : "(no winner)");
        tour_wrap(t, 14, tour_str(l, "explanation"));
        if (w[i] == NULL)
            tour_fail(t, m, "the %s lens picked no winner", three[i]);
    }
    set(m->doc, "lenses", lenses);
    bool distinct = w[0] != NULL && w[1] != NULL && w[2] != NULL && strcmp(w[0], w[1]) != 0 &&
                    strcmp(w[0], w[2]) != 0 && strcmp(w[1], w[2]) != 0;
    set(m->doc, "distinct", json_boolean(distinct));
    if (w[0] != NULL && w[1] != NULL && w[2] != NULL && !distinct)
        tour_fail(t, m, "the three lenses do not pick three different winners (%s, %s, %s)", w[0],
                  w[1], w[2]);

    json_t *others = json_array();
    tour_say(t, "\n   and the others:");
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(cmp, "lenses"), i, l)
    {
        const char *name = tour_str(l, "lens");
        if (strcmp(name, "recency") == 0 || strcmp(name, "consensus") == 0 ||
            strcmp(name, "authority") == 0)
            continue;
        json_array_append_new(others,
                              json_pack("{s:s, s:s}", "lens", name, "winner", tour_winner(l)));
        tour_say(t, "%s %s %s", json_array_size(others) > 1 ? "," : "", name, tour_winner(l));
    }
    tour_say(t, "\n");
    set(m->doc, "others", others);
    json_decref(cmp);
}
