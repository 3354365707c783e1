/*
 * cmd_plan.c - 'liaison plan ...': the joint business plan of a
 * distributor and year. One side proposes, the other approves or rejects;
 * an approved plan is locked and changes as a new revision ('plan new'
 * again), whose approval makes its goals the year's targets.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct output_column plan_cols[] = {{"ID", "id"},
                                                 {"DISTRIBUTOR", "distributorName"},
                                                 {"YEAR", "year"},
                                                 {"REVISION", "revision"},
                                                 {"STATUS", "status"},
                                                 {"PROPOSED BY SIDE", "proposedSide"},
                                                 {"PROPOSED BY", "proposedBy"},
                                                 {"DECIDED BY", "decidedBy"},
                                                 {"COMMENT", "decisionComment"},
                                                 {"UPDATED", "updatedAt"}};
/* One revision shown alone has room for when it was proposed and decided. */
static const struct output_column plan_fields[] = {{"ID", "id"},
                                                   {"DISTRIBUTOR", "distributorName"},
                                                   {"YEAR", "year"},
                                                   {"REVISION", "revision"},
                                                   {"BASED ON", "basedOnId"},
                                                   {"STATUS", "status"},
                                                   {"PROPOSED BY SIDE", "proposedSide"},
                                                   {"PROPOSED BY", "proposedBy"},
                                                   {"PROPOSED AT", "proposedAt"},
                                                   {"DECIDED BY", "decidedBy"},
                                                   {"DECIDED AT", "decidedAt"},
                                                   {"COMMENT", "decisionComment"},
                                                   {"CREATED BY", "createdBy"},
                                                   {"UPDATED BY", "updatedBy"},
                                                   {"UPDATED", "updatedAt"}};
static const struct output_column goal_cols[] = {{"LINE", "productLineCode"},
                                                 {"PERIOD", "period"},
                                                 {"UNITS", "units", OUTPUT_COUNT},
                                                 {"REVENUE (minor units)", "revenueMinor"},
                                                 {"CURRENCY", "currency"}};
static const struct output_column initiative_cols[] = {{"TITLE", "title"},
                                                       {"OWNER", "ownerEmail"},
                                                       {"STARTS", "startsOn"},
                                                       {"DUE", "dueOn"},
                                                       {"DESCRIPTION", "description"}};

#define NCOLS(c) ((int)(sizeof(c) / sizeof((c)[0])))
#define MAX_REPEATED 200

/* A plan: its fields, then goals and initiatives as tables (or the whole object as JSON). */
static int plan_answer(struct cli *cli, const char *method, json_t *req)
{
    json_t *resp;
    int rc = cli_call(cli, method, req, &resp);
    if (rc != EXIT_OK)
        return rc;
    json_t *plan = json_object_get(resp, "plan");
    if (cli->set.json || cli->set.ids) {
        cli_print_object(cli, plan_cols, NCOLS(plan_cols), plan);
    } else {
        output_fields(plan_fields, NCOLS(plan_fields), plan);
        printf("\nGoals\n");
        output_table(goal_cols, NCOLS(goal_cols), json_object_get(plan, "goals"));
        printf("\nInitiatives\n");
        output_table(initiative_cols, NCOLS(initiative_cols), json_object_get(plan, "initiatives"));
    }
    json_decref(resp);
    return EXIT_OK;
}

