#!/usr/bin/env python3
"""Hostile transport against the real server, each case while a
well-behaved client keeps being served: random bytes, plaintext, a TLS
client that then says nothing, a client that never reads, a 4 GiB length
prefix, frames over the pre-authentication limit, malformed protobuf,
requests before Hello, an unknown protocol version, wrong ALPN and TLS 1.2.
"""
import os
import socket
import ssl
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import liaison_wire as w  # noqa: E402

PORT = int(w.env("LIAISON_TEST_PORT"))
CA = w.env("LIAISON_TEST_CA")
LOG = os.path.join(w.env("LIAISON_TEST_DIR"), "main", "server.log")


class GoodClient(threading.Thread):
    """Pings every 20 ms over one connection and counts answers."""

    def __init__(self):
        super().__init__(daemon=True)
        self.ok = 0
        self.errors = []
        self.max_latency = 0.0
        self.stop = threading.Event()

    def run(self):
        try:
            s = w.connect(PORT, CA)
            s.sendall(w.hello())
            rid, code, msg, _ = w.recv_frame(s)
            assert code == 0, msg
            n = 1
            while not self.stop.is_set():
                n += 1
                t0 = time.monotonic()
                s.sendall(w.ping(n, "good %d" % n))
                rid, code, msg, payload = w.recv_frame(s)
                if rid != n or code != 0 or w.decode_echo(payload) != "good %d" % n:
                    self.errors.append("bad answer %r %r %r" % (rid, code, msg))
                else:
                    self.ok += 1
                self.max_latency = max(self.max_latency, time.monotonic() - t0)
                time.sleep(0.02)
            s.close()
        except Exception as e:  # noqa: BLE001 - any failure is the finding
            self.errors.append(repr(e))


good = GoodClient()
failures = []


def case(name):
    def wrap(fn):
        before = good.ok
        try:
            fn()
            time.sleep(0.2)
            if good.errors:
                raise AssertionError("well-behaved client failed: %s" % good.errors)
            if good.ok <= before:
                raise AssertionError("well-behaved client got no answers meanwhile")
            print("ok - %s (good client answered %d times)" % (name, good.ok - before))
        except Exception as e:  # noqa: BLE001
            failures.append(name)
            print("not ok - %s: %s" % (name, e))
        return fn
    return wrap


def raw_socket(rcvbuf=None):
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(5)
    s.connect(("127.0.0.1", PORT))
    return s


def expect_error_then_close(s, code, text):
    rid, got, msg, _ = w.recv_frame(s)
    assert got == code, "wanted %s, got %s (%s)" % (w.CODES.get(code), w.CODES.get(got, got), msg)
    assert text in msg, "message %r lacks %r" % (msg, text)
    assert w.closed_within(s, 5), "connection not closed after the error"


good.start()
time.sleep(0.5)


@case("random bytes to the port")
def _():
    s = raw_socket()
    s.sendall(os.urandom(65536))
    assert w.closed_within(s, 5), "server kept a garbage connection open"


@case("plaintext client")
def _():
    s = raw_socket()
    s.sendall(w.hello())
    assert w.closed_within(s, 5), "server kept a plaintext connection open"


@case("TLS done, then silence: cut off by the Hello timeout")
def _():
    s = w.connect(PORT, CA)
    t0 = time.monotonic()
    assert w.closed_within(s, 5), "silent client not disconnected"
    took = time.monotonic() - t0
    assert took >= 0.5, "closed too early (%.2fs)" % took


@case("TCP connect, then silence: cut off by the handshake timeout")
def _():
    s = raw_socket()
    assert w.closed_within(s, 5), "silent TCP client not disconnected"


