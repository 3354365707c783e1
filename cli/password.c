/*
 * password.c - reading a password without it ever being on the command
 * line: from standard input (--password-stdin) or from the terminal with
 * echo turned off.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli.h"

/* Reads one line from f into buf without its newline. */
static int read_line(FILE *f, char *buf, size_t cap)
{
    if (!fgets(buf, (int)cap, f))
        return -1;
    size_t n = strlen(buf);
    if (n && buf[n - 1] == '\n')
        buf[--n] = '\0';
    else if (n == cap - 1)
        return -2;
    if (n && buf[n - 1] == '\r')
        buf[--n] = '\0';
    return 0;
}

int cli_read_password(const char *prompt, bool from_stdin, char *buf, size_t cap)
{
    if (from_stdin) {
        int r = read_line(stdin, buf, cap);
        if (r < 0) {
            /* Which line is missing, by its prompt ("New password: "): 'user passwd' reads the
             * current one first, and one line read as if none had been given (a try-out). */
            size_t n = strcspn(prompt, ":");
            fprintf(stderr, "liaison: %c%.*s %s on standard input\n",
                    tolower((unsigned char)*prompt), (int)(n ? n - 1 : 0), prompt + 1,
                    r == -2 ? "too long" : "missing");
            return EXIT_USAGE;
        }
        return 0;
    }
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "liaison: no terminal to ask for the password; use --password-stdin\n");
        return EXIT_USAGE;
    }
    FILE *tty = fdopen(fd, "r+");
    if (!tty) {
        close(fd);
        return EXIT_ERROR;
    }
    struct termios old, quiet;
    int have_termios = tcgetattr(fd, &old) == 0;
    if (have_termios) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        quiet.c_lflag |= ECHONL;
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    fprintf(tty, "%s", prompt);
    fflush(tty);
    int r = read_line(tty, buf, cap);
    if (have_termios)
        tcsetattr(fd, TCSAFLUSH, &old);
    fclose(tty);
    if (r < 0) {
        fprintf(stderr, "liaison: %s\n", r == -2 ? "password too long" : "no password given");
        return EXIT_USAGE;
    }
    return 0;
}

int cli_read_new_password(const char *prompt, bool from_stdin, char *buf, size_t cap)
{
    int rc = cli_read_password(prompt, from_stdin, buf, cap);
    if (rc || from_stdin)
        return rc;
    char again[256];
    if ((rc = cli_read_password("Again, to be sure: ", false, again, sizeof again))) {
        OPENSSL_cleanse(buf, cap);
        return rc;
    }
    bool same = strcmp(buf, again) == 0;
    OPENSSL_cleanse(again, sizeof again);
    if (!same) {
        OPENSSL_cleanse(buf, cap);
        fprintf(stderr, "liaison: the two passwords differ: nothing was changed\n");
        return EXIT_USAGE;
    }
    return 0;
}
