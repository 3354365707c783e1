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
 * it chose. The copy lives as long as the settings it copied would: it is
 * dropped when the transaction ends, and a subtransaction's seal is undone
 * when the subtransaction aborts, as its SET LOCALs are. */
#include "postgres.h"

#include "access/genam.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "port.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/rel.h"

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

/* liaison_wall_set(tenant, user, role, distributor, sees_all, operator):
 * the context's settings for the rest of the transaction, as text the
 * way SQL casts them (NULL: empty), and sealed. liaison.context_mac, whose
 * name statements and tests know, gets a value unique to the seal: the
 * seal, not the value, is what is believed. */
PG_FUNCTION_INFO_V1(liaison_wall_set);
Datum liaison_wall_set(PG_FUNCTION_ARGS)
{
    char tenant[24], user[24], distributor[24], nonce_hex[65];
    const char *values[WALL_NSETTINGS];

    wall_id_text(tenant, sizeof tenant, fcinfo, 0);
    wall_id_text(user, sizeof user, fcinfo, 1);
    wall_id_text(distributor, sizeof distributor, fcinfo, 3);
    wall_nonce_hex(nonce_hex);
    values[0] = tenant;
    values[1] = user;
    values[2] = PG_ARGISNULL(2) ? "" : text_to_cstring(PG_GETARG_TEXT_PP(2));
    values[3] = distributor;
    values[4] = PG_ARGISNULL(4) ? "" : PG_GETARG_BOOL(4) ? "true" : "false";
    values[5] = !PG_ARGISNULL(5) && PG_GETARG_BOOL(5) ? "on" : "";
    values[6] = nonce_hex;
    for (size_t i = 0; i < WALL_NSETTINGS; i++)
        if (set_config_option(wall_settings[i], values[i], superuser() ? PGC_SUSET : PGC_USERSET,
                              PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0, false) <= 0)
            ereport(ERROR, (errmsg("could not set %s", wall_settings[i])));
    wall_seal_settings();
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
