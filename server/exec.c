/*
 * exec.c - the executor of plain RPC declarations (see exec.h).
 */
#include "exec.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "credential.h"
#include "log.h"
#include "page.h"
#include "rows.h"
#include "wire.h"

/* Where a page starts and how long it is: what "@after", "@after_at" and "@limit" bind. */
struct exec_position {
    const char *after, *after_at, *limit;
};

/* A request's state while its declaration runs. */
struct exec_state {
    const struct exec_decl *d;
    const char *filters; /* EXEC_PAGE: what the cursor is bound to */
};

static ProtobufCMessage *exec_new(struct arena *a, const ProtobufCMessageDescriptor *desc)
{
    ProtobufCMessage *m = arena_alloc(a, desc->sizeof_message);
    if (m)
        protobuf_c_message_init(desc, m);
    return m;
}

static bool exec_scalar(ProtobufCType t)
{
    return t != PROTOBUF_C_TYPE_MESSAGE && t != PROTOBUF_C_TYPE_BYTES &&
           t != PROTOBUF_C_TYPE_FLOAT && t != PROTOBUF_C_TYPE_DOUBLE;
}

/*
 * Repeated request fields that parameters convert: integers and strings (array literals),
 * messages (a JSON array of objects of their scalar fields, values as text).
 */
static bool exec_repeated_ok(ProtobufCType t)
{
    return t == PROTOBUF_C_TYPE_UINT64 || t == PROTOBUF_C_TYPE_UINT32 ||
           t == PROTOBUF_C_TYPE_STRING || t == PROTOBUF_C_TYPE_MESSAGE;
}

/* Marks a proto3 optional or oneof member as present. */
static void exec_mark_present(ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f)
{
    char *base = (char *)msg;
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        *(uint32_t *)(base + f->quantifier_offset) = f->id;
    else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset)
        *(protobuf_c_boolean *)(base + f->quantifier_offset) = 1;
}

/* ---- request fields to parameters ---- */

/* A bytes field as bytea's hex input text, \x0aff: parameters are text. */
static const char *exec_bytea_text(struct arena *a, const ProtobufCBinaryData *b)
{
    static const char hex[] = "0123456789abcdef";
    char *text = arena_alloc(a, 2 * b->len + 3);
    if (!text)
        return NULL;
    text[0] = '\\';
    text[1] = 'x';
    for (size_t i = 0; i < b->len; i++) {
        text[2 + 2 * i] = hex[b->data[i] >> 4];
        text[3 + 2 * i] = hex[b->data[i] & 15];
    }
    text[2 + 2 * b->len] = '\0';
    return text;
}

/* The field named by one segment [p, p+n) of a path, or NULL. */
static const ProtobufCFieldDescriptor *exec_field(const ProtobufCMessageDescriptor *d,
                                                  const char *p, size_t n)
{
    char name[128];
    if (n == 0 || n >= sizeof name)
        return NULL;
    memcpy(name, p, n);
    name[n] = '\0';
    return protobuf_c_message_descriptor_get_field_by_name(d, name);
}

static const char *exec_scalar_text(struct arena *a, const ProtobufCFieldDescriptor *f,
                                    const void *member)
{
    char buf[32];
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING:
        return *(char *const *)member;
    case PROTOBUF_C_TYPE_BOOL:
        return *(const protobuf_c_boolean *)member ? "true" : "false";
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        snprintf(buf, sizeof buf, "%" PRId32, *(const int32_t *)member);
        break;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        snprintf(buf, sizeof buf, "%" PRIu32, *(const uint32_t *)member);
        break;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        snprintf(buf, sizeof buf, "%" PRId64, *(const int64_t *)member);
        break;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        snprintf(buf, sizeof buf, "%" PRIu64, *(const uint64_t *)member);
        break;
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(
            (const ProtobufCEnumDescriptor *)f->descriptor, *(const int *)member);
        if (v)
            return v->name;
        snprintf(buf, sizeof buf, "%d", *(const int *)member);
        break;
    }
    default:
        return NULL;
    }
    return arena_strdup(a, buf);
}

