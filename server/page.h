/*
 * page.h - pagination for List calls: a bounded page size and an opaque
 * cursor (base64url of a family-chosen key), tagged with the list and bound
 * to the filters it was asked with, so that a cursor is refused by another
 * list, or by the same list with other filters.
 *
 * filters is the caller's canonical text of the filter values that shape
 * the list ("" for none; page_filters() builds one); the cursor carries a
 * hash of it, not the values.
 */
#ifndef LIAISON_PAGE_H
#define LIAISON_PAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "liaison.pb-c.h"

#define PAGE_DEFAULT_SIZE 50
#define PAGE_MAX_SIZE 500

/* The page size to use: the default for 0, at most PAGE_MAX_SIZE. */
unsigned page_size(const Liaison__V1__PageRequest *page);

/*
 * The filters text of n values: each with its length, so that no value can
 * pass for two. NULL when memory ran out.
 */
char *page_filters(struct arena *a, size_t n, const char *const *values);

/*
 * Encodes "tag:hash(filters):key" as a cursor in the arena; NULL when memory
 * ran out or filters is NULL.
 */
char *page_cursor_encode(struct arena *a, const char *tag, const char *filters, const char *key);

/*
 * Decodes cursor into key (at most cap-1 bytes). An empty cursor gives an
 * empty key. Returns 0, or -1 for a cursor that is not ours, not for tag or
 * made with other filters (or filters NULL).
 */
int page_cursor_decode(const char *cursor, const char *tag, const char *filters, char *key,
                       size_t cap);

/*
 * Whether the len bytes at s are decimal digits of a number from 0 to
 * INT64_MAX, the ids a cursor may carry to the database as a bigint.
 */
bool page_id_digits(const char *s, size_t len);

/*
 * For lists ordered by a numeric id: the id to continue after ("0" for the
 * first page) into out. Returns 0, or -1 for a cursor that is not tag's
 * with these filters.
 */
int page_after_id(const Liaison__V1__PageRequest *page, const char *tag, const char *filters,
                  char *out, size_t cap);

/*
 * For lists ordered by a time, then id: the key "<microseconds since the
 * epoch>:<id>" of the last row shown. The time is given back as a
 * timestamptz literal in UTC into at ("-infinity" for the first page, which
 * every row follows), the id into id ("0" then). Returns 0, or -1 for a
 * cursor that is not tag's with these filters, or whose key is not two
 * numbers: a time from year 1 to 9999 and an id a bigint holds.
 */
int page_after_time_id(const Liaison__V1__PageRequest *page, const char *tag, const char *filters,
                       char *at, size_t atcap, char *id, size_t idcap);

/* The LIMIT to ask for: one more than the page, to learn whether more follow. */
char *page_limit_param(struct arena *a, const Liaison__V1__PageRequest *page);

#endif
