/*
 * main.c - liaisond: argument parsing, start-up, signals, shutdown.
 *
 * The main thread owns configuration and signals; each worker thread owns
 * a loop. SIGTERM or SIGINT drains every worker; SIGHUP re-reads the
 * configuration file, validates it whole, and swaps the TLS certificate.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <uv.h>

#include "auth.h"
#include "config.h"
#include "credential.h"
#include "db.h"
#include "dispatch.h"
#include "events.h"
#include "geo.h"
#include "liaison_version.h"
#include "log.h"
#include "metrics.h"
#include "migrate.h"
#include "operator.h"
#include "ratelimit.h"
#include "tls.h"
#include "worker.h"

#define MAX_WORKERS 64

struct server {
    struct config cfg;
    const char *config_path;
    /* Command-line settings, applied over every load of the file. */
    const char *scheduler_interval;
    bool test_clock;
    struct worker *workers;
    int nworkers;
    uv_signal_t sigterm, sigint, sighup;
    /* Registers the operator certificate key again until it is (operator_key_start). */
    uv_timer_t operator_retry;
    /* Checks again the database roles the start could not reach (role_check). */
    uv_timer_t role_retry;
    /* Which of database_url (1) and standby_database_url (2) are still unchecked. */
    unsigned roles_unchecked;
    /* Stopped for a reason of its own, not a signal: the exit status is 1. */
    bool failed;
};

static void usage(FILE *out)
{
    fprintf(out, "Usage: liaisond [--config FILE] [COMMAND]\n"
                 "\n"
                 "Commands:\n"
                 "  serve         run the server (the default)\n"
                 "  migrate       apply pending schema migrations and exit\n"
                 "  check-config  validate the configuration and exit\n"
                 "  operator create NAME   make a platform operator; prints its token once\n"
                 "  operator revoke NAME   revoke an operator's tokens\n"
                 "  operator list          every operator: made when, revoked when\n"
                 "  rpc-table     print who may call each RPC (Markdown)\n"
                 "  statements    print every SQL statement the server prepares\n"
                 "\n"
                 "Options:\n"
                 "  -c, --config FILE  configuration file (name = value lines)\n"
                 "  --scheduler-interval-ms MS  as the setting scheduler_interval_ms\n"
                 "  --test-clock       as the setting test_clock = true (tests only)\n"
                 "  -h, --help         this text\n"
                 "  -V, --version      print the version\n"
                 "\n"
                 "Signals: SIGTERM/SIGINT drain and stop; SIGHUP reloads the certificate and\n"
                 "the settings marked reloadable.\n\n");
    config_print_help(out);
}

/* The file and the environment, then the command line's settings over them. */
static int server_config_load(const struct server *srv, struct config *cfg, char *err,
                              size_t errlen)
{
    if (config_load(cfg, srv->config_path, err, errlen) < 0)
        return -1;
    if (srv->scheduler_interval &&
        config_set(cfg, "scheduler_interval_ms", srv->scheduler_interval, err, errlen) < 0) {
        config_free(cfg);
        return -1;
    }
    if (srv->test_clock)
        cfg->test_clock = true;
    return 0;
}

#define OPERATOR_RETRY_MS 10000

/* Derives this process's operator certificate key and registers it. 0, or -1 with err set. */
static int operator_key_register(const struct config *cfg, char *err, size_t errlen)
{
    char key[65];
    int rc =
        tls_operator_key(key, sizeof key, err, errlen) < 0 ||
                operator_certificate_key_register(config_migrate_url(cfg), key, err, errlen) < 0
            ? -1
            : 0;
    if (rc == 0)
        credential_set_operator_key(key);
    OPENSSL_cleanse(key, sizeof key);
    return rc;
}

/* A refusal no retry mends: the migration connection's role may not register the key. */
static bool operator_key_hopeless(const char *err)
{
    return strstr(err, "permission denied") != NULL;
}

/* Armed once at a time, 10 s after the last attempt ended: an attempt may take as long. */
static void on_operator_retry(uv_timer_t *t)
{
    struct server *srv = t->data;
    char err[512];
    if (operator_key_register(&srv->cfg, err, sizeof err) == 0) {
        log_event(LOG_INFO, "operator certificates accepted", "after=retry");
        return;
    }
    if (operator_key_hopeless(err)) {
        log_event(LOG_WARN, "operator certificates refused until a reload or restart",
                  "reason=\"%s\" hint=\"migrate_database_url must be the tables' owner\"", err);
        return;
    }
    log_event(LOG_DEBUG, "operator certificates still refused", "reason=\"%s\"", err);
    uv_timer_start(t, on_operator_retry, OPERATOR_RETRY_MS, 0);
}

