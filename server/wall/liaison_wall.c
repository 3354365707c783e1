/* liaison_wall: a transaction's verified context in backend memory.
 *
 * Migration 0026 made row-level security believe the liaison.* settings
 * only when their HMAC verified, and every policy recomputed it: two
 * SHA-256 and a PL/pgSQL call per table of every statement. Here the
 * owner's credential checks write a context with liaison_wall_set(), which
 * writes the settings and seals them: it copies them into this backend's
 * memory. liaison_wall_valid() compares the settings with that copy, which
 * costs a few string comparisons.
 *
 * Nobody but the extension's owner may execute liaison_wall_set() (the
 * script grants it to no one else), so liaisond's role cannot seal values
 * it chose. The one other sealer, liaison_wall_auth() (version 1.1, below),
 * seals only the context a live credential gives. The copy lives as long
 * as the settings it copied would: it is dropped when the transaction
 * ends, and a subtransaction's seal is undone when the subtransaction
 * aborts, as its SET LOCALs are. */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "port.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

PG_MODULE_MAGIC;

/* Every setting a policy, a reader or a handler's SQL takes as the caller. */
static const char *const wall_settings[] = {
    "liaison.tenant_id", "liaison.user_id",  "liaison.role",        "liaison.distributor_id",
    "liaison.sees_all",  "liaison.operator", "liaison.context_mac",
};
#define WALL_NSETTINGS (sizeof wall_settings / sizeof wall_settings[0])

/* A seal, and the one it replaced in an enclosing subtransaction. */
typedef struct WallSeal {
    int nest_level;
    char *values[WALL_NSETTINGS];
    struct WallSeal *outer;
} WallSeal;

/* In TopTransactionContext: gone with the transaction. */
static WallSeal *wall_seal;

/* Whether session user wall_trusted_for may read without a seal. */
static Oid wall_trusted_for = InvalidOid;
static bool wall_trusted;

static void wall_xact_callback(XactEvent event, void *arg)
{
    (void)arg;
    switch (event) {
    case XACT_EVENT_COMMIT:
    case XACT_EVENT_PARALLEL_COMMIT:
    case XACT_EVENT_ABORT:
    case XACT_EVENT_PARALLEL_ABORT:
    case XACT_EVENT_PREPARE:
        wall_seal = NULL;
        break;
    default:
        break;
    }
}

static void wall_subxact_callback(SubXactEvent event, SubTransactionId sub, SubTransactionId parent,
                                  void *arg)
{
    int level = GetCurrentTransactionNestLevel();

    (void)sub;
    (void)parent;
    (void)arg;
    if (event == SUBXACT_EVENT_ABORT_SUB) {
        while (wall_seal != NULL && wall_seal->nest_level >= level)
            wall_seal = wall_seal->outer;
    } else if (event == SUBXACT_EVENT_COMMIT_SUB && wall_seal != NULL &&
               wall_seal->nest_level >= level) {
        /* The parent now holds this seal, in place of any it had itself. */
        while (wall_seal->outer != NULL && wall_seal->outer->nest_level >= level - 1)
            wall_seal->outer = wall_seal->outer->outer;
        wall_seal->nest_level = level - 1;
    }
}

void _PG_init(void);
void _PG_init(void)
{
    RegisterXactCallback(wall_xact_callback, NULL);
    RegisterSubXactCallback(wall_subxact_callback, NULL);
}

static const char *wall_setting(size_t i)
{
    const char *v = GetConfigOption(wall_settings[i], true, false);

    return v != NULL ? v : "";
}

/* Copies the settings as this (sub)transaction's verified context. */
static void wall_seal_settings(void)
{
    int level = GetCurrentTransactionNestLevel();
    MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
    WallSeal *seal = palloc(sizeof *seal);

    for (size_t i = 0; i < WALL_NSETTINGS; i++)
        seal->values[i] = pstrdup(wall_setting(i));
    MemoryContextSwitchTo(old);
    seal->nest_level = level;
    /* A seal of the same (sub)transaction replaces the one before it. */
    seal->outer =
        wall_seal != NULL && wall_seal->nest_level == level ? wall_seal->outer : wall_seal;
    wall_seal = seal;
}

