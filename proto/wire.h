/*
 * wire.h - what both ends need beyond framing: the protocol version, the
 * bounds every decoded message is held to, and helpers over protobuf-c's
 * descriptors for the liaison.v1.Liaison service.
 */
#ifndef LIAISON_WIRE_H
#define LIAISON_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "liaison.pb-c.h"

#define WIRE_PROTOCOL_VERSION 1
#define WIRE_ALPN "liaison/1"

/* Every string field: valid UTF-8 without U+0000, of at most this many bytes... */
#define WIRE_MAX_STRING 4096
/*
 * ...except the free text people write or the server drafts (meeting notes,
 * summaries, escalation requests, answers and concerns, exported rows),
 * listed in wire.c, which may hold this many; the frame bounds them too.
 */
#define WIRE_MAX_TEXT 409600
/* Every repeated field: at most this many elements. */
#define WIRE_MAX_REPEATED 1000
/* Method names are short ASCII identifiers. */
#define WIRE_MAX_METHOD 64

/* Returns true when s[0..len) is well-formed UTF-8 (RFC 3629). */
bool wire_utf8_valid(const char *s, size_t len);

/* The bound of string field f of messages described by d: WIRE_MAX_STRING or WIRE_MAX_TEXT. */
size_t wire_max_string(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f);

/*
 * Checks every string and repeated field of msg, nested messages included,
 * against the bounds above. On failure returns false and writes the field's
 * path (JSON names joined by dots) into field and the reason into *why.
 */
bool wire_validate(const ProtobufCMessage *msg, char *field, size_t field_cap, const char **why);

/*
 * Why text s may not be stored: it holds a control character (C0 but tab
 * and line breaks, DEL, C1) or a bidirectional embedding, override or
 * isolate (U+202A-U+202E, U+2066-U+2069), which would move a terminal's
 * cursor, recolour it or reorder what is shown after it, or a noncharacter
 * (U+FDD0-U+FDEF, U+xxFFFE, U+xxFFFF). NULL when it may.
 */
const char *wire_text_refused(const char *s);

/*
 * Checks every string of msg, nested messages included, with
 * wire_text_refused, but passwords and an export's rows, taken as they
 * are. On failure returns false with the field's path in field (as
 * wire_validate writes it) and the reason in *why. The server holds every
 * request to it; the client takes answers as they are, since what was
 * stored before the rule may hold such characters.
 */
bool wire_text_clean(const ProtobufCMessage *msg, char *field, size_t field_cap, const char **why);

/*
 * Unpacks data with the arena as allocator, then validates it, and refuses
 * a string field whose encoding holds a NUL byte (unpacked, it would be cut
 * there). Returns NULL with *why set (and field, when a field is to blame)
 * on failure.
 */
ProtobufCMessage *wire_decode(const ProtobufCMessageDescriptor *desc, const uint8_t *data,
                              size_t len, struct arena *a, char *field, size_t field_cap,
                              const char **why);

/* The method of liaison.v1.Liaison with this name, or NULL. */
const ProtobufCMethodDescriptor *wire_method(const char *name);

/* "INVALID_ARGUMENT" for 3 and so on; "UNKNOWN" for numbers out of range. */
const char *wire_code_name(int code);

/*
 * base64url without padding (RFC 4648 section 5) of in[0..n) into out,
 * which must hold 4 * ((n + 2) / 3) + 1 bytes. Returns the length written.
 */
size_t wire_base64url(char *out, const unsigned char *in, size_t n);

/* Lower camel case of a proto field name ("page_size" -> "pageSize"). */
void wire_json_name(const char *proto_name, char *out, size_t cap);

#endif
