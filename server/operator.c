/*
 * operator.c - the operators table, from the server host.
 */
#include "operator.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "auth.h"

static PGconn *operator_connect(const char *conninfo, char *err, size_t errlen)
{
    const char *keys[] = {"dbname", "application_name", NULL};
    const char *vals[] = {conninfo, "liaisond-operator", NULL};
    PGconn *pg = PQconnectdbParams(keys, vals, 1);
    if (!pg || PQstatus(pg) != CONNECTION_OK) {
        snprintf(err, errlen, "cannot connect: %s", pg ? PQerrorMessage(pg) : "out of memory");
        PQfinish(pg);
        return NULL;
    }
    return pg;
}

static int operator_exec(PGconn *pg, const char *sql, int n, const char *const *params, int *rows,
                         char *err, size_t errlen)
{
    PGresult *res = PQexecParams(pg, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    int rc = 0;
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        snprintf(err, errlen, "%s", PQresultErrorMessage(res));
        rc = -1;
    } else if (rows) {
        *rows = st == PGRES_TUPLES_OK ? PQntuples(res) : atoi(PQcmdTuples(res));
    }
    PQclear(res);
    return rc;
}

int operator_create(const char *conninfo, const char *name, char *token, size_t cap, char *err,
                    size_t errlen)
{
    if (auth_token_new(token, cap, 0, true) < 0) {
        snprintf(err, errlen, "no randomness for a token");
        return -1;
    }
    char hash[AUTH_HASH_HEX];
    auth_hash_hex(token, hash);
    PGconn *pg = operator_connect(conninfo, err, errlen);
    if (!pg)
        return -1;
    const char *params[] = {name, hash};
    int rc = operator_exec(pg, "INSERT INTO operators (name, token_hash) VALUES ($1, $2::bytea)", 2,
                           params, NULL, err, errlen);
    PQfinish(pg);
    return rc;
}

int operator_revoke(const char *conninfo, const char *name, char *err, size_t errlen)
{
    PGconn *pg = operator_connect(conninfo, err, errlen);
    if (!pg)
        return -1;
    const char *params[] = {name};
    int rows = 0;
    int rc = operator_exec(pg,
                           "UPDATE operators SET revoked_at = now()"
                           " WHERE name = $1 AND revoked_at IS NULL",
                           1, params, &rows, err, errlen);
    PQfinish(pg);
    if (rc == 0 && rows == 0) {
        snprintf(err, errlen, "no live operator named '%s'", name);
        return -1;
    }
    return rc;
}

int operator_certificate_key_register(const char *conninfo, const char *key, char *err,
                                      size_t errlen)
{
    PGconn *pg = operator_connect(conninfo, err, errlen);
    if (!pg)
        return -1;
    const char *params[] = {key};
    int rc = operator_exec(pg, "SELECT liaison_operator_certificate_key_register($1)", 1, params,
                           NULL, err, errlen);
    PQfinish(pg);
    return rc;
}
