/*
 * pbjson.h - protobuf's canonical JSON mapping for any message of
 * liaison.proto, by reflection over protobuf-c's descriptors (jansson for
 * the JSON). Field names are written in lowerCamelCase and read in either
 * lowerCamelCase or the proto name; 64-bit integers are strings; enums are
 * their value names; bytes are base64; fields at their default are left out.
 */
#ifndef LIAISON_PBJSON_H
#define LIAISON_PBJSON_H

#include <stddef.h>
#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

#include "arena.h"

/* A new JSON object for msg, or NULL when memory ran out. */
json_t *pbjson_from_message(const ProtobufCMessage *msg);

/*
 * Why a JSON object could not be mapped: the field to blame as the
 * server's FieldViolation names it (JSON names joined by dots, elements by
 * [index]: "lines[2].sku"; "" when the object itself is), and what is
 * wrong with it.
 */
struct pbjson_error {
    char field[320];
    char why[160];
};

/*
 * Builds a message of type desc from the JSON object j, allocating in the
 * arena. Returns NULL with err saying which field and why.
 */
ProtobufCMessage *pbjson_to_message(const ProtobufCMessageDescriptor *desc, const json_t *j,
                                    struct arena *a, struct pbjson_error *err);

#endif
