"""The root of JamLiquor's typed errors.

Every error the kernel raises for bad *input* (malformed bytes, a missing or unreadable file, an
unknown spec or plugin, an invalid block, a corrupt store) derives from :class:`JamLiquorError`,
so a caller (the command line, the node, the fuzz target) can tell "the input was wrong" — one
clear line, nothing lost — from "JamLiquor has a bug". Subclasses keep their historical
built-in bases (``ValueError`` …) for callers that catch those.
"""

from __future__ import annotations


class JamLiquorError(Exception):
    """Base of every typed, user-explainable JamLiquor error."""
