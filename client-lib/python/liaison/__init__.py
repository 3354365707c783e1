"""liaison: the Python binding of libliaison, the Liaison client library.

    import liaison

    with liaison.Client("liaison://liaison.example.com", ca="ca.pem") as client:
        client.login("acme", "an@acme.example", password)
        dist = client.call("GetDistributor", {"id": 3})["distributor"]

Every RPC of proto/liaison.proto is reachable through Client.call(), with
requests and responses as dicts in protobuf's JSON mapping (camelCase
names); 64-bit integers are Python ints both ways. A failure raises the
subclass of liaison.Error named for its status code (liaison.NotFound,
liaison.PermissionDenied, ...), carrying the code, the message and the
field violations.

Threads: a Client belongs to the thread that made it (libliaison's rule: a
handle is used by one thread at a time). Using it from another thread
raises liaison.ThreadError; make one Client per thread.

Reconnection: a Client whose connection dropped reconnects on its next
call (and authenticates again with its token). A call in flight when it
dropped is sent once more when that cannot do anything twice (a read, or a
create with an idempotency_key); otherwise it raises liaison.Unavailable
and the caller decides.
"""
from __future__ import annotations

import ctypes
import json
import os
import sys
import threading
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, Type

from . import _native, _schema
from ._native import LibraryNotFound

__all__ = [
    "Client", "Error", "ThreadError", "LibraryNotFound", "CODES", "error_class", "is_create",
    "version",
    "Cancelled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound", "AlreadyExists",
    "PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted", "OutOfRange",
    "Unimplemented", "Internal", "Unavailable", "DataLoss", "Unauthenticated",
]

# The status codes (gRPC's canonical codes), by number.
CODES: Dict[int, str] = {
    1: "CANCELLED", 2: "UNKNOWN", 3: "INVALID_ARGUMENT", 4: "DEADLINE_EXCEEDED",
    5: "NOT_FOUND", 6: "ALREADY_EXISTS", 7: "PERMISSION_DENIED", 8: "RESOURCE_EXHAUSTED",
    9: "FAILED_PRECONDITION", 10: "ABORTED", 11: "OUT_OF_RANGE", 12: "UNIMPLEMENTED",
    13: "INTERNAL", 14: "UNAVAILABLE", 15: "DATA_LOSS", 16: "UNAUTHENTICATED",
}

_OPTIONS = {"ca": 1, "cert": 2, "key": 3, "connect_timeout_ms": 4, "request_timeout_ms": 5,
            "server_name": 6, "client_name": 7, "token": 8}


