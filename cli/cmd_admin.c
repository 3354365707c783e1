/*
 * cmd_admin.c - 'liaison admin tenant ...': the platform operator's
 * commands. They need an operator token (LIAISON_TOKEN or --token).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "cli.h"

static const struct output_column tenant_cols[] = {
    {"SLUG", "slug"},
    {"NAME", "name"},
    {"STATUS", "status", OUTPUT_ENUM, "TENANT_STATUS_"},
    {"CREATED", "createdAt"},
    {"TIME ZONE", "timeZone"},
    /* Only 'admin tenant show' and 'list' print these: "-" is the configured default. */
    {"RATE/S", "ratePerS"},
    {"BURST", "rateBurst"}};

/*
 * Calls method with {"slug": slug} and prints the tenant it returns, its
 * first ncols columns of tenant_cols.
 */
static int tenant_one(struct cli *cli, const char *method, json_t *req, size_t ncols)
{
    json_t *resp;
    int rc = cli_call(cli, method, req, &resp);
    if (rc != EXIT_OK)
        return rc;
    cli_print_object(cli, tenant_cols, ncols, json_object_get(resp, "tenant"));
    json_decref(resp);
    return EXIT_OK;
}

static int tenant_create(struct cli *cli, int argc, char **argv)
{
    const char *slug = NULL, *name = NULL, *email = NULL, *admin_name = "", *zone = "";
    bool from_stdin = false;
    const struct cli_opt opts[] = {
        {"slug", &slug, NULL, true,
         "short name: 2-63 of a-z, 0-9, '-', not starting or ending with '-' (capitals are "
         "taken as small letters)"},
        {"name", &name, NULL, true, "the exporter's company name"},
        {"admin-email", &email, NULL, true, "e-mail of the first tenant admin"},
        {"admin-name", &admin_name, NULL, false, "display name of the first tenant admin"},
        {"time-zone", &zone, NULL, false,
         "the tenant's time zone, e.g. Europe/Berlin (default UTC; its admins change it, and "
         "its working hours, with 'liaison tenant hours')"},
        {"password-stdin", NULL, &from_stdin, false,
         "read the admin's password from standard input", "adminPassword"},
        {0}};
    const struct cli_command_spec spec = {
        "admin tenant create --slug SLUG --name NAME --admin-email EMAIL [--admin-name NAME]\n"
        "       [--time-zone ZONE] [--password-stdin]",
        "Creates a tenant and its first tenant admin (password of at least 12 characters).\n"
        "The tenant's time zone sets its days: a report's lateness, an audit filter's day,\n"
        "the exporter's side of a meeting.",
        opts, 0,
        "admin tenant create --slug acme --name \"Acme GmbH\" --admin-email ana@acme.example "
        "--time-zone Europe/Berlin"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    char password[256];
    if ((rc = cli_read_new_password("Admin password: ", from_stdin, password, sizeof password)))
        return rc;
    json_t *req =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "slug", slug, "name", name, "adminEmail", email,
                  "adminName", admin_name, "adminPassword", password, "timeZone", zone);
    OPENSSL_cleanse(password, sizeof password);
    json_t *resp;
    rc = cli_call(cli, "CreateTenant", req, &resp);
    if (rc != EXIT_OK)
        return rc;
    json_t *tenant = json_object_get(resp, "tenant");
    /* The admin it made was said nowhere (a try-out): who it is, and how they start; with
     * --json in the object, beside the tenant's fields. */
    if (cli->set.json && json_is_object(tenant)) {
        json_t *admin_id = json_object_get(resp, "adminUserId");
        if ((admin_id && json_object_set(tenant, "adminUserId", admin_id)) ||
            json_object_set_new(tenant, "adminEmail", json_string(email))) {
            fprintf(stderr, "liaison: out of memory\n");
            json_decref(resp);
            return EXIT_ERROR;
        }
    }
    cli_print_object(cli, tenant_cols, 5, tenant);
    const char *made = json_string_value(json_object_get(tenant, "slug"));
    if (!cli->set.json && !cli->set.ids)
        fprintf(stderr,
                "liaison: its tenant admin is %s (user %lld): 'liaison login --tenant %s --email "
                "%s'\n",
                email, (long long)cli_json_id(json_object_get(resp, "adminUserId")),
                made ? made : slug, email);
    json_decref(resp);
    return EXIT_OK;
}

