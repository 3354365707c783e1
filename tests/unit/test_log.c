/*
 * test_log.c - no value can forge a key or a line: hostile text (a tenant's
 * name or an e-mail holding quotes, backslashes, line breaks, control
 * characters, '" level=error msg="', very long, not UTF-8) is written
 * escaped wherever a format puts it, bare or between its own quotes. Each
 * line is read back with a strict logfmt reader (JSON escapes, as logfmt
 * readers take them): the keys must be the format's, the values the text
 * given, UTF-8 (Vietnamese, Japanese) written as it is.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../check.h"
#include "log.h"

#define MAX_PAIRS 16

struct pair {
    char key[32];
    char value[LOG_LINE_MAX * 2];
    size_t value_len;
    int quoted;
};

static int failures;

static void expect(int ok, const char *what, const char *line)
{
    printf("%s - %s\n", ok ? "ok" : "not ok", what);
    if (!ok) {
        printf("# line: %s\n", line);
        failures++;
    }
}

/* Appends code point c to out as UTF-8. */
static size_t put_utf8(char *out, unsigned c)
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xc0 | c >> 6);
        out[1] = (char)(0x80 | (c & 0x3f));
        return 2;
    }
    out[0] = (char)(0xe0 | c >> 12);
    out[1] = (char)(0x80 | (c >> 6 & 0x3f));
    out[2] = (char)(0x80 | (c & 0x3f));
    return 3;
}

/*
 * A strict reader of one logfmt line (without its newline): key=value
 * pairs separated by one space, a key [a-z0-9_]+, a value bare (no space,
 * quote, '=' or control character) or quoted with JSON's escapes. Returns
 * the number of pairs, -1 when the line is not such a line.
 */
static int parse(const char *line, struct pair *pairs)
{
    const char *p = line;
    int n = 0;
    while (*p) {
        if (n == MAX_PAIRS)
            return -1;
        struct pair *pr = &pairs[n];
        size_t k = 0;
        while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_') {
            if (k + 1 >= sizeof pr->key)
                return -1;
            pr->key[k++] = *p++;
        }
        pr->key[k] = '\0';
        if (!k || *p++ != '=')
            return -1;
        size_t v = 0;
        pr->quoted = *p == '"';
        if (pr->quoted) {
            p++;
            for (;;) {
                unsigned char c = (unsigned char)*p;
                if (!c || c < 0x20 || c == 0x7f)
                    return -1;
                p++;
                if (c == '"')
                    break;
                if (c != '\\') {
                    pr->value[v++] = (char)c;
                    continue;
                }
                switch (*p++) {
                case '"':
                    pr->value[v++] = '"';
                    break;
                case '\\':
                    pr->value[v++] = '\\';
                    break;
                case 'n':
                    pr->value[v++] = '\n';
                    break;
                case 'r':
                    pr->value[v++] = '\r';
                    break;
                case 't':
                    pr->value[v++] = '\t';
                    break;
                case 'u': {
                    unsigned cp = 0;
                    for (int i = 0; i < 4; i++) {
                        char h = *p++;
                        int d = h >= '0' && h <= '9'   ? h - '0'
                                : h >= 'a' && h <= 'f' ? h - 'a' + 10
                                                       : -1;
                        if (d < 0)
                            return -1;
                        cp = cp << 4 | (unsigned)d;
                    }
                    v += put_utf8(pr->value + v, cp);
                    break;
                }
                default:
                    return -1;
                }
            }
        } else {
            while (*p && *p != ' ') {
                unsigned char c = (unsigned char)*p;
                if (c < 0x20 || c == 0x7f || c == '"' || c == '=')
                    return -1;
                pr->value[v++] = *p++;
            }
            if (!v)
                return -1;
        }
        pr->value[v] = '\0';
        pr->value_len = v;
        n++;
        if (*p == ' ' && p[1])
            p++;
        else if (*p)
            return -1;
    }
    return n;
}

static char line[LOG_LINE_MAX * 2];

/* Truncates the log, so that the next event is its only line. */
static void log_reset(void)
{
    CHECK(ftruncate(STDERR_FILENO, 0) == 0);
    CHECK(lseek(STDERR_FILENO, 0, SEEK_SET) == 0);
}

/* Reads the log back: the number of lines; the first, without its newline, in line. */
static int log_read(void)
{
    ssize_t n = pread(STDERR_FILENO, line, sizeof line - 1, 0);
    CHECK(n > 0);
    line[n] = '\0';
    int lines = 0;
    for (ssize_t i = 0; i < n; i++)
        lines += line[i] == '\n';
    CHECK(line[n - 1] == '\n');
    line[n - 1] = '\0';
    return lines;
}

/* The pairs read from the one line logged, after ts, level and msg; -1: not one logfmt line. */
static int read_event(struct pair *pairs, const char *msg)
{
    int lines = log_read();
    int n = parse(line, pairs);
    if (lines != 1 || n < 3 || strcmp(pairs[0].key, "ts") || strcmp(pairs[1].key, "level") ||
        strcmp(pairs[2].key, "msg") || strcmp(pairs[2].value, msg))
        return -1;
    return n;
}

