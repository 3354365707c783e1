/*
 * cmd_report.c - 'liaison report|target|attainment ...': the distributor's
 * monthly report, targets per product line and period, and attainment with
 * inventory turns and weeks of cover.
 *
 * 'report save' takes the sections from a JSON file in the shape 'report
 * show --json' prints (so a report can be fetched, edited and saved back),
 * and the common small edits from options; a product line may be named by
 * its code ("productLine": "BRK") instead of its id.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

static const struct output_column report_cols[] = {{"ID", "id"},
                                                   {"DISTRIBUTOR", "distributorName"},
                                                   {"PERIOD", "period"},
                                                   {"STATUS", "status"},
                                                   {"DUE", "dueOn"},
                                                   {"LATE", "late", OUTPUT_BOOL},
                                                   {"OVERDUE", "overdue", OUTPUT_BOOL},
                                                   {"SUBMITTED", "submittedAt"},
                                                   {"REVIEWED BY", "reviewedBy"},
                                                   {"COMMENT", "reviewComment"},
                                                   /*
                                                    * Shown, not listed: who put the figures in.
                                                    * The exporter may reopen a distributor's
                                                    * report, change it and submit it, and only
                                                    * the audit log said so (a try-out).
                                                    */
                                                   {"SUBMITTED BY", "submittedBy"},
                                                   {"REVIEWED", "reviewedAt"},
                                                   {"LAST CHANGED", "updatedAt"},
                                                   {"LAST CHANGED BY", "updatedBy"}};
/* report list's columns: report_cols but its last four. */
#define REPORT_LIST_COLS (NCOLS(report_cols) - 4)
static const struct output_column sales_cols[] = {
    {"LINE", "productLineCode"},
    {"UNITS", "units", OUTPUT_COUNT},
    {"REVENUE (minor units)", "revenueMinor", OUTPUT_COUNT},
    {"CURRENCY", "currency"}};
static const struct output_column inventory_cols[] = {{"LINE", "productLineCode"},
                                                      {"ON HAND", "unitsOnHand", OUTPUT_COUNT}};
static const struct output_column pipeline_cols[] = {
    {"LEAD", "leadId"},       {"TITLE", "title"},
    {"STAGE", "stage"},       {"VALUE (minor units)", "valueMinor", OUTPUT_COUNT},
    {"CURRENCY", "currency"}, {"CLOSES", "expectedClose"}};
static const struct output_column competition_cols[] = {
    {"COMPETITOR", "competitor"}, {"LINE", "productLineCode"}, {"ACTIVITY", "activity"}};
static const struct output_column attainment_cols[] = {{"LINE", "productLineCode"},
                                                       {"PERIOD", "period"},
                                                       {"TARGET UNITS", "targetUnitsCell"},
                                                       {"UNITS", "actualUnitsCell"},
                                                       {"UNITS %", "unitsPercent"},
                                                       {"TARGET REVENUE", "targetRevenueCell"},
                                                       {"REVENUE", "actualRevenueCell"},
                                                       {"REVENUE %", "revenuePercent"},
                                                       {"CUR", "currencyCell"},
                                                       {"ON HAND", "onHand"},
                                                       {"TURNS", "turns"},
                                                       {"WEEKS OF COVER", "weeksOfCover"},
                                                       {"COMMITMENT", "commitment"},
                                                       {"BELOW", "belowCell"}};

#define NCOLS(c) ((int)(sizeof(c) / sizeof((c)[0])))
#define MAX_REPEATS 100
#define REPORT_FILE_MAX (4L << 20)

/*
 * A report's sections: the --nothing-to-report word, the key of a report file,
 * the server's name and the title printed.
 */
static const struct {
    const char *word, *key, *wire, *title;
} sections_named[] = {
    {"sales", "sales", "sales_by_line", "Sales by product line"},
    {"inventory", "inventory", "inventory_on_hand", "Inventory on hand"},
    {"pipeline", "pipeline", "pipeline", "Pipeline"},
    {"market-intelligence", "marketIntelligence", "market_intelligence", "Market intelligence"},
    {"competition", "competition", "competitive_activity", "Competitive activity"}};
#define NSECTIONS (sizeof sections_named / sizeof sections_named[0])

/* A report: its fields, then each section that holds something (or the whole object as JSON). */
static void report_print(struct cli *cli, json_t *report)
{
    if (cli->set.json || cli->set.ids) {
        cli_print_object(cli, report_cols, NCOLS(report_cols), report);
        return;
    }
    output_fields(report_cols, NCOLS(report_cols), report);
    static const struct {
        const char *key, *title;
        const struct output_column *cols;
        int ncols;
    } parts[] = {
        {"sales", "Sales by product line", sales_cols, NCOLS(sales_cols)},
        {"inventory", "Inventory on hand", inventory_cols, NCOLS(inventory_cols)},
        {"pipeline", "Pipeline", pipeline_cols, NCOLS(pipeline_cols)},
        {"competition", "Competitive activity", competition_cols, NCOLS(competition_cols)}};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        json_t *rows = json_object_get(report, parts[i].key);
        if (!json_array_size(rows))
            continue;
        printf("\n%s:\n", parts[i].title);
        output_table(parts[i].cols, parts[i].ncols, rows);
    }
    const char *mi = json_string_value(json_object_get(report, "marketIntelligence"));
    if (mi && *mi) {
        printf("\nMarket intelligence:\n");
        output_prose(stdout, mi, "");
    }
    json_t *none = json_object_get(report, "nothingToReport");
    size_t i;
    json_t *sec;
    json_array_foreach(none, i, sec)
    {
        /* In the titles above, lower-cased after the first: the server's names are its own. */
        const char *wire = json_string_value(sec);
        size_t k = 0;
        while (k < NSECTIONS && strcmp(wire, sections_named[k].wire))
            k++;
        const char *title = k < NSECTIONS ? sections_named[k].title : wire;
        fputs(i ? ", " : "\nNothing to report: ", stdout);
        putchar(i && *title >= 'A' && *title <= 'Z' ? *title - 'A' + 'a' : *title);
        fputs(title + 1, stdout);
        if (i + 1 == json_array_size(none))
            putchar('\n');
    }
}

/*
 * --nothing-to-report's "pipeline,competition" as the sections' names, the options' own
 * words taken too; into the request's nothingToReport. A section this save gives content
 * (sections) is said in the options' words here: the server names it by its wire name
 * ("sales_by_line has content", a try-out). EXIT_USAGE after saying why.
 */
static int nothing_to_report(json_t *req, const char *list, const json_t *sections)
{
    json_t *words = cli_split(list, false), *out = json_array();
    size_t i;
    json_t *w;
    int rc = words && out ? EXIT_OK : EXIT_ERROR;
    json_array_foreach(words, i, w)
    {
        const char *word = json_string_value(w);
        size_t k = 0;
        while (k < NSECTIONS && strcmp(word, sections_named[k].word) &&
               strcmp(word, sections_named[k].wire))
            k++;
        if (k == NSECTIONS) {
            fprintf(stderr,
                    "liaison: --nothing-to-report: '%s' is no section: sales, inventory, "
                    "pipeline, market-intelligence or competition\n",
                    word);
            rc = EXIT_USAGE;
            break;
        }
        size_t j;
        json_t *given;
        json_array_foreach(sections, j, given)
        {
            if (!strcmp(json_string_value(given), sections_named[k].wire)) {
                fprintf(stderr,
                        "liaison: --nothing-to-report %s: this save gives %s content too: one "
                        "or the other\n",
                        sections_named[k].word, sections_named[k].word);
                rc = EXIT_USAGE;
                break;
            }
        }
        if (rc)
            break;
        json_array_append_new(out, json_string(sections_named[k].wire));
    }
    if (!rc)
        json_object_set(req, "nothingToReport", out);
    json_decref(out);
    json_decref(words);
    return rc;
}