static int tenant_list(struct cli *cli, int argc, char **argv)
{
    struct cli_paging page = {0};
    const struct cli_opt opts[] = {CLI_PAGING_OPTS(page), {0}};
    const struct cli_command_spec spec = {"admin tenant list [--page-size N] [--cursor C] [--all]",
                                          "Lists tenants.", opts, 0, "admin tenant list --all"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    return cli_list(cli, "ListTenants", json_object(), "tenants", tenant_cols, 7, &page);
}

/*
 * Whether tenant slug's status is already status, into *already: a suspend or resume repeated
 * answered as the first had, without a word that it changed nothing (a try-out). false where
 * the tenant cannot be read: the change that follows says why. Returns an exit code.
 */
static int tenant_already(struct cli *cli, const char *slug, const char *status, bool *already)
{
    *already = false;
    int rc = cli_read_current(cli);
    if (rc != EXIT_OK || (rc = cli_connect(cli)) != EXIT_OK)
        return rc;
    json_t *req = json_pack("{s:s}", "slug", slug);
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL, *resp = NULL;
    json_decref(req);
    if (body && liaison_call_json(cli->conn, "GetTenant", body, &resp) == LIAISON_OK) {
        json_t *out = json_loads(resp, 0, NULL);
        const char *now =
            json_string_value(json_object_get(json_object_get(out, "tenant"), "status"));
        *already = now && !strcmp(now, status);
        json_decref(out);
    }
    free(body);
    liaison_string_free(resp);
    return EXIT_OK;
}

/* show, suspend, resume: one slug in, the tenant out; status: what suspend or resume makes it. */
static int tenant_simple(struct cli *cli, int argc, char **argv, const char *method,
                         const char *usage, const char *summary, const char *example, size_t ncols,
                         const char *status)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {usage, summary, opts, 1, example};
    const char *slug = NULL;
    int rc = cli_args_parse(&spec, argc, argv, &slug, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    bool already = false;
    if (status && !cli->set.json && (rc = tenant_already(cli, slug, status, &already)))
        return rc;
    rc = tenant_one(cli, method, json_pack("{s:s}", "slug", slug), ncols);
    if (rc == EXIT_OK && already)
        fprintf(stderr, "liaison: tenant %s was already %s: nothing changed\n", slug,
                strcmp(status, "TENANT_STATUS_ACTIVE") ? "suspended" : "active");
    return rc;
}

static int tenant_show(struct cli *cli, int argc, char **argv)
{
    return tenant_simple(cli, argc, argv, "GetTenant", "admin tenant show SLUG",
                         "Shows one tenant, with its own rate limit.", "admin tenant show acme", 7,
                         NULL);
}

static int tenant_suspend(struct cli *cli, int argc, char **argv)
{
    return tenant_simple(cli, argc, argv, "SuspendTenant", "admin tenant suspend SLUG",
                         "Suspends a tenant: its sessions and tokens are refused at once. One "
                         "suspended already is left as it is, with no second audit row.",
                         "admin tenant suspend acme", 5, "TENANT_STATUS_SUSPENDED");
}

static int tenant_resume(struct cli *cli, int argc, char **argv)
{
    return tenant_simple(cli, argc, argv, "ResumeTenant", "admin tenant resume SLUG",
                         "Resumes a suspended tenant; an active one is left as it is.",
                         "admin tenant resume acme", 5, "TENANT_STATUS_ACTIVE");
}

static int tenant_delete(struct cli *cli, int argc, char **argv)
{
    const char *confirm = NULL;
    const struct cli_opt opts[] = {{"confirm", &confirm, NULL, true, "the slug again, to confirm"},
                                   {0}};
    const struct cli_command_spec spec = {
        "admin tenant delete SLUG --confirm SLUG",
        "Deletes a tenant and every row of its data. This cannot be undone.", opts, 1,
        "admin tenant delete acme --confirm acme"};
    const char *slug = NULL;
    int rc = cli_args_parse(&spec, argc, argv, &slug, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_t *resp;
    rc = cli_call(cli, "DeleteTenant", json_pack("{s:s,s:s}", "slug", slug, "confirm", confirm),
                  &resp);
    if (rc != EXIT_OK)
        return rc;
    if (cli->set.json)
        output_json(resp);
    else
        printf("deleted tenant %s\n", slug);
    json_decref(resp);
    return EXIT_OK;
}

/* The table name of an export's last line. */
#define EXPORT_END "#end"

/* Where a streamed export's rows go, as JSON lines, as they arrive. */
struct export_sink {
    FILE *out;
    long rows;
    int write_errno; /* set when writing failed: the stream was stopped for it */
    EVP_MD_CTX *sha; /* over every row line, for the end line */
};

/*
 * An export's last line: {"table": "#end", "row": {"rows": N, "sha256": HEX}},
 * HEX the SHA-256 of every line before it (newlines included); shaped as a row
 * so that readers of the lines need no second format, named as no table can
 * be. An import refuses a file without it (cut short) or whose lines do not
 * hash to it (changed).
 */
static char *export_end_line(EVP_MD_CTX *sha, long rows)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    if (EVP_DigestFinal_ex(sha, md, &n) != 1)
        return NULL;
    for (unsigned int i = 0; i < n; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    json_t *end = json_pack("{s:s,s:{s:I,s:s}}", "table", EXPORT_END, "row", "rows",
                            (json_int_t)rows, "sha256", hex);
    char *s = end ? json_dumps(end, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(end);
    return s;
}

/* One chunk of ExportTenant's stream: its rows, written out. Non-zero stops the stream. */
static int export_chunk(void *arg, const char *chunk_json)
{
    struct export_sink *sink = arg;
    json_t *chunk = json_loads(chunk_json, 0, NULL);
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(chunk, "rows"), i, row)
    {
        json_t *data = json_loads(json_string_value(json_object_get(row, "json")), 0, NULL);
        json_t *line = json_pack("{s:O,s:o}", "table", json_object_get(row, "table"), "row",
                                 data ? data : json_null());
        char *s = line ? json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(line);
        if (!s || fprintf(sink->out, "%s\n", s) < 0 ||
            EVP_DigestUpdate(sink->sha, s, strlen(s)) != 1 ||
            EVP_DigestUpdate(sink->sha, "\n", 1) != 1) {
            sink->write_errno = s ? errno : ENOMEM;
            free(s);
            json_decref(chunk);
            return 1;
        }
        free(s);
        sink->rows++;
    }
    json_decref(chunk);
    return 0;
}

static int tenant_export(struct cli *cli, int argc, char **argv)
{
    const char *output = NULL;
    bool secrets = false;
    const struct cli_opt opts[] = {
        {"output", &output, NULL, false,
         "write to this file, created readable by its owner only (default: standard output)"},
        {"include-secrets", NULL, &secrets, false,
         "also export password and token hashes, to move the tenant to another installation "
         "(recorded as such in the audit logs)"},
        {0}};
    const struct cli_command_spec spec = {
        "admin tenant export SLUG [--output FILE] [--include-secrets]",
        "Writes every row of the tenant's data as JSON lines: {\"table\": ..., \"row\": {...}}, "
        "each as the server's stream delivers it, then {\"table\": \"#end\", \"row\": {\"rows\": "
        "N, "
        "\"sha256\": ...}} (what 'admin tenant import' checks); with --output, to a temporary file "
        "beside FILE "
        "that replaces FILE only when the whole export arrived. Password and token hashes are left "
        "out unless --include-secrets is given. Every export "
        "is recorded in the platform audit log and the tenant's audit log.",
        opts, 1, "admin tenant export sao-khue --output sao-khue.jsonl"};
    const char *slug = NULL;
    int rc = cli_args_parse(&spec, argc, argv, &slug, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    output = cli_outfile_path(output);
    struct cli_outfile of;
    int opened = cli_outfile_open(&of, output, true);
    if (opened < 0)
        return opened == -2 ? EXIT_USAGE : EXIT_ERROR;
    FILE *out = of.out;
    struct export_sink sink = {out, 0, 0, EVP_MD_CTX_new()};
    rc = sink.sha && EVP_DigestInit_ex(sink.sha, EVP_sha256(), NULL) == 1 ? cli_connect(cli)
                                                                          : EXIT_ERROR;
    if (rc == EXIT_OK) {
        json_t *jreq =
            json_pack("{s:s,s:b,s:b}", "slug", slug, "includeSecrets", secrets, "stream", true);
        char *req = jreq ? json_dumps(jreq, JSON_COMPACT) : NULL;
        json_decref(jreq);
        char *err_json = NULL;
        int code = req ? liaison_call_stream(cli->conn, "ExportTenant", req, export_chunk, &sink,
                                             &err_json)
                       : LIAISON_RESOURCE_EXHAUSTED;
        if (sink.write_errno) {
            fprintf(stderr, "liaison: %s: %s\n", output ? output : "standard output",
                    strerror(sink.write_errno));
            rc = EXIT_ERROR;
        } else if (code != LIAISON_OK) {
            cli_print_error(cli, code, err_json);
            rc = cli_exit_code(cli, code);
        } else {
            char *end = export_end_line(sink.sha, sink.rows);
            if (!end || fprintf(out, "%s\n", end) < 0) {
                fprintf(stderr, "liaison: %s: %s\n", output ? output : "standard output",
                        end ? strerror(errno) : "out of memory");
                rc = EXIT_ERROR;
            }
            free(end);
        }
        liaison_string_free(err_json);
        free(req);
    }
    EVP_MD_CTX_free(sink.sha);
    rc = cli_outfile_close(&of, rc);
    if (rc == EXIT_OK && output)
        fprintf(stderr, "exported %ld rows to %s\n", sink.rows, output);
    return rc;
}

/* Rows and bytes of JSON per ImportTenantRows call: well under the 1 MiB frame. */
#define IMPORT_BATCH_ROWS 500
#define IMPORT_BATCH_BYTES (512 * 1024)

/* Sends the batch in rows (emptied after) to import import_id, begun for slug. */
static int import_send(struct cli *cli, json_int_t import_id, const char *slug, json_t *rows)
{
    json_t *resp;
    int rc = cli_call(cli, "ImportTenantRows",
                      json_pack("{s:I,s:O,s:s}", "importId", import_id, "rows", rows, "slug", slug),
                      &resp);
    if (rc == EXIT_OK)
        json_decref(resp);
    json_array_clear(rows);
    return rc;
}

/*
 * After the server refused a row of FILE ("invalid rows: line N of the export ..."): what the
 * operator does next. FILE passed its checksum, which anyone can compute again, so the row was
 * edited after the export, or made by a release with other rules. Not with --json, whose last
 * line is the server's status.
 */
static void import_refused(struct cli *cli, int rc, const char *file)
{
    if (rc != EXIT_USAGE || cli->set.json || !cli->conn ||
        strncmp(liaison_error(cli->conn), "invalid rows: ", strlen("invalid rows: ")) != 0)
        return;
    fprintf(stderr,
            "liaison: %s: nothing was imported. The file matches its checksum, so it was changed "
            "after the export (its checksum computed again) or written by a release of liaison "
            "with other rules: export the tenant again, first correcting that row in the source "
            "tenant if it holds it so, and import only files you made or trust.\n",
            file);
}

/* Of an export's users rows, the tenant admins' e-mails: the import's --admin-email is one. */
struct import_admins {
    const char *wanted; /* --admin-email, or NULL */
    bool found;
    bool tenant;    /* the export's tenants row was read: it says whether secrets came */
    char some[256]; /* the first few, for a refusal to name */
};

static void import_admin_row(struct import_admins *a, const json_t *row)
{
    const char *email = json_string_value(json_object_get(row, "email"));
    const char *role = json_string_value(json_object_get(row, "role"));
    if (!email || !role || strcmp(role, "tenant_admin"))
        return;
    if (a->wanted && !strcasecmp(email, a->wanted))
        a->found = true;
    size_t n = strlen(a->some);
    if (n + strlen(email) + 3 < sizeof a->some)
        snprintf(a->some + n, sizeof a->some - n, "%s%s", n ? ", " : "", email);
}

/*
 * Checks FILE's end line against its lines: returns the row count, or -1
 * after saying what is wrong. Reads the file once, before anything is sent,
 * noting whether it holds secrets and its tenant admins into admins.
 */
static long import_check(FILE *in, const char *file, bool *secrets, struct import_admins *admins)
{
    EVP_MD_CTX *sha = EVP_MD_CTX_new();
    char *line = NULL, *want = NULL;
    size_t cap = 0;
    ssize_t len;
    long rows = 0, end_rows = -1, lines = 0;
    bool ok = sha && EVP_DigestInit_ex(sha, EVP_sha256(), NULL) == 1, export_like = false,
         gzipped = false;
    while (ok && end_rows < 0 && (len = getline(&line, &cap, in)) > 0) {
        json_t *j = json_loadb(line, (size_t)len, 0, NULL);
        const char *table = json_string_value(json_object_get(j, "table"));
        /* A file that is no export at all is said so, not "cut short". */
        if (++lines == 1) {
            export_like = table && json_is_object(json_object_get(j, "row"));
            gzipped = len >= 2 && (unsigned char)line[0] == 0x1f && (unsigned char)line[1] == 0x8b;
        }
        json_t *end = table && strcmp(table, EXPORT_END) == 0 ? json_object_get(j, "row") : NULL;
        if (end) {
            end_rows = (long)json_integer_value(json_object_get(end, "rows"));
            const char *h = json_string_value(json_object_get(end, "sha256"));
            want = h ? strdup(h) : NULL;
        } else {
            if (table && !strcmp(table, "tenants")) {
                *secrets = json_is_true(json_object_get(json_object_get(j, "row"), "secrets"));
                admins->tenant = true;
            }
            if (table && !strcmp(table, "users"))
                import_admin_row(admins, json_object_get(j, "row"));
            ok = EVP_DigestUpdate(sha, line, (size_t)len) == 1;
            rows++;
        }
        json_decref(j);
    }
    int read_errno = ferror(in) ? errno : 0;
    bool trailing = ok && end_rows >= 0 && getline(&line, &cap, in) > 0;
    free(line);
    char *got = ok ? export_end_line(sha, rows) : NULL;
    json_t *gotj = got ? json_loads(got, 0, NULL) : NULL;
    const char *goth = json_string_value(json_object_get(json_object_get(gotj, "row"), "sha256"));
    long result = -1;
    if (read_errno)
        fprintf(stderr, "liaison: %s: %s\n", file, strerror(read_errno));
    else if (!ok || !goth)
        fprintf(stderr, "liaison: %s: out of memory\n", file);
    else if (!export_like)
        fprintf(stderr, "liaison: %s: not a file 'admin tenant export' wrote: %s%s\n", file,
                lines ? "its first line is not {\"table\": ..., \"row\": {...}}" : "it is empty",
                gzipped ? " (it is compressed with gzip: gunzip it first)" : "");
    else if (end_rows < 0)
        fprintf(stderr, "liaison: %s: no end line: the export is incomplete (cut short?)\n", file);
    else if (trailing || end_rows != rows || !want || strcmp(want, goth) != 0)
        fprintf(stderr,
                "liaison: %s: its rows do not match its end line: the file was changed "
                "or damaged after the export\n",
                file);
    else
        result = rows;
    json_decref(gotj);
    free(got);
    free(want);
    EVP_MD_CTX_free(sha);
    return result;
}

static int tenant_import(struct cli *cli, int argc, char **argv)
{
    const char *slug = NULL, *name = NULL, *admin_email = NULL;
    bool from_stdin = false;
    const struct cli_opt opts[] = {
        {"slug", &slug, NULL, true, "the tenant to import into: new, or existing and empty"},
        {"name", &name, NULL, true, "its name, when the import creates it"},
        {"password-stdin", NULL, &from_stdin, false,
         "read the admin's new password (--admin-email) from standard input", "adminPassword"},
        {"admin-email", &admin_email, NULL, false,
         "for an export without secrets: a tenant admin of the export, who gets a new password "
         "(asked for) and can then reset the other users'",
         "adminEmail adminPassword"},
        {0}};
    const struct cli_command_spec spec = {
        "admin tenant import FILE --slug SLUG --name NAME [--admin-email EMAIL [--password-stdin]]",
        "Imports a file 'admin tenant export' wrote (of this installation or another) into a new "
        "or empty tenant: every row again, under new ids, all or nothing, and the tenant as it "
        "was: suspended or active, with its own rate limit and working time. A file cut short or "
        "changed after the export is refused before anything is sent; an export from a newer "
        "schema than this installation's is refused. Without --include-secrets on the export, "
        "nobody's password came along: give --admin-email, and that admin resets the others'; "
        "with it, --admin-email is refused. API tokens do not move: their tokens name the "
        "tenant's old id, so they come revoked; make new ones. "
        "The last step waits up to the server's import_timeout_ms (10 minutes by default) "
        "unless --timeout says less.",
        opts, 1, "admin tenant import acme.jsonl --slug acme-restored --name \"Acme GmbH\""};
    const char *file = NULL;
    int rc = cli_args_parse(&spec, argc, argv, &file, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if (from_stdin && !admin_email) {
        fprintf(stderr, "liaison: --password-stdin is the new password of --admin-email: give "
                        "both, or neither\n");
        return EXIT_USAGE;
    }
    FILE *in = fopen(file, "r");
    if (!in) {
        fprintf(stderr, "liaison: %s: %s\n", file, strerror(errno));
        return EXIT_ERROR;
    }
    bool secrets = false;
    struct import_admins admins = {.wanted = admin_email};
    long total = import_check(in, file, &secrets, &admins);
    /*
     * What FinishTenantImport would refuse, said before the upload rather
     * than after minutes of it (an operator's try-out).
     */
    if (total >= 0 && admins.tenant && !secrets && (!admin_email || !admins.found)) {
        char why[512];
        snprintf(why, sizeof why, "%s%s%s%s",
                 admin_email ? "the export has no tenant admin with this e-mail"
                             : "the export holds no passwords (made without --include-secrets): "
                               "name a tenant admin of it, who gets a new password",
                 admins.some[0] ? " (its tenant admins: " : "", admins.some,
                 admins.some[0] ? ")" : "");
        cli_fail_option(cli, "--admin-email", "adminEmail", why);
        fclose(in);
        return EXIT_USAGE;
    }
    if (total >= 0 && secrets && admin_email) {
        /* Its users keep their passwords: a new one for the admin would be ignored. */
        fprintf(stderr,
                "liaison: %s holds password hashes (--include-secrets): its users keep their "
                "passwords, so --admin-email and a new password do not apply; import without "
                "them\n",
                file);
        fclose(in);
        return EXIT_USAGE;
    }
    char password[256] = "";
    if (total >= 0 && admin_email &&
        (rc = cli_read_new_password("New password for the admin: ", from_stdin, password,
                                    sizeof password))) {
        fclose(in);
        return rc;
    }
    size_t chars = 0;
    for (const char *p = password; *p; p++)
        chars += ((unsigned char)*p & 0xC0) != 0x80;
    if (total >= 0 && admin_email && chars < 12) {
        /* The server's rule (server/auth.h, PASSWORD_MIN), in its words. */
        cli_fail_option(cli, "--password-stdin", "adminPassword", "must be at least 12 characters");
        fclose(in);
        return EXIT_USAGE;
    }
    if (total < 0 || fseek(in, 0, SEEK_SET) != 0) {
        fclose(in);
        return EXIT_ERROR;
    }
    json_t *resp;
    rc = cli_call(cli, "BeginTenantImport", json_pack("{s:s,s:s}", "slug", slug, "name", name),
                  &resp);
    json_int_t import_id = 0;
    if (rc == EXIT_OK) {
        const char *id = json_string_value(json_object_get(resp, "importId"));
        import_id =
            id ? strtoll(id, NULL, 10) : json_integer_value(json_object_get(resp, "importId"));
        json_decref(resp);
    }
    json_t *batch = json_array();
    size_t bytes = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    for (long n = 0; rc == EXIT_OK && n < total && (len = getline(&line, &cap, in)) > 0; n++) {
        json_t *j = json_loadb(line, (size_t)len, 0, NULL);
        char *row = j ? json_dumps(json_object_get(j, "row"), JSON_COMPACT) : NULL;
        json_t *item =
            row ? json_pack("{s:O,s:s}", "table", json_object_get(j, "table"), "json", row) : NULL;
        json_decref(j);
        free(row);
        if (!item || json_array_append_new(batch, item) < 0) {
            fprintf(stderr, "liaison: %s: line %ld is not an exported row\n", file, n + 1);
            rc = EXIT_ERROR;
            break;
        }
        bytes += (size_t)len;
        if (json_array_size(batch) >= IMPORT_BATCH_ROWS || bytes >= IMPORT_BATCH_BYTES) {
            rc = import_send(cli, import_id, slug, batch);
            bytes = 0;
        }
    }
    free(line);
    fclose(in);
    if (rc == EXIT_OK && json_array_size(batch) > 0)
        rc = import_send(cli, import_id, slug, batch);
    json_decref(batch);
    if (rc == EXIT_OK) {
        json_t *req = json_pack("{s:I,s:I,s:s,s:s,s:s}", "importId", import_id, "rows",
                                (json_int_t)total, "adminEmail", admin_email ? admin_email : "",
                                "adminPassword", password, "slug", slug);
        OPENSSL_cleanse(password, sizeof password);
        /* It writes the whole tenant: wait as long as the server may take (import_timeout_ms). */
        if (!cli->set.timeout_ms &&
            liaison_set_option(cli->conn, LIAISON_OPT_REQUEST_TIMEOUT_MS, "3600000") != LIAISON_OK)
            fprintf(stderr, "liaison: %s\n", liaison_error(cli->conn));
        rc = cli_call(cli, "FinishTenantImport", req, &resp);
    }
    if (rc != EXIT_OK) {
        import_refused(cli, rc, file);
        return rc;
    }
    if (cli->set.json) {
        output_json(resp);
    } else {
        cli_print_object(cli, tenant_cols, 4, json_object_get(resp, "tenant"));
        if (!json_is_true(json_object_get(resp, "secrets")))
            fprintf(stderr,
                    "The export held no passwords: only %s can log in; they must reset "
                    "every other user's password (liaison user passwd --user USER).\n",
                    admin_email);
        /* A token names its tenant's id, which the import changed (migration 0212). */
        fprintf(stderr, "API tokens and log-in sessions do not move with a tenant: the imported "
                        "tokens are revoked; make new ones (liaison token create).\n");
    }
    json_decref(resp);
    return EXIT_OK;
}

static const struct output_column rate_limit_cols[] = {
    {"SLUG", "slug"}, {"RATE/S", "ratePerS"}, {"BURST", "burst"}};

static int tenant_rate_limit(struct cli *cli, int argc, char **argv)
{
    const char *rate = NULL, *burst = NULL;
    bool back_to_default = false;
    const struct cli_opt opts[] = {
        {"rate", &rate, NULL, false, "requests a second the tenant may make (1-1000000)",
         "ratePerS"},
        {"burst", &burst, NULL, false,
         "requests it may make at once, the token bucket's size: a burst under the rate also "
         "holds back a second's requests sent together (0-1000000; 0 or none: the rate)"},
        {"default", NULL, &back_to_default, false,
         "drop the tenant's own limit: liaisond.conf's tenant_rate and tenant_burst apply"},
        {0}};
    const struct cli_command_spec spec = {
        "admin tenant rate-limit SLUG (--rate N [--burst N] | --default)",
        "Sets a tenant's request rate limit, for all its users and API tokens together; every "
        "server applies it within its tenant_rate_refresh_ms (5 s by default). Past the limit "
        "calls are answered RESOURCE_EXHAUSTED with the time to wait.",
        opts, 1, "admin tenant rate-limit acme --rate 200 --burst 400"};
    const char *slug = NULL;
    int rc = cli_args_parse(&spec, argc, argv, &slug, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    /* Both given read as if neither were (a try-out). */
    if (back_to_default && rate) {
        fprintf(stderr, "liaison: --rate and --default: give one or the other\n");
        return EXIT_USAGE;
    }
    if (!back_to_default && !rate) {
        fprintf(stderr, burst ? "liaison: --burst goes with --rate: give --rate N too\n"
                              : "liaison: give --rate (and optionally --burst), or --default\n");
        return EXIT_USAGE;
    }
    if (back_to_default && burst) {
        fprintf(stderr, "liaison: --burst goes with --rate, not with --default\n");
        return EXIT_USAGE;
    }
    json_int_t rate_n = 0, burst_n = 0;
    if ((rate && (rc = cli_parse_range("--rate", rate, 1, 1000000, &rate_n))) ||
        (burst && (rc = cli_parse_uint("--burst", burst, 1000000, &burst_n))))
        return rc;
    json_t *resp;
    rc = cli_call(cli, "SetTenantRateLimit",
                  json_pack("{s:s,s:I,s:I}", "slug", slug, "ratePerS", rate_n, "burst", burst_n),
                  &resp);
    if (rc != EXIT_OK)
        return rc;
    cli_print_object(cli, rate_limit_cols, 3, json_object_get(resp, "limit"));
    json_decref(resp);
    return EXIT_OK;
}

static const struct output_column recover_cols[] = {{"ID", "userId"},
                                                    {"EMAIL", "email"},
                                                    {"ROLE", "role", OUTPUT_ENUM, "ROLE_"},
                                                    {"NEW USER", "created", OUTPUT_BOOL}};

static int tenant_recover(struct cli *cli, int argc, char **argv)
{
    const char *email = NULL, *admin_name = "";
    bool from_stdin = false, revoke_tokens = false;
    const struct cli_opt opts[] = {
        {"admin-email", &email, NULL, true,
         "the admin to recover: a user of the tenant (made a tenant admin and enabled), or a new "
         "tenant admin"},
        {"admin-name", &admin_name, NULL, false,
         "display name of a new admin (a user who exists keeps theirs)"},
        {"password-stdin", NULL, &from_stdin, false,
         "read the admin's new password from standard input", "adminPassword"},
        {"revoke-api-tokens", NULL, &revoke_tokens, false,
         "also revoke the API tokens this user made (default: they stay, as with 'user passwd')",
         "revokeApiTokens"},
        {0}};
    const struct cli_command_spec spec = {
        "admin tenant recover SLUG --admin-email EMAIL [--admin-name NAME] [--password-stdin] "
        "[--revoke-api-tokens]",
        "Gives a tenant whose admins are locked out (a lost password, an admin who left or "
        "was disabled) an admin again. A user of the tenant with that e-mail becomes a tenant "
        "admin, is enabled and gets the new password (at least 12 characters, asked for as by "
        "'admin tenant create'); with no such user, a new tenant admin is created. Either way "
        "the user's log-in sessions end and its failed log-ins are forgotten; its API tokens "
        "stay unless --revoke-api-tokens. A distributor's user cannot be made the admin. A "
        "suspended tenant is recovered too, but nobody logs in until it is resumed. Recorded "
        "as tenant.admin_recover in the platform audit log and in the tenant's own, with you "
        "as the actor; nothing of the tenant's data is shown.",
        opts, 1,
        "admin tenant recover sao-khue --admin-email hoa@saokhue.example --admin-name "
        "\"Nguyễn Thị Hoà\""};
    const char *slug = NULL;
    int rc = cli_args_parse(&spec, argc, argv, &slug, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    char password[256];
    if ((rc = cli_read_new_password("New admin password: ", from_stdin, password, sizeof password)))
        return rc;
    json_t *req =
        json_pack("{s:s,s:s,s:s,s:s,s:b}", "slug", slug, "adminEmail", email, "adminName",
                  admin_name, "adminPassword", password, "revokeApiTokens", revoke_tokens);
    OPENSSL_cleanse(password, sizeof password);
    json_t *resp;
    rc = cli_call(cli, "RecoverTenantAdmin", req, &resp);
    if (rc != EXIT_OK)
        return rc;
    cli_print_object(cli, recover_cols, 4, resp);
    if (!cli->set.json) {
        const char *stored = json_string_value(json_object_get(resp, "email"));
        if (!json_is_true(json_object_get(resp, "created")) && admin_name[0])
            fprintf(stderr,
                    "%s was a user already and keeps their name: --admin-name applies "
                    "to a new admin only.\n",
                    stored ? stored : email);
        if (json_is_true(json_object_get(resp, "tenantSuspended")))
            fprintf(stderr,
                    "Tenant %s is suspended: nobody, this admin included, can log in until "
                    "'liaison admin tenant resume %s'.\n",
                    slug, slug);
    }
    json_decref(resp);
    return EXIT_OK;
}

static int admin_tenant(struct cli *cli, int argc, char **argv)
{
    static const struct cli_subcommand tenant[] = {
        {"create", tenant_create, "create a tenant and its first admin"},
        {"list", tenant_list, "list tenants"},
        {"show", tenant_show, "show one tenant"},
        {"suspend", tenant_suspend, "suspend a tenant"},
        {"resume", tenant_resume, "resume a tenant"},
        {"export", tenant_export, "all of a tenant's data as JSON lines"},
        {"import", tenant_import, "an export into a new or empty tenant"},
        {"delete", tenant_delete, "delete a tenant and all its data"},
        {"rate-limit", tenant_rate_limit, "set a tenant's request rate limit"},
        {"recover", tenant_recover, "give a tenant whose admins are locked out an admin again"},
        {NULL, NULL, NULL}};
    return cli_subcommand("admin tenant", tenant, argc, argv, cli);
}

/* The platform's audit log: what operators did to tenants, oldest first. */
static int admin_audit(struct cli *cli, int argc, char **argv)
{
    static const struct output_column cols[] = {{"ID", "id"},         {"AT", "at"},
                                                {"ACTOR", "actor"},   {"ACTION", "action"},
                                                {"TENANT", "tenant"}, {"REQUEST", "requestId"},
                                                {"SOURCE", "source"}, {"DETAIL", "detail"}};
    const char *since = NULL, *until = NULL, *tenant = NULL, *action = NULL, *actor = NULL;
    struct cli_paging page = {0};
    const struct cli_opt opts[] = {
        {"since", &since, NULL, false,
         "from this time (RFC 3339, with its offset) or day (YYYY-MM-DD: from its 00:00 UTC), "
         "inclusive"},
        {"until", &until, NULL, false,
         "to this time (RFC 3339, with its offset) or day (YYYY-MM-DD: up to its 00:00 UTC), "
         "exclusive"},
        {"tenant", &tenant, NULL, false, "only this tenant (its slug)"},
        {"action", &action, NULL, false,
         "only this action and its variants (tenant.export finds tenant.export_with_secrets "
         "too; tenant finds every tenant action): tenant.create, tenant.suspend, "
         "tenant.resume, tenant.rate_limit, tenant.export, tenant.export_with_secrets, "
         "tenant.import.begin, tenant.import, tenant.import_with_secrets, tenant.delete, "
         "tenant.admin_recover, "
         "clock.fix, clock.shift, clock.reset, operator.create, operator.revoke"},
        {"actor", &actor, NULL, false, "only this operator (as shown in the ACTOR column)"},
        {"csv", NULL, &cli->set.csv, false,
         "the entries as CSV (RFC 4180, UTF-8) for a spreadsheet; with --all every page"},
        CLI_PAGING_OPTS(page),
        {0}};
    const struct cli_command_spec spec = {
        "admin audit [--since T] [--until T] [--tenant SLUG] [--action A] [--actor A] "
        "[--csv] [--page-size N] [--all]",
        "Shows the platform's audit log, oldest first (needs an operator token): each tenant\n"
        "created, suspended, resumed, exported, imported, deleted or rate-limited, each\n"
        "locked-out admin recovered (tenant.admin_recover: the e-mail and what changed), each\n"
        "change of the service clock (clock.fix, clock.shift, clock.reset: no tenant), and\n"
        "each operator made or revoked on the host ('liaisond operator', by the host's user),\n"
        "by whom, when and from where. A tenant's own log is 'liaison audit'.",
        opts, 0, "admin audit --tenant acme --since 2026-11-01"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    /* An action nobody records lists nothing, which reads as "it never happened". */
    static const char *const actions[] = {"tenant",
                                          "tenant.create",
                                          "tenant.suspend",
                                          "tenant.resume",
                                          "tenant.rate_limit",
                                          "tenant.export",
                                          "tenant.export_with_secrets",
                                          "tenant.import",
                                          "tenant.import.begin",
                                          "tenant.import_with_secrets",
                                          "tenant.delete",
                                          "tenant.admin_recover",
                                          "clock",
                                          "clock.fix",
                                          "clock.shift",
                                          "clock.reset",
                                          "operator",
                                          "operator.create",
                                          "operator.revoke"};
    size_t nactions = sizeof actions / sizeof actions[0], known = 0;
    while (action && known < nactions && strcmp(action, actions[known]))
        known++;
    if (action && known == nactions) {
        const char *near = cli_nearest(action, actions, nactions);
        fprintf(stderr, "liaison: --action: no action '%s' is recorded", action);
        if (near)
            fprintf(stderr, "; did you mean '%s'?", near);
        fprintf(stderr, " (see 'liaison admin audit --help')\n");
        return EXIT_USAGE;
    }
    json_t *req = json_object();
    const char *keys[] = {"since", "until", "tenant", "action", "actor"};
    const char *values[] = {since, until, tenant, action, actor};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (values[i])
            json_object_set_new(req, keys[i], json_string(values[i]));
    return cli_list(cli, "ListPlatformAudit", req, "entries", cols, 8, &page);
}

int cmd_admin(struct cli *cli, int argc, char **argv)
{
    static const struct cli_subcommand families[] = {
        {"tenant", admin_tenant, "tenants (needs an operator token)"},
        {"audit", admin_audit,
         "the platform's audit log: operators' acts on tenants and the clock"},
        {NULL, NULL, NULL}};
    return cli_subcommand("admin", families, argc, argv, cli);
}