@case("client that never reads its responses")
def _():
    s = w.connect(PORT, CA, rcvbuf=4096)
    s.sendall(w.hello())
    w.recv_frame(s)
    s.setblocking(False)
    echo = "x" * 4000
    sent, n, deadline = 0, 1, time.monotonic() + 20
    disconnected = False
    while time.monotonic() < deadline:
        n += 1
        data = w.ping(n, echo)
        try:
            s.send(data)
            sent += 1
        except (ssl.SSLWantWriteError, BlockingIOError):
            time.sleep(0.05)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            disconnected = True
            break
        with open(LOG, errors="replace") as f:
            if "client not reading, disconnected" in f.read():
                disconnected = True
                break
    assert disconnected, "non-reading client still connected after %d requests" % sent
    s.close()


@case("4 GiB length prefix")
def _():
    s = w.connect(PORT, CA)
    s.sendall(w.hello())
    w.recv_frame(s)
    s.sendall(struct.pack(">I", 0xFFFFFFFF))
    expect_error_then_close(s, 8, "exceeds the limit")


@case("frame over the pre-authentication limit (16 KiB)")
def _():
    s = w.connect(PORT, CA)
    s.sendall(w.hello())
    w.recv_frame(s)
    s.sendall(struct.pack(">I", 20000) + b"\0" * 100)
    expect_error_then_close(s, 8, "exceeds the limit of 16384")


@case("malformed protobuf in a well-framed body")
def _():
    s = w.connect(PORT, CA)
    s.sendall(w.hello())
    w.recv_frame(s)
    body = b"\x08\xff\xff\xff"
    s.sendall(struct.pack(">I", len(body)) + body)
    expect_error_then_close(s, 3, "malformed frame")


@case("zero-length frame")
def _():
    s = w.connect(PORT, CA)
    s.sendall(w.hello())
    w.recv_frame(s)
    s.sendall(struct.pack(">I", 0))
    expect_error_then_close(s, 3, "request_id must not be 0")


@case("request before Hello")
def _():
    s = w.connect(PORT, CA)
    s.sendall(w.ping(1, "too early"))
    expect_error_then_close(s, 9, "Hello must be the first request")


@case("unknown protocol version")
def _():
    s = w.connect(PORT, CA)
    s.sendall(w.hello(version=99))
    rid, code, msg, _ = w.recv_frame(s)
    assert rid == 1 and code == 9, (rid, code, msg)
    assert "unsupported protocol version 99" in msg, msg
    assert w.closed_within(s, 5)


@case("unknown method and invalid UTF-8 answered, connection kept")
def _():
    s = w.connect(PORT, CA)
    s.sendall(w.hello())
    w.recv_frame(s)
    s.sendall(w.frame(2, "Frobnicate"))
    rid, code, msg, _ = w.recv_frame(s)
    assert rid == 2 and code == 12, (rid, code, msg)
    s.sendall(w.frame(3, "Ping", w.field_bytes(1, b"\xc3\x28")))
    rid, code, msg, _ = w.recv_frame(s)
    assert rid == 3 and code == 3 and "echo" in msg, (rid, code, msg)
    s.sendall(w.ping(4, "fine"))
    rid, code, msg, payload = w.recv_frame(s)
    assert rid == 4 and code == 0 and w.decode_echo(payload) == "fine"


@case("wrong ALPN refused")
def _():
    try:
        s = w.connect(PORT, CA, alpn=("h2",))
    except (ssl.SSLError, ConnectionResetError):
        return
    assert w.closed_within(s, 3), "handshake with ALPN h2 was accepted"


@case("TLS 1.2 refused by default")
def _():
    try:
        s = w.connect(PORT, CA, tls12_only=True)
    except (ssl.SSLError, ConnectionResetError):
        return
    raise AssertionError("TLS 1.2 handshake succeeded (%s)" % s.version())


@case("many connections at once, then all dropped")
def _():
    socks = [raw_socket() for _ in range(200)]
    for s in socks:
        s.close()


good.stop.set()
good.join(10)
print("well-behaved client: %d answers, worst latency %.1f ms, errors %s"
      % (good.ok, good.max_latency * 1000, good.errors or "none"))
if failures or good.errors:
    print("hostile: FAILED: %s" % ", ".join(failures))
    sys.exit(1)
print("hostile: all passed")
