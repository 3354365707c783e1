/*
 * cmd_escalation.c - 'liaison escalation ...': the escalation protocol (a
 * distributor's, or the tenant default), requests to distributors, their
 * answers, the steps an unanswered request has taken and the formal
 * concern drafted at the end of its ladder.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct output_column step_cols[] = {
    {"CONTACT", "contactName"}, {"ROLE", "contactRole"},    {"CONTACT ID", "contactId"},
    {"METHOD", "method"},       {"HOURS", "responseHours"}, {"LEFT", "contactLeftOn"}};
static const struct output_column head_cols[] = {
    {"id", "id"},
    {"distributor", "distributorName"},
    {"severity", "severity"},
    {"subject", "subject"},
    {"text", "text"},
    {"state", "state"},
    {"step", "stepNo"},
    {"step kind", "stepKind"},
    {"protocol", "protocolSource"},
    {"sent by", "sentBy"},
    {"sent at", "sentAt"},
    {"expected by", "expectedBy"},
    {"response", "response"},
    {"responded by", "respondedBy"},
    {"responded at", "respondedAt"},
    {"closed", "closedReason"},
    {"closed at", "closedAt"},
    {"concern drafted", "concernDrafted", OUTPUT_BOOL},
    {"working hours only", "workingHoursOnly", OUTPUT_BOOL}};
static const struct output_column taken_cols[] = {
    {"STEP", "stepNo"},           {"KIND", "kind"},     {"CONTACT", "contactName"},
    {"ROLE", "contactRole"},      {"METHOD", "method"}, {"REACHED AT", "reachedAt"},
    {"EXPECTED BY", "expectedBy"}};
static const struct output_column list_cols[] = {
    {"ID", "id"},
    {"DISTRIBUTOR", "distributorName"},
    {"SEVERITY", "severity"},
    {"SUBJECT", "subject"},
    {"STATE", "state"},
    {"STEP", "stepKind"},
    {"SENT AT", "sentAt"},
    {"EXPECTED BY", "expectedBy"},
    {"WORKING HOURS", "workingHoursOnly", OUTPUT_BOOL}};

#define NCOLS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Prints the protocols of a response: per severity its source, then its ladder. */
static void protocols_print(struct cli *cli, json_t *resp)
{
    if (cli->set.json) {
        output_json(resp);
        return;
    }
    json_t *list = json_object_get(resp, "protocols");
    if (!json_array_size(list)) {
        printf("no escalation protocol in force\n");
        return;
    }
    size_t i;
    json_t *p;
    json_array_foreach(list, i, p)
    {
        long long hours = (long long)json_integer_value(json_object_get(p, "visitHours"));
        /* Said on the ladder's first line: it is why a deadline falls on Monday. */
        bool working = json_is_true(json_object_get(p, "workingHoursOnly"));
        printf("%s%s (%s); after the contacts a visit, %lld %s%s to answer; then a formal "
               "concern%s\n",
               i ? "\n" : "", json_string_value(json_object_get(p, "severity")),
               json_string_value(json_object_get(p, "source")), hours, working ? "working " : "",
               hours == 1 ? "hour" : "hours",
               working ? "; timeframes count the distributor's working hours only" : "");
        output_table(step_cols, NCOLS(step_cols), json_object_get(p, "steps"));
    }
}

/*
 * A table's row of a request: a closed one (answered, or closed unanswered) is waited for no
 * more, and a deadline beside it read as if it were still due (a try-out). The deadline goes
 * from the table; --json keeps it, as the server gave it.
 */
static void escalation_shown(json_t *e)
{
    const char *state = json_string_value(json_object_get(e, "state"));
    if (state && strcmp(state, "pending") && strcmp(state, "overdue"))
        json_object_del(e, "expectedBy");
}

/* Prints an escalation: its fields, then the steps it has taken. */
static void escalation_print(struct cli *cli, json_t *e)
{
    if (cli->set.json || cli->set.ids) {
        cli_print_object(cli, head_cols, NCOLS(head_cols), e);
        return;
    }
    escalation_shown(e);
    output_fields(head_cols, NCOLS(head_cols), e);
    printf("\nSTEPS\n");
    output_table(taken_cols, NCOLS(taken_cols), json_object_get(e, "steps"));
    /* The rungs passed over, their contacts having left: the gaps in the step numbers. */
    size_t i;
    json_t *step;
    json_array_foreach(json_object_get(e, "steps"), i, step)
    {
        const char *skipped = json_string_value(json_object_get(step, "skipped"));
        if (!skipped || !*skipped)
            continue;
        printf("before step %lld, passed over: ",
               (long long)json_integer_value(json_object_get(step, "stepNo")));
        output_escaped(stdout, skipped);
        putchar('\n');
    }
}

