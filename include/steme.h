/* SPDX-License-Identifier: MIT */
/*
 * steme.h -- the public C API of libsteme, the StemeDB engine.
 *
 * Everything a front-end (the steme CLI, the stemedb server, tools and tests) may use lives in
 * this header. Handles are opaque; records are plain structs that *borrow* their strings and id
 * lists from a byte buffer (see "Ownership" below). Every function returns a steme_err and
 * writes its out-parameters only on success.
 *
 * Ownership:
 *  - steme_record_decode() fills a steme_record whose strings and id lists point into the
 *    decoded buffer: keep the buffer alive while the record is used.
 *  - Entries passed to a steme_entry_fn callback borrow memory from the store's read snapshot
 *    and are valid only during the callback; copy what you keep.
 *  - steme_entry objects returned by steme_db_get() own their bytes; free with
 *    steme_entry_free().
 *
 * Threads: a steme_db may be used from any number of threads at once. Concurrent ingest calls
 * are coalesced into shared write transactions (group commit).
 */
#ifndef STEME_H
#define STEME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define STEME_VERSION_STRING "0.1.0"

/* ---------------------------------------------------------------------------------------------
 * Errors
 */

/*
 * Error codes. A system error is STEME_ESYSERR | errno; test with steme_err_is_sys().
 */
typedef enum steme_err {
    STEME_OK = 0,
    STEME_EINVAL = 1,    /* invalid argument or invalid record: see steme_errinfo */
    STEME_ENOMEM = 2,    /* out of memory */
    STEME_ENOTFOUND = 3, /* no such record, key or file */
    STEME_ESIG = 4,      /* a signature does not verify */
    STEME_ECORRUPT = 5,  /* stored data failed an integrity check */
    STEME_EVERSION = 6,  /* the store was written by a newer format version */
    STEME_EPERM = 7,     /* unsafe permissions (e.g. a key file readable by others) */
    STEME_EEXIST = 8,    /* the file or store already exists */
    STEME_ELIMIT = 9,    /* a size or count limit was exceeded */
    STEME_EBUSY = 10,    /* the resource is in use */
    STEME_EDENIED = 11,  /* access denied: an unknown, malformed or revoked API key */
    STEME_EUPGRADE = 12, /* written by an earlier build: open it writable once to upgrade */
    STEME_ESYSERR = 0x10000000,
} steme_err;

/* Human-readable text for an error code; never NULL. Thread-safe. */
const char *steme_strerror(int err);

/* True when err carries an errno (STEME_ESYSERR | errno). */
static inline bool
steme_err_is_sys(int err)
{
    return (err & STEME_ESYSERR) != 0;
}

/*
 * Where and why a record was refused. field and rule are static strings (never freed); field
 * names follow docs/encoding.md ("subject", "object.unit", "qualifiers[2].key", ...). offset is
 * the byte offset in the input where decoding stopped (0 when not decoding).
 */
typedef struct steme_errinfo {
    const char *field;
    const char *rule;
    size_t offset;
} steme_errinfo;

/* ---------------------------------------------------------------------------------------------
 * Basic types and limits (docs/encoding.md)
 */

#define STEME_ID_SIZE     32
#define STEME_PUBKEY_SIZE 32
#define STEME_SIG_SIZE    64
#define STEME_SEED_SIZE   32

typedef struct steme_id {
    uint8_t b[STEME_ID_SIZE];
} steme_id;

typedef struct steme_pubkey {
    uint8_t b[STEME_PUBKEY_SIZE];
} steme_pubkey;

typedef struct steme_sig {
    uint8_t b[STEME_SIG_SIZE];
} steme_sig;

/* A byte string that is not NUL-terminated; ptr may be NULL when len is 0. */
typedef struct steme_str {
    const char *ptr;
    size_t len;
} steme_str;

/* A steme_str viewing a NUL-terminated C string (NULL gives the empty string). */
steme_str steme_str_c(const char *s);

#define STEME_MAX_RECORD       65536             /* canonical bytes of one record */
#define STEME_MAX_SUBJECT      512               /* subject, reference values */
#define STEME_MAX_PREDICATE    256               /* predicate */
#define STEME_MAX_SOURCE       256               /* source ids */
#define STEME_MAX_NAME         128               /* epoch, qualifier key, display name, role */
#define STEME_MAX_UNIT         32                /* unit of a number */
#define STEME_MAX_TEXT         4096              /* string values, quotes, titles, reasons */
#define STEME_MAX_URL          2048              /* URLs */
#define STEME_MAX_QUALIFIERS   16                /* qualifiers per assertion */
#define STEME_MAX_SUPERSEDES   16                /* supersedes ids per assertion */
#define STEME_MAX_DERIVED_FROM 64                /* derived_from ids per assertion */
#define STEME_CONFIDENCE_ONE   1000000           /* confidence is in parts per million */
#define STEME_TIME_MAX         253402300799999LL /* 9999-12-31T23:59:59.999Z in ms */

/* ---------------------------------------------------------------------------------------------
 * Records (DESIGN §4; canonical encoding in docs/encoding.md)
 *
 * All times are milliseconds since 1970-01-01T00:00:00Z, in [0, STEME_TIME_MAX].
 */

typedef enum steme_value_type {
    STEME_VALUE_STRING = 1,  /* str */
    STEME_VALUE_INTEGER = 2, /* integer */
    STEME_VALUE_NUMBER = 3,  /* number, with optional unit (empty = none) */
    STEME_VALUE_BOOLEAN = 4, /* boolean */
    STEME_VALUE_REF = 5,     /* str: the subject referred to */
} steme_value_type;

/* A typed value; only the members for its type are encoded, the others are ignored. */
typedef struct steme_value {
    steme_value_type type;
    steme_str str;
    int64_t integer;
    double number; /* finite; -0.0 is encoded as 0.0 */
    steme_str unit;
    bool boolean;
} steme_value;

typedef struct steme_qualifier {
    steme_str key;
    steme_value value;
} steme_qualifier;

/* A claim. Lists are sets: the encoder sorts them and refuses duplicates. */
typedef struct steme_assertion {
    steme_pubkey agent;
    int64_t asserted_at;
    steme_str subject;   /* e.g. "drug:atorvastatin" */
    steme_str predicate; /* e.g. "adverse_event.myalgia.incidence" */
    steme_value object;
    uint32_t confidence; /* parts per million, 0..STEME_CONFIDENCE_ONE */
    steme_str source;    /* e.g. "fda:label:lipitor:2024" */
    bool has_valid_from;
    bool has_valid_until;
    int64_t valid_from;
    int64_t valid_until;
    const steme_id *supersedes;
    size_t n_supersedes;
    const steme_id *derived_from;
    size_t n_derived_from;
    steme_str epoch; /* empty = none */
    steme_qualifier qualifiers[STEME_MAX_QUALIFIERS];
    size_t n_qualifiers;
    steme_str evidence_quote; /* empty = none */
    steme_str evidence_url;   /* empty = none */
} steme_assertion;

/* An endorsement (+1) or dispute (-1) of an assertion. */
typedef struct steme_vote {
    steme_pubkey agent;
    int64_t voted_at;
    steme_id target;
    int8_t value; /* +1 or -1 */
    steme_str reason;
} steme_vote;

