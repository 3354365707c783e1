/*
 * auth.c - tokens and password hashing.
 *
 * Argon2id at OWASP's minimum for the algorithm (m = 19 MiB, t = 2, p = 1)
 * with a 16-byte salt; the parameters are in the encoded string, so raising
 * them later leaves old hashes verifiable.
 */
#include "auth.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include "wire.h"

#define ARGON2_T 2
#define ARGON2_M_KIB 19456
#define ARGON2_P 1
#define ARGON2_SALT 16
#define ARGON2_HASH 32
#define ARGON2_ENCODED_MAX 160

/* Hash of a long random password nobody knows: makes "no such user" as slow as a wrong password. */
const char auth_dummy_hash[] = "$argon2id$v=19$m=19456,t=2,p=1$"
                               "c29tZXNhbHRzb21lc2FsdA$"
                               "5uGkPDzJwfk+k7SqHeBQ5SInR23ODOIC8EMhICXK/0I";

int auth_token_new(char *out, size_t cap, int64_t tenant_id, bool operator_token)
{
    unsigned char raw[32];
    char b64[48];
    if (RAND_bytes(raw, sizeof raw) != 1)
        return -1;
    wire_base64url(b64, raw, sizeof raw);
    int n = operator_token ? snprintf(out, cap, "lto_%s", b64)
                           : snprintf(out, cap, "lts_%" PRId64 "_%s", tenant_id, b64);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

void auth_hash_hex(const char *text, char out[AUTH_HASH_HEX])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)text, strlen(text), md);
    static const char hex[] = "0123456789abcdef";
    out[0] = '\\';
    out[1] = 'x';
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++) {
        out[2 + 2 * i] = hex[md[i] >> 4];
        out[3 + 2 * i] = hex[md[i] & 15];
    }
    out[2 + 2 * SHA256_DIGEST_LENGTH] = '\0';
}

int auth_token_parse(const char *token, int64_t *tenant_id)
{
    size_t len = strlen(token);
    if (len < 8 || len > AUTH_TOKEN_MAX)
        return 0;
    if (!strncmp(token, "lto_", 4))
        return 1;
    if (strncmp(token, "lts_", 4))
        return 0;
    char *end;
    long long t = strtoll(token + 4, &end, 10);
    if (end == token + 4 || *end != '_' || t <= 0)
        return 0;
    *tenant_id = t;
    return 2;
}

/*
 * The password as RFC 8265's OpaqueString profile compares it: every
 * non-ASCII space as U+0020, then Normalization Form C. A Vietnamese
 * keyboard in its "Unicode tổ hợp" mode sends ế as e, U+0302, U+0301; typed
 * so, the password set from another keyboard must still be the same. Bytes
 * that are not UTF-8 are kept as sent. A copy to free, or NULL (no memory).
 */
static char *auth_password_prepare(const char *password)
{
    size_t n = strlen(password);
    if (u8_check((const uint8_t *)password, n))
        return strdup(password);
    uint8_t *spaced = malloc(n + 1);
    if (!spaced)
        return NULL;
    size_t len = 0;
    for (size_t at = 0; at < n;) {
        ucs4_t c;
        int step = u8_mbtouc(&c, (const uint8_t *)password + at, n - at);
        if (c > 0x7f && uc_is_general_category(c, UC_SPACE_SEPARATOR))
            spaced[len++] = ' ';
        else {
            memcpy(spaced + len, password + at, (size_t)step);
            len += (size_t)step;
        }
        at += (size_t)step;
    }
    /* Our own buffer, so that no copy of the password is left unwiped by a realloc inside. */
    size_t cap = 4 * len + 4, got = cap;
    uint8_t *nfc = malloc(cap + 1);
    uint8_t *out = nfc ? u8_normalize(UNINORM_NFC, spaced, len, nfc, &got) : NULL;
    OPENSSL_cleanse(spaced, n + 1);
    free(spaced);
    if (out != nfc) {
        /* NFC outgrew four bytes a byte (it cannot), or failed: nothing half-done is used. */
        if (out) {
            OPENSSL_cleanse(out, got);
            free(out);
        }
        if (nfc)
            OPENSSL_cleanse(nfc, cap + 1);
        free(nfc);
        return NULL;
    }
    nfc[got] = '\0';
    return (char *)nfc;
}

/*
 * Characters, as NIST SP 800-63B counts them: code points of the password
 * as it is compared (auth_password_prepare), so four kanji are 12 bytes
 * but 4 characters, and a letter typed as a letter and its marks is one.
 */
const char *auth_password_problem(const char *password)
{
    size_t n = strlen(password);
    if (n > PASSWORD_MAX)
        return "must be at most 128 bytes";
    char *prepared = auth_password_prepare(password);
    if (!prepared)
        return "could not be checked: out of memory";
    size_t len = strlen(prepared);
    size_t chars =
        u8_check((const uint8_t *)prepared, len) ? len : u8_mbsnlen((const uint8_t *)prepared, len);
    /* Every kind of space is one ' ' by now: twelve of them are no secret. */
    bool blank = strspn(prepared, " ") == len;
    /*
     * RFC 8265's OpaqueString, which the comparison follows, allows no
     * control character: a tab or a line break taken into a password from
     * a file or a paste is never typed again the same way (a try-out set
     * one through --password-stdin). Nor is one character twelve times
     * over a secret.
     */
    bool control = false, repeated = true;
    ucs4_t first = 0;
    bool utf8 = u8_check((const uint8_t *)prepared, len) == NULL;
    for (size_t at = 0; at < len;) {
        ucs4_t c = (unsigned char)prepared[at];
        int step = 1;
        if (utf8) {
            step = u8_mbtouc(&c, (const uint8_t *)prepared + at, len - at);
            if (step < 1)
                break;
        }
        control = control || c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0 && utf8);
        if (at == 0)
            first = c;
        repeated = repeated && c == first;
        at += (size_t)step;
    }
    OPENSSL_cleanse(prepared, len);
    free(prepared);
    if (chars < PASSWORD_MIN)
        return "must be at least 12 characters";
    if (blank)
        return "must not be only spaces";
    if (control)
        return "must not hold control characters (a tab, a line break or the like)";
    return repeated ? "must not be one character repeated" : NULL;
}

