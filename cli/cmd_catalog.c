/*
 * cmd_catalog.c - 'liaison product-line ...' and 'liaison product ...'.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct output_column line_cols[] = {
    {"ID", "id"}, {"CODE", "code"}, {"NAME", "name"}, {"RETIRED", "retired", OUTPUT_BOOL}};
static const struct output_column product_cols[] = {
    {"ID", "id"},     {"SKU", "sku"}, {"LINE", "productLineCode"},        {"NAME", "name"},
    {"UNIT", "unit"}, {"MOQ", "moq"}, {"RETIRED", "retired", OUTPUT_BOOL}};

int cli_show_one(struct cli *cli, const char *method, json_t *req, const char *key,
                 const struct output_column *cols, int ncols)
{
    json_t *resp;
    int rc = cli_call(cli, method, req, &resp);
    if (rc != EXIT_OK)
        return rc;
    cli_print_object(cli, cols, ncols, json_object_get(resp, key));
    json_decref(resp);
    return EXIT_OK;
}

int cli_show_by_id(struct cli *cli, int argc, char **argv, const struct cli_command_spec *spec,
                   enum cli_kind kind, const char *method, const char *key,
                   const struct output_column *cols, int ncols)
{
    const char *id = NULL;
    json_int_t v;
    int rc = cli_args_parse(spec, argc, argv, &id, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if ((rc = cli_resolve(cli, kind, id, 0, &v)))
        return rc;
    return cli_show_one(cli, method, json_pack("{s:I}", "id", v), key, cols, ncols);
}

/* A positive id in s, else 0. */
static json_int_t id_value(const char *s)
{
    char *end;
    errno = 0;
    long long v = strtoll(s ? s : "", &end, 10);
    return !s || *end || errno == ERANGE || v <= 0 ? 0 : v;
}

int cli_parse_id(const char *s, json_int_t *out)
{
    if (!(*out = id_value(s))) {
        fputs("liaison: '", stderr);
        output_escaped(stderr, s ? s : "");
        fputs("' is not an id\n", stderr);
        return EXIT_USAGE;
    }
    return 0;
}

int cli_parse_id_of(const struct cli *cli, const char *option, const char *field, const char *s,
                    json_int_t *out)
{
    if (!(*out = id_value(s))) {
        char why[160];
        snprintf(why, sizeof why, "'%.100s' is not an id", s ? s : "");
        cli_fail_option(cli, option, field, why);
        return EXIT_USAGE;
    }
    return 0;
}

int cli_parse_range(const char *name, const char *s, long min, long max, json_int_t *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*end || !*s || errno == ERANGE || v < min || v > max) {
        fprintf(stderr, "liaison: %s must be a whole number from %ld to %ld\n", name, min, max);
        return EXIT_USAGE;
    }
    *out = v;
    return 0;
}

int cli_parse_uint(const char *name, const char *s, long max, json_int_t *out)
{
    return cli_parse_range(name, s, 0, max, out);
}

int cli_parse_minor(const char *name, const char *s, long max, json_int_t *out)
{
    /* "12500.50" is someone writing dollars where cents are asked for: say so, not only "a
     * whole number", or the next try is 12500, a hundredth of what was meant. */
    if (strpbrk(s, ".,") && strspn(s, "0123456789.,") == strlen(s)) {
        fprintf(stderr,
                "liaison: %s is in the currency's minor units, a whole number: 12500.50 USD is "
                "1250050 (cents); VND and JPY have no minor units (1,250,000 VND is 1250000)\n",
                name);
        return EXIT_USAGE;
    }
    return cli_parse_uint(name, s, max, out);
}

static int line_create(struct cli *cli, int argc, char **argv)
{
    const char *code = NULL, *name = NULL;
    const struct cli_opt opts[] = {{"code", &code, NULL, true, "short code, e.g. BRK"},
                                   {"name", &name, NULL, true, "name, e.g. Brake systems"},
                                   {0}};
    const struct cli_command_spec spec = {
        "product-line create --code CODE --name NAME", "Creates a product line.", opts, 0,
        "product-line create --code BRK --name \"Brake systems\""};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    return cli_show_one(cli, "CreateProductLine",
                        json_pack("{s:s,s:s}", "code", code, "name", name), "productLine",
                        line_cols, 4);
}