static int escalation_call(struct cli *cli, const char *method, json_t *req)
{
    json_t *resp;
    int rc = cli_call(cli, method, req, &resp);
    if (rc != EXIT_OK)
        return rc;
    escalation_print(cli, json_object_get(resp, "escalation"));
    json_decref(resp);
    return EXIT_OK;
}

/*
 * Role in place with its ends trimmed and each run of spaces one space, as the server keeps and
 * matches a rung's role (migration 0270): "purchasing  manager" is the purchasing manager's. A
 * role of spaces alone is left for the server to refuse as such.
 */
static void role_collapse(char *role)
{
    if (!role[strspn(role, " ")])
        return;
    char *out = role;
    for (const char *in = role; *in; in++)
        if (*in != ' ' || (out > role && out[-1] != ' '))
            *out++ = *in;
    if (out[-1] == ' ')
        out--;
    *out = '\0';
}

/* Whether contact c's name or e-mail is who, in any case, and with unmarked without marks. */
static bool step_names(const json_t *c, const char *who, bool unmarked)
{
    const char *name = json_string_value(json_object_get(c, "name"));
    const char *email = json_string_value(json_object_get(c, "email"));
    return (name && (unmarked ? cli_unmarked_equal(name, who) : cli_fold_equal(name, who))) ||
           (email && *email && cli_fold_equal(email, who));
}

/*
 * The id of the contact of contacts whose name or e-mail is who in any case (a name also
 * without its marks when none has it with them): the one who has not left among several, as
 * a contact who left and one who replaced them may share a name. 0 when none is; -1 after
 * saying why when several are and none or more than one is current.
 */
static json_int_t step_contact_named(json_t *contacts, const char *who)
{
    json_int_t found = 0, current = 0;
    int nfound = 0, ncurrent = 0;
    size_t i;
    json_t *c;
    bool unmarked = true;
    json_array_foreach(contacts, i, c)
    {
        unmarked = unmarked && !step_names(c, who, false);
    }
    json_array_foreach(contacts, i, c)
    {
        if (!step_names(c, who, unmarked))
            continue;
        json_int_t id = cli_json_id(json_object_get(c, "id"));
        found = id;
        nfound++;
        if (!json_object_get(c, "leftOn")) {
            current = id;
            ncurrent++;
        }
    }
    if (nfound <= 1)
        return found;
    if (ncurrent == 1)
        return current;
    fprintf(stderr,
            "liaison: --step: '%s' names %d contacts of the distributor; give one's id:", who,
            nfound);
    json_array_foreach(contacts, i, c)
    {
        if (step_names(c, who, unmarked))
            fprintf(stderr, " %lld%s", (long long)cli_json_id(json_object_get(c, "id")),
                    json_object_get(c, "leftOn") ? " (left)" : "");
    }
    fputc('\n', stderr);
    return -1;
}

/*
 * One --step: CONTACT_OR_ROLE:METHOD:HOURS, split at its last two colons.
 * For a distributor (its contacts in contacts), a contact's id, name or
 * e-mail (in any case) names that contact; anything else is a role, as it
 * always is for the tenant default. A part of a contact's name that no
 * contact holds as a role is refused: it was taken as a role no one held,
 * and the rung skipped by every request (a try-out). NULL after saying why.
 * *unheld is set to a role no contact holds yet, for a warning once the
 * server has taken the ladder: said before, it came beside the server's
 * refusal of the same text as another distributor's contact (a try-out).
 */
