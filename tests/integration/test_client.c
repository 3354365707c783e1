/*
 * test_client.c - the real client library against the real server and
 * PostgreSQL: connect, Hello, round trips, pipelining with out-of-order
 * completion, errors with field violations (the server's and the
 * library's own alike), NULL arguments, certificate checks,
 * reconnection after the server closed an idle connection, many
 * callers' reads batched into shared database transactions, and streamed
 * answers (pipelined, by callback, merged by the JSON call).
 *
 * Environment (set by tests/run): LIAISON_TEST_URL, LIAISON_TEST_CA,
 * LIAISON_TEST_OTHER_CA, LIAISON_TEST_IDLE_MS.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <unistd.h>

#include <liaison.h>

#include "../check.h"

static const char *url, *ca, *other_ca;

static const char *env(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v) {
        fprintf(stderr, "%s is not set: run the tests through tests/run\n", name);
        exit(1);
    }
    return v;
}

static liaison_conn *open_conn(void)
{
    liaison_conn *c = liaison_new(url);
    CHECK(c != NULL);
    CHECK_EQ_INT(liaison_set_option(c, LIAISON_OPT_CA_FILE, ca), LIAISON_OK);
    int rc = liaison_connect(c);
    if (rc != LIAISON_OK)
        fprintf(stderr, "connect: %s\n", liaison_error(c));
    CHECK_EQ_INT(rc, LIAISON_OK);
    return c;
}

static void test_connect_hello_round_trip(void)
{
    liaison_conn *c = open_conn();
    char *echo = NULL;
    CHECK_EQ_INT(liaison_ping(c, "xin chào, Hà Nội", &echo), LIAISON_OK);
    CHECK_EQ_STR(echo, "xin chào, Hà Nội");
    liaison_string_free(echo);
    liaison_health h;
    CHECK_EQ_INT(liaison_get_health(c, &h), LIAISON_OK);
    CHECK(h.database_ok);
    CHECK(h.schema_version >= 1);
    CHECK(strlen(h.database_time) >= 20);
    CHECK_EQ_STR(h.server_version, liaison_version());
    char *json = NULL;
    /* Operators only: refused before authentication, then paginated. */
    CHECK_EQ_INT(liaison_call_json(c, "ListMigrations", "{}", &json), LIAISON_UNAUTHENTICATED);
    liaison_string_free(json);
    liaison_free(c);
    c = liaison_new(url);
    liaison_set_option(c, LIAISON_OPT_CA_FILE, ca);
    liaison_set_option(c, LIAISON_OPT_TOKEN, env("LIAISON_TEST_OPERATOR_TOKEN"));
    CHECK_EQ_INT(liaison_call_json(c, "ListMigrations", "{\"page\":{\"pageSize\":1}}", &json),
                 LIAISON_OK);
    CHECK(strstr(json, "\"version\":1") != NULL);
    CHECK(strstr(json, "\"name\":\"tenants\"") != NULL);
    CHECK(strstr(json, "\"nextCursor\"") != NULL); /* two migrations, one per page */
    char *next = strstr(json, "\"nextCursor\":\"") + strlen("\"nextCursor\":\"");
    *strchr(next, '"') = '\0';
    char req[256];
    snprintf(req, sizeof req, "{\"page\":{\"pageSize\":1,\"cursor\":\"%s\"}}", next);
    char *json2 = NULL;
    CHECK_EQ_INT(liaison_call_json(c, "ListMigrations", req, &json2), LIAISON_OK);
    CHECK(strstr(json2, "\"version\":2") != NULL);
    liaison_string_free(json2);
    liaison_string_free(json);
    liaison_free(c);
}

static void test_pipelined_out_of_order(void)
{
    liaison_conn *c = open_conn();
    const char *reqs[4] = {"{\"echo\":\"slow\",\"delayMs\":400}", "{\"echo\":\"now\"}", NULL,
                           "{\"echo\":\"soon\",\"delayMs\":150}"};
    const char *methods[4] = {"Ping", "Ping", "GetHealth", "Ping"};
    uint64_t ids[4];
    for (int i = 0; i < 4; i++)
        CHECK_EQ_INT(liaison_send_json(c, methods[i], reqs[i], &ids[i]), LIAISON_OK);
    CHECK_EQ_INT(liaison_outstanding(c), 4);
    /* The server allows 4 in flight before authentication. */
    uint64_t extra;
    CHECK_EQ_INT(liaison_send_json(c, "Ping", "{}", &extra), LIAISON_RESOURCE_EXHAUSTED);
    /* A blocking call may not interleave with outstanding requests. */
    char *json = NULL;
    CHECK_EQ_INT(liaison_call_json(c, "Ping", "{}", &json), LIAISON_FAILED_PRECONDITION);
    uint64_t order[4];
    for (int i = 0; i < 4; i++) {
        int status = -1;
        CHECK_EQ_INT(liaison_recv_json(c, 5000, &order[i], &status, &json), LIAISON_OK);
        CHECK_EQ_INT(status, LIAISON_OK);
        if (order[i] == ids[0])
            CHECK_EQ_STR(json, "{\"echo\":\"slow\"}");
        else if (order[i] == ids[1])
            CHECK_EQ_STR(json, "{\"echo\":\"now\"}");
        else if (order[i] == ids[2])
            CHECK(strstr(json, "\"databaseOk\":true") != NULL);
        else
            CHECK_EQ_STR(json, "{\"echo\":\"soon\"}");
        liaison_string_free(json);
    }
    /* Completion order differs from sending order: the slow one is last. */
    CHECK(order[3] == ids[0]);
    CHECK(order[2] == ids[3]);
    CHECK_EQ_INT(liaison_outstanding(c), 0);
    uint64_t id;
    int status;
    CHECK_EQ_INT(liaison_recv_json(c, 0, &id, &status, &json), LIAISON_FAILED_PRECONDITION);
    /* Polling with nothing yet: DEADLINE_EXCEEDED, and the request still lands. */
    CHECK_EQ_INT(liaison_send_json(c, "Ping", "{\"delayMs\":200}", &id), LIAISON_OK);
    CHECK(liaison_socket(c) >= 0);
    CHECK_EQ_INT(liaison_recv_json(c, 0, &extra, &status, &json), LIAISON_DEADLINE_EXCEEDED);
    CHECK_EQ_INT(liaison_recv_json(c, 5000, &extra, &status, &json), LIAISON_OK);
    CHECK(extra == id);
    liaison_string_free(json);
    liaison_free(c);
}

