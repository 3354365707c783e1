/*
 * events.c - the process's one LISTEN connection and the hand-over of its
 * notifications to the workers' loops.
 *
 * The connection has a thread of its own and blocks there (poll with a
 * short timeout, so that a stop is seen): it is one socket that nothing
 * else shares, and a thread keeps the workers' loops free of its
 * reconnections. Each worker has a bounded queue of announced tenants
 * behind a mutex and a uv_async_t; a queue that fills is replaced by "every
 * tenant", which makes every subscription of that worker read once more,
 * so that a burst costs reads, never memory.
 */
#include "events.h"

#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "config.h"
#include "db.h"
#include "log.h"
#include "worker.h"

#define EVENTS_WORKERS 64
#define EVENTS_QUEUE 1024
#define EVENTS_POLL_MS 200
/* While the database is unreachable, a line about it this often, not at every retry. */
#define EVENTS_FAIL_LOG_MS 60000

struct events_worker {
    uv_async_t async; /* first: the close callback gets this pointer */
    pthread_mutex_t lock;
    bool open;
    bool all; /* the queue overflowed, or the connection came back: everyone reads */
    int n;
    int64_t tenants[EVENTS_QUEUE];
    struct events_sub *subs; /* the loop's own: no lock */
};

static struct events_worker hand[EVENTS_WORKERS];
static pthread_t listener;
static bool listening;
static atomic_bool stopping;
static char *conninfo;
static int reconnect_ms;

/* On the worker's loop: the announced tenants, then their subscriptions told. */
static void events_handed(uv_async_t *a)
{
    struct events_worker *ew = a->data;
    int64_t tenants[EVENTS_QUEUE];
    pthread_mutex_lock(&ew->lock);
    bool all = ew->all;
    int n = ew->n;
    memcpy(tenants, ew->tenants, sizeof tenants[0] * (size_t)n);
    ew->n = 0;
    ew->all = false;
    pthread_mutex_unlock(&ew->lock);
    for (struct events_sub *s = ew->subs; s; s = s->next) {
        unsigned count = 0;
        for (int i = 0; i < n; i++)
            count += tenants[i] == s->tenant_id;
        if (all)
            s->notify(s, 0);
        else if (count)
            s->notify(s, count);
    }
    /*
     * Ending one may end others of its connection: look again from the
     * head each time rather than keep a pointer into the list.
     */
    for (;;) {
        struct events_sub *s = ew->subs;
        while (s && !s->cut)
            s = s->next;
        if (!s)
            break;
        s->end(s);
    }
}

int events_worker_init(struct worker *w, char *err, size_t errlen)
{
    if (w->index >= EVENTS_WORKERS) {
        snprintf(err, errlen, "live events: more than %d workers", EVENTS_WORKERS);
        return -1;
    }
    struct events_worker *ew = &hand[w->index];
    memset(ew, 0, sizeof *ew);
    int rc = pthread_mutex_init(&ew->lock, NULL);
    if (rc == 0)
        rc = uv_async_init(&w->loop, &ew->async, events_handed);
    if (rc != 0) {
        snprintf(err, errlen, "live events: %s", rc < 0 ? uv_strerror(rc) : strerror(rc));
        return -1;
    }
    ew->async.data = ew;
    ew->open = true;
    return 0;
}

/* The mutex stays: the listening thread may still take it to find the worker closed. */
static void events_worker_closed(uv_handle_t *h)
{
    (void)h;
}

void events_worker_close(struct worker *w)
{
    struct events_worker *ew = &hand[w->index];
    pthread_mutex_lock(&ew->lock);
    ew->open = false;
    pthread_mutex_unlock(&ew->lock);
    uv_close((uv_handle_t *)&ew->async, events_worker_closed);
}

void events_subscribe(struct worker *w, struct events_sub *s)
{
    struct events_worker *ew = &hand[w->index];
    s->prev = NULL;
    s->next = ew->subs;
    if (ew->subs)
        ew->subs->prev = s;
    ew->subs = s;
}

void events_unsubscribe(struct events_sub *s)
{
    for (int i = 0; i < EVENTS_WORKERS; i++) {
        if (hand[i].subs != s)
            continue;
        hand[i].subs = s->next;
        break;
    }
    if (s->prev)
        s->prev->next = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->prev = s->next = NULL;
}

/* From the listening thread: tenant (0: every tenant) to every open worker. */
static void events_hand_over(const int64_t *tenants, int n, bool all)
{
    for (int i = 0; i < EVENTS_WORKERS; i++) {
        struct events_worker *ew = &hand[i];
        pthread_mutex_lock(&ew->lock);
        if (ew->open) {
            for (int k = 0; k < n && !ew->all; k++) {
                if (ew->n == EVENTS_QUEUE)
                    ew->all = true;
                else
                    ew->tenants[ew->n++] = tenants[k];
            }
            ew->all |= all;
            uv_async_send(&ew->async);
        }
        pthread_mutex_unlock(&ew->lock);
    }
}

