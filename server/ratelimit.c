/*
 * ratelimit.c - the process's token buckets, their capped table, tenants'
 * overrides and the timer that reads those again.
 */
#include "ratelimit.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "config.h"
#include "log.h"
#include "worker.h"

/* Tokens are counted in millionths, so that refill and waits are exact integers. */
#define RATE_UNIT 1000000ll
/* Longer idle than this refills as much as this (rates and bursts are at most 10^6). */
#define RATE_IDLE_MAX_US 1000000000000ll

/* Whose bucket: a tenant's, or an address's before authentication. */
enum rate_kind { RATE_TENANT = 1, RATE_ADDRESS = 2 };

struct rate_key {
    int kind;
    int family;              /* addresses: AF_INET or AF_INET6 */
    int64_t tenant_id;       /* tenants */
    unsigned char bytes[16]; /* addresses: IPv4, or the /64 of IPv6 */
};

struct rate_bucket {
    struct rate_bucket *chain;         /* the next in its hash slot */
    struct rate_bucket *newer, *older; /* in the table's use order */
    struct rate_key key;
    int64_t tokens; /* in millionths of a request */
    uint64_t at_ns; /* when tokens was last brought up to date */
};

/*
 * One table per kind, so that a flood of addresses never pushes tenants'
 * buckets out. Slots are a power of two at least the cap; the use order
 * names the bucket to drop at the cap (the oldest: the one idle longest).
 */
struct rate_table {
    struct rate_bucket **slots;
    size_t nslots;
    size_t n;
    struct rate_bucket *newest, *oldest;
};

static pthread_mutex_t rate_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rate_table tenants_table, addresses_table;
static struct rate_override *overrides; /* sorted by tenant_id */
static size_t n_overrides;
static uint64_t rate_seed;
static bool rate_seeded;

static uint64_t rate_hash(const struct rate_key *k)
{
    if (!rate_seeded) {
        if (getrandom(&rate_seed, sizeof rate_seed, 0) != sizeof rate_seed)
            rate_seed = uv_hrtime();
        rate_seeded = true;
    }
    uint64_t h = 14695981039346656037ull ^ rate_seed;
    h = (h ^ (uint64_t)k->kind) * 1099511628211ull;
    h = (h ^ (uint64_t)k->family) * 1099511628211ull;
    for (int i = 0; i < 8; i++)
        h = (h ^ (uint8_t)((uint64_t)k->tenant_id >> (8 * i))) * 1099511628211ull;
    for (size_t i = 0; i < sizeof k->bytes; i++)
        h = (h ^ k->bytes[i]) * 1099511628211ull;
    return h ^ h >> 32;
}

static bool rate_key_equal(const struct rate_key *a, const struct rate_key *b)
{
    return a->kind == b->kind && a->family == b->family && a->tenant_id == b->tenant_id &&
           memcmp(a->bytes, b->bytes, sizeof a->bytes) == 0;
}

static void rate_unlink_use(struct rate_table *t, struct rate_bucket *b)
{
    if (b->newer)
        b->newer->older = b->older;
    else
        t->newest = b->older;
    if (b->older)
        b->older->newer = b->newer;
    else
        t->oldest = b->newer;
    b->newer = b->older = NULL;
}

static void rate_link_newest(struct rate_table *t, struct rate_bucket *b)
{
    b->older = t->newest;
    b->newer = NULL;
    if (t->newest)
        t->newest->newer = b;
    t->newest = b;
    if (!t->oldest)
        t->oldest = b;
}

/* Takes b out of its hash chain and the use order; the caller owns it then. */
static void rate_remove(struct rate_table *t, struct rate_bucket *b)
{
    struct rate_bucket **p = &t->slots[rate_hash(&b->key) & (t->nslots - 1)];
    while (*p != b)
        p = &(*p)->chain;
    *p = b->chain;
    rate_unlink_use(t, b);
    t->n--;
}

/*
 * The bucket of k, made full when new: at the cap, the bucket idle longest
 * is dropped and its memory reused. NULL when memory ran out (the caller
 * lets the request through: a shortage of memory is no client's doing).
 */
static struct rate_bucket *rate_find(struct rate_table *t, const struct rate_key *k, size_t cap,
                                     int64_t burst, uint64_t now_ns)
{
    if (!t->slots) {
        size_t nslots = 1;
        while (nslots < cap)
            nslots <<= 1;
        t->slots = calloc(nslots, sizeof *t->slots);
        if (!t->slots)
            return NULL;
        t->nslots = nslots;
    }
    size_t slot = rate_hash(k) & (t->nslots - 1);
    for (struct rate_bucket *b = t->slots[slot]; b; b = b->chain) {
        if (rate_key_equal(&b->key, k)) {
            rate_unlink_use(t, b);
            rate_link_newest(t, b);
            return b;
        }
    }
    struct rate_bucket *b;
    if (t->n >= cap && t->oldest) {
        b = t->oldest;
        rate_remove(t, b);
    } else {
        b = malloc(sizeof *b);
        if (!b)
            return NULL;
    }
    memset(b, 0, sizeof *b);
    b->key = *k;
    b->tokens = burst * RATE_UNIT;
    b->at_ns = now_ns;
    b->chain = t->slots[slot];
    t->slots[slot] = b;
    rate_link_newest(t, b);
    t->n++;
    return b;
}

