/*
 * rpc_tenant.c - tenants: create (with the first tenant admin), list, show,
 * suspend, resume, export and delete, and recover a locked-out tenant's
 * admin. Only operators reach these (methods.h);
 * each runs after liaison_auth_operator() in the same transaction.
 */
#include "rpc_tenant.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "credential.h"
#include "exec.h"
#include "log.h"
#include "page.h"

#define TENANT_COLS                                                                                \
    "slug, name, 'TENANT_STATUS_' || upper(status) AS status, " DB_RFC3339(                        \
        "created_at") " AS created_at, time_zone"
/*
 * GetTenant and ListTenants also show the tenant's own rate limit, so that
 * an operator can read what 'admin tenant rate-limit' set (0: the
 * configured default), as SetTenantRateLimit answers it.
 */
#define TENANT_RATE_COLS                                                                           \
    ", coalesce(rate_per_s, 0) AS rate_per_s, coalesce(rate_burst, rate_per_s, 0) AS rate_burst"
#define EXPORT_CURSOR "exp"

/*
 * $1 slug, $2 name, $3 time zone ('': UTC). Binds the transaction to the
 * new tenant, then records the creation in the platform audit and in the
 * tenant's own log.
 */
static struct db_stmt q_tenant_insert = {"WITH m AS (INSERT INTO tenants (slug, name, time_zone)"
                                         "  VALUES ($1, $2, coalesce(nullif($3, ''), 'UTC'))"
                                         "  RETURNING " TENANT_COLS
                                         ", liaison_operator_bind(id) AS bound)"
                                         " SELECT slug, name, status, created_at, time_zone FROM m"
                                         " WHERE liaison_platform_audit('tenant.create', m.slug)"
                                         " AND liaison_audit('tenant.create', 'tenant', m.slug)",
                                         3, 0};
/*
 * $1 email, $2 name, $3 hash. The tenant starts with the standard
 * escalation ladder as its default (migration 0117), so that its first
 * request to a silent distributor needs no set-up.
 */
static struct db_stmt q_first_admin = {
    "WITH m AS (INSERT INTO users (tenant_id, email, display_name, role, password_hash)"
    "  VALUES (liaison_tenant(), $1, $2, 'tenant_admin', $3) RETURNING id)"
    " SELECT id AS admin_user_id FROM m WHERE liaison_audit('user.create', 'user', m.id::text)"
    " AND liaison_escalation_standard(liaison_tenant()) >= 0",
    3, 0};
/* Tenants have no id on the wire: _id is the page's key only (exec.h). $1 after, $2 limit */
static struct db_stmt q_tenant_list = {"SELECT " TENANT_COLS TENANT_RATE_COLS
                                       ", id AS _id FROM tenants WHERE id > $1::bigint ORDER BY id"
                                       " LIMIT $2::int",
                                       2, 0};
static struct db_stmt q_tenant_get = {
    "SELECT " TENANT_COLS TENANT_RATE_COLS " FROM tenants WHERE slug = $1", 1, 0};
/*
 * $1 slug, $2 status, $3 action. Binds the transaction to the tenant, for
 * the audit row in its own log. A tenant asked for the status it has (a
 * command run again) is answered as it is, unwritten and unaudited: each
 * suspension wrote a second audit row for one change (an operator's try-out).
 */
static struct db_stmt q_tenant_status = {
    /* Locked first, so that a second change at once reads the first's status, as committed. */
    "WITH t AS (SELECT id, slug, name, status, created_at, time_zone FROM tenants WHERE slug = $1"
    "  FOR UPDATE),"
    " m AS (UPDATE tenants x SET status = $2 FROM t WHERE x.id = t.id AND t.status <> $2"
    "  RETURNING x.slug, liaison_operator_bind(x.id) AS bound)"
    " SELECT t.slug, t.name, 'TENANT_STATUS_' || upper($2) AS status,"
    " liaison_rfc3339(t.created_at) AS created_at, t.time_zone FROM t WHERE t.status = $2"
    " OR EXISTS (SELECT 1 FROM m WHERE liaison_platform_audit($3, m.slug)"
    "  AND liaison_audit($3, 'tenant', m.slug))",
    3, 0};
/*
 * liaisond may not delete tenants itself (that would take the tenant's
 * audit log along): liaison_tenant_delete() may, and records the deletion
 * in the platform audit, with what this transaction's credential check
 * recorded, when the tenant existed. $1 slug.
 */