/*
 * Operators by certificate need this process's key registered with the
 * database (migration 0044), again after a reload (operator_ca set then, or
 * a new TLS key). Without it the server still serves users and operator
 * tokens; the database refuses certificates, the log says why, and the
 * registration is tried again every 10 s: a database down at start, or an
 * operator_ca added by SIGHUP, needed a restart once (a try-out).
 */
static void operator_key_start(struct server *srv)
{
    char err[512];
    uv_timer_stop(&srv->operator_retry);
    if (!srv->cfg.operator_ca || !*srv->cfg.operator_ca)
        return;
    if (operator_key_register(&srv->cfg, err, sizeof err) == 0)
        return;
    if (operator_key_hopeless(err)) {
        log_event(LOG_WARN, "operator certificates refused until a reload or restart",
                  "reason=\"%s\" hint=\"migrate_database_url must be the tables' owner\"", err);
        return;
    }
    log_event(LOG_WARN, "operator certificates refused until the key is registered",
              "reason=\"%s\" retry_ms=%d", err, OPERATOR_RETRY_MS);
    uv_timer_start(&srv->operator_retry, on_operator_retry, OPERATOR_RETRY_MS, 0);
}

/* Stops the workers and closes the main loop's handles; why is logged (signal 0: reason). */
static void server_stop(struct server *srv, int signum, const char *reason)
{
    if (signum)
        log_event(LOG_INFO, "stopping", "signal=%d", signum);
    else
        log_event(LOG_INFO, "stopping", "reason=\"%s\"", reason);
    for (int i = 0; i < srv->nworkers; i++)
        worker_stop(&srv->workers[i]);
    uv_close((uv_handle_t *)&srv->sigterm, NULL);
    uv_close((uv_handle_t *)&srv->sigint, NULL);
    uv_close((uv_handle_t *)&srv->sighup, NULL);
    uv_close((uv_handle_t *)&srv->operator_retry, NULL);
    uv_close((uv_handle_t *)&srv->role_retry, NULL);
    /*
     * Closing the handles gave SIGTERM its default action back: a second
     * one (a service manager or script asking again) would end the drain
     * at once, without the "stopped" line. The drain ends by itself, within
     * drain_timeout_ms; a second SIGINT (Ctrl-C twice) still stops at once.
     */
    if (signal(SIGTERM, SIG_IGN) == SIG_ERR)
        log_event(LOG_WARN, "a second SIGTERM will stop at once", "reason=\"%s\"", strerror(errno));
}

static void on_stop_signal(uv_signal_t *s, int signum)
{
    server_stop(s->data, signum, "");
}

/*
 * Soon, and briefly: while a role is unchecked the pools may serve as it, and each attempt holds
 * the main loop (signals wait) for up to its connect timeout.
 */
#define ROLE_RETRY_MS 1000
#define ROLE_RETRY_CONNECT_S 2

/*
 * Checks the roles of database_url and standby_database_url still unchecked
 * (migrate_check_role), at start or (retry) from the timer. -1 when one is not
 * bound by row-level security (logged), else 0; one the database cannot be
 * asked about yet stays unchecked, said at start and only at debug after.
 */
static int role_check(struct server *srv, bool retry)
{
    const char *const urls[][2] = {{"database_url", srv->cfg.database_url},
                                   {"standby_database_url", srv->cfg.standby_database_url}};
    char err[512];
    for (unsigned u = 0; u < sizeof urls / sizeof urls[0]; u++) {
        if (!(srv->roles_unchecked & 1u << u))
            continue;
        if (!urls[u][1] || !*urls[u][1]) {
            srv->roles_unchecked &= ~(1u << u);
            continue;
        }
        int role = migrate_check_role(urls[u][0], urls[u][1], retry ? ROLE_RETRY_CONNECT_S : 10,
                                      err, sizeof err);
        if (role < 0) {
            log_event(LOG_ERROR, retry ? "database role refused" : "start failed: database role",
                      "reason=\"%s\"", err);
            return -1;
        }
        if (role == 0)
            srv->roles_unchecked &= ~(1u << u);
        else
            log_event(retry ? LOG_DEBUG : LOG_WARN, "database role not checked",
                      "setting=%s reason=\"%s\" retry_ms=%d", urls[u][0], err, ROLE_RETRY_MS);
    }
    return 0;
}

