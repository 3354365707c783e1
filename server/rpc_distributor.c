/*
 * rpc_distributor.c - distributors (country, languages, time zone, business
 * hours and days, status, account manager) and contacts. Reference values
 * are checked against geo.c's lists before anything is written.
 */
#include "rpc_distributor.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credential.h"
#include "exec.h"
#include "log.h"
#include "geo.h"
#include "page.h"
#include "rows.h"

#define DIST_COLS                                                                                  \
    "d.id, d.name, d.country, array_to_json(d.languages)::text, d.time_zone,"                      \
    " " DB_HHMM("d.business_hours_start") ", " DB_HHMM(                                            \
        "d.business_hours_end") ","                                                                \
                                " array_to_json(d.work_days)::text, d.status, "                    \
                                "coalesce(d.account_manager_id, 0), " DB_RFC3339("d.created_at")
#define CONTACT_COLS                                                                               \
    "c.id, c.distributor_id, c.name, c.role, c.email, c.phone, c.messaging,"                       \
    " c.language, c.time_zone"
#define SEES "liaison_sees_distributor(d.id, d.account_manager_id)"
#define DISTRIBUTORS_CURSOR "dst"
#define CONTACTS_CURSOR "cnt"

/* $1 name, $2 country, $3 languages, $4 tz, $5 start, $6 end, $7 days, $8 manager,
 * $9 actor, $10 rid, $11 source */
static struct db_stmt q_dist_create = {
    "WITH d AS (INSERT INTO distributors (tenant_id, name, country, languages, time_zone,"
    "  business_hours_start, business_hours_end, work_days, account_manager_id)"
    "  VALUES (liaison_tenant(), $1, $2, $3::text[], $4, $5::time, $6::time, $7::smallint[],"
    "  nullif($8::bigint, 0)) RETURNING *),"
    " a AS (INSERT INTO audit_log (tenant_id, actor, action, entity, entity_id, request_id, source)"
    "  SELECT liaison_tenant(), $9, 'distributor.create', 'distributor', id::text, $10, $11"
    "  FROM d)"
    " SELECT " DIST_COLS " FROM d",
    11, 0};
/* $1 after, $2 limit, $3 status, $4 country, $5 manager (NULL/0: any) */
static struct db_stmt q_dist_list = {
    "SELECT " DIST_COLS " FROM distributors d WHERE d.tenant_id = liaison_tenant()"
    " AND d.id > $1::bigint AND " SEES " AND ($3::text IS NULL OR d.status = $3)"
    " AND ($4::text IS NULL OR d.country = $4)"
    " AND ($5::bigint = 0 OR d.account_manager_id = $5::bigint) ORDER BY d.id LIMIT $2::int",
    5, 0};
static struct db_stmt q_dist_get = {"SELECT " DIST_COLS " FROM distributors d"
                                    " WHERE d.tenant_id = liaison_tenant() AND d.id = $1::bigint"
                                    " AND " SEES,
                                    1, 0};
/* $1 id, $2 name, $3 country, $4 languages, $5 tz, $6 start, $7 end, $8 days,
 * $9 actor, $10 rid, $11 source */
static struct db_stmt q_dist_update = {
    "WITH d AS (UPDATE distributors d SET name = $2, country = $3, languages = $4::text[],"
    "  time_zone = $5, business_hours_start = $6::time, business_hours_end = $7::time,"
    "  work_days = $8::smallint[]"
    "  WHERE d.tenant_id = liaison_tenant() AND d.id = $1::bigint AND " SEES " RETURNING d.*),"
    " a AS (INSERT INTO audit_log (tenant_id, actor, action, entity, entity_id, request_id, source)"
    "  SELECT liaison_tenant(), $9, 'distributor.update', 'distributor', id::text, $10, $11"
    "  FROM d)"
    " SELECT " DIST_COLS " FROM d",
    11, 0};
/*
 * $1 id, $2 status, $3 actor, $4 rid, $5 source. Terminating a distributor
 * terminates its active charter and its draft in the same transaction: the
 * territory it held is free again.
 */
