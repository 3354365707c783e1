/*
 * config.c - the settings table, the file parser and environment overrides.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <libpq-fe.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* SET_RATE: a whole number of requests a second, "100", "100/s" or "100 requests/s". */
enum setting_type { SET_INT, SET_BOOL, SET_STR, SET_RATE };

struct setting {
    const char *name;
    enum setting_type type;
    size_t offset;
    const char *def;
    long min, max; /* ints: bounds; strings: min 1 means required */
    bool reloadable;
    const char *help;
};

#define S(field, type, def, min, max, reload, help)                                                \
    {                                                                                              \
#field, type, offsetof(struct config, field), def, min, max, reload, help                  \
    }

static const struct setting settings[] = {
    S(listen_host, SET_STR, "127.0.0.1", 1, 255, false, "address to listen on"),
    S(port, SET_INT, "7443", 1, 65535, false, "TCP port"),
    S(metrics_listen, SET_STR, "", 0, 255, false,
      "host:port for Prometheus' /metrics and the /livez and /readyz probes, plain HTTP; keep it "
      "local (empty: not served)"),
    S(workers, SET_INT, "0", 0, 64, false, "worker threads, one event loop each; 0 = one per core"),
    S(tls_cert, SET_STR, "", 1, PATH_MAX, true, "server certificate chain (PEM)"),
    S(tls_key, SET_STR, "", 1, PATH_MAX, true, "server private key (PEM)"),
    S(tls_min_version, SET_STR, "1.3", 1, 3, false, "lowest TLS version accepted: 1.3 or 1.2"),
    S(operator_ca, SET_STR, "", 0, PATH_MAX, true,
      "CA whose client certificates identify operators by common name (optional)"),
    S(database_url, SET_STR, "postgresql:///liaison", 1, 4096, false,
      "libpq connection string or URI"),
    S(migrate_database_url, SET_STR, "", 0, 4096, false,
      "connection for migrations, as the tables' owner (default: database_url)"),
    S(standby_database_url, SET_STR, "", 0, 4096, false,
      "a streaming standby of database_url: users' reads go to it (empty: none; docs/scaling.md)"),
    S(standby_max_lag_ms, SET_INT, "5000", 100, 600000, false,
      "a standby further behind the primary than this gets no reads until it catches up"),
    S(db_pool_size, SET_INT, "4", 2, 64, false,
      "PostgreSQL connections per worker (at least 2: one is always kept for others while a "
      "charter activation waits for its lock)"),
    S(db_pipeline_depth, SET_INT, "32", 1, 1024, false,
      "segments in flight on one PostgreSQL connection (a segment: one transaction, or a batch of "
      "reads)"),
    S(db_read_batches, SET_INT, "2", 1, 1024, false,
      "batches of reads in flight per worker (more: more backends busy; fewer: bigger batches)"),
    S(db_write_batch, SET_INT, "32", 1, 63, false,
      "most changes that share one database transaction (and one WAL flush), each in a savepoint "
      "of its own; 1: each change its own transaction. At most 63: PostgreSQL keeps 64 "
      "subtransactions per backend in shared memory before every snapshot pays for more"),
    S(db_queue_max, SET_INT, "4096", 1, 1000000, false,
      "transactions waiting per worker before RESOURCE_EXHAUSTED"),
    S(db_reconnect_ms, SET_INT, "1000", 50, 60000, false,
      "delay between attempts to reach PostgreSQL"),
    S(request_timeout_ms, SET_INT, "5000", 100, 600000, false,
      "longest a request may take (clients may ask for less); also PostgreSQL's statement_timeout "
      "and lock_timeout for liaisond's sessions"),
    S(import_timeout_ms, SET_INT, "600000", 1000, 3600000, false,
      "longest FinishTenantImport may take (clients may ask for less): it writes a whole tenant "
      "in one transaction, on a database connection of its own"),
    S(max_password_jobs, SET_INT, "8", 1, 1024, false,
      "Argon2 hashes running or queued per worker (19 MiB each while running); more log-ins are "
      "answered RESOURCE_EXHAUSTED"),
    S(max_connections, SET_INT, "10000", 1, 1000000, false, "client connections in all"),
    S(max_frame_bytes, SET_INT, "1048576", 1024, 67108864, false,
      "largest frame body after authentication"),
    S(preauth_max_frame_bytes, SET_INT, "16384", 256, 1048576, false,
      "largest frame body before authentication"),
    S(document_max_bytes, SET_INT, "16777216", 1, 67108864, false,
      "largest document content (a version or a translation); content over max_frame_bytes - 8192 "
      "comes in chunks (BeginDocumentUpload)"),
    S(document_uploads_max, SET_INT, "16", 1, 10000, false,
      "chunked document uploads a tenant may have open at once; one person a quarter of them "
      "(at least 2)"),
    S(document_upload_lifetime_s, SET_INT, "3600", 10, 604800, false,
      "seconds a chunked document upload stays open; one not finished by then is deleted"),
    S(max_in_flight, SET_INT, "64", 1, 4096, false,
      "requests in flight per connection after authentication"),
    S(preauth_max_in_flight, SET_INT, "4", 1, 64, false,
      "requests in flight per connection before authentication"),
    S(max_pending_output, SET_INT, "4194304", 65536, 1073741824, false,
      "bytes queued to a client that does not read before it is disconnected"),
    S(handshake_timeout_ms, SET_INT, "10000", 100, 600000, false, "time to complete TLS and Hello"),
    S(handshake_nice, SET_INT, "10", 0, 19, false,
      "TLS handshakes run on a thread beside each worker, this many Linux nice steps below the "
      "workers' CPU priority, so that a burst of new connections delays connected clients less; "
      "0: the workers' priority"),
    S(idle_timeout_ms, SET_INT, "300000", 1000, 86400000, false,
      "an idle connection is closed after this"),
    S(send_timeout_ms, SET_INT, "30000", 100, 600000, false,
      "a client that takes no bytes for this long is disconnected"),
    S(max_connections_per_address, SET_INT, "256", 1, 1000000, false,
      "client connections from one address, all workers together; more are closed at accept"),
    S(trusted_proxies, SET_STR, "", 0, 1024, false,
      "IP addresses, comma-separated, of proxies (a portal, a gateway) that sign in on their "
      "users' behalf and may name each user's own address at Login (clientAddress): the "
      "per-address log-in limits then count that address, not the proxy's; empty: none"),
    S(max_password_jobs_per_address, SET_INT, "2", 1, 1024, false,
      "Argon2 hashes running or queued per worker for one source address; more are answered "
      "RESOURCE_EXHAUSTED"),
    S(frame_timeout_s, SET_INT, "30", 1, 3600, false,
      "a frame must be complete this long after its first byte arrived"),
    S(max_partial_frame_bytes, SET_INT, "67108864", 1028, 2147483647, false,
      "bytes one worker holds for incomplete frames, all its connections together; a connection "
      "that would pass it is closed (at least max_frame_bytes + 4); connections not yet "
      "authenticated share a quarter of it"),
    S(drain_timeout_ms, SET_INT, "10000", 0, 600000, false,
      "on SIGTERM, time given to in-flight requests"),
    S(migrate_on_start, SET_BOOL, "false", 0, 1, false, "apply schema migrations at start"),
    S(session_ttl_s, SET_INT, "43200", 60, 31536000, false, "log-in sessions expire after this"),
    S(login_max_failures, SET_INT, "5", 1, 1000, false,
      "failed log-ins per account from one address in login_window_s before that address is"
      " locked out of it"),
    S(login_max_failures_per_account, SET_INT, "500", 1, 1000000, false,
      "failed log-ins per account from every address in login_window_s before it is locked"),
    S(login_max_failures_per_address, SET_INT, "50", 1, 100000, false,
      "failed log-ins per source address in login_window_s before it is locked"),
    S(login_window_s, SET_INT, "900", 1, 86400, false, "window for counting failed log-ins"),
    S(login_lockout_s, SET_INT, "900", 1, 86400, false, "how long a lock lasts"),
    S(iso_codes_dir, SET_STR, "/usr/share/iso-codes/json", 1, PATH_MAX, false,
      "ISO 3166 and ISO 639 lists (Debian's iso-codes)"),
    S(zoneinfo_dir, SET_STR, "/usr/share/zoneinfo", 1, PATH_MAX, false,
      "the tz database (for tzdata.zi)"),
    /* Its bound only guards the copy: a wrong word is said with the four it may be. */
    S(log_level, SET_STR, "info", 1, 64, true, "debug, info, warn or error"),
    S(scheduler_interval_ms, SET_INT, "1000", 0, 3600000, false,
      "how often this process looks for due jobs (one loop per process); 0: never, this process "
      "runs no jobs"),
    S(test_clock, SET_BOOL, "false", 0, 1, false,
      "operators may set the clock every process on the database reads (SetClock): for tests "
      "only"),
    S(tenant_rate, SET_RATE, "0", 0, 1000000, false,
      "requests a second one tenant's users and API tokens may make, all workers together (a "
      "token bucket; an operator may set a tenant's own with SetTenantRateLimit); past it "
      "RESOURCE_EXHAUSTED with Status.retry_after_ms; 0: unlimited"),
    S(tenant_burst, SET_INT, "0", 0, 1000000, false,
      "requests a tenant may make at once (the token bucket's size, also when under "
      "tenant_rate); 0: tenant_rate"),
    S(address_rate, SET_RATE, "0", 0, 1000000, false,
      "requests a second from one client address (IPv6: one /64) before a tenant is known (Hello, "
      "Login, Authenticate, ...); past it RESOURCE_EXHAUSTED with retry_after_ms; 0: unlimited"),
    S(address_burst, SET_INT, "0", 0, 1000000, false,
      "requests an address may make at once (the token bucket's size, also when under "
      "address_rate); 0: address_rate"),
    S(rate_buckets_max, SET_INT, "65536", 16, 10000000, false,
      "token buckets kept for tenants, and as many for addresses (about 100 bytes each); past it "
      "the one idle longest is dropped"),
    S(tenant_rate_refresh_ms, SET_INT, "5000", 100, 3600000, false,
      "how often this process reads the rate limits operators set per tenant"),
    S(event_queue_max, SET_INT, "10000", 1, 1000000, false,
      "events announced while a subscriber does not read its stream before it is cut off "
      "(RESOURCE_EXHAUSTED)"),
};

