/*
 * cmd_order.c - 'liaison order|shipment ...': a distributor's orders and
 * their shipments. Every 'order place' carries an idempotency key (random
 * unless --idempotency-key gives one), so a retry of a request whose answer
 * was lost places no second order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "cli.h"

static const struct output_column order_cols[] = {
    {"ID", "id"},
    {"DISTRIBUTOR", "distributorName"},
    {"STATUS", "status"},
    {"LATE", "late", OUTPUT_BOOL},
    {"TOTAL (minor units)", "totalMinor", OUTPUT_COUNT},
    {"CURRENCY", "currency"},
    {"ACCOUNT", "accountName"},
    {"CARVE-OUT", "carveOut", OUTPUT_BOOL},
    {"NOTE", "note"},
    {"PLACED", "placedAt"},
    {"BY", "placedBy"}};
/* One order shown alone has room for its lead and its last move. */
static const struct output_column order_fields[] = {
    {"ID", "id"},
    {"DISTRIBUTOR", "distributorName"},
    {"STATUS", "status"},
    {"LATE", "late", OUTPUT_BOOL},
    {"TOTAL (minor units)", "totalMinor", OUTPUT_COUNT},
    {"CURRENCY", "currency"},
    {"ACCOUNT", "accountName"},
    {"ACCOUNT ID", "keyAccountId"},
    {"LEAD", "leadId"},
    {"CARVE-OUT", "carveOut", OUTPUT_BOOL},
    {"NOTE", "note"},
    {"PLACED", "placedAt"},
    {"BY", "placedBy"},
    {"STATUS CHANGED", "statusChangedAt"},
    {"CHANGED BY", "statusChangedBy"},
    {"DELIVERED (minor units)", "deliveredMinor", OUTPUT_COUNT},
    {"DELIVERED SHORT", "shortReason"}};
static const struct output_column line_cols[] = {{"LINE", "id"},
                                                 {"SKU", "sku"},
                                                 {"QUANTITY", "quantity"},
                                                 {"UNIT PRICE", "unitPriceMinor", OUTPUT_COUNT},
                                                 {"AMOUNT", "amountMinor", OUTPUT_COUNT},
                                                 {"SHIPPED", "shipped", OUTPUT_COUNT},
                                                 {"DELIVERED", "delivered", OUTPUT_COUNT},
                                                 {"PLANNED", "planned", OUTPUT_COUNT}};
static const struct output_column shipment_cols[] = {{"ID", "id"},
                                                     {"ORDER", "orderId"},
                                                     {"CARRIER", "carrier"},
                                                     {"TRACKING", "trackingNumber"},
                                                     {"ETD", "etd"},
                                                     {"ETA", "eta"},
                                                     {"STATUS", "status"},
                                                     {"LATE", "late", OUTPUT_BOOL},
                                                     {"CREATED", "createdAt"}};
/* One shipment shown alone has room for who added it and its last move. */
static const struct output_column shipment_fields[] = {{"ID", "id"},
                                                       {"ORDER", "orderId"},
                                                       {"CARRIER", "carrier"},
                                                       {"TRACKING", "trackingNumber"},
                                                       {"ETD", "etd"},
                                                       {"ETA", "eta"},
                                                       {"STATUS", "status"},
                                                       {"LATE", "late", OUTPUT_BOOL},
                                                       {"CREATED", "createdAt"},
                                                       {"BY", "createdBy"},
                                                       {"STATUS CHANGED", "statusChangedAt"},
                                                       {"CHANGED BY", "statusChangedBy"}};
static const struct output_column shipment_line_cols[] = {{"ORDER LINE", "orderLineId"},
                                                          {"QUANTITY", "quantity"}};

#define NCOLS(c) ((int)(sizeof(c) / sizeof((c)[0])))
#define MAX_LINE_ARGS 200

/*
 * Takes every "--line X" and "--line=X" out of argv (the option parser keeps
 * one value per option) into lines; argv keeps the rest, in order.
 */
