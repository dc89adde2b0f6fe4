"""First-difference finder used by conformance suites to name the field that differs."""

from __future__ import annotations

import attrs


def _show(v: object) -> str:
    if isinstance(v, (bytes, bytearray, memoryview)):
        b = bytes(v)
        h = b.hex()
        return "0x" + (h if len(h) <= 64 else h[:64] + f"…({len(b)} bytes)")
    s = repr(v)
    return s if len(s) <= 120 else s[:120] + "…"


def first_difference(got: object, want: object, path: str = "") -> str | None:
    """Return `path: got X, want Y` for the first differing leaf, or None if equal."""
    if got is want:
        return None
    here = path or "<root>"
    if attrs.has(type(got)) and attrs.has(type(want)) and type(got) is type(want):
        for f in attrs.fields(type(got)):
            d = first_difference(getattr(got, f.name), getattr(want, f.name), f"{path}.{f.name}" if path else f.name)
            if d:
                return d
        return None
    if isinstance(got, dict) and isinstance(want, dict):
        for k in sorted(set(got) | set(want), key=repr):
            if k not in got:
                return f"{path}[{k!r}]: missing, want {_show(want[k])}"
            if k not in want:
                return f"{path}[{k!r}]: unexpected {_show(got[k])}"
            d = first_difference(got[k], want[k], f"{path}[{k!r}]")
            if d:
                return d
        return None
    if isinstance(got, (list, tuple)) and isinstance(want, (list, tuple)):
        for i, (g, w) in enumerate(zip(got, want)):
            d = first_difference(g, w, f"{path}[{i}]")
            if d:
                return d
        if len(got) != len(want):
            return f"{here}: length {len(got)}, want {len(want)}"
        return None
    if got != want:
        return f"{here}: got {_show(got)}, want {_show(want)}"
    return None