static void wall_id_text(char *out, size_t size, FunctionCallInfo fcinfo, int arg)
{
    if (PG_ARGISNULL(arg))
        out[0] = '\0';
    else
        snprintf(out, size, INT64_FORMAT, PG_GETARG_INT64(arg));
}

/* 256 bits unique to each seal of this backend: random bits drawn once,
 * the seal's serial added in. pg_strong_random() and snprintf() for every
 * seal cost 3.5 µs, a third of a read's whole wall (two seals each). */
static void wall_nonce_hex(char out[65])
{
    static uint8 nonce[32];
    static bool drawn;
    static uint64 serial;
    uint8 seal[32];
    uint64 head;

    if (!drawn) {
        if (!pg_strong_random(nonce, sizeof nonce))
            ereport(ERROR, (errmsg("could not generate random bytes for the context")));
        drawn = true;
    }
    memcpy(seal, nonce, sizeof seal);
    memcpy(&head, seal, sizeof head);
    head += ++serial;
    memcpy(seal, &head, sizeof head);
    hex_encode((const char *)seal, sizeof seal, out);
    out[64] = '\0';
}

/* A setting for the rest of the transaction, as SET LOCAL would. */
static void wall_set_local(const char *name, const char *value)
{
    if (set_config_option(name, value, superuser() ? PGC_SUSET : PGC_USERSET, PGC_S_SESSION,
                          GUC_ACTION_LOCAL, true, 0, false) <= 0)
        ereport(ERROR, (errmsg("could not set %s", name)));
}

/* Writes the context's settings (the first six of wall_settings) and seals them. */
static void wall_write_context(const char *const values[WALL_NSETTINGS - 1])
{
    char nonce_hex[65];

    wall_nonce_hex(nonce_hex);
    for (size_t i = 0; i < WALL_NSETTINGS - 1; i++)
        wall_set_local(wall_settings[i], values[i]);
    wall_set_local(wall_settings[WALL_NSETTINGS - 1], nonce_hex);
    wall_seal_settings();
}

/* liaison_wall_set(tenant, user, role, distributor, sees_all, operator):
 * the context's settings for the rest of the transaction, as text the
 * way SQL casts them (NULL: empty), and sealed. liaison.context_mac, whose
 * name statements and tests know, gets a value unique to the seal: the
 * seal, not the value, is what is believed. */
PG_FUNCTION_INFO_V1(liaison_wall_set);
Datum liaison_wall_set(PG_FUNCTION_ARGS)
{
    char tenant[24], user[24], distributor[24];
    const char *values[WALL_NSETTINGS - 1];

    wall_id_text(tenant, sizeof tenant, fcinfo, 0);
    wall_id_text(user, sizeof user, fcinfo, 1);
    wall_id_text(distributor, sizeof distributor, fcinfo, 3);
    values[0] = tenant;
    values[1] = user;
    values[2] = PG_ARGISNULL(2) ? "" : text_to_cstring(PG_GETARG_TEXT_PP(2));
    values[3] = distributor;
    values[4] = PG_ARGISNULL(4) ? "" : PG_GETARG_BOOL(4) ? "true" : "false";
    values[5] = !PG_ARGISNULL(5) && PG_GETARG_BOOL(5) ? "on" : "";
    wall_write_context(values);
    PG_RETURN_VOID();
}

/* The extension's owner (the role that ran the migrations) and superusers
 * own or bypass the policies anyway; their sessions may set the settings by
 * hand (tests, benchmarks, psql on the host). */
static bool wall_trusted_session(void)
{
    Oid session = GetSessionUserId();
    Relation rel;
    ScanKeyData key;
    SysScanDesc scan;
    HeapTuple tuple;
    bool trusted;

    if (OidIsValid(wall_trusted_for) && wall_trusted_for == session)
        return wall_trusted;
    trusted = superuser_arg(session);
    if (!trusted) {
        rel = table_open(ExtensionRelationId, AccessShareLock);
        ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ,
                    CStringGetDatum("liaison_wall"));
        scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
        tuple = systable_getnext(scan);
        trusted =
            HeapTupleIsValid(tuple) && ((Form_pg_extension)GETSTRUCT(tuple))->extowner == session;
        systable_endscan(scan);
        table_close(rel, AccessShareLock);
    }
    wall_trusted_for = session;
    wall_trusted = trusted;
    return trusted;
}

