/*
 * rpc_document.c - a tenant's key documents, their versions and their
 * translations. Content comes inline, one version or translation per
 * request, when it fits a frame; larger content comes first in parts
 * (BeginDocumentUpload, UploadDocumentChunk, held in document_uploads,
 * migration 0028) and the request that makes the version names the
 * upload instead, which its transaction takes whole, its SHA-256 checked:
 * nothing of an upload is visible before that, and one never taken is
 * pruned when its lifetime ends. Content goes out as a stream of parts,
 * each its own transaction reading one slice of the row. Who reads a
 * document is one function of the database (liaison_sees_document,
 * migration 0023); a distributor user is never shown whom a document is
 * shared with.
 */
#include "rpc_document.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "credential.h"
#include "exec.h"
#include "geo.h"
#include "log.h"

/*
 * Staff and auditors see the share list, each the distributors it reaches; a
 * distributor user does not.
 */
#define STAFF "current_setting('liaison.role', true) <> 'distributor_user'"
#define DOC_COLS                                                                                   \
    "d.id, d.kind, d.title, d.language, CASE WHEN " STAFF " THEN d.share_all END AS share_all,"    \
    " CASE WHEN " STAFF " THEN (SELECT array_to_json(coalesce(array_agg(s.distributor_id"          \
    "  ORDER BY s.distributor_id), '{}'))::text FROM document_shares s"                            \
    "  WHERE s.tenant_id = d.tenant_id AND s.document_id = d.id"                                   \
    "  AND liaison_sees_side(s.distributor_id)) END AS share,"                                     \
    " lv.latest AS latest_version, d.created_by, liaison_rfc3339(d.created_at) AS created_at,"     \
    " (SELECT json_agg(json_build_object('language', t.language, 'translated_from',"               \
    "  t.translated_from, 'stale', t.translated_from < lv.latest, 'media_type', t.media_type,"     \
    "  'size_bytes', octet_length(t.content), 'created_by', t.created_by, 'created_at',"           \
    "  liaison_rfc3339(t.created_at), 'title', t.title) ORDER BY lower(t.language))"               \
    "  FROM (SELECT DISTINCT ON (lower(x.language)) x.* FROM document_translations x"              \
    "  WHERE x.tenant_id = d.tenant_id AND x.document_id = d.id"                                   \
    "  ORDER BY lower(x.language), x.id DESC) t) AS variants"
#define DOC_FROM                                                                                   \
    " FROM documents d CROSS JOIN LATERAL (SELECT max(v.version) AS latest"                        \
    "  FROM document_versions v WHERE v.tenant_id = d.tenant_id AND v.document_id = d.id) lv"
#define DOC_VERSIONS                                                                               \
    ", (SELECT json_agg(json_build_object('version', v.version, 'media_type', v.media_type,"       \
    "  'size_bytes', octet_length(v.content), 'created_by', v.created_by, 'created_at',"           \
    "  liaison_rfc3339(v.created_at)) ORDER BY v.version) FROM document_versions v"                \
    "  WHERE v.tenant_id = d.tenant_id AND v.document_id = d.id) AS versions"

#define KIND_WORDS "price_sheet, catalogue, marketing, charter, handbook or other"

/* The content: inline ($N), or the upload $M names, taken whole. */
#define CONTENT(n, m)                                                                              \
    "CASE WHEN " m "::bigint = 0 THEN " n "::bytea ELSE liaison_document_upload_take(" m           \
    "::bigint) END"
/* $1..$7 kind, title, language, share_all, share, media type, content, $8 upload */
static struct db_stmt q_document_add = {
    "SELECT liaison_document_add($1, $2, $3, $4::boolean, $5::bigint[], $6, " CONTENT(
        "$7", "$8") ") AS _id",
    8, 0};
/* The document the write before made, or shared (liaison.created_id), read after it. */
static struct db_stmt q_document_created = {
    "SELECT " DOC_COLS DOC_VERSIONS DOC_FROM " WHERE d.tenant_id = liaison_tenant()"
    " AND d.id = nullif(current_setting('liaison.created_id', true), '')::bigint",
    0, 0};
/*
 * The caller reaches every distributor: what a document shared with all of
 * them reaches too, so only such a caller shares one or changes it.
 */
#define REACHES_ALL                                                                                \
    "(current_setting('liaison.role', true) = 'tenant_admin'"                                      \
    " OR current_setting('liaison.sees_all', true) = 'true')"
/*
 * Document $1 is one the caller sees (liaison_sees_document), or
 * NOT_FOUND; one shared with every distributor, only if the caller
 * reaches them all. The document is locked as ShareDocument's function
 * locks it, so that a change of its shares waits for this request's.
 */
