/* SPDX-License-Identifier: MIT */
/*
 * defense.c -- content defense (docs/trust.md, "Content defense"): documented rules that flag
 * prompt-injection-style payloads and link spam in the text of a record, so that the
 * assertion goes to quarantine instead of becoming active.
 *
 * This is the only module that includes pcre2.h. The patterns are compiled once (with the JIT
 * when the platform has one) when the rules context is created. A scan is a pure function of
 * the record's bytes and the fixed pattern list: it runs inside apply, so a rebuild from the
 * log flags exactly the same records. That is also why a scan never allocates (an allocation
 * failure would make the verdict depend on memory pressure): the match data is allocated up
 * front and shared under a lock.
 *
 * The rules are a tripwire for the common payloads, not a guarantee; learned trust is the
 * defense that adapts. Each rule's reason is in docs/trust.md.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#include "alloc.h"
#include "rules.h"

/* More links than this across a record's text fields is link spam. */
#define MAX_LINKS 3

/* Text fields scanned per record: the object, 16 qualifier values, a quote and a URL. */
#define MAX_FIELDS (STEME_MAX_QUALIFIERS + 4)

typedef struct rule {
    const char *name;
    const char *pattern;
} rule;

/*
 * Prompt-injection rules. Every pattern is compiled caseless with Unicode properties (so \s
 * also matches no-break and other Unicode spaces, a common evasion) and has no nested
 * unbounded quantifiers, so a match costs time linear in the text. The wording is deliberately
 * narrow where medical and scientific text uses the same words ("statins act as competitive
 * inhibitors", "disregard prior results"): those must not be flagged.
 */
static const rule injection_rules[] = {
    {"ignore-instructions",
     "\\b(?:ignore|disregard|forget|override|bypass)\\s+"
     "(?:(?:all|any|each|every|the|your|my|these|those|of)\\s+){0,3}"
     "(?:previous|prior|above|earlier|preceding|former|original|system|existing)\\s+"
     "(?:instructions?|prompts?|directions?|directives?|rules|guidelines|commands?|context|"
     "messages?)\\b"},
    {"disregard-above", "\\b(?:ignore|disregard|forget)\\s+(?:(?:all|everything|the|of)\\s+){0,3}"
                        "(?:above|previous|prior|before)(?=\\s*(?:[.,;:!]|$|and\\b|then\\b))"
                        "|\\bdisregard\\s+(?:(?:all|any|the|your)\\s+){0,2}"
                        "(?:programming|training|guidelines|safety|policies|restrictions)\\b"},
    {"you-are-now",
     "\\byou\\s+are\\s+now\\s+(?:an?\\s+|my\\s+|the\\s+)?"
     "(?:ai|assistant|chatbot|model|language\\s+model|llm|dan|different|new|unrestricted|"
     "unfiltered|uncensored|jailbroken|evil|free\\s+(?:from|of)|no\\s+longer\\s+(?:bound|"
     "restricted)|operating\\s+as|acting\\s+as|in\\s+\\w+\\s+mode)\\b"},
    {"system-prompt", "\\bsystem\\s*prompt\\b"
                      "|\\b(?:reveal|print|show|repeat|output|leak)\\s+(?:me\\s+)?(?:your|the)\\s+"
                      "(?:(?:hidden|initial|original|secret)\\s+)?(?:prompt|instructions)\\b"},
    {"act-as",
     "\\b(?:act|behave|respond|answer)\\s+as\\s+(?:if\\s+you\\s+(?:are|were)|though\\s+you\\s+"
     "(?:are|were)|(?:an?\\s+)?(?:unrestricted|unfiltered|uncensored|jailbroken|evil|rogue)\\b|"
     "(?:an?\\s+|my\\s+)?(?:ai|assistant|chatbot|language\\s+model|llm|dan)\\b)"
     "|\\bpretend\\s+(?:to\\s+be|you\\s+are|that\\s+you)\\b|\\brole-?\\s?play\\s+as\\b"},
    {"active-content", "<\\s*(?:script|iframe|object|embed)\\b|\\bjavascript\\s*:"
                       "|\\bon(?:error|load|click|mouseover)\\s*="},
    {"begin-marker", "\\bBEGIN\\s+(?:SYSTEM|INSTRUCTIONS?|PROMPT|ADMIN)\\b"
                     "|\\bEND\\s+OF\\s+(?:SYSTEM\\s+)?(?:PROMPT|INSTRUCTIONS)\\b"},
    {"chat-template",
     "(?m)<\\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id)\\|>"
     "|\\[/?(?:INST|SYS)\\]|<</?SYS>>|^\\s*#{2,}\\s*(?:system|instructions?)\\s*:"},
    {"jailbreak",
     "\\b(?:dan|stan|dude|developer|god|jailbreak)\\s+mode\\b|\\bdo\\s+anything\\s+now\\b"
     "|\\bjailbr(?:eak|oken|eaking)\\b"
     "|\\bno\\s+(?:longer\\s+)?(?:bound|restricted)\\s+by\\s+(?:any\\s+)?"
     "(?:rules|guidelines|policies|restrictions)\\b"},
    {"tool-call",
     "\"role\"\\s*:\\s*\"(?:system|assistant|tool|developer|function)\""
     "|\"(?:tool_calls?|function_call|tool_use|tool_choice)\"\\s*:"
     "|<\\s*/?\\s*(?:tool_call|tool_use|tool_result|function_calls?|function_results?|invoke)\\b"},
    {"new-instructions",
     "\\b(?:new|updated|real|actual|secret|hidden|override|admin|developer|system)\\s+"
     "instructions?\\s*:"},
};

