/*
 * rpc_handbook.c - GenerateHandbook, GetHandbook and GetScorecard. One
 * read transaction gives the document's data as JSON (migration 0035,
 * which answers NOT_FOUND for a distributor the caller does not reach);
 * the text is rendered on libuv's thread pool (request_work) and kept in
 * the request's arena; GenerateHandbook then stores its Markdown as the
 * next version of the distributor's handbook document in a second
 * transaction. The text goes out in parts cut to what one frame may hold:
 * one answer, or a stream when the request asked for one. A repeated
 * GenerateHandbook with nothing changed stores nothing new (the database
 * compares the text with the latest version's, migration 0052); it takes
 * no idempotency key, since its change is not in its first transaction.
 */
#include "rpc_handbook.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "credential.h"
#include "config.h"
#include "geo.h"
#include "handbook.h"
#include "log.h"

/* $1 distributor */
static struct db_stmt q_handbook_data = {"SELECT liaison_handbook_data($1::bigint)::text AS data",
                                         1, 0};
/* $1 distributor */
static struct db_stmt q_scorecard_data = {"SELECT liaison_scorecard_data($1::bigint)::text AS data",
                                          1, 0};
/* $1 distributor, $2 language, $3 the Markdown */
static struct db_stmt q_handbook_store = {
    "SELECT s.document_id, s.document_version FROM liaison_handbook_store($1::bigint, $2, $3) s", 3,
    0};

/*
 * The language the handbook's text is written in (handbook.c's template):
 * the only one it may be stored as, so translation coverage lists the
 * distributor's other languages until a translation is added.
 */
#define HANDBOOK_TEMPLATE_LANGUAGE "en"

int rpc_handbook_register(void)
{
    struct db_stmt *const stmts[] = {&q_handbook_data, &q_scorecard_data, &q_handbook_store};
    return db_register(stmts, (int)(sizeof stmts / sizeof stmts[0]));
}

enum handbook_kind { KIND_GENERATE, KIND_GET, KIND_SCORECARD };

/* One request's document across its steps; in the request's arena. */
struct handbook_job {
    enum handbook_kind kind;
    enum handbook_format format;
    bool stream;
    char distributor[24];
    /* The data's JSON, then what was made of it: in r->chunk until rendered() moves it. */
    const char *data;
    char *text, *markdown; /* markdown: what GenerateHandbook stores */
    size_t len;
    bool failed;
    uint32_t charter_version;
    bool scored;
    uint32_t score;
    uint64_t document_id;
    uint32_t document_version;
    size_t sent, part; /* bytes sent so far, and at most per part */
};

/* A copy of t's text in a, or NULL. */
static char *text_copy(struct arena *a, const struct svg_text *t)
{
    if (t->failed || !t->s)
        return NULL;
    char *s = arena_alloc(a, t->len + 1);
    if (s)
        memcpy(s, t->s, t->len + 1);
    return s;
}

/* On the thread pool: parses the data, renders it; touches only the job and r->chunk. */
static void handbook_render_work(struct request *r)
{
    struct handbook_job *st = r->state;
    json_error_t jerr;
    json_t *data = json_loads(st->data, 0, &jerr);
    struct svg_text text = {0}, markdown = {0};
    st->failed = true;
    if (!data)
        return;
    int rc = st->kind == KIND_SCORECARD ? handbook_scorecard(data, &text)
                                        : handbook_render(data, st->format, &text);
    if (rc == 0 && st->kind == KIND_GENERATE)
        rc = st->format == HANDBOOK_MARKDOWN ? 0
                                             : handbook_render(data, HANDBOOK_MARKDOWN, &markdown);
    const json_t *charter = json_object_get(data, "charter");
    st->charter_version = (uint32_t)json_integer_value(
        json_is_object(charter) ? json_object_get(charter, "version")
                                : json_object_get(data, "charter_version"));
    const json_t *now = json_object_get(json_object_get(data, "charts"), "health_now");
    st->scored = json_is_object(now);
    st->score = (uint32_t)json_integer_value(json_object_get(now, "score"));
    if (rc == 0) {
        st->text = text_copy(&r->chunk, &text);
        st->len = text.len;
        st->markdown = st->kind != KIND_GENERATE         ? NULL
                       : st->format == HANDBOOK_MARKDOWN ? st->text
                                                         : text_copy(&r->chunk, &markdown);
        st->failed = !st->text || (st->kind == KIND_GENERATE && !st->markdown);
    }
    svg_text_free(&text);
    svg_text_free(&markdown);
    json_decref(data);
}

