/*
 * rpc_catalog.c - the exporter's catalogue: product lines (code, name) and
 * products (SKU, line, unit, MOQ). Retiring keeps the row, so charters and
 * orders that name it stay readable.
 */
#include "rpc_catalog.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "log.h"

#define LINE_COLS "id, code, name, retired_at IS NOT NULL AS retired"
#define PRODUCT_COLS                                                                               \
    "id, sku, product_line_id, name, unit, moq, retired_at IS NOT NULL AS retired,"                \
    " (SELECT l.code FROM product_lines l WHERE l.tenant_id = products.tenant_id"                  \
    "  AND l.id = products.product_line_id) AS product_line_code"

/* $1 code, $2 name */
static struct db_stmt q_line_create = {
    "WITH m AS (INSERT INTO product_lines (tenant_id, code, name)"
    "  VALUES (liaison_tenant(), $1, $2) RETURNING " LINE_COLS
    ")" EXEC_AUDITED("'product_line.create'", "product_line"),
    2, 0};
/* $1 after, $2 limit, $3 include retired, $4 name ('': any) */
static struct db_stmt q_line_list = {
    "SELECT " LINE_COLS " FROM product_lines WHERE tenant_id = liaison_tenant()"
    " AND id > $1::bigint AND ($3::boolean OR retired_at IS NULL)"
    " AND ($4 = '' OR code ILIKE liaison_like($4) OR liaison_name_like(name, $4))"
    " ORDER BY id LIMIT $2::int",
    4, 0};
/* $1 id, $2 name */
static struct db_stmt q_line_update = {
    "WITH m AS (UPDATE product_lines SET name = $2"
    "  WHERE tenant_id = liaison_tenant() AND id = $1::bigint RETURNING " LINE_COLS
    ")" EXEC_AUDITED("'product_line.update'", "product_line"),
    2, 0};
/* $1 id, $2 force: a line in use is retired only when forced (migration 0162). */
static struct db_stmt q_line_retire = {"SELECT liaison_line_retire($1::bigint, $2::boolean) AS _id",
                                       2, 0};
/* $1 id */
static struct db_stmt q_line_reinstate = {"SELECT liaison_line_reinstate($1::bigint) AS _id", 1, 0};
static struct db_stmt q_line_get = {
    "SELECT " LINE_COLS
    " FROM product_lines WHERE tenant_id = liaison_tenant() AND id = $1::bigint",
    1, 0};
/* The line a product is made in is a live line of the tenant: $1 line. */
static struct db_stmt q_line_live = {
    "SELECT liaison_check(l.id IS NOT NULL, 'productLineId', 'no such product line in this "
    "tenant'),"
    " liaison_check(l.retired_at IS NULL, 'productLineId',"
    "  format('product line %s is retired: it takes no new products', l.code))"
    " FROM (VALUES (1)) v LEFT JOIN product_lines l"
    "  ON l.tenant_id = liaison_tenant() AND l.id = $1::bigint",
    1, 0};
/* $1 sku, $2 line, $3 name, $4 unit, $5 moq */
static struct db_stmt q_product_create = {
    "WITH m AS (INSERT INTO products (tenant_id, sku, product_line_id, name, unit, moq)"
    "  SELECT liaison_tenant(), $1, l.id, $3, $4, $5::int FROM product_lines l"
    "  WHERE l.tenant_id = liaison_tenant() AND l.id = $2::bigint AND l.retired_at IS NULL"
    "  RETURNING " PRODUCT_COLS ")" EXEC_AUDITED("'product.create'", "product"),
    5, 0};
/* The line a product list is filtered by (0: none) exists, or NOT_FOUND: $1 line. */
static struct db_stmt q_product_list_line = {
    "SELECT liaison_found($1::bigint = 0 OR EXISTS (SELECT 1 FROM product_lines"
    " WHERE tenant_id = liaison_tenant() AND id = $1::bigint), 'no such product line')",
    1, 0};
/* $1 after, $2 limit, $3 line (0: every line), $4 include retired, $5 name ('': any) */
static struct db_stmt q_product_list = {
    "SELECT " PRODUCT_COLS " FROM products WHERE tenant_id = liaison_tenant()"
    " AND id > $1::bigint AND ($3::bigint = 0 OR product_line_id = $3::bigint)"
    " AND ($4::boolean OR retired_at IS NULL)"
    " AND ($5 = '' OR sku ILIKE liaison_like($5) OR liaison_name_like(name, $5))"
    " ORDER BY id LIMIT $2::int",
    5, 0};
/* $1 id: retired or not, as orders and charters still name it. */
static struct db_stmt q_product_get = {
    "SELECT " PRODUCT_COLS " FROM products WHERE tenant_id = liaison_tenant() AND id = $1::bigint",
    1, 0};
