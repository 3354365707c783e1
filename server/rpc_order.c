/*
 * rpc_order.c - orders and shipments. Each change is one call of a function
 * of migration 0022 (placing: 0064), which checks, writes and audits in the request's
 * transaction, and leaves the id it made in liaison.created_id for the read
 * that answers. Reach is liaison_sees_side(distributor), as in the CRM.
 * A move to the status a record has is a retry whose answer was lost: it
 * answers the record as it is, unwritten (migration 0119); "placed" and
 * "planned" stay refused here, as no move ever leads there.
 * A shipment, and an order with such a shipment, reads late by one definition,
 * liaison_shipment_late() of migration 0086, which the health score shares. An
 * order's is an aggregate over its own shipments, not EXISTS: PostgreSQL turns
 * that EXISTS into one hashed scan of every shipment of the tenant for a page
 * (test_crm_plans.py); the aggregate reads each order's through its index.
 */
#include "rpc_order.h"

#include <stdint.h>
#include <string.h>

#include "exec.h"
#include "geo.h"
#include "log.h"
#include "rpc_charter.h"
#include "rpc_distributor.h"

#define ORDER_COLS                                                                                 \
    "o.id, o.distributor_id, (SELECT d.name FROM distributors d WHERE d.tenant_id = o.tenant_id"   \
    "  AND d.id = o.distributor_id) AS distributor_name, o.status, o.currency, o.total_minor,"     \
    " o.key_account_id, (SELECT a.name FROM key_accounts a WHERE a.tenant_id = o.tenant_id"        \
    "  AND a.id = o.key_account_id) AS account_name, o.lead_id, o.note, o.placed_by,"              \
    " liaison_rfc3339(o.placed_at) AS placed_at,"                                                  \
    " o.status_changed_by, liaison_rfc3339(o.status_changed_at) AS status_changed_at,"             \
    " coalesce((SELECT liaison_account_carved_out(a.name, a.country, a.region)"                    \
    "  FROM key_accounts a WHERE a.tenant_id = o.tenant_id AND a.id = o.key_account_id), false)"   \
    " AS carve_out, coalesce((SELECT bool_or(liaison_shipment_late(s.status, s.eta))"              \
    "  FROM shipments s WHERE s.tenant_id = o.tenant_id AND s.order_id = o.id), false) AS late,"   \
    " o.short_reason, CASE WHEN o.status = 'delivered' AND o.short_reason IS NULL THEN"            \
    " o.total_minor ELSE (SELECT coalesce(sum(x.quantity * l.unit_price_minor), 0)"                \
    "  FROM shipment_lines x JOIN shipments s ON s.tenant_id = x.tenant_id"                        \
    "  AND s.id = x.shipment_id JOIN order_lines l ON l.tenant_id = x.tenant_id"                   \
    "  AND l.id = x.order_line_id WHERE x.tenant_id = o.tenant_id AND l.order_id = o.id"           \
    "  AND s.status = 'delivered') END AS delivered_minor"
/*
 * A line's units shipped and delivered are its shipments', but for an order moved on by hand
 * with no shipment (not cancelled) and not delivered short: shipped or delivered, all its units
 * are (the order said delivered in full while its lines said nothing was; a try-out).
 */
#define ORDER_NO_SHIPMENT                                                                          \
    " o.short_reason IS NULL AND NOT EXISTS (SELECT 1 FROM shipments s"                            \
    "  WHERE s.tenant_id = o.tenant_id AND s.order_id = o.id AND s.status <> 'cancelled')"