#define DOCUMENT_WRITABLE                                                                          \
    "SELECT liaison_found(liaison_sees_document($1::bigint), 'no such document'),"                 \
    " liaison_precondition(NOT coalesce((SELECT d.share_all FROM documents d"                      \
    "  WHERE d.tenant_id = liaison_tenant() AND d.id = $1::bigint FOR NO KEY UPDATE), false) "     \
    "OR " REACHES_ALL ","                                                                          \
    "  'this document is shared with every distributor: a tenant admin or a manager who sees"      \
    " every distributor changes it')"
static struct db_stmt q_document_writable = {DOCUMENT_WRITABLE, 1, 0};
/*
 * Document $1 may take a version or a translation from the caller: writable, and, for a
 * manager who does not reach every distributor, shared with none it does not reach. Such a
 * manager's price sheet went to another manager's distributor that shared the document (an
 * attack try-out), as one shared with all is kept from it above. The statement that writes
 * asks again: a share committed while the check waited for the document's lock is seen only
 * by a later statement's snapshot.
 */
#define NOT_SHARED_BEYOND_REACH                                                                    \
    "liaison_precondition(" REACHES_ALL " OR NOT EXISTS (SELECT 1 FROM document_shares s"          \
    " WHERE s.tenant_id = liaison_tenant() AND s.document_id = $1::bigint"                         \
    " AND NOT liaison_sees_side(s.distributor_id)), 'this document is shared with distributors"    \
    " you do not manage too: a tenant admin or a manager who sees every distributor changes it')"
static struct db_stmt q_document_content_writable = {DOCUMENT_WRITABLE ", " NOT_SHARED_BEYOND_REACH,
                                                     1, 0};
/*
 * Publishing an upstream update shares its attachments ($1) with its recipients, so it carries
 * none that ShareDocument would refuse to share: a distributor's generated handbook (with that
 * distributor alone, whoever asks), and the exporter's own documents (shared with nobody) that
 * the caller sees, unless it reaches every distributor (liaison_document_share, 0248).
 */
struct db_stmt documents_attachable = {
    "SELECT liaison_precondition(NOT EXISTS (SELECT 1 FROM handbook_documents h"
    "  WHERE h.tenant_id = liaison_tenant() AND h.document_id = ANY ($1::bigint[])"
    "  AND liaison_sees_document(h.document_id)),"
    "  'an operating handbook is shared with its own distributor alone: it is attached to no"
    " update'),"
    " liaison_check(" REACHES_ALL " OR NOT EXISTS (SELECT 1 FROM documents d"
    "  WHERE d.tenant_id = liaison_tenant() AND d.id = ANY ($1::bigint[]) AND NOT d.share_all"
    "  AND liaison_sees_document(d.id) AND NOT EXISTS (SELECT 1 FROM document_shares s"
    "  WHERE s.tenant_id = d.tenant_id AND s.document_id = d.id)), 'documentIds',"
    "  'the exporter''s own documents (shared with no distributor) are attached by a tenant"
    " admin or a manager who sees every distributor: publishing an update shares them')",
    1, 0};
/*
 * Every distributor in $1 is one the caller reaches, or INVALID_ARGUMENT on
 * share; $2 (shared with all) only from a caller who reaches them all.
 */
static struct db_stmt q_document_shares_reached = {
    "SELECT liaison_check(NOT EXISTS (SELECT 1 FROM unnest($1::bigint[]) x"
    " WHERE NOT liaison_sees_side(x)), 'share', 'no such distributor'),"
    " liaison_check(NOT $2::boolean OR " REACHES_ALL ", 'shareAll', 'a document for every"
    " distributor is shared by a tenant admin or a manager who sees every distributor')",
    2, 0};
/*
 * hb: the distributor whose generated operating handbook document $1 is (its id and name;
 * nulls for any other document). The handbook holds that relationship's charter terms,
 * escalation ladder and contacts' e-mails and phones, and is written by GenerateHandbook
 * alone: a version by hand replaced it with anything and marked its translations stale, and a
 * share gave another distributor all of it (a try-out).
 */
#define HANDBOOK_OF                                                                                \
    " FROM (VALUES (1)) one LEFT JOIN (SELECT h.distributor_id, d.name FROM handbook_documents h"  \
    " JOIN distributors d ON d.tenant_id = h.tenant_id AND d.id = h.distributor_id"                \
    " WHERE h.tenant_id = liaison_tenant() AND h.document_id = $1::bigint LIMIT 1) hb ON true"
/*
 * $1 document, $2 add, $3 remove, $4 share with all, $5 only the listed from now. A handbook
 * is shared with its own distributor alone; taking it from that distributor is left free.
 */