#define N_SETTINGS (sizeof settings / sizeof settings[0])

static const struct setting *setting_find(const char *name)
{
    for (size_t i = 0; i < N_SETTINGS; i++)
        if (strcmp(settings[i].name, name) == 0)
            return &settings[i];
    return NULL;
}

/*
 * A string setting's own rule, where it has one; true after saying why in
 * err. Checked as each value is read, so that the message names the line of
 * the file or the variable it came from.
 */
static bool setting_value_bad(const struct setting *s, const char *value, char *err, size_t errlen)
{
    if (!strcmp(s->name, "tls_min_version") && strcmp(value, "1.3") && strcmp(value, "1.2")) {
        snprintf(err, errlen, "tls_min_version: must be 1.3 or 1.2");
        return true;
    }
    if (!strcmp(s->name, "log_level") && strcmp(value, "debug") && strcmp(value, "info") &&
        strcmp(value, "warn") && strcmp(value, "error")) {
        snprintf(err, errlen, "log_level: must be debug, info, warn or error");
        return true;
    }
    const char *bad = !strcmp(s->name, "trusted_proxies") ? config_proxies_bad(value) : NULL;
    if (bad) {
        snprintf(err, errlen, "trusted_proxies: '%.*s' is not an IP address",
                 (int)strcspn(bad, ","), bad);
        return true;
    }
    return false;
}

