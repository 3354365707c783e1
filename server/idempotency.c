/*
 * idempotency.c - idempotency keys for create RPCs (see idempotency.h;
 * the SQL is migration 0024).
 */
#include "idempotency.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "credential.h"
#include "log.h"
#include "methods.h"
#include "wire.h"

#define IDEM_NAME(name) #name,
static const char *const idem_creates[] = {RPC_CREATES(IDEM_NAME)};
#define IDEM_N_CREATES (sizeof idem_creates / sizeof idem_creates[0])

/* $1 method, $2 key, $3 request hash (bytea hex) */
static struct db_stmt q_claim = {"SELECT liaison_request_key_claim($1, $2, $3::bytea)", 3, 0};
/*
 * A create naming an upload (CreateDocument, AddDocumentVersion,
 * AddTranslation with upload_id): the client uploads again when it
 * repeats the create, under a new id, so the hash leaves the id out
 * (idem_hash) and the upload's content hash follows it here: the key
 * keeps both, 64 bytes. A retry of the same create, upload id and all,
 * finds its upload taken by the first (liaison_document_upload_take
 * deletes it): the request's own half must then match the key's, and the
 * content is the one the first took. $1 method, $2 key, $3 request hash
 * (bytea hex), $4 upload id
 */
static struct db_stmt q_claim_upload = {
    "SELECT liaison_request_key_claim($1, $2, CASE WHEN u.sha256 IS NOT NULL"
    " THEN $3::bytea || u.sha256 ELSE coalesce((SELECT k.request_hash FROM request_keys k"
    " WHERE k.tenant_id = liaison_tenant() AND k.key = $2 AND k.method = $1"
    " AND octet_length(k.request_hash) = octet_length($3::bytea) + 32"
    " AND substring(k.request_hash FROM 1 FOR octet_length($3::bytea)) = $3::bytea),"
    " $3::bytea) END)"
    " FROM (SELECT (SELECT sha256 FROM document_uploads"
    " WHERE tenant_id = liaison_tenant() AND id = $4::bigint) AS sha256) u",
    4, 0};
/*
 * A replayed create's own upload, made again for the repeat and never
 * taken: dropped now rather than holding one of the caller's few open
 * uploads until it expires. $1 upload id
 */
static struct db_stmt q_drop_upload = {
    "DELETE FROM document_uploads WHERE tenant_id = liaison_tenant() AND id = $1::bigint"
    " AND created_by = liaison_request_setting('actor')",
    1, 0};
/* $1 key, $2 response (bytea hex) */
static struct db_stmt q_store = {"SELECT liaison_request_key_store($1, $2::bytea) AS stored", 2, 0};
/* $1 key */
static struct db_stmt q_response = {"SELECT liaison_request_key_response($1) AS response", 1, 0};

int idem_register(void)
{
    for (size_t i = 0; i < IDEM_N_CREATES; i++) {
        if (!wire_method(idem_creates[i])) {
            log_event(LOG_ERROR, "RPC_CREATES names no method of the service", "method=%s",
                      idem_creates[i]);
            return -1;
        }
    }
    struct db_stmt *const stmts[] = {&q_claim, &q_claim_upload, &q_drop_upload, &q_store,
                                     &q_response};
    return db_register(stmts, 5);
}

bool idem_method_takes_key(const char *name)
{
    for (size_t i = 0; i < IDEM_N_CREATES; i++)
        if (!strcmp(idem_creates[i], name))
            return true;
    return false;
}

/* bytea's hex input text of data, in a; NULL without memory. */
static char *idem_hex(struct arena *a, const uint8_t *data, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    char *text = arena_alloc(a, 2 * len + 3);
    if (!text)
        return NULL;
    text[0] = '\\';
    text[1] = 'x';
    for (size_t i = 0; i < len; i++) {
        text[2 + 2 * i] = hex[data[i] >> 4];
        text[3 + 2 * i] = hex[data[i] & 15];
    }
    text[2 + 2 * len] = '\0';
    return text;
}

/*
 * Whether field f is left out of the hash (see idem_hash): a password, or
 * a request's key of its own (PlaceOrder's), which is the frame's key.
 */