PG_FUNCTION_INFO_V1(liaison_wall_valid);
Datum liaison_wall_valid(PG_FUNCTION_ARGS)
{
    (void)fcinfo;
    if (wall_seal != NULL) {
        size_t i = 0;

        while (i < WALL_NSETTINGS && strcmp(wall_seal->values[i], wall_setting(i)) == 0)
            i++;
        if (i == WALL_NSETTINGS)
            PG_RETURN_BOOL(true);
    }
    PG_RETURN_BOOL(wall_trusted_session());
}

/*
 * The credential check, in C (migration 0093).
 *
 * liaison_auth() was PL/pgSQL: nested calls, two of them SECURITY DEFINER
 * with their own search_path, and about nine statements run through SPI,
 * each planned, started and policed by row-level security; about 60 us of
 * every request before its own work began. Now it is liaison_wall_auth():
 * three lookups by unique index (the tenant, the token's session, its
 * user) and the settings written and sealed here. The rules are
 * liaison_auth()'s: the tenant exists and is active, the token's SHA-256
 * is a session or API token of it, not revoked, not expired, its user
 * enabled; the refusals are its SQLSTATEs and messages.
 *
 * The lookups read the three tables directly, past their policies, as a
 * SECURITY DEFINER function of the owner would: the caller (liaisond's
 * role) sees nothing of them, and learns only what liaison_auth() told it,
 * its own context or the refusal. At every call the tables are opened by
 * their names in schema public (never through search_path), their
 * columns found by name with their types checked, and each index chosen
 * by its shape (unique on exactly the key, valid, live, no expression or
 * predicate), so that a migration that changed them makes the check fail
 * with a message, not pass wrongly.
 */

static AttrNumber wall_column(Relation rel, const char *column, Oid type)
{
    AttrNumber attnum = get_attnum(RelationGetRelid(rel), column);

    if (attnum <= 0 || get_atttype(RelationGetRelid(rel), attnum) != type)
        ereport(ERROR, (errmsg("the credential check needs %s.%s of type %s",
                               RelationGetRelationName(rel), column, format_type_be(type))));
    return attnum;
}

/*
 * The index of rel that finds one row by exactly these columns: unique,
 * valid, ready, live, no expression, no predicate. Chosen by what it is,
 * not by its name, so that a renamed or rebuilt index still serves and an
 * index of another shape is never taken for it.
 */
static Oid wall_unique_index(Relation rel, int nkeys, const AttrNumber *attnums)
{
    List *indexes = RelationGetIndexList(rel);
    ListCell *lc;
    Oid found = InvalidOid;

    foreach (lc, indexes) {
        HeapTuple tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(lfirst_oid(lc)));
        Form_pg_index index;
        bool fits;

        if (!HeapTupleIsValid(tuple))
            continue;
        index = (Form_pg_index)GETSTRUCT(tuple);
        fits = index->indisunique && index->indisvalid && index->indisready && index->indislive &&
               index->indnkeyatts == nkeys && heap_attisnull(tuple, Anum_pg_index_indexprs, NULL) &&
               heap_attisnull(tuple, Anum_pg_index_indpred, NULL);
        for (int i = 0; fits && i < nkeys; i++)
            fits = index->indkey.values[i] == attnums[i];
        ReleaseSysCache(tuple);
        if (fits) {
            found = lfirst_oid(lc);
            break;
        }
    }
    list_free(indexes);
    if (!OidIsValid(found))
        ereport(ERROR, (errmsg("the credential check needs a unique index on %s's key",
                               RelationGetRelationName(rel))));
    return found;
}

/* A lookup: keys (bigint or bytea) by a unique index, columns copied out. */
typedef struct WallLookup {
    const char *table;
    int nkeys;
    const char *key_columns[2];
    Oid key_types[2];
    Datum keys[2];
    int ncolumns;
    const char *columns[4];
    Oid types[4];
    Datum values[4];
    bool nulls[4];
} WallLookup;