/* Messages as a JSON array of objects of their scalar fields, each value as text. */
static const char *exec_messages_json(struct arena *a, ProtobufCMessage *const *msgs, size_t count)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < count; i++) {
        const ProtobufCMessageDescriptor *d = msgs[i]->descriptor;
        json_t *o = json_object();
        if (!o || json_array_append_new(arr, o) < 0) {
            json_decref(arr);
            return NULL;
        }
        for (unsigned j = 0; j < d->n_fields; j++) {
            const ProtobufCFieldDescriptor *f = &d->fields[j];
            if (f->label == PROTOBUF_C_LABEL_REPEATED || !exec_scalar(f->type))
                continue;
            const char *v = exec_scalar_text(a, f, (const char *)msgs[i] + f->offset);
            if (!v || json_object_set_new(o, f->name, json_string(v)) < 0) {
                json_decref(arr);
                return NULL;
            }
        }
    }
    char *dump = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
    json_decref(arr);
    const char *text = dump ? arena_strdup(a, dump) : NULL;
    free(dump);
    return text;
}

const char *exec_param(struct arena *a, const ProtobufCMessage *msg, const char *path, bool *ok)
{
    *ok = false;
    for (;;) {
        size_t n = strcspn(path, ".");
        const ProtobufCFieldDescriptor *f = exec_field(msg->descriptor, path, n);
        if (!f)
            return NULL;
        const char *member = (const char *)msg + f->offset;
        if (path[n] == '.') {
            if (f->type != PROTOBUF_C_TYPE_MESSAGE || f->label == PROTOBUF_C_LABEL_REPEATED)
                return NULL;
            msg = *(ProtobufCMessage *const *)member;
            if (!msg) {
                *ok = true; /* an absent nested message: its fields are NULL */
                return NULL;
            }
            path += n + 1;
            continue;
        }
        const char *text = NULL;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t count = *(const size_t *)((const char *)msg + f->quantifier_offset);
            const void *arr = *(const void *const *)member;
            if (f->type == PROTOBUF_C_TYPE_UINT64)
                text = rows_u64_array(a, arr, count);
            else if (f->type == PROTOBUF_C_TYPE_UINT32)
                text = rows_u32_array(a, arr, count);
            else if (f->type == PROTOBUF_C_TYPE_STRING)
                text = rows_text_array(a, (char *const *)arr, count);
            else if (f->type == PROTOBUF_C_TYPE_MESSAGE)
                text = exec_messages_json(a, (ProtobufCMessage *const *)arr, count);
        } else if (f->type == PROTOBUF_C_TYPE_BYTES) {
            text = exec_bytea_text(a, (const ProtobufCBinaryData *)member);
        } else if (exec_scalar(f->type)) {
            text = exec_scalar_text(a, f, member);
        }
        *ok = text != NULL;
        return text;
    }
}

/* ---- result columns to response fields ---- */

/* The size of one element of repeated field f's array; 0 for a type the conversions lack. */
static size_t exec_elem_size(const ProtobufCFieldDescriptor *f)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return sizeof(uint32_t);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return sizeof(uint64_t);
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_ENUM:
        return sizeof(int);
    case PROTOBUF_C_TYPE_STRING:
        return sizeof(char *);
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(ProtobufCMessage *);
    default:
        return 0;
    }
}

/* Sets the scalar at member (of field f's type) from its text v; -1 when v does not fit. */
static int exec_set_text(const ProtobufCFieldDescriptor *f, void *member, const char *v)
{
    char *end = NULL;
    errno = 0;
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING:
        *(const char **)member = v;
        return 0;
    case PROTOBUF_C_TYPE_BOOL:
        if (strcmp(v, "t") && strcmp(v, "f"))
            return -1;
        *(protobuf_c_boolean *)member = v[0] == 't';
        return 0;
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32: {
        long long x = strtoll(v, &end, 10);
        if (x < INT32_MIN || x > INT32_MAX)
            return -1;
        *(int32_t *)member = (int32_t)x;
        break;
    }
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32: {
        unsigned long long x = v[0] == '-' ? ULLONG_MAX : strtoull(v, &end, 10);
        if (x > UINT32_MAX)
            return -1;
        *(uint32_t *)member = (uint32_t)x;
        break;
    }
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        *(int64_t *)member = strtoll(v, &end, 10);
        break;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        if (v[0] == '-')
            return -1;
        *(uint64_t *)member = strtoull(v, &end, 10);
        break;
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumDescriptor *ed = f->descriptor;
        const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value_by_name(ed, v);
        if (!ev)
            return -1;
        *(int *)member = ev->value;
        return 0;
    }
    default:
        return -1;
    }
    return errno || !end || end == v || *end ? -1 : 0;
}

