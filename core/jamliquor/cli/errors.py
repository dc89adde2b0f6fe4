"""How the command line reports failures: one line naming the problem, a non-zero exit, no traceback.

Typed errors (`jamliquor.errors.JamLiquorError`: malformed bytes, unknown spec or plugin, bad
config, corrupt store …) and operating-system errors (missing or unreadable file, occupied
socket, unwritable directory) are the user's input being wrong: `report` prints them as one
`error:` line. Anything else is a JamLiquor bug: one line on stderr saying so, with the full
traceback written to a file for the bug report (or to stderr with JAMLIQUOR_DEBUG=1).
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback

from ..errors import JamLiquorError

EXIT_USAGE = 2  # bad input: the command could not do its job
EXIT_BUG = 70  # EX_SOFTWARE: an internal error


class UsageError(JamLiquorError):
    """A command-line argument that cannot be acted on (wrong layout, bad value)."""


def describe(exc: BaseException) -> str:
    """One line naming the problem."""
    if isinstance(exc, OSError) and exc.strerror:
        where = f" {exc.filename}" if exc.filename is not None else ""
        return f"{exc.strerror.lower()}:{where}" if where else exc.strerror.lower()
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return text or type(exc).__name__


def report(exc: BaseException) -> int:
    """Print `exc` for a user and return the process exit status."""
    if isinstance(exc, (JamLiquorError, OSError)):
        print(f"error: {describe(exc)}", file=sys.stderr)
        return EXIT_USAGE
    text = "".join(traceback.format_exception(exc))
    if os.environ.get("JAMLIQUOR_DEBUG"):
        print(text, file=sys.stderr, end="")
        return EXIT_BUG
    with tempfile.NamedTemporaryFile("w", prefix="jamliquor-crash-", suffix=".txt", delete=False) as fh:
        fh.write(text)
    print(f"internal error (a JamLiquor bug): {type(exc).__name__}: {describe(exc)}; "
          f"traceback in {fh.name}", file=sys.stderr)
    return EXIT_BUG
