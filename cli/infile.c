/*
 * infile.c - JSON a user hands in: a file, or standard input for "-".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* A report or a plan is kilobytes; a request, at most the server's frame. */
#define INFILE_MAX (16u << 20)

json_t *cli_json_input(const char *path, size_t flags, json_error_t *err)
{
    memset(err, 0, sizeof *err);
    err->line = -1;
    bool std = !strcmp(path, "-");
    FILE *f = std ? stdin : fopen(path, "rb");
    if (!f) {
        snprintf(err->text, sizeof err->text, "unable to open %s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(INFILE_MAX + 1);
    size_t len = buf ? fread(buf, 1, INFILE_MAX + 1, f) : 0;
    bool failed = buf && ferror(f);
    if (!std)
        fclose(f);
    if (!buf || failed || len > INFILE_MAX) {
        snprintf(err->text, sizeof err->text, "%s: %s", std ? "standard input" : path,
                 !buf     ? "out of memory"
                 : failed ? "read error"
                          : "larger than 16 MiB");
        free(buf);
        return NULL;
    }
    /*
     * A UTF-8 byte-order mark, as Notepad and Excel write one, is no JSON
     * and shows as nothing in jansson's "near ''".
     */
    size_t skip = len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3) ? 3 : 0;
    /* A key given twice would keep only its last value, without a word. */
    json_t *doc = json_loadb(buf + skip, len - skip, flags | JSON_REJECT_DUPLICATES, err);
    free(buf);
    return doc;
}