/* $1 id, $2 name, $3 unit, $4 moq (NULL: keep) */
static struct db_stmt q_product_update = {
    "WITH m AS (UPDATE products SET name = coalesce($2, name), unit = coalesce($3, unit),"
    "  moq = coalesce($4::int, moq)"
    "  WHERE tenant_id = liaison_tenant() AND id = $1::bigint RETURNING " PRODUCT_COLS
    ")" EXEC_AUDITED("'product.update'", "product"),
    4, 0};
/* $1 id (migration 0251) */
static struct db_stmt q_product_retire = {"SELECT liaison_product_retire($1::bigint) AS _id", 1, 0};
/* $1 id: refused while its line is retired (migration 0251) */
static struct db_stmt q_product_reinstate = {"SELECT liaison_product_reinstate($1::bigint) AS _id",
                                             1, 0};

static struct exec_decl d_line_create = {.method = "CreateProductLine",
                                         .query = {&q_line_create, {"code", "name"}},
                                         .out = "product_line",
                                         .not_found = "no such product line",
                                         .exists = "a product line with this code already exists"};
static struct exec_decl d_line_list = {
    .method = "ListProductLines",
    .query = {&q_line_list, {"@after", "@limit", "include_retired", "name"}},
    .shape = EXEC_PAGE,
    .out = "product_lines",
    .cursor = "pln",
    .filters = {"include_retired", "name"}};
static struct exec_decl d_line_update = {.method = "UpdateProductLine",
                                         .query = {&q_line_update, {"id", "name"}},
                                         .out = "product_line",
                                         .not_found = "no such product line"};
static struct exec_decl d_line_retire = {.method = "RetireProductLine",
                                         .query = {&q_line_retire, {"id", "force"}},
                                         .reply = {&q_line_get, {"id"}},
                                         .out = "product_line",
                                         .not_found = "no such product line"};
static struct exec_decl d_line_reinstate = {.method = "ReinstateProductLine",
                                            .query = {&q_line_reinstate, {"id"}},
                                            .reply = {&q_line_get, {"id"}},
                                            .out = "product_line",
                                            .not_found = "no such product line"};
static struct exec_decl d_product_create = {
    .method = "CreateProduct",
    .check = {&q_line_live, {"product_line_id"}},
    .query = {&q_product_create, {"sku", "product_line_id", "name", "unit", "moq"}},
    .out = "product",
    .not_found = "no such product line in this tenant",
    .exists = "a product with this SKU already exists"};
static struct exec_decl d_product_list = {
    .method = "ListProducts",
    .check = {&q_product_list_line, {"product_line_id"}},
    .query = {&q_product_list, {"@after", "@limit", "product_line_id", "include_retired", "name"}},
    .shape = EXEC_PAGE,
    .out = "products",
    .cursor = "prd",
    .filters = {"product_line_id", "include_retired", "name"}};
static struct exec_decl d_product_get = {.method = "GetProduct",
                                         .query = {&q_product_get, {"id"}},
                                         .out = "product",
                                         .not_found = "no such product"};
static struct exec_decl d_product_update = {
    .method = "UpdateProduct",
    .query = {&q_product_update, {"id", "name", "unit", "moq"}},
    .out = "product",
    .not_found = "no such product"};
static struct exec_decl d_product_retire = {.method = "RetireProduct",
                                            .query = {&q_product_retire, {"id"}},
                                            .reply = {&q_product_get, {"id"}},
                                            .out = "product",
                                            .not_found = "no such product"};
static struct exec_decl d_product_reinstate = {.method = "ReinstateProduct",
                                               .query = {&q_product_reinstate, {"id"}},
                                               .reply = {&q_product_get, {"id"}},
                                               .out = "product",
                                               .not_found = "no such product"};

/* Clients name a line or product by its id, code or SKU in one argument, and
 * read all digits as an id (the CLI does): a code or SKU of digits only
 * would name another row. */
#define ALL_DIGITS_WHY "not digits only: digits alone name a row by its id (add a letter or '-')"

static bool all_digits(const char *s)
{
    return s[0] && strspn(s, "0123456789") == strlen(s);
}

int rpc_catalog_register(void)
{
    struct exec_decl *const decls[] = {&d_line_create,    &d_line_list,        &d_line_update,
                                       &d_line_retire,    &d_line_reinstate,   &d_product_create,
                                       &d_product_list,   &d_product_get,      &d_product_update,
                                       &d_product_retire, &d_product_reinstate};
    char err[256];
    if (exec_register(decls, (int)(sizeof decls / sizeof decls[0]), err, sizeof err) < 0) {
        log_event(LOG_ERROR, "catalogue RPCs refused", "reason=\"%s\"", err);
        return -1;
    }
    return 0;
}

