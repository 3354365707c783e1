/*
 * rpc_catalog.c - the exporter's catalogue: product lines (code, name) and
 * products (SKU, line, unit, MOQ). Retiring keeps the row, so charters and
 * orders that name it stay readable.
 */
#include "rpc_catalog.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credential.h"
#include "page.h"

#define LINE_COLS "id, code, name, retired_at IS NOT NULL"
#define PRODUCT_COLS "id, sku, product_line_id, name, unit, moq, retired_at IS NOT NULL"
#define LINES_CURSOR "pln"
#define PRODUCTS_CURSOR "prd"
#define AUDIT_FROM(entity, action, a, rid, src, from)                                              \
    " INSERT INTO audit_log (tenant_id, actor, action, entity, entity_id, request_id, source)"     \
    " SELECT liaison_tenant(), " a ", '" action "', '" entity "', id::text, " rid ", " src         \
    " FROM " from

/* $1 code, $2 name, $3 actor, $4 rid, $5 source */
static struct db_stmt q_line_create = {
    "WITH m AS (INSERT INTO product_lines (tenant_id, code, name)"
    "  VALUES (liaison_tenant(), $1, $2) RETURNING " LINE_COLS "),"
    " a AS (" AUDIT_FROM("product_line", "product_line.create", "$3", "$4", "$5",
                         "m") ")"
                              " SELECT * FROM m",
    5, 0};
static struct db_stmt q_line_list = {
    "SELECT " LINE_COLS " FROM product_lines WHERE tenant_id = liaison_tenant()"
    " AND id > $1::bigint AND ($3::boolean OR retired_at IS NULL) ORDER BY id LIMIT $2::int",
    3, 0};
/* $1 id, $2 name (NULL: keep), $3 retire, $4 actor, $5 rid, $6 source */
static struct db_stmt q_line_update = {
    "WITH m AS (UPDATE product_lines SET name = coalesce($2, name),"
    "  retired_at = CASE WHEN $3::boolean THEN coalesce(retired_at, now()) ELSE retired_at END"
    "  WHERE tenant_id = liaison_tenant() AND id = $1::bigint RETURNING " LINE_COLS "),"
    " a AS (" AUDIT_FROM("product_line", "product_line.update", "$4", "$5", "$6",
                         "m") ")"
                              " SELECT * FROM m",
    6, 0};
/* $1 sku, $2 line, $3 name, $4 unit, $5 moq, $6 actor, $7 rid, $8 source */
static struct db_stmt q_product_create = {
    "WITH m AS (INSERT INTO products (tenant_id, sku, product_line_id, name, unit, moq)"
    "  SELECT liaison_tenant(), $1, l.id, $3, $4, $5::int FROM product_lines l"
    "  WHERE l.tenant_id = liaison_tenant() AND l.id = $2::bigint AND l.retired_at IS NULL"
    "  RETURNING " PRODUCT_COLS "),"
    " a AS (" AUDIT_FROM("product", "product.create", "$6", "$7", "$8", "m") ")"
                                                                             " SELECT * FROM m",
    8, 0};
/* The line a product list is filtered by exists, or NOT_FOUND: $1 line. */
static struct db_stmt q_product_list_line = {
    "SELECT liaison_found(EXISTS (SELECT 1 FROM product_lines"
    " WHERE tenant_id = liaison_tenant() AND id = $1::bigint), 'no such product line')",
    1, 0};
static struct db_stmt q_product_list = {
    "SELECT " PRODUCT_COLS " FROM products WHERE tenant_id = liaison_tenant()"
    " AND id > $1::bigint AND ($3::bigint = 0 OR product_line_id = $3::bigint)"
    " AND ($4::boolean OR retired_at IS NULL) ORDER BY id LIMIT $2::int",
    4, 0};
