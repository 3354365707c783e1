/*
 * cmd_update.c - 'liaison update ...': the exporter's upstream updates
 * (production news, launches, campaigns). A draft is published to the
 * distributors whose active charter overlaps its regions for its lines; each
 * reading by a distributor user is recorded, and 'update receipts' shows
 * who has read it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct output_column update_cols[] = {{"ID", "id"},
                                                   {"KIND", "kind"},
                                                   {"TITLE", "title"},
                                                   {"LANGUAGE", "language"},
                                                   {"EFFECTIVE", "effectiveOn"},
                                                   {"STATUS", "status"},
                                                   {"PUBLISHED", "publishedAt"},
                                                   {"READ", "readAt"}};
/* One update shown alone: also whom it is aimed at and what it attaches. */
static const struct output_column update_fields[] = {{"ID", "id"},
                                                     {"KIND", "kind"},
                                                     {"TITLE", "title"},
                                                     {"LANGUAGE", "language"},
                                                     {"EFFECTIVE", "effectiveOn"},
                                                     {"REGIONS", "regions"},
                                                     {"LINES", "productLineCodes"},
                                                     {"DOCUMENTS", "documentIds"},
                                                     {"STATUS", "status"},
                                                     {"PUBLISHED", "publishedAt"},
                                                     {"PUBLISHED BY", "publishedBy"},
                                                     {"READ", "readAt"}};
static const struct output_column recipient_cols[] = {{"DISTRIBUTOR", "distributorId"},
                                                      {"NAME", "distributorName"},
                                                      {"AGENDA", "agenda"},
                                                      {"MEETING", "agendaMeetingId"}};
static const struct output_column variant_cols[] = {{"LANGUAGE", "language"}, {"TITLE", "title"}};
static const struct output_column receipt_cols[] = {{"USER", "userId"},
                                                    {"E-MAIL", "email"},
                                                    {"DISTRIBUTOR", "distributorName"},
                                                    {"READ", "readAt"}};

#define NCOLS(c) ((int)(sizeof(c) / sizeof((c)[0])))

/*
 * u's product lines by code ("BRK, FLT"), as charters show theirs, into
 * "productLineCodes"; past the first 500 lines, or when the look-up fails
 * (said on stderr), a line stays its id.
 */
static void set_line_codes(struct cli *cli, json_t *u)
{
    json_t *ids = json_object_get(u, "productLineIds");
    if (!json_array_size(ids))
        return;
    json_t *resp = NULL;
    if (cli_call(cli, "ListProductLines",
                 json_pack("{s:b,s:{s:i}}", "includeRetired", 1, "page", "pageSize", 500),
                 &resp) != EXIT_OK)
        resp = NULL;
    json_t *lines = json_object_get(resp, "productLines");
    json_t *codes = json_array();
    size_t i, j;
    json_t *id, *line;
    json_array_foreach(ids, i, id)
    {
        json_t *code = NULL;
        json_array_foreach(lines, j, line)
        {
            if (cli_json_id(json_object_get(line, "id")) == cli_json_id(id))
                code = json_object_get(line, "code");
        }
        json_array_append_new(codes, code ? json_incref(code)
                                          : json_sprintf("%lld", (long long)cli_json_id(id)));
    }
    json_object_set_new(u, "productLineCodes", codes);
    json_decref(resp);
}

/* An update: its fields, body, variants and recipients (or the whole object as JSON). */
/* An update as the commands print it. */
static void update_print(struct cli *cli, json_t *u)
{
    if (cli->set.json || cli->set.ids) {
        cli_print_object(cli, update_cols, NCOLS(update_cols), u);
    } else {
        set_line_codes(cli, u);
        output_fields(update_fields, NCOLS(update_fields), u);
        printf("\n");
        output_escaped(stdout, json_string_value(json_object_get(u, "body")));
        printf("\n");
        json_t *variants = json_object_get(u, "variants");
        if (json_array_size(variants)) {
            printf("\nOther languages\n");
            output_table(variant_cols, NCOLS(variant_cols), variants);
        }
        json_t *recipients = json_object_get(u, "recipients");
        if (json_array_size(recipients)) {
            printf("\nRecipients\n");
            output_table(recipient_cols, NCOLS(recipient_cols), recipients);
        }
    }
}

