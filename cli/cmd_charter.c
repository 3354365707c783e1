/*
 * cmd_charter.c - 'liaison charter ...': the Distributor Relationship
 * Charter. A draft is built up (terms, grants, carve-outs, commitments,
 * declared competing lines), checked against other distributors'
 * territory, and activated; an active charter is amended with a new draft.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct output_column grant_cols[] = {{"ID", "id"},
                                                  {"REGION", "region"},
                                                  {"ALL LINES", "allLines", OUTPUT_BOOL},
                                                  {"LINES", "productLineCodes"},
                                                  {"EXCLUSIVE", "exclusive", OUTPUT_BOOL},
                                                  {"FROM", "startsOn"},
                                                  {"TO", "endsOn"}};
static const struct output_column carve_cols[] = {
    {"ID", "id"}, {"ACCOUNT", "accountName"}, {"REGION", "region"}, {"NOTE", "note"}};
static const struct output_column commit_cols[] = {{"ID", "id"},
                                                   {"LINE", "productLineCode"},
                                                   {"MOQ", "moq"},
                                                   {"BUFFER", "bufferAmount"},
                                                   {"UNIT", "bufferUnit"},
                                                   {"FINANCING", "financing"},
                                                   {"TERMS (days)", "paymentTermsDays"}};
static const struct output_column competing_cols[] = {
    {"ID", "id"}, {"COMPETITOR", "competitor"}, {"LINE", "line"}};
static const struct output_column head_cols[] = {
    {"charter", "id"},
    {"distributor", "distributorId"},
    {"version", "version"},
    {"status", "status"},
    {"full coverage", "fullCoverage", OUTPUT_BOOL},
    {"covered lines", "coveredLineCodes"},
    {"competing allowed", "competingAllowed", OUTPUT_BOOL},
    {"report due day", "reportDueDay"},
    {"report sections", "reportSections"},
    {"signatories", "signatories"},
    {"signed on", "signedOn"},
    {"created by", "createdBy"},
    {"created at", "createdAt"},
    {"activated by", "activatedBy"},
    {"activated at", "activatedAt"}};
static const struct output_column conflict_cols[] = {{"GRANT", "grantId"},
                                                     {"REGION", "region"},
                                                     {"OTHER DISTRIBUTOR", "otherDistributor"},
                                                     {"VERSION", "otherVersion"},
                                                     {"THEIR REGION", "otherRegion"},
                                                     {"EXCLUSIVE", "otherExclusive", OUTPUT_BOOL},
                                                     {"LINES", "otherLines"},
                                                     {"FROM", "otherStartsOn"},
                                                     {"TO", "otherEndsOn"}};

static void print_section(const char *title, json_t *rows, const struct output_column *cols,
                          int ncols)
{
    if (!json_array_size(rows))
        return;
    printf("\n%s\n", title);
    output_table(cols, ncols, rows);
}

/* Prints a charter as the output format asks. */
static void charter_print(struct cli *cli, json_t *c)
{
    if (cli->set.json || cli->set.ids) {
        cli_print_object(cli, head_cols, 15, c);
    } else {
        output_fields(head_cols, 15, c);
        print_section("GRANTS", json_object_get(c, "grants"), grant_cols, 7);
        print_section("CARVE-OUTS", json_object_get(c, "carveOuts"), carve_cols, 4);
        print_section("INVENTORY COMMITMENTS", json_object_get(c, "commitments"), commit_cols, 7);
        print_section("DECLARED COMPETING LINES", json_object_get(c, "competingLines"),
                      competing_cols, 3);
    }
}

/* Calls method and prints the charter it answers with. */
static int charter_call(struct cli *cli, const char *method, json_t *req)
{
    json_t *resp;
    int rc = cli_call(cli, method, req, &resp);
    if (rc != EXIT_OK)
        return rc;
    charter_print(cli, json_object_get(resp, "charter"));
    json_decref(resp);
    return EXIT_OK;
}

/*
 * Calls method, which adds or changes an item of the charter under items,
 * and prints the charter it answers with; with --output ids, the item's id,
 * for the commands that take it ('charter ungrant', 'charter grant update'):
 * the one whose key equals value, or with key NULL the newest (ids only
 * grow, so the one just added has the highest).
 */
static int charter_item_call(struct cli *cli, const char *method, json_t *req, const char *items,
                             const char *key, json_int_t value)
{
    if (!cli->set.ids)
        return charter_call(cli, method, req);
    json_t *resp;
    int rc = cli_call(cli, method, req, &resp);
    if (rc != EXIT_OK)
        return rc;
    json_int_t found = 0;
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(json_object_get(resp, "charter"), items), i, item)
    {
        json_int_t id = cli_json_id(json_object_get(item, "id"));
        if (key ? cli_json_id(json_object_get(item, key)) == value : id > found)
            found = id;
    }
    if (found)
        printf("%lld\n", (long long)found);
    json_decref(resp);
    return EXIT_OK;
}

/* A charter version found: its id, its distributor's and its number. */
struct charter_ref {
    json_int_t id, distributor, version;
};

/*
 * The charter a command acts on: distributor's (an id or a name) version
 * number version, or with version 0 its draft. Returns 0, or an exit code
 * after saying why (EXIT_NOT_FOUND when there is no such version). No draft
 * is said as no_draft when given (a command that only reads it), else as a
 * draft to start, or to a reader as a draft not theirs to start.
 */
