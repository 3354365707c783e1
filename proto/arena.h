/*
 * arena.h - a bump allocator with a byte budget, used as the
 * ProtobufCAllocator for decoding one request or one response. Everything a
 * decode allocates is released at once by arena_reset(); a decode that would
 * pass the budget fails instead of growing.
 */
#ifndef LIAISON_ARENA_H
#define LIAISON_ARENA_H

#include <stdbool.h>
#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

struct arena_chunk;

struct arena {
    ProtobufCAllocator pb;    /* hand &arena.pb to protobuf-c */
    struct arena_chunk *head; /* newest chunk first */
    size_t used;              /* bytes handed out, for the budget */
    size_t budget;            /* 0 means unlimited */
    /*
     * Set by the first allocation that failed, until arena_reset: whatever
     * was being built from the arena may be missing a part, so its user
     * checks this once before acting instead of at every call.
     */
    bool failed;
};

/* Prepares an empty arena that will hand out at most budget bytes. */
void arena_init(struct arena *a, size_t budget);

/*
 * Returns size bytes aligned for any type, or NULL (and sets failed) when
 * the budget would be passed or memory ran out.
 */
void *arena_alloc(struct arena *a, size_t size);

/* Copies a NUL-terminated string into the arena; NULL on failure. */
char *arena_strdup(struct arena *a, const char *s);

/*
 * Releases everything and clears failed; the arena can be used again with
 * the same budget.
 */
void arena_reset(struct arena *a);

#endif
