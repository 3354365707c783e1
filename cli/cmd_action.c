/*
 * cmd_action.c - 'liaison action ...': action items (add, list, show,
 * done, cancel, update). A due day (YYYY-MM-DD) means the end of that day
 * in the distributor's time zone; a due time is as cli_parse_time() reads
 * it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static const struct output_column action_cols[] = {{"ID", "id"},
                                                   {"DISTRIBUTOR", "distributorName"},
                                                   {"DESCRIPTION", "description"},
                                                   {"OWNER", "ownerName"},
                                                   {"LOCAL DUE", "localDue"},
                                                   {"ZONE", "timeZone"},
                                                   {"DUE (UTC)", "dueAt"},
                                                   {"STATUS", "status"},
                                                   {"OVERDUE", "overdue", OUTPUT_BOOL},
                                                   {"INTERNAL", "internal", OUTPUT_BOOL}};
#define N_ACTION_COLS ((int)(sizeof action_cols / sizeof action_cols[0]))

/* Parses a command's one action item ID. Returns 0, -1 after --help, or an exit code. */
static int action_id(const struct cli_command_spec *spec, int argc, char **argv, json_int_t *id)
{
    const char *arg = NULL;
    int rc = cli_args_parse(spec, argc, argv, &arg, 1);
    if (rc)
        return rc;
    return cli_parse_id(arg, id);
}

static const struct output_column action_fields[] = {{"action item", "id"},
                                                     {"distributor", "distributorName"},
                                                     {"meeting", "meetingId"},
                                                     {"description", "description"},
                                                     {"owner", "ownerName"},
                                                     {"owner e-mail", "ownerEmail"},
                                                     {"time zone", "timeZone"},
                                                     {"local due", "localDue"},
                                                     {"due (UTC)", "dueAt"},
                                                     {"status", "status"},
                                                     {"overdue", "overdue", OUTPUT_BOOL},
                                                     {"internal", "internal", OUTPUT_BOOL},
                                                     {"done at", "doneAt"},
                                                     {"done by (user id)", "doneBy"},
                                                     {"reason", "cancelReason"}};
#define N_ACTION_FIELDS ((int)(sizeof action_fields / sizeof action_fields[0]))

/*
 * Adds the table's "localDue" to an action item: its local due time, except
 * that the midnight which ends a due day ("2026-12-05 00:00" for --due
 * 2026-12-04) reads as that day's end, "2026-12-04 24:00". Shown as the
 * next day, it looked like the day typed had moved by one.
 */
void cli_action_cells(json_t *item)
{
    const char *local = json_string_value(json_object_get(item, "localDueAt"));
    if (!local)
        return;
    struct tm day = {0};
    char rest;
    char buf[32];
    if (strlen(local) == 16 && !strcmp(local + 10, " 00:00") &&
        sscanf(local, "%4d-%2d-%2d%c", &day.tm_year, &day.tm_mon, &day.tm_mday, &rest) == 4) {
        day.tm_year -= 1900;
        day.tm_mon -= 1;
        day.tm_mday -= 1; /* timegm() carries the day back over a month or year */
        day.tm_hour = 12;
        time_t t = timegm(&day);
        struct tm prev;
        if (t != (time_t)-1 && gmtime_r(&t, &prev) &&
            strftime(buf, sizeof buf, "%Y-%m-%d 24:00", &prev)) {
            json_object_set_new(item, "localDue", json_string(buf));
            return;
        }
    }
    json_object_set_new(item, "localDue", json_string(local));
}

/* Prints an action item: the wire's fields with --json, else with cli_action_cells' due time. */
static void action_print(const struct cli *cli, json_t *item)
{
    if (!cli->set.json && json_is_object(item))
        cli_action_cells(item);
    cli_print_object(cli, action_fields, N_ACTION_FIELDS, item);
}

/*
 * A due day already past is most often a typed year or month: made, or moved, but said. The item
 * as action_print leaves it (its localDue only without --json).
 */
static void overdue_note(const struct cli *cli, const json_t *item, bool moved)
{
    const char *local =
        json_string_value(json_object_get(item, cli->set.json ? "localDueAt" : "localDue"));
    const char *zone = json_string_value(json_object_get(item, "timeZone"));
    if (json_is_true(json_object_get(item, "overdue")))
        fprintf(stderr,
                "liaison: note: its due time (%s %s) has already passed: it is overdue %s\n",
                local ? local : "-", zone ? zone : "", moved ? "now" : "from the start");
}

/* Calls method and prints the action item it answers with. */
static int action_call(struct cli *cli, const char *method, json_t *req)
{
    json_t *resp;
    int rc = cli_call(cli, method, req, &resp);
    if (rc != EXIT_OK)
        return rc;
    action_print(cli, json_object_get(resp, "actionItem"));
    json_decref(resp);
    return EXIT_OK;
}

