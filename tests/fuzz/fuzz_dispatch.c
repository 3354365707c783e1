/*
 * fuzz_dispatch.c - libFuzzer harness for the way from received bytes to a
 * handler, up to and including the permission check: frames are cut from
 * the input as the connection does (frame_parse with the connection's
 * limit) and each is put through dispatch_fuzz_frame() (dispatch.h, built
 * into the fuzz build only) on a fake connection with no socket, no TLS and
 * no database. The first byte sets up the connection: its phase, whether
 * it is authenticated, who it is, and how many requests are in flight.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "conn.h"
#include "dispatch.h"
#include "frame.h"
#include "request.h"
#include "worker.h"

static struct config cfg;
static struct worker w;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char err[256];
    if (dispatch_init(err, sizeof err) < 0)
        abort();
    /* The defaults of liaisond.conf (config.c). */
    cfg.request_timeout_ms = 5000;
    cfg.max_frame_bytes = 1048576;
    cfg.preauth_max_frame_bytes = 16384;
    cfg.max_in_flight = 64;
    cfg.preauth_max_in_flight = 4;
    w.cfg = &cfg;
    return 0;
}

/* Who a connection can be, as authz.c tells them apart. */
static void fuzz_identity(struct identity *id, unsigned pick)
{
    static const int roles[] = {
        LIAISON__V1__ROLE__ROLE_TENANT_ADMIN, LIAISON__V1__ROLE__ROLE_MANAGER,
        LIAISON__V1__ROLE__ROLE_DISTRIBUTOR_USER, LIAISON__V1__ROLE__ROLE_AUDITOR,
        0 /* a role the table does not know */};
    memset(id, 0, sizeof *id);
    if (pick == 0)
        return;
    if (pick == 1) {
        id->kind = IDENTITY_OPERATOR;
        return;
    }
    id->kind = IDENTITY_USER;
    id->role = roles[(pick - 2) % (sizeof roles / sizeof roles[0])];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct conn c;
    memset(&c, 0, sizeof c);
    c.w = &w;
    unsigned setup = data[0];
    c.phase = setup & 1 ? CONN_READY : CONN_HELLO;
    c.authenticated = setup & 2;
    fuzz_identity(&c.who, (setup >> 2) & 7);
    /* Requests already in flight, with ids 1.., to collide with or to fill the limit. */
    struct request inflight[4];
    memset(inflight, 0, sizeof inflight);
    int n = (setup >> 5) & 3;
    for (int i = 0; i < n; i++) {
        inflight[i].id = (uint64_t)i + 1;
        inflight[i].next = i + 1 < n ? &inflight[i + 1] : NULL;
    }
    c.requests = n ? &inflight[0] : NULL;
    c.in_flight = setup & 0x80 ? conn_max_in_flight(&c) : n;

    const uint8_t *p = data + 1;
    size_t left = size - 1;
    for (;;) {
        const uint8_t *body;
        size_t len, consumed;
        if (frame_parse(p, left, conn_max_frame(&c), &body, &len, &consumed) != FRAME_READY)
            break;
        int code = dispatch_fuzz_frame(&c, body, len);
        if (code < 0 || code > LIAISON__V1__CODE__UNAUTHENTICATED)
            abort(); /* only codes of the protocol, and memory was there */
        p += consumed;
        left -= consumed;
    }
    return 0;
}
