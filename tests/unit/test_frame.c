/*
 * test_frame.c - the frame codec and assembler: split reads, many frames
 * per read, zero-length frames, oversized prefixes, truncation, and
 * invalid protobuf inside a well-framed body.
 */
#include <stdint.h>

#include "../check.h"
#include "frame.h"
#include "wire.h"

#define MAX_BODY 1024

struct seen {
    int frames;
    size_t lens[64];
    uint8_t first_bytes[64];
};

static int on_frame(void *arg, const uint8_t *body, size_t len)
{
    struct seen *s = arg;
    CHECK(s->frames < 64);
    s->lens[s->frames] = len;
    s->first_bytes[s->frames] = len ? body[0] : 0;
    s->frames++;
    return 0;
}

/* Writes a frame whose body is n bytes of value v; returns bytes written. */
static size_t put_frame(uint8_t *out, size_t n, uint8_t v)
{
    frame_put_header(out, (uint32_t)n);
    memset(out + FRAME_HEADER_SIZE, v, n);
    return FRAME_HEADER_SIZE + n;
}

static void test_parse_whole_frame(void)
{
    uint8_t buf[64];
    size_t n = put_frame(buf, 10, 7);
    const uint8_t *body;
    size_t len, consumed;
    CHECK_EQ_INT(frame_parse(buf, n, MAX_BODY, &body, &len, &consumed), FRAME_READY);
    CHECK_EQ_INT(len, 10);
    CHECK_EQ_INT(consumed, 14);
    CHECK(body == buf + 4);
    CHECK_EQ_INT(frame_parse(buf, 3, MAX_BODY, &body, &len, &consumed), FRAME_NEED_MORE);
    CHECK_EQ_INT(frame_parse(buf, 13, MAX_BODY, &body, &len, &consumed), FRAME_NEED_MORE);
}

static void test_split_across_many_reads(void)
{
    uint8_t buf[600];
    size_t n = put_frame(buf, 500, 9);
    struct frame_buf fb = {0};
    struct seen s = {0};
    size_t declared = 0;
    for (size_t i = 0; i < n; i++) /* one byte per read */
        CHECK_EQ_INT(frame_buf_feed(&fb, buf + i, 1, MAX_BODY, on_frame, &s, &declared), 0);
    CHECK_EQ_INT(s.frames, 1);
    CHECK_EQ_INT(s.lens[0], 500);
    CHECK_EQ_INT(s.first_bytes[0], 9);
    CHECK(fb.data == NULL && fb.len == 0); /* nothing held once whole */
    frame_buf_reset(&fb);
}

static void test_many_frames_in_one_read(void)
{
    uint8_t buf[4096];
    size_t n = 0;
    for (int i = 0; i < 20; i++)
        n += put_frame(buf + n, (size_t)i * 3, (uint8_t)i);
    /* and half of one more */
    size_t tail = put_frame(buf + n, 40, 99);
    struct frame_buf fb = {0};
    struct seen s = {0};
    size_t declared = 0;
    CHECK_EQ_INT(frame_buf_feed(&fb, buf, n + tail / 2, MAX_BODY, on_frame, &s, &declared), 0);
    CHECK_EQ_INT(s.frames, 20);
    for (int i = 0; i < 20; i++)
        CHECK_EQ_INT(s.lens[i], i * 3);
    CHECK_EQ_INT(fb.len, tail / 2);
    CHECK_EQ_INT(
        frame_buf_feed(&fb, buf + n + tail / 2, tail - tail / 2, MAX_BODY, on_frame, &s, &declared),
        0);
    CHECK_EQ_INT(s.frames, 21);
    CHECK_EQ_INT(s.lens[20], 40);
    CHECK_EQ_INT(s.first_bytes[20], 99);
    frame_buf_reset(&fb);
}

static void test_zero_length_frame(void)
{
    uint8_t buf[16];
    size_t n = put_frame(buf, 0, 0);
    n += put_frame(buf + n, 0, 0);
    struct frame_buf fb = {0};
    struct seen s = {0};
    size_t declared = 0;
    CHECK_EQ_INT(frame_buf_feed(&fb, buf, n, MAX_BODY, on_frame, &s, &declared), 0);
    CHECK_EQ_INT(s.frames, 2);
    CHECK_EQ_INT(s.lens[0], 0);
    /* split header of a zero-length frame */
    CHECK_EQ_INT(frame_buf_feed(&fb, buf, 2, MAX_BODY, on_frame, &s, &declared), 0);
    CHECK_EQ_INT(frame_buf_feed(&fb, buf + 2, 2, MAX_BODY, on_frame, &s, &declared), 0);
    CHECK_EQ_INT(s.frames, 3);
    frame_buf_reset(&fb);
    /* an empty body decodes to an empty Frame: request id 0, refused later */
    struct arena a;
    arena_init(&a, 4096);
    char field[64];
    const char *why;
    Liaison__V1__Frame *f = (Liaison__V1__Frame *)wire_decode(&liaison__v1__frame__descriptor, buf,
                                                              0, &a, field, sizeof field, &why);
    CHECK(f != NULL);
    CHECK_EQ_INT(f->request_id, 0);
    arena_reset(&a);
}

