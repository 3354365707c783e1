/*
 * request.h - one request's life, and the API handlers use: a handler
 * answers exactly once, now or later, with request_reply() or one of the
 * request_fail*() calls, which also log the request line and free it; it
 * goes to the database with request_submit(), waits with request_defer(),
 * hashes with request_password_job(), runs other work that would hold up
 * the loop with request_work(), and reaches its connection only
 * through the request_* calls for that. Every request has a deadline: past
 * it the caller is answered and the step still out is dropped when it
 * comes back. A handler may answer with a stream instead: chunks sent with
 * request_stream_chunk(), each paced by the client's reading, then the
 * final answer as above.
 */
#ifndef LIAISON_REQUEST_H
#define LIAISON_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

#include "arena.h"
#include "auth.h"
#include "db.h"
#include "liaison.pb-c.h"

struct conn;
struct worker;
struct request;

typedef void (*rpc_handler)(struct request *r);

/* One row of the method table (methods.h): what a request calls. */
struct rpc_method {
    const char *name;
    rpc_handler handler;
    unsigned who;                          /* AUTHZ_* bits of those who may call it */
    bool read_only;                        /* changes nothing, logs nothing */
    const ProtobufCMethodDescriptor *desc; /* filled by dispatch_init */
};

struct request_timer;

/*
 * The largest quantity or amount (units, minor units of money) a monthly
 * report, a target or a plan's goal may state: a thousand million million.
 * Attainment, weeks of cover and the handbook add up to a year of reports
 * or every line's targets as a bigint; at INT64_MAX each, a few reports
 * overflowed them and those views failed for everyone from then on.
 */
#define REQUEST_MAX_AMOUNT 1000000000000000ull
#define REQUEST_MAX_AMOUNT_WORDS "at most 1000000000000000"

/* Decoded structures are larger than their encoding; this bounds the ratio. */
#define REQUEST_DECODE_FACTOR 8

/* What a request waits for between its handler's steps (WAIT_CLIENT: a stream's reader). */
enum request_wait { WAIT_NONE, WAIT_DB, WAIT_JOB, WAIT_TIMER, WAIT_CLIENT };

struct request {
    struct request *prev, *next; /* in the connection's in-flight list */
    struct conn *conn;           /* NULL once the connection is gone */
    struct worker *w;
    const struct rpc_method *method;
    uint64_t id;
    uint64_t started_ns;
    /*
     * The decoded request, in the request's arena: the request's own copy,
     * which a handler may normalise in place (geo_upcase) before using it.
     */
    const ProtobufCMessage *input;
    struct arena arena;        /* owns input and everything built for the answer */
    struct arena chunk;        /* a stream's next chunk: emptied once each chunk is sent */
    struct db_txn txn;         /* for handlers that go to the database */
    void *state;               /* a handler's own state across steps, in the arena */
    struct identity who;       /* the caller, as of the request's arrival */
    uint64_t deadline;         /* loop time (ms) when it is answered whatever happens */
    uint64_t timeout_ms;       /* the deadline's distance, restarted by each chunk of a stream */
    uint32_t asked_timeout_ms; /* the frame's timeout_ms: the client waits no longer (0: any) */
    bool in_deadlines;
    size_t dl_index;             /* its slot in the worker's heap of deadlines */
    struct request_timer *timer; /* while it waits on request_defer() */
    /*
     * Answered at its deadline while a step was still out: the step's
     * callback frees it and the handler is not called again.
     */
    bool answered;
    /*
     * Set by a handler before a step that must run to its end even when the
     * deadline answers the caller first (a password guess is counted
     * whether or not its caller still waits): its steps then go on, and
     * their answer goes nowhere.
     */
    bool outlives_deadline;
    /*
     * Its connection closed while it ran (the peer went, or a drain timed out): the answer
     * goes nowhere, and its log line says so (answer=lost) beside the status of what was done.
     */
    bool orphaned;
    /* Where txn was submitted: the primary's pool or the standby's. */
    struct db_pool *pool;
    /* The frame's read_after_us; the answer's written_at_us (0: the request wrote nothing). */
    uint64_t read_after_us, written_at_us;
    enum request_wait waits;
    int late_code;                          /* the answer at the deadline; 0: DEADLINE_EXCEEDED */
    const char *late_message;               /* with late_code */
    db_done_cb txn_done;                    /* the handler's, called by dispatch's own */
    void (*stream_next)(struct request *r); /* while it waits for its reader */
    auth_password_cb job_done;
    uv_work_t work;                       /* request_work's, while it runs */
    void (*work_fn)(struct request *r);   /* request_work's, on the thread pool */
    void (*work_done)(struct request *r); /* request_work's, back on the loop */
    char rid[32];                         /* server-wide request id, for logs and the audit log */
    char peer[64];
    /* The user's own address a trusted proxy named at Login; empty: the peer's (request_source). */
    char source[48];
    /*
     * The tenant an operator acts on (a valid slug in input), logged as the
     * request's tenant: an operator has none of its own, and "which tenant
     * was suspended" is what its line is read for. NULL: the caller's.
     */
    const char *log_tenant;
    /* idempotency.c's: the frame's key, where r is with it, its hash, the answer it stores */
    const char *idem_key;
    enum request_idem { IDEM_NONE, IDEM_WANTED, IDEM_CLAIMED, IDEM_STORING, IDEM_REPLAYING } idem;
    int idem_step; /* the claim's step in r->txn */
    char idem_hash[68];
    char idem_upload[24];       /* the request's upload_id, when it names one: "" otherwise */
    const uint8_t *idem_answer; /* in the arena */
    size_t idem_answer_len;
    /* Called as r is freed, however it ended: a subscription unlinks itself (rpc_events.c). */
    void (*on_end)(struct request *r);
};

