"""libliaison.so.0 through ctypes: finding it and declaring what is called.

The library is found through the LIAISON_LIBRARY environment variable (a
path), then the system loader (libliaison.so.0). Only the JSON-shaped part
of the C API is bound: every RPC goes through liaison_call_json(),
liaison_call_stream() or the pipelined liaison_send_json()/recv_json().
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
from typing import Optional

SONAME = "libliaison.so.0"

conn_p = ctypes.c_void_p
CHUNK_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p)

_lock = threading.Lock()
_lib: Optional[ctypes.CDLL] = None


class LibraryNotFound(ImportError):
    """libliaison could not be loaded: the message says where it was looked for."""


def _declare(lib: ctypes.CDLL) -> None:
    c_int, c_char_p, c_void_p = ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p
    out_str = ctypes.POINTER(c_void_p)  # char **: freed with liaison_string_free
    table = {
        "liaison_version": (c_char_p, []),
        "liaison_new": (conn_p, [c_char_p]),
        "liaison_set_option": (c_int, [conn_p, c_int, c_char_p]),
        "liaison_connect": (c_int, [conn_p]),
        "liaison_free": (None, [conn_p]),
        "liaison_error": (c_char_p, [conn_p]),
        "liaison_code_name": (c_char_p, [c_int]),
        "liaison_string_free": (None, [c_void_p]),
        "liaison_call_json": (c_int, [conn_p, c_char_p, c_char_p, out_str]),
        "liaison_call_stream": (c_int, [conn_p, c_char_p, c_char_p, CHUNK_FN, c_void_p,
                                        out_str]),
        "liaison_call_with_content": (c_int, [conn_p, c_char_p, c_char_p, c_char_p,
                                              ctypes.c_size_t, out_str]),
        "liaison_send_json": (c_int, [conn_p, c_char_p, c_char_p,
                                      ctypes.POINTER(ctypes.c_uint64)]),
        "liaison_recv_json": (c_int, [conn_p, c_int, ctypes.POINTER(ctypes.c_uint64),
                                      ctypes.POINTER(c_int), out_str]),
        "liaison_outstanding": (c_int, [conn_p]),
        "liaison_recv_more": (c_int, [conn_p]),
        "liaison_socket": (c_int, [conn_p]),
        "liaison_methods_json": (c_int, [out_str]),
        "liaison_login": (c_int, [conn_p, c_char_p, c_char_p, c_char_p, out_str]),
        "liaison_login_for": (c_int, [conn_p, c_char_p, c_char_p, c_char_p, c_char_p, out_str]),
        "liaison_logout": (c_int, [conn_p]),
        "liaison_retry_after_ms": (ctypes.c_uint32, [conn_p]),
        "liaison_read_after": (ctypes.c_uint64, [conn_p]),
        "liaison_set_read_after": (None, [conn_p, ctypes.c_uint64]),
        "liaison_set_idempotency_key": (c_int, [conn_p, c_char_p]),
        "liaison_idempotency_key": (c_char_p, [conn_p]),
        "liaison_method_is_create": (c_int, [c_char_p]),
    }
    for name, (restype, argtypes) in table.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes


def load() -> ctypes.CDLL:
    """The library, loaded once per process."""
    global _lib
    with _lock:
        if _lib is not None:
            return _lib
        tried = []
        path = os.environ.get("LIAISON_LIBRARY")
        candidates = [path] if path else []
        candidates.append(SONAME)
        found = ctypes.util.find_library("liaison")
        if found and found not in candidates:
            candidates.append(found)
        for candidate in candidates:
            try:
                lib = ctypes.CDLL(candidate)
            except OSError as e:
                tried.append("%s (%s)" % (candidate, e))
                continue
            _declare(lib)
            _lib = lib
            return lib
        raise LibraryNotFound("cannot load libliaison; set LIAISON_LIBRARY to the path of "
                              "libliaison.so.0 or install it where the loader finds it. Tried: "
                              + "; ".join(tried))


def take_string(lib: ctypes.CDLL, ptr: ctypes.c_void_p) -> Optional[str]:
    """A char * the library returned, decoded and freed."""
    if not ptr.value:
        return None
    try:
        return ctypes.string_at(ptr.value).decode("utf-8")
    finally:
        lib.liaison_string_free(ptr)