static struct db_stmt q_tenant_delete = {
    "SELECT slug, name, 'TENANT_STATUS_' || upper(status) AS status, created_at"
    " FROM liaison_tenant_delete($1, liaison_request_setting('actor'),"
    " liaison_request_setting('request_id'), liaison_request_setting('source'))",
    1, 0};
static struct db_stmt q_tenant_bind = {
    "SELECT liaison_operator_bind(id) FROM tenants WHERE slug = $1", 1, 0};
/*
 * An export is recorded once, by its first page, in the platform audit and
 * in the tenant's own audit log; the action says whether secrets went out.
 * Returns the platform audit row's id, which names the export in its
 * cursors. $1 action, $2 slug; the actor, request id and source are what
 * the credential check recorded (migration 0009).
 */
static struct db_stmt q_export_audit = {
    "WITH p AS (INSERT INTO platform_audit (actor, action, tenant_slug, request_id, source)"
    "  SELECT liaison_request_setting('actor'), $1, $2, liaison_request_setting('request_id'),"
    "  liaison_request_setting('source') WHERE liaison_tenant() IS NOT NULL"
    "  RETURNING id, liaison_audit($1, 'tenant', $2))"
    " SELECT id FROM p",
    2, 0};
/*
 * A later page: raises unless $1 is the audit row of an export of tenant
 * $2 by actor $3 with action $4, so no page goes out unrecorded or with
 * secrets its first page did not record. Returns $1.
 */
static struct db_stmt q_export_resume = {"SELECT liaison_export_resume($1::bigint, $2, $3, $4)", 4,
                                         0};
/*
 * Every row of the bound tenant, table by table (every table with a
 * tenant_id column, found in the catalogue so none can be forgotten), then
 * by id; secrets only when $4. $1 table to resume in, $2 id after, $3 limit.
 */
/*
 * The tenants row also says at which migration the export was made and
 * whether it carries secrets, for FinishTenantImport.
 */
#define EXPORT_JS(tbl, js)                                                                         \
    "CASE WHEN " tbl " = 'tenants' THEN (" js "::jsonb || jsonb_build_object('schema_version',"    \
    " (SELECT max(version) FROM schema_migrations), 'secrets', $4::boolean))::text"                \
    " ELSE " js " END"
static struct db_stmt q_export_page = {
    "SELECT tbl, id, " EXPORT_JS(
        "tbl", "js") " AS js"
                     " FROM liaison_export_page($1, $2::bigint, $3::int, $4::boolean)",
    4, 0};
/*
 * The same rows for a streamed export, cut to about $5 bytes (the first row
 * always goes): one page is one chunk. fetched is how many rows the page
 * held before the cut, so a page that was neither cut nor full is the last.
 */
static struct db_stmt q_export_chunk = {
    "SELECT tbl, id, js, fetched FROM (SELECT e.tbl, e.id, " EXPORT_JS(
        "e.tbl",
        "e.js") " AS js,"
                "  e.o, count(*) OVER () AS fetched,"
                "  sum(octet_length(e.js) + octet_length(e.tbl) + 16) OVER (ORDER BY e.o) AS upto"
                "  FROM liaison_export_page($1, $2::bigint, $3::int, $4::boolean)"
                "  WITH ORDINALITY AS e(tbl, id, js, o)) p"
                " WHERE o = 1 OR upto <= $5::bigint ORDER BY o",
    5, 0};

/*
 * $1 slug, $2 rate, $3 burst (0: none; the configured default, or the
 * rate). Binds the transaction to the tenant, for the audit row in its own
 * log. Each liaisond reads the new limit within tenant_rate_refresh_ms.
 */
static struct db_stmt q_tenant_rate_limit = {
    "WITH m AS (UPDATE tenants SET rate_per_s = nullif($2::int, 0), rate_burst = nullif($3::int, 0)"
    "  WHERE slug = $1 RETURNING slug, coalesce(rate_per_s, 0) AS rate_per_s,"
    "  coalesce(rate_burst, rate_per_s, 0) AS burst,"
    "  liaison_operator_bind(id) AS bound)"
    " SELECT slug, rate_per_s, burst FROM m"
    " WHERE liaison_platform_audit('tenant.rate_limit', m.slug, CASE WHEN m.rate_per_s = 0"
    "  THEN 'the configured default' ELSE format('%s a second, burst %s', m.rate_per_s,"
    "  m.burst) END)"
    " AND liaison_audit('tenant.rate_limit', 'tenant', m.slug)",
    3, 0};

static struct exec_decl d_tenant_rate_limit = {
    .method = "SetTenantRateLimit",
    .query = {&q_tenant_rate_limit, {"slug", "rate_per_s", "burst"}},
    .out = "limit",
    .not_found = "no such tenant"};

