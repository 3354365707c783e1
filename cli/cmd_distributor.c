/*
 * cmd_distributor.c - 'liaison distributor ...' and 'liaison contact ...'.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct output_column dist_cols[] = {{"ID", "id"},
                                                 {"NAME", "name"},
                                                 {"COUNTRY", "country"},
                                                 {"STATUS", "status"},
                                                 {"TIME ZONE", "timeZone"},
                                                 {"LANGUAGES", "languages"},
                                                 {"HOURS FROM", "businessHoursStart"},
                                                 {"HOURS TO", "businessHoursEnd"},
                                                 {"DAYS", "workDays", OUTPUT_DAYS, NULL},
                                                 {"MANAGER", "accountManagerName"}};
/* A disabled account manager looks after nobody: the MANAGER cell says so. */
static void dist_row(json_t *row)
{
    const char *name = json_string_value(json_object_get(row, "accountManagerName"));
    if (name && json_is_true(json_object_get(row, "accountManagerDisabled"))) {
        char cell[512];
        snprintf(cell, sizeof cell, "%s (disabled)", name);
        json_object_set_new(row, "accountManagerName", json_string(cell));
    }
}

static const struct output_column contact_cols[] = {{"ID", "id"},
                                                    {"NAME", "name"},
                                                    {"ROLE", "role"},
                                                    {"EMAIL", "email"},
                                                    {"PHONE", "phone"},
                                                    {"MESSAGING", "messaging"},
                                                    {"LANGUAGE", "language"},
                                                    {"TIME ZONE", "timeZone"},
                                                    {"LEFT", "leftOn"}};
#define CONTACT_NCOLS ((int)(sizeof contact_cols / sizeof contact_cols[0]))

/* Options shared by create and update. */
struct dist_opts {
    const char *name, *country, *languages, *tz, *hours, *days, *manager;
};

/* Sets key to the string s in f when s was given; false when memory ran out. */
static bool set_given(json_t *f, const char *key, const char *s)
{
    return !s || json_object_set_new(f, key, json_string(s)) == 0;
}

/*
 * DistributorFields: f (consumed; what an update keeps, or empty) with the
 * options given set over it. NULL after saying what is wrong.
 */
static json_t *dist_fields(const struct dist_opts *o, json_t *f)
{
    json_t *langs = o->languages ? cli_split(o->languages, false) : NULL;
    json_t *days = o->days ? cli_days(o->days) : NULL;
    const char *why = NULL;
    char from[16], to[16];
    if (o->languages && !langs)
        why = "--languages is a comma-separated list: vi,en";
    else if (o->days && !days)
        why = "--days is a list of days, 1 (Mon) to 7 (Sun) or names, with ranges: 1,2,3 or "
              "Mon-Sat or mon,wed,fri";
    else if (o->hours && sscanf(o->hours, "%15[0-9:]-%15[0-9:]", from, to) != 2)
        why = "--hours is FROM-TO, e.g. 08:00-17:00";
    else if (!f || !set_given(f, "name", o->name) || !set_given(f, "country", o->country) ||
             !set_given(f, "timeZone", o->tz) ||
             (langs && json_object_set(f, "languages", langs) != 0) ||
             (days && json_object_set(f, "workDays", days) != 0) ||
             !set_given(f, "businessHoursStart", o->hours ? from : NULL) ||
             !set_given(f, "businessHoursEnd", o->hours ? to : NULL))
        why = "out of memory";
    json_decref(langs);
    json_decref(days);
    if (!why)
        return f;
    fprintf(stderr, "liaison: %s\n", why);
    json_decref(f);
    return NULL;
}

/* A distributor's fields as options; req: the three a new one needs are required. */
#define DIST_FIELD_OPTS(o, req)                                                                    \
    {"name", &(o).name, NULL, req, "the distributor's name"},                                      \
        {"country", &(o).country, NULL, req, "ISO 3166-1 alpha-2 code, e.g. VN"},                  \
        {"time-zone", &(o).tz, NULL, req, "IANA time zone, e.g. Asia/Ho_Chi_Minh"},                \
        {"languages", &(o).languages, NULL, false, "BCP 47 tags, comma-separated: vi,en"},         \
        {"hours",                                                                                  \
         &(o).hours,                                                                               \
         NULL,                                                                                     \
         false,                                                                                    \
         (req) ? "business hours FROM-TO (default 09:00-17:00)" : "business hours FROM-TO",        \
         "businessHoursStart businessHoursEnd"},                                                   \
    {                                                                                              \
        "days", &(o).days, NULL, false,                                                            \
            (req) ? "work days: 1,2,3 or Mon-Sat, Sun-Thu or mon,wed (default Mon-Fri)"            \
                  : "work days: 1,2,3 or Mon-Sat, Sun-Thu or mon,wed",                             \
            "workDays"                                                                             \
    }