#define ORDER_LINES                                                                                \
    "(SELECT json_agg(json_build_object('id', l.id, 'product_id', l.product_id, 'sku', p.sku,"     \
    "  'quantity', l.quantity, 'unit_price_minor', l.unit_price_minor,"                            \
    "  'amount_minor', l.amount_minor, 'shipped', CASE WHEN o.status IN ('shipped', 'delivered')"  \
    " AND" ORDER_NO_SHIPMENT " THEN l.quantity ELSE (SELECT coalesce(sum(x.quantity), 0)"          \
    "   FROM shipment_lines x JOIN shipments s ON s.tenant_id = x.tenant_id"                       \
    "   AND s.id = x.shipment_id WHERE x.tenant_id = l.tenant_id AND x.order_line_id = l.id"       \
    "   AND s.status IN ('in_transit', 'delivered')) END, 'planned', (SELECT"                      \
    "   coalesce(sum(x.quantity), 0) FROM shipment_lines x JOIN shipments s ON"                    \
    "   s.tenant_id = x.tenant_id AND s.id = x.shipment_id WHERE x.tenant_id = l.tenant_id"        \
    "   AND x.order_line_id = l.id AND s.status = 'planned'),"                                     \
    "  'delivered', CASE WHEN o.status = 'delivered' AND" ORDER_NO_SHIPMENT                        \
    " THEN l.quantity ELSE (SELECT coalesce(sum(x.quantity), 0) FROM shipment_lines x"             \
    "   JOIN shipments s ON s.tenant_id = x.tenant_id AND s.id = x.shipment_id"                    \
    "   WHERE x.tenant_id = l.tenant_id AND x.order_line_id = l.id AND s.status = 'delivered')"    \
    "  END) ORDER BY l.id)"                                                                        \
    " FROM order_lines l JOIN products p ON p.tenant_id = l.tenant_id AND p.id = l.product_id"     \
    " WHERE l.tenant_id = o.tenant_id AND l.order_id = o.id) AS lines"
#define SHIPMENT_COLS                                                                              \
    "s.id, s.order_id, o.distributor_id, s.carrier, s.tracking_number, s.etd::text AS etd,"        \
    " s.eta::text AS eta, s.status, (SELECT json_agg(json_build_object('order_line_id',"           \
    "  x.order_line_id, 'quantity', x.quantity) ORDER BY x.order_line_id) FROM shipment_lines x"   \
    "  WHERE x.tenant_id = s.tenant_id AND x.shipment_id = s.id) AS lines, s.created_by,"          \
    " liaison_rfc3339(s.created_at) AS created_at,"                                                \
    " liaison_shipment_late(s.status, s.eta) AS late,"                                             \
    " liaison_rfc3339(s.status_changed_at) AS status_changed_at, s.status_changed_by"
#define SHIPMENT_FROM                                                                              \
    " FROM shipments s JOIN orders o ON o.tenant_id = s.tenant_id AND o.id = s.order_id"           \
    " WHERE s.tenant_id = liaison_tenant() AND liaison_sees_side(o.distributor_id)"
/* The distributor an order is for: the one named, else a distributor user's own. */
#define SIDE(n)                                                                                    \
    "coalesce(nullif(" n "::bigint, 0), CASE WHEN current_setting('liaison.role', true) ="         \
    " 'distributor_user' THEN nullif(current_setting('liaison.distributor_id', true), '')::bigint" \
    " END)"
#define CREATED "nullif(current_setting('liaison.created_id', true), '')::bigint"

/* $1 distributor, $2 lines (JSON), $3 currency, $4 account, $5 lead, $6 note, $7 key */
static struct db_stmt q_order_place = {
    "SELECT liaison_order_place(" SIDE("$1") ", $2::jsonb, $3, nullif($4::bigint, 0),"
                                             " nullif($5::bigint, 0), $6, $7) AS _id",
    7, 0};
static struct db_stmt q_order_created = {
    "SELECT " ORDER_COLS ", " ORDER_LINES " FROM orders o"
    " WHERE o.tenant_id = liaison_tenant() AND o.id = " CREATED,
    0, 0};
static struct db_stmt q_order_get = {"SELECT " ORDER_COLS ", " ORDER_LINES " FROM orders o"
                                     " WHERE o.tenant_id = liaison_tenant() AND o.id = $1::bigint"
                                     " AND liaison_sees_side(o.distributor_id)",
                                     1, 0};
