/* SPDX-License-Identifier: MIT */
/*
 * harness.c -- see harness.h.
 *
 * The server is a child process started with fork + execve from the thread that calls
 * it_start (the main thread in every test), with PR_SET_PDEATHSIG so that a test that dies
 * never leaves a server behind. Between fork and execve the child only calls async-signal-safe
 * functions: the environment is built before the fork.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "record_json.h"

extern char **environ;

#define MAX_BODY (64u << 20) /* a response larger than this fails the test */

long long
it_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
it_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* ---- files ------------------------------------------------------------------------------ */

static char *
read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

char *
it_log(const it_server *s)
{
    char *t = read_file(s->log_path, NULL);
    return t ? t : strdup("");
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* ---- the server's life ------------------------------------------------------------------ */

static void
global_init(void)
{
    static bool done;
    if (done)
        return;
    done = true;
    assert_int_equal(curl_global_init(CURL_GLOBAL_ALL), CURLE_OK);
    signal(SIGPIPE, SIG_IGN);
}

/* Run a shell command; fail the test unless it exits 0. */
static void
run(const char *cmd)
{
    int st = system(cmd);
    if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        fail_msg("command failed (status %d): %s", st, cmd);
}

static void
make_certificate(it_server *s, char *cert, char *key)
{
    snprintf(cert, IT_PATH, "%s/cert.pem", s->dir);
    snprintf(key, IT_PATH, "%s/key.pem", s->dir);
    char cmd[4 * IT_PATH];
    snprintf(cmd, sizeof(cmd),
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
             "-days 2 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,DNS:localhost "
             "-keyout '%s' -out '%s' >'%s/openssl.log' 2>&1",
             key, cert, s->dir);
    run(cmd);
    snprintf(s->cafile, sizeof(s->cafile), "%s", cert);
}

/* The child's environment: ours without any STEMEDB_*, then the harness's defaults, then the
 * test's own settings (which replace a default of the same name). */
static char **
build_env(it_server *s, const it_opts *o, const char *cert, const char *key)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 64, sizeof(char *));
    assert_non_null(env);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(environ[i], "STEMEDB_", 8) == 0)
            continue;
        /* Sanitizer reports go to files of their own, which show_log_tail prints: they then
         * survive whatever happens to the server's stderr. */
        if (strncmp(environ[i], "ASAN_OPTIONS=", 13) == 0 ||
            strncmp(environ[i], "UBSAN_OPTIONS=", 14) == 0) {
            char *e = NULL;
            assert_true(asprintf(&e, "%s:log_path=%s/sanitizer", environ[i], s->dir) > 0);
            env[k++] = e;
            continue;
        }
        env[k++] = strdup(environ[i]);
    }

    char buf[2 * IT_PATH];
    const char *defaults[16];
    size_t nd = 0;
    static char d[8][2 * IT_PATH];
    snprintf(d[0], sizeof(d[0]), "STEMEDB_DATA_DIR=%s", s->data_dir);
    snprintf(d[1], sizeof(d[1]), "STEMEDB_PORT_FILE=%s", s->port_file);
    snprintf(d[2], sizeof(d[2]), "STEMEDB_ADMIN_KEY_FILE=%s", s->key_file);
    for (int i = 0; i < 3; i++)
        defaults[nd++] = d[i];
    defaults[nd++] = "STEMEDB_BIND_ADDR=127.0.0.1:0";
    defaults[nd++] = "STEMEDB_THREADS=2";
    defaults[nd++] = "STEMEDB_DRAIN_TIMEOUT=10";
    /* Debug level: the token check then covers the most talkative log. */
    defaults[nd++] = "STEMEDB_LOG_LEVEL=debug";
    if (cert) {
        snprintf(d[3], sizeof(d[3]), "STEMEDB_TLS_CERT_PATH=%s", cert);
        snprintf(d[4], sizeof(d[4]), "STEMEDB_TLS_KEY_PATH=%s", key);
        defaults[nd++] = d[3];
        defaults[nd++] = d[4];
    }
    for (size_t i = 0; i < nd; i++) {
        const char *eq = strchr(defaults[i], '=');
        bool overridden = false;
        for (size_t j = 0; o && o->env && o->env[j]; j++)
            if (strncmp(o->env[j], defaults[i], (size_t)(eq - defaults[i]) + 1) == 0)
                overridden = true;
        if (!overridden)
            env[k++] = strdup(defaults[i]);
    }
    for (size_t j = 0; o && o->env && o->env[j]; j++) {
        snprintf(buf, sizeof(buf), "%s", o->env[j]);
        env[k++] = strdup(buf);
    }
    /* glibc's own fatal messages (a smashed stack, a broken lock) go to stderr, hence to the
     * log, rather than to a terminal the test cannot read. */
    env[k++] = strdup("LIBC_FATAL_STDERR_=1");
    env[k] = NULL;
    return env;
}

