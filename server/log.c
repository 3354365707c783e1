/*
 * log.c - logfmt lines. Values that may carry user text are quoted by the
 * caller with %s only where the text was validated first.
 */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static atomic_int log_min = LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_set_level(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(name, level_names[i]) == 0)
            atomic_store(&log_min, i);
}

static size_t log_prefix(char *buf, size_t cap, enum log_level level, const char *msg)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(buf, cap, "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s msg=\"%s\"",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     ts.tv_nsec / 1000000, level_names[level], msg);
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

static void log_write(char *buf, size_t len, size_t cap)
{
    if (len >= cap - 1)
        len = cap - 2;
    buf[len++] = '\n';
    /* A short or failed write of a log line has nowhere better to go. */
    ssize_t w = write(STDERR_FILENO, buf, len);
    (void)w;
}

/* Whether s starts " key=" (or is the end): what follows a quoted value's closing quote. */
static bool log_value_ends(const char *s, const char *end)
{
    if (s == end)
        return true;
    if (*s != ' ')
        return false;
    const char *k = s + 1;
    while (k < end && ((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') || *k == '_'))
        k++;
    return k > s + 1 && k < end && *k == '=';
}

/*
 * Copies the caller's pairs from in to out (cap bytes) as valid logfmt:
 * inside a quoted value, a quote that does not end it (one not followed by
 * " key=" or the end of the line) and a backslash are escaped. Messages
 * from elsewhere quote names of their own (PostgreSQL's 'database "x" does
 * not exist', a setting's 'got "nothost"'), and a log parser would end the
 * value there and read the rest as keys. Returns the length written.
 */
static size_t log_escape_values(const char *in, size_t n, char *out, size_t cap)
{
    const char *end = in + n;
    size_t o = 0;
    bool quoted = false;
    for (const char *p = in; p < end && o + 2 < cap; p++) {
        if (!quoted) {
            quoted = *p == '"' && p > in && p[-1] == '=';
        } else if (*p == '"' && log_value_ends(p + 1, end)) {
            quoted = false;
        } else if (*p == '"' || *p == '\\') {
            out[o++] = '\\';
        }
        out[o++] = *p;
    }
    return o;
}

void log_event(enum log_level level, const char *msg, const char *fmt, ...)
{
    if ((int)level < atomic_load(&log_min))
        return;
    char buf[2048];
    size_t n = log_prefix(buf, sizeof buf, level, msg);
    if (fmt && *fmt && n < sizeof buf - 2) {
        buf[n++] = ' ';
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(buf + n, sizeof buf - n, fmt, ap);
        va_end(ap);
        if (k > 0) {
            size_t start = n;
            n += (size_t)k < sizeof buf - n ? (size_t)k : sizeof buf - n - 1;
            /*
             * One event, one line: a value from elsewhere (PostgreSQL's
             * message with its DETAIL on a second line) may hold a line
             * break or another control character.
             */
            for (size_t i = start; i < n; i++)
                if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
                    buf[i] = ' ';
            char pairs[sizeof buf];
            size_t m = log_escape_values(buf + start, n - start, pairs, sizeof buf - start);
            memcpy(buf + start, pairs, m);
            n = start + m;
        }
    }
    log_write(buf, n, sizeof buf);
}

void log_limit_flush(struct log_limit *l, const char *msg, const char *peer)
{
    if (l->suppressed && peer)
        log_event(LOG_WARN, msg, "peer=%s count=%lu", peer, l->suppressed);
    else if (l->suppressed)
        log_event(LOG_WARN, msg, "count=%lu", l->suppressed);
    l->suppressed = 0;
}

bool log_limit_admit(struct log_limit *l, uint64_t now_ms, unsigned per_s, const char *msg,
                     const char *peer)
{
    if (now_ms - l->window_ms >= 1000) {
        log_limit_flush(l, msg, peer);
        l->window_ms = now_ms;
        l->lines = 0;
    }
    if (l->lines < per_s) {
        l->lines++;
        return true;
    }
    l->suppressed++;
    return false;
}

void log_request(uint64_t request_id, const char *rid, const char *tenant, const char *method,
                 const char *status, uint64_t duration_us, int db_batch, const char *peer)
{
    log_event(LOG_INFO, "request",
              "req=%s rid=%llu tenant=%s method=%s status=%s dur_us=%llu db_batch=%d peer=%s", rid,
              (unsigned long long)request_id, tenant && *tenant ? tenant : "-", method, status,
              (unsigned long long)duration_us, db_batch, peer);
}
