"""jamliquor-lite: a JAM light client for the JamLiquor kernel.

It follows a chain without executing it: every header is checked against the Safrole sealing
rules of GP v0.7.2 (§5, §6) with keys and entropy taken from state entries proved against
verified headers (JAMNP-S CE 129 boundary nodes, GP appendix D), and every answer it gives is a
proved state entry. It needs the kernel alone (no PVM plugin).

Modules: `proof` (CE 129 proofs ↔ state root), `sealing` (what headers and proofs say of the
Safrole state; the per-header checks), `chain` (the verified header tree, driven by a peer),
`peer` (what the light client asks of a peer; a trace-backed peer), `query` (proved service
queries), `cli` (the `jamliquor light` commands), `plugin` (the hooks it registers).
"""

__version__ = "0.1.0"