static bool idem_blanked_field(const ProtobufCFieldDescriptor *f)
{
    size_t n = strlen(f->name);
    if (f->type != PROTOBUF_C_TYPE_STRING || f->label == PROTOBUF_C_LABEL_REPEATED)
        return false;
    return (n >= 8 && !strcmp(f->name + n - 8, "password")) || !strcmp(f->name, "idempotency_key");
}

/*
 * SHA-256 of the method's name, the caller (its actor: one user, token or
 * operator, whichever session it came in) and its request, as bytea hex
 * in r->idem_hash: another caller of the tenant cannot have a creation's
 * answer by repeating its key. Top-level password fields (CreateUser's, CreateTenant's
 * admin_password) are blanked first: a fast hash of a request holding a
 * password would let whoever reads the table guess the password far
 * faster than its Argon2id hash allows. A repeat with the same key that
 * differs only in the password is therefore answered the first response.
 * An upload_id is left out too: its upload's content hash takes its place
 * at the claim (q_claim_upload), as a repeat uploads the same content again.
 * So is a key the request carries in its body (PlaceOrder's): it is the
 * frame's key or none (rpc_order.c), so a repeat that gives the key in
 * both places is the same request. Returns false without memory.
 */
static bool idem_hash(struct request *r)
{
    ProtobufCMessage *in = (ProtobufCMessage *)r->input;
    const ProtobufCMessageDescriptor *d = in->descriptor;
    char **blanked[4];
    char *kept[4];
    size_t nb = 0;
    for (unsigned i = 0; i < d->n_fields && nb < 4; i++) {
        if (!idem_blanked_field(&d->fields[i]))
            continue;
        blanked[nb] = (char **)((char *)in + d->fields[i].offset);
        kept[nb] = *blanked[nb];
        *blanked[nb++] = "";
    }
    /* The upload's id differs on a repeat: its content stands in (q_claim_upload). */
    const ProtobufCFieldDescriptor *up =
        protobuf_c_message_descriptor_get_field_by_name(d, "upload_id");
    uint64_t *upload_id =
        up && up->type == PROTOBUF_C_TYPE_UINT64 && up->label != PROTOBUF_C_LABEL_REPEATED
            ? (uint64_t *)((char *)in + up->offset)
            : NULL;
    uint64_t upload = upload_id ? *upload_id : 0;
    if (upload_id)
        *upload_id = 0;
    r->idem_upload[0] = '\0';
    if (upload)
        snprintf(r->idem_upload, sizeof r->idem_upload, "%" PRIu64, upload);
    size_t n = protobuf_c_message_get_packed_size(in);
    uint8_t *packed = arena_alloc(&r->arena, n ? n : 1);
    if (packed)
        protobuf_c_message_pack(in, packed);
    for (size_t i = 0; i < nb; i++)
        *blanked[i] = kept[i];
    if (upload_id)
        *upload_id = upload;
    if (!packed)
        return false;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    const char *method = r->method->name;
    bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
              EVP_DigestUpdate(ctx, method, strlen(method) + 1) == 1 &&
              EVP_DigestUpdate(ctx, r->who.actor, strlen(r->who.actor) + 1) == 1 &&
              EVP_DigestUpdate(ctx, packed, n) == 1 && EVP_DigestFinal_ex(ctx, md, &len) == 1;
    EVP_MD_CTX_free(ctx);
    const char *hex = ok ? idem_hex(&r->arena, md, len) : NULL;
    if (!hex || strlen(hex) >= sizeof r->idem_hash)
        return false;
    memcpy(r->idem_hash, hex, strlen(hex) + 1);
    return true;
}

const char *idem_admit(struct request *r, const char *key)
{
    if (!key[0])
        return NULL;
    if (strlen(key) > IDEM_MAX_KEY)
        return "at most 255 bytes";
    if (!idem_method_takes_key(r->method->name)) {
        const char *why =
            request_printf(r, "%s is not a create and takes no idempotency key", r->method->name);
        return why ? why : "this method takes no idempotency key";
    }
    if (!idem_hash(r))
        return "the request needs more memory than its budget allows";
    r->idem_key = key;
    r->idem = IDEM_WANTED;
    return NULL;
}