/* $1 after, $2 limit, $3 distributor, $4 status, $5 from, $6 to, $7 account, $8 short only */
static struct db_stmt q_order_list = {
    "SELECT " ORDER_COLS " FROM orders o WHERE o.tenant_id = liaison_tenant()"
    " AND o.id > $1::bigint AND liaison_sees_side(o.distributor_id)"
    " AND ($3::bigint = 0 OR o.distributor_id = $3::bigint) AND ($4 = '' OR o.status = $4)"
    " AND ($5 = '' OR o.placed_at >= $5::timestamptz) AND ($6 = '' OR o.placed_at < "
    "$6::timestamptz)"
    " AND ($7::bigint = 0 OR o.key_account_id = $7::bigint)"
    " AND (NOT $8::boolean OR o.short_reason IS NOT NULL) ORDER BY o.id LIMIT $2::int",
    8, 0};
/* $1 id, $2 status, $3 why it is delivered short ('': it is not) */
static struct db_stmt q_order_status = {
    "SELECT liaison_order_status($1::bigint, $2, nullif($3, '')) AS _id", 3, 0};

/* $1 order, $2 carrier, $3 tracking, $4 etd, $5 eta, $6 lines (JSON) */
static struct db_stmt q_shipment_add = {
    "SELECT liaison_shipment_add($1::bigint, $2, $3, nullif($4, '')::date, nullif($5, '')::date,"
    " $6::jsonb) AS _id",
    6, 0};
static struct db_stmt q_shipment_created = {
    "SELECT " SHIPMENT_COLS SHIPMENT_FROM " AND s.id = " CREATED, 0, 0};
static struct db_stmt q_shipment_get = {
    "SELECT " SHIPMENT_COLS SHIPMENT_FROM " AND s.id = $1::bigint", 1, 0};
/*
 * $1 after, $2 limit, $3 order, $4 distributor, $5 status. The order's distributor is read per
 * shipment, not joined: joined, the plan PostgreSQL settles on for this prepared statement reads
 * and sorts every shipment of the tenant for one page (test_crm_plans.py).
 */
#define SHIPMENT_SIDE                                                                              \
    "(SELECT o.distributor_id FROM orders o WHERE o.tenant_id = s.tenant_id"                       \
    " AND o.id = s.order_id)"
/*
 * The list's filters, each one the caller reaches: another distributor's order (or none) gave
 * an empty list, where 'order show' of it says there is no such order (a try-out). $1
 * distributor, $2 order (0: not given).
 */
static struct db_stmt q_shipment_filters = {
    "SELECT liaison_found($1::bigint = 0 OR EXISTS (SELECT 1 FROM distributors d"
    " WHERE d.tenant_id = liaison_tenant() AND d.id = $1::bigint"
    " AND liaison_sees_distributor(d.id, d.account_manager_id)), 'no such distributor'),"
    " liaison_found($2::bigint = 0 OR EXISTS (SELECT 1 FROM orders o"
    " WHERE o.tenant_id = liaison_tenant() AND o.id = $2::bigint"
    " AND liaison_sees_side(o.distributor_id)), 'no such order')",
    2, 0};
static struct db_stmt q_shipment_list = {
    "SELECT " SHIPMENT_COLS " FROM shipments s CROSS JOIN LATERAL (SELECT " SHIPMENT_SIDE
    " AS distributor_id) o WHERE s.tenant_id = liaison_tenant() AND s.id > $1::bigint"
    " AND liaison_sees_side(o.distributor_id) AND ($3::bigint = 0 OR s.order_id = $3::bigint)"
    " AND ($4::bigint = 0 OR o.distributor_id = $4::bigint) AND ($5 = '' OR s.status = $5)"
    " ORDER BY s.id LIMIT $2::int",
    5, 0};
/* $1 id, $2 status */
static struct db_stmt q_shipment_status = {"SELECT liaison_shipment_status($1::bigint, $2) AS _id",
                                           2, 0};
