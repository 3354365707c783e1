/*
 * cmd_doc.c - 'liaison doc ...': the tenant's key documents (price sheets,
 * catalogues, the handbook), their versions and translations, each
 * document's bytes written to a file, and which translations a
 * distributor lacks or has stale.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cli.h"

static const struct output_column doc_cols[] = {{"ID", "id"},
                                                {"KIND", "kind"},
                                                {"TITLE", "title"},
                                                {"LANGUAGE", "language"},
                                                {"VERSION", "latestVersion"},
                                                {"SHARED WITH ALL", "shareAll", OUTPUT_BOOL},
                                                {"SHARED WITH", "share"},
                                                {"BY", "createdBy"},
                                                {"CREATED", "createdAt"}};
static const struct output_column version_cols[] = {{"VERSION", "version"},
                                                    {"MEDIA TYPE", "mediaType"},
                                                    {"BYTES", "sizeBytes"},
                                                    {"BY", "createdBy"},
                                                    {"CREATED", "createdAt"}};
static const struct output_column variant_cols[] = {{"LANGUAGE", "language"},
                                                    {"FROM VERSION", "translatedFrom"},
                                                    {"STALE", "stale", OUTPUT_BOOL},
                                                    {"BYTES", "sizeBytes"},
                                                    {"BY", "createdBy"},
                                                    {"CREATED", "createdAt"},
                                                    {"TITLE", "title"}};
static const struct output_column coverage_cols[] = {{"ID", "documentId"},
                                                     {"TITLE", "title"},
                                                     {"KIND", "kind"},
                                                     {"LANGUAGE", "language"},
                                                     {"MISSING", "missingLanguages"},
                                                     {"STALE", "staleLanguages"}};

#define NCOLS(c) ((int)(sizeof(c) / sizeof((c)[0])))

/*
 * doc_cols as the caller may read them, into cols: the server leaves out
 * how a document is shared for a distributor user, and a share_all left out
 * would read "no" where the truth is not told ("-"). Returns an exit code.
 */
static int doc_columns(struct cli *cli, struct output_column *cols)
{
    memcpy(cols, doc_cols, sizeof doc_cols);
    if (cli->set.json || cli->set.ids)
        return EXIT_OK;
    json_t *who;
    int rc = cli_call(cli, "WhoAmI", NULL, &who);
    if (rc)
        return rc;
    const char *role = json_string_value(json_object_get(json_object_get(who, "identity"), "role"));
    for (int i = 0; role && !strcmp(role, "ROLE_DISTRIBUTOR_USER") && i < NCOLS(doc_cols); i++)
        if (!strcmp(cols[i].key, "shareAll"))
            cols[i].format = OUTPUT_PLAIN;
    json_decref(who);
    return EXIT_OK;
}

/*
 * The names of the distributors a document is shared with, for the table:
 * a Document carries their ids only. ListDistributors answers in id order,
 * so its pages are read only as far as the largest id asked for, and a
 * tenant's documents cost a page or two, not a call a row. The names are
 * what the caller reaches, as the share list is; an id no page names (a
 * refused read) stays an id. One command reads them, once: the row mapper
 * of cli_list_mapped takes no context, hence the file's own.
 */
#define SHARE_NAMES_PAGE 500
static struct share_names {
    struct cli *cli;
    json_t *names;   /* id (decimal) -> name */
    char *cursor;    /* the next page's; NULL before the first */
    json_int_t last; /* the largest id read */
    bool done;       /* every page read, or a read refused */
} share_names;

