/*
 * operator.c - the operators table, from the server host.
 */
#include "operator.h"

#include <ctype.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "auth.h"
#include "db.h"

static PGconn *operator_connect(const char *conninfo, char *err, size_t errlen)
{
    /*
     * At most 10 s to connect and 5 s a statement: the server's start, reload and retries
     * wait on it on the thread that handles its signals.
     */
    const char *keys[] = {"dbname", "application_name", "connect_timeout", "options", NULL};
    const char *vals[] = {conninfo, "liaisond-operator", "10",
                          "-c statement_timeout=5000 -c lock_timeout=5000", NULL};
    PGconn *pg = PQconnectdbParams(keys, vals, 1);
    if (!pg || PQstatus(pg) != CONNECTION_OK) {
        snprintf(err, errlen, "cannot connect: %s", pg ? PQerrorMessage(pg) : "out of memory");
        PQfinish(pg);
        return NULL;
    }
    db_log_notices(pg);
    return pg;
}

/*
 * Runs sql; on failure err holds PostgreSQL's primary message only (its
 * DETAIL would print the failing row, the new token's hash in it) and
 * *sqlstate (6 bytes) the error's code. Returns 0 or -1.
 */
static int operator_exec(PGconn *pg, const char *sql, int n, const char *const *params, int *rows,
                         char sqlstate[6], char *err, size_t errlen)
{
    PGresult *res = PQexecParams(pg, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    int rc = 0;
    sqlstate[0] = '\0';
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
        const char *code = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        snprintf(err, errlen, "%s", primary ? primary : PQresultErrorMessage(res));
        snprintf(sqlstate, 6, "%s", code ? code : "");
        rc = -1;
    } else if (rows) {
        *rows = st == PGRES_TUPLES_OK ? PQntuples(res) : atoi(PQcmdTuples(res));
    }
    PQclear(res);
    return rc;
}

/*
 * Who runs this on the host, for the platform's audit row (an operator's making and revocation
 * were recorded nowhere; an operator's try-out): the account the process runs as, from the
 * system's user database, since USER is whatever the caller sets; through sudo that account is
 * root, and SUDO_USER, which sudo sets in root's environment, says who asked.
 */
static void operator_host_user(char *out, size_t cap)
{
    struct passwd pw, *found = NULL;
    char buf[4096];
    uid_t uid = getuid();
    const char *sudo = uid == 0 ? getenv("SUDO_USER") : NULL;
    if (getpwuid_r(uid, &pw, buf, sizeof buf, &found) != 0 || !found)
        snprintf(out, cap, "host:uid %u", (unsigned)uid);
    else if (sudo && *sudo)
        snprintf(out, cap, "host:%.64s (sudo by %.64s)", found->pw_name, sudo);
    else
        snprintf(out, cap, "host:%.64s", found->pw_name);
}

/* The change, audited in the same statement; actor is the parameter holding the host user. */
#define OPERATOR_AUDITED(change, action, actor)                                                    \
    "WITH o AS (" change " RETURNING name)"                                                        \
    " INSERT INTO platform_audit (actor, action, tenant_slug, request_id, source, detail)"         \
    " SELECT " actor ", '" action "', '', '', 'liaisond on the host (database role ' ||"           \
    " session_user || ')', 'operator ' || o.name FROM o"