static int take_lines(int *argc, char **argv, const char **lines, int *nlines)
{
    int kept = 0;
    *nlines = 0;
    for (int i = 0; i < *argc; i++) {
        const char *v = NULL;
        if (i > 0 && !strcmp(argv[i], "--line")) {
            if (i + 1 >= *argc) {
                fprintf(stderr, "liaison: --line needs a value\n");
                return EXIT_USAGE;
            }
            v = argv[++i];
        } else if (i > 0 && !strncmp(argv[i], "--line=", 7)) {
            v = argv[i] + 7;
        }
        if (!v) {
            argv[kept++] = argv[i];
            continue;
        }
        if (*nlines == MAX_LINE_ARGS) {
            fprintf(stderr, "liaison: at most %d --line options\n", MAX_LINE_ARGS);
            return EXIT_USAGE;
        }
        if (!cli_utf8_valid(v)) {
            fprintf(stderr, "liaison: --line: not valid UTF-8\n");
            return EXIT_USAGE;
        }
        lines[(*nlines)++] = v;
    }
    *argc = kept;
    return EXIT_OK;
}

/* The server's bound on a line's units (rpc_order.c's MAX_QUANTITY), said where the CLI refuses. */
#define QUANTITY_WORDS "the QUANTITY is a whole number from 1 to 1000000000"

/* A whole number from 1 (or 0 when zero_ok) up, for --line's part what. */
static bool line_number(const char *s, size_t n, bool zero_ok, json_int_t *out)
{
    char buf[24];
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (*end || errno == ERANGE || buf[0] == '-' || buf[0] == '+' || v < (zero_ok ? 0 : 1))
        return false;
    *out = v;
    return true;
}

/*
 * "SKU:QTY:PRICE" as {"sku"|"productId", "quantity", "unitPriceMinor"}; a product given by
 * digits only is its id. NULL after saying why.
 */
static json_t *order_line(const char *arg)
{
    const char *c2 = strrchr(arg, ':');
    const char *c1 = c2;
    while (c1 && c1 > arg && *--c1 != ':')
        ;
    if (c1 && *c1 != ':')
        c1 = NULL;
    json_int_t qty, price, id;
    if (!c1 || c1 == c2 || c1 == arg) {
        fprintf(stderr,
                "liaison: --line '%s': SKU:QUANTITY:UNIT_PRICE, the price in minor units "
                "(BRK-1001:200:125000)\n",
                arg);
        return NULL;
    }
    /* Which part is wrong, said: "the price in minor units" misled about a quantity of 0. */
    if (!line_number(c1 + 1, (size_t)(c2 - c1 - 1), false, &qty)) {
        fprintf(stderr, "liaison: --line '%s': " QUANTITY_WORDS "\n", arg);
        return NULL;
    }
    if (!line_number(c2 + 1, strlen(c2 + 1), true, &price)) {
        fprintf(stderr,
                "liaison: --line '%s': the UNIT_PRICE is a whole number of the currency's minor "
                "units, 0 or more: 125000 for 1,250.00 USD (cents); VND and JPY have none "
                "(1,250,000 VND is 1250000)\n",
                arg);
        return NULL;
    }
    size_t n = (size_t)(c1 - arg);
    if (line_number(arg, n, false, &id))
        return json_pack("{s:I,s:I,s:I}", "productId", id, "quantity", qty, "unitPriceMinor",
                         price);
    return json_pack("{s:s%,s:I,s:I}", "sku", arg, n, "quantity", qty, "unitPriceMinor", price);
}

/* "LINE_ID:QTY" as {"orderLineId", "quantity"}; NULL after saying why. */
static json_t *shipment_line(const char *arg)
{
    const char *c = strchr(arg, ':');
    json_int_t line, qty;
    if (!c || !line_number(arg, (size_t)(c - arg), false, &line)) {
        fprintf(stderr, "liaison: --line '%s': ORDER_LINE_ID:QUANTITY (41:150)\n", arg);
        return NULL;
    }
    /* Which part is wrong, said, as an order's --line does. */
    if (!line_number(c + 1, strlen(c + 1), false, &qty)) {
        fprintf(stderr, "liaison: --line '%s': " QUANTITY_WORDS "\n", arg);
        return NULL;
    }
    return json_pack("{s:I,s:I}", "orderLineId", line, "quantity", qty);
}

/* 128 random bits as hex: a key no other request carries. */
static int random_key(char *buf, size_t cap)
{
    unsigned char raw[16];
    if (cap < 2 * sizeof raw + 1 || getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
        fprintf(stderr, "liaison: no random bytes for an idempotency key\n");
        return EXIT_ERROR;
    }
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(buf + 2 * i, 3, "%02x", raw[i]);
    return EXIT_OK;
}