static int line_list(struct cli *cli, int argc, char **argv)
{
    const char *name = "";
    struct cli_paging page = {0};
    bool retired = false;
    const struct cli_opt opts[] = {
        {"name", &name, NULL, false, "only lines whose code or name has this, any case"},
        {"retired", NULL, &retired, false, "include retired lines"},
        CLI_PAGING_OPTS(page),
        {0}};
    const struct cli_command_spec spec = {"product-line list [--name TEXT] [--retired] [--all]",
                                          "Lists product lines.", opts, 0,
                                          "product-line list --name brake --retired"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    return cli_list(cli, "ListProductLines",
                    json_pack("{s:b,s:s}", "includeRetired", retired, "name", name), "productLines",
                    line_cols, 4, &page);
}

static int line_update(struct cli *cli, int argc, char **argv)
{
    const char *name = NULL;
    const struct cli_opt opts[] = {{"name", &name, NULL, true, "the new name"}, {0}};
    const struct cli_command_spec spec = {
        "product-line update LINE --name NAME", "Renames a product line (LINE: its id or code).",
        opts, 1, "product-line update BRK --name \"Brake systems and pads\""};
    const char *id = NULL;
    json_int_t v;
    int rc = cli_args_parse(&spec, argc, argv, &id, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if ((rc = cli_resolve(cli, CLI_PRODUCT_LINE, id, 0, &v)))
        return rc;
    return cli_show_one(cli, "UpdateProductLine", json_pack("{s:I,s:s}", "id", v, "name", name),
                        "productLine", line_cols, 4);
}

static int line_retire(struct cli *cli, int argc, char **argv)
{
    bool force = false;
    const struct cli_opt opts[] = {
        {"force", NULL, &force, false, "retire it though a charter, order, deal or target uses it"},
        {0}};
    const struct cli_command_spec spec = {
        "product-line retire LINE [--force]",
        "Retires a product line (LINE: its id or code): kept for history, no longer offered, with "
        "its products. A line still in use is refused, naming each use, unless --force. "
        "'product-line reinstate' undoes it.",
        opts, 1, "product-line retire FLT"};
    const char *id = NULL;
    json_int_t v;
    int rc = cli_args_parse(&spec, argc, argv, &id, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if ((rc = cli_resolve(cli, CLI_PRODUCT_LINE, id, 0, &v)))
        return rc;
    return cli_show_one(cli, "RetireProductLine", json_pack("{s:I,s:b}", "id", v, "force", force),
                        "productLine", line_cols, 4);
}

static int line_reinstate(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {
        "product-line reinstate LINE",
        "Offers a retired product line again (LINE: its id or code), with the products retired "
        "with it; a product retired on its own before stays retired.",
        opts, 1, "product-line reinstate FLT"};
    return cli_show_by_id(cli, argc, argv, &spec, CLI_PRODUCT_LINE, "ReinstateProductLine",
                          "productLine", line_cols, 4);
}

int cmd_product_line(struct cli *cli, int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"create", line_create, "create a product line"},
        {"list", line_list, "list product lines"},
        {"update", line_update, "rename a product line"},
        {"retire", line_retire, "retire a product line"},
        {"reinstate", line_reinstate, "offer a retired product line again"},
        {NULL, NULL, NULL}};
    return cli_subcommand("product-line", subs, argc, argv, cli);
}

static int product_create(struct cli *cli, int argc, char **argv)
{
    const char *sku = NULL, *line = NULL, *name = NULL, *unit = "pcs", *moq = "0";
    const struct cli_opt opts[] = {
        {"sku", &sku, NULL, true, "stock-keeping unit"},
        {"line", &line, NULL, true, "product line: id or code", "productLineId"},
        {"name", &name, NULL, true, "name"},
        {"unit", &unit, NULL, false, "unit of sale (default pcs)"},
        {"moq", &moq, NULL, false, "minimum order quantity"},
        {0}};
    const struct cli_command_spec spec = {
        "product create --sku SKU --line LINE --name NAME [--unit U] [--moq N]",
        "Creates a product.", opts, 0,
        "product create --sku BRK-1 --line BRK --name \"Brake pads\" --unit set --moq 10"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t l, m;
    if ((rc = cli_parse_uint("--moq", moq, 2147483647, &m)) ||
        (rc = cli_resolve(cli, CLI_PRODUCT_LINE, line, 0, &l)))
        return rc;
    return cli_show_one(cli, "CreateProduct",
                        json_pack("{s:s,s:I,s:s,s:s,s:I}", "sku", sku, "productLineId", l, "name",
                                  name, "unit", unit, "moq", m),
                        "product", product_cols, 7);
}

static int product_list(struct cli *cli, int argc, char **argv)
{
    const char *line = NULL, *name = "";
    struct cli_paging page = {0};
    bool retired = false;
    const struct cli_opt opts[] = {
        {"line", &line, NULL, false, "only this product line (id or code)", "productLineId"},
        {"name", &name, NULL, false, "only products whose SKU or name has this, any case"},
        {"retired", NULL, &retired, false, "include retired products"},
        CLI_PAGING_OPTS(page),
        {0}};
    const struct cli_command_spec spec = {
        "product list [--line LINE] [--name TEXT] [--retired] [--all]", "Lists products.", opts, 0,
        "product list --line BRK --name pads"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t l = 0;
    if (line && (rc = cli_resolve(cli, CLI_PRODUCT_LINE, line, 0, &l)))
        return rc;
    return cli_list(
        cli, "ListProducts",
        json_pack("{s:I,s:b,s:s}", "productLineId", l, "includeRetired", retired, "name", name),
        "products", product_cols, 7, &page);
}

static int product_update(struct cli *cli, int argc, char **argv)
{
    static const char *const keys[] = {"name", "unit", "moq"};
    const char *name = NULL, *unit = NULL, *moq = NULL;
    const struct cli_opt opts[] = {{"name", &name, NULL, false, "name"},
                                   {"unit", &unit, NULL, false, "unit of sale"},
                                   {"moq", &moq, NULL, false, "minimum order quantity (0: none)"},
                                   {0}};
    const struct cli_command_spec spec = {
        "product update PRODUCT [--name NAME] [--unit U] [--moq N]",
        "Changes the details given of a product (PRODUCT: its id, SKU or name); the others\n"
        "stay as they are. Its SKU and product line do not change.",
        opts, 1, "product update BRK-1 --moq 20"};
    const char *id = NULL;
    int rc = cli_args_parse(&spec, argc, argv, &id, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if (!name && !unit && !moq) {
        fprintf(stderr, "liaison: nothing to change: give at least one of --name, --unit, --moq "
                        "(liaison product update --help)\n");
        return EXIT_USAGE;
    }
    json_int_t v, m = 0;
    if ((moq && (rc = cli_parse_uint("--moq", moq, 2147483647, &m))) ||
        (rc = cli_resolve(cli, CLI_PRODUCT, id, 0, &v)))
        return rc;
    json_t *f = cli_current_fields(cli, "GetProduct", v, "product", keys,
                                   sizeof keys / sizeof keys[0], &rc);
    if (!f)
        return rc;
    if (json_object_set_new(f, "id", json_integer(v)) ||
        (name && json_object_set_new(f, "name", json_string(name))) ||
        (unit && json_object_set_new(f, "unit", json_string(unit))) ||
        (moq && json_object_set_new(f, "moq", json_integer(m)))) {
        json_decref(f);
        fprintf(stderr, "liaison: out of memory\n");
        return EXIT_ERROR;
    }
    return cli_show_one(cli, "UpdateProduct", f, "product", product_cols, 7);
}

static int product_show(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {"product show PRODUCT",
                                          "Shows a product (PRODUCT: its id, SKU or name), retired "
                                          "or not.",
                                          opts, 1, "product show BRK-1"};
    return cli_show_by_id(cli, argc, argv, &spec, CLI_PRODUCT, "GetProduct", "product",
                          product_cols, 7);
}

static int product_retire(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {
        "product retire PRODUCT",
        "Retires a product (PRODUCT: its id, SKU or name): kept for history, it can no longer be "
        "ordered. 'product reinstate' undoes it.",
        opts, 1, "product retire BRK-1"};
    return cli_show_by_id(cli, argc, argv, &spec, CLI_PRODUCT, "RetireProduct", "product",
                          product_cols, 7);
}

static int product_reinstate(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {
        "product reinstate PRODUCT",
        "Offers a retired product again (PRODUCT: its id, SKU or name). Not while its line is "
        "retired: 'product-line reinstate LINE' first, which brings back the products retired "
        "with the line.",
        opts, 1, "product reinstate BRK-1"};
    return cli_show_by_id(cli, argc, argv, &spec, CLI_PRODUCT, "ReinstateProduct", "product",
                          product_cols, 7);
}

int cmd_product(struct cli *cli, int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"create", product_create, "create a product"},
        {"list", product_list, "list products"},
        {"show", product_show, "show a product"},
        {"update", product_update, "update a product"},
        {"retire", product_retire, "retire a product"},
        {"reinstate", product_reinstate, "offer a retired product again"},
        {NULL, NULL, NULL}};
    return cli_subcommand("product", subs, argc, argv, cli);
}
