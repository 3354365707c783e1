"""64-bit integers across the JSON mapping.

Protobuf's canonical JSON mapping carries int64/uint64 fields as strings
("id": "42"), because JavaScript's numbers lose precision past 2**53.
Python's int does not, so the binding turns those strings into ints in
responses and sends ints as strings in requests: ids round-trip unchanged
at any size. Which fields are 64-bit comes from the library's own
introspection of liaison.proto (liaison_methods_json), so a new RPC needs
nothing here.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from . import _native

INT64_TYPES = frozenset(("int64", "sint64", "sfixed64", "uint64", "fixed64"))

# A message's fields by JSON name: (type, repeated, the sub-schema of a message).
Schema = Dict[str, Any]

_methods: Optional[Dict[str, Dict[str, Schema]]] = None


def _schema(fields: List[dict]) -> Schema:
    out: Schema = {}
    for f in fields:
        sub = _schema(f["fields"]) if "fields" in f else None
        out[f["name"]] = (f["type"], bool(f.get("repeated")), sub)
    return out


def methods() -> Dict[str, Dict[str, Schema]]:
    """Every RPC: {"request": schema, "response": schema}, read once from the library."""
    global _methods
    if _methods is None:
        lib = _native.load()
        out = _native.ctypes.c_void_p()
        code = lib.liaison_methods_json(_native.ctypes.byref(out))
        text = _native.take_string(lib, out)
        if code != 0 or text is None:
            raise MemoryError("libliaison could not list its methods")
        _methods = {m["name"]: {"request": _schema(m["fields"]),
                                "response": _schema(m.get("responseFields", []))}
                    for m in json.loads(text)}
    return _methods


def _convert(value: Any, schema: Optional[Schema], to_wire: bool) -> Any:
    if schema is None or not isinstance(value, dict):
        return value
    out = {}
    for key, v in value.items():
        spec = schema.get(key)
        if spec is None:
            out[key] = v
            continue
        ftype, repeated, sub = spec
        items = v if repeated and isinstance(v, list) else None
        if ftype in INT64_TYPES:
            conv = _to_wire_int if to_wire else _from_wire_int
            out[key] = [conv(i) for i in items] if items is not None else conv(v)
        elif sub is not None:
            out[key] = ([_convert(i, sub, to_wire) for i in items] if items is not None
                        else _convert(v, sub, to_wire))
        else:
            out[key] = v
    return out


def _to_wire_int(v: Any) -> Any:
    return str(v) if isinstance(v, int) and not isinstance(v, bool) else v


def _from_wire_int(v: Any) -> Any:
    if isinstance(v, str):
        try:
            return int(v, 10)
        except ValueError:
            return v
    return v


def request_to_wire(method: str, request: Optional[dict]) -> Optional[dict]:
    m = methods().get(method)
    return _convert(request, m["request"] if m else None, True) if request else request


def response_from_wire(method: str, response: Optional[dict]) -> Optional[dict]:
    m = methods().get(method)
    return _convert(response, m["response"] if m else None, False) if response else response