#define N_INJECTION (sizeof(injection_rules) / sizeof(injection_rules[0]))

/* A link: a scheme URL or a bare www. host. Trailing punctuation is trimmed in C. */
static const char url_pattern[] = "\\b(?:https?|ftp)://[^\\s<>\"'`]+|\\bwww\\.[^\\s<>\"'`]+";

/* Well-known URL shorteners: they hide the destination, which is what link spam wants. The
 * host must not continue a longer name ("at.co" is not "t.co") and must be followed by a
 * path, so that naming the service is not flagged. */
static const char shortener_pattern[] =
    "(?<![\\w.@-])(?:https?://)?(?:www\\.)?"
    "(?:bit\\.ly|bitly\\.com|tinyurl\\.com|t\\.co|goo\\.gl|ow\\.ly|is\\.gd|v\\.gd|buff\\.ly|"
    "cutt\\.ly|rebrand\\.ly|shorturl\\.at|tiny\\.cc|tiny\\.one|rb\\.gy|t\\.ly|bl\\.ink|"
    "lnkd\\.in|s\\.id|adf\\.ly|shorte\\.st)/\\S";

typedef struct scan_state {
    pthread_mutex_t lock;
    pcre2_match_data *md;
} scan_state;

struct steme__defense {
    uint32_t generation;
    pcre2_general_context *gctx;
    pcre2_code *injection; /* every injection rule, as one alternation */
    pcre2_code *url;
    pcre2_code *shortener;
    scan_state *scan; /* a pointer so that a const defense can still lock it */
};

/* The last generation given out (steme__defense_generation). */
static _Atomic uint32_t generations;

static void *
pcre_malloc(PCRE2_SIZE n, void *data)
{
    (void)data;
    return steme__malloc(n);
}

static void
pcre_free(void *p, void *data)
{
    (void)data;
    steme__free(p);
}

static steme_err
compile(pcre2_compile_context *cctx, const char *pattern, pcre2_code **ret)
{
    int errcode;
    PCRE2_SIZE erroff;
    pcre2_code *code =
        pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                      PCRE2_CASELESS | PCRE2_UTF | PCRE2_UCP, &errcode, &erroff, cctx);
    if (code == NULL)
        /* The patterns are constants checked by the tests: only memory can fail here. */
        return errcode == PCRE2_ERROR_HEAP_FAILED || errcode == PCRE2_ERROR_NOMEMORY ? STEME_ENOMEM
                                                                                     : STEME_EINVAL;
    /* Without a JIT (or out of executable memory) the interpreter gives the same answers. */
    (void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
    *ret = code;
    return STEME_OK;
}

/* The injection rules joined into one pattern, (?:rule1)|(?:rule2)|...: one compilation and
 * one pass over each text instead of one per rule. Inline options such as (?m) stay inside
 * their rule's group. */