static void test_errors(void)
{
    liaison_conn *c = open_conn();
    char *json = NULL;
    CHECK_EQ_INT(liaison_call_json(c, "Ping", "{\"delayMs\":6000}", &json),
                 LIAISON_INVALID_ARGUMENT);
    CHECK(json != NULL);
    CHECK(strstr(json, "\"code\":\"INVALID_ARGUMENT\"") != NULL);
    CHECK(strstr(json, "\"field\":\"delayMs\"") != NULL);
    CHECK(strstr(liaison_error(c), "delayMs") != NULL);
    liaison_string_free(json);
    CHECK_EQ_INT(liaison_call_json(c, "Ping", "{\"echo\":\"\\u0000\"}", &json),
                 LIAISON_INVALID_ARGUMENT);
    CHECK(strstr(liaison_error(c), "echo: contains a NUL character") != NULL);
    liaison_string_free(json);
    /* local refusals: no request is sent; an unknown method gives no JSON */
    CHECK_EQ_INT(liaison_call_json(c, "NoSuchMethod", "{}", &json), LIAISON_UNIMPLEMENTED);
    CHECK(json == NULL);
    CHECK(strcmp(liaison_error(c), "unknown method 'NoSuchMethod'") == 0);
    /* Its raw bytes are not echoed: bindings read liaison_error() as UTF-8. */
    CHECK_EQ_INT(liaison_call_json(c, "Get\xffOrder\x1b[2J", "{}", &json), LIAISON_UNIMPLEMENTED);
    CHECK(strcmp(liaison_error(c), "unknown method (not a method's name)") == 0);
    CHECK_EQ_INT(liaison_call_json(c, "Ping", "{not json", &json), LIAISON_INVALID_ARGUMENT);
    CHECK(json != NULL && strstr(json, "not valid JSON") && !strstr(json, "violations"));
    liaison_string_free(json);
    CHECK_EQ_INT(liaison_call_json(c, "Ping", "{\"bogus\":1}", &json), LIAISON_INVALID_ARGUMENT);
    CHECK(strstr(liaison_error(c), "bogus: unknown field") != NULL);
    liaison_string_free(json);
    /* Hello a second time is refused, and the connection goes on. */
    CHECK_EQ_INT(liaison_call_json(c, "Hello", "{\"protocolVersion\":1}", &json),
                 LIAISON_FAILED_PRECONDITION);
    liaison_string_free(json);
    char *echo;
    CHECK_EQ_INT(liaison_ping(c, "still here", &echo), LIAISON_OK);
    liaison_string_free(echo);
    liaison_free(c);
}

/*
 * A request the library refuses for one of its fields (the JSON mapping)
 * is reported as the server reports its own: "invalid FIELD: WHY", and the
 * status JSON with the field's violation, so that a form maps both alike.
 * These came with no JSON and a message of another shape ("id: ...").
 */
