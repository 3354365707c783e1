/*
 * page.c - cursors are base64url without padding, via OpenSSL's base64, of
 * "tag:binding:key", the binding being the first bytes of the SHA-256 of
 * the filters in hex. It is no secret: it only makes a cursor replayed
 * with other filters detectable, which the client could learn anyway.
 */
#include "page.h"
#include "wire.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#define PAGE_MAX_CURSOR 512
#define PAGE_BINDING_BYTES 8
#define PAGE_BINDING_HEX (2 * PAGE_BINDING_BYTES)
/*
 * The instants a time key may name, in microseconds since the epoch:
 * 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z, years that both
 * gmtime and PostgreSQL read back as the same instant.
 */
#define PAGE_MIN_MICROS (-62135596800LL * 1000000LL)
#define PAGE_MAX_MICROS (253402300800LL * 1000000LL - 1)

unsigned page_size(const Liaison__V1__PageRequest *page)
{
    if (!page || page->page_size == 0)
        return PAGE_DEFAULT_SIZE;
    return page->page_size > PAGE_MAX_SIZE ? PAGE_MAX_SIZE : page->page_size;
}

char *page_filters(struct arena *a, size_t n, const char *const *values)
{
    size_t cap = 1;
    for (size_t i = 0; i < n; i++)
        cap += strlen(values[i]) + 22;
    char *out = arena_alloc(a, cap);
    if (!out)
        return NULL;
    size_t off = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        off += (size_t)snprintf(out + off, cap - off, "%zu:%s;", strlen(values[i]), values[i]);
    return out;
}

/* The binding of filters: PAGE_BINDING_HEX hex digits and a NUL. */
static int page_binding(const char *filters, char out[PAGE_BINDING_HEX + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!filters || !EVP_Digest(filters, strlen(filters), md, &len, EVP_sha256(), NULL) ||
        len < PAGE_BINDING_BYTES)
        return -1;
    for (int i = 0; i < PAGE_BINDING_BYTES; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return 0;
}

char *page_cursor_encode(struct arena *a, const char *tag, const char *filters, const char *key)
{
    char raw[PAGE_MAX_CURSOR], binding[PAGE_BINDING_HEX + 1];
    if (page_binding(filters, binding) < 0)
        return NULL;
    int n = snprintf(raw, sizeof raw, "%s:%s:%s", tag, binding, key);
    if (n < 0 || (size_t)n >= sizeof raw)
        return NULL;
    char *out = arena_alloc(a, (size_t)(4 * ((n + 2) / 3) + 1));
    if (!out)
        return NULL;
    wire_base64url(out, (const unsigned char *)raw, (size_t)n);
    return out;
}

int page_cursor_decode(const char *cursor, const char *tag, const char *filters, char *key,
                       size_t cap)
{
    size_t len = strlen(cursor);
    if (len == 0) {
        key[0] = '\0';
        return 0;
    }
    if (len > PAGE_MAX_CURSOR)
        return -1;
    char b64[PAGE_MAX_CURSOR + 4];
    size_t i;
    for (i = 0; i < len; i++) {
        char ch = cursor[i];
        if (ch == '-')
            ch = '+';
        else if (ch == '_')
            ch = '/';
        else if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                   (ch >= '0' && ch <= '9')))
            return -1;
        b64[i] = ch;
    }
    size_t pad = (4 - len % 4) % 4;
    if (pad == 3)
        return -1;
    for (size_t k = 0; k < pad; k++)
        b64[i++] = '=';
    unsigned char raw[PAGE_MAX_CURSOR];
    int n = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)i);
    if (n < 0)
        return -1;
    n -= (int)pad; /* EVP_DecodeBlock counts padding as zero bytes */
    char binding[PAGE_BINDING_HEX + 1];
    if (page_binding(filters, binding) < 0)
        return -1;
    size_t taglen = strlen(tag), head = taglen + 1 + PAGE_BINDING_HEX + 1;
    if ((size_t)n < head || memcmp(raw, tag, taglen) != 0 || raw[taglen] != ':' ||
        memcmp(raw + taglen + 1, binding, PAGE_BINDING_HEX) != 0 || raw[head - 1] != ':')
        return -1;
    size_t keylen = (size_t)n - head;
    /* No cursor the server made has an empty key: one forged so started the list over. */
    if (keylen == 0 || keylen >= cap || memchr(raw + head, '\0', keylen))
        return -1;
    memcpy(key, raw + head, keylen);
    key[keylen] = '\0';
    return 0;
}

int page_after_id(const Liaison__V1__PageRequest *page, const char *tag, const char *filters,
                  char *out, size_t cap)
{
    const char *cursor = page ? page->cursor : "";
    if (page_cursor_decode(cursor, tag, filters, out, cap) < 0)
        return -1;
    if (!out[0]) {
        snprintf(out, cap, "0");
        return 0;
    }
    if (!page_id_digits(out, strlen(out)))
        return -1;
    return 0;
}

/*
 * The microseconds of a time key, a decimal integer with an optional minus
 * and no more digits than the range needs, into *out. Returns 0, or -1.
 */
static int page_micros(const char *s, size_t len, long long *out)
{
    const char *digits = s[0] == '-' ? s + 1 : s;
    size_t n = len - (size_t)(digits - s);
    char buf[24];
    if (n == 0 || n > 18 || strspn(digits, "0123456789") < n)
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    long long v = strtoll(buf, NULL, 10);
    if (errno || v < PAGE_MIN_MICROS || v > PAGE_MAX_MICROS)
        return -1;
    *out = v;
    return 0;
}

int page_after_time_id(const Liaison__V1__PageRequest *page, const char *tag, const char *filters,
                       char *at, size_t atcap, char *id, size_t idcap)
{
    char key[64];
    const char *cursor = page ? page->cursor : "";
    if (page_cursor_decode(cursor, tag, filters, key, sizeof key) < 0)
        return -1;
    if (!key[0]) {
        snprintf(at, atcap, "-infinity");
        snprintf(id, idcap, "0");
        return 0;
    }
    const char *colon = strchr(key, ':');
    long long us;
    if (!colon || page_micros(key, (size_t)(colon - key), &us) < 0)
        return -1;
    const char *digits = colon + 1;
    size_t idlen = strlen(digits);
    if (!page_id_digits(digits, idlen) || idlen >= idcap)
        return -1;
    /* Whole seconds rounded down, so that the microseconds are never negative. */
    long long secs = us / 1000000 - (us % 1000000 < 0);
    long long frac = us - secs * 1000000;
    time_t t = (time_t)secs;
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return -1;
    int n = snprintf(at, atcap, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
    if (n < 0 || (size_t)n >= atcap)
        return -1;
    memcpy(id, digits, idlen + 1);
    return 0;
}

bool page_id_digits(const char *s, size_t len)
{
    /*
     * Nineteen digits hold more than a bigint: "9999999999999999999", forged
     * into a cursor, reached the database and came back as its own error.
     */
    static const char max[] = "9223372036854775807";
    return len > 0 && len < sizeof max && strspn(s, "0123456789") >= len &&
           (len < sizeof max - 1 || strncmp(s, max, len) <= 0);
}

char *page_limit_param(struct arena *a, const Liaison__V1__PageRequest *page)
{
    char *s = arena_alloc(a, 16);
    if (s)
        snprintf(s, 16, "%u", page_size(page) + 1);
    return s;
}
