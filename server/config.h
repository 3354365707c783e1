/*
 * config.h - liaisond's settings: one table of name, type, default, bounds
 * and whether SIGHUP may change it. A whole new configuration is built and
 * validated before it replaces the one in use.
 */
#ifndef LIAISON_CONFIG_H
#define LIAISON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct config {
    char *listen_host;
    int port;
    char *metrics_listen;
    int workers;
    char *tls_cert;
    char *tls_key;
    char *tls_min_version;
    char *operator_ca;
    char *database_url;
    char *migrate_database_url;
    char *standby_database_url;
    int standby_max_lag_ms;
    int db_pool_size;
    int db_pipeline_depth;
    int db_read_batches;
    int db_write_batch;
    int db_queue_max;
    int db_reconnect_ms;
    int request_timeout_ms;
    int import_timeout_ms;
    int max_password_jobs;
    int max_connections;
    int max_frame_bytes;
    int preauth_max_frame_bytes;
    int document_max_bytes;
    int document_uploads_max;
    int document_upload_lifetime_s;
    int max_in_flight;
    int preauth_max_in_flight;
    int max_pending_output;
    int handshake_timeout_ms;
    int handshake_nice;
    int idle_timeout_ms;
    int send_timeout_ms;
    int max_connections_per_address;
    char *trusted_proxies; /* comma-separated IP addresses; see config_proxy_trusted */
    int max_password_jobs_per_address;
    int frame_timeout_s;
    int max_partial_frame_bytes;
    int drain_timeout_ms;
    bool migrate_on_start;
    int session_ttl_s;
    int login_max_failures;
    int login_max_failures_per_address;
    int login_max_failures_per_account;
    int login_window_s;
    int login_lockout_s;
    char *log_level;
    char *iso_codes_dir;
    char *zoneinfo_dir;
    int scheduler_interval_ms;
    bool test_clock;
    int tenant_rate;   /* requests a second per tenant; 0: unlimited */
    int tenant_burst;  /* 0: tenant_rate */
    int address_rate;  /* requests a second per address before authentication; 0: unlimited */
    int address_burst; /* 0: address_rate */
    int rate_buckets_max;
    int tenant_rate_refresh_ms;
    int event_queue_max; /* events a subscriber may fall behind while it does not read */
};

/*
 * Fills cfg with defaults, then the file at path (unless NULL), then
 * LIAISOND_<NAME> environment variables. Returns 0, or -1 with a message
 * naming the setting in err.
 */
int config_load(struct config *cfg, const char *path, char *err, size_t errlen);

/* Sets one setting by name from text, checked as the file's are. Returns 0, or -1 with err set. */
int config_set(struct config *cfg, const char *name, const char *value, char *err, size_t errlen);

/* Frees the strings cfg holds. */
void config_free(struct config *cfg);

/*
 * Copies the settings SIGHUP may change from next into cur and reports, in
 * err, the first setting that changed but needs a restart (empty if none).
 */
void config_apply_reload(struct config *cur, const struct config *next, char *err, size_t errlen);

/* The connection string migrations use. */
const char *config_migrate_url(const struct config *cfg);

/* Writes every setting with its default, bounds and meaning (for --help). */
void config_print_help(FILE *out);

/* Where the first item of list that is not an IP address starts; NULL when all are. */
const char *config_proxies_bad(const char *list);

/*
 * Whether the peer at family (AF_INET, AF_INET6) and bytes (4 or 16) is one
 * of trusted_proxies: it may name its users' own addresses at Login.
 */
bool config_proxy_trusted(const struct config *cfg, int family, const unsigned char *bytes);

#endif
