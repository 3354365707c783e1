/*
 * introspect.c - the RPCs this library knows, read from protobuf-c's
 * generated service descriptor, so that a tool (the CLI's 'methods' and
 * 'call') offers every RPC the day it is added to liaison.proto.
 */
#include <stdlib.h>

#include <jansson.h>

#include "liaison.h"
#include "liaison.pb-c.h"
#include "wire.h"

/* The JSON type name of a field: "string", "int64", a message's or an enum's full name. */
static const char *introspect_type(const ProtobufCFieldDescriptor *f)
{
    static const char *const names[] = {
        [PROTOBUF_C_TYPE_INT32] = "int32",       [PROTOBUF_C_TYPE_SINT32] = "sint32",
        [PROTOBUF_C_TYPE_SFIXED32] = "sfixed32", [PROTOBUF_C_TYPE_INT64] = "int64",
        [PROTOBUF_C_TYPE_SINT64] = "sint64",     [PROTOBUF_C_TYPE_SFIXED64] = "sfixed64",
        [PROTOBUF_C_TYPE_UINT32] = "uint32",     [PROTOBUF_C_TYPE_FIXED32] = "fixed32",
        [PROTOBUF_C_TYPE_UINT64] = "uint64",     [PROTOBUF_C_TYPE_FIXED64] = "fixed64",
        [PROTOBUF_C_TYPE_FLOAT] = "float",       [PROTOBUF_C_TYPE_DOUBLE] = "double",
        [PROTOBUF_C_TYPE_BOOL] = "bool",         [PROTOBUF_C_TYPE_STRING] = "string",
        [PROTOBUF_C_TYPE_BYTES] = "bytes"};
    if (f->type == PROTOBUF_C_TYPE_MESSAGE)
        return ((const ProtobufCMessageDescriptor *)f->descriptor)->name;
    if (f->type == PROTOBUF_C_TYPE_ENUM)
        return ((const ProtobufCEnumDescriptor *)f->descriptor)->name;
    return (size_t)f->type < sizeof names / sizeof names[0] && names[f->type] ? names[f->type]
                                                                              : "unknown";
}

/*
 * The fields of message d as a JSON array; a message field carries its own
 * fields, an enum its value names. The schema has no recursion, so the
 * depth is the schema's.
 */
static json_t *introspect_fields(const ProtobufCMessageDescriptor *d)
{
    json_t *fields = json_array();
    for (unsigned i = 0; fields && i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        char name[128];
        wire_json_name(f->name, name, sizeof name);
        json_t *field = json_pack("{s:s,s:s,s:b}", "name", name, "type", introspect_type(f),
                                  "repeated", f->label == PROTOBUF_C_LABEL_REPEATED);
        if (field && f->type == PROTOBUF_C_TYPE_MESSAGE) {
            json_t *sub = introspect_fields(f->descriptor);
            if (!sub || json_object_set_new(field, "fields", sub) < 0) {
                json_decref(field);
                field = NULL;
            }
        } else if (field && f->type == PROTOBUF_C_TYPE_ENUM) {
            const ProtobufCEnumDescriptor *e = f->descriptor;
            json_t *values = json_array();
            for (unsigned v = 0; values && v < e->n_values; v++)
                if (json_array_append_new(values, json_string(e->values[v].name)) < 0) {
                    json_decref(values);
                    values = NULL;
                }
            if (!values || json_object_set_new(field, "values", values) < 0) {
                json_decref(field);
                field = NULL;
            }
        }
        if (!field || json_array_append_new(fields, field) < 0) {
            json_decref(fields);
            return NULL;
        }
    }
    return fields;
}

int liaison_methods_json(char **methods_json)
{
    if (!methods_json)
        return LIAISON_INVALID_ARGUMENT;
    *methods_json = NULL;
    const ProtobufCServiceDescriptor *svc = &liaison__v1__liaison__descriptor;
    json_t *all = json_array();
    for (unsigned i = 0; all && i < svc->n_methods; i++) {
        const ProtobufCMethodDescriptor *m = &svc->methods[i];
        json_t *fields = introspect_fields(m->input);
        json_t *out_fields = fields ? introspect_fields(m->output) : NULL;
        if (!out_fields)
            json_decref(fields);
        json_t *method = out_fields ? json_pack("{s:s,s:s,s:s,s:o,s:o}", "name", m->name, "request",
                                                m->input->name, "response", m->output->name,
                                                "fields", fields, "responseFields", out_fields)
                                    : NULL;
        if (!method || json_array_append_new(all, method) < 0) {
            json_decref(all);
            all = NULL;
        }
    }
    char *out = all ? json_dumps(all, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(all);
    if (!out)
        return LIAISON_RESOURCE_EXHAUSTED;
    *methods_json = out;
    return LIAISON_OK;
}