static int report_answer(struct cli *cli, const char *method, json_t *req)
{
    if (!req)
        return EXIT_ERROR;
    json_t *resp;
    int rc = cli_call(cli, method, req, &resp);
    if (rc != EXIT_OK)
        return rc;
    report_print(cli, json_object_get(resp, "report"));
    json_decref(resp);
    return EXIT_OK;
}

/*
 * method's answer (req consumed) on report v, printed; refused as FAILED_PRECONDITION while the
 * report is `done` already (sent again after a lost answer, or a colleague was first), the
 * report as it is and, without --json, "already done: nothing changed" and `more`. Asked after
 * the server refused, so that a caller who may not make the move is told that (a review).
 */
static int report_move(struct cli *cli, const char *method, json_t *req, json_int_t v,
                       const char *done, const char *more)
{
    if (!req)
        return EXIT_ERROR;
    json_t *resp;
    char *refusal;
    int rc = cli_call_unless(cli, method, req, &resp, LIAISON_FAILED_PRECONDITION, &refusal);
    if (refusal) {
        bool already = false;
        if (cli_status_already(cli, "GetReport", "report", "status", v, done, &already) ==
                EXIT_OK &&
            already) {
            liaison_string_free(refusal);
            rc = report_answer(cli, "GetReport", json_pack("{s:I}", "id", v));
            if (rc == EXIT_OK && !cli->set.json)
                fprintf(stderr, "liaison: report %lld was already %s: nothing changed%s\n",
                        (long long)v, done, more);
            return rc;
        }
        cli_print_error(cli, LIAISON_FAILED_PRECONDITION, refusal);
        liaison_string_free(refusal);
        return rc;
    }
    if (rc != EXIT_OK)
        return rc;
    report_print(cli, json_object_get(resp, "report"));
    json_decref(resp);
    return EXIT_OK;
}

/* "a:b:c" split at ':' into at most n parts (copies in buf); the number of parts. */
static int split_colons(const char *s, char *buf, size_t cap, char **parts, int n)
{
    if (strlen(s) >= cap)
        return 0;
    strcpy(buf, s);
    int k = 0;
    for (char *p = buf; k < n;) {
        parts[k++] = p;
        char *c = strchr(p, ':');
        if (!c)
            return k;
        *c = '\0';
        p = c + 1;
    }
    return n + 1;
}

/* A whole number 0..2^63-1 in s, or false. */
static bool whole(const char *s, json_int_t *out)
{
    if (!*s || *s == '-' || *s == '+')
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*end || errno)
        return false;
    *out = v;
    return true;
}

/*
 * Replaces "productLine" (a code, a name or an id) in each object of rows
 * with its "productLineId". Returns 0 or an exit code after saying why and
 * where: option is "--file" for the file's section, else the option the
 * rows came from. A competitor's line may be empty, as in the option.
 */
static int resolve_lines(struct cli *cli, json_t *rows, const char *section, const char *option)
{
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        if (!json_is_object(row)) {
            fprintf(stderr, "liaison: %s[%zu]: an object\n", section, i);
            return EXIT_USAGE;
        }
        const char *name = json_string_value(json_object_get(row, "productLine"));
        if (!name)
            continue;
        if (!*name && !strcmp(section, "competition")) {
            json_object_del(row, "productLine");
            continue;
        }
        json_int_t id;
        int rc = cli_resolve(cli, CLI_PRODUCT_LINE, name, 0, &id);
        if (rc) {
            /* Which of the file's rows, or of the option's items: the look-up said only what. */
            if (!cli->set.json && !strcmp(option, "--file"))
                fprintf(stderr, "liaison: that is --file, %s[%zu].productLine\n", section, i);
            else if (!cli->set.json)
                fprintf(stderr, "liaison: that is %s, item %zu\n", option, i + 1);
            return rc == EXIT_NOT_FOUND ? EXIT_USAGE : rc;
        }
        json_object_del(row, "productLine");
        json_object_set_new(row, "productLineId", json_integer(id));
    }
    return EXIT_OK;
}

/*
 * Whether key is a field 'report show --json' prints beside the sections: left alone. Its
 * nothingToReport too: a section the file gives content drops its declaration at the server,
 * and --nothing-to-report declares.
 */
