/*
 * rpc_update.c - upstream updates. A distributor user reaches only the
 * published updates addressed to its distributor: row-level security
 * (migration 0033) shows it nothing else, so the statements here need no
 * case of their own for it. Reading one records the user's first reading.
 */
#include "rpc_update.h"

#include <stdint.h>
#include <string.h>

#include "exec.h"
#include "geo.h"
#include "log.h"
#include "rpc_charter.h"
#include "rpc_distributor.h"
#include "rpc_document.h"

#define UPDATE_COLS                                                                                \
    "u.id, u.kind, u.title, u.language, u.effective_on::text AS effective_on,"                     \
    " array_to_json(u.regions)::text AS regions,"                                                  \
    " array_to_json(u.line_ids)::text AS product_line_ids,"                                        \
    " array_to_json(u.document_ids)::text AS document_ids, u.status, u.created_by,"                \
    " liaison_rfc3339(u.created_at) AS created_at, u.published_by,"                                \
    " liaison_rfc3339(u.published_at) AS published_at,"                                            \
    " (SELECT liaison_rfc3339(x.first_read_at) FROM update_receipts x"                             \
    "  WHERE x.tenant_id = u.tenant_id AND x.update_id = u.id"                                     \
    "  AND x.user_id = nullif(current_setting('liaison.user_id', true), '')::bigint) AS read_at"
#define UPDATE_PARTS                                                                               \
    ", u.body, (SELECT json_agg(json_build_object('language', v.language, 'title', v.title,"       \
    "  'body', v.body) ORDER BY v.language) FROM update_variants v"                                \
    "  WHERE v.tenant_id = u.tenant_id AND v.update_id = u.id) AS variants,"                       \
    " (SELECT json_agg(json_build_object('distributor_id', r.distributor_id,"                      \
    "  'distributor_name', d.name, 'agenda', r.agenda, 'agenda_meeting_id',"                       \
    "  r.agenda_meeting_id) ORDER BY r.distributor_id) FROM update_recipients r"                   \
    "  JOIN distributors d ON d.tenant_id = r.tenant_id AND d.id = r.distributor_id"               \
    "  WHERE r.tenant_id = u.tenant_id AND r.update_id = u.id"                                     \
    "  AND liaison_sees_side(r.distributor_id)) AS recipients"
/*
 * A list's rows carry each variant's language and title but not its body:
 * a portal titles each row in its reader's language, which it could only
 * learn by opening the update, and opening it records a reading.
 */
#define UPDATE_TITLES                                                                              \
    ", (SELECT json_agg(json_build_object('language', v.language, 'title', v.title)"               \
    "  ORDER BY v.language) FROM update_variants v"                                                \
    "  WHERE v.tenant_id = u.tenant_id AND v.update_id = u.id) AS variants"
#define UPDATE_FROM " FROM upstream_updates u WHERE u.tenant_id = liaison_tenant()"

/* $1 kind, $2 title, $3 body, $4 language, $5 effective, $6 regions, $7 lines, $8 documents,
 * $9 variants (JSON) */
static struct db_stmt q_update_create = {
    "SELECT liaison_update_create($1, $2, $3, $4, $5::date, $6::text[], $7::bigint[],"
    " $8::bigint[], $9::jsonb) AS _id",
    9, 0};
static struct db_stmt q_update_created = {
    "SELECT " UPDATE_COLS UPDATE_PARTS UPDATE_FROM
    " AND u.id = nullif(current_setting('liaison.created_id', true), '')::bigint",
    0, 0};
static struct db_stmt q_update_get = {
    "SELECT " UPDATE_COLS UPDATE_PARTS UPDATE_FROM " AND u.id = $1::bigint", 1, 0};
static struct db_stmt q_update_publish = {"SELECT liaison_update_publish($1::bigint) AS _id", 1, 0};
static struct db_stmt q_update_read = {"SELECT liaison_update_read($1::bigint) AS _id", 1, 0};
/* $1 after, $2 limit, $3 status, $4 kind, $5 distributor */
static struct db_stmt q_update_list = {
    "SELECT " UPDATE_COLS UPDATE_TITLES UPDATE_FROM
    " AND u.id > $1::bigint AND ($3 = '' OR u.status = $3)"
    " AND ($4 = '' OR u.kind = $4) AND ($5::bigint = 0 OR EXISTS (SELECT 1 FROM"
    " update_recipients r WHERE r.tenant_id = u.tenant_id AND r.update_id = u.id"
    " AND r.distributor_id = $5::bigint AND liaison_sees_side(r.distributor_id)))"
    " ORDER BY u.id LIMIT $2::int",
    5, 0};
