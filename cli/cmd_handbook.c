/*
 * cmd_handbook.c - 'liaison handbook' and 'liaison scorecard': a
 * distributor's Relationship Operating Handbook (Markdown or HTML) and
 * its scorecard (HTML), received as a stream and written to a file (made
 * beside it and renamed over it once complete) or to standard output.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cli.h"

/* Where the text goes as its parts arrive, and what the first part said. */
struct handbook_sink {
    FILE *out;
    long bytes;
    int write_errno; /* set when writing failed: the stream was stopped for it */
    bool bad_part;   /* a part whose content was not base64 */
    json_t *first;   /* the first part, its content removed */
};

/* One part of the stream: its content decoded and written. Non-zero stops it. */
static int handbook_chunk(void *arg, const char *chunk_json)
{
    struct handbook_sink *sink = arg;
    json_t *chunk = json_loads(chunk_json, 0, NULL);
    const char *b64 = json_string_value(json_object_get(chunk, "content"));
    size_t n = b64 ? strlen(b64) : 0;
    unsigned char *data = n ? malloc(n / 4 * 3 + 3) : NULL;
    int len = !n                   ? 0
              : data && n % 4 == 0 ? EVP_DecodeBlock(data, (const unsigned char *)b64, (int)n)
                                   : -1;
    if (n && len >= 0) /* EVP_DecodeBlock counts the padding's bytes too */
        len -= (b64[n - 1] == '=') + (n >= 2 && b64[n - 2] == '=');
    if (!sink->first && chunk) {
        json_object_del(chunk, "content");
        sink->first = json_incref(chunk);
    }
    json_decref(chunk);
    if (len < 0) {
        free(data);
        sink->bad_part = true;
        return 1;
    }
    if (len && fwrite(data, 1, (size_t)len, sink->out) != (size_t)len) {
        sink->write_errno = errno ? errno : EIO;
        free(data);
        return 1;
    }
    free(data);
    sink->bytes += len;
    return 0;
}

/*
 * Calls method with jreq (consumed) as a stream, writing the text to
 * output (NULL: standard output), and says what was written. Returns an
 * exit code, having said why when not EXIT_OK.
 */
static int handbook_receive(struct cli *cli, const char *method, json_t *jreq, const char *output)
{
    output = cli_outfile_path(output);
    char *req = jreq ? json_dumps(jreq, JSON_COMPACT) : NULL;
    json_decref(jreq);
    if (!req) {
        fprintf(stderr, "liaison: out of memory\n");
        return EXIT_ERROR;
    }
    struct cli_outfile of;
    int opened = cli_outfile_open(&of, output, false);
    if (opened < 0) {
        free(req);
        return opened == -2 ? EXIT_USAGE : EXIT_ERROR;
    }
    struct handbook_sink sink = {of.out, 0, 0, false, NULL};
    char *err_json = NULL;
    int code = liaison_call_stream(cli->conn, method, req, handbook_chunk, &sink, &err_json);
    /*
     * Distributor users and auditors read a handbook but store none: the command's default
     * refused them, though what they asked for was to read it (a try-out). Nothing was
     * written yet, so the reading goes to the same place.
     */
    bool read_only = false;
    if (code == LIAISON_PERMISSION_DENIED && !strcmp(method, "GenerateHandbook") &&
        sink.bytes == 0 && !sink.first) {
        liaison_string_free(err_json);
        err_json = NULL;
        method = "GetHandbook";
        read_only = true;
        code = liaison_call_stream(cli->conn, method, req, handbook_chunk, &sink, &err_json);
    }
    free(req);
    const char *where = output ? output : "standard output";
    int rc = EXIT_OK;
    if (sink.write_errno) {
        fprintf(stderr, "liaison: %s: %s\n", where, strerror(sink.write_errno));
        rc = EXIT_ERROR;
    } else if (sink.bad_part) {
        fprintf(stderr, "liaison: the server sent content that is not base64\n");
        rc = EXIT_ERROR;
    } else if (code != LIAISON_OK) {
        cli_print_error(cli, code, err_json);
        rc = cli_exit_code(cli, code);
    } else if (read_only && !cli->set.json) {
        fprintf(stderr, "liaison: note: read, not stored: your role does not store handbook "
                        "versions (--no-store says so)\n");
    }
    liaison_string_free(err_json);
    rc = cli_outfile_close(&of, rc);
    if (rc == EXIT_OK && output) {
        /* What the first part said (media type, versions), and where the text went. */
        json_t *done = sink.first ? sink.first : json_object();
        sink.first = NULL;
        if (done && json_object_set_new(done, "output", json_string(output)) == 0 &&
            json_object_set_new(done, "bytes", json_integer(sink.bytes)) == 0 && cli->set.json)
            output_json(done);
        else
            fprintf(stderr, "wrote %ld bytes to %s\n", sink.bytes, output);
        json_decref(done);
    }
    json_decref(sink.first);
    return rc;
}

