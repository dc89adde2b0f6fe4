"""Typed codec errors. Every decoding failure is a `CodecError` naming the type path and byte offset."""

from __future__ import annotations

from ..errors import JamLiquorError


class CodecError(JamLiquorError, ValueError):
    """Base of all codec errors: `path` is the dotted type/field path, `offset` the byte offset."""

    def __init__(self, reason: str, offset: int | None = None, path: str = "") -> None:
        self.reason = reason
        self.offset = offset
        self.path = path
        super().__init__(reason)

    def at(self, segment: str) -> "CodecError":
        """Prefix a path segment (called while the error unwinds through containers)."""
        self.path = f"{segment}.{self.path}" if self.path and not self.path.startswith("[") else f"{segment}{self.path}"
        return self

    def __str__(self) -> str:
        where = f" at {self.path or '<root>'}"
        if self.offset is not None:
            where += f" (byte {self.offset})"
        return f"{self.reason}{where}"


class TruncatedError(CodecError):
    """Input ended before the value was complete."""


class TrailingBytesError(CodecError):
    """Input continues after a complete top-level value."""


class BadDiscriminantError(CodecError):
    """An optional/union/boolean discriminant outside its allowed set."""


class BadLengthError(CodecError):
    """A length prefix larger than the input can hold, or a fixed-size value of the wrong size."""


class NonCanonicalError(CodecError):
    """A natural number not in the GP's unique (shortest) encoding."""


class EncodeError(CodecError):
    """A value that cannot be encoded as its type (out of range, wrong size or kind)."""


class JsonShapeError(CodecError):
    """A JSON value whose shape does not match the type."""
