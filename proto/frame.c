/*
 * frame.c - length-prefixed framing. The declared length is checked against
 * the limit before a single byte is reserved for it.
 */
#include "frame.h"

#include <stdlib.h>
#include <string.h>

static uint32_t frame_read_header(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

void frame_put_header(uint8_t out[FRAME_HEADER_SIZE], uint32_t body_len)
{
    out[0] = (uint8_t)(body_len >> 24);
    out[1] = (uint8_t)(body_len >> 16);
    out[2] = (uint8_t)(body_len >> 8);
    out[3] = (uint8_t)body_len;
}

enum frame_result frame_parse(const uint8_t *buf, size_t len, uint32_t max_body,
                              const uint8_t **body, size_t *body_len, size_t *consumed)
{
    if (len < FRAME_HEADER_SIZE)
        return FRAME_NEED_MORE;
    uint32_t declared = frame_read_header(buf);
    *body_len = declared;
    if (declared > max_body)
        return FRAME_TOO_LARGE;
    if (len - FRAME_HEADER_SIZE < declared)
        return FRAME_NEED_MORE;
    *body = buf + FRAME_HEADER_SIZE;
    *consumed = FRAME_HEADER_SIZE + (size_t)declared;
    return FRAME_READY;
}

/* Charges the budget, and each it is a share of, for fb going to new_cap. */
static void frame_buf_account(struct frame_buf *fb, size_t new_cap)
{
    for (struct frame_budget *b = fb->budget; b; b = b->parent) {
        if (new_cap >= fb->cap) {
            b->held += new_cap - fb->cap;
        } else {
            b->held -= fb->cap - new_cap;
            b->released += fb->cap - new_cap;
        }
    }
}

void frame_buf_rebudget(struct frame_buf *fb, struct frame_budget *to)
{
    /* Nothing is freed, so nothing counts as released. */
    for (struct frame_budget *b = fb->budget; b; b = b->parent)
        b->held -= fb->cap;
    for (struct frame_budget *b = to; b; b = b->parent)
        b->held += fb->cap;
    fb->budget = to;
}

void frame_buf_reset(struct frame_buf *fb)
{
    frame_buf_account(fb, 0);
    free(fb->data);
    fb->data = NULL;
    fb->len = 0;
    fb->cap = 0;
    fb->stopped = false;
}

/*
 * Makes room for at least need bytes, at most limit: doubling, so that a
 * frame arriving in many reads costs few copies, but never more than the
 * bytes in hand justify by more than a factor of two.
 */
static int frame_buf_reserve(struct frame_buf *fb, size_t need, size_t limit)
{
    if (need <= fb->cap)
        return 0;
    size_t cap = fb->cap * 2 > need ? fb->cap * 2 : need;
    if (cap > limit)
        cap = limit;
    for (const struct frame_budget *b = fb->budget; b; b = b->parent)
        if (b->limit && b->held + (cap - fb->cap) > b->limit)
            return FRAME_OVER_BUDGET;
    uint8_t *grown = realloc(fb->data, cap);
    if (!grown)
        return FRAME_NO_MEMORY;
    frame_buf_account(fb, cap);
    fb->data = grown;
    fb->cap = cap;
    return 0;
}

/*
 * Moves bytes from data into the unfinished frame until it is whole or data
 * runs out. The buffer holds the header first; the body's bytes are taken
 * only once the declared size has passed the limit check, and room grows
 * with what arrives.
 */
static int frame_buf_fill(struct frame_buf *fb, const uint8_t **data, size_t *n, uint32_t max_body,
                          size_t *declared)
{
    size_t want = FRAME_HEADER_SIZE;
    if (fb->len >= FRAME_HEADER_SIZE) {
        uint32_t body = frame_read_header(fb->data);
        want = FRAME_HEADER_SIZE + (size_t)body;
    }
    for (;;) {
        size_t take = want - fb->len;
        if (take > *n)
            take = *n;
        int r = frame_buf_reserve(fb, fb->len + take, want);
        if (r != 0)
            return r;
        memcpy(fb->data + fb->len, *data, take);
        fb->len += take;
        *data += take;
        *n -= take;
        if (fb->len < want)
            return FRAME_NEED_MORE;
        if (want > FRAME_HEADER_SIZE || fb->len > FRAME_HEADER_SIZE)
            return FRAME_READY;
        uint32_t body = frame_read_header(fb->data);
        if (body > max_body) {
            *declared = body;
            return FRAME_TOO_LARGE;
        }
        if (body == 0)
            return FRAME_READY;
        want = FRAME_HEADER_SIZE + (size_t)body;
    }
}

/* A callback stopped the feed with r: keeps data[0..n) for frame_buf_resume. */
static int frame_buf_keep(struct frame_buf *fb, const uint8_t *data, size_t n, int r)
{
    if (n == 0)
        return r;
    int k = frame_buf_reserve(fb, n, n);
    if (k != 0)
        return k;
    memcpy(fb->data, data, n);
    fb->len = n;
    fb->stopped = true;
    return r;
}

int frame_buf_feed(struct frame_buf *fb, const uint8_t *data, size_t n, uint32_t max_body,
                   frame_cb cb, void *arg, size_t *declared)
{
    /* The kept bytes come before these: appending would mix up the frames. */
    if (fb->stopped)
        return FRAME_STOPPED;
    if (fb->len > 0) {
        int r = frame_buf_fill(fb, &data, &n, max_body, declared);
        if (r != FRAME_READY)
            return r == FRAME_NEED_MORE ? 0 : r;
        r = cb(arg, fb->data + FRAME_HEADER_SIZE, fb->len - FRAME_HEADER_SIZE);
        frame_buf_reset(fb);
        if (r != 0)
            return frame_buf_keep(fb, data, n, r);
    }
    while (n > 0) {
        const uint8_t *body;
        size_t body_len, consumed;
        enum frame_result fr = frame_parse(data, n, max_body, &body, &body_len, &consumed);
        if (fr == FRAME_TOO_LARGE) {
            *declared = body_len;
            return FRAME_TOO_LARGE;
        }
        if (fr == FRAME_NEED_MORE) {
            int r = frame_buf_fill(fb, &data, &n, max_body, declared);
            return r == FRAME_NEED_MORE ? 0 : r;
        }
        int r = cb(arg, body, body_len);
        data += consumed;
        n -= consumed;
        if (r != 0)
            return frame_buf_keep(fb, data, n, r);
    }
    return 0;
}

int frame_buf_resume(struct frame_buf *fb, uint32_t max_body, frame_cb cb, void *arg,
                     size_t *declared)
{
    if (!fb->stopped)
        return 0;
    /* The kept bytes are fed like new ones from a detached copy of the buffer. */
    struct frame_buf kept = *fb;
    fb->data = NULL;
    fb->len = 0;
    fb->cap = 0;
    fb->stopped = false;
    int r = frame_buf_feed(fb, kept.data, kept.len, max_body, cb, arg, declared);
    frame_buf_reset(&kept);
    return r;
}
