/*
 * operator.h - platform operators, managed only on the server host
 * ('liaisond operator create NAME'): there is no RPC that makes one.
 */
#ifndef LIAISON_OPERATOR_H
#define LIAISON_OPERATOR_H

#include <stddef.h>
#include <stdio.h>

/*
 * Creates operator name with a new token, written to token (shown once;
 * only its hash is stored). Blocking: for the command line only.
 * Returns 0, -2 for a name that is no operator's (err says the rule), or
 * -1 with err set.
 */
int operator_create(const char *conninfo, const char *name, char *token, size_t cap, char *err,
                    size_t errlen);

/* Revokes every token of operator name. Returns 0, or -1 with err set. */
int operator_revoke(const char *conninfo, const char *name, char *err, size_t errlen);

/*
 * Writes every operator, live and revoked, to out: name, made, revoked ("-"
 * while live). Returns 0, or -1 with err set.
 */
int operator_list(const char *conninfo, FILE *out, char *err, size_t errlen);

/*
 * Registers key (tls_operator_key()) as the proof that this server verified
 * an operator's client certificate (migration 0044). Needs the tables'
 * owner: conninfo is the migration connection. Blocking (at most 10 s to
 * connect): on the main thread only, at start, on reload and on its retries.
 * Returns 0, or -1 with err set.
 */
int operator_certificate_key_register(const char *conninfo, const char *key, char *err,
                                      size_t errlen);

#endif