/* Parses value into the field of cfg that s describes. */
static int setting_set(struct config *cfg, const struct setting *s, const char *value, char *err,
                       size_t errlen)
{
    char *field = (char *)cfg + s->offset;
    switch (s->type) {
    case SET_INT:
    case SET_RATE: {
        char *end;
        errno = 0;
        long v = strtol(value, &end, 10);
        if (s->type == SET_RATE && end != value) {
            const char *unit = end;
            while (*unit == ' ')
                unit++;
            if (!strcmp(unit, "/s") || !strcmp(unit, "requests/s"))
                end += strlen(end);
        }
        if (errno || end == value || *end || v < s->min || v > s->max) {
            if (s->type == SET_RATE) {
                snprintf(err, errlen, "%s: '%s' is not a rate of 0 to %ld requests/s", s->name,
                         value, s->max);
                return -1;
            }
            snprintf(err, errlen, "%s: '%s' is not a whole number from %ld to %ld", s->name, value,
                     s->min, s->max);
            return -1;
        }
        *(int *)field = (int)v;
        return 0;
    }
    case SET_BOOL:
        if (!strcmp(value, "true") || !strcmp(value, "on") || !strcmp(value, "1")) {
            *(bool *)field = true;
        } else if (!strcmp(value, "false") || !strcmp(value, "off") || !strcmp(value, "0")) {
            *(bool *)field = false;
        } else {
            snprintf(err, errlen, "%s: '%s' is not true or false", s->name, value);
            return -1;
        }
        return 0;
    case SET_STR: {
        if (strlen(value) > (size_t)s->max) {
            snprintf(err, errlen, "%s: longer than %ld characters", s->name, s->max);
            return -1;
        }
        if (setting_value_bad(s, value, err, errlen))
            return -1;
        char *copy = strdup(value);
        if (!copy) {
            snprintf(err, errlen, "%s: out of memory", s->name);
            return -1;
        }
        free(*(char **)field);
        *(char **)field = copy;
        return 0;
    }
    }
    return -1;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

/*
 * The value after a line's '=', in place, as postgresql.conf reads one: in
 * single quotes ('' is a quote within them), or else up to a '#' at its
 * start or after white space, which starts a comment; white space around
 * it dropped. NULL for a quote not closed, or text after the closing one.
 */
static char *config_value(char *s)
{
    s = trim(s);
    if (*s != '\'') {
        /*
         * Not inside a libpq connection string's own quotes (password='a #1'),
         * which such a value held before comments were read. Such a quote
         * opens right after a keyword's '=': an apostrophe in a word
         * (/srv/o'brien) is the word's, and a comment after it still one.
         */
        bool quoted = false;
        for (char *c = s; *c; c++) {
            if (*c == '\\' && quoted && c[1]) {
                c++;
            } else if (*c == '\'' && quoted) {
                quoted = false;
            } else if (*c == '\'' && !quoted) {
                const char *b = c;
                while (b > s && isspace((unsigned char)b[-1]))
                    b--;
                quoted = b > s && b[-1] == '=';
            } else if (*c == '#' && !quoted && (c == s || isspace((unsigned char)c[-1]))) {
                *c = '\0';
                break;
            }
        }
        return trim(s);
    }
    char *out = s, *in = s + 1;
    for (;;) {
        if (!*in)
            return NULL;
        if (*in == '\'' && in[1] != '\'') {
            in++;
            break;
        }
        if (*in == '\'')
            in++;
        *out++ = *in++;
    }
    *out = '\0';
    in = trim(in);
    return *in && *in != '#' ? NULL : s;
}

static int config_read_file(struct config *cfg, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char line[8192];
    int lineno = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            snprintf(err, errlen, "%s:%d: line too long", path, lineno);
            rc = -1;
            break;
        }
        char *p = trim(line);
        if (*p == '\0' || *p == '#')
            continue;
        char *eq = strchr(p, '=');
        if (!eq) {
            snprintf(err, errlen, "%s:%d: expected 'name = value'", path, lineno);
            rc = -1;
            break;
        }
        *eq = '\0';
        char *name = trim(p), *value = config_value(eq + 1);
        if (!value) {
            snprintf(err, errlen,
                     "%s:%d: a quoted value ends with its quote, and only a # comment may follow",
                     path, lineno);
            rc = -1;
            break;
        }
        const struct setting *s = setting_find(name);
        if (!s) {
            snprintf(err, errlen, "%s:%d: unknown setting '%s'", path, lineno, name);
            rc = -1;
            break;
        }
        char why[512];
        if (setting_set(cfg, s, value, why, sizeof why) < 0) {
            snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
            rc = -1;
        }
    }
    if (rc == 0 && ferror(f)) {
        /* fopen takes a directory; reading it is what fails (--config /etc/liaison). */
        snprintf(err, errlen, "%s: %s", path,
                 errno == EISDIR ? "a directory, not a configuration file" : strerror(errno));
        rc = -1;
    }
    fclose(f);
    return rc;
}