/* Tenant import (migration 0040): each step is one function of the owner's. $1 slug, $2 name */
static struct db_stmt q_import_begin = {"SELECT liaison_tenant_import_begin($1, $2) AS import_id",
                                        2, 0};
/* $1 import, $2 rows as a JSON array of {"table", "json"} */
static struct db_stmt q_import_rows = {
    "SELECT liaison_tenant_import_rows($1::bigint, $2::jsonb) AS rows_staged", 2, 0};
/*
 * $1 import, $2 the export's row count, $3 admin e-mail, $4 that admin's new
 * hash (or ''). The finished tenant's jobs are queued again in the same
 * transaction (migration 0090): an export carries none. Its API tokens are
 * revoked (0212): each names the tenant's old id, and none could work. Its
 * active charters are held to the territory rule (0235), as activation holds them.
 */
static struct db_stmt q_import_finish = {
    "SELECT json_build_object('slug', f.slug, 'name', f.name, 'status', f.status,"
    " 'created_at', f.created_at) AS tenant, f.rows_imported, f.secrets, f.schema_version"
    " FROM liaison_tenant_import_finish($1::bigint, $2::bigint, $3, $4) f"
    " WHERE liaison_tenant_import_jobs() >= 0 AND liaison_tenant_import_tokens() >= 0"
    " AND liaison_tenant_import_territory()",
    4, 0};

/*
 * $1 import, $2 the slug the request names (or ''): refused, saying so, when a later import
 * into its slug replaced it (migration 0240), or when it is into another slug (0243). Its WHERE
 * runs before anything the statement selects.
 */
static struct db_stmt q_import_open = {
    "SELECT true WHERE liaison_tenant_import_open($1::bigint, $2)", 2, 0};
/*
 * $1 import, $2 the admin's new hash (or ''), $3 the slug: as q_import_open, then an export with
 * secrets keeps its users' passwords, and a new one for an admin would be ignored (0132).
 */
static struct db_stmt q_import_secrets_ok = {
    "SELECT liaison_check(NOT ($2 <> '' AND liaison_tenant_import_secrets($1::bigint)),"
    " 'adminEmail', 'the export holds password hashes (it was made with --include-secrets): its"
    " users keep their passwords, so a new password for an admin does not apply')"
    " WHERE liaison_tenant_import_open($1::bigint, $3)",
    3, 0};

static struct exec_decl d_import_begin = {.method = "BeginTenantImport",
                                          .query = {&q_import_begin, {"slug", "name"}},
                                          .not_found = "no such tenant"};
static struct exec_decl d_import_rows = {.method = "ImportTenantRows",
                                         .check = {&q_import_open, {"import_id", "slug"}},
                                         .query = {&q_import_rows, {"import_id", "rows"}},
                                         .not_found = "no such import"};
static struct exec_decl d_import_finish = {
    .method = "FinishTenantImport",
    .check = {&q_import_secrets_ok, {"import_id", "admin_password", "slug"}},
    .query = {&q_import_finish, {"import_id", "rows", "admin_email", "admin_password"}},
    .not_found = "no such import"};

/*
 * $1 slug, $2 e-mail, $3 a new admin's display name, $4 the new password's
 * hash, $5 revoke the user's API tokens too. The owner's
 * liaison_tenant_admin_recover() (migration 0133) binds the tenant, makes
 * the user a tenant admin (or a new one), enables it, writes the hash, ends
 * its sessions, and writes both audit rows; liaisond's role may write
 * neither a role nor a hash itself (0094, 0095).
 */
static struct db_stmt q_admin_recover = {
    "SELECT r.user_id, r.email, 'ROLE_' || upper(r.role) AS role, r.created, r.tenant_suspended"
    " FROM liaison_tenant_admin_recover($1, $2, $3, $4, $5::boolean) r",
    5, 0};

static struct exec_decl d_admin_recover = {
    .method = "RecoverTenantAdmin",
    .query = {&q_admin_recover,
              {"slug", "admin_email", "admin_name", "admin_password", "revoke_api_tokens"}},
    .not_found = "no such tenant",
    .exists = "a user with this e-mail address was created at the same moment: run the "
              "recovery again"};

static struct exec_decl d_tenant_list = {.method = "ListTenants",
                                         .query = {&q_tenant_list, {"@after", "@limit"}},
                                         .shape = EXEC_PAGE,
                                         .out = "tenants",
                                         .cursor = "ten"};
static struct exec_decl d_tenant_get = {.method = "GetTenant",
                                        .query = {&q_tenant_get, {"slug"}},
                                        .out = "tenant",
                                        .not_found = "no such tenant"};