static struct db_stmt q_dist_status = {
    "WITH d AS (UPDATE distributors d SET status = $2"
    "  WHERE d.tenant_id = liaison_tenant() AND d.id = $1::bigint AND " SEES
    "  AND liaison_status_transition_ok(d.status, $2) RETURNING d.*),"
    " a AS (INSERT INTO audit_log (tenant_id, actor, action, entity, entity_id, request_id, source)"
    "  SELECT liaison_tenant(), $3, 'distributor.status.' || $2, 'distributor', id::text, $4, $5"
    "  FROM d),"
    " t AS (UPDATE charters c SET status = 'terminated' FROM d WHERE $2 = 'terminated'"
    "  AND c.tenant_id = d.tenant_id AND c.distributor_id = d.id"
    "  AND c.status IN ('active', 'draft') RETURNING c.id),"
    " ta AS (INSERT INTO audit_log (tenant_id, actor, action, entity, entity_id, request_id,"
    "  source) SELECT liaison_tenant(), $3, 'charter.terminate', 'charter', id::text, $4, $5"
    "  FROM t)"
    " SELECT " DIST_COLS " FROM d",
    5, 0};
/* $1 id, $2 user, $3 actor, $4 rid, $5 source */
static struct db_stmt q_dist_assign = {
    "WITH d AS (UPDATE distributors d SET account_manager_id = u.id FROM users u"
    "  WHERE d.tenant_id = liaison_tenant() AND d.id = $1::bigint AND " SEES
    "  AND u.tenant_id = d.tenant_id AND u.id = $2::bigint AND u.disabled_at IS NULL"
    "  AND u.role IN ('manager', 'tenant_admin') RETURNING d.*),"
    " a AS (INSERT INTO audit_log (tenant_id, actor, action, entity, entity_id, request_id, source)"
    "  SELECT liaison_tenant(), $3, 'distributor.assign', 'distributor', id::text, $4, $5 FROM d)"
    " SELECT " DIST_COLS " FROM d",
    5, 0};
/* $1 distributor, $2..$8 fields, $9 actor, $10 rid, $11 source */
static struct db_stmt q_contact_create = {
    "WITH c AS (INSERT INTO contacts (tenant_id, distributor_id, name, role, email, phone,"
    "  messaging, language, time_zone)"
    "  SELECT liaison_tenant(), d.id, $2, $3, $4, $5, $6, $7, $8 FROM distributors d"
    "  WHERE d.tenant_id = liaison_tenant() AND d.id = $1::bigint AND " SEES " RETURNING *),"
    " a AS (INSERT INTO audit_log (tenant_id, actor, action, entity, entity_id, request_id, source)"
    "  SELECT liaison_tenant(), $9, 'contact.create', 'contact', id::text, $10, $11 FROM c)"
    " SELECT " CONTACT_COLS " FROM c",
    11, 0};
/* The distributor a list is filtered by is one the caller reaches, or NOT_FOUND. */
static struct db_stmt q_contact_list_parent = {
    "SELECT liaison_found(EXISTS (SELECT 1 FROM distributors d WHERE d.tenant_id = liaison_tenant()"
    " AND d.id = $1::bigint AND " SEES "), 'no such distributor')",
    1, 0};
/* $1 distributor, $2 after, $3 limit */
static struct db_stmt q_contact_list = {
    "SELECT " CONTACT_COLS " FROM contacts c JOIN distributors d"
    " ON d.tenant_id = c.tenant_id AND d.id = c.distributor_id"
    " WHERE c.tenant_id = liaison_tenant() AND c.distributor_id = $1::bigint AND " SEES
    " AND c.id > $2::bigint ORDER BY c.id LIMIT $3::int",
    3, 0};
/* $1 contact, of a distributor the caller reaches */
static struct db_stmt q_contact_get = {
    "SELECT " CONTACT_COLS " FROM contacts c JOIN distributors d"
    " ON d.tenant_id = c.tenant_id AND d.id = c.distributor_id"
    " WHERE c.tenant_id = liaison_tenant() AND c.id = $1::bigint AND " SEES,
    1, 0};
static struct exec_decl d_contact_get = {.method = "GetContact",
                                         .query = {&q_contact_get, {"id"}},
                                         .out = "contact",
                                         .not_found = "no such contact"};
