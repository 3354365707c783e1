/*
 * test_sparkline.c - the CLI's sparkline: the fixed scale's ends and
 * rounding, clamping, an empty trend, and a buffer too small.
 */
#include <stdio.h>
#include <string.h>

#include "sparkline.h"

static int failures;

#define EXPECT(cond, what)                                                                         \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "not ok - %s (%s:%d)\n", what, __FILE__, __LINE__);                    \
            failures++;                                                                            \
        } else {                                                                                   \
            printf("ok - %s\n", what);                                                             \
        }                                                                                          \
    } while (0)

int main(void)
{
    char buf[64];
    const int ramp[] = {0, 7, 8, 50, 92, 93, 100};
    EXPECT(sparkline(ramp, 7, 0, 100, buf, sizeof buf) == 21, "seven blocks, three bytes each");
    /* A level is 100/7 = 14.3 points: 7 rounds down to ▁, 8 up to ▂; 50 is 3.5 levels (▅),
     * 92 is 6.44 (▇) and 93 is 6.51 (█). */
    EXPECT(!strcmp(buf, "▁▁▂▅▇██"), "levels round to the nearest block");
    const int out[] = {-20, 250};
    EXPECT(sparkline(out, 2, 0, 100, buf, sizeof buf) == 6 && !strcmp(buf, "▁█"),
           "values outside the scale are drawn at its ends");
    const int fall[] = {92, 80, 61, 40, 22};
    EXPECT(sparkline(fall, 5, 0, 100, buf, sizeof buf) == 15 && !strcmp(buf, "▇▇▅▄▃"),
           "a falling score falls");
    EXPECT(sparkline(NULL, 0, 0, 100, buf, sizeof buf) == 0 && !strcmp(buf, ""),
           "no points: an empty line");
    char small[7];
    EXPECT(sparkline(fall, 2, 0, 100, small, sizeof small) == 6 && !strcmp(small, "▇▇"),
           "a buffer that just holds the blocks and the NUL");
    EXPECT(sparkline(fall, 3, 0, 100, small, sizeof small) == -1 && !strcmp(small, ""),
           "a buffer too small is refused, left empty");
    EXPECT(sparkline(fall, 3, 100, 100, buf, sizeof buf) == -1, "an empty scale is refused");
    if (failures) {
        fprintf(stderr, "test_sparkline: %d failed\n", failures);
        return 1;
    }
    printf("test_sparkline: all passed\n");
    return 0;
}
