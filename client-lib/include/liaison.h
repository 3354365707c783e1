/*
 * liaison.h - the Liaison client library (libliaison).
 *
 * A portal or tool talks to liaisond through a liaison_conn: a TLS
 * connection that speaks the length-prefixed protobuf protocol described in
 * proto/README.md. Every call is available two ways:
 *
 *   - typed C calls for the connection's own business (liaison_login,
 *     liaison_logout, liaison_ping, liaison_get_health), and
 *   - one generic call, liaison_call_json(), that takes a method name and a
 *     request in protobuf's canonical JSON mapping and returns the response
 *     the same way: every RPC, the distributor's and exporter's included,
 *     goes through it, so a C program needs a JSON library (the CLI uses
 *     jansson). Only plain C types cross it, so any language's FFI can
 *     bind the whole protocol with five functions. That mapping writes a
 *     64-bit integer (every id, every amount) as a JSON string ("id":"42")
 *     and takes either (as a number up to 2^63 - 1, the JSON parser's
 *     bound; above it, a string); it leaves out a field at its default (0, "", false,
 *     an empty list), so read a missing field as that default.
 *
 * Rules that hold for the whole API:
 *
 *   - Status: calls return a liaison_code; LIAISON_OK (0) is success. The
 *     codes are gRPC's canonical codes, whether the server or the library
 *     decided them (a dropped connection is LIAISON_UNAVAILABLE, a timeout
 *     LIAISON_DEADLINE_EXCEEDED). liaison_error() gives the message of the
 *     last failed call on that handle. A server certificate the handle does
 *     not trust is LIAISON_UNAVAILABLE too, as in gRPC, with "server
 *     certificate not trusted: <why>" in liaison_error(): a retry loop
 *     should stop on it, since only a fixed CA file or server name helps.
 *     A request larger than the frame limit the server stated (in
 *     HelloResponse, then LoginResponse or AuthenticateResponse) is not
 *     sent: it fails with LIAISON_RESOURCE_EXHAUSTED and the connection
 *     stays up.
 *   - Ownership: strings returned through a char ** are the caller's and
 *     are freed with liaison_string_free(). Strings returned as const char *
 *     belong to the handle and stay valid until the next call on it.
 *     Arguments are copied when needed; the caller keeps its own.
 *   - NULL: every output pointer (char **, uint64_t *, int *, ...) may be
 *     NULL, meaning the caller does not want that output; the call is made
 *     all the same and what it would have returned is freed. A NULL handle
 *     is refused with LIAISON_INVALID_ARGUMENT (liaison_error(NULL) says
 *     "no handle"); the accessors answer 0, -1 or "" for it. A NULL method
 *     is LIAISON_UNIMPLEMENTED; a NULL request or string argument is an
 *     empty one; NULL content or payload with a length other than 0 is
 *     LIAISON_INVALID_ARGUMENT.
 *   - Threads: a handle is used by one thread at a time; different handles
 *     may be used from different threads at once without locking.
 *   - The library never exits, aborts or prints; it does not install signal
 *     handlers. Writing to a closed socket does not raise SIGPIPE.
 *   - Reconnection: a handle whose connection dropped reconnects on its next
 *     call. A blocking call (liaison_call_json, liaison_call_stream, the
 *     typed calls) whose connection drops after its request was sent
 *     reconnects, authenticates again and sends it once more when doing so
 *     cannot do anything twice: a read, or a create sent with an
 *     idempotency key (liaison_set_idempotency_key). Any other change may
 *     have been carried out, so it is not resent: that call returns
 *     LIAISON_UNAVAILABLE and the caller decides. Nothing is resent after a
 *     stream delivered a part, nor for pipelined requests. LIAISON_UNAVAILABLE
 *     does not tell a request never sent from one whose answer was lost; a
 *     caller that must know whether a create was made (an order) sends it
 *     with a key, and after LIAISON_UNAVAILABLE sends it again with the
 *     same key (liaison_idempotency_key() gives the one the library made):
 *     it is made once, and the answer is the first one's. A key inside a
 *     request's own fields (PlaceOrderRequest.idempotency_key) guards the
 *     same way on the server, but the library resends only for the frame's
 *     key set here.
 *   - Event loops: the library owns no loop. liaison_send_json() and
 *     liaison_recv_json() pipeline many requests on one connection; a loop
 *     (libuv's uv_poll_t, epoll, ...) watches liaison_socket() for
 *     readability and then calls liaison_recv_json() with a timeout of 0
 *     until it returns LIAISON_DEADLINE_EXCEEDED. Sending blocks for at most
 *     the request timeout when the socket is full.
 *   - Enums only grow; fields are never removed.
 */
