/*
 * wire.c - bounds and reflection helpers over protobuf-c descriptors.
 */
#include "wire.h"

#include <stdint.h>
#include <stdio.h>
#include <openssl/evp.h>
#include <string.h>

/* "longer than 4096 bytes": the bound as the message names it. */
#define WIRE_STR(x) #x
#define WIRE_TOO_LONG(max) "longer than " WIRE_STR(max) " bytes of UTF-8"

bool wire_utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        unsigned lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            if (c == 0xE0)
                lo = 0xA0; /* overlong */
            if (c == 0xED)
                hi = 0x9F; /* UTF-16 surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            if (c == 0xF0)
                lo = 0x90; /* overlong */
            if (c == 0xF4)
                hi = 0x8F; /* above U+10FFFF */
        } else {
            return false;
        }
        if (len - i - 1 < n)
            return false;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return false;
        for (size_t k = 2; k <= n; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
        i += n + 1;
    }
    return true;
}

size_t wire_base64url(char *out, const unsigned char *in, size_t n)
{
    int len = EVP_EncodeBlock((unsigned char *)out, in, (int)n);
    while (len > 0 && out[len - 1] == '=')
        len--;
    out[len] = '\0';
    for (char *p = out; *p; p++)
        *p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
    return (size_t)len;
}

void wire_json_name(const char *proto_name, char *out, size_t cap)
{
    size_t o = 0;
    bool upper = false;
    for (const char *p = proto_name; *p && o + 1 < cap; p++) {
        if (*p == '_') {
            upper = true;
            continue;
        }
        out[o++] = (upper && *p >= 'a' && *p <= 'z') ? (char)(*p - 'a' + 'A') : *p;
        upper = false;
    }
    if (cap)
        out[o] = '\0';
}

/* Appends ".name" (or "name" at the top) to the path being built. */
static void wire_path_push(char *path, size_t cap, const char *proto_name)
{
    char json[128];
    wire_json_name(proto_name, json, sizeof json);
    size_t len = strlen(path);
    if (len < cap)
        snprintf(path + len, cap - len, "%s%s", len ? "." : "", json);
}

/* Returns the field's element count and a pointer to its first element. */
static size_t wire_field_elems(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
                               const void **first)
{
    const char *base = (const char *)msg;
    const void *member = base + f->offset;
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        size_t n = *(const size_t *)(base + f->quantifier_offset);
        *first = *(const void *const *)member;
        return n;
    }
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
        uint32_t which = *(const uint32_t *)(base + f->quantifier_offset);
        if (which != f->id)
            return 0;
    }
    *first = member;
    return 1;
}

/*
 * Fields of free text ("message.field", sorted): WIRE_MAX_TEXT bytes, not
 * WIRE_MAX_STRING. Every field whose own limit, in characters, could pass
 * WIRE_MAX_STRING bytes in UTF-8 (more than 1,024 characters) belongs here,
 * in the request that sets it and in the message that carries it back;
 * the handler or the table enforces the limit itself.
 */
static const char *const wire_text_fields[] = {
    "liaison.v1.ActionItem.cancel_reason",
    "liaison.v1.ActionItem.description",
    "liaison.v1.AddMeetingNoteRequest.body",
    "liaison.v1.CancelActionItemRequest.reason",
    "liaison.v1.CreateActionItemRequest.description",
    "liaison.v1.CreateInteractionRequest.summary",
    "liaison.v1.CreateUpstreamUpdateRequest.body",
    "liaison.v1.DecideLeadRegistrationRequest.note",
    "liaison.v1.DecidePlanRequest.comment",
    "liaison.v1.Escalation.response",
    "liaison.v1.Escalation.text",
    "liaison.v1.EscalationConcernResponse.concern",
    "liaison.v1.ExportRow.json",
    "liaison.v1.Interaction.summary",
    "liaison.v1.Lead.decision_note",
    "liaison.v1.Meeting.status_reason",
    "liaison.v1.MeetingNote.body",
    "liaison.v1.MeetingStatusRequest.reason",
    "liaison.v1.MonthlyReport.market_intelligence",
    "liaison.v1.MonthlyReport.review_comment",
    "liaison.v1.NewEscalationRequest.text",
    "liaison.v1.Order.note",
    "liaison.v1.PlaceOrderRequest.note",
    "liaison.v1.Plan.decision_comment",
    "liaison.v1.PlanInitiative.description",
    "liaison.v1.ReportCommentRequest.comment",
    "liaison.v1.ReportCompetition.activity",
    "liaison.v1.RespondEscalationRequest.text",
    "liaison.v1.SaveReportRequest.market_intelligence",
    "liaison.v1.UpdateActionItemRequest.description",
    "liaison.v1.UpdateInteractionRequest.summary",
    "liaison.v1.UpdateVariant.body",
    "liaison.v1.UpstreamUpdate.body",
};