static void
free_env(char **env)
{
    for (size_t i = 0; env[i]; i++)
        free(env[i]);
    free(env);
}

static void
show_log_tail(const it_server *s)
{
    char *log = it_log(s);
    size_t n = strlen(log);
    /* Straight to stderr: cmocka's print_error cuts its message at 1 KiB, which
     * dropped the sanitizer report a crash had written at the end of the log. */
    fprintf(stderr, "--- server log (%s), last bytes:\n%s\n", s->log_path,
            n > 6000 ? log + n - 6000 : log);
    char pattern[IT_PATH + 16];
    snprintf(pattern, sizeof(pattern), "%s/sanitizer.*", s->dir);
    glob_t g;
    if (glob(pattern, 0, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++) {
            char *rep = read_file(g.gl_pathv[i], NULL);
            fprintf(stderr, "--- %s:\n%s\n", g.gl_pathv[i], rep ? rep : "(unreadable)");
            free(rep);
        }
        globfree(&g);
    }
    fflush(stderr);
    free(log);
}

void
it_start(it_server *s, const it_opts *o)
{
    global_init();
    memset(s, 0, sizeof(*s));
    const char *bin = getenv("STEMEDB_BIN");
    if (!bin || !*bin)
        fail_msg("STEMEDB_BIN is not set (the stemedb binary; meson sets it)");

    const char *tmp = getenv("TMPDIR");
    if (tmp && strlen(tmp) > 200)
        tmp = NULL;
    if (o && o->reuse_dir) {
        assert_true(strlen(o->reuse_dir) < sizeof(s->dir));
        snprintf(s->dir, sizeof(s->dir), "%s", o->reuse_dir);
    } else {
        snprintf(s->dir, sizeof(s->dir), "%s/stemedb-it-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        assert_non_null(mkdtemp(s->dir));
    }
    snprintf(s->data_dir, sizeof(s->data_dir), "%s/data", s->dir);
    snprintf(s->log_path, sizeof(s->log_path), "%s/server.log", s->dir);
    snprintf(s->out_path, sizeof(s->out_path), "%s/server.out", s->dir);
    snprintf(s->key_file, sizeof(s->key_file), "%s/admin.token", s->dir);
    snprintf(s->port_file, sizeof(s->port_file), "%s/port", s->dir);

    if (o && o->genesis) {
        steme_db_options opts;
        steme_pubkey pk;
        steme_db *db = NULL;
        steme_keypair_public(o->genesis, &pk);
        steme_db_options_init(&opts);
        opts.genesis_admin = &pk;
        opts.verify_threads = 1;
        assert_int_equal(steme_db_open(s->data_dir, &opts, &db), STEME_OK);
        steme_db_close(db);
    }
    char cert[IT_PATH] = "", key[IT_PATH] = "";
    if (o && o->tls) {
        make_certificate(s, cert, key);
        s->tls = true;
    }
    char **env = build_env(s, o, cert[0] ? cert : NULL, key[0] ? key : NULL);
    char *const argv[] = {(char *)bin, NULL};
    pid_t parent = getpid();
    unlink(s->port_file); /* a restart must not read the last run's port */

    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int err = open(s->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        int out = open(s->out_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (err < 0 || out < 0 || in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
            _exit(126);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(125);
        signal(SIGPIPE, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execve(bin, argv, env);
        _exit(127);
    }
    free_env(env);
    s->pid = pid;

    /* Wait for the port file (written once the server listens). */
    long long until = it_now_ms() + 20000;
    for (;;) {
        char *t = read_file(s->port_file, NULL);
        if (t) {
            s->port = (unsigned)strtoul(t, NULL, 10);
            free(t);
            if (s->port > 0 && s->port < 65536)
                break;
        }
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            s->pid = 0;
            show_log_tail(s);
            fail_msg("stemedb exited before listening (status 0x%x)", st);
        }
        if (it_now_ms() > until) {
            show_log_tail(s);
            fail_msg("stemedb did not write %s within 20 s", s->port_file);
        }
        it_sleep_ms(10);
    }
    snprintf(s->base, sizeof(s->base), "%s://127.0.0.1:%u", s->tls ? "https" : "http", s->port);

    /* The bootstrap admin key: created 0600 by the server. */
    struct stat st;
    assert_int_equal(stat(s->key_file, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char *t = read_file(s->key_file, NULL);
    assert_non_null(t);
    t[strcspn(t, "\r\n")] = '\0';
    assert_int_equal(strlen(t), STEME_APIKEY_TOKEN_LEN);
    snprintf(s->admin, sizeof(s->admin), "%s", t);
    free(t);
    it_remember_token(s, s->admin);
}

void
it_signal_term(it_server *s)
{
    assert_true(s->pid > 0);
    assert_int_equal(kill(s->pid, SIGTERM), 0);
}

int
it_wait_exit(it_server *s, int timeout_ms)
{
    long long until = it_now_ms() + timeout_ms;
    int st = 0;
    for (;;) {
        pid_t p = waitpid(s->pid, &st, WNOHANG);
        if (p == s->pid)
            break;
        assert_true(p == 0);
        if (it_now_ms() > until) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, &st, 0);
            s->pid = 0;
            show_log_tail(s);
            fail_msg("stemedb did not exit within %d ms of SIGTERM", timeout_ms);
        }
        it_sleep_ms(10);
    }
    s->pid = 0;
    if (!WIFEXITED(st)) {
        show_log_tail(s);
        fail_msg("stemedb died of signal %d", WIFSIGNALED(st) ? WTERMSIG(st) : -1);
    }
    return WEXITSTATUS(st);
}

/* The log must contain no token the test saw, nor the secret half of one. */
static void
check_log_secrets(it_server *s)
{
    char *log = it_log(s);
    char *out = read_file(s->out_path, NULL);
    for (size_t i = 0; i < s->ntokens; i++) {
        const char *secret = strchr(s->tokens[i], '.');
        assert_non_null(secret);
        if (strstr(log, s->tokens[i]) || strstr(log, secret + 1))
            fail_msg("the server log %s contains token %zu (%.20s...)", s->log_path, i,
                     s->tokens[i]);
        if (out && (strstr(out, s->tokens[i]) || strstr(out, secret + 1)))
            fail_msg("the server's stdout contains token %zu", i);
    }
    free(out);
    free(log);
}

void
it_stop(it_server *s)
{
    if (s->pid <= 0)
        return;
    it_signal_term(s);
    int code = it_wait_exit(s, 60000);
    if (code != 0) {
        show_log_tail(s);
        fail_msg("stemedb exited with status %d after SIGTERM", code);
    }
    check_log_secrets(s);
}

void
it_cleanup(it_server *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
    for (size_t i = 0; i < s->ntokens; i++) {
        explicit_bzero(s->tokens[i], strlen(s->tokens[i]));
        free(s->tokens[i]);
    }
    s->ntokens = 0;
    if (s->dir[0] && !getenv("STEMEDB_IT_KEEP"))
        nftw(s->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    s->dir[0] = '\0';
}

/* ---- requests --------------------------------------------------------------------------- */

typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static bool
buf_add(buf *b, const char *data, size_t n)
{
    if (b->n + n + 1 > MAX_BODY)
        return false;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np)
            return false;
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, n);
    b->n += n;
    b->p[b->n] = '\0';
    return true;
}

typedef struct xfer {
    const it_req *q;
    it_resp *r;
    buf body;
    buf info;
    const char *up; /* chunked upload: what is left */
    size_t up_left;
    bool final_headers; /* a non-1xx status line was seen */
    bool success;       /* ... and it was 2xx */
} xfer;

static size_t
on_body(char *data, size_t size, size_t n, void *ctx)
{
    xfer *x = ctx;
    return buf_add(&x->body, data, size * n) ? size * n : 0;
}

static void
clear_headers(it_resp *r)
{
    for (size_t i = 0; i < r->nheaders; i++) {
        free(r->hname[i]);
        free(r->hvalue[i]);
    }
    r->nheaders = 0;
}

static size_t
on_header(char *data, size_t size, size_t n, void *ctx)
{
    xfer *x = ctx;
    size_t len = size * n;
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        clear_headers(x->r); /* a new response (after 100 Continue) */
        const char *sp = memchr(data, ' ', len);
        long st = sp ? strtol(sp + 1, NULL, 10) : 0;
        x->final_headers = st >= 200;
        x->success = st >= 200 && st < 300;
        return len;
    }
    if (len <= 2 && (data[0] == '\r' || data[0] == '\n')) {
        if (x->success && x->q->headers_only)
            return 0; /* abort: the caller wanted only the headers of a stream */
        return len;
    }
    const char *colon = memchr(data, ':', len);
    if (!colon || x->r->nheaders == 64)
        return len;
    size_t nl = (size_t)(colon - data);
    const char *v = colon + 1, *end = data + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    x->r->hname[x->r->nheaders] = strndup(data, nl);
    x->r->hvalue[x->r->nheaders] = strndup(v, (size_t)(end - v));
    x->r->nheaders++;
    return len;
}

static size_t
on_read(char *dst, size_t size, size_t n, void *ctx)
{
    xfer *x = ctx;
    size_t want = size * n;
    if (want > 700)
        want = 700; /* several chunks, whatever curl's buffer */
    if (want > x->up_left)
        want = x->up_left;
    memcpy(dst, x->up, want);
    x->up += want;
    x->up_left -= want;
    return want;
}

static int
on_debug(CURL *h, curl_infotype type, char *data, size_t size, void *ctx)
{
    (void)h;
    xfer *x = ctx;
    if (type == CURLINFO_TEXT)
        buf_add(&x->info, data, size);
    return 0;
}

it_resp *
it_do(it_server *s, const it_req *q)
{
    it_resp *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    xfer x = {.q = q, .r = r};
    CURL *h = curl_easy_init();
    assert_non_null(h);

    char url[4096];
    if (q->use_http)
        snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", s->port, q->path);
    else
        snprintf(url, sizeof(url), "%s%s", s->base, q->path);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, q->timeout_ms ? q->timeout_ms : 30000L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
    if (s->cafile[0])
        curl_easy_setopt(h, CURLOPT_CAINFO, s->cafile);
    if (q->ssl_version)
        curl_easy_setopt(h, CURLOPT_SSLVERSION, q->ssl_version);
    char iface[80];
    if (q->from_ip) {
        snprintf(iface, sizeof(iface), "host!%s", q->from_ip);
        curl_easy_setopt(h, CURLOPT_INTERFACE, iface);
    }
    if (q->verbose) {
        curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
        curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, on_debug);
        curl_easy_setopt(h, CURLOPT_DEBUGDATA, &x);
    }

    struct curl_slist *hl = curl_slist_append(NULL, "Expect:");
    char auth[160];
    if (q->token) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", q->token);
        hl = curl_slist_append(hl, auth);
    }
    for (size_t i = 0; i < 8 && q->headers[i]; i++)
        hl = curl_slist_append(hl, q->headers[i]);

    const char *method = q->method ? q->method : q->body ? "POST" : "GET";
    if (q->body) {
        size_t blen = q->body_len ? q->body_len : strlen(q->body);
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        if (q->chunked) {
            hl = curl_slist_append(hl, "Transfer-Encoding: chunked");
            x.up = q->body;
            x.up_left = blen;
            curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
            curl_easy_setopt(h, CURLOPT_READDATA, &x);
        } else {
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, q->body);
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
        }
        if (strcmp(method, "POST") != 0)
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    } else if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);

    r->code = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    if (q->headers_only && r->code == CURLE_WRITE_ERROR && x.success)
        r->code = CURLE_OK; /* we ended it ourselves */
    curl_slist_free_all(hl);
    curl_easy_cleanup(h);

    r->body = x.body.p ? x.body.p : strdup("");
    r->len = x.body.n;
    r->info = x.info.p ? x.info.p : strdup("");
    const char *ct = it_header(r, "Content-Type");
    if (ct && strstr(ct, "json") && r->len)
        r->json = json_loadb(r->body, r->len, 0, NULL);
    return r;
}