static struct exec_decl d_tenant_suspend = {
    .method = "SuspendTenant",
    .query = {&q_tenant_status, {"slug", "=suspended", "=tenant.suspend"}},
    .out = "tenant",
    .not_found = "no such tenant"};
static struct exec_decl d_tenant_resume = {
    .method = "ResumeTenant",
    .query = {&q_tenant_status, {"slug", "=active", "=tenant.resume"}},
    .out = "tenant",
    .not_found = "no such tenant"};
static struct exec_decl d_tenant_delete = {.method = "DeleteTenant",
                                           .query = {&q_tenant_delete, {"slug"}},
                                           .out = "tenant",
                                           .not_found = "no such tenant"};

int rpc_tenant_register(void)
{
    struct db_stmt *const stmts[] = {&q_tenant_insert, &q_first_admin,   &q_tenant_bind,
                                     &q_export_audit,  &q_export_resume, &q_export_page,
                                     &q_export_chunk};
    struct exec_decl *const decls[] = {&d_tenant_list,   &d_tenant_get,    &d_tenant_suspend,
                                       &d_tenant_resume, &d_tenant_delete, &d_tenant_rate_limit,
                                       &d_import_begin,  &d_import_rows,   &d_import_finish,
                                       &d_admin_recover};
    char err[256];
    if (db_register(stmts, (int)(sizeof stmts / sizeof stmts[0])) < 0)
        return -1;
    if (exec_register(decls, (int)(sizeof decls / sizeof decls[0]), err, sizeof err) < 0) {
        log_event(LOG_ERROR, "tenant RPCs refused", "reason=\"%s\"", err);
        return -1;
    }
    return 0;
}

/* A slug names the tenant in URLs and calendar UIDs: a DNS label's shape. */
#define SLUG_WORDS "2 to 63 of a-z, 0-9 and '-', not starting or ending with '-'"

static bool slug_valid(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n > 63 || s[0] == '-' || s[n - 1] == '-')
        return false;
    return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/*
 * Lowers the slug a request names, as Login does ("ACME" is acme), and logs
 * the request under that tenant when the slug is one (nothing else reaches a
 * log).
 */
static void log_target(struct request *r, char *slug)
{
    for (char *p = slug; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    if (slug_valid(slug))
        r->log_tenant = slug;
}

/* ---------- CreateTenant ---------- */

/* The tenant from the insert, the admin's id from the step after it. */
static void create_tenant_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    if (code == LIAISON__V1__CODE__ALREADY_EXISTS) {
        request_fail(r, code, "a tenant with this slug already exists");
        return;
    }
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    Liaison__V1__Tenant t = LIAISON__V1__TENANT__INIT;
    Liaison__V1__CreateTenantResponse out = LIAISON__V1__CREATE_TENANT_RESPONSE__INIT;
    char err[256];
    if (exec_fill(&r->arena, txn->results[txn->nsteps - 2], 0, &t.base, err, sizeof err) < 0 ||
        exec_fill(&r->arena, txn->results[txn->nsteps - 1], 0, &out.base, err, sizeof err) < 0) {
        log_event(LOG_ERROR, "new tenant's rows do not fit", "reason=\"%s\"", err);
        request_fail(r, LIAISON__V1__CODE__INTERNAL, "internal error");
        return;
    }
    out.tenant = &t;
    request_reply(r, &out.base);
}

static void create_tenant_hashed(void *arg, bool ok, const char *encoded)
{
    struct request *r = arg;
    const Liaison__V1__CreateTenantRequest *in = (const Liaison__V1__CreateTenantRequest *)r->input;
    if (!ok) {
        request_fail(r, LIAISON__V1__CODE__INTERNAL, "password hashing failed");
        return;
    }
    char *hash = arena_strdup(&r->arena, encoded); /* NULL: request_submit refuses */
    int n = credential_txn_begin(r);
    struct db_step *s = r->txn.steps;
    s[n].stmt = &q_tenant_insert;
    s[n].values[0] = in->slug;
    s[n].values[1] = in->name;
    s[n].values[2] = in->time_zone;
    s[n + 1].stmt = &q_first_admin;
    s[n + 1].values[0] = in->admin_email;
    s[n + 1].values[1] = in->admin_name;
    s[n + 1].values[2] = hash;
    r->txn.nsteps = n + 2;
    request_submit(r, create_tenant_done);
}

