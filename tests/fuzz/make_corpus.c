/*
 * make_corpus.c - writes the seed corpus of every fuzz harness, once, into
 * tests/fuzz/corpus/<harness>/ (run by tests/fuzz/make-corpus; the files are
 * kept in the tree). Every method's request and response, with each plain
 * field set (text in Vietnamese and Japanese), in the shape each harness
 * reads.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "frame.h"
#include "pbjson.h"
#include "wire.h"

static const char *out_dir;

static void put(const char *harness, const char *name, const uint8_t *data, size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", out_dir, harness);
    if (mkdir(path, 0755) < 0 && errno != EEXIST) {
        perror(path);
        exit(1);
    }
    snprintf(path, sizeof path, "%s/%s/%s", out_dir, harness, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

/* A new message of type d with every scalar field outside a oneof set. */
static ProtobufCMessage *filled(const ProtobufCMessageDescriptor *d, unsigned salt)
{
    static const char *texts[] = {"xin chào Đà Nẵng", "日本語のテキスト", "acme"};
    static uint8_t bytes[] = {1, 2, 3, 0xff};
    ProtobufCMessage *m = calloc(1, d->sizeof_message);
    if (!m)
        exit(1);
    d->message_init(m);
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &d->fields[i];
        if (fd->label == PROTOBUF_C_LABEL_REPEATED || (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
            continue;
        char *at = (char *)m + fd->offset;
        bool set = true;
        switch (fd->type) {
        case PROTOBUF_C_TYPE_STRING:
            *(const char **)at = texts[(i + salt) % 3];
            break;
        case PROTOBUF_C_TYPE_BYTES:
            ((ProtobufCBinaryData *)at)->data = bytes;
            ((ProtobufCBinaryData *)at)->len = sizeof bytes;
            break;
        case PROTOBUF_C_TYPE_BOOL:
            *(protobuf_c_boolean *)at = 1;
            break;
        case PROTOBUF_C_TYPE_ENUM: {
            const ProtobufCEnumDescriptor *ed = fd->descriptor;
            *(int *)at = ed->values[ed->n_values > 1 ? 1 : 0].value;
            break;
        }
        case PROTOBUF_C_TYPE_INT32:
        case PROTOBUF_C_TYPE_SINT32:
        case PROTOBUF_C_TYPE_SFIXED32:
        case PROTOBUF_C_TYPE_UINT32:
        case PROTOBUF_C_TYPE_FIXED32:
            *(uint32_t *)at = 7;
            break;
        case PROTOBUF_C_TYPE_INT64:
        case PROTOBUF_C_TYPE_SINT64:
        case PROTOBUF_C_TYPE_SFIXED64:
        case PROTOBUF_C_TYPE_UINT64:
        case PROTOBUF_C_TYPE_FIXED64:
            *(uint64_t *)at = 1700000000 + salt;
            break;
        case PROTOBUF_C_TYPE_DOUBLE:
            *(double *)at = 1.5;
            break;
        case PROTOBUF_C_TYPE_FLOAT:
            *(float *)at = 1.5f;
            break;
        default: /* nested messages are left unset */
            set = false;
        }
        if (set && fd->label == PROTOBUF_C_LABEL_OPTIONAL && fd->type != PROTOBUF_C_TYPE_STRING)
            *(protobuf_c_boolean *)((char *)m + fd->quantifier_offset) = 1;
    }
    return m;
}

/* m packed, in a new buffer of *len bytes. */
static uint8_t *packed(const ProtobufCMessage *m, size_t *len)
{
    *len = protobuf_c_message_get_packed_size(m);
    uint8_t *b = malloc(*len + 1);
    if (!b)
        exit(1);
    protobuf_c_message_pack(m, b);
    return b;
}

/* A frame (header and body) appended to out at *n. */
static void frame(uint8_t *out, size_t *n, uint64_t id, const char *method,
                  const ProtobufCMessage *payload, int code)
{
    Liaison__V1__Frame f = LIAISON__V1__FRAME__INIT;
    Liaison__V1__Status st = LIAISON__V1__STATUS__INIT;
    f.request_id = id;
    f.method = (char *)(method ? method : "");
    size_t pl = 0;
    uint8_t *p = payload ? packed(payload, &pl) : NULL;
    f.payload.data = p;
    f.payload.len = pl;
    if (code) {
        st.code = code;
        st.message = "không được phép / 許可されていません";
        f.status = &st;
    }
    size_t bl = protobuf_c_message_get_packed_size(&f.base);
    frame_put_header(out + *n, (uint32_t)bl);
    protobuf_c_message_pack(&f.base, out + *n + FRAME_HEADER_SIZE);
    *n += FRAME_HEADER_SIZE + bl;
    free(p);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s corpus-dir\n", argv[0]);
        return 2;
    }
    out_dir = argv[1];
    const ProtobufCServiceDescriptor *svc = &liaison__v1__liaison__descriptor;
    static uint8_t buf[1 << 16];
    for (unsigned i = 0; i < svc->n_methods; i++) {
        const ProtobufCMethodDescriptor *md = &svc->methods[i];
        ProtobufCMessage *in = filled(md->input, i);
        ProtobufCMessage *out = filled(md->output, i);
        size_t n;

        uint8_t *p = packed(in, &n);
        put("messages", md->name, p, n);
        free(p);

        buf[0] = (uint8_t)(i % 17);
        n = 1;
        frame(buf, &n, i + 1, md->name, in, 0);
        put("frame", md->name, buf, n);

        /* Ready and authenticated as someone the method allows or not; Hello on a new connection.
         */
        buf[0] = strcmp(md->name, "Hello") == 0 ? 0 : (uint8_t)(1 | 2 | ((i % 8) << 2));
        n = 1;
        frame(buf, &n, i + 1, md->name, in, 0);
        put("dispatch", md->name, buf, n);

        for (int resp = 0; resp < 2; resp++) {
            unsigned pick = 2 * i + (unsigned)resp;
            json_t *j = pbjson_from_message(resp ? out : in);
            char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
            if (!s)
                return 1;
            size_t sl = strlen(s);
            buf[0] = (uint8_t)(pick & 0xff);
            buf[1] = (uint8_t)(pick >> 8);
            memcpy(buf + 2, s, sl);
            char name[128];
            snprintf(name, sizeof name, "%s.%s", md->name, resp ? "response" : "request");
            put("pbjson", name, buf, 2 + sl);
            free(s);
            json_decref(j);
        }

        /* The answer, a refused request and the end of the connection. */
        buf[0] = (uint8_t)(i & 0xff);
        buf[1] = (uint8_t)(i >> 8);
        n = 2;
        frame(buf, &n, 1, NULL, out, 0);
        frame(buf, &n, 2, NULL, NULL, LIAISON__V1__CODE__PERMISSION_DENIED);
        frame(buf, &n, 0, NULL, NULL, LIAISON__V1__CODE__UNAVAILABLE);
        put("client", md->name, buf, n);

        free(in);
        free(out);
    }
    return 0;
}