static int update_answer(struct cli *cli, const char *method, json_t *req)
{
    json_t *resp;
    int rc = cli_call(cli, method, req, &resp);
    if (rc != EXIT_OK)
        return rc;
    update_print(cli, json_object_get(resp, "update"));
    json_decref(resp);
    return EXIT_OK;
}

/* Sets key to a JSON value unless v is NULL; -1 when memory ran out. */
static int set_opt(json_t *req, const char *key, json_t *v)
{
    return v ? json_object_set_new(req, key, v) : 0;
}

static int update_draft(struct cli *cli, int argc, char **argv)
{
    const char *file = NULL, *kind = NULL, *title = NULL, *body = NULL, *language = NULL,
               *effective = NULL, *regions = NULL, *lines = NULL, *documents = NULL;
    const struct cli_opt opts[] = {
        {"file", &file, NULL, false,
         "the update as JSON: kind, title, body, language, effectiveOn, regions, "
         "productLineIds, variants [{language, title, body}], documentIds; options below "
         "override it"},
        {"kind", &kind, NULL, false, "production, launch or campaign"},
        {"title", &title, NULL, false, "up to 200 characters"},
        {"body", &body, NULL, false, "the text, up to 20000 characters"},
        {"language", &language, NULL, false, "BCP 47 tag of title and body (en, vi, ja)"},
        {"effective", &effective, NULL, false, "YYYY-MM-DD", "effectiveOn"},
        {"regions", &regions, NULL, false, "VN,VN-HN,TH: the territories it is aimed at"},
        {"lines", &lines, NULL, false, "product lines it is aimed at (codes or ids)",
         "productLineIds"},
        {"documents", &documents, NULL, false, "attached documents' ids", "documentIds"},
        {0}};
    const struct cli_command_spec spec = {
        "update draft [--file F] --kind K --title T --body B --language L --effective DATE\n"
        "       --regions R,R --lines L,L [--documents ID,ID]",
        "Drafts an upstream update; each option but --documents is needed unless --file gives "
        "it. Published, it goes to the distributors whose active charter grants a territory "
        "overlapping one of its regions (VN reaches VN-HN's distributor, VN-HN reaches VN's) "
        "for one of its lines.",
        opts, 0,
        "update draft --kind launch --title \"Má phanh gốm mới\" --body \"Từ tháng 3...\" "
        "--language vi --effective 2027-03-01 --regions VN --lines BRK"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_t *req;
    if (file) {
        json_error_t err;
        req = json_load_file(file, JSON_REJECT_DUPLICATES, &err);
        if (!json_is_object(req)) {
            fprintf(stderr, "liaison: --file %s: %s\n", file,
                    req ? "a JSON object (the update's fields)" : err.text);
            json_decref(req);
            return EXIT_USAGE;
        }
    } else {
        req = json_object();
    }
    json_t *region_list = NULL, *line_list = NULL, *doc_list = NULL;
    if (regions && !(region_list = cli_split(regions, false))) {
        fprintf(stderr, "liaison: --regions: a comma-separated list such as VN,TH\n");
        rc = EXIT_USAGE;
    } else if (lines && !(line_list = cli_resolve_list(cli, CLI_PRODUCT_LINE, lines, &rc))) {
        /* cli_resolve_list said why */
    } else if (documents && !(doc_list = cli_split(documents, true))) {
        fprintf(stderr, "liaison: --documents: a comma-separated list of ids\n");
        rc = EXIT_USAGE;
    }
    /* An option replaces the file's field, under the proto's name too. */
    if (req && effective)
        json_object_del(req, "effective_on");
    if (req && line_list)
        json_object_del(req, "product_line_ids");
    if (req && doc_list)
        json_object_del(req, "document_ids");
    if (rc || !req || set_opt(req, "kind", kind ? json_string(kind) : NULL) ||
        set_opt(req, "title", title ? json_string(title) : NULL) ||
        set_opt(req, "body", body ? json_string(body) : NULL) ||
        set_opt(req, "language", language ? json_string(language) : NULL) ||
        set_opt(req, "effectiveOn", effective ? json_string(effective) : NULL) ||
        set_opt(req, "regions", region_list) || set_opt(req, "productLineIds", line_list) ||
        set_opt(req, "documentIds", doc_list)) {
        json_decref(req);
        return rc ? rc : EXIT_ERROR;
    }
    /* Every missing one named at once: the server stops at the first. A file may use the
     * proto's own names as well (effective_on), as the JSON mapping takes them. */
    static const char *const needed[][3] = {{"kind", "kind", "--kind"},
                                            {"title", "title", "--title"},
                                            {"body", "body", "--body"},
                                            {"language", "language", "--language"},
                                            {"effectiveOn", "effective_on", "--effective"},
                                            {"regions", "regions", "--regions"},
                                            {"productLineIds", "product_line_ids", "--lines"}};
    char missing[160] = "";
    for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++) {
        json_t *v = json_object_get(req, needed[i][0]);
        if (!v)
            v = json_object_get(req, needed[i][1]);
        if (!v || (json_is_string(v) && !*json_string_value(v)) ||
            (json_is_array(v) && !json_array_size(v)))
            snprintf(missing + strlen(missing), sizeof missing - strlen(missing), "%s%s",
                     *missing ? ", " : "", needed[i][2]);
    }
    if (*missing) {
        char msg[256];
        snprintf(msg, sizeof msg, "update draft needs %s (or those fields in --file)", missing);
        cli_fail(cli, "INVALID_ARGUMENT", msg);
        json_decref(req);
        return EXIT_USAGE;
    }
    return update_answer(cli, "CreateUpstreamUpdate", req);
}

