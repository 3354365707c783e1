/*
 * log.c - logfmt lines. Every value a format string's conversion brings in
 * is escaped here, where it is written (log.h says how), so that no text a
 * client, a tenant or PostgreSQL chose can end a value early, add a key or
 * start a line of its own.
 */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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

bool log_enabled(enum log_level level)
{
    return (int)level >= atomic_load(&log_min);
}

/*
 * A line being built. cap leaves room for the newline; once full, nothing
 * more is added, so a line cut short ends at a character, with "..." and
 * its closing quote when a value was cut, or between two pairs.
 */
struct log_line {
    char buf[LOG_LINE_MAX];
    size_t len, cap;
    bool full;
};

/*
 * Appends n bytes of the format's own text, whole or not at all, and only
 * when reserve bytes are left after it (for a value it opens a quote for).
 */
static void log_put(struct log_line *l, const char *s, size_t n, size_t reserve)
{
    if (l->full)
        return;
    if (n + reserve > l->cap - l->len) {
        l->full = true;
        return;
    }
    memcpy(l->buf + l->len, s, n);
    l->len += n;
}

/*
 * The length of the well-formed UTF-8 sequence at p (at most n bytes), its
 * code point in *cp; 0 when there is none (a stray or missing continuation
 * byte, an overlong form, a surrogate, past U+10FFFF, or cut by n).
 */