void rpc_create_tenant(struct request *r)
{
    const Liaison__V1__CreateTenantRequest *in = (const Liaison__V1__CreateTenantRequest *)r->input;
    const char *why;
    log_target(r, in->slug);
    if (!slug_valid(in->slug)) {
        request_fail_field(r, "slug", SLUG_WORDS);
        return;
    }
    if (!request_check_name_chars(r, "name", in->name, 200, true) ||
        !request_check_one_line(r, "name", in->name))
        return;
    if (!request_check_email(r, "adminEmail", in->admin_email, true))
        return;
    if (!request_check_chars(r, "adminName", in->admin_name, 200, false) ||
        !request_check_one_line(r, "adminName", in->admin_name))
        return;
    if (!request_check_zone(r, "timeZone", in->time_zone, false))
        return;
    if ((why = auth_password_problem(in->admin_password))) {
        request_fail_field(r, "adminPassword", why);
        return;
    }
    request_password_job(r, in->admin_password, NULL, create_tenant_hashed);
}

/* ---------- ListTenants, GetTenant, SuspendTenant, ResumeTenant ---------- */

void rpc_list_tenants(struct request *r)
{
    exec_run(r, &d_tenant_list);
}

void rpc_get_tenant(struct request *r)
{
    log_target(r, ((const Liaison__V1__TenantRequest *)r->input)->slug);
    exec_run(r, &d_tenant_get);
}

void rpc_suspend_tenant(struct request *r)
{
    log_target(r, ((const Liaison__V1__TenantRequest *)r->input)->slug);
    exec_run(r, &d_tenant_suspend);
}

void rpc_resume_tenant(struct request *r)
{
    log_target(r, ((const Liaison__V1__TenantRequest *)r->input)->slug);
    exec_run(r, &d_tenant_resume);
}

/* ---------- DeleteTenant ---------- */

void rpc_delete_tenant(struct request *r)
{
    const Liaison__V1__DeleteTenantRequest *in = (const Liaison__V1__DeleteTenantRequest *)r->input;
    log_target(r, in->slug);
    if (strcasecmp(in->confirm, in->slug) != 0 || !in->slug[0]) {
        request_fail_field(r, "confirm", "must repeat the tenant's slug");
        return;
    }
    exec_run(r, &d_tenant_delete);
}

/* ---------- ExportTenant ---------- */

static const char *export_action(const Liaison__V1__ExportTenantRequest *in)
{
    return in->include_secrets ? "tenant.export_with_secrets" : "tenant.export";
}

static void export_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    if (code == LIAISON__V1__CODE__INVALID_ARGUMENT) {
        /* Only the cursor's parts reach the database unchecked. */
        request_fail_field(r, "page.cursor",
                           "not a cursor from ExportTenant for this tenant, operator and "
                           "includeSecrets");
        return;
    }
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    if (PQntuples(txn->results[1]) != 1 || PQntuples(txn->results[2]) != 1) {
        request_fail(r, LIAISON__V1__CODE__NOT_FOUND, "no such tenant");
        return;
    }
    const Liaison__V1__ExportTenantRequest *in = (const Liaison__V1__ExportTenantRequest *)r->input;
    const char *export_id = PQgetvalue(txn->results[2], 0, 0);
    const PGresult *res = txn->results[3];
    unsigned want = page_size(in->page), rows = (unsigned)PQntuples(res);
    unsigned n = rows > want ? want : rows;
    Liaison__V1__ExportRow *items = arena_alloc(&r->arena, sizeof *items * (n + 1));
    Liaison__V1__ExportRow **ptrs = arena_alloc(&r->arena, sizeof *ptrs * (n + 1));
    if (!items || !ptrs) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        liaison__v1__export_row__init(&items[i]);
        items[i].table = PQgetvalue(res, (int)i, 0);
        items[i].json = PQgetvalue(res, (int)i, 2);
        ptrs[i] = &items[i];
    }
    Liaison__V1__ExportTenantResponse out = LIAISON__V1__EXPORT_TENANT_RESPONSE__INIT;
    Liaison__V1__PageResponse page = LIAISON__V1__PAGE_RESPONSE__INIT;
    out.n_rows = n;
    out.rows = ptrs;
    out.page = &page;
    if (rows > want) {
        char *key = request_printf(r, "%s/%s/%s", export_id, PQgetvalue(res, (int)n - 1, 0),
                                   PQgetvalue(res, (int)n - 1, 1));
        page.next_cursor = key ? page_cursor_encode(&r->arena, EXPORT_CURSOR, in->slug, key) : NULL;
        if (!page.next_cursor) {
            request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
            return;
        }
    }
    request_reply(r, &out.base);
}

