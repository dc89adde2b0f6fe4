"""The light client's typed errors: what a lying or broken peer can make it reject.

Every one derives from `jamliquor.errors.JamLiquorError`, so the command line prints it as one
`error: ...` line and the follower logs it, drops the peer and keeps its verified head.
Header-rule failures reuse the kernel's `jamliquor.block.BlockError` classes (`BadSeal`, …).
"""

from __future__ import annotations

from jamliquor.errors import JamLiquorError


class LightError(JamLiquorError):
    """Base of the light client's errors."""


class ProofError(LightError):
    """A CE 129 response that does not prove what it claims against the state root."""


class MalformedProof(ProofError):
    """A node that is not 64 octets, a key that is not 31, duplicates, or too many nodes."""


class RootMismatch(ProofError):
    """No boundary node hashes to the state root: the nodes belong to another state."""


class MissingNode(ProofError):
    """A node on the path to the start key or the last key was withheld."""


class KeyOutOfRange(ProofError):
    """A returned key lies outside the requested range, or keys are not strictly ascending."""


class ValueMismatch(ProofError):
    """Returned key/value pairs differ from what the proved trie holds (altered, forged or withheld)."""


class NodeOrder(ProofError):
    """A child node listed before its parent (JAMNP-S CE 129 requires parents first)."""


class UnknownParent(LightError):
    """A header whose parent is not a verified header (nothing to check it against)."""


class InconsistentState(LightError):
    """A proved state entry disagrees with what the verified header chain implies."""


class PeerError(LightError):
    """The peer failed to answer (closed stream, reset, timeout, malformed message)."""