void rpc_create_product_line(struct request *r)
{
    const Liaison__V1__CreateProductLineRequest *in =
        (const Liaison__V1__CreateProductLineRequest *)r->input;
    /* The table's CHECK holds the first character too: "-x" reached it, and was refused as a
     * broken rule of the data (a try-out). */
    if (!in->code[0] || strlen(in->code) > 32 || !isalnum((unsigned char)in->code[0]) ||
        strspn(in->code, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
            strlen(in->code)) {
        request_fail_field(r, "code",
                           "1 to 32 of A-Z, a-z, 0-9, '.', '_', '-', the first a letter or digit");
        return;
    }
    if (all_digits(in->code)) {
        request_fail_field(r, "code", ALL_DIGITS_WHY);
        return;
    }
    if (request_check_text(r, "name", in->name, 200, true) &&
        request_check_one_line(r, "name", in->name))
        exec_run(r, &d_line_create);
}

void rpc_list_product_lines(struct request *r)
{
    const Liaison__V1__ListProductLinesRequest *in =
        (const Liaison__V1__ListProductLinesRequest *)r->input;
    if (request_check_text(r, "name", in->name, 200, false) &&
        request_check_one_line(r, "name", in->name))
        exec_run(r, &d_line_list);
}

void rpc_update_product_line(struct request *r)
{
    const Liaison__V1__UpdateProductLineRequest *in =
        (const Liaison__V1__UpdateProductLineRequest *)r->input;
    if (request_check_id(r, "id", in->id) && request_check_text(r, "name", in->name, 200, true) &&
        request_check_one_line(r, "name", in->name))
        exec_run(r, &d_line_update);
}

void rpc_retire_product_line(struct request *r)
{
    if (request_check_id(r, "id", ((const Liaison__V1__RetireProductLineRequest *)r->input)->id))
        exec_run(r, &d_line_retire);
}

void rpc_reinstate_product_line(struct request *r)
{
    if (request_check_id(r, "id", ((const Liaison__V1__IdRequest *)r->input)->id))
        exec_run(r, &d_line_reinstate);
}

void rpc_create_product(struct request *r)
{
    const Liaison__V1__CreateProductRequest *in =
        (const Liaison__V1__CreateProductRequest *)r->input;
    if (!in->sku[0] || strlen(in->sku) > 64 || !isalnum((unsigned char)in->sku[0]) ||
        strspn(in->sku, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._/-") !=
            strlen(in->sku)) {
        request_fail_field(r, "sku",
                           "1 to 64 of A-Z, a-z, 0-9, '.', '_', '/', '-', the first a letter or "
                           "digit");
        return;
    }
    if (all_digits(in->sku)) {
        request_fail_field(r, "sku", ALL_DIGITS_WHY);
        return;
    }
    if (!request_check_id(r, "productLineId", in->product_line_id))
        return;
    if (!request_check_text(r, "name", in->name, 200, true) ||
        !request_check_one_line(r, "name", in->name) ||
        !request_check_text(r, "unit", in->unit, 20, true))
        return;
    if (in->moq > INT32_MAX) {
        request_fail_field(r, "moq", "too large");
        return;
    }
    exec_run(r, &d_product_create);
}

void rpc_list_products(struct request *r)
{
    const Liaison__V1__ListProductsRequest *in = (const Liaison__V1__ListProductsRequest *)r->input;
    if (in->product_line_id > INT64_MAX) {
        request_fail_field(r, "productLineId", "out of range");
        return;
    }
    if (request_check_text(r, "name", in->name, 200, false) &&
        request_check_one_line(r, "name", in->name))
        exec_run(r, &d_product_list);
}

void rpc_get_product(struct request *r)
{
    if (request_check_id(r, "id", ((const Liaison__V1__IdRequest *)r->input)->id))
        exec_run(r, &d_product_get);
}

void rpc_update_product(struct request *r)
{
    const Liaison__V1__UpdateProductRequest *in =
        (const Liaison__V1__UpdateProductRequest *)r->input;
    if (!request_check_id(r, "id", in->id))
        return;
    if (!request_check_text(r, "name", in->name, 200, true) ||
        !request_check_one_line(r, "name", in->name) ||
        !request_check_text(r, "unit", in->unit, 20, true))
        return;
    if (in->moq > INT32_MAX) {
        request_fail_field(r, "moq", "too large");
        return;
    }
    exec_run(r, &d_product_update);
}

void rpc_retire_product(struct request *r)
{
    if (request_check_id(r, "id", ((const Liaison__V1__IdRequest *)r->input)->id))
        exec_run(r, &d_product_retire);
}

void rpc_reinstate_product(struct request *r)
{
    if (request_check_id(r, "id", ((const Liaison__V1__IdRequest *)r->input)->id))
        exec_run(r, &d_product_reinstate);
}