/*
 * Refills b to now and takes one token: 0, or the milliseconds until one
 * is there (rounded up, at least 1). The caller holds rate_lock.
 */
static uint32_t rate_take(struct rate_bucket *b, int64_t rate, int64_t burst, uint64_t now_ns)
{
    if (now_ns > b->at_ns) {
        int64_t us = (int64_t)((now_ns - b->at_ns) / 1000);
        /* Whole microseconds only: the rest counts towards the next refill. */
        b->at_ns += (uint64_t)us * 1000;
        b->tokens += (us > RATE_IDLE_MAX_US ? RATE_IDLE_MAX_US : us) * rate;
    }
    if (b->tokens > burst * RATE_UNIT)
        b->tokens = burst * RATE_UNIT;
    if (b->tokens >= RATE_UNIT) {
        b->tokens -= RATE_UNIT;
        return 0;
    }
    int64_t wait_us = (RATE_UNIT - b->tokens + rate - 1) / rate;
    int64_t ms = (wait_us + 999) / 1000;
    return ms < 1 ? 1 : ms > 3600000 ? 3600000u : (uint32_t)ms;
}

static const struct rate_override *rate_override_find(int64_t tenant_id)
{
    size_t lo = 0, hi = n_overrides;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (overrides[mid].tenant_id < tenant_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n_overrides && overrides[lo].tenant_id == tenant_id ? &overrides[lo] : NULL;
}

uint32_t ratelimit_take_tenant(const struct config *cfg, int64_t tenant_id, uint64_t now_ns)
{
    struct rate_key k = {.kind = RATE_TENANT, .tenant_id = tenant_id};
    uint32_t wait = 0;
    pthread_mutex_lock(&rate_lock);
    const struct rate_override *o = rate_override_find(tenant_id);
    int64_t rate = o ? (int64_t)o->rate_per_s : cfg->tenant_rate;
    int64_t burst = o                   ? (int64_t)o->burst
                    : cfg->tenant_burst ? cfg->tenant_burst
                                        : cfg->tenant_rate;
    if (rate > 0) {
        struct rate_bucket *b =
            rate_find(&tenants_table, &k, (size_t)cfg->rate_buckets_max, burst, now_ns);
        if (b)
            wait = rate_take(b, rate, burst, now_ns);
    }
    pthread_mutex_unlock(&rate_lock);
    return wait;
}

uint32_t ratelimit_take_address(const struct config *cfg, const struct peer_address *addr,
                                uint64_t now_ns)
{
    if (cfg->address_rate <= 0)
        return 0;
    struct rate_key k = {.kind = RATE_ADDRESS, .family = addr->family};
    memcpy(k.bytes, addr->bytes, addr->family == AF_INET6 ? 8 : sizeof k.bytes);
    int64_t rate = cfg->address_rate;
    int64_t burst = cfg->address_burst ? cfg->address_burst : cfg->address_rate;
    uint32_t wait = 0;
    pthread_mutex_lock(&rate_lock);
    struct rate_bucket *b =
        rate_find(&addresses_table, &k, (size_t)cfg->rate_buckets_max, burst, now_ns);
    if (b)
        wait = rate_take(b, rate, burst, now_ns);
    pthread_mutex_unlock(&rate_lock);
    return wait;
}

static int rate_override_cmp(const void *a, const void *b)
{
    int64_t x = ((const struct rate_override *)a)->tenant_id;
    int64_t y = ((const struct rate_override *)b)->tenant_id;
    return (x > y) - (x < y);
}

int ratelimit_set_overrides(const struct rate_override *o, size_t n)
{
    struct rate_override *copy = NULL;
    if (n) {
        copy = malloc(n * sizeof *copy);
        if (!copy)
            return -1;
        memcpy(copy, o, n * sizeof *copy);
        qsort(copy, n, sizeof *copy, rate_override_cmp);
    }
    pthread_mutex_lock(&rate_lock);
    struct rate_override *old = overrides;
    overrides = copy;
    n_overrides = n;
    pthread_mutex_unlock(&rate_lock);
    free(old);
    return 0;
}

size_t ratelimit_buckets(void)
{
    pthread_mutex_lock(&rate_lock);
    size_t n = tenants_table.n + addresses_table.n;
    pthread_mutex_unlock(&rate_lock);
    return n;
}

static void rate_table_free(struct rate_table *t)
{
    struct rate_bucket *b = t->newest;
    while (b) {
        struct rate_bucket *older = b->older;
        free(b);
        b = older;
    }
    free(t->slots);
    memset(t, 0, sizeof *t);
}

void ratelimit_reset(void)
{
    pthread_mutex_lock(&rate_lock);
    rate_table_free(&tenants_table);
    rate_table_free(&addresses_table);
    free(overrides);
    overrides = NULL;
    n_overrides = 0;
    pthread_mutex_unlock(&rate_lock);
}

/* ---------- the refresh ---------- */

static struct db_stmt q_rate_limits = {
    "SELECT tenant_id, rate_per_s, burst FROM liaison_tenant_rate_limits()", 0, 0};

int ratelimit_register(void)
{
    struct db_stmt *const stmts[] = {&q_rate_limits};
    return db_register(stmts, 1);
}

struct ratelimit_refresh {
    uv_timer_t timer; /* first: the handle's close callback frees the struct */
    struct db_pool *pool;
    struct db_txn txn;
    bool in_flight;
    bool stopping;
};

static void ratelimit_refresh_done(struct db_txn *txn, int code, const char *detail)
{
    struct ratelimit_refresh *rr = txn->arg;
    rr->in_flight = false;
    if (code) {
        /* The overrides in use stay: the next tick tries again. */
        log_event(rr->stopping ? LOG_INFO : LOG_WARN, "rate limits not read",
                  "code=%d reason=\"%s\"", code, detail ? detail : "");
        return;
    }
    const PGresult *res = txn->results[0];
    int n = PQntuples(res);
    int c_tenant = PQfnumber(res, "tenant_id"), c_rate = PQfnumber(res, "rate_per_s"),
        c_burst = PQfnumber(res, "burst");
    if (c_tenant < 0 || c_rate < 0 || c_burst < 0) {
        log_event(LOG_ERROR, "rate limits not read", "reason=\"columns missing\"");
        return;
    }
    struct rate_override *o = n ? calloc((size_t)n, sizeof *o) : NULL;
    if (n && !o) {
        log_event(LOG_WARN, "rate limits not read", "reason=\"out of memory\"");
        return;
    }
    for (int i = 0; i < n; i++) {
        o[i].tenant_id = strtoll(PQgetvalue(res, i, c_tenant), NULL, 10);
        o[i].rate_per_s = (uint32_t)strtoul(PQgetvalue(res, i, c_rate), NULL, 10);
        o[i].burst = (uint32_t)strtoul(PQgetvalue(res, i, c_burst), NULL, 10);
    }
    if (ratelimit_set_overrides(o, (size_t)n) < 0)
        log_event(LOG_WARN, "rate limits not read", "reason=\"out of memory\"");
    free(o);
}

static void ratelimit_refresh_tick(uv_timer_t *t)
{
    struct ratelimit_refresh *rr = t->data;
    if (rr->in_flight || rr->stopping || !db_pool_up(rr->pool))
        return;
    memset(&rr->txn, 0, sizeof rr->txn);
    rr->txn.nsteps = 1;
    rr->txn.steps[0].stmt = &q_rate_limits;
    rr->txn.done = ratelimit_refresh_done;
    rr->txn.arg = rr;
    rr->in_flight = true;
    int code = db_submit(rr->pool, &rr->txn);
    if (code) {
        rr->in_flight = false;
        log_event(LOG_DEBUG, "rate limits not submitted", "code=%d", code);
    }
}

struct ratelimit_refresh *ratelimit_refresh_create(uv_loop_t *loop, struct db_pool *pool,
                                                   int interval_ms)
{
    struct ratelimit_refresh *rr = calloc(1, sizeof *rr);
    if (!rr)
        return NULL;
    rr->pool = pool;
    /* libuv's uv_timer_init only fills the handle in: it always returns 0. */
    (void)uv_timer_init(loop, &rr->timer);
    rr->timer.data = rr;
    /* At once, then each interval: the pool may not be up for the first ticks. */
    uv_timer_start(&rr->timer, ratelimit_refresh_tick, 0, (uint64_t)interval_ms);
    return rr;
}

void ratelimit_refresh_stop(struct ratelimit_refresh *rr)
{
    rr->stopping = true;
    uv_timer_stop(&rr->timer);
}

static void ratelimit_refresh_closed(uv_handle_t *h)
{
    free(h->data);
}

void ratelimit_refresh_close(struct ratelimit_refresh *rr)
{
    rr->stopping = true;
    uv_close((uv_handle_t *)&rr->timer, ratelimit_refresh_closed);
}