/* $1 id, $2..$8 fields, $9 actor, $10 rid, $11 source */
static struct db_stmt q_contact_update = {
    "WITH c AS (UPDATE contacts c SET name = $2, role = $3, email = $4, phone = $5,"
    "  messaging = $6, language = $7, time_zone = $8 FROM distributors d"
    "  WHERE c.tenant_id = liaison_tenant() AND c.id = $1::bigint"
    "  AND d.tenant_id = c.tenant_id AND d.id = c.distributor_id AND " SEES " RETURNING c.*),"
    " a AS (INSERT INTO audit_log (tenant_id, actor, action, entity, entity_id, request_id, source)"
    "  SELECT liaison_tenant(), $9, 'contact.update', 'contact', id::text, $10, $11 FROM c)"
    " SELECT " CONTACT_COLS " FROM c",
    11, 0};
/* $1 id, $2 actor, $3 rid, $4 source */
static struct db_stmt q_contact_remove = {
    "WITH c AS (DELETE FROM contacts c USING distributors d"
    "  WHERE c.tenant_id = liaison_tenant() AND c.id = $1::bigint"
    "  AND d.tenant_id = c.tenant_id AND d.id = c.distributor_id AND " SEES " RETURNING c.*),"
    " a AS (INSERT INTO audit_log (tenant_id, actor, action, entity, entity_id, request_id, source)"
    "  SELECT liaison_tenant(), $2, 'contact.remove', 'contact', id::text, $3, $4 FROM c)"
    " SELECT " CONTACT_COLS " FROM c",
    4, 0};
/* Why a status change did nothing: the distributor's current status, if visible. */
static struct db_stmt q_dist_status_now = {
    "SELECT d.status FROM distributors d WHERE d.tenant_id = liaison_tenant()"
    " AND d.id = $1::bigint AND " SEES,
    1, 0};

int rpc_distributor_register(void)
{
    struct db_stmt *const stmts[] = {&q_dist_create,    &q_dist_list,       &q_dist_get,
                                     &q_dist_update,    &q_dist_status,     &q_dist_assign,
                                     &q_contact_create, &q_contact_list,    &q_contact_update,
                                     &q_contact_remove, &q_dist_status_now, &q_contact_list_parent};
    struct exec_decl *const decls[] = {&d_contact_get};
    char err[256];
    if (db_register(stmts, (int)(sizeof stmts / sizeof stmts[0])) < 0)
        return -1;
    if (exec_register(decls, 1, err, sizeof err) < 0) {
        log_event(LOG_ERROR, "distributor RPCs refused", "reason=\"%s\"", err);
        return -1;
    }
    return 0;
}

void rpc_get_contact(struct request *r)
{
    if (request_check_id(r, "id", ((const Liaison__V1__IdRequest *)r->input)->id))
        exec_run(r, &d_contact_get);
}

static void dist_fill(struct arena *a, const void *res, int i, void *item)
{
    Liaison__V1__Distributor *d = item;
    liaison__v1__distributor__init(d);
    d->id = strtoull(PQgetvalue(res, i, 0), NULL, 10);
    d->name = PQgetvalue(res, i, 1);
    d->country = PQgetvalue(res, i, 2);
    d->languages = rows_strings(a, PQgetvalue(res, i, 3), &d->n_languages);
    if (!d->languages)
        d->n_languages = 0;
    d->time_zone = PQgetvalue(res, i, 4);
    d->business_hours_start = PQgetvalue(res, i, 5);
    d->business_hours_end = PQgetvalue(res, i, 6);
    d->work_days = rows_u32s(a, PQgetvalue(res, i, 7), &d->n_work_days);
    if (!d->work_days)
        d->n_work_days = 0;
    d->status = PQgetvalue(res, i, 8);
    d->account_manager_id = strtoull(PQgetvalue(res, i, 9), NULL, 10);
    d->created_at = PQgetvalue(res, i, 10);
}

static void contact_fill(struct arena *a, const void *res, int i, void *item)
{
    (void)a;
    Liaison__V1__Contact *c = item;
    liaison__v1__contact__init(c);
    c->id = strtoull(PQgetvalue(res, i, 0), NULL, 10);
    c->distributor_id = strtoull(PQgetvalue(res, i, 1), NULL, 10);
    c->name = PQgetvalue(res, i, 2);
    c->role = PQgetvalue(res, i, 3);
    c->email = PQgetvalue(res, i, 4);
    c->phone = PQgetvalue(res, i, 5);
    c->messaging = PQgetvalue(res, i, 6);
    c->language = PQgetvalue(res, i, 7);
    c->time_zone = PQgetvalue(res, i, 8);
}

