/*
 * cmd_crm.c - 'liaison account|lead|interaction|crm ...': the shared CRM.
 * Key accounts (customers), leads and deal registration (a distributor's
 * lead is checked against the charters when it is registered; exporter
 * staff decide the flagged ones), customer interactions, and the tenant's
 * CRM settings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

/* Who may own an account, a lead or an interaction (migration 0107), as every --owner says. */
#define OWNER_HELP                                                                                 \
    "the user who owns it (id, me, or for the exporter's staff an e-mail): the exporter's staff, " \
    "not an auditor, or a user of its distributor"

static const struct output_column account_cols[] = {
    {"ID", "id"},
    {"NAME", "name"},
    {"COUNTRY", "country"},
    {"REGION", "region"},
    {"INDUSTRY", "industry"},
    {"DISTRIBUTOR", "distributorName"},
    {"OWNER", "ownerEmail|ownerId"},
    {"CARVE-OUT", "carveOut", OUTPUT_BOOL},
    {"OUTSIDE TERRITORY", "outsideTerritory", OUTPUT_BOOL}};
/* A deal's value of 0 is one not known yet, not a deal worth nothing: "-" (a try-out). */
static const struct output_column lead_cols[] = {{"ID", "id"},
                                                 {"ACCOUNT", "accountName"},
                                                 {"DISTRIBUTOR", "distributorName"},
                                                 {"TITLE", "title"},
                                                 {"STAGE", "stage"},
                                                 {"VALUE (minor units)", "valueMinor"},
                                                 {"CURRENCY", "currency"},
                                                 {"LINES", "productLineCodes"},
                                                 {"REGION", "region"},
                                                 {"REGISTRATION", "registration"},
                                                 {"FLAGS", "flags"},
                                                 {"REGISTERED", "registeredAt"},
                                                 {"PROTECTED UNTIL", "protectedUntil"},
                                                 {"CLOSE", "expectedClose"},
                                                 {"OWNER", "ownerEmail|ownerId"},
                                                 {"DECIDED BY", "decidedBy"},
                                                 {"DECIDED", "decidedAt"},
                                                 {"DECISION NOTE", "decisionNote"},
                                                 {"PROTECTED BY", "protectedBy"}};
/* DISTRIBUTOR: whose it is, so who reads it ('-': the exporter's own); an id alone read as
 * nothing in a list across distributors (a try-out). */
static const struct output_column interaction_cols[] = {{"ID", "id"},
                                                        {"AT", "at"},
                                                        {"KIND", "kind"},
                                                        {"DISTRIBUTOR", "distributorName"},
                                                        {"ACCOUNT", "accountName"},
                                                        {"LEAD", "leadId"},
                                                        {"SUMMARY", "summary"},
                                                        {"BY", "createdBy"}};
static const struct output_column settings_cols[] = {
    {"deal protection (days)", "dealProtectionDays"}};

#define NCOLS(c) ((int)(sizeof(c) / sizeof((c)[0])))

/* A distributor option: its id (0 when absent). */
static int distributor_opt(struct cli *cli, const char *arg, json_int_t *out)
{
    *out = 0;
    return arg ? cli_resolve(cli, CLI_DISTRIBUTOR, arg, 0, out) : EXIT_OK;
}

/*
 * A key account option, its id or name (0 when absent): 'VinFast' was "not an id" (a try-out).
 * Named for distributor (0: any), one of its own or the exporter's.
 */
static int account_opt(struct cli *cli, const char *arg, json_int_t distributor, json_int_t *out)
{
    *out = 0;
    return arg ? cli_resolve(cli, CLI_ACCOUNT, arg, distributor, out) : EXIT_OK;
}

/* A plain id option, --lead: its value (0 when absent). */
static int lead_opt(const struct cli *cli, const char *arg, json_int_t *out)
{
    *out = 0;
    return arg ? cli_parse_id_of(cli, "--lead", "leadId", arg, out) : EXIT_OK;
}

/* ---------- accounts ---------- */