/*
 * Puts where into err, ahead of what err already says, so that a message
 * from deep inside a JSON value names the path to it.
 */
static void exec_err_at(char *err, size_t errlen, const char *where)
{
    char inner[256];
    snprintf(inner, sizeof inner, "%s", err);
    snprintf(err, errlen, "%s: %s", where, inner);
}

static int exec_json_field(struct arena *a, ProtobufCMessage *msg,
                           const ProtobufCFieldDescriptor *f, json_t *v, int depth, char *err,
                           size_t errlen);

/* Fills msg from JSON object obj, key by key (proto field names). */
static int exec_json_message(struct arena *a, ProtobufCMessage *msg, json_t *obj, int depth,
                             char *err, size_t errlen)
{
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    if (depth > EXEC_JSON_MAX_DEPTH) {
        snprintf(err, errlen, "nested deeper than %d messages", EXEC_JSON_MAX_DEPTH);
        return -1;
    }
    if (!json_is_object(obj)) {
        snprintf(err, errlen, "not a JSON object, as %s needs", d->name);
        return -1;
    }
    for (void *it = json_object_iter(obj); it; it = json_object_iter_next(obj, it)) {
        const char *key = json_object_iter_key(it);
        json_t *v = json_object_iter_value(it);
        const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, key);
        if (!f) {
            snprintf(err, errlen, "%.100s is not a field of %s", key, d->name);
            return -1;
        }
        if (exec_json_field(a, msg, f, v, depth, err, errlen) < 0) {
            exec_err_at(err, errlen, f->name);
            return -1;
        }
    }
    return 0;
}

/*
 * Sets the one value at member (of field f's type) from JSON v: a message
 * from an object, a string or an enum's value name from a string, a bool
 * from true or false, an integer from a JSON integer or a string of digits
 * (64-bit ids may come either way; neither loses precision).
 */
static int exec_json_value(struct arena *a, const ProtobufCFieldDescriptor *f, void *member,
                           json_t *v, int depth, char *err, size_t errlen)
{
    if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
        ProtobufCMessage *m = exec_new(a, f->descriptor);
        if (!m) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        *(ProtobufCMessage **)member = m;
        return exec_json_message(a, m, v, depth + 1, err, errlen);
    }
    const char *text = NULL;
    char digits[32];
    if (f->type == PROTOBUF_C_TYPE_BOOL) {
        if (json_is_boolean(v)) {
            *(protobuf_c_boolean *)member = json_is_true(v);
            return 0;
        }
    } else if (json_is_string(v)) {
        if (f->type == PROTOBUF_C_TYPE_STRING) {
            text = arena_strdup(a, json_string_value(v));
            if (!text) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }
        } else {
            text = json_string_value(v); /* an enum's name, or an integer's digits */
        }
    } else if (json_is_integer(v) && f->type != PROTOBUF_C_TYPE_STRING &&
               f->type != PROTOBUF_C_TYPE_ENUM) {
        snprintf(digits, sizeof digits, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        text = digits;
    }
    if (text && exec_set_text(f, member, text) == 0)
        return 0;
    char *dump = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    snprintf(err, errlen, "%.40s does not fit", dump ? dump : "the value");
    free(dump);
    return -1;
}

/* Sets field f of msg from JSON v; null leaves it at its default. */
static int exec_json_field(struct arena *a, ProtobufCMessage *msg,
                           const ProtobufCFieldDescriptor *f, json_t *v, int depth, char *err,
                           size_t errlen)
{
    if (json_is_null(v))
        return 0;
    char *member = (char *)msg + f->offset;
    if (f->label != PROTOBUF_C_LABEL_REPEATED) {
        if (exec_json_value(a, f, member, v, depth, err, errlen) < 0)
            return -1;
        exec_mark_present(msg, f);
        return 0;
    }
    size_t size = exec_elem_size(f);
    if (!json_is_array(v) || !size) {
        snprintf(err, errlen, "not a JSON array of a type the executor converts");
        return -1;
    }
    size_t n = json_array_size(v);
    char *arr = arena_alloc(a, size * (n ? n : 1));
    if (!arr) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (exec_json_value(a, f, arr + i * size, json_array_get(v, i), depth, err, errlen) < 0) {
            char where[32];
            snprintf(where, sizeof where, "[%zu]", i);
            exec_err_at(err, errlen, where);
            return -1;
        }
    }
    *(size_t *)((char *)msg + f->quantifier_offset) = n;
    *(void **)member = arr;
    return 0;
}

