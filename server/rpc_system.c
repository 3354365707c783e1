/*
 * rpc_system.c - Hello, Ping, GetHealth and ListMigrations, with the SQL
 * they run against schema_migrations.
 */
#include "rpc_system.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "log.h"
#include "liaison_version.h"
#include "wire.h"

#define PING_MAX_DELAY_MS 5000

static struct db_stmt q_health = {
    "SELECT coalesce(max(version), 0), " DB_RFC3339("now()") " FROM schema_migrations", 0, 0};

/* $1 after (a version), $2 limit. Migrations have no id on the wire: the page's key is _id. */
static struct db_stmt q_list_migrations = {
    "SELECT version, name, " DB_RFC3339("applied_at") " AS applied_at, version AS _id"
                                                      " FROM schema_migrations WHERE version > "
                                                      "$1::int ORDER BY version LIMIT $2::int",
    2, 0};
static struct exec_decl d_list_migrations = {.method = "ListMigrations",
                                             .query = {&q_list_migrations, {"@after", "@limit"}},
                                             .shape = EXEC_PAGE,
                                             .out = "migrations",
                                             .cursor = "mig"};

int rpc_system_register(void)
{
    struct db_stmt *const stmts[] = {&q_health};
    struct exec_decl *const decls[] = {&d_list_migrations};
    char err[256];
    if (db_register(stmts, 1) < 0)
        return -1;
    if (exec_register(decls, 1, err, sizeof err) < 0) {
        log_event(LOG_ERROR, "system RPCs refused", "reason=\"%s\"", err);
        return -1;
    }
    return 0;
}

void rpc_hello(struct request *r)
{
    const Liaison__V1__HelloRequest *in = (const Liaison__V1__HelloRequest *)r->input;
    if (in->protocol_version != WIRE_PROTOCOL_VERSION) {
        char msg[128];
        snprintf(msg, sizeof msg, "unsupported protocol version %u; this server speaks %d",
                 in->protocol_version, WIRE_PROTOCOL_VERSION);
        Liaison__V1__Status st = LIAISON__V1__STATUS__INIT;
        st.code = LIAISON__V1__CODE__FAILED_PRECONDITION;
        st.message = msg;
        st.server_protocol_version = WIRE_PROTOCOL_VERSION;
        request_fail_and_close(r, &st);
        return;
    }
    Liaison__V1__HelloResponse out = LIAISON__V1__HELLO_RESPONSE__INIT;
    out.protocol_version = WIRE_PROTOCOL_VERSION;
    out.server_name = "liaisond " LIAISON_VERSION;
    request_connection_ready(r, &out.max_frame_bytes, &out.max_in_flight);
    request_reply(r, &out.base);
}

static void ping_answer(struct request *r)
{
    const Liaison__V1__PingRequest *in = (const Liaison__V1__PingRequest *)r->input;
    Liaison__V1__PingResponse out = LIAISON__V1__PING_RESPONSE__INIT;
    out.echo = in->echo;
    request_reply(r, &out.base);
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
    if (request_defer(r, in->delay_ms, ping_answer) < 0)
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
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

void rpc_get_health(struct request *r)
{
    /* A database that hangs is as unhealthy as one that is down. */
    r->late_code = LIAISON__V1__CODE__UNAVAILABLE;
    r->late_message = "the database did not answer within the request's deadline";
    r->txn.nsteps = 1;
    r->txn.steps[0].stmt = &q_health;
    request_submit(r, health_done);
}

void rpc_list_migrations(struct request *r)
{
    exec_run(r, &d_list_migrations);
}
