/*
 * migrate.c - applies embedded migrations. Running it twice, or from two
 * hosts at once, applies each migration exactly once; an applied one whose
 * text has changed since (its recorded SHA-256 differs) stops it.
 */
#include "migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "db.h"
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

/*
 * Whether migration version was applied: 1 with its recorded checksum in
 * sum ("" when it was applied before checksums were kept), 0 when it was
 * not, -1 with err set.
 */
static int migrate_recorded(PGconn *pg, int version, char *sum, size_t sumlen, char *err,
                            size_t errlen)
{
    char v[16];
    snprintf(v, sizeof v, "%d", version);
    const char *params[] = {v};
    PGresult *res = PQexecParams(pg,
                                 "SELECT coalesce(checksum, '') AS checksum"
                                 " FROM schema_migrations WHERE version = $1::int",
                                 1, NULL, params, NULL, NULL, 0);
    int rc;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        snprintf(err, errlen, "%s", PQresultErrorMessage(res));
        rc = -1;
    } else if (PQntuples(res) == 0) {
        rc = 0;
    } else {
        snprintf(sum, sumlen, "%s", PQgetvalue(res, 0, PQfnumber(res, "checksum")));
        rc = 1;
    }
    PQclear(res);
    return rc;
}

/*
 * Whether schema_migrations has its checksum column: 1 yes, 0 no (a
 * database last migrated by a build that kept none, or never migrated),
 * -1 with err set.
 */
static int migrate_has_checksums(PGconn *pg, char *err, size_t errlen)
{
    PGresult *res = PQexec(pg, "SELECT 1 FROM pg_attribute"
                               " WHERE attrelid = to_regclass('schema_migrations')"
                               " AND attname = 'checksum' AND NOT attisdropped");
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

/* Records m's checksum for a migration applied before checksums were kept. */
static int migrate_record_checksum(PGconn *pg, const struct migration *m, char *err, size_t errlen)
{
    char v[16];
    snprintf(v, sizeof v, "%d", m->version);
    const char *params[] = {v, m->sha256};
    PGresult *res = PQexecParams(pg,
                                 "UPDATE schema_migrations SET checksum = $2"
                                 " WHERE version = $1::int AND checksum IS NULL",
                                 2, NULL, params, NULL, NULL, 0);
    int rc = 0;
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        snprintf(err, errlen, "%s", PQresultErrorMessage(res));
        rc = -1;
    }
    PQclear(res);
    return rc;
}

/* This build's migration of version, or NULL when it has none. */
static const struct migration *migrate_find(long version)
{
    for (int i = 0; i < migrations_count; i++)
        if (migrations[i].version == version)
            return &migrations[i];
    return NULL;
}

/*
 * Compares every applied migration with this build's recorded checksum,
 * in one read of schema_migrations; with record, fills in the ones applied
 * before checksums were kept (trusting this build's text for them, the
 * only text there is). One this build does not have is said, not refused:
 * during a rolling upgrade the release before keeps serving, and may
 * restart, on the schema the next one migrated (docs/scaling.md, 7); an
 * operator who removed a file, or started an older binary by mistake, is
 * told. Returns 0, or -1 with err naming the first migration that differs.
 */
