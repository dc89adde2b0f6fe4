"""XMSS and XMSS^MT (RFC 8391, NIST SP 800-208) on hashlib, with a crash-safe one-time-key index."""
