/*
 * loadgen.c - drives liaisond through libliaison over TLS for the
 * benchmark (tests/bench/run). Each thread owns a set of connections and
 * keeps K requests in flight on each, with pre-encoded protobuf payloads
 * (liaison_send_raw), for a fixed time; latencies are kept per request and
 * reported as percentiles. Modes:
 *   read     GetDistributor of a random distributor of the connection's tenant
 *   write    CreateContact (the server writes its audit row in the same transaction)
 *   mixed    60 % GetDistributor, 20 % ListContacts (a page of 20), 20 % CreateContact
 *   ics      ExportCalendar of a random distributor's 2027 (its year of meetings as .ics)
 *   idle     open N authenticated connections, hold them, then ping every one
 *   connect  open, authenticate and close connections as fast as possible
 * The targets file has one line per tenant: TOKEN DISTRIBUTOR_ID[,ID...].
 * --rate R paces the read, write and mixed modes to R requests a second in
 * all (the rate-limit benchmark's tenant over its quota); answers refused
 * RESOURCE_EXHAUSTED with a retry-after are counted apart, as "limited".
 * In mixed mode a line per method follows the totals (kind=METHOD ...), so
 * the reads' figures can be told from the writes' beside them.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <liaison.h>

#include "liaison.pb-c.h"

enum mode { MODE_READ, MODE_WRITE, MODE_MIXED, MODE_IDLE, MODE_CONNECT, MODE_ICS };

/* What a request of the read, write and mixed modes is, for the per-method lines. */
enum kind { KIND_GET, KIND_LIST, KIND_CREATE, KIND_ICS, NKINDS };
static const char *const kind_method[NKINDS] = {"GetDistributor", "ListContacts", "CreateContact",
                                                "ExportCalendar"};

struct lats {
    uint32_t *v; /* microseconds, one per answer counted */
    size_t n, cap;
};

struct tenant {
    char token[160];
    uint64_t *distributors;
    size_t n;
};

struct options {
    const char *url, *ca, *targets;
    enum mode mode;
    int connections, inflight, threads;
    double duration, hold;
    double rate; /* requests a second in all; 0: as fast as the in-flight limit allows */
};

struct slot {
    uint64_t id;
    int64_t sent_us;
    enum kind kind;
};

struct client {
    liaison_conn *conn;
    struct tenant *tenant;
    struct slot *slots; /* by request id modulo inflight */
    int outstanding;
};

struct thread {
    pthread_t thread;
    int index;
    struct client *clients;
    int nclients;
    struct lats all, by_kind[NKINDS];
    long errors;
    long limited;          /* RESOURCE_EXHAUSTED with a retry-after */
    uint32_t retry_max_ms; /* the longest retry-after among them */
    int64_t next_send_us;  /* with --rate: when the thread may send again */
    long done;
    long long bytes; /* of the answers counted */
    unsigned rng;
    long contacts; /* made by this thread, to name the next one */
};

static struct options opt = {
    .connections = 16, .inflight = 1, .threads = 2, .duration = 10, .hold = 5};
static struct tenant *tenants;
static size_t ntenants;

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void die(const char *what, const char *why)
{
    fprintf(stderr, "loadgen: %s: %s\n", what, why);
    exit(1);
}

static void load_targets(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        die(path, strerror(errno));
    char line[1 << 16];
    while (fgets(line, sizeof line, f)) {
        tenants = realloc(tenants, (ntenants + 1) * sizeof *tenants);
        struct tenant *t = &tenants[ntenants];
        memset(t, 0, sizeof *t);
        char *ids = strchr(line, ' ');
        if (!ids)
            continue;
        *ids++ = '\0';
        if (strlen(line) >= sizeof t->token)
            die(path, "token too long");
        memcpy(t->token, line, strlen(line) + 1);
        for (char *p = strtok(ids, ",\n"); p; p = strtok(NULL, ",\n")) {
            t->distributors = realloc(t->distributors, (t->n + 1) * sizeof(uint64_t));
            t->distributors[t->n++] = strtoull(p, NULL, 10);
        }
        if (t->n)
            ntenants++;
    }
    fclose(f);
    if (!ntenants)
        die(path, "no targets");
}

