/* SPDX-License-Identifier: MIT */
/*
 * input.c -- the buffered, counting reader of `steme import` (see input.h).
 *
 * Bytes are read in blocks of BLOCK; a pipe being spooled has each block appended to the
 * spool as it is read, so the spool holds exactly the bytes consumed and offsets mean the same
 * in both. Memory is one block and one line of at most CLI_INPUT_MAX_LINE bytes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input.h"

#define BLOCK (64 * 1024)

int
cli_input_open(cli_input *in, const char *path, bool spool)
{
    memset(in, 0, sizeof(*in));
    if (strcmp(path, "-") == 0) {
        in->f = stdin;
    } else {
        in->f = fopen(path, "rb");
        if (in->f == NULL)
            return errno;
        in->close_f = true;
    }
    int e = 0;
    if (fstat(fileno(in->f), &in->st) != 0) {
        e = errno;
        goto out_close;
    }
    in->regular = S_ISREG(in->st.st_mode);
    if (!in->regular && S_ISDIR(in->st.st_mode)) {
        e = EISDIR;
        goto out_close;
    }
    in->buf = malloc(BLOCK);
    if (in->buf == NULL) {
        e = ENOMEM;
        goto out_close;
    }
    if (spool && !in->regular) {
        in->spool = tmpfile();
        if (in->spool == NULL) {
            e = errno;
            goto out_close;
        }
    }
    return 0;
out_close:
    cli_input_close(in);
    return e;
}

int
cli_input_open_stream(cli_input *in, FILE *f)
{
    memset(in, 0, sizeof(*in));
    in->f = f;
    in->buf = malloc(BLOCK);
    return in->buf != NULL ? 0 : ENOMEM;
}

void
cli_input_close(cli_input *in)
{
    if (in->spool != NULL && in->spool != in->f)
        fclose(in->spool);
    if (in->f != NULL && (in->close_f || in->f == in->spool))
        fclose(in->f);
    free(in->buf);
    free(in->line);
    memset(in, 0, sizeof(*in));
}

int
cli_input_fill(cli_input *in)
{
    if (in->f == NULL)
        return EOF;
    size_t n = fread(in->buf, 1, BLOCK, in->f);
    if (n == 0) {
        if (ferror(in->f))
            in->err = errno != 0 ? errno : EIO;
        return EOF;
    }
    if (in->spool != NULL && !in->reading_spool && fwrite(in->buf, 1, n, in->spool) != n) {
        in->err = errno != 0 ? errno : EIO;
        return EOF;
    }
    in->pos = 0;
    in->len = n;
    return cli_input_getc(in);
}

int
cli_input_peek(cli_input *in)
{
    if (in->pos == in->len) {
        int ch = cli_input_fill(in);
        if (ch == EOF)
            return EOF;
        /* Put it back: fill consumed it. */
        in->pos--;
        in->offset--;
        if (ch == '\n')
            in->lines--;
        return ch;
    }
    return in->buf[in->pos];
}

static bool
line_put(cli_input *in, const unsigned char *p, size_t n)
{
    if (in->too_long || in->line_len + n > CLI_INPUT_MAX_LINE) {
        in->too_long = true;
        return true;
    }
    if (in->line_len + n + 1 > in->line_cap) {
        size_t cap = in->line_cap ? in->line_cap : 4096;
        while (cap < in->line_len + n + 1)
            cap *= 2;
        if (cap > CLI_INPUT_MAX_LINE + 1)
            cap = CLI_INPUT_MAX_LINE + 1;
        char *grown = realloc(in->line, cap);
        if (grown == NULL)
            return false;
        in->line = grown;
        in->line_cap = cap;
    }
    memcpy(in->line + in->line_len, p, n);
    in->line_len += n;
    return true;
}

int
cli_input_line(cli_input *in)
{
    in->line_len = 0;
    in->too_long = false;
    in->newline = false;
    bool any = false;
    for (;;) {
        if (in->pos == in->len) {
            int ch = cli_input_fill(in);
            if (ch == EOF) {
                if (in->err != 0)
                    return -1;
                break;
            }
            in->pos--;
            in->offset--;
            if (ch == '\n')
                in->lines--;
        }
        any = true;
        const unsigned char *start = in->buf + in->pos;
        size_t avail = in->len - in->pos;
        const unsigned char *nl = memchr(start, '\n', avail);
        size_t take = nl != NULL ? (size_t)(nl - start) : avail;
        if (!line_put(in, start, take)) {
            in->err = ENOMEM;
            return -1;
        }
        in->pos += take;
        in->offset += take;
        if (nl != NULL) {
            in->pos++;
            in->offset++;
            in->lines++;
            in->newline = true;
            break;
        }
    }
    if (!any)
        return 0;
    if (in->line == NULL && !line_put(in, (const unsigned char *)"", 0)) {
        in->err = ENOMEM;
        return -1;
    }
    if (!in->too_long && in->line_len > 0 && in->line[in->line_len - 1] == '\r')
        in->line_len--;
    if (in->line != NULL)
        in->line[in->too_long ? 0 : in->line_len] = '\0';
    if (in->too_long)
        in->line_len = 0;
    return 1;
}

int
cli_input_seek(cli_input *in, uint64_t offset, uint64_t lines)
{
    if (in->spool != NULL && !in->reading_spool) {
        /* Drain what is left of the pipe into the spool? No: the caller only goes back over
         * bytes already read, and the spool has all of them. */
        if (fflush(in->spool) != 0)
            return errno != 0 ? errno : EIO;
        if (in->close_f)
            fclose(in->f);
        in->f = in->spool;
        in->close_f = false;
        in->reading_spool = true;
    } else if (!in->regular && !in->reading_spool) {
        return ESPIPE;
    }
    if (fseeko(in->f, (off_t)offset, SEEK_SET) != 0)
        return errno;
    clearerr(in->f);
    in->pos = in->len = 0;
    in->offset = offset;
    in->lines = lines;
    in->err = 0;
    return 0;
}
