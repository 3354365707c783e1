/* liaison_wall: a transaction's verified context in backend memory.
 *
 * Migration 0026 made row-level security believe the liaison.* settings
 * only when their HMAC verified, and every policy recomputed it: two
 * SHA-256 and a PL/pgSQL call per table of every statement. Here the
 * owner's liaison_context_set() seals the settings it has just written:
 * liaison_wall_seal() copies them into this backend's memory, and
 * liaison_wall_valid() compares the settings with that copy, which costs a
 * few string comparisons.
 *
 * Nobody but the extension's owner may execute liaison_wall_seal() (the
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

static void wall_xact_callback(XactEvent event, void *arg) {
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
                                  void *arg) {
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
void _PG_init(void) {
  RegisterXactCallback(wall_xact_callback, NULL);
  RegisterSubXactCallback(wall_subxact_callback, NULL);
}

static const char *wall_setting(size_t i) {
  const char *v = GetConfigOption(wall_settings[i], true, false);

  return v != NULL ? v : "";
}

PG_FUNCTION_INFO_V1(liaison_wall_seal);
Datum liaison_wall_seal(PG_FUNCTION_ARGS) {
  int level = GetCurrentTransactionNestLevel();
  MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
  WallSeal *seal = palloc(sizeof *seal);

  (void)fcinfo;
  for (size_t i = 0; i < WALL_NSETTINGS; i++)
    seal->values[i] = pstrdup(wall_setting(i));
  MemoryContextSwitchTo(old);
  seal->nest_level = level;
  /* A seal of the same (sub)transaction replaces the one before it. */
  seal->outer =
      wall_seal != NULL && wall_seal->nest_level == level ? wall_seal->outer : wall_seal;
  wall_seal = seal;
  PG_RETURN_VOID();
}

/* The extension's owner (the role that ran the migrations) and superusers
 * own or bypass the policies anyway; their sessions may set the settings by
 * hand (tests, benchmarks, psql on the host). */
static bool wall_trusted_session(void) {
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
    trusted = HeapTupleIsValid(tuple) &&
              ((Form_pg_extension)GETSTRUCT(tuple))->extowner == session;
    systable_endscan(scan);
    table_close(rel, AccessShareLock);
  }
  wall_trusted_for = session;
  wall_trusted = trusted;
  return trusted;
}

PG_FUNCTION_INFO_V1(liaison_wall_valid);
Datum liaison_wall_valid(PG_FUNCTION_ARGS) {
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