static struct db_stmt q_document_share = {
    "SELECT liaison_document_share($1::bigint, $2::bigint[], $3::bigint[], $4::boolean,"
    " $5::boolean) AS _id" HANDBOOK_OF
    " WHERE liaison_precondition(hb.distributor_id IS NULL OR (NOT $4::boolean"
    "  AND coalesce($2::bigint[], '{}') <@ ARRAY[hb.distributor_id]),"
    " format('this is the operating handbook generated for %s, with its charter terms,"
    " escalation ladder and contacts'' details: it is shared with that distributor alone',"
    " hb.name))",
    5, 0};
/* A version by hand of a handbook is refused: its versions are generated. */
#define NOT_A_HANDBOOK                                                                             \
    " WHERE liaison_precondition(hb.distributor_id IS NULL, format('this is the operating"         \
    " handbook generated for %s: its versions come from generating the handbook again; add a"      \
    " document of your own for other text', hb.name))"
/* $1 document, $2 media type, $3 content, $4 upload */
static struct db_stmt q_document_version = {
    "SELECT liaison_document_version($1::bigint, $2, " CONTENT(
        "$3", "$4") ") AS _id" HANDBOOK_OF NOT_A_HANDBOOK " AND " NOT_SHARED_BEYOND_REACH,
    4, 0};
/*
 * $1 document, $2 language, $3 from version (0: latest), $4 media type, $5 content, $6 upload,
 * $7 title ('': none)
 */
static struct db_stmt q_document_translate = {
    "SELECT liaison_document_translate($1::bigint, $2, nullif($3::int, 0), $4, " CONTENT(
        "$5", "$6") ", nullif($7, '')) AS _id WHERE " NOT_SHARED_BEYOND_REACH,
    7, 0};
/* $1 size, $2 SHA-256, $3 bytes per chunk, $4 uploads a tenant may have open, $5 lifetime (s) */
static struct db_stmt q_upload_begin = {
    "SELECT u.id AS upload_id, $3::bigint AS chunk_bytes,"
    " liaison_rfc3339(u.expires_at) AS expires_at"
    " FROM liaison_document_upload_begin($1::bigint, $2::bytea, $4::int, $5::int) u",
    5, 0};
/* $1 upload, $2 offset, $3 content */
static struct db_stmt q_upload_chunk = {
    "WITH c AS (SELECT liaison_document_upload_chunk($1::bigint, $2::bigint, $3::bytea) AS got)"
    " SELECT c.got AS received_bytes, u.size_bytes FROM c JOIN document_uploads u"
    " ON u.tenant_id = liaison_tenant() AND u.id = $1::bigint",
    3, 0};
static struct db_stmt q_document_get = {"SELECT " DOC_COLS DOC_VERSIONS DOC_FROM
                                        " WHERE d.tenant_id = liaison_tenant()"
                                        " AND d.id = $1::bigint AND liaison_sees_document(d.id)",
                                        1, 0};
/* $1 after, $2 limit, $3 kind */
static struct db_stmt q_document_list = {
    "SELECT " DOC_COLS DOC_FROM " WHERE d.tenant_id = liaison_tenant() AND d.id > $1::bigint"
    " AND liaison_sees_document(d.id) AND ($3 = '' OR d.kind = $3) ORDER BY d.id LIMIT $2::int",
    3, 0};
/*
 * One slice of a document's content: $1 document, $2 version (0: the
 * latest; with a language, the translation made from it), $3 language (''
 * the source), $4 offset, $5 length, $6 the row (0: the first part picks
 * it; later parts read the same row even if a version was added meanwhile).
 */
static struct db_stmt q_document_content = {
    "SELECT c._row, c.media_type, c.version, c.language, octet_length(c.content) AS size_bytes,"
    " substring(c.content FROM $4::int + 1 FOR $5::int) AS content FROM ("
    "  SELECT v.id AS _row, v.version AS _rank, v.media_type, v.version, '' AS language, v.content"
    "  FROM document_versions v WHERE $3 = '' AND v.tenant_id = liaison_tenant()"
    "  AND v.document_id = $1::bigint AND ($2::int = 0 OR v.version = $2::int)"
    "  AND ($6::bigint = 0 OR v.id = $6::bigint)"
    "  UNION ALL"
    "  SELECT t.id, t.id, t.media_type, t.translated_from, t.language, t.content"
    "  FROM document_translations t WHERE $3 <> '' AND t.tenant_id = liaison_tenant()"
    "  AND t.document_id = $1::bigint AND lower(t.language) = lower($3)"
    "  AND ($2::int = 0 OR t.translated_from = $2::int) AND ($6::bigint = 0 OR t.id = $6::bigint)"
    " ) c WHERE liaison_sees_document($1::bigint) ORDER BY c._rank DESC LIMIT 1",
    6, 0};
/*
 * $1 distributor: the languages it reads, and per document shared with it
 * the ones no variant covers (in the distributor's order of preference,
 * as the handbook lists them) and its stale variants in them. A variant
 * serves a reader of its tag or of one it falls back to (en for en-GB);
 * a stale one is listed only for a reader no fresh variant serves. A
 * language's variant is the translation added last, as the content served
 * is: a fresh one replaced by another was counted as serving (a try-out).
 */
