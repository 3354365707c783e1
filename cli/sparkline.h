/*
 * sparkline.h - a trend as a line of Unicode block characters (▁▂▃▄▅▆▇█),
 * a pure function for the CLI's health and portfolio views.
 */
#ifndef LIAISON_SPARKLINE_H
#define LIAISON_SPARKLINE_H

#include <stddef.h>

/*
 * Writes one block per value into buf, NUL-terminated: the scale is fixed
 * from lo (▁) to hi (█), not the values' own range, so two distributors'
 * lines compare at a glance; a value outside [lo, hi] is drawn at the
 * nearer end. Each block is 3 bytes of UTF-8. Returns the bytes written
 * (without the NUL), or -1 when buf cannot hold them all or hi <= lo
 * (buf is then "" when cap > 0).
 */
int sparkline(const int *values, size_t n, int lo, int hi, char *buf, size_t cap);

#endif
