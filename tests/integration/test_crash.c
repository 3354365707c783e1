/*
 * test_crash.c - kill -9 without loss (issue 14), driven by test_crash.sh on
 * a PostgreSQL cluster and a liaisond of the test's own.
 *
 * Each phase places 1,000 orders through the client library from a few
 * writer threads, each order with an idempotency key (also written as its
 * note, so that the database can be counted per key without trusting the
 * idempotency table). A failed call is retried with the same key until it
 * is acknowledged. Meanwhile a killer thread sends SIGKILL ten times, spread
 * over the run: in the first phase to PostgreSQL's postmaster, in the second
 * to liaisond, and has the driver start it again.
 *
 * Afterwards, counted in the database as its superuser: every acknowledged
 * key has exactly one order, the one acknowledged, and no key has two.
 * Measured and printed: how long the calls in flight at a kill took to end
 * (at most 1 s), how long calls made while the process was down took to
 * fail (at most 2 s), and how long after the killed process was back the
 * first order was acknowledged (at most 15 s; after PostgreSQL's return,
 * liaisond not restarted).
 *
 * Usage: test_crash URL CA OPERATOR_TOKEN DRIVER
 * DRIVER is test_crash.sh, called as "DRIVER pg-pid", "DRIVER pg-start",
 * "DRIVER server-pid", "DRIVER server-start" and "DRIVER psql SQL".
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <liaison.h>

#include "../check.h"

#define WRITES 1000
#define KILLS 10
#define WRITERS 4
/* Kill k comes once FIRST_KILL + k * KILL_EVERY orders are acknowledged. */
#define FIRST_KILL 50
#define KILL_EVERY 95
/*
 * Keys handed out past the next kill's mark, so that calls are in flight
 * when it comes, and few enough that orders remain to be placed after the
 * last one.
 */
#define AHEAD 40
#define RETRY_PAUSE_MS 20
/* Only a hang gets this far: a phase takes 30-80 s on a shared 2-core host. */
#define PHASE_LIMIT_S 240
#define IN_FLIGHT_LIMIT_MS 1000
/*
 * A call made while the process is down fails at once (p99 in the tens of
 * milliseconds); one that waited for a timeout would take the server's
 * 5 s deadline. The margin is for a host whose load reaches 30.
 */
#define DOWN_LIMIT_MS 2000
#define BACK_LIMIT_MS 15000

static const char *url, *ca, *driver;
static char token[512];
static char run_id[32];
static uint64_t distributor_id, product_id;