/* $1 id, $2 name, $3 unit, $4 moq (NULL: keep), $5 retire, $6 actor, $7 rid, $8 source */
static struct db_stmt q_product_update = {
    "WITH m AS (UPDATE products SET name = coalesce($2, name), unit = coalesce($3, unit),"
    "  moq = coalesce($4::int, moq),"
    "  retired_at = CASE WHEN $5::boolean THEN coalesce(retired_at, now()) ELSE retired_at END"
    "  WHERE tenant_id = liaison_tenant() AND id = $1::bigint RETURNING " PRODUCT_COLS "),"
    " a AS (" AUDIT_FROM("product", "product.update", "$6", "$7", "$8", "m") ")"
                                                                             " SELECT * FROM m",
    8, 0};

int rpc_catalog_register(void)
{
    struct db_stmt *const stmts[] = {&q_line_create,      &q_line_list,    &q_line_update,
                                     &q_product_create,   &q_product_list, &q_product_update,
                                     &q_product_list_line};
    return db_register(stmts, (int)(sizeof stmts / sizeof stmts[0]));
}

static void line_fill(struct arena *a, const void *res, int i, void *item)
{
    (void)a;
    Liaison__V1__ProductLine *l = item;
    liaison__v1__product_line__init(l);
    l->id = strtoull(PQgetvalue(res, i, 0), NULL, 10);
    l->code = PQgetvalue(res, i, 1);
    l->name = PQgetvalue(res, i, 2);
    l->retired = PQgetvalue(res, i, 3)[0] == 't';
}

static void product_fill(struct arena *a, const void *res, int i, void *item)
{
    (void)a;
    Liaison__V1__Product *p = item;
    liaison__v1__product__init(p);
    p->id = strtoull(PQgetvalue(res, i, 0), NULL, 10);
    p->sku = PQgetvalue(res, i, 1);
    p->product_line_id = strtoull(PQgetvalue(res, i, 2), NULL, 10);
    p->name = PQgetvalue(res, i, 3);
    p->unit = PQgetvalue(res, i, 4);
    p->moq = (uint32_t)strtoul(PQgetvalue(res, i, 5), NULL, 10);
    p->retired = PQgetvalue(res, i, 6)[0] == 't';
}

/* The last step's single row, or NOT_FOUND / the database's verdict. */
static const PGresult *one_row(struct request *r, struct db_txn *txn, int code, const char *detail,
                               const char *what, const char *duplicate)
{
    if (code == LIAISON__V1__CODE__ALREADY_EXISTS) {
        request_fail(r, code, duplicate);
        return NULL;
    }
    if (code == LIAISON__V1__CODE__INVALID_ARGUMENT) {
        request_fail(r, code, "a value breaks the catalogue's format rules");
        return NULL;
    }
    if (code) {
        request_fail_db(r, code, detail);
        return NULL;
    }
    const PGresult *res = txn->results[txn->nsteps - 1];
    if (PQntuples(res) != 1) {
        char msg[64];
        snprintf(msg, sizeof msg, "no such %s", what);
        request_fail(r, LIAISON__V1__CODE__NOT_FOUND, msg);
        return NULL;
    }
    return res;
}

static void line_one_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    const PGresult *res = one_row(r, txn, code, detail, "product line",
                                  "a product line with this code already exists");
    if (!res)
        return;
    Liaison__V1__ProductLine l;
    line_fill(&r->arena, res, 0, &l);
    Liaison__V1__ProductLineResponse out = LIAISON__V1__PRODUCT_LINE_RESPONSE__INIT;
    out.product_line = &l;
    request_reply(r, &out.base);
}

static void product_one_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    const PGresult *res =
        one_row(r, txn, code, detail, "product", "a product with this SKU already exists");
    if (!res)
        return;
    Liaison__V1__Product p;
    product_fill(&r->arena, res, 0, &p);
    Liaison__V1__ProductResponse out = LIAISON__V1__PRODUCT_RESPONSE__INIT;
    out.product = &p;
    request_reply(r, &out.base);
}

static bool name_ok(struct request *r, const char *field, const char *v, size_t max)
{
    if (!v[0] || strlen(v) > max) {
        char *why = request_printf(r, "1 to %zu bytes", max);
        request_fail_field(r, field, why ? why : "out of bounds");
        return false;
    }
    return true;
}