#ifndef LIAISON_H
#define LIAISON_H

#include <stddef.h>
#include <stdint.h>

#include "liaison_version.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(LIAISON_BUILDING)
#define LIAISON_EXPORT __attribute__((visibility("default")))
#else
#define LIAISON_EXPORT
#endif

typedef struct liaison_conn liaison_conn;

/* Status codes: the values of liaison.v1.Code on the wire. */
typedef enum liaison_code {
    LIAISON_OK = 0,
    LIAISON_CANCELLED = 1,
    LIAISON_UNKNOWN = 2,
    LIAISON_INVALID_ARGUMENT = 3,
    LIAISON_DEADLINE_EXCEEDED = 4,
    LIAISON_NOT_FOUND = 5,
    LIAISON_ALREADY_EXISTS = 6,
    LIAISON_PERMISSION_DENIED = 7,
    LIAISON_RESOURCE_EXHAUSTED = 8,
    LIAISON_FAILED_PRECONDITION = 9,
    LIAISON_ABORTED = 10,
    LIAISON_OUT_OF_RANGE = 11,
    LIAISON_UNIMPLEMENTED = 12,
    LIAISON_INTERNAL = 13,
    LIAISON_UNAVAILABLE = 14,
    LIAISON_DATA_LOSS = 15,
    LIAISON_UNAUTHENTICATED = 16
} liaison_code;

/* Options for liaison_set_option(); values are strings. */
typedef enum liaison_option {
    LIAISON_OPT_CA_FILE = 1,            /* PEM CA bundle; default: the system's */
    LIAISON_OPT_CERT_FILE = 2,          /* client certificate chain (PEM); without a
                                           token, it authenticates an operator */
    LIAISON_OPT_KEY_FILE = 3,           /* client private key (PEM) */
    LIAISON_OPT_CONNECT_TIMEOUT_MS = 4, /* TCP + TLS + Hello; default 10000 */
    /*
     * One call; default 30000. Sent with each request as its deadline: the
     * server answers DEADLINE_EXCEEDED past it, or past its own
     * request_timeout_ms when that is shorter.
     */
    LIAISON_OPT_REQUEST_TIMEOUT_MS = 5,
    LIAISON_OPT_SERVER_NAME = 6, /* name to verify; default: the URL's host */
    LIAISON_OPT_CLIENT_NAME = 7, /* sent in Hello; default "libliaison" */
    LIAISON_OPT_TOKEN = 8        /* session, API or operator token, sent with Authenticate on every
                                    (re)connection */
} liaison_option;

/* The library's version, e.g. "0.1.0". */
LIAISON_EXPORT const char *liaison_version(void);

/*
 * A new handle for url ("liaison://host[:port]", port 7443 by default;
 * IPv6 hosts in brackets). Nothing is connected yet and the URL is checked
 * by liaison_connect(). Returns NULL only when memory ran out.
 */
LIAISON_EXPORT liaison_conn *liaison_new(const char *url);

/*
 * Sets an option. The timeouts apply from the next call. The others apply
 * to a connection as it is made: set on a connected handle, they close its
 * connection, and the next call connects with them (a new token, say,
 * authenticates it at once, not at some later reconnection); with a call
 * in flight on the handle (a stream's chunk callback, a pipelined request
 * not yet received) they are refused with LIAISON_FAILED_PRECONDITION.
 * The value an option has already changes nothing (a file named again is
 * not read again until the next connection). Returns
 * LIAISON_INVALID_ARGUMENT for a bad value, with liaison_error() saying why:
 * the token and the client name, sent when every connection is set up, must
 * be UTF-8.
 */
