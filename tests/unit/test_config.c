/*
 * test_config.c - defaults, the file, environment overrides, bounds and
 * the reload rule.
 */
#include <unistd.h>

#include "../check.h"
#include "config.h"
#include "tls.h"

static char *write_file(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/liaison-config-XXXXXX");
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void test_defaults_and_file(void)
{
    struct config cfg;
    char err[512];
    char *path = write_file("# comment\ntls_cert = /c.pem\n tls_key=/k.pem \nport = 9000\n");
    CHECK_EQ_INT(config_load(&cfg, path, err, sizeof err), 0);
    CHECK_EQ_INT(cfg.port, 9000);
    CHECK_EQ_STR(cfg.tls_cert, "/c.pem");
    CHECK_EQ_STR(cfg.tls_key, "/k.pem");
    CHECK_EQ_INT(cfg.max_frame_bytes, 1048576);
    CHECK_EQ_INT(cfg.preauth_max_frame_bytes, 16384);
    CHECK_EQ_STR(cfg.tls_min_version, "1.3");
    config_free(&cfg);
    setenv("LIAISOND_PORT", "9100", 1);
    CHECK_EQ_INT(config_load(&cfg, path, err, sizeof err), 0);
    CHECK_EQ_INT(cfg.port, 9100);
    config_free(&cfg);
    unsetenv("LIAISOND_PORT");
    unlink(path);
    /*
     * As postgresql.conf reads them: a # after white space starts a comment,
     * a quoted value keeps its #, spaces and '' (a quote); a # inside a word
     * is the value's.
     */
    path = write_file("tls_cert = '/c d.pem'  # the chain\ntls_key = /k#1.pem # key\n"
                      "port = 9000 # ours\nlog_level = 'warn'\n"
                      "database_url = 'host=h password=''a #b'''\n");
    CHECK_EQ_INT(config_load(&cfg, path, err, sizeof err), 0);
    CHECK_EQ_STR(cfg.tls_cert, "/c d.pem");
    CHECK_EQ_STR(cfg.tls_key, "/k#1.pem");
    CHECK_EQ_INT(cfg.port, 9000);
    CHECK_EQ_STR(cfg.log_level, "warn");
    CHECK_EQ_STR(cfg.database_url, "host=h password='a #b'");
    config_free(&cfg);
    unlink(path);
    /* A comment for a value (none), and a libpq string's own quotes, as such files had them. */
    path = write_file("tls_cert = /srv/o'brien/c.pem # an apostrophe in a word\ntls_key = /k\n"
                      "metrics_listen = # none yet\n"
                      "database_url = host=h password = 'p #1\\' x' # the app's\n");
    CHECK_EQ_INT(config_load(&cfg, path, err, sizeof err), 0);
    CHECK_EQ_STR(cfg.tls_cert, "/srv/o'brien/c.pem");
    CHECK_EQ_STR(cfg.metrics_listen, "");
    CHECK_EQ_STR(cfg.database_url, "host=h password = 'p #1\\' x'");
    config_free(&cfg);
    unlink(path);
}

static void test_errors(void)
{
    struct config cfg;
    char err[512];
    const char *cases[][2] = {
        {"tls_cert=/c\ntls_key=/k\nport = 70000\n", "port"},
        {"tls_cert=/c\ntls_key=/k\nnope = 1\n", "unknown setting 'nope'"},
        {"tls_cert=/c\ntls_key=/k\nport\n", "expected 'name = value'"},
        {"tls_key=/k\n", "tls_cert: must be set"},
        {"tls_cert=/c\ntls_key=/k\ntls_min_version = 1.1\n", ":3: tls_min_version"},
        /* A setting's own rule names its line, as a bound does. */
        {"tls_cert=/c\ntls_key=/k\nlog_level = verbose\n", ":3: log_level: must be debug"},
        {"tls_cert=/c\ntls_key=/k\ntrusted_proxies = 127.0.0.1, notanip\n",
         ":3: trusted_proxies: 'notanip' is not an IP address"},
        {"tls_cert=/c\ntls_key=/k\nlog_level = 'info\n", ":3: a quoted value ends"},
        {"tls_cert=/c\ntls_key=/k\nlog_level = 'info' x\n", ":3: a quoted value ends"},
        {"tls_cert=/c\ntls_key=/k\nmigrate_on_start = maybe\n", "not true or false"},
        {"tls_cert=/c\ntls_key=/k\npreauth_max_frame_bytes = 20000\nmax_frame_bytes = 16384\n",
         "may not exceed"},
        /* A typo in a connection string is named at start, not "out of memory". */
        {"tls_cert=/c\ntls_key=/k\nstandby_database_url = garbage==\n",
         "standby_database_url: not a libpq connection string"},
        {"tls_cert=/c\ntls_key=/k\ndatabase_url = postgresql://h:notaport/x?bogus=1\n",
         "database_url: not a libpq connection string"},
        {"tls_cert=/c\ntls_key=/k\nmigrate_database_url = host=h port\n",
         "migrate_database_url: not a libpq connection string"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *path = write_file(cases[i][0]);
        CHECK_EQ_INT(config_load(&cfg, path, err, sizeof err), -1);
        if (!strstr(err, cases[i][1])) {
            fprintf(stderr, "case %zu: '%s' lacks '%s'\n", i, err, cases[i][1]);
            CHECK(0);
        }
        unlink(path);
    }
    CHECK_EQ_INT(config_load(&cfg, "/nonexistent/liaisond.conf", err, sizeof err), -1);
    /* libpq quotes the string it cannot read: a piece of a password stays out of the error. */
    char *path = write_file("tls_cert=/c\ntls_key=/k\n"
                            "database_url = postgresql://app:s3cr%zzt@h/x\n");
    CHECK_EQ_INT(config_load(&cfg, path, err, sizeof err), -1);
    CHECK(strstr(err, "database_url: not a libpq connection string") != NULL);
    if (strstr(err, "s3cr") || strstr(err, "zzt"))
        fprintf(stderr, "the error shows the password: '%s'\n", err);
    CHECK(strstr(err, "s3cr") == NULL && strstr(err, "zzt") == NULL);
    unlink(path);
}

static void test_reload(void)
{
    struct config cur, next;
    char err[512];
    char *path = write_file("tls_cert=/a\ntls_key=/k\n");
    CHECK_EQ_INT(config_load(&cur, path, err, sizeof err), 0);
    unlink(path);
    path = write_file("tls_cert=/b\ntls_key=/k\nport=1234\n");
    CHECK_EQ_INT(config_load(&next, path, err, sizeof err), 0);
    unlink(path);
    config_apply_reload(&cur, &next, err, sizeof err);
    CHECK_EQ_STR(cur.tls_cert, "/b");
    CHECK_EQ_INT(cur.port, 7443);
    CHECK(strstr(err, "port changed") != NULL);
    config_free(&cur);
    config_free(&next);
}

/* Rate limits: off by default; a rate reads as a number, "N/s" or "N requests/s". */
static void test_rate_limits(void)
{
    struct config cfg;
    char err[512];
    char *path = write_file("tls_cert=/c\ntls_key=/k\n");
    CHECK_EQ_INT(config_load(&cfg, path, err, sizeof err), 0);
    unlink(path);
    CHECK_EQ_INT(cfg.tenant_rate, 0);
    CHECK_EQ_INT(cfg.tenant_burst, 0);
    CHECK_EQ_INT(cfg.address_rate, 0);
    CHECK_EQ_INT(cfg.address_burst, 0);
    CHECK_EQ_INT(cfg.rate_buckets_max, 65536);
    CHECK_EQ_INT(cfg.tenant_rate_refresh_ms, 5000);
    config_free(&cfg);

    path = write_file("tls_cert=/c\ntls_key=/k\ntenant_rate = 100 requests/s\ntenant_burst = 250\n"
                      "address_rate = 20/s\naddress_burst=40\nrate_buckets_max = 1024\n"
                      "tenant_rate_refresh_ms = 200\n");
    CHECK_EQ_INT(config_load(&cfg, path, err, sizeof err), 0);
    unlink(path);
    CHECK_EQ_INT(cfg.tenant_rate, 100);
    CHECK_EQ_INT(cfg.tenant_burst, 250);
    CHECK_EQ_INT(cfg.address_rate, 20);
    CHECK_EQ_INT(cfg.address_burst, 40);
    CHECK_EQ_INT(cfg.rate_buckets_max, 1024);
    CHECK_EQ_INT(cfg.tenant_rate_refresh_ms, 200);
    config_free(&cfg);

    setenv("LIAISOND_TENANT_RATE", "7", 1);
    path = write_file("tls_cert=/c\ntls_key=/k\ntenant_rate = 100\n");
    CHECK_EQ_INT(config_load(&cfg, path, err, sizeof err), 0);
    unlink(path);
    unsetenv("LIAISOND_TENANT_RATE");
    CHECK_EQ_INT(cfg.tenant_rate, 7);
    config_free(&cfg);

    const char *bad[][2] = {
        {"tenant_rate = 5 per minute", "tenant_rate: '5 per minute' is not a rate"},
        {"tenant_rate = requests/s", "not a rate"},
        {"tenant_rate = -1", "not a rate"},
        {"address_rate = 1000001/s", "address_rate: '1000001/s' is not a rate of 0 to 1000000"},
        {"tenant_burst = 10/s", "tenant_burst: '10/s' is not a whole number"},
        {"rate_buckets_max = 1", "rate_buckets_max"},
        {"tenant_rate_refresh_ms = 10", "tenant_rate_refresh_ms"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[256];
        snprintf(text, sizeof text, "tls_cert=/c\ntls_key=/k\n%s\n", bad[i][0]);
        path = write_file(text);
        CHECK_EQ_INT(config_load(&cfg, path, err, sizeof err), -1);
        unlink(path);
        if (!strstr(err, bad[i][1])) {
            fprintf(stderr, "rate case %zu: '%s' lacks '%s'\n", i, err, bad[i][1]);
            CHECK(0);
        }
    }
}

/* A certificate or key that cannot be used is named with its setting. */
static void test_tls_files(void)
{
    char err[512];
    CHECK_EQ_INT(tls_load("/nonexistent/server.pem", "/nonexistent/server.key", false, NULL, err,
                          sizeof err),
                 -1);
    if (!strstr(err, "tls_cert: cannot use /nonexistent/server.pem")) {
        fprintf(stderr, "'%s' does not name tls_cert and its file\n", err);
        CHECK(0);
    }
    char *path = write_file("not a certificate\n");
    CHECK_EQ_INT(tls_load(path, "/nonexistent/server.key", false, NULL, err, sizeof err), -1);
    if (!strstr(err, "tls_cert: cannot use /tmp/liaison-config-")) {
        fprintf(stderr, "'%s' does not name tls_cert and its file\n", err);
        CHECK(0);
    }
    unlink(path);
    tls_shutdown();
}

int main(void)
{
    RUN(test_defaults_and_file);
    RUN(test_errors);
    RUN(test_reload);
    RUN(test_rate_limits);
    RUN(test_tls_files);
    return 0;
}