/*
 * A role the start could not check (the database down) was never checked
 * again, and a server on the tables' owner served on once the database came
 * back (a review): it is checked every second until it is, and such a server
 * stops then, as it would have at start.
 */
static void on_role_retry(uv_timer_t *t)
{
    struct server *srv = t->data;
    if (role_check(srv, true) < 0) {
        srv->failed = true;
        server_stop(srv, 0, "database role");
        return;
    }
    if (srv->roles_unchecked)
        uv_timer_start(t, on_role_retry, ROLE_RETRY_MS, 0);
    else
        log_event(LOG_INFO, "database role checked", "after=retry");
}

static void on_reload_signal(uv_signal_t *s, int signum)
{
    (void)signum;
    struct server *srv = s->data;
    struct config next;
    char err[512];
    if (server_config_load(srv, &next, err, sizeof err) < 0) {
        log_event(LOG_ERROR, "reload refused", "reason=\"%s\"", err);
        return;
    }
    if (tls_load(next.tls_cert, next.tls_key, !strcmp(next.tls_min_version, "1.2"),
                 next.operator_ca, err, sizeof err) < 0) {
        log_event(LOG_ERROR, "reload refused: certificate", "reason=\"%s\"", err);
        config_free(&next);
        return;
    }
    config_apply_reload(&srv->cfg, &next, err, sizeof err);
    config_free(&next);
    if (err[0])
        log_event(LOG_WARN, "reload partial", "reason=\"%s\"", err);
    /* Said under the level before or the one after, whichever writes it: a reload to
     * log_level = warn confirmed nothing, its line filtered out by the level it set (a
     * try-out). */
    bool said = log_enabled(LOG_INFO);
    if (said)
        log_event(LOG_INFO, "reloaded", "cert=%s log_level=%s", srv->cfg.tls_cert,
                  srv->cfg.log_level);
    log_set_level(srv->cfg.log_level);
    if (!said)
        log_event(LOG_INFO, "reloaded", "cert=%s log_level=%s", srv->cfg.tls_cert,
                  srv->cfg.log_level);
    operator_key_start(srv);
}