static struct db_stmt q_document_coverage = {
    "SELECT array_to_json(g.langs)::text AS languages,"
    " (SELECT json_agg(x ORDER BY x.document_id) FROM ("
    "  SELECT d.id AS document_id, d.title, d.kind, d.language,"
    "   (SELECT coalesce(json_agg(u.l ORDER BY u.n), '[]')"
    "    FROM unnest(g.langs) WITH ORDINALITY u (l, n)"
    "    WHERE NOT liaison_language_covers(d.language, u.l) AND NOT EXISTS (SELECT 1"
    "     FROM document_translations t WHERE t.tenant_id = d.tenant_id AND t.document_id = d.id"
    "     AND liaison_language_covers(t.language, u.l))) AS missing_languages,"
    "   (SELECT coalesce(json_agg(json_build_object('language', t.language, 'translated_from',"
    "     t.translated_from, 'latest_version', lv.latest) ORDER BY lower(t.language)), '[]')"
    "    FROM (SELECT DISTINCT ON (lower(y.language)) y.language, y.translated_from"
    "     FROM document_translations y WHERE y.tenant_id = d.tenant_id AND y.document_id = d.id"
    "     ORDER BY lower(y.language), y.id DESC) t"
    "    WHERE t.translated_from < lv.latest AND EXISTS (SELECT 1 FROM unnest(g.langs) l"
    "     WHERE liaison_language_covers(t.language, l)"
    "     AND NOT liaison_language_covers(d.language, l) AND NOT EXISTS (SELECT 1"
    "      FROM (SELECT DISTINCT ON (lower(z.language)) z.language, z.translated_from"
    "       FROM document_translations z WHERE z.tenant_id = d.tenant_id"
    "       AND z.document_id = d.id ORDER BY lower(z.language), z.id DESC) f"
    "      WHERE f.translated_from >= lv.latest"
    "      AND liaison_language_covers(f.language, l)))) AS stale" DOC_FROM
    "  WHERE d.tenant_id = liaison_tenant() AND (d.share_all OR EXISTS (SELECT 1"
    "   FROM document_shares s WHERE s.tenant_id = d.tenant_id AND s.document_id = d.id"
    "   AND s.distributor_id = $1::bigint))) x"
    "  WHERE json_array_length(x.missing_languages) > 0 OR json_array_length(x.stale) > 0)"
    "  AS documents"
    " FROM (SELECT liaison_distributor_languages($1::bigint) AS langs) g"
    " WHERE liaison_found(liaison_sees_side($1::bigint), 'no such distributor')",
    1, 0};

static struct exec_decl d_document_create = {
    .method = "CreateDocument",
    .check = {&q_document_shares_reached, {"share", "share_all"}},
    .query = {&q_document_add,
              {"kind", "title", "language", "share_all", "share", "media_type", "content",
               "upload_id"}},
    .reply = {&q_document_created, {NULL}},
    .out = "document",
    .not_found = "no such document"};
static struct exec_decl d_document_version = {
    .method = "AddDocumentVersion",
    .check = {&q_document_content_writable, {"document_id"}},
    .query = {&q_document_version, {"document_id", "media_type", "content", "upload_id"}},
    .reply = {&q_document_get, {"document_id"}},
    .out = "document",
    .not_found = "no such document"};
static struct exec_decl d_document_share = {
    .method = "ShareDocument",
    .check = {&q_document_writable, {"document_id"}},
    .query = {&q_document_share,
              {"document_id", "add", "remove", "share_all", "share_listed_only"}},
    /* The id the function leaves, not liaison_sees_document: a manager who removed the last of
     * its own distributors no longer sees the document, yet changed it. The share list shows
     * only the distributors it reaches. */
    .reply = {&q_document_created, {NULL}},
    .out = "document",
    .not_found = "no such document"};
static struct exec_decl d_document_translate = {
    .method = "AddTranslation",
    .check = {&q_document_content_writable, {"document_id"}},
    .query = {&q_document_translate,
              {"document_id", "language", "from_version", "media_type", "content", "upload_id",
               "title"}},
    .reply = {&q_document_get, {"document_id"}},
    .out = "document",
    .not_found = "no such document"};
static struct exec_decl d_document_list = {
    .method = "ListDocuments",
    .query = {&q_document_list, {"@after", "@limit", "kind"}},
    .shape = EXEC_PAGE,
    .out = "documents",
    .cursor = "doc",
    .filters = {"kind"}};
static struct exec_decl d_document_get = {.method = "GetDocument",
                                          .query = {&q_document_get, {"id"}},
                                          .out = "document",
                                          .not_found = "no such document"};
