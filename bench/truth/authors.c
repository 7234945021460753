/* SPDX-License-Identifier: MIT */
/*
 * authors.c -- canonical author lists for bench/truth (authors.h).
 *
 * The papers compare author lists after normalising "order, first/last, middle names"
 * (README of the data set). Splitting names apart is ambiguous in this data ("Knuth, Donald
 * E." uses the comma between last and first name, "Knuth, D.; Graham, R." between names too),
 * so the canonical form is the *set of name words*: every separator (";", ",", "&", "and")
 * and the first/last order then stop mattering at once. Middle initials (one-letter words),
 * punctuation, apostrophes (O'Leary = OLeary), parenthetical remarks and the role words
 * bookstores append ("by", "edited", "(Author)", "et al.") are dropped; HTML entities are
 * decoded to their base letter (&eacute; -> e). Nothing here was tuned on the gold file: the
 * stop words are the bibliographic role words of the raw strings.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "authors.h"

#define MAX_WORDS 256
#define MAX_WORD  64

static const char *const stop_words[] = {
    "al",     "and",     "author", "authors",  "by", "dr",  "ed",         "eds",     "edited",
    "editor", "editors", "et",     "foreword", "jr", "phd", "translator", "unknown", "with",
};

static bool
stop_word(const char *w)
{
    for (size_t i = 0; i < sizeof stop_words / sizeof *stop_words; i++)
        if (strcmp(w, stop_words[i]) == 0)
            return true;
    return false;
}

/* An accented-letter entity (&eacute;, &ouml;, ...) gives its base letter; any other entity
 * (&amp;, &reg;, &#153;) is a separator. Returns the bytes consumed after '&', 0 when this is
 * not an entity. */
static size_t
entity(const char *s, size_t len, char *letter)
{
    static const char *const accents[] = {"acute", "grave", "uml",  "circ",
                                          "tilde", "cedil", "ring", "slash"};
    size_t i = 0;
    while (i < len && i < 10 && (isalnum((unsigned char)s[i]) || s[i] == '#'))
        i++;
    if (i == 0 || i >= len || s[i] != ';')
        return 0;
    *letter = ' ';
    for (size_t a = 0; a < sizeof accents / sizeof *accents; a++)
        if (i == 1 + strlen(accents[a]) && memcmp(s + 1, accents[a], i - 1) == 0 &&
            isalpha((unsigned char)s[0]))
            *letter = (char)tolower((unsigned char)s[0]);
    return i + 1;
}

static int
by_word(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

size_t
authors_norm(const char *raw, size_t len, char *out)
{
    char words[MAX_WORDS][MAX_WORD];
    const char *list[MAX_WORDS];
    size_t n = 0, wl = 0;
    int depth = 0; /* inside parentheses */
    for (size_t i = 0; i <= len; i++) {
        char ch = i < len ? raw[i] : ' ';
        if (ch == '&' && i + 1 < len) {
            char letter;
            size_t used = entity(raw + i + 1, len - i - 1, &letter);
            if (used > 0) {
                i += used;
                ch = letter;
            }
        }
        if (ch == '\'')
            continue; /* O'Leary is one word */
        if (ch == '(' || ch == ')') {
            depth += ch == '(' ? 1 : depth > 0 ? -1 : 0;
            ch = ' ';
        }
        if (isalnum((unsigned char)ch) && depth == 0) {
            if (wl + 1 < MAX_WORD && n < MAX_WORDS)
                words[n][wl++] = (char)tolower((unsigned char)ch);
            continue;
        }
        if (wl == 0 || n >= MAX_WORDS)
            continue;
        words[n][wl] = '\0';
        wl = 0;
        /* One letter is an initial: "Donald E. Knuth" and "Donald Knuth" are one name. */
        if (strlen(words[n]) > 1 && !stop_word(words[n]))
            n++;
    }
    for (size_t i = 0; i < n; i++)
        list[i] = words[i];
    qsort(list, n, sizeof *list, by_word);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(list[i], list[i - 1]) == 0)
            continue; /* a set: a name listed twice is one name */
        size_t l = strlen(list[i]);
        if (o + (o > 0) + l + 1 > AUTHORS_MAX)
            break;
        if (o > 0)
            out[o++] = ' ';
        memcpy(out + o, list[i], l);
        o += l;
    }
    out[o] = '\0';
    return o;
}

/* Words of a canonical list are sorted and unique, so a merge counts the shared ones. */
double
authors_imp(const char *from, const char *to)
{
    size_t total = 0, shared = 0;
    const char *a = from, *b = to;
    while (*a) {
        size_t la = strcspn(a, " ");
        total++;
        while (*b) {
            size_t lb = strcspn(b, " ");
            size_t m = la < lb ? la : lb;
            int c = memcmp(a, b, m);
            if (c == 0)
                c = la < lb ? -1 : la > lb ? 1 : 0;
            if (c > 0) {
                b += lb + (b[lb] == ' ');
                continue;
            }
            if (c == 0) {
                shared++;
                b += lb + (b[lb] == ' ');
            }
            break;
        }
        a += la + (a[la] == ' ');
    }
    return total ? (double)shared / (double)total - 0.5 : 0;
}