typedef enum steme_event_type {
    STEME_EVENT_SOURCE_REGISTER = 1,     /* source, title, url, tier, weight */
    STEME_EVENT_SOURCE_RETRACT = 2,      /* source, reason */
    STEME_EVENT_SOURCE_REINSTATE = 3,    /* source, reason */
    STEME_EVENT_EPOCH_OPEN = 4,          /* epoch, reason (description) */
    STEME_EVENT_EPOCH_SUPERSEDE = 5,     /* epoch, successor, reason */
    STEME_EVENT_GOLD_SET = 6,            /* subject, predicate, value */
    STEME_EVENT_ASSERTION_RETRACT = 7,   /* target, reason */
    STEME_EVENT_QUARANTINE_DECISION = 8, /* target, decision, reason */
    STEME_EVENT_AGENT_PROFILE = 9,       /* target_agent, display_name, role */
    STEME_EVENT_REAFFIRM = 10,           /* target, epoch */
} steme_event_type;

#define STEME_EVENT_TYPE_MAX 10

typedef enum steme_tier {
    STEME_TIER_REGULATORY = 1,
    STEME_TIER_PEER_REVIEWED = 2,
    STEME_TIER_PREPRINT = 3,
    STEME_TIER_EXPERT = 4,
    STEME_TIER_ANECDOTAL = 5,
    STEME_TIER_UNVERIFIED = 6, /* the lowest: what an unregistered source gets */
} steme_tier;

typedef enum steme_decision {
    STEME_DECISION_APPROVE = 1,
    STEME_DECISION_REJECT = 2,
} steme_decision;

/* A logged event. Each type uses the members named in steme_event_type; the others are
 * ignored by the encoder and zeroed by the decoder. */
typedef struct steme_event {
    steme_pubkey agent; /* the signer: an agent or an admin key */
    int64_t at;
    steme_event_type type;
    steme_str source;
    steme_str title;
    steme_str url;
    uint8_t tier;    /* steme_tier */
    uint32_t weight; /* authority weight, parts per million */
    steme_str epoch;
    steme_str successor;
    steme_str subject;
    steme_str predicate;
    steme_value value;
    steme_id target;
    steme_pubkey target_agent;
    steme_str display_name;
    steme_str role;
    uint8_t decision; /* steme_decision */
    steme_str reason;
} steme_event;

typedef enum steme_record_kind {
    STEME_RECORD_ASSERTION = 1,
    STEME_RECORD_VOTE = 2,
    STEME_RECORD_EVENT = 3,
} steme_record_kind;

typedef struct steme_record {
    steme_record_kind kind;
    union {
        steme_assertion assertion;
        steme_vote vote;
        steme_event event;
    };
} steme_record;

/* Names used in JSON and on the command line ("assertion", "string", "regulatory", ...).
 * The _parse functions return 0 for an unknown name. */
const char *steme_record_kind_name(steme_record_kind kind);
const char *steme_value_type_name(steme_value_type type);
const char *steme_event_type_name(steme_event_type type);

/* True for the event types only an admin agent may sign: source registration, retraction and
 * reinstatement, epochs, gold and quarantine decisions (docs/rules.md). */
bool steme_event_admin_only(steme_event_type type);
const char *steme_tier_name(steme_tier tier);
int steme_record_kind_parse(const char *name);
int steme_value_type_parse(const char *name);
int steme_event_type_parse(const char *name);
int steme_tier_parse(const char *name);

/* The author (signing key) of a record. */
const steme_pubkey *steme_record_author(const steme_record *rec);

/*
 * Encode rec canonically into buf (cap bytes) and store the length in *ret_len.
 * Errors: STEME_EINVAL (a field breaks a rule: ei says which), STEME_ELIMIT (cap too small or
 * the record exceeds STEME_MAX_RECORD).
 */
steme_err steme_record_encode(const steme_record *rec, uint8_t *buf, size_t cap, size_t *ret_len,
                              steme_errinfo *ei);

/*
 * Decode canonical bytes strictly into *ret (strings and id lists borrow buf). Any deviation
 * from the canonical form -- trailing bytes, bad lengths, invalid UTF-8, unsorted sets,
 * out-of-range numbers, unknown tags -- is STEME_EINVAL with ei naming the field and rule.
 */
steme_err steme_record_decode(const uint8_t *buf, size_t len, steme_record *ret, steme_errinfo *ei);

/* id = BLAKE2b-256(canonical bytes). */
void steme_record_id(const uint8_t *buf, size_t len, steme_id *ret);

/* ---------------------------------------------------------------------------------------------
 * Keys and signatures (Ed25519)
 */

typedef struct steme_keypair steme_keypair;

/* A fresh key pair from the system's CSPRNG. Errors: STEME_ENOMEM. */
steme_err steme_keypair_generate(steme_keypair **ret);

/* A deterministic key pair from a 32-byte seed (tests, vectors). Errors: STEME_ENOMEM. */
steme_err steme_keypair_from_seed(const uint8_t seed[STEME_SEED_SIZE], steme_keypair **ret);

/*
 * Write the key pair to a new file with mode 0600 (never overwrites; the file is created
 * exclusively). Errors: STEME_EEXIST, STEME_ESYSERR|errno.
 */
steme_err steme_keypair_save(const steme_keypair *kp, const char *path);

/*
 * Read a key pair written by steme_keypair_save(). Refuses files that group or others can
 * read or write (STEME_EPERM), malformed files (STEME_EINVAL; the message never quotes the
 * file's contents), missing files (STEME_ENOTFOUND).
 */
steme_err steme_keypair_load(const char *path, steme_keypair **ret);

/* Wipes the secret and frees; accepts NULL. */
void steme_keypair_free(steme_keypair *kp);

void steme_keypair_public(const steme_keypair *kp, steme_pubkey *ret);

/* sig = Ed25519(secret, id bytes). */
void steme_keypair_sign(const steme_keypair *kp, const steme_id *id, steme_sig *ret);

/* True when sig is pk's signature over id. */
bool steme_sig_verify(const steme_pubkey *pk, const steme_id *id, const steme_sig *sig);

/*
 * Encode, identify and sign in one step. The record's author must be kp's public key
 * (STEME_EINVAL, field "agent", otherwise). Errors as steme_record_encode().
 */
steme_err steme_record_sign(const steme_record *rec, const steme_keypair *kp, uint8_t *buf,
                            size_t cap, size_t *ret_len, steme_id *ret_id, steme_sig *ret_sig,
                            steme_errinfo *ei);

/* Lower-case hex of n bytes into out (2n+1 bytes, NUL-terminated). */
void steme_hex(const uint8_t *bytes, size_t n, char *out);

/* Parse exactly 2n hex digits into out. Errors: STEME_EINVAL. */
steme_err steme_unhex(const char *hex, uint8_t *out, size_t n);

/* ---------------------------------------------------------------------------------------------
 * Database
 */

typedef struct steme_db steme_db;

