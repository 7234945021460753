/* SPDX-License-Identifier: MIT */
/*
 * input.h -- a buffered reader for the files `steme import` reads: it counts the bytes and the
 * lines consumed (for resume offsets, progress and error messages), reads lines of a bounded
 * length, and can read a file twice even when it is a pipe, by copying what it reads to an
 * unlinked temporary file (the spool).
 */
#ifndef STEME_CLI_INPUT_H
#define STEME_CLI_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

/* The longest line cli_input_line() keeps; a longer one is consumed and flagged. */
#define CLI_INPUT_MAX_LINE (1024 * 1024)

typedef struct cli_input {
    FILE *f;
    bool close_f;
    FILE *spool; /* everything read so far, for a second pass over a pipe; or NULL */
    bool reading_spool;
    unsigned char *buf;
    size_t pos, len;
    uint64_t offset; /* bytes consumed */
    uint64_t lines;  /* newlines consumed: the current line is lines + 1 */
    int err;         /* errno of a failed read, 0 when none */
    struct stat st;  /* of the input as opened */
    bool regular;    /* a regular file: its size is known and it can be read again */
    /* The last line read by cli_input_line(), without its "\n" or "\r\n" (NUL-terminated). */
    char *line;
    size_t line_len, line_cap;
    bool too_long; /* the line was longer than CLI_INPUT_MAX_LINE and was not kept */
    bool newline;  /* the line ended with "\n" (false: the input ended inside it) */
} cli_input;

/*
 * Open path ("-" = stdin). With spool, input that is not a regular file is copied to a
 * temporary file as it is read, so that cli_input_seek() can go back. Returns 0 or an errno.
 */
int cli_input_open(cli_input *in, const char *path, bool spool);

/* Read an open stream that is not a file (a memory stream: fuzzing, tests); it is not closed
 * by cli_input_close(). Returns 0 or ENOMEM. */
int cli_input_open_stream(cli_input *in, FILE *f);

/* Close (and release the spool); accepts a zeroed cli_input. */
void cli_input_close(cli_input *in);

/* Refill and return the next byte; EOF at the end or on a read error (in->err). */
int cli_input_fill(cli_input *in);

/* The next byte, or EOF at the end of the input or on a read error (in->err says which). */
static inline int
cli_input_getc(cli_input *in)
{
    if (in->pos == in->len)
        return cli_input_fill(in);
    int ch = in->buf[in->pos++];
    in->offset++;
    if (ch == '\n')
        in->lines++;
    return ch;
}

/* The next byte without consuming it; EOF at the end or on an error. */
int cli_input_peek(cli_input *in);

/*
 * Read the next line into in->line. Returns 1 for a line (possibly empty), 0 at the end of
 * the input, -1 on a read error or when out of memory (in->err).
 */
int cli_input_line(cli_input *in);

/*
 * Go to byte offset, which is at the start of line lines + 1 (both as counted by an earlier
 * read of the same input). A spooled pipe continues from its copy. Returns 0 or an errno
 * (ESPIPE for a pipe read without a spool).
 */
int cli_input_seek(cli_input *in, uint64_t offset, uint64_t lines);

#endif
