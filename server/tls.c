/*
 * tls.c - SSL_CTX set-up and replacement. Worker threads take the current
 * context under a mutex when they accept; SSL_new holds a reference, so a
 * replaced context lives until its last session ends.
 */
#include "tls.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "wire.h"

static pthread_mutex_t tls_lock = PTHREAD_MUTEX_INITIALIZER;
static SSL_CTX *tls_current;

void tls_error_string(char *buf, size_t len)
{
    unsigned long e = ERR_get_error();
    if (e == 0)
        snprintf(buf, len, "unknown TLS error");
    else
        ERR_error_string_n(e, buf, len);
    ERR_clear_error();
}

/*
 * Why FILE could not be used, in words: OpenSSL's own string
 * ("error:80000002:system library::No such file or directory",
 * "error:0480006C:PEM routines::no start line") puts a code and a library
 * name before the reason, which tells an operator editing the sample
 * configuration nothing. Clears OpenSSL's error queue.
 */
static void tls_file_reason(const char *file, char *buf, size_t len)
{
    /* The first error is the cause; later ones only say who called. */
    unsigned long e, first = 0, no_pem = 0, mismatch = 0, no_key = 0;
    while ((e = ERR_get_error()) != 0) {
        if (!first)
            first = e;
        if (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE)
            no_pem = e;
        if (ERR_GET_LIB(e) == ERR_LIB_X509 && ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH)
            mismatch = e;
        if (ERR_GET_LIB(e) == ERR_LIB_OSSL_DECODER)
            no_key = e;
    }
    struct stat st;
    FILE *f;
    if (stat(file, &st) < 0) {
        snprintf(buf, len, "%s", strerror(errno));
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(buf, len, "it is a directory, not a PEM file");
        return;
    }
    if (!(f = fopen(file, "r"))) {
        snprintf(buf, len, "%s", strerror(errno));
        return;
    }
    /* A PEM file of something else (a key where a certificate belongs) has "-----BEGIN" too. */
    char line[256];
    bool pem = false;
    for (int n = 0; !pem && n < 1000 && fgets(line, sizeof line, f); n++)
        pem = !strncmp(line, "-----BEGIN ", 11);
    fclose(f);
    if (mismatch) {
        snprintf(buf, len, "it is not the key of the certificate in tls_cert");
        return;
    }
    if (no_key) {
        snprintf(buf, len, "no private key in it that OpenSSL reads (a PEM \"PRIVATE KEY\" block)");
        return;
    }
    if (no_pem) {
        snprintf(buf, len,
                 pem ? "no certificate in it (a PEM \"CERTIFICATE\" block)"
                     : "no PEM block in it (no \"-----BEGIN\" line)");
        return;
    }
    const char *reason = first ? ERR_reason_error_string(first) : NULL;
    snprintf(buf, len, "%s", reason ? reason : "unknown TLS error");
}

/*
 * Whether certificate x is valid now; if not, why in words ("expired on
 * ..."): a certificate out of its time loads without complaint, and every
 * client then refuses the handshake.
 */
static bool tls_cert_current(const X509 *x, char *why, size_t len)
{
    const ASN1_TIME *from = X509_get0_notBefore(x), *until = X509_get0_notAfter(x);
    /* A certificate made a moment ago on a host whose clock runs ahead: five minutes' grace. */
    time_t soon = time(NULL) + 300;
    /* X509_cmp_time: 1 after the time, -1 before (or at) it, 0 unreadable. */
    const ASN1_TIME *out = X509_cmp_time(from, &soon) > 0     ? from
                           : X509_cmp_current_time(until) < 0 ? until
                                                              : NULL;
    if (!out)
        return true;
    char when[40] = "a date it cannot read";
    struct tm tm;
    if (ASN1_TIME_to_tm(out, &tm) == 1)
        strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
    char subject[128] = "";
    X509_NAME_oneline(X509_get_subject_name(x), subject, sizeof subject);
    snprintf(why, len, "its certificate %s %s %s", subject,
             out == from ? "is not valid before" : "expired on", when);
    return false;
}

