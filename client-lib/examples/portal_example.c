/*
 * portal_example.c - the smallest useful libliaison program: connect with
 * the CA that signed the server's certificate, check health, make one
 * generic JSON call and pipeline a few requests. Copy it as a start.
 *
 *   cc portal_example.c $(pkg-config --cflags --libs liaison) -o portal_example
 *   ./portal_example liaison://127.0.0.1:7443 var/certs/ca.pem
 *
 * Installed under a prefix of your own (cmake --install build --prefix DIR),
 * set PKG_CONFIG_PATH=DIR/lib/pkgconfig to compile and
 * LD_LIBRARY_PATH=DIR/lib to run.
 * From a build directory, not installed, PKG_CONFIG_PATH=build (its
 * liaison-uninstalled.pc) compiles it, and it runs as it is.
 */
#include <stdio.h>

#include <liaison.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s URL CA_FILE\n", argv[0]);
        return 2;
    }
    liaison_conn *conn = liaison_new(argv[1]);
    if (!conn) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    liaison_set_option(conn, LIAISON_OPT_CA_FILE, argv[2]);
    liaison_set_option(conn, LIAISON_OPT_CLIENT_NAME, "portal-example");

    int rc = liaison_connect(conn);
    if (rc != LIAISON_OK) {
        fprintf(stderr, "connect: %s: %s\n", liaison_code_name(rc), liaison_error(conn));
        liaison_free(conn);
        return 1;
    }

    liaison_health health;
    rc = liaison_get_health(conn, &health);
    if (rc == LIAISON_OK)
        printf("server %s, schema version %u, database time %s\n", health.server_version,
               health.schema_version, health.database_time);
    else
        printf("health: %s: %s\n", liaison_code_name(rc), liaison_error(conn));

    /* The generic call: what a binding from another language would use. */
    char *json = NULL;
    rc = liaison_call_json(conn, "Ping", "{\"echo\":\"hello from a portal\"}", &json);
    printf("Ping -> %s %s\n", liaison_code_name(rc), json ? json : liaison_error(conn));
    liaison_string_free(json);

    /* Pipelining: several requests in flight, answers in any order. */
    uint64_t ids[3];
    const char *requests[3] = {"{\"echo\":\"slow\",\"delayMs\":200}", "{\"echo\":\"fast\"}",
                               "{\"echo\":\"medium\",\"delayMs\":50}"};
    for (int i = 0; i < 3; i++) {
        rc = liaison_send_json(conn, "Ping", requests[i], &ids[i]);
        if (rc != LIAISON_OK) {
            fprintf(stderr, "send: %s\n", liaison_error(conn));
            liaison_free(conn);
            return 1;
        }
    }
    while (liaison_outstanding(conn) > 0) {
        uint64_t id;
        int status;
        rc = liaison_recv_json(conn, -1, &id, &status, &json);
        if (rc != LIAISON_OK) {
            fprintf(stderr, "recv: %s\n", liaison_error(conn));
            break;
        }
        printf("request %llu -> %s %s\n", (unsigned long long)id, liaison_code_name(status),
               json ? json : "");
        liaison_string_free(json);
    }
    liaison_free(conn);
    return rc == LIAISON_OK ? 0 : 1;
}