int idem_claim_step(struct request *r, int n)
{
    if (r->idem != IDEM_WANTED || n >= DB_MAX_STEPS)
        return n;
    struct db_step *s = &r->txn.steps[n];
    s->stmt = r->idem_upload[0] ? &q_claim_upload : &q_claim;
    s->values[0] = r->method->name;
    s->values[1] = r->idem_key;
    s->values[2] = r->idem_hash;
    s->values[3] = r->idem_upload[0] ? r->idem_upload : NULL;
    r->idem = IDEM_CLAIMED;
    r->idem_step = n;
    /*
     * A creation that commits after its caller was told DEADLINE_EXCEEDED
     * must still store its answer, or its key would stay in flight (ABORTED)
     * for a day instead of answering the retry.
     */
    r->outlives_deadline = true;
    r->txn.nsteps = n + 1;
    return n + 1;
}

/* The stored response came back: answered as it was stored. */
static void idem_replayed(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    if (code) {
        request_fail_db(r, code, detail);
        return;
    }
    const PGresult *res = txn->results[txn->nsteps - 1];
    int col = PQfnumber(res, "response");
    if (PQntuples(res) != 1 || col < 0 || PQgetisnull(res, 0, col)) {
        /* Pruned between the claim and this read: the key is free again. */
        request_fail(r, LIAISON__V1__CODE__ABORTED,
                     "the request with this idempotency key has just expired; try again");
        return;
    }
    size_t len = 0;
    unsigned char *bytes = PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, col), &len);
    uint8_t *copy = bytes ? arena_alloc(&r->arena, len ? len : 1) : NULL;
    if (copy)
        memcpy(copy, bytes, len);
    PQfreemem(bytes);
    if (!copy) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    request_reply_encoded(r, copy, len);
}

bool idem_refused(struct request *r, int code)
{
    if (r->idem != IDEM_CLAIMED || code == 0 || r->idem_step >= r->txn.nsteps)
        return false;
    const PGresult *res = r->txn.results[r->idem_step];
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (!state)
        return false;
    if (!strcmp(state, "LSK10")) {
        request_fail(r, LIAISON__V1__CODE__ABORTED,
                     "a request with this idempotency key is in progress; try again shortly");
        return true;
    }
    if (strcmp(state, "LSK00"))
        return false;
    r->idem = IDEM_REPLAYING;
    r->txn.flags = 0;
    int n = credential_txn_begin(r);
    if (r->idem_upload[0] && n + 1 < DB_MAX_STEPS) {
        r->txn.steps[n].stmt = &q_drop_upload;
        r->txn.steps[n++].values[0] = r->idem_upload;
    }
    r->txn.steps[n].stmt = &q_response;
    r->txn.steps[n].values[0] = r->idem_key;
    r->txn.nsteps = n + 1;
    request_submit(r, idem_replayed);
    return true;
}

/* The answer is stored (or could not be: logged): the caller gets it now. */
static void idem_stored(struct db_txn *txn, int code, const char *detail)
{
    struct request *r = txn->arg;
    if (code)
        log_event(LOG_WARN, "idempotency key's answer not stored",
                  "rid=%s method=%s code=%d detail=\"%.300s\"", r->rid, r->method->name, code,
                  detail ? detail : "");
    request_reply_encoded(r, r->idem_answer, r->idem_answer_len);
}

void idem_store(struct request *r, const ProtobufCMessage *out)
{
    size_t n = protobuf_c_message_get_packed_size(out);
    uint8_t *packed = arena_alloc(&r->arena, n ? n : 1);
    const char *hex = NULL;
    if (packed) {
        protobuf_c_message_pack(out, packed);
        hex = idem_hex(&r->arena, packed, n);
    }
    if (!hex) {
        request_fail(r, LIAISON__V1__CODE__RESOURCE_EXHAUSTED,
                     "the request needs more memory than its budget allows");
        return;
    }
    r->idem_answer = packed;
    r->idem_answer_len = n;
    r->idem = IDEM_STORING;
    r->txn.flags = 0;
    int k = credential_txn_begin(r);
    r->txn.steps[k].stmt = &q_store;
    r->txn.steps[k].values[0] = r->idem_key;
    r->txn.steps[k].values[1] = hex;
    r->txn.nsteps = k + 1;
    request_submit(r, idem_stored);
}