/* argv with -o FILE as --output FILE: after a command, the global -o takes only formats. */
static char **handbook_args(int argc, char **argv)
{
    char **args = calloc((size_t)argc + 1, sizeof *args);
    for (int i = 0; args && i < argc; i++)
        args[i] = !strcmp(argv[i], "-o") ? "--output" : argv[i];
    return args;
}

/* Parses argv against spec into *dist; returns 0 to go on, else an exit code (EXIT_OK: --help). */
static int handbook_parse(const struct cli_command_spec *spec, int argc, char **argv,
                          const char **dist)
{
    char **args = handbook_args(argc, argv);
    if (!args) {
        fprintf(stderr, "liaison: out of memory\n");
        return EXIT_ERROR;
    }
    int rc = cli_args_parse(spec, argc, args, dist, 1);
    free(args);
    return rc < 0 ? -1 : rc;
}

int cmd_handbook(struct cli *cli, int argc, char **argv)
{
    const char *format = "md", *output = NULL, *language = "";
    bool no_store = false;
    const struct cli_opt opts[] = {
        {"format", &format, NULL, false, "md (Markdown, the default) or html"},
        {"language", &language, NULL, false,
         "the language (BCP 47) to write and store it in: en, the default and the only one "
         "with a template; another language is a translation of the handbook document "
         "(liaison doc translate)"},
        {"output", &output, NULL, false,
         "write to this file (-o FILE), replaced only once the whole handbook arrived "
         "(default, or -o -: standard output)"},
        {"no-store", NULL, &no_store, false,
         "only render it (GetHandbook): store no new version of the handbook document; "
         "distributor users and auditors, who store none, read it so without asking"},
        {0}};
    const struct cli_command_spec spec = {
        "handbook DISTRIBUTOR [--format md|html] [--language en] [-o FILE] [--no-store]",
        "Generates a distributor's Relationship Operating Handbook from its active charter, "
        "cadence, escalation protocol, documents' languages and notes discipline, with charts "
        "in HTML, and stores it (Markdown) as the next version of the distributor's handbook "
        "document when its text changed, so translation coverage tracks it.",
        opts, 1, "handbook \"Saigon Auto Parts\" --format html -o handbook.html"};
    const char *dist = NULL;
    int rc = handbook_parse(&spec, argc, argv, &dist);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if (strcasecmp(format, "md") && strcasecmp(format, "markdown") && strcasecmp(format, "html")) {
        fprintf(stderr, "liaison: --format: md or html, not \"%s\"\n", format);
        return EXIT_USAGE;
    }
    format = strcasecmp(format, "html") ? "md" : "html";
    json_int_t id;
    if ((rc = cli_resolve(cli, CLI_DISTRIBUTOR, dist, 0, &id)) || (rc = cli_connect(cli)))
        return rc;
    return handbook_receive(cli, no_store ? "GetHandbook" : "GenerateHandbook",
                            json_pack("{s:I,s:s,s:s,s:b}", "distributorId", id, "format", format,
                                      "language", language, "stream", true),
                            output);
}

int cmd_scorecard(struct cli *cli, int argc, char **argv)
{
    const char *output = NULL;
    const struct cli_opt opts[] = {
        {"output", &output, NULL, false,
         "write to this file (-o FILE), replaced only once the whole page arrived (default, or "
         "-o -: standard output)"},
        {0}};
    const struct cli_command_spec spec = {
        "scorecard DISTRIBUTOR [-o FILE]",
        "Writes a distributor's scorecard, a standalone HTML page: its current health score "
        "with the reasons, and charts of attainment against target, weeks of cover against "
        "the charter's commitment, and health over time.",
        opts, 1, "scorecard \"Saigon Auto Parts\" -o scorecard.html"};
    const char *dist = NULL;
    int rc = handbook_parse(&spec, argc, argv, &dist);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t id;
    if ((rc = cli_resolve(cli, CLI_DISTRIBUTOR, dist, 0, &id)) || (rc = cli_connect(cli)))
        return rc;
    return handbook_receive(cli, "GetScorecard",
                            json_pack("{s:I,s:b}", "distributorId", id, "stream", true), output);
}
