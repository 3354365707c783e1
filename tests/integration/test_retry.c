/*
 * test_retry.c - libliaison after a dropped connection. A read (Ping and
 * GetHealth too), and a create sent with an idempotency key, are sent once more on a new
 * connection (authenticated again) and answered: the create's answer is
 * its first, and it made one row. A create without a key and a change
 * that is no create are not resent: LIAISON_UNAVAILABLE, and each was
 * carried out once. A proxy on 127.0.0.1 between the client and liaisond
 * drops the connection: armed, it passes the next request on and then
 * closes both sides instead of passing the answer back, so the server has
 * done the work and the client never hears of it.
 *
 * Environment (set by tests/run): LIAISON_TEST_PORT, LIAISON_TEST_CA,
 * LIAISON_TEST_OPERATOR_TOKEN.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <liaison.h>

#include "../check.h"

static const char *ca;
static int server_port;

/* ---- the proxy ---- */

enum proxy_arm { PROXY_PASS, PROXY_ARMED, PROXY_REQUEST_PASSED };

static struct {
    int listen_fd;
    int port;
    atomic_int arm;
    atomic_int drops;       /* answers dropped, connections closed with them */
    atomic_int connections; /* accepted */
    atomic_bool stop;
    atomic_bool refuse; /* new connections are closed at once, as a server gone would */
    pthread_t thread;
} proxy;

/* Copies what fd has to to; false when fd closed or failed. */
static bool proxy_move(int fd, int to)
{
    char buf[16384];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0)
        return false;
    for (ssize_t off = 0; off < n;) {
        ssize_t w = write(to, buf + off, (size_t)(n - off));
        if (w <= 0)
            return false;
        off += w;
    }
    return true;
}

/* Relays one client connection until either side closes or an armed drop. */
static void proxy_relay(int client)
{
    int upstream = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)server_port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (upstream < 0 || connect(upstream, (struct sockaddr *)&sa, sizeof sa) < 0) {
        if (upstream >= 0)
            close(upstream);
        return;
    }
    while (!atomic_load(&proxy.stop)) {
        struct pollfd p[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
        if (poll(p, 2, 100) < 0)
            break;
        if (p[0].revents) {
            if (!proxy_move(client, upstream))
                break;
            int armed = PROXY_ARMED;
            atomic_compare_exchange_strong(&proxy.arm, &armed, PROXY_REQUEST_PASSED);
        }
        if (p[1].revents) {
            int passed = PROXY_REQUEST_PASSED;
            if (atomic_compare_exchange_strong(&proxy.arm, &passed, PROXY_PASS)) {
                atomic_fetch_add(&proxy.drops, 1);
                break;
            }
            if (!proxy_move(upstream, client))
                break;
        }
    }
    close(upstream);
}

static void *proxy_run(void *unused)
{
    (void)unused;
    while (!atomic_load(&proxy.stop)) {
        struct pollfd p = {proxy.listen_fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0)
            continue;
        int client = accept(proxy.listen_fd, NULL, NULL);
        if (client < 0)
            continue;
        atomic_fetch_add(&proxy.connections, 1);
        if (!atomic_load(&proxy.refuse))
            proxy_relay(client);
        close(client);
    }
    return NULL;
}

static void proxy_start(void)
{
    proxy.listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(proxy.listen_fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    CHECK(bind(proxy.listen_fd, (struct sockaddr *)&sa, sizeof sa) == 0);
    CHECK(listen(proxy.listen_fd, 8) == 0);
    CHECK(getsockname(proxy.listen_fd, (struct sockaddr *)&sa, &len) == 0);
    proxy.port = ntohs(sa.sin_port);
    CHECK(pthread_create(&proxy.thread, NULL, proxy_run, NULL) == 0);
}

static void proxy_stop(void)
{
    atomic_store(&proxy.stop, true);
    CHECK(pthread_join(proxy.thread, NULL) == 0);
    close(proxy.listen_fd);
}

/* ---- the client ---- */

static const char *env(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v) {
        fprintf(stderr, "%s is not set: run the tests through tests/run\n", name);
        exit(1);
    }
    return v;
}