static int charter_find(struct cli *cli, const char *distributor, json_int_t version,
                        struct charter_ref *ref, const char *no_draft)
{
    json_int_t d;
    int rc = cli_resolve(cli, CLI_DISTRIBUTOR, distributor, 0, &d);
    if (rc)
        return rc;
    json_t *resp;
    rc = cli_call(cli, "ListCharterVersions",
                  json_pack("{s:I,s:{s:i}}", "distributorId", d, "page", "pageSize", 500), &resp);
    if (rc)
        return rc;
    size_t i;
    json_t *v;
    rc = EXIT_NOT_FOUND;
    json_array_foreach(json_object_get(resp, "versions"), i, v)
    {
        const char *status = json_string_value(json_object_get(v, "status"));
        if (version ? cli_json_id(json_object_get(v, "version")) == version
                    : status && !strcmp(status, "draft")) {
            ref->id = cli_json_id(json_object_get(v, "id"));
            ref->distributor = d;
            ref->version = cli_json_id(json_object_get(v, "version"));
            rc = EXIT_OK;
            break;
        }
    }
    json_decref(resp);
    if (rc == EXIT_OK)
        return rc;
    char msg[512];
    if (version) {
        snprintf(msg, sizeof msg, "distributor %s has no charter version %lld", distributor,
                 (long long)version);
        cli_fail(cli, "NOT_FOUND", msg);
        return rc;
    }
    if (no_draft) {
        snprintf(msg, sizeof msg, "distributor %s has no draft charter: %s", distributor, no_draft);
        cli_fail(cli, "NOT_FOUND", msg);
        return rc;
    }
    /* Only staff draft: a distributor user or an auditor is told so, not to start a draft. */
    json_t *who;
    if ((rc = cli_call(cli, "WhoAmI", NULL, &who)))
        return rc;
    const char *role = json_string_value(json_object_get(json_object_get(who, "identity"), "role"));
    bool reader = role && (!strcmp(role, "ROLE_DISTRIBUTOR_USER") || !strcmp(role, "ROLE_AUDITOR"));
    if (reader)
        snprintf(msg, sizeof msg,
                 "%s reads charters; drafting and changing them is for the exporter's tenant "
                 "admins and managers",
                 !strcmp(role, "ROLE_AUDITOR") ? "an auditor" : "a distributor user");
    else
        snprintf(msg, sizeof msg,
                 "distributor %s has no draft charter: start one with 'liaison charter draft' "
                 "(or 'amend')",
                 distributor);
    json_decref(who);
    cli_fail(cli, reader ? "PERMISSION_DENIED" : "NOT_FOUND", msg);
    return reader ? EXIT_AUTH : EXIT_NOT_FOUND;
}

static int charter_of(struct cli *cli, const char *distributor, json_int_t version,
                      json_int_t *charter_id)
{
    struct charter_ref ref;
    int rc = charter_find(cli, distributor, version, &ref, NULL);
    if (!rc)
        *charter_id = ref.id;
    return rc;
}

/* Parses a command's one DISTRIBUTOR argument and finds its draft. */
static int draft_of(struct cli *cli, const struct cli_command_spec *spec, int argc, char **argv,
                    json_int_t *charter_id)
{
    const char *arg = NULL;
    int rc = cli_args_parse(spec, argc, argv, &arg, 1);
    if (rc)
        return rc < 0 ? -1 : rc;
    return charter_of(cli, arg, 0, charter_id);
}