static void test_length_over_maximum(void)
{
    uint8_t hdr[4];
    struct frame_buf fb = {0};
    struct seen s = {0};
    size_t declared = 0;
    frame_put_header(hdr, MAX_BODY + 1);
    CHECK_EQ_INT(frame_buf_feed(&fb, hdr, 4, MAX_BODY, on_frame, &s, &declared), FRAME_TOO_LARGE);
    CHECK_EQ_INT(declared, MAX_BODY + 1);
    CHECK(fb.cap <= FRAME_HEADER_SIZE); /* nothing allocated for the body */
    frame_buf_reset(&fb);
    /* 4 GiB - 1 announced a byte at a time */
    frame_put_header(hdr, UINT32_MAX);
    CHECK_EQ_INT(frame_buf_feed(&fb, hdr, 1, MAX_BODY, on_frame, &s, &declared), 0);
    CHECK_EQ_INT(frame_buf_feed(&fb, hdr + 1, 1, MAX_BODY, on_frame, &s, &declared), 0);
    CHECK_EQ_INT(frame_buf_feed(&fb, hdr + 2, 2, MAX_BODY, on_frame, &s, &declared),
                 FRAME_TOO_LARGE);
    CHECK_EQ_INT(declared, UINT32_MAX);
    CHECK(fb.cap <= FRAME_HEADER_SIZE);
    CHECK_EQ_INT(s.frames, 0);
    frame_buf_reset(&fb);
    const uint8_t *body;
    size_t len, consumed;
    CHECK_EQ_INT(frame_parse(hdr, 4, MAX_BODY, &body, &len, &consumed), FRAME_TOO_LARGE);
}

static void test_truncated_then_close(void)
{
    uint8_t buf[300];
    size_t n = put_frame(buf, 200, 1);
    struct frame_buf fb = {0};
    struct seen s = {0};
    size_t declared = 0;
    CHECK_EQ_INT(frame_buf_feed(&fb, buf, n - 1, MAX_BODY, on_frame, &s, &declared), 0);
    CHECK_EQ_INT(s.frames, 0);
    CHECK_EQ_INT(fb.len, n - 1);
    CHECK(fb.cap <= n); /* never past the declared size */
    /* the peer closes: the owner resets, and nothing was delivered */
    frame_buf_reset(&fb);
    CHECK(fb.data == NULL);
    CHECK_EQ_INT(s.frames, 0);
}

/* A large frame announced and barely begun holds about what arrived. */
static void test_announced_not_sent(void)
{
    uint8_t buf[1100];
    size_t n = put_frame(buf, 1000, 3);
    struct frame_buf fb = {0};
    struct seen s = {0};
    size_t declared = 0;
    CHECK_EQ_INT(frame_buf_feed(&fb, buf, FRAME_HEADER_SIZE + 1, MAX_BODY, on_frame, &s, &declared),
                 0);
    CHECK(fb.cap <= 2 * (FRAME_HEADER_SIZE + 1));
    for (size_t off = FRAME_HEADER_SIZE + 1; off < n; off += 100) {
        size_t k = n - off < 100 ? n - off : 100;
        CHECK_EQ_INT(frame_buf_feed(&fb, buf + off, k, MAX_BODY, on_frame, &s, &declared), 0);
        CHECK(fb.data == NULL || fb.cap <= 2 * fb.len);
    }
    CHECK_EQ_INT(s.frames, 1);
    CHECK_EQ_INT(s.lens[0], 1000);
    CHECK(fb.data == NULL);
}

/* Assemblers that share a budget: past its limit the feed is refused. */
static void test_budget(void)
{
    uint8_t buf[1100];
    size_t n = put_frame(buf, 1000, 5);
    struct frame_budget budget = {.limit = 1100};
    struct frame_buf a = {.budget = &budget}, b = {.budget = &budget};
    struct seen s = {0};
    size_t declared = 0;
    CHECK_EQ_INT(frame_buf_feed(&a, buf, 600, MAX_BODY, on_frame, &s, &declared), 0);
    CHECK_EQ_INT(budget.held, a.cap);
    CHECK_EQ_INT(frame_buf_feed(&b, buf, 600, MAX_BODY, on_frame, &s, &declared),
                 FRAME_OVER_BUDGET);
    frame_buf_reset(&b);
    size_t had = a.cap;
    frame_buf_reset(&a);
    CHECK_EQ_INT(budget.held, 0);
    CHECK(budget.released >= had);
    /* With the room given back, a whole frame goes through and holds nothing after. */
    CHECK_EQ_INT(frame_buf_feed(&b, buf, 600, MAX_BODY, on_frame, &s, &declared), 0);
    CHECK_EQ_INT(frame_buf_feed(&b, buf + 600, n - 600, MAX_BODY, on_frame, &s, &declared), 0);
    CHECK_EQ_INT(s.frames, 1);
    CHECK_EQ_INT(budget.held, 0);
}

