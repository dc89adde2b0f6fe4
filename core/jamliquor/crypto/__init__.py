"""Cryptographic primitives (GP §3.8): hashes, Ed25519 (ZIP-215), Bandersnatch VRFs, shuffle."""