/* "HH:MM" on a 24-hour clock. */
static bool clock_ok(const char *s)
{
    return strlen(s) == 5 && s[2] == ':' && strspn(s, "0123456789:") == 5 && atoi(s) < 24 &&
           atoi(s + 3) < 60;
}

/* Checks DistributorFields; on failure answers and returns false. */
static bool dist_fields_ok(struct request *r, const Liaison__V1__DistributorFields *f)
{
    if (!f) {
        request_fail_field(r, "fields", "required");
        return false;
    }
    if (!f->name[0] || strlen(f->name) > 200) {
        request_fail_field(r, "fields.name", "1 to 200 bytes");
        return false;
    }
    if (!geo_country(f->country)) {
        request_fail_field(r, "fields.country", "not an ISO 3166-1 alpha-2 country code");
        return false;
    }
    if (f->n_languages > 20) {
        request_fail_field(r, "fields.languages", "at most 20");
        return false;
    }
    for (size_t i = 0; i < f->n_languages; i++) {
        if (!geo_language_tag(f->languages[i])) {
            request_fail_field(r, "fields.languages", "not a BCP 47 language tag");
            return false;
        }
    }
    if (!geo_time_zone(f->time_zone)) {
        request_fail_field(r, "fields.timeZone", "not an IANA time zone of the tz database");
        return false;
    }
    const char *start = f->business_hours_start[0] ? f->business_hours_start : "09:00";
    const char *end = f->business_hours_end[0] ? f->business_hours_end : "17:00";
    if (!clock_ok(start) || !clock_ok(end)) {
        request_fail_field(
            r, clock_ok(start) ? "fields.businessHoursEnd" : "fields.businessHoursStart",
            "HH:MM on a 24-hour clock");
        return false;
    }
    if (strcmp(start, end) >= 0) {
        request_fail_field(r, "fields.businessHoursEnd", "must be after the start");
        return false;
    }
    unsigned seen = 0;
    for (size_t i = 0; i < f->n_work_days; i++) {
        uint32_t d = f->work_days[i];
        if (d < 1 || d > 7 || (seen & (1u << d))) {
            request_fail_field(r, "fields.workDays", "ISO weekdays 1 (Monday) to 7, each once");
            return false;
        }
        seen |= 1u << d;
    }
    return true;
}

/* Fills values[from..from+6] with the fields, defaults applied. */
static void dist_field_params(struct request *r, const Liaison__V1__DistributorFields *f,
                              struct db_step *s, int from)
{
    static const uint32_t weekdays[] = {1, 2, 3, 4, 5};
    s->values[from] = f->name;
    s->values[from + 1] = f->country;
    s->values[from + 2] = rows_text_array(&r->arena, f->languages, f->n_languages);
    s->values[from + 3] = f->time_zone;
    s->values[from + 4] = f->business_hours_start[0] ? f->business_hours_start : "09:00";
    s->values[from + 5] = f->business_hours_end[0] ? f->business_hours_end : "17:00";
    s->values[from + 6] = f->n_work_days ? rows_u32_array(&r->arena, f->work_days, f->n_work_days)
                                         : rows_u32_array(&r->arena, weekdays, 5);
}

static void dist_one_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    if (code == LIAISON__V1__CODE__FAILED_PRECONDITION) {
        request_fail_field(r, "accountManagerId", "not a user of this tenant");
        return;
    }
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    const PGresult *res = txn->results[txn->nsteps - 1];
    if (PQntuples(res) != 1) {
        request_fail(r, LIAISON__V1__CODE__NOT_FOUND, "no such distributor");
        return;
    }
    Liaison__V1__Distributor d;
    dist_fill(&r->arena, res, 0, &d);
    Liaison__V1__DistributorResponse out = LIAISON__V1__DISTRIBUTOR_RESPONSE__INIT;
    out.distributor = &d;
    request_reply(r, &out.base);
}

void rpc_create_distributor(struct request *r)
{
    const Liaison__V1__CreateDistributorRequest *in =
        (const Liaison__V1__CreateDistributorRequest *)r->input;
    if (!dist_fields_ok(r, in->fields))
        return;
    if (in->account_manager_id > INT64_MAX) {
        request_fail_field(r, "accountManagerId", "out of range");
        return;
    }
    int n = credential_txn_begin(r);
    struct db_step *s = &r->txn.steps[n];
    s->stmt = &q_dist_create;
    dist_field_params(r, in->fields, s, 0);
    s->values[7] = request_printf(r, "%" PRIu64, in->account_manager_id);
    request_audit_params(r, s, 8);
    r->txn.nsteps = n + 1;
    request_submit(r, dist_one_done);
}

