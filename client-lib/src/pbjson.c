/*
 * pbjson.c - JSON <-> protobuf-c messages through descriptors. The schema
 * has no recursion, so the depth of both walks is bounded by the schema.
 */
#include "pbjson.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "wire.h"

/* Size of one element of a field of this type in a protobuf-c struct. */
static size_t pbjson_elem_size(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_ENUM:
        return 4;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return 8;
    case PROTOBUF_C_TYPE_FLOAT:
        return sizeof(float);
    case PROTOBUF_C_TYPE_DOUBLE:
        return sizeof(double);
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING:
        return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(ProtobufCMessage *);
    }
    return 0;
}

/* ---------- message -> JSON ---------- */

static json_t *pbjson_base64(const ProtobufCBinaryData *b)
{
    size_t cap = 4 * ((b->len + 2) / 3) + 1;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    EVP_EncodeBlock((unsigned char *)buf, b->data, (int)b->len);
    json_t *s = json_string(buf);
    free(buf);
    return s;
}

static json_t *pbjson_value(const ProtobufCFieldDescriptor *f, const void *p)
{
    char num[32];
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        return json_integer(*(const int32_t *)p);
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return json_integer(*(const uint32_t *)p);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        snprintf(num, sizeof num, "%" PRId64, *(const int64_t *)p);
        return json_string(num);
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        snprintf(num, sizeof num, "%" PRIu64, *(const uint64_t *)p);
        return json_string(num);
    case PROTOBUF_C_TYPE_FLOAT:
        return json_real(*(const float *)p);
    case PROTOBUF_C_TYPE_DOUBLE:
        return json_real(*(const double *)p);
    case PROTOBUF_C_TYPE_BOOL:
        return json_boolean(*(const protobuf_c_boolean *)p);
    case PROTOBUF_C_TYPE_ENUM: {
        int v = *(const int *)p;
        const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(f->descriptor, v);
        return ev ? json_string(ev->name) : json_integer(v);
    }
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(const char *const *)p;
        return json_string(s ? s : "");
    }
    case PROTOBUF_C_TYPE_BYTES:
        return pbjson_base64(p);
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *m = *(const ProtobufCMessage *const *)p;
        return m ? pbjson_from_message(m) : json_object();
    }
    }
    return NULL;
}

/* True when a singular proto3 field holds its default and is left out. */
static bool pbjson_is_default(const ProtobufCFieldDescriptor *f, const void *p)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(const char *const *)p;
        return !s || !*s;
    }
    case PROTOBUF_C_TYPE_BYTES:
        return ((const ProtobufCBinaryData *)p)->len == 0;
    case PROTOBUF_C_TYPE_MESSAGE:
        return *(const void *const *)p == NULL;
    default: {
        static const unsigned char zero[8];
        return memcmp(p, zero, pbjson_elem_size(f->type)) == 0;
    }
    }
}

json_t *pbjson_from_message(const ProtobufCMessage *msg)
{
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    json_t *obj = json_object();
    if (!obj)
        return NULL;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const char *base = (const char *)msg;
        const void *member = base + f->offset;
        char name[128];
        wire_json_name(f->name, name, sizeof name);
        json_t *v = NULL;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(base + f->quantifier_offset);
            if (n == 0)
                continue;
            const char *arr = *(const char *const *)member;
            v = json_array();
            for (size_t k = 0; v && k < n; k++) {
                json_t *e = pbjson_value(f, arr + k * pbjson_elem_size(f->type));
                if (!e || json_array_append_new(v, e) < 0) {
                    json_decref(v);
                    v = NULL;
                }
            }
        } else {
            if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
                if (*(const uint32_t *)(base + f->quantifier_offset) != f->id)
                    continue;
            } else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset &&
                       f->type != PROTOBUF_C_TYPE_MESSAGE && f->type != PROTOBUF_C_TYPE_STRING) {
                if (!*(const protobuf_c_boolean *)(base + f->quantifier_offset))
                    continue;
            } else if (pbjson_is_default(f, member)) {
                continue;
            }
            v = pbjson_value(f, member);
        }
        if (!v || json_object_set_new(obj, name, v) < 0) {
            json_decref(obj);
            return NULL;
        }
    }
    return obj;
}

/* ---------- JSON -> message ---------- */

struct pbjson_ctx {
    struct arena *a;
    struct pbjson_error *err;
};