static size_t log_utf8(const unsigned char *p, size_t n, uint32_t *cp)
{
    size_t len;
    uint32_t c, min;
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    } else if (p[0] >= 0xc2 && p[0] <= 0xdf) {
        len = 2, c = p[0] & 0x1f, min = 0x80;
    } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
        len = 3, c = p[0] & 0x0f, min = 0x800;
    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        len = 4, c = p[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        c = c << 6 | (p[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return len;
}

/*
 * How the character at p (at most n bytes) is written inside a quoted
 * value: into out (at least 7 bytes), its length returned; *used says how
 * many input bytes it took. JSON's escapes, as logfmt writers and readers
 * use them: \" \\ \n \r \t, \u00XX for the other C0 and C1 controls and
 * DEL, \u2028 and \u2029 (line breaks to some readers), \ufffd for a byte
 * that is not UTF-8. Everything else, Vietnamese or Japanese text as much
 * as ASCII, is copied as it is.
 */
static size_t log_escape_char(const char *p, size_t n, char *out, size_t *used)
{
    static const char hex[] = "0123456789abcdef";
    uint32_t c;
    size_t len = log_utf8((const unsigned char *)p, n, &c);
    *used = len ? len : 1;
    if (!len) {
        memcpy(out, "\\ufffd", 6);
        return 6;
    }
    switch (c) {
    case '"':
        memcpy(out, "\\\"", 2);
        return 2;
    case '\\':
        memcpy(out, "\\\\", 2);
        return 2;
    case '\n':
        memcpy(out, "\\n", 2);
        return 2;
    case '\r':
        memcpy(out, "\\r", 2);
        return 2;
    case '\t':
        memcpy(out, "\\t", 2);
        return 2;
    default:
        break;
    }
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029) {
        out[0] = '\\';
        out[1] = 'u';
        out[2] = hex[c >> 12 & 0xf];
        out[3] = hex[c >> 8 & 0xf];
        out[4] = hex[c >> 4 & 0xf];
        out[5] = hex[c & 0xf];
        return 6;
    }
    memcpy(out, p, len);
    return len;
}

/* Whether v (n bytes) must be quoted to be read back as one value. */
static bool log_needs_quotes(const char *v, size_t n)
{
    if (n == 0)
        return true;
    for (size_t i = 0; i < n;) {
        char esc[8];
        size_t used;
        unsigned char b = (unsigned char)v[i];
        if (b <= ' ' || b == '=' || b == '"' || b == '\\')
            return true;
        size_t k = log_escape_char(v + i, n - i, esc, &used);
        if (k != used || memcmp(esc, v + i, k))
            return true;
        i += used;
    }
    return false;
}

/*
 * Writes value v (n bytes). in_quotes: the format put it between quotes of
 * its own, which give the opening and closing quote; otherwise it is
 * written bare when it can be read back so, quoted when not. Past the
 * line's room the value ends with "..." (and its closing quote, when the
 * format was to give it) and the line is full.
 */
static void log_value(struct log_line *l, const char *v, size_t n, bool in_quotes)
{
    if (l->full)
        return;
    bool quote = !in_quotes && log_needs_quotes(v, n);
    bool closing = in_quotes || quote;
    /* Room always kept for "..." and the closing quote. */
    size_t tail = 3 + (closing ? 1 : 0);
    if (l->cap - l->len < tail + (quote ? 1 : 0)) {
        l->full = true;
        return;
    }
    if (quote)
        l->buf[l->len++] = '"';
    for (size_t i = 0; i < n;) {
        char esc[8];
        size_t used;
        size_t k = log_escape_char(v + i, n - i, esc, &used);
        if (k > l->cap - l->len - tail) {
            memcpy(l->buf + l->len, "...", 3);
            l->len += 3;
            if (closing)
                l->buf[l->len++] = '"';
            l->full = true;
            return;
        }
        memcpy(l->buf + l->len, esc, k);
        l->len += k;
        i += used;
    }
    if (quote)
        l->buf[l->len++] = '"';
}

/*
 * The length of s up to its NUL, at most max bytes; a cut inside a UTF-8
 * sequence goes back to the sequence's start, so that %.300s never writes
 * half a character.
 */
static size_t log_cut(const char *s, size_t max)
{
    size_t n = strnlen(s, max);
    if (n < max)
        return n;
    size_t i = n, k = 0;
    while (i > 0 && k < 3 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
        i--, k++;
    if (i > 0) {
        unsigned char lead = (unsigned char)s[i - 1];
        size_t want = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
        if (want > k + 1)
            return i - 1;
    }
    return n;
}

/*
 * One conversion of the format at *f (just past its '%'), its argument
 * taken from ap and written as a value; *f moves past it. The flags and
 * width are read and not applied (a value is never padded). Returns false
 * for a conversion this does not know, whose argument's type is unknown,
 * so that nothing more is read from ap.
 */
static bool log_conversion(struct log_line *l, const char **f, va_list *ap, bool in_quotes)
{
    const char *p = *f;
    while (*p && strchr("-+ #0", *p))
        p++;
    if (*p == '*') {
        (void)va_arg(*ap, int);
        p++;
    } else {
        while (*p >= '0' && *p <= '9')
            p++;
    }
    int precision = -1;
    if (*p == '.') {
        p++;
        if (*p == '*') {
            precision = va_arg(*ap, int);
            p++;
        } else {
            precision = 0;
            while (*p >= '0' && *p <= '9')
                precision = precision * 10 + (*p++ - '0');
        }
    }
    enum { L_INT, L_CHAR, L_SHORT, L_LONG, L_LLONG, L_SIZE, L_MAX, L_PTRDIFF } len = L_INT;
    if (p[0] == 'h' && p[1] == 'h')
        len = L_CHAR, p += 2;
    else if (p[0] == 'l' && p[1] == 'l')
        len = L_LLONG, p += 2;
    else if (*p == 'h')
        len = L_SHORT, p++;
    else if (*p == 'l')
        len = L_LONG, p++;
    else if (*p == 'z')
        len = L_SIZE, p++;
    else if (*p == 'j')
        len = L_MAX, p++;
    else if (*p == 't')
        len = L_PTRDIFF, p++;
    char conv = *p;
    if (!conv)
        return false;
    *f = p + 1;
    char num[64];
    int k;
    switch (conv) {
    case 's': {
        const char *s = va_arg(*ap, const char *);
        if (!s)
            s = "(null)";
        log_value(l, s, precision < 0 ? strlen(s) : log_cut(s, (size_t)precision), in_quotes);
        return true;
    }
    case 'd':
    case 'i': {
        intmax_t v = len == L_LLONG     ? va_arg(*ap, long long)
                     : len == L_LONG    ? va_arg(*ap, long)
                     : len == L_SIZE    ? (intmax_t)va_arg(*ap, size_t)
                     : len == L_MAX     ? va_arg(*ap, intmax_t)
                     : len == L_PTRDIFF ? va_arg(*ap, ptrdiff_t)
                                        : va_arg(*ap, int);
        k = snprintf(num, sizeof num, "%jd", v);
        break;
    }
    case 'u':
    case 'x':
    case 'X':
    case 'o': {
        uintmax_t v = len == L_LLONG     ? va_arg(*ap, unsigned long long)
                      : len == L_LONG    ? va_arg(*ap, unsigned long)
                      : len == L_SIZE    ? va_arg(*ap, size_t)
                      : len == L_MAX     ? va_arg(*ap, uintmax_t)
                      : len == L_PTRDIFF ? (uintmax_t)va_arg(*ap, ptrdiff_t)
                                         : va_arg(*ap, unsigned);
        if (len == L_CHAR)
            v = (unsigned char)v;
        else if (len == L_SHORT)
            v = (unsigned short)v;
        k = conv == 'u'   ? snprintf(num, sizeof num, "%ju", v)
            : conv == 'o' ? snprintf(num, sizeof num, "%jo", v)
            : conv == 'x' ? snprintf(num, sizeof num, "%jx", v)
                          : snprintf(num, sizeof num, "%jX", v);
        break;
    }
    case 'c':
        num[0] = (char)va_arg(*ap, int);
        k = 1;
        break;
    case 'f':
    case 'g':
    case 'e':
        k = snprintf(num, sizeof num, "%g", va_arg(*ap, double));
        break;
    case 'p':
        k = snprintf(num, sizeof num, "%p", va_arg(*ap, void *));
        break;
    default:
        return false;
    }
    if (k > 0)
        log_value(l, num, (size_t)k < sizeof num ? (size_t)k : sizeof num - 1, in_quotes);
    return true;
}

/*
 * The caller's pairs: the format's own text copied, each conversion's
 * value escaped. A quote in the format's text opens or closes a value the
 * format quotes itself.
 */
static void log_pairs(struct log_line *l, const char *fmt, va_list *ap)
{
    bool in_quotes = false;
    const char *f = fmt;
    while (*f && !l->full) {
        const char *lit = f;
        bool was_in_quotes = in_quotes;
        while (*f && *f != '%') {
            if (*f == '"')
                in_quotes = !in_quotes;
            f++;
        }
        /*
         * A text before a value leaves room for the least of it: its
         * quotes and "...", so that no key is left without its value.
         */
        log_put(l, lit, (size_t)(f - lit), *f == '%' && f[1] != '%' ? 5 : 0);
        if (l->full) {
            /* Cut between pairs; a value the format opened still closes (a
             * value leaves room for its closing quote). */
            if (was_in_quotes && l->len < l->cap)
                l->buf[l->len++] = '"';
            return;
        }
        if (!*f)
            break;
        f++;
        if (*f == '%') {
            log_put(l, "%", 1, 0);
            f++;
        } else if (!log_conversion(l, &f, ap, in_quotes)) {
            /* The line ends here; a value the format opened still closes. */
            if (in_quotes && l->len < l->cap)
                l->buf[l->len++] = '"';
            return;
        }
    }
}

void log_event(enum log_level level, const char *msg, const char *fmt, ...)
{
    if ((int)level < atomic_load(&log_min))
        return;
    struct log_line l;
    l.len = 0;
    l.cap = sizeof l.buf - 1;
    l.full = false;
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(l.buf, l.cap, "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s msg=\"",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     ts.tv_nsec / 1000000, level_names[level]);
    l.len = n > 0 ? (size_t)n : 0;
    log_value(&l, msg, strlen(msg), true);
    log_put(&l, "\"", 1, 0);
    if (fmt && *fmt) {
        log_put(&l, " ", 1, 0);
        va_list ap;
        va_start(ap, fmt);
        log_pairs(&l, fmt, &ap);
        va_end(ap);
    }
    /* A line cut right after the space before a pair ends without it. */
    while (l.len > 0 && l.buf[l.len - 1] == ' ')
        l.len--;
    l.buf[l.len++] = '\n';
    /* A short or failed write of a log line has nowhere better to go. */
    ssize_t w = write(STDERR_FILENO, l.buf, l.len);
    (void)w;
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
                 const char *status, uint64_t duration_us, int db_batch, const char *peer,
                 bool lost)
{
    log_event(LOG_INFO, "request",
              lost
                  ? "req=%s rid=%llu tenant=%s method=%s status=%s dur_us=%llu db_batch=%d peer=%s"
                    " answer=lost"
                  : "req=%s rid=%llu tenant=%s method=%s status=%s dur_us=%llu db_batch=%d peer=%s",
              rid, (unsigned long long)request_id, tenant && *tenant ? tenant : "-", method, status,
              (unsigned long long)duration_us, db_batch, peer);
}