/* An order: its fields, then its lines as a table (or the whole object as JSON). */
static void order_print(struct cli *cli, json_t *order)
{
    if (cli->set.json || cli->set.ids) {
        cli_print_object(cli, order_cols, NCOLS(order_cols), order);
        return;
    }
    output_fields(order_fields, NCOLS(order_fields), order);
    json_t *lines = json_object_get(order, "lines");
    if (json_array_size(lines)) {
        printf("\n");
        output_table(line_cols, NCOLS(line_cols), lines);
    }
}

static int shipment_answer(struct cli *cli, const char *method, json_t *req);

/*
 * Moves record key id to status with method and prints what answer makes
 * of the reply; a record that was already there is said to be (the server
 * leaves it as it was: no audit, no timestamp moved). Returns an exit code.
 */
static int status_move(struct cli *cli, const char *method, const char *get, const char *key,
                       json_int_t id, const char *status, json_t *also,
                       int (*answer)(struct cli *, const char *, json_t *))
{
    json_t *wanted = cli_enum_string(status);
    bool already = false;
    int rc = EXIT_OK;
    if (!wanted) {
        json_decref(also);
        return EXIT_ERROR;
    }
    if (!cli->set.json && (rc = cli_status_already(cli, get, key, "status", id,
                                                   json_string_value(wanted), &already))) {
        json_decref(wanted);
        json_decref(also);
        return rc;
    }
    /* The message's words before the request takes wanted over. */
    char said[64];
    snprintf(said, sizeof said, "%s", json_string_value(wanted));
    json_t *req = json_pack("{s:I,s:o}", "id", id, "status", wanted);
    if (req && also && json_object_update(req, also)) {
        json_decref(req);
        req = NULL;
    }
    json_decref(also);
    if (!req)
        return EXIT_ERROR;
    rc = answer(cli, method, req);
    if (rc == EXIT_OK && already)
        fprintf(stderr, "liaison: %s %lld was already %s: nothing changed\n", key, (long long)id,
                said);
    return rc;
}

static int order_answer(struct cli *cli, const char *method, json_t *req)
{
    json_t *resp;
    int rc = cli_call(cli, method, req, &resp);
    if (rc != EXIT_OK)
        return rc;
    order_print(cli, json_object_get(resp, "order"));
    json_decref(resp);
    return EXIT_OK;
}

