/*
 * frame.h - the length-prefixed framing shared by liaisond and libliaison.
 *
 * A frame is a 4-byte big-endian length followed by that many bytes of one
 * encoded liaison.v1.Frame. frame_parse() is a pure function over a buffer;
 * struct frame_buf assembles frames that arrive split across reads without
 * ever allocating more than a declared, already-checked length.
 */
#ifndef LIAISON_FRAME_H
#define LIAISON_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FRAME_HEADER_SIZE 4

enum frame_result {
    FRAME_NEED_MORE = 0, /* not a whole frame yet */
    FRAME_READY = 1,     /* a whole frame: body and consumed are set */
    FRAME_TOO_LARGE = -1 /* declared length above the limit: close */
};

/*
 * Looks at buf[0..len) for one frame of at most max_body bytes. On
 * FRAME_READY, *body points into buf, *body_len is its length and *consumed
 * is header plus body. On FRAME_TOO_LARGE, *body_len holds the declared
 * length so the caller can report it. Nothing is allocated.
 */
enum frame_result frame_parse(const uint8_t *buf, size_t len, uint32_t max_body,
                              const uint8_t **body, size_t *body_len, size_t *consumed);

/* Writes the 4-byte header for a body of body_len bytes. */
void frame_put_header(uint8_t out[FRAME_HEADER_SIZE], uint32_t body_len);

/*
 * The bytes that many assemblers (one server worker's connections) may hold
 * together in frames not yet complete. A budget with a parent is a share of
 * it: what its assemblers hold counts against both limits.
 */
struct frame_budget {
    size_t held;                 /* bytes reserved now */
    size_t limit;                /* the most they may hold; 0: no limit */
    size_t released;             /* bytes given back; the owner clears it when it looks */
    struct frame_budget *parent; /* NULL: a budget of its own */
};

/*
 * Assembler for frames that arrive in pieces. Holds only the bytes of an
 * unfinished frame, or the bytes left when a callback stopped it; an idle
 * assembler holds no memory. The buffer grows with the bytes that actually
 * arrive, never past the declared (already checked) size, so a peer that
 * announces a large frame and sends little holds little.
 */
struct frame_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
    struct frame_budget *budget; /* NULL: bounded only by max_body */
    bool stopped;                /* data holds bytes a callback left: resume first */
};

/* frame_buf_feed's results besides 0 and the callback's own values. */
#define FRAME_NO_MEMORY (-2)
#define FRAME_OVER_BUDGET (-3)
#define FRAME_STOPPED (-4) /* fed while stopped: nothing was taken */

/*
 * Called for each whole frame. Returns 0 to go on, non-zero to stop feeding
 * (the value is returned by frame_buf_feed).
 */
typedef int (*frame_cb)(void *arg, const uint8_t *body, size_t body_len);

/*
 * Feeds n received bytes. Whole frames found in data are handed to cb
 * without copying; only an unfinished tail is kept. When cb stops the feed,
 * the bytes after that frame are kept too (stopped is set): nothing that
 * arrived is lost, and frame_buf_resume() hands them over later. Returns 0,
 * the first non-zero value cb returned, FRAME_TOO_LARGE (with *declared
 * set), FRAME_NO_MEMORY, or FRAME_OVER_BUDGET when holding the bytes would
 * pass the budget's limit. While stopped is set it takes nothing and
 * returns FRAME_STOPPED: frame_buf_resume() comes first.
 */
int frame_buf_feed(struct frame_buf *fb, const uint8_t *data, size_t n, uint32_t max_body,
                   frame_cb cb, void *arg, size_t *declared);

/*
 * After a stop: feeds the bytes the assembler kept, as frame_buf_feed
 * would, and returns what it returns. Returns 0 at once when not stopped.
 */
int frame_buf_resume(struct frame_buf *fb, uint32_t max_body, frame_cb cb, void *arg,
                     size_t *declared);

/* Frees what the assembler holds; it may be fed again afterwards. */
void frame_buf_reset(struct frame_buf *fb);

/*
 * Moves what fb holds to another budget (a connection that authenticated
 * draws on a different share). The new budget may end up over its limit:
 * the bytes are already in hand, and later growth is refused until it is
 * back under.
 */
void frame_buf_rebudget(struct frame_buf *fb, struct frame_budget *to);

#endif
