/*
 * rows.h - array values from protobuf fields into PostgreSQL: array
 * literals with every element quoted, so no element can break the syntax.
 * (Arrays come back as JSON, which exec.c reads.)
 */
#ifndef LIAISON_ROWS_H
#define LIAISON_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

/* A PostgreSQL array literal of n strings, each quoted. NULL on failure. */
char *rows_text_array(struct arena *a, char *const *items, size_t n);

/* A PostgreSQL array literal of n integers. NULL on failure. */
char *rows_u64_array(struct arena *a, const uint64_t *items, size_t n);
char *rows_u32_array(struct arena *a, const uint32_t *items, size_t n);

#endif