/* Sets field f of msg from column text v, JSON for a message or a repeated field. */
static int exec_set_column(struct arena *a, ProtobufCMessage *msg,
                           const ProtobufCFieldDescriptor *f, const char *v, char *err,
                           size_t errlen)
{
    if (f->type != PROTOBUF_C_TYPE_MESSAGE && f->label != PROTOBUF_C_LABEL_REPEATED) {
        if (exec_set_text(f, (char *)msg + f->offset, v) < 0) {
            snprintf(err, errlen, "'%.40s' does not fit", v);
            return -1;
        }
        exec_mark_present(msg, f);
        return 0;
    }
    json_error_t jerr;
    json_t *j = json_loads(v, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
    if (!j) {
        snprintf(err, errlen, "not JSON (%s)", jerr.text);
        return -1;
    }
    int rc = exec_json_field(a, msg, f, j, 0, err, errlen);
    json_decref(j);
    return rc;
}

int exec_fill(struct arena *a, const PGresult *res, int row, ProtobufCMessage *msg, char *err,
              size_t errlen)
{
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    for (int c = 0; c < PQnfields(res); c++) {
        const char *name = PQfname(res, c);
        if (name[0] == '_')
            continue; /* the executor's own, not a field (exec.h) */
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field_by_name(d, name);
        if (!f) {
            snprintf(err, errlen, "column %s is not a field of %s", name, d->name);
            return -1;
        }
        if (PQgetisnull(res, row, c))
            continue;
        if (exec_set_column(a, msg, f, PQgetvalue(res, row, c), err, errlen) < 0) {
            char where[160];
            snprintf(where, sizeof where, "column %s (%s.%s)", name, d->name, f->name);
            exec_err_at(err, errlen, where);
            return -1;
        }
    }
    return 0;
}

/* ---- running a declaration ---- */

static const char *exec_bind(struct request *r, const char *spec, const struct exec_position *pos,
                             bool *ok)
{
    *ok = true;
    if (spec[0] == '=')
        return spec + 1;
    if (!strcmp(spec, "@null"))
        return NULL;
    if (!strcmp(spec, "@after"))
        return pos->after;
    if (!strcmp(spec, "@after_at"))
        return pos->after_at;
    if (!strcmp(spec, "@limit"))
        return pos->limit;
    if (!strcmp(spec, "@session")) {
        const char *id = request_printf(r, "%" PRId64, r->who.session_id);
        *ok = id != NULL;
        return id;
    }
    return exec_param(&r->arena, r->input, spec, ok);
}

static bool exec_bind_step(struct request *r, const struct exec_step *s, int at,
                           const struct exec_position *pos)
{
    struct db_step *step = &r->txn.steps[at];
    step->stmt = s->stmt;
    for (int i = 0; i < s->stmt->nparams; i++) {
        bool ok;
        step->values[i] = exec_bind(r, s->params[i], pos, &ok);
        if (!ok)
            return false;
    }
    return true;
}

/* The message a request or response holds in field name (NULL when absent). */
static void *exec_sub(const ProtobufCMessage *msg, const char *name,
                      const ProtobufCFieldDescriptor **fp)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(msg->descriptor, name);
    if (fp)
        *fp = f;
    return f ? (char *)msg + f->offset : NULL;
}

/*
 * Whether the first n rows of res may encode past budget bytes: their text
 * with room for each field's tag and length is more than any encoding of
 * them takes, so a page far below it is never measured item by item.
 */
static bool exec_page_may_overflow(const PGresult *res, unsigned n, size_t budget)
{
    int nf = PQnfields(res);
    size_t text = 0;
    for (unsigned i = 0; i < n; i++) {
        text += 16 + (size_t)nf * 16;
        for (int j = 0; j < nf; j++)
            text += (size_t)PQgetlength(res, (int)i, j);
        if (text > budget)
            return true;
    }
    return false;
}

/*
 * A page holds at most its page size of rows, and no more than one answer's
 * frame takes (request_answer_bytes): 50 escalations of 40 kB each made
 * 2 MB, answered "response too large" at every page size. The rows after a
 * cut come with the next cursor; one row alone is never cut.
 */
