/*
 * tls.h - the server's TLS context: modern profile, ALPN liaison/1, and a
 * certificate that SIGHUP can replace while connections keep running.
 */
#ifndef LIAISON_TLS_H
#define LIAISON_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <openssl/ssl.h>

/*
 * Builds a context from the certificate and key files and makes it the
 * current one. With operator_ca (NULL or "" for none), clients may present
 * a certificate, which must then verify against that CA. Returns 0, or -1
 * with err naming the setting and file that failed (tls_cert, tls_key or
 * operator_ca) and OpenSSL's reason; on failure the current context, if
 * any, stays in use.
 */
int tls_load(const char *cert, const char *key, bool allow_tls12, const char *operator_ca,
             char *err, size_t errlen);

/*
 * The common name of a client certificate that verified against the
 * operator CA, into cn; returns false when there is none.
 */
bool tls_peer_operator(SSL *ssl, char *cn, size_t cap);

/*
 * The key that proves to the database that an operator's certificate was
 * verified by this process (migration 0044): an HMAC of the current
 * context's private key, as 64 hex digits into out (cap >= 65). The
 * database never holds the private key, so SQL cannot make the key.
 * Returns 0, or -1 with err set.
 */
int tls_operator_key(char *out, size_t cap, char *err, size_t errlen);

/*
 * A new server-side SSL object on the current context, with memory BIOs
 * attached (*rbio takes bytes from the socket, *wbio holds bytes for it).
 * NULL when memory ran out.
 */
SSL *tls_new_session(BIO **rbio, BIO **wbio);

/*
 * Gives ssl a new pair of empty memory BIOs (freeing any it had) and
 * returns them in *rbio and *wbio. Returns 0, or -1 when memory ran out.
 */
int tls_attach_bios(SSL *ssl, BIO **rbio, BIO **wbio);

/* Drops the current context; sessions still open keep theirs alive. */
void tls_shutdown(void);

/* The OpenSSL error queue as one line (and cleared). */
void tls_error_string(char *buf, size_t len);

#endif