static int migrate_check_applied(PGconn *pg, int record, char *err, size_t errlen)
{
    PGresult *res = PQexec(pg, "SELECT version, name, coalesce(checksum, '') AS checksum"
                               " FROM schema_migrations ORDER BY version");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        snprintf(err, errlen, "%s", PQresultErrorMessage(res));
        PQclear(res);
        return -1;
    }
    int rc = 0;
    for (int row = 0; rc == 0 && row < PQntuples(res); row++) {
        const char *version = PQgetvalue(res, row, 0), *sum = PQgetvalue(res, row, 2);
        const struct migration *m = migrate_find(strtol(version, NULL, 10));
        if (!m) {
            log_event(LOG_WARN, "applied migration unknown to this build",
                      "version=%s name=%.100s why=\"applied by a newer release, or its file "
                      "was removed\"",
                      version, PQgetvalue(res, row, 1));
        } else if (!sum[0]) {
            if (!record)
                continue;
            rc = migrate_record_checksum(pg, m, err, errlen);
            if (rc == 0)
                log_event(LOG_INFO, "migration checksum recorded", "version=%d name=%s sha256=%s",
                          m->version, m->name, m->sha256);
        } else if (strcmp(sum, m->sha256)) {
            snprintf(err, errlen,
                     "migration %04d_%s.sql was changed after it was applied (recorded sha256 "
                     "%.64s, this build's %s): restore its text and add a new migration instead",
                     m->version, m->name, sum, m->sha256);
            rc = -1;
        }
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
    const char *params[] = {v, m->name, m->sha256};
    PGresult *res = PQexecParams(pg,
                                 "INSERT INTO schema_migrations (version, name, checksum)"
                                 " VALUES ($1::int, $2, $3)",
                                 3, NULL, params, NULL, NULL, 0);
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

/* A blocking connection for the migrator, or NULL with err set. */
/* connect_timeout and options (the server's "-c" settings) may be NULL: libpq's defaults. */
static PGconn *migrate_connect(const char *conninfo, const char *connect_timeout,
                               const char *options, char *err, size_t errlen)
{
    const char *keys[5] = {"dbname", "application_name"};
    const char *vals[5] = {conninfo, "liaisond-migrate"};
    int n = 2;
    if (connect_timeout) {
        keys[n] = "connect_timeout";
        vals[n++] = connect_timeout;
    }
    if (options) {
        keys[n] = "options";
        vals[n++] = options;
    }
    PGconn *pg = PQconnectdbParams(keys, vals, 1);
    if (!pg || PQstatus(pg) != CONNECTION_OK) {
        snprintf(err, errlen, "cannot connect: %s", pg ? PQerrorMessage(pg) : "out of memory");
        PQfinish(pg);
        return NULL;
    }
    db_log_notices(pg);
    return pg;
}

int migrate_run(const char *conninfo, char *err, size_t errlen)
{
    PGconn *pg = migrate_connect(conninfo, NULL, NULL, err, errlen);
    if (!pg)
        return -1;
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
                     " applied_at timestamptz NOT NULL DEFAULT now(),"
                     " checksum text)",
                     err, errlen) < 0) {
        applied = -1;
        goto out;
    }
    /* Altered only when missing: ALTER needs ownership, and a migrate with
     * nothing to do must keep working for a role that only reads. */
    int has_checksums = migrate_has_checksums(pg, err, errlen);
    if (has_checksums < 0 ||
        (!has_checksums &&
         migrate_exec(pg, "ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS checksum text",
                      err, errlen) < 0)) {
        applied = -1;
        goto out;
    }
    /* Every applied migration is checked before any is applied, so a
     * changed history stops the run before anything builds on it. */
    if (migrate_check_applied(pg, 1, err, errlen) < 0) {
        applied = -1;
        goto out;
    }
    for (int i = 0; i < migrations_count; i++) {
        const struct migration *m = &migrations[i];
        char sum[128];
        int done = migrate_recorded(pg, m->version, sum, sizeof sum, err, errlen);
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

int migrate_verify(const char *conninfo, int connect_timeout_s, char *err, size_t errlen)
{
    char timeout[16];
    snprintf(timeout, sizeof timeout, "%d", connect_timeout_s);
    PGconn *pg = migrate_connect(conninfo, timeout, NULL, err, errlen);
    if (!pg)
        return 1;
    int rc = migrate_has_checksums(pg, err, errlen);
    if (rc == 0) {
        snprintf(err, errlen, "no migration checksums recorded yet (run liaisond migrate)");
        rc = 1;
    } else if (rc > 0) {
        rc = migrate_check_applied(pg, 0, err, errlen);
    }
    PQfinish(pg);
    return rc;
}

/*
 * What the role may do that row-level security does not stop: a superuser
 * or BYPASSRLS skips the policies, and a table's owner is not bound by them
 * unless forced, and may change them and the audit tables. A member of such
 * a role may do the same (SET ROLE, or ownership inherited), so membership
 * counts (pg_has_role ... MEMBER). At most three things owned are named.
 */
const char migrate_role_sql[] =
    "SELECT r.rolname, (SELECT string_agg(s.rolname, ', ' ORDER BY s.rolname) FROM pg_roles s"
    "  WHERE s.rolsuper AND pg_has_role(r.oid, s.oid, 'MEMBER')),"
    " (SELECT string_agg(s.rolname, ', ' ORDER BY s.rolname) FROM pg_roles s"
    "  WHERE s.rolbypassrls AND pg_has_role(r.oid, s.oid, 'MEMBER')),"
    " (SELECT string_agg(o.what, ', ' ORDER BY o.k, o.what) FROM (SELECT * FROM ("
    "  SELECT CASE WHEN c.relkind = 'S' THEN 2 WHEN c.relkind IN ('v', 'm') THEN 1 ELSE 0 END,"
    "  format('%s %s', CASE WHEN c.relkind = 'S' THEN 'sequence' WHEN c.relkind IN ('v', 'm')"
    "  THEN 'view' ELSE 'table' END, c.oid::regclass) FROM pg_class c"
    "  WHERE pg_has_role(r.oid, c.relowner, 'MEMBER') AND c.relkind IN ('r', 'p', 'S', 'v', 'm')"
    "  AND c.relnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)"
    "  AND c.relpersistence <> 't'"
    "  UNION ALL SELECT 3, format('function %s', p.oid::regprocedure) FROM pg_proc p"
    "  WHERE pg_has_role(r.oid, p.proowner, 'MEMBER')"
    "  AND p.pronamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)"
    "  UNION ALL SELECT 4, format('schema %s', n.nspname) FROM pg_namespace n"
    "  WHERE pg_has_role(r.oid, n.nspowner, 'MEMBER') AND n.nspname NOT LIKE 'pg\\_%'"
    "  AND n.nspname <> 'information_schema'"
    "  ) x (k, what) ORDER BY k, what LIMIT 3) o)"
    " FROM pg_roles r WHERE r.rolname = current_user";

int migrate_role_verdict(const PGresult *res, const char *setting, char *err, size_t errlen)
{
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 || PQnfields(res) != 4) {
        const char *why = PQresultErrorMessage(res);
        snprintf(err, errlen, "the role could not be read: %s", *why ? why : "no answer");
        size_t n = strlen(err);
        while (n && (err[n - 1] == '\n' || err[n - 1] == ' '))
            err[--n] = '\0';
        return 1;
    }
    const char *role = PQgetvalue(res, 0, 0), *super = PQgetvalue(res, 0, 1),
               *bypass = PQgetvalue(res, 0, 2), *owned = PQgetvalue(res, 0, 3);
    char why[600] = "";
    if (*super)
        snprintf(why, sizeof why, "is a superuser%s%s", strcmp(super, role) ? " through " : "",
                 strcmp(super, role) ? super : "");
    else if (*bypass)
        snprintf(why, sizeof why, "has BYPASSRLS%s%s", strcmp(bypass, role) ? " through " : "",
                 strcmp(bypass, role) ? bypass : "");
    else if (*owned)
        snprintf(why, sizeof why, "owns %s (itself or through a role it is a member of)", owned);
    if (!*why)
        return 0;
    snprintf(err, errlen,
             "%s connects as role %s, which %s: row-level security, the second wall "
             "between tenants, would not hold for it; connect as a role that only uses "
             "the tables (e.g. user=liaison_app) and keep the owner for "
             "migrate_database_url",
             setting, role, why);
    return -1;
}

int migrate_check_role(const char *setting, const char *conninfo, int connect_timeout_s, char *err,
                       size_t errlen)
{
    char timeout[16];
    snprintf(timeout, sizeof timeout, "%d", connect_timeout_s);
    /* A database that takes the connection and then stalls holds liaisond's main loop no
     * longer than the statement timeout. */
    PGconn *pg = migrate_connect(conninfo, timeout, "-c statement_timeout=5000", err, errlen);
    if (!pg)
        return 1;
    PGresult *res = PQexec(pg, migrate_role_sql);
    int rc = migrate_role_verdict(res, setting, err, errlen);
    PQclear(res);
    PQfinish(pg);
    return rc;
}
