/*
 * test_pbjson.c - the canonical JSON mapping both ways, and its errors.
 */
#include "../check.h"
#include "pbjson.h"
#include "wire.h"

static char *dump(const ProtobufCMessage *m)
{
    json_t *j = pbjson_from_message(m);
    CHECK(j != NULL);
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    return s;
}

/* The message text maps to, or NULL with err as "FIELD: WHY". */
static ProtobufCMessage *parse(const ProtobufCMessageDescriptor *d, const char *text,
                               struct arena *a, char *err, size_t errlen)
{
    json_t *j = json_loads(text, 0, NULL);
    CHECK(j != NULL);
    struct pbjson_error e;
    ProtobufCMessage *m = pbjson_to_message(d, j, a, &e);
    json_decref(j);
    if (!m)
        snprintf(err, errlen, "%s: %s", e.field, e.why);
    return m;
}

/* U+0000 anywhere in a string is refused with the field named, not cut short. */
static void test_nul(void)
{
    struct arena a;
    arena_init(&a, 1 << 20);
    struct pbjson_error err;
    const struct {
        const ProtobufCMessageDescriptor *desc;
        const char *json, *field;
    } cases[] = {
        {&liaison__v1__create_product_line_request__descriptor, "{\"code\":\"AB\\u0000!!\"}",
         "code"},
        {&liaison__v1__create_user_request__descriptor, "{\"role\":\"ROLE_MANAGER\\u0000x\"}",
         "role"},
        {&liaison__v1__frame__descriptor, "{\"requestId\":\"12\\u0000\"}", "requestId"},
        {&liaison__v1__ping_request__descriptor, "{\"delayMs\":\"5\\u0000\"}", "delayMs"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *j = json_loads(cases[i].json, JSON_ALLOW_NUL, NULL);
        CHECK(j != NULL);
        CHECK(pbjson_to_message(cases[i].desc, j, &a, &err) == NULL);
        json_decref(j);
        CHECK_EQ_STR(err.field, cases[i].field);
        CHECK_EQ_STR(err.why, "contains a NUL character (U+0000)");
    }
    arena_reset(&a);
}

static void test_round_trip(void)
{
    struct arena a;
    arena_init(&a, 1 << 20);
    char err[512];
    const char *in = "{\"page\":{\"cursor\":\"abc\",\"pageSize\":20}}";
    ProtobufCMessage *m =
        parse(&liaison__v1__list_migrations_request__descriptor, in, &a, err, sizeof err);
    CHECK(m != NULL);
    char *out = dump(m);
    CHECK_EQ_STR(out, "{\"page\":{\"cursor\":\"abc\",\"pageSize\":20}}");
    free(out);
    /* proto names are accepted too */
    m = parse(&liaison__v1__page_request__descriptor, "{\"page_size\":3}", &a, err, sizeof err);
    CHECK(m && ((Liaison__V1__PageRequest *)m)->page_size == 3);
    arena_reset(&a);
}

static void test_types(void)
{
    struct arena a;
    arena_init(&a, 1 << 20);
    char err[512];
    /* uint64 as string and as number; bytes as base64; enums by name */
    ProtobufCMessage *m = parse(&liaison__v1__frame__descriptor,
                                "{\"requestId\":\"18446744073709551615\",\"method\":\"Ping\","
                                "\"payload\":\"AQID\",\"status\":{\"code\":\"NOT_FOUND\"}}",
                                &a, err, sizeof err);
    CHECK(m != NULL);
    Liaison__V1__Frame *f = (Liaison__V1__Frame *)m;
    CHECK(f->request_id == UINT64_MAX);
    CHECK_EQ_INT(f->payload.len, 3);
    CHECK_EQ_INT(f->payload.data[2], 3);
    CHECK_EQ_INT(f->status->code, LIAISON__V1__CODE__NOT_FOUND);
    char *out = dump(m);
    CHECK_EQ_STR(out, "{\"method\":\"Ping\",\"payload\":\"AQID\",\"requestId\":"
                      "\"18446744073709551615\",\"status\":{\"code\":\"NOT_FOUND\"}}");
    free(out);
    m = parse(&liaison__v1__frame__descriptor, "{\"requestId\":7,\"status\":{\"code\":5}}", &a, err,
              sizeof err);
    CHECK(m && ((Liaison__V1__Frame *)m)->request_id == 7);
    /* defaults are left out */
    Liaison__V1__GetHealthResponse h = LIAISON__V1__GET_HEALTH_RESPONSE__INIT;
    out = dump(&h.base);
    CHECK_EQ_STR(out, "{}");
    free(out);
    /* repeated messages */
    m = parse(&liaison__v1__status__descriptor,
              "{\"violations\":[{\"field\":\"a\"},{\"field\":\"b\",\"description\":\"x\"}]}", &a,
              err, sizeof err);
    CHECK(m && ((Liaison__V1__Status *)m)->n_violations == 2);
    out = dump(m);
    CHECK_EQ_STR(out,
                 "{\"violations\":[{\"field\":\"a\"},{\"description\":\"x\",\"field\":\"b\"}]}");
    free(out);
    arena_reset(&a);
}

static void test_errors(void)
{
    struct arena a;
    arena_init(&a, 1 << 20);
    char err[512];
    CHECK(!parse(&liaison__v1__ping_request__descriptor, "{\"nope\":1}", &a, err, sizeof err));
    CHECK_EQ_STR(err, "nope: unknown field");
    CHECK(!parse(&liaison__v1__ping_request__descriptor, "{\"delayMs\":-1}", &a, err, sizeof err));
    CHECK_EQ_STR(err, "delayMs: expected an unsigned 32-bit integer");
    CHECK(!parse(&liaison__v1__ping_request__descriptor, "{\"delayMs\":4294967296}", &a, err,
                 sizeof err));
    CHECK(!parse(&liaison__v1__ping_request__descriptor, "{\"echo\":5}", &a, err, sizeof err));
    CHECK_EQ_STR(err, "echo: expected a string");
    CHECK(!parse(&liaison__v1__status__descriptor, "{\"code\":\"NOPE\"}", &a, err, sizeof err));
    CHECK(!parse(&liaison__v1__list_migrations_request__descriptor, "{\"page\":[]}", &a, err,
                 sizeof err));
    CHECK_EQ_STR(err, "page: expected a JSON object");
    CHECK(!parse(&liaison__v1__status__descriptor, "{\"violations\":[{\"field\":1}]}", &a, err,
                 sizeof err));
    CHECK_EQ_STR(err, "violations[0].field: expected a string");
    CHECK(!parse(&liaison__v1__frame__descriptor, "{\"payload\":\"abc\"}", &a, err, sizeof err));
    /* padding is at most two '=' at the end (more made the length negative) */
    CHECK(
        !parse(&liaison__v1__frame__descriptor, "{\"payload\":\"AQ======\"}", &a, err, sizeof err));
    CHECK_EQ_STR(err, "payload: not valid base64");
    CHECK(!parse(&liaison__v1__frame__descriptor, "{\"payload\":\"A===\"}", &a, err, sizeof err));
    CHECK(!parse(&liaison__v1__frame__descriptor, "{\"payload\":\"====\"}", &a, err, sizeof err));
    CHECK(!parse(&liaison__v1__frame__descriptor, "{\"payload\":\"A=Q=\"}", &a, err, sizeof err));
    ProtobufCMessage *one =
        parse(&liaison__v1__frame__descriptor, "{\"payload\":\"AQ==\"}", &a, err, sizeof err);
    CHECK(one && ((Liaison__V1__Frame *)one)->payload.len == 1);
    ProtobufCMessage *two =
        parse(&liaison__v1__frame__descriptor, "{\"payload\":\"AQI=\"}", &a, err, sizeof err);
    CHECK(two && ((Liaison__V1__Frame *)two)->payload.len == 2);
    arena_reset(&a);
}

/*
 * The field to blame comes apart from why, named as the server names a
 * violation's field (JSON names, dots, [index]), so that a caller can
 * report a local refusal as the server reports its own.
 */
static void test_error_fields(void)
{
    struct arena a;
    arena_init(&a, 1 << 20);
    const struct {
        const ProtobufCMessageDescriptor *desc;
        const char *json, *field, *why;
    } cases[] = {
        {&liaison__v1__id_request__descriptor, "{\"id\":-1}", "id",
         "expected an unsigned 64-bit integer"},
        {&liaison__v1__id_request__descriptor, "{\"id\":1.5}", "id",
         "expected an unsigned 64-bit integer"},
        {&liaison__v1__id_request__descriptor, "{\"id\":true}", "id",
         "expected an unsigned 64-bit integer"},
        {&liaison__v1__id_request__descriptor, "{\"id\":\"18446744073709551616\"}", "id",
         "expected an unsigned 64-bit integer"},
        /* A number in a string is JSON's digits: " 24" was taken as 24 and acted on. */
        {&liaison__v1__id_request__descriptor, "{\"id\":\" 24\"}", "id",
         "expected an unsigned 64-bit integer"},
        {&liaison__v1__id_request__descriptor, "{\"id\":\"+24\"}", "id",
         "expected an unsigned 64-bit integer"},
        {&liaison__v1__id_request__descriptor, "{\"id\":\"\\t5\"}", "id",
         "expected an unsigned 64-bit integer"},
        {&liaison__v1__ping_request__descriptor, "{\"delayMs\":\" 5\"}", "delayMs",
         "expected an unsigned 32-bit integer"},
        {&liaison__v1__id_request__descriptor, "{\"bogus\":1}", "bogus", "unknown field"},
        {&liaison__v1__list_migrations_request__descriptor, "{\"page\":{\"pageSize\":\"x\"}}",
         "page.pageSize", "expected an unsigned 32-bit integer"},
        {&liaison__v1__status__descriptor, "{\"violations\":[{},{\"field\":1}]}",
         "violations[1].field", "expected a string"},
        {&liaison__v1__ping_request__descriptor, "[]", "", "expected a JSON object"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *j = json_loads(cases[i].json, JSON_DECODE_ANY, NULL);
        CHECK(j != NULL);
        struct pbjson_error err;
        CHECK(pbjson_to_message(cases[i].desc, j, &a, &err) == NULL);
        json_decref(j);
        CHECK_EQ_STR(err.field, cases[i].field);
        CHECK_EQ_STR(err.why, cases[i].why);
    }
    arena_reset(&a);
}

int main(void)
{
    RUN(test_round_trip);
    RUN(test_types);
    RUN(test_errors);
    RUN(test_nul);
    RUN(test_error_fields);
    return 0;
}