/* The operators table's rule for a name (migration 0002), said before asking. */
static bool operator_name_valid(const char *name)
{
    size_t n = strlen(name);
    if (n < 1 || n > 63 || !(islower((unsigned char)name[0]) || isdigit((unsigned char)name[0])))
        return false;
    for (size_t i = 1; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!(islower(c) || isdigit(c) || c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

int operator_create(const char *conninfo, const char *name, char *token, size_t cap, char *err,
                    size_t errlen)
{
    if (!operator_name_valid(name)) {
        /* Said back to a terminal: a control character in it is shown, not obeyed. */
        char shown[80];
        size_t n = 0;
        for (const char *p = name; *p && n + 5 < sizeof shown; p++)
            n += (unsigned char)*p < 0x20 || *p == 0x7f
                     ? (size_t)snprintf(shown + n, sizeof shown - n, "\\x%02x", (unsigned char)*p)
                     : (size_t)snprintf(shown + n, sizeof shown - n, "%c", *p);
        snprintf(err, errlen,
                 "'%s' is not an operator name: 1-63 of a-z, 0-9, '.', '_', '-', starting with a "
                 "letter or digit (a certificate's common name, for operator_ca)",
                 shown);
        return -2;
    }
    if (auth_token_new(token, cap, 0, true) < 0) {
        snprintf(err, errlen, "no randomness for a token");
        return -1;
    }
    char hash[AUTH_HASH_HEX];
    auth_hash_hex(token, hash);
    PGconn *pg = operator_connect(conninfo, err, errlen);
    if (!pg)
        return -1;
    char actor[160];
    operator_host_user(actor, sizeof actor);
    const char *params[] = {name, hash, actor};
    char sqlstate[6];
    int rc = operator_exec(pg,
                           OPERATOR_AUDITED("INSERT INTO operators (name, token_hash)"
                                            " VALUES ($1, $2::bytea)",
                                            "operator.create", "$3"),
                           3, params, NULL, sqlstate, err, errlen);
    PQfinish(pg);
    if (rc < 0 && !strcmp(sqlstate, "23505"))
        snprintf(err, errlen,
                 "an operator named '%s' exists already, or was revoked: a name is not given "
                 "again, choose another",
                 name);
    return rc;
}

int operator_revoke(const char *conninfo, const char *name, char *err, size_t errlen)
{
    PGconn *pg = operator_connect(conninfo, err, errlen);
    if (!pg)
        return -1;
    char actor[160];
    operator_host_user(actor, sizeof actor);
    const char *params[] = {name, actor};
    int rows = 0;
    char sqlstate[6];
    int rc = operator_exec(pg,
                           OPERATOR_AUDITED("UPDATE operators SET revoked_at = now()"
                                            " WHERE name = $1 AND revoked_at IS NULL",
                                            "operator.revoke", "$2"),
                           2, params, &rows, sqlstate, err, errlen);
    PQfinish(pg);
    if (rc == 0 && rows == 0) {
        snprintf(err, errlen, "no live operator named '%s'", name);
        return -1;
    }
    return rc;
}

int operator_list(const char *conninfo, FILE *out, char *err, size_t errlen)
{
    PGconn *pg = operator_connect(conninfo, err, errlen);
    if (!pg)
        return -1;
    PGresult *res = PQexec(pg, "SELECT name, to_char(created_at AT TIME ZONE 'UTC',"
                               " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), coalesce(to_char(revoked_at"
                               " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '-')"
                               " FROM operators ORDER BY name");
    int rc = 0;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
        snprintf(err, errlen, "%s", primary ? primary : PQerrorMessage(pg));
        rc = -1;
    } else {
        int width = 4;
        for (int i = 0; i < PQntuples(res); i++)
            if (PQgetlength(res, i, 0) > width)
                width = PQgetlength(res, i, 0);
        fprintf(out, "%-*s  %-20s  %s\n", width, "NAME", "CREATED", "REVOKED");
        for (int i = 0; i < PQntuples(res); i++)
            fprintf(out, "%-*s  %-20s  %s\n", width, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
                    PQgetvalue(res, i, 2));
    }
    PQclear(res);
    PQfinish(pg);
    return rc;
}

int operator_certificate_key_register(const char *conninfo, const char *key, char *err,
                                      size_t errlen)
{
    PGconn *pg = operator_connect(conninfo, err, errlen);
    if (!pg)
        return -1;
    const char *params[] = {key};
    char sqlstate[6];
    int rc = operator_exec(pg, "SELECT liaison_operator_certificate_key_register($1)", 1, params,
                           NULL, sqlstate, err, errlen);
    PQfinish(pg);
    return rc;
}