/* $1 id, $2 carrier, $3 tracking, $4 etd, $5 eta: '' leaves each as it was; $6 those to forget */
static struct db_stmt q_shipment_update = {
    "SELECT liaison_shipment_update($1::bigint, nullif($2, ''), nullif($3, ''),"
    " nullif($4, '')::date, nullif($5, '')::date, $6::text[]) AS _id",
    6, 0};

static struct exec_decl d_order_place = {
    .method = "PlaceOrder",
    .query = {&q_order_place,
              {"distributor_id", "lines", "currency", "key_account_id", "lead_id", "note",
               "idempotency_key"}},
    .reply = {&q_order_created, {NULL}},
    .out = "order",
    .not_found = "no such order"};
/*
 * $1 distributor, $2 key account (0: not a filter): each one the caller reaches. Another's
 * account, or a mistyped id, listed nothing, as if nothing had been ordered, where ListLeads
 * says NOT_FOUND (an attacker's try-out).
 */
static struct db_stmt q_order_filters_reached = {
    "SELECT liaison_found($1::bigint = 0 OR EXISTS (SELECT 1 FROM distributors d"
    "  WHERE d.tenant_id = liaison_tenant() AND d.id = $1::bigint"
    "  AND liaison_sees_distributor(d.id, d.account_manager_id)), 'no such distributor'),"
    " liaison_found($2::bigint = 0 OR EXISTS (SELECT 1 FROM key_accounts a"
    "  WHERE a.tenant_id = liaison_tenant() AND a.id = $2::bigint"
    "  AND liaison_sees_side(a.distributor_id)), 'no such key account')",
    2, 0};
static struct exec_decl d_order_list = {
    .method = "ListOrders",
    .check = {&q_order_filters_reached, {"distributor_id", "key_account_id"}},
    .query = {&q_order_list,
              {"@after", "@limit", "distributor_id", "status", "placed_from", "placed_to",
               "key_account_id", "delivered_short"}},
    .shape = EXEC_PAGE,
    .out = "orders",
    .cursor = "ord",
    .filters = {"distributor_id", "status", "placed_from", "placed_to", "key_account_id",
                "delivered_short"}};
static struct exec_decl d_order_get = {.method = "GetOrder",
                                       .query = {&q_order_get, {"id"}},
                                       .out = "order",
                                       .not_found = "no such order"};
static struct exec_decl d_order_status = {
    .method = "SetOrderStatus",
    .query = {&q_order_status, {"id", "status", "short_reason"}},
    .reply = {&q_order_get, {"id"}},
    .out = "order",
    .not_found = "no such order"};
static struct exec_decl d_shipment_add = {
    .method = "AddShipment",
    .query = {&q_shipment_add, {"order_id", "carrier", "tracking_number", "etd", "eta", "lines"}},
    .reply = {&q_shipment_created, {NULL}},
    .out = "shipment",
    .not_found = "no such shipment",
    .invalid = "etd: a date as YYYY-MM-DD"};
static struct exec_decl d_shipment_list = {
    .method = "ListShipments",
    .check = {&q_shipment_filters, {"distributor_id", "order_id"}},
    .query = {&q_shipment_list, {"@after", "@limit", "order_id", "distributor_id", "status"}},
    .shape = EXEC_PAGE,
    .out = "shipments",
    .cursor = "shp",
    .filters = {"order_id", "distributor_id", "status"}};
static struct exec_decl d_shipment_get = {.method = "GetShipment",
                                          .query = {&q_shipment_get, {"id"}},
                                          .out = "shipment",
                                          .not_found = "no such shipment"};
static struct exec_decl d_shipment_status = {.method = "SetShipmentStatus",
                                             .query = {&q_shipment_status, {"id", "status"}},
                                             .reply = {&q_shipment_get, {"id"}},
                                             .out = "shipment",
                                             .not_found = "no such shipment"};
static struct exec_decl d_shipment_update = {
    .method = "UpdateShipment",
    .query = {&q_shipment_update, {"id", "carrier", "tracking_number", "etd", "eta", "clear"}},
    .reply = {&q_shipment_get, {"id"}},
    .out = "shipment",
    .not_found = "no such shipment",
    .invalid = "etd: a date as YYYY-MM-DD"};

