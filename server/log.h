/*
 * log.h - structured logs on stderr, one logfmt line per event, written
 * with a single write(2) so lines from worker threads never interleave.
 *
 * A line: ts=… level=… msg="…" and then the caller's pairs, key=value
 * separated by one space. liaisond opens no log file: stderr goes where
 * its parent sent it (the journal under systemd; README, "Logs").
 *
 * Escaping, done here for every value, so that no text from outside (a
 * tenant's slug or name, an e-mail, a peer's address, PostgreSQL's message)
 * can add a key or a line, whatever it holds:
 *   - the format's own text (keys, '=', spaces, literal quoted values) is
 *     copied as it is: it must be a string constant of the program;
 *   - every conversion (%s, %.Ns, %d, %llu, ...) is a value. Where the format
 *     puts it between quotes of its own (reason=\"%s\") it is escaped inside
 *     them; where it stands bare (tenant=%s) it is written bare when it reads
 *     back so, and quoted and escaped when it is empty or holds a space, '=',
 *     a quote, a backslash or a character that must be escaped;
 *   - the escapes are JSON's, as logfmt readers take them: \" \\ \n \r \t,
 *     \u00XX for the other control characters (C0, DEL, C1), \u2028 and
 *     \u2029, and \ufffd for a byte that is not UTF-8. Other UTF-8 text
 *     (Vietnamese, Japanese) is written as it is; %.Ns never cuts a
 *     character in half;
 *   - a line holds at most LOG_LINE_MAX bytes with its newline. A value past
 *     that ends with "..." and its closing quote, and the pairs after it are
 *     left out: a line is never cut inside a value without closing it.
 * Flags and widths of conversions are accepted and not applied (values are
 * never padded); a conversion other than s, c, d, i, u, x, X, o, f, e, g, p
 * ends the line there.
 */
#ifndef LIAISON_LOG_H
#define LIAISON_LOG_H

#include <stdbool.h>
#include <stdint.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* A line's bytes at most, newline included: PIPE_BUF, so that a write of one
 * line to a pipe is atomic too. */
#define LOG_LINE_MAX 4096

/* Sets the lowest level written; takes "debug", "info", "warn", "error". */
void log_set_level(const char *name);

/* Whether a line of level is written now. */
bool log_enabled(enum log_level level);

/*
 * Writes "ts=… level=… msg=…" followed by the caller's key=value pairs: fmt
 * and its arguments as printf's, each value escaped as said above (msg
 * too). fmt may be NULL or "" for none.
 */
void log_event(enum log_level level, const char *msg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * A budget of lines a second for one kind of line a client can provoke at
 * will: log_limit_admit() says whether the next one may be written. Zero it
 * to start.
 */
struct log_limit {
    uint64_t window_ms; /* when the current second began (loop time) */
    unsigned lines;     /* written in it */
    unsigned long suppressed;
};

/*
 * True when a line may be written at now_ms: at most per_s a second. The
 * first call in a new second first writes one line, msg with the count of
 * lines held back in the second before (and peer, unless NULL), if there
 * were any.
 */
bool log_limit_admit(struct log_limit *l, uint64_t now_ms, unsigned per_s, const char *msg,
                     const char *peer);

/* Writes msg with the count of lines held back so far, if any, and starts again. */
void log_limit_flush(struct log_limit *l, const char *msg, const char *peer);

/* lost: the request's connection closed before its answer, which went nowhere. */
void log_request(uint64_t request_id, const char *rid, const char *tenant, const char *method,
                 const char *status, uint64_t duration_us, int db_batch, const char *peer,
                 bool lost);

#endif