static void test_local_refusals_name_their_field(void)
{
    liaison_conn *c = open_conn();
    const struct {
        const char *method, *request, *field, *why;
    } cases[] = {
        {"GetDistributor", "{\"id\":-1}", "id", "expected an unsigned 64-bit integer"},
        {"GetDistributor", "{\"id\":1.5}", "id", "expected an unsigned 64-bit integer"},
        {"GetDistributor", "{\"id\":true}", "id", "expected an unsigned 64-bit integer"},
        {"GetDistributor", "{\"id\":\"18446744073709551616\"}", "id",
         "expected an unsigned 64-bit integer"},
        {"GetDistributor", "{\"bogus\":1}", "bogus", "unknown field"},
        {"Ping", "{\"echo\":\"a\\u0000b\"}", "echo", "contains a NUL character (U+0000)"},
        {"ListMigrations", "{\"page\":{\"pageSize\":-2}}", "page.pageSize",
         "expected an unsigned 32-bit integer"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *json = NULL, want[256];
        CHECK_EQ_INT(liaison_call_json(c, cases[i].method, cases[i].request, &json),
                     LIAISON_INVALID_ARGUMENT);
        snprintf(want, sizeof want, "invalid %s: %s", cases[i].field, cases[i].why);
        CHECK_EQ_STR(liaison_error(c), want);
        char status[512];
        snprintf(status, sizeof status,
                 "{\"code\":\"INVALID_ARGUMENT\",\"message\":\"%s\",\"violations\":"
                 "[{\"field\":\"%s\",\"description\":\"%s\"}]}",
                 want, cases[i].field, cases[i].why);
        CHECK_EQ_STR(json, status);
        liaison_string_free(json);
    }
    /* The server's own refusal has the same shape. */
    char *json = NULL;
    CHECK_EQ_INT(liaison_call_json(c, "Ping", "{\"delayMs\":6000}", &json),
                 LIAISON_INVALID_ARGUMENT);
    CHECK(strncmp(liaison_error(c), "invalid delayMs: ", 17) == 0);
    liaison_string_free(json);
    /* The streamed call reports it the same way; nothing was sent, the connection is kept. */
    int fd = liaison_socket(c);
    CHECK_EQ_INT(liaison_call_stream(c, "ExportTenant", "{\"stream\":1}", NULL, NULL, &json),
                 LIAISON_INVALID_ARGUMENT);
    CHECK(json != NULL && strstr(json, "\"field\":\"stream\"") != NULL);
    liaison_string_free(json);
    CHECK_EQ_INT(liaison_socket(c), fd);
    liaison_free(c);
}

/*
 * An idempotency key that is not UTF-8 is refused when it is set: sent,
 * it made the server end the connection ("malformed frame: not valid
 * UTF-8 at idempotencyKey"), losing every request pipelined on it.
 */
static void test_idempotency_key_must_be_utf8(void)
{
    liaison_conn *c = open_conn();
    uint64_t first, second, third;
    CHECK_EQ_INT(liaison_send_json(c, "Ping", "{\"echo\":\"một\",\"delayMs\":100}", &first),
                 LIAISON_OK);
    CHECK_EQ_INT(liaison_send_json(c, "Ping", "{\"echo\":\"hai\"}", &second), LIAISON_OK);
    const char *bad[] = {"\xff\xfe bad", "\xc0\xaf", "caf\xc3", "\xed\xa0\x80 surrogate"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ_INT(liaison_set_idempotency_key(c, bad[i]), LIAISON_INVALID_ARGUMENT);
        CHECK_EQ_STR(liaison_error(c), "invalid idempotencyKey: not valid UTF-8");
    }
    char long_key[257];
    memset(long_key, 'k', 256);
    long_key[256] = '\0';
    CHECK_EQ_INT(liaison_set_idempotency_key(c, long_key), LIAISON_INVALID_ARGUMENT);
    CHECK_EQ_STR(liaison_error(c), "invalid idempotencyKey: longer than 255 bytes");
    CHECK_EQ_INT(liaison_send_json(c, "Ping", "{\"echo\":\"ba\"}", &third), LIAISON_OK);
    CHECK_EQ_STR(liaison_idempotency_key(c), ""); /* no key was set: none went out */
    for (int i = 0; i < 3; i++) {
        uint64_t id;
        int status = -1;
        char *json = NULL;
        CHECK_EQ_INT(liaison_recv_json(c, 5000, &id, &status, &json), LIAISON_OK);
        CHECK_EQ_INT(status, LIAISON_OK);
        CHECK(id == first || id == second || id == third);
        liaison_string_free(json);
    }
    /* UTF-8 of any script is a key. */
    CHECK_EQ_INT(liaison_set_idempotency_key(c, "đơn-hàng-東京-1"), LIAISON_OK);
    /* A token or client name sent at every connection's set-up is checked too. */
    CHECK_EQ_INT(liaison_set_option(c, LIAISON_OPT_TOKEN, "tok\xff"), LIAISON_INVALID_ARGUMENT);
    CHECK_EQ_INT(liaison_set_option(c, LIAISON_OPT_CLIENT_NAME, "\x80portal"),
                 LIAISON_INVALID_ARGUMENT);
    liaison_free(c);
}

/*
 * A call refused before it was sent still takes the key set for it (found in
 * a review): the key stayed, and went out with the next call, a read that
 * the server then refused for carrying one.
 */
static void test_refused_call_takes_its_key(void)
{
    liaison_conn *c = open_conn();
    char *json = NULL;
    CHECK_EQ_INT(liaison_set_idempotency_key(c, "taken-by-a-refusal-1"), LIAISON_OK);
    CHECK_EQ_INT(liaison_call_json(c, "GetDistributor", "{\"bogus\":1}", &json),
                 LIAISON_INVALID_ARGUMENT);
    liaison_string_free(json);
    CHECK_EQ_STR(liaison_idempotency_key(c), "taken-by-a-refusal-1");
    CHECK_EQ_INT(liaison_call_json(c, "Ping", "{}", &json), LIAISON_OK);
    liaison_string_free(json);
    CHECK_EQ_STR(liaison_idempotency_key(c), "");
    CHECK_EQ_INT(liaison_set_idempotency_key(c, "taken-by-a-refusal-2"), LIAISON_OK);
    CHECK_EQ_INT(liaison_call_with_content(c, "CreateDocument", "{}", NULL, 5, &json),
                 LIAISON_INVALID_ARGUMENT);
    liaison_string_free(json);
    CHECK_EQ_STR(liaison_idempotency_key(c), "taken-by-a-refusal-2");
    CHECK_EQ_INT(liaison_call_json(c, "Ping", "{}", &json), LIAISON_OK);
    liaison_string_free(json);
    liaison_free(c);
}

/* Chunks counted, for a stream taken with liaison_call_stream. */
static int count_parts(void *arg, const char *json)
{
    (void)json;
    ++*(int *)arg;
    return 0;
}

/*
 * Output pointers are optional: NULL means the caller does not want what
 * would be returned (the library frees it). These wrote to address 0. A
 * NULL handle is refused, never followed.
 */
static void test_null_arguments(void)
{
    liaison_conn *c = open_conn();
    CHECK_EQ_INT(liaison_call_json(c, "GetHealth", NULL, NULL), LIAISON_OK);
    CHECK_EQ_INT(liaison_call_json(c, "GetDistributor", "{\"id\":-1}", NULL),
                 LIAISON_INVALID_ARGUMENT);
    CHECK_EQ_INT(liaison_call_json(c, "ListMigrations", "{}", NULL), LIAISON_UNAUTHENTICATED);
    CHECK_EQ_INT(liaison_ping(c, "x", NULL), LIAISON_OK);
    CHECK_EQ_INT(liaison_get_health(c, NULL), LIAISON_OK);
    CHECK_EQ_INT(liaison_send_json(c, "Ping", "{}", NULL), LIAISON_OK);
    CHECK_EQ_INT(liaison_send_json(c, "ListMigrations", "{}", NULL), LIAISON_OK);
    CHECK_EQ_INT(liaison_recv_json(c, 5000, NULL, NULL, NULL), LIAISON_OK);
    int status = -1;
    CHECK_EQ_INT(liaison_recv_json(c, 5000, NULL, &status, NULL), LIAISON_OK);
    CHECK(status == LIAISON_OK || status == LIAISON_UNAUTHENTICATED);
    uint8_t ping[] = {0x0a, 0x01, 'r'}; /* PingRequest{echo: "r"} */
    CHECK_EQ_INT(liaison_send_raw(c, "Ping", ping, sizeof ping, NULL), LIAISON_OK);
    CHECK_EQ_INT(liaison_recv_raw(c, 5000, NULL, NULL, NULL, NULL), LIAISON_OK);
    CHECK_EQ_INT(liaison_send_raw(c, "Ping", NULL, 3, NULL), LIAISON_INVALID_ARGUMENT);
    CHECK_EQ_INT(liaison_send_raw(c, "Ping", NULL, 0, NULL), LIAISON_OK);
    CHECK_EQ_INT(liaison_recv_raw(c, 5000, NULL, NULL, NULL, NULL), LIAISON_OK);
    int parts = 0;
    CHECK_EQ_INT(liaison_call_stream(c, "Ping", "{}", count_parts, &parts, NULL), LIAISON_OK);
    CHECK_EQ_INT(parts, 1);
    CHECK_EQ_INT(liaison_call_stream(c, "Ping", "{}", NULL, NULL, NULL), LIAISON_OK);
    CHECK_EQ_INT(liaison_call_stream(c, "ListMigrations", "{}", NULL, NULL, NULL),
                 LIAISON_UNAUTHENTICATED);
    CHECK_EQ_INT(liaison_call_with_content(c, "CreateDocument", "{}", NULL, 5, NULL),
                 LIAISON_INVALID_ARGUMENT);
    CHECK_EQ_INT(liaison_call_with_content(c, "CreateDocument", "[]", NULL, 0, NULL),
                 LIAISON_INVALID_ARGUMENT);
    CHECK_EQ_INT(liaison_methods_json(NULL), LIAISON_INVALID_ARGUMENT);
    CHECK_EQ_INT(liaison_method_exists(NULL), 0);
    CHECK_EQ_INT(liaison_method_exists("GetDistributor"), 1);
    CHECK_EQ_INT(liaison_method_exists("getdistributor"), 0);
    CHECK_EQ_INT(liaison_method_exists(""), 0);
    liaison_free(c);

    /* A NULL handle: refused, and the accessors answer as for no connection. */
    CHECK_EQ_INT(liaison_connect(NULL), LIAISON_INVALID_ARGUMENT);
    CHECK_EQ_INT(liaison_set_option(NULL, LIAISON_OPT_CA_FILE, ca), LIAISON_INVALID_ARGUMENT);
    CHECK_EQ_INT(liaison_call_json(NULL, "GetHealth", NULL, NULL), LIAISON_INVALID_ARGUMENT);
    char *json = (char *)"unchanged";
    CHECK_EQ_INT(liaison_call_json(NULL, "GetHealth", NULL, &json), LIAISON_INVALID_ARGUMENT);
    CHECK(json == NULL);
    CHECK_EQ_INT(liaison_call_stream(NULL, "Ping", NULL, NULL, NULL, NULL),
                 LIAISON_INVALID_ARGUMENT);
    CHECK_EQ_INT(liaison_call_with_content(NULL, "CreateDocument", NULL, NULL, 0, NULL),
                 LIAISON_INVALID_ARGUMENT);
    CHECK_EQ_INT(liaison_send_json(NULL, "Ping", NULL, NULL), LIAISON_INVALID_ARGUMENT);
    CHECK_EQ_INT(liaison_recv_json(NULL, 0, NULL, NULL, NULL), LIAISON_INVALID_ARGUMENT);
    CHECK_EQ_INT(liaison_send_raw(NULL, "Ping", NULL, 0, NULL), LIAISON_INVALID_ARGUMENT);
    CHECK_EQ_INT(liaison_recv_raw(NULL, 0, NULL, NULL, NULL, NULL), LIAISON_INVALID_ARGUMENT);
    CHECK_EQ_INT(liaison_set_idempotency_key(NULL, "k"), LIAISON_INVALID_ARGUMENT);
    CHECK_EQ_INT(liaison_login(NULL, "t", "e", "p", NULL), LIAISON_INVALID_ARGUMENT);
    CHECK_EQ_INT(liaison_login_for(NULL, "t", "e", "p", "192.0.2.1", NULL),
                 LIAISON_INVALID_ARGUMENT);
    CHECK_EQ_INT(liaison_logout(NULL), LIAISON_INVALID_ARGUMENT);
    CHECK_EQ_INT(liaison_ping(NULL, "x", NULL), LIAISON_INVALID_ARGUMENT);
    CHECK_EQ_INT(liaison_get_health(NULL, NULL), LIAISON_INVALID_ARGUMENT);
    CHECK_EQ_INT(liaison_outstanding(NULL), 0);
    CHECK_EQ_INT(liaison_recv_more(NULL), 0);
    CHECK_EQ_INT(liaison_socket(NULL), -1);
    CHECK_EQ_STR(liaison_idempotency_key(NULL), "");
    CHECK_EQ_STR(liaison_error(NULL), "no handle");
}

/*
 * A token the server refuses at the connection's Authenticate: every call
 * that needed the connection reports the server's status as JSON, as for
 * a refusal of the call itself. It came back NULL.
 */
static void test_refused_token_reports_status(void)
{
    liaison_conn *c = liaison_new(url);
    liaison_set_option(c, LIAISON_OPT_CA_FILE, ca);
    liaison_set_option(c, LIAISON_OPT_TOKEN, "not-a-token-of-this-server");
    char *json = NULL;
    CHECK_EQ_INT(liaison_call_json(c, "WhoAmI", NULL, &json), LIAISON_UNAUTHENTICATED);
    CHECK(json != NULL && strstr(json, "\"code\":\"UNAUTHENTICATED\"") != NULL &&
          strstr(json, "\"message\":\"") != NULL);
    CHECK(strstr(liaison_error(c), "Authenticate refused") != NULL);
    liaison_string_free(json);
    json = NULL;
    CHECK_EQ_INT(liaison_call_stream(c, "Ping", "{}", NULL, NULL, &json), LIAISON_UNAUTHENTICATED);
    CHECK(json != NULL && strstr(json, "\"code\":\"UNAUTHENTICATED\"") != NULL);
    liaison_string_free(json);
    json = NULL;
    CHECK_EQ_INT(
        liaison_call_with_content(c, "CreateDocument", "{}", (const uint8_t *)"x", 1, &json),
        LIAISON_UNAUTHENTICATED);
    CHECK(json != NULL && strstr(json, "\"code\":\"UNAUTHENTICATED\"") != NULL);
    liaison_string_free(json);
    /* A refusal the library makes itself, a connection it cannot make, stays without JSON. */
    liaison_free(c);
    c = liaison_new("liaison://127.0.0.1:1");
    json = NULL;
    CHECK_EQ_INT(liaison_call_json(c, "WhoAmI", NULL, &json), LIAISON_UNAVAILABLE);
    CHECK(json == NULL);
    liaison_free(c);
}

/* A ping whose echo is n bytes of 'x', as JSON. */
static char *ping_json(size_t n)
{
    char *j = malloc(n + 16);
    CHECK(j != NULL);
    memcpy(j, "{\"echo\":\"", 9);
    memset(j + 9, 'x', n);
    memcpy(j + 9 + n, "\"}", 3);
    return j;
}

/*
 * A request over the frame limit the server stated is refused here, not
 * sent: the server would end the connection, and the caller would see
 * UNAVAILABLE, a reason to retry the same request. The limit is Hello's
 * before authentication, Authenticate's after it, Hello's again after
 * Logout.
 */
static void test_oversized_request_refused_locally(void)
{
    liaison_conn *c = open_conn();
    int fd = liaison_socket(c);
    char *big = ping_json(20000), *json = NULL;
    CHECK_EQ_INT(liaison_call_json(c, "Ping", big, &json), LIAISON_RESOURCE_EXHAUSTED);
    CHECK(json == NULL);
    CHECK(strstr(liaison_error(c), "exceeds the server's limit of 16384 bytes") != NULL);
    uint64_t id;
    CHECK_EQ_INT(liaison_send_json(c, "Ping", big, &id), LIAISON_RESOURCE_EXHAUSTED);
    CHECK_EQ_INT(liaison_outstanding(c), 0);
    char *echo = NULL;
    CHECK_EQ_INT(liaison_ping(c, "kept", &echo), LIAISON_OK);
    liaison_string_free(echo);
    CHECK_EQ_INT(liaison_socket(c), fd);
    liaison_free(c);

    c = liaison_new(url);
    liaison_set_option(c, LIAISON_OPT_CA_FILE, ca);
    liaison_set_option(c, LIAISON_OPT_TOKEN, env("LIAISON_TEST_OPERATOR_TOKEN"));
    CHECK_EQ_INT(liaison_connect(c), LIAISON_OK);
    fd = liaison_socket(c);
    /* Authenticated, 20 000 bytes go out: the server names the field too long. */
    CHECK_EQ_INT(liaison_call_json(c, "Ping", big, &json), LIAISON_INVALID_ARGUMENT);
    liaison_string_free(json);
    char *huge = ping_json(2u << 20);
    CHECK_EQ_INT(liaison_call_json(c, "Ping", huge, &json), LIAISON_RESOURCE_EXHAUSTED);
    CHECK(strstr(liaison_error(c), "exceeds the server's limit of 1048576 bytes") != NULL);
    free(huge);
    CHECK_EQ_INT(liaison_ping(c, "kept", &echo), LIAISON_OK);
    liaison_string_free(echo);
    CHECK_EQ_INT(liaison_socket(c), fd);
    CHECK_EQ_INT(liaison_logout(c), LIAISON_OK);
    CHECK_EQ_INT(liaison_call_json(c, "Ping", big, &json), LIAISON_RESOURCE_EXHAUSTED);
    CHECK_EQ_INT(liaison_socket(c), fd);
    free(big);
    liaison_free(c);
}

static void test_certificate_checks(void)
{
    liaison_conn *c = liaison_new(url);
    liaison_set_option(c, LIAISON_OPT_CA_FILE, other_ca);
    CHECK_EQ_INT(liaison_connect(c), LIAISON_UNAVAILABLE);
    CHECK(strstr(liaison_error(c), "not trusted") != NULL);
    liaison_free(c);

    c = liaison_new(url);
    liaison_set_option(c, LIAISON_OPT_CA_FILE, ca);
    liaison_set_option(c, LIAISON_OPT_SERVER_NAME, "liaison.example.com");
    CHECK_EQ_INT(liaison_connect(c), LIAISON_UNAVAILABLE);
    CHECK(strstr(liaison_error(c), "not trusted") != NULL);
    liaison_free(c);

    c = liaison_new(url);
    liaison_set_option(c, LIAISON_OPT_CA_FILE, "/nonexistent/ca.pem");
    CHECK_EQ_INT(liaison_connect(c), LIAISON_INVALID_ARGUMENT);
    CHECK(strstr(liaison_error(c),
                 "cannot read the CA file /nonexistent/ca.pem: No such file or directory") != NULL);
    liaison_free(c);
}

static void test_bad_urls_and_options(void)
{
    const char *bad[] = {"http://127.0.0.1:7443",
                         "liaison://",
                         "liaison://host:0",
                         "liaison://host:99999",
                         "liaison://[::1",
                         "liaison://host:12x",
                         NULL};
    for (int i = 0; bad[i]; i++) {
        liaison_conn *c = liaison_new(bad[i]);
        CHECK_EQ_INT(liaison_connect(c), LIAISON_INVALID_ARGUMENT);
        liaison_free(c);
    }
    liaison_conn *c = liaison_new("liaison://127.0.0.1:7443/path");
    CHECK_EQ_INT(liaison_connect(c), LIAISON_INVALID_ARGUMENT);
    CHECK(strstr(liaison_error(c), "may not have a path ('/path')") != NULL);
    liaison_free(c);
    c = liaison_new("liaison://127.0.0.1/path");
    CHECK_EQ_INT(liaison_connect(c), LIAISON_INVALID_ARGUMENT);
    CHECK(strstr(liaison_error(c), "may not have a path ('/path')") != NULL);
    liaison_free(c);
    c = liaison_new(NULL);
    CHECK(c != NULL);
    CHECK_EQ_INT(liaison_connect(c), LIAISON_INVALID_ARGUMENT);
    liaison_free(c);
    c = liaison_new("liaison://127.0.0.1:1");
    CHECK_EQ_INT(liaison_set_option(c, LIAISON_OPT_CONNECT_TIMEOUT_MS, "abc"),
                 LIAISON_INVALID_ARGUMENT);
    CHECK_EQ_INT(liaison_set_option(c, LIAISON_OPT_CONNECT_TIMEOUT_MS, "2000"), LIAISON_OK);
    CHECK_EQ_STR(liaison_error(c), "");
    /* A key set after a failure leaves no stale message behind ("" after a success). */
    CHECK_EQ_INT(liaison_set_option(c, (liaison_option)99, "x"), LIAISON_INVALID_ARGUMENT);
    CHECK_EQ_INT(liaison_set_idempotency_key(c, "k-1"), LIAISON_OK);
    CHECK_EQ_STR(liaison_error(c), "");
    CHECK_EQ_INT(liaison_set_idempotency_key(c, ""), LIAISON_OK);
    CHECK_EQ_INT(liaison_connect(c), LIAISON_UNAVAILABLE);
    CHECK(strstr(liaison_error(c), "cannot connect") != NULL);
    liaison_free(c);
    liaison_free(NULL);
}

static void test_reconnect_after_idle_close(void)
{
    int idle_ms = atoi(env("LIAISON_TEST_IDLE_MS"));
    liaison_conn *c = open_conn();
    char *echo;
    CHECK_EQ_INT(liaison_ping(c, "before", &echo), LIAISON_OK);
    liaison_string_free(echo);
    usleep((useconds_t)(idle_ms + 1500) * 1000);
    /* The server closed the idle connection; the next call reconnects. */
    CHECK_EQ_INT(liaison_ping(c, "after", &echo), LIAISON_OK);
    CHECK_EQ_STR(echo, "after");
    liaison_string_free(echo);
    liaison_free(c);
}

static void test_suspension_cuts_off_live_session(void)
{
    liaison_conn *op = liaison_new(url);
    liaison_set_option(op, LIAISON_OPT_CA_FILE, ca);
    liaison_set_option(op, LIAISON_OPT_TOKEN, env("LIAISON_TEST_OPERATOR_TOKEN"));
    char slug[64], req[512];
    snprintf(slug, sizeof slug, "live-%ld", (long)getpid());
    snprintf(req, sizeof req,
             "{\"slug\":\"%s\",\"name\":\"Live\",\"adminEmail\":\"a@live.example\","
             "\"adminPassword\":\"twelve chars or more\"}",
             slug);
    char *json = NULL;
    CHECK_EQ_INT(liaison_call_json(op, "CreateTenant", req, &json), LIAISON_OK);
    liaison_string_free(json);

    liaison_conn *c = liaison_new(url);
    liaison_set_option(c, LIAISON_OPT_CA_FILE, ca);
    CHECK_EQ_INT(liaison_login(c, slug, "a@live.example", "wrong password!!", NULL),
                 LIAISON_UNAUTHENTICATED);
    CHECK_EQ_INT(liaison_login(c, slug, "a@live.example", "twelve chars or more", NULL),
                 LIAISON_OK);
    CHECK_EQ_INT(liaison_call_json(c, "WhoAmI", NULL, &json), LIAISON_OK);
    CHECK(strstr(json, "\"role\":\"ROLE_TENANT_ADMIN\"") != NULL);
    liaison_string_free(json);

    snprintf(req, sizeof req, "{\"slug\":\"%s\"}", slug);
    CHECK_EQ_INT(liaison_call_json(op, "SuspendTenant", req, &json), LIAISON_OK);
    liaison_string_free(json);
    /* the same connection, already authenticated: refused on its next call */
    CHECK_EQ_INT(liaison_call_json(c, "ListUsers", NULL, &json), LIAISON_PERMISSION_DENIED);
    CHECK(strstr(liaison_error(c), "suspended") != NULL);
    liaison_string_free(json);
    CHECK_EQ_INT(liaison_call_json(op, "ResumeTenant", req, &json), LIAISON_OK);
    liaison_string_free(json);
    CHECK_EQ_INT(liaison_call_json(c, "ListUsers", NULL, &json), LIAISON_OK);
    liaison_string_free(json);
    /* after logout the session is gone, and the handle forgot its token */
    CHECK_EQ_INT(liaison_logout(c), LIAISON_OK);
    CHECK_EQ_INT(liaison_call_json(c, "ListUsers", NULL, &json), LIAISON_UNAUTHENTICATED);
    liaison_string_free(json);
    liaison_free(c);
    liaison_free(op);
}

static void test_operator_client_certificate(void)
{
    char cert[512], key[512], other[512];
    snprintf(cert, sizeof cert, "%s/operator.pem", env("LIAISON_TEST_CERTS"));
    snprintf(key, sizeof key, "%s/operator.key", env("LIAISON_TEST_CERTS"));
    liaison_conn *c = liaison_new(url);
    liaison_set_option(c, LIAISON_OPT_CA_FILE, ca);
    liaison_set_option(c, LIAISON_OPT_CERT_FILE, cert);
    liaison_set_option(c, LIAISON_OPT_KEY_FILE, key);
    CHECK_EQ_INT(liaison_connect(c), LIAISON_OK);
    char *json = NULL;
    CHECK_EQ_INT(liaison_call_json(c, "WhoAmI", NULL, &json), LIAISON_OK);
    CHECK(strstr(json, "\"kind\":\"operator\"") && strstr(json, "\"name\":\"ops\""));
    liaison_string_free(json);
    CHECK_EQ_INT(liaison_call_json(c, "ListTenants", NULL, &json), LIAISON_OK);
    liaison_string_free(json);
    liaison_free(c);
    /* a certificate from another CA does not get through the handshake */
    snprintf(other, sizeof other, "%s/operator.pem", env("LIAISON_TEST_OTHER_CERTS"));
    snprintf(key, sizeof key, "%s/operator.key", env("LIAISON_TEST_OTHER_CERTS"));
    c = liaison_new(url);
    liaison_set_option(c, LIAISON_OPT_CA_FILE, ca);
    liaison_set_option(c, LIAISON_OPT_CERT_FILE, other);
    liaison_set_option(c, LIAISON_OPT_KEY_FILE, key);
    CHECK(liaison_connect(c) != LIAISON_OK);
    liaison_free(c);
}

/* The unsigned number after "key": in json (a quoted or bare number). */
static uint64_t json_u64(const char *json, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(json, pat);
    CHECK(p != NULL);
    p += strlen(pat);
    if (*p == '"')
        p++;
    return strtoull(p, NULL, 10);
}

/*
 * Not inlined: GCC 12 at -O2 then takes the address of json, given to the
 * library, for where the string it returns points (-Wdangling-pointer).
 */
__attribute__((noinline)) static void call_ok(liaison_conn *c, const char *method, const char *req,
                                              char **out)
{
    char *json = NULL;
    int rc = liaison_call_json(c, method, req, &json);
    if (rc != LIAISON_OK)
        fprintf(stderr, "%s: %s\n", method, liaison_error(c));
    CHECK_EQ_INT(rc, LIAISON_OK);
    if (out)
        *out = json;
    else
        liaison_string_free(json);
}

/* A new tenant named prefix-PID, and a connection logged in as its admin. */
static liaison_conn *tenant_admin(liaison_conn *op, const char *prefix, char *slug, size_t len)
{
    char req[512];
    snprintf(slug, len, "%s-%ld", prefix, (long)getpid());
    snprintf(req, sizeof req,
             "{\"slug\":\"%s\",\"name\":\"%s\",\"adminEmail\":\"admin@%s.example\","
             "\"adminPassword\":\"twelve chars or more\"}",
             slug, prefix, prefix);
    call_ok(op, "CreateTenant", req, NULL);
    liaison_conn *c = open_conn();
    snprintf(req, sizeof req, "admin@%s.example", prefix);
    CHECK_EQ_INT(liaison_login(c, slug, req, "twelve chars or more", NULL), LIAISON_OK);
    return c;
}

static uint64_t create_distributor(liaison_conn *c, const char *name)
{
    char req[512], *json = NULL;
    snprintf(req, sizeof req,
             "{\"fields\":{\"name\":\"%s\",\"country\":\"VN\",\"languages\":[\"vi\"],"
             "\"timeZone\":\"Asia/Ho_Chi_Minh\",\"businessHoursStart\":\"08:00\","
             "\"businessHoursEnd\":\"17:00\",\"workDays\":[1,2,3,4,5]}}",
             name);
    call_ok(c, "CreateDistributor", req, &json);
    uint64_t id = json_u64(json, "id");
    liaison_string_free(json);
    return id;
}

/* Lines of the shared server's log for method with status and db_batch >= 2. */
static int batched_lines(const char *method, const char *status)
{
    char path[1024], line[2048], m[128], st[64];
    snprintf(path, sizeof path, "%s/main/server.log", env("LIAISON_TEST_DIR"));
    snprintf(m, sizeof m, " method=%s ", method);
    snprintf(st, sizeof st, " status=%s ", status);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        const char *b = strstr(line, " db_batch=");
        if (b && strstr(line, m) && strstr(line, st) && atoi(b + strlen(" db_batch=")) >= 2)
            n++;
    }
    fclose(f);
    return n;
}