/*
 * Fills l->values and l->nulls from the row the keys find in public's
 * table, as of a snapshot taken now (what each statement of the PL/pgSQL
 * check saw); false when there is none. The table stays locked until the
 * transaction ends, as a query's would.
 */
static bool wall_lookup(WallLookup *l)
{
    Relation rel = table_openrv(makeRangeVar("public", (char *)l->table, -1), AccessShareLock);
    AttrNumber key_attnums[2], attnums[4];
    ScanKeyData keys[2];
    Snapshot snapshot;
    SysScanDesc scan;
    HeapTuple tuple;
    bool found;

    if (rel->rd_rel->relkind != RELKIND_RELATION)
        ereport(ERROR, (errmsg("the credential check needs public.%s to be a table", l->table)));
    for (int i = 0; i < l->nkeys; i++) {
        key_attnums[i] = wall_column(rel, l->key_columns[i], l->key_types[i]);
        ScanKeyInit(&keys[i], key_attnums[i], BTEqualStrategyNumber,
                    l->key_types[i] == INT8OID ? F_INT8EQ : F_BYTEAEQ, l->keys[i]);
    }
    for (int i = 0; i < l->ncolumns; i++)
        attnums[i] = wall_column(rel, l->columns[i], l->types[i]);
    snapshot = RegisterSnapshot(GetTransactionSnapshot());
    scan = systable_beginscan(rel, wall_unique_index(rel, l->nkeys, key_attnums), true, snapshot,
                              l->nkeys, keys);
    tuple = systable_getnext(scan);
    found = HeapTupleIsValid(tuple);
    for (int i = 0; found && i < l->ncolumns; i++) {
        Datum v = heap_getattr(tuple, attnums[i], RelationGetDescr(rel), &l->nulls[i]);
        int16 len;
        bool byval;

        get_typlenbyval(l->types[i], &len, &byval);
        l->values[i] = l->nulls[i] ? (Datum)0 : datumCopy(v, byval, len);
    }
    systable_endscan(scan);
    UnregisterSnapshot(snapshot);
    table_close(rel, NoLock);
    return found;
}

/*
 * sha256(convert_to(token, 'UTF8')), as the sessions table stores it.
 */