static struct exec_decl d_document_coverage = {.method = "GetTranslationCoverage",
                                               .query = {&q_document_coverage, {"distributor_id"}},
                                               .not_found = "no such distributor"};

int rpc_document_register(void)
{
    struct db_stmt *const stmts[] = {&q_document_content, &q_upload_begin, &q_upload_chunk};
    if (db_register(stmts, (int)(sizeof stmts / sizeof stmts[0])) < 0)
        return -1;
    struct exec_decl *const decls[] = {
        &d_document_create, &d_document_version, &d_document_share,   &d_document_translate,
        &d_document_list,   &d_document_get,     &d_document_coverage};
    char err[256];
    if (exec_register(decls, (int)(sizeof decls / sizeof decls[0]), err, sizeof err) < 0) {
        log_event(LOG_ERROR, "document RPCs refused", "reason=\"%s\"", err);
        return -1;
    }
    return 0;
}

static bool kind_known(const char *s)
{
    static const char *const kinds[] = {"price_sheet", "catalogue", "marketing",
                                        "charter",     "handbook",  "other"};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (!strcmp(s, kinds[i]))
            return true;
    return false;
}

/* Also puts the tag in BCP 47's case. */
static bool language_ok(struct request *r, const char *field, char *tag)
{
    if (geo_language_tag(tag)) {
        geo_language_canonical(tag);
        return true;
    }
    request_fail_field(r, field, "a BCP 47 language tag (vi, ja, en-GB)");
    return false;
}

/* RFC 9110's tchar: what a token is made of. */
static bool media_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Skips a token at *p; false when there is none. */
static bool media_token(const char **p)
{
    const char *start = *p;
    while (media_tchar(**p))
        (*p)++;
    return *p > start;
}

/*
 * An empty media type, or one as RFC 9110 writes it, type "/" subtype
 * *( OWS ";" OWS name "=" value ), at most 127 bytes; a value a token or a
 * quoted string of printable ASCII and spaces but for quotes, backslashes
 * and angle brackets (escapes and markup name no real parameter's value;
 * a boundary's "=" or "/" or a file name's brackets do). Anything with a
 * "/" was taken before (an attack try-out), while "text/plain;
 * charset=utf-8" was refused for its space.
 */
static bool media_type_ok(struct request *r, const char *media_type)
{
    const char *p = media_type;
    bool ok = !*p || (strlen(p) <= 127 && media_token(&p) && *p++ == '/' && media_token(&p));
    while (ok && *p) {
        while (*p == ' ' || *p == '\t')
            p++;
        ok = *p++ == ';';
        while (ok && (*p == ' ' || *p == '\t'))
            p++;
        if (!ok || !*p)
            break;
        ok = media_token(&p) && *p++ == '=';
        if (ok && *p == '"') {
            for (p++; *p == ' ' || *p == '\t' || (*p > ' ' && *p < 0x7f && !strchr("\"\\<>", *p));
                 p++)
                ;
            ok = *p++ == '"';
        } else if (ok) {
            ok = media_token(&p);
        }
    }
    if (!ok)
        request_fail_field(r, "mediaType",
                           "type/subtype and parameters, as application/pdf or text/plain; "
                           "charset=utf-8");
    return ok;
}

/* The most content one request carries: document_max_bytes, and what a frame holds beside the
 * request's other fields. */
static size_t content_inline_max(const struct request *r)
{
    const struct config *cfg = request_config(r);
    size_t bound = (size_t)cfg->document_max_bytes;
    if (cfg->max_frame_bytes > 8192 && (size_t)cfg->max_frame_bytes - 8192 < bound)
        bound = (size_t)cfg->max_frame_bytes - 8192;
    return bound;
}

/*
 * Content that is either inline, not empty and within content_inline_max,
 * or named by upload_id (whose size BeginDocumentUpload held to
 * document_max_bytes), not both.
 */
static bool content_ok(struct request *r, const ProtobufCBinaryData *content, uint64_t upload_id)
{
    size_t bound = content_inline_max(r);
    if (upload_id) {
        if (content->len) {
            request_fail_field(r, "uploadId", "give content or uploadId, not both");
            return false;
        }
        return request_check_id(r, "uploadId", upload_id);
    }
    if (content->len == 0) {
        request_fail_field(r, "content", "required: the document's bytes");
        return false;
    }
    if (content->len > bound) {
        const char *why = request_printf(
            r,
            "%zu bytes is too large: a request may carry at most %zu bytes; larger content goes "
            "through BeginDocumentUpload",
            content->len, bound);
        request_fail_field(r, "content", why ? why : "too large");
        return false;
    }
    return true;
}

