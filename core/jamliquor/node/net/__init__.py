"""JAMNP-S transport on QUIC (aioquic): TLS identities and ALPN (`tls.py`), message framing on
streams (`framing.py`), connections and their stream kinds (`connection.py`), the endpoint that
listens and dials (`transport.py`), and peer policy — preferred initiator, grid, scores
(`peers.py`). Nothing here knows about blocks; the node's protocols sit on top."""
