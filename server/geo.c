/*
 * geo.c - sorted string tables searched with bsearch.
 */
#include "geo.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

struct geo_set {
    char **items;
    size_t n, cap;
};

static struct geo_set countries, regions, zones, languages, currencies;

static int geo_add(struct geo_set *s, const char *v)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 256;
        char **p = realloc(s->items, cap * sizeof *p);
        if (!p)
            return -1;
        s->items = p;
        s->cap = cap;
    }
    char *copy = strdup(v);
    if (!copy)
        return -1;
    s->items[s->n++] = copy;
    return 0;
}

static int geo_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool geo_has(const struct geo_set *s, const char *v)
{
    return s->n && bsearch(&v, s->items, s->n, sizeof *s->items, geo_cmp) != NULL;
}

static void geo_set_free(struct geo_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->items[i]);
    free(s->items);
    memset(s, 0, sizeof *s);
}

void geo_free(void)
{
    geo_set_free(&countries);
    geo_set_free(&regions);
    geo_set_free(&zones);
    geo_set_free(&languages);
    geo_set_free(&currencies);
}

/* Adds field key of every object in file's array top (iso-codes layout). */
static int geo_load_json(const char *dir, const char *file, const char *top, const char *key,
                         const char *key2, struct geo_set *s, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    if (!root) {
        snprintf(err, errlen, "%s: %s", path, jerr.text);
        return -1;
    }
    size_t i;
    json_t *item;
    int rc = 0;
    json_array_foreach(json_object_get(root, top), i, item)
    {
        const char *v = json_string_value(json_object_get(item, key));
        const char *v2 = key2 ? json_string_value(json_object_get(item, key2)) : NULL;
        if ((v && geo_add(s, v) < 0) || (v2 && geo_add(s, v2) < 0)) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
            break;
        }
    }
    json_decref(root);
    if (rc == 0 && s->n == 0) {
        snprintf(err, errlen, "%s: no entries under %s", path, top);
        rc = -1;
    }
    qsort(s->items, s->n, sizeof *s->items, geo_cmp);
    return rc;
}

/* Zones ("Z name ...") and links ("L target name") of tzdata.zi. */
static int geo_load_zones(const char *dir, char *err, size_t errlen)
{
    char path[4096], line[1024], name[256], target[256];
    snprintf(path, sizeof path, "%s/tzdata.zi", dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open (is tzdata installed?)", path);
        return -1;
    }
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        if (line[0] == 'Z' && sscanf(line, "Z %255s", name) == 1)
            rc = geo_add(&zones, name);
        else if (line[0] == 'L' && sscanf(line, "L %255s %255s", target, name) == 2)
            rc = geo_add(&zones, name);
    }
    fclose(f);
    if (rc == 0 && geo_add(&zones, "UTC") < 0)
        rc = -1;
    if (rc < 0)
        snprintf(err, errlen, "out of memory");
    qsort(zones.items, zones.n, sizeof *zones.items, geo_cmp);
    return rc;
}

int geo_load(const char *iso_dir, const char *zoneinfo_dir, char *err, size_t errlen)
{
    if (geo_load_json(iso_dir, "iso_3166-1.json", "3166-1", "alpha_2", NULL, &countries, err,
                      errlen) < 0 ||
        geo_load_json(iso_dir, "iso_3166-2.json", "3166-2", "code", NULL, &regions, err, errlen) <
            0 ||
        geo_load_json(iso_dir, "iso_639-3.json", "639-3", "alpha_3", "alpha_2", &languages, err,
                      errlen) < 0 ||
        geo_load_json(iso_dir, "iso_4217.json", "4217", "alpha_3", NULL, &currencies, err, errlen) <
            0 ||
        geo_load_zones(zoneinfo_dir, err, errlen) < 0) {
        geo_free();
        return -1;
    }
    return 0;
}

