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

void frame_buf_reset(struct frame_buf *fb)
{
    free(fb->data);
    fb->data = NULL;
    fb->len = 0;
    fb->cap = 0;
}

/*
 * Moves bytes from data into the unfinished frame until it is whole or data
 * runs out. The buffer grows to the header first, then to exactly the
 * declared size once that size has passed the limit check.
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
        if (want > fb->cap) {
            uint8_t *grown = realloc(fb->data, want);
            if (!grown)
                return -2;
            fb->data = grown;
            fb->cap = want;
        }
        size_t take = want - fb->len;
        if (take > *n)
            take = *n;
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

int frame_buf_feed(struct frame_buf *fb, const uint8_t *data, size_t n, uint32_t max_body,
                   frame_cb cb, void *arg, size_t *declared)
{
    if (fb->len > 0) {
        int r = frame_buf_fill(fb, &data, &n, max_body, declared);
        if (r != FRAME_READY)
            return r == FRAME_NEED_MORE ? 0 : r;
        r = cb(arg, fb->data + FRAME_HEADER_SIZE, fb->len - FRAME_HEADER_SIZE);
        frame_buf_reset(fb);
        if (r != 0)
            return r;
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
            return r;
    }
    return 0;
}
