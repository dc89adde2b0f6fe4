"""Kernel-provided hook implementations, registered through the same hooks as any plugin."""