/* Picks liaison/1 from the client's offer, or ends the handshake. */
static int tls_alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                           const unsigned char *in, unsigned int inlen, void *arg)
{
    (void)ssl;
    (void)arg;
    static const unsigned char want[] = "\x09" WIRE_ALPN;
    unsigned char *sel;
    if (SSL_select_next_proto(&sel, outlen, want, sizeof want - 1, in, inlen) !=
        OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    *out = sel;
    return SSL_TLSEXT_ERR_OK;
}

/*
 * OpenSSL calls the ALPN callback only when the client offered ALPN at all;
 * a ClientHello without the extension is refused here, with the alert the
 * protocol names.
 */
static int tls_client_hello(SSL *ssl, int *alert, void *arg)
{
    (void)arg;
    const unsigned char *ext;
    size_t len;
    if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_application_layer_protocol_negotiation, &ext,
                                  &len) == 1)
        return SSL_CLIENT_HELLO_SUCCESS;
    *alert = SSL_AD_NO_APPLICATION_PROTOCOL;
    return SSL_CLIENT_HELLO_ERROR;
}

int tls_load(const char *cert, const char *key, bool allow_tls12, const char *operator_ca,
             char *err, size_t errlen)
{
    const char *what = NULL, *file = NULL; /* the setting being loaded, for err */
    ERR_clear_error();
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx)
        goto fail;
    if (!SSL_CTX_set_min_proto_version(ctx, allow_tls12 ? TLS1_2_VERSION : TLS1_3_VERSION))
        goto fail;
    if (!SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
                                       "TLS_CHACHA20_POLY1305_SHA256"))
        goto fail;
    if (allow_tls12 && !SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20"))
        goto fail;
    /*
     * No tickets and no session cache: every connection is a full handshake,
     * so there is no ticket key to rotate and no cache to bound.
     */
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
    SSL_CTX_set_num_tickets(ctx, 0);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    /* Idle connections give their record buffers back. */
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE);
    SSL_CTX_set_client_hello_cb(ctx, tls_client_hello, NULL);
    SSL_CTX_set_alpn_select_cb(ctx, tls_alpn_select, NULL);
    /*
     * OpenSSL's reason alone ("No such file or directory", "DECODER
     * routines::unsupported") names neither the file nor the setting: the
     * operator reading it at start or after SIGHUP needs both.
     */
    what = "tls_cert";
    file = cert;
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1)
        goto fail;
    /*
     * The server's own certificate: the chain after it may hold an expired
     * cross-signature that clients pass by, which is no reason to stop.
     */
    char why[256];
    bool current = tls_cert_current(SSL_CTX_get0_certificate(ctx), why, sizeof why);
    if (!current)
        goto out_of_time;
    what = "tls_key";
    file = key;
    if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
        goto fail;
    if (SSL_CTX_check_private_key(ctx) != 1) {
        ERR_clear_error();
        snprintf(err, errlen, "tls_key: %s is not the key of the certificate in tls_cert %s", key,
                 cert);
        SSL_CTX_free(ctx);
        return -1;
    }
    if (operator_ca && *operator_ca) {
        /* Optional: users authenticate with tokens and present no certificate. */
        what = "operator_ca";
        file = operator_ca;
        STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(operator_ca);
        if (!names || SSL_CTX_load_verify_locations(ctx, operator_ca, NULL) != 1) {
            sk_X509_NAME_pop_free(names, X509_NAME_free);
            goto fail;
        }
        SSL_CTX_set_client_CA_list(ctx, names);
        /*
         * At least one CA in its time: an old one left in the bundle while
         * the operators' certificates move to a new one is no fault, a
         * bundle of none that verifies anything is.
         */
        STACK_OF(X509) *cas = X509_STORE_get1_all_certs(SSL_CTX_get_cert_store(ctx));
        current = false;
        snprintf(why, sizeof why, "no CA certificate in it");
        for (int i = 0; !current && i < sk_X509_num(cas); i++)
            current = tls_cert_current(sk_X509_value(cas, i), why, sizeof why);
        sk_X509_pop_free(cas, X509_free);
        if (!current)
            goto out_of_time;
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
        SSL_CTX_set_verify_depth(ctx, 4);
    }

    pthread_mutex_lock(&tls_lock);
    SSL_CTX *old = tls_current;
    tls_current = ctx;
    pthread_mutex_unlock(&tls_lock);
    SSL_CTX_free(old);
    return 0;