/* Reads the next page of distributors into share_names. */
static void share_names_page(void)
{
    struct share_names *s = &share_names;
    json_t *req = json_pack("{s:{s:i,s:s}}", "page", "pageSize", SHARE_NAMES_PAGE, "cursor",
                            s->cursor ? s->cursor : "");
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL, *resp = NULL;
    json_decref(req);
    json_t *out = NULL;
    s->done = true;
    if (body && liaison_call_json(s->cli->conn, "ListDistributors", body, &resp) == LIAISON_OK)
        out = json_loads(resp, 0, NULL);
    free(body);
    liaison_string_free(resp);
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(out, "distributors"), i, d)
    {
        json_int_t id = cli_json_id(json_object_get(d, "id"));
        const char *name = json_string_value(json_object_get(d, "name"));
        char key[24];
        snprintf(key, sizeof key, "%lld", (long long)id);
        if (name)
            json_object_set_new(s->names, key, json_string(name));
        if (id > s->last)
            s->last = id;
    }
    const char *next =
        json_string_value(json_object_get(json_object_get(out, "page"), "nextCursor"));
    free(s->cursor);
    s->cursor = next && *next ? strdup(next) : NULL;
    s->done = !s->cursor;
    json_decref(out);
}

/* A row's "share" as the distributors' names (cli_list_mapped's mapper). */
static void doc_share_named(json_t *doc)
{
    struct share_names *s = &share_names;
    json_t *share = json_object_get(doc, "share");
    if (!json_array_size(share) || !s->names)
        return;
    json_t *named = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(share, i, v)
    {
        json_int_t id = cli_json_id(v);
        char key[24];
        snprintf(key, sizeof key, "%lld", (long long)id);
        while (!json_object_get(s->names, key) && !s->done && id > s->last)
            share_names_page();
        const char *name = json_string_value(json_object_get(s->names, key));
        json_array_append_new(named, name ? json_string(name) : json_deep_copy(v));
    }
    json_object_set_new(doc, "share", named);
}

/* Starts (cli) or ends (NULL) the command's share names. */
static void share_names_use(struct cli *cli)
{
    json_decref(share_names.names);
    free(share_names.cursor);
    share_names = (struct share_names){.cli = cli, .names = cli ? json_object() : NULL};
}

/*
 * Prints a document as 'doc show' does: its fields with SHARED WITH as the
 * distributors' names, then its versions and its language variants; for
 * scripts (--json, --ids) as the server gave it. cols: doc_cols as the
 * caller may read them (doc_columns).
 */
static void doc_print(struct cli *cli, const struct output_column *cols, json_t *doc)
{
    if (cli->set.json || cli->set.ids) {
        cli_print_object(cli, cols, NCOLS(doc_cols), doc);
        return;
    }
    share_names_use(cli);
    doc_share_named(doc);
    share_names_use(NULL);
    output_fields(cols, NCOLS(doc_cols), doc);
    printf("\nversions:\n");
    output_table(version_cols, NCOLS(version_cols), json_object_get(doc, "versions"));
    const json_t *variants = json_object_get(doc, "variants");
    if (json_array_size(variants)) {
        printf("\nlanguage variants:\n");
        output_table(variant_cols, NCOLS(variant_cols), variants);
    }
}

/* What the CLI reads into memory at most; the server's own bound is smaller. */
#define DOC_FILE_MAX (64L << 20)