typedef struct steme_db_options {
    uint64_t map_size;       /* initial LMDB map size in bytes; grows on demand (default 64 MiB) */
    unsigned verify_threads; /* signature verification threads (default: online cores) */
    int64_t max_clock_skew;  /* accepted author clock lead over ours, ms (default 300000) */
    bool create;             /* create the directory and store if missing (default true) */
    /* The admin key recorded in a new store: it may sign admin-only events and grant roles
     * (docs/rules.md). Ignored when the store exists. May be NULL. */
    const steme_pubkey *genesis_admin;
    /* Ingest defences (docs/trust.md): records per second per agent (0 = unlimited) and the
     * bucket size (0 = 10 x the rate); refusals within breaker_window_ms that open an agent's
     * circuit breaker for as long (0 = never; window default 60000). */
    uint32_t rate_per_agent;
    uint32_t rate_burst;
    uint32_t breaker_rejections;
    uint32_t breaker_window_ms;
    bool read_only; /* open for reading only (default false) */
    /* Materialized views (docs/lenses.md): most entries (default 65,536) and most memory
     * (default 256 MiB) held; the least recently used go first. 0 = the default. */
    uint32_t mv_entries;
    uint64_t mv_bytes;
    /* Populate the memory map at open (and again whenever it grows): every used page of the
     * data file is read in and mapped (Linux MADV_POPULATE_READ; MADV_WILLNEED, which only
     * reads ahead into the page cache, on kernels before 5.14), so that the first read of a
     * page pays no page fault. Costs start-up time and resident memory in proportion to the
     * store's size (about 0.1 s per GiB cached, a full read of the file when it is not), and
     * is best effort: a failure is not reported and leaves reads to fault as before. For
     * long-running readers such as the server (default false). */
    bool populate;
} steme_db_options;

void steme_db_options_init(steme_db_options *opts);

/*
 * Open (and with opts->create, create) the store in directory dir. opts may be NULL.
 * Errors: STEME_ENOTFOUND (no store and create is false), STEME_EVERSION (format newer than
 * this build), STEME_EUPGRADE (read-only, and the store lacks a table of derived state that
 * this build keeps: written by an earlier build, it is rebuilt from the log by the first
 * writable open), STEME_ECORRUPT (not a StemeDB store), STEME_ESYSERR|errno.
 */
steme_err steme_db_open(const char *dir, const steme_db_options *opts, steme_db **ret);

/* Waits for in-flight ingests, then closes; accepts NULL. */
void steme_db_close(steme_db *db);

/* A signed record as it travels: canonical bytes (borrowed) and the author's signature. */
typedef struct steme_signed {
    const uint8_t *bytes;
    size_t len;
    steme_sig sig;
} steme_signed;

typedef struct steme_ingest_result {
    steme_err err;      /* STEME_OK, or why this record was refused */
    steme_errinfo info; /* field and rule when err is STEME_EINVAL / STEME_ESIG */
    steme_id id;        /* set when the bytes could be hashed */
    uint64_t seq;       /* log position (the existing one for a duplicate) */
    bool duplicate;     /* the record was already stored: nothing was written */
} steme_ingest_result;

#define STEME_INGEST_ATOMIC 0x1 /* store nothing if any record is refused */

/*
 * Validate, verify and durably store n records (validate -> verify signature -> group commit).
 * results[i] tells what happened to recs[i]. Returns when every accepted record is durable.
 * Returns STEME_OK when the call completed (individual refusals are in results; with
 * STEME_INGEST_ATOMIC a refusal instead returns STEME_EINVAL and stores nothing), or the
 * error that prevented the commit (nothing of this call is stored then).
 */
steme_err steme_db_ingest(steme_db *db, const steme_signed *recs, size_t n,
                          steme_ingest_result *results, unsigned flags);

/* A stored record. */
typedef struct steme_entry {
    uint64_t seq;
    int64_t recorded_at; /* transaction time, ms */
    steme_id id;
    steme_sig sig;
    const uint8_t *bytes; /* canonical bytes */
    size_t len;
    steme_record record; /* decoded, borrowing bytes */
} steme_entry;

/* Get a record by id or by log position; *ret is owned by the caller (steme_entry_free).
 * as_of: 0 for latest, else records with seq > as_of are invisible.
 * Errors: STEME_ENOTFOUND, STEME_ECORRUPT, STEME_ENOMEM. */
steme_err steme_db_get(steme_db *db, const steme_id *id, uint64_t as_of, steme_entry **ret);
steme_err steme_db_get_seq(steme_db *db, uint64_t seq, steme_entry **ret);
void steme_entry_free(steme_entry *e);

typedef enum steme_index {
    STEME_INDEX_LOG = 0,           /* every record, by log position */
    STEME_INDEX_SUBJECT,           /* assertions by subject */
    STEME_INDEX_SUBJECT_PREDICATE, /* assertions by subject and predicate */
    STEME_INDEX_SOURCE,            /* assertions by source */
    STEME_INDEX_AGENT,             /* records by author */
    STEME_INDEX_DERIVED_FROM,      /* assertions by a derived_from parent */
    STEME_INDEX_SUPERSEDES,        /* assertions by a superseded target */
    STEME_INDEX_TARGET,            /* votes and events naming an assertion */
} steme_index;

typedef struct steme_list_options {
    steme_index index;
    steme_str subject;   /* SUBJECT, SUBJECT_PREDICATE */
    steme_str predicate; /* SUBJECT_PREDICATE */
    steme_str source;    /* SOURCE */
    steme_pubkey agent;  /* AGENT */
    steme_id ref;        /* DERIVED_FROM (parent), SUPERSEDES (target), TARGET */
    uint64_t as_of;      /* 0 = latest; else only seq <= as_of */
    uint64_t after;      /* cursor: only seq > after */
    size_t limit;        /* 0 = no limit */
} steme_list_options;

/* Called once per matching entry, in ascending seq order. Return nonzero to stop. The entry
 * borrows snapshot memory: valid only during the call. */
typedef int (*steme_entry_fn)(const steme_entry *e, void *ctx);

/*
 * List records through an index, from one consistent snapshot.
 * Errors: STEME_EINVAL (bad options), STEME_ECORRUPT, STEME_ENOMEM.
 */
steme_err steme_db_list(steme_db *db, const steme_list_options *opts, steme_entry_fn fn, void *ctx);

typedef struct steme_stats {
    uint32_t format_version;
    uint64_t last_seq;
    uint64_t records;
    uint64_t assertions;
    uint64_t votes;
    uint64_t events;
    uint64_t map_size;   /* current LMDB map size, bytes */
    uint64_t disk_bytes; /* bytes up to the last page written (LMDB's high-water mark: free-list
                          * pages, reusable by later commits, are included) */
    uint64_t quarantine_pending; /* assertions awaiting a quarantine decision */
} steme_stats;

steme_err steme_db_stats(steme_db *db, steme_stats *ret);

/* The last log position (0 for an empty log): stats' last_seq alone, for the price of one
 * lookup. */
steme_err steme_db_last_seq(steme_db *db, uint64_t *ret);

#define STEME_LATENCY_BUCKETS 16

/*
 * A latency histogram with fixed buckets: count[i] observations took more than le_ns[i - 1]
 * and at most le_ns[i] nanoseconds (counts are per bucket, not cumulative). The bounds run
 * 100 us, 250 us, 500 us, 1 ms, ... 5 s; the last, UINT64_MAX, is unbounded. sum_ns is the
 * total of all observations.
 */
typedef struct steme_latency {
    uint64_t le_ns[STEME_LATENCY_BUCKETS];
    uint64_t count[STEME_LATENCY_BUCKETS];
    uint64_t sum_ns;
} steme_latency;

/*
 * Counters of the write path since steme_db_open, for monitoring. Each field is read with a
 * relaxed atomic load, so while ingests run two fields may disagree by the commits in flight;
 * once writes pause, commit.count summed equals commit_groups and transaction's too.
 */
typedef struct steme_counters {
    uint64_t commit_groups;     /* durable write transactions of ingest (one per group commit) */
    uint64_t committed_records; /* new records they stored (not duplicates nor refusals) */
    /* mdb_txn_commit of those transactions: writing the dirty pages and the two fdatasyncs
     * (data, then meta page) that make them durable. The fsync is inside this time: the store
     * is opened without MDB_NOSYNC, so LMDB syncs within the commit. */
    steme_latency commit;
    /* The whole write transaction, begin to durable: the rules, the indexes and the commit. */
    steme_latency transaction;
} steme_counters;