LIAISON_EXPORT int liaison_set_option(liaison_conn *conn, liaison_option option, const char *value);

/*
 * Connects, verifies the server's certificate and host name, negotiates
 * ALPN "liaison/1" and exchanges Hello. Calls connect on their own when
 * needed, so calling this first is optional but reports problems early.
 */
LIAISON_EXPORT int liaison_connect(liaison_conn *conn);

/*
 * Closes the connection (if any) and frees the handle. NULL is allowed.
 * Called from a chunk callback of liaison_call_stream() on the same
 * handle, it takes effect when that call returns (LIAISON_CANCELLED, the
 * stream stopped after the chunk): the handle is gone then, liaison_error()
 * included.
 */
LIAISON_EXPORT void liaison_free(liaison_conn *conn);

/* The message of the last failed call on conn ("" after a success). */
LIAISON_EXPORT const char *liaison_error(const liaison_conn *conn);

/*
 * After a call the server answered RESOURCE_EXHAUSTED because of a rate
 * limit, a lock or a busy password check: the milliseconds it asks the
 * caller to wait before sending again (Status.retry_after_ms, also
 * "retryAfterMs" in the status JSON). 0 when the last answer gave none.
 */
LIAISON_EXPORT uint32_t liaison_retry_after_ms(const liaison_conn *conn);

/*
 * Read your writes across servers. Each answer to a call that may have
 * written carries the time its transaction ended (Frame.written_at_us);
 * conn keeps the newest, through reconnects, and sends it with every
 * request (Frame.read_after_us), so that no server answers one of its
 * reads from a standby that has not replayed that write yet.
 *
 * liaison_read_after() gives that time (0: none yet). An application that
 * serves one user over several handles (a pool, or a web page each) hands
 * it to whichever handle it uses next with liaison_set_read_after(), which
 * never moves it back.
 */
LIAISON_EXPORT uint64_t liaison_read_after(const liaison_conn *conn);
LIAISON_EXPORT void liaison_set_read_after(liaison_conn *conn, uint64_t written_at_us);

/* "NOT_FOUND" for LIAISON_NOT_FOUND and so on; a number that is no code (one a newer
 * server might send) is "UNKNOWN", as gRPC reads a code it does not know. */
LIAISON_EXPORT const char *liaison_code_name(int code);

/* Frees a string the library returned. NULL is allowed. */
LIAISON_EXPORT void liaison_string_free(char *s);

/*
 * The generic call. method is an RPC name from proto/liaison.proto
 * ("GetHealth"); request_json a JSON object in the canonical mapping (NULL
 * or "" means {}). On LIAISON_OK, *response_json is the response object.
 * On a failure the server reported, *response_json is
 * {"code":"NOT_FOUND","message":"...","violations":[{"field":..,
 * "description":..}]}; this includes a refusal of the connection's set-up
 * the call needed (a token the server does not take at Authenticate:
 * LIAISON_UNAUTHENTICATED with the server's status). A request the library
 * refuses itself for what it holds, before sending it (not JSON, not an
 * object, or a field the JSON mapping cannot take: an unknown field, a
 * value of the wrong type or range, a NUL), is LIAISON_INVALID_ARGUMENT
 * reported in the server's shape: liaison_error() is "invalid FIELD: WHY"
 * and *response_json {"code":"INVALID_ARGUMENT","message":"invalid id:
 * expected an unsigned 64-bit integer","violations":[{"field":"id",
 * "description":"expected an unsigned 64-bit integer"}]}, the field being
 * its JSON path ("page.pageSize", "lines[2].quantity"; no violation when
 * no one field is to blame). On any other local failure (no connection,
 * a timeout, an unknown method) *response_json is NULL. The caller frees
 * it with liaison_string_free().
 */
LIAISON_EXPORT int liaison_call_json(liaison_conn *conn, const char *method,
                                     const char *request_json, char **response_json);