out_of_time:
    ERR_clear_error();
    snprintf(err, errlen, "%s: cannot use %s: %s", what, file, why);
    SSL_CTX_free(ctx);
    return -1;
fail:
    if (what) {
        char reason[256];
        tls_file_reason(file, reason, sizeof reason);
        snprintf(err, errlen, "%s: cannot use %s: %s", what, file, reason);
    } else {
        tls_error_string(err, errlen);
    }
    SSL_CTX_free(ctx);
    return -1;
}

int tls_operator_key(char *out, size_t cap, char *err, size_t errlen)
{
    static const char label[] = "liaison operator certificate key v1";
    unsigned char mac[32], *der = NULL;
    size_t maclen = 0;
    int rc = -1;
    ERR_clear_error();
    pthread_mutex_lock(&tls_lock);
    EVP_PKEY *pkey = tls_current ? SSL_CTX_get0_privatekey(tls_current) : NULL;
    int derlen = pkey ? i2d_PrivateKey(pkey, &der) : -1;
    pthread_mutex_unlock(&tls_lock);
    if (derlen <= 0) {
        snprintf(err, errlen, "no private key to derive the operator certificate key from");
        return -1;
    }
    if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, der, (size_t)derlen,
                  (const unsigned char *)label, sizeof label - 1, mac, sizeof mac,
                  &maclen) == NULL ||
        maclen != sizeof mac || OPENSSL_buf2hexstr_ex(out, cap, NULL, mac, maclen, '\0') != 1)
        tls_error_string(err, errlen);
    else
        rc = 0;
    OPENSSL_clear_free(der, (size_t)derlen);
    OPENSSL_cleanse(mac, sizeof mac);
    return rc;
}

SSL *tls_new_session(BIO **rbio, BIO **wbio)
{
    pthread_mutex_lock(&tls_lock);
    SSL *ssl = tls_current ? SSL_new(tls_current) : NULL;
    pthread_mutex_unlock(&tls_lock);
    if (!ssl)
        return NULL;
    if (tls_attach_bios(ssl, rbio, wbio) < 0) {
        SSL_free(ssl);
        return NULL;
    }
    SSL_set_accept_state(ssl);
    return ssl;
}

int tls_attach_bios(SSL *ssl, BIO **rbio, BIO **wbio)
{
    BIO *r = BIO_new(BIO_s_mem()), *w = BIO_new(BIO_s_mem());
    if (!r || !w) {
        BIO_free(r);
        BIO_free(w);
        return -1;
    }
    /* An empty memory BIO reports "retry" rather than end of file. */
    BIO_set_mem_eof_return(r, -1);
    BIO_set_mem_eof_return(w, -1);
    SSL_set_bio(ssl, r, w);
    *rbio = r;
    *wbio = w;
    return 0;
}

void tls_shutdown(void)
{
    pthread_mutex_lock(&tls_lock);
    SSL_CTX *old = tls_current;
    tls_current = NULL;
    pthread_mutex_unlock(&tls_lock);
    SSL_CTX_free(old);
}

bool tls_peer_operator(SSL *ssl, char *cn, size_t cap)
{
    X509 *peer = SSL_get0_peer_certificate(ssl);
    if (!peer || SSL_get_verify_result(ssl) != X509_V_OK)
        return false;
    int n = X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, (int)cap);
    return n > 0 && (size_t)n < cap && strlen(cn) == (size_t)n;
}