static int account_create(struct cli *cli, int argc, char **argv)
{
    const char *name = NULL, *country = NULL, *region = "", *industry = "", *dist = NULL,
               *owner = NULL;
    const struct cli_opt opts[] = {
        {"name", &name, NULL, true, "the customer's name"},
        {"country", &country, NULL, true, "ISO 3166-1 alpha-2 code, e.g. VN"},
        {"region", &region, NULL, false, "ISO 3166-2 subdivision of the country, e.g. VN-SG"},
        {"industry", &industry, NULL, false, "e.g. logistics"},
        {"distributor", &dist, NULL, false, "the owning distributor (default: the exporter)",
         "distributorId"},
        {"owner", &owner, NULL, false, OWNER_HELP, "ownerId"},
        {0}};
    const struct cli_command_spec spec = {
        "account create --name N --country CC [--region R] [--industry I] [--distributor D] "
        "[--owner USER]",
        "Creates a key account (a customer), the exporter's own or a distributor's.", opts, 0,
        "account create --name \"Công ty Vận tải Bình Minh\" --country VN --region VN-SG "
        "--industry logistics --distributor \"Saigon Auto Parts\""};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t d, u = 0;
    if ((rc = distributor_opt(cli, dist, &d)) ||
        (owner && (rc = cli_resolve(cli, CLI_USER, owner, 0, &u))))
        return rc;
    return cli_show_one(cli, "CreateKeyAccount",
                        json_pack("{s:s,s:s,s:s,s:s,s:I,s:I}", "name", name, "country", country,
                                  "region", region, "industry", industry, "distributorId", d,
                                  "ownerId", u),
                        "account", account_cols, NCOLS(account_cols));
}

static int account_list(struct cli *cli, int argc, char **argv)
{
    const char *name = "", *country = "", *dist = NULL;
    struct cli_paging page = {0};
    const struct cli_opt opts[] = {
        {"name", &name, NULL, false, "only names that have this"},
        {"country", &country, NULL, false, "ISO 3166-1 alpha-2 code"},
        {"distributor", &dist, NULL, false, "owned by this distributor", "distributorId"},
        CLI_PAGING_OPTS(page),
        {0}};
    const struct cli_command_spec spec = {
        "account list [--name TEXT] [--country CC] [--distributor D] [--all]",
        "Lists the key accounts you reach.", opts, 0,
        "account list --country VN --name \"vận tải\""};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t d;
    if ((rc = distributor_opt(cli, dist, &d)))
        return rc;
    return cli_list(
        cli, "ListKeyAccounts",
        json_pack("{s:s,s:s,s:I}", "name", name, "country", country, "distributorId", d),
        "accounts", account_cols, NCOLS(account_cols), &page);
}

static int account_show(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {"account show ID", "Shows a key account.", opts, 1,
                                          "account show 12"};
    json_int_t v;
    int rc = cli_args_id(&spec, argc, argv, &v);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    return cli_show_one(cli, "GetKeyAccount", json_pack("{s:I}", "id", v), "account", account_cols,
                        NCOLS(account_cols));
}

/*
 * An option given empty would be taken as "not given": said, not answered "nothing to change".
 * given holds option and value pairs (NULL: not given); true when one was empty.
 */
static bool empty_given(const char *const given[][2], int n, const char *what)
{
    for (int i = 0; i < n; i++)
        if (given[i][1] && !given[i][1][0]) {
            fprintf(stderr,
                    "liaison: %s is empty: what %s records is replaced, not cleared; give the "
                    "new value\n",
                    given[i][0], what);
            return true;
        }
    return false;
}