/*
 * Content of any size for a method that takes a bytes "content" or an
 * "uploadId" (CreateDocument, AddDocumentVersion, AddTranslation): as
 * liaison_call_json() with request_json plus the content. Content that
 * fits one request goes inline; larger content is uploaded first in parts
 * (BeginDocumentUpload with its SHA-256, UploadDocumentChunk; a part whose
 * call failed is resumed from where the server says the upload got) and
 * the request names the upload, so nothing is visible before the call
 * succeeds. *response_json is as for liaison_call_json(), for whichever
 * call failed.
 */
LIAISON_EXPORT int liaison_call_with_content(liaison_conn *conn, const char *method,
                                             const char *request_json, const uint8_t *content,
                                             size_t len, char **response_json);

/*
 * Streams: a request that asks for one (ExportTenant with "stream": true)
 * is answered by several frames, each a response message of the method
 * holding a part (for ExportTenant, some of the rows). Nothing streams
 * unless the request asks, but for SubscribeEvents, whose answer always
 * streams and never ends by itself (events, then heartbeats, until the
 * chunk callback returns non-zero or the server cuts it).
 *
 * liaison_call_stream() calls chunk(arg, json) with each part in order, the
 * last included, as a JSON object in the canonical mapping (the library's,
 * valid during the call only; chunk NULL drops the parts), and returns
 * LIAISON_OK once the server ended the stream with OK. On a failure the
 * server reported (which may come after some parts), or a request refused
 * for what it holds, *error_json is the status as for liaison_call_json()
 * (free it with liaison_string_free()), otherwise NULL. A chunk that
 * returns non-zero stops the call with LIAISON_CANCELLED; the connection
 * is then closed, as the rest of the stream cannot be skipped, and the
 * next call reconnects. A chunk may not call on the same handle: every
 * call made from it on conn (a liaison_call_*, send, recv, ping, health,
 * log-in or log-out, connect, or setting an idempotency key) is refused with
 * LIAISON_FAILED_PRECONDITION and the stream goes on (use a second handle);
 * the getters and liaison_set_option() and liaison_set_read_after(), which
 * touch no connection, still work. Each part must arrive within the request timeout
 * of the one before, however long the whole stream takes; the server's
 * own deadline works the same way. A method that does not stream answers
 * with one part.
 *
 * liaison_call_json() also takes a streamed answer, for small ones: its
 * response is the parts merged (repeated fields concatenated in order,
 * other fields as the last part that set them), as long as their payloads
 * add up to at most the server's max_frame_bytes (1 MiB when not stated).
 * Past that it fails with LIAISON_RESOURCE_EXHAUSTED, naming
 * liaison_call_stream, and closes the connection. SubscribeEvents through
 * liaison_call_json() gives its refusal if it is refused, else
 * LIAISON_FAILED_PRECONDITION naming liaison_call_stream as soon as the
 * stream starts (and closes the connection) instead of waiting for ever.
 */
typedef int (*liaison_chunk_fn)(void *arg, const char *chunk_json);
LIAISON_EXPORT int liaison_call_stream(liaison_conn *conn, const char *method,
                                       const char *request_json, liaison_chunk_fn chunk, void *arg,
                                       char **error_json);

/*
 * Pipelining: sends a request without waiting and returns its id (chosen
 * by the library, never 0). Up to the server's in-flight limit may be
 * outstanding (one more is refused with LIAISON_RESOURCE_EXHAUSTED, the
 * connection kept); responses may come back in any order. A request
 * refused for what it holds is LIAISON_INVALID_ARGUMENT with
 * liaison_error() "invalid FIELD: WHY", as for liaison_call_json().
 * While any is outstanding, a blocking call on the same handle (the
 * liaison_call_* functions and the typed calls) is refused with
 * LIAISON_FAILED_PRECONDITION: receive what is outstanding first, or use
 * a second handle. A pipelined stream (SubscribeEvents) stays outstanding
 * until it ends, or until liaison_free() closes its connection.
 */