static steme_err
compile_injection(pcre2_compile_context *cctx, pcre2_code **ret)
{
    size_t len = 1;
    char *pattern, *at;
    steme_err err;

    for (size_t i = 0; i < N_INJECTION; i++)
        len += strlen(injection_rules[i].pattern) + sizeof("|(?:)") - 1;
    pattern = at = steme__malloc(len);
    if (pattern == NULL)
        return STEME_ENOMEM;
    for (size_t i = 0; i < N_INJECTION; i++) {
        size_t n = strlen(injection_rules[i].pattern);
        if (i > 0)
            *at++ = '|';
        memcpy(at, "(?:", 3);
        memcpy(at + 3, injection_rules[i].pattern, n);
        at[3 + n] = ')';
        at += n + 4;
    }
    *at = '\0';
    err = compile(cctx, pattern, ret);
    steme__free(pattern);
    return err;
}

void
steme__defense_free(struct steme__defense *d)
{
    if (d == NULL)
        return;
    pcre2_code_free(d->injection);
    pcre2_code_free(d->url);
    pcre2_code_free(d->shortener);
    if (d->scan != NULL) {
        pcre2_match_data_free(d->scan->md);
        pthread_mutex_destroy(&d->scan->lock);
        steme__free(d->scan);
    }
    pcre2_general_context_free(d->gctx);
    steme__free(d);
}

steme_err
steme__defense_new(struct steme__defense **ret)
{
    struct steme__defense *d = steme__calloc(1, sizeof(*d));
    pcre2_compile_context *cctx = NULL;
    steme_err err = STEME_ENOMEM;

    if (d == NULL)
        return STEME_ENOMEM;
    d->gctx = pcre2_general_context_create(pcre_malloc, pcre_free, NULL);
    if (d->gctx == NULL)
        goto out_free;
    cctx = pcre2_compile_context_create(d->gctx);
    if (cctx == NULL)
        goto out_free;
    if ((err = compile_injection(cctx, &d->injection)) != STEME_OK ||
        (err = compile(cctx, url_pattern, &d->url)) != STEME_OK ||
        (err = compile(cctx, shortener_pattern, &d->shortener)) != STEME_OK)
        goto out_free;
    err = STEME_ENOMEM;
    d->scan = steme__calloc(1, sizeof(*d->scan));
    if (d->scan == NULL)
        goto out_free;
    if (pthread_mutex_init(&d->scan->lock, NULL) != 0) {
        steme__free(d->scan);
        d->scan = NULL;
        goto out_free;
    }
    /* One pair is enough: the scan needs only where a whole match starts and ends. */
    d->scan->md = pcre2_match_data_create(1, d->gctx);
    if (d->scan->md == NULL)
        goto out_free;
    pcre2_compile_context_free(cctx);
    d->generation = atomic_fetch_add(&generations, 1) + 1;
    if (d->generation == 0) /* after 2^32 rule sets */
        d->generation = atomic_fetch_add(&generations, 1) + 1;
    *ret = d;
    return STEME_OK;

out_free:
    pcre2_compile_context_free(cctx);
    steme__defense_free(d);
    return err;
}

/* ---------------------------------------------------------------------------------------------
 * Scanning
 */

typedef struct field {
    steme_str text;
    bool url_field; /* a structured URL (evidence_url, an event's url): not free text */
} field;

typedef struct fields {
    field f[MAX_FIELDS];
    size_t n;
} fields;

static void
add(fields *fs, steme_str s, bool url_field)
{
    if (s.len > 0 && fs->n < MAX_FIELDS)
        fs->f[fs->n++] = (field){s, url_field};
}

static void
add_value(fields *fs, const steme_value *v)
{
    if (v->type == STEME_VALUE_STRING)
        add(fs, v->str, false);
}

/* Every human-readable text of a record. Identifiers (subject, predicate, source, epoch,
 * units, qualifier keys) are excluded: the codec already restricts them, and they are names
 * that readers look up rather than prose that a model reads. */
static void
collect(const steme_record *rec, fields *fs)
{
    fs->n = 0;
    switch (rec->kind) {
    case STEME_RECORD_ASSERTION: {
        const steme_assertion *a = &rec->assertion;
        add_value(fs, &a->object);
        for (size_t i = 0; i < a->n_qualifiers && i < STEME_MAX_QUALIFIERS; i++)
            add_value(fs, &a->qualifiers[i].value);
        add(fs, a->evidence_quote, false);
        add(fs, a->evidence_url, true);
        break;
    }
    case STEME_RECORD_VOTE:
        add(fs, rec->vote.reason, false);
        break;
    case STEME_RECORD_EVENT:
        add(fs, rec->event.title, false);
        add(fs, rec->event.reason, false);
        add(fs, rec->event.display_name, false);
        add_value(fs, &rec->event.value);
        add(fs, rec->event.url, true);
        break;
    }
}