enum { BATCH_CONNS = 4, BATCH_ROUNDS = 48 };

/*
 * A handle whose token the server no longer takes logs in all the same (its
 * Authenticate was refused before the Login went out, for good); a failed
 * log-in keeps the token it had; "" is no token, as NULL; a typed call
 * leaves a pending idempotency key for the next create, which it would
 * otherwise take and be refused for (a developer's try-out).
 */
static void test_login_past_a_stale_token(void)
{
    liaison_conn *op = liaison_new(url);
    liaison_set_option(op, LIAISON_OPT_CA_FILE, ca);
    liaison_set_option(op, LIAISON_OPT_TOKEN, env("LIAISON_TEST_OPERATOR_TOKEN"));
    char slug[64];
    liaison_conn *admin = tenant_admin(op, "stale", slug, sizeof slug);
    liaison_free(admin);
    liaison_free(op);

    liaison_conn *c = liaison_new(url);
    liaison_set_option(c, LIAISON_OPT_CA_FILE, ca);
    liaison_set_option(c, LIAISON_OPT_TOKEN, "revoked-or-expired-long-ago");
    CHECK_EQ_INT(liaison_login(c, slug, "admin@stale.example", "not the password", NULL),
                 LIAISON_UNAUTHENTICATED);
    CHECK(strstr(liaison_error(c), "Authenticate") == NULL);
    CHECK_EQ_INT(liaison_call_json(c, "WhoAmI", NULL, NULL), LIAISON_UNAUTHENTICATED);
    CHECK(strstr(liaison_error(c), "Authenticate refused") != NULL);
    CHECK_EQ_INT(liaison_login(c, slug, "admin@stale.example", "twelve chars or more", NULL),
                 LIAISON_OK);
    call_ok(c, "WhoAmI", NULL, NULL);

    CHECK_EQ_INT(liaison_set_idempotency_key(c, "kept-past-typed-calls"), LIAISON_OK);
    CHECK_EQ_INT(liaison_ping(c, "x", NULL), LIAISON_OK);
    liaison_health h;
    CHECK_EQ_INT(liaison_get_health(c, &h), LIAISON_OK);
    call_ok(c, "CreateProductLine", "{\"code\":\"STL\",\"name\":\"Phanh\"}", NULL);
    CHECK_EQ_STR(liaison_idempotency_key(c), "kept-past-typed-calls");
    CHECK_EQ_INT(liaison_set_idempotency_key(c, "not-for-logout"), LIAISON_OK);
    CHECK_EQ_INT(liaison_logout(c), LIAISON_OK);
    CHECK_EQ_INT(liaison_call_json(c, "WhoAmI", NULL, NULL), LIAISON_UNAUTHENTICATED);
    liaison_free(c);

    c = liaison_new(url);
    liaison_set_option(c, LIAISON_OPT_CA_FILE, ca);
    CHECK_EQ_INT(liaison_set_option(c, LIAISON_OPT_TOKEN, ""), LIAISON_OK);
    CHECK_EQ_INT(liaison_ping(c, "anonymous", NULL), LIAISON_OK);
    CHECK_EQ_INT(liaison_login(c, slug, "admin@stale.example", "twelve chars or more", NULL),
                 LIAISON_OK);
    /* Content given in the request too: refused, not one of the two dropped. */
    char *json = NULL;
    CHECK_EQ_INT(liaison_call_with_content(c, "CreateDocument",
                                           "{\"kind\":\"other\",\"title\":\"x\","
                                           "\"content\":\"aGVsbG8=\"}",
                                           (const uint8_t *)"x", 1, &json),
                 LIAISON_INVALID_ARGUMENT);
    CHECK(json != NULL && strstr(json, "\"content\"") != NULL &&
          strstr(json, "content argument") != NULL);
    liaison_string_free(json);
    liaison_free(c);
}