/* Errors: STEME_EINVAL (NULL argument). */
steme_err steme_db_counters(steme_db *db, steme_counters *ret);

typedef struct steme_check_report {
    uint64_t records;       /* log records checked */
    uint64_t signatures;    /* signatures verified */
    uint64_t index_entries; /* index entries checked */
    uint64_t problems;      /* everything that failed */
} steme_check_report;

/* Called for each problem found; what is a static description, seq the record concerned. */
typedef void (*steme_problem_fn)(const char *index, const char *what, uint64_t seq, void *ctx);

/*
 * Verify the whole store from one snapshot: every record decodes, hashes to its id and carries
 * a valid signature; every index entry a record implies exists and every index entry points
 * to a record that implies it. Returns STEME_OK when the walk completed (problems counted in
 * the report), else the error that stopped it.
 */
steme_err steme_db_check(steme_db *db, steme_check_report *ret, steme_problem_fn fn, void *ctx);

/* ---------------------------------------------------------------------------------------------
 * Backup and restore (docs/operations.md)
 *
 * A backup is a directory holding two files: data.mdb, a compacted copy of the store taken
 * from one snapshot while writers go on, and MANIFEST.json, which says what the copy holds
 * (its last log position and record counts, read back from the copy itself), who made it and
 * when, and the size and BLAKE2b-256 of every other file; the manifest carries a checksum of
 * itself. Backups are built under a temporary name beside the destination and renamed into
 * place once every file and the directory are synced, so a crash never leaves a partial backup
 * under the destination's name.
 */

#define STEME_BACKUP_MANIFEST "MANIFEST.json"
#define STEME_BACKUP_DATA     "data.mdb"

/* Progress of long work, called from the calling thread: stage is a static description
 * ("copying the store", ...), unit "bytes" or "records", done of total units (total 0 when
 * unknown). Calls come every few megabytes or thousand records and at the end of a stage. */
typedef void (*steme_progress_fn)(const char *stage, const char *unit, uint64_t done,
                                  uint64_t total, void *ctx);

typedef struct steme_backup_options {
    steme_progress_fn progress; /* may be NULL */
    void *progress_ctx;
} steme_backup_options;

/* What a backup holds: its manifest. */
typedef struct steme_backup_info {
    uint32_t manifest_version;
    uint32_t format_version;   /* on-disk format of the store in data.mdb */
    char libsteme_version[32]; /* the libsteme that wrote the backup (NUL-terminated) */
    int64_t created_at;        /* ms: when the backup was written */
    uint64_t last_seq;         /* the last log position in the backup */
    int64_t last_recorded_at;  /* ms: transaction time of that position */
    uint64_t records, assertions, votes, events;
    uint64_t data_size;    /* bytes of data.mdb */
    uint8_t data_hash[32]; /* BLAKE2b-256 of data.mdb */
    uint64_t files;        /* files named by the manifest (data.mdb among them) */
    uint64_t bytes;        /* their total size */
} steme_backup_info;

/* A problem found in a backup. file names the file concerned (STEME_BACKUP_MANIFEST,
 * STEME_BACKUP_DATA, or the name of a file the manifest does not list); what says what is
 * wrong. Both are valid only during the call. */
typedef void (*steme_backup_problem_fn)(const char *file, const char *what, void *ctx);

/* What steme_db_backup_verify found. */
typedef struct steme_backup_report {
    steme_backup_info info;   /* from the manifest (zero when it could not be read) */
    uint64_t files_checked;   /* files whose size and hash were compared */
    uint64_t bytes_hashed;    /* bytes read to hash them */
    steme_check_report check; /* the integrity check of the copy (steme_db_check) */
    uint64_t problems;        /* every problem reported, the check's included */
} steme_backup_report;

/*
 * Write a hot, consistent backup of db into dest_dir: a compacted copy of the store from one
 * snapshot (LMDB's copy: writers go on meanwhile), then the manifest, which is filled from the
 * copy itself (opened read-only afterwards), so it describes exactly what the copy holds. Every
 * record whose ingest returned before this call began is in the backup; later ones may be.
 * dest_dir must not exist, or be an empty directory; its parent must exist. The files are
 * written in a sibling directory "DEST.partial-XXXXXX", synced, and renamed to dest_dir. db
 * may be read-only. opts may be NULL. ret (may be NULL) receives the manifest.
 * Errors: STEME_EINVAL (NULL db or dest_dir), STEME_EEXIST (dest_dir exists and is not an
 * empty directory), STEME_ENOMEM, STEME_ECORRUPT (the copy did not open as a store),
 * STEME_EBUSY, STEME_ESYSERR|errno (e.g. ENOENT: no parent directory; ENOSPC).
 */
steme_err steme_db_backup(steme_db *db, const char *dest_dir, const steme_backup_options *opts,
                          steme_backup_info *ret);

/*
 * Verify the backup in dir without restoring it: the manifest's checksum and syntax; that it
 * names exactly the files present; every file's size and BLAKE2b-256; then (only when all of
 * that holds) open the copy read-only, without writing anything to dir, and run the full
 * integrity check of steme_db_check (every record, signature and index entry), and compare
 * its last position and counts with the manifest. Each problem goes to fn (may be NULL) with
 * the file it concerns. report (may be NULL) is written on STEME_OK and on STEME_ECORRUPT.
 * Errors: STEME_ECORRUPT (problems were found: report->problems > 0), STEME_EVERSION (a
 * manifest or store of a newer format), STEME_ENOTFOUND (dir does not exist), STEME_EINVAL
 * (NULL dir), STEME_ENOMEM, STEME_ESYSERR|errno.
 */
steme_err steme_db_backup_verify(const char *dir, const steme_backup_options *opts,
                                 steme_backup_report *report, steme_backup_problem_fn fn,
                                 void *ctx);

/*
 * Copy the finished backup in backup_dir to dest_dir (same rules for dest_dir as
 * steme_db_backup: staged beside it, synced, renamed), comparing each file's size and hash
 * with the manifest as it is copied. It does not run the integrity check: verify the copy
 * where it landed (steme_db_backup_verify) to know that it arrived whole. problems go to fn.
 * Errors: STEME_ECORRUPT (the manifest or a file of backup_dir does not match), STEME_EEXIST,
 * STEME_EVERSION, STEME_ENOTFOUND (no backup_dir), STEME_EINVAL, STEME_ENOMEM,
 * STEME_ESYSERR|errno.
 */
steme_err steme_db_backup_ship(const char *backup_dir, const char *dest_dir,
                               const steme_backup_options *opts, steme_backup_problem_fn fn,
                               void *ctx);

/* What steme_db_restore did. */
typedef struct steme_restore_report {
    steme_backup_report backup; /* the verification of the backup */
    uint64_t last_seq;          /* the restored store's last position */
    int64_t last_recorded_at;
    uint64_t records, assertions, votes, events;
} steme_restore_report;