/* 'draft' and 'amend' are one request: a first draft, or a copy of the active version. */
static int ch_draft(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec draft = {
        "charter draft DISTRIBUTOR",
        "Starts a draft charter for a distributor: version 1, or, when a version is\n"
        "active, an amendment that starts as a copy of it (same as 'charter amend').\n"
        "DISTRIBUTOR is its id or name; the other charter commands then work on this draft.",
        opts, 1, "charter draft \"Saigon Auto Parts\""};
    const struct cli_command_spec amend = {
        "charter amend DISTRIBUTOR",
        "Starts an amendment: a new draft version copied from the active charter (or,\n"
        "when it has expired, from the expired one). The active version stays in force\n"
        "until the amendment is activated; while a draft exists, another is refused\n"
        "(exit code 5) naming the draft's version, as is an amendment of a distributor\n"
        "that has no charter yet: its first is started with 'charter draft'.",
        opts, 1, "charter amend \"Saigon Auto Parts\""};
    const char *arg = NULL;
    int rc = cli_args_parse(strcmp(argv[0], "amend") ? &draft : &amend, argc, argv, &arg, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t d;
    if ((rc = cli_resolve(cli, CLI_DISTRIBUTOR, arg, 0, &d)))
        return rc;
    json_t *resp;
    if (!strcmp(argv[0], "amend")) {
        if ((rc = cli_call(cli, "ListCharterVersions",
                           json_pack("{s:I,s:{s:i}}", "distributorId", d, "page", "pageSize", 1),
                           &resp)))
            return rc;
        size_t n = json_array_size(json_object_get(resp, "versions"));
        json_decref(resp);
        if (!n) {
            char msg[512];
            snprintf(msg, sizeof msg,
                     "distributor %s has no charter to amend: start its first with 'liaison "
                     "charter draft'",
                     arg);
            cli_fail(cli, "FAILED_PRECONDITION", msg);
            return EXIT_CONFLICT;
        }
    }
    if ((rc = cli_call(cli, "CreateCharterDraft", json_pack("{s:I}", "distributorId", d), &resp)))
        return rc;
    json_t *c = json_object_get(resp, "charter");
    charter_print(cli, c);
    if (!cli->set.json && !cli->set.ids)
        /* "(charter 4)" was typed back as 'charter show 4', which takes a distributor: another
         * company's charter was shown (a try-out). The commands name the distributor. */
        printf("\ndraft version %lld started: 'liaison charter show %lld --draft' shows it\n",
               (long long)cli_json_id(json_object_get(c, "version")), (long long)d);
    json_decref(resp);
    return EXIT_OK;
}

/* A comma-separated option as a JSON array into req[key]; false after saying why. */
static bool terms_list(json_t *req, const char *key, const char *option, const char *list)
{
    json_t *a = cli_split(list, false);
    if (a && json_object_set_new(req, key, a) == 0)
        return true;
    fprintf(stderr, "liaison: --%s: comma-separated items, none empty\n", option);
    return false;
}

static int ch_terms(struct cli *cli, int argc, char **argv)
{
    static const char *const keys[] = {"fullCoverage", "coveredLineIds", "competingAllowed",
                                       "reportDueDay", "reportSections", "signatories",
                                       "signedOn"};
    const char *lines = NULL, *due = NULL, *sections = NULL, *signatories = NULL, *signed_on = NULL;
    bool full = false, competing = false, no_competing = false;
    const struct cli_opt opts[] = {
        {"lines", &lines, NULL, false, "covered product lines, codes or ids",
         "coveredLineIds fullCoverage"},
        {"full-coverage", NULL, &full, false, "every product line, those to come too"},
        {"competing-allowed", NULL, &competing, false, "may carry competitors' lines"},
        {"no-competing", NULL, &no_competing, false, "may not carry competitors' lines"},
        {"report-due-day", &due, NULL, false, "day of month the monthly report is due (1-28)"},
        {"sections", &sections, NULL, false, "required report sections, comma-separated (below)",
         "reportSections"},
        {"signatories", &signatories, NULL, false, "names, comma-separated (\"\": none)"},
        {"signed-on", &signed_on, NULL, false, "YYYY-MM-DD (\"\": not yet)"},
        {0}};
    const struct cli_command_spec spec = {
        "charter terms DISTRIBUTOR [--lines CODE,.. | --full-coverage]\n"
        "       [--competing-allowed | --no-competing] [--report-due-day N] [--sections S,..]\n"
        "       [--signatories N,..] [--signed-on DATE]",
        "Changes the draft's product coverage, competing-lines policy, reporting or\n"
        "signatories: those given; the others stay as they are. A first draft covers every\n"
        "line, allows no competing lines and wants every section by the 10th; an amendment\n"
        "starts from the version it amends. Report sections: sales_by_line,\n"
        "inventory_on_hand, pipeline, market_intelligence, competitive_activity.",
        opts, 1,
        "charter terms \"Saigon Auto Parts\" --lines BRK,FLT --report-due-day 5 --signatories "
        "\"K. Müller,Nguyễn Văn Minh\""};
    const char *dist = NULL;
    int rc = cli_args_parse(&spec, argc, argv, &dist, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if ((lines && full) || (competing && no_competing)) {
        fprintf(stderr, "liaison: %s: one or the other\n",
                full && lines ? "--lines and --full-coverage"
                              : "--competing-allowed and --no-competing");
        return EXIT_USAGE;
    }
    if (!lines && !full && !competing && !no_competing && !due && !sections && !signatories &&
        !signed_on) {
        fprintf(stderr, "liaison: nothing to change: give at least one of the options "
                        "(liaison charter terms --help)\n");
        return EXIT_USAGE;
    }
    /* "" would leave the monthly report nothing it must hold: every report complete. */
    if (sections && !sections[strspn(sections, " ,")]) {
        fprintf(stderr, "liaison: --sections: name at least one section the monthly report "
                        "must hold (liaison charter terms --help lists them)\n");
        return EXIT_USAGE;
    }
    json_int_t d = 0;
    if (signed_on && *signed_on &&
        (rc = cli_parse_day(cli, "--signed-on", "signedOn", signed_on, false)))
        return rc;
    if (due && (rc = cli_parse_range("--report-due-day", due, 1, 28, &d)))
        return rc;
    struct charter_ref ref;
    json_t *resp;
    if ((rc = cli_read_current(cli)) || (rc = charter_find(cli, dist, 0, &ref, NULL)) ||
        (rc = cli_call(
             cli, "GetCharter",
             json_pack("{s:I,s:I}", "distributorId", ref.distributor, "version", ref.version),
             &resp)))
        return rc;
    json_t *req = cli_pick(json_object_get(resp, "charter"), keys, sizeof keys / sizeof keys[0]);
    json_decref(resp);
    if (!req || json_object_set_new(req, "charterId", json_integer(ref.id)) != 0) {
        json_decref(req);
        fprintf(stderr, "liaison: out of memory\n");
        return EXIT_ERROR;
    }
    json_t *l = lines ? cli_resolve_list(cli, CLI_PRODUCT_LINE, lines, &rc) : NULL;
    if (lines && !l) {
        json_decref(req);
        return rc;
    }
    if (lines || full) {
        json_object_set_new(req, "fullCoverage", json_boolean(full));
        json_object_set_new(req, "coveredLineIds", l ? l : json_array());
    }
    if (competing || no_competing)
        json_object_set_new(req, "competingAllowed", json_boolean(competing));
    if (due)
        json_object_set_new(req, "reportDueDay", json_integer(d));
    if (signed_on)
        json_object_set_new(req, "signedOn", json_string(signed_on));
    if ((sections && !terms_list(req, "reportSections", "sections", sections)) ||
        (signatories && !terms_list(req, "signatories", "signatories", signatories))) {
        json_decref(req);
        return EXIT_USAGE;
    }
    return charter_call(cli, "SetCharterTerms", req);
}

/* An empty --lines was refused as "all lines, or at least one (not both)" (a try-out). */
static int grant_lines_given(const char *lines)
{
    if (!lines || *lines)
        return EXIT_OK;
    fprintf(stderr, "liaison: --lines is empty: list product lines (BRK,FLT), or leave it out "
                    "for every line\n");
    return EXIT_USAGE;
}

/*
 * The grant item of distributor's draft: a new reference to it, or NULL
 * with *rc set after saying why. 'charter grant update' starts from it.
 */
static json_t *draft_grant(struct cli *cli, const struct charter_ref *ref, const char *distributor,
                           json_int_t item, int *rc)
{
    json_t *resp;
    if ((*rc = cli_call(
             cli, "GetCharter",
             json_pack("{s:I,s:I}", "distributorId", ref->distributor, "version", ref->version),
             &resp)))
        return NULL;
    json_t *found = NULL, *g;
    size_t i;
    json_array_foreach(json_object_get(json_object_get(resp, "charter"), "grants"), i, g)
    {
        if (cli_json_id(json_object_get(g, "id")) == item)
            found = json_incref(g);
    }
    json_decref(resp);
    if (!found) {
        char msg[512];
        snprintf(
            msg, sizeof msg,
            "the draft (version %lld) has no grant %lld: 'liaison charter show \"%s\" --draft' "
            "lists its grants (an amendment's draft holds copies under new ids)",
            (long long)ref->version, (long long)item, distributor);
        cli_fail(cli, "NOT_FOUND", msg);
        *rc = EXIT_NOT_FOUND;
    }
    return found;
}

/*
 * 'grant update': the grant as it is, with what the options change. Only
 * what is given changes: shortening a grant with --to alone once made it
 * non-exclusive and for every line, the options left out taking their
 * defaults (a try-out).
 */
static int ch_grant_update(struct cli *cli, int argc, char **argv)
{
    const char *region = NULL, *lines = NULL, *from = NULL, *to = NULL;
    bool exclusive = false, not_exclusive = false, all_lines = false, open_ended = false;
    const struct cli_opt opts[] = {
        {"region", &region, NULL, false, "country (VN) or subdivision (VN-SG)"},
        {"lines", &lines, NULL, false, "product lines, codes or ids", "productLineIds allLines"},
        {"all-lines", NULL, &all_lines, false, "for every product line"},
        {"exclusive", NULL, &exclusive, false, "make it exclusive"},
        {"not-exclusive", NULL, &not_exclusive, false, "make it non-exclusive"},
        {"from", &from, NULL, false, "first day, YYYY-MM-DD", "startsOn"},
        {"to", &to, NULL, false, "last day, YYYY-MM-DD", "endsOn"},
        {"open-ended", NULL, &open_ended, false, "no last day"},
        {0}};
    const struct cli_command_spec spec = {
        "charter grant update DISTRIBUTOR GRANT_ID [--region R] [--lines CODE,.. | --all-lines]\n"
        "       [--exclusive | --not-exclusive] [--from DATE] [--to DATE | --open-ended]",
        "Changes a grant of the distributor's draft in place (it keeps its id): what an\n"
        "option gives changes, the rest stays as it is. 'charter show DISTRIBUTOR --draft'\n"
        "lists the draft's grants and their ids.",
        opts, 2, "charter grant update \"Saigon Auto Parts\" 7 --to 2027-06-30"};
    const char *args[2] = {NULL, NULL};
    int rc = cli_args_parse(&spec, argc, argv, args, 2);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if ((rc = grant_lines_given(lines)))
        return rc;
    const char *both = lines && all_lines           ? "--lines and --all-lines"
                       : exclusive && not_exclusive ? "--exclusive and --not-exclusive"
                       : to && open_ended           ? "--to and --open-ended"
                                                    : NULL;
    if (both) {
        fprintf(stderr, "liaison: %s say opposite things: give one\n", both);
        return EXIT_USAGE;
    }
    if (!region && !lines && !all_lines && !exclusive && !not_exclusive && !from && !to &&
        !open_ended) {
        fprintf(stderr, "liaison: nothing to change: give what changes (--region, --lines, "
                        "--all-lines, --exclusive, --not-exclusive, --from, --to, --open-ended)\n");
        return EXIT_USAGE;
    }
    json_int_t item;
    struct charter_ref ref;
    json_t *l = NULL, *grant;
    if ((rc = cli_parse_id(args[1], &item)) ||
        (from && (rc = cli_parse_day(cli, "--from", "grant.startsOn", from, false))) ||
        (to && (rc = cli_parse_day(cli, "--to", "grant.endsOn", to, false))) ||
        (from && to && (rc = cli_check_range(cli, "grant.endsOn", strcmp(from, to) > 0))) ||
        (rc = charter_find(cli, args[0], 0, &ref, NULL)) ||
        (lines && !(l = cli_resolve_list(cli, CLI_PRODUCT_LINE, lines, &rc))) ||
        !(grant = draft_grant(cli, &ref, args[0], item, &rc))) {
        json_decref(l);
        return rc;
    }
    json_object_del(grant, "id");
    json_object_del(grant, "productLineCodes");
    if (region)
        json_object_set_new(grant, "region", json_string(region));
    if (l) {
        json_object_set_new(grant, "allLines", json_false());
        json_object_set_new(grant, "productLineIds", l);
    } else if (all_lines) {
        json_object_set_new(grant, "allLines", json_true());
        json_object_set_new(grant, "productLineIds", json_array());
    }
    if (exclusive || not_exclusive)
        json_object_set_new(grant, "exclusive", json_boolean(exclusive));
    if (from)
        json_object_set_new(grant, "startsOn", json_string(from));
    if (to || open_ended)
        json_object_set_new(grant, "endsOn", json_string(to ? to : ""));
    /* A day moved past the other, kept one: the server named --to though --from was given. */
    const char *first = json_string_value(json_object_get(grant, "startsOn"));
    const char *last = json_string_value(json_object_get(grant, "endsOn"));
    if (first && last && last[0] && strcmp(last, first) < 0 && (!from || !to)) {
        if (from)
            fprintf(stderr,
                    "liaison: invalid --from: %s is after the grant's last day, %s: give --to "
                    "too, or --open-ended\n",
                    from, last);
        else
            fprintf(stderr,
                    "liaison: invalid --to: %s is before the grant's first day, %s: give --from "
                    "too\n",
                    to, first);
        json_decref(grant);
        return EXIT_USAGE;
    }
    return charter_item_call(
        cli, "UpdateCharterGrant",
        json_pack("{s:I,s:I,s:o}", "charterId", ref.id, "itemId", item, "grant", grant), "grants",
        "id", item);
}

/* 'grant' and 'grant add'; 'grant update' changes one. */
static int ch_grant(struct cli *cli, int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "update"))
        return ch_grant_update(cli, argc - 1, argv + 1);
    const char *region = NULL, *lines = NULL, *from = NULL, *to = NULL;
    bool exclusive = false;
    const struct cli_opt opts[] = {
        {"region", &region, NULL, true, "country (VN) or subdivision (VN-SG)"},
        {"lines", &lines, NULL, false, "product lines, codes or ids (default: all lines)",
         "productLineIds allLines"},
        {"exclusive", NULL, &exclusive, false, "an exclusive grant"},
        {"from", &from, NULL, true, "first day, YYYY-MM-DD", "startsOn"},
        {"to", &to, NULL, false, "last day, YYYY-MM-DD (default: open-ended)", "endsOn"},
        {0}};
    const struct cli_command_spec add = {
        "charter grant [add] DISTRIBUTOR --region R [--lines CODE,..] [--exclusive] --from DATE\n"
        "       [--to DATE]",
        "Adds a territory grant to the distributor's draft ('charter grant update' changes\n"
        "one).",
        opts, 1,
        "charter grant \"Saigon Auto Parts\" --region VN --lines BRK --exclusive --from "
        "2026-01-01"};
    if (argc > 1 && !strcmp(argv[1], "add")) {
        argc--;
        argv++;
    }
    const char *arg = NULL;
    int rc = cli_args_parse(&add, argc, argv, &arg, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if ((rc = grant_lines_given(lines)))
        return rc;
    json_int_t id;
    json_t *l;
    if ((rc = cli_parse_day(cli, "--from", "grant.startsOn", from, false)) ||
        (to && (rc = cli_parse_day(cli, "--to", "grant.endsOn", to, false))) ||
        (to && (rc = cli_check_range(cli, "grant.endsOn", strcmp(from, to) > 0))) ||
        (rc = charter_of(cli, arg, 0, &id)) ||
        !(l = cli_resolve_list(cli, CLI_PRODUCT_LINE, lines ? lines : "", &rc)))
        return rc;
    json_t *grant = json_pack("{s:s,s:b,s:o,s:b,s:s,s:s}", "region", region, "allLines",
                              lines == NULL, "productLineIds", l, "exclusive", exclusive,
                              "startsOn", from, "endsOn", to ? to : "");
    return charter_item_call(cli, "AddCharterGrant",
                             json_pack("{s:I,s:o}", "charterId", id, "grant", grant), "grants",
                             NULL, 0);
}

static int ch_ungrant(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {"charter ungrant DISTRIBUTOR GRANT_ID",
                                          "Removes a territory grant from the distributor's draft.",
                                          opts, 2, "charter ungrant \"Saigon Auto Parts\" 7"};
    const char *args[2] = {NULL, NULL};
    int rc = cli_args_parse(&spec, argc, argv, args, 2);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t c, g;
    if ((rc = cli_parse_id(args[1], &g)) || (rc = charter_of(cli, args[0], 0, &c)))
        return rc;
    return charter_call(cli, "RemoveCharterGrant",
                        json_pack("{s:I,s:I}", "charterId", c, "itemId", g));
}

static int ch_remove(struct cli *cli, int argc, char **argv)
{
    static const struct {
        const char *kind, *method;
    } kinds[] = {{"carve-out", "RemoveCarveOut"},
                 {"commitment", "RemoveCommitment"},
                 {"competing", "RemoveCompetingLine"}};
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {
        "charter remove DISTRIBUTOR carve-out|commitment|competing ID",
        "Removes a carve-out, an inventory commitment or a declared competing line from\n"
        "the distributor's draft, by the ID the draft lists ('charter show DISTRIBUTOR\n"
        "--version N' for draft version N; every edit of the draft prints it too). An\n"
        "amendment's draft holds copies of the active version's parts under new ids.\n"
        "A territory grant is removed with 'charter ungrant'.",
        opts, 3, "charter remove \"Saigon Auto Parts\" carve-out 4"};
    const char *args[3] = {NULL, NULL, NULL};
    int rc = cli_args_parse(&spec, argc, argv, args, 3);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    const char *method = NULL;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (!strcmp(args[1], kinds[i].kind))
            method = kinds[i].method;
    if (!method) {
        fprintf(stderr,
                "liaison: '%s' is not a part 'charter remove' takes: carve-out, commitment or "
                "competing\n",
                args[1]);
        return EXIT_USAGE;
    }
    json_int_t c, item;
    if ((rc = cli_parse_id(args[2], &item)) || (rc = charter_of(cli, args[0], 0, &c)))
        return rc;
    return charter_call(cli, method, json_pack("{s:I,s:I}", "charterId", c, "itemId", item));
}

static int ch_discard(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {
        "charter discard DISTRIBUTOR",
        "Gives up the distributor's draft (a first version or an amendment), parts and\n"
        "all, so that another may be started. The active version, if any, stays as it is;\n"
        "active and past versions are never removed.",
        opts, 1, "charter discard \"Saigon Auto Parts\""};
    json_int_t c;
    int rc = draft_of(cli, &spec, argc, argv, &c);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_t *resp;
    if ((rc = cli_call(cli, "DiscardCharterDraft", json_pack("{s:I}", "id", c), &resp)))
        return rc;
    json_t *ch = json_object_get(resp, "charter");
    if (cli->set.json || cli->set.ids)
        cli_print_object(cli, head_cols, 15, ch);
    else
        printf("draft version %lld discarded\n",
               (long long)cli_json_id(json_object_get(ch, "version")));
    json_decref(resp);
    return EXIT_OK;
}

static int ch_carve_out(struct cli *cli, int argc, char **argv)
{
    const char *account = NULL, *region = "", *note = "";
    const struct cli_opt opts[] = {
        {"account", &account, NULL, true, "key account the exporter serves directly",
         "accountName"},
        {"region", &region, NULL, false, "where (country or subdivision)"},
        {"note", &note, NULL, false, "why, or any detail"},
        {0}};
    const struct cli_command_spec spec = {
        "charter carve-out DISTRIBUTOR --account NAME [--region R] [--note TEXT]",
        "Adds a carve-out to the distributor's draft: a named key account in the territory\n"
        "served by the exporter.",
        opts, 1, "charter carve-out \"Saigon Auto Parts\" --account VinFast --region VN-HP"};
    json_int_t id;
    int rc = draft_of(cli, &spec, argc, argv, &id);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    return charter_item_call(cli, "AddCarveOut",
                             json_pack("{s:I,s:{s:s,s:s,s:s}}", "charterId", id, "carveOut",
                                       "accountName", account, "region", region, "note", note),
                             "carveOuts", NULL, 0);
}

/*
 * The draft's commitment for product line l, or NULL: its fields are what
 * 'charter commitment' keeps when an option is not given.
 */
static json_t *commitment_of(json_t *charter, json_int_t l)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(charter, "commitments"), i, c)
    {
        if (cli_json_id(json_object_get(c, "productLineId")) == l)
            return c;
    }
    return NULL;
}

