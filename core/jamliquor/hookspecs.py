"""The JamLiquor plugin contract: every hook a plugin may implement, on one page.

Plugins are discovered through the entry-point group ``jamliquor``; each entry point names a
module or object carrying functions decorated with :data:`hookimpl`. The kernel calls hooks
through :class:`jamliquor.plugins.PluginHost` (``host.call("execute", request=...)``), never by
importing a plugin. Implementations that live in the kernel (e.g. the built-in signature
schemes) register through these same hooks.

Conventions, as in pluggy/pytest:

* ``firstresult=True`` hooks stop at the first implementation returning something other than
  ``None``; an implementation that does not handle the request (an unknown scheme or model, say)
  returns ``None`` so the next one is asked.
* Collected hooks return a list with one entry per implementation.
* An exception raised inside an implementation reaches the caller as
  :class:`jamliquor.plugins.PluginCallError` naming the plugin and hook.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence

import pluggy

if TYPE_CHECKING:  # types only; the kernel never imports a plugin
    from .author import AuthoredBlock, ExtrinsicPools
    from .config import Config
    from .execution import ExecuteRequest, ExecuteResult
    from .keys import Keyring
    from .profiles import AuthorBudget
    from .spec import ChainSpec
    from .state import ChainState
    from .types import Block

PROJECT = "jamliquor"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec(firstresult=True)
def jamliquor_import_block(state: ChainState, block: Block, spec: ChainSpec) -> ChainState | None:
    """Validate ``block`` against the prior ``state`` and return the posterior state.

    Called by the node, the ``import``/``conformance traces`` commands and the fuzz target.
    Raise :class:`jamliquor.block.BlockError` or :class:`jamliquor.stf.StateError` for an
    invalid block (the prior state object stays valid and unchanged). Return ``None`` to let
    another implementation handle it. The kernel registers the GP v0.7.2 importer.
    """


@hookspec(firstresult=True)
def jamliquor_author_block(
    state: ChainState, slot: int, keys: Keyring, spec: ChainSpec, pools: ExtrinsicPools | None, budget: AuthorBudget | None
) -> AuthoredBlock | None:
    """Produce a sealed block for ``slot`` on top of ``state`` if one of the validator ``keys``
    holds the slot's sealing key (Safrole ticket or fallback key); ``None`` if none does.

    Extrinsics come from ``pools`` (tickets, preimages, guarantees, assurances, disputes; ``None``:
    none) within ``budget`` (``None``: the edge device profile's). The result carries the block,
    the posterior state the author computed by importing it, and the authoring log (what was
    included, dropped as invalid, or cut by the budget). The kernel registers the GP v0.7.2
    authorer (``jamliquor.author``).
    """


@hookspec(firstresult=True)
def jamliquor_execute(request: ExecuteRequest) -> ExecuteResult | None:
    """Run PVM code (GP appendix A) and return how it ended.

    ``request`` carries the program blob, entry point, gas limit, initial registers and/or
    argument memory, and a host-call handler through which alone the guest reaches chain
    state. The result gives the exit reason (halt, panic, out-of-gas, page fault, host call),
    gas used, final registers and the output. Called by accumulation (GP §12); provided by the
    ``jamliquor-polkavm`` plugin. Return ``None`` if this implementation cannot run the request.
    """


@hookspec(firstresult=True)
def jamliquor_sign(scheme: str, secret: bytes, message: bytes, context: bytes) -> bytes | None:
    """Sign ``message`` with ``secret`` under the named ``scheme``; ``None`` if not offered.

    Built-in schemes: ``"ed25519"`` (secret = 32-byte seed) and ``"bandersnatch"`` (an IETF VRF
    signature; ``message`` = VRF input ‖ aux split by :func:`split_vrf_message`). Plugins add
    others (e.g. ``jamliquor-pqc``: ML-DSA hedged and deterministic, XMSS, a composite); any
    randomness a scheme needs is its own, never a caller's. ``context`` is the FIPS 204
    context string (0–255 bytes; ``b""`` when the caller gives none, see :data:`HOOK_DEFAULTS`);
    schemes without contexts reject a non-empty one. Stateful schemes (XMSS) persist their
    one-time-key index before returning. Bad input (wrong size, over-long context, exhausted
    key) raises :class:`jamliquor.crypto.schemes.SchemeInputError`.
    """


@hookspec(firstresult=True)
def jamliquor_verify(scheme: str, public: bytes, message: bytes, signature: bytes, context: bytes) -> bool | None:
    """Check ``signature`` on ``message`` (and ``context``) by ``public`` under ``scheme``;
    ``None`` if not offered.

    Ed25519 verification follows ZIP-215 (consensus rules). Returns a bool; never raises for
    malformed keys, signatures or contexts (they are simply invalid).
    """


@hookspec
def jamliquor_signature_schemes() -> Sequence[str]:
    """The scheme names a plugin offers to ``sign``/``verify``/``keygen`` (collected from all plugins)."""


@hookspec(firstresult=True)
def jamliquor_keygen(scheme: str, seed: bytes) -> tuple[bytes, bytes] | None:
    """Derive the key pair ``(public, secret)`` of signature ``scheme`` from ``seed``; ``None``
    if not offered.

    Deterministic: the same seed gives the same pair; an empty seed asks for a fresh random one.
    Seed sizes are the scheme's own: 32 bytes for ``ed25519`` and ``bandersnatch`` (the
    kernel's), ξ (32 bytes) for ML-DSA (FIPS 204 Algorithm 6), SK_SEED ‖ SK_PRF ‖ PUB_SEED
    (3n bytes) for XMSS. ML-DSA also takes an expanded secret key (FIPS 204 skEncode) in place of
    ξ, to import it: the pair is then (its public key, the key itself). ``secret`` is what
    ``sign`` takes; a wrong seed size or an inconsistent expanded key raises
    :class:`jamliquor.crypto.schemes.SchemeInputError`.
    """


@hookspec(firstresult=True)
def jamliquor_kem_keygen(scheme: str, seed: bytes) -> tuple[bytes, bytes] | None:
    """Derive the key pair ``(public, secret)`` of key-encapsulation ``scheme`` from ``seed``
    (empty: a fresh random pair); ``None`` if not offered. ML-KEM: seed = d ‖ z, 64 bytes
    (FIPS 203 Algorithm 16), or an expanded decapsulation key dk to import (the pair is then
    (its ek, dk); one failing the FIPS 203 §7.3 check raises
    :class:`jamliquor.crypto.schemes.SchemeInputError`); X-Wing: 32 bytes."""


@hookspec(firstresult=True)
def jamliquor_kem_encapsulate(scheme: str, public: bytes) -> tuple[bytes, bytes] | None:
    """Encapsulate a fresh shared secret to ``public``: ``(ciphertext, shared_secret)``;
    ``None`` if not offered. The randomness is always the implementation's own (a caller-chosen
    ML-KEM m is Encaps_internal, for testing only: FIPS 203 §3.3). A malformed public key raises
    :class:`jamliquor.crypto.schemes.SchemeInputError` (e.g. FIPS 203 §7.2 input check)."""


@hookspec(firstresult=True)
def jamliquor_kem_decapsulate(scheme: str, secret: bytes, ciphertext: bytes) -> bytes | None:
    """Recover the shared secret of ``ciphertext`` with ``secret``; ``None`` if not offered.

    A well-sized but forged ML-KEM ciphertext yields the implicit-rejection secret (FIPS 203
    Algorithm 18), so callers authenticate what they derive from it (e.g. with an AEAD). ``secret``
    is what ``kem_keygen`` returns (for ML-KEM d ‖ z or an expanded dk). A wrong size or a dk
    failing the §7.3 check raises :class:`jamliquor.crypto.schemes.SchemeInputError`."""


@hookspec
def jamliquor_kem_schemes() -> Sequence[str]:
    """The key-encapsulation scheme names a plugin offers (collected from all plugins)."""


@hookspec(firstresult=True)
def jamliquor_predict(model: str, features: Sequence[float]) -> Sequence[float] | None:
    """Run the named ``model`` on a feature vector and return its outputs; ``None`` if unknown."""


@hookspec
def jamliquor_models() -> Sequence[str]:
    """The model names a plugin can ``predict`` with (collected from all plugins)."""


@hookspec(firstresult=True)
def jamliquor_install_model(model: str, path: str) -> str | None:
    """Register the model file at ``path`` as the new version of ``model``; ``None`` if not ours.

    The plugin checks the file first (a corrupt or mismatched one raises
    :class:`jamliquor.predict.errors.ModelFileError` and changes nothing), keeps a copy where it
    loads models from, and answers where. A running node's next ``predict`` uses it; calls in
    flight finish on the previous version.
    """


@hookspec
def jamliquor_configure(config: Config) -> None:
    """Apply the node's configuration: called when the process-wide host is created and again
    whenever the node reloads its configuration (so a setting can change on a running node).
    A plugin reads the keys it owns (e.g. ``pvm_backend`` for ``jamliquor-polkavm``) and
    ignores the rest; a call already in flight finishes with the old setting."""


@hookspec
def jamliquor_status() -> str | None:
    """A short, current status line for ``jamliquor plugins list`` (e.g. ``pvm backend:
    compiled``), or ``None``. The host asks each plugin separately (``PluginHost.status``)."""


@hookspec
def jamliquor_cli_commands() -> Mapping[str, Any]:
    """Command groups a plugin adds to the ``jamliquor`` command line: name → a ``typer.Typer``
    app (or a click command), e.g. ``{"light": app}`` for ``jamliquor light ...``.

    Collected from all loaded plugins, and only when the command line meets a command name the
    kernel does not have or lists its commands (``--help``), so a plugin should import its CLI
    module inside the implementation. Kernel commands keep their names (a plugin's command of
    the same name is ignored); two plugins offering one name is an error naming both. Commands
    report failures like the kernel's (one ``error:`` line for a ``JamLiquorError``).
    """


VRF_SEPARATOR = b"\x00\xffjamliquor-aux\xff\x00"


def split_vrf_message(message: bytes) -> tuple[bytes, bytes]:
    """Split a Bandersnatch ``sign``/``verify`` message into (VRF input, aux data).

    The message is ``vrf_input + VRF_SEPARATOR + aux``; without a separator all of it is the
    VRF input and aux is empty."""
    vrf_input, sep, aux = message.partition(VRF_SEPARATOR)
    return vrf_input, aux if sep else b""


HOOKS = (
    "import_block", "author_block", "execute",
    "sign", "verify", "signature_schemes", "keygen",
    "kem_keygen", "kem_encapsulate", "kem_decapsulate", "kem_schemes",
    "predict", "models", "install_model", "configure", "status", "cli_commands",
)

HOOK_DEFAULTS: dict[str, dict[str, Any]] = {"sign": {"context": b""}, "verify": {"context": b""}}
"""Arguments a caller may leave out, filled in by :meth:`jamliquor.plugins.PluginHost.call`."""