/*
 * The address r comes from, its length in *len: the user's own a trusted
 * proxy named at Login (r->source), else the peer's in r->peer without the
 * port ("[::1]:5" -> "[::1]", 5).
 */
const char *request_source(const struct request *r, int *len);

/* The name of r's method, as in the proto ("CreateContact"). */
const char *request_method_name(const struct request *r);

/*
 * For the dispatcher: a new request from connection c, its arena's budget
 * set by c's frame limit; NULL when memory ran out.
 */
struct request *request_new(struct conn *c);

/* For the dispatcher: frees a request that was never answered nor started. */
void request_discard(struct request *r);

/*
 * For the dispatcher: r is answered DEADLINE_EXCEEDED ms from now at the
 * latest. Returns 0, or -1 when memory ran out (r not started).
 */
int request_start_clock(struct request *r, uint64_t ms);

/*
 * For a handler whose one transaction may run long by design (a tenant's
 * import): r's deadline becomes ms from now, or the client's own timeout
 * if that is less.
 */
void request_extend_deadline(struct request *r, uint64_t ms);

/*
 * For the dispatcher: the connection's output has drained below the stream
 * mark; r, waiting there (WAIT_CLIENT), goes on to its next chunk from a
 * timer due at once (RESOURCE_EXHAUSTED when none could be had).
 */
void request_stream_resume(struct request *r);

/* For the dispatcher: r's connection closed while r waited for it; ends r. */
void request_stream_abandon(struct request *r);

/*
 * What handlers may do to the connection a request came on; each does
 * nothing once the connection is gone. Handlers reach the connection only
 * through these.
 */

/* Hello succeeded: the connection takes requests; *max_frame and *max_in_flight are its limits. */
void request_connection_ready(struct request *r, uint32_t *max_frame, uint32_t *max_in_flight);

/* Answers with st, then ends the connection once the answer is out. */
void request_fail_and_close(struct request *r, Liaison__V1__Status *st);

/*
 * The connection now acts as who (Login, Authenticate): requests after this
 * one run as who, with the limits after authentication.
 */
void request_bind_identity(struct request *r, const struct identity *who);

/* The connection forgets who it was (Logout): pre-authentication limits again. */
void request_unbind_identity(struct request *r);

/*
 * True when the connection presented a client certificate from the
 * operator CA; its common name goes to cn.
 */
bool request_operator_certificate(struct request *r, char *cn, size_t cap);