/*
 * Restore the backup in backup_dir into new_dir, a new store. The backup is verified first
 * (as steme_db_backup_verify, problems to fn) and refused if anything is wrong. With until 0
 * (or the backup's last position) the store is the backup's copy. With 0 < until < the last
 * position, only the log up to until is restored: records 1..until keep their seqs, ids,
 * transaction times and signatures, and derived state is rebuilt from them, so the store is
 * exactly what the original was at position until (tables that are not derived from the log,
 * such as the query audit, are kept whole). new_dir must not exist or be an empty directory;
 * the store is built in a sibling "NEW.partial-XXXXXX" and renamed into place when complete.
 * report (may be NULL) is written on STEME_OK; on a refused backup only report->backup is.
 * Errors: STEME_ECORRUPT (the backup does not verify, or changed while it was copied),
 * STEME_EINVAL (NULL argument, until past the backup's last position: report->backup.info
 * says where it ends), STEME_EEXIST (new_dir exists and is not empty), STEME_EVERSION,
 * STEME_ENOTFOUND (no backup_dir), STEME_ENOMEM, STEME_ESYSERR|errno.
 */
steme_err steme_db_restore(const char *backup_dir, const char *new_dir, uint64_t until,
                           const steme_backup_options *opts, steme_restore_report *report,
                           steme_backup_problem_fn fn, void *ctx);

/* ---------------------------------------------------------------------------------------------
 * Knowledge rules: lifecycle, sources, agents, trust, cascades (docs/rules.md, docs/trust.md)
 *
 * Everything below is derived from the log inside the transaction that appends each record,
 * and can be rebuilt from the log alone (steme_db_rebuild). Records that break a rule (a vote
 * on an unknown id, a retraction of an unknown source, superseding another agent's claim
 * without the role, ...) are refused by steme_db_ingest with the field and the rule, and change
 * nothing.
 */

typedef enum steme_stage {
    STEME_STAGE_ACTIVE = 1,
    STEME_STAGE_DISPUTED = 2,
    STEME_STAGE_QUARANTINED = 3,
    STEME_STAGE_DEPRECATED = 4,
    STEME_STAGE_SUSPECT = 5,
    STEME_STAGE_SUPERSEDED = 6,
    STEME_STAGE_RETRACTED = 7,
    STEME_STAGE_REJECTED = 8,
} steme_stage;

/* "active", "disputed", ...; NULL for an unknown stage. */
const char *steme_stage_name(steme_stage stage);
int steme_stage_parse(const char *name);

/* Conditions of an assertion; its stage is the first that holds in docs/rules.md's order. */
#define STEME_COND_REJECTED         0x01 /* rejected out of quarantine */
#define STEME_COND_RETRACTED_SOURCE 0x02 /* its source was retracted */
#define STEME_COND_RETRACTED_AUTHOR 0x04 /* retracted by its author or an editor */
#define STEME_COND_SUPERSEDED       0x08
#define STEME_COND_DEPRECATED       0x10 /* its epoch was superseded, not re-affirmed */
#define STEME_COND_QUARANTINED      0x20 /* awaiting an admin's decision */

typedef enum steme_quarantine_reason {
    STEME_QUARANTINE_NONE = 0,
    STEME_QUARANTINE_LOW_TRUST = 1,        /* author's trust below the threshold */
    STEME_QUARANTINE_PROMPT_INJECTION = 2, /* text matched a prompt-injection rule */
    STEME_QUARANTINE_LINK_SPAM = 3,        /* too many links, or a link-spam rule */
} steme_quarantine_reason;

const char *steme_quarantine_reason_name(steme_quarantine_reason r);

typedef struct steme_state {
    uint64_t seq; /* the assertion's log position */
    steme_stage stage;
    uint32_t conditions; /* STEME_COND_* */
    steme_quarantine_reason quarantine_reason;
    uint32_t tainted_parents; /* derived_from parents retracted, rejected or suspect */
    uint64_t via;             /* lowest seq among them (the path back to a retraction) */
    uint64_t superseded_by;   /* seq, 0 when none */
    uint64_t retracted_by;    /* seq of the retracting event, 0 when none */
    uint32_t up;              /* standing votes */
    uint32_t down;
} steme_state;

/* The lifecycle of an assertion now. Errors: STEME_ENOTFOUND (no such assertion). */
steme_err steme_db_state(steme_db *db, const steme_id *id, steme_state *ret);

typedef struct steme_stage_change {
    uint64_t seq;     /* the assertion */
    uint64_t cause;   /* the record that caused the change (the assertion itself at birth) */
    steme_stage from; /* 0 at birth */
    steme_stage to;
} steme_stage_change;

typedef int (*steme_stage_fn)(const steme_stage_change *c, void *ctx);

/* Every stage change of an assertion, oldest first. Errors: STEME_ENOTFOUND. */
steme_err steme_db_history(steme_db *db, const steme_id *id, steme_stage_fn fn, void *ctx);

/*
 * The path from a suspect or retracted assertion back to what retracted it: path[0] is the
 * assertion's seq, each next one the `via` parent, the last one a retracted assertion; the
 * retracting event is in its state's retracted_by. *ret_n is 1 for an untainted assertion.
 * Errors: STEME_ENOTFOUND, STEME_ELIMIT (more than cap steps).
 */
steme_err steme_db_provenance(steme_db *db, const steme_id *id, uint64_t *path, size_t cap,
                              size_t *ret_n);

/* The current head of the supersession chain that id belongs to (id itself when it is not
 * superseded). Errors: STEME_ENOTFOUND. */
steme_err steme_db_head(steme_db *db, const steme_id *id, steme_id *ret);

typedef enum steme_source_status {
    STEME_SOURCE_UNREGISTERED = 0, /* cited but never registered: tier unverified */
    STEME_SOURCE_ACTIVE = 1,
    STEME_SOURCE_RETRACTED = 2,
} steme_source_status;

typedef struct steme_source_info {
    char id[STEME_MAX_SOURCE + 1];
    steme_tier tier;
    uint32_t weight; /* authority weight, ppm */
    steme_source_status status;
    uint64_t registered_seq; /* 0 when unregistered */
    uint64_t status_seq;     /* the event that set the status, 0 when none */
    uint64_t assertions;     /* assertions citing it */
    double reliability;      /* learned, in [0, 1] (docs/trust.md) */
} steme_source_info;

typedef int (*steme_source_fn)(const steme_source_info *s, void *ctx);

/* Errors: STEME_ENOTFOUND (never registered nor cited). */
steme_err steme_db_source(steme_db *db, steme_str id, steme_source_info *ret);
steme_err steme_db_sources(steme_db *db, steme_source_fn fn, void *ctx);

typedef enum steme_role {
    STEME_ROLE_NONE = 0,
    STEME_ROLE_EDITOR = 1, /* may supersede, retract and re-affirm others' assertions */
    STEME_ROLE_ADMIN = 2,  /* sources, epochs, gold, quarantine, roles */
} steme_role;

const char *steme_role_name(steme_role role);
int steme_role_parse(const char *name); /* -1 for an unknown name ("" is STEME_ROLE_NONE) */

typedef struct steme_agent_info {
    steme_pubkey key;
    steme_role role;
    uint64_t profile_seq; /* the agent_profile event with its display name, 0 when none */
    uint64_t assertions;
    uint64_t votes;
    uint64_t events;
    uint64_t quarantined; /* assertions that went to quarantine */
    uint64_t rejections;  /* records refused at ingest since the store was opened (not derived) */
    uint64_t evidence;    /* trust observations */
    double trust;         /* expected reliability in [0, 1] (docs/trust.md) */
    double alpha;         /* Beta pseudo-counts behind it */
    double beta;
} steme_agent_info;

typedef int (*steme_agent_fn)(const steme_agent_info *a, void *ctx);

/* An agent's profile, counts and trust. With as_of (a log position; 0: latest) the trust
 * (alpha, beta, trust) is the agent's as of that position, reproducibly; the profile, role and
 * counts are always the current ones. An agent never seen has the prior trust and zero counts
 * (STEME_OK). */
