/*
 * log.h - structured logs on stderr, one logfmt line per event, written
 * with a single write(2) so lines from worker threads never interleave.
 */
#ifndef LIAISON_LOG_H
#define LIAISON_LOG_H

#include <stdbool.h>
#include <stdint.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Sets the lowest level written; takes "debug", "info", "warn", "error". */
void log_set_level(const char *name);

/* Writes "ts=… level=… msg=…" followed by the caller's key=value pairs. */
void log_event(enum log_level level, const char *msg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * The request line: time, request id, tenant, method, status, duration,
 * and how many transactions shared its last database transaction (0: none).
 */
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

void log_request(uint64_t request_id, const char *rid, const char *tenant, const char *method,
                 const char *status, uint64_t duration_us, int db_batch, const char *peer);

#endif