static json_t *step_parse(const char *text, json_t *contacts, bool by_role, bool *unheld)
{
    *unheld = false;
    const char *c2 = strrchr(text, ':');
    const char *c1 = NULL;
    for (const char *p = text; c2 && p < c2; p++)
        if (*p == ':')
            c1 = p;
    json_int_t hours;
    if (!c1 || c1 == text || c2 == c1 + 1 ||
        cli_parse_range("--step HOURS", c2 + 1, 1, 8760, &hours)) {
        if (!c1 || c1 == text || c2 == c1 + 1)
            fprintf(stderr, "liaison: --step: CONTACT_OR_ROLE:METHOD:HOURS, not '%s'\n", text);
        return NULL;
    }
    char who[256], method[64];
    size_t nwho = (size_t)(c1 - text), nmethod = (size_t)(c2 - c1 - 1);
    if (nwho >= sizeof who || nmethod >= sizeof method) {
        /* Not echoed: a pasted page filled the screen (a try-out). */
        fprintf(stderr, "liaison: --step: too long: a contact or role of at most 255 bytes, a "
                        "method of at most 63\n");
        return NULL;
    }
    memcpy(who, text, nwho);
    who[nwho] = '\0';
    memcpy(method, c1 + 1, nmethod);
    method[nmethod] = '\0';
    json_int_t id = 0;
    if (!by_role) {
        char *end;
        errno = 0;
        long long n = strtoll(who, &end, 10);
        if (!*end && errno != ERANGE && n > 0)
            id = n;
        else if ((id = step_contact_named(contacts, who)) < 0)
            return NULL;
    }
    /* As every enum option, in any case ("EMAIL"), which was refused (a try-out). */
    json_t *step =
        json_pack("{s:o,s:I}", "method", cli_enum_string(method), "responseHours", hours);
    if (id) {
        json_object_set_new(step, "contactId", json_integer(id));
        return step;
    }
    role_collapse(who);
    json_object_set_new(step, "contactRole", json_string(who));
    bool held = by_role;
    const json_t *part_of = NULL;
    const char *unmarked_role = NULL; /* "giam doc" typed for a contact's "Giám đốc" */
    size_t i;
    json_t *c;
    json_array_foreach(contacts, i, c)
    {
        const char *role = json_string_value(json_object_get(c, "role"));
        const char *name = json_string_value(json_object_get(c, "name"));
        held = held || (role && cli_fold_equal(role, who));
        if (!unmarked_role && role && cli_unmarked_equal(role, who))
            unmarked_role = role;
        if (!part_of && !json_object_get(c, "leftOn") && name && cli_unmarked_contains(name, who))
            part_of = c;
    }
    if (!held && unmarked_role) {
        json_object_set_new(step, "contactRole", json_string(unmarked_role));
        held = true;
    }
    if (!held && part_of) {
        /* A contact's name is other users' text: escaped, as in every table. */
        fprintf(stderr, "liaison: --step: '%s' is only part of contact '", who);
        output_escaped(stderr, json_string_value(json_object_get(part_of, "name")));
        fprintf(stderr,
                "' (id %lld): give the whole name, the id or the e-mail, or a role a contact "
                "holds\n",
                (long long)cli_json_id(json_object_get(part_of, "id")));
        json_decref(step);
        return NULL;
    }
    /* An e-mail address is no role: the server refuses it, saying whose it is (migration 0270). */
    *unheld = !held && !strchr(who, '@');
    return step;
}

/*
 * Takes every --step VALUE (and --step=VALUE) out of argv into steps, so
 * that the option may repeat; the rest is left for cli_args_parse.
 */
static int steps_take(int *argc, char **argv, const char **steps, int cap, int *nsteps)
{
    int out = 0;
    *nsteps = 0;
    for (int i = 0; i < *argc; i++) {
        const char *v = NULL;
        if (!strcmp(argv[i], "--step") && i + 1 < *argc)
            v = argv[++i];
        else if (!strncmp(argv[i], "--step=", 7))
            v = argv[i] + 7;
        if (!v) {
            argv[out++] = argv[i];
            continue;
        }
        if (*nsteps == cap) {
            fprintf(stderr, "liaison: --step: at most %d steps\n", cap);
            return EXIT_USAGE;
        }
        steps[(*nsteps)++] = v;
    }
    *argc = out;
    return EXIT_OK;
}