/*
 * A streamed export: page after page, each in its own transaction (the
 * credential checked again, the tenant bound again), each sent as one chunk
 * once the client has taken the one before; the first also records the
 * export. Where the next page starts lives here, in the request's arena,
 * so a stream of any length holds one page at a time.
 */
struct export_stream {
    int own;        /* the first step after the credential check */
    int page_step;  /* the step whose rows are the page */
    char table[64]; /* the next page starts after (table, after) */
    char after[24];
    int rows;        /* rows asked of the database for the next page */
    char limit[16];  /* the same, as its parameter */
    char budget[24]; /* bytes a chunk's rows may take */
};

#define EXPORT_STREAM_ROWS 500

static void export_stream_next(struct request *r);

static void export_stream_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    struct export_stream *st = r->state;
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    /* Bound to no tenant (step own): its slug is unknown, or it was deleted meanwhile. */
    if (PQntuples(txn->results[st->own]) != 1) {
        request_fail(r, LIAISON__V1__CODE__NOT_FOUND, "no such tenant");
        return;
    }
    const PGresult *res = txn->results[st->page_step];
    int n = PQntuples(res);
    int c_tbl = PQfnumber(res, "tbl"), c_id = PQfnumber(res, "id"), c_js = PQfnumber(res, "js"),
        c_fetched = PQfnumber(res, "fetched");
    Liaison__V1__ExportRow *items = arena_alloc(&r->chunk, sizeof *items * ((size_t)n + 1));
    Liaison__V1__ExportRow **ptrs = arena_alloc(&r->chunk, sizeof *ptrs * ((size_t)n + 1));
    if (!items || !ptrs) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    for (int i = 0; i < n; i++) {
        liaison__v1__export_row__init(&items[i]);
        items[i].table = PQgetvalue(res, i, c_tbl);
        items[i].json = PQgetvalue(res, i, c_js);
        ptrs[i] = &items[i];
    }
    Liaison__V1__ExportTenantResponse out = LIAISON__V1__EXPORT_TENANT_RESPONSE__INIT;
    out.n_rows = (size_t)n;
    out.rows = ptrs;
    int fetched = n ? atoi(PQgetvalue(res, 0, c_fetched)) : 0;
    if (fetched == n && fetched < st->rows) {
        request_reply(r, &out.base);
        return;
    }
    snprintf(st->table, sizeof st->table, "%s", PQgetvalue(res, n - 1, c_tbl));
    snprintf(st->after, sizeof st->after, "%s", PQgetvalue(res, n - 1, c_id));
    /*
     * Ask the database for about what fits a chunk: less after a page the
     * budget cut, more (up to the maximum) after a full one it did not.
     */
    st->rows = n < fetched ? n + n / 2 + 1 : 2 * st->rows;
    if (st->rows > EXPORT_STREAM_ROWS)
        st->rows = EXPORT_STREAM_ROWS;
    snprintf(st->limit, sizeof st->limit, "%d", st->rows);
    request_stream_chunk(r, &out.base, export_stream_next);
}

/*
 * Submits the next page's transaction: the credential check (step 0, made
 * once with the first page and kept, parameters and all), the tenant bound
 * again, on the first page the export's record, then the page.
 */
static void export_stream_submit(struct request *r, bool first)
{
    struct export_stream *st = r->state;
    const Liaison__V1__ExportTenantRequest *in = (const Liaison__V1__ExportTenantRequest *)r->input;
    struct db_step *s = r->txn.steps;
    /* Each part's transaction checks the credential again, against the deadline the part has. */
    int n = st->own = credential_txn_begin(r);
    s[n].stmt = &q_tenant_bind;
    s[n].values[0] = in->slug;
    if (first) {
        s[++n].stmt = &q_export_audit;
        s[n].values[0] = export_action(in);
        s[n].values[1] = in->slug;
    }
    st->page_step = ++n;
    s[n].stmt = &q_export_chunk;
    s[n].values[0] = st->table;
    s[n].values[1] = st->after;
    s[n].values[2] = st->limit;
    s[n].values[3] = in->include_secrets ? "true" : "false";
    s[n].values[4] = st->budget;
    r->txn.nsteps = n + 1;
    request_submit(r, export_stream_done);
}

static void export_stream_next(struct request *r)
{
    export_stream_submit(r, false);
}

