/*
 * rows.c - array conversions (jansson for the JSON side).
 */
#include "rows.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

static json_t *rows_parse(const char *json)
{
    json_t *j = json && *json ? json_loads(json, JSON_DECODE_ANY, NULL) : json_array();
    if (j && json_is_null(j)) {
        json_decref(j);
        j = json_array();
    }
    if (j && !json_is_array(j)) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

char **rows_strings(struct arena *a, const char *json, size_t *n)
{
    json_t *j = rows_parse(json);
    if (!j)
        return NULL;
    size_t count = json_array_size(j);
    char **out = arena_alloc(a, sizeof *out * (count + 1));
    for (size_t i = 0; out && i < count; i++) {
        /* An element that is not a string is a mistake in the SQL, not an empty string. */
        const char *s = json_string_value(json_array_get(j, i));
        out[i] = s ? arena_strdup(a, s) : NULL;
        if (!out[i])
            out = NULL;
    }
    json_decref(j);
    *n = count;
    return out;
}

uint32_t *rows_u32s(struct arena *a, const char *json, size_t *n)
{
    json_t *j = rows_parse(json);
    if (!j)
        return NULL;
    size_t count = json_array_size(j);
    uint32_t *out = arena_alloc(a, sizeof *out * (count + 1));
    for (size_t i = 0; out && i < count; i++)
        out[i] = (uint32_t)json_integer_value(json_array_get(j, i));
    json_decref(j);
    *n = count;
    return out;
}

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