/* What a cursor of the distributor list is bound to: every filter. */
static char *dist_list_filters(struct request *r)
{
    const Liaison__V1__ListDistributorsRequest *in =
        (const Liaison__V1__ListDistributorsRequest *)r->input;
    char *manager = request_printf(r, "%" PRIu64, in->account_manager_id);
    if (!manager)
        return NULL;
    const char *const values[] = {in->status, in->country, manager};
    return page_filters(&r->arena, 3, values);
}

static void dist_list_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    const Liaison__V1__ListDistributorsRequest *in =
        (const Liaison__V1__ListDistributorsRequest *)r->input;
    Liaison__V1__ListDistributorsResponse out = LIAISON__V1__LIST_DISTRIBUTORS_RESPONSE__INIT;
    Liaison__V1__PageResponse page;
    if (page_rows(&r->arena, txn->results[1], in->page, sizeof(Liaison__V1__Distributor), dist_fill,
                  DISTRIBUTORS_CURSOR, dist_list_filters(r), 0, (void ***)&out.distributors,
                  &out.n_distributors, &page) < 0) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    out.page = &page;
    request_reply(r, &out.base);
}

static bool status_known(const char *s)
{
    return !strcmp(s, "prospect") || !strcmp(s, "onboarding") || !strcmp(s, "active") ||
           !strcmp(s, "at_risk") || !strcmp(s, "terminated");
}

void rpc_list_distributors(struct request *r)
{
    const Liaison__V1__ListDistributorsRequest *in =
        (const Liaison__V1__ListDistributorsRequest *)r->input;
    char after[24];
    if (page_after_id(in->page, DISTRIBUTORS_CURSOR, dist_list_filters(r), after, sizeof after) <
        0) {
        request_fail_field(r, "page.cursor",
                           "not a cursor from ListDistributors with these filters");
        return;
    }
    if (in->status[0] && !status_known(in->status)) {
        request_fail_field(r, "status", "prospect, onboarding, active, at_risk or terminated");
        return;
    }
    if (in->country[0] && !geo_country(in->country)) {
        request_fail_field(r, "country", "not an ISO 3166-1 alpha-2 country code");
        return;
    }
    if (in->account_manager_id > INT64_MAX) {
        request_fail_field(r, "accountManagerId", "out of range");
        return;
    }
    int n = credential_txn_begin(r);
    struct db_step *s = &r->txn.steps[n];
    s->stmt = &q_dist_list;
    s->values[0] = arena_strdup(&r->arena, after);
    s->values[1] = page_limit_param(&r->arena, in->page);
    s->values[2] = in->status[0] ? in->status : NULL;
    s->values[3] = in->country[0] ? in->country : NULL;
    s->values[4] = request_printf(r, "%" PRIu64, in->account_manager_id);
    r->txn.nsteps = n + 1;
    request_submit(r, dist_list_done);
}

void rpc_get_distributor(struct request *r)
{
    const Liaison__V1__IdRequest *in = (const Liaison__V1__IdRequest *)r->input;
    if (!request_check_id(r, "id", in->id))
        return;
    int n = credential_txn_begin(r);
    r->txn.steps[n].stmt = &q_dist_get;
    r->txn.steps[n].values[0] = request_printf(r, "%" PRIu64, in->id);
    r->txn.nsteps = n + 1;
    request_submit(r, dist_one_done);
}

void rpc_update_distributor(struct request *r)
{
    const Liaison__V1__UpdateDistributorRequest *in =
        (const Liaison__V1__UpdateDistributorRequest *)r->input;
    if (!request_check_id(r, "id", in->id) || !dist_fields_ok(r, in->fields))
        return;
    int n = credential_txn_begin(r);
    struct db_step *s = &r->txn.steps[n];
    s->stmt = &q_dist_update;
    s->values[0] = request_printf(r, "%" PRIu64, in->id);
    dist_field_params(r, in->fields, s, 1);
    request_audit_params(r, s, 8);
    r->txn.nsteps = n + 1;
    request_submit(r, dist_one_done);
}

