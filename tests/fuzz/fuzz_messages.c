/*
 * fuzz_messages.c - libFuzzer harness: the input is decoded as the request
 * of every method of liaison.v1.Liaison (each method's input descriptor),
 * as the server decodes a payload: protobuf_c_message_unpack with the
 * request arena as allocator and its byte budget, then the string, UTF-8,
 * NUL and repeated-field checks (wire_decode); then all of it is given back.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "arena.h"
#include "wire.h"

/* The server's arena for an unauthenticated frame of the default size. */
#define FUZZ_BUDGET ((size_t)16384 * 8)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const ProtobufCServiceDescriptor *svc = &liaison__v1__liaison__descriptor;
    for (unsigned i = 0; i < svc->n_methods; i++) {
        struct arena a;
        arena_init(&a, FUZZ_BUDGET);
        char field[256];
        const char *why = NULL;
        ProtobufCMessage *m =
            wire_decode(svc->methods[i].input, data, size, &a, field, sizeof field, &why);
        /* A refusal always says why; a message is always of the type asked for. */
        if (!m && !why)
            abort();
        if (m && m->descriptor != svc->methods[i].input)
            abort();
        arena_reset(&a);
    }
    return 0;
}