void geo_upcase(const char *code)
{
    /* The request's strings are its own arena copy; an empty one may be protobuf-c's shared "". */
    for (char *p = (char *)code; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
}

bool geo_country(const char *code)
{
    return strlen(code) == 2 && geo_has(&countries, code);
}

bool geo_region(const char *code)
{
    return geo_country(code) || (strlen(code) <= 6 && geo_has(&regions, code));
}

bool geo_currency(const char *code)
{
    /*
     * ISO 4217 lists, beside money, codes of no money an amount is in: "no currency" (XXX), the
     * code for tests (XTS), precious metals by the troy ounce (XAU, XAG, XPT, XPD), the IMF's
     * special drawing right (XDR) and accounting units (XSU, XUA, XBA to XBD). An order or a
     * deal in one of them was taken (a try-out). So were its fund codes, units of account
     * for indexed contracts and money markets that no invoice is in (BOV, CHE, CHW, CLF,
     * COU, MXV, USN, UYI, UYW), and codes withdrawn since the iso-codes package was made:
     * the kuna (HRK, euro since 2023), the convertible peso (CUC, 2021), the old leone (SLL,
     * redenominated as SLE), the Zimbabwe dollar (ZWL, ZWG since 2024) and the Antillean
     * guilder (ANG, XCG since 2025). Their successors, ZWG and XCG, are newer than the package
     * and taken here.
     */
    static const char *const not_money[] = {"XXX", "XTS", "XAU", "XAG", "XPT", "XPD", "XDR",
                                            "XSU", "XUA", "XBA", "XBB", "XBC", "XBD", "BOV",
                                            "CHE", "CHW", "CLF", "COU", "MXV", "USN", "UYI",
                                            "UYW", "HRK", "CUC", "SLL", "ZWL", "ANG"};
    static const char *const newer[] = {"ZWG", "XCG"};
    if (strlen(code) != 3)
        return false;
    for (size_t i = 0; i < sizeof not_money / sizeof *not_money; i++)
        if (!strcmp(code, not_money[i]))
            return false;
    for (size_t i = 0; i < sizeof newer / sizeof *newer; i++)
        if (!strcmp(code, newer[i]))
            return true;
    return geo_has(&currencies, code);
}

bool geo_time_zone(const char *name)
{
    return strlen(name) < 64 && geo_has(&zones, name);
}

const char *geo_time_zone_in_any_case(const char *name)
{
    for (size_t i = 0; i < zones.n; i++)
        if (!strcasecmp(zones.items[i], name))
            return zones.items[i];
    return NULL;
}

/* Counts a run of characters accepted by pred. */
static size_t geo_span(const char *s, int (*pred)(int))
{
    size_t n = 0;
    while (s[n] && pred((unsigned char)s[n]))
        n++;
    return n;
}

void geo_language_canonical(char *tag)
{
    char *p = tag;
    bool extension = false; /* after a singleton (x-, u-): all lower case */
    for (int subtag = 0; *p; subtag++) {
        size_t k = strcspn(p, "-");
        extension = extension || (subtag > 0 && k == 1);
        for (size_t i = 0; i < k; i++) {
            unsigned char c = (unsigned char)p[i];
            bool upper = subtag > 0 && !extension && ((k == 2 && isalpha(c)) || (k == 4 && i == 0));
            p[i] = (char)(upper ? toupper(c) : tolower(c));
        }
        p += k + (p[k] == '-');
    }
}

bool geo_language_tag(const char *tag)
{
    size_t len = strlen(tag);
    if (len < 2 || len > 35)
        return false;
    size_t n = geo_span(tag, isalpha);
    if (n < 2 || n > 3)
        return false;
    char lang[4];
    for (size_t i = 0; i < n; i++)
        lang[i] = (char)tolower((unsigned char)tag[i]);
    lang[n] = '\0';
    if (!geo_has(&languages, lang))
        return false;
    /* Each further subtag: 1-8 letters or digits (script, region, variant). */
    const char *p = tag + n;
    while (*p) {
        if (*p != '-')
            return false;
        p++;
        size_t k = geo_span(p, isalnum);
        if (k < 1 || k > 8)
            return false;
        p += k;
    }
    return true;
}