class Error(Exception):
    """A call that failed: the server's status, or the library's own (a dropped
    connection is Unavailable, a timeout DeadlineExceeded).

    code: the numeric status; code_name: "NOT_FOUND" and so on; message: the
    server's sentence; violations: [(field, description), ...] for
    INVALID_ARGUMENT, field being the JSON path in the request ("fields.name",
    "lines[2].quantity"), alike whether the server refused the request or
    libliaison did before sending it (an unknown field, a value of the wrong
    type or range, a NUL, an idempotency key that is too long); request_id: the pipelined request it answers, if any;
    retry_after_ms: for RESOURCE_EXHAUSTED from a rate limit, how long to
    wait before sending again (0 otherwise).
    """

    code: int = 2
    retry_after_ms: int = 0

    def __init__(self, message: str, code: Optional[int] = None,
                 violations: Optional[List[Tuple[str, str]]] = None,
                 request_id: Optional[int] = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.message = message
        self.violations = list(violations or [])
        self.request_id = request_id

    @property
    def code_name(self) -> str:
        return CODES.get(self.code, "UNKNOWN")

    def __str__(self) -> str:
        text = "%s: %s" % (self.code_name, self.message)
        # The server's message names a lone violation already ("invalid name:
        # required"): said twice, it read as two problems (a try-out).
        for field, why in self.violations:
            if "%s: %s" % (field, why) not in self.message:
                text += "\n  %s: %s" % (field, why)
        return text


class ThreadError(RuntimeError):
    """A Client used from a thread other than the one that made it."""


def _error_subclass(code: int) -> Type[Error]:
    name = "".join(part.capitalize() for part in CODES[code].split("_"))
    doc = "Status %s (%d)." % (CODES[code], code)
    return type(name, (Error,), {"code": code, "__doc__": doc, "__module__": __name__})


_CLASSES: Dict[int, Type[Error]] = {code: _error_subclass(code) for code in CODES}
Cancelled = _CLASSES[1]
Unknown = _CLASSES[2]
InvalidArgument = _CLASSES[3]
DeadlineExceeded = _CLASSES[4]
NotFound = _CLASSES[5]
AlreadyExists = _CLASSES[6]
PermissionDenied = _CLASSES[7]
ResourceExhausted = _CLASSES[8]
FailedPrecondition = _CLASSES[9]
Aborted = _CLASSES[10]
OutOfRange = _CLASSES[11]
Unimplemented = _CLASSES[12]
Internal = _CLASSES[13]
Unavailable = _CLASSES[14]
DataLoss = _CLASSES[15]
Unauthenticated = _CLASSES[16]
_BY_NAME = {name: code for code, name in CODES.items()}


def error_class(code: Any) -> Type[Error]:
    """The exception class of a status code, given as a number or a name."""
    if isinstance(code, str):
        code = _BY_NAME.get(code, 2)
    return _CLASSES.get(code, Unknown)


def is_create(method: str) -> bool:
    """Whether method is a create RPC, one that takes an idempotency key."""
    return _native.load().liaison_method_is_create(_utf8(method, "method")) == 1


def version() -> str:
    """libliaison's version, e.g. "0.1.0"."""
    return _native.load().liaison_version().decode()


_NOT_UTF8 = "not valid UTF-8"  # the library's words for the same refusal
# A signal's handler (Ctrl-C's KeyboardInterrupt) runs where Python next
# executes: at the entry of a stream's chunk callback, outside its try, and
# ctypes hands what it raises to sys.unraisablehook, not to the stream; the
# caller got Cancelled (a developer's try-out). A hook gives such an
# exception back to the stream whose callback it came from, and passes on
# every other. The callback is u.object up to Python 3.12; from 3.13 ctypes
# names it in u.err_msg instead (its repr, unique while it lives). The hook
# is put back when something else (a test runner) has replaced it.
_SWALLOWED: Dict[int, Tuple[str, List[BaseException]]] = {}
_SWALLOWED_LOCK = threading.RLock()


_SWALLOWED_PASSING = threading.local()


def _swallowed_hook(u: Any) -> None:
    with _SWALLOWED_LOCK:
        if u.object is not None:
            entry = _SWALLOWED.get(id(u.object))
        else:
            entry = next((e for e in _SWALLOWED.values() if e[0] in (u.err_msg or "")), None)
    if entry is not None and u.exc_value is not None:
        entry[1].append(u.exc_value)
    elif getattr(_SWALLOWED_PASSING, "on", False):
        # A hook that wrapped this one and was wrapped by it again: Python's own ends the loop.
        sys.__unraisablehook__(u)
    else:
        _SWALLOWED_PASSING.on = True
        try:
            _swallowed_hook.before(u)  # type: ignore[attr-defined]
        finally:
            _SWALLOWED_PASSING.on = False


def _catch_swallowed(callback: Any, into: List[BaseException]) -> None:
    with _SWALLOWED_LOCK:
        if sys.unraisablehook is not _swallowed_hook:
            _swallowed_hook.before = sys.unraisablehook  # type: ignore[attr-defined]
            sys.unraisablehook = _swallowed_hook
        _SWALLOWED[id(callback)] = (repr(callback), into)


def _release_swallowed(callback: Any) -> None:
    with _SWALLOWED_LOCK:
        _SWALLOWED.pop(id(callback), None)


_NUL = "contains a NUL character (U+0000)"  # and these for a NUL in a request field


def _refuse_nul(raw: bytes, name: str) -> bytes:
    """raw, unless it holds a NUL: the C string it becomes would end there, so
    "GetDistributor\0x" called GetDistributor and keys "k\0a" and "k\0b" were one."""
    if b"\0" in raw:
        raise InvalidArgument("invalid %s: %s" % (name, _NUL), violations=[(name, _NUL)])
    return raw


def _unencodable(value: Any, path: str) -> Optional[str]:
    """The JSON path of the first string in value that UTF-8 cannot carry, or None."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path
    elif isinstance(value, dict):
        for k, v in value.items():
            found = _unencodable(k, path) or _unencodable(v, "%s.%s" % (path, k) if path else k)
            if found:
                return found
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            found = _unencodable(v, "%s[%d]" % (path, i))
            if found:
                return found
    return None


def _utf8(value: Any, name: str) -> bytes:
    """A str argument as UTF-8; refused as the library refuses a bad request field."""
    if not isinstance(value, str):
        raise TypeError("%s is a str, not %s" % (name, type(value).__name__))
    try:
        raw = value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidArgument("invalid %s: %s" % (name, _NOT_UTF8),
                              violations=[(name, _NOT_UTF8)]) from None
    return _refuse_nul(raw, name)


def _dumps(request: Optional[dict]) -> Optional[bytes]:
    if request is None:
        return None
    if not isinstance(request, dict):
        raise TypeError("a request is a dict, not %s" % type(request).__name__)
    try:
        # NaN and the infinities are no JSON: said as a TypeError, not "not valid JSON".
        text = json.dumps(request, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except ValueError as e:
        if "Out of range float" not in str(e):
            raise
        raise TypeError("a request holds no NaN or infinity: %s" % e) from None
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        field = _unencodable(request, "") or "request"
        raise InvalidArgument("invalid %s: %s" % (field, _NOT_UTF8),
                              violations=[(field, _NOT_UTF8)]) from None


def _paged(method: str) -> Dict[str, Any]:
    """The schema of a list RPC; ValueError for a method that does not page."""
    spec = _schema.methods().get(method)
    if spec is None or "page" not in spec["request"]:
        raise ValueError("%s is not a paged list RPC (no \"page\" in its request)" % method)
    return spec


class Client:
    """One connection to liaisond (a libliaison handle), used by one thread.

    url is "liaison://host[:port]" (port 7443 by default). ca: a PEM CA
    bundle to verify the server with (default: the system's); token: a
    session, API or operator token to authenticate with; cert/key: a client
    certificate for operators; timeouts in milliseconds. Nothing connects
    until the first call (or connect()).
    """

    def __init__(self, url: str, *, ca: Optional[str] = None, token: Optional[str] = None,
                 cert: Optional[str] = None, key: Optional[str] = None,
                 connect_timeout_ms: Optional[int] = None,
                 request_timeout_ms: Optional[int] = None, server_name: Optional[str] = None,
                 client_name: str = "liaison-python") -> None:
        self._lib = _native.load()
        self._owner = threading.get_ident()
        self._sent: Dict[int, str] = {}  # pipelined request id -> its method
        self._conn = self._lib.liaison_new(_utf8(url, "url"))
        if not self._conn:
            raise MemoryError("libliaison could not make a handle")
        try:
            for name, value in (("ca", ca), ("cert", cert), ("key", key),
                                ("connect_timeout_ms", connect_timeout_ms),
                                ("request_timeout_ms", request_timeout_ms),
                                ("server_name", server_name), ("client_name", client_name),
                                ("token", token)):
                if value is not None:
                    self._set(name, value)
        except BaseException:
            self._lib.liaison_free(self._conn)
            self._conn = None
            raise

    # ---- life cycle ----

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        conn = getattr(self, "_conn", None)
        if conn:
            self._lib.liaison_free(conn)
            self._conn = None

    def close(self) -> None:
        """Closes the connection and frees the handle; the Client is unusable after."""
        if self._conn:
            self._check_thread()
            self._lib.liaison_free(self._conn)
            self._conn = None

    def connect(self) -> None:
        """Connects now (calls connect on their own), to report problems early."""
        self._raise_if(self._lib.liaison_connect(self._handle()))

    def set_token(self, token: Optional[str]) -> None:
        """The token to authenticate with, None or "" for none. On a connected
        Client it closes the connection, and the next call connects and
        authenticates with it: the Client is that token's user from the next
        call on. Refused (FailedPrecondition) from a stream's on_part."""
        self._set("token", token)

    def set_request_timeout(self, ms: int) -> None:
        """How long each call from now on waits for its answer, in ms (the
        constructor's request_timeout_ms, 30000 unless given); the server is
        sent it as the call's deadline. Past it a call raises
        liaison.DeadlineExceeded and the Client stays usable."""
        self._set("request_timeout_ms", ms)

    # ---- calls ----

    def call(self, method: str, request: Optional[dict] = None, *,
             idempotency_key: Optional[str] = None) -> Dict[str, Any]:
        """Calls RPC method with request (a dict; None means {}) and returns the
        response as a dict, or raises the liaison.Error of its status.

        idempotency_key (creates only, see is_create(); at most 255 bytes of
        UTF-8, else InvalidArgument with a violation of "idempotencyKey")
        makes the call safe to repeat: the same key and request answer the
        first response, and the library resends it once by itself when the
        connection drops. Reads are resent that way too; other changes are
        not, and raise Unavailable."""
        conn = self._handle()
        name = _utf8(method, "method")
        body = _dumps(_schema.request_to_wire(method, request))
        self._key(idempotency_key)
        out = ctypes.c_void_p()
        code = self._lib.liaison_call_json(conn, name, body, ctypes.byref(out))
        text = _native.take_string(self._lib, out)
        if code != 0:
            err = self._error(code, text)
            if not text and "liaison_call_stream" in err.message:
                # The library's advice names its C call; here it is stream().
                err.message = err.message.replace("liaison_call_stream", "Client.stream()")
                err.args = (err.message,)
            raise err
        return _schema.response_from_wire(method, json.loads(text) if text else {}) or {}

    def call_with_content(self, method: str, request: Optional[dict], content: bytes, *,
                          idempotency_key: Optional[str] = None) -> Dict[str, Any]:
        """call() for a method that takes a bytes "content" or an "uploadId"
        (CreateDocument, AddDocumentVersion, AddTranslation), with content of
        any size the server allows: what fits one request goes inline, larger
        content is uploaded first in parts (libliaison's
        liaison_call_with_content). idempotency_key is the create's, as for
        call()."""
        conn = self._handle()
        # bytes(5) is five NUL bytes: an int given by mistake uploaded them (an attack try-out).
        try:
            data = content if isinstance(content, bytes) else bytes(memoryview(content))
        except TypeError:
            raise TypeError("content is bytes-like (bytes, bytearray, memoryview), not %s"
                            % type(content).__name__) from None
        name = _utf8(method, "method")
        body = _dumps(_schema.request_to_wire(method, request))
        self._key(idempotency_key)
        out = ctypes.c_void_p()
        code = self._lib.liaison_call_with_content(conn, name, body, data, len(data),
                                                   ctypes.byref(out))
        text = _native.take_string(self._lib, out)
        if code != 0:
            raise self._error(code, text)
        return _schema.response_from_wire(method, json.loads(text) if text else {}) or {}

    def stream(self, method: str, request: Optional[dict] = None,
               on_part: Optional[Callable[[Dict[str, Any]], Any]] = None) -> List[Dict[str, Any]]:
        """Calls a streaming RPC (e.g. ExportTenant with {"stream": True}).

        Each part is passed to on_part as it arrives; without on_part the parts
        are returned as a list. An exception raised by on_part stops the stream
        (the connection is closed, and the next call reconnects) and is raised
        again here. on_part may not call on this Client: such a call raises
        FailedPrecondition and the stream goes on (use a second Client);
        close() from on_part stops the stream after that part, and stream()
        returns (an empty list, the parts having gone to on_part). A
        KeyboardInterrupt (Ctrl-C) while parts arrive stops the stream at
        the next part (for SubscribeEvents, its next heartbeat: a third of
        the request timeout) and is raised here, as one raised by on_part is."""
        conn = self._handle()
        parts: List[Dict[str, Any]] = []
        failure: List[BaseException] = []

        def chunk(_arg: Any, data: bytes) -> int:
            try:
                if failure:  # an interrupt the hook caught: what this call returned is unknown
                    return 1
                part = _schema.response_from_wire(method, json.loads(data.decode("utf-8")))
                if on_part is None:
                    parts.append(part or {})
                else:
                    on_part(part or {})
                return 0
            except BaseException as e:  # handed back to the caller below
                failure.append(e)
                return 1

        fn = _native.CHUNK_FN(chunk)
        name = _utf8(method, "method")
        body = _dumps(_schema.request_to_wire(method, request))
        err = ctypes.c_void_p()
        try:
            _catch_swallowed(chunk, failure)
            code = self._lib.liaison_call_stream(conn, name, body, fn, None,
                                                 ctypes.byref(err))
        finally:
            _release_swallowed(chunk)
        text = _native.take_string(self._lib, err)
        if failure:
            raise failure[0]
        if code != 0 and self._conn is None:
            return parts  # closed by on_part: the library freed the handle as the call returned
        if code != 0:
            raise self._error(code, text)
        return parts

    def pages(self, method: str, request: Optional[dict] = None, *,
              page_size: int = 0) -> Iterator[Dict[str, Any]]:
        """Each page of a list RPC (one that takes "page" and answers
        "page": {"nextCursor": ...}), as call() returns it, following the
        cursor until the last page. page_size 0 is the server's default; a
        "page" in request is where it starts."""
        _paged(method)
        req = dict(request or {})
        page = dict(req.get("page") or {})
        if page_size:
            page["pageSize"] = page_size
        while True:
            req["page"] = page
            out = self.call(method, req)
            yield out
            cursor = (out.get("page") or {}).get("nextCursor")
            if not cursor:
                return
            page = dict(page, cursor=cursor)

    def items(self, method: str, request: Optional[dict] = None, *,
              page_size: int = 0) -> Iterator[Dict[str, Any]]:
        """Every item of a list RPC across its pages (see pages()): the
        elements of the response's one repeated field ("leads" for ListLeads)."""
        lists = [name for name, (_t, repeated, sub) in _paged(method)["response"].items()
                 if repeated and sub is not None]
        if len(lists) != 1:
            raise ValueError("%s does not answer one list of items (%s): use pages()"
                             % (method, ", ".join(lists) or "none"))
        for out in self.pages(method, request, page_size=page_size):
            yield from out.get(lists[0], [])

    def send(self, method: str, request: Optional[dict] = None, *,
             idempotency_key: Optional[str] = None) -> int:
        """Sends a request without waiting (pipelining) and returns its id.
        A pipelined request is never resent by the library."""
        conn = self._handle()
        rid = ctypes.c_uint64()
        name = _utf8(method, "method")
        body = _dumps(_schema.request_to_wire(method, request))
        self._key(idempotency_key)
        self._raise_if(self._lib.liaison_send_json(conn, name, body,
                                                   ctypes.byref(rid)))
        self._sent[rid.value] = method
        return rid.value

    def recv(self, timeout_ms: int = -1) -> Optional[Tuple[int, Dict[str, Any]]]:
        """The next answer to a request sent with send(): (request id, response).

        Waits up to timeout_ms (0: do not wait; -1: the request timeout) and
        returns None when nothing arrived in time. A streamed answer comes
        part by part under its request id, .more True until its last part. An error answer raises its
        liaison.Error with .request_id set; a failed connection raises
        Unavailable (request_id None) and every outstanding request is lost;
        with nothing outstanding it raises FailedPrecondition."""
        # ctypes passes a C int: 2**40 wrapped to 0, and "do not wait" (an attack try-out).
        if isinstance(timeout_ms, bool) or not isinstance(timeout_ms, int):
            raise TypeError("timeout_ms is an int, not %s" % type(timeout_ms).__name__)
        if not -1 <= timeout_ms <= 2**31 - 1:
            raise ValueError("timeout_ms is -1 (the request timeout), 0 (do not wait) or up to"
                             " %d milliseconds, not %d" % (2**31 - 1, timeout_ms))
        conn = self._handle()
        rid, status, out = ctypes.c_uint64(), ctypes.c_int(), ctypes.c_void_p()
        code = self._lib.liaison_recv_json(conn, timeout_ms, ctypes.byref(rid),
                                           ctypes.byref(status), ctypes.byref(out))
        text = _native.take_string(self._lib, out)
        if code == 4:
            return None
        if code != 0:
            self._sent.clear()
            raise self._error(code, text)
        more = self._lib.liaison_recv_more(conn) != 0
        method = self._sent.get(rid.value, "") if more else self._sent.pop(rid.value, "")
        if status.value != 0:
            err = self._error(status.value, text)
            err.request_id = rid.value
            raise err
        return rid.value, _schema.response_from_wire(method, json.loads(text) if text else {}) or {}

    @property
    def more(self) -> bool:
        """Whether the answer recv() returned last is a part of a streamed
        answer with more parts to come (its request stays outstanding); False
        for a whole answer or a stream's last part."""
        return self._lib.liaison_recv_more(self._handle()) != 0

    @property
    def last_idempotency_key(self) -> str:
        """The key the last call sent ("" for none): print it so that a person can
        repeat a create whose answer was lost."""
        return (self._lib.liaison_idempotency_key(self._handle()) or b"").decode()

    @property
    def read_after(self) -> int:
        """The newest write time (microseconds since the epoch) this client was
        answered with, or was given: its reads never come from a standby that
        has not replayed that write. 0 for none yet."""
        return int(self._lib.liaison_read_after(self._handle()))

    @read_after.setter
    def read_after(self, written_at_us: int) -> None:
        """Carries a session's writes over from another client (kept with a web
        session, say); a time older than the one held changes nothing."""
        if isinstance(written_at_us, bool) or not isinstance(written_at_us, int):
            raise TypeError("read_after is an int, not %s" % type(written_at_us).__name__)
        if not 0 <= written_at_us < 1 << 64:
            # Wrapped to 2**64 - 1 it held every read to the primary for good.
            raise ValueError("read_after is microseconds since the epoch, 0 to 2**64 - 1, not %d"
                             % written_at_us)
        self._lib.liaison_set_read_after(self._handle(), written_at_us)

    @property
    def outstanding(self) -> int:
        """Requests sent and not yet received."""
        return int(self._lib.liaison_outstanding(self._handle()))

    def fileno(self) -> int:
        """The socket to watch for readability (selectors), or -1 when not connected."""
        return int(self._lib.liaison_socket(self._handle()))

    def login(self, tenant: str, email: str, password: str, client_address: str = "") -> str:
        """Logs in to a tenant and returns the session token (also kept by the
        Client to authenticate again after a reconnection). Wrong credentials
        raise Unauthenticated; a locked account ResourceExhausted (with
        retry_after_ms; 0 for a request larger than the server takes before a
        log-in, which no wait mends). An empty or over-long tenant, e-mail or
        password raises InvalidArgument whose message names it; its
        violations are empty, as libliaison's typed log-in returns none.

        A proxy that signs its users in (a portal) names each user's own IP
        address as client_address, so that liaisond's per-address limits
        count the user's address and not the proxy's; liaisond takes it
        only from one of its trusted_proxies (PermissionDenied otherwise)."""
        conn = self._handle()
        out = ctypes.c_void_p()
        args = (_utf8(tenant, "tenant"), _utf8(email, "email"), _utf8(password, "password"),
                _utf8(client_address, "client_address"))
        code = self._lib.liaison_login_for(conn, *args, ctypes.byref(out))
        token = _native.take_string(self._lib, out)
        self._raise_if(code)
        return token or ""

    def logout(self) -> None:
        """Ends the session on the server and forgets the token."""
        self._raise_if(self._lib.liaison_logout(self._handle()))

    # ---- helpers ----

    def _handle(self) -> int:
        self._check_thread()
        if not self._conn:
            raise ValueError("this liaison.Client is closed")
        return self._conn

    def _check_thread(self) -> None:
        me = threading.get_ident()
        if me != self._owner:
            raise ThreadError("a liaison.Client is used by the thread that made it (made in "
                              "thread %d, used in %d): make one Client per thread"
                              % (self._owner, me))

    def _key(self, key: Optional[str]) -> None:
        if key is None:
            return
        if not isinstance(key, str):
            raise TypeError("idempotency_key is a str, not %s" % type(key).__name__)
        # surrogatepass: a lone surrogate reaches the library's UTF-8 check
        # and is refused as the key, not as a UnicodeEncodeError.
        code = self._lib.liaison_set_idempotency_key(
            self._conn, _refuse_nul(key.encode("utf-8", "surrogatepass"), "idempotencyKey"))
        if code != 0:
            # The library says "invalid idempotencyKey: WHY", as the server
            # names a refused key; the violation is the server's too.
            err = self._error(code, None)
            err.violations = [("idempotencyKey", err.message.split(": ", 1)[-1])]
            raise err

    def _set(self, name: str, value: Any) -> None:
        """An option as the library takes it: a timeout an int, a path a str or
        os.PathLike (bytes too, as the file system names it), the rest a str.
        None is no value: set_token(None) forgets the token, as "" does."""
        if value is None:
            raw = None
        elif name.endswith("_timeout_ms"):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError("%s is an int, not %s" % (name, type(value).__name__))
            raw = str(value).encode()
        elif name in ("ca", "cert", "key"):
            path = os.fspath(value) if isinstance(value, (str, bytes, os.PathLike)) else value
            if isinstance(path, bytes):
                raw = _refuse_nul(path, name)
            elif isinstance(path, str):
                raw = _refuse_nul(os.fsencode(path), name)
            else:
                raise TypeError("%s is a path (str, bytes or os.PathLike), not %s"
                                % (name, type(value).__name__))
        else:
            raw = _utf8(value, name)
        code = self._lib.liaison_set_option(self._handle(), _OPTIONS[name], raw)
        if code != 0:
            raise self._error(code, None)

    def _raise_if(self, code: int) -> None:
        if code != 0:
            raise self._error(code, None)

    def _error(self, code: int, text: Optional[str]) -> Error:
        body: Dict[str, Any] = {}
        if text:
            try:
                body = json.loads(text)
            except ValueError:
                body = {}
        message = body.get("message", "")
        if not message and self._conn:
            message = (self._lib.liaison_error(self._conn) or b"").decode("utf-8", "replace")
        violations = [(v.get("field", ""), v.get("description", ""))
                      for v in body.get("violations", []) or []]
        err = error_class(code)(message or CODES.get(code, "UNKNOWN").lower(), code, violations)
        if self._conn:
            err.retry_after_ms = int(body.get("retryAfterMs") or
                                     self._lib.liaison_retry_after_ms(self._conn))
        return err
