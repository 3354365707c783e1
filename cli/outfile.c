/*
 * outfile.c - where a downloaded stream goes: a file written beside its
 * target and renamed over it once complete, so that a failed download
 * keeps the old file, or standard output.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

const char *cli_outfile_path(const char *output)
{
    return output && strcmp(output, "-") ? output : NULL;
}

int cli_outfile_open(struct cli_outfile *o, const char *path)
{
    o->path = path;
    o->partial = NULL;
    o->out = stdout;
    if (!path)
        return 0;
    const char *base = strrchr(path, '/');
    int dirlen = base ? (int)(base - path + 1) : 0;
    if (asprintf(&o->partial, "%.*s.%s.XXXXXX", dirlen, path, base ? base + 1 : path) < 0) {
        o->partial = NULL;
        fprintf(stderr, "liaison: out of memory\n");
        return -1;
    }
    int fd = mkstemp(o->partial);
    o->out = fd < 0 ? NULL : fdopen(fd, "wb");
    if (!o->out) {
        fprintf(stderr, "liaison: %s: %s\n", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(o->partial);
        }
        free(o->partial);
        o->partial = NULL;
        return -1;
    }
    return 0;
}

int cli_outfile_close(struct cli_outfile *o, int rc)
{
    if (!o->path) {
        if (fflush(stdout) != 0 && rc == EXIT_OK) {
            fprintf(stderr, "liaison: standard output: %s\n", strerror(errno));
            rc = EXIT_ERROR;
        }
        return rc;
    }
    if (fclose(o->out) != 0 && rc == EXIT_OK) {
        fprintf(stderr, "liaison: %s: %s\n", o->path, strerror(errno));
        rc = EXIT_ERROR;
    }
    if (rc == EXIT_OK && rename(o->partial, o->path) != 0) {
        fprintf(stderr, "liaison: %s: %s\n", o->path, strerror(errno));
        rc = EXIT_ERROR;
    }
    if (rc != EXIT_OK)
        unlink(o->partial);
    free(o->partial);
    o->partial = NULL;
    o->out = NULL;
    return rc;
}