static int exec_page(struct request *r, const struct exec_state *st, const PGresult *res,
                     ProtobufCMessage *out, char *err, size_t errlen)
{
    const struct exec_decl *d = st->d;
    const ProtobufCFieldDescriptor *f, *pf;
    void *items_member = exec_sub(out, d->out, &f);
    Liaison__V1__PageResponse **page_out = exec_sub(out, "page", &pf);
    const Liaison__V1__PageRequest *const *page_in = exec_sub(r->input, "page", NULL);
    unsigned want = page_size(*page_in);
    unsigned rows = (unsigned)PQntuples(res);
    unsigned n = rows > want ? want : rows;
    ProtobufCMessage **items = arena_alloc(&r->arena, sizeof *items * (n ? n : 1));
    Liaison__V1__PageResponse *page = arena_alloc(&r->arena, sizeof *page);
    if (!items || !page)
        return 1;
    size_t budget = request_answer_bytes(r), used = 0;
    bool measure = exec_page_may_overflow(res, n, budget), cut = false;
    for (unsigned i = 0; i < n; i++) {
        items[i] = exec_new(&r->arena, f->descriptor);
        if (!items[i])
            return 1;
        if (exec_fill(&r->arena, res, (int)i, items[i], err, errlen) < 0)
            return -1;
        /* An item's own tag and length take at most 6 bytes more. */
        used += measure ? protobuf_c_message_get_packed_size(items[i]) + 6 : 0;
        if (used > budget && i > 0) {
            n = i;
            cut = true;
            break;
        }
    }
    liaison__v1__page_response__init(page);
    if (rows > want || cut) {
        int key = PQfnumber(res, "id");
        if (key < 0)
            key = PQfnumber(res, "_id");
        if (key < 0) {
            snprintf(err, errlen, "a page's rows need an id or _id column");
            return -1;
        }
        const char *last = PQgetvalue(res, (int)n - 1, key);
        if (d->order == EXEC_BY_TIME) {
            int at = PQfnumber(res, "_page_at");
            if (at < 0 || PQgetisnull(res, (int)n - 1, at)) {
                snprintf(err, errlen, "a page in time order needs a _page_at column, not NULL");
                return -1;
            }
            last = request_printf(r, "%s:%s", PQgetvalue(res, (int)n - 1, at), last);
            if (!last)
                return 1;
        }
        page->next_cursor = page_cursor_encode(&r->arena, d->cursor, st->filters, last);
        if (!page->next_cursor)
            return 1;
    }
    *(size_t *)((char *)out + f->quantifier_offset) = n;
    *(ProtobufCMessage ***)items_member = items;
    *page_out = page;
    return 0;
}

static void exec_done(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    const struct exec_state *st = r->state;
    const struct exec_decl *d = st->d;
    if (code == LIAISON__V1__CODE__ALREADY_EXISTS && d->exists) {
        /* A check that raised (liaison_unique) says which record exists. */
        if (!request_fail_raised(r, code))
            request_fail(r, code, d->exists);
        return;
    }
    if (code == LIAISON__V1__CODE__INVALID_ARGUMENT && d->invalid) {
        /* A check that raised names its own field; anything else is a value PostgreSQL refused. */
        if (!request_fail_raised(r, code))
            request_fail(r, code, d->invalid);
        return;
    }
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    const PGresult *res = txn->results[txn->nsteps - 1];
    ProtobufCMessage *out = exec_new(&r->arena, r->method->desc->output);
    if (!out) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    char err[256] = "";
    int rc;
    if (d->shape == EXEC_NONE) {
        if (PQntuples(res) != 1) {
            request_fail(r, LIAISON__V1__CODE__NOT_FOUND, d->not_found);
            return;
        }
        rc = 0;
    } else if (d->shape == EXEC_ONE) {
        if (PQntuples(res) != 1) {
            request_fail(r, LIAISON__V1__CODE__NOT_FOUND, d->not_found);
            return;
        }
        ProtobufCMessage *item = out;
        if (d->out) {
            const ProtobufCFieldDescriptor *f;
            ProtobufCMessage **slot = exec_sub(out, d->out, &f);
            item = *slot = exec_new(&r->arena, f->descriptor);
        }
        rc = !item ? 1 : exec_fill(&r->arena, res, 0, item, err, sizeof err);
    } else {
        rc = exec_page(r, st, res, out, err, sizeof err);
    }
    if (rc > 0 || r->arena.failed) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    if (rc < 0) {
        log_event(LOG_ERROR, "a declared RPC's result does not fit its response",
                  "method=%s reason=\"%s\"", d->method, err);
        request_fail(r, LIAISON__V1__CODE__INTERNAL, "internal error");
        return;
    }
    request_reply(r, out);
}