it_resp *
it_get(it_server *s, const char *token, const char *path)
{
    it_req q = {.path = path, .token = token};
    return it_do(s, &q);
}

it_resp *
it_post(it_server *s, const char *token, const char *path, const char *body)
{
    it_req q = {.method = "POST", .path = path, .token = token, .body = body ? body : ""};
    return it_do(s, &q);
}

it_resp *
it_post_json(it_server *s, const char *token, const char *path, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT);
    assert_non_null(text);
    json_decref(body);
    it_resp *r = it_post(s, token, path, text);
    free(text);
    return r;
}

it_resp *
it_delete(it_server *s, const char *token, const char *path)
{
    it_req q = {.method = "DELETE", .path = path, .token = token};
    return it_do(s, &q);
}

void
it_resp_free(it_resp *r)
{
    if (!r)
        return;
    clear_headers(r);
    json_decref(r->json);
    free(r->body);
    free(r->info);
    free(r);
}

const char *
it_header(const it_resp *r, const char *name)
{
    const char *v = NULL;
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->hname[i], name) == 0)
            v = r->hvalue[i];
    return v;
}

void
it_fail_at(const it_resp *r, const char *what, const char *file, int line)
{
    fail_msg("%s:%d: %s: curl %d (%s), HTTP %ld, body: %.2000s", file, line, what, (int)r->code,
             curl_easy_strerror(r->code), r->status, r->body ? r->body : "");
}