/*
 * Answers OK with out (a message of the method's output type), or
 * RESOURCE_EXHAUSTED when an allocation from the request's arena failed
 * (out may then be missing a part).
 */
void request_reply(struct request *r, const ProtobufCMessage *out);

/*
 * Answers OK with payload, an encoded message of the method's output type
 * (an idempotent repeat's stored answer, sent as it was stored).
 */
void request_reply_encoded(struct request *r, const uint8_t *payload, size_t len);

/*
 * Streams: sends out (a message of the method's output type, typically
 * built in r->chunk) as one frame with Frame.more set, empties r->chunk,
 * and calls next(r) from the loop once the connection's output is below
 * the stream mark (a quarter of max_pending_output): a client that reads
 * slowly or not at all pauses the handler, never the server's memory. The
 * request's deadline starts again with each chunk: each step towards the
 * next chunk, the wait for the reader included, has the request's timeout.
 * The stream ends with request_reply() (its last rows, if any) or a
 * failure, as any request. Only for a request that asked for a stream. When
 * the connection is gone, or out is over the frame limit, r is ended here
 * (logged CANCELLED, answered INTERNAL "response too large") and next is
 * never called.
 */
void request_stream_chunk(struct request *r, const ProtobufCMessage *out,
                          void (*next)(struct request *r));

/*
 * Whether the caller may name user (0: itself) in a request that only a
 * tenant admin makes for another user (and, when it only reads, an auditor,
 * who reads the whole tenant): false after answering PERMISSION_DENIED with
 * why, for a manager (or an auditor changing something) naming someone
 * else. Others pass: the database answers "no such user" to a distributor
 * user, as for one that does not exist; managers and auditors list the
 * tenant's users, so that answer would hide nothing from them and mislead.
 */
bool request_other_user_ok(struct request *r, uint64_t user, bool reads, const char *why);

/*
 * A distributor user's distributor where *id is 0, as a report's is
 * (OpenReport): a portal need not ask WhoAmI first. Returns id. The
 * database's policies still decide what the id shows.
 */
uint64_t *request_own_distributor(const struct request *r, uint64_t *id);

/*
 * The encoded size an answer's message may take: max_frame_bytes less room
 * for the frame's own fields (its status, ids and a page's cursor), an
 * eighth of it and at most 8 KiB. A page of a list stops before it.
 */
size_t request_answer_bytes(const struct request *r);

/*
 * The encoded size a stream's chunk should stay under: an eighth of
 * max_pending_output and a quarter of max_frame_bytes, at most 256 KiB.
 */
size_t request_stream_chunk_bytes(const struct request *r);

/* Answers with a non-OK code and a message for the user. */
void request_fail(struct request *r, int code, const char *message);

/* Answers with code, a message and one violation per entry of v. */
void request_fail_violations(struct request *r, int code, const char *message,
                             Liaison__V1__FieldViolation **v, size_t n);

/* Answers with a status the handler built (code, message and any other field). */
void request_fail_status(struct request *r, Liaison__V1__Status *st);

/*
 * True when id is a usable record id (1 to INT64_MAX); otherwise answers
 * INVALID_ARGUMENT on field and returns false.
 */
bool request_check_id(struct request *r, const char *field, uint64_t id);

/*
 * True when text (a name, a filter) is at most max bytes and, when
 * required, holds more than white space; otherwise answers INVALID_ARGUMENT
 * on field and returns false. An optional text that is not empty may not be
 * only white space either. (Control characters and bidirectional overrides
 * were refused in every request's text before it reached a handler:
 * wire_text_clean.)
 */
bool request_check_text(struct request *r, const char *field, const char *text, size_t max,
                        bool required);

/*
 * True when email is an e-mail address (or empty, when not required): one
 * '@' between 1 to 64 bytes and a domain whose dots separate names, at most
 * 254 bytes, nothing a mail header or a mailto: URI would have to quote
 * (white space, quotes, brackets, commas, colons, semicolons), written in
 * ordinary letters (no full-width or other compatibility forms). Otherwise
 * answers INVALID_ARGUMENT on field saying which, and returns false. The
 * address is first put in Unicode NFC in place (request_nfc_in_place), so
 * that one typed decomposed is stored and found as the same address.
 */