steme_err steme_db_agent(steme_db *db, const steme_pubkey *pk, uint64_t as_of,
                         steme_agent_info *ret);
steme_err steme_db_agents(steme_db *db, steme_agent_fn fn, void *ctx);

#define STEME_REPORT_DEPTHS 64

/* What a retraction, reinstatement or epoch supersession touched, by depth: per_depth[0] is
 * the assertions hit directly, per_depth[d] those d derived_from steps away (depths past the
 * last slot are counted in it). */
typedef struct steme_cascade_report {
    uint64_t event_seq; /* 0 for an impact (dry run) */
    uint64_t total;
    uint32_t depths; /* slots used */
    uint64_t per_depth[STEME_REPORT_DEPTHS];
} steme_cascade_report;

/* The stored report of an event. Errors: STEME_ENOTFOUND. */
steme_err steme_db_report(steme_db *db, uint64_t event_seq, steme_cascade_report *ret);

/* What retracting source would touch, computed by running the real cascade in a transaction
 * that is then thrown away. Errors: STEME_ENOTFOUND (unknown source), STEME_EINVAL (already
 * retracted). */
steme_err steme_db_impact(steme_db *db, steme_str source, steme_cascade_report *ret);

/* The assertions awaiting a quarantine decision, oldest first. */
steme_err steme_db_quarantine(steme_db *db, steme_entry_fn fn, void *ctx);

/* The gold_set event in force for (subject, predicate). Errors: STEME_ENOTFOUND. */
steme_err steme_db_gold(steme_db *db, steme_str subject, steme_str predicate, steme_entry **ret);

/* Recompute every derived table from the log (one transaction). */
steme_err steme_db_rebuild(steme_db *db);

/* BLAKE2b-256 over all derived state: equal before and after a rebuild. */
steme_err steme_db_derived_hash(steme_db *db, uint8_t out[32]);

/* ---------------------------------------------------------------------------------------------
 * Queries and lenses (DESIGN §6, docs/lenses.md)
 *
 * A query gathers the assertions about a subject (one predicate, or every predicate of it)
 * visible at a log position, keeps those in the requested lifecycle stages, valid at valid_at
 * and passing the tier and agent filters, and resolves each (subject, predicate) through a
 * lens. Each answer carries a receipt: a hash over what determines it (lens and parameters,
 * position, valid time, filters, candidate ids), which steme_db_verify_receipt recomputes.
 */

/* Stage and tier masks: bit (1u << stage), bit (1u << tier). */
#define STEME_STAGE_BIT(s) (1u << (s))
#define STEME_TIER_BIT(t)  (1u << (t))
#define STEME_STAGES_DEFAULT                                                                       \
    (STEME_STAGE_BIT(STEME_STAGE_ACTIVE) | STEME_STAGE_BIT(STEME_STAGE_DISPUTED))
#define STEME_QUERY_MAX_CANDS                                                                      \
    16384 /* assertions per (subject, predicate); more is STEME_ELIMIT                             \
           */

typedef struct steme_query {
    steme_str subject;   /* required */
    steme_str predicate; /* empty: every predicate of the subject */
    bool subject_prefix; /* subject is a prefix (scans the log up to the position: slow) */
    /* "recency", "consensus", "vote_consensus", "authority", "trust_authority", "skeptic",
     * "layered" or "layered:L1,L2,..." (1-4 links); '-' may stand for '_'. NULL: consensus. */
    const char *lens;
    /* Lens parameters (docs/lenses.md "Parameters"); 0 means the default for each. */
    uint32_t min_support;    /* distinct agents a winner needs */
    uint32_t margin;         /* layered, ppm */
    uint32_t outlier_ratio;  /* skeptic, ppm (> 1000000) */
    uint32_t minority_share; /* skeptic, ppm */
    bool tier_weights_set;   /* authority lenses: weigh by tier_weights[tier] (ppm) instead */
    uint32_t tier_weights[STEME_TIER_UNVERIFIED + 1];
    uint64_t as_of;     /* log position; 0 = latest */
    int64_t as_of_time; /* ms; > 0: the last position recorded at or before it (as_of = 0) */
    bool has_valid_at;  /* keep only assertions whose [valid_from, valid_until) holds it */
    int64_t valid_at;
    uint32_t stages; /* STEME_STAGE_BIT mask; 0 = STEME_STAGES_DEFAULT */
    uint32_t tiers;  /* STEME_TIER_BIT mask of the sources' tiers; 0 = every tier */
    bool has_agent;  /* only assertions by agent */
    steme_pubkey agent;
    /* What-ifs (docs/lenses.md "What-if"): answer as if something had happened, without
     * writing anything. The result's answers are those of the what-if; each also carries the
     * baseline (the same query without the what-ifs, in the same transaction) and whether
     * the conclusion changed (steme_answer.changed). Several what-ifs apply together.
     *
     * what_if_retract: as if this source were retracted (the real retraction rules, cascade
     * included). Latest position only. Empty: none. */
    steme_str what_if_retract;
    /* As if what_if_distrust (an agent known to the store) were distrusted: its assertions
     * are left out of the candidates whatever the stages asked for, as if quarantined and
     * never let out (counted in excluded_filter), and its trust is 0. Its votes and the
     * assertions derived from its claims are untouched. Any position. */
    bool has_what_if_distrust;
    steme_pubkey what_if_distrust;
    /* As if the open epoch what_if_supersede_epoch were superseded by the open epoch
     * what_if_successor (empty: by none, so no re-affirmation saves a member): the real
     * supersession rules deprecate its members. Latest position only. Empty: none. */
    steme_str what_if_supersede_epoch;
    steme_str what_if_successor;
    /* Materialized views (docs/lenses.md): a query at the latest position naming one subject
     * and one predicate, without a what-if, is answered from the db's cache of results when
     * nothing it depends on changed since. no_cache: compute afresh and leave the cache
     * alone. Either way the result is the same, byte for byte. */
    bool no_cache;
    /* Query audit: append one row per answer to the store's audit table (steme_db_audit)
     * naming asker (at most STEME_MAX_AUDIT_ASKER bytes; may be empty), the query, the
     * position and the receipt. Needs a writable store; costs one durable write. */
    bool audit;
    steme_str asker;
} steme_query;

#define STEME_MAX_AUDIT_ASKER 256

/* Defaults: consensus, latest position, active and disputed claims, no filters. */
void steme_query_init(steme_query *q);

/* One value and its support, in the lens's ranking order. */
typedef struct steme_alternative {
    steme_value value; /* as written by its earliest supporter; borrows the result */
    double weight;     /* the lens's weight */
    double share;      /* weight / sum of weights */
    double evidence;   /* lens-independent evidence mass (conflict score) */
    uint32_t agents;
    uint32_t sources;
    uint32_t assertions;
    steme_tier best_tier;
    uint64_t up; /* standing votes on its assertions at the position */
    uint64_t down;
    bool outlier; /* skeptic */
} steme_alternative;

