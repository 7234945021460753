/* SPDX-License-Identifier: MIT */
/*
 * demo_tour.h -- what the files of `steme demo tour` share: the tour's state, the HTTP
 * requests it makes (through http_client.h), how it prints, and the five moments.
 *
 * demo_tour.c runs the tour and holds the helpers; demo_moments.c has moments 1, 2, 4 and 5;
 * demo_audit.c has moment 3 and the client-side check of a record's id and signature.
 * Each moment fills a JSON document (printed whole with --json) and prints the same facts as
 * text otherwise; what it checks goes to the moment's "failures" list, which decides the
 * tour's exit status.
 */
#ifndef STEME_CLI_DEMO_TOUR_H
#define STEME_CLI_DEMO_TOUR_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "cli.h"
#include "demo.h"
#include "output.h"

typedef struct tour {
    cli *c;
    const char *url;
    const char *token;     /* STEME_API_KEY, or NULL */
    const char *keys_dir;  /* the agents' keys */
    const char *admin_key; /* the key that signs the retraction */
    bool text;             /* print text as the tour goes (not --json) */
    json_t *names;         /* agent key (hex) -> display name */
    json_t *tiers;         /* source id -> tier name */
    uint64_t retract_seq;  /* the retraction's log position, once moment 2 knows it */
} tour;

/* One moment: its number and name, its document, and what did not hold. */
typedef struct moment {
    int n;
    const char *name;
    json_t *doc;      /* {"moment", "name", "ok", "failures", ...} */
    json_t *failures; /* array of strings, borrowed from doc */
} moment;

/* Record that a claim of moment m does not hold (printed at once in text mode). */
void tour_fail(tour *t, moment *m, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Print text (only without --json). */
void tour_say(tour *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print s with control characters escaped (text that comes from records). */
void tour_put(tour *t, const char *s);
/* The same, wrapped at 96 columns, each line indented by indent spaces. */
void tour_wrap(tour *t, int indent, const char *s);
/* Print a table (output.h), each line indented by 3 spaces. */
void tour_table(tour *t, const cli_table *tab);

/*
 * One request: METHOD url + path (query string built with tour_qs). Returns the parsed body
 * (a new reference) when the status is `want`, else NULL after adding a failure to m naming
 * the request, the status and the server's error message. *status (may be NULL) receives the
 * status (0 when the server could not be reached); a caller that asks for it judges a 404
 * itself (no failure is added for one).
 */
json_t *tour_api(tour *t, moment *m, const char *method, const char *path, json_t *body, long want,
                 long *status);

/* A path + query string: base (not escaped) followed by name=value pairs (escaped), ended by
 * a NULL name; a NULL value skips its pair. Returns a new string (free it), NULL when out of
 * memory. */
char *tour_qs(const char *base, ...);

/* One path segment, percent-encoded (a source id with ':' or '/'); a new string. */
char *tour_esc(const char *s);

/* GET /v1/query for one key: the first answer (a new reference) and, in *position (may be
 * NULL), the log position answered at. lens and the pairs after it as tour_qs. */
json_t *tour_query(tour *t, moment *m, uint64_t *position, const char *subject,
                   const char *predicate, const char *lens, ...);

/* An agent's display name (or its key's first 12 hex digits); a source's tier ("?"). */
const char *tour_name(tour *t, const char *key_hex);
const char *tour_tier(tour *t, const char *source);

/* The winner text of an answer ("none" when there is none). */
const char *tour_winner(const json_t *answer);

/* A member as a string / number / integer, with a default. */
const char *tour_str(const json_t *j, const char *key);
double tour_num(const json_t *j, const char *key);
uint64_t tour_u64(const json_t *j, const char *key);

/* The five moments. */
void demo_moment_conflict(tour *t, moment *m);
void demo_moment_retraction(tour *t, moment *m);
void demo_moment_audit(tour *t, moment *m);
void demo_moment_time(tour *t, moment *m);
void demo_moment_lenses(tour *t, moment *m);

#endif