size_t wire_max_string(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f)
{
    size_t n = strlen(d->name);
    for (size_t i = 0; i < sizeof wire_text_fields / sizeof wire_text_fields[0]; i++) {
        const char *t = wire_text_fields[i];
        if (!strncmp(t, d->name, n) && t[n] == '.' && !strcmp(t + n + 1, f->name))
            return WIRE_MAX_TEXT;
    }
    return WIRE_MAX_STRING;
}

/*
 * What a walk refuses in one string of field f of message type d: the
 * reason, or NULL when the string passes.
 */
typedef const char *(*wire_string_rule)(const ProtobufCMessageDescriptor *d,
                                        const ProtobufCFieldDescriptor *f, const char *s);

/*
 * Walks every string of msg and its submessages, with path the field's JSON
 * path so far; stops at the first string rule refuses or the first field
 * holding more than max_elems elements, naming it in path and why.
 */
static bool wire_walk(const ProtobufCMessage *msg, wire_string_rule rule, size_t max_elems,
                      char *path, size_t cap, const char **why)
{
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE &&
            f->label != PROTOBUF_C_LABEL_REPEATED)
            continue;
        const void *first;
        size_t n = wire_field_elems(msg, f, &first);
        size_t mark = strlen(path);
        if (n > max_elems) {
            wire_path_push(path, cap, f->name);
            *why = "too many elements";
            return false;
        }
        for (size_t k = 0; k < n; k++) {
            if (f->type == PROTOBUF_C_TYPE_STRING) {
                const char *s = ((const char *const *)first)[k];
                if (s && (*why = rule(d, f, s))) {
                    wire_path_push(path, cap, f->name);
                    return false;
                }
            } else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
                const ProtobufCMessage *sub = ((const ProtobufCMessage *const *)first)[k];
                if (!sub)
                    continue;
                wire_path_push(path, cap, f->name);
                if (!wire_walk(sub, rule, max_elems, path, cap, why))
                    return false;
                path[mark] = '\0';
            }
        }
    }
    return true;
}

static const char *wire_string_bounded(const ProtobufCMessageDescriptor *d,
                                       const ProtobufCFieldDescriptor *f, const char *s)
{
    size_t len = strlen(s);
    size_t max = wire_max_string(d, f);
    if (len > max)
        return max == WIRE_MAX_STRING ? WIRE_TOO_LONG(WIRE_MAX_STRING)
                                      : WIRE_TOO_LONG(WIRE_MAX_TEXT);
    return wire_utf8_valid(s, len) ? NULL : "not valid UTF-8";
}

bool wire_validate(const ProtobufCMessage *msg, char *field, size_t field_cap, const char **why)
{
    if (field_cap)
        field[0] = '\0';
    return wire_walk(msg, wire_string_bounded, WIRE_MAX_REPEATED, field, field_cap, why);
}

const char *wire_text_refused(const char *s)
{
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if ((*c < 0x20 && *c != '\t' && *c != '\n' && *c != '\r') || *c == 0x7f ||
            (c[0] == 0xc2 && c[1] >= 0x80 && c[1] <= 0x9f))
            return "may not hold control characters";
        if (c[0] == 0xe2 && ((c[1] == 0x80 && c[2] >= 0xaa && c[2] <= 0xae) ||
                             (c[1] == 0x81 && c[2] >= 0xa6 && c[2] <= 0xa9)))
            return "may not hold bidirectional override characters";
        /*
         * Noncharacters: U+FDD0-U+FDEF and the last two of every plane. No text holds them;
         * U+FFFE reads as a byte-order mark swapped, and tools that meet one stop or drop it.
         */
        if ((c[0] == 0xef && c[1] == 0xb7 && c[2] >= 0x90 && c[2] <= 0xaf) ||
            (c[0] == 0xef && c[1] == 0xbf && (c[2] == 0xbe || c[2] == 0xbf)) ||
            (c[0] >= 0xf0 && c[0] <= 0xf4 && c[1] && (c[1] & 0x0f) == 0x0f && c[2] == 0xbf &&
             (c[3] == 0xbe || c[3] == 0xbf)))
            return "may not hold noncharacters (such as U+FFFE or U+FFFF)";
    }
    return NULL;
}

