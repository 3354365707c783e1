/*
 * test_ratelimit.c - the token buckets on a clock of the test's own:
 * bursts, continuous refill, retry-after, tenants' overrides, IPv6 /64s
 * and the cap on the table.
 */
#include <arpa/inet.h>
#include <sys/socket.h>

#include "../check.h"
#include "config.h"
#include "ratelimit.h"
#include "worker.h"

#define MS 1000000ull /* ns */

static struct config limits(int tenant_rate, int tenant_burst, int address_rate, int buckets)
{
    struct config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.tenant_rate = tenant_rate;
    cfg.tenant_burst = tenant_burst;
    cfg.address_rate = address_rate;
    cfg.rate_buckets_max = buckets;
    return cfg;
}

static struct peer_address v4(const char *text)
{
    struct peer_address a = {.family = AF_INET};
    CHECK(inet_pton(AF_INET, text, a.bytes) == 1);
    return a;
}

static struct peer_address v6(const char *text)
{
    struct peer_address a = {.family = AF_INET6};
    CHECK(inet_pton(AF_INET6, text, a.bytes) == 1);
    return a;
}

static void test_burst_then_refill(void)
{
    struct config cfg = limits(10, 5, 0, 1024);
    uint64_t t = 1000 * MS;
    for (int i = 0; i < 5; i++)
        CHECK_EQ_INT(ratelimit_take_tenant(&cfg, 1, t), 0);
    /* Empty: one token comes every 100 ms at 10/s. */
    CHECK_EQ_INT(ratelimit_take_tenant(&cfg, 1, t), 100);
    CHECK_EQ_INT(ratelimit_take_tenant(&cfg, 1, t + 40 * MS), 60);
    CHECK_EQ_INT(ratelimit_take_tenant(&cfg, 1, t + 100 * MS), 0);
    CHECK_EQ_INT(ratelimit_take_tenant(&cfg, 1, t + 100 * MS), 100);
    /* Idle for long: full again, never more than the burst. */
    t += 60000 * MS;
    for (int i = 0; i < 5; i++)
        CHECK_EQ_INT(ratelimit_take_tenant(&cfg, 1, t), 0);
    CHECK(ratelimit_take_tenant(&cfg, 1, t) > 0);
    /* Another tenant in the same instant has its own bucket. */
    CHECK_EQ_INT(ratelimit_take_tenant(&cfg, 2, t), 0);
    ratelimit_reset();
}

static void test_unlimited_and_burst_default(void)
{
    struct config off = limits(0, 0, 0, 1024);
    struct peer_address a = v4("192.0.2.1");
    for (int i = 0; i < 10000; i++) {
        CHECK_EQ_INT(ratelimit_take_tenant(&off, 1, 0), 0);
        CHECK_EQ_INT(ratelimit_take_address(&off, &a, 0), 0);
    }
    CHECK_EQ_INT(ratelimit_buckets(), 0);
    /* Burst 0 means the rate: 3 at once at 3/s. */
    struct config cfg = limits(3, 0, 0, 1024);
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT(ratelimit_take_tenant(&cfg, 9, 0), 0);
    CHECK_EQ_INT(ratelimit_take_tenant(&cfg, 9, 0), 334);
    ratelimit_reset();
}