static int64_t now_us(void)
{
    struct timespec ts;
    CHECK_EQ_INT(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Runs "DRIVER ARGS" and returns its standard output (the caller frees it). */
static char *run_driver(const char *args)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' %s", driver, args);
    FILE *p = popen(cmd, "r");
    CHECK(p != NULL);
    size_t cap = 4096, len = 0;
    char *out = malloc(cap);
    CHECK(out != NULL);
    size_t n;
    while ((n = fread(out + len, 1, cap - len - 1, p)) > 0) {
        len += n;
        if (cap - len < 2) {
            cap *= 2;
            out = realloc(out, cap);
            CHECK(out != NULL);
        }
    }
    out[len] = '\0';
    int rc = pclose(p);
    if (rc != 0)
        fprintf(stderr, "%s: exit status %d\n%s\n", cmd, rc, out);
    CHECK_EQ_INT(rc, 0);
    return out;
}

static liaison_conn *open_conn(const char *with_token)
{
    liaison_conn *c = liaison_new(url);
    CHECK(c != NULL);
    CHECK_EQ_INT(liaison_set_option(c, LIAISON_OPT_CA_FILE, ca), LIAISON_OK);
    /* Long enough that a call hanging past the 1 s mark shows up as such, not as a timeout. */
    CHECK_EQ_INT(liaison_set_option(c, LIAISON_OPT_REQUEST_TIMEOUT_MS, "10000"), LIAISON_OK);
    CHECK_EQ_INT(liaison_set_option(c, LIAISON_OPT_CONNECT_TIMEOUT_MS, "2000"), LIAISON_OK);
    if (with_token)
        CHECK_EQ_INT(liaison_set_option(c, LIAISON_OPT_TOKEN, with_token), LIAISON_OK);
    return c;
}

/* The call's response, parsed; the test fails unless it succeeded. */
static json_t *must(liaison_conn *c, const char *method, const char *request)
{
    char *out = NULL;
    int rc = liaison_call_json(c, method, request, &out);
    if (rc != LIAISON_OK)
        fprintf(stderr, "%s: %s %s\n", method, liaison_code_name(rc), out ? out : "");
    CHECK_EQ_INT(rc, LIAISON_OK);
    json_t *j = json_loads(out, 0, NULL);
    CHECK(j != NULL);
    liaison_string_free(out);
    return j;
}

/* response.object.id, which proto JSON writes as a string. */
static uint64_t id_of(json_t *response, const char *object)
{
    json_t *id = json_object_get(json_object_get(response, object), "id");
    CHECK(json_is_string(id));
    return strtoull(json_string_value(id), NULL, 10);
}

/* A tenant with its admin, a product line, a product without a minimum, a distributor. */
static void setup(const char *operator_token)
{
    char req[1024];
    liaison_conn *op = open_conn(operator_token);
    snprintf(
        req, sizeof req,
        "{\"slug\":\"crash-%s\",\"name\":\"Crash test\",\"adminEmail\":\"admin@crash.example\","
        "\"adminPassword\":\"correct horse battery staple\"}",
        run_id);
    json_decref(must(op, "CreateTenant", req));
    liaison_free(op);

    liaison_conn *c = open_conn(NULL);
    snprintf(req, sizeof req, "crash-%s", run_id);
    char *tok = NULL;
    CHECK_EQ_INT(liaison_login(c, req, "admin@crash.example", "correct horse battery staple", &tok),
                 LIAISON_OK);
    CHECK(strlen(tok) < sizeof token);
    snprintf(token, sizeof token, "%s", tok);
    liaison_string_free(tok);
    json_t *j = must(c, "CreateProductLine", "{\"code\":\"BRK\",\"name\":\"Brakes\"}");
    uint64_t line = id_of(j, "productLine");
    json_decref(j);
    snprintf(req, sizeof req,
             "{\"sku\":\"BRK-1\",\"productLineId\":\"%" PRIu64
             "\",\"name\":\"Pad\",\"unit\":\"set\",\"moq\":1}",
             line);
    j = must(c, "CreateProduct", req);
    product_id = id_of(j, "product");
    json_decref(j);
    j = must(c, "CreateDistributor",
             "{\"fields\":{\"name\":\"Saigon Auto Parts\",\"country\":\"VN\","
             "\"timeZone\":\"Asia/Ho_Chi_Minh\"}}");
    distributor_id = id_of(j, "distributor");
    json_decref(j);
    liaison_free(c);
}

struct call_record {
    int64_t start, end; /* microseconds, monotonic */
    int code;
};

struct writer {
    pthread_t thread;
    struct phase *phase;
    struct call_record *calls;
    size_t ncalls, cap;
};

enum target { TARGET_POSTGRES, TARGET_SERVER };

struct phase {
    enum target target;
    const char *name;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int next_key, acked, kills_done;
    bool failed;
    int64_t deadline;
    uint64_t order_of[WRITES]; /* the acknowledged order of each key; 0 for none */
    int64_t killed_at[KILLS], back_at[KILLS];
    long rss_kb[KILLS]; /* the killed process's, just before the kill */
    long codes[LIAISON_UNAUTHENTICATED + 1];
    struct writer writers[WRITERS];
};

static void key_of(const struct phase *ph, int i, char *buf, size_t len)
{
    snprintf(buf, len, "crash-%s-%s-%04d", run_id, ph->name, i);
}

static void record(struct writer *w, int64_t start, int64_t end, int code)
{
    if (w->ncalls == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 1024;
        w->calls = realloc(w->calls, w->cap * sizeof *w->calls);
        CHECK(w->calls != NULL);
    }
    w->calls[w->ncalls++] = (struct call_record){start, end, code};
}

/* Codes a call may fail with while a process is down; anything else is a defect. */
static bool transient(int code)
{
    return code == LIAISON_UNAVAILABLE || code == LIAISON_DEADLINE_EXCEEDED ||
           code == LIAISON_ABORTED;
}

/* Places the order of key i until it is acknowledged; false when the phase must stop. */
static bool place_until_acknowledged(struct writer *w, liaison_conn *c, int i)
{
    struct phase *ph = w->phase;
    char key[96], req[512];
    key_of(ph, i, key, sizeof key);
    snprintf(req, sizeof req,
             "{\"distributorId\":\"%" PRIu64 "\",\"lines\":[{\"productId\":\"%" PRIu64
             "\",\"quantity\":\"1\",\"unitPriceMinor\":\"100\"}],\"currency\":\"EUR\","
             "\"note\":\"%s\",\"idempotencyKey\":\"%s\"}",
             distributor_id, product_id, key, key);
    for (;;) {
        char *out = NULL;
        int64_t start = now_us();
        int rc = liaison_call_json(c, "PlaceOrder", req, &out);
        int64_t end = now_us();
        record(w, start, end, rc);
        pthread_mutex_lock(&ph->lock);
        if (rc >= 0 && rc <= LIAISON_UNAUTHENTICATED)
            ph->codes[rc]++;
        pthread_mutex_unlock(&ph->lock);
        if (rc == LIAISON_OK) {
            json_t *j = json_loads(out, 0, NULL);
            CHECK(j != NULL);
            uint64_t id = id_of(j, "order");
            CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(j, "order"), "note")),
                         key);
            json_decref(j);
            liaison_string_free(out);
            pthread_mutex_lock(&ph->lock);
            ph->order_of[i] = id;
            ph->acked++;
            pthread_cond_broadcast(&ph->changed);
            pthread_mutex_unlock(&ph->lock);
            return true;
        }
        if (!transient(rc) || end > ph->deadline) {
            fprintf(stderr, "%s: key %s: %s %s%s\n", ph->name, key, liaison_code_name(rc),
                    out ? out : liaison_error(c), transient(rc) ? " (past the phase's limit)" : "");
            liaison_string_free(out);
            return false;
        }
        liaison_string_free(out);
        sleep_ms(RETRY_PAUSE_MS);
    }
}

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    struct phase *ph = w->phase;
    liaison_conn *c = open_conn(token);
    for (;;) {
        pthread_mutex_lock(&ph->lock);
        while (!ph->failed && ph->next_key < WRITES &&
               ph->next_key >= FIRST_KILL + ph->kills_done * KILL_EVERY + AHEAD)
            pthread_cond_wait(&ph->changed, &ph->lock);
        int i = ph->failed || ph->next_key >= WRITES ? -1 : ph->next_key++;
        pthread_mutex_unlock(&ph->lock);
        if (i < 0)
            break;
        if (!place_until_acknowledged(w, c, i)) {
            pthread_mutex_lock(&ph->lock);
            ph->failed = true;
            pthread_cond_broadcast(&ph->changed);
            pthread_mutex_unlock(&ph->lock);
            break;
        }
    }
    liaison_free(c);
    return NULL;
}