static int serve(struct server *srv)
{
    char err[512];
    struct config *cfg = &srv->cfg;
    if (dispatch_init(err, sizeof err) < 0) {
        log_event(LOG_ERROR, "start failed", "reason=\"%s\"", err);
        return 1;
    }
    if (geo_load(cfg->iso_codes_dir, cfg->zoneinfo_dir, err, sizeof err) < 0) {
        log_event(LOG_ERROR, "start failed: reference data", "reason=\"%s\"", err);
        return 1;
    }
    if (tls_load(cfg->tls_cert, cfg->tls_key, !strcmp(cfg->tls_min_version, "1.2"),
                 cfg->operator_ca, err, sizeof err) < 0) {
        log_event(LOG_ERROR, "start failed: TLS", "reason=\"%s\"", err);
        return 1;
    }
    /* Without migrating, the recorded checksums are still checked; a
     * database that cannot be reached yet is left to the pool, which
     * waits for it, as before checksums were kept. */
    int schema = cfg->migrate_on_start
                     ? migrate_run(config_migrate_url(cfg), err, sizeof err)
                     : migrate_verify(config_migrate_url(cfg), 10, err, sizeof err);
    if (schema < 0) {
        log_event(LOG_ERROR, "start failed: migrations", "reason=\"%s\"", err);
        tls_shutdown();
        return 1;
    }
    if (!cfg->migrate_on_start && schema > 0)
        log_event(LOG_WARN, "migrations not verified", "reason=\"%s\"", err);
    /* A sample once named the tables' owner here, and such a server ran without a word (a
     * try-out): the tenant wall in the database then held nothing back. */
    srv->roles_unchecked = 3;
    if (role_check(srv, false) < 0) {
        tls_shutdown();
        return 1;
    }
    uv_timer_init(uv_default_loop(), &srv->operator_retry);
    srv->operator_retry.data = srv;
    uv_timer_init(uv_default_loop(), &srv->role_retry);
    srv->role_retry.data = srv;
    if (srv->roles_unchecked)
        uv_timer_start(&srv->role_retry, on_role_retry, ROLE_RETRY_MS, 0);
    operator_key_start(srv);
    srv->nworkers = cfg->workers ? cfg->workers : (int)uv_available_parallelism();
    if (srv->nworkers > MAX_WORKERS)
        srv->nworkers = MAX_WORKERS;
    srv->workers = calloc((size_t)srv->nworkers, sizeof *srv->workers);
    if (!srv->workers) {
        log_event(LOG_ERROR, "start failed", "reason=\"out of memory\"");
        tls_shutdown();
        return 1;
    }
    if (metrics_init(srv->nworkers, err, sizeof err) < 0) {
        log_event(LOG_ERROR, "start failed", "reason=\"%s\"", err);
        free(srv->workers);
        tls_shutdown();
        return 1;
    }
    uv_loop_t *loop = uv_default_loop();
    int started = 0, rc = 0;
    for (; started < srv->nworkers; started++) {
        if (worker_start(&srv->workers[started], started, cfg, err, sizeof err) < 0) {
            log_event(LOG_ERROR, "start failed", "reason=\"%s\"", err);
            rc = 1;
            break;
        }
    }
    srv->nworkers = started;
    if (rc == 0 && metrics_start(cfg, err, sizeof err) < 0) {
        log_event(LOG_ERROR, "start failed", "reason=\"%s\"", err);
        rc = 1;
    }
    if (rc == 0 && events_start(cfg, err, sizeof err) < 0) {
        log_event(LOG_ERROR, "start failed", "reason=\"%s\"", err);
        rc = 1;
    }
    uv_signal_init(loop, &srv->sigterm);
    uv_signal_init(loop, &srv->sigint);
    uv_signal_init(loop, &srv->sighup);
    srv->sigterm.data = srv->sigint.data = srv->sighup.data = srv;
    uv_signal_start(&srv->sigterm, on_stop_signal, SIGTERM);
    uv_signal_start(&srv->sigint, on_stop_signal, SIGINT);
    uv_signal_start(&srv->sighup, on_reload_signal, SIGHUP);
    if (rc == 0)
        log_event(LOG_INFO, "listening", "host=%s port=%d workers=%d version=%s", cfg->listen_host,
                  cfg->port, srv->nworkers, LIAISON_VERSION);
    else
        server_stop(srv, 0, "start failed");
    uv_run(loop, UV_RUN_DEFAULT);
    if (srv->failed)
        rc = 1;
    /* A drain cut short at drain_timeout_ms closed connections with requests in flight: said
     * in the last line too, where "clean" alone read as if every answer had gone out (a
     * try-out). */
    bool drained = true;
    for (int i = 0; i < srv->nworkers; i++) {
        if (worker_join(&srv->workers[i]) < 0)
            rc = 1;
        drained = drained && !srv->workers[i].drain_timed_out;
    }
    events_stop();
    if (uv_loop_close(loop) != 0)
        rc = 1;
    metrics_stop();
    free(srv->workers);
    tls_shutdown();
    geo_free();
    ratelimit_reset();
    log_event(LOG_INFO, "stopped", "clean=%s drained=%s", rc == 0 ? "yes" : "no",
              drained ? "yes" : "no");
    return rc;
}

/*
 * An owner's command refused by the database for want of rights: PostgreSQL
 * says "permission denied for table operators", not which setting names
 * the wrong role.
 */