static void test_overrides(void)
{
    struct config cfg = limits(1000, 1000, 0, 1024);
    struct rate_override o[] = {{7, 2, 2}, {3, 1, 1}};
    CHECK_EQ_INT(ratelimit_set_overrides(o, 2), 0);
    CHECK_EQ_INT(ratelimit_take_tenant(&cfg, 7, 0), 0);
    CHECK_EQ_INT(ratelimit_take_tenant(&cfg, 7, 0), 0);
    CHECK_EQ_INT(ratelimit_take_tenant(&cfg, 7, 0), 500);
    CHECK_EQ_INT(ratelimit_take_tenant(&cfg, 3, 0), 0);
    CHECK_EQ_INT(ratelimit_take_tenant(&cfg, 3, 0), 1000);
    /* Tenant 5 has none: the configured rate. */
    for (int i = 0; i < 1000; i++)
        CHECK_EQ_INT(ratelimit_take_tenant(&cfg, 5, 0), 0);
    /* Back to the default: the bucket grows to the configured burst. */
    CHECK_EQ_INT(ratelimit_set_overrides(o + 1, 1), 0);
    CHECK_EQ_INT(ratelimit_take_tenant(&cfg, 7, 1000 * MS), 0);
    CHECK_EQ_INT(ratelimit_take_tenant(&cfg, 7, 1000 * MS), 0);
    CHECK_EQ_INT(ratelimit_take_tenant(&cfg, 7, 1000 * MS), 0);
    /* A new one, then a refresh that lacks it. */
    struct rate_override one = {11, 1, 1};
    CHECK_EQ_INT(ratelimit_set_overrides(&one, 1), 0);
    CHECK_EQ_INT(ratelimit_take_tenant(&cfg, 11, 0), 0);
    CHECK(ratelimit_take_tenant(&cfg, 11, 0) > 0);
    CHECK_EQ_INT(ratelimit_set_overrides(NULL, 0), 0);
    CHECK_EQ_INT(ratelimit_take_tenant(&cfg, 11, 2000 * MS), 0);
    CHECK_EQ_INT(ratelimit_take_tenant(&cfg, 11, 2000 * MS), 0);
    ratelimit_reset();
}

static void test_addresses(void)
{
    struct config cfg = limits(0, 0, 2, 1024);
    struct peer_address a = v4("192.0.2.1"), b = v4("192.0.2.2");
    CHECK_EQ_INT(ratelimit_take_address(&cfg, &a, 0), 0);
    CHECK_EQ_INT(ratelimit_take_address(&cfg, &a, 0), 0);
    CHECK_EQ_INT(ratelimit_take_address(&cfg, &a, 0), 500);
    CHECK_EQ_INT(ratelimit_take_address(&cfg, &b, 0), 0);
    /* One host's /64 is one bucket; another /64 is not. */
    struct peer_address x1 = v6("2001:db8:1:2::1"), x2 = v6("2001:db8:1:2:ffff::9"),
                        y = v6("2001:db8:1:3::1");
    CHECK_EQ_INT(ratelimit_take_address(&cfg, &x1, 0), 0);
    CHECK_EQ_INT(ratelimit_take_address(&cfg, &x2, 0), 0);
    CHECK(ratelimit_take_address(&cfg, &x1, 0) > 0);
    CHECK_EQ_INT(ratelimit_take_address(&cfg, &y, 0), 0);
    ratelimit_reset();
}

/* A flood of addresses keeps the table at its cap, and tenants' buckets stay. */
static void test_cap(void)
{
    struct config cfg = limits(1, 1, 1, 64);
    CHECK_EQ_INT(ratelimit_take_tenant(&cfg, 1, 0), 0);
    for (uint32_t i = 0; i < 100000; i++) {
        struct peer_address a = {.family = AF_INET};
        memcpy(a.bytes, &i, sizeof i);
        CHECK_EQ_INT(ratelimit_take_address(&cfg, &a, 0), 0);
        CHECK(ratelimit_buckets() <= 65);
    }
    CHECK_EQ_INT(ratelimit_buckets(), 65);
    CHECK(ratelimit_take_tenant(&cfg, 1, 0) > 0);
    /* The most recent addresses are still known: their buckets are empty. */
    struct peer_address last = {.family = AF_INET};
    uint32_t i = 99999;
    memcpy(last.bytes, &i, sizeof i);
    CHECK(ratelimit_take_address(&cfg, &last, 0) > 0);
    ratelimit_reset();
    CHECK_EQ_INT(ratelimit_buckets(), 0);
}

int main(void)
{
    RUN(test_burst_then_refill);
    RUN(test_unlimited_and_burst_default);
    RUN(test_overrides);
    RUN(test_addresses);
    RUN(test_cap);
    return 0;
}
