"""Just enough of the Liaison wire protocol (proto/README.md) to write
hostile and lifecycle tests by hand: TLS with ALPN liaison/1, 4-byte
big-endian length prefixes, and protobuf encoding of the few messages the
tests send."""
import os
import socket
import ssl
import struct
import time

CODES = {0: "OK", 3: "INVALID_ARGUMENT", 8: "RESOURCE_EXHAUSTED", 9: "FAILED_PRECONDITION",
         12: "UNIMPLEMENTED", 14: "UNAVAILABLE"}


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field_varint(num, value):
    return varint(num << 3) + varint(value)


def field_bytes(num, data):
    if isinstance(data, str):
        data = data.encode()
    return varint(num << 3 | 2) + varint(len(data)) + data


def frame(request_id, method, payload=b"", timeout_ms=0):
    """A request frame; timeout_ms, when given, is the request's own deadline."""
    body = field_varint(1, request_id) + field_bytes(2, method) + field_bytes(3, payload)
    if timeout_ms:
        body += field_varint(5, timeout_ms)
    return struct.pack(">I", len(body)) + body


def hello(request_id=1, version=1):
    return frame(request_id, "Hello", field_varint(1, version) + field_bytes(2, "hostile-test"))


def ping(request_id, echo="", delay_ms=0):
    payload = field_bytes(1, echo) if echo else b""
    if delay_ms:
        payload += field_varint(2, delay_ms)
    return frame(request_id, "Ping", payload)


def parse_fields(data):
    """Yields (field number, wire type, value) of one protobuf message."""
    i = 0
    while i < len(data):
        key, i = read_varint(data, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = read_varint(data, i)
        elif wt == 2:
            n, i = read_varint(data, i)
            v = data[i:i + n]
            i += n
        else:
            raise ValueError("unexpected wire type %d" % wt)
        yield num, wt, v


def read_varint(data, i):
    shift = n = 0
    while True:
        b = data[i]
        i += 1
        n |= (b & 0x7F) << shift
        if not b & 0x80:
            return n, i
        shift += 7


def decode_frame(body):
    """Returns (request_id, code, message, payload)."""
    rid, code, message, payload = 0, 0, "", b""
    for num, _, v in parse_fields(body):
        if num == 1:
            rid = v
        elif num == 3:
            payload = v
        elif num == 4:
            for snum, _, sv in parse_fields(v):
                if snum == 1:
                    code = sv
                elif snum == 2:
                    message = sv.decode()
    return rid, code, message, payload


def decode_status(data):
    """Status as a dict: code, message, violations [{field, description}],
    server_protocol_version, retry_after_ms."""
    st = {"code": 0, "message": "", "violations": [], "server_protocol_version": 0,
          "retry_after_ms": 0}
    for num, _, v in parse_fields(data):
        if num == 1:
            st["code"] = v
        elif num == 2:
            st["message"] = v.decode()
        elif num == 3:
            st["violations"].append({("field" if n == 1 else "description"): x.decode()
                                     for n, _, x in parse_fields(v)})
        elif num == 4:
            st["server_protocol_version"] = v
        elif num == 5:
            st["retry_after_ms"] = v
    return st


def recv_response(sock):
    """Returns (request_id, status dict, payload) of the next frame."""
    (n,) = struct.unpack(">I", recv_exact(sock, 4))
    rid, st, payload = 0, decode_status(b""), b""
    for num, _, v in parse_fields(recv_exact(sock, n)):
        if num == 1:
            rid = v
        elif num == 3:
            payload = v
        elif num == 4:
            st = decode_status(v)
    return rid, st, payload


def strings(*pairs):
    """A message of string fields given as (number, text or bytes) pairs."""
    return b"".join(field_bytes(num, value) for num, value in pairs)


def login(request_id, tenant, email, password):
    return frame(request_id, "Login", strings((1, tenant), (2, email), (3, password)))


def authenticate(request_id, token):
    return frame(request_id, "Authenticate", strings((1, token)))


def decode_identity(payload, field):
    """(kind, tenant, name) of the Identity in field of a response."""
    for num, _, v in parse_fields(payload):
        if num == field:
            got = {n: x.decode() for n, wt, x in parse_fields(v) if wt == 2}
            return got.get(1, ""), got.get(2, ""), got.get(3, "")
    return "", "", ""


def decode_echo(payload):
    for num, _, v in parse_fields(payload):
        if num == 1:
            return v.decode()
    return ""


def tls_context(ca, alpn=("liaison/1",), tls12_only=False):
    ctx = ssl.create_default_context(cafile=ca)
    if alpn:
        ctx.set_alpn_protocols(list(alpn))
    if tls12_only:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def connect(port, ca, rcvbuf=None, source=None, **kw):
    """A TLS connection to 127.0.0.1:port, from the loopback address source
    (e.g. "127.0.0.2") when given."""
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    if source:
        raw.bind((source, 0))
    raw.settimeout(10)
    raw.connect(("127.0.0.1", port))
    return tls_context(ca, **kw).wrap_socket(raw, server_hostname="localhost")


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def recv_frame(sock):
    (n,) = struct.unpack(">I", recv_exact(sock, 4))
    return decode_frame(recv_exact(sock, n))


def read_until_closed(sock, seconds):
    """(closed, bytes received): reads until the peer closes or seconds pass."""
    data = b""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError, OSError):
            return True, data
        if not chunk:
            return True, data
        data += chunk
    return False, data


def closed_within(sock, seconds):
    """True when the peer closes (EOF or reset) within seconds; data is
    read and dropped meanwhile."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            if not sock.recv(65536):
                return True
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError, OSError) as e:
            if isinstance(e, socket.timeout):
                continue
            return True
    return False


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def rss_kb(pid):
    """Resident memory of process pid, in KiB."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for process %d" % pid)


def env(name):
    v = os.environ.get(name)
    if not v:
        raise SystemExit("%s is not set: run the tests through tests/run" % name)
    return v