/*
 * libpq's reason for a connection string it cannot parse, its first line,
 * with what it quotes from the string left out: that may be a piece of the
 * password ('invalid percent-encoded token: "s3cr%et"'), and the reason
 * goes to the log and to whoever runs check-config.
 */
static void config_unquoted(char *out, size_t cap, const char *why)
{
    size_t o = 0;
    bool quoted = false;
    for (const char *p = why; *p && *p != '\n' && o + 6 < cap; p++) {
        if (*p == '"') {
            quoted = !quoted;
            if (quoted) {
                memcpy(out + o, "\"\xe2\x80\xa6\"", 5);
                o += 5;
            }
        } else if (!quoted) {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
}

/* Whether s is not a whole number of at most 9 digits (libpq's own integer options). */
static bool config_pg_int_bad(const char *s)
{
    size_t n = strspn(s, "0123456789");
    return n == 0 || n > 9 || s[n] != '\0';
}

/* Why a libpq port (a comma-separated list, one per host; empty: 5432) is wrong, or NULL. */
static const char *config_pg_ports_bad(const char *s)
{
    for (const char *p = s;; p++) {
        size_t n = strcspn(p, ",");
        if (n) {
            char one[16];
            if (n >= sizeof one)
                return "port: not a port number from 1 to 65535";
            memcpy(one, p, n);
            one[n] = '\0';
            if (config_pg_int_bad(one) || atol(one) < 1 || atol(one) > 65535)
                return "port: not a port number from 1 to 65535";
        }
        p += n;
        if (!*p)
            return NULL;
    }
}

static const char *config_pg_sslmode_bad(const char *s)
{
    static const char *const modes[] = {"disable", "allow",     "prefer",
                                        "require", "verify-ca", "verify-full"};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        if (!strcmp(s, modes[i]))
            return NULL;
    return "sslmode: one of disable, allow, prefer, require, verify-ca, verify-full";
}

/* Checks rules that span settings or that bounds cannot express. */
static int config_check(const struct config *cfg, char *err, size_t errlen)
{
    for (size_t i = 0; i < N_SETTINGS; i++) {
        const struct setting *s = &settings[i];
        if (s->type == SET_STR && s->min > 0 &&
            **(char *const *)((const char *)cfg + s->offset) == 0) {
            snprintf(err, errlen, "%s: must be set", s->name);
            return -1;
        }
    }
    if (cfg->preauth_max_frame_bytes > cfg->max_frame_bytes) {
        snprintf(err, errlen, "preauth_max_frame_bytes: may not exceed max_frame_bytes");
        return -1;
    }
    if (cfg->preauth_max_in_flight > cfg->max_in_flight) {
        snprintf(err, errlen, "preauth_max_in_flight: may not exceed max_in_flight");
        return -1;
    }
    if ((long)cfg->max_partial_frame_bytes < (long)cfg->max_frame_bytes + 4) {
        snprintf(err, errlen, "max_partial_frame_bytes: must hold one frame, max_frame_bytes + 4");
        return -1;
    }
    /*
     * A connection string libpq cannot parse is the operator's typo: say so
     * at start, on its setting, rather than as a pool that cannot be made.
     */
    const struct {
        const char *name, *value;
    } urls[] = {{"database_url", cfg->database_url},
                {"migrate_database_url", cfg->migrate_database_url},
                {"standby_database_url", cfg->standby_database_url}};
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        if (!urls[i].value[0])
            continue;
        char *why = NULL;
        PQconninfoOption *opts = PQconninfoParse(urls[i].value, &why);
        if (!opts) {
            char reason[200];
            config_unquoted(reason, sizeof reason, why ? why : "out of memory");
            snprintf(err, errlen, "%s: not a libpq connection string or URI: %s", urls[i].name,
                     reason);
            PQfreemem(why);
            return -1;
        }
        /* libpq parses these only when it connects: a typo here would pass the
         * check and then fail every connection, retried forever. */
        const char *why_bad = NULL, *value = NULL;
        for (PQconninfoOption *o = opts; o->keyword && !why_bad; o++) {
            if (!o->val)
                continue;
            value = o->val;
            if (!strcmp(o->keyword, "port"))
                why_bad = config_pg_ports_bad(o->val);
            else if (!strcmp(o->keyword, "sslmode"))
                why_bad = config_pg_sslmode_bad(o->val);
            else if (!strcmp(o->keyword, "connect_timeout"))
                why_bad = config_pg_int_bad(o->val) ? "connect_timeout: not a whole number of "
                                                      "seconds"
                                                    : NULL;
        }
        if (why_bad) {
            snprintf(err, errlen, "%s: %s ('%s')", urls[i].name, why_bad, value);
            PQconninfoFree(opts);
            return -1;
        }
        PQconninfoFree(opts);
    }
    return 0;
}

/*
 * Walks list (IP addresses, comma-separated, spaces around them ignored).
 * Returns where the first item that is not an IP address starts, or NULL
 * when all are; with family given, *matched says whether one of them is
 * the address family and bytes.
 */
static const char *config_proxies_walk(const char *list, int family, const unsigned char *bytes,
                                       bool *matched)
{
    for (const char *p = list; *p;) {
        p += strspn(p, " ");
        size_t n = strcspn(p, ",");
        size_t len = n;
        while (len && p[len - 1] == ' ')
            len--;
        char text[INET6_ADDRSTRLEN];
        unsigned char got[16];
        int fam = 0;
        if (len && len < sizeof text) {
            memcpy(text, p, len);
            text[len] = '\0';
            fam = inet_pton(AF_INET, text, got) == 1    ? AF_INET
                  : inet_pton(AF_INET6, text, got) == 1 ? AF_INET6
                                                        : 0;
        }
        if (!fam)
            return p;
        if (matched && family == fam && !memcmp(got, bytes, fam == AF_INET ? 4 : 16))
            *matched = true;
        p += n;
        if (*p == ',')
            p++;
    }
    return NULL;
}

const char *config_proxies_bad(const char *list)
{
    return config_proxies_walk(list, 0, NULL, NULL);
}

bool config_proxy_trusted(const struct config *cfg, int family, const unsigned char *bytes)
{
    static const unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    /* A dual-stack listener sees an IPv4 proxy as ::ffff:a.b.c.d: it is listed as a.b.c.d. */
    if (family == AF_INET6 && !memcmp(bytes, v4_mapped, sizeof v4_mapped)) {
        family = AF_INET;
        bytes += sizeof v4_mapped;
    }
    bool matched = false;
    /* A list that does not parse trusts no one (config_check refuses it at start anyway). */
    return family && !config_proxies_walk(cfg->trusted_proxies, family, bytes, &matched) && matched;
}

/*
 * A LIAISOND_ variable that overrides nothing: misspelt (LIAISOND_PROT) or
 * in small letters, it was ignored without a word, as a misspelt name in
 * the file is not. -1 with err naming it.
 */
static int config_env_unknown(char *err, size_t errlen)
{
    for (char **e = environ; *e; e++) {
        if (strncmp(*e, "LIAISOND_", 9) != 0)
            continue;
        const char *n = *e + 9, *eq = strchr(n, '=');
        size_t len = eq ? (size_t)(eq - n) : strlen(n);
        char name[64], caps[64];
        bool small = false;
        if (len < sizeof name) {
            for (size_t k = 0; k < len; k++) {
                small = small || islower((unsigned char)n[k]);
                name[k] = (char)tolower((unsigned char)n[k]);
                caps[k] = (char)toupper((unsigned char)n[k]);
            }
            name[len] = caps[len] = '\0';
        }
        if (len >= sizeof name || !setting_find(name)) {
            snprintf(err, errlen,
                     "environment LIAISOND_%.*s: no such setting ('liaisond --help' lists them)",
                     (int)(len > 64 ? 64 : len), n);
            return -1;
        }
        if (small) {
            snprintf(err, errlen, "environment LIAISOND_%s: in capitals, LIAISOND_%s", name, caps);
            return -1;
        }
    }
    return 0;
}

int config_load(struct config *cfg, const char *path, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < N_SETTINGS; i++) {
        if (setting_set(cfg, &settings[i], settings[i].def, err, errlen) < 0)
            goto fail;
    }
    if (path && config_read_file(cfg, path, err, errlen) < 0)
        goto fail;
    if (config_env_unknown(err, errlen) < 0)
        goto fail;
    for (size_t i = 0; i < N_SETTINGS; i++) {
        char env[64] = "LIAISOND_";
        size_t o = strlen(env);
        for (const char *p = settings[i].name; *p && o + 1 < sizeof env; p++)
            env[o++] = (char)toupper((unsigned char)*p);
        env[o] = '\0';
        const char *v = getenv(env);
        if (v) {
            char why[512];
            if (setting_set(cfg, &settings[i], v, why, sizeof why) < 0) {
                snprintf(err, errlen, "environment %s: %s", env, why);
                goto fail;
            }
        }
    }
    if (config_check(cfg, err, errlen) < 0) {
        /* 'liaisond check-config' without --config reads no file: say so, or a
         * newcomer looks for the tls_cert line in a file that was never read. */
        size_t used = strlen(err);
        if (!path && used < errlen)
            snprintf(err + used, errlen - used,
                     " (no --config FILE given: only the defaults and LIAISOND_* variables were "
                     "read; liaisond.conf.sample, in deploy/ or share/doc/liaison/, has every "
                     "setting)");
        goto fail;
    }
    return 0;
fail:
    config_free(cfg);
    return -1;
}

