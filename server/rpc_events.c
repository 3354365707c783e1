/*
 * rpc_events.c - SubscribeEvents. Each read is a transaction of the
 * caller's own (credential_txn_begin: a revoked session fails its next
 * read), through liaison_events_after(), which leaves to row-level
 * security and the wall what the caller sees. An announcement only says
 * "read again"; a read delivers the events after the last one sent, so a
 * resume is the same read with the client's last id.
 */
#include "rpc_events.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credential.h"
#include "events.h"
#include "worker.h"

/* Events one read asks for, and so one chunk's most. */
#define EVENTS_PAGE 200
/* Before an event committed by a transaction that older ones still hide (events.xid) is read again.
 */
#define EVENTS_HELD_MS 20

static struct db_stmt q_events_after = {
    "SELECT id, kind, subject_id, distributor_id, at, ready, mine"
    " FROM liaison_events_after($1::bigint, $2, $3::int)",
    3, 0};

int rpc_events_register(void)
{
    struct db_stmt *const stmts[] = {&q_events_after};
    return db_register(stmts, 1);
}

static const char *const event_kinds[] = {
    "action_item_assigned", "report_submitted",  "escalation_raised", "escalation_step",
    "escalation_answered",  "charter_activated", "deal_flagged"};
#define N_KINDS (sizeof event_kinds / sizeof event_kinds[0])

struct events_stream {
    struct events_sub sub; /* first: the subscription is the stream */
    struct request *r;
    char after[24];
    char kinds[160]; /* the kinds asked, comma-separated; "" for all */
    char limit[16];
    bool wanted;      /* announced since the last read was sent */
    bool held;        /* the last read met an event not yet deliverable */
    unsigned behind;  /* announced while the reader held the stream up */
    uint64_t sent_at; /* loop time of the last chunk */
    uint64_t beat_ms; /* the heartbeat's period */
};

static void events_read(struct request *r);

static void events_unlink(struct request *r)
{
    struct events_stream *st = r->state;
    events_unsubscribe(&st->sub);
}

static void events_cut(struct events_sub *s)
{
    struct events_stream *st = (struct events_stream *)s;
    struct request *r = st->r;
    s->cut = 0;
    request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED,
                 request_printf(r,
                                "the subscriber fell more than %d events behind: subscribe again "
                                "with after = %s",
                                request_config(r)->event_queue_max, st->after)
                     ?: "the subscriber fell too far behind");
}

static void events_announced(struct events_sub *s, unsigned n)
{
    struct events_stream *st = (struct events_stream *)s;
    struct request *r = st->r;
    st->wanted = true;
    if (r->waits == WAIT_CLIENT) {
        st->behind += n ? n : 1;
        if (st->behind > (unsigned)request_config(r)->event_queue_max)
            s->cut = 1;
    } else if (r->waits == WAIT_TIMER) {
        request_wake(r);
    }
}

/* Between reads: at once when announced, else at the heartbeat (sooner while one is held). */
static void events_wait(struct request *r)
{
    struct events_stream *st = r->state;
    st->behind = 0;
    if (st->wanted) {
        events_read(r);
        return;
    }
    uint64_t now = uv_now(&r->w->loop);
    uint64_t due = st->sent_at + st->beat_ms > now ? st->sent_at + st->beat_ms - now : 0;
    if (st->held && due > EVENTS_HELD_MS)
        due = EVENTS_HELD_MS;
    if (request_defer(r, due, events_read) < 0)
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
}