/* The answer for one (subject, predicate). Everything borrows the steme_result. */
typedef struct steme_answer {
    steme_str subject;
    steme_str predicate;
    bool has_winner;
    size_t winner;           /* index into alternatives */
    const char *reason;      /* "winner", "empty", "tie", "low_support", "no_weight",
                              * "by_design", "no_margin" (static) */
    const char *reason_text; /* a sentence (static) */
    const char *decided_by;  /* the lens whose weights alternatives show (static) */
    double lead;             /* the winner's lead over the next value, [0, 1] */
    double conflict;         /* [0, 1]: how contested the evidence is, whatever the lens */
    const steme_alternative *alternatives;
    size_t n_alternatives;
    const steme_id *support; /* the winner's assertions, by log position */
    size_t n_support;
    const steme_id *candidates; /* every candidate the lens saw, sorted by id bytes */
    size_t n_candidates;
    /* Assertions of the key visible at the position but left out, by the first filter
     * that excluded them. */
    uint32_t excluded_stage;
    uint32_t excluded_valid_time;
    uint32_t excluded_filter; /* tier or agent */
    const char *explanation;  /* NUL-terminated */
    uint8_t receipt[32];      /* docs/lenses.md "Receipts" */
    /* A what-if query only (steme_result_what_if): the conclusion of the same query without
     * the what-ifs, and whether the what-if changes it (a winner appears or disappears, or
     * another value wins; values compare as the lens groups them). */
    bool baseline_has_winner;
    steme_value baseline_winner; /* borrows the result */
    const char *baseline_reason; /* as reason (static) */
    bool changed;
} steme_answer;

typedef struct steme_result steme_result;

/*
 * Run q. *ret (owned by the caller: steme_result_free) holds one answer per (subject,
 * predicate) in byte order; a query naming a predicate always has exactly one answer (with
 * reason "empty" when nothing matched). ei (may be NULL) names the field and rule of a
 * STEME_EINVAL: "lens" (unknown lens or chain), "min_support" / "margin" / "outlier_ratio" /
 * "minority_share" / "tier_weights" (out of range), "subject" / "predicate" (missing, too
 * long, or a prefix query naming none), "as_of" (beyond the last log position), "as_of_time"
 * (outside [0, STEME_TIME_MAX], before the first record, or in the future), "valid_at"
 * (outside [0, STEME_TIME_MAX]), "stages" / "tiers"
 * (unknown bits), "what_if_retract" (unknown or already retracted source, or with as_of),
 * "what_if_distrust" (an agent the store does not know), "what_if_supersede_epoch" (unknown
 * or already superseded epoch, too long, or with as_of), "what_if_successor" (unknown or
 * superseded epoch, the epoch itself, too long, or without an epoch), "asker" (too long),
 * "audit" (a read-only store, or with a what-if distrust or supersession). A failed audit write
 * fails the query. Errors: STEME_EINVAL, STEME_ELIMIT (more than STEME_QUERY_MAX_CANDS assertions
 * for one key), STEME_ECORRUPT, STEME_ENOMEM.
 */
steme_err steme_db_query(steme_db *db, const steme_query *q, steme_result **ret, steme_errinfo *ei);

void steme_result_free(steme_result *r); /* accepts NULL */
size_t steme_result_count(const steme_result *r);
const steme_answer *steme_result_answer(const steme_result *r, size_t i); /* NULL past the end */
uint64_t steme_result_position(const steme_result *r); /* the log position answered at */
/* The position the answers were computed at: below steme_result_position when they came
 * from a materialized view that nothing has changed since (the answers, receipts and
 * position are then those a fresh computation gives at the latest position). */
uint64_t steme_result_computed_at(const steme_result *r);
bool steme_result_materialized(const steme_result *r); /* served from the cache */
/* Canonical lens name ("consensus", "layered:authority,consensus,recency") and version. */
const char *steme_result_lens(const steme_result *r);
uint32_t steme_result_lens_version(const steme_result *r);
/* Whether r answers a what-if query; then its baseline (the same query without the what-ifs,
 * at the same position, with its own receipts; borrowed: freed with r) and how many answers
 * changed. NULL and 0 otherwise. */
bool steme_result_what_if(const steme_result *r);
const steme_result *steme_result_baseline(const steme_result *r);
size_t steme_result_changed(const steme_result *r);

/*
 * Recompute the query q (which must name a predicate) at log position `position` -- q->as_of
 * and q->as_of_time are ignored -- and compare its answer's receipt with receipt. *ret_match
 * tells whether they are equal; ret_answer (may be NULL) receives the recomputed receipt.
 * Errors: as steme_db_query.
 */
steme_err steme_db_verify_receipt(steme_db *db, const steme_query *q, uint64_t position,
                                  const uint8_t receipt[32], bool *ret_match,
                                  uint8_t ret_receipt[32], steme_errinfo *ei);

/* Materialized-view counters since steme_db_open. */
typedef struct steme_mv_stats {
    uint64_t hits;      /* served from the cache */
    uint64_t misses;    /* cacheable, computed afresh (absent or stale) */
    uint64_t stale;     /* of the misses: an entry was there but something it read changed */
    uint64_t evictions; /* least recently used entries dropped for room */
    uint64_t entries;   /* held now */
    uint64_t capacity;  /* most entries held (steme_db_options.mv_entries) */
    uint64_t bytes;     /* memory the entries hold now */
    uint64_t max_bytes; /* most memory held (steme_db_options.mv_bytes) */
} steme_mv_stats;

/* Errors: STEME_EINVAL (NULL argument). */
steme_err steme_db_mv_stats(steme_db *db, steme_mv_stats *ret);

/* One row of the query audit: one answer of a query run with q.audit set. */
typedef struct steme_audit_entry {
    uint64_t id;  /* row number, from 1 */
    int64_t time; /* wall clock when asked, ms */
    steme_str asker;
    uint64_t position; /* the position answered at (steme_result_position) */
    /* The query narrowed to this answer's subject and predicate: pass it with position and
     * receipt to steme_db_verify_receipt. as_of, as_of_time, audit and no_cache are 0. */
    steme_query query;
    uint32_t lens_version;
    bool has_winner;
    steme_str reason; /* the answer's reason ("winner", "tie", ...) */
    uint32_t n_candidates;
    uint8_t receipt[32];
} steme_audit_entry;

/* Return nonzero to stop. Everything in *e (strings, query.lens) borrows the store and is
 * valid only during the call. */
typedef int (*steme_audit_fn)(const steme_audit_entry *e, void *ctx);

/*
 * Call fn for the audit rows numbered from `from` (0 or 1: the first), in order, at most
 * limit of them (0: no limit). The audit table is not derived state: a rebuild keeps it and
 * the derived-state hash leaves it out.
 * Errors: STEME_EINVAL (NULL db or fn), STEME_ECORRUPT (a malformed row), LMDB errors.
 */
steme_err steme_db_audit(steme_db *db, uint64_t from, size_t limit, steme_audit_fn fn, void *ctx);

/* ---------------------------------------------------------------------------------------------
 * API keys and the admin log (docs/server-auth.md)
 *
 * The HTTP server authenticates requests with API keys and records every admin action in the
 * admin log. Both live in the store's LMDB environment, so that `steme key create` works on
 * the data directory while the server runs. Neither is derived state: a rebuild keeps them
 * and steme_db_derived_hash leaves them out. A store from an earlier build gets the two
 * tables on its first writable open; a read-only open reads them as empty.
 *
 * A token is "stk_" + the key id (16 lowercase hex digits: 8 random bytes) + "." + the secret
 * (64 lowercase hex digits: 32 random bytes). Only BLAKE2b-256 of the whole token is stored;
 * the token is shown once, by steme_db_apikey_create, and never written anywhere by libsteme.
 *
 * The API key roles are not the agents' roles (steme_role: editor, admin), which are
 * granted by signed events in the log; hence the separate names.
 */

