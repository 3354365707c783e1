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
 * Builds a message of type desc from the JSON object j, allocating in the
 * arena. Returns NULL with err naming the field and the problem.
 */
ProtobufCMessage *pbjson_to_message(const ProtobufCMessageDescriptor *desc, const json_t *j,
                                    struct arena *a, char *err, size_t errlen);

#endif