int rpc_order_register(void)
{
    struct exec_decl *const decls[] = {&d_order_place,  &d_order_list,      &d_order_get,
                                       &d_order_status, &d_shipment_add,    &d_shipment_list,
                                       &d_shipment_get, &d_shipment_status, &d_shipment_update};
    char err[256];
    if (exec_register(decls, (int)(sizeof decls / sizeof decls[0]), err, sizeof err) < 0) {
        log_event(LOG_ERROR, "order RPCs refused", "reason=\"%s\"", err);
        return -1;
    }
    return 0;
}

#define ORDER_STATUS_WORDS "placed, confirmed, shipped, delivered or cancelled"
#define SHIPMENT_STATUS_WORDS "planned, in_transit, delivered or cancelled"
#define MAX_LINES 200

static bool word_in(const char *s, const char *const *words)
{
    for (; *words; words++)
        if (!strcmp(s, *words))
            return true;
    return false;
}

static const char *const order_statuses[] = {"placed",    "confirmed", "shipped",
                                             "delivered", "cancelled", NULL};
static const char *const shipment_statuses[] = {"planned", "in_transit", "delivered", "cancelled",
                                                NULL};

static bool id_or_zero_ok(struct request *r, const char *field, uint64_t id)
{
    return id == 0 || request_check_id(r, field, id);
}

/*
 * A line's quantity and an order's total are bounded where a slip of the
 * keyboard lands (found in a portal try-out: 2,000,000,000 units at
 * 1,000,000,000 a unit was taken as an order of 2 * 10^18): a billion units
 * on one line, and the order's total at the bound of every other amount
 * (REQUEST_MAX_AMOUNT), which also keeps the products below from
 * overflowing.
 */
#define MAX_QUANTITY 1000000000ull
#define MAX_QUANTITY_WORDS "a whole number from 1 to 1000000000"
#define ORDER_TOTAL_TOO_LARGE                                                                      \
    "the order's total passes the largest amount (1000000000000000 minor units)"

/* A field of line i, named as the client wrote it. */
static const char *line_field(struct request *r, size_t i, const char *name)
{
    return request_printf(r, "lines[%zu].%s", i, name);
}

void rpc_place_order(struct request *r)
{
    Liaison__V1__PlaceOrderRequest *in = (Liaison__V1__PlaceOrderRequest *)r->input;
    if (!id_or_zero_ok(r, "distributorId", in->distributor_id) ||
        !id_or_zero_ok(r, "keyAccountId", in->key_account_id) ||
        !id_or_zero_ok(r, "leadId", in->lead_id) ||
        !request_check_chars(r, "note", in->note, 2000, false))
        return;
    if (strlen(in->idempotency_key) > 255) {
        request_fail_field(r, "idempotencyKey", "at most 255 bytes");
        return;
    }
    /*
     * One namespace for the body's key and the frame's (a client library's):
     * they were two, and a retry that moved its key from one to the other
     * placed the order twice (a try-out). The body's key, where given, is
     * the order's (a library makes a frame key of its own for every create).
     */
    if (r->idem_key && !in->idempotency_key[0])
        in->idempotency_key = (char *)r->idem_key;
    geo_upcase(in->currency);
    if (!geo_currency(in->currency)) {
        request_fail_field(r, "currency", "not an ISO 4217 currency code");
        return;
    }
    if (in->n_lines < 1 || in->n_lines > MAX_LINES) {
        request_fail_field(r, "lines", "1 to 200 lines");
        return;
    }
    uint64_t total = 0;
    for (size_t i = 0; i < in->n_lines; i++) {
        const Liaison__V1__OrderLine *l = in->lines[i];
        const char *f = NULL, *why = NULL;
        if (!l->product_id && !l->sku[0])
            f = "productId", why = "a product id or a SKU";
        else if (l->product_id > INT64_MAX)
            f = "productId", why = "out of range";
        else if (strlen(l->sku) > 64)
            f = "sku", why = "at most 64 characters";
        else if (l->quantity < 1 || l->quantity > MAX_QUANTITY)
            f = "quantity", why = MAX_QUANTITY_WORDS;
        else if (l->unit_price_minor > REQUEST_MAX_AMOUNT)
            f = "unitPriceMinor", why = REQUEST_MAX_AMOUNT_WORDS;
        else if (l->unit_price_minor &&
                 (l->quantity > (REQUEST_MAX_AMOUNT - total) / l->unit_price_minor))
            f = "unitPriceMinor", why = ORDER_TOTAL_TOO_LARGE;
        else if (l->id || l->amount_minor || l->shipped || l->planned) {
            f = l->id ? "id" : l->amount_minor ? "amountMinor" : l->shipped ? "shipped" : "planned";
            why = "set by the server: a line gives productId or sku, quantity and unitPriceMinor";
        }
        if (f) {
            const char *name = line_field(r, i, f);
            if (name)
                request_fail_field(r, name, why);
            else
                request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
            return;
        }
        total += l->quantity * l->unit_price_minor;
    }
    exec_run(r, &d_order_place);
}