static void dist_status_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    if (!code && PQntuples(txn->results[txn->nsteps - 1]) == 0 &&
        PQntuples(txn->results[txn->nsteps - 2]) == 1) {
        const Liaison__V1__SetDistributorStatusRequest *in =
            (const Liaison__V1__SetDistributorStatusRequest *)r->input;
        char *msg = request_printf(r, "a distributor cannot go from %s to %s",
                                   PQgetvalue(txn->results[txn->nsteps - 2], 0, 0), in->status);
        request_fail(r, LIAISON__V1__CODE__FAILED_PRECONDITION,
                     msg ? msg : "status change not allowed");
        return;
    }
    dist_one_done(txn, code, detail);
}

void rpc_set_distributor_status(struct request *r)
{
    const Liaison__V1__SetDistributorStatusRequest *in =
        (const Liaison__V1__SetDistributorStatusRequest *)r->input;
    if (!request_check_id(r, "id", in->id))
        return;
    if (!status_known(in->status)) {
        request_fail_field(r, "status", "prospect, onboarding, active, at_risk or terminated");
        return;
    }
    int n = credential_txn_begin(r);
    struct db_step *s = r->txn.steps;
    /* the status before the change, to explain a refused transition */
    s[n].stmt = &q_dist_status_now;
    s[n].values[0] = request_printf(r, "%" PRIu64, in->id);
    s[n + 1].stmt = &q_dist_status;
    s[n + 1].values[0] = s[n].values[0];
    s[n + 1].values[1] = in->status;
    request_audit_params(r, &s[n + 1], 2);
    r->txn.nsteps = n + 2;
    request_submit(r, dist_status_done);
}

static void dist_assign_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    if (!code && PQntuples(txn->results[txn->nsteps - 1]) == 0) {
        request_fail(r, LIAISON__V1__CODE__NOT_FOUND,
                     "no such distributor, or the user is not an enabled manager or admin");
        return;
    }
    dist_one_done(txn, code, detail);
}

void rpc_assign_account_manager(struct request *r)
{
    const Liaison__V1__AssignAccountManagerRequest *in =
        (const Liaison__V1__AssignAccountManagerRequest *)r->input;
    if (!request_check_id(r, "id", in->id) || !request_check_id(r, "userId", in->user_id))
        return;
    int n = credential_txn_begin(r);
    struct db_step *s = &r->txn.steps[n];
    s->stmt = &q_dist_assign;
    s->values[0] = request_printf(r, "%" PRIu64, in->id);
    s->values[1] = request_printf(r, "%" PRIu64, in->user_id);
    request_audit_params(r, s, 2);
    r->txn.nsteps = n + 1;
    request_submit(r, dist_assign_done);
}

/* ---------- contacts ---------- */

static bool contact_fields_ok(struct request *r, const Liaison__V1__ContactFields *f)
{
    if (!f) {
        request_fail_field(r, "fields", "required");
        return false;
    }
    const struct {
        const char *field, *value;
        size_t max;
    } bounds[] = {{"fields.name", f->name, 200},
                  {"fields.role", f->role, 100},
                  {"fields.email", f->email, 254},
                  {"fields.phone", f->phone, 40},
                  {"fields.messaging", f->messaging, 200}};
    for (size_t i = 0; i < sizeof bounds / sizeof bounds[0]; i++) {
        if (strlen(bounds[i].value) > bounds[i].max) {
            request_fail_field(r, bounds[i].field, "too long");
            return false;
        }
    }
    if (!f->name[0]) {
        request_fail_field(r, "fields.name", "required");
        return false;
    }
    if (f->email[0] && !strchr(f->email, '@')) {
        request_fail_field(r, "fields.email", "not an e-mail address");
        return false;
    }
    if (f->language[0] && !geo_language_tag(f->language)) {
        request_fail_field(r, "fields.language", "not a BCP 47 language tag");
        return false;
    }
    if (f->time_zone[0] && !geo_time_zone(f->time_zone)) {
        request_fail_field(r, "fields.timeZone", "not an IANA time zone of the tz database");
        return false;
    }
    return true;
}

static void contact_field_params(const Liaison__V1__ContactFields *f, struct db_step *s, int from)
{
    s->values[from] = f->name;
    s->values[from + 1] = f->role;
    s->values[from + 2] = f->email;
    s->values[from + 3] = f->phone;
    s->values[from + 4] = f->messaging;
    s->values[from + 5] = f->language;
    s->values[from + 6] = f->time_zone;
}

