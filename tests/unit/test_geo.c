/*
 * test_geo.c - language tags put in BCP 47's own case: language lower,
 * script title, region upper, and everything after a singleton lower.
 */
#include <stdio.h>
#include <string.h>

#include "geo.h"

static int failures;

static void expect(const char *in, const char *want)
{
    char tag[64];
    snprintf(tag, sizeof tag, "%s", in);
    geo_language_canonical(tag);
    if (strcmp(tag, want)) {
        fprintf(stderr, "not ok - %s: %s, wanted %s\n", in, tag, want);
        failures++;
    } else {
        printf("ok - %s is %s\n", in, want);
    }
}

int main(void)
{
    expect("VI", "vi");
    expect("vi-vn", "vi-VN");
    expect("VI-VN", "vi-VN");
    expect("en-GB", "en-GB");
    expect("ZH-HANT-tw", "zh-Hant-TW");
    expect("sr-latn", "sr-Latn");
    expect("es-419", "es-419");
    expect("de-CH-1996", "de-CH-1996");
    expect("EN-x-AB-cd", "en-x-ab-cd");
    expect("ja", "ja");
    return failures ? 1 : 0;
}