static int order_place(struct cli *cli, int argc, char **argv)
{
    const char *lines[MAX_LINE_ARGS];
    int nlines;
    int rc = take_lines(&argc, argv, lines, &nlines);
    if (rc)
        return rc;
    const char *currency = NULL, *account = NULL, *lead = NULL, *note = "", *key = NULL,
               *listed = NULL;
    bool verbose = false;
    const struct cli_opt opts[] = {
        {"line", &listed, NULL, false,
         "SKU:QUANTITY:UNIT_PRICE (minor units: cents for USD, whole yen or dong for JPY or VND), "
         "once per line; a product id works for SKU",
         "lines"},
        {"currency", &currency, NULL, true, "ISO 4217 code, e.g. VND, USD"},
        {"account", &account, NULL, false, "the key account it is for (id or name)",
         "keyAccountId"},
        {"lead", &lead, NULL, false,
         "the lead (deal) it comes from: its id; not a lost one, nor a registration still awaiting "
         "the exporter's decision (flagged)",
         "leadId"},
        {"note", &note, NULL, false, "up to 2000 characters"},
        {"idempotency-key", &key, NULL, false,
         "retry a placing whose answer was lost: the same key and request answer the first order "
         "(default: a new random key)"},
        {"verbose", NULL, &verbose, false, "print the idempotency key sent"},
        {0}};
    const struct cli_command_spec spec = {
        "order place DISTRIBUTOR --line SKU:QTY:PRICE ... --currency CUR [--account A] "
        "[--lead ID] [--note TEXT] [--idempotency-key K] [--verbose]",
        "Places an order for a distributor (a distributor user: its own, as '-'). Each line must "
        "reach "
        "its product's MOQ, and the order's lines of a product line together the charter "
        "commitment's MOQ for that line; lines of a product line the charter does not cover "
        "are refused. The server computes the total.",
        opts, 1,
        "order place \"Saigon Auto Parts\" --line BRK-1001:200:125000 --line FLT-7:50:98000 "
        "--currency VND --note \"Giao trước Tết\""};
    const char *dist = NULL;
    if ((rc = cli_args_parse(&spec, argc, argv, &dist, 1)))
        return rc < 0 ? EXIT_OK : rc;
    if (!nlines) {
        fprintf(stderr, "liaison: at least one --line SKU:QUANTITY:UNIT_PRICE\n");
        return EXIT_USAGE;
    }
    json_int_t d, a = 0, l = 0;
    if ((rc = cli_resolve(cli, CLI_DISTRIBUTOR, dist, 0, &d)) ||
        (account && (rc = cli_resolve(cli, CLI_ACCOUNT, account, d, &a))) ||
        (lead && (rc = cli_parse_id_of(cli, "--lead", "leadId", lead, &l))))
        return rc;
    char made[33];
    /* liaison --idempotency-key K order place ... is the same promise as the option's. */
    if (!key)
        key = cli->set.idempotency_key;
    if (!key) {
        if ((rc = random_key(made, sizeof made)))
            return rc;
        key = made;
    }
    json_t *arr = json_array();
    for (int i = 0; arr && i < nlines; i++) {
        json_t *line = order_line(lines[i]);
        if (!line) {
            json_decref(arr);
            return EXIT_USAGE;
        }
        json_array_append_new(arr, line);
    }
    json_t *req =
        json_pack("{s:I,s:o,s:s,s:I,s:I,s:s,s:s}", "distributorId", d, "lines", arr, "currency",
                  currency, "keyAccountId", a, "leadId", l, "note", note, "idempotencyKey", key);
    if (!req)
        return EXIT_ERROR;
    if (verbose)
        fprintf(stderr, "liaison: idempotency key %s\n", key);
    rc = order_answer(cli, "PlaceOrder", req);
    /* The answer may be all that was lost: the same key retries without a second order. */
    if (rc == EXIT_UNAVAILABLE && !cli->set.json)
        fprintf(stderr,
                "liaison: the order may have been placed; retry with --idempotency-key %s\n", key);
    return rc;
}

/* A row of 'order list': an order delivered short says so in its STATUS. */
static void order_cells(json_t *row)
{
    if (json_string_length(json_object_get(row, "shortReason")))
        json_object_set_new(row, "status", json_string("delivered short"));
}