static int esc_protocol(struct cli *cli, int argc, char **argv)
{
    const char *severity = "", *visit = NULL, *unused_step = NULL;
    bool is_default = false, remove = false, working_hours = false;
    const struct cli_opt opts[] = {
        {"default", NULL, &is_default, false, "the tenant default instead of a distributor's"},
        {"severity", &severity, NULL, false, "low, normal, high or critical"},
        {"step", &unused_step, NULL, false,
         "set: CONTACT_OR_ROLE:METHOD:HOURS, once per rung, in order",
         "contactId contactRole method responseHours steps"},
        {"visit-hours", &visit, NULL, false,
         "set: hours a visit has before the formal concern, 1 to 8760 (default: the last "
         "step's)"},
        {"remove", NULL, &remove, false, "set: remove the severity's ladder"},
        {"working-hours", NULL, &working_hours, false,
         "set: count the timeframes in the distributor's working hours only (its hours, work "
         "days and time zone); without it, plain hours",
         "workingHoursOnly"},
        {0}};
    const struct cli_command_spec spec = {
        "escalation protocol DISTRIBUTOR|--default [--severity S]\n"
        "       escalation protocol DISTRIBUTOR|--default set --severity S\n"
        "       --step CONTACT_OR_ROLE:METHOD:HOURS ... [--visit-hours H] [--working-hours]\n"
        "       | --remove",
        "Shows the escalation protocol in force (the distributor's own for a severity, else\n"
        "the tenant default), or with 'set' replaces one severity's ladder. An unanswered\n"
        "request goes up the ladder at each timeframe, then to a visit, then to a formal\n"
        "written performance concern. A --step names a contact of the distributor (its id,\n"
        "name or e-mail) or else a contact role, matched without case against the\n"
        "distributor's contacts when a request is sent (the tenant default takes roles only);\n"
        "a rung whose role no contact holds then is skipped, and with none left the request\n"
        "starts at the visit. A tenant starts with a default ladder for every severity:\n"
        "purchasing manager, sales director, general manager, then the visit (from 4, 8\n"
        "and 24 hours by phone at critical to 5, 5 and 7 days by e-mail at low).\n"
        "--remove without a distributor removes the tenant default of the severity.\n"
        "With --working-hours the timeframes count only the distributor's working hours (its\n"
        "business hours on its work days, in its time zone): 8 hours from Friday 16:00 at a\n"
        "distributor working 09:00-17:00 Monday to Friday are due on Monday at 16:00, not on\n"
        "Saturday, and a request sent outside its hours counts from the next opening. A\n"
        "request keeps the way its deadlines count when the ladder is set again.\n"
        "METHOD: email, phone, messaging, visit or formal_letter. HOURS: 1 to 8760.",
        opts, 0,
        "escalation protocol --default set --severity critical --step \"purchasing "
        "manager:email:4\" --step \"sales director:phone:8\" --step \"general "
        "manager:phone:24\" --visit-hours 72 --working-hours"};
    const char *steps[16];
    int nsteps;
    int rc = steps_take(&argc, argv, steps, 16, &nsteps);
    if (rc)
        return rc;
    const char *args[2] = {NULL, NULL};
    if ((rc = cli_args_parse(&spec, argc, argv, args, 2)))
        return rc < 0 ? EXIT_OK : rc;
    char severity_word[16]; /* "Critical" as "critical", as every enum option takes it */
    severity = cli_enum_word(severity, severity_word, sizeof severity_word);
    const char *dist = is_default ? NULL : args[0];
    const char *verb = is_default ? args[0] : args[1];
    if ((!is_default && !dist) || (is_default && args[1]) || (verb && strcmp(verb, "set"))) {
        fprintf(stderr, "liaison: escalation protocol: give a DISTRIBUTOR or --default, then "
                        "optionally 'set'\n");
        return EXIT_USAGE;
    }
    json_int_t d = 0, visit_hours = 0;
    /* 0 is the API's "the last step's": a typed 0 would be taken for that silently. */
    if ((dist && (rc = cli_resolve(cli, CLI_DISTRIBUTOR, dist, 0, &d))) ||
        (visit && (rc = cli_parse_range("--visit-hours", visit, 1, 8760, &visit_hours))))
        return rc;
    json_t *resp;
    /* Taken for "show", a --remove without 'set' left the ladder as it was, exit 0 (a try-out). */
    if (!verb && (remove || nsteps || visit || working_hours)) {
        fprintf(stderr,
                "liaison: escalation protocol: --step, --visit-hours, --working-hours and "
                "--remove change a ladder: put 'set' after the %s\n",
                is_default ? "--default" : "DISTRIBUTOR");
        return EXIT_USAGE;
    }
    if (!verb) {
        if ((rc =
                 cli_call(cli, "GetEscalationProtocol",
                          json_pack("{s:I,s:s}", "distributorId", d, "severity", severity), &resp)))
            return rc;
        protocols_print(cli, resp);
        json_decref(resp);
        return EXIT_OK;
    }
    if (!*severity || (nsteps == 0) == !remove || (remove && working_hours)) {
        fprintf(stderr, "liaison: escalation protocol set: --severity, and --step (one per rung, "
                        "with --working-hours if wanted) or --remove\n");
        return EXIT_USAGE;
    }
    /* A severity that is none is refused here, before the steps are read and warned of. */
    static const char *const severities[] = {"low", "normal", "high", "critical"};
    bool known = false;
    for (size_t i = 0; i < 4; i++)
        known = known || !strcmp(severity, severities[i]);
    if (!known) {
        cli_fail_option(cli, "--severity", "severity", "low, normal, high or critical");
        return EXIT_USAGE;
    }
    /* Those who left too: naming one is refused by the server, saying when they left. */
    json_t *contacts = NULL;
    if (d && nsteps &&
        (rc = cli_call(cli, "ListContacts",
                       json_pack("{s:I,s:{s:i},s:b}", "distributorId", d, "page", "pageSize", 500,
                                 "includeLeft", 1),
                       &contacts)))
        return rc;
    json_t *list = json_array();
    bool unheld[16];
    for (int i = 0; i < nsteps && rc == EXIT_OK; i++) {
        json_t *step =
            step_parse(steps[i], json_object_get(contacts, "contacts"), d == 0, &unheld[i]);
        if (!step)
            rc = EXIT_USAGE;
        else
            json_array_append_new(list, step);
    }
    json_decref(contacts);
    if (rc) {
        json_decref(list);
        return rc;
    }
    json_incref(list);
    if ((rc = cli_call(cli, "SetEscalationProtocol",
                       json_pack("{s:I,s:s,s:o,s:I,s:b}", "distributorId", d, "severity", severity,
                                 "steps", list, "visitHours", visit_hours, "workingHoursOnly",
                                 working_hours),
                       &resp))) {
        json_decref(list);
        return rc;
    }
    /* A role no contact holds is skipped by requests until one does: said, not refused. */
    for (int i = 0; i < nsteps; i++)
        if (unheld[i])
            fprintf(
                stderr,
                "liaison: warning: no contact of the distributor has the role '%s' yet: a "
                "request skips this rung until one does\n",
                json_string_value(json_object_get(json_array_get(list, (size_t)i), "contactRole")));
    json_decref(list);
    /* "no escalation protocol in force" alone did not say what --remove did (a try-out). */
    if (remove && !cli->set.json && d)
        fprintf(stderr,
                "liaison: the distributor has no %s ladder of its own from now; in force for "
                "it:\n",
                severity);
    else if (remove && !cli->set.json)
        fprintf(stderr,
                "liaison: the tenant has no default %s ladder from now: a distributor without "
                "its own takes no %s request\n",
                severity, severity);
    protocols_print(cli, resp);
    json_decref(resp);
    return EXIT_OK;
}