void
it_expect(const it_resp *r, long status)
{
    if (r->code != CURLE_OK || r->status != status) {
        char what[64];
        snprintf(what, sizeof(what), "expected HTTP %ld", status);
        it_fail(r, what);
    }
    const char *rid = it_header(r, "X-Request-Id");
    if (!rid || strlen(rid) != 16 || strspn(rid, "0123456789abcdef") != 16)
        it_fail(r, "no X-Request-Id of 16 hex digits");
}

void
it_expect_error(const it_resp *r, long status, const char *code, const char *field)
{
    it_expect(r, status);
    if (!json_is_object(r->json) || json_object_size(r->json) != 3)
        it_fail(r, "the error body is not {\"error\",\"message\",\"field\"}");
    json_t *e = json_object_get(r->json, "error"), *m = json_object_get(r->json, "message"),
           *f = json_object_get(r->json, "field");
    if (!json_is_string(e) || !json_is_string(m) || json_string_length(m) == 0 ||
        !(json_is_string(f) || json_is_null(f)))
        it_fail(r, "the error body's members have the wrong types");
    if (code && strcmp(json_string_value(e), code) != 0)
        it_fail(r, code);
    if (field && (!json_is_string(f) || strcmp(json_string_value(f), field) != 0))
        it_fail(r, field);
}