static int order_list(struct cli *cli, int argc, char **argv)
{
    const char *dist = NULL, *status = "", *from = "", *to = "", *account = NULL;
    bool shorted = false;
    struct cli_paging page = {0};
    const struct cli_opt opts[] = {
        {"distributor", &dist, NULL, false, "only this distributor's", "distributorId"},
        {"status", &status, NULL, false, "placed, confirmed, shipped, delivered, cancelled"},
        {"from", &from, NULL, false, "placed at or after this time", "placedFrom"},
        {"to", &to, NULL, false, "placed before this time", "placedTo"},
        {"account", &account, NULL, false, "only this key account's (id or name)", "keyAccountId"},
        {"short", NULL, &shorted, false, "only the orders delivered short", "deliveredShort"},
        CLI_PAGING_OPTS(page),
        {0}};
    const struct cli_command_spec spec = {
        "order list [--distributor D] [--status S] [--from TIME] [--to TIME] [--account A] "
        "[--short] [--all]",
        "Lists the orders you reach, oldest first. LATE: one of its shipments is past its ETA "
        "and not delivered. An order delivered short has the STATUS 'delivered short'\n(its "
        "TOTAL is what was ordered; 'order show' gives what was delivered).\nTIME is RFC 3339, "
        "or 'YYYY-MM-DD HH:MM' or a day 'YYYY-MM-DD' (its 00:00) in this\ncomputer's time zone "
        "(TZ).",
        opts, 0, "order list --status placed --from 2027-01-01"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t d = 0, a = 0;
    char f[64] = "", t[64] = "";
    if ((*from && (rc = cli_parse_bound("from", from, f, sizeof f))) ||
        (*to && (rc = cli_parse_bound("to", to, t, sizeof t))) ||
        (dist && (rc = cli_resolve(cli, CLI_DISTRIBUTOR, dist, 0, &d))) ||
        (account && (rc = cli_resolve(cli, CLI_ACCOUNT, account, d, &a))))
        return rc;
    if (shorted && *status && strcasecmp(status, "delivered")) {
        cli_fail(cli, "INVALID_ARGUMENT",
                 "--short lists orders delivered short, which are delivered: not with --status "
                 "other than delivered");
        return EXIT_USAGE;
    }
    return cli_list_mapped(cli, "ListOrders",
                           json_pack("{s:I,s:o,s:s,s:s,s:I,s:b}", "distributorId", d, "status",
                                     cli_enum_string(status), "placedFrom", f, "placedTo", t,
                                     "keyAccountId", a, "deliveredShort", shorted),
                           "orders", order_cols, NCOLS(order_cols), &page,
                           cli->set.json ? NULL : order_cells);
}

static int order_show(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {"order show ID", "Shows an order and its lines.", opts, 1,
                                          "order show 12"};
    json_int_t v;
    int rc = cli_args_id(&spec, argc, argv, &v);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    return order_answer(cli, "GetOrder", json_pack("{s:I}", "id", v));
}

static int order_status(struct cli *cli, int argc, char **argv)
{
    const char *why = NULL;
    const struct cli_opt opts[] = {
        {"short", &why, NULL, false,
         "only with delivered: why the missing units will not come (one line, at most 300 "
         "characters); the order is closed with the units its delivered shipments carried",
         "shortReason"},
        {0}};
    const struct cli_command_spec spec = {
        "order status ID STATUS [--short REASON]",
        "Moves an order: placed, confirmed, shipped, delivered; cancelled while placed or "
        "confirmed (a distributor user may only cancel). An order whose shipments are recorded "
        "follows them: see 'shipment status'. If its delivered shipments carry fewer units "
        "than were ordered and the rest will not come, deliver it short with --short REASON. "
        "Asking for the status it has changes nothing (a retry is safe).",
        opts, 2, "order status 12 delivered --short \"the customer took 15; the rest cancelled\""};
    const char *args[2] = {NULL, NULL};
    int rc = cli_args_parse(&spec, argc, argv, args, 2);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t v;
    if ((rc = cli_parse_id(args[0], &v)))
        return rc;
    if (why && !why[0]) {
        fprintf(stderr, "liaison: --short is empty: say why the rest will not come\n");
        return EXIT_USAGE;
    }
    json_t *also = why ? json_pack("{s:s}", "shortReason", why) : NULL;
    if (why && !also)
        return EXIT_ERROR;
    return status_move(cli, "SetOrderStatus", "GetOrder", "order", v, args[1], also, order_answer);
}

int cmd_order(struct cli *cli, int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"place", order_place, "place an order"},
        {"list", order_list, "list orders"},
        {"show", order_show, "show an order and its lines"},
        {"status", order_status, "move an order"},
        {NULL, NULL, NULL}};
    return cli_subcommand("order", subs, argc, argv, cli);
}

/* ---------- shipments ---------- */

static int shipment_answer(struct cli *cli, const char *method, json_t *req)
{
    json_t *resp;
    int rc = cli_call(cli, method, req, &resp);
    if (rc != EXIT_OK)
        return rc;
    json_t *s = json_object_get(resp, "shipment");
    if (cli->set.json || cli->set.ids) {
        cli_print_object(cli, shipment_fields, NCOLS(shipment_fields), s);
    } else {
        output_fields(shipment_fields, NCOLS(shipment_fields), s);
        printf("\n");
        output_table(shipment_line_cols, NCOLS(shipment_line_cols), json_object_get(s, "lines"));
    }
    /* An ETA already past at adding is most often a typed year or month: made, but said. */
    const char *eta = json_string_value(json_object_get(s, "eta"));
    if (!strcmp(method, "AddShipment") && json_is_true(json_object_get(s, "late")) && eta &&
        !cli->set.json)
        fprintf(stderr,
                "liaison: note: its ETA (%s) has already passed: it is late from the start\n", eta);
    json_decref(resp);
    return EXIT_OK;
}