static int account_update(struct cli *cli, int argc, char **argv)
{
    const char *name = NULL, *country = NULL, *region = NULL, *industry = NULL, *owner = NULL;
    const struct cli_opt opts[] = {
        {"name", &name, NULL, false, "the customer's name"},
        {"country", &country, NULL, false,
         "ISO 3166-1 alpha-2 code (a new country without --region drops the old region)"},
        {"region", &region, NULL, false,
         "ISO 3166-2 subdivision of the country, or the country's code for the whole country"},
        {"industry", &industry, NULL, false, "e.g. logistics"},
        {"owner", &owner, NULL, false, OWNER_HELP, "ownerId"},
        {0}};
    const struct cli_command_spec spec = {
        "account update ID [--name N] [--country CC] [--region R] [--industry I] [--owner USER]",
        "Corrects a key account: each option given replaces what was recorded; the others stay "
        "as they were. The name stays unique (in any case) per country on its side. A "
        "distributor's account that a deal registration is on keeps its name, country and "
        "region, which the registration was checked for.",
        opts, 1, "account update 12 --name \"Công ty Vận tải Bình Minh\" --region VN-SG"};
    const char *id = NULL;
    int rc = cli_args_parse(&spec, argc, argv, &id, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t v, u = 0;
    if ((rc = cli_parse_id(id, &v)))
        return rc;
    const char *const given[][2] = {
        {"--name", name}, {"--country", country}, {"--region", region}, {"--industry", industry}};
    if (empty_given(given, NCOLS(given), "an account"))
        return EXIT_USAGE;
    if (!name && !country && !region && !industry && !owner) {
        fprintf(stderr, "liaison: nothing to change: give --name, --country, --region, --industry "
                        "or --owner\n");
        return EXIT_USAGE;
    }
    if (owner && (rc = cli_resolve(cli, CLI_USER, owner, 0, &u)))
        return rc;
    return cli_show_one(cli, "UpdateKeyAccount",
                        json_pack("{s:I,s:s,s:s,s:s,s:s,s:I}", "id", v, "name", name ? name : "",
                                  "country", country ? country : "", "region", region ? region : "",
                                  "industry", industry ? industry : "", "ownerId", u),
                        "account", account_cols, NCOLS(account_cols));
}

int cmd_account(struct cli *cli, int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"create", account_create, "create a key account"},
        {"list", account_list, "list key accounts"},
        {"show", account_show, "show a key account"},
        {"update", account_update, "correct a key account's name, place, industry or owner"},
        {NULL, NULL, NULL}};
    return cli_subcommand("account", subs, argc, argv, cli);
}

/* ---------- leads ---------- */

static int lead_register(struct cli *cli, int argc, char **argv)
{
    const char *dist = NULL, *account = NULL, *country = NULL, *region = "", *industry = "",
               *title = NULL, *value = "0", *currency = NULL, *close = "", *lines = NULL,
               *owner = NULL;
    const struct cli_opt opts[] = {
        {"distributor", &dist, NULL, false,
         "whose registration it is (a distributor user: its own; staff without it: the "
         "exporter's own lead)",
         "distributorId"},
        {"account", &account, NULL, true,
         "the customer's name (found in any case, width or marks, else made)", "accountName"},
        {"country", &country, NULL, true, "the customer's country, ISO 3166-1 alpha-2"},
        {"region", &region, NULL, false, "where the deal is: ISO 3166-2 subdivision"},
        {"industry", &industry, NULL, false, "for a new account"},
        {"title", &title, NULL, true, "what the deal is"},
        {"value", &value, NULL, false,
         "in the currency's minor units: cents for USD (1250000 = 12,500.00), but whole yen "
         "for JPY and dong for VND, which have none (1250000 = 1,250,000)",
         "valueMinor"},
        {"currency", &currency, NULL, true, "ISO 4217 code, e.g. VND, USD"},
        {"close", &close, NULL, false, "expected close, YYYY-MM-DD", "expectedClose"},
        {"lines", &lines, NULL, false, "product lines: codes or ids, BRK,FLT", "productLineIds"},
        {"owner", &owner, NULL, false, OWNER_HELP, "ownerId"},
        {0}};
    const struct cli_command_spec spec = {
        "lead register --account NAME --country CC --title T --currency CUR [--value MINOR] "
        "[--distributor D] [--region R] [--close YYYY-MM-DD] [--lines L,..] [--owner USER]",
        "Registers a deal: checked at once against the charters (own territory and lines, "
        "carve-outs, another distributor's registration of the account within the protection "
        "window). Accepted, flagged for exporter staff, or refused (exit 5) with the date the "
        "account is protected from. The same deal twice is one: while the side has an open lead "
        "of this title on the account, it is refused (exit 5), naming that lead. The exporter's "
        "own lead (no --distributor) on a customer a distributor's registration protects is "
        "taken, with a note naming that registration (PROTECTED BY).",
        opts, 0,
        "lead register --distributor \"Saigon Auto Parts\" --account \"Công ty Vận tải Bình "
        "Minh\" --country VN --region VN-SG --title \"Má phanh cho đội xe\" --value 125000000 "
        "--currency VND --close 2027-03-31 --lines BRK"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    /* Taken for "no lines", a deal then judged by its region alone (a try-out). */
    if (lines && !*lines) {
        fprintf(stderr, "liaison: --lines is empty: list the deal's product lines (BRK,FLT), or "
                        "leave it out\n");
        return EXIT_USAGE;
    }
    json_int_t d, u = 0, v;
    if ((rc = cli_parse_minor("--value", value, CLI_MAX_AMOUNT, &v)) ||
        (*close && (rc = cli_parse_day(cli, "--close", "expectedClose", close, false))) ||
        (rc = distributor_opt(cli, dist, &d)) ||
        (owner && (rc = cli_resolve(cli, CLI_USER, owner, 0, &u))))
        return rc;
    json_t *l = lines ? cli_resolve_list(cli, CLI_PRODUCT_LINE, lines, &rc) : json_array();
    if (!l)
        return rc ? rc : EXIT_ERROR;
    json_t *req = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:I,s:s,s:s,s:o,s:I}", "distributorId", d,
                            "accountName", account, "country", country, "region", region,
                            "industry", industry, "title", title, "valueMinor", v, "currency",
                            currency, "expectedClose", close, "productLineIds", l, "ownerId", u);
    json_t *resp;
    if ((rc = cli_call(cli, "RegisterLead", req, &resp)) != EXIT_OK)
        return rc;
    const json_t *lead = json_object_get(resp, "lead");
    cli_print_object(cli, lead_cols, NCOLS(lead_cols), lead);
    /* The exporter's own lead is taken on a customer a distributor's deal holds: said, so that
     * the exporter does not compete with its distributor unknowingly (a try-out). */
    const char *by = json_string_value(json_object_get(lead, "protectedBy"));
    if (by && !cli->set.json) {
        fputs("liaison: note: this customer is protected by ", stderr);
        output_escaped(stderr, by);
        fputs(": this lead of the exporter's own is taken beside it\n", stderr);
    }
    json_decref(resp);
    return EXIT_OK;
}