void rpc_create_product_line(struct request *r)
{
    const Liaison__V1__CreateProductLineRequest *in =
        (const Liaison__V1__CreateProductLineRequest *)r->input;
    if (!in->code[0] || strlen(in->code) > 32 ||
        strspn(in->code, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
            strlen(in->code)) {
        request_fail_field(r, "code", "1 to 32 of A-Z, a-z, 0-9, '.', '_', '-'");
        return;
    }
    if (!name_ok(r, "name", in->name, 200))
        return;
    int n = credential_txn_begin(r);
    struct db_step *s = &r->txn.steps[n];
    s->stmt = &q_line_create;
    s->values[0] = in->code;
    s->values[1] = in->name;
    request_audit_params(r, s, 2);
    r->txn.nsteps = n + 1;
    request_submit(r, line_one_done);
}

static void line_list_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    const Liaison__V1__ListProductLinesRequest *in =
        (const Liaison__V1__ListProductLinesRequest *)r->input;
    Liaison__V1__ListProductLinesResponse out = LIAISON__V1__LIST_PRODUCT_LINES_RESPONSE__INIT;
    Liaison__V1__PageResponse page;
    if (page_rows(&r->arena, txn->results[1], in->page, sizeof(Liaison__V1__ProductLine), line_fill,
                  LINES_CURSOR, in->include_retired ? "retired" : "", 0,
                  (void ***)&out.product_lines, &out.n_product_lines, &page) < 0) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    out.page = &page;
    request_reply(r, &out.base);
}

void rpc_list_product_lines(struct request *r)
{
    const Liaison__V1__ListProductLinesRequest *in =
        (const Liaison__V1__ListProductLinesRequest *)r->input;
    char after[24];
    if (page_after_id(in->page, LINES_CURSOR, in->include_retired ? "retired" : "", after,
                      sizeof after) < 0) {
        request_fail_field(r, "page.cursor",
                           "not a cursor from ListProductLines with these filters");
        return;
    }
    int n = credential_txn_begin(r);
    struct db_step *s = &r->txn.steps[n];
    s->stmt = &q_line_list;
    s->values[0] = arena_strdup(&r->arena, after);
    s->values[1] = page_limit_param(&r->arena, in->page);
    s->values[2] = in->include_retired ? "true" : "false";
    r->txn.nsteps = n + 1;
    request_submit(r, line_list_done);
}

static void line_update(struct request *r, uint64_t id, const char *name, bool retire)
{
    if (!request_check_id(r, "id", id))
        return;
    int n = credential_txn_begin(r);
    struct db_step *s = &r->txn.steps[n];
    s->stmt = &q_line_update;
    s->values[0] = request_printf(r, "%" PRIu64, id);
    s->values[1] = name;
    s->values[2] = retire ? "true" : "false";
    request_audit_params(r, s, 3);
    r->txn.nsteps = n + 1;
    request_submit(r, line_one_done);
}

void rpc_update_product_line(struct request *r)
{
    const Liaison__V1__UpdateProductLineRequest *in =
        (const Liaison__V1__UpdateProductLineRequest *)r->input;
    if (name_ok(r, "name", in->name, 200))
        line_update(r, in->id, in->name, false);
}

void rpc_retire_product_line(struct request *r)
{
    line_update(r, ((const Liaison__V1__IdRequest *)r->input)->id, NULL, true);
}

static void product_create_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    if (!code && PQntuples(txn->results[txn->nsteps - 1]) == 0) {
        /* nothing inserted: the line is not one of this tenant's live lines */
        request_fail_field(r, "productLineId", "no such product line in this tenant");
        return;
    }
    product_one_done(txn, code, detail);
}