static const char *hostile[] = {
    "acme\" level=error msg=\"forged",
    "ana@acme.example\nts=2026-01-01T00:00:00.000Z level=error msg=\"forged line\"",
    "back\\slash\\\" x=1",
    "ends in a backslash\\",
    "cr\rand\ttab",
    "\" level=error msg=\"",
    "a=b",
    "x\x01\x02\x1b[31mred\x7f\x1f",
    "Công ty Sao Khuê — Hà Nội",
    "東京パーツ株式会社",
    "line\xe2\x80\xa8separator and next\xc2\x85line",
    "",
    "plain",
};

int main(void)
{
    char path[] = "/tmp/liaison-test-log.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || dup2(fd, STDERR_FILENO) < 0) {
        perror("test_log");
        return 1;
    }
    unlink(path);
    static struct pair pairs[MAX_PAIRS];
    size_t nh = sizeof hostile / sizeof hostile[0];

    /* Every hostile text, bare and between the format's quotes, around honest pairs. */
    for (size_t i = 0; i < nh; i++) {
        char what[160];
        log_reset();
        log_event(LOG_WARN, "log-in failed", "tenant=%s email=%s peer=%s reason=\"%s\" failures=%d",
                  hostile[i], hostile[i], "127.0.0.1:5", hostile[i], 3);
        int n = read_event(pairs, "log-in failed");
        snprintf(what, sizeof what, "hostile value %zu: five pairs, keys as the format's", i);
        expect(n == 8 && !strcmp(pairs[3].key, "tenant") && !strcmp(pairs[4].key, "email") &&
                   !strcmp(pairs[5].key, "peer") && !strcmp(pairs[6].key, "reason") &&
                   !strcmp(pairs[7].key, "failures") && !strcmp(pairs[7].value, "3") &&
                   !strcmp(pairs[5].value, "127.0.0.1:5") && !pairs[5].quoted,
               what, line);
        if (n != 8)
            continue;
        snprintf(what, sizeof what, "hostile value %zu: read back as given, bare and quoted", i);
        int same = 1;
        for (int k = 3; k <= 6; k += k == 4 ? 2 : 1)
            same &= !strcmp(pairs[k].value, hostile[i]);
        /* The C1 control and U+2028 come back as themselves, escaped on the line. */
        expect(same, what, line);
        for (const char *c = line; *c; c++)
            if ((unsigned char)*c < 0x20 || *c == 0x7f) {
                snprintf(what, sizeof what, "hostile value %zu: no control character on the line",
                         i);
                expect(0, what, line);
                break;
            }
    }

    /* UTF-8 is written as it is, not escaped; a safe value stays bare. */
    log_reset();
    log_event(LOG_INFO, "tenant created", "slug=%s name=\"%s\" bare=%s", "sao-khue",
              "Công ty Sao Khuê", "東京パーツ株式会社");
    log_read();
    expect(strstr(line, " slug=sao-khue name=\"Công ty Sao Khuê\" bare=東京パーツ株式会社") != NULL,
           "UTF-8 kept intact, safe values bare", line);

    /* The escapes, byte for byte. */
    log_reset();
    log_event(LOG_INFO, "escapes", "v=%s",
              "q\" b\\ n\n r\r t\t e\x1b d\x7f c1\xc2\x85 ls\xe2\x80\xa8 bad\xff");
    log_read();
    expect(strstr(line, " v=\"q\\\" b\\\\ n\\n r\\r t\\t e\\u001b d\\u007f c1\\u0085 "
                        "ls\\u2028 bad\\ufffd\"") != NULL,
           "JSON's escapes; a byte that is not UTF-8 is U+FFFD", line);

    /* A conversion log.c does not write (%a) ends the line, a value the format opened closed. */
    log_reset();
    log_event(LOG_INFO, "unknown conversion", "reason=\"%a\" after=%d", 1.5, 2);
    int un = read_event(pairs, "unknown conversion");
    expect(un == 4 && !strcmp(pairs[3].key, "reason") && pairs[3].quoted &&
               !strcmp(pairs[3].value, "") && !strstr(line, "after="),
           "an unknown conversion ends the line with its value's quote closed", line);

    /* A hostile msg is escaped too. */
    log_reset();
    log_event(LOG_INFO, "m\" forged=1\nts=0", "k=%d", 1);
    log_read();
    expect(parse(line, pairs) == 4 && !strcmp(pairs[2].value, "m\" forged=1\nts=0") &&
               !strcmp(pairs[3].key, "k"),
           "msg escaped", line);

    /* Numbers, as printf writes them. */
    log_reset();
    log_event(LOG_INFO, "numbers",
              "a=%d b=%llu c=%zu d=%" PRId64 " e=%lu f=%" PRIu64 " g=\"%d\" %%", -5,
              18446744073709551615ULL, (size_t)42, (int64_t)-9000000000, 7UL, (uint64_t)1, 0);
    log_read();
    expect(strstr(line, " a=-5 b=18446744073709551615 c=42 d=-9000000000 e=7 f=1 g=\"0\" %") !=
               NULL,
           "numbers written as printf's", line);

    /* %.Ns never cuts a character in half. */
    log_reset();
    log_event(LOG_INFO, "cut", "a=\"%.2s\" b=%.4s c=%.3s", "Hà Nội", "Hà Nội", "東京");
    log_read();
    expect(strstr(line, " a=\"H\" b=\"Hà \" c=東\n") != NULL ||
               strstr(line, " a=\"H\" b=\"Hà \" c=東") != NULL,
           "a precision cuts at a character", line);

    /* Very long values: one line, at most LOG_LINE_MAX bytes, the value closed. */
    static char big[3 * 5000 + 1];
    for (int i = 0; i < 5000; i++)
        memcpy(big + 3 * i, "ệ", 3);
    big[sizeof big - 1] = '\0';
    const char *fmts[] = {"tenant=%s peer=%s", "reason=\"%s\" peer=%s"};
    for (int f = 0; f < 2; f++) {
        log_reset();
        if (f == 0)
            log_event(LOG_INFO, "long", "tenant=%s peer=%s", big, "1.2.3.4:5");
        else
            log_event(LOG_INFO, "long", "reason=\"%s\" peer=%s", big, "1.2.3.4:5");
        int lines = log_read();
        int n = parse(line, pairs);
        size_t vl = n >= 4 ? pairs[3].value_len : 0;
        expect(lines == 1 && strlen(line) + 1 <= LOG_LINE_MAX && n == 4 && vl > 3000 &&
                   !strcmp(pairs[3].value + vl - 3, "...") &&
                   !strncmp(pairs[3].value, big, vl - 3) && (vl - 3) % 3 == 0,
               fmts[f], line);
    }
    /* A line full of long values: honest pairs before stay whole, the line parses. */
    log_reset();
    log_event(LOG_INFO, "long", "a=%s b=\"%s\" c=%s", big + 12000, big + 12000, big + 12000);
    log_read();
    expect(parse(line, pairs) >= 4 && strlen(line) + 1 <= LOG_LINE_MAX,
           "long values: one valid line", line);
    for (size_t room = 0; room < 40; room++) {
        /* A format text that no longer fits ends the line between pairs, quotes closed. */
        static char filler[LOG_LINE_MAX];
        size_t fl = LOG_LINE_MAX - 60 - room;
        memset(filler, 'x', fl);
        filler[fl] = '\0';
        log_reset();
        log_event(LOG_INFO, "edge", "f=\"%s\" reason=\"%s\" tail=%s", filler, "a\"b", "z z");
        log_read();
        if (parse(line, pairs) < 4 || strlen(line) + 1 > LOG_LINE_MAX) {
            expect(0, "a line cut near its end still parses", line);
            break;
        }
    }

    /* A message as long as the line: the pairs are left out, the line still reads. */
    for (size_t fl = LOG_LINE_MAX - 120; fl < LOG_LINE_MAX; fl += 7) {
        static char long_msg[LOG_LINE_MAX + 1];
        memset(long_msg, 'm', fl);
        long_msg[fl] = '\0';
        log_reset();
        log_event(LOG_INFO, long_msg, "k=%s", "v");
        log_read();
        if (parse(line, pairs) < 3 || strlen(line) + 1 > LOG_LINE_MAX) {
            expect(0, "a message as long as the line still parses", line);
            break;
        }
    }

    /* PostgreSQL's message with its DETAIL on a second line: one line, the text kept. */
    log_reset();
    log_event(LOG_ERROR, "database error", "rid=7 detail=\"%s\"",
              "ERROR:  value out of range\nDETAIL:  forged=1\r\x1b[31m");
    log_event(LOG_INFO, "next", NULL);
    expect(log_read() == 2 && strstr(line, " detail=\"ERROR:  value out of range\\nDETAIL:  "
                                           "forged=1\\r\\u001b[31m\"\nts=") != NULL,
           "two events, two lines, the DETAIL escaped", line);

    /* A detail cut to its first 300 bytes says it was cut, as request_fail_db() writes it. */
    {
        static char detail[400];
        memset(detail, 'd', sizeof detail - 1);
        log_reset();
        log_event(LOG_ERROR, "database error", "req=%s detail=\"%.300s%s\"", "ab12cd34-1-1f",
                  detail, strlen(detail) > 300 ? "..." : "");
        log_read();
        char *v = strstr(line, " detail=\"");
        expect(v && strlen(v) == strlen(" detail=\"") + 300 + 3 + 1 &&
                   !strcmp(v + strlen(v) - 4, "...\""),
               "a detail cut short ends with ...", line);
    }

    /* A quoted name inside a message from elsewhere, as before. */
    log_reset();
    log_event(LOG_ERROR, "start failed", "reason=\"%s\" peer=%s empty=\"\"",
              "metrics_listen: expected host:port, got \"nothost\" (a\\b)", "1.2.3.4:5");
    log_read();
    expect(strstr(line, " reason=\"metrics_listen: expected host:port, got \\\"nothost\\\" "
                        "(a\\\\b)\" peer=1.2.3.4:5 empty=\"\"") != NULL,
           "quotes and backslashes inside a value are escaped, the pairs kept", line);
    return failures ? 1 : 0;
}
