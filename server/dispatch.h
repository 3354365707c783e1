/*
 * dispatch.h - from a frame's bytes to an RPC handler: dispatch_frame()
 * decodes a Frame and its payload with a per-request arena (byte budget,
 * UTF-8, NUL and length checks), enforces the connection's phase, in-flight
 * limit and the caller's permission (methods.h), starts the request's clock
 * and calls the method's handler (request.h is what handlers use).
 */
#ifndef LIAISON_DISPATCH_H
#define LIAISON_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <protobuf-c/protobuf-c.h>

#include "request.h"

struct conn;

/*
 * Checks that every method of liaison.v1.Liaison has a handler and
 * registers every family's statements. Returns 0 or -1 with err set.
 */
int dispatch_init(char *err, size_t errlen);

/* Writes who may call each RPC as Markdown (liaisond rpc-table). */
void dispatch_print_permissions(FILE *out);

/* Handles one frame body received on c. */
void dispatch_frame(struct conn *c, const uint8_t *body, size_t len);

/*
 * The connection is closing: its requests finish without answering, and a
 * stream waiting for its reader ends now.
 */
void dispatch_detach(struct conn *c);

/* The connection's output drained below the stream mark: its waiting streams go on. */
void dispatch_output_ready(struct conn *c);

#ifdef LIAISON_FUZZ_BUILD
/*
 * Test-only, compiled into the fuzz build alone (tests/fuzz/fuzz_dispatch.c):
 * decides about one frame body as dispatch_frame() would, up to and
 * including the permission check, on a connection that need have no socket,
 * and answers nothing. Returns 0 when the handler would run, else the code
 * the frame would be refused with (-1: out of memory).
 */
int dispatch_fuzz_frame(struct conn *c, const uint8_t *body, size_t len);
#endif

#endif
