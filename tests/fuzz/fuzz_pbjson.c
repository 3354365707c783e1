/*
 * fuzz_pbjson.c - libFuzzer harness for the client library's JSON mapping
 * (client-lib/src/pbjson.c). The first two bytes pick a message type, a
 * request or a response of some method; the rest is JSON text, read as
 * liaison_call_json reads a request (json_loadb with the same flags, then
 * pbjson_to_message into an arena) and written back as it writes a
 * response (pbjson_from_message, json_dumps). What it writes it must read
 * again, to the same JSON.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "arena.h"
#include "pbjson.h"
#include "wire.h"

#define FUZZ_BUDGET ((size_t)1 << 22)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* JSON text of m as the client writes a response; NULL without memory. */
static char *fuzz_dump(const ProtobufCMessage *m)
{
    json_t *j = pbjson_from_message(m);
    if (!j)
        return NULL;
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    return s;
}

/* s read back as a message of type desc, in a; NULL when pbjson refuses it. */
static ProtobufCMessage *fuzz_read(const ProtobufCMessageDescriptor *desc, const char *s,
                                   size_t len, struct arena *a)
{
    json_error_t jerr;
    json_t *j = json_loadb(s, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (!j)
        return NULL;
    struct pbjson_error why;
    ProtobufCMessage *m = pbjson_to_message(desc, j, a, &why);
    json_decref(j);
    return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const ProtobufCServiceDescriptor *svc = &liaison__v1__liaison__descriptor;
    unsigned pick = ((unsigned)data[0] | (unsigned)data[1] << 8) % (2 * svc->n_methods);
    const ProtobufCMethodDescriptor *md = &svc->methods[pick / 2];
    const ProtobufCMessageDescriptor *desc = pick & 1 ? md->output : md->input;

    struct arena a;
    arena_init(&a, FUZZ_BUDGET);
    ProtobufCMessage *m = fuzz_read(desc, (const char *)data + 2, size - 2, &a);
    char *first = m ? fuzz_dump(m) : NULL;
    if (first) {
        struct arena b;
        arena_init(&b, FUZZ_BUDGET);
        ProtobufCMessage *again = fuzz_read(desc, first, strlen(first), &b);
        if (!again)
            abort(); /* pbjson wrote what it does not read */
        char *second = fuzz_dump(again);
        if (second && strcmp(first, second) != 0)
            abort(); /* a round trip changed the message */
        free(second);
        arena_reset(&b);
    }
    free(first);
    arena_reset(&a);
    return 0;
}