/*
 * Reads of several tenants and sessions, pipelined on several connections
 * at once, share database transactions. Each must still see only its own
 * tenant, a disabled user's and a suspended tenant's reads must fail on
 * their own, and the reads batched after a failure must still be answered.
 */
static void test_batched_reads_keep_callers_apart(void)
{
    liaison_conn *op = liaison_new(url);
    liaison_set_option(op, LIAISON_OPT_CA_FILE, ca);
    liaison_set_option(op, LIAISON_OPT_TOKEN, env("LIAISON_TEST_OPERATOR_TOKEN"));
    char slug_a[64], slug_b[64], slug_c[64], req[512], *json = NULL;
    liaison_conn *a = tenant_admin(op, "batch-a", slug_a, sizeof slug_a);
    liaison_conn *b = tenant_admin(op, "batch-b", slug_b, sizeof slug_b);
    liaison_conn *c = tenant_admin(op, "batch-c", slug_c, sizeof slug_c);
    uint64_t dist_a = create_distributor(a, "Alpha Trading");
    uint64_t dist_b = create_distributor(b, "Beta Imports");
    call_ok(a, "CreateUser",
            "{\"email\":\"m@batch-a.example\",\"displayName\":\"M\",\"role\":\"ROLE_MANAGER\","
            "\"password\":\"twelve chars or more\",\"seesAllDistributors\":true}",
            &json);
    uint64_t manager = json_u64(json, "id");
    liaison_string_free(json);
    liaison_conn *m = open_conn();
    CHECK_EQ_INT(liaison_login(m, slug_a, "m@batch-a.example", "twelve chars or more", NULL),
                 LIAISON_OK);
    char get_a[64], get_b[64];
    snprintf(get_a, sizeof get_a, "{\"id\":\"%" PRIu64 "\"}", dist_a);
    snprintf(get_b, sizeof get_b, "{\"id\":\"%" PRIu64 "\"}", dist_b);
    call_ok(m, "GetDistributor", get_a, NULL);
    snprintf(req, sizeof req, "{\"userId\":\"%" PRIu64 "\"}", manager);
    call_ok(a, "DisableUser", req, NULL);
    snprintf(req, sizeof req, "{\"slug\":\"%s\"}", slug_c);
    call_ok(op, "SuspendTenant", req, NULL);

    liaison_conn *conns[BATCH_CONNS] = {a, b, m, c};
    for (int attempt = 0; attempt < 5; attempt++) {
        uint64_t ids[BATCH_CONNS][BATCH_ROUNDS];
        for (int i = 0; i < BATCH_ROUNDS; i++) {
            /* a asks for its own distributor and, every third time, for b's */
            CHECK_EQ_INT(
                liaison_send_json(a, "GetDistributor", i % 3 == 2 ? get_b : get_a, &ids[0][i]),
                LIAISON_OK);
            CHECK_EQ_INT(liaison_send_json(b, "GetDistributor", get_b, &ids[1][i]), LIAISON_OK);
            CHECK_EQ_INT(liaison_send_json(m, "GetDistributor", get_a, &ids[2][i]), LIAISON_OK);
            CHECK_EQ_INT(liaison_send_json(c, "ListDistributors", "{}", &ids[3][i]), LIAISON_OK);
        }
        for (int k = 0; k < BATCH_CONNS; k++) {
            for (int n = 0; n < BATCH_ROUNDS; n++) {
                uint64_t id;
                int status = -1;
                CHECK_EQ_INT(liaison_recv_json(conns[k], 10000, &id, &status, &json), LIAISON_OK);
                int i = 0;
                while (i < BATCH_ROUNDS && ids[k][i] != id)
                    i++;
                CHECK(i < BATCH_ROUNDS);
                if (k == 0 && i % 3 == 2) {
                    CHECK_EQ_INT(status, LIAISON_NOT_FOUND);
                } else if (k <= 1) {
                    CHECK_EQ_INT(status, LIAISON_OK);
                    CHECK(strstr(json, k == 0 ? "Alpha Trading" : "Beta Imports") != NULL);
                } else if (k == 2) {
                    CHECK_EQ_INT(status, LIAISON_UNAUTHENTICATED);
                } else {
                    CHECK_EQ_INT(status, LIAISON_PERMISSION_DENIED);
                }
                liaison_string_free(json);
            }
        }
        if (batched_lines("GetDistributor", "UNAUTHENTICATED") > 0 &&
            batched_lines("GetDistributor", "OK") > 0)
            break;
    }
    /* the server did batch reads, with a failing session among them */
    CHECK(batched_lines("GetDistributor", "UNAUTHENTICATED") > 0);
    CHECK(batched_lines("GetDistributor", "OK") > 0);
    snprintf(req, sizeof req, "{\"slug\":\"%s\"}", slug_c);
    call_ok(op, "ResumeTenant", req, NULL);
    for (int k = 0; k < BATCH_CONNS; k++)
        liaison_free(conns[k]);
    liaison_free(op);
}

