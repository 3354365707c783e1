/*
 * test_exec.c - the executor's conversions against a real PostgreSQL
 * (LIAISON_TEST_DATABASE_URL, from tests/run): result columns into
 * protobuf fields by name, with NULLs, empty arrays, non-ASCII text, enums
 * and the 64-bit edges; nested messages from JSON columns; and request
 * fields into statement parameters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "../check.h"
#include "exec.h"

static PGconn *pg;

static PGresult *query(const char *sql)
{
    PGresult *res = PQexec(pg, sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        fprintf(stderr, "query failed: %s\n%s\n", PQerrorMessage(pg), sql);
        exit(1);
    }
    return res;
}

static void test_scalars(void)
{
    struct arena a;
    arena_init(&a, 1 << 16);
    char err[256];
    PGresult *res = query("SELECT 9223372036854775807::bigint AS id, 'PT-Ô tô 山田' AS sku,"
                          " NULL::bigint AS product_line_id, '' AS name, 'hộp' AS unit,"
                          " 4294967295::bigint AS moq, true AS retired");
    Liaison__V1__Product p = LIAISON__V1__PRODUCT__INIT;
    CHECK(exec_fill(&a, res, 0, &p.base, err, sizeof err) == 0);
    CHECK(p.id == 9223372036854775807ull);
    CHECK(strcmp(p.sku, "PT-Ô tô 山田") == 0);
    CHECK(p.product_line_id == 0); /* NULL leaves the default */
    CHECK(strcmp(p.name, "") == 0);
    CHECK(strcmp(p.unit, "hộp") == 0);
    CHECK(p.moq == 4294967295u);
    CHECK(p.retired);
    PQclear(res);

    res = query("SELECT 4294967296::bigint AS moq");
    Liaison__V1__Product q = LIAISON__V1__PRODUCT__INIT;
    CHECK(exec_fill(&a, res, 0, &q.base, err, sizeof err) < 0);
    CHECK(strstr(err, "moq") != NULL);
    PQclear(res);

    res = query("SELECT -1::bigint AS id");
    CHECK(exec_fill(&a, res, 0, &q.base, err, sizeof err) < 0);
    PQclear(res);

    res = query("SELECT 1 AS no_such_field");
    CHECK(exec_fill(&a, res, 0, &q.base, err, sizeof err) < 0);
    CHECK(strstr(err, "no_such_field") != NULL);
    PQclear(res);

    /* A leading '_' names the executor's own column (a page's _id key), not a field. */
    res = query("SELECT 'acme' AS slug, 42::bigint AS _id, 'TENANT_STATUS_SUSPENDED' AS status");
    Liaison__V1__Tenant t = LIAISON__V1__TENANT__INIT;
    CHECK(exec_fill(&a, res, 0, &t.base, err, sizeof err) == 0);
    CHECK(strcmp(t.slug, "acme") == 0);
    CHECK(t.status == LIAISON__V1__TENANT_STATUS__TENANT_STATUS_SUSPENDED);
    PQclear(res);
    arena_reset(&a);
}

static void test_enums_and_arrays(void)
{
    struct arena a;
    arena_init(&a, 1 << 16);
    char err[256];
    PGresult *res = query("SELECT 'ROLE_MANAGER' AS role, 'api_token' AS kind");
    Liaison__V1__Identity id = LIAISON__V1__IDENTITY__INIT;
    CHECK(exec_fill(&a, res, 0, &id.base, err, sizeof err) == 0);
    CHECK(id.role == LIAISON__V1__ROLE__ROLE_MANAGER);
    PQclear(res);
    res = query("SELECT 'ROLE_EMPEROR' AS role");
    CHECK(exec_fill(&a, res, 0, &id.base, err, sizeof err) < 0);
    PQclear(res);

    res = query("SELECT array_to_json('{}'::bigint[])::text AS covered_line_ids,"
                " array_to_json(ARRAY['sales', 'Đánh giá \"quý\"', '市場'])::text"
                " AS report_sections,"
                " array_to_json(ARRAY[1, 9223372036854775807]::bigint[])::text AS signatories,"
                " 7 AS version");
    Liaison__V1__Charter c = LIAISON__V1__CHARTER__INIT;
    /* signatories is repeated string: JSON numbers do not fit it */
    CHECK(exec_fill(&a, res, 0, &c.base, err, sizeof err) < 0);
    PQclear(res);

    res = query("SELECT array_to_json('{}'::bigint[])::text AS covered_line_ids,"
                " array_to_json(ARRAY['sales', 'Đánh giá \"quý\"', '市場'])::text"
                " AS report_sections, NULL::text AS signatories, 7 AS version");
    Liaison__V1__Charter d = LIAISON__V1__CHARTER__INIT;
    CHECK(exec_fill(&a, res, 0, &d.base, err, sizeof err) == 0);
    CHECK(d.n_covered_line_ids == 0);
    CHECK(d.n_report_sections == 3);
    CHECK(strcmp(d.report_sections[1], "Đánh giá \"quý\"") == 0);
    CHECK(strcmp(d.report_sections[2], "市場") == 0);
    CHECK(d.n_signatories == 0);
    CHECK(d.version == 7);
    PQclear(res);

    res = query("SELECT array_to_json(ARRAY[1, 9223372036854775807]::bigint[])::text"
                " AS product_line_ids");
    Liaison__V1__CharterGrant g = LIAISON__V1__CHARTER_GRANT__INIT;
    CHECK(exec_fill(&a, res, 0, &g.base, err, sizeof err) == 0);
    CHECK(g.n_product_line_ids == 2 && g.product_line_ids[1] == 9223372036854775807ull);
    PQclear(res);
    arena_reset(&a);
}

