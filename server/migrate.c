/*
 * migrate.c - applies embedded migrations. Running it twice, or from two
 * hosts at once, applies each migration exactly once.
 */
#include "migrate.h"

#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "log.h"

/* pg_advisory_lock key: "liaison" in ASCII, as a bigint. */
#define MIGRATE_LOCK_KEY "30515164586667886"

static int migrate_exec(PGconn *pg, const char *sql, char *err, size_t errlen)
{
    PGresult *res = PQexec(pg, sql);
    ExecStatusType st = PQresultStatus(res);
    int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok)
        snprintf(err, errlen, "%s", PQresultErrorMessage(res));
    PQclear(res);
    return ok ? 0 : -1;
}

static int migrate_applied(PGconn *pg, int version, char *err, size_t errlen)
{
    char v[16];
    snprintf(v, sizeof v, "%d", version);
    const char *params[] = {v};
    PGresult *res = PQexecParams(pg, "SELECT 1 FROM schema_migrations WHERE version = $1::int", 1,
                                 NULL, params, NULL, NULL, 0);
    int rc;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        snprintf(err, errlen, "%s", PQresultErrorMessage(res));
        rc = -1;
    } else {
        rc = PQntuples(res) > 0;
    }
    PQclear(res);
    return rc;
}

static int migrate_one(PGconn *pg, const struct migration *m, char *err, size_t errlen)
{
    if (migrate_exec(pg, "BEGIN", err, errlen) < 0)
        return -1;
    if (migrate_exec(pg, m->sql, err, errlen) < 0)
        goto rollback;
    char v[16];
    snprintf(v, sizeof v, "%d", m->version);
    const char *params[] = {v, m->name};
    PGresult *res =
        PQexecParams(pg, "INSERT INTO schema_migrations (version, name) VALUES ($1::int, $2)", 2,
                     NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        snprintf(err, errlen, "%s", PQresultErrorMessage(res));
        PQclear(res);
        goto rollback;
    }
    PQclear(res);
    return migrate_exec(pg, "COMMIT", err, errlen);
rollback:;
    char ignored[8];
    migrate_exec(pg, "ROLLBACK", ignored, sizeof ignored);
    return -1;
}

int migrate_run(const char *conninfo, char *err, size_t errlen)
{
    const char *keys[] = {"dbname", "application_name", NULL};
    const char *vals[] = {conninfo, "liaisond-migrate", NULL};
    PGconn *pg = PQconnectdbParams(keys, vals, 1);
    if (!pg || PQstatus(pg) != CONNECTION_OK) {
        snprintf(err, errlen, "cannot connect: %s", pg ? PQerrorMessage(pg) : "out of memory");
        PQfinish(pg);
        return -1;
    }
    int applied = 0;
    if (migrate_exec(pg, "SET client_min_messages = warning", err, errlen) < 0 ||
        migrate_exec(pg, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", err, errlen) < 0) {
        PQfinish(pg);
        return -1;
    }
    if (migrate_exec(pg,
                     "CREATE TABLE IF NOT EXISTS schema_migrations ("
                     " version int PRIMARY KEY,"
                     " name text NOT NULL,"
                     " applied_at timestamptz NOT NULL DEFAULT now())",
                     err, errlen) < 0) {
        applied = -1;
        goto out;
    }
    for (int i = 0; i < migrations_count; i++) {
        const struct migration *m = &migrations[i];
        int done = migrate_applied(pg, m->version, err, errlen);
        if (done < 0) {
            applied = -1;
            goto out;
        }
        if (done)
            continue;
        if (migrate_one(pg, m, err, errlen) < 0) {
            char why[512];
            snprintf(why, sizeof why, "%s", err);
            snprintf(err, errlen, "migration %04d_%s: %s", m->version, m->name, why);
            applied = -1;
            goto out;
        }
        log_event(LOG_INFO, "migration applied", "version=%d name=%s", m->version, m->name);
        applied++;
    }
out:;
    char ignored[8];
    migrate_exec(pg, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")", ignored, sizeof ignored);
    PQfinish(pg);
    return applied;
}
