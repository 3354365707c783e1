/*
 * output.c - human tables and JSON for the CLI. Table cells are the JSON
 * values rendered as text, so one table routine serves every command.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define OUTPUT_MAX_CELL 60

void output_json(const json_t *v)
{
    char *s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    if (s) {
        printf("%s\n", s);
        free(s);
    }
}

/* The cell text for a value, cut to OUTPUT_MAX_CELL bytes, in buf. */
static const char *output_cell(const json_t *v, char *buf, size_t cap)
{
    if (!v || json_is_null(v))
        snprintf(buf, cap, "-");
    else if (json_is_string(v))
        snprintf(buf, cap, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(buf, cap, "%g", json_real_value(v));
    else if (json_is_boolean(v))
        snprintf(buf, cap, "%s", json_is_true(v) ? "yes" : "no");
    else {
        char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        snprintf(buf, cap, "%s", s ? s : "?");
        free(s);
    }
    if (strlen(buf) > OUTPUT_MAX_CELL)
        memcpy(buf + OUTPUT_MAX_CELL - 3, "...", 4);
    return buf;
}

void output_table(const struct output_column *cols, int ncols, const json_t *rows)
{
    size_t width[16] = {0};
    char cell[OUTPUT_MAX_CELL * 4 + 8];
    if (ncols > 16)
        ncols = 16;
    for (int c = 0; c < ncols; c++)
        width[c] = strlen(cols[c].header);
    size_t i;
    const json_t *row;
    json_array_foreach(rows, i, row)
    {
        for (int c = 0; c < ncols; c++) {
            size_t w = strlen(output_cell(json_object_get(row, cols[c].key), cell, sizeof cell));
            if (w > width[c])
                width[c] = w;
        }
    }
    for (int c = 0; c < ncols; c++)
        printf("%-*s%s", (int)width[c], cols[c].header, c + 1 < ncols ? "  " : "\n");
    json_array_foreach(rows, i, row)
    {
        for (int c = 0; c < ncols; c++)
            printf("%-*s%s", (int)width[c],
                   output_cell(json_object_get(row, cols[c].key), cell, sizeof cell),
                   c + 1 < ncols ? "  " : "\n");
    }
}

void output_fields(const struct output_column *cols, int ncols, const json_t *obj)
{
    size_t width = 0;
    char cell[OUTPUT_MAX_CELL * 4 + 8];
    for (int c = 0; c < ncols; c++)
        if (strlen(cols[c].header) > width)
            width = strlen(cols[c].header);
    for (int c = 0; c < ncols; c++)
        printf("%-*s  %s\n", (int)width, cols[c].header,
               output_cell(json_object_get(obj, cols[c].key), cell, sizeof cell));
}

int cli_list(struct cli *cli, const char *method, json_t *request, const char *items_key,
             const struct output_column *cols, int ncols, const char *page_size, const char *cursor,
             bool all)
{
    long size = 0;
    if (page_size) {
        char *end;
        size = strtol(page_size, &end, 10);
        if (*end || size < 1 || size > 500) {
            fprintf(stderr, "liaison: --page-size must be 1 to 500\n");
            json_decref(request);
            return EXIT_USAGE;
        }
    }
    json_t *rows = json_array();
    char *next = strdup(cursor ? cursor : "");
    int rc = rows && next ? EXIT_OK : EXIT_ERROR;
    while (rc == EXIT_OK) {
        json_t *req = json_deep_copy(request);
        json_object_set_new(req, "page",
                            json_pack("{s:I,s:s}", "pageSize", (json_int_t)size, "cursor", next));
        json_t *resp;
        rc = cli_call(cli, method, req, &resp);
        if (rc != EXIT_OK)
            break;
        json_array_extend(rows, json_object_get(resp, items_key));
        const char *nc =
            json_string_value(json_object_get(json_object_get(resp, "page"), "nextCursor"));
        free(next);
        next = strdup(nc ? nc : "");
        json_decref(resp);
        if (!next)
            rc = EXIT_ERROR;
        else if (!all || !*next)
            break;
    }
    if (rc == EXIT_OK) {
        if (cli->set.json) {
            json_t *out = json_pack("{s:O,s:s}", items_key, rows, "nextCursor", next);
            output_json(out);
            json_decref(out);
        } else {
            output_table(cols, ncols, rows);
            if (*next)
                printf("more: --cursor %s\n", next);
        }
    }
    free(next);
    json_decref(rows);
    json_decref(request);
    return rc;
}

json_t *cli_split(const char *list, bool as_ints)
{
    json_t *arr = json_array();
    const char *p = list;
    while (arr && p && *p) {
        size_t n = strcspn(p, ",");
        char item[256];
        if (n == 0 || n >= sizeof item) {
            json_decref(arr);
            return NULL;
        }
        memcpy(item, p, n);
        item[n] = '\0';
        if (as_ints) {
            char *end;
            long long v = strtoll(item, &end, 10);
            if (*end || v < 0) {
                json_decref(arr);
                return NULL;
            }
            json_array_append_new(arr, json_integer(v));
        } else {
            json_array_append_new(arr, json_string(item));
        }
        p += n;
        if (*p == ',')
            p++;
    }
    return arr;
}