static liaison_conn *open_conn(struct tenant *t)
{
    liaison_conn *c = liaison_new(opt.url);
    liaison_set_option(c, LIAISON_OPT_CA_FILE, opt.ca);
    liaison_set_option(c, LIAISON_OPT_TOKEN, t->token);
    liaison_set_option(c, LIAISON_OPT_CLIENT_NAME, "loadgen");
    int rc = liaison_connect(c);
    if (rc != LIAISON_OK)
        die("connect", liaison_error(c));
    return c;
}

/* Encodes the next request of the workload into buf. */
static size_t next_request(struct thread *th, struct client *cl, uint8_t *buf, enum kind *kind)
{
    uint64_t dist = cl->tenant->distributors[rand_r(&th->rng) % cl->tenant->n];
    unsigned pick = rand_r(&th->rng) % 100;
    enum mode m = opt.mode;
    if (m == MODE_MIXED)
        m = pick < 60 ? MODE_READ : pick < 80 ? MODE_IDLE /* list */ : MODE_WRITE;
    if (m == MODE_READ) {
        Liaison__V1__IdRequest r = LIAISON__V1__ID_REQUEST__INIT;
        r.id = dist;
        *kind = KIND_GET;
        return protobuf_c_message_pack(&r.base, buf);
    }
    if (m == MODE_ICS) {
        Liaison__V1__ExportCalendarRequest r = LIAISON__V1__EXPORT_CALENDAR_REQUEST__INIT;
        r.distributor_id = dist;
        r.from = "2027-01-01";
        r.to = "2028-01-01";
        *kind = KIND_ICS;
        return protobuf_c_message_pack(&r.base, buf);
    }
    if (m == MODE_IDLE) {
        Liaison__V1__ListContactsRequest r = LIAISON__V1__LIST_CONTACTS_REQUEST__INIT;
        Liaison__V1__PageRequest p = LIAISON__V1__PAGE_REQUEST__INIT;
        p.page_size = 20;
        r.distributor_id = dist;
        r.page = &p;
        *kind = KIND_LIST;
        return protobuf_c_message_pack(&r.base, buf);
    }
    Liaison__V1__CreateContactRequest r = LIAISON__V1__CREATE_CONTACT_REQUEST__INIT;
    Liaison__V1__ContactFields f = LIAISON__V1__CONTACT_FIELDS__INIT;
    /* The same name and e-mail twice at one distributor is refused as one
     * person entered twice: each run, thread and contact names its own. */
    char name[64];
    snprintf(name, sizeof name, "Benchmark Contact %ld-%d-%ld", (long)getpid(), th->index,
             ++th->contacts);
    f.name = name;
    f.role = "purchasing manager";
    r.distributor_id = dist;
    r.fields = &f;
    *kind = KIND_CREATE;
    return protobuf_c_message_pack(&r.base, buf);
}

static void lats_add(struct lats *l, int64_t us)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 65536;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        if (!l->v)
            die("latencies", strerror(errno));
    }
    l->v[l->n++] = (uint32_t)(us > UINT32_MAX ? UINT32_MAX : us);
}

static void record(struct thread *th, enum kind kind, int64_t us)
{
    lats_add(&th->all, us);
    lats_add(&th->by_kind[kind], us);
}

static void fill(struct thread *th, struct client *cl)
{
    uint8_t buf[512];
    while (cl->outstanding < opt.inflight) {
        if (opt.rate > 0) {
            if (now_us() < th->next_send_us)
                return;
            th->next_send_us += (int64_t)(1e6 * opt.threads / opt.rate);
        }
        enum kind kind;
        size_t n = next_request(th, cl, buf, &kind);
        uint64_t id;
        if (liaison_send_raw(cl->conn, kind_method[kind], buf, n, &id) != LIAISON_OK)
            die("send", liaison_error(cl->conn));
        struct slot *s = &cl->slots[id % (uint64_t)opt.inflight];
        s->id = id;
        s->kind = kind;
        s->sent_us = now_us();
        cl->outstanding++;
    }
}

