/*
 * rows.c - PostgreSQL array literals from protobuf repeated fields.
 */
#include "rows.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

char *rows_text_array(struct arena *a, char *const *items, size_t n)
{
    size_t cap = 3;
    for (size_t i = 0; i < n; i++)
        cap += 2 * strlen(items[i]) + 3;
    char *out = arena_alloc(a, cap);
    if (!out)
        return NULL;
    char *p = out;
    *p++ = '{';
    for (size_t i = 0; i < n; i++) {
        if (i)
            *p++ = ',';
        *p++ = '"';
        for (const char *c = items[i]; *c; c++) {
            if (*c == '"' || *c == '\\')
                *p++ = '\\';
            *p++ = *c;
        }
        *p++ = '"';
    }
    *p++ = '}';
    *p = '\0';
    return out;
}

char *rows_u64_array(struct arena *a, const uint64_t *items, size_t n)
{
    char *out = arena_alloc(a, 3 + n * 21);
    if (!out)
        return NULL;
    char *p = out;
    *p++ = '{';
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%s%" PRIu64, i ? "," : "", items[i]);
    *p++ = '}';
    *p = '\0';
    return out;
}

char *rows_u32_array(struct arena *a, const uint32_t *items, size_t n)
{
    char *out = arena_alloc(a, 3 + n * 11);
    if (!out)
        return NULL;
    char *p = out;
    *p++ = '{';
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%s%" PRIu32, i ? "," : "", items[i]);
    *p++ = '}';
    *p = '\0';
    return out;
}