static void contact_one_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    const PGresult *res = txn->results[txn->nsteps - 1];
    if (PQntuples(res) != 1) {
        request_fail(r, LIAISON__V1__CODE__NOT_FOUND,
                     request_method_name(r)[0] == 'C' ? "no such distributor" : "no such contact");
        return;
    }
    Liaison__V1__Contact c;
    contact_fill(&r->arena, res, 0, &c);
    Liaison__V1__ContactResponse out = LIAISON__V1__CONTACT_RESPONSE__INIT;
    out.contact = &c;
    request_reply(r, &out.base);
}

void rpc_create_contact(struct request *r)
{
    const Liaison__V1__CreateContactRequest *in =
        (const Liaison__V1__CreateContactRequest *)r->input;
    if (!request_check_id(r, "distributorId", in->distributor_id) ||
        !contact_fields_ok(r, in->fields))
        return;
    int n = credential_txn_begin(r);
    struct db_step *s = &r->txn.steps[n];
    s->stmt = &q_contact_create;
    s->values[0] = request_printf(r, "%" PRIu64, in->distributor_id);
    contact_field_params(in->fields, s, 1);
    request_audit_params(r, s, 8);
    r->txn.nsteps = n + 1;
    request_submit(r, contact_one_done);
}

static void contact_list_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    const Liaison__V1__ListContactsRequest *in = (const Liaison__V1__ListContactsRequest *)r->input;
    Liaison__V1__ListContactsResponse out = LIAISON__V1__LIST_CONTACTS_RESPONSE__INIT;
    Liaison__V1__PageResponse page;
    if (page_rows(&r->arena, txn->results[txn->nsteps - 1], in->page, sizeof(Liaison__V1__Contact),
                  contact_fill, CONTACTS_CURSOR, request_printf(r, "%" PRIu64, in->distributor_id),
                  0, (void ***)&out.contacts, &out.n_contacts, &page) < 0) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    out.page = &page;
    request_reply(r, &out.base);
}

void rpc_list_contacts(struct request *r)
{
    const Liaison__V1__ListContactsRequest *in = (const Liaison__V1__ListContactsRequest *)r->input;
    char after[24];
    if (!request_check_id(r, "distributorId", in->distributor_id))
        return;
    char *dist = request_printf(r, "%" PRIu64, in->distributor_id);
    if (page_after_id(in->page, CONTACTS_CURSOR, dist, after, sizeof after) < 0) {
        request_fail_field(r, "page.cursor", "not a cursor from ListContacts for this distributor");
        return;
    }
    int n = credential_txn_begin(r);
    struct db_step *s = &r->txn.steps[n];
    s[0].stmt = &q_contact_list_parent;
    s[0].values[0] = dist;
    s[1].stmt = &q_contact_list;
    s[1].values[0] = dist;
    s[1].values[1] = arena_strdup(&r->arena, after);
    s[1].values[2] = page_limit_param(&r->arena, in->page);
    r->txn.nsteps = n + 2;
    request_submit(r, contact_list_done);
}

void rpc_update_contact(struct request *r)
{
    const Liaison__V1__UpdateContactRequest *in =
        (const Liaison__V1__UpdateContactRequest *)r->input;
    if (!request_check_id(r, "id", in->id) || !contact_fields_ok(r, in->fields))
        return;
    int n = credential_txn_begin(r);
    struct db_step *s = &r->txn.steps[n];
    s->stmt = &q_contact_update;
    s->values[0] = request_printf(r, "%" PRIu64, in->id);
    contact_field_params(in->fields, s, 1);
    request_audit_params(r, s, 8);
    r->txn.nsteps = n + 1;
    request_submit(r, contact_one_done);
}

void rpc_remove_contact(struct request *r)
{
    const Liaison__V1__IdRequest *in = (const Liaison__V1__IdRequest *)r->input;
    if (!request_check_id(r, "id", in->id))
        return;
    int n = credential_txn_begin(r);
    struct db_step *s = &r->txn.steps[n];
    s->stmt = &q_contact_remove;
    s->values[0] = request_printf(r, "%" PRIu64, in->id);
    request_audit_params(r, s, 1);
    r->txn.nsteps = n + 1;
    request_submit(r, contact_one_done);
}