/* Nested messages from JSON columns: objects, arrays of them, and what fills them. */
static void test_json(void)
{
    struct arena a;
    arena_init(&a, 1 << 16);
    char err[256];
    /* A nested object (a message field), with a repeated scalar and a JSON null inside. */
    PGresult *res = query(
        "SELECT 7 AS charter_id, json_build_object('id', 9223372036854775807, 'region', 'VN-SG',"
        " 'all_lines', false, 'product_line_ids', json_build_array(9007199254740993,"
        " '9223372036854775807', 1), 'exclusive', true, 'starts_on', '2026-01-01',"
        " 'ends_on', NULL) AS grant");
    Liaison__V1__AddCharterGrantRequest g = LIAISON__V1__ADD_CHARTER_GRANT_REQUEST__INIT;
    CHECK(exec_fill(&a, res, 0, &g.base, err, sizeof err) == 0);
    CHECK(g.charter_id == 7 && g.grant);
    CHECK(g.grant->id == 9223372036854775807ull);
    CHECK(strcmp(g.grant->region, "VN-SG") == 0 && !g.grant->all_lines && g.grant->exclusive);
    CHECK(g.grant->n_product_line_ids == 3);
    CHECK(g.grant->product_line_ids[0] == 9007199254740993ull); /* 2^53 + 1, not rounded */
    CHECK(g.grant->product_line_ids[1] == 9223372036854775807ull);
    CHECK(strcmp(g.grant->starts_on, "2026-01-01") == 0);
    CHECK(strcmp(g.grant->ends_on, "") == 0); /* JSON null leaves the default */
    PQclear(res);

    /* An array of objects (a repeated message field), an empty array, NULL, non-ASCII text. */
    res = query("SELECT json_build_array(json_build_object('id', '18446744073709551615',"
                " 'account_name', 'Công ty Vận tải \"Sao Mai\"', 'region', 'VN-HP'),"
                " json_build_object('id', 2, 'account_name', '山田商事', 'note', E'a\\nb'))"
                " AS carve_outs, '[]'::json AS grants, NULL::json AS commitments,"
                " 'null'::json AS competing_lines, 'draft' AS status");
    Liaison__V1__Charter c = LIAISON__V1__CHARTER__INIT;
    CHECK(exec_fill(&a, res, 0, &c.base, err, sizeof err) == 0);
    CHECK(c.n_carve_outs == 2);
    CHECK(c.carve_outs[0]->id == 18446744073709551615ull); /* uint64 beyond int64, as a string */
    CHECK(strcmp(c.carve_outs[0]->account_name, "Công ty Vận tải \"Sao Mai\"") == 0);
    CHECK(strcmp(c.carve_outs[0]->region, "VN-HP") == 0);
    CHECK(strcmp(c.carve_outs[0]->note, "") == 0); /* a missing key leaves the default */
    CHECK(c.carve_outs[1]->id == 2 && strcmp(c.carve_outs[1]->account_name, "山田商事") == 0);
    CHECK(strcmp(c.carve_outs[1]->note, "a\nb") == 0);
    CHECK(c.n_grants == 0 && c.n_commitments == 0 && c.n_competing_lines == 0);
    CHECK(strcmp(c.status, "draft") == 0);
    PQclear(res);

    /* The deepest nesting the schema has: a response holding a charter holding grants. */
    res = query("SELECT json_build_object('id', 1, 'grants', json_build_array("
                "json_build_object('id', 2, 'product_line_ids', '[]'::json))) AS charter");
    Liaison__V1__CharterResponse cr = LIAISON__V1__CHARTER_RESPONSE__INIT;
    CHECK(exec_fill(&a, res, 0, &cr.base, err, sizeof err) == 0);
    CHECK(cr.charter && cr.charter->id == 1 && cr.charter->n_grants == 1 &&
          cr.charter->grants[0]->id == 2 && cr.charter->grants[0]->n_product_line_ids == 0);
    PQclear(res);

    /* Enums by value name inside an object. */
    res = query(
        "SELECT json_build_object('name', 'Đặng Thu Hà', 'role', 'ROLE_AUDITOR') AS identity");
    Liaison__V1__WhoAmIResponse who = LIAISON__V1__WHO_AM_IRESPONSE__INIT;
    CHECK(exec_fill(&a, res, 0, &who.base, err, sizeof err) == 0);
    CHECK(who.identity && who.identity->role == LIAISON__V1__ROLE__ROLE_AUDITOR &&
          strcmp(who.identity->name, "Đặng Thu Hà") == 0);
    PQclear(res);

    /* What does not fit is refused, naming where. */
    static const struct {
        const char *sql, *says;
    } bad[] = {
        {"SELECT json_build_object('id', 1, 'no_such_key', 2) AS grant", "no_such_key"},
        {"SELECT json_build_array(json_build_object('id', 1),"
         " json_build_object('id', 2, 'regionn', 'VN')) AS carve_outs",
         "regionn"},
        {"SELECT json_build_object('id', -1) AS grant", "-1"},
        {"SELECT '{\"id\": 18446744073709551615}'::json AS grant", "not JSON"},
        {"SELECT json_build_object('id', 1.5) AS grant", "1.5"},
        {"SELECT json_build_object('product_line_ids', json_build_array(1, 'x')) AS grant", "[1]"},
        {"SELECT json_build_object('region', 5) AS grant", "region"},
        {"SELECT json_build_object('exclusive', 'true') AS grant", "exclusive"},
        {"SELECT json_build_array(1) AS grant", "not a JSON object"},
        {"SELECT json_build_object('id', 1) AS carve_outs", "array"},
        {"SELECT '{\"id\": 1, \"id\": 2}'::json AS grant", "not JSON"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        res = query(bad[i].sql);
        Liaison__V1__AddCharterGrantRequest x = LIAISON__V1__ADD_CHARTER_GRANT_REQUEST__INIT;
        Liaison__V1__Charter y = LIAISON__V1__CHARTER__INIT;
        ProtobufCMessage *m = strstr(bad[i].sql, "carve_outs") ? &y.base : &x.base;
        err[0] = '\0';
        bool refused = exec_fill(&a, res, 0, m, err, sizeof err) < 0;
        if (!refused || !strstr(err, bad[i].says))
            fprintf(stderr, "case %zu: %s (%s)\n", i, refused ? "wrong message" : "accepted", err);
        CHECK(refused && strstr(err, bad[i].says) != NULL);
        PQclear(res);
    }
    arena_reset(&a);
}

static void test_params(void)
{
    struct arena a;
    arena_init(&a, 1 << 16);
    bool ok;
    Liaison__V1__CreateProductRequest p = LIAISON__V1__CREATE_PRODUCT_REQUEST__INIT;
    p.sku = "Ô-1";
    p.product_line_id = 18446744073709551615ull;
    p.moq = 42;
    const char *v = exec_param(&a, &p.base, "sku", &ok);
    CHECK(ok && strcmp(v, "Ô-1") == 0);
    v = exec_param(&a, &p.base, "moq", &ok);
    CHECK(ok && strcmp(v, "42") == 0);
    v = exec_param(&a, &p.base, "product_line_id", &ok);
    CHECK(ok && strcmp(v, "18446744073709551615") == 0);
    v = exec_param(&a, &p.base, "no_such", &ok);
    CHECK(!ok && v == NULL);

    /* Bytes bind as bytea's hex input, a NUL byte and all, and read back as they were. */
    Liaison__V1__AddDocumentVersionRequest d = LIAISON__V1__ADD_DOCUMENT_VERSION_REQUEST__INIT;
    uint8_t content[] = {0x00, 0xff, 'A', 0x0a};
    d.content.data = content;
    d.content.len = sizeof content;
    v = exec_param(&a, &d.base, "content", &ok);
    CHECK(ok && strcmp(v, "\\x00ff410a") == 0);
    const char *bytea[1] = {v};
    PGresult *bres =
        PQexecParams(pg, "SELECT encode($1::bytea, 'base64')", 1, NULL, bytea, NULL, NULL, 0);
    CHECK(PQresultStatus(bres) == PGRES_TUPLES_OK &&
          strcmp(PQgetvalue(bres, 0, 0), "AP9BCg==") == 0);
    PQclear(bres);

    Liaison__V1__AddCharterGrantRequest g = LIAISON__V1__ADD_CHARTER_GRANT_REQUEST__INIT;
    v = exec_param(&a, &g.base, "grant.region", &ok);
    CHECK(ok && v == NULL); /* no grant: its fields are NULL */
    Liaison__V1__CharterGrant grant = LIAISON__V1__CHARTER_GRANT__INIT;
    uint64_t lines[] = {3, 9223372036854775807ull};
    grant.region = "VN-SG";
    grant.exclusive = 1;
    grant.product_line_ids = lines;
    grant.n_product_line_ids = 2;
    g.grant = &grant;
    v = exec_param(&a, &g.base, "grant.region", &ok);
    CHECK(ok && strcmp(v, "VN-SG") == 0);
    v = exec_param(&a, &g.base, "grant.exclusive", &ok);
    CHECK(ok && strcmp(v, "true") == 0);
    v = exec_param(&a, &g.base, "grant.product_line_ids", &ok);
    CHECK(ok && v);
    /* The array literal is what PostgreSQL reads back. */
    const char *values[1] = {v};
    PGresult *res = PQexecParams(pg, "SELECT array_to_json($1::bigint[])::text", 1, NULL, values,
                                 NULL, NULL, 0);
    CHECK(PQresultStatus(res) == PGRES_TUPLES_OK &&
          strcmp(PQgetvalue(res, 0, 0), "[3,9223372036854775807]") == 0);
    PQclear(res);

    Liaison__V1__SetCharterTermsRequest t = LIAISON__V1__SET_CHARTER_TERMS_REQUEST__INIT;
    char *sections[] = {"sales", "a\"b,c{d}", "市場"};
    t.report_sections = sections;
    t.n_report_sections = 3;
    v = exec_param(&a, &t.base, "report_sections", &ok);
    values[0] = v;
    res =
        PQexecParams(pg, "SELECT array_to_json($1::text[])::text", 1, NULL, values, NULL, NULL, 0);
    CHECK(ok && PQresultStatus(res) == PGRES_TUPLES_OK &&
          strcmp(PQgetvalue(res, 0, 0), "[\"sales\",\"a\\\"b,c{d}\",\"市場\"]") == 0);
    PQclear(res);

    /* Repeated messages: a JSON array of objects of their scalar fields, values as text. */
    Liaison__V1__PlaceOrderRequest o = LIAISON__V1__PLACE_ORDER_REQUEST__INIT;
    Liaison__V1__OrderLine l1 = LIAISON__V1__ORDER_LINE__INIT, l2 = LIAISON__V1__ORDER_LINE__INIT;
    l1.product_id = 18446744073709551615ull;
    l1.quantity = 200;
    l2.sku = "Ô-\"1";
    l2.unit_price_minor = 5;
    Liaison__V1__OrderLine *ol[] = {&l1, &l2};
    o.lines = ol;
    o.n_lines = 2;
    v = exec_param(&a, &o.base, "lines", &ok);
    values[0] = v;
    res = PQexecParams(pg,
                       "SELECT string_agg((e->>'product_id') || '/' || (e->>'sku') || '/' ||"
                       " (e->>'quantity') || '/' || (e->>'unit_price_minor'), ';')"
                       " FROM jsonb_array_elements($1::jsonb) e",
                       1, NULL, values, NULL, NULL, 0);
    CHECK(ok && PQresultStatus(res) == PGRES_TUPLES_OK &&
          strcmp(PQgetvalue(res, 0, 0), "18446744073709551615//200/0;0/Ô-\"1/0/5") == 0);
    PQclear(res);
    o.n_lines = 0;
    v = exec_param(&a, &o.base, "lines", &ok);
    CHECK(ok && strcmp(v, "[]") == 0);
    arena_reset(&a);
}

int main(void)
{
    const char *url = getenv("LIAISON_TEST_DATABASE_URL");
    if (!url) {
        fprintf(stderr, "LIAISON_TEST_DATABASE_URL is not set: run the tests through tests/run\n");
        return 1;
    }
    pg = PQconnectdb(url);
    if (PQstatus(pg) != CONNECTION_OK) {
        fprintf(stderr, "cannot connect: %s\n", PQerrorMessage(pg));
        return 1;
    }
    test_scalars();
    test_enums_and_arrays();
    test_json();
    test_params();
    PQfinish(pg);
    printf("test_exec: all passed\n");
    return 0;
}
