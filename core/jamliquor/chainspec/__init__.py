"""Chainspecs (JIP-4, `specs/JIP-4.md`): the JSON file naming a network's id, bootnodes, genesis
header and state, and protocol parameters; and the development genesis JamLiquor writes."""

from .bootnodes import Bootnode, BootnodeError
from .document import ChainspecError, ChainspecFile, load_chainspec
from .genesis import DevGenesis, dev_chainspec, dev_genesis, dev_preimages, endpoint_metadata, metadata_endpoint

__all__ = [
    "Bootnode", "BootnodeError", "ChainspecError", "ChainspecFile", "DevGenesis", "dev_chainspec", "dev_genesis",
    "dev_preimages", "endpoint_metadata", "load_chainspec", "metadata_endpoint",
]