/* A word option given, else the kept commitment's, else the default. */
static const char *kept_word(const char *given, json_t *kept, const char *key, const char *dflt)
{
    const char *v = json_string_value(json_object_get(kept, key));
    return given ? given : v && *v ? v : dflt;
}

/*
 * A number option given, else the kept commitment's (absent from its JSON
 * when zero), else the default; in buf when it is the kept one.
 */
static const char *kept_number(const char *given, json_t *kept, const char *key, const char *dflt,
                               char *buf, size_t cap)
{
    if (given)
        return given;
    if (!kept)
        return dflt;
    snprintf(buf, cap, "%lld", (long long)cli_json_id(json_object_get(kept, key)));
    return buf;
}

static int ch_commitment(struct cli *cli, int argc, char **argv)
{
    const char *line = NULL, *moq = NULL, *buffer = NULL, *unit = NULL, *financing = NULL,
               *terms = NULL;
    const struct cli_opt opts[] = {
        {"line", &line, NULL, true, "product line: code or id", "productLineId"},
        {"moq", &moq, NULL, false, "minimum order quantity (new: none)"},
        {"buffer", &buffer, NULL, false, "buffer stock amount (new: none)", "bufferAmount"},
        {"buffer-unit", &unit, NULL, false, "weeks (of cover; new: weeks) or units"},
        {"financing", &financing, NULL, false,
         "distributor (new: distributor), consignment or shared"},
        {"payment-terms", &terms, NULL, false, "payment terms in days (new: 30)",
         "paymentTermsDays"},
        {0}};
    const struct cli_command_spec spec = {
        "charter commitment DISTRIBUTOR --line CODE [--moq N] [--buffer N] [--buffer-unit U]\n"
        "       [--financing F] [--payment-terms DAYS]",
        "Sets the inventory commitment for one product line of the distributor's draft.\n"
        "A line that has one keeps what is not given; a new one starts from the defaults.",
        opts, 1,
        "charter commitment \"Saigon Auto Parts\" --line BRK --moq 200 --buffer 8 --financing "
        "shared"};
    const char *dist = NULL;
    json_int_t l, m, b, t;
    int rc = cli_args_parse(&spec, argc, argv, &dist, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    struct charter_ref ref;
    json_t *resp;
    if ((rc = charter_find(cli, dist, 0, &ref, NULL)) ||
        (rc = cli_resolve(cli, CLI_PRODUCT_LINE, line, 0, &l)) ||
        (rc = cli_call(
             cli, "GetCharter",
             json_pack("{s:I,s:I}", "distributorId", ref.distributor, "version", ref.version),
             &resp)))
        return rc;
    json_t *kept = commitment_of(json_object_get(resp, "charter"), l);
    char mb[24], bb[24], tb[24];
    if ((rc = cli_parse_uint("--moq", kept_number(moq, kept, "moq", "0", mb, sizeof mb), 2147483647,
                             &m)) ||
        (rc = cli_parse_uint("--buffer",
                             kept_number(buffer, kept, "bufferAmount", "0", bb, sizeof bb),
                             2147483647, &b)) ||
        (rc = cli_parse_uint("--payment-terms",
                             kept_number(terms, kept, "paymentTermsDays", "30", tb, sizeof tb), 365,
                             &t))) {
        json_decref(resp);
        return rc;
    }
    json_t *req = json_pack("{s:I,s:{s:I,s:I,s:o,s:I,s:o,s:I}}", "charterId", ref.id, "commitment",
                            "productLineId", l, "moq", m, "bufferUnit",
                            cli_enum_string(kept_word(unit, kept, "bufferUnit", "weeks")),
                            "bufferAmount", b, "financing",
                            cli_enum_string(kept_word(financing, kept, "financing", "distributor")),
                            "paymentTermsDays", t);
    json_decref(resp);
    /* A line has one commitment: set again, it is the same item. */
    return charter_item_call(cli, "SetCommitment", req, "commitments", "productLineId", l);
}

static int ch_competing(struct cli *cli, int argc, char **argv)
{
    const char *competitor = NULL, *line = NULL;
    const struct cli_opt opts[] = {{"competitor", &competitor, NULL, true, "the competitor"},
                                   {"line", &line, NULL, true, "their line the distributor sells"},
                                   {0}};
    const struct cli_command_spec spec = {
        "charter competing DISTRIBUTOR --competitor NAME --line NAME",
        "Declares, in the distributor's draft, a competing line the distributor carries.", opts, 1,
        "charter competing \"Saigon Auto Parts\" --competitor Bosch --line \"Bosch brake pads\""};
    json_int_t id;
    int rc = draft_of(cli, &spec, argc, argv, &id);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    return charter_item_call(cli, "DeclareCompetingLine",
                             json_pack("{s:I,s:{s:s,s:s}}", "charterId", id, "competingLine",
                                       "competitor", competitor, "line", line),
                             "competingLines", NULL, 0);
}

/* Whether the JSON array list holds a value equal to v. */
static bool json_has(const json_t *list, const json_t *v)
{
    size_t i;
    json_t *x;
    json_array_foreach(list, i, x)
    {
        if (json_equal(x, v))
            return true;
    }
    return false;
}

/* One line of charter check after the conflicts: "warning: ..." or "refused: ...". */
static void check_said(const char *kind, const json_t *w)
{
    fputs(kind, stdout);
    output_escaped(stdout, json_string_value(w) ? json_string_value(w) : "");
    fputc('\n', stdout);
}

static int ch_check(struct cli *cli, int argc, char **argv)
{
    const char *version = NULL;
    const struct cli_opt opts[] = {
        {"version", &version, NULL, false, "a version (default: the draft)"}, {0}};
    const struct cli_command_spec spec = {
        "charter check DISTRIBUTOR [--version N]",
        "Lists the territory conflicts the distributor's draft would have with other\n"
        "distributors' active charters, without changing anything, and warnings (lines no\n"
        "grant covers that have a commitment or a competing line). Exit code 5 when there\n"
        "are conflicts, or when activation would refuse the draft for another reason (no\n"
        "grant yet, grants that have all ended, a retired product line: printed as\n"
        "'refused:'); other warnings alone do not change it.",
        opts, 1, "charter check \"Hanoi Motor Supply\""};
    const char *dist = NULL;
    json_int_t v = 0;
    struct charter_ref ref;
    int rc = cli_args_parse(&spec, argc, argv, &dist, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    /* An auditor, who may check, was told that drafting was not theirs (a try-out). */
    if ((version && (rc = cli_parse_range("--version", version, 1, 2147483647, &v))) ||
        (rc = charter_find(cli, dist, v, &ref,
                           "'liaison charter check DISTRIBUTOR --version N' checks a version")))
        return rc;
    json_int_t id = ref.id;
    json_t *resp;
    rc = cli_call(cli, "CheckCharter", json_pack("{s:I}", "id", id), &resp);
    if (rc != EXIT_OK)
        return rc;
    json_t *conflicts = json_object_get(resp, "conflicts");
    json_t *warnings = json_object_get(resp, "warnings");
    json_t *refusals = json_object_get(resp, "refusals");
    size_t n = json_array_size(conflicts), refused = json_array_size(refusals);
    /* Both left out on the wire when empty; always there for scripts. */
    if (!conflicts)
        json_object_set_new(resp, "conflicts", conflicts = json_array());
    if (!warnings)
        json_object_set_new(resp, "warnings", warnings = json_array());
    if (!refusals)
        json_object_set_new(resp, "refusals", refusals = json_array());
    size_t i;
    json_t *w;
    if (cli->set.json)
        output_json(resp);
    else if (cli->set.ids || n) {
        /* A grant of every line lists none: its LINES would read "-", as if it had none. */
        json_array_foreach(conflicts, i, w)
        {
            if (json_is_true(json_object_get(w, "otherAllLines")))
                json_object_set_new(w, "otherLines", json_string("all"));
        }
        cli_print_rows(cli, conflict_cols, 9, conflicts);
    } else
        printf("no territory conflicts\n");
    if (!cli->set.json && !cli->set.ids) {
        /* A refusal is among the warnings too, for clients before it: said once, as a refusal;
           one that is no warning (a retired line, 0296) after them. */
        json_array_foreach(warnings, i, w)
        {
            check_said(json_has(refusals, w) ? "refused: " : "warning: ", w);
        }
        json_array_foreach(refusals, i, w)
        {
            if (!json_has(warnings, w))
                check_said("refused: ", w);
        }
    }
    json_decref(resp);
    return n || refused ? EXIT_CONFLICT : EXIT_OK;
}

/* Each string of list on a line of its own on standard error, after prefix. */
static void stderr_lines(const json_t *list, const char *prefix)
{
    size_t i;
    json_t *w;
    json_array_foreach(list, i, w)
    {
        fputs(prefix, stderr);
        output_escaped(stderr, json_string_value(w) ? json_string_value(w) : "");
        fputc('\n', stderr);
    }
}

static int ch_activate(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {
        "charter activate DISTRIBUTOR",
        "Activates the distributor's draft; the version it amends is superseded. Refused,\n"
        "with every conflict listed, when an exclusive grant overlaps another distributor's\n"
        "grant. What 'charter check' warns of does not stop it: each warning is repeated\n"
        "on standard error, and then what the activation set going (the distributor's\n"
        "status, meetings moved or cancelled, meetings scheduled ahead).",
        opts, 1, "charter activate \"Saigon Auto Parts\""};
    json_int_t id;
    int rc = draft_of(cli, &spec, argc, argv, &id);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_t *resp;
    rc = cli_call(cli, "ActivateCharter", json_pack("{s:I}", "id", id), &resp);
    if (rc != EXIT_OK)
        return rc;
    charter_print(cli, json_object_get(resp, "charter"));
    /* On standard error: what --json and --output ids print stays the charter alone. */
    stderr_lines(json_object_get(resp, "warnings"), "liaison: warning: ");
    stderr_lines(json_object_get(resp, "notes"), "liaison: ");
    json_decref(resp);
    return EXIT_OK;
}

static int ch_show(struct cli *cli, int argc, char **argv)
{
    const char *version = NULL;
    bool draft = false;
    const struct cli_opt opts[] = {
        {"version", &version, NULL, false, "a version (default: the active one, else the draft)"},
        {"draft", NULL, &draft, false, "the draft (an amendment being prepared)"},
        {0}};
    const struct cli_command_spec spec = {
        "charter show DISTRIBUTOR [--version N | --draft]",
        "Shows a distributor's charter: the active version, or the draft when none is\n"
        "active. While an amendment is being drafted beside the active version, its\n"
        "grants, commitments and competing lines have ids of their own: '--draft' shows\n"
        "them, the ids 'charter ungrant' and 'charter remove' take.",
        opts, 1, "charter show \"Saigon Auto Parts\" --version 1"};
    const char *dist = NULL;
    json_int_t d, v = 0;
    int rc = cli_args_parse(&spec, argc, argv, &dist, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if (version && draft) {
        cli_fail(cli, "INVALID_ARGUMENT", "--version or --draft, not both");
        return EXIT_USAGE;
    }
    struct charter_ref ref = {0};
    if ((version && (rc = cli_parse_range("--version", version, 1, 2147483647, &v))) ||
        (draft && (rc = charter_find(cli, dist, 0, &ref, NULL))) ||
        (!draft && (rc = cli_resolve(cli, CLI_DISTRIBUTOR, dist, 0, &d))))
        return rc;
    if (draft) {
        d = ref.distributor;
        v = ref.version;
    }
    json_t *resp;
    rc = cli_call(cli, "GetCharter", json_pack("{s:I,s:I}", "distributorId", d, "version", v),
                  &resp);
    if (rc != EXIT_OK)
        return rc;
    json_t *c = json_object_get(resp, "charter");
    charter_print(cli, c);
    /* The active version shown while an amendment is open: its ids are not the draft's. */
    const char *status = json_string_value(json_object_get(c, "status"));
    if (!v && !cli->set.json && !cli->set.ids && status && !strcmp(status, "active")) {
        json_t *list;
        rc = cli_call(cli, "ListCharterVersions",
                      json_pack("{s:I,s:{s:i}}", "distributorId", d, "page", "pageSize", 500),
                      &list);
        if (rc == EXIT_OK) {
            size_t i;
            json_t *e;
            json_array_foreach(json_object_get(list, "versions"), i, e)
            {
                const char *st = json_string_value(json_object_get(e, "status"));
                if (st && !strcmp(st, "draft")) {
                    /* Quoted as a shell needs it when the name has spaces or marks. */
                    bool bare = strspn(dist, "0123456789abcdefghijklmnopqrstuvwxyz"
                                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ-_.") == strlen(dist);
                    printf("\ndraft version %lld is open, with its own ids: 'liaison charter "
                           "show %s%s%s --draft'\n",
                           (long long)cli_json_id(json_object_get(e, "version")), bare ? "" : "\"",
                           dist, bare ? "" : "\"");
                }
            }
            json_decref(list);
        }
    }
    json_decref(resp);
    return rc;
}

static int ch_history(struct cli *cli, int argc, char **argv)
{
    static const struct output_column cols[] = {{"ID", "id"},
                                                {"VERSION", "version"},
                                                {"STATUS", "status"},
                                                {"CREATED BY", "createdBy"},
                                                {"CREATED AT", "createdAt"},
                                                {"ACTIVATED BY", "activatedBy"},
                                                {"ACTIVATED AT", "activatedAt"},
                                                {"IN FORCE UNTIL", "endedAt"}};
    struct cli_paging page = {0};
    const struct cli_opt opts[] = {CLI_PAGING_OPTS(page), {0}};
    const struct cli_command_spec spec = {
        "charter history DISTRIBUTOR [--all]",
        "Lists every version of a distributor's charter: who made and activated it, and\n"
        "until when it was in force (superseded, expired or "
        "terminated).",
        opts, 1, "charter history \"Saigon Auto Parts\""};
    const char *dist = NULL;
    json_int_t d;
    int rc = cli_args_parse(&spec, argc, argv, &dist, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if ((rc = cli_resolve(cli, CLI_DISTRIBUTOR, dist, 0, &d)))
        return rc;
    return cli_list(cli, "ListCharterVersions", json_pack("{s:I}", "distributorId", d), "versions",
                    cols, 8, &page);
}

int cmd_charter(struct cli *cli, int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"draft", ch_draft, "start a draft (or an amendment)"},
        {"amend", ch_draft, "start an amendment of the active charter"},
        {"terms", ch_terms, "coverage, competing policy, reporting, signatories"},
        {"grant", ch_grant, "add a territory grant ('grant update': replace one)"},
        {"ungrant", ch_ungrant, "remove a territory grant"},
        {"carve-out", ch_carve_out, "add a key account served directly"},
        {"remove", ch_remove, "remove a carve-out, commitment or competing line from a draft"},
        {"discard", ch_discard, "give up a draft"},
        {"commitment", ch_commitment, "set an inventory commitment"},
        {"competing", ch_competing, "declare a competing line"},
        {"check", ch_check, "list territory conflicts without saving"},
        {"activate", ch_activate, "activate a draft"},
        {"show", ch_show, "show a charter"},
        {"history", ch_history, "every version of a charter"},
        {NULL, NULL, NULL}};
    return cli_subcommand("charter", subs, argc, argv, cli);
}
