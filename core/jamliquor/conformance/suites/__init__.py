"""One module per conformance suite; see `jamliquor.conformance`."""
