/*
 * fuzz_replay.c - runs the fuzz harness without libFuzzer: well-formed seed
 * frames for every method, then many mutations of them (bit flips, byte
 * changes, truncations, splices, length-prefix edits) from a fixed seed, so
 * a run is repeatable. A crash or a sanitizer report fails the test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Room for one seed per RPC (more than 128 since issue 15) and the hand-made ones below. */
#define SEEDS_MAX 256
#define SEEDS_BY_HAND 2
#define ITERATIONS 200000

static uint8_t seeds[SEEDS_MAX][512];
static size_t seed_len[SEEDS_MAX];
static size_t nseeds;

/* A frame calling method with a small valid request, preceded by a cut byte. */
static void add_seed(const char *method, const ProtobufCMessage *payload)
{
    if (nseeds == SEEDS_MAX)
        return;
    uint8_t body[400];
    Liaison__V1__Frame f = LIAISON__V1__FRAME__INIT;
    f.request_id = nseeds + 1;
    f.method = (char *)method;
    uint8_t p[256];
    size_t pn = payload ? protobuf_c_message_pack(payload, p) : 0;
    f.payload.data = p;
    f.payload.len = pn;
    size_t n = protobuf_c_message_pack(&f.base, body);
    seeds[nseeds][0] = (uint8_t)nseeds;
    frame_put_header(seeds[nseeds] + 1, (uint32_t)n);
    memcpy(seeds[nseeds] + 1 + FRAME_HEADER_SIZE, body, n);
    seed_len[nseeds] = 1 + FRAME_HEADER_SIZE + n;
    nseeds++;
}

int main(void)
{
    const ProtobufCServiceDescriptor *svc = &liaison__v1__liaison__descriptor;
    for (unsigned i = 0; i < svc->n_methods && nseeds < SEEDS_MAX - SEEDS_BY_HAND; i++) {
        /* An empty request of the method's type, and one with a string set. */
        uint8_t storage[1024];
        ProtobufCMessage *m = (ProtobufCMessage *)storage;
        svc->methods[i].input->message_init(m);
        add_seed(svc->methods[i].name, m);
    }
    Liaison__V1__PingRequest ping = LIAISON__V1__PING_REQUEST__INIT;
    ping.echo = "xin chào";
    add_seed("Ping", &ping.base);
    Liaison__V1__LoginRequest login = LIAISON__V1__LOGIN_REQUEST__INIT;
    login.tenant = "acme";
    login.email = "a@b.example";
    login.password = "secret secret";
    add_seed("Login", &login.base);

    unsigned state = 12345;
    uint8_t buf[2048];
    for (long it = 0; it < ITERATIONS; it++) {
        size_t s = (size_t)rand_r(&state) % nseeds;
        size_t n = seed_len[s];
        memcpy(buf, seeds[s], n);
        int edits = 1 + rand_r(&state) % 4;
        for (int e = 0; e < edits; e++) {
            size_t pos = n > 1 ? 1 + (size_t)rand_r(&state) % (n - 1) : 0;
            switch (rand_r(&state) % 6) {
            case 0:
                buf[pos] ^= (uint8_t)(1u << (rand_r(&state) % 8));
                break;
            case 1:
                buf[pos] = (uint8_t)rand_r(&state);
                break;
            case 2:
                n = pos;
                break;
            case 3: { /* splice in the tail of another seed */
                size_t o = (size_t)rand_r(&state) % nseeds;
                size_t take = seed_len[o] / 2;
                if (pos + take < sizeof buf) {
                    memcpy(buf + pos, seeds[o] + seed_len[o] - take, take);
                    n = pos + take;
                }
                break;
            }
            case 4: /* a length prefix of anything */
                if (n >= 1 + FRAME_HEADER_SIZE)
                    frame_put_header(buf + 1, (uint32_t)rand_r(&state) * 2654435761u);
                break;
            default: /* two frames in one read */
                if (n >= 2 && 2 * n < sizeof buf) {
                    memcpy(buf + n, buf + 1, n - 1);
                    n = 2 * n - 1;
                }
                break;
            }
        }
        LLVMFuzzerTestOneInput(buf, n);
    }
    printf("fuzz replay: %d iterations over %zu seeds, no crash\n", ITERATIONS, nseeds);
    return 0;
}