static int dist_create(struct cli *cli, int argc, char **argv)
{
    struct dist_opts o = {0};
    const struct cli_opt opts[] = {DIST_FIELD_OPTS(o, true),
                                   {"manager", &o.manager, NULL, false,
                                    "account manager: user id or e-mail", "accountManagerId"},
                                   {0}};
    const struct cli_command_spec spec = {
        "distributor create --name N --country CC --time-zone TZ [--languages L,..] "
        "[--hours 08:00-17:00] [--days 1,2,3,4,5] [--manager USER]",
        "Creates a distributor (status prospect).", opts, 0,
        "distributor create --name \"Saigon Auto Parts\" --country VN --time-zone Asia/Ho_Chi_Minh "
        "--languages vi,en --hours 08:00-17:00 --days 1,2,3,4,5,6 --manager bao@acme.example"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_t *f = dist_fields(&o, json_object());
    if (!f)
        return EXIT_USAGE;
    json_int_t m = 0;
    if (o.manager &&
        (rc = cli_resolve_user(cli, o.manager, "only tenant admins create distributors", &m))) {
        json_decref(f);
        return rc;
    }
    return cli_show_one(cli, "CreateDistributor",
                        json_pack("{s:o,s:I}", "fields", f, "accountManagerId", m), "distributor",
                        dist_cols, 10);
}

static int dist_update(struct cli *cli, int argc, char **argv)
{
    static const char *const keys[] = {
        "name",    "country", "languages", "timeZone", "businessHoursStart", "businessHoursEnd",
        "workDays"};
    struct dist_opts o = {0};
    const struct cli_opt opts[] = {DIST_FIELD_OPTS(o, false), {0}};
    const struct cli_command_spec spec = {
        "distributor update DISTRIBUTOR [--name N] [--country CC] [--time-zone TZ] "
        "[--languages L,..] [--hours FROM-TO] [--days D,..]",
        "Changes the details given of a distributor (DISTRIBUTOR: its id or name); the others\n"
        "stay as they are.",
        opts, 1, "distributor update \"Saigon Auto Parts\" --name \"Saigon Auto Parts JSC\""};
    const char *id = NULL;
    int rc = cli_args_parse(&spec, argc, argv, &id, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if (!o.name && !o.country && !o.tz && !o.languages && !o.hours && !o.days) {
        fprintf(stderr, "liaison: nothing to change: give at least one of the options "
                        "(liaison distributor update --help)\n");
        return EXIT_USAGE;
    }
    json_int_t v;
    if ((rc = cli_resolve(cli, CLI_DISTRIBUTOR, id, 0, &v)))
        return rc;
    json_t *f = cli_current_fields(cli, "GetDistributor", v, "distributor", keys,
                                   sizeof keys / sizeof keys[0], &rc);
    if (!f)
        return rc;
    if (!(f = dist_fields(&o, f)))
        return EXIT_USAGE;
    rc = cli_show_one(cli, "UpdateDistributor", json_pack("{s:I,s:o}", "id", v, "fields", f),
                      "distributor", dist_cols, 10);
    if (rc == EXIT_OK && (o.tz || o.hours || o.days))
        cli_replan_hint(cli, v);
    return rc;
}

static int dist_list(struct cli *cli, int argc, char **argv)
{
    const char *status = NULL, *country = NULL, *manager = NULL, *name = "";
    struct cli_paging page = {0};
    const struct cli_opt opts[] = {
        {"name", &name, NULL, false, "only names that have this, any case"},
        {"status", &status, NULL, false, "prospect, onboarding, active, at_risk, terminated"},
        {"country", &country, NULL, false, "ISO 3166-1 alpha-2 code"},
        {"manager", &manager, NULL, false, "account manager: user id or e-mail",
         "accountManagerId"},
        CLI_PAGING_OPTS(page),
        {0}};
    const struct cli_command_spec spec = {
        "distributor list [--name TEXT] [--status S] [--country CC] [--manager USER] [--all]",
        "Lists the distributors you reach.", opts, 0,
        "distributor list --name saigon --status active --country VN"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t m = 0;
    if (manager && (rc = cli_resolve(cli, CLI_USER, manager, 0, &m)))
        return rc;
    json_t *req = json_pack("{s:I,s:s}", "accountManagerId", m, "name", name);
    if (status)
        json_object_set_new(req, "status", cli_enum_string(status));
    if (country)
        json_object_set_new(req, "country", json_string(country));
    return cli_list_mapped(cli, "ListDistributors", req, "distributors", dist_cols, 10, &page,
                           cli->set.json ? NULL : dist_row);
}

static int dist_show(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {
        "distributor show DISTRIBUTOR",
        "Shows a distributor (DISTRIBUTOR: its id or name). A MANAGER whose account is\n"
        "disabled is marked so: assign another with 'distributor assign'.",
        opts, 1, "distributor show \"Saigon Auto Parts\""};
    const char *id = NULL;
    json_int_t v;
    int rc = cli_args_parse(&spec, argc, argv, &id, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_t *resp;
    if ((rc = cli_resolve(cli, CLI_DISTRIBUTOR, id, 0, &v)) ||
        (rc = cli_call(cli, "GetDistributor", json_pack("{s:I}", "id", v), &resp)))
        return rc;
    json_t *d = json_object_get(resp, "distributor");
    if (!cli->set.json)
        dist_row(d);
    cli_print_object(cli, dist_cols, 10, d);
    json_decref(resp);
    return EXIT_OK;
}

/*
 * What a termination left open, said after it: its orders on their way and its registrations
 * awaiting a decision, which the exporter still settles (a try-out: it printed the record alone).
 */
static void ended_notes(struct cli *cli, json_int_t d)
{
    static const char *const moving[] = {"placed", "confirmed", "shipped"};
    char orders[2048] = "", leads[2048] = "";
    bool more = false;
    int n = 0, m;
    for (size_t i = 0; i < sizeof moving / sizeof moving[0]; i++)
        if ((m = cli_list_some(cli, "ListOrders",
                               json_pack("{s:I,s:s}", "distributorId", d, "status", moving[i]),
                               "orders", NULL, moving[i], orders, sizeof orders, &more)) > 0)
            n += m;
    if (n > 0)
        fprintf(stderr,
                "liaison: note: its orders still open: %s%s; confirm, ship, deliver or "
                "cancel them ('liaison order status')\n",
                orders, more ? ", and more" : "");
    more = false;
    if (cli_list_some(cli, "ListLeads",
                      json_pack("{s:I,s:s}", "distributorId", d, "registration", "flagged"),
                      "leads", NULL, "flagged", leads, sizeof leads, &more) > 0)
        fprintf(stderr,
                "liaison: note: its registrations awaiting a decision: %s%s; decide them "
                "('liaison lead decide')\n",
                leads, more ? ", and more" : "");
}

static int dist_status(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {
        "distributor status DISTRIBUTOR STATUS",
        "Moves a distributor: prospect -> onboarding -> active <-> at_risk, onboarding <->\n"
        "at_risk (back to onboarding while its 90 days last; active once they are over);\n"
        "any -> terminated.",
        opts, 2, "distributor status \"Saigon Auto Parts\" onboarding"};
    const char *args[2] = {NULL, NULL};
    int rc = cli_args_parse(&spec, argc, argv, args, 2);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t v;
    json_t *status = cli_enum_string(args[1]);
    if (!status)
        return EXIT_ERROR;
    /*
     * Terminating is for good: a part of a name that happens to be unique is not enough. The
     * status as sent (any case: "Terminated" too) decides.
     */
    if ((rc = !strcmp(json_string_value(status), "terminated")
                  ? cli_resolve_exact(cli, CLI_DISTRIBUTOR, args[0], &v)
                  : cli_resolve(cli, CLI_DISTRIBUTOR, args[0], 0, &v))) {
        json_decref(status);
        return rc;
    }
    bool ending = !strcmp(json_string_value(status), "terminated");
    rc =
        cli_show_one(cli, "SetDistributorStatus", json_pack("{s:I,s:o}", "id", v, "status", status),
                     "distributor", dist_cols, 10);
    if (rc == EXIT_OK && ending)
        ended_notes(cli, v);
    return rc;
}

static int dist_assign(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {
        "distributor assign DISTRIBUTOR USER",
        "Makes a manager (id or e-mail) the distributor's account manager. They take the\n"
        "previous one's place in the distributor's meeting series and meetings to come.",
        opts, 2, "distributor assign \"Saigon Auto Parts\" bao@acme.example"};
    const char *args[2] = {NULL, NULL};
    int rc = cli_args_parse(&spec, argc, argv, args, 2);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t v, u;
    if ((rc = cli_resolve(cli, CLI_DISTRIBUTOR, args[0], 0, &v)) ||
        (rc = cli_resolve_user(cli, args[1], "only tenant admins assign account managers", &u)))
        return rc;
    rc = cli_show_one(cli, "AssignAccountManager", json_pack("{s:I,s:I}", "id", v, "userId", u),
                      "distributor", dist_cols, 10);
    /* The exporter side of its calls is the new manager's working time now. */
    if (rc == EXIT_OK)
        cli_replan_hint(cli, v);
    return rc;
}

int cmd_distributor(struct cli *cli, int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"create", dist_create, "create a distributor"},
        {"list", dist_list, "list distributors"},
        {"show", dist_show, "show a distributor"},
        {"update", dist_update, "change a distributor's details"},
        {"status", dist_status, "change a distributor's status"},
        {"assign", dist_assign, "assign an account manager"},
        {NULL, NULL, NULL}};
    return cli_subcommand("distributor", subs, argc, argv, cli);
}

/* ---------- contacts ---------- */

struct contact_opts {
    const char *name, *role, *email, *phone, *messaging, *language, *tz;
};

/* A contact's fields as options; req: a new one needs its name. */
#define CONTACT_FIELD_OPTS(o, req)                                                                 \
    {"name", &(o).name, NULL, req, "full name"},                                                   \
        {"role", &(o).role, NULL, false, "purchasing manager, sales director, ..."},               \
        {"email", &(o).email, NULL, false, "e-mail address"},                                      \
        {"phone", &(o).phone, NULL, false, "phone number"},                                        \
        {"messaging", &(o).messaging, NULL, false, "e.g. whatsapp:+84901234567"},                  \
        {"language", &(o).language, NULL, false, "preferred language, BCP 47"},                    \
    {                                                                                              \
        "time-zone", &(o).tz, NULL, false, "IANA time zone"                                        \
    }

/* ContactFields: f (consumed; what an update keeps, or empty) with the options given set over it.
 */
static json_t *contact_fields(const struct contact_opts *o, json_t *f)
{
    if (f && set_given(f, "name", o->name) && set_given(f, "role", o->role) &&
        set_given(f, "email", o->email) && set_given(f, "phone", o->phone) &&
        set_given(f, "messaging", o->messaging) && set_given(f, "language", o->language) &&
        set_given(f, "timeZone", o->tz))
        return f;
    fprintf(stderr, "liaison: out of memory\n");
    json_decref(f);
    return NULL;
}

/* Adds role to roles unless it is there (in any case). */
static void role_add(json_t *roles, const char *role)
{
    size_t i;
    json_t *r;
    json_array_foreach(roles, i, r)
    {
        if (cli_fold_equal(json_string_value(r), role))
            return;
    }
    json_array_append_new(roles, json_string(role));
}

/*
 * A contact's role is how an escalation ladder finds them (the server
 * matches it without case): a role no rung names is passed by every
 * request, and nothing said so (a try-out: the demonstration's contacts
 * had Vietnamese roles, its ladders English ones). Said once the contact
 * is written, with the roles the ladders do name. The look-ups are quiet:
 * who may not read the ladders gets no note. dist 0: contact's.
 */
static void role_note(struct cli *cli, json_int_t dist, json_int_t contact, const char *role)
{
    if (!role || !*role || cli->set.json || cli->set.ids)
        return;
    char req[64], *resp = NULL;
    json_t *got = NULL;
    if (!dist) {
        snprintf(req, sizeof req, "{\"id\":%lld}", (long long)contact);
        if (liaison_call_json(cli->conn, "GetContact", req, &resp) == LIAISON_OK)
            got = json_loads(resp, 0, NULL);
        liaison_string_free(resp);
        resp = NULL;
        dist = cli_json_id(json_object_get(json_object_get(got, "contact"), "distributorId"));
        json_decref(got);
        got = NULL;
        if (!dist)
            return;
    }
    snprintf(req, sizeof req, "{\"distributorId\":%lld}", (long long)dist);
    if (liaison_call_json(cli->conn, "GetEscalationProtocol", req, &resp) == LIAISON_OK)
        got = json_loads(resp, 0, NULL);
    liaison_string_free(resp);
    json_t *named = json_array();
    bool held = false;
    size_t i, j;
    json_t *p, *step;
    json_array_foreach(json_object_get(got, "protocols"), i, p)
    {
        json_array_foreach(json_object_get(p, "steps"), j, step)
        {
            const char *r = json_string_value(json_object_get(step, "contactRole"));
            /* A rung naming a person answers with that person's role: not a rung of it. */
            if (!r || !*r || !named || !json_is_true(json_object_get(step, "byRole")))
                continue;
            /* The server matches titles across languages (migration 0301): the rung that
               reaches this contact holds it, whatever its words. */
            held = held || cli_fold_equal(r, role) ||
                   (contact && cli_json_id(json_object_get(step, "contactId")) == contact);
            role_add(named, r);
        }
    }
    if (!held && json_array_size(named)) {
        fprintf(stderr, "liaison: note: no rung of the distributor's escalation ladders names the "
                        "role '");
        output_escaped(stderr, role);
        fprintf(stderr, "', so requests pass this contact by; the ladders name ");
        json_array_foreach(named, i, p)
        {
            fprintf(stderr, "%s'", i ? ", " : "");
            output_escaped(stderr, json_string_value(p));
            fputc('\'', stderr);
        }
        fprintf(stderr, " ('liaison escalation protocol %lld')\n", (long long)dist);
    }
    json_decref(named);
    json_decref(got);
}

static int contact_create(struct cli *cli, int argc, char **argv)
{
    struct contact_opts o = {0};
    const char *dist = NULL;
    const struct cli_opt opts[] = {
        {"distributor", &dist, NULL, true, "the distributor: id or name"},
        CONTACT_FIELD_OPTS(o, true),
        {0}};
    const struct cli_command_spec spec = {
        "contact create --distributor DISTRIBUTOR --name N [--role R] [--email E] [--phone P] "
        "[--messaging M] [--language L] [--time-zone TZ]",
        "Adds a contact person to a distributor.", opts, 0,
        "contact create --distributor \"Saigon Auto Parts\" --name \"Nguyễn Văn An\" --role "
        "\"purchasing manager\""};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t d;
    if ((rc = cli_resolve(cli, CLI_DISTRIBUTOR, dist, 0, &d)))
        return rc;
    json_t *f = contact_fields(&o, json_object());
    if (!f)
        return EXIT_ERROR;
    json_t *resp;
    rc = cli_call(cli, "CreateContact", json_pack("{s:I,s:o}", "distributorId", d, "fields", f),
                  &resp);
    if (rc != EXIT_OK)
        return rc;
    json_t *made = json_object_get(resp, "contact");
    cli_print_object(cli, contact_cols, CONTACT_NCOLS, made);
    role_note(cli, d, cli_json_id(json_object_get(made, "id")), o.role);
    json_decref(resp);
    return EXIT_OK;
}

static int contact_list(struct cli *cli, int argc, char **argv)
{
    const char *dist = NULL, *name = "";
    bool with_left = false;
    struct cli_paging page = {0};
    const struct cli_opt opts[] = {
        {"distributor", &dist, NULL, true, "the distributor: id or name"},
        {"name", &name, NULL, false, "only names or e-mails that have this, any case"},
        {"include-left", NULL, &with_left, false,
         "also the contacts who left (LEFT: the day they did)", "includeLeft"},
        CLI_PAGING_OPTS(page),
        {0}};
    const struct cli_command_spec spec = {
        "contact list --distributor DISTRIBUTOR [--name TEXT] [--include-left] [--all]",
        "Lists a distributor's current contacts; --include-left adds those who left.", opts, 0,
        "contact list --distributor \"Saigon Auto Parts\" --name nguyễn --include-left"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t d;
    if ((rc = cli_resolve(cli, CLI_DISTRIBUTOR, dist, 0, &d)))
        return rc;
    return cli_list(
        cli, "ListContacts",
        json_pack("{s:I,s:s,s:b}", "distributorId", d, "name", name, "includeLeft", with_left),
        "contacts", contact_cols, CONTACT_NCOLS, &page);
}

/*
 * A contact by id, or by name or e-mail within --distributor (an id or a name). An id with
 * --distributor must be that distributor's contact: the change or removal was made to another
 * distributor's contact whose id was mistyped (found in a try-out).
 */
static int contact_resolve(struct cli *cli, const char *dist, const char *contact, json_int_t *id)
{
    json_int_t d = 0;
    int rc = dist ? cli_resolve(cli, CLI_DISTRIBUTOR, dist, 0, &d) : 0;
    if (rc || (rc = cli_resolve(cli, CLI_CONTACT, contact, d, id)) || !d)
        return rc;
    /* A name or an e-mail was looked up within the distributor already. */
    if (contact[strspn(contact, "0123456789")])
        return EXIT_OK;
    json_t *resp;
    if ((rc = cli_call(cli, "GetContact", json_pack("{s:I}", "id", *id), &resp)))
        return rc;
    json_int_t owner =
        cli_json_id(json_object_get(json_object_get(resp, "contact"), "distributorId"));
    json_decref(resp);
    if (owner == d)
        return EXIT_OK;
    char msg[160];
    snprintf(msg, sizeof msg, "contact %lld is not a contact of distributor %lld", (long long)*id,
             (long long)d);
    cli_fail(cli, "NOT_FOUND", msg);
    return EXIT_NOT_FOUND;
}

#define CONTACT_DIST_OPT(d)                                                                        \
    {                                                                                              \
        "distributor", &(d), NULL, false, "the contact's distributor, to name the contact"         \
    }

static int contact_update(struct cli *cli, int argc, char **argv)
{
    static const char *const keys[] = {"name",      "role",     "email",   "phone",
                                       "messaging", "language", "timeZone"};
    struct contact_opts o = {0};
    const char *dist = NULL;
    const struct cli_opt opts[] = {CONTACT_DIST_OPT(dist), CONTACT_FIELD_OPTS(o, false), {0}};
    const struct cli_command_spec spec = {
        "contact update CONTACT [--distributor DISTRIBUTOR] [--name N] [--role R] [--email E]\n"
        "       [--phone P] [--messaging M] [--language L] [--time-zone TZ]",
        "Changes the details given of a contact; the others stay as they are (--role \"\"\n"
        "empties one). CONTACT: its id, or its name or e-mail with --distributor.",
        opts, 1,
        "contact update \"Nguyễn Văn An\" --distributor \"Saigon Auto Parts\" --email "
        "an@saigon-auto.example"};
    const char *id = NULL;
    int rc = cli_args_parse(&spec, argc, argv, &id, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if (!o.name && !o.role && !o.email && !o.phone && !o.messaging && !o.language && !o.tz) {
        fprintf(stderr, "liaison: nothing to change: give at least one of the options "
                        "(liaison contact update --help)\n");
        return EXIT_USAGE;
    }
    json_int_t v;
    if ((rc = contact_resolve(cli, dist, id, &v)))
        return rc;
    json_t *f = cli_current_fields(cli, "GetContact", v, "contact", keys,
                                   sizeof keys / sizeof keys[0], &rc);
    if (!f)
        return rc;
    if (!(f = contact_fields(&o, f)))
        return EXIT_ERROR;
    rc = cli_show_one(cli, "UpdateContact", json_pack("{s:I,s:o}", "id", v, "fields", f), "contact",
                      contact_cols, CONTACT_NCOLS);
    if (rc == EXIT_OK)
        role_note(cli, 0, v, o.role);
    return rc;
}

/* show and remove: one contact, by id or by name within a distributor. */
static int contact_one(struct cli *cli, int argc, char **argv, const char *method)
{
    const char *dist = NULL;
    const struct cli_opt opts[] = {CONTACT_DIST_OPT(dist), {0}};
    const struct cli_command_spec show = {
        "contact show CONTACT [--distributor DISTRIBUTOR]",
        "Shows one contact. CONTACT: its id, or its name or e-mail with --distributor.", opts, 1,
        "contact show \"Nguyễn Văn An\" --distributor \"Saigon Auto Parts\""};
    const struct cli_command_spec remove = {
        "contact remove CONTACT [--distributor DISTRIBUTOR]",
        "Removes a contact entered by mistake. One who owns action items or is an attendee of\n"
        "meetings stays with that history: mark them as left instead ('contact left').\n"
        "CONTACT: its id, or its name or e-mail with --distributor.",
        opts, 1, "contact remove an@saigon-auto.example --distributor \"Saigon Auto Parts\""};
    bool removing = strcmp(method, "GetContact") != 0;
    const char *id = NULL;
    int rc = cli_args_parse(removing ? &remove : &show, argc, argv, &id, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t v;
    if ((rc = contact_resolve(cli, dist, id, &v)))
        return rc;
    rc = cli_show_one(cli, method, json_pack("{s:I}", "id", v), "contact", contact_cols,
                      CONTACT_NCOLS);
    /* Refused for the history that names them (--json keeps the error the last line). */
    if (removing && rc == EXIT_CONFLICT && !cli->set.json)
        fprintf(stderr,
                "liaison: to keep that history, mark them as left instead: liaison contact "
                "left %lld\n",
                (long long)v);
    return rc;
}

static int contact_show(struct cli *cli, int argc, char **argv)
{
    return contact_one(cli, argc, argv, "GetContact");
}

static int contact_remove(struct cli *cli, int argc, char **argv)
{
    return contact_one(cli, argc, argv, "RemoveContact");
}

/*
 * Says on stderr what still names contact c, who left (refs: the answer's stillNamed), each
 * with the command that finds it someone current; past CONTACT_MEETINGS_SHOWN meetings, how
 * many more.
 */
#define CONTACT_MEETINGS_SHOWN 5
static void contact_still_named(const json_t *c, const json_t *refs)
{
    size_t n = json_array_size(refs), meetings = 0;
    if (!n)
        return;
    const char *name = json_string_value(json_object_get(c, "name"));
    const char *left_on = json_string_value(json_object_get(c, "leftOn"));
    /* Names are other users' text: escaped, as in every table. */
    fputs("liaison: warning: ", stderr);
    output_escaped(stderr, name ? name : "");
    fputs(" left on ", stderr);
    output_escaped(stderr, left_on ? left_on : "");
    fprintf(stderr, " and is still named by %zu %s that want%s someone current:\n", n,
            n == 1 ? "thing" : "things", n == 1 ? "s" : "");
    long long dist = (long long)cli_json_id(json_object_get(c, "distributorId"));
    size_t i;
    const json_t *ref;
    json_array_foreach(refs, i, ref)
    {
        const char *kind = json_string_value(json_object_get(ref, "kind"));
        const char *summary = json_string_value(json_object_get(ref, "summary"));
        const char *at = json_string_value(json_object_get(ref, "at"));
        long long id = (long long)cli_json_id(json_object_get(ref, "id"));
        kind = kind ? kind : "";
        if (!strcmp(kind, "escalation_rung")) {
            /* "rung 2 of the high escalation ladder": 'set' replaces that severity's ladder. */
            char severity[16] = "";
            if (!summary || sscanf(summary, "rung %*d of the %15s escalation", severity) != 1)
                snprintf(severity, sizeof severity, "S");
            fputs("liaison:   ", stderr);
            output_escaped(stderr, summary ? summary : "");
            fprintf(stderr,
                    ": set that ladder again without them (liaison escalation protocol %lld "
                    "set --severity %s --step ...; 'liaison escalation protocol %lld' shows it)\n",
                    dist, severity, dist);
            continue;
        }
        if (!strcmp(kind, "login")) {
            /* Their own login as the distributor's user: it still reads what is shared with it. */
            fputs("liaison:   their login ", stderr);
            output_escaped(stderr, summary ? summary : "");
            fputs(" still signs in and reads what is shared with the distributor: a tenant "
                  "admin disables it (liaison user disable ",
                  stderr);
            output_escaped(stderr, summary ? summary : "");
            fputs(")\n", stderr);
            continue;
        }
        if (!strcmp(kind, "escalation_role")) {
            fputs("liaison:   ", stderr);
            output_escaped(stderr, summary ? summary : "");
            fprintf(stderr,
                    ": no current contact holds that role now; give it to one (liaison contact "
                    "update CONTACT --distributor %lld --role ROLE)\n",
                    dist);
            continue;
        }
        bool item = !strcmp(kind, "action_item");
        /* A login's series run a year ahead: the first few meetings, then how many more. */
        if (!item && ++meetings > CONTACT_MEETINGS_SHOWN)
            continue;
        fprintf(stderr, "liaison:   %s %lld \"", item ? "action item" : "meeting", id);
        output_escaped(stderr, summary ? summary : "");
        if (item)
            fprintf(stderr,
                    "\", due %s: hand it to someone current (liaison action update %lld --owner "
                    "WHO)\n",
                    at ? at : "", id);
        else
            fprintf(stderr,
                    "\", at %s: uninvite them ('liaison meeting show %lld' gives their attendee "
                    "id for 'liaison meeting uninvite %lld ATTENDEE')\n",
                    at ? at : "", id, id);
    }
    if (meetings > CONTACT_MEETINGS_SHOWN)
        fprintf(stderr,
                "liaison:   and %zu more meeting%s to come with them; in a series, take them "
                "out of its attendees (liaison cadence show %lld; liaison cadence series update "
                "SERIES_ID --attendee WHO, once for each who stays)\n",
                meetings - CONTACT_MEETINGS_SHOWN,
                meetings - CONTACT_MEETINGS_SHOWN == 1 ? "" : "s", dist);
}

/* 'contact left' and 'contact rejoin': SetContactLeft. */
static int contact_left(struct cli *cli, int argc, char **argv)
{
    bool rejoin = !strcmp(argv[0], "rejoin");
    const char *dist = NULL, *on = NULL;
    const struct cli_opt left_opts[] = {
        CONTACT_DIST_OPT(dist),
        {"on", &on, NULL, false,
         "the day they left, YYYY-MM-DD (default: today in the tenant's time zone)", "leftOn"},
        {0}};
    const struct cli_opt rejoin_opts[] = {CONTACT_DIST_OPT(dist), {0}};
    const struct cli_command_spec left = {
        "contact left CONTACT [--distributor DISTRIBUTOR] [--on YYYY-MM-DD]",
        "Marks a contact as having left the distributor, on --on (default: today in the\n"
        "tenant's time zone; never a day to come). They keep their history (meetings, notes,\n"
        "action items, the audit log), are left out of 'contact list' (--include-left shows\n"
        "them), own no new action item, attend no meeting after that day (one held before it\n"
        "can still be written up with them) and are no new rung of an escalation ladder; a\n"
        "request passes over a rung that names them. What still names them (open action\n"
        "items, ladder rungs, meetings to come; and the distributor's user with their e-mail,\n"
        "the same person, while that login is enabled, with its own items and meetings) is\n"
        "listed on stderr. Marking again with --on changes the day (without it, the day\n"
        "stays); 'contact rejoin' undoes a mistake.\n"
        "CONTACT: its id, or its name or e-mail with --distributor.",
        left_opts, 1,
        "contact left \"Trần Văn Hùng\" --distributor \"Saigon Auto Parts\" --on 2026-11-28"};
    const struct cli_command_spec back = {
        "contact rejoin CONTACT [--distributor DISTRIBUTOR]",
        "Marks a contact who was marked as left as current again (the mark was a mistake, or\n"
        "they came back). CONTACT: its id, or its name or e-mail with --distributor.",
        rejoin_opts, 1, "contact rejoin \"Trần Văn Hùng\" --distributor \"Saigon Auto Parts\""};
    const char *id = NULL;
    int rc = cli_args_parse(rejoin ? &back : &left, argc, argv, &id, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t v;
    if ((on && (rc = cli_parse_day(cli, "--on", "leftOn", on, false))) ||
        (rc = contact_resolve(cli, dist, id, &v)))
        return rc;
    json_t *resp;
    if ((rc = cli_call(
             cli, "SetContactLeft",
             json_pack("{s:I,s:s,s:b}", "id", v, "leftOn", on ? on : "", "rejoined", rejoin),
             &resp)))
        return rc;
    const json_t *c = json_object_get(resp, "contact");
    if (cli->set.json)
        output_json(resp);
    else
        cli_print_object(cli, contact_cols, CONTACT_NCOLS, c);
    contact_still_named(c, json_object_get(resp, "stillNamed"));
    json_decref(resp);
    return EXIT_OK;
}

int cmd_contact(struct cli *cli, int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"create", contact_create, "add a contact"},
        {"list", contact_list, "list contacts"},
        {"show", contact_show, "show one contact"},
        {"update", contact_update, "update a contact"},
        {"remove", contact_remove, "remove a contact"},
        {"left", contact_left, "mark a contact as having left the distributor"},
        {"rejoin", contact_left, "mark a contact who left as current again"},
        {NULL, NULL, NULL}};
    return cli_subcommand("contact", subs, argc, argv, cli);
}