static int update_by_id(struct cli *cli, int argc, char **argv, const char *method,
                        const struct cli_command_spec *spec)
{
    const char *id = NULL;
    int rc = cli_args_parse(spec, argc, argv, &id, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t v;
    if ((rc = cli_parse_id(id, &v)))
        return rc;
    return update_answer(cli, method, json_pack("{s:I}", "id", v));
}

/* Whether the JSON array of ids holds id. */
static bool ids_hold(const json_t *ids, json_int_t id)
{
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
    {
        if (cli_json_id(v) == id)
            return true;
    }
    return false;
}

/*
 * Each attachment whose share list the publication grew (docs: the documents as they were
 * before it), with the recipients it reached that way: publishing shared a staff-only price
 * sheet, or another distributor's, with every recipient without a word (an attacker's try-out).
 */
static void shared_note(const json_t *docs, const json_t *update)
{
    size_t i, k;
    json_t *d, *r;
    json_array_foreach(docs, i, d)
    {
        if (json_is_true(json_object_get(d, "shareAll")))
            continue;
        bool said = false;
        json_array_foreach(json_object_get(update, "recipients"), k, r)
        {
            json_int_t who = cli_json_id(json_object_get(r, "distributorId"));
            if (ids_hold(json_object_get(d, "share"), who))
                continue;
            if (!said) {
                fprintf(stderr, "liaison: note: document %lld (",
                        (long long)cli_json_id(json_object_get(d, "id")));
                output_escaped(stderr, json_string_value(json_object_get(d, "title")));
                fputs(") is now shared with ", stderr);
            }
            fputs(said ? ", " : "", stderr);
            output_escaped(stderr, json_string_value(json_object_get(r, "distributorName")));
            said = true;
        }
        if (said)
            fputs(", as an attachment of this update\n", stderr);
    }
}

static int update_publish(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {
        "update publish ID",
        "Publishes a draft: its recipients are fixed now, its attachments are shared with them "
        "(each document whose sharing grew is named), and it goes on each one's next scheduled "
        "monthly review agenda (left off an agenda that already has 32 items: the recipient "
        "then shows 'full'). Its recipients are the distributors whose active charter grants "
        "one of its regions for one of its lines on its effective date (today once that is "
        "past); a draft that would reach none is refused and stays a draft.",
        opts, 1, "update publish 4"};
    const char *id = NULL;
    int rc = cli_args_parse(&spec, argc, argv, &id, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t v;
    if ((rc = cli_parse_id(id, &v)))
        return rc;
    json_t *draft = cli_read_quiet(cli, "GetUpstreamUpdate", v, "update"), *docs = json_array();
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(draft, "documentIds"), i, d)
    {
        json_t *doc = cli_read_quiet(cli, "GetDocument", cli_json_id(d), "document");
        if (doc)
            json_array_append_new(docs, doc);
    }
    json_decref(draft);
    json_t *resp;
    rc = cli_call(cli, "PublishUpstreamUpdate", json_pack("{s:I}", "id", v), &resp);
    if (rc == EXIT_OK) {
        json_t *u = json_object_get(resp, "update");
        update_print(cli, u);
        if (!cli->set.json)
            shared_note(docs, u);
        json_decref(resp);
    }
    json_decref(docs);
    return rc;
}

static int update_show(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {
        "update show ID",
        "Shows an update with its other languages and recipients. A distributor user's first "
        "reading is recorded as its read receipt.",
        opts, 1, "update show 4"};
    return update_by_id(cli, argc, argv, "GetUpstreamUpdate", &spec);
}

static int update_list(struct cli *cli, int argc, char **argv)
{
    const char *status = "", *kind = "", *dist = NULL;
    struct cli_paging page = {0};
    const struct cli_opt opts[] = {
        {"status", &status, NULL, false, "draft or published"},
        {"kind", &kind, NULL, false, "production, launch or campaign"},
        {"distributor", &dist, NULL, false, "only those sent to this distributor", "distributorId"},
        CLI_PAGING_OPTS(page),
        {0}};
    const struct cli_command_spec spec = {
        "update list [--status S] [--kind K] [--distributor D] [--all]",
        "Lists updates, oldest first (a distributor user: those sent to its distributor).", opts, 0,
        "update list --status published --kind launch"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t d = 0;
    if (dist && (rc = cli_resolve(cli, CLI_DISTRIBUTOR, dist, 0, &d)))
        return rc;
    return cli_list(cli, "ListUpstreamUpdates",
                    json_pack("{s:o,s:o,s:I}", "status", cli_enum_string(status), "kind",
                              cli_enum_string(kind), "distributorId", d),
                    "updates", update_cols, NCOLS(update_cols), &page);
}

static int update_receipts(struct cli *cli, int argc, char **argv)
{
    const char *dist = NULL;
    struct cli_paging page = {0};
    const struct cli_opt opts[] = {
        {"distributor", &dist, NULL, false, "only this distributor's users", "distributorId"},
        CLI_PAGING_OPTS(page),
        {0}};
    const struct cli_command_spec spec = {
        "update receipts ID [--distributor D] [--all]",
        "Every user of each recipient distributor and when they first read the update (empty: "
        "not yet).",
        opts, 1, "update receipts 4 --distributor \"Saigon Auto Parts\""};
    const char *id = NULL;
    int rc = cli_args_parse(&spec, argc, argv, &id, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t v, d = 0;
    if ((rc = cli_parse_id(id, &v)) ||
        (dist && (rc = cli_resolve(cli, CLI_DISTRIBUTOR, dist, 0, &d))))
        return rc;
    return cli_list(cli, "ListUpdateReceipts",
                    json_pack("{s:I,s:I}", "updateId", v, "distributorId", d), "receipts",
                    receipt_cols, NCOLS(receipt_cols), &page);
}

int cmd_update(struct cli *cli, int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"draft", update_draft, "draft an update"},
        {"publish", update_publish, "publish a draft to its distributors"},
        {"list", update_list, "list updates"},
        {"show", update_show, "show an update (records a distributor user's reading)"},
        {"receipts", update_receipts, "who has read an update"},
        {NULL, NULL, NULL}};
    return cli_subcommand("update", subs, argc, argv, cli);
}