void exec_run(struct request *r, const struct exec_decl *d)
{
    struct exec_state *st = arena_alloc(&r->arena, sizeof *st);
    if (!st) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    st->d = d;
    st->filters = NULL;
    r->state = st;
    struct exec_position pos = {NULL, NULL, NULL};
    if (d->shape == EXEC_PAGE) {
        const char *values[EXEC_MAX_FILTERS];
        size_t nf = 0;
        for (; nf < EXEC_MAX_FILTERS && d->filters[nf]; nf++) {
            bool ok;
            const char *v = exec_param(&r->arena, r->input, d->filters[nf], &ok);
            values[nf] = v ? v : "";
        }
        st->filters = page_filters(&r->arena, nf, values);
        const Liaison__V1__PageRequest *const *page = exec_sub(r->input, "page", NULL);
        char key[24], at[40] = "";
        /* A forged key is refused here, never handed to the database to parse. */
        int rc =
            !st->filters ? -1
            : d->order == EXEC_BY_TIME
                ? page_after_time_id(*page, d->cursor, st->filters, at, sizeof at, key, sizeof key)
                : page_after_id(*page, d->cursor, st->filters, key, sizeof key);
        if (rc < 0) {
            char *why = request_printf(r, "not a cursor from %s with these filters", d->method);
            request_fail_field(r, "page.cursor", why ? why : "not a cursor of this list");
            return;
        }
        pos.after = arena_strdup(&r->arena, key);
        pos.after_at = at[0] ? arena_strdup(&r->arena, at) : NULL;
        pos.limit = page_limit_param(&r->arena, *page);
    }
    /* A declaration's transaction: the credential check, check, query, reply. */
    _Static_assert(DB_MAX_STEPS >= 4, "a declaration runs up to four steps");
    int n = credential_txn_begin(r);
    if (d->check.stmt && !exec_bind_step(r, &d->check, n++, &pos)) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    if (!exec_bind_step(r, &d->query, n++, &pos) ||
        (d->reply.stmt && !exec_bind_step(r, &d->reply, n++, &pos))) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    r->txn.nsteps = n;
    request_submit(r, exec_done);
}

/* ---- checks at start-up ---- */

/* A request field path that exec_param can render. */
static bool exec_path_ok(const ProtobufCMessageDescriptor *d, const char *path)
{
    for (;;) {
        size_t n = strcspn(path, ".");
        const ProtobufCFieldDescriptor *f = exec_field(d, path, n);
        if (!f)
            return false;
        if (path[n] != '.')
            return f->label == PROTOBUF_C_LABEL_REPEATED
                       ? exec_repeated_ok(f->type)
                       : exec_scalar(f->type) || f->type == PROTOBUF_C_TYPE_BYTES;
        if (f->type != PROTOBUF_C_TYPE_MESSAGE || f->label == PROTOBUF_C_LABEL_REPEATED)
            return false;
        d = f->descriptor;
        path += n + 1;
    }
}

static int exec_check_step(const struct exec_decl *d, const struct exec_step *s,
                           const ProtobufCMethodDescriptor *md, char *err, size_t errlen)
{
    for (int i = 0; i < DB_MAX_PARAMS; i++) {
        const char *p = s->params[i];
        if ((i < s->stmt->nparams) != (p != NULL)) {
            snprintf(err, errlen, "%s: $%d %s", d->method, i + 1,
                     p ? "is bound but the statement has no such parameter" : "is not bound");
            return -1;
        }
        if (!p || p[0] == '=' || !strcmp(p, "@null") || !strcmp(p, "@session"))
            continue;
        if (!strcmp(p, "@after") || !strcmp(p, "@limit") || !strcmp(p, "@after_at")) {
            if (d->shape == EXEC_PAGE && (strcmp(p, "@after_at") || d->order == EXEC_BY_TIME))
                continue;
            snprintf(err, errlen, "%s: %s outside a list%s", d->method, p,
                     d->shape == EXEC_PAGE ? " in time order" : "");
            return -1;
        }
        if (!exec_path_ok(md->input, p)) {
            snprintf(err, errlen, "%s: $%d binds %s, not a field of %s", d->method, i + 1, p,
                     md->input->name);
            return -1;
        }
    }
    return 0;
}