static int ac_add(struct cli *cli, int argc, char **argv)
{
    const char *owner = NULL, *due = NULL, *description = NULL, *meeting = NULL;
    bool internal = false;
    const struct cli_opt opts[] = {
        {"owner", &owner, NULL, true,
         "a user's e-mail ('me': yourself), or a contact's e-mail or name (or a part of one "
         "name)"},
        {"due", &due, NULL, true, "a day YYYY-MM-DD (its end in the distributor's zone), or a time",
         "dueAt dueOn"},
        {"description", &description, NULL, true, "what is to be done"},
        {"meeting", &meeting, NULL, false,
         "the meeting it came from (id): one that has started, and the item due no earlier",
         "meetingId"},
        {"internal", NULL, &internal, false,
         "the exporter's own, owned by its staff: the distributor's users never see it"},
        {0}};
    const struct cli_command_spec spec = {
        "action add DISTRIBUTOR --owner EMAIL|CONTACT --due DATE|TIME --description TEXT\n"
        "       [--meeting ID] [--internal]",
        "Creates an action item with one owner and a due date. A day (YYYY-MM-DD) is due\n"
        "at its end (midnight after it) in the distributor's time zone; a time is RFC 3339\n"
        "or 'YYYY-MM-DD HH:MM' in this computer's time zone (TZ). The distributor's users\n"
        "see its items, the exporter's promises too, unless --internal.",
        opts, 1,
        "action add \"Saigon Auto Parts\" --owner an@saigon.example --due 2026-03-09 "
        "--description \"Gửi dự báo tồn kho quý 2\""};
    const char *dist = NULL;
    int rc = cli_args_parse(&spec, argc, argv, &dist, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t d, m = 0;
    char when[64] = "";
    /* The server's word for it named request fields the CLI has no option for (a try-out). */
    if (!*owner) {
        fprintf(stderr, "liaison: invalid --owner: empty: a user's e-mail ('me': yourself), or a "
                        "contact's e-mail or name\n");
        return EXIT_USAGE;
    }
    bool day = strlen(due) == 10 && due[4] == '-' && due[7] == '-';
    if ((meeting && (rc = cli_parse_id_of(cli, "--meeting", "meetingId", meeting, &m))) ||
        (day && (rc = cli_parse_day(cli, "--due", "dueOn", due, false))) ||
        (!day && (rc = cli_parse_time("due", due, when, sizeof when))) ||
        (rc = cli_resolve(cli, CLI_DISTRIBUTOR, dist, 0, &d)))
        return rc;
    json_t *who = cli_party(cli, owner, &rc);
    if (!who)
        return rc;
    json_t *resp;
    rc = cli_call(cli, "CreateActionItem",
                  json_pack("{s:I,s:I,s:s,s:o,s:s,s:s,s:b}", "distributorId", d, "meetingId", m,
                            "description", description, "owner", who, "dueAt", when, "dueOn",
                            day ? due : "", "internal", internal),
                  &resp);
    if (rc != EXIT_OK)
        return rc;
    json_t *item = json_object_get(resp, "actionItem");
    action_print(cli, item);
    overdue_note(cli, item, false);
    json_decref(resp);
    return EXIT_OK;
}

static int ac_list(struct cli *cli, int argc, char **argv)
{
    const char *dist = NULL, *status = "", *meeting = NULL;
    struct cli_paging page = {0};
    bool overdue = false, mine = false;
    const struct cli_opt opts[] = {
        {"distributor", &dist, NULL, false, "a distributor: id or name", "distributorId"},
        {"meeting", &meeting, NULL, false, "those written down at this meeting (id)", "meetingId"},
        {"status", &status, NULL, false, "open, done, cancelled or overdue (open and past due)"},
        {"overdue", NULL, &overdue, false, "open and past due (--status overdue)"},
        {"mine", NULL, &mine, false, "those you own, also as the contact with your e-mail",
         "ownerUserId"},
        CLI_PAGING_OPTS(page),
        {0}};
    const struct cli_command_spec spec = {
        "action list [--distributor D] [--meeting ID] [--status S] [--overdue] [--mine] [--all]",
        "Lists action items of the distributors you reach, by due date.", opts, 0,
        "action list --overdue --mine"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if (overdue && *status) {
        fprintf(stderr, "liaison: --overdue and --status: one or the other\n");
        return EXIT_USAGE;
    }
    json_int_t d = 0, me = 0, m = 0;
    if ((meeting && (rc = cli_parse_id_of(cli, "--meeting", "meetingId", meeting, &m))) ||
        (dist && (rc = cli_resolve(cli, CLI_DISTRIBUTOR, dist, 0, &d))))
        return rc;
    /* A meeting out of reach listed nothing, as if it had no items (a try-out): said, as
     * --distributor says one. */
    if (m) {
        json_t *got;
        if ((rc = cli_call(cli, "GetMeeting", json_pack("{s:I}", "id", m), &got)))
            return rc;
        json_decref(got);
    }
    if (mine) {
        json_t *who;
        if ((rc = cli_call(cli, "WhoAmI", json_object(), &who)))
            return rc;
        me = cli_json_id(json_object_get(json_object_get(who, "identity"), "userId"));
        json_decref(who);
    }
    return cli_list_mapped(
        cli, "ListActionItems",
        json_pack("{s:I,s:I,s:I,s:o}", "distributorId", d, "meetingId", m, "ownerUserId", me,
                  "status", cli_enum_string(overdue ? "overdue" : status)),
        "actionItems", action_cols, N_ACTION_COLS, &page, cli->set.json ? NULL : cli_action_cells);
}

static int ac_show(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {
        "action show ID",
        "Shows one action item: its meeting, owner, due time in the distributor's zone and\n"
        "UTC, and whether it is done, cancelled or overdue.",
        opts, 1, "action show 7"};
    json_int_t id;
    int rc = action_id(&spec, argc, argv, &id);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    return action_call(cli, "GetActionItem", json_pack("{s:I}", "id", id));
}

static int ac_done(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {
        "action done ID",
        "Completes an open action item; one already done is left as it is (a retry is safe).", opts,
        1, "action done 7"};
    json_int_t id;
    bool already = false;
    int rc = action_id(&spec, argc, argv, &id);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    /* Said as 'meeting held' says it: a done item printed alone looked just done (a try-out). */
    if (!cli->set.json && (rc = cli_status_already(cli, "GetActionItem", "actionItem", "status", id,
                                                   "done", &already)))
        return rc;
    rc = action_call(cli, "CompleteActionItem", json_pack("{s:I}", "id", id));
    if (rc == EXIT_OK && already)
        fprintf(stderr, "liaison: action item %lld was already done: nothing changed\n",
                (long long)id);
    return rc;
}

static int ac_cancel(struct cli *cli, int argc, char **argv)
{
    const char *reason = "";
    const struct cli_opt opts[] = {{"reason", &reason, NULL, false, "why"}, {0}};
    const struct cli_command_spec spec = {"action cancel ID [--reason TEXT]",
                                          "Cancels an open action item; one already "
                                          "cancelled for this reason (or with none given) is "
                                          "left as it is.",
                                          opts, 1, "action cancel 7 --reason \"superseded\""};
    json_int_t id;
    bool already = false;
    int rc = action_id(&spec, argc, argv, &id);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if (!cli->set.json && (rc = cli_status_already(cli, "GetActionItem", "actionItem", "status", id,
                                                   "cancelled", &already)))
        return rc;
    rc = action_call(cli, "CancelActionItem", json_pack("{s:I,s:s}", "id", id, "reason", reason));
    if (rc == EXIT_OK && already)
        fprintf(stderr, "liaison: action item %lld was already cancelled: nothing changed\n",
                (long long)id);
    return rc;
}

/*
 * A slipped date or an owner away was a cancel and a new item, which lost the first one's
 * history (a try-out): corrected in place.
 */
static int ac_update(struct cli *cli, int argc, char **argv)
{
    const char *owner = NULL, *due = NULL, *description = NULL;
    const struct cli_opt opts[] = {
        {"owner", &owner, NULL, false,
         "the new owner: a user's e-mail ('me': yourself), or a contact's e-mail or name"},
        {"due", &due, NULL, false,
         "the new due day YYYY-MM-DD (its end in the distributor's "
         "zone), or a time",
         "dueAt dueOn"},
        {"description", &description, NULL, false, "what is to be done, said again"},
        {0}};
    const struct cli_command_spec spec = {
        "action update ID [--owner EMAIL|CONTACT] [--due DATE|TIME] [--description TEXT]",
        "Corrects an open action item: hands it to another owner, moves its due date or says\n"
        "it again; what is not given stays. A due date moved ahead is no longer overdue.",
        opts, 1, "action update 7 --due 2026-04-15 --owner an@saigon.example"};
    const char *arg = NULL;
    int rc = cli_args_parse(&spec, argc, argv, &arg, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t id;
    if ((rc = cli_parse_id(arg, &id)))
        return rc;
    if ((rc = cli_args_changes(opts, "the item")))
        return rc;
    char when[64] = "";
    bool day = due && strlen(due) == 10 && due[4] == '-' && due[7] == '-';
    if ((day && (rc = cli_parse_day(cli, "--due", "dueOn", due, false))) ||
        (due && !day && (rc = cli_parse_time("due", due, when, sizeof when))))
        return rc;
    json_t *who = owner ? cli_party(cli, owner, &rc) : json_string("");
    if (!who)
        return owner ? rc : EXIT_ERROR;
    json_t *resp;
    if ((rc = cli_call(cli, "UpdateActionItem",
                       json_pack("{s:I,s:s,s:o,s:s,s:s}", "id", id, "description",
                                 description ? description : "", "owner", who, "dueAt", when,
                                 "dueOn", day ? due : ""),
                       &resp)))
        return rc;
    json_t *item = json_object_get(resp, "actionItem");
    action_print(cli, item);
    if (due)
        overdue_note(cli, item, true);
    json_decref(resp);
    return EXIT_OK;
}

int cmd_action(struct cli *cli, int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"add", ac_add, "create an action item"},
        {"list", ac_list, "action items (--overdue, --mine)"},
        {"show", ac_show, "one action item"},
        {"done", ac_done, "complete an action item"},
        {"cancel", ac_cancel, "cancel an action item"},
        {"update", ac_update, "correct an open action item: owner, due date, description"},
        {NULL, NULL, NULL}};
    return cli_subcommand("action", subs, argc, argv, cli);
}