char *
it_esc(const char *s)
{
    char *e = curl_easy_escape(NULL, s, 0);
    assert_non_null(e);
    char *copy = strdup(e);
    curl_free(e);
    return copy;
}

/* ---- keys ------------------------------------------------------------------------------- */

void
it_remember_token(it_server *s, const char *token)
{
    assert_true(s->ntokens < IT_TOKENS);
    s->tokens[s->ntokens] = strdup(token);
    assert_non_null(s->tokens[s->ntokens]);
    s->ntokens++;
}

const char *
it_key(it_server *s, const char *role, const char *name, char id[17])
{
    static unsigned counter;
    char auto_name[32];
    if (!name) {
        snprintf(auto_name, sizeof(auto_name), "%s-%u", role, ++counter);
        name = auto_name;
    }
    it_resp *r = it_post_json(s, s->admin, "/v1/admin/keys",
                              json_pack("{s:s, s:s}", "name", name, "role", role));
    it_expect(r, 201);
    const char *tok = json_string_value(json_object_get(r->json, "token"));
    const char *kid = json_string_value(json_object_get(r->json, "id"));
    if (!tok || strlen(tok) != STEME_APIKEY_TOKEN_LEN || !kid || strlen(kid) != 16)
        it_fail(r, "POST /v1/admin/keys: no token or id");
    if (strcmp(json_string_value(json_object_get(r->json, "role")), role) != 0)
        it_fail(r, "POST /v1/admin/keys: another role");
    it_remember_token(s, tok);
    if (id)
        memcpy(id, kid, 17);
    it_resp_free(r);
    return s->tokens[s->ntokens - 1];
}