bool request_check_email(struct request *r, const char *field, char *email, bool required);

/*
 * Puts text in Unicode NFC in place (as names and passwords are compared).
 * False, text unchanged, when it is not valid UTF-8 or its NFC would not fit
 * in its bytes (a composition exclusion that decomposes).
 */
bool request_nfc_in_place(char *text);

/*
 * True when zone names a zone of the tz database (or is empty, when not
 * required). Otherwise answers INVALID_ARGUMENT on field, naming the zone
 * meant when only the case differs ("asia/tokyo": did you mean
 * Asia/Tokyo?), and returns false.
 */
bool request_check_zone(struct request *r, const char *field, const char *zone, bool required);

/*
 * request_check_text() counting characters, not bytes: text is at most
 * max UTF-8 code points (what the database's length() checks), so a title
 * in Vietnamese or Japanese gets the same room as one in English.
 */
bool request_check_chars(struct request *r, const char *field, const char *text, size_t max,
                         bool required);

/*
 * request_check_chars() for a name the database stores in NFC (a customer's,
 * migration 0071; a tenant's, 0232): the characters as shown, so a name
 * typed decomposed (NFD, as macOS and some keyboards give it) has the room
 * its stored form has; a combining mark is part of the character before it.
 */
bool request_check_name_chars(struct request *r, const char *field, const char *text, size_t max,
                              bool required);

/*
 * True when no word of text (a name) mixes Latin, Greek and Cyrillic
 * letters; otherwise answers INVALID_ARGUMENT on field, naming the word,
 * and returns false. "Cоng ty" with a Cyrillic о reads as "Công ty" and
 * passed every comparison of names (an attack try-out). Words of one
 * script, and other scripts beside each other (東京オート, Sài Gòn), pass.
 */
bool request_check_one_script(struct request *r, const char *field, const char *text);

/*
 * True when text (a name or a title, shown on one line in tables, calendars
 * and subject lines) holds no line break or tab; otherwise answers
 * INVALID_ARGUMENT on field and returns false. Chained after
 * request_check_text() or request_check_chars(), which bound it.
 */
bool request_check_one_line(struct request *r, const char *field, const char *text);

/* Whether day d of month m of year y (1..9999) is on the Gregorian calendar. */
bool request_calendar_day(int y, int m, int d);

/*
 * True when text is an RFC 3339 date-time (2026-03-01T09:30:00+07:00,
 * fractions and Z allowed, the offset required) on the calendar (no
 * 2026-02-30), its seconds 00 to 59 (PostgreSQL has no leap second: :60
 * rolled over into the next minute), and its instant in the years 1900 to
 * 2999 UTC. PostgreSQL alone would also take 'yesterday' or 'epoch',
 * and a time without an offset in whatever zone its session has.
 */
bool request_time_valid(const char *text);

/*
 * Stored times lie in the years 1900 to 2999 as UTC instants, whatever
 * offset they were written with: a calendar program reads no later time
 * from the .ics export. REQUEST_TIME_END is 3000-01-01T00:00:00Z.
 */
#define REQUEST_TIME_MIN (-2208988800LL)
#define REQUEST_TIME_END 32503680000LL

/*
 * Seconds since 1970 (UTC) of text, an RFC 3339 time as
 * request_time_valid() takes it but with its seconds optional
 * (YYYY-MM-DDTHH:MM+07:00); fractions are dropped. Only for text already
 * checked to have that shape.
 */
long long request_time_utc(const char *text);

/*
 * True when text is request_time_valid(), or empty and not required;
 * otherwise answers INVALID_ARGUMENT on field and returns false.
 */
bool request_check_time(struct request *r, const char *field, const char *text, bool required);

/*
 * A range's ends, each already checked as an instant (or empty): false after
 * answering INVALID_ARGUMENT on to_field when to is before from (a
 * reversed range answered an empty list, as if nothing had happened).
 */
bool request_check_range(struct request *r, const char *to_field, const char *from, const char *to);

