/*
 * arena.c - bump allocation in chunks. Chunks are malloc'd on demand and
 * sized to the request when it is larger than the default, so a decode of a
 * large bytes field costs one allocation.
 */
#include "arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK_DEFAULT 4096

struct arena_chunk {
    struct arena_chunk *next;
    size_t size;
    size_t off;
    alignas(max_align_t) unsigned char mem[];
};

static void *arena_pb_alloc(void *data, size_t size)
{
    return arena_alloc(data, size);
}

/* Memory is returned all at once by arena_reset: single frees do nothing. */
static void arena_pb_free(void *data, void *ptr)
{
    (void)data;
    (void)ptr;
}

void arena_init(struct arena *a, size_t budget)
{
    a->pb.alloc = arena_pb_alloc;
    a->pb.free = arena_pb_free;
    a->pb.allocator_data = a;
    a->head = NULL;
    a->used = 0;
    a->budget = budget;
    a->failed = false;
}

void *arena_alloc(struct arena *a, size_t size)
{
    const size_t align = alignof(max_align_t);
    size_t rounded = (size + align - 1) & ~(align - 1);
    if (rounded < size || (a->budget && (rounded > a->budget || a->used > a->budget - rounded))) {
        a->failed = true;
        return NULL;
    }
    struct arena_chunk *c = a->head;
    if (!c || c->size - c->off < rounded) {
        size_t want = rounded > ARENA_CHUNK_DEFAULT ? rounded : ARENA_CHUNK_DEFAULT;
        c = malloc(sizeof(*c) + want);
        if (!c) {
            a->failed = true;
            return NULL;
        }
        c->size = want;
        c->off = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = c->mem + c->off;
    c->off += rounded;
    a->used += rounded;
    return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = arena_alloc(a, n);
    if (p)
        memcpy(p, s, n);
    return p;
}

void arena_reset(struct arena *a)
{
    struct arena_chunk *c = a->head;
    while (c) {
        struct arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
    a->used = 0;
    a->failed = false;
}