/*
 * Sends the next part: the last one as the answer, the others as a
 * stream's parts, this again called for the next once the client made room.
 */
static void handbook_send(struct request *r)
{
    struct handbook_job *st = r->state;
    size_t n = st->len - st->sent > st->part ? st->part : st->len - st->sent;
    bool last = st->sent + n == st->len;
    if (!last && !st->stream) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED,
                     st->kind == KIND_SCORECARD
                         ? "the scorecard is larger than one answer: ask for it as a stream "
                           "(stream = true; `liaison scorecard` does)"
                         : "the handbook is larger than one answer: ask for it as a stream "
                           "(stream = true; `liaison handbook` does)");
        return;
    }
    ProtobufCBinaryData content = {n, (uint8_t *)st->text + st->sent};
    bool first = st->sent == 0;
    st->sent += n;
    if (st->kind == KIND_SCORECARD) {
        Liaison__V1__ScorecardResponse out = LIAISON__V1__SCORECARD_RESPONSE__INIT;
        out.content = content;
        if (first) {
            out.media_type = "text/html; charset=utf-8";
            out.size_bytes = st->len;
            out.scored = st->scored;
            out.score = st->score;
        }
        if (last)
            request_reply(r, &out.base);
        else
            request_stream_chunk(r, &out.base, handbook_send);
        return;
    }
    Liaison__V1__HandbookResponse out = LIAISON__V1__HANDBOOK_RESPONSE__INIT;
    out.content = content;
    if (first) {
        out.media_type = st->format == HANDBOOK_HTML ? "text/html; charset=utf-8"
                                                     : "text/markdown; charset=utf-8";
        out.size_bytes = st->len;
        out.charter_version = st->charter_version;
        out.document_id = st->document_id;
        out.document_version = st->document_version;
    }
    if (last)
        request_reply(r, &out.base);
    else
        request_stream_chunk(r, &out.base, handbook_send);
}

static void handbook_stored(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    struct handbook_job *st = r->state;
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    const PGresult *res = txn->results[txn->nsteps - 1];
    if (PQntuples(res) != 1) {
        request_fail(r, LIAISON__V1__CODE__INTERNAL, "internal error");
        return;
    }
    st->document_id = strtoull(PQgetvalue(res, 0, PQfnumber(res, "document_id")), NULL, 10);
    st->document_version =
        (uint32_t)strtoul(PQgetvalue(res, 0, PQfnumber(res, "document_version")), NULL, 10);
    handbook_send(r);
}

/* Back on the loop with the text: kept in the arena (r->chunk empties with each part), stored,
 * sent. */
static void handbook_rendered(struct request *r)
{
    struct handbook_job *st = r->state;
    if (st->failed) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED,
                     "the document needs more memory than the request's budget allows");
        return;
    }
    char *text = arena_alloc(&r->arena, st->len + 1);
    char *markdown =
        st->markdown && st->markdown != st->text ? arena_strdup(&r->arena, st->markdown) : NULL;
    if (!text || (st->markdown && st->markdown != st->text && !markdown)) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED,
                     "the document needs more memory than the request's budget allows");
        return;
    }
    memcpy(text, st->text, st->len + 1);
    st->markdown = st->markdown == st->text ? text : markdown;
    st->text = text;
    arena_reset(&r->chunk);
    if (st->kind != KIND_GENERATE) {
        handbook_send(r);
        return;
    }
    struct db_step *s = r->txn.steps;
    int n = credential_txn_begin(r);
    s[n].stmt = &q_handbook_store;
    s[n].values[0] = st->distributor;
    s[n].values[1] = HANDBOOK_TEMPLATE_LANGUAGE;
    s[n].values[2] = st->markdown;
    r->txn.nsteps = n + 1;
    request_submit(r, handbook_stored);
}