static bool report_field(const char *key)
{
    static const char *const fields[] = {"id",          "distributorId",  "distributorName",
                                         "period",      "status",         "charterId",
                                         "dueOn",       "late",           "createdBy",
                                         "createdAt",   "updatedBy",      "updatedAt",
                                         "submittedBy", "submittedAt",    "reviewedBy",
                                         "reviewedAt",  "reviewComment",  "requiredSections",
                                         "overdue",     "nothingToReport"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (!strcmp(key, fields[i]))
            return true;
    return false;
}

/*
 * The sections of a report file ("-": standard input) into req and sections;
 * the keys it gave ("competition") into from_file.
 */
static int report_file(struct cli *cli, const char *path, json_t *req, json_t *sections,
                       json_t *from_file)
{
    json_error_t jerr;
    json_t *doc = cli_json_input(path, 0, &jerr);
    if (!doc) {
        /* A file not opened at all has no line (-1), and jansson's text names it already. */
        if (jerr.line > 0)
            fprintf(stderr, "liaison: %s: %s (line %d)\n", path, jerr.text, jerr.line);
        else
            fprintf(stderr, "liaison: %s\n", jerr.text);
        return EXIT_USAGE;
    }
    int rc = EXIT_OK;
    if (!json_is_object(doc)) {
        fprintf(stderr, "liaison: %s: a JSON object of report sections\n", path);
        rc = EXIT_USAGE;
    }
    const char *key;
    json_t *v;
    json_object_foreach(doc, key, v)
    {
        if (rc)
            break;
        /*
         * The revision 'report show --json' printed: the file was made from
         * the report as it was then, and the save is refused if someone
         * changed it since, rather than replacing their figures.
         */
        if (!strcmp(key, "revision")) {
            if (!json_is_integer(v) || json_integer_value(v) < 0 ||
                json_integer_value(v) > UINT32_MAX) {
                fprintf(stderr, "liaison: %s: 'revision' must be the report's revision\n", path);
                rc = EXIT_USAGE;
                break;
            }
            json_object_set(req, "ifRevision", v);
            continue;
        }
        /* 'report show --json' of another report: its figures are not this one's. */
        if (!strcmp(key, "id") && cli_json_id(v) != cli_json_id(json_object_get(req, "id"))) {
            fprintf(stderr, "liaison: %s is report %lld's ('id'), not report %lld's\n", path,
                    (long long)cli_json_id(v), (long long)cli_json_id(json_object_get(req, "id")));
            rc = EXIT_USAGE;
            break;
        }
        size_t k = 0;
        while (k < NSECTIONS && strcmp(key, sections_named[k].key))
            k++;
        if (k == NSECTIONS) {
            if (report_field(key))
                continue;
            fprintf(stderr,
                    "liaison: %s: '%s' is no section (sales, inventory, pipeline, "
                    "marketIntelligence, competition)\n",
                    path, key);
            rc = EXIT_USAGE;
            break;
        }
        bool text = !strcmp(key, "marketIntelligence");
        if (text ? !json_is_string(v) : !json_is_array(v)) {
            fprintf(stderr, "liaison: %s: '%s' must be %s\n", path, key,
                    text ? "a string" : "an array");
            rc = EXIT_USAGE;
            break;
        }
        if (!text && (rc = resolve_lines(cli, v, key, "--file")))
            break;
        json_object_set(req, key, v);
        json_array_append_new(sections, json_string(sections_named[k].wire));
        json_object_set_new(from_file, key, json_true());
    }
    json_decref(doc);
    return rc;
}

/*
 * The server's refusal of a save whose sections came from --file, said in
 * the file's terms: "invalid --file, competition[0].competitor: required"
 * (with --json, each violation's "option" is that) rather than "--file,
 * item 1", which names neither the section nor the field to edit. False,
 * having said nothing, unless every violation is about a key the file gave
 * (from_file): then cli_print_error says it as for any command.
 */
static bool report_file_refusal(const struct cli *cli, int code, const char *response,
                                const json_t *from_file)
{
    if (code != LIAISON_INVALID_ARGUMENT || !response || !json_object_size(from_file))
        return false;
    json_t *st = json_loads(response, 0, NULL);
    json_t *violations = json_object_get(st, "violations");
    bool said = json_array_size(violations) > 0;
    size_t i;
    json_t *v;
    json_array_foreach(violations, i, v)
    {
        const char *field = json_string_value(json_object_get(v, "field"));
        char key[64];
        size_t n = field ? strcspn(field, "[.") : 0;
        if (!n || n >= sizeof key) {
            said = false;
            break;
        }
        memcpy(key, field, n);
        key[n] = '\0';
        if (!json_object_get(from_file, key)) {
            said = false;
            break;
        }
    }
    if (!said) {
        json_decref(st);
        return false;
    }
    if (cli->set.json) {
        json_array_foreach(violations, i, v)
        {
            json_t *option =
                json_pack("s+", "--file, ", json_string_value(json_object_get(v, "field")));
            if (!option || json_object_set_new(v, "option", option) < 0) {
                json_decref(st);
                return false;
            }
        }
        char *json = json_dumps(st, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (!json) {
            json_decref(st);
            return false;
        }
        fprintf(stderr, "%s\n", json);
        free(json);
    } else {
        /* Messages may quote what other users stored: escaped like table cells. */
        json_array_foreach(violations, i, v)
        {
            const char *why = json_string_value(json_object_get(v, "description"));
            fputs("liaison: invalid --file, ", stderr);
            output_escaped(stderr, json_string_value(json_object_get(v, "field")));
            fputs(": ", stderr);
            output_escaped(stderr, why ? why : "");
            fputc('\n', stderr);
        }
    }
    json_decref(st);
    return true;
}

/*
 * SaveReport with req (consumed), the report printed; as cli_call, but a
 * refusal of what --file gave is said by report_file_refusal.
 */
static int report_save_call(struct cli *cli, json_t *req, const json_t *from_file)
{
    char *body = json_dumps(req, JSON_COMPACT);
    json_int_t id = json_integer_value(json_object_get(req, "id"));
    json_decref(req);
    if (!body) {
        fprintf(stderr, "liaison: out of memory\n");
        return EXIT_ERROR;
    }
    int rc = cli_connect(cli);
    if (rc != EXIT_OK) {
        free(body);
        return rc;
    }
    char *resp = NULL;
    rc = liaison_call_json(cli->conn, "SaveReport", body, &resp);
    free(body);
    if (rc != LIAISON_OK) {
        if (!report_file_refusal(cli, rc, resp, from_file))
            cli_print_error(cli, rc, resp);
        /* The server's words are the portal's ("your form", "reload it"): what they mean for a
         * file made by 'report show --json', whose 'revision' alone is checked (a try-out). */
        if (!cli->set.json && resp && strstr(resp, "changed after your form was made"))
            fprintf(stderr,
                    "liaison: nothing was saved: the file's 'revision' is from before that "
                    "change; 'liaison report show %lld --json' gives what the report holds now, "
                    "to make your changes in again\n",
                    (long long)id);
        liaison_string_free(resp);
        return cli_exit_code(cli, rc);
    }
    json_error_t jerr;
    json_t *out = json_loads(resp, 0, &jerr);
    liaison_string_free(resp);
    if (!out) {
        fprintf(stderr, "liaison: unreadable response: %s\n", jerr.text);
        return EXIT_ERROR;
    }
    report_print(cli, json_object_get(out, "report"));
    json_decref(out);
    return EXIT_OK;
}

/*
 * Names section in sections unless the file named it already: an option
 * replaces the file's section of its name, and the server refuses a
 * section named twice ("sections[1]: each section once").
 */
static void section_once(json_t *sections, const char *section)
{
    size_t i;
    json_t *v;
    json_array_foreach(sections, i, v)
    {
        if (!strcmp(json_string_value(v), section))
            return;
    }
    json_array_append_new(sections, json_string(section));
}

static int report_save(struct cli *cli, int argc, char **argv)
{
    const char *sales[MAX_REPEATS], *stock[MAX_REPEATS], *comp[MAX_REPEATS];
    int nsales, nstock, ncomp;
    int rc = cli_take_values("sales", &argc, argv, sales, MAX_REPEATS, &nsales);
    if (rc || (rc = cli_take_values("inventory", &argc, argv, stock, MAX_REPEATS, &nstock)) ||
        (rc = cli_take_values("competition", &argc, argv, comp, MAX_REPEATS, &ncomp)))
        return rc;
    /* Taken out of argv above; marked so that a violation on sales names --sales. */
    const char *file = NULL, *mi = NULL, *none = NULL, *sales_given = nsales ? "given" : NULL,
               *stock_given = nstock ? "given" : NULL, *comp_given = ncomp ? "given" : NULL;
    const struct cli_opt opts[] = {
        {"sales", &sales_given, NULL, false,
         "LINE:UNITS:REVENUE:CURRENCY, revenue in minor units (cents for USD, whole yen or dong "
         "for JPY or VND), once per line: replaces the sales section"},
        {"inventory", &stock_given, NULL, false,
         "LINE:UNITS_ON_HAND, once per line: replaces the inventory section"},
        {"market-intelligence", &mi, NULL, false, "replaces the market intelligence text"},
        /* The charter requires this section by default: without an option for it the
         * README's save-then-submit needed a hand-edited JSON file. */
        {"competition", &comp_given, NULL, false,
         "COMPETITOR:LINE:ACTIVITY, once per competitor seen (LINE may be empty; the "
         "activity is the rest, colons and all): replaces the competitive activity section",
         "competition"},
        {"nothing-to-report", &none, NULL, false,
         "sections with nothing to report this month, e.g. pipeline,competition (sales, "
         "inventory, pipeline, market-intelligence, competition): each is emptied, and counts "
         "as answered when the charter requires it; giving it content later drops this",
         "nothingToReport"},
        /* After the options it shares fields with: a violation of sales when both
         * --file and --sales are given is --sales's, which replaced the file's. */
        {"file", &file, NULL, false,
         "the sections as JSON ('-': standard input), keys sales, inventory, pipeline, "
         "marketIntelligence, competition; only the keys present are replaced; with the "
         "revision 'report show --json' printed, refused if the report changed since",
         "sales inventory pipeline competition"},
        {0}};
    const struct cli_command_spec spec = {
        "report save ID [--file FILE.json] [--sales LINE:UNITS:REVENUE:CUR ...] "
        "[--inventory LINE:UNITS ...] [--market-intelligence TEXT] "
        "[--competition COMPETITOR:LINE:ACTIVITY ...] [--nothing-to-report SECTIONS]",
        "Saves sections of a draft report; the sections not given stay as they are. A file has "
        "the shape 'report show --json' prints, e.g. {\"sales\": [{\"productLine\": \"BRK\", "
        "\"units\": 120, \"revenueMinor\": 150000000, \"currency\": \"VND\"}], \"inventory\": "
        "[{\"productLine\": \"BRK\", \"unitsOnHand\": 300}], \"pipeline\": [{\"title\": \"Xe "
        "buýt Phương Trang\", \"stage\": \"proposal\", \"valueMinor\": 90000000, \"currency\": "
        "\"VND\", \"expectedClose\": \"2027-05-31\"}], \"marketIntelligence\": \"...\", "
        "\"competition\": [{\"competitor\": \"...\", \"productLine\": \"BRK\", \"activity\": "
        "\"...\"}]}; options override the file's section of the same name.",
        opts, 1,
        "report save 7 --sales BRK:120:150000000:VND --inventory BRK:300 "
        "--market-intelligence \"Nhu cầu má phanh tăng trước Tết\" "
        "--competition \"Phanh Việt:BRK:giảm giá 10%\""};
    const char *id = NULL;
    if ((rc = cli_args_parse(&spec, argc, argv, &id, 1)))
        return rc < 0 ? EXIT_OK : rc;
    json_int_t v;
    if ((rc = cli_parse_id(id, &v)))
        return rc;
    if (!file && !nsales && !nstock && !mi && !ncomp && !none) {
        fprintf(stderr, "liaison: give --file, --sales, --inventory, --market-intelligence, "
                        "--competition or --nothing-to-report\n");
        return EXIT_USAGE;
    }
    json_t *req = json_pack("{s:I}", "id", v), *sections = json_array(), *from_file = json_object();
    if (!req || !sections || !from_file) {
        json_decref(req);
        json_decref(sections);
        json_decref(from_file);
        return EXIT_ERROR;
    }
    if (file)
        rc = report_file(cli, file, req, sections, from_file);
    /* An option overrides the file's section of the same name: its errors are the option's. */
    if (nsales)
        json_object_del(from_file, "sales");
    if (nstock)
        json_object_del(from_file, "inventory");
    if (ncomp)
        json_object_del(from_file, "competition");
    if (mi)
        json_object_del(from_file, "marketIntelligence");
    if (!rc && nsales) {
        json_t *rows = json_array();
        for (int i = 0; !rc && i < nsales; i++) {
            char buf[512], *p[4];
            json_int_t units, revenue;
            if (split_colons(sales[i], buf, sizeof buf, p, 4) != 4 || !whole(p[1], &units) ||
                !whole(p[2], &revenue)) {
                fprintf(stderr,
                        "liaison: --sales '%s': LINE:UNITS:REVENUE:CURRENCY, units and revenue "
                        "are whole numbers of 0 or more, revenue in minor units "
                        "(BRK:120:150000000:VND)\n",
                        sales[i]);
                rc = EXIT_USAGE;
                break;
            }
            json_array_append_new(rows,
                                  json_pack("{s:s,s:I,s:I,s:s}", "productLine", p[0], "units",
                                            units, "revenueMinor", revenue, "currency", p[3]));
        }
        if (!rc && !(rc = resolve_lines(cli, rows, "sales", "--sales"))) {
            json_object_set(req, "sales", rows);
            section_once(sections, "sales_by_line");
        }
        json_decref(rows);
    }
    if (!rc && nstock) {
        json_t *rows = json_array();
        for (int i = 0; !rc && i < nstock; i++) {
            char buf[512], *p[2];
            json_int_t units;
            if (split_colons(stock[i], buf, sizeof buf, p, 2) != 2 || !whole(p[1], &units)) {
                fprintf(stderr,
                        "liaison: --inventory '%s': LINE:UNITS_ON_HAND, a whole number of 0 or "
                        "more (BRK:300)\n",
                        stock[i]);
                rc = EXIT_USAGE;
                break;
            }
            json_array_append_new(
                rows, json_pack("{s:s,s:I}", "productLine", p[0], "unitsOnHand", units));
        }
        if (!rc && !(rc = resolve_lines(cli, rows, "inventory", "--inventory"))) {
            json_object_set(req, "inventory", rows);
            section_once(sections, "inventory_on_hand");
        }
        json_decref(rows);
    }
    if (!rc && ncomp) {
        json_t *rows = json_array();
        for (int i = 0; !rc && i < ncomp; i++) {
            /* Two colons split off competitor and line; the activity keeps any others. */
            const char *c1 = strchr(comp[i], ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
            if (!c2 || c1 == comp[i] || !c2[1]) {
                fprintf(stderr,
                        "liaison: --competition '%s': COMPETITOR:LINE:ACTIVITY, LINE may be "
                        "empty (\"Phanh Việt:BRK:giảm giá 10%%\", \"Phanh Việt::khuyến mãi\")\n",
                        comp[i]);
                rc = EXIT_USAGE;
                break;
            }
            json_t *row = json_pack("{s:s%,s:s}", "competitor", comp[i], (size_t)(c1 - comp[i]),
                                    "activity", c2 + 1);
            if (c2 > c1 + 1)
                json_object_set_new(row, "productLine",
                                    json_stringn(c1 + 1, (size_t)(c2 - c1 - 1)));
            json_array_append_new(rows, row);
        }
        if (!rc && !(rc = resolve_lines(cli, rows, "competition", "--competition"))) {
            json_object_set(req, "competition", rows);
            section_once(sections, "competitive_activity");
        }
        json_decref(rows);
    }
    if (!rc && mi) {
        json_object_set_new(req, "marketIntelligence", json_string(mi));
        section_once(sections, "market_intelligence");
    }
    if (!rc && none)
        rc = nothing_to_report(req, none, sections);
    if (rc) {
        json_decref(req);
        json_decref(sections);
        json_decref(from_file);
        return rc;
    }
    json_object_set_new(req, "sections", sections);
    rc = report_save_call(cli, req, from_file);
    json_decref(from_file);
    return rc;
}

static int report_open(struct cli *cli, int argc, char **argv)
{
    const char *dist = NULL;
    const struct cli_opt opts[] = {{"distributor", &dist, NULL, false,
                                    "whose report (a distributor user: its own)", "distributorId"},
                                   {0}};
    const struct cli_command_spec spec = {
        "report open PERIOD [--distributor D]",
        "Opens the monthly report for a month (YYYY-MM) that has begun in the distributor's "
        "time zone: the first opening makes the draft, due on the due day of the charter "
        "version in force when the month ended, of the month after (a month that ended before "
        "a charter was first activated: no earlier than the first due day from the "
        "activation; the month the relationship began in or an earlier one: no earlier than "
        "the first due day from its opening), its pipeline filled from the distributor's open "
        "leads; opening again shows the same report.",
        opts, 1, "report open 2026-11 --distributor \"Saigon Auto Parts\""};
    const char *period = NULL;
    int rc = cli_args_parse(&spec, argc, argv, &period, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t d = 0;
    if (dist && (rc = cli_resolve(cli, CLI_DISTRIBUTOR, dist, 0, &d)))
        return rc;
    return report_answer(cli, "OpenReport",
                         json_pack("{s:I,s:s}", "distributorId", d, "period", period));
}

/* A command of one report id: show or submit. */
static int report_by_id(struct cli *cli, int argc, char **argv, const char *usage,
                        const char *summary, const char *example, const char *method)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {usage, summary, opts, 1, example};
    json_int_t v;
    int rc = cli_args_id(&spec, argc, argv, &v);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    return report_answer(cli, method, json_pack("{s:I}", "id", v));
}

static int report_show(struct cli *cli, int argc, char **argv)
{
    return report_by_id(cli, argc, argv, "report show ID",
                        "Shows a report with its sections ('--json' prints what 'report save "
                        "--file' takes).",
                        "report show 7", "GetReport");
}

/* The option that fills each section, in the order of sections_named, and what it is. */
static const struct {
    const char *option, *note;
} section_fill[NSECTIONS] = {{"--sales LINE:UNITS:REVENUE:CUR", ""},
                             {"--inventory LINE:UNITS", ""},
                             {"--file F", " (a report file with a \"pipeline\" list)"},
                             {"--market-intelligence TEXT", ""},
                             {"--competition COMPETITOR:LINE:ACTIVITY", ""}};

/* After a refusal naming empty sections: how to fill each, or declare it empty. */
static void submit_hints(const char *message, json_int_t id)
{
    for (size_t i = 0; i < NSECTIONS; i++)
        if (strstr(message, sections_named[i].wire))
            fprintf(stderr,
                    "liaison: %s: fill it with 'liaison report save %lld %s'%s, or declare it "
                    "empty with 'liaison report save %lld --nothing-to-report %s'\n",
                    sections_named[i].wire, (long long)id, section_fill[i].option,
                    section_fill[i].note, (long long)id, sections_named[i].word);
}

static int report_submit(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {
        "report submit ID",
        "Submits a draft. Every section the charter requires must hold something, or be "
        "declared empty ('report save ID --nothing-to-report SECTIONS'); after the due day it "
        "is marked late.",
        opts, 1, "report submit 7"};
    json_int_t v;
    int rc = cli_args_id(&spec, argc, argv, &v);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    /*
     * Sent again after a lost answer, or by a colleague first: no failure to retry, with
     * --json too (a script was told exit 5 where a person was told all is well; a try-out).
     */
    rc = report_move(cli, "SubmitReport", json_pack("{s:I}", "id", v), v, "submitted", "");
    /* The refusal names the sections as the server does (inventory_on_hand): say, for each,
     * what fills it and the word that declares it empty (a try-out). */
    if (rc == EXIT_USAGE && !cli->set.json && cli->conn &&
        strstr(liaison_error(cli->conn), "the charter requires the section"))
        submit_hints(liaison_error(cli->conn), v);
    return rc;
}

/* review and reopen: an id and a comment. */
static int report_comment(struct cli *cli, int argc, char **argv, bool reopen)
{
    const char *comment = "";
    const struct cli_opt opts[] = {
        {"comment", &comment, NULL, reopen,
         reopen ? "why it goes back to the distributor" : "the reviewer's comments"},
        {0}};
    const struct cli_command_spec review = {
        "report review ID [--comment TEXT]",
        "Reviews a submitted report (exporter staff): it is final from then on, so a month's "
        "report is reviewed once that month is over in the distributor's time zone.",
        opts, 1, "report review 7 --comment \"Tồn kho phanh thấp, cần đặt thêm\""};
    const struct cli_command_spec back = {
        "report reopen ID --comment TEXT",
        "Returns a submitted report to draft (exporter staff), saying why; the distributor "
        "saves and submits it again.",
        opts, 1, "report reopen 7 --comment \"Thiếu doanh số dòng FLT\""};
    const char *id = NULL;
    int rc = cli_args_parse(reopen ? &back : &review, argc, argv, &id, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t v;
    if ((rc = cli_parse_id(id, &v)))
        return rc;
    /* A review retried after a lost answer failed, exit 5, where a submit says nothing changed
     * (a try-out). A reopen's retry finds a draft, which may never have been submitted. */
    json_t *req = json_pack("{s:I,s:s}", "id", v, "comment", comment);
    if (reopen)
        return report_answer(cli, "ReopenReport", req);
    return report_move(cli, "ReviewReport", req, v, "reviewed", ", its review comment neither");
}

static int report_review(struct cli *cli, int argc, char **argv)
{
    return report_comment(cli, argc, argv, false);
}

static int report_reopen(struct cli *cli, int argc, char **argv)
{
    return report_comment(cli, argc, argv, true);
}

static int report_list(struct cli *cli, int argc, char **argv)
{
    const char *dist = NULL, *from = "", *to = "", *status = "";
    struct cli_paging page = {0};
    const struct cli_opt opts[] = {
        {"distributor", &dist, NULL, false, "only this distributor's", "distributorId"},
        {"from", &from, NULL, false, "periods from this month (YYYY-MM)", "periodFrom"},
        {"to", &to, NULL, false, "periods up to this month (YYYY-MM)", "periodTo"},
        {"status", &status, NULL, false, "draft, submitted, reviewed"},
        CLI_PAGING_OPTS(page),
        {0}};
    const struct cli_command_spec spec = {
        "report list [--distributor D] [--from YYYY-MM] [--to YYYY-MM] [--status S] [--all]",
        "Lists the monthly reports you reach, month by month.", opts, 0,
        "report list --status submitted --from 2027-01"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if ((rc = cli_check_period_range(cli, "periodTo", *from ? from : NULL, *to ? to : NULL)))
        return rc;
    json_int_t d = 0;
    if (dist && (rc = cli_resolve(cli, CLI_DISTRIBUTOR, dist, 0, &d)))
        return rc;
    return cli_list(cli, "ListReports",
                    json_pack("{s:I,s:s,s:s,s:o}", "distributorId", d, "periodFrom", from,
                              "periodTo", to, "status", cli_enum_string(status)),
                    "reports", report_cols, REPORT_LIST_COLS, &page);
}

static const struct output_column owed_cols[] = {{"DISTRIBUTOR ID", "distributorId"},
                                                 {"DISTRIBUTOR", "distributorName"},
                                                 {"PERIOD", "period"},
                                                 {"DUE", "dueOn"},
                                                 {"OVERDUE", "overdue", OUTPUT_BOOL},
                                                 {"DRAFT", "reportId"}};

static int report_owed(struct cli *cli, int argc, char **argv)
{
    const char *dist = NULL;
    struct cli_paging page = {0};
    const struct cli_opt opts[] = {
        {"distributor", &dist, NULL, false, "only this distributor's", "distributorId"},
        CLI_PAGING_OPTS(page),
        {0}};
    const struct cli_command_spec spec = {
        "report owed [--distributor D] [--all]",
        "Lists the monthly reports owed, oldest due first: each month over since a\n"
        "relationship began whose report is not submitted, none opened or still a draft\n"
        "(DRAFT: its id), and a draft opened for an earlier month, for the distributors\n"
        "with an active charter you reach.\n"
        "'report list' lists the reports opened.",
        opts, 0, "report owed --distributor \"Saigon Auto Parts\""};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t d = 0;
    if (dist && (rc = cli_resolve(cli, CLI_DISTRIBUTOR, dist, 0, &d)))
        return rc;
    return cli_list(cli, "ListReportsOwed", json_pack("{s:I}", "distributorId", d), "reports",
                    owed_cols, NCOLS(owed_cols), &page);
}

int cmd_report(struct cli *cli, int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"open", report_open, "open (or make) a month's report"},
        {"show", report_show, "show a report and its sections"},
        {"save", report_save, "save sections of a draft"},
        {"submit", report_submit, "submit a draft"},
        {"review", report_review, "review a submitted report (exporter)"},
        {"reopen", report_reopen, "return a submitted report to draft (exporter)"},
        {"list", report_list, "list reports"},
        {"owed", report_owed, "list the months whose report is not submitted"},
        {NULL, NULL, NULL}};
    return cli_subcommand("report", subs, argc, argv, cli);
}

/* ---------- targets ---------- */

/*
 * A target's columns, with a figure not set as "-": a Target carries
 * no "has" flags as an attainment row does, but a units target is at least
 * 1 when set (SetTarget, a plan's goal), so 0 is "none", and a revenue
 * target has its currency exactly when set. UNITS 0 read as a target of
 * nothing. The distributor by name: a list of several read as ids (a try-out).
 */
static const struct output_column target_cols[] = {{"ID", "id"},
                                                   {"DISTRIBUTOR", "distributorName"},
                                                   {"LINE", "productLineCode"},
                                                   {"PERIOD", "period"},
                                                   {"UNITS", "unitsCell"},
                                                   {"REVENUE (minor units)", "revenueCell"},
                                                   {"CURRENCY", "currency"},
                                                   {"PLAN", "planId"},
                                                   {"SET BY", "setBy"}};

/* A target's set figures as its cells (a mapper of rows); one not set stays out. */
static void target_cells(json_t *row)
{
    json_t *units = json_object_get(row, "units");
    const char *currency = json_string_value(json_object_get(row, "currency"));
    /* proto3 JSON gives a uint64 as a string, and leaves 0 out. */
    if (units && !(json_is_string(units) && !strcmp(json_string_value(units), "0")) &&
        !(json_is_integer(units) && json_integer_value(units) == 0))
        json_object_set(row, "unitsCell", units);
    if (currency && currency[0]) {
        json_t *revenue = json_object_get(row, "revenueMinor");
        json_object_set_new(row, "revenueCell", revenue ? json_incref(revenue) : json_string("0"));
    }
}

/* Calls method and prints the target it answers as target_cols (scripts, --json, get it as is). */
static int target_show(struct cli *cli, const char *method, json_t *req)
{
    json_t *resp;
    int rc = cli_call(cli, method, req, &resp);
    if (rc != EXIT_OK)
        return rc;
    json_t *target = json_object_get(resp, "target");
    if (!cli->set.json && json_is_object(target))
        target_cells(target);
    cli_print_object(cli, target_cols, NCOLS(target_cols), target);
    json_decref(resp);
    return EXIT_OK;
}

/*
 * What the target of distributor d, line l and period already has for what
 * set does not give: its units into *u when keep_units, its revenue into
 * *m when keep_revenue, its currency when keep_currency. Returns an exit
 * code.
 */
static int target_kept(struct cli *cli, json_int_t d, json_int_t l, const char *period,
                       bool keep_units, bool keep_revenue, bool keep_currency, json_int_t *u,
                       json_int_t *m, char *currency, size_t cap)
{
    json_t *q = json_pack("{s:I,s:I,s:s,s:s}", "distributorId", d, "productLineId", l, "periodFrom",
                          period, "periodTo", period);
    char *req = q ? json_dumps(q, JSON_COMPACT) : NULL, *out = NULL;
    json_decref(q);
    int rc = req ? cli_connect(cli) : EXIT_ERROR;
    if (rc != EXIT_OK) {
        free(req);
        return rc;
    }
    rc = liaison_call_json(cli->conn, "ListTargets", req, &out);
    free(req);
    /* A period it refuses, SetTarget refuses too, naming PERIOD rather than periodFrom. */
    if (rc == LIAISON_INVALID_ARGUMENT) {
        liaison_string_free(out);
        return EXIT_OK;
    }
    if (rc != LIAISON_OK) {
        cli_print_error(cli, rc, out);
        liaison_string_free(out);
        return cli_exit_code(cli, rc);
    }
    json_t *resp = json_loads(out, 0, NULL);
    liaison_string_free(out);
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(resp, "targets"), i, t)
    {
        const char *its = json_string_value(json_object_get(t, "period"));
        if (!its || strcmp(its, period))
            continue;
        if (keep_units)
            *u = cli_json_id(json_object_get(t, "units"));
        if (keep_revenue)
            *m = cli_json_id(json_object_get(t, "revenueMinor"));
        const char *c = json_string_value(json_object_get(t, "currency"));
        if (keep_currency && c && *m)
            snprintf(currency, cap, "%s", c);
    }
    json_decref(resp);
    return EXIT_OK;
}

static int target_set(struct cli *cli, int argc, char **argv)
{
    const char *units = NULL, *revenue = NULL, *currency = NULL;
    bool no_units = false, no_revenue = false;
    const struct cli_opt opts[] = {
        {"units", &units, NULL, false, "the units target"},
        {"revenue", &revenue, NULL, false, "the revenue target in minor units", "revenueMinor"},
        {"currency", &currency, NULL, false, "ISO 4217 code of the revenue target"},
        {"no-units", NULL, &no_units, false, "the target has no units target from now"},
        {"no-revenue", NULL, &no_revenue, false, "the target has no revenue target from now"},
        {0}};
    const struct cli_command_spec spec = {
        "target set DISTRIBUTOR LINE PERIOD [--units N | --no-units]\n"
        "       [--revenue MINOR --currency CUR | --no-revenue]",
        "Sets the target of a distributor for a product line and a period: YYYY-MM, YYYY-Qn or\n"
        "YYYY (exporter staff). Set again, it changes what is given and keeps the rest: --units\n"
        "alone keeps the revenue target, --revenue alone its currency (a new --currency\n"
        "comes with its --revenue); --no-units or --no-revenue takes one away. A target\n"
        "from a joint business plan changes only with the plan.",
        opts, 3,
        "target set \"Saigon Auto Parts\" BRK 2027-Q1 --units 400 --revenue 500000000 "
        "--currency VND"};
    const char *args[3] = {NULL, NULL, NULL};
    int rc = cli_args_parse(&spec, argc, argv, args, 3);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if ((units && no_units) || ((revenue || currency) && no_revenue)) {
        fprintf(stderr, "liaison: %s: give a value or take it away, not both\n",
                no_units && units ? "--units and --no-units"
                : revenue         ? "--revenue and --no-revenue"
                                  : "--currency and --no-revenue");
        return EXIT_USAGE;
    }
    /* 2027-q1 as 2027-Q1: the server takes the capital only. Longer is no period at all. */
    char period[16];
    if (strlen(args[2]) >= sizeof period) {
        cli_fail_option(cli, "PERIOD", "period", "a period: YYYY-MM, YYYY-Qn or YYYY");
        return EXIT_USAGE;
    }
    size_t n = 0;
    for (; args[2][n]; n++)
        period[n] = (char)toupper((unsigned char)args[2][n]);
    period[n] = '\0';
    json_int_t d, l, u = 0, m = 0;
    char kept_currency[8] = "";
    /* A units target of 0 is none (the API's 0): "from 0" was said here, and 0 alone refused. */
    if ((units && (rc = cli_parse_range("--units", units, 1, CLI_MAX_AMOUNT, &u))) ||
        (revenue && (rc = cli_parse_minor("--revenue", revenue, CLI_MAX_AMOUNT, &m))))
        return rc;
    /* As with units, a revenue target of 0 is none: the server refuses it, so say it here. */
    if (revenue && m == 0) {
        fprintf(stderr,
                "liaison: --revenue must be a whole number from 1 to %ld (--no-revenue takes the "
                "revenue target away)\n",
                CLI_MAX_AMOUNT);
        return EXIT_USAGE;
    }
    if ((rc = cli_resolve(cli, CLI_DISTRIBUTOR, args[0], 0, &d)) ||
        (rc = cli_resolve(cli, CLI_PRODUCT_LINE, args[1], 0, &l)))
        return rc;
    /* Replaced whole, a target set again for its units lost its revenue target unsaid. */
    /* A new revenue alone keeps its currency, as a new currency alone keeps its revenue. */
    bool keep_units = !units && !no_units, keep_revenue = !revenue && !no_revenue,
         keep_currency = !currency && !no_revenue;
    /* A new currency alone is read against the one it replaces, below. */
    if ((keep_units || keep_revenue || keep_currency) &&
        (rc = target_kept(cli, d, l, period, keep_units, keep_revenue,
                          keep_currency || (currency && !revenue), &u, &m, kept_currency,
                          sizeof kept_currency)))
        return rc;
    /*
     * The same amount in another currency is another target: 700,000,000 VND
     * became US$7,000,000.00 unsaid (a try-out). The amount is given again.
     */
    if (currency && !revenue && m > 0 && kept_currency[0] &&
        strcasecmp(currency, kept_currency) != 0) {
        fprintf(stderr,
                "liaison: --currency %s alone would read the revenue target of %lld %s as %lld "
                "%s: give --revenue in %s with it\n",
                currency, (long long)m, kept_currency, (long long)m, currency, currency);
        return EXIT_USAGE;
    }
    /* The server's words name a field ("invalid --units", "invalid --currency") where what was
     * meant was the whole target, or a currency this target never had (a try-out). */
    if (u == 0 && m == 0 && (no_units || no_revenue)) {
        fprintf(stderr,
                "liaison: the target would have neither a units nor a revenue target left: to "
                "remove it, 'liaison target list --distributor %lld' gives its ID for 'liaison "
                "target delete ID'\n",
                (long long)d);
        return EXIT_USAGE;
    }
    if (m > 0 && !currency && !kept_currency[0]) {
        fprintf(stderr, "liaison: --revenue needs --currency (e.g. --currency VND): there is no "
                        "revenue target here whose currency it would keep\n");
        return EXIT_USAGE;
    }
    return target_show(cli, "SetTarget",
                       json_pack("{s:I,s:I,s:s,s:I,s:I,s:s}", "distributorId", d, "productLineId",
                                 l, "period", period, "units", u, "revenueMinor", m, "currency",
                                 currency ? currency : kept_currency));
}

static int target_list(struct cli *cli, int argc, char **argv)
{
    const char *dist = NULL, *line = NULL, *from = "", *to = "";
    struct cli_paging page = {0};
    const struct cli_opt opts[] = {
        {"distributor", &dist, NULL, false, "only this distributor's", "distributorId"},
        {"line", &line, NULL, false, "only this product line's", "productLineId"},
        {"from", &from, NULL, false, "periods starting from this period's first day", "periodFrom"},
        {"to", &to, NULL, false, "periods starting by this period's last day", "periodTo"},
        CLI_PAGING_OPTS(page),
        {0}};
    const struct cli_command_spec spec = {
        "target list [--distributor D] [--line L] [--from PERIOD] [--to PERIOD] [--all]",
        "Lists the targets you reach (a distributor user: its own).", opts, 0,
        "target list --distributor \"Saigon Auto Parts\" --from 2027"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    /* The server took a reversed range and listed nothing. */
    if ((rc = cli_check_period_range(cli, "periodTo", *from ? from : NULL, *to ? to : NULL)))
        return rc;
    json_int_t d = 0, l = 0;
    if ((dist && (rc = cli_resolve(cli, CLI_DISTRIBUTOR, dist, 0, &d))) ||
        (line && (rc = cli_resolve(cli, CLI_PRODUCT_LINE, line, 0, &l))))
        return rc;
    /* Scripts (--json) read the target as the server gave it. */
    return cli_list_mapped(cli, "ListTargets",
                           json_pack("{s:I,s:I,s:s,s:s}", "distributorId", d, "productLineId", l,
                                     "periodFrom", from, "periodTo", to),
                           "targets", target_cols, NCOLS(target_cols), &page,
                           cli->set.json ? NULL : target_cells);
}

static int target_delete(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {
        "target delete ID",
        "Removes a target (exporter staff); one from a joint business plan changes only with "
        "the plan.",
        opts, 1, "target delete 12"};
    json_int_t v;
    int rc = cli_args_id(&spec, argc, argv, &v);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_t *resp;
    if ((rc = cli_call(cli, "DeleteTarget", json_pack("{s:I}", "id", v), &resp)))
        return rc;
    /* Its fields alone read as a 'target show' (a try-out): said as a deletion first, as
     * 'admin tenant delete' says it, then what was deleted. --json keeps the target as it was. */
    json_t *target = json_object_get(resp, "target");
    if (!cli->set.json && !cli->set.ids)
        printf("deleted target %lld; it was:\n", (long long)v);
    if (!cli->set.json && json_is_object(target))
        target_cells(target);
    cli_print_object(cli, target_cols, NCOLS(target_cols), target);
    json_decref(resp);
    return EXIT_OK;
}

int cmd_target(struct cli *cli, int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {{"set", target_set, "set a target"},
                                                 {"list", target_list, "list targets"},
                                                 {"delete", target_delete, "remove a target"},
                                                 {NULL, NULL, NULL}};
    return cli_subcommand("target", subs, argc, argv, cli);
}

/* ---------- attainment ---------- */

/* n hundredths ("1234") as "12.34" in a new JSON string. */
static json_t *centi(json_int_t n)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld.%02lld", (long long)(n / 100), (long long)(n % 100));
    return json_string(buf);
}

static json_int_t json_whole(const json_t *v)
{
    return json_is_string(v) ? strtoll(json_string_value(v), NULL, 10) : json_integer_value(v);
}

/*
 * The row's currency and, marked "+CODE", the others its sales were also reported in, which
 * REVENUE leaves out; false when there are none. A revenue percentage with nothing in the
 * target's own currency would read 0 %: it is "n/a" then (the server's health does not judge it
 * either, docs/health.md).
 */
static bool currency_cell(json_t *row)
{
    const json_t *others = json_object_get(row, "uncountedCurrencies");
    const char *cur = json_string_value(json_object_get(row, "currency"));
    char buf[128];
    size_t len = (size_t)snprintf(buf, sizeof buf, "%s", cur ? cur : "");
    size_t i;
    const json_t *code;
    json_array_foreach(others, i, code)
    {
        if (len < sizeof buf)
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%s+%s", len ? " " : "",
                                    json_string_value(code));
    }
    /* No currency at all (nothing sold, no revenue target) is "-", as every empty cell. */
    if (len)
        json_object_set_new(row, "currencyCell", json_string(buf));
    if (!json_array_size(others))
        return false;
    if (json_is_true(json_object_get(row, "hasRevenueTarget")) &&
        json_whole(json_object_get(row, "actualRevenueMinor")) == 0)
        json_object_set_new(row, "revenuePercent", json_string("n/a"));
    return true;
}

/*
 * Adds the table's readable columns to a row: targets and figures only where known, percentages,
 * turns, cover, the commitment. True when the row has revenue in currencies not counted.
 */
static bool attainment_cells(json_t *row)
{
    /* A period without a submitted report read UNITS 0 and REVENUE 0, as if nothing had sold
     * (a try-out): nothing reported shows "-", and so does its attainment. */
    bool reported = !json_is_true(json_object_get(row, "nothingReported"));
    if (reported) {
        json_object_set_new(row, "actualUnitsCell",
                            json_integer(json_whole(json_object_get(row, "actualUnits"))));
        json_object_set_new(row, "actualRevenueCell",
                            json_integer(json_whole(json_object_get(row, "actualRevenueMinor"))));
    }
    if (json_is_true(json_object_get(row, "hasUnitsTarget"))) {
        json_object_set_new(row, "targetUnitsCell",
                            json_integer(json_whole(json_object_get(row, "targetUnits"))));
        if (reported)
            json_object_set_new(row, "unitsPercent",
                                centi(json_whole(json_object_get(row, "unitsAttainmentBp"))));
    }
    if (json_is_true(json_object_get(row, "hasRevenueTarget"))) {
        json_object_set_new(row, "targetRevenueCell",
                            json_integer(json_whole(json_object_get(row, "targetRevenueMinor"))));
        if (reported)
            json_object_set_new(row, "revenuePercent",
                                centi(json_whole(json_object_get(row, "revenueAttainmentBp"))));
    }
    if (json_is_true(json_object_get(row, "hasOnHand")))
        json_object_set_new(row, "onHand",
                            json_integer(json_whole(json_object_get(row, "unitsOnHand"))));
    if (json_is_true(json_object_get(row, "hasTurns")))
        json_object_set_new(row, "turns",
                            centi(json_whole(json_object_get(row, "inventoryTurnsCenti"))));
    if (json_is_true(json_object_get(row, "hasWeeksOfCover")))
        json_object_set_new(row, "weeksOfCover",
                            centi(json_whole(json_object_get(row, "weeksOfCoverCenti"))));
    const char *unit = json_string_value(json_object_get(row, "bufferUnit"));
    if (unit) {
        char buf[64];
        snprintf(buf, sizeof buf, "%lld %s",
                 (long long)json_whole(json_object_get(row, "bufferAmount")), unit);
        json_object_set_new(row, "commitment", json_string(buf));
    }
    /*
     * The server counts stock never reported as none once a period is over: say so rather
     * than a bare "yes". Before (a period in progress, or before the relationship) it is not
     * judged, which read "no", as if the stock were known to be enough (a try-out).
     */
    bool below = json_is_true(json_object_get(row, "belowCommitment"));
    bool known = json_is_true(json_object_get(row, "hasOnHand"));
    json_object_set_new(row, "belowCell",
                        json_string(below   ? (known ? "yes" : "yes: no stock reported")
                                    : known ? "no"
                                            : "-"));
    return currency_cell(row);
}

int cmd_attainment(struct cli *cli, int argc, char **argv)
{
    const char *from = "", *to = NULL, *last = NULL;
    const struct cli_opt opts[] = {
        {"from", &from, NULL, false, "the first period (YYYY-MM, YYYY-Qn or YYYY)"},
        {"to", &to, NULL, true, "the last period, of the same kind"},
        {"last", &last, NULL, false,
         "the trend: this many periods (1-24) ending with --to (default without --from: 6)"},
        {0}};
    const struct cli_command_spec spec = {
        "attainment DISTRIBUTOR --to PERIOD [--from PERIOD | --last N]",
        "Attainment per product line and period against the targets, from submitted and "
        "reviewed reports (a quarter or year sums its months), with inventory turns (12 "
        "months' units sold / average on hand) and weeks of cover (on hand / average weekly "
        "units sold in the months reported among the last 3) at each period's end, checked "
        "against the charter's "
        "buffer-stock commitment. REVENUE counts sales in the target's currency (without a "
        "revenue target, the one the line's sales mostly use); a line's sales also reported in "
        "other currencies are marked +CODE in CUR and not counted, and a revenue target with "
        "no sales in its own currency reads n/a. A distributor user gives '-' for its own.",
        opts, 1, "attainment \"Saigon Auto Parts\" --last 6 --to 2027-06"};
    const char *dist = NULL;
    int rc = cli_args_parse(&spec, argc, argv, &dist, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t d = 0, n = 0;
    if ((last && (rc = cli_parse_range("--last", last, 1, 24, &n))) ||
        (rc = cli_check_period_range(cli, "to", *from ? from : NULL, to)))
        return rc;
    if (strcmp(dist, "-") && (rc = cli_resolve(cli, CLI_DISTRIBUTOR, dist, 0, &d)))
        return rc;
    json_t *resp;
    rc = cli_call(
        cli, "GetAttainment",
        json_pack("{s:I,s:s,s:s,s:I}", "distributorId", d, "from", from, "to", to, "last", n),
        &resp);
    if (rc != EXIT_OK)
        return rc;
    json_t *rows = json_object_get(resp, "rows");
    if (!rows) {
        rows = json_array();
        json_object_set_new(resp, "rows", rows);
    }
    bool uncounted = false;
    if (!cli->set.json) {
        size_t i;
        json_t *row;
        json_array_foreach(rows, i, row)
        {
            if (attainment_cells(row))
                uncounted = true;
        }
    }
    cli_print_rows(cli, attainment_cols, NCOLS(attainment_cols), rows);
    if (uncounted) {
        fflush(stdout);
        fprintf(stderr, "liaison: REVENUE counts sales in CUR only; those also reported in "
                        "another currency (+CODE) are not counted, as there is no exchange rate "
                        "to add them by\n");
    }
    json_decref(resp);
    return EXIT_OK;
}