static void owner_failed(const char *what, const char *err)
{
    fprintf(stderr, "liaisond: %s: %s%s\n", what, err,
            strstr(err, "permission denied")
                ? " (migrate_database_url must connect as the role that owns the tables, "
                  "e.g. user=liaison; database_url's role only uses them)"
                : "");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {"version", no_argument, NULL, 'V'},
                                         {"scheduler-interval-ms", required_argument, NULL, 'S'},
                                         {"test-clock", no_argument, NULL, 'T'},
                                         {NULL, 0, NULL, 0}};
    struct server srv = {0};
    int ch;
    while ((ch = getopt_long(argc, argv, "c:hV", opts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            srv.config_path = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("liaisond %s\n", LIAISON_VERSION);
            return 0;
        case 'S':
            srv.scheduler_interval = optarg;
            break;
        case 'T':
            srv.test_clock = true;
            break;
        default:
            usage(stderr);
            return 2;
        }
    }
    const char *command = optind < argc ? argv[optind] : "serve";
    /* operator create|revoke NAME, operator list */
    bool op_list =
        !strcmp(command, "operator") && optind + 1 < argc && !strcmp(argv[optind + 1], "list");
    int nargs = strcmp(command, "operator") ? 1 : op_list ? 2 : 3;
    if (optind + nargs < argc || (nargs > 1 && optind + nargs != argc)) {
        fprintf(stderr, "liaisond: wrong arguments for '%s' (see --help)\n", command);
        return 2;
    }
    if (strcmp(command, "serve") && strcmp(command, "migrate") && strcmp(command, "check-config") &&
        strcmp(command, "operator") && strcmp(command, "rpc-table") &&
        strcmp(command, "statements")) {
        fprintf(stderr, "liaisond: unknown command '%s' (see --help)\n", command);
        return 2;
    }
    if (!strcmp(command, "rpc-table")) {
        dispatch_print_permissions(stdout);
        return 0;
    }
    if (!strcmp(command, "statements")) {
        char why[256];
        if (dispatch_init(why, sizeof why) < 0) {
            fprintf(stderr, "liaisond: %s\n", why);
            return 1;
        }
        db_print_statements(stdout);
        return 0;
    }
    char err[512];
    if (server_config_load(&srv, &srv.cfg, err, sizeof err) < 0) {
        fprintf(stderr, "liaisond: configuration: %s\n", err);
        return 2;
    }
    log_set_level(srv.cfg.log_level);
    signal(SIGPIPE, SIG_IGN);
    int rc = 0;
    if (!strcmp(command, "check-config")) {
        /*
         * The files the settings name too: the systemd unit runs this
         * before serve, and a certificate that is missing, unreadable or
         * not the key's should stop it here, named, not pass as "OK".
         */
        if (tls_load(srv.cfg.tls_cert, srv.cfg.tls_key, !strcmp(srv.cfg.tls_min_version, "1.2"),
                     srv.cfg.operator_ca, err, sizeof err) < 0) {
            fprintf(stderr, "liaisond: configuration: %s\n", err);
            rc = 2;
        } else if (worker_listen_check(srv.cfg.listen_host, srv.cfg.port, err, sizeof err) < 0 ||
                   metrics_listen_check(srv.cfg.metrics_listen, err, sizeof err) < 0) {
            fprintf(stderr, "liaisond: configuration: %s\n", err);
            rc = 2;
        } else if (geo_load(srv.cfg.iso_codes_dir, srv.cfg.zoneinfo_dir, err, sizeof err) < 0) {
            fprintf(stderr, "liaisond: configuration: iso_codes_dir or zoneinfo_dir: %s\n", err);
            rc = 2;
        } else {
            printf("configuration OK\n");
        }
        tls_shutdown();
        geo_free();
    } else if (!strcmp(command, "operator")) {
        const char *verb = argv[optind + 1], *name = argv[optind + 2];
        char token[AUTH_TOKEN_MAX];
        if (op_list) {
            if (operator_list(config_migrate_url(&srv.cfg), stdout, err, sizeof err) < 0) {
                owner_failed("operator list", err);
                rc = 1;
            }
        } else if (!strcmp(verb, "create")) {
            int made = operator_create(config_migrate_url(&srv.cfg), name, token, sizeof token, err,
                                       sizeof err);
            if (made < 0) {
                owner_failed("operator create", err);
                rc = made == -2 ? 2 : 1; /* a name refused is a usage error */
            } else {
                printf("%s\n", token);
                /* Redirected (dev-up.sh writes var/operator.token) there is no
                 * token "above" on the screen: say where it went instead. */
                if (isatty(STDOUT_FILENO))
                    fprintf(stderr, "operator '%s' created; the token above is shown only once\n",
                            name);
                else
                    fprintf(stderr,
                            "operator '%s' created; its token went to standard output, the only "
                            "time it is shown\n",
                            name);
            }
        } else if (!strcmp(verb, "revoke")) {
            if (operator_revoke(config_migrate_url(&srv.cfg), name, err, sizeof err) < 0) {
                owner_failed("operator revoke", err);
                rc = 1;
            } else {
                fprintf(stderr, "operator '%s' revoked: its token and certificate are refused\n",
                        name);
            }
        } else {
            fprintf(stderr, "liaisond: operator: create, revoke or list, not '%s'\n", verb);
            rc = 2;
        }
    } else if (!strcmp(command, "migrate")) {
        int n = migrate_run(config_migrate_url(&srv.cfg), err, sizeof err);
        if (n < 0) {
            owner_failed("migrate", err);
            rc = 1;
        } else {
            printf("migrations applied: %d (schema at version %d)\n", n,
                   migrations_count ? migrations[migrations_count - 1].version : 0);
        }
    } else {
        rc = serve(&srv);
    }
    config_free(&srv.cfg);
    return rc;
}