void
it_revoke(it_server *s, const char *id)
{
    char path[64];
    snprintf(path, sizeof(path), "/v1/admin/keys/%s", id);
    it_resp *r = it_delete(s, s->admin, path);
    it_expect(r, 200);
    it_resp_free(r);
}

/* ---- records ---------------------------------------------------------------------------- */

json_t *
it_signed_item(const steme_record *rec, const steme_keypair *kp, steme_id *ret_id)
{
    static _Thread_local uint8_t bytes[STEME_MAX_RECORD];
    size_t len;
    steme_id id;
    steme_sig sig;
    steme_errinfo ei = {0};
    steme_err err = steme_record_sign(rec, kp, bytes, sizeof(bytes), &len, &id, &sig, &ei);
    if (err != STEME_OK)
        fail_msg("steme_record_sign: %s (%s: %s)", steme_strerror(err), ei.field ? ei.field : "",
                 ei.rule ? ei.rule : "");
    /* The JSON form of the canonical record (sets sorted as the encoder sorted them). */
    steme_record canon;
    assert_int_equal(steme_record_decode(bytes, len, &canon, &ei), STEME_OK);
    json_t *j = steme__record_to_json(&canon);
    assert_non_null(j);
    char hex[2 * STEME_SIG_SIZE + 1];
    steme_hex(sig.b, STEME_SIG_SIZE, hex);
    if (ret_id)
        *ret_id = id;
    return json_pack("{s:o, s:s}", "record", j, "signature", hex);
}

int
it_setup(void **state)
{
    *state = calloc(1, sizeof(it_server));
    return *state ? 0 : -1;
}

int
it_teardown(void **state)
{
    it_cleanup(*state);
    free(*state);
    return 0;
}