void rpc_create_document(struct request *r)
{
    Liaison__V1__CreateDocumentRequest *in = (Liaison__V1__CreateDocumentRequest *)r->input;
    if (!kind_known(in->kind)) {
        request_fail_field(r, "kind", KIND_WORDS);
        return;
    }
    if (!request_check_text(r, "title", in->title, 200, true) ||
        !request_check_one_line(r, "title", in->title) ||
        !language_ok(r, "language", in->language) || !media_type_ok(r, in->media_type) ||
        !content_ok(r, &in->content, in->upload_id))
        return;
    if (in->share_all && in->n_share) {
        request_fail_field(r, "share", "give shareAll or the distributors, not both");
        return;
    }
    for (size_t i = 0; i < in->n_share; i++)
        if (!request_check_id(r, "share", in->share[i]))
            return;
    if (!in->media_type[0])
        in->media_type = "application/octet-stream";
    exec_run(r, &d_document_create);
}

void rpc_add_document_version(struct request *r)
{
    const Liaison__V1__AddDocumentVersionRequest *in =
        (const Liaison__V1__AddDocumentVersionRequest *)r->input;
    if (request_check_id(r, "documentId", in->document_id) && media_type_ok(r, in->media_type) &&
        content_ok(r, &in->content, in->upload_id))
        exec_run(r, &d_document_version);
}

/* Each id given; how many, the wire's bound on a list (WIRE_MAX_REPEATED). */
static bool share_ids_ok(struct request *r, const char *field, const uint64_t *ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!request_check_id(r, field, ids[i]))
            return false;
    return true;
}

void rpc_share_document(struct request *r)
{
    const Liaison__V1__ShareDocumentRequest *in =
        (const Liaison__V1__ShareDocumentRequest *)r->input;
    if (!request_check_id(r, "documentId", in->document_id) ||
        !share_ids_ok(r, "add", in->add, in->n_add) ||
        !share_ids_ok(r, "remove", in->remove, in->n_remove))
        return;
    if (in->share_all && in->share_listed_only) {
        request_fail_field(r, "shareListedOnly", "give shareAll or shareListedOnly, not both");
        return;
    }
    if (!in->n_add && !in->n_remove && !in->share_all && !in->share_listed_only) {
        request_fail_field(r, "add",
                           "nothing to change: give add, remove, shareAll or shareListedOnly");
        return;
    }
    /* Both at once would leave the answer to the order of two statements. */
    for (size_t i = 0; i < in->n_add; i++)
        for (size_t j = 0; j < in->n_remove; j++)
            if (in->add[i] == in->remove[j]) {
                const char *why = request_printf(
                    r, "distributor %" PRIu64 " is both added and removed", in->add[i]);
                request_fail_field(r, "remove", why ? why : "a distributor both added and removed");
                return;
            }
    exec_run(r, &d_document_share);
}

void rpc_add_translation(struct request *r)
{
    const Liaison__V1__AddTranslationRequest *in =
        (const Liaison__V1__AddTranslationRequest *)r->input;
    /* A version is a PostgreSQL integer: past it, the cast failed with no field named. */
    if (in->from_version > INT32_MAX) {
        request_fail_field(r, "fromVersion",
                           "a version number, at most 2147483647 (0: the latest)");
        return;
    }
    if (request_check_id(r, "documentId", in->document_id) &&
        language_ok(r, "language", in->language) && media_type_ok(r, in->media_type) &&
        request_check_text(r, "title", in->title, 200, false) &&
        request_check_one_line(r, "title", in->title) && content_ok(r, &in->content, in->upload_id))
        exec_run(r, &d_document_translate);
}

void rpc_list_documents(struct request *r)
{
    const Liaison__V1__ListDocumentsRequest *in =
        (const Liaison__V1__ListDocumentsRequest *)r->input;
    if (in->kind[0] && !kind_known(in->kind)) {
        request_fail_field(r, "kind", KIND_WORDS);
        return;
    }
    exec_run(r, &d_document_list);
}

void rpc_get_document(struct request *r)
{
    if (request_check_id(r, "id", ((const Liaison__V1__IdRequest *)r->input)->id))
        exec_run(r, &d_document_get);
}

void rpc_get_translation_coverage(struct request *r)
{
    if (request_check_id(
            r, "distributorId",
            ((const Liaison__V1__TranslationCoverageRequest *)r->input)->distributor_id))
        exec_run(r, &d_document_coverage);
}

/* ---------- uploads, in parts ---------- */

/* An upload with no part for this long is given up for its person's new one (0275). */
#define UPLOAD_IDLE_S 600