static int esc_request(struct cli *cli, int argc, char **argv)
{
    const char *severity = NULL, *subject = NULL, *text = NULL;
    const struct cli_opt opts[] = {
        {"severity", &severity, NULL, true, "low, normal, high or critical"},
        {"subject", &subject, NULL, true, "what it is about"},
        {"text", &text, NULL, true, "the request itself"},
        {0}};
    const struct cli_command_spec spec = {
        "escalation request DISTRIBUTOR --severity S --subject TEXT --text TEXT",
        "Sends a request to a distributor under its escalation protocol for the severity:\n"
        "logged as sent now, its answer expected within the first contact's timeframe.",
        opts, 1,
        "escalation request \"Saigon Auto Parts\" --severity critical --subject \"Báo cáo "
        "tháng 3\" --text \"Xin gửi báo cáo tồn kho trước thứ Sáu.\""};
    const char *dist = NULL;
    int rc = cli_args_parse(&spec, argc, argv, &dist, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    char severity_word[16];
    severity = cli_enum_word(severity, severity_word, sizeof severity_word);
    json_int_t d;
    if ((rc = cli_resolve(cli, CLI_DISTRIBUTOR, dist, 0, &d)))
        return rc;
    json_t *resp;
    rc = cli_call(cli, "CreateEscalationRequest",
                  json_pack("{s:I,s:s,s:s,s:s}", "distributorId", d, "severity", severity,
                            "subject", subject, "text", text),
                  &resp);
    if (rc != EXIT_OK)
        return rc;
    json_t *e = json_object_get(resp, "escalation");
    escalation_print(cli, e);
    /*
     * Sent, but to no one: no contact holds a role of the ladder, so the
     * request begins at the visit. The sender would otherwise learn it only
     * from `escalation show`.
     */
    const char *kind = json_string_value(json_object_get(e, "stepKind"));
    const char *skipped = json_string_value(
        json_object_get(json_array_get(json_object_get(e, "steps"), 0), "skipped"));
    if (skipped && *skipped) {
        /* Contacts' names and roles are other users' text: escaped, as in every table. */
        fputs("liaison: warning: passed over, having left the distributor: ", stderr);
        output_escaped(stderr, skipped);
        fputs("; give their role to a current contact ('liaison contact update') or set the "
              "ladder again without them ('liaison escalation protocol \"",
              stderr);
        output_escaped(stderr, dist);
        fprintf(stderr, "\" --severity %s')\n", severity);
    } else if (json_integer_value(json_object_get(e, "stepNo")) == 1 && kind &&
               !strcmp(kind, "visit")) {
        /* By its name, as stored: an id typed read "no contact of 2" (a try-out). */
        const char *name = json_string_value(json_object_get(e, "distributorName"));
        fputs("liaison: warning: no contact of ", stderr);
        output_escaped(stderr, name && *name ? name : dist);
        fprintf(stderr,
                " holds a role of the %s ladder, so no one was asked and the request starts at "
                "the visit; see 'liaison escalation protocol \"",
                severity);
        output_escaped(stderr, dist);
        fprintf(stderr,
                "\" --severity %s' for the roles, and give contacts those roles ('liaison "
                "contact update')\n",
                severity);
    }
    json_decref(resp);
    return EXIT_OK;
}

static int esc_respond(struct cli *cli, int argc, char **argv)
{
    const char *text = NULL;
    const struct cli_opt opts[] = {{"text", &text, NULL, true, "the answer"}, {0}};
    const struct cli_command_spec spec = {
        "escalation respond ID --text TEXT",
        "Records the distributor's answer to a request (by one of its users, or by staff on\n"
        "its behalf): the request is answered and its walk up the ladder stops.",
        opts, 1, "escalation respond 12 --text \"Đã gửi báo cáo hôm nay.\""};
    const char *id = NULL;
    json_int_t v;
    int rc = cli_args_parse(&spec, argc, argv, &id, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if ((rc = cli_parse_id(id, &v)))
        return rc;
    return escalation_call(cli, "RespondEscalation", json_pack("{s:I,s:s}", "id", v, "text", text));
}

/*
 * Reads the request for the step it is at and asks for the next one from there: the same call
 * sent again after a lost answer is refused by the server rather than taking a second step.
 * Running the command again reads again and takes the next step, which is what it says.
 */
static int esc_advance(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {
        "escalation advance ID",
        "Takes an unanswered request's next step now instead of when its timeframe runs out\n"
        "(exporter staff): the next contact on the ladder, the visit, or the formal written\n"
        "performance concern, drafted now ('escalation concern ID' prints it). For when the\n"
        "visit has taken place and nothing changed, or the matter is to be put in writing.",
        opts, 1, "escalation advance 12"};
    const char *id = NULL;
    json_int_t v;
    int rc = cli_args_parse(&spec, argc, argv, &id, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if ((rc = cli_parse_id(id, &v)))
        return rc;
    json_t *resp;
    if ((rc = cli_call(cli, "GetEscalation", json_pack("{s:I}", "id", v), &resp)))
        return rc;
    json_int_t step =
        json_integer_value(json_object_get(json_object_get(resp, "escalation"), "stepNo"));
    json_decref(resp);
    return escalation_call(cli, "AdvanceEscalation",
                           json_pack("{s:I,s:I}", "id", v, "stepNo", step));
}

/* 'pending' and 'list': one request, pending fixing the state to the unanswered ones. */
static int esc_list(struct cli *cli, int argc, char **argv)
{
    bool pending = !strcmp(argv[0], "pending");
    const char *dist = NULL, *state = pending ? "open" : "";
    struct cli_paging page = {0};
    const struct cli_opt opts[] = {
        {"distributor", &dist, NULL, false, "one distributor (id or name)"},
        {"state", pending ? NULL : &state, NULL, false,
         "open (pending or overdue), pending, overdue, answered or closed (its distributor "
         "terminated)"},
        CLI_PAGING_OPTS(page),
        {0}};
    const struct cli_opt *use = opts;
    const struct cli_opt pending_opts[] = {opts[0], opts[2], opts[3], opts[4], {0}};
    if (pending)
        use = pending_opts;
    const struct cli_command_spec spec_pending = {
        "escalation pending [--distributor D] [--all]",
        "Lists the unanswered requests (pending, or overdue: walking up the ladder), the\n"
        "steps due by now taken first.",
        use, 0, "escalation pending --distributor \"Saigon Auto Parts\""};
    const struct cli_command_spec spec_list = {
        "escalation list [--distributor D] [--state S] [--all]",
        "Lists requests to distributors, the steps due by now taken first.", use, 0,
        "escalation list --state answered"};
    int rc = cli_args_parse(pending ? &spec_pending : &spec_list, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    char state_word[16];
    state = cli_enum_word(state, state_word, sizeof state_word);
    json_int_t d = 0;
    if (dist && (rc = cli_resolve(cli, CLI_DISTRIBUTOR, dist, 0, &d)))
        return rc;
    return cli_list_mapped(
        cli, "ListEscalations", json_pack("{s:I,s:s}", "distributorId", d, "state", state),
        "escalations", list_cols, NCOLS(list_cols), &page, cli->set.json ? NULL : escalation_shown);
}

static int esc_show(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {
        "escalation show ID", "Shows a request, its answer and every step it has taken.", opts, 1,
        "escalation show 12"};
    const char *id = NULL;
    json_int_t v;
    int rc = cli_args_parse(&spec, argc, argv, &id, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if ((rc = cli_parse_id(id, &v)))
        return rc;
    return escalation_call(cli, "GetEscalation", json_pack("{s:I}", "id", v));
}

static int esc_concern(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {
        "escalation concern ID",
        "Prints the formal written performance concern drafted when the request reached the\n"
        "end of its ladder, as drafted then (Markdown-like text), to be sent by you.",
        opts, 1, "escalation concern 12 > concern.md"};
    const char *id = NULL;
    json_int_t v;
    int rc = cli_args_parse(&spec, argc, argv, &id, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if ((rc = cli_parse_id(id, &v)))
        return rc;
    json_t *resp;
    if ((rc = cli_call(cli, "GetEscalationConcern", json_pack("{s:I}", "id", v), &resp)))
        return rc;
    if (cli->set.json) {
        output_json(resp);
    } else {
        /* Line by line: the text's own line breaks kept, any other control character escaped. */
        const char *text = json_string_value(json_object_get(resp, "concern"));
        for (const char *p = text ? text : ""; *p;) {
            size_t n = strcspn(p, "\n");
            char *line = strndup(p, n);
            if (!line) {
                json_decref(resp);
                fprintf(stderr, "liaison: out of memory\n");
                return EXIT_ERROR;
            }
            output_escaped(stdout, line);
            putchar('\n');
            free(line);
            p += n + (p[n] == '\n');
        }
    }
    json_decref(resp);
    return EXIT_OK;
}

int cmd_escalation(struct cli *cli, int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"protocol", esc_protocol, "show or set the escalation ladder per severity"},
        {"request", esc_request, "send a request to a distributor"},
        {"respond", esc_respond, "record a distributor's answer"},
        {"advance", esc_advance, "take a request's next step now"},
        {"pending", esc_list, "unanswered requests"},
        {"list", esc_list, "requests, by state"},
        {"show", esc_show, "a request and the steps it has taken"},
        {"concern", esc_concern, "the drafted formal performance concern"},
        {NULL, NULL, NULL}};
    return cli_subcommand("escalation", subs, argc, argv, cli);
}