static pid_t pid_from_driver(const char *what)
{
    char *out = run_driver(what);
    long pid = strtol(out, NULL, 10);
    free(out);
    CHECK(pid > 1);
    return (pid_t)pid;
}

/* The resident memory of pid in kB (-1 when unknown): its exit takes longer with more. */
static long rss_kb(pid_t pid)
{
    char path[64], line[256];
    long kb = -1;
    snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

/* Kills the phase's target ten times as the acknowledged orders pass each mark. */
static void kill_and_restart(struct phase *ph)
{
    const char *pid_cmd = ph->target == TARGET_POSTGRES ? "pg-pid" : "server-pid";
    const char *start_cmd = ph->target == TARGET_POSTGRES ? "pg-start" : "server-start";
    for (int k = 0; k < KILLS; k++) {
        /* Read before the mark, so that the kill follows it closely. */
        pid_t pid = pid_from_driver(pid_cmd);
        pthread_mutex_lock(&ph->lock);
        while (!ph->failed && ph->acked < FIRST_KILL + k * KILL_EVERY)
            pthread_cond_wait(&ph->changed, &ph->lock);
        bool failed = ph->failed;
        pthread_mutex_unlock(&ph->lock);
        if (failed)
            return;
        ph->rss_kb[k] = rss_kb(pid);
        ph->killed_at[k] = now_us();
        CHECK_EQ_INT(kill(pid, SIGKILL), 0);
        free(run_driver(start_cmd));
        ph->back_at[k] = now_us();
        pthread_mutex_lock(&ph->lock);
        ph->kills_done++;
        pthread_cond_broadcast(&ph->changed);
        pthread_mutex_unlock(&ph->lock);
    }
}

static int by_value(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/*
 * The figures of a phase: calls in flight at each kill (each must have
 * ended within IN_FLIGHT_LIMIT_MS of it), calls made while the killed
 * process was down (each within DOWN_LIMIT_MS), and the first
 * acknowledgement after each return (within BACK_LIMIT_MS).
 */
static void report(struct phase *ph)
{
    int64_t worst_fail = 0, worst_any = 0, worst_down = 0, worst_back = 0;
    long in_flight = 0, in_flight_ok = 0, down_calls = 0;
    size_t all = 0;
    for (int wi = 0; wi < WRITERS; wi++)
        all += ph->writers[wi].ncalls;
    int64_t *down_took = malloc((all + 1) * sizeof *down_took);
    CHECK(down_took != NULL);
    for (int k = 0; k < KILLS; k++) {
        int64_t kill_at = ph->killed_at[k], first_ok = INT64_MAX;
        for (int wi = 0; wi < WRITERS; wi++) {
            const struct writer *w = &ph->writers[wi];
            for (size_t i = 0; i < w->ncalls; i++) {
                const struct call_record *r = &w->calls[i];
                if (r->start < kill_at && r->end > kill_at) {
                    in_flight++;
                    int64_t took = r->end - kill_at;
                    if (took > worst_any)
                        worst_any = took;
                    if (r->code == LIAISON_OK)
                        in_flight_ok++;
                    else if (took > worst_fail)
                        worst_fail = took;
                } else if (r->start >= kill_at && r->start < ph->back_at[k] &&
                           r->code != LIAISON_OK) {
                    down_took[down_calls++] = r->end - r->start;
                    if (r->end - r->start > worst_down)
                        worst_down = r->end - r->start;
                }
                if (r->code == LIAISON_OK && r->end >= ph->back_at[k] && r->end < first_ok)
                    first_ok = r->end;
            }
        }
        int64_t back = first_ok == INT64_MAX ? INT64_MAX : first_ok - ph->back_at[k];
        if (back > worst_back)
            worst_back = back;
        printf("# %s kill %d: at %d acknowledged, RSS %ld kB, up again %" PRId64
               " ms later, first acknowledgement %" PRId64 " ms after that\n",
               ph->name, k + 1, FIRST_KILL + k * KILL_EVERY, ph->rss_kb[k],
               (ph->back_at[k] - kill_at) / 1000, first_ok == INT64_MAX ? -1 : back / 1000);
    }
    printf("# %s: %ld calls in flight at the kills, %ld of them acknowledged; all ended within "
           "%" PRId64 " ms of the kill, the failed ones within %" PRId64 " ms\n",
           ph->name, in_flight, in_flight_ok, worst_any / 1000, worst_fail / 1000);
    qsort(down_took, (size_t)down_calls, sizeof *down_took, by_value);
    printf("# %s: %ld calls failed while it was down: median %" PRId64 " ms, p99 %" PRId64
           " ms, max %" PRId64 " ms\n",
           ph->name, down_calls, down_calls ? down_took[down_calls / 2] / 1000 : 0,
           down_calls ? down_took[down_calls * 99 / 100] / 1000 : 0, worst_down / 1000);
    free(down_took);
    printf("# %s: service back at most %" PRId64 " ms after %s was up again\n", ph->name,
           worst_back / 1000, ph->target == TARGET_POSTGRES ? "PostgreSQL" : "liaisond");
    printf("# %s: failed attempts:", ph->name);
    for (int c = 1; c <= LIAISON_UNAUTHENTICATED; c++)
        if (ph->codes[c])
            printf(" %s %ld", liaison_code_name(c), ph->codes[c]);
    printf("\n");
    CHECK(in_flight > 0);
    CHECK(down_calls > 0);
    CHECK(worst_any <= IN_FLIGHT_LIMIT_MS * 1000);
    CHECK(worst_down <= DOWN_LIMIT_MS * 1000);
    CHECK(worst_back <= BACK_LIMIT_MS * 1000);
}

/* Counts the phase's orders per key in the database and compares them with what was acknowledged.
 */
static void verify(const struct phase *ph)
{
    char args[1024];
    snprintf(args, sizeof args,
             "psql \"SELECT o.note, count(*), min(o.id),"
             " (SELECT count(*) FROM idempotency_keys k WHERE k.tenant_id = o.tenant_id"
             "  AND k.key = o.note AND k.created_id = min(o.id))"
             " FROM orders o WHERE o.note LIKE 'crash-%s-%s-%%' GROUP BY o.tenant_id, o.note\"",
             run_id, ph->name);
    char *out = run_driver(args);
    static int count_of[WRITES];
    memset(count_of, 0, sizeof count_of);
    long rows = 0, duplicates = 0, lost = 0, wrong = 0;
    char prefix[96];
    key_of(ph, 0, prefix, sizeof prefix);
    size_t plen = strlen(prefix) - 4;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        char note[128];
        long n, keyed;
        uint64_t id;
        CHECK_EQ_INT(sscanf(line, "%127[^|]|%ld|%" SCNu64 "|%ld", note, &n, &id, &keyed), 4);
        CHECK(strlen(note) == plen + 4);
        int i = atoi(note + plen);
        CHECK(i >= 0 && i < WRITES);
        rows += n;
        count_of[i] = (int)n;
        if (n > 1)
            duplicates += n - 1;
        else if (ph->order_of[i] != id || keyed != 1)
            wrong++;
    }
    free(out);
    for (int i = 0; i < WRITES; i++)
        if (ph->order_of[i] && count_of[i] == 0)
            lost++;
    printf("# %s: %d acknowledged, %ld orders in the database, %ld lost, %ld duplicates, %ld "
           "not the acknowledged one\n",
           ph->name, ph->acked, rows, lost, duplicates, wrong);
    CHECK_EQ_INT(ph->acked, WRITES);
    CHECK_EQ_INT(lost, 0);
    CHECK_EQ_INT(duplicates, 0);
    CHECK_EQ_INT(wrong, 0);
    CHECK_EQ_INT(rows, WRITES);
}

static void run_phase(enum target target, const char *name)
{
    struct phase *ph = calloc(1, sizeof *ph);
    CHECK(ph != NULL);
    ph->target = target;
    ph->name = name;
    ph->deadline = now_us() + (int64_t)PHASE_LIMIT_S * 1000000;
    CHECK_EQ_INT(pthread_mutex_init(&ph->lock, NULL), 0);
    CHECK_EQ_INT(pthread_cond_init(&ph->changed, NULL), 0);
    int64_t started = now_us();
    for (int i = 0; i < WRITERS; i++) {
        ph->writers[i].phase = ph;
        CHECK_EQ_INT(pthread_create(&ph->writers[i].thread, NULL, writer_main, &ph->writers[i]), 0);
    }
    kill_and_restart(ph);
    for (int i = 0; i < WRITERS; i++)
        CHECK_EQ_INT(pthread_join(ph->writers[i].thread, NULL), 0);
    printf("# %s: %d orders with %d kills in %.1f s\n", name, ph->acked, ph->kills_done,
           (double)(now_us() - started) / 1e6);
    CHECK(!ph->failed);
    CHECK_EQ_INT(ph->kills_done, KILLS);
    report(ph);
    verify(ph);
    for (int i = 0; i < WRITERS; i++)
        free(ph->writers[i].calls);
    pthread_cond_destroy(&ph->changed);
    pthread_mutex_destroy(&ph->lock);
    free(ph);
    printf("ok - %s killed ten times: no acknowledged order lost, none twice\n",
           target == TARGET_POSTGRES ? "PostgreSQL's postmaster" : "liaisond");
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: test_crash URL CA OPERATOR_TOKEN DRIVER\n");
        return 2;
    }
    /* Figures and failures interleave in the order they happened. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    url = argv[1];
    ca = argv[2];
    driver = argv[4];
    snprintf(run_id, sizeof run_id, "%ld", (long)time(NULL) % 100000000);
    setup(argv[3]);
    run_phase(TARGET_POSTGRES, "postgres");
    run_phase(TARGET_SERVER, "liaisond");
    return 0;
}