/* True when code matches s from offset start, the match spanning [*ret_start, *ret_end). A match
 * error (a resource limit, impossible for these patterns on texts of at most 4 KiB) counts as
 * a match: the defense fails closed, and does so identically on every replay. */
static bool
match(const pcre2_code *code, pcre2_match_data *md, steme_str s, size_t start, size_t *ret_start,
      size_t *ret_end)
{
    int rc = pcre2_match(code, (PCRE2_SPTR)(s.ptr != NULL ? s.ptr : ""), s.len, start, 0, md, NULL);
    if (rc == PCRE2_ERROR_NOMATCH)
        return false;
    if (rc < 0) {
        *ret_start = *ret_end = s.len;
        return true;
    }
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    *ret_start = ov[0];
    *ret_end = ov[1];
    return true;
}

/* A link with the punctuation that usually ends a sentence around it trimmed. */
static steme_str
trim_link(steme_str s)
{
    while (s.len > 0 && strchr(".,;:!?)]}", s.ptr[s.len - 1]) != NULL)
        s.len--;
    return s;
}

static bool
str_eq(steme_str a, steme_str b)
{
    return a.len == b.len && memcmp(a.ptr, b.ptr, a.len) == 0;
}

static bool
injection(const struct steme__defense *d, pcre2_match_data *md, const fields *fs)
{
    size_t s, e;

    for (size_t i = 0; i < fs->n; i++)
        if (match(d->injection, md, fs->f[i].text, 0, &s, &e))
            return true;
    return false;
}

static bool
link_spam(const struct steme__defense *d, pcre2_match_data *md, const fields *fs)
{
    steme_str seen[MAX_LINKS]; /* free-text links so far, for the repeat rule */
    size_t links = 0, nseen = 0, s, e;

    for (size_t i = 0; i < fs->n; i++) {
        steme_str text = fs->f[i].text;

        if (match(d->shortener, md, text, 0, &s, &e))
            return true;
        for (size_t at = 0; at < text.len && match(d->url, md, text, at, &s, &e);) {
            steme_str link = trim_link((steme_str){text.ptr + s, e - s});

            if (++links > MAX_LINKS)
                return true;
            if (!fs->f[i].url_field) {
                for (size_t j = 0; j < nseen; j++)
                    if (str_eq(seen[j], link))
                        return true;
                seen[nseen++] = link;
            }
            at = e > at ? e : at + 1;
        }
    }
    return false;
}

static steme_quarantine_reason
scan_fields(const struct steme__defense *d, pcre2_match_data *md, const fields *fs)
{
    /* Injection first: it is the more dangerous payload, and one record gets one reason. */
    if (injection(d, md, fs))
        return STEME_QUARANTINE_PROMPT_INJECTION;
    if (link_spam(d, md, fs))
        return STEME_QUARANTINE_LINK_SPAM;
    return STEME_QUARANTINE_NONE;
}

steme_quarantine_reason
steme__defense_scan(const struct steme__defense *d, const steme_record *rec)
{
    steme_quarantine_reason reason;
    fields fs;

    collect(rec, &fs);
    if (fs.n == 0)
        return STEME_QUARANTINE_NONE;
    pthread_mutex_lock(&d->scan->lock);
    reason = scan_fields(d, d->scan->md, &fs);
    pthread_mutex_unlock(&d->scan->lock);
    return reason;
}

bool
steme__defense_scan_alloc(const struct steme__defense *d, const steme_record *rec,
                          steme_quarantine_reason *ret)
{
    pcre2_match_data *md;
    fields fs;

    collect(rec, &fs);
    if (fs.n == 0) {
        *ret = STEME_QUARANTINE_NONE;
        return true;
    }
    /* The match data is the only state a scan writes: one of its own per call. */
    md = pcre2_match_data_create(1, d->gctx);
    if (md == NULL)
        return false;
    *ret = scan_fields(d, md, &fs);
    pcre2_match_data_free(md);
    return true;
}

uint32_t
steme__defense_generation(const struct steme__defense *d)
{
    return d->generation;
}