/* The one row of an upload statement fills the response (exec.h, by column name). */
static void upload_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    /*
     * The cap on open uploads (LS429) says how many are open, not that the server is busy,
     * and a time to begin again: the sooner of the ten minutes after which the caller's idle
     * uploads are given up for a new one (migration 0275) and the lifetime within which every
     * open upload has expired; one finished frees its place sooner. A refusal for now, not
     * for good: without the retry-after the CLI exited 1 for it, where a rate limit's refusal
     * exits 75 (a try-out).
     */
    const PGresult *last = txn->results[txn->nsteps - 1];
    const char *state = last ? PQresultErrorField(last, PG_DIAG_SQLSTATE) : NULL;
    if (code == LIAISON__V1__CODE__RESOURCE_EXHAUSTED && state && !strcmp(state, "LS429")) {
        int lifetime_s = request_config(r)->document_upload_lifetime_s;
        Liaison__V1__Status st = LIAISON__V1__STATUS__INIT;
        st.code = code;
        const char *message = PQresultErrorField(last, PG_DIAG_MESSAGE_PRIMARY);
        st.message = (char *)(message ? message : "too many uploads are open");
        st.retry_after_ms =
            (uint32_t)(lifetime_s < UPLOAD_IDLE_S ? lifetime_s : UPLOAD_IDLE_S) * 1000u;
        request_fail_status(r, &st);
        return;
    }
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    const PGresult *res = txn->results[txn->nsteps - 1];
    if (PQntuples(res) != 1) {
        request_fail(r, LIAISON__V1__CODE__NOT_FOUND, "no such upload");
        return;
    }
    ProtobufCMessage *out = arena_alloc(&r->arena, r->method->desc->output->sizeof_message);
    char err[256];
    if (!out) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    protobuf_c_message_init(r->method->desc->output, out);
    if (exec_fill(&r->arena, res, 0, out, err, sizeof err) < 0) {
        log_event(LOG_ERROR, "upload answer", "reason=\"%s\"", err);
        request_fail(r, LIAISON__V1__CODE__INTERNAL, "internal error");
        return;
    }
    request_reply(r, out);
}

/* Runs stmt after the credential check with values (n of them), answering through upload_done. */
static void upload_submit(struct request *r, struct db_stmt *stmt, const char *const *values, int n)
{
    struct db_step *s = r->txn.steps;
    int at = credential_txn_begin(r);
    s[at].stmt = stmt;
    for (int i = 0; i < n; i++)
        s[at].values[i] = values[i];
    r->txn.nsteps = at + 1;
    request_submit(r, upload_done);
}

void rpc_begin_document_upload(struct request *r)
{
    const Liaison__V1__BeginDocumentUploadRequest *in =
        (const Liaison__V1__BeginDocumentUploadRequest *)r->input;
    const struct config *cfg = request_config(r);
    if (in->size_bytes == 0 || in->size_bytes > (uint64_t)cfg->document_max_bytes) {
        const char *why = request_printf(r, "1 to %d bytes: a document may have at most %d bytes",
                                         cfg->document_max_bytes, cfg->document_max_bytes);
        request_fail_field(r, "sizeBytes", why ? why : "too large");
        return;
    }
    if (in->sha256.len != 32) {
        request_fail_field(r, "sha256", "the SHA-256 of the whole content: 32 bytes");
        return;
    }
    bool ok = true;
    const char *values[5] = {
        request_printf(r, "%" PRIu64, in->size_bytes),
        exec_param(&r->arena, r->input, "sha256", &ok),
        request_printf(r, "%zu", content_inline_max(r)),
        request_printf(r, "%d", cfg->document_uploads_max),
        request_printf(r, "%d", cfg->document_upload_lifetime_s),
    };
    for (int i = 0; i < 5; i++)
        ok = ok && values[i];
    if (!ok) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    upload_submit(r, &q_upload_begin, values, 5);
}

void rpc_upload_document_chunk(struct request *r)
{
    const Liaison__V1__UploadDocumentChunkRequest *in =
        (const Liaison__V1__UploadDocumentChunkRequest *)r->input;
    if (!request_check_id(r, "uploadId", in->upload_id))
        return;
    size_t bound = content_inline_max(r);
    if (in->content.len > bound || in->offset > INT64_MAX) {
        const char *why = request_printf(r, "at most %zu bytes in one part", bound);
        request_fail_field(r, in->content.len > bound ? "content" : "offset",
                           in->content.len > bound && why ? why : "out of range");
        return;
    }
    bool ok = true;
    const char *values[3] = {
        request_printf(r, "%" PRIu64, in->upload_id),
        request_printf(r, "%" PRIu64, in->offset),
        exec_param(&r->arena, r->input, "content", &ok),
    };
    if (!ok || !values[0] || !values[1] || !values[2]) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    upload_submit(r, &q_upload_chunk, values, 3);
}

/* ---------- content, in parts ---------- */

/* What the parts of one GetDocumentContent share. */
struct content_read {
    bool stream;
    size_t part; /* bytes per part */
    size_t offset;
    char document[24], version[16], offset_text[24], part_text[24], row[24];
};

static void content_part(struct request *r);

