/*
 * migrate.h - the schema migrations compiled into liaisond
 * (server/migrations/NNNN_name.sql), applied in order under a PostgreSQL
 * advisory lock so that two servers starting together apply each once.
 */
#ifndef LIAISON_MIGRATE_H
#define LIAISON_MIGRATE_H

#include <stddef.h>

struct migration {
    int version;
    const char *name;
    const char *sql;
};

/* Generated from server/migrations by the build. */
extern const struct migration migrations[];
extern const int migrations_count;

/*
 * Connects with conninfo (blocking: call it before any loop runs), applies
 * every migration not yet recorded in schema_migrations, each in its own
 * transaction. Returns the number applied, or -1 with err set.
 */
int migrate_run(const char *conninfo, char *err, size_t errlen);

#endif