static int lead_list(struct cli *cli, int argc, char **argv)
{
    const char *dist = NULL, *stage = "", *registration = "", *account = NULL, *name = "";
    struct cli_paging page = {0};
    const struct cli_opt opts[] = {
        {"distributor", &dist, NULL, false, "only this distributor's", "distributorId"},
        {"name", &name, NULL, false, "only leads whose title or account name has this"},
        {"stage", &stage, NULL, false, "new, qualified, proposal, negotiation, won, lost"},
        {"registration", &registration, NULL, false, "accepted, flagged, approved, rejected"},
        {"account", &account, NULL, false, "only this key account (id or name)", "keyAccountId"},
        CLI_PAGING_OPTS(page),
        {0}};
    const struct cli_command_spec spec = {
        "lead list [--distributor D] [--name TEXT] [--stage S] [--registration R] [--account A] "
        "[--all]",
        "Lists the leads you reach; --registration flagged is what staff decide. --name finds a "
        "part of the title or the account's name, in any case.",
        opts, 0, "lead list --registration flagged"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t d, a;
    if ((rc = distributor_opt(cli, dist, &d)) || (rc = account_opt(cli, account, d, &a)))
        return rc;
    /* "Won" and "REJECTED" as every enum option takes them (a try-out). */
    char stage_word[16], registration_word[16];
    stage = cli_enum_word(stage, stage_word, sizeof stage_word);
    registration = cli_enum_word(registration, registration_word, sizeof registration_word);
    return cli_list(cli, "ListLeads",
                    json_pack("{s:I,s:s,s:s,s:I,s:s}", "distributorId", d, "stage", stage,
                              "registration", registration, "keyAccountId", a, "name", name),
                    "leads", lead_cols, NCOLS(lead_cols), &page);
}

static int lead_show(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {"lead show ID", "Shows a lead.", opts, 1, "lead show 7"};
    json_int_t v;
    int rc = cli_args_id(&spec, argc, argv, &v);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    return cli_show_one(cli, "GetLead", json_pack("{s:I}", "id", v), "lead", lead_cols,
                        NCOLS(lead_cols));
}

static int lead_stage(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {
        "lead stage ID STAGE",
        "Moves a lead: new, qualified, proposal, negotiation (either way), then won or lost "
        "(final). A flagged registration is won only once the exporter approves it; a rejected "
        "one only closes as lost. Asking for the stage it has changes nothing (a retry is safe).",
        opts, 2, "lead stage 7 proposal"};
    const char *args[2] = {NULL, NULL};
    int rc = cli_args_parse(&spec, argc, argv, args, 2);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t v;
    if ((rc = cli_parse_id(args[0], &v)))
        return rc;
    json_t *stage = cli_enum_string(args[1]);
    if (!stage)
        return EXIT_ERROR;
    /* Said after the answer, as 'order status' says it: a retry's move changed nothing. */
    char said[64];
    snprintf(said, sizeof said, "%s", json_string_value(stage));
    bool already = false;
    if (!cli->set.json &&
        (rc = cli_status_already(cli, "GetLead", "lead", "stage", v, said, &already))) {
        json_decref(stage);
        return rc;
    }
    rc = cli_show_one(cli, "SetLeadStage", json_pack("{s:I,s:o}", "id", v, "stage", stage), "lead",
                      lead_cols, NCOLS(lead_cols));
    if (rc == EXIT_OK && already)
        fprintf(stderr, "liaison: lead %lld was already %s: nothing changed\n", (long long)v, said);
    return rc;
}

/*
 * The lead v, into *lead, where a retry of the decision would leave it as it is (reassigned to
 * d, 0: the exporter), with what it already is in said; else NULL. Returns an exit code. A retry
 * whose first try had been decided was refused as "only a flagged registration is decided", exit 5,
 * where 'lead stage' says nothing changed (a try-out). Asked once the server has refused so: a
 * caller who may not decide is told that, not that nothing changed (a review).
 */
static int lead_decided_already(struct cli *cli, json_int_t v, const char *decision, json_int_t d,
                                json_t **lead, char *said, size_t cap)
{
    *lead = NULL;
    int rc = cli_read_current(cli);
    if (rc != EXIT_OK || (rc = cli_connect(cli)) != EXIT_OK)
        return rc;
    json_t *l = cli_read_quiet(cli, "GetLead", v, "lead");
    const char *reg = json_string_value(json_object_get(l, "registration"));
    const char *name = json_string_value(json_object_get(l, "distributorName"));
    json_int_t holder = cli_json_id(json_object_get(l, "distributorId"));
    bool decided = json_object_get(l, "decidedAt") != NULL;
    /* Whose it is now, said: approved for another after a reassignment is not this approval. */
    if (!strcasecmp(decision, "approve") && reg && !strcmp(reg, "approved")) {
        snprintf(said, cap, "approved, distributor %lld (%s)'s", (long long)holder,
                 name ? name : "");
    } else if (!strcasecmp(decision, "reject") && reg && !strcmp(reg, "rejected")) {
        snprintf(said, cap, "rejected");
    } else if (!strcasecmp(decision, "reassign") && decided && holder == d &&
               (d ? reg && !strcmp(reg, "approved") : !reg)) {
        if (d)
            snprintf(said, cap, "distributor %lld (%s)'s, approved", (long long)d,
                     name ? name : "");
        else
            snprintf(said, cap, "the exporter's");
    } else {
        json_decref(l);
        l = NULL;
    }
    *lead = l;
    return EXIT_OK;
}

static int lead_decide(struct cli *cli, int argc, char **argv)
{
    const char *to = NULL, *note = "";
    const struct cli_opt opts[] = {
        {"to", &to, NULL, false, "reassign: to this distributor, or 'exporter'", "distributorId"},
        {"note", &note, NULL, false, "why, for the record"},
        {0}};
    const struct cli_command_spec spec = {
        "lead decide ID approve|reject|reassign [--to DISTRIBUTOR|exporter] [--note TEXT]",
        "Decides a flagged registration (exporter staff); every decision is audited. The same "
        "decision again (a retry whose answer was lost) changes nothing and says so, exit 0.",
        opts, 2, "lead decide 9 reassign --to exporter --note \"carve-out: served directly\""};
    const char *args[2] = {NULL, NULL};
    int rc = cli_args_parse(&spec, argc, argv, args, 2);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t v, d = 0;
    if ((rc = cli_parse_id(args[0], &v)))
        return rc;
    /* A reassignment without --to would hand the lead to the exporter unasked. */
    if (!strcasecmp(args[1], "reassign") != (to != NULL)) {
        cli_fail_option(cli, "--to", "distributorId",
                        to ? "only a reassignment names where the lead goes"
                           : "required to reassign: a distributor, or 'exporter'");
        return EXIT_USAGE;
    }
    if (to && strcmp(to, "exporter") && (rc = cli_resolve(cli, CLI_DISTRIBUTOR, to, 0, &d)))
        return rc;
    char said[1024], *refusal;
    json_t *resp, *done;
    rc = cli_call_unless(cli, "DecideLeadRegistration",
                         json_pack("{s:I,s:o,s:I,s:s}", "id", v, "decision",
                                   cli_enum_string(args[1]), "distributorId", d, "note", note),
                         &resp, LIAISON_FAILED_PRECONDITION, &refusal);
    if (refusal) {
        int read = lead_decided_already(cli, v, args[1], d, &done, said, sizeof said);
        if (read == EXIT_OK && done) {
            cli_print_object(cli, lead_cols, NCOLS(lead_cols), done);
            if (!cli->set.json) {
                fprintf(stderr, "liaison: lead %lld was already ", (long long)v);
                output_escaped(stderr, said);
                fputs(": nothing changed\n", stderr);
            }
            json_decref(done);
            liaison_string_free(refusal);
            return EXIT_OK;
        }
        cli_print_error(cli, LIAISON_FAILED_PRECONDITION, refusal);
        liaison_string_free(refusal);
        return rc;
    }
    if (rc != EXIT_OK)
        return rc;
    json_t *lead = json_object_get(resp, "lead"), *flags = json_object_get(lead, "flags");
    cli_print_object(cli, lead_cols, NCOLS(lead_cols), lead);
    /* Approved as reassigned, flags and all: "approved" beside outside_territory read as a
       contradiction no one would look at again (a try-out). */
    if (d && json_array_size(flags)) {
        fputs("liaison: note: approved for its new distributor, though its own registration "
              "would be flagged: ",
              stderr);
        size_t i;
        json_t *f;
        json_array_foreach(flags, i, f)
        {
            fputs(i ? ", " : "", stderr);
            output_escaped(stderr, json_string_value(f) ? json_string_value(f) : "");
        }
        fputc('\n', stderr);
    }
    json_decref(resp);
    return EXIT_OK;
}

static int lead_update(struct cli *cli, int argc, char **argv)
{
    const char *title = NULL, *value = NULL, *currency = NULL, *close = NULL, *owner = NULL,
               *region = "", *lines = NULL;
    const struct cli_opt opts[] = {
        {"title", &title, NULL, false, "what the deal is"},
        {"value", &value, NULL, false,
         "in the currency's minor units, as lead register takes it (cents for USD, whole dong "
         "for VND)",
         "value.valueMinor"},
        {"currency", &currency, NULL, false,
         "ISO 4217 code of --value, when it is not the lead's currency", "value.currency"},
        {"close", &close, NULL, false, "expected close, YYYY-MM-DD", "expectedClose"},
        {"close-date", &close, NULL, false, "the same as --close", "expectedClose"},
        {"owner", &owner, NULL, false, OWNER_HELP, "ownerId"},
        {"region", &region, NULL, false,
         "only the lead's own: a deal is registered for its region (register a new lead for "
         "another)"},
        {"lines", &lines, NULL, false,
         "only the lead's own: a deal is registered for its lines (register a new lead for "
         "others)",
         "productLineIds"},
        {0}};
    const struct cli_command_spec spec = {
        "lead update ID [--title T] [--value MINOR [--currency CUR]] [--close YYYY-MM-DD] "
        "[--owner USER]",
        "Corrects an open lead: each option given replaces what was recorded (a mistyped value, "
        "a close date that slipped, another owner); the others stay as they were. Won and lost "
        "leads are final. Its region and product lines stay those it was registered with.",
        opts, 1, "lead update 7 --value 130000000 --close 2027-05-31"};
    const char *id = NULL;
    int rc = cli_args_parse(&spec, argc, argv, &id, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t v, u = 0, amount = 0;
    if ((rc = cli_parse_id(id, &v)))
        return rc;
    if (currency && !value) {
        cli_fail_option(cli, "--currency", "value.currency",
                        "goes with --value: the currency the new value is in");
        return EXIT_USAGE;
    }
    const char *const given[][2] = {{"--title", title}, {"--close", close}};
    if (empty_given(given, NCOLS(given), "a lead"))
        return EXIT_USAGE;
    if (!title && !value && !close && !owner) {
        /* One reason: the region or lines given are why, not that nothing was. */
        if (*region || lines)
            fprintf(stderr, "liaison: a lead's region and product lines stay those it was "
                            "registered with (its deal registration was checked for them): "
                            "register a new lead for others; 'lead update' changes --title, "
                            "--value (with --currency), --close or --owner\n");
        else
            fprintf(stderr, "liaison: nothing to change: give --title, --value (with "
                            "--currency), --close or --owner\n");
        return EXIT_USAGE;
    }
    if ((value && (rc = cli_parse_minor("--value", value, CLI_MAX_AMOUNT, &amount))) ||
        (close && (rc = cli_parse_day(cli, "--close", "expectedClose", close, false))) ||
        (owner && (rc = cli_resolve(cli, CLI_USER, owner, 0, &u))))
        return rc;
    json_t *l = lines ? cli_resolve_list(cli, CLI_PRODUCT_LINE, lines, &rc) : json_array();
    if (!l)
        return rc ? rc : EXIT_ERROR;
    json_t *req = json_pack("{s:I,s:s,s:s,s:I,s:s,s:o}", "id", v, "title", title ? title : "",
                            "expectedClose", close ? close : "", "ownerId", u, "region", region,
                            "productLineIds", l);
    if (req && value &&
        json_object_set_new(req, "value",
                            json_pack("{s:I,s:s}", "valueMinor", amount, "currency",
                                      currency ? currency : "")) < 0) {
        json_decref(req);
        return EXIT_ERROR;
    }
    return cli_show_one(cli, "UpdateLead", req, "lead", lead_cols, NCOLS(lead_cols));
}

int cmd_lead(struct cli *cli, int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"register", lead_register, "register a deal (or staff: add the exporter's own lead)"},
        {"list", lead_list, "list leads"},
        {"show", lead_show, "show a lead"},
        {"stage", lead_stage, "move a lead to a stage"},
        {"decide", lead_decide, "approve, reject or reassign a flagged registration"},
        {"update", lead_update, "correct an open lead's title, value, close date or owner"},
        {NULL, NULL, NULL}};
    return cli_subcommand("lead", subs, argc, argv, cli);
}