enum auth_job_kind { AUTH_JOB_HASH, AUTH_JOB_VERIFY, AUTH_JOB_REHASH };

struct auth_job {
    uv_work_t work; /* first: the callbacks get this pointer */
    auth_password_cb done;
    void *arg;
    enum auth_job_kind kind;
    bool ok;
    char *password;
    char encoded[ARGON2_ENCODED_MAX];
};

/*
 * Hashes password with the parameters and salt of prefix
 * ("$argon2id$v=19$m=M,t=T,p=P$SALT", unpadded base64), into out. Returns
 * whether it could.
 */
static bool auth_rehash(const char *prefix, const char *password, char *out, size_t cap)
{
    unsigned m, t, p;
    int at = 0;
    if (sscanf(prefix, "$argon2id$v=19$m=%u,t=%u,p=%u$%n", &m, &t, &p, &at) != 3 || !at)
        return false;
    const char *b64 = prefix + at;
    size_t n = strlen(b64);
    if (n == 0 || n > 64 || strchr(b64, '$'))
        return false;
    /* EVP_DecodeBlock wants padding; argon2's encoding leaves it out. */
    char padded[68];
    size_t pad = (4 - n % 4) % 4;
    memcpy(padded, b64, n);
    memset(padded + n, '=', pad);
    unsigned char salt[52];
    int got = EVP_DecodeBlock(salt, (const unsigned char *)padded, (int)(n + pad));
    if (got < (int)pad + 8)
        return false;
    return argon2id_hash_encoded(t, m, p, password, strlen(password), salt, (size_t)got - pad,
                                 ARGON2_HASH, out, cap) == ARGON2_OK;
}

static void auth_job_run(uv_work_t *w)
{
    struct auth_job *j = (struct auth_job *)w;
    size_t plen = strlen(j->password);
    if (j->kind == AUTH_JOB_VERIFY) {
        j->ok = argon2id_verify(j->encoded, j->password, plen) == ARGON2_OK;
        return;
    }
    if (j->kind == AUTH_JOB_REHASH) {
        char prefix[ARGON2_ENCODED_MAX];
        snprintf(prefix, sizeof prefix, "%s", j->encoded);
        j->ok = auth_rehash(prefix, j->password, j->encoded, sizeof j->encoded);
        return;
    }
    unsigned char salt[ARGON2_SALT];
    if (RAND_bytes(salt, sizeof salt) != 1) {
        j->ok = false;
        return;
    }
    j->ok =
        argon2id_hash_encoded(ARGON2_T, ARGON2_M_KIB, ARGON2_P, j->password, plen, salt,
                              sizeof salt, ARGON2_HASH, j->encoded, sizeof j->encoded) == ARGON2_OK;
}

static void auth_job_after(uv_work_t *w, int status)
{
    struct auth_job *j = (struct auth_job *)w;
    bool ok = status == 0 && j->ok;
    j->done(j->arg, ok, ok && j->kind != AUTH_JOB_VERIFY ? j->encoded : NULL);
    OPENSSL_cleanse(j->password, strlen(j->password));
    free(j->password);
    free(j);
}

static int auth_dollars(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '$';
    return n;
}

int auth_password_job(uv_loop_t *loop, const char *password, const char *encoded,
                      auth_password_cb done, void *arg)
{
    struct auth_job *j = calloc(1, sizeof *j);
    if (!j)
        return -1;
    j->password = auth_password_prepare(password);
    if (!j->password || (encoded && strlen(encoded) >= sizeof j->encoded)) {
        if (j->password)
            OPENSSL_cleanse(j->password, strlen(j->password));
        free(j->password);
        free(j);
        return -1;
    }
    j->done = done;
    j->arg = arg;
    j->kind = !encoded                     ? AUTH_JOB_HASH
              : auth_dollars(encoded) == 4 ? AUTH_JOB_REHASH
                                           : AUTH_JOB_VERIFY;
    if (encoded)
        snprintf(j->encoded, sizeof j->encoded, "%s", encoded);
    if (uv_queue_work(loop, &j->work, auth_job_run, auth_job_after) != 0) {
        OPENSSL_cleanse(j->password, strlen(j->password));
        free(j->password);
        free(j);
        return -1;
    }
    return 0;
}

static const char *const role_names[] = {NULL, "tenant_admin", "manager", "distributor_user",
                                         "auditor"};

int auth_role_from_name(const char *name)
{
    for (int i = 1; i < 5; i++)
        if (!strcmp(role_names[i], name))
            return i;
    return 0;
}

const char *auth_role_name(int role)
{
    return role >= 1 && role <= 4 ? role_names[role] : NULL;
}