/*
 * Text taken as it is: a password is a secret, never shown, and may be any
 * text it was set to before the rule; an export's rows restore what was
 * stored, as it was.
 */
static bool wire_text_kept(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f)
{
    size_t n = strlen(f->name), p = strlen("password");
    return (n >= p && !strcmp(f->name + n - p, "password")) ||
           (!strcmp(d->name, "liaison.v1.ExportRow") && !strcmp(f->name, "json"));
}

static const char *wire_string_clean(const ProtobufCMessageDescriptor *d,
                                     const ProtobufCFieldDescriptor *f, const char *s)
{
    return wire_text_kept(d, f) ? NULL : wire_text_refused(s);
}

bool wire_text_clean(const ProtobufCMessage *msg, char *field, size_t field_cap, const char **why)
{
    if (field_cap)
        field[0] = '\0';
    return wire_walk(msg, wire_string_clean, SIZE_MAX, field, field_cap, why);
}

/* Reads a varint at *p (below end); returns false when it runs off the end. */
static bool wire_varint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64 && *p < end; shift += 7) {
        uint8_t b = *(*p)++;
        v |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

/*
 * Walks the encoded message data[0..len) of type desc and looks for a string
 * field holding a 0x00 byte, sub-messages included. protobuf-c hands strings
 * over NUL-terminated without their length, so after unpacking such a
 * string is silently cut at the NUL; only the encoding still shows it. The
 * caller has unpacked data successfully, so its structure is sound; the
 * walk still stops at anything it cannot follow rather than trust that.
 */
static bool wire_scan_nul(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len,
                          char *path, size_t cap, const char **why)
{
    /*
     * An empty bytes field (a Frame's payload) comes as NULL: NULL + 0 is
     * undefined behaviour in C, and UBSan in the fuzz build says so
     * (tests/fuzz/corpus/{frame,dispatch,client}/regress-empty-payload).
     */
    if (len == 0)
        return true;
    const uint8_t *p = data, *end = data + len;
    while (p < end) {
        uint64_t key, n;
        if (!wire_varint(&p, end, &key))
            return true;
        switch (key & 7) {
        case 0:
            if (!wire_varint(&p, end, &n))
                return true;
            continue;
        case 1:
            n = 8;
            break;
        case 5:
            n = 4;
            break;
        case 2:
            if (!wire_varint(&p, end, &n))
                return true;
            break;
        default:
            return true;
        }
        if (n > (uint64_t)(end - p))
            return true;
        const ProtobufCFieldDescriptor *f =
            key >> 3 <= UINT32_MAX
                ? protobuf_c_message_descriptor_get_field(desc, (unsigned)(key >> 3))
                : NULL;
        if (f && (key & 7) == 2) {
            size_t mark = strlen(path);
            if (f->type == PROTOBUF_C_TYPE_STRING && memchr(p, 0, n)) {
                wire_path_push(path, cap, f->name);
                *why = "contains a NUL character (U+0000)";
                return false;
            }
            if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
                wire_path_push(path, cap, f->name);
                if (!wire_scan_nul(f->descriptor, p, n, path, cap, why))
                    return false;
                if (mark < cap)
                    path[mark] = '\0';
            }
        }
        p += n;
    }
    return true;
}

ProtobufCMessage *wire_decode(const ProtobufCMessageDescriptor *desc, const uint8_t *data,
                              size_t len, struct arena *a, char *field, size_t field_cap,
                              const char **why)
{
    if (field_cap)
        field[0] = '\0';
    ProtobufCMessage *m = protobuf_c_message_unpack(desc, &a->pb, len, data);
    if (!m) {
        *why = "malformed or over the decode budget";
        return NULL;
    }
    if (!wire_validate(m, field, field_cap, why) ||
        !wire_scan_nul(desc, data, len, field, field_cap, why))
        return NULL;
    return m;
}

const ProtobufCMethodDescriptor *wire_method(const char *name)
{
    return protobuf_c_service_descriptor_get_method_by_name(&liaison__v1__liaison__descriptor,
                                                            name);
}

const char *wire_code_name(int code)
{
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value(&liaison__v1__code__descriptor, code);
    return v ? v->name : "UNKNOWN";
}
