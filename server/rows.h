/*
 * rows.h - moving array values between PostgreSQL and protobuf fields.
 * Arrays come out of SQL as array_to_json(...) text and go in as array
 * literals with every element quoted, so no element can break the syntax.
 */
#ifndef LIAISON_ROWS_H
#define LIAISON_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

/* JSON array of strings -> arena array; *n its length. NULL on failure or a non-string. */
char **rows_strings(struct arena *a, const char *json, size_t *n);

/* JSON array of non-negative integers -> arena array. NULL on failure. */
uint32_t *rows_u32s(struct arena *a, const char *json, size_t *n);

/* A PostgreSQL array literal of n strings, each quoted. NULL on failure. */
char *rows_text_array(struct arena *a, char *const *items, size_t n);

/* A PostgreSQL array literal of n integers. NULL on failure. */
char *rows_u64_array(struct arena *a, const uint64_t *items, size_t n);
char *rows_u32_array(struct arena *a, const uint32_t *items, size_t n);

#endif
