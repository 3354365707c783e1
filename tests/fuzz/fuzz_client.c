/*
 * fuzz_client.c - libFuzzer harness for what the client library decodes
 * from a server: the input is the plaintext a server sends after TLS,
 * frames the way transport_read_frame() cuts them (frame_parse with the
 * client's limit) and each decoded as client.c does: the Frame, a
 * connection-level error (request id 0) or a failed request's Status
 * (copied by client.c's client_copy_status, built for the fuzz build), else the payload as the
 * response of the method the first two bytes pick, turned into JSON as liaison_call_json returns
 * it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "arena.h"
#include "frame.h"
#include "pbjson.h"
#include "wire.h"

/* client.c's limits: CLIENT_MAX_FRAME and CLIENT_DECODE_BUDGET. */
#define FUZZ_MAX_FRAME (64u << 20)
#define FUZZ_DECODE_BUDGET (8 * (size_t)FUZZ_MAX_FRAME)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* client.c's own copy of a failed request's Status (client_copy_status). */
const Liaison__V1__Status *client_fuzz_copy_status(const Liaison__V1__Status *st, struct arena *a);

static void fuzz_status(const Liaison__V1__Status *st, struct arena *a)
{
    /* The arena's budget is far above any frame: the copy may not fail. */
    const Liaison__V1__Status *cp = client_fuzz_copy_status(st, a);
    if (!cp || cp->code != st->code || strcmp(cp->message, st->message) != 0 ||
        cp->n_violations != st->n_violations)
        abort();
}

static void fuzz_response(const ProtobufCMessageDescriptor *desc, const Liaison__V1__Frame *f)
{
    struct arena a;
    arena_init(&a, FUZZ_DECODE_BUDGET);
    char field[128];
    const char *why;
    ProtobufCMessage *m =
        wire_decode(desc, f->payload.data, f->payload.len, &a, field, sizeof field, &why);
    if (m) {
        json_t *j = pbjson_from_message(m);
        char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        free(s);
        json_decref(j);
    }
    arena_reset(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const ProtobufCServiceDescriptor *svc = &liaison__v1__liaison__descriptor;
    const ProtobufCMethodDescriptor *md =
        &svc->methods[((unsigned)data[0] | (unsigned)data[1] << 8) % svc->n_methods];
    const uint8_t *p = data + 2;
    size_t left = size - 2;
    for (;;) {
        const uint8_t *body;
        size_t len, consumed;
        if (frame_parse(p, left, FUZZ_MAX_FRAME, &body, &len, &consumed) != FRAME_READY)
            break;
        struct arena a;
        arena_init(&a, FUZZ_DECODE_BUDGET);
        char field[128];
        const char *why;
        const Liaison__V1__Frame *f = (const Liaison__V1__Frame *)wire_decode(
            &liaison__v1__frame__descriptor, body, len, &a, field, sizeof field, &why);
        if (f && f->status && f->status->code)
            fuzz_status(f->status, &a);
        else if (f && f->request_id)
            fuzz_response(md->output, f);
        arena_reset(&a);
        p += consumed;
        left -= consumed;
    }
    return 0;
}