static int plan_new(struct cli *cli, int argc, char **argv)
{
    const char *dist = NULL;
    const struct cli_opt opts[] = {{"distributor", &dist, NULL, false,
                                    "the distributor (a distributor user: its own)",
                                    "distributorId"},
                                   {0}};
    const struct cli_command_spec spec = {
        "plan new YEAR [--distributor D]",
        "Starts the year's plan, or a new revision of the approved one (a draft copied from it: "
        "an approved plan is locked). Refused while a revision is still open.",
        opts, 1, "plan new 2027 --distributor \"Saigon Auto Parts\""};
    const char *year_arg = NULL;
    int rc = cli_args_parse(&spec, argc, argv, &year_arg, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t d = 0, year;
    if ((rc = cli_parse_range("YEAR", year_arg, 2000, 2100, &year)) ||
        (dist && (rc = cli_resolve(cli, CLI_DISTRIBUTOR, dist, 0, &d))))
        return rc;
    return plan_answer(cli, "CreatePlan", json_pack("{s:I,s:I}", "distributorId", d, "year", year));
}

static int plan_show(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {"plan show ID",
                                          "Shows a plan revision with its goals and initiatives "
                                          "(--json gives a file 'plan save --file' takes).",
                                          opts, 1, "plan show 7"};
    json_int_t v;
    int rc = cli_args_id(&spec, argc, argv, &v);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    return plan_answer(cli, "GetPlan", json_pack("{s:I}", "id", v));
}

/* "LINE:PERIOD:UNITS[:REVENUE:CURRENCY]" as a goal; NULL after saying why. */
static json_t *goal_arg(struct cli *cli, const char *arg, int *rc)
{
    char buf[256];
    if (strlen(arg) >= sizeof buf)
        goto bad;
    strcpy(buf, arg);
    char *part[5] = {0};
    int n = 0;
    for (char *save = NULL, *p = strtok_r(buf, ":", &save); p && n < 5;
         p = strtok_r(NULL, ":", &save))
        part[n++] = p;
    if (n != 3 && n != 5)
        goto bad;
    json_int_t line, units, revenue = 0;
    if ((*rc = cli_resolve(cli, CLI_PRODUCT_LINE, part[0], 0, &line)))
        return NULL;
    /* The line names the bad part; the usage line after it would only repeat the rest. */
    if (cli_parse_uint("--goal UNITS", part[2], CLI_MAX_AMOUNT, &units) ||
        (n == 5 && cli_parse_minor("--goal REVENUE", part[3], CLI_MAX_AMOUNT, &revenue))) {
        *rc = EXIT_USAGE;
        return NULL;
    }
    return json_pack("{s:I,s:s,s:I,s:I,s:s}", "productLineId", line, "period", part[1], "units",
                     units, "revenueMinor", revenue, "currency", n == 5 ? part[4] : "");
bad:
    fprintf(stderr,
            "liaison: --goal '%s': LINE:PERIOD:UNITS[:REVENUE:CURRENCY], the period 2027, "
            "2027-Q1 or 2027-01, revenue in minor units (BRK:2027-Q1:500:250000000:VND)\n",
            arg);
    *rc = EXIT_USAGE;
    return NULL;
}

/* "TITLE|OWNER|STARTS|DUE" as an initiative (split from the right); NULL after saying why. */
static json_t *initiative_arg(struct cli *cli, const char *arg, int *rc)
{
    char buf[1024];
    char *bar[3];
    if (strlen(arg) >= sizeof buf)
        goto bad;
    strcpy(buf, arg);
    for (int i = 2; i >= 0; i--) {
        if (!(bar[i] = strrchr(buf, '|')))
            goto bad;
        *bar[i] = 0;
    }
    json_int_t user;
    if ((*rc = cli_resolve(cli, CLI_USER, bar[0] + 1, 0, &user)))
        return NULL;
    return json_pack("{s:s,s:I,s:s,s:s}", "title", buf, "ownerUserId", user, "startsOn", bar[1] + 1,
                     "dueOn", bar[2] + 1);
bad:
    fprintf(stderr,
            "liaison: --initiative '%s': TITLE|OWNER|STARTS|DUE, the owner a user's id or "
            "e-mail, dates as YYYY-MM-DD\n",
            arg);
    *rc = EXIT_USAGE;
    return NULL;
}

static int plan_save(struct cli *cli, int argc, char **argv)
{
    const char *goals[MAX_REPEATED], *initiatives[MAX_REPEATED];
    int ngoals, ninitiatives;
    int rc = cli_take_values("goal", &argc, argv, goals, MAX_REPEATED, &ngoals);
    if (!rc)
        rc = cli_take_values("initiative", &argc, argv, initiatives, MAX_REPEATED, &ninitiatives);
    if (rc)
        return rc;
    const char *file = NULL, *listed = NULL, *listed2 = NULL;
    const struct cli_opt opts[] = {
        {"file", &file, NULL, false,
         "a JSON object with \"goals\" and \"initiatives\" (what 'plan show --json' prints)"},
        {"goal", &listed, NULL, false,
         "LINE:PERIOD:UNITS[:REVENUE:CURRENCY], once per goal; PERIOD 2027, 2027-Q1 or 2027-01",
         "goals"},
        {"initiative", &listed2, NULL, false,
         "TITLE|OWNER|STARTS|DUE, once per initiative; OWNER a user's id or e-mail", "initiatives"},
        {0}};
    const struct cli_command_spec spec = {
        "plan save ID (--file F | [--goal G ...] [--initiative I ...])",
        "Replaces the goals and initiatives of a draft (or rejected) revision: --file both;\n"
        "--goal options the goals, --initiative options the initiatives, and what is not\n"
        "given stays as it is. Units 0 means no units goal; revenue needs its currency.\n"
        "A file from 'plan show --json' of this plan names the version it was read at:\n"
        "when the plan was changed since (saved again, proposed or decided), the save is\n"
        "refused; show it again and redo the edit. Another plan's file is not checked.",
        opts, 1,
        "plan save 7 --goal BRK:2027:12000 --goal BRK:2027-Q1:2500:3125000000:VND "
        "--initiative \"Hội thảo gara Hà Nội|minh@saigon.example|2027-03-01|2027-03-31\""};
    const char *id = NULL;
    if ((rc = cli_args_parse(&spec, argc, argv, &id, 1)))
        return rc < 0 ? EXIT_OK : rc;
    json_int_t v;
    if ((rc = cli_parse_id(id, &v)))
        return rc;
    if (!file == !(ngoals || ninitiatives)) {
        fprintf(stderr, "liaison: plan save: give --file, or --goal and --initiative options "
                        "(one kind or both), not both ways\n");
        return EXIT_USAGE;
    }
    json_t *g, *in, *version = NULL;
    if (file) {
        json_error_t err;
        json_t *doc = cli_json_input(file, 0, &err);
        if (!json_is_object(doc)) {
            fprintf(stderr, "liaison: --file %s: %s\n", file,
                    doc ? "a JSON object with goals and initiatives" : err.text);
            json_decref(doc);
            return EXIT_USAGE;
        }
        /* 'plan show --json' prints {"plan": {...}}: take the plan inside. */
        json_t *plan = json_object_get(doc, "plan");
        json_t *from = json_is_object(plan) ? plan : doc;
        g = json_incref(json_object_get(from, "goals"));
        in = json_incref(json_object_get(from, "initiatives"));
        /* The file of 'plan show --json' names the version it was read at: this plan saved
         * by someone else since is refused, not overwritten. Another plan's file (last year's
         * goals copied) is checked against nothing. */
        json_t *was = json_object_get(from, "id");
        if (json_is_string(json_object_get(from, "version")) && (!was || cli_json_id(was) == v))
            version = json_incref(json_object_get(from, "version"));
        json_decref(doc);
        if (!g)
            g = json_array();
        if (!in)
            in = json_array();
    } else {
        g = json_array();
        in = json_array();
        if (!ngoals || !ninitiatives) {
            /* The part not given is sent back as the revision holds it now, and the save is
             * refused if someone saves the plan between that read and this save. */
            static const char *const keys[] = {"goals", "initiatives", "version"};
            json_t *now = cli_current_fields(cli, "GetPlan", v, "plan", keys, 3, &rc);
            if (!now) {
                json_decref(g);
                json_decref(in);
                return rc;
            }
            json_t *keep = json_object_get(now, ngoals ? "initiatives" : "goals");
            if (keep)
                json_array_extend(ngoals ? in : g, keep);
            if (json_is_string(json_object_get(now, "version")))
                version = json_incref(json_object_get(now, "version"));
            json_decref(now);
        }
        for (int i = 0; g && i < ngoals; i++) {
            json_t *x = goal_arg(cli, goals[i], &rc);
            if (!x)
                break;
            json_array_append_new(g, x);
        }
        for (int i = 0; !rc && in && i < ninitiatives; i++) {
            json_t *x = initiative_arg(cli, initiatives[i], &rc);
            if (!x)
                break;
            json_array_append_new(in, x);
        }
        if (rc) {
            json_decref(g);
            json_decref(in);
            json_decref(version);
            return rc;
        }
    }
    json_t *req = json_pack("{s:I,s:o,s:o}", "id", v, "goals", g, "initiatives", in);
    if (req && version)
        json_object_set(req, "ifVersion", version);
    json_decref(version);
    return req ? plan_answer(cli, "SavePlan", req) : EXIT_ERROR;
}

/* propose, approve and reject: ID, and a comment when the command has one. */
static int plan_step(struct cli *cli, int argc, char **argv, const char *method,
                     const struct cli_command_spec *spec, const char *const *comment)
{
    const char *id = NULL;
    int rc = cli_args_parse(spec, argc, argv, &id, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t v;
    if ((rc = cli_parse_id(id, &v)))
        return rc;
    json_t *req = comment ? json_pack("{s:I,s:s}", "id", v, "comment", *comment ? *comment : "")
                          : json_pack("{s:I}", "id", v);
    return req ? plan_answer(cli, method, req) : EXIT_ERROR;
}

static int plan_propose(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {
        "plan propose ID",
        "Proposes a draft to the other side (exporter staff propose to the distributor, the "
        "distributor's users to the exporter).",
        opts, 1, "plan propose 7"};
    return plan_step(cli, argc, argv, "ProposePlan", &spec, NULL);
}

static int plan_approve(struct cli *cli, int argc, char **argv)
{
    const char *comment = NULL;
    const struct cli_opt opts[] = {{"comment", &comment, NULL, false, "up to 4000 characters"},
                                   {0}};
    const struct cli_command_spec spec = {
        "plan approve ID [--comment TEXT]",
        "Approves the other side's proposal: the plan is locked, supersedes the year's approved "
        "revision, and its goals become the year's targets (replacing a hand-set target of the "
        "same line and period).",
        opts, 1, "plan approve 7 --comment \"Đồng ý\""};
    return plan_step(cli, argc, argv, "ApprovePlan", &spec, &comment);
}

static int plan_reject(struct cli *cli, int argc, char **argv)
{
    const char *comment = NULL;
    const struct cli_opt opts[] = {{"comment", &comment, NULL, true, "why (up to 4000 characters)"},
                                   {0}};
    const struct cli_command_spec spec = {
        "plan reject ID --comment TEXT",
        "Rejects the other side's proposal, saying why; the proposing side saves and proposes "
        "it again.",
        opts, 1, "plan reject 7 --comment \"Q3 quá cao\""};
    return plan_step(cli, argc, argv, "RejectPlan", &spec, &comment);
}

static int plan_list(struct cli *cli, int argc, char **argv)
{
    const char *dist = NULL, *year = NULL, *status = "";
    struct cli_paging page = {0};
    const struct cli_opt opts[] = {
        {"distributor", &dist, NULL, false, "only this distributor's", "distributorId"},
        {"year", &year, NULL, false, "only this year's"},
        {"status", &status, NULL, false, "draft, proposed, approved, rejected, superseded"},
        CLI_PAGING_OPTS(page),
        {0}};
    const struct cli_command_spec spec = {
        "plan list [--distributor D] [--year Y] [--status S] [--all]",
        "Lists the plan revisions you reach, oldest first.", opts, 0,
        "plan list --year 2027 --status proposed"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t d = 0, y = 0;
    if ((dist && (rc = cli_resolve(cli, CLI_DISTRIBUTOR, dist, 0, &d))) ||
        (year && (rc = cli_parse_uint("--year", year, 9999, &y))))
        return rc;
    return cli_list(cli, "ListPlans",
                    json_pack("{s:I,s:I,s:o}", "distributorId", d, "year", y, "status",
                              cli_enum_string(status)),
                    "plans", plan_cols, NCOLS(plan_cols), &page);
}

int cmd_plan(struct cli *cli, int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"new", plan_new, "start the year's plan or a new revision"},
        {"show", plan_show, "show a revision, its goals and initiatives"},
        {"save", plan_save, "replace a draft's goals and initiatives"},
        {"propose", plan_propose, "propose a draft to the other side"},
        {"approve", plan_approve, "approve the other side's proposal"},
        {"reject", plan_reject, "reject the other side's proposal"},
        {"list", plan_list, "list plan revisions"},
        {NULL, NULL, NULL}};
    return cli_subcommand("plan", subs, argc, argv, cli);
}