int config_set(struct config *cfg, const char *name, const char *value, char *err, size_t errlen)
{
    const struct setting *s = setting_find(name);
    if (!s) {
        snprintf(err, errlen, "unknown setting '%s'", name);
        return -1;
    }
    if (setting_set(cfg, s, value, err, errlen) < 0)
        return -1;
    return config_check(cfg, err, errlen);
}

void config_free(struct config *cfg)
{
    for (size_t i = 0; i < N_SETTINGS; i++) {
        if (settings[i].type == SET_STR) {
            char **p = (char **)((char *)cfg + settings[i].offset);
            free(*p);
            *p = NULL;
        }
    }
}

void config_apply_reload(struct config *cur, const struct config *next, char *err, size_t errlen)
{
    err[0] = '\0';
    for (size_t i = 0; i < N_SETTINGS; i++) {
        const struct setting *s = &settings[i];
        char *a = (char *)cur + s->offset;
        const char *b = (const char *)next + s->offset;
        bool same;
        if (s->type == SET_STR)
            same = strcmp(*(char **)a, *(char *const *)b) == 0;
        else if (s->type == SET_INT || s->type == SET_RATE)
            same = *(int *)a == *(const int *)b;
        else
            same = *(bool *)a == *(const bool *)b;
        if (same)
            continue;
        if (!s->reloadable) {
            if (!err[0])
                snprintf(err, errlen, "%s changed but takes effect only after a restart", s->name);
            continue;
        }
        if (s->type == SET_STR) {
            char *copy = strdup(*(char *const *)b);
            if (!copy) {
                snprintf(err, errlen, "%s: out of memory", s->name);
                continue;
            }
            free(*(char **)a);
            *(char **)a = copy;
        }
    }
}

void config_print_help(FILE *out)
{
    fprintf(out, "Settings (config file 'name = value', the last line of a name taken, as in\n"
                 "postgresql.conf: a # after white space starts a comment, and a value in single\n"
                 "quotes keeps its spaces and #, '' a quote; or environment LIAISOND_NAME, which\n"
                 "overrides the file):\n");
    for (size_t i = 0; i < N_SETTINGS; i++) {
        const struct setting *s = &settings[i];
        fprintf(out, "  %-24s %s", s->name, s->help);
        if (s->type == SET_INT)
            fprintf(out, " [%ld..%ld]", s->min, s->max);
        else if (s->type == SET_RATE)
            fprintf(out, " [%ld..%ld requests/s]", s->min, s->max);
        /* An empty default is "required" only where the setting must be given. */
        if (*s->def)
            fprintf(out, " (default: %s)", s->def);
        else if (s->type == SET_STR && s->min >= 1)
            fprintf(out, " (required)");
        fprintf(out, "%s\n", s->reloadable ? " (reloaded on SIGHUP)" : "");
    }
}

const char *config_migrate_url(const struct config *cfg)
{
    return cfg->migrate_database_url[0] ? cfg->migrate_database_url : cfg->database_url;
}
