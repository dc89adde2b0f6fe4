"""Containers of the official test vectors (not protocol types): traces and per-STF cases."""
