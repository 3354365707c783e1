/*
 * fuzz_frame.c - libFuzzer harness for everything liaisond decodes from the
 * network before a handler runs: the frame assembler (fed in pieces), the
 * Frame message, and the payload of whichever method the frame names, all
 * with the request arena's budget and the bounds checks.
 *
 * Built with clang and -DLIAISON_FUZZ=ON it is a libFuzzer target; otherwise
 * fuzz_replay.c drives it with mutated seeds under the sanitizers in CTest.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "frame.h"
#include "wire.h"

#define FUZZ_MAX_BODY 16384

static int fuzz_on_frame(void *arg, const uint8_t *body, size_t len)
{
    (void)arg;
    struct arena a;
    arena_init(&a, (size_t)FUZZ_MAX_BODY * 8);
    char field[256];
    const char *why;
    const Liaison__V1__Frame *f = (const Liaison__V1__Frame *)wire_decode(
        &liaison__v1__frame__descriptor, body, len, &a, field, sizeof field, &why);
    if (f && f->method) {
        const ProtobufCMethodDescriptor *m = wire_method(f->method);
        if (m)
            wire_decode(m->input, f->payload.data, f->payload.len, &a, field, sizeof field, &why);
    }
    arena_reset(&a);
    /* Some frames stop the feed, as one waiting for a Login to end does. */
    return (int)(len & 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The first byte picks how the bytes are cut into reads. */
    size_t step = size ? (size_t)data[0] % 17 + 1 : 1;
    struct frame_budget budget = {.limit = FUZZ_MAX_BODY * 2};
    struct frame_buf fb = {.budget = &budget};
    size_t declared = 0;
    for (size_t off = size ? 1 : 0; off < size; off += step) {
        size_t n = size - off < step ? size - off : step;
        int r = 1;
        while (r == 1)
            r = frame_buf_resume(&fb, FUZZ_MAX_BODY, fuzz_on_frame, NULL, &declared);
        if (r == 0)
            r = frame_buf_feed(&fb, data + off, n, FUZZ_MAX_BODY, fuzz_on_frame, NULL, &declared);
        if (r != 0 && r != 1)
            break; /* the connection would be closed here */
    }
    frame_buf_reset(&fb);
    if (budget.held != 0)
        abort(); /* every byte reserved is given back */
    return 0;
}
