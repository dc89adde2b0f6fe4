"""The JAM conformance fuzzer protocol v1 (`fuzz-proto/`): messages and the `fuzz-target` server."""