LIAISON_EXPORT int liaison_send_json(liaison_conn *conn, const char *method,
                                     const char *request_json, uint64_t *request_id);

/*
 * Waits up to timeout_ms (0: do not wait; -1: the request timeout) for the
 * next response of any outstanding request. On LIAISON_OK, *request_id
 * names it, *status is its code and *response_json is as for
 * liaison_call_json(). LIAISON_DEADLINE_EXCEEDED means nothing arrived in
 * time; LIAISON_FAILED_PRECONDITION that no request is outstanding (or the
 * connection is already gone: nothing can arrive); any other code means
 * the connection failed and every outstanding request is lost.
 */
LIAISON_EXPORT int liaison_recv_json(liaison_conn *conn, int timeout_ms, uint64_t *request_id,
                                     int *status, char **response_json);

/*
 * The same pipelining with encoded protobuf messages instead of JSON, for
 * callers that have the generated code of proto/liaison.proto (or any
 * protobuf library): payload is the encoded request message; a response's
 * payload is the encoded response message (or nothing when *status is not
 * LIAISON_OK; liaison_error() then holds the server's message). The payload
 * returned stays valid until the next call on conn; do not free it.
 */
LIAISON_EXPORT int liaison_send_raw(liaison_conn *conn, const char *method, const uint8_t *payload,
                                    size_t len, uint64_t *request_id);
LIAISON_EXPORT int liaison_recv_raw(liaison_conn *conn, int timeout_ms, uint64_t *request_id,
                                    int *status, const uint8_t **payload, size_t *len);

/* Requests sent with liaison_send_json() and not yet received. */
LIAISON_EXPORT int liaison_outstanding(const liaison_conn *conn);

/*
 * 1 when the response liaison_recv_json() or liaison_recv_raw() returned
 * last is a part of a streamed answer (see liaison_call_stream): its
 * request stays outstanding and more parts follow, the last with the
 * request's final status. 0 otherwise.
 */
LIAISON_EXPORT int liaison_recv_more(const liaison_conn *conn);

/* The socket to watch for readability, or -1 when not connected. */
LIAISON_EXPORT int liaison_socket(const liaison_conn *conn);

/*
 * Introspection: every RPC this library can call, from the generated
 * protobuf-c service descriptor of proto/liaison.proto, without a
 * connection. On LIAISON_OK, *methods_json is a JSON array in the
 * service's order, each element
 *   {"name": "CreateContact", "request": "liaison.v1.CreateContactRequest",
 *    "response": "liaison.v1.ContactResponse",
 *    "fields": [{"name": "distributorId", "type": "uint64", "repeated": false},
 *               {"name": "fields", "type": "liaison.v1.ContactFields",
 *                "repeated": false, "fields": [...]}, ...],
 *    "responseFields": [...]}
 * "fields" are the request's, "responseFields" the response's, alike.
 * Field names are the JSON names liaison_call_json() takes; "type" is a
 * scalar type ("string", "int64", "bool", ...), or a message's full name
 * with its "fields", or an enum's full name with its "values". Free it
 * with liaison_string_free(). LIAISON_RESOURCE_EXHAUSTED when memory ran
 * out. methods_json is the call's only result, so unlike other outputs it
 * may not be NULL (LIAISON_INVALID_ARGUMENT).
 */
LIAISON_EXPORT int liaison_methods_json(char **methods_json);

/*
 * 1 when method names an RPC this library can call, else 0 (also for
 * NULL): the check liaison_methods_json() answers, without building it.
 */
LIAISON_EXPORT int liaison_method_exists(const char *method);