/*
 * Whether each of the n product line ids is listed once; otherwise answers
 * INVALID_ARGUMENT on field and returns false. The database counts the live
 * lines among them against the list's length, so [1, 1] read as naming a
 * line that is not live, and a lead kept [4, 4, 4].
 */
bool request_check_once(struct request *r, const char *field, const uint64_t *ids, size_t n);

/* Answers INVALID_ARGUMENT naming one field (its JSON path). */
void request_fail_field(struct request *r, const char *field, const char *description);

/*
 * The same, with the message a person reads given whole: for a field whose
 * wire name ("currentPassword") would read as jargon in "invalid %s: ...".
 */
void request_fail_field_said(struct request *r, const char *field, const char *description,
                             const char *message);

/*
 * A printf-formatted string in the request's arena; NULL when out of memory,
 * which request_submit() and request_reply() then refuse.
 */
char *request_printf(struct request *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Calls fn(r) after ms milliseconds on the request's loop. Returns 0, or -1
 * (fn not called) when no timer could be had.
 */
int request_defer(struct request *r, uint64_t ms, void (*fn)(struct request *r));

/* r waits on request_defer(): its function runs from the loop at once instead of when due. */
void request_wake(struct request *r);

/*
 * The request's deadline as wall-clock microseconds since the epoch, what
 * the database checks (liaison_deadline); 0 when it has none.
 */
int64_t request_deadline_us(struct request *r);

struct config;

/* The server's settings, as the request's worker has them. */
const struct config *request_config(const struct request *r);

/*
 * Whether one more log-in line may be written now: at most per_s a second
 * for the request's worker (log_limit_admit), the rest counted.
 */
bool request_login_log_admit(struct request *r, unsigned per_s);

/*
 * Sends r->txn with done as its callback; answers at once if refused, and
 * RESOURCE_EXHAUSTED when an allocation from the request's arena failed
 * (a parameter may then be a NULL the handler did not mean). r->txn.flags
 * may hold DB_TXN_ALONE; the rest is decided here.
 */
void request_submit(struct request *r, db_done_cb done);

/*
 * Hashes (encoded NULL) or verifies password on the thread pool, then calls
 * done(r, ...), like auth_password_job. At most max_password_jobs run or
 * wait per worker, and max_password_jobs_per_address of them for one source
 * address: past either, and when memory runs out, it answers
 * RESOURCE_EXHAUSTED itself and done is never called.
 */
void request_password_job(struct request *r, const char *password, const char *encoded,
                          auth_password_cb done);

/*
 * Runs work(r) on libuv's thread pool, then done(r) on the request's loop:
 * for CPU-bound steps (rendering a calendar) that would hold up every
 * other connection of the worker. While work runs it owns r->state and
 * r->chunk (it may allocate from r->chunk: nothing else does meanwhile)
 * and may read r->input; never r->txn's results, which are freed when the
 * transaction's callback returns, before work runs: that callback copies
 * what work needs into r->state or r->chunk. It must touch nothing else of
 * r and call nothing of the loop's or of this API. done continues as a handler does, and must
 * answer or take a next step. When the deadline answers the caller first, done is not called and r
 * is freed once work returns. When the job cannot be queued it answers RESOURCE_EXHAUSTED itself
 * and neither is called.
 */
void request_work(struct request *r, void (*work)(struct request *r),
                  void (*done)(struct request *r));

/* The worker's deadline timer fired: answers every request past its deadline. */
void request_deadlines_due(uv_timer_t *t);

/*
 * When the transaction done with code failed on one of the checks that
 * raise inside it (liaison_check: INVALID_ARGUMENT on the field it names;
 * liaison_found: NOT_FOUND; liaison_precondition: FAILED_PRECONDITION;
 * liaison_unique: ALREADY_EXISTS),
 * answers with that check's field and message
 * and returns true. Call only from a done callback, with its code.
 */
bool request_fail_raised(struct request *r, int code);

/*
 * Answers for a database failure: the code from db.h, the detail logged but
 * not shown to the client unless the code says it is the client's doing.
 */
void request_fail_db(struct request *r, int code, const char *detail);

#endif
