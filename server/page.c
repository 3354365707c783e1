/*
 * page.c - cursors are base64url without padding, via OpenSSL's base64, of
 * "tag:binding:key", the binding being the first bytes of the SHA-256 of
 * the filters in hex. It is no secret: it only makes a cursor replayed
 * with other filters detectable, which the client could learn anyway.
 */
#include "page.h"
#include "wire.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#define PAGE_MAX_CURSOR 512
#define PAGE_BINDING_BYTES 8
#define PAGE_BINDING_HEX (2 * PAGE_BINDING_BYTES)

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
    if (keylen >= cap || memchr(raw + head, '\0', keylen))
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