void rpc_create_product(struct request *r)
{
    const Liaison__V1__CreateProductRequest *in =
        (const Liaison__V1__CreateProductRequest *)r->input;
    if (!in->sku[0] || strlen(in->sku) > 64 ||
        strspn(in->sku, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._/-") !=
            strlen(in->sku)) {
        request_fail_field(r, "sku", "1 to 64 of A-Z, a-z, 0-9, '.', '_', '/', '-'");
        return;
    }
    if (!request_check_id(r, "productLineId", in->product_line_id))
        return;
    if (!name_ok(r, "name", in->name, 200) || !name_ok(r, "unit", in->unit, 20))
        return;
    if (in->moq > INT32_MAX) {
        request_fail_field(r, "moq", "too large");
        return;
    }
    int n = credential_txn_begin(r);
    struct db_step *s = &r->txn.steps[n];
    s->stmt = &q_product_create;
    s->values[0] = in->sku;
    s->values[1] = request_printf(r, "%" PRIu64, in->product_line_id);
    s->values[2] = in->name;
    s->values[3] = in->unit;
    s->values[4] = request_printf(r, "%u", in->moq);
    request_audit_params(r, s, 5);
    r->txn.nsteps = n + 1;
    request_submit(r, product_create_done);
}

/* What a cursor of the product list is bound to: its line and retired flag. */
static char *products_filters(struct request *r)
{
    const Liaison__V1__ListProductsRequest *in = (const Liaison__V1__ListProductsRequest *)r->input;
    return request_printf(r, "%" PRIu64 ";%d", in->product_line_id, in->include_retired);
}

static void product_list_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    const Liaison__V1__ListProductsRequest *in = (const Liaison__V1__ListProductsRequest *)r->input;
    Liaison__V1__ListProductsResponse out = LIAISON__V1__LIST_PRODUCTS_RESPONSE__INIT;
    Liaison__V1__PageResponse page;
    if (page_rows(&r->arena, txn->results[txn->nsteps - 1], in->page, sizeof(Liaison__V1__Product),
                  product_fill, PRODUCTS_CURSOR, products_filters(r), 0, (void ***)&out.products,
                  &out.n_products, &page) < 0) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    out.page = &page;
    request_reply(r, &out.base);
}

void rpc_list_products(struct request *r)
{
    const Liaison__V1__ListProductsRequest *in = (const Liaison__V1__ListProductsRequest *)r->input;
    char after[24];
    if (in->product_line_id > INT64_MAX) {
        request_fail_field(r, "productLineId", "out of range");
        return;
    }
    if (page_after_id(in->page, PRODUCTS_CURSOR, products_filters(r), after, sizeof after) < 0) {
        request_fail_field(r, "page.cursor", "not a cursor from ListProducts with these filters");
        return;
    }
    char *line = request_printf(r, "%" PRIu64, in->product_line_id);
    int n = credential_txn_begin(r);
    if (in->product_line_id) {
        r->txn.steps[n].stmt = &q_product_list_line;
        r->txn.steps[n].values[0] = line;
        n++;
    }
    struct db_step *s = &r->txn.steps[n];
    s->stmt = &q_product_list;
    s->values[0] = arena_strdup(&r->arena, after);
    s->values[1] = page_limit_param(&r->arena, in->page);
    s->values[2] = line;
    s->values[3] = in->include_retired ? "true" : "false";
    r->txn.nsteps = n + 1;
    request_submit(r, product_list_done);
}

static void product_update(struct request *r, uint64_t id, const char *name, const char *unit,
                           const char *moq, bool retire)
{
    if (!request_check_id(r, "id", id))
        return;
    int n = credential_txn_begin(r);
    struct db_step *s = &r->txn.steps[n];
    s->stmt = &q_product_update;
    s->values[0] = request_printf(r, "%" PRIu64, id);
    s->values[1] = name;
    s->values[2] = unit;
    s->values[3] = moq;
    s->values[4] = retire ? "true" : "false";
    request_audit_params(r, s, 5);
    r->txn.nsteps = n + 1;
    request_submit(r, product_one_done);
}

void rpc_update_product(struct request *r)
{
    const Liaison__V1__UpdateProductRequest *in =
        (const Liaison__V1__UpdateProductRequest *)r->input;
    if (!name_ok(r, "name", in->name, 200) || !name_ok(r, "unit", in->unit, 20))
        return;
    if (in->moq > INT32_MAX) {
        request_fail_field(r, "moq", "too large");
        return;
    }
    product_update(r, in->id, in->name, in->unit, request_printf(r, "%u", in->moq), false);
}

void rpc_retire_product(struct request *r)
{
    product_update(r, ((const Liaison__V1__IdRequest *)r->input)->id, NULL, NULL, NULL, true);
}