void rpc_list_orders(struct request *r)
{
    const Liaison__V1__ListOrdersRequest *in = (const Liaison__V1__ListOrdersRequest *)r->input;
    if (in->status[0] && !word_in(in->status, order_statuses)) {
        request_fail_field(r, "status", ORDER_STATUS_WORDS);
        return;
    }
    if (id_or_zero_ok(r, "distributorId", in->distributor_id) &&
        id_or_zero_ok(r, "keyAccountId", in->key_account_id) &&
        request_check_time(r, "placedFrom", in->placed_from, false) &&
        request_check_time(r, "placedTo", in->placed_to, false) &&
        request_check_range(r, "placedTo", in->placed_from, in->placed_to))
        exec_run(r, &d_order_list);
}

void rpc_get_order(struct request *r)
{
    if (request_check_id(r, "id", ((const Liaison__V1__IdRequest *)r->input)->id))
        exec_run(r, &d_order_get);
}

void rpc_set_order_status(struct request *r)
{
    const Liaison__V1__SetOrderStatusRequest *in =
        (const Liaison__V1__SetOrderStatusRequest *)r->input;
    if (!request_check_id(r, "id", in->id))
        return;
    if (!word_in(in->status, order_statuses) || !strcmp(in->status, "placed")) {
        request_fail_field(r, "status", "confirmed, shipped, delivered or cancelled");
        return;
    }
    if (in->short_reason[0] && strcmp(in->status, "delivered")) {
        request_fail_field(r, "shortReason",
                           "only with the status delivered: why the order is delivered short");
        return;
    }
    if (!request_check_chars(r, "shortReason", in->short_reason, 300, false) ||
        !request_check_one_line(r, "shortReason", in->short_reason))
        return;
    exec_run(r, &d_order_status);
}

/* A shipment's carrier, tracking number, ETD and ETA, as AddShipment and UpdateShipment take them.
 */
static bool shipment_fields_ok(struct request *r, const char *carrier, bool carrier_required,
                               const char *tracking, const char *etd, const char *eta)
{
    if (!request_check_chars(r, "carrier", carrier, 100, carrier_required) ||
        !request_check_one_line(r, "carrier", carrier) ||
        !request_check_chars(r, "trackingNumber", tracking, 100, false) ||
        !request_check_one_line(r, "trackingNumber", tracking))
        return false;
    if (etd[0] && !charter_date_ok(etd)) {
        request_fail_field(r, "etd", charter_date_why(r, etd));
        return false;
    }
    if (eta[0] && !charter_date_ok(eta)) {
        request_fail_field(r, "eta", charter_date_why(r, eta));
        return false;
    }
    return true;
}