static void handbook_read(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    struct handbook_job *st = r->state;
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    const PGresult *res = txn->results[txn->nsteps - 1];
    /* The results go when this callback returns: the renderer gets a copy. */
    st->data = PQntuples(res) == 1 ? arena_strdup(&r->chunk, PQgetvalue(res, 0, 0)) : NULL;
    if (!st->data) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED,
                     "the document needs more memory than the request's budget allows");
        return;
    }
    request_work(r, handbook_render_work, handbook_rendered);
}

/* Checks the request, then reads the data: the credential check and one statement. */
static void handbook_start(struct request *r, enum handbook_kind kind, uint64_t distributor,
                           const char *format, const char *language, bool stream)
{
    if (!request_check_id(r, "distributorId", distributor))
        return;
    if (language[0] && !geo_language_tag(language)) {
        request_fail_field(r, "language", "a BCP 47 language tag (en, vi, ja)");
        return;
    }
    /* A distributor's user was sent to 'doc translate', which only staff may run, while the
     * translation it wanted could be read (a try-out). */
    size_t tl = strlen(HANDBOOK_TEMPLATE_LANGUAGE);
    /* "en-US" is English too: it was refused while "EN" was taken (a try-out). */
    if (language[0] && (strncasecmp(language, HANDBOOK_TEMPLATE_LANGUAGE, tl) ||
                        (language[tl] && language[tl] != '-'))) {
        request_fail_field(r, "language",
                           "the handbook has a template in " HANDBOOK_TEMPLATE_LANGUAGE
                           " only; its translations are the handbook document's: read one "
                           "with GetDocumentContent and its language (the CLI's 'doc get DOCUMENT "
                           "--language TAG'; 'doc list' names the document), and the "
                           "exporter's staff add one with AddTranslation ('doc translate')");
        return;
    }
    enum handbook_format f = HANDBOOK_MARKDOWN;
    if (!strcmp(format, "html"))
        f = HANDBOOK_HTML;
    else if (format[0] && strcmp(format, "md") && strcmp(format, "markdown")) {
        request_fail_field(r, "format", "md (Markdown, the default) or html");
        return;
    }
    struct handbook_job *st = arena_alloc(&r->arena, sizeof *st);
    if (!st) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    memset(st, 0, sizeof *st);
    r->state = st;
    st->kind = kind;
    st->format = kind == KIND_SCORECARD ? HANDBOOK_HTML : f;
    st->stream = stream;
    /* A part's other fields (media type, sizes, ids) take well under a KiB. */
    size_t budget =
        stream ? request_stream_chunk_bytes(r) : (size_t)request_config(r)->max_frame_bytes;
    st->part = budget > 2048 ? budget - 1024 : budget / 2;
    snprintf(st->distributor, sizeof st->distributor, "%" PRIu64, distributor);
    struct db_step *s = r->txn.steps;
    int n = credential_txn_begin(r);
    s[n].stmt = kind == KIND_SCORECARD ? &q_scorecard_data : &q_handbook_data;
    s[n].values[0] = st->distributor;
    r->txn.nsteps = n + 1;
    request_submit(r, handbook_read);
}

void rpc_generate_handbook(struct request *r)
{
    const Liaison__V1__HandbookRequest *in = (const Liaison__V1__HandbookRequest *)r->input;
    handbook_start(r, KIND_GENERATE, in->distributor_id, in->format, in->language, in->stream);
}

void rpc_get_handbook(struct request *r)
{
    const Liaison__V1__HandbookRequest *in = (const Liaison__V1__HandbookRequest *)r->input;
    handbook_start(r, KIND_GET, in->distributor_id, in->format, in->language, in->stream);
}

void rpc_get_scorecard(struct request *r)
{
    const Liaison__V1__ScorecardRequest *in = (const Liaison__V1__ScorecardRequest *)r->input;
    handbook_start(r, KIND_SCORECARD, in->distributor_id, "", "", in->stream);
}
