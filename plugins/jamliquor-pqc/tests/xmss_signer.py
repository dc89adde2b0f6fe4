"""Subprocess for the XMSS kill test: sign numbered messages with one key and print each
signature (hex) on its own line as soon as it exists, until killed or `limit` is reached.

Usage: python xmss_signer.py SCHEME SECRET_HEX LIMIT   (JAMLIQUOR_DATA_DIR selects the state)
"""

from __future__ import annotations

import random
import sys
import time

from jamliquor.crypto import schemes
from jamliquor.plugins import PluginHost


def main() -> None:
    scheme, secret, limit = sys.argv[1], bytes.fromhex(sys.argv[2]), int(sys.argv[3])
    host = PluginHost(allow=["pqc"])
    print("READY", flush=True)
    for i in range(limit):
        signature = schemes.sign(scheme, secret, b"message %d" % i, host=host)
        sys.stdout.write(f"{i} {signature.hex()}\n")
        sys.stdout.flush()  # the signature has left the process
        time.sleep(random.random() * 0.004)
    time.sleep(60)  # idle until killed


if __name__ == "__main__":
    main()