/* ---------- interactions ---------- */

static int interaction_add(struct cli *cli, int argc, char **argv)
{
    const char *kind = NULL, *summary = NULL, *at = NULL, *lead = NULL, *account = NULL,
               *dist = NULL;
    const struct cli_opt opts[] = {
        {"kind", &kind, NULL, true, "call, visit, email or message"},
        {"summary", &summary, NULL, true, "what was said or agreed"},
        {"at", &at, NULL, false,
         "when: RFC 3339 or 'YYYY-MM-DD HH:MM' in this computer's time zone (TZ); default now"},
        {"lead", &lead, NULL, false, "about this lead (id); its account is the account", "leadId"},
        {"account", &account, NULL, false, "about this key account (id or name)", "keyAccountId"},
        {"distributor", &dist, NULL, false,
         "the distributor whose side it is on (default: the lead's, else the account's)",
         "distributorId"},
        {0}};
    const struct cli_command_spec spec = {
        "interaction add --kind K --summary S (--lead ID | --account A) [--at TIME] "
        "[--distributor D]",
        "Records a call, visit, e-mail or message with a customer. It is on its customer's\n"
        "side: one about a distributor's account or lead is read by that distributor's\n"
        "users too ('interaction list' shows whose, in DISTRIBUTOR); one about the\n"
        "exporter's own account stays the exporter's.",
        opts, 0,
        "interaction add --kind visit --lead 7 --at \"2026-11-02 09:30\" --summary \"Gặp anh "
        "Minh, đội xe 40 chiếc\""};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    char when[64] = "", kind_word[16];
    /* "Call" as "call", as every enum option takes it (a try-out). */
    kind = cli_enum_word(kind, kind_word, sizeof kind_word);
    json_int_t l, a, d;
    if ((at && (rc = cli_parse_time("at", at, when, sizeof when))) ||
        (rc = lead_opt(cli, lead, &l)) || (rc = distributor_opt(cli, dist, &d)) ||
        (rc = account_opt(cli, account, d, &a)))
        return rc;
    return cli_show_one(cli, "CreateInteraction",
                        json_pack("{s:s,s:s,s:s,s:I,s:I,s:I}", "kind", kind, "summary", summary,
                                  "at", when, "leadId", l, "keyAccountId", a, "distributorId", d),
                        "interaction", interaction_cols, NCOLS(interaction_cols));
}

