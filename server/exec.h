/*
 * exec.h - plain RPCs as declarations, and the one executor that runs them.
 *
 * A plain RPC is a get, a list, or a change that is one statement (with its
 * audit row), optionally after one check that raises (liaison_check,
 * liaison_found). Its declaration says which request fields bind to which
 * parameters and which response field receives the row or the rows; the
 * statement's column names are the proto field names of the item it fills
 * (SQL folds unquoted aliases to lower case, as proto names are). The
 * executor runs the credential check, the statements, and fills the
 * response through protobuf-c's descriptors: no per-RPC callback, no
 * positional result index. Handlers with more steps (log-in, passwords,
 * charter activation) are written by hand on the same request API.
 *
 * Conversions, both ways: integers, bools, strings, enums by value name,
 * repeated integers and strings (parameters as PostgreSQL array literals,
 * columns as array_to_json(...) text). A repeated message is a parameter
 * too: a JSON array of objects of its scalar fields by proto name, every
 * value as text (the SQL casts: (e->>'quantity')::bigint). A bytes request
 * field binds as bytea (hex input text); no column fills a bytes field. A
 * NULL column leaves the field at its default. Timestamps are strings the
 * SQL formats (DB_RFC3339). A column
 * whose name starts with '_' is no field: a page's key is its `id`, or
 * `_id` for items that have no id on the wire, and for a list in time
 * order (EXEC_BY_TIME) its `_page_at` too.
 *
 * Columns only: a message field is filled from a JSON object
 * (json_build_object), a repeated message field from a JSON array of them
 * (json_agg). Keys are the nested message's proto field names; values
 * convert as columns do: integers from JSON integers or strings of digits
 * (64-bit ids either way, exact), strings, bools, enums by value name,
 * repeated fields from arrays, messages recursively, at most
 * EXEC_JSON_MAX_DEPTH deep. JSON null or a missing key leaves the default; a
 * key that is no field is an error naming it. Everything filled lives in
 * the response's arena.
 */
#ifndef LIAISON_EXEC_H
#define LIAISON_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <libpq-fe.h>

#include "request.h"

/*
 * The end of a change written as "WITH m AS (INSERT/UPDATE/DELETE ...
 * RETURNING ...)": every row of m, each with its audit row written by the
 * database (liaison_audit, migration 0009). action is SQL: a quoted literal
 * ("'product.create'") or an expression.
 */
#define EXEC_AUDITED(action, entity)                                                               \
    " SELECT * FROM m WHERE liaison_audit(" action ", '" entity "', m.id::text)"

/* What the query gives the response. */
enum exec_shape {
    EXEC_ONE,  /* one row into the message field `out` (NULL: the response); none is NOT_FOUND */
    EXEC_PAGE, /* rows into the repeated field `out`, paginated (enum exec_order), and `page` */
    EXEC_NONE  /* one row that only says it happened (none is NOT_FOUND); no `out` */
};

/*
 * The order of a list's pages (EXEC_PAGE). The cursor carries the key of the
 * last row shown; the statement continues after it with "@after" (and
 * "@after_at"), and orders by the same key, or pages skip and repeat rows.
 */
enum exec_order {
    /* By id ("ORDER BY x.id"): "@after" is the last id shown, "0" before the first page. */
    EXEC_BY_ID,
    /*
     * By a time, then id, for lists read as a timeline: the rows give the
     * time as `_page_at` (EXEC_PAGE_AT), "@after_at" is the last time shown
     * as a timestamptz ("-infinity" before the first page) and "@after" its
     * id: "AND (x.at, x.id) > ($n::timestamptz, $m::bigint) ORDER BY x.at, x.id",
     * which an index on (tenant_id, at, id) serves.
     */
    EXEC_BY_TIME,
};

/* The `_page_at` column of a list in time order: expr (a timestamptz) in exact microseconds. */
#define EXEC_PAGE_AT(expr) "(extract(epoch FROM " expr ") * 1000000)::bigint AS _page_at"

#define EXEC_MAX_FILTERS 6
/* Messages nested in one JSON column: the schema has no recursion, this bounds it if it ever has.
 */
#define EXEC_JSON_MAX_DEPTH 8

/*
 * A statement and what binds to $1, $2, ...: a request field by its proto
 * name, nested ones joined by dots ("grant.region"); "=text" for a literal;
 * "@null" for SQL NULL; "@after", "@after_at" and "@limit" for a page's
 * position (enum exec_order) and size. The audit columns are the database's (liaison_audit,
 * migration 0009).
 */
struct exec_step {
    struct db_stmt *stmt;
    const char *params[DB_MAX_PARAMS];
};

struct exec_decl {
    const char *method;     /* as in the proto: checked against it at start-up */
    struct exec_step check; /* optional (stmt NULL): runs first, only to raise */
    struct exec_step query; /* the statement whose rows make the answer */
    /*
     * Optional (stmt NULL): runs after query and its rows make the answer
     * instead, for a change that answers with the whole record it changed,
     * read after the change in the same transaction.
     */
    struct exec_step reply;
    enum exec_shape shape;
    const char *out; /* response field (proto name) receiving the row or rows */
    /* EXEC_PAGE: the cursor's tag, and the request fields the cursor is bound to. */
    const char *cursor;
    enum exec_order order; /* EXEC_PAGE: by id unless said */
    const char *filters[EXEC_MAX_FILTERS];
    const char *not_found; /* EXEC_ONE: the message when no row comes back */
    const char *exists;    /* the message for ALREADY_EXISTS (NULL: the generic one) */
    const char *invalid;   /* for a value PostgreSQL refuses to parse (NULL: the generic one) */
};

/*
 * Registers the statements of n declarations and checks each against its
 * method in the proto: every parameter names a field of the request, `out`
 * a field of the response of the right kind, a page has `page` fields.
 * Returns 0, or -1 with err set.
 */
int exec_register(struct exec_decl *const *decls, int n, char *err, size_t errlen);

/* Runs d for r (its input already validated by the handler) and answers. */
void exec_run(struct request *r, const struct exec_decl *d);

/*
 * The text of request field path ("grant.region") of msg as a parameter,
 * in a (NULL for an absent nested message). *ok is false when path names no
 * field or memory ran out.
 */
const char *exec_param(struct arena *a, const ProtobufCMessage *msg, const char *path, bool *ok);

/*
 * Fills msg's fields from row `row` of res, column by column by name.
 * Strings of plain columns point into res; whatever comes from JSON is in
 * a. Returns 0, or -1 with err naming the column (and the JSON path); when
 * a ran out of memory, a->failed is set too.
 */
int exec_fill(struct arena *a, const PGresult *res, int row, ProtobufCMessage *msg, char *err,
              size_t errlen);

#endif