/* A media type from the file name's extension, for the common kinds of document. */
static const char *doc_media_type(const char *path)
{
    static const char *const types[][2] = {
        {".pdf", "application/pdf"},
        {".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
        {".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
        {".pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
        {".csv", "text/csv"},
        {".txt", "text/plain"},
        {".md", "text/markdown"},
        {".html", "text/html"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".jpeg", "image/jpeg"}};
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (!strcasecmp(dot, types[i][0]))
            return types[i][1];
    return "application/octet-stream";
}

/* The file's bytes (*len of them, the caller frees); NULL after saying why. */
static unsigned char *doc_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "liaison: --file: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    unsigned char *data = NULL;
    size_t cap = 0;
    *len = 0;
    for (;;) {
        if (*len == cap) {
            cap = cap ? 2 * cap : 65536;
            unsigned char *more = cap <= (size_t)DOC_FILE_MAX + 1 ? realloc(data, cap) : NULL;
            if (!more) {
                fprintf(stderr,
                        "liaison: --file: %s: larger than %ld bytes, the most a server may be "
                        "set to take (by default it takes 16 MiB, 16777216 bytes)\n",
                        path, DOC_FILE_MAX);
                free(data);
                fclose(f);
                return NULL;
            }
            data = more;
        }
        size_t n = fread(data + *len, 1, cap - *len, f);
        *len += n;
        if (n == 0)
            break;
    }
    int why = errno;
    bool failed = ferror(f);
    fclose(f);
    if (failed) {
        /* A directory opens, and says what it is only when read. */
        fprintf(stderr, "liaison: --file: %s: %s\n", path, strerror(why));
        free(data);
        return NULL;
    }
    /* The server's "required: the document's bytes" read as if no file were given (a try-out). */
    if (*len == 0) {
        /* Not the 64 MiB this CLI reads at most: a server takes 16 MiB unless set otherwise. */
        fprintf(stderr, "liaison: --file: %s is empty: a document has at least 1 byte\n", path);
        free(data);
        return NULL;
    }
    return data;
}

/*
 * Calls method with req (consumed) plus the file's content and prints the
 * document as 'doc show' does (doc_print), so that a translation just added
 * is seen among the variants. The library sends content larger than a
 * request in parts (liaison_call_with_content), so a file of any size the
 * server allows goes. Only staff add documents (server/methods.h), for whom
 * doc_cols is what they read.
 */
static int doc_send(struct cli *cli, const char *method, json_t *req, const char *file,
                    const char *media_type, bool default_type)
{
    size_t len;
    unsigned char *data = req ? doc_read(file, &len) : NULL;
    char *text = NULL, *resp = NULL;
    /* A file that cannot be read is the caller's to mend, as any wrong argument. */
    int rc = !req ? EXIT_ERROR : !data ? EXIT_USAGE : EXIT_OK;
    if (rc == EXIT_OK && json_object_set_new(req, "mediaType",
                                             json_string(media_type     ? media_type
                                                         : default_type ? doc_media_type(file)
                                                                        : "")))
        rc = EXIT_ERROR;
    if (rc == EXIT_OK && !(text = json_dumps(req, JSON_COMPACT))) {
        fprintf(stderr, "liaison: out of memory\n");
        rc = EXIT_ERROR;
    }
    json_decref(req);
    if (rc == EXIT_OK)
        rc = cli_connect(cli);
    /* A create like any other: keyed, so that it repeats safely. */
    if (rc == EXIT_OK && liaison_method_is_create(method))
        rc = cli_create_key(cli);
    if (rc == EXIT_OK) {
        int code = liaison_call_with_content(cli->conn, method, text, data, len, &resp);
        if (code != LIAISON_OK) {
            const char *key = liaison_idempotency_key(cli->conn);
            /* The document may have been made: the key makes trying again safe. */
            if (key[0] && (code == LIAISON_UNAVAILABLE || code == LIAISON_DEADLINE_EXCEEDED))
                fprintf(stderr, "liaison: to repeat this create safely: --idempotency-key %s\n",
                        key);
            cli_print_error(cli, code, resp);
            rc = cli_exit_code(cli, code);
        }
    }
    free(text);
    free(data);
    json_t *out = rc == EXIT_OK ? json_loads(resp, 0, NULL) : NULL;
    liaison_string_free(resp);
    if (rc == EXIT_OK && !out) {
        fprintf(stderr, "liaison: unreadable response\n");
        return EXIT_ERROR;
    }
    if (out)
        doc_print(cli, doc_cols, json_object_get(out, "document"));
    json_decref(out);
    return rc;
}

static int doc_add(struct cli *cli, int argc, char **argv)
{
    const char *kind = NULL, *title = NULL, *language = NULL, *share = NULL, *file = NULL,
               *media_type = NULL;
    bool share_all = false;
    const struct cli_opt opts[] = {
        {"kind", &kind, NULL, true,
         "price_sheet, catalogue, marketing, charter, handbook or other"},
        {"title", &title, NULL, true, "the document's title"},
        {"language", &language, NULL, true, "the language it is written in (BCP 47: vi, ja, en)"},
        {"share", &share, NULL, false, "the distributors who read it (names or ids, a,b)"},
        {"share-all", NULL, &share_all, false, "every distributor reads it"},
        {"file", &file, NULL, true, "the content, version 1", "content sizeBytes"},
        {"media-type", &media_type, NULL, false,
         "e.g. application/pdf or 'text/plain; charset=utf-8' (default: from the name)"},
        {0}};
    const struct cli_command_spec spec = {
        "doc add --kind K --title T --language L [--share D,D | --share-all] --file F "
        "[--media-type M]",
        "Adds a key document with its first version. Without --share or --share-all only staff "
        "read it.",
        opts, 0,
        "doc add --kind price_sheet --title \"Bảng giá 2027\" --language vi "
        "--share \"Saigon Auto Parts\" --file bang-gia.pdf"};
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if (share && share_all) {
        cli_fail(cli, "INVALID_ARGUMENT", "give --share or --share-all, not both");
        return EXIT_USAGE;
    }
    json_t *ids = share ? cli_resolve_list(cli, CLI_DISTRIBUTOR, share, &rc) : json_array();
    if (!ids)
        return rc ? rc : EXIT_ERROR;
    return doc_send(cli, "CreateDocument",
                    json_pack("{s:o,s:s,s:s,s:b,s:o}", "kind", cli_enum_string(kind), "title",
                              title, "language", language, "shareAll", share_all, "share", ids),
                    file, media_type, true);
}

static int doc_share(struct cli *cli, int argc, char **argv)
{
    const char *add = NULL, *remove = NULL, *id = NULL;
    bool all = false, listed_only = false;
    const struct cli_opt opts[] = {
        {"add", &add, NULL, false, "distributors who read it from now on (names or ids, a,b)"},
        {"remove", &remove, NULL, false, "distributors who no longer read it (names or ids, a,b)"},
        {"all", NULL, &all, false, "every distributor reads it", "shareAll"},
        {"listed-only", NULL, &listed_only, false,
         "no longer every distributor: only those it is shared with (after --add and --remove)",
         "shareListedOnly"},
        {0}};
    const struct cli_command_spec spec = {
        "doc share ID [--add D,D] [--remove D,D] [--all | --listed-only]",
        "Changes whom a document is shared with (exporter staff); its versions and translations "
        "stay. A manager adds and removes the distributors it sees; sharing with every "
        "distributor, or changing a document shared with all, is for a tenant admin or a "
        "manager who sees them all.",
        opts, 1, "doc share 7 --add \"Công ty Phân phối Hà Nội\" --remove \"Saigon Auto Parts\""};
    int rc = cli_args_parse(&spec, argc, argv, &id, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t v;
    if ((rc = cli_parse_id(id, &v)))
        return rc;
    if (all && listed_only) {
        cli_fail(cli, "INVALID_ARGUMENT", "give --all or --listed-only, not both");
        return EXIT_USAGE;
    }
    if (!add && !remove && !all && !listed_only) {
        cli_fail(cli, "INVALID_ARGUMENT",
                 "nothing to change: give --add, --remove, --all or --listed-only");
        return EXIT_USAGE;
    }
    /* An empty variable in a script: say which option, not the server's "nothing to change". */
    if ((add && !*add) || (remove && !*remove)) {
        cli_fail_option(cli, add && !*add ? "--add" : "--remove", add && !*add ? "add" : "remove",
                        "one or more distributors (names or ids, a,b)");
        return EXIT_USAGE;
    }
    json_t *added = add ? cli_resolve_list(cli, CLI_DISTRIBUTOR, add, &rc) : json_array();
    if (!added)
        return rc ? rc : EXIT_ERROR;
    json_t *removed = remove ? cli_resolve_list(cli, CLI_DISTRIBUTOR, remove, &rc) : json_array();
    if (!removed) {
        json_decref(added);
        return rc ? rc : EXIT_ERROR;
    }
    struct output_column cols[NCOLS(doc_cols)];
    json_t *out = NULL;
    if ((rc = doc_columns(cli, cols))) {
        json_decref(added);
        json_decref(removed);
        return rc;
    }
    if ((rc = cli_call(cli, "ShareDocument",
                       json_pack("{s:I,s:o,s:o,s:b,s:b}", "documentId", v, "add", added, "remove",
                                 removed, "shareAll", all, "shareListedOnly", listed_only),
                       &out)))
        return rc;
    doc_print(cli, cols, json_object_get(out, "document"));
    json_decref(out);
    return EXIT_OK;
}

static int doc_version(struct cli *cli, int argc, char **argv)
{
    const char *file = NULL, *media_type = NULL, *id = NULL;
    const struct cli_opt opts[] = {
        {"file", &file, NULL, true, "the new version's content", "content sizeBytes"},
        {"media-type", &media_type, NULL, false, "default: the previous version's"},
        {0}};
    const struct cli_command_spec spec = {
        "doc version ID --file F [--media-type M]",
        "Adds the next version of a document; earlier versions are kept, and translations made "
        "from them become stale.",
        opts, 1, "doc version 7 --file bang-gia-v2.pdf"};
    int rc = cli_args_parse(&spec, argc, argv, &id, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t v;
    if ((rc = cli_parse_id(id, &v)))
        return rc;
    return doc_send(cli, "AddDocumentVersion", json_pack("{s:I}", "documentId", v), file,
                    media_type, false);
}

static int doc_translate(struct cli *cli, int argc, char **argv)
{
    const char *file = NULL, *media_type = NULL, *language = NULL, *from = NULL, *id = NULL,
               *title = "";
    const struct cli_opt opts[] = {
        {"language", &language, NULL, true, "the translation's language (BCP 47: ja, vi)"},
        {"file", &file, NULL, true, "the translation", "content sizeBytes"},
        {"title", &title, NULL, false,
         "the title in that language (default: that language's last title, else the "
         "document's)"},
        {"from-version", &from, NULL, false, "the version translated (default: the latest)"},
        {"media-type", &media_type, NULL, false, "default: the source version's"},
        {0}};
    const struct cli_command_spec spec = {
        "doc translate ID --language L --file F [--title T] [--from-version N] [--media-type M]",
        "Adds a translation of a document; the newest one in a language is its variant. The "
        "portal lists the document under the title of the variant in its reader's language.",
        opts, 1,
        "doc translate 7 --language ja --file price-sheet-ja.pdf --title \"価格表 2027\" "
        "--from-version 2"};
    int rc = cli_args_parse(&spec, argc, argv, &id, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t v, n = 0;
    if ((rc = cli_parse_id(id, &v)) ||
        (from && (rc = cli_parse_range("--from-version", from, 1, 2147483647L, &n))))
        return rc;
    return doc_send(cli, "AddTranslation",
                    json_pack("{s:I,s:s,s:I,s:s}", "documentId", v, "language", language,
                              "fromVersion", n, "title", title),
                    file, media_type, false);
}

static int doc_list(struct cli *cli, int argc, char **argv)
{
    const char *kind = "";
    struct cli_paging page = {0};
    const struct cli_opt opts[] = {
        {"kind", &kind, NULL, false, "only documents of this kind"}, CLI_PAGING_OPTS(page), {0}};
    const struct cli_command_spec spec = {"doc list [--kind K] [--all]",
                                          "Lists the documents you read.", opts, 0,
                                          "doc list --kind price_sheet"};
    struct output_column cols[NCOLS(doc_cols)];
    int rc = cli_args_parse(&spec, argc, argv, NULL, 0);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if ((rc = doc_columns(cli, cols)))
        return rc;
    /* Scripts (--json, --ids) read the ids the server gave. */
    bool named = !cli->set.json && !cli->set.ids;
    if (named)
        share_names_use(cli);
    rc = cli_list_mapped(cli, "ListDocuments", json_pack("{s:o}", "kind", cli_enum_string(kind)),
                         "documents", cols, NCOLS(doc_cols), &page, named ? doc_share_named : NULL);
    share_names_use(NULL);
    return rc;
}

static int doc_show(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {
        "doc show ID", "Shows a document with its versions and its language variants.", opts, 1,
        "doc show 7"};
    json_int_t v;
    struct output_column cols[NCOLS(doc_cols)];
    int rc = cli_args_id(&spec, argc, argv, &v);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_t *out = NULL;
    if ((rc = doc_columns(cli, cols)) ||
        (rc = cli_call(cli, "GetDocument", json_pack("{s:I}", "id", v), &out)))
        return rc;
    doc_print(cli, cols, json_object_get(out, "document"));
    json_decref(out);
    return EXIT_OK;
}

/* Where a document's bytes go as its parts arrive. */
struct doc_sink {
    FILE *out;
    long bytes;
    json_int_t version; /* the source version, of a translation the one it was made from */
    int write_errno;    /* set when writing failed: the stream was stopped for it */
    bool bad_part;      /* a part whose content was not base64 */
    bool terminal;      /* out is a terminal the user did not ask for by -o - */
    bool held_back;     /* a part with control characters was not written to the terminal */
    /* The text so far, for the parts after it: UTF-8 continuation bytes still due, and
       whether it ended in 0xC2 (a C1 control's first byte) or a carriage return. */
    int need;
    bool after_c2, after_cr;
};

/*
 * Whether data holds what a terminal takes as a command or is no UTF-8
 * text: C0 controls but tab and line feed, a carriage return not before a
 * line feed (it lets a line be written over), DEL, C1 controls as UTF-8
 * (C2 80..9F), and bytes that are no UTF-8, among them raw 8-bit C1
 * controls (0x9B is CSI to some terminals). A document's bytes are the
 * uploader's: printed as they are, they set the window's title, cleared the
 * screen and wrote the clipboard (OSC 52) of the distributor's user who
 * read it (an attack try-out).
 */
static bool doc_controls(struct doc_sink *sink, const unsigned char *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = data[i];
        if (sink->after_cr && c != '\n')
            return true;
        sink->after_cr = c == '\r';
        if (sink->need > 0) {
            if ((c & 0xC0) != 0x80 || (sink->after_c2 && c <= 0x9f))
                return true;
            sink->need--;
            sink->after_c2 = false;
            continue;
        }
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f ||
            (c >= 0x80 && c < 0xC2) || c > 0xF4)
            return true;
        sink->need = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC2 ? 1 : 0;
        sink->after_c2 = c == 0xC2;
    }
    return false;
}

/* One part of GetDocumentContent's stream, written out. Non-zero stops it. */
static int doc_chunk(void *arg, const char *chunk_json)
{
    struct doc_sink *sink = arg;
    json_t *chunk = json_loads(chunk_json, 0, NULL);
    json_int_t version = cli_json_id(json_object_get(chunk, "version"));
    if (version)
        sink->version = version;
    const char *b64 = json_string_value(json_object_get(chunk, "content"));
    size_t n = b64 ? strlen(b64) : 0;
    if (n == 0) {
        json_decref(chunk);
        return 0;
    }
    unsigned char *data = malloc(n / 4 * 3 + 3);
    int len = data && n % 4 == 0 ? EVP_DecodeBlock(data, (const unsigned char *)b64, (int)n) : -1;
    if (len >= 0) /* EVP_DecodeBlock counts the padding's bytes too */
        len -= (n >= 1 && b64[n - 1] == '=') + (n >= 2 && b64[n - 2] == '=');
    json_decref(chunk);
    if (len < 0) {
        free(data);
        sink->bad_part = true;
        return 1;
    }
    if (sink->terminal && doc_controls(sink, data, (size_t)len)) {
        free(data);
        sink->held_back = true;
        return 1;
    }
    if (fwrite(data, 1, (size_t)len, sink->out) != (size_t)len) {
        sink->write_errno = errno ? errno : EIO;
        free(data);
        return 1;
    }
    free(data);
    sink->bytes += len;
    return 0;
}

/* argv with -o FILE as --output FILE: after a command, the global -o takes only formats. */
static char **doc_args(int argc, char **argv)
{
    char **args = calloc((size_t)argc + 1, sizeof *args);
    for (int i = 0; args && i < argc; i++)
        args[i] = !strcmp(argv[i], "-o") ? "--output" : argv[i];
    return args;
}

/*
 * The newest translation may be older than the document (found in a
 * try-out: a distributor worked from last version's prices with no word):
 * says so on stderr, with the version it was made from and the latest.
 */
static void doc_warn_stale(struct cli *cli, json_int_t id, const char *language, json_int_t from)
{
    char req[64], *answer = NULL;
    snprintf(req, sizeof req, "{\"id\":%lld}", (long long)id);
    /* Quietly: the content is written already, and a warning that fails is no error. */
    if (!from || liaison_call_json(cli->conn, "GetDocument", req, &answer) != LIAISON_OK) {
        liaison_string_free(answer);
        return;
    }
    json_t *resp = json_loads(answer, 0, NULL);
    liaison_string_free(answer);
    json_int_t latest =
        cli_json_id(json_object_get(json_object_get(resp, "document"), "latestVersion"));
    if (latest > from)
        fprintf(stderr,
                "liaison: warning: this %s translation was made from version %lld; the "
                "document is at version %lld, so it may be out of date\n",
                language, (long long)from, (long long)latest);
    json_decref(resp);
}

static int doc_get(struct cli *cli, int argc, char **argv)
{
    const char *output = NULL, *version = NULL, *language = NULL, *id = NULL;
    const struct cli_opt opts[] = {
        {"version", &version, NULL, false,
         "this version (default: the latest); with --language, the translation made from it"},
        {"language", &language, NULL, false, "the newest translation into this language"},
        {"output", &output, NULL, false,
         "write to this file (-o FILE), replaced only once the whole document arrived "
         "(default, or -o -: standard output; to a terminal, content with control "
         "characters only with -o -)"},
        {0}};
    const struct cli_command_spec spec = {"doc get ID [--version N] [--language L] [-o FILE]",
                                          "Writes a document's bytes, received as a stream.", opts,
                                          1, "doc get 7 --language vi -o bang-gia.pdf"};
    char **args = doc_args(argc, argv);
    if (!args) {
        fprintf(stderr, "liaison: out of memory\n");
        return EXIT_ERROR;
    }
    int rc = cli_args_parse(&spec, argc, args, &id, 1);
    free(args);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    /* Asked for by -o -, the bytes go to the terminal as they are. */
    bool terminal = !output && isatty(STDOUT_FILENO);
    output = cli_outfile_path(output);
    json_int_t v, n = 0;
    if ((rc = cli_parse_id(id, &v)) ||
        (version && (rc = cli_parse_range("--version", version, 1, 2147483647L, &n))))
        return rc;
    /* An empty variable in a script would otherwise fetch the original, in another language. */
    if (language && !*language) {
        cli_fail_option(cli, "--language", "language", "a language tag (BCP 47: vi, ja, en)");
        return EXIT_USAGE;
    }
    if (!language)
        language = "";
    if ((rc = cli_connect(cli)))
        return rc;
    json_t *jreq = json_pack("{s:I,s:I,s:s,s:b}", "documentId", v, "version", n, "language",
                             language, "stream", true);
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
    struct doc_sink sink = {.out = of.out, .terminal = terminal};
    char *err_json = NULL;
    int code =
        liaison_call_stream(cli->conn, "GetDocumentContent", req, doc_chunk, &sink, &err_json);
    free(req);
    const char *where = output ? output : "standard output";
    if (sink.write_errno) {
        fprintf(stderr, "liaison: %s: %s\n", where, strerror(sink.write_errno));
        rc = EXIT_ERROR;
    } else if (sink.bad_part) {
        fprintf(stderr, "liaison: the server sent content that is not base64\n");
        rc = EXIT_ERROR;
    } else if (sink.held_back) {
        fprintf(stderr,
                "%sliaison: document %lld holds control characters (or is not text), which a "
                "terminal would obey: not written to it%s; write it to a file with -o FILE, or "
                "to the terminal anyway with -o -\n",
                sink.bytes ? "\n" : "", (long long)v,
                sink.bytes ? " past what is shown above" : "");
        rc = EXIT_ERROR;
    } else if (code != LIAISON_OK) {
        cli_print_error(cli, code, err_json);
        rc = cli_exit_code(cli, code);
    }
    liaison_string_free(err_json);
    rc = cli_outfile_close(&of, rc);
    /* With --version too: the translation of a version asked for by number (an old script's)
     * is as out of date once the document has moved on, and it went without a word. */
    if (rc == EXIT_OK && language[0])
        doc_warn_stale(cli, v, language, sink.version);
    if (rc == EXIT_OK && output) {
        json_t *done = cli->set.json ? json_pack("{s:I,s:s}", "bytes", (json_int_t)sink.bytes,
                                                 "output", output)
                                     : NULL;
        if (done)
            output_json(done);
        else
            fprintf(stderr, "wrote %ld bytes to %s\n", sink.bytes, output);
        json_decref(done);
    }
    return rc;
}

static int doc_coverage(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{0}};
    const struct cli_command_spec spec = {
        "doc coverage DISTRIBUTOR",
        "The documents shared with a distributor that lack a translation in a language it reads "
        "(its own and its contacts'), or whose translation is stale: made from a version before "
        "the latest.",
        opts, 1, "doc coverage \"Saigon Auto Parts\""};
    const char *dist = NULL;
    int rc = cli_args_parse(&spec, argc, argv, &dist, 1);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    json_int_t d;
    if ((rc = cli_resolve(cli, CLI_DISTRIBUTOR, dist, 0, &d)))
        return rc;
    json_t *out = NULL;
    if ((rc =
             cli_call(cli, "GetTranslationCoverage", json_pack("{s:I}", "distributorId", d), &out)))
        return rc;
    json_t *docs = json_object_get(out, "documents");
    if (!docs) {
        docs = json_array();
        json_object_set_new(out, "documents", docs);
    }
    /* The table names each stale variant's language with the versions it lags by. */
    size_t i;
    json_t *doc;
    json_array_foreach(docs, i, doc)
    {
        json_t *names = json_array();
        size_t k;
        json_t *st;
        json_array_foreach(json_object_get(doc, "stale"), k, st)
        {
            char buf[128];
            snprintf(buf, sizeof buf, "%s (v%lld < v%lld)",
                     json_string_value(json_object_get(st, "language")),
                     (long long)json_integer_value(json_object_get(st, "translatedFrom")),
                     (long long)json_integer_value(json_object_get(st, "latestVersion")));
            json_array_append_new(names, json_string(buf));
        }
        if (!cli->set.json)
            json_object_set_new(doc, "staleLanguages", names);
        else
            json_decref(names);
    }
    cli_print_rows(cli, coverage_cols, NCOLS(coverage_cols), docs);
    json_decref(out);
    return EXIT_OK;
}

int cmd_doc(struct cli *cli, int argc, char **argv)
{
    static const struct cli_subcommand subs[] = {
        {"add", doc_add, "add a document with its first version"},
        {"version", doc_version, "add a document's next version"},
        {"share", doc_share, "change whom a document is shared with"},
        {"translate", doc_translate, "add a translation of a document"},
        {"list", doc_list, "list documents"},
        {"show", doc_show, "show a document, its versions and variants"},
        {"get", doc_get, "write a document's bytes to a file"},
        {"coverage", doc_coverage, "translations a distributor lacks or has stale"},
        {NULL, NULL, NULL}};
    return cli_subcommand("doc", subs, argc, argv, cli);
}