/* What a key may do over HTTP; each role includes the ones below it. */
typedef enum steme_apikey_role {
    STEME_APIKEY_ROLE_READER = 1, /* read and query */
    STEME_APIKEY_ROLE_WRITER = 2, /* also submit signed records */
    STEME_APIKEY_ROLE_ADMIN = 3,  /* also manage keys and read the admin log */
} steme_apikey_role;

#define STEME_APIKEY_ID_HEX     16 /* key id: 8 random bytes as lowercase hex */
#define STEME_APIKEY_TOKEN_LEN  85 /* "stk_" + 16 hex id + "." + 64 hex secret */
#define STEME_APIKEY_NAME_MAX   64
#define STEME_APIKEY_MAX_ACTIVE 4096 /* active keys per store; more is STEME_ELIMIT */

typedef struct steme_apikey_info {
    char id[STEME_APIKEY_ID_HEX + 1];     /* NUL-terminated */
    char name[STEME_APIKEY_NAME_MAX + 1]; /* NUL-terminated */
    steme_apikey_role role;
    int64_t created_at; /* ms */
    int64_t revoked_at; /* ms, 0 = active */
} steme_apikey_info;

/* "reader", "writer", "admin"; "?" for anything else. */
const char *steme_apikey_role_name(steme_apikey_role r);

/* The role named s (exactly as steme_apikey_role_name writes it). Errors: STEME_EINVAL. */
steme_err steme_apikey_role_parse(const char *s, steme_apikey_role *ret);

/*
 * Create a key with a fresh random id and secret. token receives the token, NUL-terminated,
 * only on success; it is stored nowhere (only its hash is), so show it once and wipe it.
 * name: 1..STEME_APIKEY_NAME_MAX bytes of UTF-8 without control characters (C0, DEL, C1) and
 * without a leading or trailing space, unique among the active keys (a revoked key's name may
 * be reused). ret (may be NULL) receives the key.
 * Errors: STEME_EINVAL (NULL db or token, a bad name or role, a read-only store),
 * STEME_EEXIST (an active key has that name), STEME_ELIMIT (STEME_APIKEY_MAX_ACTIVE active
 * keys), STEME_ECORRUPT (a malformed stored key), LMDB errors.
 */
steme_err steme_db_apikey_create(steme_db *db, const char *name, steme_apikey_role role,
                                 char token[STEME_APIKEY_TOKEN_LEN + 1], steme_apikey_info *ret);

/*
 * Register a token made elsewhere (e.g. read from the server's STEMEDB_ADMIN_KEY_FILE). Its id
 * is the token's own. Idempotent: when the same token is already active with the same role,
 * nothing is written and ret receives the existing key (its name is kept). ret may be NULL.
 * Errors: STEME_EINVAL (a malformed token -- the "token" is wrong: not
 * "stk_" + 16 lowercase hex + "." + 64 lowercase hex -- or a bad name or role, a NULL argument
 * or a read-only store), STEME_EEXIST (the id is taken: by another token, by this token with
 * another role, or by this token revoked -- revocation is final -- or an active key has the
 * name), STEME_ELIMIT, STEME_ECORRUPT, LMDB errors.
 */
steme_err steme_db_apikey_import(steme_db *db, const char *token, const char *name,
                                 steme_apikey_role role, steme_apikey_info *ret);

/*
 * Authenticate a presented token (NUL-terminated; NULL is treated as malformed). STEME_OK and
 * *ret (may be NULL) for an active key; STEME_EDENIED for an unknown, malformed or revoked
 * token, without saying which. The hash comparison is constant-time, and an unknown id costs
 * the same hash and comparison as a known one. Errors: STEME_EDENIED, STEME_EINVAL (NULL db),
 * STEME_ECORRUPT (a malformed stored key), LMDB errors.
 */
steme_err steme_db_apikey_check(steme_db *db, const char *token, steme_apikey_info *ret);

/* Return nonzero to stop. *k is a copy, valid only during the call. */
typedef int (*steme_apikey_fn)(const steme_apikey_info *k, void *ctx);

/* Every key, revoked ones too, in id order (byte order of the hex ids), from one snapshot.
 * fn must not call back into the db's write functions. Errors: STEME_EINVAL (NULL db or fn),
 * STEME_ECORRUPT, LMDB errors. */
steme_err steme_db_apikey_list(steme_db *db, steme_apikey_fn fn, void *ctx);

/* Revoke the key with this id (16 lowercase hex digits): from the commit on, its token is
 * denied, by every process using the store. Revoking a revoked key changes nothing (STEME_OK;
 * revoked_at stays the first revocation's). Errors: STEME_EINVAL (NULL db or id, a read-only
 * store), STEME_ENOTFOUND (no such key, or an id that is not 16 lowercase hex digits),
 * STEME_ECORRUPT, LMDB errors. */
steme_err steme_db_apikey_revoke(steme_db *db, const char *id);

/* The number of active keys with at least role min_role (0: any role) in *ret.
 * Errors: STEME_EINVAL (NULL argument, unknown role), STEME_ECORRUPT, LMDB errors. */
steme_err steme_db_apikey_count(steme_db *db, steme_apikey_role min_role, size_t *ret);

/* The number of active keys; 0 also when they cannot be read (use steme_db_apikey_count to
 * tell the two apart). */
size_t steme_db_apikey_count_active(steme_db *db);

/* Admin log: one row per admin action, durable, numbered from 1 in the order appended. */
#define STEME_ADMIN_ACTOR_MAX  64   /* bytes of actor */
#define STEME_ADMIN_ACTION_MAX 64   /* bytes of action */
#define STEME_ADMIN_DETAIL_MAX 2048 /* bytes of detail */

typedef struct steme_admin_event {
    uint64_t n;         /* row number from 1 */
    int64_t at;         /* ms; never less than the row before's */
    const char *actor;  /* key id or "cli" / "bootstrap" (NUL-terminated, borrowed) */
    const char *action; /* e.g. "key.create" (NUL-terminated, borrowed) */
    const char *detail; /* a short JSON text or free text, never a secret (may be "") */
} steme_admin_event;

/*
 * Append one row, durably, in its own write transaction; *ret_n (may be NULL) is its number.
 * actor: 1..STEME_ADMIN_ACTOR_MAX bytes and action 1..STEME_ADMIN_ACTION_MAX bytes of UTF-8
 * without control characters; detail (NULL: "") up to STEME_ADMIN_DETAIL_MAX bytes of UTF-8
 * (newlines and tabs allowed). None may contain an API key token: the log never holds one.
 * Errors: STEME_EINVAL (NULL db, actor or action, a rule above broken, a read-only store),
 * STEME_ECORRUPT, LMDB errors.
 */
steme_err steme_db_admin_log_append(steme_db *db, const char *actor, const char *action,
                                    const char *detail, uint64_t *ret_n);

/* Return nonzero to stop. The strings of *e borrow the store: valid only during the call. */
typedef int (*steme_admin_event_fn)(const steme_admin_event *e, void *ctx);

/*
 * Call fn for the rows numbered from `from` (0 or 1: the first), in order, at most limit of
 * them (0: no limit), from one snapshot. Errors: STEME_EINVAL (NULL db or fn),
 * STEME_ECORRUPT (a malformed row), LMDB errors.
 */
steme_err steme_db_admin_log(steme_db *db, uint64_t from, size_t limit, steme_admin_event_fn fn,
                             void *ctx);

/* The current wall clock, ms since the epoch (the clock the engine stamps records with). */
int64_t steme_now_ms(void);

#ifdef __cplusplus
}
#endif

#endif /* STEME_H */
