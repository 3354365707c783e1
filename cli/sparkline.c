/*
 * sparkline.c - see sparkline.h.
 */
#include "sparkline.h"

#include <string.h>

static const char *const blocks[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
#define LEVELS ((int)(sizeof blocks / sizeof blocks[0]))
#define BLOCK_BYTES 3

int sparkline(const int *values, size_t n, int lo, int hi, char *buf, size_t cap)
{
    if (cap > 0)
        buf[0] = '\0';
    if (cap == 0 || hi <= lo || n > (cap - 1) / BLOCK_BYTES)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int v = values[i] < lo ? lo : values[i] > hi ? hi : values[i];
        /* Rounded to the nearest level: lo and hi are the lowest and highest blocks. */
        long level = ((long)(v - lo) * (LEVELS - 1) * 2 + (hi - lo)) / (2L * (hi - lo));
        memcpy(buf + i * BLOCK_BYTES, blocks[level], BLOCK_BYTES);
    }
    buf[n * BLOCK_BYTES] = '\0';
    return (int)(n * BLOCK_BYTES);
}