static int stop_after_first(void *arg, const uint8_t *body, size_t len)
{
    struct seen *s = arg;
    on_frame(arg, body, len);
    return s->frames == 1 ? 7 : 0;
}

/* A callback that stops keeps the rest, whole frames and tail alike. */
static void test_stop_and_resume(void)
{
    uint8_t buf[256];
    size_t n = 0;
    for (int i = 1; i <= 3; i++)
        n += put_frame(buf + n, (size_t)i * 10, (uint8_t)i);
    size_t tail = put_frame(buf + n, 30, 4);
    struct frame_buf fb = {0};
    struct seen s = {0};
    size_t declared = 0;
    CHECK_EQ_INT(frame_buf_feed(&fb, buf, n + 5, MAX_BODY, stop_after_first, &s, &declared), 7);
    CHECK_EQ_INT(s.frames, 1);
    CHECK(fb.stopped);
    CHECK_EQ_INT(fb.len, n + 5 - 14);
    CHECK_EQ_INT(frame_buf_resume(&fb, MAX_BODY, stop_after_first, &s, &declared), 0);
    CHECK_EQ_INT(s.frames, 3);
    CHECK(!fb.stopped);
    CHECK_EQ_INT(fb.len, 5); /* the unfinished fourth frame, as usual */
    CHECK_EQ_INT(
        frame_buf_feed(&fb, buf + n + 5, tail - 5, MAX_BODY, stop_after_first, &s, &declared), 0);
    CHECK_EQ_INT(s.frames, 4);
    CHECK_EQ_INT(s.lens[3], 30);
    CHECK_EQ_INT(s.first_bytes[3], 4);
    frame_buf_reset(&fb);

    /* Stopping on a frame completed from held bytes keeps what followed it. */
    struct seen s2 = {0};
    CHECK_EQ_INT(frame_buf_feed(&fb, buf, 6, MAX_BODY, stop_after_first, &s2, &declared), 0);
    CHECK_EQ_INT(frame_buf_feed(&fb, buf + 6, n - 6, MAX_BODY, stop_after_first, &s2, &declared),
                 7);
    CHECK(fb.stopped);
    CHECK_EQ_INT(frame_buf_resume(&fb, MAX_BODY, stop_after_first, &s2, &declared), 0);
    CHECK_EQ_INT(s2.frames, 3);
    CHECK(fb.data == NULL);
}

/*
 * Feeding an assembler that a callback stopped is refused and changes
 * nothing: the kept bytes (here more than one frame) used to be taken for
 * an unfinished frame's, and the copy ran past the end of the buffer.
 */
static void test_feed_while_stopped(void)
{
    uint8_t buf[256];
    size_t n = 0;
    for (int i = 1; i <= 3; i++)
        n += put_frame(buf + n, (size_t)i * 10, (uint8_t)i);
    struct frame_buf fb = {0};
    struct seen s = {0};
    size_t declared = 0;
    CHECK_EQ_INT(frame_buf_feed(&fb, buf, n, MAX_BODY, stop_after_first, &s, &declared), 7);
    CHECK(fb.stopped);
    size_t kept = fb.len;
    uint8_t more[64];
    size_t m = put_frame(more, 40, 9);
    CHECK_EQ_INT(frame_buf_feed(&fb, more, m, MAX_BODY, stop_after_first, &s, &declared),
                 FRAME_STOPPED);
    CHECK(fb.stopped);
    CHECK_EQ_INT(fb.len, kept);
    CHECK_EQ_INT(s.frames, 1);
    CHECK_EQ_INT(frame_buf_resume(&fb, MAX_BODY, stop_after_first, &s, &declared), 0);
    CHECK_EQ_INT(s.frames, 3);
    CHECK_EQ_INT(frame_buf_feed(&fb, more, m, MAX_BODY, stop_after_first, &s, &declared), 0);
    CHECK_EQ_INT(s.frames, 4);
    CHECK_EQ_INT(s.lens[3], 40);
    CHECK(fb.data == NULL);
}

/*
 * A share of a budget: its assemblers stop at the share's limit and leave
 * the rest of the whole to the others; moving an assembler between them
 * carries what it holds.
 */