/* Occurrences of needle in s. */
static int count_of(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

struct chunks {
    int chunks, rows, stop_after;
};

static int count_chunk(void *arg, const char *json)
{
    struct chunks *k = arg;
    k->chunks++;
    k->rows += count_of(json, "\"table\":");
    return k->stop_after && k->chunks >= k->stop_after;
}

/* A chunk callback that calls on its own handle, and may free it at one chunk. */
struct reenter {
    liaison_conn *c;
    int chunks, refused, free_at, stop;
};

static int reenter_chunk(void *arg, const char *json)
{
    (void)json;
    struct reenter *r = arg;
    r->chunks++;
    char *echo = NULL;
    uint64_t id = 0;
    if (liaison_ping(r->c, "inside", &echo) == LIAISON_FAILED_PRECONDITION &&
        strstr(liaison_error(r->c), "second connection") &&
        liaison_send_json(r->c, "Ping", "{}", &id) == LIAISON_FAILED_PRECONDITION && !id)
        r->refused++;
    liaison_string_free(echo);
    if (r->chunks == r->free_at)
        liaison_free(r->c);
    return r->stop;
}

static void test_streamed_export(void)
{
    liaison_conn *op = liaison_new(url);
    liaison_set_option(op, LIAISON_OPT_CA_FILE, ca);
    liaison_set_option(op, LIAISON_OPT_TOKEN, env("LIAISON_TEST_OPERATOR_TOKEN"));
    char slug[64], req[256], name[64];
    liaison_conn *admin = tenant_admin(op, "stream", slug, sizeof slug);
    /* Rows enough for several chunks of the shared server's (an eighth of its output cap). */
    for (int i = 0; i < 120; i++) {
        snprintf(name, sizeof name, "Nhà phân phối %03d", i);
        create_distributor(admin, name);
    }
    liaison_free(admin);
    snprintf(req, sizeof req, "{\"slug\":\"%s\",\"stream\":true}", slug);

    /* Pipelined: the parts come one by one, the request outstanding until the last. */
    uint64_t id = 0, got = 0;
    CHECK_EQ_INT(liaison_send_json(op, "ExportTenant", req, &id), LIAISON_OK);
    int parts = 0, rows = 0, status = -1, more = 1;
    while (more) {
        char *json = NULL;
        CHECK_EQ_INT(liaison_recv_json(op, -1, &got, &status, &json), LIAISON_OK);
        CHECK(got == id);
        CHECK_EQ_INT(status, LIAISON_OK);
        more = liaison_recv_more(op);
        CHECK_EQ_INT(liaison_outstanding(op), more ? 1 : 0);
        parts++;
        rows += count_of(json, "\"table\":");
        liaison_string_free(json);
    }
    CHECK(parts >= 3);
    CHECK(rows > 240); /* the tenant, its admin, 120 distributors and their audit rows */

    /* By callback: every part, the last included; one more row, the first export's audit. */
    struct chunks k = {0, 0, 0};
    char *err = NULL;
    CHECK_EQ_INT(liaison_call_stream(op, "ExportTenant", req, count_chunk, &k, &err), LIAISON_OK);
    CHECK(err == NULL);
    CHECK_EQ_INT(k.chunks, parts);
    CHECK_EQ_INT(k.rows, rows + 1);

    /* Stopped by the caller: CANCELLED, and the handle reconnects for the next call. */
    struct chunks stop = {0, 0, 1};
    CHECK_EQ_INT(liaison_call_stream(op, "ExportTenant", req, count_chunk, &stop, &err),
                 LIAISON_CANCELLED);
    CHECK_EQ_INT(stop.chunks, 1);
    char *echo = NULL;
    CHECK_EQ_INT(liaison_ping(op, "after a stopped stream", &echo), LIAISON_OK);
    liaison_string_free(echo);

    /* The JSON call merges a small stream into one answer. */
    char *json = NULL;
    call_ok(op, "ExportTenant", req, &json);
    CHECK_EQ_INT(count_of(json, "\"table\":"), rows + 3);
    CHECK(strstr(json, "Nhà phân phối 119") != NULL);
    liaison_string_free(json);

    /*
     * A chunk that calls on its own handle is refused and the stream goes on; a free there
     * waits for the stream to return (an attack try-out: it read the stream's frames as its
     * own answer, and a free pulled the handle from under the stream).
     */
    struct reenter re = {op, 0, 0, 0, 0};
    CHECK_EQ_INT(liaison_call_stream(op, "ExportTenant", req, reenter_chunk, &re, NULL),
                 LIAISON_OK);
    CHECK(re.chunks >= parts); /* the exports before add their audit rows */
    CHECK_EQ_INT(re.refused, re.chunks);
    CHECK_EQ_INT(liaison_ping(op, "after a stream called into", &echo), LIAISON_OK);
    liaison_string_free(echo);
    for (int halt = 0; halt <= 1; halt++) {
        liaison_conn *own = liaison_new(url);
        liaison_set_option(own, LIAISON_OPT_CA_FILE, ca);
        liaison_set_option(own, LIAISON_OPT_TOKEN, env("LIAISON_TEST_OPERATOR_TOKEN"));
        /* Freed at a late part (as many as the first export had), or at the first, stopped. */
        struct reenter fr = {own, 0, 0, halt ? 1 : parts, halt};
        CHECK_EQ_INT(liaison_call_stream(own, "ExportTenant", req, reenter_chunk, &fr, NULL),
                     LIAISON_CANCELLED);
        CHECK_EQ_INT(fr.chunks, halt ? 1 : parts);
    }

    /* A failure ends the stream with the server's status. */
    CHECK_EQ_INT(liaison_call_stream(op, "ExportTenant", "{\"slug\":\"no-such\",\"stream\":true}",
                                     count_chunk, &k, &err),
                 LIAISON_NOT_FOUND);
    CHECK(err != NULL && strstr(err, "NOT_FOUND") != NULL);
    liaison_string_free(err);
    liaison_free(op);
}

static int stop_at_first(void *arg, const char *json)
{
    (void)json;
    (*(int *)arg)++;
    return 1;
}

/*
 * SubscribeEvents streams until the caller stops it: liaison_call_json()
 * once waited on it for ever. It answers a refusal as any call, and a
 * started stream with FAILED_PRECONDITION naming liaison_call_stream.
 */
static void test_endless_stream_through_json_call(void)
{
    liaison_conn *op = liaison_new(url);
    liaison_set_option(op, LIAISON_OPT_CA_FILE, ca);
    liaison_set_option(op, LIAISON_OPT_TOKEN, env("LIAISON_TEST_OPERATOR_TOKEN"));
    char slug[64];
    liaison_conn *admin = tenant_admin(op, "events", slug, sizeof slug);
    liaison_free(op);
    char *json = NULL;
    CHECK_EQ_INT(liaison_call_json(admin, "SubscribeEvents", "{\"kinds\":[\"none\"]}", &json),
                 LIAISON_INVALID_ARGUMENT);
    CHECK(json != NULL && strstr(json, "\"kinds[0]\"") != NULL);
    liaison_string_free(json);
    json = NULL;
    CHECK_EQ_INT(liaison_call_json(admin, "SubscribeEvents", "{}", &json),
                 LIAISON_FAILED_PRECONDITION);
    CHECK(json == NULL);
    CHECK(strstr(liaison_error(admin), "liaison_call_stream") != NULL);
    /* The connection it left is closed; the next call makes another. */
    char *echo = NULL;
    CHECK_EQ_INT(liaison_ping(admin, "sau luồng sự kiện", &echo), LIAISON_OK);
    liaison_string_free(echo);
    int parts = 0;
    char *err = NULL;
    CHECK_EQ_INT(liaison_call_stream(admin, "SubscribeEvents", "{}", stop_at_first, &parts, &err),
                 LIAISON_CANCELLED);
    CHECK_EQ_INT(parts, 1);
    CHECK(err == NULL);
    liaison_free(admin);
}

/*
 * A create's idempotency key with content past one request: the key once
 * went to the upload's BeginDocumentUpload, which refused it, so the
 * document was never made. It now goes to the create itself.
 */
static void test_keyed_content_upload(void)
{
    liaison_conn *op = liaison_new(url);
    liaison_set_option(op, LIAISON_OPT_CA_FILE, ca);
    liaison_set_option(op, LIAISON_OPT_TOKEN, env("LIAISON_TEST_OPERATOR_TOKEN"));
    char slug[64], key[96];
    liaison_conn *admin = tenant_admin(op, "upload", slug, sizeof slug);
    liaison_free(op);
    size_t len = (3u << 20) + 5; /* past the shared server's frame */
    uint8_t *content = malloc(len);
    CHECK(content != NULL);
    for (size_t i = 0; i < len; i++)
        content[i] = (uint8_t)(i * 31 + 7);
    const char *req = "{\"kind\":\"catalogue\",\"title\":\"Danh mục 2027 — カタログ\","
                      "\"language\":\"vi\",\"shareAll\":true}";
    snprintf(key, sizeof key, "upload-%s", slug);
    CHECK_EQ_INT(liaison_set_idempotency_key(admin, key), LIAISON_OK);
    char *json = NULL;
    int rc = liaison_call_with_content(admin, "CreateDocument", req, content, len, &json);
    if (rc != LIAISON_OK)
        fprintf(stderr, "# %s %s\n", liaison_error(admin), json ? json : "");
    CHECK_EQ_INT(rc, LIAISON_OK);
    CHECK(json != NULL && strstr(json, "カタログ") != NULL);
    CHECK_EQ_STR(liaison_idempotency_key(admin), key);
    liaison_string_free(json);
    /* The key was used: the same key on another create is refused. */
    json = NULL;
    CHECK_EQ_INT(liaison_set_idempotency_key(admin, key), LIAISON_OK);
    CHECK_EQ_INT(liaison_call_with_content(admin, "CreateDocument",
                                           "{\"kind\":\"other\",\"title\":\"khác\","
                                           "\"language\":\"vi\"}",
                                           content, 10, &json),
                 LIAISON_INVALID_ARGUMENT);
    CHECK(json != NULL && strstr(json, "idempotencyKey") != NULL);
    liaison_string_free(json);
    /* A request that is no JSON object takes the key all the same. */
    json = NULL;
    CHECK_EQ_INT(liaison_set_idempotency_key(admin, "taken-by-a-bad-call"), LIAISON_OK);
    CHECK_EQ_INT(liaison_call_with_content(admin, "CreateDocument", "[1]", content, 10, &json),
                 LIAISON_INVALID_ARGUMENT);
    CHECK_EQ_STR(liaison_idempotency_key(admin), "taken-by-a-bad-call");
    liaison_string_free(json);
    free(content);
    liaison_free(admin);
}

int main(void)
{
    url = env("LIAISON_TEST_URL");
    ca = env("LIAISON_TEST_CA");
    other_ca = env("LIAISON_TEST_OTHER_CA");
    RUN(test_connect_hello_round_trip);
    RUN(test_pipelined_out_of_order);
    RUN(test_errors);
    RUN(test_local_refusals_name_their_field);
    RUN(test_idempotency_key_must_be_utf8);
    RUN(test_refused_call_takes_its_key);
    RUN(test_null_arguments);
    RUN(test_refused_token_reports_status);
    RUN(test_login_past_a_stale_token);
    RUN(test_oversized_request_refused_locally);
    RUN(test_certificate_checks);
    RUN(test_bad_urls_and_options);
    RUN(test_suspension_cuts_off_live_session);
    RUN(test_operator_client_certificate);
    RUN(test_reconnect_after_idle_close);
    RUN(test_batched_reads_keep_callers_apart);
    RUN(test_streamed_export);
    RUN(test_endless_stream_through_json_call);
    RUN(test_keyed_content_upload);
    return 0;
}