static int shipment_add(struct cli *cli, int argc, char **argv)
{
    const char *lines[MAX_LINE_ARGS];
    int nlines;
    int rc = take_lines(&argc, argv, lines, &nlines);
    if (rc)
        return rc;
    const char *carrier = NULL, *tracking = "", *etd = "", *eta = "", *listed = NULL;
    const struct cli_opt opts[] = {
        {"line", &listed, NULL, false,
         "ORDER_LINE_ID:QUANTITY, once per line: the LINE ids 'order show' lists, not SKUs",
         "lines"},
        {"carrier", &carrier, NULL, true, "who carries it"},
        {"tracking", &tracking, NULL, false, "the carrier's tracking number", "trackingNumber"},
        {"etd", &etd, NULL, false, "departure, YYYY-MM-DD"},
        {"eta", &eta, NULL, false, "arrival, YYYY-MM-DD"},
        {0}};
    const struct cli_command_spec spec = {
        "shipment add ORDER --carrier C [--tracking T] [--etd DATE] [--eta DATE] "
        "--line LINE_ID:QTY ...",
        "Adds a shipment, planned, to an order confirmed or shipped (not yet delivered). What an "
        "order's shipments carry never passes what was ordered (cancelled shipments do not "
        "count).",
        opts, 1,
        "shipment add 12 --carrier \"Gemadept\" --tracking GMD123 --etd 2027-02-01 --eta "
        "2027-02-09 --line 41:150"};
    const char *order = NULL;
    if ((rc = cli_args_parse(&spec, argc, argv, &order, 1)))
        return rc < 0 ? EXIT_OK : rc;
    if (!nlines) {
        fprintf(stderr, "liaison: at least one --line ORDER_LINE_ID:QUANTITY\n");
        return EXIT_USAGE;
    }
    json_int_t o;
    if ((rc = cli_parse_id(order, &o)))
        return rc;
    json_t *arr = json_array();
    for (int i = 0; arr && i < nlines; i++) {
        json_t *line = shipment_line(lines[i]);
        if (!line) {
            json_decref(arr);
            return EXIT_USAGE;
        }
        json_array_append_new(arr, line);
    }
    json_t *req = json_pack("{s:I,s:s,s:s,s:s,s:s,s:o}", "orderId", o, "carrier", carrier,
                            "trackingNumber", tracking, "etd", etd, "eta", eta, "lines", arr);
    return req ? shipment_answer(cli, "AddShipment", req) : EXIT_ERROR;
}