static void drain(struct thread *th, struct client *cl, int64_t stop_us)
{
    /* Paced by --rate, a connection may have nothing out. */
    while (cl->outstanding > 0) {
        uint64_t id;
        int status;
        const uint8_t *payload;
        size_t len;
        int rc = liaison_recv_raw(cl->conn, 0, &id, &status, &payload, &len);
        if (rc == LIAISON_DEADLINE_EXCEEDED)
            return;
        if (rc != LIAISON_OK)
            die("recv", liaison_error(cl->conn));
        cl->outstanding--;
        struct slot *s = &cl->slots[id % (uint64_t)opt.inflight];
        int64_t t = now_us();
        if (t <= stop_us) {
            if (status == LIAISON_RESOURCE_EXHAUSTED && liaison_retry_after_ms(cl->conn) > 0) {
                th->limited++;
                if (liaison_retry_after_ms(cl->conn) > th->retry_max_ms)
                    th->retry_max_ms = liaison_retry_after_ms(cl->conn);
            } else if (status != LIAISON_OK) {
                th->errors++;
            } else {
                record(th, s->kind, t - s->sent_us);
                th->bytes += (long long)len;
            }
        }
    }
}

static void *run_load(void *arg)
{
    struct thread *th = arg;
    struct pollfd *pfd = calloc((size_t)th->nclients, sizeof *pfd);
    int64_t stop = now_us() + (int64_t)(opt.duration * 1e6);
    th->next_send_us = now_us();
    for (int i = 0; i < th->nclients; i++)
        fill(th, &th->clients[i]);
    while (now_us() < stop) {
        for (int i = 0; i < th->nclients; i++) {
            pfd[i].fd = liaison_socket(th->clients[i].conn);
            pfd[i].events = POLLIN;
        }
        poll(pfd, (nfds_t)th->nclients, 5);
        for (int i = 0; i < th->nclients; i++) {
            struct client *cl = &th->clients[i];
            drain(th, cl, stop);
            fill(th, cl);
        }
    }
    /* let what is in flight come back, uncounted */
    for (int i = 0; i < th->nclients; i++)
        while (th->clients[i].outstanding > 0) {
            poll(NULL, 0, 1);
            drain(th, &th->clients[i], 0);
        }
    free(pfd);
    return NULL;
}