/*
 * Idempotency keys (proto/README.md, "Idempotency keys"). A create RPC
 * (liaison_method_is_create) sent with a key is carried out at most once
 * for that key within 24 hours: sent again with the same request it is
 * answered the first response, byte for byte; with another request
 * LIAISON_INVALID_ARGUMENT; while the first is still being carried out
 * LIAISON_ABORTED (try again shortly). Keys belong to the caller's tenant
 * (to the operator for an operator's creates), and a request is the same
 * only from the same caller: another user of the tenant repeating a key
 * is refused as another request, so that no one has another's answer by
 * its key. Typed calls (liaison_ping, liaison_login, ...) leave a key set
 * for the next call that sends a create. A keyed create is one the
 * library resends after a dropped connection (see Reconnection above);
 * keep the key to repeat the call safely later, from any connection.
 *
 * liaison_set_idempotency_key() sets the key for the next call on conn
 * that sends a request (liaison_call_json, liaison_call_stream,
 * liaison_send_json, liaison_send_raw, liaison_call_with_content, which
 * gives it to its create and not to the upload before it), which takes it
 * whatever its outcome: key NULL makes a fresh random one (32 hex digits), "" none.
 * At most 255 bytes of well-formed UTF-8: anything else is refused here
 * with LIAISON_INVALID_ARGUMENT ("invalid idempotencyKey: ..."), setting
 * no key, rather than sent, as the server would end the connection over
 * it and every request pipelined on it. The server refuses a key on a
 * method that is no create.
 * liaison_idempotency_key() is the key of the call that took one last ("" before
 * any), valid until the next call on conn: a tool prints it so that a
 * person can repeat a create whose answer was lost.
 * liaison_method_is_create() is 1 for a method that takes a key, else 0.
 */
LIAISON_EXPORT int liaison_set_idempotency_key(liaison_conn *conn, const char *key);
LIAISON_EXPORT const char *liaison_idempotency_key(const liaison_conn *conn);
LIAISON_EXPORT int liaison_method_is_create(const char *method);

/* ---- typed calls ---- */

/*
 * Logs in to a tenant. On success the session token is kept by the handle
 * (and used to re-authenticate after a reconnection) and a copy is
 * returned in *token (free with liaison_string_free; pass NULL to skip).
 * A wrong password, an unknown e-mail and an unknown tenant all give
 * LIAISON_UNAUTHENTICATED. LIAISON_RESOURCE_EXHAUSTED is either a locked
 * account or address (liaison_retry_after_ms() is then minutes) or a server
 * checking as many passwords as it may at once, for everyone or for this
 * address (a retry-after of about 100 ms: send the login again after it);
 * with a retry-after of 0 it is a request larger than the server takes
 * before a log-in (Hello's max_frame_bytes, 16 KiB by default), which no
 * wait mends. An empty or over-long tenant, e-mail or password is
 * LIAISON_INVALID_ARGUMENT, liaison_error() naming which: a typed call
 * gives no status JSON, so the field is said in the message only.
 * A log-in that fails keeps the session the handle had, if any, so that a
 * user who mistypes a password while signed in stays signed in: a program
 * that switches a handle to another user calls liaison_logout() first, or
 * uses a handle of its own for each user.
 */
LIAISON_EXPORT int liaison_login(liaison_conn *conn, const char *tenant, const char *email,
                                 const char *password, char **token);

/*
 * liaison_login() for a proxy that signs its users in (a portal):
 * client_address is the user's own IP address, which liaisond's per-address
 * log-in limits then count instead of the proxy's. liaisond takes it only
 * from a connection of one of its trusted_proxies
 * (LIAISON_PERMISSION_DENIED otherwise); NULL or "" is liaison_login().
 */
LIAISON_EXPORT int liaison_login_for(liaison_conn *conn, const char *tenant, const char *email,
                                     const char *password, const char *client_address,
                                     char **token);

/* Ends the session on the server and forgets the handle's token. */
LIAISON_EXPORT int liaison_logout(liaison_conn *conn);

/* Round trip: the server echoes echo (at most 4096 bytes of UTF-8). */
LIAISON_EXPORT int liaison_ping(liaison_conn *conn, const char *echo, char **echo_out);

typedef struct liaison_health {
    int database_ok;
    unsigned schema_version;
    char database_time[40]; /* RFC 3339, UTC */
    char server_version[32];
} liaison_health;

/* The server's view of itself and its database. */
LIAISON_EXPORT int liaison_get_health(liaison_conn *conn, liaison_health *out);

#ifdef __cplusplus
}
#endif

#endif
