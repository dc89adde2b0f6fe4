"""Validator keys: JIP-5 derivation from a seed, key files, keyrings and JAMNP-S key names.

Secrets never appear in a `repr`, a log line or command output unless a caller asks for them by
name (`ValidatorKeys.seed`, `jamliquor keys derive --secrets`).
"""

from .derivation import ValidatorKeys, derive, dev_keys, trivial_seed
from .keyfile import KeyFileError, read_key_file, write_key_file
from .keyring import Keyring
from .names import KeyNameError, key_from_name, key_name

__all__ = [
    "KeyFileError", "KeyNameError", "Keyring", "ValidatorKeys", "derive", "dev_keys", "key_from_name", "key_name",
    "read_key_file", "trivial_seed", "write_key_file",
]