/* Whether step s binds spec ("@after_at") to one of its parameters. */
static bool exec_binds(const struct exec_step *s, const char *spec)
{
    for (int i = 0; i < DB_MAX_PARAMS && s->params[i]; i++)
        if (!strcmp(s->params[i], spec))
            return true;
    return false;
}

static int exec_check(const struct exec_decl *d, char *err, size_t errlen)
{
    const ProtobufCMethodDescriptor *md = wire_method(d->method);
    if (!md) {
        snprintf(err, errlen, "declared RPC %s is not in the service", d->method);
        return -1;
    }
    if ((d->check.stmt && exec_check_step(d, &d->check, md, err, errlen) < 0) ||
        exec_check_step(d, &d->query, md, err, errlen) < 0 ||
        (d->reply.stmt && exec_check_step(d, &d->reply, md, err, errlen) < 0))
        return -1;
    if (d->shape == EXEC_NONE) {
        if (d->out || !d->not_found) {
            snprintf(err, errlen, "%s: no out field, and a not-found message", d->method);
            return -1;
        }
        return 0;
    }
    bool repeated = d->shape == EXEC_PAGE;
    /* EXEC_ONE without out: the row fills the response itself. */
    if (d->out || repeated) {
        const ProtobufCFieldDescriptor *f =
            d->out ? protobuf_c_message_descriptor_get_field_by_name(md->output, d->out) : NULL;
        if (!f || f->type != PROTOBUF_C_TYPE_MESSAGE ||
            (f->label == PROTOBUF_C_LABEL_REPEATED) != repeated) {
            snprintf(err, errlen, "%s: %s is not a %s field of %s", d->method,
                     d->out ? d->out : "(no out)", repeated ? "repeated message" : "message",
                     md->output->name);
            return -1;
        }
    }
    if (repeated) {
        const ProtobufCFieldDescriptor *pi =
            protobuf_c_message_descriptor_get_field_by_name(md->input, "page");
        const ProtobufCFieldDescriptor *po =
            protobuf_c_message_descriptor_get_field_by_name(md->output, "page");
        if (!pi || pi->descriptor != &liaison__v1__page_request__descriptor || !po ||
            po->descriptor != &liaison__v1__page_response__descriptor || !d->cursor) {
            snprintf(err, errlen, "%s: a list needs page fields and a cursor tag", d->method);
            return -1;
        }
        /* A list in time order that ignored the time would page by id alone, skipping rows. */
        if (d->order == EXEC_BY_TIME &&
            (!exec_binds(&d->query, "@after") || !exec_binds(&d->query, "@after_at"))) {
            snprintf(err, errlen, "%s: a list in time order binds @after and @after_at", d->method);
            return -1;
        }
        for (size_t i = 0; i < EXEC_MAX_FILTERS && d->filters[i]; i++) {
            if (!exec_path_ok(md->input, d->filters[i])) {
                snprintf(err, errlen, "%s: filter %s is not a field of %s", d->method,
                         d->filters[i], md->input->name);
                return -1;
            }
        }
    } else if (!d->not_found) {
        snprintf(err, errlen, "%s: a single row needs a not-found message", d->method);
        return -1;
    }
    return 0;
}

int exec_register(struct exec_decl *const *decls, int n, char *err, size_t errlen)
{
    struct db_stmt *seen[3 * DB_MAX_STMTS];
    int nseen = 0;
    for (int i = 0; i < n; i++) {
        if (exec_check(decls[i], err, errlen) < 0)
            return -1;
        struct db_stmt *stmts[3] = {decls[i]->check.stmt, decls[i]->query.stmt,
                                    decls[i]->reply.stmt};
        for (int k = 0; k < 3; k++) {
            bool dup = !stmts[k];
            for (int j = 0; j < nseen && !dup; j++)
                dup = seen[j] == stmts[k];
            if (dup)
                continue;
            if (db_register(&stmts[k], 1) < 0) {
                snprintf(err, errlen, "%s: statement not registered (see the log)",
                         decls[i]->method);
                return -1;
            }
            if (nseen < (int)(sizeof seen / sizeof seen[0]))
                seen[nseen++] = stmts[k];
        }
    }
    return 0;
}
