/* SPDX-License-Identifier: MIT */
/*
 * err.c -- text for steme_err codes.
 */
#include <string.h>

#include "steme.h"

static _Thread_local char sysbuf[128];

const char *
steme_strerror(int err)
{
    if (steme_err_is_sys(err)) {
        int e = err & ~STEME_ESYSERR;
        /* GNU strerror_r may return a static string instead of filling the buffer. */
        const char *s = strerror_r(e, sysbuf, sizeof(sysbuf));
        return s ? s : "system error";
    }
    switch ((steme_err)err) {
    case STEME_OK:
        return "success";
    case STEME_EINVAL:
        return "invalid argument or record";
    case STEME_ENOMEM:
        return "out of memory";
    case STEME_ENOTFOUND:
        return "not found";
    case STEME_ESIG:
        return "signature does not verify";
    case STEME_ECORRUPT:
        return "stored data failed an integrity check";
    case STEME_EVERSION:
        return "store format is newer than this build of StemeDB";
    case STEME_EPERM:
        return "unsafe file permissions";
    case STEME_EEXIST:
        return "already exists";
    case STEME_ELIMIT:
        return "size or count limit exceeded";
    case STEME_EBUSY:
        return "resource busy";
    case STEME_EDENIED:
        return "access denied";
    case STEME_EUPGRADE:
        return "store written by an earlier build: open it writable once to upgrade it";
    case STEME_ESYSERR:
        break;
    }
    return "unknown error";
}