static void export_stream_start(struct request *r)
{
    const Liaison__V1__ExportTenantRequest *in = (const Liaison__V1__ExportTenantRequest *)r->input;
    if (in->page && in->page->cursor[0]) {
        request_fail_field(r, "page.cursor", "not used with stream");
        return;
    }
    struct export_stream *st = arena_alloc(&r->arena, sizeof *st);
    if (!st) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    memset(st, 0, sizeof *st);
    r->state = st;
    snprintf(st->after, sizeof st->after, "0");
    st->rows = EXPORT_STREAM_ROWS;
    snprintf(st->limit, sizeof st->limit, "%d", st->rows);
    snprintf(st->budget, sizeof st->budget, "%zu", request_stream_chunk_bytes(r));
    export_stream_submit(r, true);
}

static bool export_digits(const char *s, size_t len)
{
    return page_id_digits(s, len);
}

/*
 * The first page (no cursor) records the export; a cursor is
 * "EXPORT/TABLE/ID": the export's platform audit row, then where the last
 * page ended.
 */
void rpc_export_tenant(struct request *r)
{
    const Liaison__V1__ExportTenantRequest *in = (const Liaison__V1__ExportTenantRequest *)r->input;
    log_target(r, in->slug);
    if (in->stream) {
        export_stream_start(r);
        return;
    }
    char key[128];
    if (page_cursor_decode(in->page ? in->page->cursor : "", EXPORT_CURSOR, in->slug, key,
                           sizeof key) < 0) {
        request_fail_field(r, "page.cursor", "not a cursor from ExportTenant");
        return;
    }
    const char *export_id = NULL, *table = "", *after = "0";
    if (key[0]) {
        char *first = strchr(key, '/'), *last = strrchr(key, '/');
        if (!first || first == last || !export_digits(key, (size_t)(first - key)) ||
            !export_digits(last + 1, strlen(last + 1)) || last == first + 1) {
            request_fail_field(r, "page.cursor", "not a cursor from ExportTenant");
            return;
        }
        *first = *last = '\0';
        export_id = arena_strdup(&r->arena, key);
        table = arena_strdup(&r->arena, first + 1);
        after = arena_strdup(&r->arena, last + 1);
        if (!export_id || !table || !after) {
            request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
            return;
        }
    }
    int n = credential_txn_begin(r);
    struct db_step *s = r->txn.steps;
    s[n].stmt = &q_tenant_bind;
    s[n].values[0] = in->slug;
    if (export_id) {
        s[n + 1].stmt = &q_export_resume;
        s[n + 1].values[0] = export_id;
        s[n + 1].values[1] = in->slug;
        s[n + 1].values[2] = r->who.actor;
        s[n + 1].values[3] = export_action(in);
    } else {
        s[n + 1].stmt = &q_export_audit;
        s[n + 1].values[0] = export_action(in);
        s[n + 1].values[1] = in->slug;
    }
    s[n + 2].stmt = &q_export_page;
    s[n + 2].values[0] = table;
    s[n + 2].values[1] = after;
    s[n + 2].values[2] = page_limit_param(&r->arena, in->page);
    s[n + 2].values[3] = in->include_secrets ? "true" : "false";
    r->txn.nsteps = n + 3;
    request_submit(r, export_done);
}

/* ---------- SetTenantRateLimit ---------- */

/* The database's bounds, checked here so that the refusal names the field. */
#define TENANT_RATE_MAX 1000000u

void rpc_set_tenant_rate_limit(struct request *r)
{
    const Liaison__V1__SetTenantRateLimitRequest *in =
        (const Liaison__V1__SetTenantRateLimitRequest *)r->input;
    log_target(r, in->slug);
    if (in->rate_per_s > TENANT_RATE_MAX) {
        request_fail_field(r, "ratePerS", "at most 1000000 requests a second");
        return;
    }
    if (in->burst > TENANT_RATE_MAX) {
        request_fail_field(r, "burst", "at most 1000000 requests");
        return;
    }
    if (in->rate_per_s == 0 && in->burst != 0) {
        request_fail_field(r, "burst", "a burst needs a rate: set ratePerS too, or neither");
        return;
    }
    exec_run(r, &d_tenant_rate_limit);
}

/* ---------- BeginTenantImport, ImportTenantRows, FinishTenantImport ---------- */

/* Rows a batch may stage: a batch stays well under the frame limit and one statement. */
#define IMPORT_BATCH_ROWS 1000
/* A row's JSON, as the export's rows are bounded (0028: 32 KiB parts), with room to spare. */
#define IMPORT_ROW_BYTES (400 * 1024)

void rpc_begin_tenant_import(struct request *r)
{
    const Liaison__V1__BeginTenantImportRequest *in =
        (const Liaison__V1__BeginTenantImportRequest *)r->input;
    log_target(r, in->slug);
    if (!slug_valid(in->slug)) {
        request_fail_field(r, "slug", SLUG_WORDS);
        return;
    }
    if (!request_check_name_chars(r, "name", in->name, 200, true) ||
        !request_check_one_line(r, "name", in->name))
        return;
    exec_run(r, &d_import_begin);
}