static bool pbjson_fail(struct pbjson_ctx *cx, const char *path, const char *why)
{
    snprintf(cx->err->field, sizeof cx->err->field, "%s", path);
    snprintf(cx->err->why, sizeof cx->err->why, "%s", why);
    return false;
}

/*
 * Whether s is a decimal integer as JSON writes one, minus sign allowed
 * when sign: strtoll() alone also took " 24", "\t5" and "+24" as 24.
 */
static bool pbjson_decimal(const char *s, bool sign)
{
    if (sign && *s == '-')
        s++;
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

static bool pbjson_int(const json_t *j, int64_t lo, int64_t hi, int64_t *out)
{
    if (json_is_integer(j)) {
        *out = json_integer_value(j);
    } else if (json_is_string(j)) {
        const char *s = json_string_value(j);
        if (!pbjson_decimal(s, true))
            return false;
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno || end == s || *end)
            return false;
        *out = v;
    } else {
        return false;
    }
    return *out >= lo && *out <= hi;
}

static bool pbjson_uint64(const json_t *j, uint64_t *out)
{
    if (json_is_integer(j)) {
        if (json_integer_value(j) < 0)
            return false;
        *out = (uint64_t)json_integer_value(j);
        return true;
    }
    if (!json_is_string(j))
        return false;
    const char *s = json_string_value(j);
    if (!pbjson_decimal(s, false))
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end)
        return false;
    *out = v;
    return true;
}

static ProtobufCMessage *pbjson_message(const ProtobufCMessageDescriptor *desc, const json_t *j,
                                        struct pbjson_ctx *cx, const char *path);

static bool pbjson_set(const ProtobufCFieldDescriptor *f, const json_t *j, void *p,
                       struct pbjson_ctx *cx, const char *path)
{
    /*
     * Parsed with JSON_ALLOW_NUL, so that the field can be named here: a NUL
     * would cut a string, an enum name or a number in a string short.
     */
    if (json_is_string(j) && memchr(json_string_value(j), '\0', json_string_length(j)))
        return pbjson_fail(cx, path, "contains a NUL character (U+0000)");
    int64_t iv;
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        if (!pbjson_int(j, INT32_MIN, INT32_MAX, &iv))
            return pbjson_fail(cx, path, "expected a 32-bit integer");
        *(int32_t *)p = (int32_t)iv;
        return true;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        if (!pbjson_int(j, 0, UINT32_MAX, &iv))
            return pbjson_fail(cx, path, "expected an unsigned 32-bit integer");
        *(uint32_t *)p = (uint32_t)iv;
        return true;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        if (!pbjson_int(j, INT64_MIN, INT64_MAX, &iv))
            return pbjson_fail(cx, path, "expected a 64-bit integer");
        *(int64_t *)p = iv;
        return true;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        if (!pbjson_uint64(j, (uint64_t *)p))
            return pbjson_fail(cx, path, "expected an unsigned 64-bit integer");
        return true;
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_DOUBLE: {
        if (!json_is_number(j))
            return pbjson_fail(cx, path, "expected a number");
        double v = json_number_value(j);
        if (f->type == PROTOBUF_C_TYPE_FLOAT)
            *(float *)p = (float)v;
        else
            *(double *)p = v;
        return true;
    }
    case PROTOBUF_C_TYPE_BOOL:
        if (!json_is_boolean(j))
            return pbjson_fail(cx, path, "expected true or false");
        *(protobuf_c_boolean *)p = json_is_true(j);
        return true;
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumValue *ev = NULL;
        if (json_is_string(j))
            ev = protobuf_c_enum_descriptor_get_value_by_name(f->descriptor, json_string_value(j));
        else if (json_is_integer(j) && json_integer_value(j) >= INT32_MIN &&
                 json_integer_value(j) <= INT32_MAX)
            ev = protobuf_c_enum_descriptor_get_value(f->descriptor, (int)json_integer_value(j));
        if (!ev)
            return pbjson_fail(cx, path, "not a known value of this enum");
        *(int *)p = ev->value;
        return true;
    }
    case PROTOBUF_C_TYPE_STRING: {
        if (!json_is_string(j))
            return pbjson_fail(cx, path, "expected a string");
        size_t len = json_string_length(j);
        char *s = arena_alloc(cx->a, len + 1);
        if (!s)
            return pbjson_fail(cx, path, "too large");
        memcpy(s, json_string_value(j), len + 1);
        *(char **)p = s;
        return true;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        if (!json_is_string(j))
            return pbjson_fail(cx, path, "expected a base64 string");
        const char *s = json_string_value(j);
        size_t len = json_string_length(j);
        if (len % 4)
            return pbjson_fail(cx, path, "base64 length must be a multiple of 4");
        unsigned char *out = arena_alloc(cx->a, len / 4 * 3 + 1);
        if (!out)
            return pbjson_fail(cx, path, "too large");
        /* Padding is at most two '=' at the end; EVP_DecodeBlock counts
         * them as zero bytes, so they are taken off its count. */
        size_t pad = 0;
        while (pad < len && s[len - 1 - pad] == '=')
            pad++;
        if (pad > 2 || memchr(s, '=', len - pad))
            return pbjson_fail(cx, path, "not valid base64");
        int n = EVP_DecodeBlock(out, (const unsigned char *)s, (int)len);
        if (n < (int)pad)
            return pbjson_fail(cx, path, "not valid base64");
        n -= (int)pad;
        ProtobufCBinaryData *b = p;
        b->data = out;
        b->len = (size_t)n;
        return true;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        ProtobufCMessage *m = pbjson_message(f->descriptor, j, cx, path);
        *(ProtobufCMessage **)p = m;
        return m != NULL;
    }
    }
    return pbjson_fail(cx, path, "unsupported type");
}

