/* SPDX-License-Identifier: MIT */
/*
 * auth.c -- API keys on requests, and the bootstrap admin key (auth.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "auth.h"
#include "config.h"
#include "log.h"
#include "metrics.h"

/* The token of a request, or NULL. */
static const char *
token_of(const srv_req *r)
{
    const char *h = srv_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
    if (h) {
        if (strncasecmp(h, "Bearer ", 7) != 0)
            return "";
        h += 7;
        while (*h == ' ')
            h++;
        return h;
    }
    return srv_header(r, "X-API-Key");
}

static void
unauthorized(srv_req *r, const char *msg)
{
    srv_metrics_limited(r->s->metrics, "auth");
    srv_fail(r, 401, "unauthorized", "authorization", "%s", msg);
}

bool
srv_auth(srv_req *r)
{
    steme_apikey_role need = r->route->role;
    const char *tok = token_of(r);
    if (tok) {
        steme_apikey_info k;
        if (steme_db_apikey_check(r->s->db, tok, &k) != STEME_OK) {
            unauthorized(r, "the API key is not valid (unknown, revoked or malformed)");
            return false;
        }
        r->role = k.role;
        srv_copy(r->key_id, sizeof(r->key_id), k.id);
    } else {
        r->role = (steme_apikey_role)0;
    }
    if (need == 0 || r->role >= need)
        return true;
    if (!tok && need == STEME_APIKEY_ROLE_READER && r->s->cfg->open_read)
        return true;
    if (!tok) {
        unauthorized(r, "an API key is required (Authorization: Bearer TOKEN)");
        return false;
    }
    srv_metrics_limited(r->s->metrics, "auth");
    srv_fail(r, 403, "forbidden", "authorization", "this route needs the %s role; the key has %s",
             steme_apikey_role_name(need), steme_apikey_role_name(r->role));
    return false;
}

/* Read the token in path: its first line, without trailing space. */
static bool
read_token(const char *path, char *tok, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    bool ok = fgets(tok, (int)cap, f) != NULL;
    fclose(f);
    if (!ok)
        return false;
    size_t n = strlen(tok);
    while (n && (tok[n - 1] == '\n' || tok[n - 1] == '\r' || tok[n - 1] == ' '))
        tok[--n] = '\0';
    return true;
}

static void
audit_bootstrap(steme_db *db, const steme_apikey_info *k)
{
    char detail[160];
    snprintf(detail, sizeof(detail), "{\"id\":\"%s\",\"name\":\"%s\",\"role\":\"admin\"}", k->id,
             k->name);
    steme_db_admin_log_append(db, "bootstrap", "key.create", detail, NULL);
}

bool
srv_auth_bootstrap(steme_db *db, const char *key_file)
{
    /* Key names are unique among active keys: each bootstrap key is named by its time. */
    char name[STEME_APIKEY_NAME_MAX + 1];
    snprintf(name, sizeof(name), "bootstrap-%lld", (long long)time(NULL));
    char tok[STEME_APIKEY_TOKEN_LEN + 2];
    steme_apikey_info k;
    steme_err err;
    if (key_file) {
        struct stat st;
        if (stat(key_file, &st) == 0) {
            if (st.st_mode & 077) {
                srv_logf(SRV_ERROR, "auth.bootstrap",
                         "%s: readable by others (mode %o): chmod 600 it", key_file,
                         (unsigned)(st.st_mode & 0777));
                return false;
            }
            if (!read_token(key_file, tok, sizeof(tok))) {
                srv_logf(SRV_ERROR, "auth.bootstrap", "%s: cannot read: %s", key_file,
                         strerror(errno));
                return false;
            }
            err = steme_db_apikey_import(db, tok, name, STEME_APIKEY_ROLE_ADMIN, &k);
            explicit_bzero(tok, sizeof(tok));
            if (err != STEME_OK) {
                srv_logf(SRV_ERROR, "auth.bootstrap", "%s: not a StemeDB API key (%s)", key_file,
                         steme_strerror(err));
                return false;
            }
            srv_log(SRV_INFO, "auth.bootstrap",
                    json_pack("{s:s, s:s}", "key_id", k.id, "from", key_file));
            return true;
        }
        err = steme_db_apikey_create(db, name, STEME_APIKEY_ROLE_ADMIN, tok, &k);
        if (err != STEME_OK) {
            srv_logf(SRV_ERROR, "auth.bootstrap", "cannot create a key: %s", steme_strerror(err));
            return false;
        }
        int fd = open(key_file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        bool ok = fd >= 0 && write(fd, tok, strlen(tok)) == (ssize_t)strlen(tok) &&
                  write(fd, "\n", 1) == 1;
        if (fd >= 0 && close(fd) != 0)
            ok = false;
        explicit_bzero(tok, sizeof(tok));
        if (!ok) {
            srv_logf(SRV_ERROR, "auth.bootstrap", "%s: cannot write: %s", key_file,
                     strerror(errno));
            steme_db_apikey_revoke(db, k.id);
            return false;
        }
        audit_bootstrap(db, &k);
        srv_log(SRV_INFO, "auth.bootstrap",
                json_pack("{s:s, s:s}", "key_id", k.id, "written_to", key_file));
        return true;
    }
    size_t active = 0;
    if ((err = steme_db_apikey_count(db, 0, &active)) != STEME_OK) {
        srv_logf(SRV_ERROR, "auth.bootstrap", "cannot read the keys: %s", steme_strerror(err));
        return false;
    }
    if (active > 0)
        return true;
    err = steme_db_apikey_create(db, name, STEME_APIKEY_ROLE_ADMIN, tok, &k);
    if (err != STEME_OK) {
        srv_logf(SRV_ERROR, "auth.bootstrap", "cannot create a key: %s", steme_strerror(err));
        return false;
    }
    audit_bootstrap(db, &k);
    /* Printed once, on stdout, never in the log: it is the only copy. */
    printf("stemedb: bootstrap admin API key (shown once, store it now): %s\n", tok);
    fflush(stdout);
    explicit_bzero(tok, sizeof(tok));
    srv_log(SRV_INFO, "auth.bootstrap",
            json_pack("{s:s, s:s}", "key_id", k.id, "printed", "stdout"));
    return true;
}