static void *run_connect(void *arg)
{
    struct thread *th = arg;
    int64_t stop = now_us() + (int64_t)(opt.duration * 1e6);
    while (now_us() < stop) {
        struct tenant *t = &tenants[rand_r(&th->rng) % ntenants];
        int64_t t0 = now_us();
        liaison_conn *c = open_conn(t);
        liaison_free(c);
        lats_add(&th->all, now_us() - t0);
    }
    return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The latencies of one kind (or of all, kind NKINDS) across the threads, sorted. */
static uint32_t *gather(struct thread *ths, int kind, size_t *n)
{
    *n = 0;
    for (int i = 0; i < opt.threads; i++)
        *n += kind == NKINDS ? ths[i].all.n : ths[i].by_kind[kind].n;
    uint32_t *v = malloc((*n + 1) * sizeof *v);
    if (!v)
        die("latencies", strerror(errno));
    size_t k = 0;
    for (int i = 0; i < opt.threads; i++) {
        const struct lats *l = kind == NKINDS ? &ths[i].all : &ths[i].by_kind[kind];
        memcpy(v + k, l->v, l->n * sizeof *v);
        k += l->n;
    }
    qsort(v, *n, sizeof *v, cmp_u32);
    return v;
}

static uint32_t pct(const uint32_t *v, size_t n, double p)
{
    return n ? v[(size_t)((double)(n - 1) * p)] : 0;
}

static void report(struct thread *ths, double seconds)
{
    long errors = 0, limited = 0;
    uint32_t retry_max_ms = 0;
    long long bytes = 0;
    for (int i = 0; i < opt.threads; i++) {
        errors += ths[i].errors;
        limited += ths[i].limited;
        if (ths[i].retry_max_ms > retry_max_ms)
            retry_max_ms = ths[i].retry_max_ms;
        bytes += ths[i].bytes;
    }
    size_t n;
    uint32_t *all = gather(ths, NKINDS, &n);
    printf("requests=%zu errors=%ld seconds=%.2f throughput=%.0f p50_us=%u p99_us=%u "
           "p999_us=%u answer_bytes=%lld limited=%ld retry_after_max_ms=%u\n",
           n, errors, seconds, (double)n / seconds, pct(all, n, 0.50), pct(all, n, 0.99),
           pct(all, n, 0.999), n ? bytes / (long long)n : 0, limited, retry_max_ms);
    free(all);
    if (opt.mode != MODE_MIXED)
        return;
    for (int k = 0; k < NKINDS; k++) {
        uint32_t *v = gather(ths, k, &n);
        if (n)
            printf("kind=%s requests=%zu throughput=%.0f p50_us=%u p99_us=%u p999_us=%u\n",
                   kind_method[k], n, (double)n / seconds, pct(v, n, 0.50), pct(v, n, 0.99),
                   pct(v, n, 0.999));
        free(v);
    }
}

static void usage(void)
{
    fprintf(stderr, "usage: loadgen --url URL --ca FILE --targets FILE --mode "
                    "read|write|mixed|ics|idle|connect\n"
                    "               [--connections N] [--inflight K] [--threads T] "
                    "[--duration S] [--hold S] [--rate R]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        i++;
        if (!strcmp(a, "--url"))
            opt.url = v;
        else if (!strcmp(a, "--ca"))
            opt.ca = v;
        else if (!strcmp(a, "--targets"))
            opt.targets = v;
        else if (!strcmp(a, "--connections"))
            opt.connections = atoi(v);
        else if (!strcmp(a, "--inflight"))
            opt.inflight = atoi(v);
        else if (!strcmp(a, "--threads"))
            opt.threads = atoi(v);
        else if (!strcmp(a, "--duration"))
            opt.duration = atof(v);
        else if (!strcmp(a, "--hold"))
            opt.hold = atof(v);
        else if (!strcmp(a, "--rate"))
            opt.rate = atof(v);
        else if (!strcmp(a, "--mode"))
            opt.mode = !strcmp(v, "read")    ? MODE_READ
                       : !strcmp(v, "write") ? MODE_WRITE
                       : !strcmp(v, "mixed") ? MODE_MIXED
                       : !strcmp(v, "idle")  ? MODE_IDLE
                       : !strcmp(v, "ics")   ? MODE_ICS
                                             : MODE_CONNECT;
        else
            usage();
    }
    if (!opt.url || !opt.ca || !opt.targets || opt.connections < 1 || opt.inflight < 1 ||
        opt.threads < 1)
        usage();
    load_targets(opt.targets);

    if (opt.mode == MODE_IDLE) {
        liaison_conn **conns = calloc((size_t)opt.connections, sizeof *conns);
        for (int i = 0; i < opt.connections; i++)
            conns[i] = open_conn(&tenants[(size_t)i % ntenants]);
        printf("READY connections=%d\n", opt.connections);
        fflush(stdout);
        usleep((useconds_t)(opt.hold * 1e6));
        int answered = 0;
        for (int i = 0; i < opt.connections; i++) {
            char *echo = NULL;
            if (liaison_ping(conns[i], "still there?", &echo) == LIAISON_OK)
                answered++;
            liaison_string_free(echo);
            liaison_free(conns[i]);
        }
        printf("answered=%d of %d\n", answered, opt.connections);
        free(conns);
        return answered == opt.connections ? 0 : 1;
    }

    struct thread *ths = calloc((size_t)opt.threads, sizeof *ths);
    for (int t = 0; t < opt.threads; t++) {
        ths[t].index = t;
        ths[t].rng = (unsigned)(t * 7919 + 17);
        if (opt.mode == MODE_CONNECT)
            continue;
        ths[t].nclients = opt.connections / opt.threads + (t < opt.connections % opt.threads);
        ths[t].clients = calloc((size_t)ths[t].nclients, sizeof *ths[t].clients);
        for (int i = 0; i < ths[t].nclients; i++) {
            struct client *cl = &ths[t].clients[i];
            cl->tenant = &tenants[(size_t)(i * opt.threads + t) % ntenants];
            cl->conn = open_conn(cl->tenant);
            cl->slots = calloc((size_t)opt.inflight, sizeof *cl->slots);
        }
    }
    int64_t t0 = now_us();
    for (int t = 0; t < opt.threads; t++)
        pthread_create(&ths[t].thread, NULL, opt.mode == MODE_CONNECT ? run_connect : run_load,
                       &ths[t]);
    for (int t = 0; t < opt.threads; t++)
        pthread_join(ths[t].thread, NULL);
    double seconds = opt.mode == MODE_CONNECT ? (double)(now_us() - t0) / 1e6 : opt.duration;
    report(ths, seconds);
    for (int t = 0; t < opt.threads; t++) {
        for (int i = 0; i < ths[t].nclients; i++) {
            liaison_free(ths[t].clients[i].conn);
            free(ths[t].clients[i].slots);
        }
        free(ths[t].clients);
        free(ths[t].all.v);
        for (int k = 0; k < NKINDS; k++)
            free(ths[t].by_kind[k].v);
    }
    free(ths);
    return 0;
}