void rpc_add_shipment(struct request *r)
{
    const Liaison__V1__AddShipmentRequest *in = (const Liaison__V1__AddShipmentRequest *)r->input;
    if (!request_check_id(r, "orderId", in->order_id) ||
        !shipment_fields_ok(r, in->carrier, true, in->tracking_number, in->etd, in->eta))
        return;
    if (in->n_lines < 1 || in->n_lines > MAX_LINES) {
        request_fail_field(r, "lines", "1 to 200 lines");
        return;
    }
    for (size_t i = 0; i < in->n_lines; i++) {
        const Liaison__V1__ShipmentLine *l = in->lines[i];
        const char *f = NULL, *why = NULL;
        if (l->order_line_id < 1 || l->order_line_id > INT64_MAX)
            f = "orderLineId", why = "an order line's id";
        else if (l->quantity < 1 || l->quantity > MAX_QUANTITY)
            f = "quantity", why = MAX_QUANTITY_WORDS;
        if (f) {
            const char *name = line_field(r, i, f);
            if (name)
                request_fail_field(r, name, why);
            else
                request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
            return;
        }
    }
    exec_run(r, &d_shipment_add);
}

void rpc_list_shipments(struct request *r)
{
    const Liaison__V1__ListShipmentsRequest *in =
        (const Liaison__V1__ListShipmentsRequest *)r->input;
    if (in->status[0] && !word_in(in->status, shipment_statuses)) {
        request_fail_field(r, "status", SHIPMENT_STATUS_WORDS);
        return;
    }
    if (id_or_zero_ok(r, "orderId", in->order_id) &&
        id_or_zero_ok(r, "distributorId", in->distributor_id))
        exec_run(r, &d_shipment_list);
}

void rpc_get_shipment(struct request *r)
{
    if (request_check_id(r, "id", ((const Liaison__V1__IdRequest *)r->input)->id))
        exec_run(r, &d_shipment_get);
}

void rpc_set_shipment_status(struct request *r)
{
    const Liaison__V1__SetShipmentStatusRequest *in =
        (const Liaison__V1__SetShipmentStatusRequest *)r->input;
    if (!request_check_id(r, "id", in->id))
        return;
    if (!word_in(in->status, shipment_statuses) || !strcmp(in->status, "planned")) {
        request_fail_field(r, "status", "in_transit, delivered or cancelled");
        return;
    }
    exec_run(r, &d_shipment_status);
}

void rpc_update_shipment(struct request *r)
{
    const Liaison__V1__UpdateShipmentRequest *in =
        (const Liaison__V1__UpdateShipmentRequest *)r->input;
    if (!request_check_id(r, "id", in->id) ||
        !shipment_fields_ok(r, in->carrier, false, in->tracking_number, in->etd, in->eta))
        return;
    if (in->n_clear > 3) {
        request_fail_field(r, "clear", "at most trackingNumber, etd and eta, once each");
        return;
    }
    for (size_t i = 0; i < in->n_clear; i++) {
        const char *f = in->clear[i];
        const char *given = !strcmp(f, "trackingNumber") ? in->tracking_number
                            : !strcmp(f, "etd")          ? in->etd
                            : !strcmp(f, "eta")          ? in->eta
                                                         : NULL;
        if (!given) {
            request_fail_field(r, "clear", "trackingNumber, etd or eta (a carrier stays)");
            return;
        }
        if (given[0]) {
            request_fail_field(r, f, "given and cleared at once: one or the other");
            return;
        }
        for (size_t j = 0; j < i; j++)
            if (!strcmp(in->clear[j], f)) {
                request_fail_field(r, "clear", "each field once");
                return;
            }
    }
    if (!in->carrier[0] && !in->tracking_number[0] && !in->etd[0] && !in->eta[0] && !in->n_clear) {
        request_fail(r, LIAISON__V1__CODE__INVALID_ARGUMENT,
                     "nothing to change: give a carrier, a tracking number, an ETD or an ETA, "
                     "or one to clear");
        return;
    }
    exec_run(r, &d_shipment_update);
}