/* $1 update */
static struct db_stmt q_update_exists = {
    "SELECT liaison_found(EXISTS (SELECT 1 FROM upstream_updates u"
    " WHERE u.tenant_id = liaison_tenant() AND u.id = $1::bigint), 'no such update')",
    1, 0};
/*
 * $1 after (a user id), $2 limit, $3 update, $4 distributor. Every distributor user of each
 * recipient the caller reaches, read or not.
 */
static struct db_stmt q_receipt_list = {
    "SELECT us.id AS _id, us.id AS user_id, us.email, r.distributor_id, d.name AS"
    " distributor_name, liaison_rfc3339(x.first_read_at) AS read_at FROM update_recipients r"
    " JOIN distributors d ON d.tenant_id = r.tenant_id AND d.id = r.distributor_id"
    " JOIN users us ON us.tenant_id = r.tenant_id AND us.distributor_id = r.distributor_id"
    " LEFT JOIN update_receipts x ON x.tenant_id = r.tenant_id AND x.update_id = r.update_id"
    " AND x.user_id = us.id WHERE r.tenant_id = liaison_tenant() AND r.update_id = $3::bigint"
    " AND liaison_sees_side(r.distributor_id) AND ($4::bigint = 0 OR r.distributor_id ="
    " $4::bigint) AND us.id > $1::bigint ORDER BY us.id LIMIT $2::int",
    4, 0};

static struct exec_decl d_update_create = {
    .method = "CreateUpstreamUpdate",
    .check = {&documents_attachable, {"document_ids"}},
    .query = {&q_update_create,
              {"kind", "title", "body", "language", "effective_on", "regions", "product_line_ids",
               "document_ids", "variants"}},
    .reply = {&q_update_created, {NULL}},
    .out = "update",
    .not_found = "no such update"};
static struct exec_decl d_update_publish = {.method = "PublishUpstreamUpdate",
                                            .query = {&q_update_publish, {"id"}},
                                            .reply = {&q_update_get, {"id"}},
                                            .out = "update",
                                            .not_found = "no such update"};
static struct exec_decl d_update_get = {.method = "GetUpstreamUpdate",
                                        .query = {&q_update_read, {"id"}},
                                        .reply = {&q_update_get, {"id"}},
                                        .out = "update",
                                        .not_found = "no such update"};
static struct exec_decl d_update_list = {
    .method = "ListUpstreamUpdates",
    .check = {&distributor_filter_reached, {"distributor_id"}},
    .query = {&q_update_list, {"@after", "@limit", "status", "kind", "distributor_id"}},
    .shape = EXEC_PAGE,
    .out = "updates",
    .cursor = "upd",
    .filters = {"status", "kind", "distributor_id"}};
static struct exec_decl d_receipt_list = {
    .method = "ListUpdateReceipts",
    .check = {&q_update_exists, {"update_id"}},
    .query = {&q_receipt_list, {"@after", "@limit", "update_id", "distributor_id"}},
    .shape = EXEC_PAGE,
    .out = "receipts",
    .cursor = "urc",
    .filters = {"update_id", "distributor_id"}};

int rpc_update_register(void)
{
    struct exec_decl *const decls[] = {&d_update_create, &d_update_publish, &d_update_get,
                                       &d_update_list, &d_receipt_list};
    char err[256];
    if (exec_register(decls, (int)(sizeof decls / sizeof decls[0]), err, sizeof err) < 0) {
        log_event(LOG_ERROR, "upstream update RPCs refused", "reason=\"%s\"", err);
        return -1;
    }
    return 0;
}

#define MAX_REGIONS 32
#define MAX_LINES 32
#define MAX_VARIANTS 16
#define MAX_DOCUMENTS 16

static const char *const update_kinds[] = {"production", "launch", "campaign", NULL};

static bool word_in(const char *s, const char *const *words)
{
    for (; *words; words++)
        if (!strcmp(s, *words))
            return true;
    return false;
}

/* Answers INVALID_ARGUMENT on list[i] or list[i].name, then false. */
static bool fail_item(struct request *r, const char *list, size_t i, const char *name,
                      const char *why)
{
    const char *field = name ? request_printf(r, "%s[%zu].%s", list, i, name)
                             : request_printf(r, "%s[%zu]", list, i);
    if (field)
        request_fail_field(r, field, why);
    else
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
    return false;
}

static bool ids_ok(struct request *r, const char *list, const uint64_t *ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] < 1 || ids[i] > INT64_MAX)
            return fail_item(r, list, i, NULL, "an id");
    return true;
}

