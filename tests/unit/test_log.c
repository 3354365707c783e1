/*
 * test_log.c - one event, one line: a value holding a line break or another
 * control character (PostgreSQL's message with its DETAIL on a second line)
 * does not start a line of its own in the log; a quote inside a quoted
 * value is escaped, so that logfmt parsers read the value whole.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

int main(void)
{
    char path[] = "/tmp/liaison-test-log.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || dup2(fd, STDERR_FILENO) < 0) {
        perror("test_log");
        return 1;
    }
    log_event(LOG_ERROR, "database error", "rid=7 detail=\"%s\"",
              "ERROR:  value out of range\nDETAIL:  forged=1\r\x1b[31m");
    log_event(LOG_INFO, "next", NULL);
    log_event(LOG_ERROR, "start failed", "reason=\"%s\" peer=%s empty=\"\"",
              "metrics_listen: expected host:port, got \"nothost\" (a\\b)", "1.2.3.4:5");
    char buf[4096];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    unlink(path);
    if (n <= 0) {
        printf("not ok - nothing was logged\n");
        return 1;
    }
    buf[n] = '\0';
    int failures = 0, lines = 0;
    for (char *p = buf; *p; p++)
        lines += *p == '\n';
    if (lines != 3 || strncmp(strchr(buf, '\n') + 1, "ts=", 3)) {
        printf("not ok - two events, two lines, each a ts= line:\n%s", buf);
        failures++;
    } else {
        printf("ok - two events, two lines\n");
    }
    if (strchr(buf, '\r') || strchr(buf, '\x1b') || !strstr(buf, "range DETAIL:  forged=1")) {
        printf("not ok - control characters are spaces:\n%s", buf);
        failures++;
    } else {
        printf("ok - control characters are spaces, the text kept\n");
    }
    if (!strstr(buf, " reason=\"metrics_listen: expected host:port, got \\\"nothost\\\" "
                     "(a\\\\b)\" peer=1.2.3.4:5 empty=\"\"\n")) {
        printf("not ok - quotes and backslashes inside a value are escaped:\n%s", buf);
        failures++;
    } else {
        printf("ok - quotes and backslashes inside a value are escaped, the pairs kept\n");
    }
    return failures ? 1 : 0;
}