static void test_budget_share(void)
{
    uint8_t buf[1100];
    put_frame(buf, 1000, 5);
    struct frame_budget whole = {.limit = 2500};
    struct frame_budget share = {.limit = 700, .parent = &whole};
    struct frame_buf anon[2] = {{.budget = &share}, {.budget = &share}};
    struct frame_buf member = {.budget = &whole};
    struct seen s = {0};
    size_t declared = 0;
    CHECK_EQ_INT(frame_buf_feed(&anon[0], buf, 600, MAX_BODY, on_frame, &s, &declared), 0);
    CHECK_EQ_INT(share.held, anon[0].cap);
    CHECK_EQ_INT(whole.held, anon[0].cap);
    CHECK_EQ_INT(frame_buf_feed(&anon[1], buf, 600, MAX_BODY, on_frame, &s, &declared),
                 FRAME_OVER_BUDGET);
    frame_buf_reset(&anon[1]);
    CHECK_EQ_INT(frame_buf_feed(&member, buf, 1000, MAX_BODY, on_frame, &s, &declared), 0);
    CHECK_EQ_INT(whole.held, anon[0].cap + member.cap);

    /* Authenticated: what it holds leaves the share, not the whole. */
    size_t had = anon[0].cap;
    frame_buf_rebudget(&anon[0], &whole);
    CHECK_EQ_INT(share.held, 0);
    CHECK_EQ_INT(whole.held, had + member.cap);
    CHECK_EQ_INT(frame_buf_feed(&anon[1], buf, 600, MAX_BODY, on_frame, &s, &declared), 0);
    frame_buf_reset(&anon[0]);
    frame_buf_reset(&anon[1]);
    frame_buf_reset(&member);
    CHECK_EQ_INT(share.held, 0);
    CHECK_EQ_INT(whole.held, 0);
    CHECK_EQ_INT(s.frames, 0);
}

static void test_invalid_protobuf(void)
{
    struct arena a;
    arena_init(&a, 4096);
    char field[64];
    const char *why = NULL;
    /* field 1 as a varint that never ends */
    const uint8_t bad1[] = {0x08, 0xff, 0xff, 0xff};
    CHECK(wire_decode(&liaison__v1__frame__descriptor, bad1, sizeof bad1, &a, field, sizeof field,
                      &why) == NULL);
    CHECK(why != NULL);
    /* bytes field claiming 100 bytes with 2 present */
    const uint8_t bad2[] = {0x1a, 100, 1, 2};
    CHECK(wire_decode(&liaison__v1__frame__descriptor, bad2, sizeof bad2, &a, field, sizeof field,
                      &why) == NULL);
    /* wire type 7 does not exist */
    const uint8_t bad3[] = {0x0f, 0x00};
    CHECK(wire_decode(&liaison__v1__frame__descriptor, bad3, sizeof bad3, &a, field, sizeof field,
                      &why) == NULL);
    /* method as invalid UTF-8 */
    const uint8_t bad4[] = {0x08, 0x01, 0x12, 0x02, 0xc3, 0x28};
    CHECK(wire_decode(&liaison__v1__frame__descriptor, bad4, sizeof bad4, &a, field, sizeof field,
                      &why) == NULL);
    CHECK_EQ_STR(field, "method");
    CHECK_EQ_STR(why, "not valid UTF-8");
    arena_reset(&a);
}

static void test_decode_budget(void)
{
    /* A Status with many violations: fine with room, refused on a budget. */
    uint8_t buf[4096];
    size_t n = 0;
    for (int i = 0; i < 200; i++) {
        buf[n++] = 0x1a; /* violations, length-delimited */
        buf[n++] = 0x00; /* empty FieldViolation */
    }
    struct arena a;
    char field[64];
    const char *why;
    arena_init(&a, 1 << 20);
    CHECK(wire_decode(&liaison__v1__status__descriptor, buf, n, &a, field, sizeof field, &why));
    arena_reset(&a);
    arena_init(&a, 1024);
    CHECK(!wire_decode(&liaison__v1__status__descriptor, buf, n, &a, field, sizeof field, &why));
    arena_reset(&a);
}

int main(void)
{
    RUN(test_parse_whole_frame);
    RUN(test_split_across_many_reads);
    RUN(test_many_frames_in_one_read);
    RUN(test_zero_length_frame);
    RUN(test_length_over_maximum);
    RUN(test_truncated_then_close);
    RUN(test_announced_not_sent);
    RUN(test_budget);
    RUN(test_stop_and_resume);
    RUN(test_feed_while_stopped);
    RUN(test_budget_share);
    RUN(test_invalid_protobuf);
    RUN(test_decode_budget);
    return 0;
}