static int interaction_list(struct cli *cli, int argc, char **argv)
{
    const char *dist = NULL, *account = NULL, *lead = NULL;
    struct cli_paging page = {0};
    const struct cli_opt opts[] = {
        {"distributor", &dist, NULL, false, "only this distributor's", "distributorId"},
        {"account", &account, NULL, false, "only about this key account (id or name)",
         "keyAccountId"},
        {"lead", &lead, NULL, false, "only about this lead (id)", "leadId"},
        CLI_PAGING_OPTS(page),
        {0}};
    const struct cli_command_spec spec = {
        "interaction list [--distributor D] [--account A] [--lead ID] [--all]",
        "Lists the customer interactions you reach, in the order they took place.", opts, 0,
        "interaction list --lead 7"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t d, a, l;
    if ((rc = distributor_opt(cli, dist, &d)) || (rc = account_opt(cli, account, d, &a)) ||
        (rc = lead_opt(cli, lead, &l)))
        return rc;
    return cli_list(cli, "ListInteractions",
                    json_pack("{s:I,s:I,s:I}", "distributorId", d, "keyAccountId", a, "leadId", l),
                    "interactions", interaction_cols, NCOLS(interaction_cols), &page);
}

/* A call written down with a slip (its summary, its time, e-mail for visit) had no mend (a
 * try-out): corrected in place, audited. */
static int interaction_update(struct cli *cli, int argc, char **argv)
{
    const char *kind = NULL, *summary = NULL, *at = NULL;
    const struct cli_opt opts[] = {
        {"kind", &kind, NULL, false, "call, visit, email or message"},
        {"summary", &summary, NULL, false, "what was said or agreed, said again"},
        {"at", &at, NULL, false,
         "when: RFC 3339 or 'YYYY-MM-DD HH:MM' in this computer's time zone (TZ)"},
        {0}};
    const struct cli_command_spec spec = {
        "interaction update ID [--kind K] [--summary S] [--at TIME]",
        "Corrects a recorded interaction: its kind, its summary or when it took place; what\n"
        "is not given stays. Its account and lead stay as they are.",
        opts, 1, "interaction update 12 --at \"2026-11-02 14:30\""};
    json_int_t id;
    int rc = cli_args_id(&spec, argc, argv, &id);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if ((rc = cli_args_changes(opts, "the interaction")))
        return rc;
    char when[64] = "", kind_word[16] = "";
    if (kind)
        kind = cli_enum_word(kind, kind_word, sizeof kind_word);
    if (at && (rc = cli_parse_time("at", at, when, sizeof when)))
        return rc;
    return cli_show_one(cli, "UpdateInteraction",
                        json_pack("{s:I,s:s,s:s,s:s}", "id", id, "kind", kind ? kind : "",
                                  "summary", summary ? summary : "", "at", when),
                        "interaction", interaction_cols, NCOLS(interaction_cols));
}

int cmd_interaction(struct cli *cli, int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"add", interaction_add, "record a call, visit, e-mail or message"},
        {"list", interaction_list, "list interactions"},
        {"update", interaction_update, "correct an interaction's kind, summary or time"},
        {NULL, NULL, NULL}};
    return cli_subcommand("interaction", subs, argc, argv, cli);
}

/* ---------- settings ---------- */

static int crm_settings(struct cli *cli, int argc, char **argv)
{
    const char *days = NULL;
    const struct cli_opt opts[] = {{"protection-days", &days, NULL, false,
                                    "days an accepted registration protects its account (1-3650)",
                                    "dealProtectionDays"},
                                   {0}};
    const struct cli_command_spec spec = {
        "crm settings [--protection-days N]",
        "Shows the tenant's CRM settings; with an option, changes them (tenant admins).", opts, 0,
        "crm settings --protection-days 120"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if (!days)
        return cli_show_one(cli, "GetCrmSettings", json_object(), "settings", settings_cols, 1);
    json_int_t n;
    if ((rc = cli_parse_range("--protection-days", days, 1, 3650, &n)))
        return rc;
    return cli_show_one(cli, "UpdateCrmSettings",
                        json_pack("{s:{s:I}}", "settings", "dealProtectionDays", n), "settings",
                        settings_cols, 1);
}

int cmd_crm(struct cli *cli, int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"settings", crm_settings, "show or change the tenant's CRM settings"}, {NULL, NULL, NULL}};
    return cli_subcommand("crm", subs, argc, argv, cli);
}