static int shipment_list(struct cli *cli, int argc, char **argv)
{
    const char *order = NULL, *dist = NULL, *status = "";
    struct cli_paging page = {0};
    const struct cli_opt opts[] = {
        {"order", &order, NULL, false, "only this order's (id)", "orderId"},
        {"distributor", &dist, NULL, false, "only this distributor's", "distributorId"},
        {"status", &status, NULL, false, "planned, in_transit, delivered, cancelled"},
        CLI_PAGING_OPTS(page),
        {0}};
    const struct cli_command_spec spec = {"shipment list [--order ID] [--distributor D] "
                                          "[--status S] [--all]",
                                          "Lists the shipments you reach. LATE: planned or in "
                                          "transit past its ETA (your tenant's date).",
                                          opts, 0, "shipment list --order 12"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t o = 0, d = 0;
    if ((order && (rc = cli_parse_id_of(cli, "--order", "orderId", order, &o))) ||
        (dist && (rc = cli_resolve(cli, CLI_DISTRIBUTOR, dist, 0, &d))))
        return rc;
    return cli_list(cli, "ListShipments",
                    json_pack("{s:I,s:I,s:o}", "orderId", o, "distributorId", d, "status",
                              cli_enum_string(status)),
                    "shipments", shipment_cols, NCOLS(shipment_cols), &page);
}

static int shipment_show(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {"shipment show ID", "Shows a shipment and its lines.",
                                          opts, 1, "shipment show 3"};
    json_int_t v;
    int rc = cli_args_id(&spec, argc, argv, &v);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    return shipment_answer(cli, "GetShipment", json_pack("{s:I}", "id", v));
}

static int shipment_status(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {
        "shipment status ID STATUS",
        "Moves a shipment on from planned (as it is added): in_transit when it leaves, "
        "delivered when it arrives (from either); cancelled until delivered. A "
        "confirmed order becomes shipped when its first shipment leaves, and delivered when "
        "delivered shipments carry every ordered unit; cancelling a shipment on its way makes "
        "the order confirmed again when no other of its shipments is on its way or delivered. "
        "Asking for the status it has changes nothing (a retry is safe).",
        opts, 2, "shipment status 3 in_transit"};
    const char *args[2] = {NULL, NULL};
    int rc = cli_args_parse(&spec, argc, argv, args, 2);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t v;
    if ((rc = cli_parse_id(args[0], &v)))
        return rc;
    return status_move(cli, "SetShipmentStatus", "GetShipment", "shipment", v, args[1], NULL,
                       shipment_answer);
}

static int shipment_update(struct cli *cli, int argc, char **argv)
{
    const char *carrier = "", *tracking = "", *etd = "", *eta = "";
    bool no_tracking = false, no_etd = false, no_eta = false;
    const struct cli_opt opts[] = {
        {"carrier", &carrier, NULL, false, "who carries it now"},
        {"tracking", &tracking, NULL, false, "the carrier's tracking number", "trackingNumber"},
        {"etd", &etd, NULL, false, "departure, YYYY-MM-DD"},
        {"eta", &eta, NULL, false, "arrival, YYYY-MM-DD"},
        {"no-tracking", NULL, &no_tracking, false, "forget the tracking number"},
        {"no-etd", NULL, &no_etd, false, "forget the departure date"},
        {"no-eta", NULL, &no_eta, false, "forget the arrival date"},
        {0}};
    const struct cli_command_spec spec = {
        "shipment update ID [--carrier C] [--tracking T | --no-tracking] [--etd DATE | --no-etd] "
        "[--eta DATE | --no-eta]",
        "Corrects a planned or in-transit shipment: each option given replaces what was "
        "recorded (a slipped ETA, a new tracking number), each --no-... forgets it (one "
        "entered by mistake); the others stay as they were.",
        opts, 1, "shipment update 3 --eta 2027-02-16"};
    const char *id = NULL;
    int rc = cli_args_parse(&spec, argc, argv, &id, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t v;
    if ((rc = cli_parse_id(id, &v)))
        return rc;
    /* Given empty, an option was taken for "keep", and answered "nothing to change" (a try-out). */
    const char *empty = cli_args_empty();
    if (empty) {
        fprintf(stderr,
                "liaison: invalid --%s: empty; leave it out to keep what the shipment has%s%s\n",
                empty, strcmp(empty, "carrier") ? ", or give --no-" : "",
                strcmp(empty, "carrier") ? empty : "");
        return EXIT_USAGE;
    }
    const struct {
        bool cleared;
        const char *given, *option, *field;
    } forget[] = {{no_tracking, tracking, "tracking", "trackingNumber"},
                  {no_etd, etd, "etd", "etd"},
                  {no_eta, eta, "eta", "eta"}};
    json_t *clear = json_array();
    if (!clear)
        return EXIT_ERROR;
    for (int i = 0; i < NCOLS(forget); i++) {
        if (!forget[i].cleared)
            continue;
        if (*forget[i].given) {
            fprintf(stderr, "liaison: --%s and --no-%s: give one or the other\n", forget[i].option,
                    forget[i].option);
            json_decref(clear);
            return EXIT_USAGE;
        }
        json_array_append_new(clear, json_string(forget[i].field));
    }
    if (!*carrier && !*tracking && !*etd && !*eta && !json_array_size(clear)) {
        fprintf(stderr, "liaison: nothing to change: give --carrier, --tracking, --etd or --eta, "
                        "or --no-tracking, --no-etd or --no-eta\n");
        json_decref(clear);
        return EXIT_USAGE;
    }
    json_t *req = json_pack("{s:I,s:s,s:s,s:s,s:s,s:o}", "id", v, "carrier", carrier,
                            "trackingNumber", tracking, "etd", etd, "eta", eta, "clear", clear);
    return req ? shipment_answer(cli, "UpdateShipment", req) : EXIT_ERROR;
}

int cmd_shipment(struct cli *cli, int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"add", shipment_add, "add a shipment"},
        {"list", shipment_list, "list shipments"},
        {"show", shipment_show, "show a shipment"},
        {"status", shipment_status, "move a shipment"},
        {"update", shipment_update, "correct a shipment's carrier, tracking or dates"},
        {NULL, NULL, NULL}};
    return cli_subcommand("shipment", subs, argc, argv, cli);
}