static int hex_value(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* bytea's hex output (\x0aff) decoded into a; false when it is not that or memory ran out. */
static bool content_decode(struct arena *a, const char *text, ProtobufCBinaryData *out)
{
    size_t n = strlen(text);
    if (n < 2 || text[0] != '\\' || text[1] != 'x' || n % 2)
        return false;
    out->len = (n - 2) / 2;
    out->data = arena_alloc(a, out->len ? out->len : 1);
    if (!out->data)
        return false;
    for (size_t i = 0; i < out->len; i++) {
        int hi = hex_value(text[2 + 2 * i]), lo = hex_value(text[3 + 2 * i]);
        if (hi < 0 || lo < 0)
            return false;
        out->data[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

static void content_part_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    struct content_read *st = r->state;
    const Liaison__V1__GetDocumentContentRequest *in =
        (const Liaison__V1__GetDocumentContentRequest *)r->input;
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    const PGresult *res = txn->results[txn->nsteps - 1];
    if (PQntuples(res) != 1) {
        request_fail(r, LIAISON__V1__CODE__NOT_FOUND,
                     in->language[0] ? "no such translation"
                     : in->version   ? "no such version"
                                     : "no such document");
        return;
    }
    Liaison__V1__GetDocumentContentResponse out = LIAISON__V1__GET_DOCUMENT_CONTENT_RESPONSE__INIT;
    unsigned long long size = strtoull(PQgetvalue(res, 0, PQfnumber(res, "size_bytes")), NULL, 10);
    if (st->offset == 0) {
        /* The first part says what the content is, and fixes the row the others read. */
        snprintf(st->row, sizeof st->row, "%s", PQgetvalue(res, 0, PQfnumber(res, "_row")));
        out.media_type = arena_strdup(&r->chunk, PQgetvalue(res, 0, PQfnumber(res, "media_type")));
        out.language = arena_strdup(&r->chunk, PQgetvalue(res, 0, PQfnumber(res, "language")));
        out.version = (uint32_t)strtoul(PQgetvalue(res, 0, PQfnumber(res, "version")), NULL, 10);
        out.size_bytes = size;
        if (!out.media_type || !out.language) {
            request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
            return;
        }
    }
    if (!content_decode(&r->chunk, PQgetvalue(res, 0, PQfnumber(res, "content")), &out.content)) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED,
                     "the request needs more memory than its budget allows");
        return;
    }
    st->offset += out.content.len;
    if (st->offset >= size || out.content.len == 0) {
        request_reply(r, &out.base);
        return;
    }
    if (!st->stream) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED,
                     "the document is larger than one answer: ask for it as a stream (stream = "
                     "true; `liaison doc get` does)");
        return;
    }
    request_stream_chunk(r, &out.base, content_part);
}

/* Submits the next part's transaction: the credential check again, then the slice. */
static void content_part(struct request *r)
{
    struct content_read *st = r->state;
    const Liaison__V1__GetDocumentContentRequest *in =
        (const Liaison__V1__GetDocumentContentRequest *)r->input;
    snprintf(st->offset_text, sizeof st->offset_text, "%zu", st->offset);
    struct db_step *s = r->txn.steps;
    int n = credential_txn_begin(r);
    s[n].stmt = &q_document_content;
    s[n].values[0] = st->document;
    s[n].values[1] = st->version;
    s[n].values[2] = in->language;
    s[n].values[3] = st->offset_text;
    s[n].values[4] = st->part_text;
    s[n].values[5] = st->row;
    r->txn.nsteps = n + 1;
    request_submit(r, content_part_done);
}

void rpc_get_document_content(struct request *r)
{
    const Liaison__V1__GetDocumentContentRequest *in =
        (const Liaison__V1__GetDocumentContentRequest *)r->input;
    if (!request_check_id(r, "documentId", in->document_id) ||
        (in->language[0] && !language_ok(r, "language", in->language)))
        return;
    if (in->version > INT32_MAX) {
        request_fail_field(r, "version", "out of range");
        return;
    }
    struct content_read *st = arena_alloc(&r->arena, sizeof *st);
    if (!st) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    memset(st, 0, sizeof *st);
    r->state = st;
    st->stream = in->stream;
    /* A part's other fields (media type, language, sizes) take well under a KiB. */
    size_t budget =
        in->stream ? request_stream_chunk_bytes(r) : (size_t)request_config(r)->max_frame_bytes;
    st->part = budget > 2048 ? budget - 1024 : budget / 2;
    snprintf(st->document, sizeof st->document, "%" PRIu64, in->document_id);
    snprintf(st->version, sizeof st->version, "%" PRIu32, in->version);
    snprintf(st->part_text, sizeof st->part_text, "%zu", st->part);
    snprintf(st->row, sizeof st->row, "0");
    content_part(r);
}
