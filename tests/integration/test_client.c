/*
 * test_client.c - the real client library against the real server and
 * PostgreSQL: connect, Hello, round trips, pipelining with out-of-order
 * completion, errors with field violations, certificate checks and
 * reconnection after the server closed an idle connection.
 *
 * Environment (set by tests/run): LIAISON_TEST_URL, LIAISON_TEST_CA,
 * LIAISON_TEST_OTHER_CA, LIAISON_TEST_IDLE_MS.
 */
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
    /* local refusals: no request is sent, no JSON comes back */
    CHECK_EQ_INT(liaison_call_json(c, "NoSuchMethod", "{}", &json), LIAISON_UNIMPLEMENTED);
    CHECK(json == NULL);
    CHECK_EQ_INT(liaison_call_json(c, "Ping", "{not json", &json), LIAISON_INVALID_ARGUMENT);
    CHECK_EQ_INT(liaison_call_json(c, "Ping", "{\"bogus\":1}", &json), LIAISON_INVALID_ARGUMENT);
    CHECK(strstr(liaison_error(c), "bogus: unknown field") != NULL);
    /* Hello a second time is refused, and the connection goes on. */
    CHECK_EQ_INT(liaison_call_json(c, "Hello", "{\"protocolVersion\":1}", &json),
                 LIAISON_FAILED_PRECONDITION);
    liaison_string_free(json);
    char *echo;
    CHECK_EQ_INT(liaison_ping(c, "still here", &echo), LIAISON_OK);
    liaison_string_free(echo);
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
    liaison_conn *c = liaison_new(NULL);
    CHECK(c != NULL);
    CHECK_EQ_INT(liaison_connect(c), LIAISON_INVALID_ARGUMENT);
    liaison_free(c);
    c = liaison_new("liaison://127.0.0.1:1");
    CHECK_EQ_INT(liaison_set_option(c, LIAISON_OPT_CONNECT_TIMEOUT_MS, "abc"),
                 LIAISON_INVALID_ARGUMENT);
    CHECK_EQ_INT(liaison_set_option(c, LIAISON_OPT_CONNECT_TIMEOUT_MS, "2000"), LIAISON_OK);
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

int main(void)
{
    url = env("LIAISON_TEST_URL");
    ca = env("LIAISON_TEST_CA");
    other_ca = env("LIAISON_TEST_OTHER_CA");
    RUN(test_connect_hello_round_trip);
    RUN(test_pipelined_out_of_order);
    RUN(test_errors);
    RUN(test_certificate_checks);
    RUN(test_bad_urls_and_options);
    RUN(test_suspension_cuts_off_live_session);
    RUN(test_operator_client_certificate);
    RUN(test_reconnect_after_idle_close);
    return 0;
}
