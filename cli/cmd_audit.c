/*
 * cmd_audit.c - 'liaison audit': the tenant's audit log.
 */
#include <string.h>

#include "cli.h"

/*
 * A misspelt action ("user.disabled" for user.disable) listed nothing, exit 0, as if nothing
 * had happened (a try-out); the server knows the groups of actions, not each action. When
 * req's action of a known group finds no entry, says so on standard error with the actions of
 * that group the log holds (from its first 500 entries of the group). Returns the exit code
 * of a call that failed, said already, else EXIT_OK.
 */
static int audit_action_note(struct cli *cli, const json_t *req, const char *action)
{
    const char *dot = strchr(action, '.');
    if (!dot)
        return EXIT_OK;
    json_t *one = json_deep_copy(req), *resp = NULL;
    if (!one)
        return EXIT_OK;
    json_object_set_new(one, "page", json_pack("{s:i}", "pageSize", 1));
    int rc = cli_call(cli, "ListAuditLog", one, &resp);
    if (rc != EXIT_OK || json_array_size(json_object_get(resp, "entries"))) {
        json_decref(resp);
        return rc;
    }
    json_decref(resp);
    json_t *group =
        json_pack("{s:s#,s:{s:i}}", "action", action, (int)(dot - action), "page", "pageSize", 500);
    if (!group)
        return EXIT_OK;
    if ((rc = cli_call(cli, "ListAuditLog", group, &resp)) != EXIT_OK)
        return rc;
    json_t *seen = json_object();
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(resp, "entries"), i, e)
    {
        const char *a = json_string_value(json_object_get(e, "action"));
        if (seen && a)
            json_object_set_new(seen, a, json_true());
    }
    fprintf(stderr, "liaison: note: no entry has the action '%s'", action);
    const char *a;
    json_t *v;
    bool first = true;
    json_object_foreach(seen, a, v)
    {
        fprintf(stderr, "%s%s", first ? "; your log holds " : ", ", a);
        first = false;
    }
    fprintf(stderr, first ? " (nor any of its group)\n" : "\n");
    json_decref(seen);
    json_decref(resp);
    return EXIT_OK;
}

int cmd_audit(struct cli *cli, int argc, char **argv)
{
    static const struct output_column cols[] = {{"ID", "id"},
                                                {"AT", "at"},
                                                {"ACTOR", "actor"},
                                                {"ACTION", "action"},
                                                {"ENTITY", "entity"},
                                                {"ENTITY ID", "entityId"},
                                                {"REQUEST", "requestId"},
                                                {"SOURCE", "source"}};
    const char *since = NULL, *until = NULL, *actor = NULL, *entity = NULL, *action = NULL,
               *entity_id = NULL;
    struct cli_paging page = {0};
    const struct cli_opt opts[] = {
        {"since", &since, NULL, false,
         "from this time (RFC 3339, with its offset: 2026-11-01T09:00:00+07:00) or day "
         "(YYYY-MM-DD: from its 00:00 in your tenant's time "
         "zone, 'liaison tenant hours'), inclusive"},
        {"until", &until, NULL, false,
         "to this time (RFC 3339, with its offset) or day (YYYY-MM-DD: up to its 00:00 in your "
         "tenant's time "
         "zone), exclusive"},
        {"actor", &actor, NULL, false,
         "only this actor, as the ACTOR column shows it; a user also by e-mail or user:ID"},
        {"entity", &entity, NULL, false,
         "only this kind of entity, as the ENTITY column shows it: user, distributor, charter, "
         "meeting, order, lead, document, ..."},
        {"entity-id", &entity_id, NULL, false,
         "only this record, as the ENTITY ID column shows it (with --entity: one record's "
         "history)"},
        {"action", &action, NULL, false,
         "only this action and its variants, as the ACTION column shows it: contact.left, or "
         "contact for every contact action"},
        {"csv", NULL, &cli->set.csv, false,
         "the entries as CSV (RFC 4180, UTF-8) for a spreadsheet; with --all every page"},
        CLI_PAGING_OPTS(page),
        {0}};
    const struct cli_command_spec spec = {
        "audit [--since T] [--until T] [--actor A] [--entity E] [--entity-id ID] [--action A] "
        "[--csv] [--page-size N] [--all]",
        "Shows your tenant's audit log, oldest first (tenant admins and auditors). A day\n"
        "is your tenant's: --since 2026-11-01 --until 2026-12-01 is its November.\n"
        "One distributor's history: --entity distributor --entity-id ID. With --json, the\n"
        "entries as one JSON array, for an auditor's own tools; with --csv, a table for a\n"
        "spreadsheet (a text that would start a formula begins with an apostrophe).",
        opts, 0, "audit --since 2026-11-01 --until 2026-12-01 --csv --all > november.csv"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_t *req = json_object();
    if (since)
        json_object_set_new(req, "since", json_string(since));
    if (until)
        json_object_set_new(req, "until", json_string(until));
    if (actor)
        json_object_set_new(req, "actor", json_string(actor));
    if (entity)
        json_object_set_new(req, "entity", json_string(entity));
    if (entity_id)
        json_object_set_new(req, "entityId", json_string(entity_id));
    if (action)
        json_object_set_new(req, "action", json_string(action));
    /* A refusal (an action of no group, a caller not allowed) is said once, by the note's call. */
    if (action && !cli->set.json && !cli->set.csv && (rc = audit_action_note(cli, req, action))) {
        json_decref(req);
        return rc;
    }
    return cli_list(cli, "ListAuditLog", req, "entries", cols, 8, &page);
}
