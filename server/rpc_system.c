/*
 * rpc_system.c - Hello, Ping, GetHealth and ListMigrations, with the SQL
 * they run against schema_migrations.
 */
#include "rpc_system.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "page.h"
#include "liaison_version.h"
#include "wire.h"
#include "worker.h"

#define PING_MAX_DELAY_MS 5000
#define RFC3339_SQL(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

static struct db_stmt q_health = {
    "SELECT coalesce(max(version), 0), " RFC3339_SQL("now()") " FROM schema_migrations", 0, 0};

static struct db_stmt q_list_migrations = {
    "SELECT version, name, " RFC3339_SQL(
        "applied_at") " FROM schema_migrations"
                      " WHERE version > $1::int ORDER BY version LIMIT $2::int",
    2, 0};

int rpc_system_register(void)
{
    struct db_stmt *const stmts[] = {&q_health, &q_list_migrations};
    return db_register(stmts, 2);
}

void rpc_hello(struct request *r)
{
    const Liaison__V1__HelloRequest *in = (const Liaison__V1__HelloRequest *)r->input;
    struct conn *c = r->conn;
    if (c->phase == CONN_READY) {
        request_fail(r, LIAISON__V1__CODE__FAILED_PRECONDITION, "Hello was already done");
        return;
    }
    if (in->protocol_version != WIRE_PROTOCOL_VERSION) {
        char msg[128];
        snprintf(msg, sizeof msg, "unsupported protocol version %u; this server speaks %d",
                 in->protocol_version, WIRE_PROTOCOL_VERSION);
        request_fail(r, LIAISON__V1__CODE__FAILED_PRECONDITION, msg);
        conn_end(c);
        return;
    }
    conn_ready(c);
    Liaison__V1__HelloResponse out = LIAISON__V1__HELLO_RESPONSE__INIT;
    out.protocol_version = WIRE_PROTOCOL_VERSION;
    out.server_name = "liaisond " LIAISON_VERSION;
    out.max_frame_bytes = conn_max_frame(c);
    out.max_in_flight = (uint32_t)conn_max_in_flight(c);
    request_reply(r, &out.base);
}

struct ping_delay {
    uv_timer_t timer; /* first: the close callback gets this pointer */
    struct request *r;
};

static void ping_answer(struct request *r)
{
    const Liaison__V1__PingRequest *in = (const Liaison__V1__PingRequest *)r->input;
    Liaison__V1__PingResponse out = LIAISON__V1__PING_RESPONSE__INIT;
    out.echo = in->echo;
    request_reply(r, &out.base);
}

static void ping_delay_closed(uv_handle_t *h)
{
    free(h);
}

static void ping_delay_cb(uv_timer_t *t)
{
    struct ping_delay *d = (struct ping_delay *)t;
    ping_answer(d->r);
    uv_close((uv_handle_t *)t, ping_delay_closed);
}

void rpc_ping(struct request *r)
{
    const Liaison__V1__PingRequest *in = (const Liaison__V1__PingRequest *)r->input;
    if (in->delay_ms > PING_MAX_DELAY_MS) {
        request_fail_field(r, "delayMs", "at most 5000");
        return;
    }
    if (in->delay_ms == 0) {
        ping_answer(r);
        return;
    }
    struct ping_delay *d = malloc(sizeof *d);
    if (!d || uv_timer_init(&r->w->loop, &d->timer) != 0) {
        free(d);
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    d->r = r;
    uv_timer_start(&d->timer, ping_delay_cb, in->delay_ms, 0);
}

static void health_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    const PGresult *res = txn->results[0];
    Liaison__V1__GetHealthResponse out = LIAISON__V1__GET_HEALTH_RESPONSE__INIT;
    out.database_ok = 1;
    out.schema_version = (uint32_t)strtoul(PQgetvalue(res, 0, 0), NULL, 10);
    out.database_time = PQgetvalue(res, 0, 1);
    out.server_version = LIAISON_VERSION;
    request_reply(r, &out.base);
}

/* Sends r->txn, answering at once when the pool refuses it. */
static void submit(struct request *r, db_done_cb done)
{
    r->txn.done = done;
    r->txn.arg = r;
    int code = db_submit(r->w->db, &r->txn);
    if (code)
        request_fail_db(r, code, NULL);
}

void rpc_get_health(struct request *r)
{
    r->txn.nsteps = 1;
    r->txn.steps[0].stmt = &q_health;
    submit(r, health_done);
}

#define MIGRATIONS_CURSOR_TAG "mig"

static void list_migrations_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    const Liaison__V1__ListMigrationsRequest *in =
        (const Liaison__V1__ListMigrationsRequest *)r->input;
    const PGresult *res = txn->results[0];
    unsigned want = page_size(in->page);
    unsigned rows = (unsigned)PQntuples(res);
    unsigned n = rows > want ? want : rows;
    Liaison__V1__ListMigrationsResponse out = LIAISON__V1__LIST_MIGRATIONS_RESPONSE__INIT;
    Liaison__V1__PageResponse page = LIAISON__V1__PAGE_RESPONSE__INIT;
    out.page = &page;
    Liaison__V1__Migration *items = arena_alloc(&r->arena, sizeof *items * (n ? n : 1));
    Liaison__V1__Migration **ptrs = arena_alloc(&r->arena, sizeof *ptrs * (n ? n : 1));
    if (!items || !ptrs) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        liaison__v1__migration__init(&items[i]);
        items[i].version = (uint32_t)strtoul(PQgetvalue(res, (int)i, 0), NULL, 10);
        items[i].name = PQgetvalue(res, (int)i, 1);
        items[i].applied_at = PQgetvalue(res, (int)i, 2);
        ptrs[i] = &items[i];
    }
    out.n_migrations = n;
    out.migrations = ptrs;
    if (rows > want) {
        page.next_cursor =
            page_cursor_encode(&r->arena, MIGRATIONS_CURSOR_TAG, PQgetvalue(res, (int)n - 1, 0));
        if (!page.next_cursor) {
            request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
            return;
        }
    }
    request_reply(r, &out.base);
}

void rpc_list_migrations(struct request *r)
{
    const Liaison__V1__ListMigrationsRequest *in =
        (const Liaison__V1__ListMigrationsRequest *)r->input;
    char key[16];
    const char *cursor = in->page ? in->page->cursor : "";
    if (page_cursor_decode(cursor, MIGRATIONS_CURSOR_TAG, key, sizeof key) < 0 ||
        (key[0] && strspn(key, "0123456789") != strlen(key))) {
        request_fail_field(r, "page.cursor", "not a cursor from ListMigrations");
        return;
    }
    char *after = arena_strdup(&r->arena, key[0] ? key : "0");
    char *limit = arena_alloc(&r->arena, 16);
    if (!after || !limit) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    snprintf(limit, 16, "%u", page_size(in->page) + 1);
    r->txn.nsteps = 1;
    r->txn.steps[0].stmt = &q_list_migrations;
    r->txn.steps[0].values[0] = after;
    r->txn.steps[0].values[1] = limit;
    submit(r, list_migrations_done);
}