static bool variant_ok(struct request *r, size_t i, const Liaison__V1__UpdateVariant *v)
{
    const char *title = request_printf(r, "variants[%zu].title", i);
    const char *body = request_printf(r, "variants[%zu].body", i);
    if (!title || !body) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return false;
    }
    if (!geo_language_tag(v->language))
        return fail_item(r, "variants", i, "language", "a BCP 47 language tag such as vi or ja");
    geo_language_canonical(v->language);
    return request_check_chars(r, title, v->title, 200, true) &&
           request_check_one_line(r, title, v->title) &&
           request_check_chars(r, body, v->body, 20000, true);
}

void rpc_create_upstream_update(struct request *r)
{
    Liaison__V1__CreateUpstreamUpdateRequest *in =
        (Liaison__V1__CreateUpstreamUpdateRequest *)r->input;
    if (!word_in(in->kind, update_kinds)) {
        request_fail_field(r, "kind", "production, launch or campaign");
        return;
    }
    if (!request_check_chars(r, "title", in->title, 200, true) ||
        !request_check_one_line(r, "title", in->title) ||
        !request_check_chars(r, "body", in->body, 20000, true))
        return;
    if (!geo_language_tag(in->language)) {
        request_fail_field(r, "language", "a BCP 47 language tag such as en, vi or ja");
        return;
    }
    geo_language_canonical(in->language);
    if (!charter_date_ok(in->effective_on)) {
        request_fail_field(r, "effectiveOn", charter_date_why(r, in->effective_on));
        return;
    }
    if (in->n_regions < 1 || in->n_regions > MAX_REGIONS) {
        request_fail_field(r, "regions", "1 to 32 regions (ISO 3166-1 or 3166-2 codes)");
        return;
    }
    for (size_t i = 0; i < in->n_regions; i++) {
        geo_upcase(in->regions[i]);
        if (!geo_region(in->regions[i])) {
            fail_item(r, "regions", i, NULL, "not an ISO 3166-1 country or 3166-2 subdivision");
            return;
        }
    }
    if (in->n_product_line_ids < 1 || in->n_product_line_ids > MAX_LINES) {
        request_fail_field(r, "productLineIds", "1 to 32 product lines");
        return;
    }
    if (in->n_variants > MAX_VARIANTS) {
        request_fail_field(r, "variants", "at most 16 language variants");
        return;
    }
    if (in->n_document_ids > MAX_DOCUMENTS) {
        request_fail_field(r, "documentIds", "at most 16 documents");
        return;
    }
    if (!ids_ok(r, "productLineIds", in->product_line_ids, in->n_product_line_ids) ||
        !request_check_once(r, "productLineIds", in->product_line_ids, in->n_product_line_ids) ||
        !ids_ok(r, "documentIds", in->document_ids, in->n_document_ids))
        return;
    for (size_t i = 0; i < in->n_variants; i++)
        if (!variant_ok(r, i, in->variants[i]))
            return;
    exec_run(r, &d_update_create);
}

void rpc_publish_upstream_update(struct request *r)
{
    if (request_check_id(r, "id", ((const Liaison__V1__IdRequest *)r->input)->id))
        exec_run(r, &d_update_publish);
}

void rpc_get_upstream_update(struct request *r)
{
    if (request_check_id(r, "id", ((const Liaison__V1__IdRequest *)r->input)->id))
        exec_run(r, &d_update_get);
}

void rpc_list_upstream_updates(struct request *r)
{
    const Liaison__V1__ListUpstreamUpdatesRequest *in =
        (const Liaison__V1__ListUpstreamUpdatesRequest *)r->input;
    if (in->status[0] && strcmp(in->status, "draft") && strcmp(in->status, "published")) {
        request_fail_field(r, "status", "draft or published");
        return;
    }
    if (in->kind[0] && !word_in(in->kind, update_kinds)) {
        request_fail_field(r, "kind", "production, launch or campaign");
        return;
    }
    if (in->distributor_id && !request_check_id(r, "distributorId", in->distributor_id))
        return;
    exec_run(r, &d_update_list);
}

void rpc_list_update_receipts(struct request *r)
{
    const Liaison__V1__ListUpdateReceiptsRequest *in =
        (const Liaison__V1__ListUpdateReceiptsRequest *)r->input;
    if (!request_check_id(r, "updateId", in->update_id) ||
        (in->distributor_id && !request_check_id(r, "distributorId", in->distributor_id)))
        return;
    exec_run(r, &d_receipt_list);
}
