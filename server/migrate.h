/*
 * migrate.h - the schema migrations compiled into liaisond
 * (server/migrations/NNNN_name.sql), applied in order under a PostgreSQL
 * advisory lock so that two servers starting together apply each once.
 * Each applied migration's SHA-256 is recorded in schema_migrations; one
 * whose text changed after it was applied stops migrate and serve, since
 * the schema no longer is what the migrations in this build describe. An
 * applied migration this build lacks (a newer release's, or a removed
 * file's) is logged as a warning, since the release before serves on the
 * next one's schema during a rolling upgrade.
 */
#ifndef LIAISON_MIGRATE_H
#define LIAISON_MIGRATE_H

#include <libpq-fe.h>
#include <stddef.h>

struct migration {
    int version;
    const char *name;
    const char *sql;
    const char *sha256; /* of the file's bytes, lower-case hex */
};

/* Generated from server/migrations by the build. */
extern const struct migration migrations[];
extern const int migrations_count;

/*
 * Connects with conninfo (blocking: call it before any loop runs), checks
 * every applied migration against its recorded checksum (recording it for
 * those applied before checksums were kept), then applies every migration
 * not yet recorded in schema_migrations, each in its own transaction.
 * Returns the number applied, or -1 with err set (naming the migration
 * whose text changed, when that is why).
 */
int migrate_run(const char *conninfo, char *err, size_t errlen);

/*
 * Connects with conninfo (blocking, at most connect_timeout_s to connect)
 * and checks the recorded checksums without changing anything, for a
 * server that does not migrate at start. Returns 0 when they all match,
 * -1 with err set when one differs or the check failed, 1 with err set
 * when nothing could be checked (no connection, or no checksums recorded
 * yet): the caller decides whether to start anyway.
 */
int migrate_verify(const char *conninfo, int connect_timeout_s, char *err, size_t errlen);

/*
 * Connects with one of liaisond's own conninfos (setting names it:
 * database_url, standby_database_url; blocking, at most connect_timeout_s
 * to connect) and checks that its role is bound by row-level security: not
 * a superuser, without BYPASSRLS, owning no table, sequence, view, function
 * or schema, neither itself nor through a role it is a member of. Returns
 * 0 when it is, -1 with err naming what it may do, 1 with err set when
 * nothing could be checked.
 */
int migrate_check_role(const char *setting, const char *conninfo, int connect_timeout_s, char *err,
                       size_t errlen);

/*
 * The check itself, for a connection that is already open (the pools run it
 * as each connection is prepared): migrate_role_sql, no parameters, one row;
 * migrate_role_verdict reads its result as migrate_check_role answers.
 */
extern const char migrate_role_sql[];
int migrate_role_verdict(const PGresult *res, const char *setting, char *err, size_t errlen);

#endif