static const ProtobufCFieldDescriptor *pbjson_field(const ProtobufCMessageDescriptor *d,
                                                    const char *key)
{
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, key);
    if (f)
        return f;
    for (unsigned i = 0; i < d->n_fields; i++) {
        char name[128];
        wire_json_name(d->fields[i].name, name, sizeof name);
        if (strcmp(name, key) == 0)
            return &d->fields[i];
    }
    return NULL;
}

static ProtobufCMessage *pbjson_message(const ProtobufCMessageDescriptor *desc, const json_t *j,
                                        struct pbjson_ctx *cx, const char *path)
{
    if (!json_is_object(j)) {
        pbjson_fail(cx, path, "expected a JSON object");
        return NULL;
    }
    ProtobufCMessage *m = arena_alloc(cx->a, desc->sizeof_message);
    if (!m) {
        pbjson_fail(cx, path, "too large");
        return NULL;
    }
    desc->message_init(m);
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)j, key, value)
    {
        char sub[256];
        snprintf(sub, sizeof sub, "%s%s%s", path, path[0] ? "." : "", key);
        const ProtobufCFieldDescriptor *f = pbjson_field(desc, key);
        if (!f) {
            pbjson_fail(cx, sub, "unknown field");
            return NULL;
        }
        if (json_is_null(value))
            continue;
        char *base = (char *)m;
        void *member = base + f->offset;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            if (!json_is_array(value)) {
                pbjson_fail(cx, sub, "expected an array");
                return NULL;
            }
            size_t n = json_array_size(value);
            if (n > WIRE_MAX_REPEATED) {
                pbjson_fail(cx, sub, "too many elements");
                return NULL;
            }
            size_t es = pbjson_elem_size(f->type);
            char *arr = arena_alloc(cx->a, es * (n ? n : 1));
            if (!arr) {
                pbjson_fail(cx, sub, "too large");
                return NULL;
            }
            memset(arr, 0, es * (n ? n : 1));
            for (size_t k = 0; k < n; k++) {
                char elem[280];
                snprintf(elem, sizeof elem, "%s[%zu]", sub, k);
                if (!pbjson_set(f, json_array_get(value, k), arr + k * es, cx, elem))
                    return NULL;
            }
            *(void **)member = arr;
            *(size_t *)(base + f->quantifier_offset) = n;
            continue;
        }
        if (!pbjson_set(f, value, member, cx, sub))
            return NULL;
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
            *(uint32_t *)(base + f->quantifier_offset) = f->id;
        else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset &&
                 f->type != PROTOBUF_C_TYPE_MESSAGE && f->type != PROTOBUF_C_TYPE_STRING)
            *(protobuf_c_boolean *)(base + f->quantifier_offset) = 1;
    }
    return m;
}

ProtobufCMessage *pbjson_to_message(const ProtobufCMessageDescriptor *desc, const json_t *j,
                                    struct arena *a, struct pbjson_error *err)
{
    struct pbjson_ctx cx = {a, err};
    return pbjson_message(desc, j, &cx, "");
}