static void events_read_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    struct events_stream *st = r->state;
    if (code) {
        if (!request_fail_raised(r, code))
            request_fail_db(r, code, detail);
        return;
    }
    const PGresult *res = txn->results[txn->nsteps - 1];
    int rows = PQntuples(res);
    Liaison__V1__SubscribeEventsResponse *out = arena_alloc(&r->chunk, sizeof *out);
    Liaison__V1__Event **ev = arena_alloc(&r->chunk, sizeof *ev * ((size_t)rows + 1));
    if (!out || !ev) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    liaison__v1__subscribe_events_response__init(out);
    st->held = false;
    size_t n = 0;
    for (int i = 0; i < rows; i++) {
        /* Delivered in id order: one not deliverable yet holds back those after it. */
        if (strcmp(PQgetvalue(res, i, 5), "t") != 0) {
            st->held = true;
            break;
        }
        /* Read past, whether it was for this caller or not. */
        snprintf(st->after, sizeof st->after, "%s", PQgetvalue(res, i, 0));
        if (strcmp(PQgetvalue(res, i, 6), "t") != 0)
            continue;
        Liaison__V1__Event *e = arena_alloc(&r->chunk, sizeof *e);
        if (!e) {
            request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
            return;
        }
        liaison__v1__event__init(e);
        e->id = strtoull(PQgetvalue(res, i, 0), NULL, 10);
        e->kind = arena_strdup(&r->chunk, PQgetvalue(res, i, 1));
        e->subject_id = strtoull(PQgetvalue(res, i, 2), NULL, 10);
        e->distributor_id = strtoull(PQgetvalue(res, i, 3), NULL, 10);
        e->at = arena_strdup(&r->chunk, PQgetvalue(res, i, 4));
        ev[n++] = e;
    }
    if (r->chunk.failed) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    uint64_t now = uv_now(&r->w->loop);
    if (n == 0 && st->sent_at && now < st->sent_at + st->beat_ms) {
        if (rows == EVENTS_PAGE && !st->held)
            st->wanted = true; /* a page of others' events: more may follow */
        events_wait(r);
        return;
    }
    /* Events, or none for a heartbeat: either restarts the deadline. */
    out->events = ev;
    out->n_events = n;
    st->sent_at = now;
    /* A full page may have more behind it: read again as soon as the reader takes this one. */
    if (rows == EVENTS_PAGE && !st->held)
        st->wanted = true;
    request_stream_chunk(r, &out->base, events_wait);
}

static void events_read(struct request *r)
{
    struct events_stream *st = r->state;
    if (!r->conn) {
        request_fail(r, LIAISON__V1__CODE__CANCELLED, "the connection is gone");
        return;
    }
    if (r->w->draining) {
        request_fail(r, LIAISON__V1__CODE__UNAVAILABLE,
                     request_printf(r,
                                    "the server is shutting down: subscribe again with after = %s",
                                    st->after)
                         ?: "the server is shutting down");
        return;
    }
    st->wanted = false;
    struct db_step *s = r->txn.steps;
    int n = credential_txn_begin(r);
    s[n].stmt = &q_events_after;
    s[n].values[0] = st->after;
    s[n].values[1] = st->kinds;
    s[n].values[2] = st->limit;
    r->txn.nsteps = n + 1;
    request_submit(r, events_read_done);
}

void rpc_subscribe_events(struct request *r)
{
    const Liaison__V1__SubscribeEventsRequest *in =
        (const Liaison__V1__SubscribeEventsRequest *)r->input;
    if (in->after > INT64_MAX) {
        request_fail_field(r, "after", "an event id (1 to 9223372036854775807), or 0 for now on");
        return;
    }
    struct events_stream *st = arena_alloc(&r->arena, sizeof *st);
    if (!st) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    memset(st, 0, sizeof *st);
    size_t used = 0;
    for (size_t i = 0; i < in->n_kinds; i++) {
        size_t k = 0;
        while (k < N_KINDS && strcmp(in->kinds[i], event_kinds[k]) != 0)
            k++;
        if (k == N_KINDS) {
            char field[32];
            snprintf(field, sizeof field, "kinds[%zu]", i);
            request_fail_field(r, field,
                               "one of action_item_assigned, report_submitted, "
                               "escalation_raised, escalation_step, escalation_answered, "
                               "charter_activated, "
                               "deal_flagged");
            return;
        }
        /* Each known kind once at most: the list's length stays bounded. */
        if (!strstr(st->kinds, event_kinds[k]))
            used += (size_t)snprintf(st->kinds + used, sizeof st->kinds - used, "%s%s",
                                     used ? "," : "", event_kinds[k]);
    }
    snprintf(st->limit, sizeof st->limit, "%d", EVENTS_PAGE);
    st->r = r;
    st->sub.tenant_id = r->who.tenant_id;
    st->sub.notify = events_announced;
    st->sub.end = events_cut;
    st->beat_ms = r->timeout_ms / 3 > 50 ? r->timeout_ms / 3 : 50;
    r->state = st; /* sent_at 0: the first read answers at once, so the client knows it listens */
    if (in->after) {
        snprintf(st->after, sizeof st->after, "%" PRIu64, in->after);
        st->wanted = true;
    } else {
        /* From now on: the newest event's id is where reading starts. */
        snprintf(st->after, sizeof st->after, "-1");
    }
    events_subscribe(r->w, &st->sub);
    r->on_end = events_unlink;
    events_read(r);
}