static bytea *wall_token_hash(text *token)
{
    int len = VARSIZE_ANY_EXHDR(token);
    const char *utf8 = pg_server_to_any(VARDATA_ANY(token), len, PG_UTF8);
    bytea *hash = palloc(VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
    pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);

    if (utf8 != VARDATA_ANY(token))
        len = strlen(utf8);
    SET_VARSIZE(hash, VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
    if (ctx == NULL || pg_cryptohash_init(ctx) < 0 ||
        pg_cryptohash_update(ctx, (const uint8 *)utf8, len) < 0 ||
        pg_cryptohash_final(ctx, (uint8 *)VARDATA(hash), PG_SHA256_DIGEST_LENGTH) < 0) {
        pg_cryptohash_free(ctx);
        ereport(ERROR, (errmsg("could not hash the token")));
    }
    pg_cryptohash_free(ctx);
    return hash;
}

static void wall_refuse(const char *sqlstate, const char *message)
{
    ereport(ERROR, (errcode(MAKE_SQLSTATE(sqlstate[0], sqlstate[1], sqlstate[2], sqlstate[3],
                                          sqlstate[4])),
                    errmsg("%s", message)));
}

/* What liaison_request() records: the deadline as timeouts, and who asks. */
static void wall_request(FunctionCallInfo fcinfo)
{
    static const char *const names[] = {"liaison.actor", "liaison.request_id", "liaison.source"};

    if (!PG_ARGISNULL(2) && PG_GETARG_INT64(2) > 0) {
        int64 now_us = GetCurrentTimestamp() +
                       (int64)(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;
        int64 left_ms = (PG_GETARG_INT64(2) - now_us) / 1000;
        char left[24];

        if (left_ms <= 0)
            ereport(ERROR,
                    (errcode(ERRCODE_QUERY_CANCELED),
                     errmsg("the request's deadline passed before it reached the database")));
        snprintf(left, sizeof left, INT64_FORMAT, left_ms);
        wall_set_local("statement_timeout", left);
        wall_set_local("lock_timeout", left);
    }
    for (int i = 0; i < 3; i++)
        wall_set_local(names[i],
                       PG_ARGISNULL(3 + i) ? "" : text_to_cstring(PG_GETARG_TEXT_PP(3 + i)));
}

#define WALL_EXPIRED "session expired or revoked; log in again"

/*
 * liaison_wall_auth(tenant, token [, deadline_us, actor, request_id,
 * source]): the caller's context for the rest of the transaction, sealed,
 * or an error (LS401 no such live credential, LS403 the tenant is
 * suspended, 57014 the deadline has passed). With six arguments it first
 * records the request as liaison_request() did.
 */
PG_FUNCTION_INFO_V1(liaison_wall_auth);
Datum liaison_wall_auth(PG_FUNCTION_ARGS)
{
    WallLookup tenant = {.table = "tenants",
                         .nkeys = 1,
                         .key_columns = {"id"},
                         .key_types = {INT8OID},
                         .ncolumns = 1,
                         .columns = {"status"},
                         .types = {TEXTOID}};
    WallLookup session = {.table = "sessions",
                          .nkeys = 2,
                          .key_columns = {"tenant_id", "token_hash"},
                          .key_types = {INT8OID, BYTEAOID},
                          .ncolumns = 4,
                          .columns = {"user_id", "role", "expires_at", "revoked_at"},
                          .types = {INT8OID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID}};
    WallLookup user = {.table = "users",
                       .nkeys = 2,
                       .key_columns = {"tenant_id", "id"},
                       .key_types = {INT8OID, INT8OID},
                       .ncolumns = 3,
                       .columns = {"distributor_id", "sees_all_distributors", "disabled_at"},
                       .types = {INT8OID, BOOLOID, TIMESTAMPTZOID}};
    const char *values[WALL_NSETTINGS - 1];
    char tenant_id[24], user_id[24], distributor[24];

    if (PG_NARGS() == 6)
        wall_request(fcinfo);
    if (PG_ARGISNULL(0))
        wall_refuse("LS401", WALL_EXPIRED);
    tenant.keys[0] = PG_GETARG_DATUM(0);
    if (!wall_lookup(&tenant) || tenant.nulls[0])
        wall_refuse("LS401", WALL_EXPIRED);
    if (strcmp(TextDatumGetCString(tenant.values[0]), "active") != 0)
        wall_refuse("LS403", "the tenant is suspended");
    if (PG_ARGISNULL(1))
        wall_refuse("LS401", WALL_EXPIRED);
    session.keys[0] = PG_GETARG_DATUM(0);
    session.keys[1] = PointerGetDatum(wall_token_hash(PG_GETARG_TEXT_PP(1)));
    if (!wall_lookup(&session) || session.nulls[0] || !session.nulls[3] ||
        (!session.nulls[2] &&
         DatumGetTimestampTz(session.values[2]) <= GetCurrentTransactionStartTimestamp()))
        wall_refuse("LS401", WALL_EXPIRED);
    user.keys[0] = PG_GETARG_DATUM(0);
    user.keys[1] = session.values[0];
    if (!wall_lookup(&user) || !user.nulls[2])
        wall_refuse("LS401", WALL_EXPIRED);
    snprintf(tenant_id, sizeof tenant_id, INT64_FORMAT, PG_GETARG_INT64(0));
    snprintf(user_id, sizeof user_id, INT64_FORMAT, DatumGetInt64(session.values[0]));
    if (user.nulls[0])
        distributor[0] = '\0';
    else
        snprintf(distributor, sizeof distributor, INT64_FORMAT, DatumGetInt64(user.values[0]));
    values[0] = tenant_id;
    values[1] = user_id;
    values[2] = session.nulls[1] ? "" : TextDatumGetCString(session.values[1]);
    values[3] = distributor;
    values[4] = user.nulls[1] ? "" : DatumGetBool(user.values[1]) ? "true" : "false";
    values[5] = "";
    wall_write_context(values);
    PG_RETURN_VOID();
}
