/*
 * outfile.c - where a downloaded stream goes: a file written beside its
 * target and renamed over it once complete, so that a failed download
 * keeps the old file, or standard output.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

const char *cli_outfile_path(const char *output)
{
    return output && strcmp(output, "-") ? output : NULL;
}

/*
 * What to rename the finished file over: the file a symbolic link names
 * (there or not yet), so that the link stays a link, or path itself; *mode
 * is the permission bits of the file it replaces (set-id bits left out: a
 * download is no program), 0 when there is none. NULL, with errno, when
 * path names something that is not a file to replace (a device, a pipe, a
 * socket: written into in place; errno 0) or a directory (errno EISDIR).
 */
static char *replace_target(const char *path, mode_t *mode)
{
    struct stat st;
    *mode = 0;
    char *target = strdup(path);
    /* A chain of links is followed as the kernel follows one: at most 40. */
    for (int hops = 0; target && hops < 40 && lstat(target, &st) == 0 && S_ISLNK(st.st_mode);
         hops++) {
        char *to = malloc((size_t)st.st_size + 1);
        ssize_t n = to ? readlink(target, to, (size_t)st.st_size + 1) : -1;
        if (n < 0 || n > st.st_size) {
            int e = n < 0 ? errno : ENAMETOOLONG; /* the link changed under us */
            free(to);
            free(target);
            errno = e;
            return NULL;
        }
        to[n] = '\0';
        /* A relative link names a file beside the link, not beside the caller. */
        const char *slash = strrchr(target, '/');
        char *next = to;
        if (to[0] != '/' && slash &&
            asprintf(&next, "%.*s%s", (int)(slash - target + 1), target, to) < 0)
            next = NULL;
        if (next != to)
            free(to);
        free(target);
        target = next;
    }
    if (!target)
        return NULL;
    if (stat(target, &st) != 0) {
        int e = errno;
        if (e == ENOENT)
            return target;
        free(target);
        errno = e;
        return NULL;
    }
    if (S_ISDIR(st.st_mode) || !S_ISREG(st.st_mode)) {
        free(target);
        errno = S_ISDIR(st.st_mode) ? EISDIR : 0;
        return NULL;
    }
    *mode = st.st_mode & 0777;
    return target;
}

int cli_outfile_open(struct cli_outfile *o, const char *path, bool owner_only)
{
    o->path = path;
    o->partial = NULL;
    o->target = NULL;
    o->out = stdout;
    if (!path)
        return 0;
    if (!*path) {
        /* fopen's word for it, "liaison: : No such file or directory", named nothing. */
        fputs("liaison: invalid --output: an empty file name (leave it out, or give -, for "
              "standard output)\n",
              stderr);
        return -2;
    }
    mode_t mode;
    char *target = replace_target(path, &mode);
    if (!target && errno == 0) {
        /*
         * /dev/null, a terminal or a named pipe: renamed over, as root, a
         * partial file would take the device's place for every program.
         */
        o->out = fopen(path, "wb");
        if (!o->out) {
            fprintf(stderr, "liaison: %s: %s\n", path, strerror(errno));
            return -1;
        }
        return 0;
    }
    if (!target) {
        fprintf(stderr, "liaison: %s: %s\n", path, strerror(errno));
        return -1;
    }
    const char *base = strrchr(target, '/');
    int dirlen = base ? (int)(base - target + 1) : 0;
    if (asprintf(&o->partial, "%.*s.%s.XXXXXX", dirlen, target, base ? base + 1 : target) < 0) {
        o->partial = NULL;
        free(target);
        fprintf(stderr, "liaison: out of memory\n");
        return -1;
    }
    o->target = target;
    /* mkstemp makes it 0600; a file replaced keeps the permissions its owner gave it. */
    int fd = mkstemp(o->partial);
    if (fd >= 0 && mode && !owner_only && fchmod(fd, mode) != 0) {
        int e = errno;
        close(fd);
        unlink(o->partial);
        errno = e;
        fd = -1;
    }
    o->out = fd < 0 ? NULL : fdopen(fd, "wb");
    if (!o->out) {
        fprintf(stderr, "liaison: %s: %s\n", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(o->partial);
        }
        free(o->partial);
        o->partial = NULL;
        free(o->target);
        o->target = NULL;
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
    /* On disk before it replaces the old file: a crash leaves one or the other whole. */
    if (o->partial && rc == EXIT_OK && (fflush(o->out) != 0 || fsync(fileno(o->out)) != 0)) {
        fprintf(stderr, "liaison: %s: %s\n", o->path, strerror(errno));
        rc = EXIT_ERROR;
    }
    if (fclose(o->out) != 0 && rc == EXIT_OK) {
        fprintf(stderr, "liaison: %s: %s\n", o->path, strerror(errno));
        rc = EXIT_ERROR;
    }
    o->out = NULL;
    if (!o->partial)
        return rc;
    if (rc == EXIT_OK && rename(o->partial, o->target) != 0) {
        fprintf(stderr, "liaison: %s: %s\n", o->path, strerror(errno));
        rc = EXIT_ERROR;
    }
    if (rc != EXIT_OK)
        unlink(o->partial);
    free(o->partial);
    free(o->target);
    o->partial = o->target = NULL;
    return rc;
}