/* "<tenant>:<event id>", both positive: the tenant, or 0 when it is not that. */
static int64_t events_payload_tenant(const char *p)
{
    char *end;
    long long tenant = strtoll(p, &end, 10);
    if (tenant <= 0 || *end != ':')
        return 0;
    long long id = strtoll(end + 1, &end, 10);
    return id > 0 && *end == '\0' ? tenant : 0;
}

/* Waits up to ms in short steps; false once a stop was asked. */
static bool events_sleep(int ms)
{
    for (; ms > 0 && !atomic_load(&stopping); ms -= EVENTS_POLL_MS)
        uv_sleep(ms < EVENTS_POLL_MS ? (unsigned)ms : EVENTS_POLL_MS);
    return !atomic_load(&stopping);
}

/* libpq's message for pg on one line, for the log. */
static const char *events_reason(const PGconn *pg, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", pg ? PQerrorMessage(pg) : "out of memory");
    buf[strcspn(buf, "\r\n")] = '\0'; /* log_event escapes its quotes */
    return buf;
}

/* A connection listening on the channel, or NULL with why it is not in why. */
static PGconn *events_connect(char *why, size_t cap)
{
    const char *keys[] = {"dbname", "connect_timeout", "application_name", NULL};
    const char *values[] = {conninfo, "5", "liaisond events", NULL};
    PGconn *pg = PQconnectdbParams(keys, values, 1);
    if (pg && PQstatus(pg) == CONNECTION_OK) {
        db_log_notices(pg);
        PGresult *res = PQexec(pg, "LISTEN liaison_events");
        bool ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
        PQclear(res);
        if (ok)
            return pg;
    }
    events_reason(pg, why, cap);
    PQfinish(pg);
    return NULL;
}

static void *events_main(void *arg)
{
    (void)arg;
    bool lost = false, failing = false;
    unsigned long attempts = 0;
    uint64_t logged_ms = 0;
    while (!atomic_load(&stopping)) {
        char why[256];
        PGconn *pg = events_connect(why, sizeof why);
        if (!pg) {
            lost = true;
            attempts++;
            uint64_t now_ms = uv_hrtime() / 1000000;
            if (!failing || now_ms - logged_ms >= EVENTS_FAIL_LOG_MS) {
                log_event(LOG_WARN, "live events: cannot listen",
                          "reason=\"%s\" attempts=%lu retry_ms=%d", why, attempts, reconnect_ms);
                failing = true;
                logged_ms = now_ms;
                attempts = 0;
            }
            events_sleep(reconnect_ms);
            continue;
        }
        failing = false;
        attempts = 0;
        if (lost) {
            log_event(LOG_INFO, "live events: listening again", "channel=liaison_events");
            events_hand_over(NULL, 0, true);
        }
        lost = true;
        struct pollfd pfd = {.fd = PQsocket(pg), .events = POLLIN};
        while (!atomic_load(&stopping)) {
            int rc = poll(&pfd, 1, EVENTS_POLL_MS);
            if (rc < 0 || (rc > 0 && !PQconsumeInput(pg))) {
                log_event(LOG_WARN, "live events: connection lost", "reason=\"%s\" retry_ms=%d",
                          events_reason(pg, why, sizeof why), reconnect_ms);
                break;
            }
            int64_t tenants[EVENTS_QUEUE];
            int n = 0;
            bool all = false;
            PGnotify *note;
            while ((note = PQnotifies(pg))) {
                int64_t tenant = events_payload_tenant(note->extra);
                PQfreemem(note);
                if (!tenant)
                    continue;
                if (n == EVENTS_QUEUE)
                    all = true;
                else
                    tenants[n++] = tenant;
            }
            if (n || all)
                events_hand_over(tenants, n, all);
        }
        PQfinish(pg);
        if (!atomic_load(&stopping))
            events_sleep(reconnect_ms);
    }
    return NULL;
}

int events_start(const struct config *cfg, char *err, size_t errlen)
{
    conninfo = strdup(cfg->database_url);
    if (!conninfo) {
        snprintf(err, errlen, "live events: out of memory");
        return -1;
    }
    reconnect_ms = cfg->db_reconnect_ms;
    atomic_store(&stopping, false);
    int rc = pthread_create(&listener, NULL, events_main, NULL);
    if (rc != 0) {
        snprintf(err, errlen, "live events: %s", strerror(rc));
        free(conninfo);
        conninfo = NULL;
        return -1;
    }
    listening = true;
    return 0;
}

void events_stop(void)
{
    if (listening) {
        atomic_store(&stopping, true);
        pthread_join(listener, NULL);
        listening = false;
    }
    free(conninfo);
    conninfo = NULL;
}