void rpc_import_tenant_rows(struct request *r)
{
    const Liaison__V1__ImportTenantRowsRequest *in =
        (const Liaison__V1__ImportTenantRowsRequest *)r->input;
    log_target(r, in->slug);
    if (!request_check_id(r, "importId", in->import_id))
        return;
    if (in->n_rows < 1 || in->n_rows > IMPORT_BATCH_ROWS) {
        request_fail_field(r, "rows", "1 to 1000 rows a batch");
        return;
    }
    for (size_t i = 0; i < in->n_rows; i++) {
        size_t t = strlen(in->rows[i]->table);
        if (t < 1 || t > 63 || strlen(in->rows[i]->json) > IMPORT_ROW_BYTES) {
            request_fail_field(r, "rows",
                               "each row needs its table (1-63 characters) and at most 400 KiB "
                               "of JSON");
            return;
        }
    }
    exec_run(r, &d_import_rows);
}

/*
 * The password job's hash, kept in r's arena to stand where the password
 * was (the plain text never reaches the database); NULL after answering.
 */
static char *admin_hash(struct request *r, bool ok, const char *encoded)
{
    char *hash = ok ? arena_strdup(&r->arena, encoded) : NULL;
    if (!hash)
        request_fail(r, LIAISON__V1__CODE__INTERNAL, "password hashing failed");
    return hash;
}

static void finish_import_hashed(void *arg, bool ok, const char *encoded)
{
    struct request *r = arg;
    char *hash = admin_hash(r, ok, encoded);
    if (!hash)
        return;
    ((Liaison__V1__FinishTenantImportRequest *)r->input)->admin_password = hash;
    exec_run(r, &d_import_finish);
}

void rpc_finish_tenant_import(struct request *r)
{
    Liaison__V1__FinishTenantImportRequest *in = (Liaison__V1__FinishTenantImportRequest *)r->input;
    const char *why;
    /*
     * It writes a whole tenant in one transaction: it gets its own time, and
     * a connection nobody else's statements queue behind.
     */
    request_extend_deadline(r, (uint64_t)request_config(r)->import_timeout_ms);
    r->txn.flags = DB_TXN_ALONE;
    log_target(r, in->slug);
    if (!request_check_id(r, "importId", in->import_id))
        return;
    if (in->rows < 1 || in->rows > INT64_MAX) {
        request_fail_field(r, "rows", "the export's row count is required");
        return;
    }
    if (!in->admin_password[0]) {
        /* Only an export without secrets needs one: the database says so. */
        exec_run(r, &d_import_finish);
        return;
    }
    if (!request_check_email(r, "adminEmail", in->admin_email, true))
        return;
    if ((why = auth_password_problem(in->admin_password))) {
        request_fail_field(r, "adminPassword", why);
        return;
    }
    request_password_job(r, in->admin_password, NULL, finish_import_hashed);
}

/* ---------- RecoverTenantAdmin ---------- */

static void recover_admin_hashed(void *arg, bool ok, const char *encoded)
{
    struct request *r = arg;
    char *hash = admin_hash(r, ok, encoded);
    if (!hash)
        return;
    ((Liaison__V1__RecoverTenantAdminRequest *)r->input)->admin_password = hash;
    exec_run(r, &d_admin_recover);
}

/*
 * The e-mail, name and password as CreateTenant takes its first admin's,
 * hashed on the same thread pool; then one statement (q_admin_recover).
 */
void rpc_recover_tenant_admin(struct request *r)
{
    const Liaison__V1__RecoverTenantAdminRequest *in =
        (const Liaison__V1__RecoverTenantAdminRequest *)r->input;
    const char *why;
    log_target(r, in->slug);
    if (!slug_valid(in->slug)) {
        request_fail_field(r, "slug", SLUG_WORDS);
        return;
    }
    if (!request_check_email(r, "adminEmail", in->admin_email, true))
        return;
    /* Characters, as CreateTenant and CreateUser count a name, and an import checks it (0205). */
    if (!request_check_chars(r, "adminName", in->admin_name, 200, false) ||
        !request_check_one_line(r, "adminName", in->admin_name))
        return;
    if ((why = auth_password_problem(in->admin_password))) {
        request_fail_field(r, "adminPassword", why);
        return;
    }
    request_password_job(r, in->admin_password, NULL, recover_admin_hashed);
}