static liaison_conn *open_conn(const char *token)
{
    char url[64];
    snprintf(url, sizeof url, "liaison://127.0.0.1:%d", proxy.port);
    liaison_conn *c = liaison_new(url);
    CHECK(c != NULL);
    CHECK_EQ_INT(liaison_set_option(c, LIAISON_OPT_CA_FILE, ca), LIAISON_OK);
    if (token)
        CHECK_EQ_INT(liaison_set_option(c, LIAISON_OPT_TOKEN, token), LIAISON_OK);
    return c;
}

static char *call_ok(liaison_conn *c, const char *method, const char *req)
{
    char *resp = NULL;
    int rc = liaison_call_json(c, method, req, &resp);
    if (rc != LIAISON_OK)
        fprintf(stderr, "%s: %s %s\n", method, liaison_code_name(rc), resp ? resp : "");
    CHECK_EQ_INT(rc, LIAISON_OK);
    return resp;
}

/* How many times needle occurs in haystack. */
static int occurrences(const char *haystack, const char *needle)
{
    int n = 0;
    for (const char *p = haystack; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static char run_id[24];
static liaison_conn *admin;

/* A tenant of the test's own and its admin, logged in through the proxy. */
static void setup(void)
{
    snprintf(run_id, sizeof run_id, "%lld", (long long)time(NULL) % 100000000);
    liaison_conn *op = open_conn(env("LIAISON_TEST_OPERATOR_TOKEN"));
    char req[512];
    snprintf(req, sizeof req,
             "{\"slug\":\"retry-%s\",\"name\":\"Retry\",\"adminEmail\":\"a@retry.example\","
             "\"adminPassword\":\"correct horse battery staple\"}",
             run_id);
    liaison_string_free(call_ok(op, "CreateTenant", req));
    liaison_free(op);
    admin = open_conn(NULL);
    char slug[40];
    snprintf(slug, sizeof slug, "retry-%s", run_id);
    CHECK_EQ_INT(
        liaison_login(admin, slug, "a@retry.example", "correct horse battery staple", NULL),
        LIAISON_OK);
}

static void test_read_resent_after_drop(void)
{
    liaison_string_free(
        call_ok(admin, "CreateProductLine", "{\"code\":\"BRK\",\"name\":\"Brakes\"}"));
    int drops = atomic_load(&proxy.drops), conns = atomic_load(&proxy.connections);
    atomic_store(&proxy.arm, PROXY_ARMED);
    char *list = call_ok(admin, "ListProductLines", "{}");
    CHECK_EQ_INT(atomic_load(&proxy.drops), drops + 1);
    CHECK_EQ_INT(atomic_load(&proxy.connections), conns + 1); /* one new connection */
    CHECK(strstr(list, "\"code\":\"BRK\"") != NULL);
    liaison_string_free(list);
    /* A portal's health probe and a ping change nothing either. */
    for (int i = 0; i < 2; i++) {
        drops = atomic_load(&proxy.drops);
        atomic_store(&proxy.arm, PROXY_ARMED);
        char *out = call_ok(admin, i ? "Ping" : "GetHealth", "{}");
        CHECK_EQ_INT(atomic_load(&proxy.drops), drops + 1);
        liaison_string_free(out);
    }
}

static void test_keyed_create_resent_after_drop(void)
{
    CHECK_EQ_INT(liaison_method_is_create("CreateProductLine"), 1);
    CHECK_EQ_INT(liaison_method_is_create("ListProductLines"), 0);
    CHECK_EQ_INT(liaison_set_idempotency_key(admin, NULL), LIAISON_OK);
    int drops = atomic_load(&proxy.drops);
    atomic_store(&proxy.arm, PROXY_ARMED);
    char *made = call_ok(admin, "CreateProductLine", "{\"code\":\"FLT\",\"name\":\"Filters\"}");
    CHECK_EQ_INT(atomic_load(&proxy.drops), drops + 1);
    const char *key = liaison_idempotency_key(admin);
    CHECK_EQ_INT(strlen(key), 32);
    /* The same key and request again, on purpose: the first answer, nothing new made. */
    char kept[64];
    snprintf(kept, sizeof kept, "%s", key);
    CHECK_EQ_INT(liaison_set_idempotency_key(admin, kept), LIAISON_OK);
    char *again = call_ok(admin, "CreateProductLine", "{\"code\":\"FLT\",\"name\":\"Filters\"}");
    CHECK_EQ_STR(again, made);
    char *list = call_ok(admin, "ListProductLines", "{}");
    CHECK_EQ_INT(occurrences(list, "\"code\":\"FLT\""), 1);
    liaison_string_free(list);
    liaison_string_free(again);
    liaison_string_free(made);
}

static void test_unkeyed_writes_not_resent(void)
{
    int drops = atomic_load(&proxy.drops);
    atomic_store(&proxy.arm, PROXY_ARMED);
    char *resp = NULL;
    CHECK_EQ_INT(
        liaison_call_json(admin, "CreateProductLine", "{\"code\":\"OIL\",\"name\":\"Oil\"}", &resp),
        LIAISON_UNAVAILABLE);
    liaison_string_free(resp);
    CHECK_EQ_INT(atomic_load(&proxy.drops), drops + 1);
    CHECK_EQ_STR(liaison_idempotency_key(admin), "");
    char *list = call_ok(admin, "ListProductLines", "{}");
    CHECK_EQ_INT(occurrences(list, "\"code\":\"OIL\""), 1); /* made once, by the one send */
    /* A change that is no create, e.g. an update: not resent either. */
    const char *id = strstr(list, "\"code\":\"OIL\"");
    while (id > list && strncmp(id, "\"id\":\"", 6))
        id--;
    CHECK(!strncmp(id, "\"id\":\"", 6));
    char req[128];
    snprintf(req, sizeof req, "{\"id\":\"%lld\",\"name\":\"Motor oil\"}", atoll(id + 6));
    liaison_string_free(list);
    atomic_store(&proxy.arm, PROXY_ARMED);
    CHECK_EQ_INT(liaison_call_json(admin, "UpdateProductLine", req, &resp), LIAISON_UNAVAILABLE);
    liaison_string_free(resp);
    CHECK_EQ_INT(atomic_load(&proxy.drops), drops + 2);
    list = call_ok(admin, "ListProductLines", "{}");
    CHECK(strstr(list, "\"name\":\"Motor oil\"") != NULL); /* done by the one send */
    liaison_string_free(list);
}

/*
 * The resend fails too (the server gone): the error said only why the resend failed,
 * "cannot connect", as if the call had never been sent (a try-out).
 */
static void test_resend_failing_says_both(void)
{
    atomic_store(&proxy.arm, PROXY_ARMED);
    atomic_store(&proxy.refuse, true);
    char *resp = NULL;
    CHECK_EQ_INT(liaison_call_json(admin, "ListProductLines", "{}", &resp), LIAISON_UNAVAILABLE);
    liaison_string_free(resp);
    CHECK(!strncmp(liaison_error(admin),
                   "connection lost before the answer, and sending it again failed: ", 64));
    atomic_store(&proxy.refuse, false);
    liaison_string_free(call_ok(admin, "ListProductLines", "{}"));
}

int main(void)
{
    ca = env("LIAISON_TEST_CA");
    server_port = atoi(env("LIAISON_TEST_PORT"));
    proxy_start();
    setup();
    RUN(test_read_resent_after_drop);
    RUN(test_keyed_create_resent_after_drop);
    RUN(test_unkeyed_writes_not_resent);
    RUN(test_resend_failing_says_both);
    liaison_free(admin);
    proxy_stop();
    return 0;
}
